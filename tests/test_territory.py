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
