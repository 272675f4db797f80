"""Speed changes (issue 19) keep the results identical: each new path against the plain
computation it replaced."""

from __future__ import annotations

import json
import random

import duckdb
import polars as pl
import pytest

from dcmetrics.fmt import sort_vi

NAMES = ["Xã An", "Xã Ân", "Xã Bắc", "Phường Dương", "Xã Đông", "Xã Ánh", "Xã Ất", "Xã Bình", "Xã Zê", "Ô Môn",
         "Ơn", "Ư", "xã an", "Xã  An", None, ""]


def old_sort_vi(frame: pl.DataFrame, by: str, descending: bool = False) -> pl.DataFrame:
    """sort_vi as it was: the positions fetched as Python tuples."""
    con = duckdb.connect()
    try:
        con.register("frame_to_sort", frame.select(by).with_row_index("__pos"))
        order = con.sql(f'SELECT __pos FROM frame_to_sort ORDER BY "{by}" COLLATE vi '
                        f'{"DESC" if descending else "ASC"}, __pos').fetchall()
    finally:
        con.close()
    return frame[[r[0] for r in order]]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 17, 5_000])
def test_sort_vi_same_order_as_before(n, descending):
    rng = random.Random(n)
    frame = pl.DataFrame({"unit_name": [rng.choice(NAMES) for _ in range(n)], "code": [f"{i:05d}" for i in range(n)],
                          "total": [rng.random() for _ in range(n)]},
                         schema={"unit_name": pl.String, "code": pl.String, "total": pl.Float64})
    new = sort_vi(frame, "unit_name", descending=descending)
    assert new.equals(old_sort_vi(frame, "unit_name", descending))
    assert new.height == n and new.schema == frame.schema


def test_sort_vi_vietnamese_order():
    frame = pl.DataFrame({"unit_name": ["Xã Đông", "Xã Ân", "Xã Bắc", "Xã An", "Xã Dương"]})
    assert sort_vi(frame, "unit_name")["unit_name"].to_list() == ["Xã An", "Xã Ân", "Xã Bắc", "Xã Dương", "Xã Đông"]


def test_year_totals_kept_per_data_version_equal_to_the_stored_run(profiles):
    """year_totals is read on every rerun of the overview, the unit page and the what-if: kept
    per data version, equal to the stored run's units, and new as soon as the data change."""
    from dcmetrics import access, appraisal, bootstrap, scoring
    from dcmetrics.store import Store

    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    chung, year = profiles["chung"], 2024
    first = scoring.year_totals(s, chung, year)
    assert scoring.year_totals(s, chung, year) is first  # one read per data version
    plain = (scoring.stored_score(s, chung, [year]).year(year)
             .select("unit_code", "year", "unit_type", "total", "level", "rated"))
    assert first.sort("unit_code").equals(plain.sort("unit_code")) and first.height > 100
    assert scoring.year_totals(s, chung, year, "self") is not first
    unit = first.filter(pl.col("rated")).sort("total")["unit_code"][0]
    appraisal.set_appraisals(s, access.SYSTEM, [
        {"unit_code": unit, "year": year, "indicator": "DISC_VIOLATIONS", "value": 9,
         "reason": "Đoàn kiểm tra phát hiện 09 vi phạm"}])
    after = scoring.year_totals(s, chung, year)
    assert after is not first
    fresh = scoring._year_totals(s, chung, year, "appraised")
    assert after.equals(fresh)
    changed = after.join(first, on="unit_code", suffix="_before").filter(
        (pl.col("total") != pl.col("total_before")) | (pl.col("level") != pl.col("level_before")))
    assert changed["unit_code"].to_list() == [unit]
    s.close()


def test_subtrees_kept_per_data_version_and_follow_a_registry_change():
    """units.subtree and the access check's area codes are read once per data version; moving a
    unit (replace_units bumps the version) is seen at once, by the pages and by the access check."""
    from dcmetrics import access, bootstrap, units
    from dcmetrics.errors import AccessDenied, NotFound
    from dcmetrics.store import Store

    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    tree = units.subtree(s, "991")
    assert units.subtree(s, "991") is tree
    fresh = s.frame("WITH RECURSIVE t AS (SELECT code FROM units WHERE code = '991' UNION ALL "
                    "SELECT u.code FROM units u JOIN t ON u.parent_code = t.code) SELECT code FROM t")
    assert sorted(tree["code"]) == sorted(fresh["code"]) and tree.height > 10
    leader = access.get_account(s, "canbo.991")
    before = access.allowed_areas(s, leader)
    assert before == set(tree["code"])
    outside = s.rows("SELECT code FROM units WHERE type = 'commune' AND parent_code <> '991' ORDER BY code LIMIT 1")[0][0]
    with pytest.raises(AccessDenied):
        access.require(s, leader, access.READ_SCORES, unit_codes=[outside])
    with pytest.raises(NotFound):
        units.subtree(s, "KHONG-CO")
    moved = units.all_units(s).with_columns(
        pl.when(pl.col("code") == outside).then(pl.lit("991")).otherwise(pl.col("parent_code")).alias("parent_code"))
    units.replace_units(s, moved, access.SYSTEM)
    assert outside in set(units.subtree(s, "991")["code"]) and outside not in set(tree["code"])
    assert access.allowed_areas(s, leader) == before | {outside}
    access.require(s, leader, access.READ_SCORES, unit_codes=[outside])  # now inside: allowed
    s.close()


