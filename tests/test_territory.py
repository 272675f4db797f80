"""Profiles by territory (issue 14): which profile evaluates which units in which years, the
nearest area deciding; gaps and overlaps named unit by unit; each profile's units apart."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import insert_observations, table_digest

from dcmetrics import access, territory
from dcmetrics.dashboard import Filters, ranking
from dcmetrics.errors import ValidationError

UNITS = [{"code": "A1", "type": "commune", "parent_code": "A", "name": "Xã An"},
         {"code": "A2", "type": "agency", "parent_code": "A", "name": "Phòng Ánh"},
         {"code": "B1", "type": "commune", "parent_code": "B", "name": "Xã Bình"},
         {"code": "B2", "type": "commune", "parent_code": "B", "name": "Xã Bắc"}]


@pytest.fixture
def merged(store):
    """Two areas; B is the territory of a former province, under its own resolution from 2025."""
    obs = [{"unit_code": u["code"], "indicator": "TRAIN_STAFF", "value": 90.0} for u in UNITS]
    insert_observations(store, UNITS, obs, 2025)
    with store.transaction() as cur:  # both areas under one province
        cur.execute("INSERT INTO units VALUES ('P', 'Tỉnh Thử', 'province', NULL, NULL, NULL, NULL)")
        cur.execute("UPDATE units SET parent_code = 'P' WHERE code IN ('A', 'B')")
    return store


def rows(*spec) -> pl.DataFrame:
    return pl.DataFrame([dict(zip(("profile_id", "area_code", "unit_types", "year_from", "year_to", "reason"), r))
                         for r in spec], schema=territory.ASSIGNMENT_SCHEMA)


def test_nearest_area_decides_and_each_profile_shows_its_own_units(merged, profiles):
    frame = rows(("chung", "P", None, 2021, None, "bộ chung của tỉnh"),
                 ("bac-giang", "B", None, 2025, None, "địa bàn tỉnh cũ: nghị quyết cũ còn hiệu lực (Điều 54 khoản 2)"))
    assert territory.set_assignments(merged, access.SYSTEM, frame, profiles, [2025]) == 2
    assert sorted(territory.units_of(merged, "bac-giang", 2025)) == ["B1", "B2"]
    assert sorted(territory.units_of(merged, "chung", 2025)) == ["A1", "A2"]
    assert territory.profiles_in_area(merged, "B", 2025) == ["bac-giang"]
    assert territory.profiles_in_area(merged, None, 2025) == ["bac-giang", "chung"]
    # the ranking of each profile holds only its units
    assert set(ranking(merged, profiles["chung"], Filters(2025), access.SYSTEM)["unit_code"]) == {"A1", "A2"}
    assert set(ranking(merged, profiles["bac-giang"], Filters(2025), access.SYSTEM)["unit_code"]) == {"B1", "B2"}
    assert merged.rows("SELECT count(*) FROM audit WHERE action = 'assignments_set'")[0][0] == 1


@pytest.mark.parametrize(("spec", "messages"), [
    ([("chung", "A", None, 2021, None, "chỉ địa bàn A")],
     ["năm 2025, đơn vị Xã Bắc (B2): chưa có bộ tiêu chí nào đánh giá đơn vị này",
      "năm 2025, đơn vị Xã Bình (B1): chưa có bộ tiêu chí nào đánh giá đơn vị này"]),
    ([("chung", "P", None, 2021, None, "bộ chung"), ("ca-mau", "A", ["commune"], 2025, None, "x"),
      ("vinh-linh", "A", ["commune"], 2025, None, "y")],
     ["năm 2025, đơn vị Xã An (A1): được giao cho 2 bộ tiêu chí cùng lúc: ca-mau, vinh-linh"]),
    ([("khong-co", "Z", ["thon"], 2026, 2025, " ")],
     ["phân công 1: bộ tiêu chí «khong-co» không có", "phân công 1: địa bàn «Z» không có trong danh mục đơn vị",
      "phân công 1: loại đơn vị không hợp lệ: thon", "phân công 1: năm bắt đầu phải có và không sau năm kết thúc",
      "phân công 1: thiếu lý do (văn bản nào còn hiệu lực trên địa bàn này)"]),
], ids=["gap", "overlap", "bad-rows"])
def test_gaps_and_overlaps_are_named_unit_by_unit_and_nothing_is_stored(merged, profiles, spec, messages):
    before = table_digest(merged)
    with pytest.raises(ValidationError) as e:
        territory.set_assignments(merged, access.SYSTEM, rows(*spec), profiles, [2025])
    assert [str(p) for p in e.value.problems] == messages
    assert table_digest(merged) == before


def test_without_assignments_every_profile_scores_every_unit(merged, profiles):
    assert territory.units_of(merged, "chung", 2025) is None
    assert set(ranking(merged, profiles["bac-giang"], Filters(2025), access.SYSTEM)["unit_code"]) == \
        {"A1", "A2", "B1", "B2"}


def test_only_a_methodologist_or_administrator_assigns(merged, profiles):
    leader = access.Account("lanhdao.x", access.LEADER, access.ALL_AREAS, "Lãnh đạo")
    from dcmetrics.errors import AccessDenied

    with pytest.raises(AccessDenied):
        territory.set_assignments(merged, leader, rows(("chung", "P", None, 2021, None, "x")), profiles, [2025])


def test_the_commendation_shortlist_is_per_profile(merged, profiles):
    from dcmetrics.shortlist import Rules, shortlist

    territory.set_assignments(merged, access.SYSTEM, rows(
        ("chung", "P", None, 2021, None, "bộ chung của tỉnh"),
        ("bac-giang", "B", None, 2025, None, "địa bàn tỉnh cũ")), profiles, [2025])
    for pid, codes in (("chung", {"A1", "A2"}), ("bac-giang", {"B1", "B2"})):
        p = profiles[pid]
        sl = shortlist(merged, access.SYSTEM, p, 2025, Rules.from_profile(p, basis="appraised"))
        assert set(sl.units["unit_code"]) == codes, pid


# ---------------------------------------------------------------- levels across profiles

def assign_two(store, profiles):
    territory.set_assignments(store, access.SYSTEM, rows(
        ("chung", "P", None, 2021, None, "bộ chung của tỉnh"),
        ("bac-giang", "B", None, 2025, None, "địa bàn tỉnh cũ")), profiles, [2025])


def test_levels_only_across_profiles_each_unit_under_its_own(merged, profiles):
    from dcmetrics.dashboard import WHY_NOT_POINTS, cross_profile_levels

    assign_two(merged, profiles)
    view = cross_profile_levels(merged, profiles, Filters(2025), access.SYSTEM)
    assert "total" not in view.units.columns and "total" not in view.distribution.columns  # no points at all
    by_unit = {r["unit_code"]: r for r in view.units.iter_rows(named=True)}
    assert {c: r["profile_id"] for c, r in by_unit.items()} == {"A1": "chung", "A2": "chung",
                                                               "B1": "bac-giang", "B2": "bac-giang"}
    for pid in ("chung", "bac-giang"):  # the level each profile's own ranking gives, and its order there
        names = profiles[pid].in_force(2025).level_names()
        for r in ranking(merged, profiles[pid], Filters(2025), access.SYSTEM).iter_rows(named=True):
            assert by_unit[r["unit_code"]]["level"] == r["level"] == "Yếu"  # 90% of one item: a few points
            assert by_unit[r["unit_code"]]["level_ord"] == names.index(r["level"]) + 1 == 4
    dist = {(r["profile_id"], r["level"]): (r["count"], r["share"]) for r in view.distribution.iter_rows(named=True)}
    assert dist[("chung", "Yếu")] == (2, 1.0) and dist[("bac-giang", "Yếu")] == (2, 1.0)
    assert dist[("chung", "Tốt")] == (0, 0.0)
    assert view.why == WHY_NOT_POINTS and "không so sánh được" in view.why
    why = {r["profile_id"]: r for r in view.profiles.iter_rows(named=True)}
    assert (why["chung"]["n_groups"], why["bac-giang"]["n_groups"]) == (7, 4)  # Bắc Giang khoản 5 left out of units (the province's duty)
    assert why["bac-giang"]["document"].startswith("46/NQ-HĐND")
    assert why["chung"]["bands"] == "Tốt từ 90; Khá từ 75; Trung bình từ 50; Yếu từ 0"
    assert why["chung"]["bands_source"] == "mặc định của phần mềm — chưa có văn bản quy định"


def test_levels_across_profiles_only_for_units_the_account_reads(merged, profiles):
    from dcmetrics.dashboard import cross_profile_levels
    from dcmetrics.errors import AccessDenied

    assign_two(merged, profiles)
    access.create_account(merged, access.SYSTEM, "lanhdao.b", "mat-khau-dai-2025", access.LEADER, "B")
    view = cross_profile_levels(merged, profiles, Filters(2025), "lanhdao.b")
    assert set(view.units["unit_code"]) == {"B1", "B2"} and set(view.units["profile_id"]) == {"bac-giang"}
    with pytest.raises(AccessDenied):
        cross_profile_levels(merged, profiles, Filters(2025, area="A"), "lanhdao.b")


def test_without_assignments_there_is_nothing_to_set_side_by_side(merged, profiles):
    from dcmetrics.dashboard import cross_profile_levels
    from dcmetrics.errors import Conflict

    with pytest.raises(Conflict, match="Chưa phân công bộ tiêu chí theo địa bàn"):
        cross_profile_levels(merged, profiles, Filters(2025), access.SYSTEM)


# ---------------------------------------------------------------- the ranking page's toggle (AppTest)

from test_pages import (_admin_credentials, _navigation_not_pages_dir, app_env, run_app,  # noqa: E402,F401
                        sample_db)


@pytest.fixture
def two_profiles(app_env, profiles):
    """The app's sample province as it ships: the absorbed province's former territory under its
    own resolution (the sample's stand-in: tiep-can-phap-luat-mau), the rest under chung."""
    from ui.context import get_store

    store = get_store()
    assert set(territory.assigned_profiles(store)) == {"chung", FORMER}
    return store


FORMER = "tiep-can-phap-luat-mau"


def test_ranking_page_compares_levels_only_across_profiles(two_profiles, profiles):
    from dcmetrics.dashboard import WHY_NOT_POINTS, cross_profile_levels

    at = run_app("ranking")
    at.selectbox(key="year").set_value(2025).run()
    toggle = at.toggle(key="cross_profile")
    assert toggle.label == "So sánh giữa các bộ tiêu chí (chỉ so mức độ)" and toggle.value is False
    assert any("Tổng điểm" in d.value.columns for d in at.dataframe)  # each profile's own ranking by default
    toggle.set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [i.value for i in at.info] == [WHY_NOT_POINTS]
    expected = cross_profile_levels(two_profiles, profiles, Filters(2025), access.SYSTEM).units
    assert set(expected["profile_id"]) == {"chung", FORMER}
    table = next(d.value for d in at.dataframe if "Bộ tiêu chí đánh giá" in d.value.columns)
    assert "Tổng điểm" not in table.columns and not any("Tổng điểm" in d.value.columns for d in at.dataframe)
    assert list(table["Mã"]) == expected["unit_code"].to_list()
    assert list(table["Mức độ"]) == expected["level"].to_list()
    in_former = set(territory.units_of(two_profiles, FORMER, 2025))
    titles = {p: profiles[p].in_force(2025).title for p in ("chung", FORMER)}
    assert {c: t for c, t in zip(table["Mã"], table["Bộ tiêu chí đánh giá"])} == {
        c: titles[FORMER if c in in_former else "chung"] for c in table["Mã"]}
    assert in_former & set(table["Mã"]) and set(table["Mã"]) - in_former
    reasons = next(d.value for d in at.dataframe if "Nguồn ngưỡng mức độ" in d.value.columns)
    assert sorted(reasons["Số nhóm biện pháp"]) == sorted(
        len(profiles[p].in_force(2025).groups) for p in ("chung", FORMER))


def test_the_toggle_is_offered_only_where_units_sit_under_several_profiles(two_profiles):
    at = run_app("ranking")
    at.selectbox(key="year").set_value(2025).run()
    at.selectbox(key="area").set_value("99401").run()  # a new commune under the province's profile alone
    assert not at.exception
    assert not [t for t in at.toggle if t.key == "cross_profile"]
    at.selectbox(key="year").set_value(2024).run()
    at.selectbox(key="area").set_value("991").run()  # a district of the province before the reform
    assert not [t for t in at.toggle if t.key == "cross_profile"]
    at.selectbox(key="area").set_value(None).run()  # the whole province: the former province's area too
    assert [t for t in at.toggle if t.key == "cross_profile"]

def test_units_of_matches_the_resolution_row_by_row_and_follows_changes(merged, profiles):
    """The vectorised, cached units_of against the plain reading of the resolution (each unit whose
    only profile is the one asked), with an overlap and a gap stored behind the validation's back."""
    frame = rows(("chung", "P", None, 2021, None, "bộ chung"),
                 ("bac-giang", "B", None, 2025, None, "tỉnh cũ"))
    territory.set_assignments(merged, access.SYSTEM, frame, profiles, [2025])
    with merged.transaction() as cur:  # B2 under two profiles, A2 under none
        cur.execute("INSERT INTO profile_assignments (profile_id, area_code, unit_types, year_from, year_to, reason, "
                    "set_by) VALUES ('ca-mau', 'B2', NULL, 2025, NULL, 'chồng lấn', 'test'), "
                    "('vinh-linh', 'A1', ['commune'], 2025, NULL, 'gần nhất', 'test')")
        cur.execute("UPDATE profile_assignments SET unit_types = ['commune'] WHERE area_code = 'P'")
        from dcmetrics.store import bump_data_version
        bump_data_version(cur)
    resolved = territory._resolved(merged, territory.assignments(merged), [2025])
    for pid in ("chung", "bac-giang", "ca-mau", "vinh-linh"):
        plain = [r["unit_code"] for r in resolved.iter_rows(named=True) if (r["profiles"] or []) == [pid]]
        assert territory.units_of(merged, pid, 2025) == plain
    assert territory.units_of(merged, "bac-giang", 2025) == ["B1"]  # B2 is in two: neither profile's
    assert "A2" not in territory.units_of(merged, "chung", 2025)  # an agency: no assignment covers it
    assert territory.assigned_profiles(merged) == {"chung", "bac-giang", "ca-mau", "vinh-linh"}
    assert territory.units_of(merged, "vi-du-khong-giao", 2025) is None
    # a change of the assignments (data version bumped) is seen at once, not the cached answer
    territory.set_assignments(merged, access.SYSTEM, rows(("chung", "P", None, 2021, None, "bộ chung")), profiles,
                              [2025])
    assert sorted(territory.units_of(merged, "chung", 2025)) == ["A1", "A2", "B1", "B2"]
    assert territory.assigned_profiles(merged) == {"chung"}
    assert territory.units_of(merged, "bac-giang", 2025) is None