def _trends_equal(a, b) -> None:
    assert (a.years, a.merged_note) == (b.years, b.merged_note)
    for name in ("overall", "by_type", "movers", "transitions", "versions"):
        assert getattr(a, name).equals(getattr(b, name)), name
    for name in ("by_area", "units"):  # grouped without an order within a year: compared sorted
        x, y = getattr(a, name), getattr(b, name)
        assert x.sort(x.columns).equals(y.sort(y.columns)), name


def test_trends_kept_per_data_version_equal_to_a_fresh_computation(profiles):
    """The trends page asks trends() on every rerun: kept per data version, profile versions,
    filters and area, equal to the computation it replaced, new as soon as the data change, and
    the access check still runs on every call."""
    from dcmetrics import access, appraisal, bootstrap, trends
    from dcmetrics.dashboard import Filters
    from dcmetrics.errors import AccessDenied
    from dcmetrics.store import Store

    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    chung, f = profiles["chung"], Filters(2024)
    admin, leader = access.SYSTEM, access.get_account(s, "canbo.991")
    first = trends.trends(s, admin, chung, f)
    assert trends.trends(s, admin, chung, f) is first
    _trends_equal(first, trends._trends(s, chung, f, None))
    assert first.movers.height > 10 and len(first.years) >= 2
    # the leader's scope is its area: another entry, equal to the whole province cut to 991
    mine = trends.trends(s, leader, chung, f)
    assert mine is not first
    _trends_equal(mine, trends._trends(s, chung, f, "991"))
    assert mine.units["unit_code"].n_unique() < first.units["unit_code"].n_unique()
    outside = s.rows("SELECT code FROM units WHERE type = 'district' AND code <> '991' ORDER BY code LIMIT 1")[0][0]
    with pytest.raises(AccessDenied):  # refused before the cache is read
        trends.trends(s, leader, chung, Filters(2024, area=outside))
    unit = first.movers["unit_code"][0]
    appraisal.set_appraisals(s, access.SYSTEM, [
        {"unit_code": unit, "year": 2024, "indicator": "DISC_VIOLATIONS", "value": 9,
         "reason": "Đoàn kiểm tra phát hiện 09 vi phạm"}])
    after = trends.trends(s, admin, chung, f)
    assert after is not first
    _trends_equal(after, trends._trends(s, chung, f, None))
    row = lambda t: t.movers.filter(pl.col("unit_code") == unit).row(0, named=True)["total"]  # noqa: E731
    assert row(after) < row(first)
    s.close()


def test_a_kept_figure_is_drawn_as_the_dict_was():
    """ui.charts keeps the Figure, not its dict: st.plotly_chart's spec must be the same text."""
    import plotly.express as px
    import plotly.io
    import plotly.tools

    frame = pl.DataFrame({"year": [str(y) for y in range(2021, 2026)] * 20, "mean_total": [float(i) for i in range(100)],
                          "area_name": [f"Huyện {i // 5}" for i in range(100)]})
    fig = px.line(frame.to_pandas(), x="year", y="mean_total", color="area_name", markers=True)
    fig.update_layout(separators=",.")
    fig.add_vline(x=1.5, line_dash="dash", annotation_text="Đổi bộ tiêu chí: 2023.1 → 2025.1")

    def spec(f):  # what st.plotly_chart does with its argument
        return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(f, validate_figure=True),
                                 validate=False)

    # the same figure (the layout's keys may come in another order: the browser reads JSON)
    assert json.loads(spec(fig)) == json.loads(spec(fig.to_dict()))
    assert "Huyện 19" in spec(fig) and "Đổi bộ tiêu chí" in spec(fig)


def test_lineage_links_and_unaccounted_kept_per_data_version():
    """The administrative units page reads both on every rerun: kept per data version, equal to
    the plain reads, and an edit is seen at once."""
    from datetime import date

    from dcmetrics import access, bootstrap, lineage_edit, sqlfiles
    from dcmetrics.store import Store

    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    links, missing = lineage_edit.links(s), lineage_edit.unaccounted(s)
    assert lineage_edit.links(s) is links and lineage_edit.unaccounted(s) is missing
    assert links.equals(s.frame(sqlfiles.load("lineage_links"))) and links.height > 10
    assert missing.equals(lineage_edit._unaccounted(s))
    row = links.row(0, named=True)
    lineage_edit.remove_links(s, access.SYSTEM, [(row["old_code"], row["new_code"])], "Nhập nhầm")
    after = lineage_edit.links(s)
    assert after.height == links.height - 1 and after.equals(s.frame(sqlfiles.load("lineage_links")))
    assert lineage_edit.unaccounted(s).equals(lineage_edit._unaccounted(s))
    lineage_edit.add_links(s, access.SYSTEM, [lineage_edit.LinkEntry(row["old_code"], row["new_code"],
                                                                     date(2025, 7, 1))], "Nhập lại")
    assert lineage_edit.links(s).height == links.height
    s.close()
