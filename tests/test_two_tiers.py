"""Uploads, locks, templates and areas after the 2025 reform (issue 14): a new commune sends its
own figures, a department those of its service units, a district's account keeps its old years."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import table_digest

from dcmetrics import config, units
from dcmetrics.errors import AccessDenied, ValidationError
from dcmetrics.ingest import commit as ingest
from dcmetrics.ingest.template import template_units

YEAR = 2025


def sample_file(area: str, year: int = YEAR) -> bytes:
    return (config.SAMPLE_DIR / str(year) / f"{area}.csv").read_bytes()


def codes_of(content: bytes) -> list[str]:
    return [line.split(",")[0] for line in content.decode("utf-8-sig").splitlines()[1:] if line]


def test_a_new_commune_sends_its_own_file_and_no_other(fresh_sample_store):
    store = fresh_sample_store
    own = sample_file("99401")
    res = ingest.import_file(store, own, "99401.csv", YEAR, "canbo.99401", area_code="99401", dry_run=True)
    assert res.checked.n_units == len(codes_of(own)) >= 1
    assert set(res.observations["unit_code"]) == set(codes_of(own))
    before = table_digest(store)
    with pytest.raises(AccessDenied):
        ingest.import_file(store, sample_file("99402"), "99402.csv", YEAR, "canbo.99401", area_code="99402")
    assert table_digest(store) == before


def test_a_department_sends_its_service_units_only(fresh_sample_store):
    store = fresh_sample_store
    own = sample_file("CQ99007")
    res = ingest.import_file(store, own, "CQ99007.csv", YEAR, "canbo.soyte", area_code="CQ99007", dry_run=True)
    assert res.checked.n_units == len(codes_of(own))
    assert all(c.startswith("SN") for c in codes_of(own))  # the hospital, the CDC, the health centres
    school = sample_file("CQ99006").decode("utf-8-sig").splitlines()[1]  # Sở Giáo dục's school
    mixed = own + school.encode("utf-8") + b"\n"
    with pytest.raises(ValidationError) as e:
        ingest.check_file(store, mixed, "CQ99007.csv", YEAR, "canbo.soyte", "CQ99007")
    row = len(codes_of(own)) + 2
    code = school.split(",")[0]
    assert [str(p) for p in e.value.problems] == [
        f"dòng {row}, cột «ma_don_vi»: đơn vị «{code}» không thuộc địa bàn được phép gửi số liệu"]


def test_a_district_takes_no_file_after_the_reform_and_keeps_its_old_years(fresh_sample_store):
    store = fresh_sample_store
    before = table_digest(store)
    with pytest.raises(ValidationError) as e:
        ingest.import_file(store, sample_file("991", 2024).replace(b",2024,", b",2025,"), "991.csv", YEAR,
                           "canbo.991", area_code="991")
    [problem] = e.value.problems
    assert str(problem).startswith("tệp: Địa bàn Thành phố Mẫu An Hòa (991) không còn hoạt động trong năm 2025 "
                                   "(hoạt động đến năm 2024, trước khi sắp xếp).")
    assert table_digest(store) == before
    assert ingest.import_file(store, sample_file("991", 2024), "991.csv", 2024, "canbo.991", area_code="991",
                              dry_run=True).checked.n_units == 25
    # and a new commune takes no file for the years before it existed
    with pytest.raises(ValidationError) as e:
        ingest.check_file(store, sample_file("99401"), "99401.csv", 2024, "canbo.99401", "99401")
    assert "chưa hoạt động trong năm 2024 (hoạt động từ năm 2025)" in str(e.value.problems[0])


def test_areas_and_the_opening_year_follow_the_shape_of_each_year(sample_store):
    y24, y25 = set(units.areas(sample_store, 2024)["code"]), set(units.areas(sample_store, 2025)["code"])
    assert {"991", "981", "98"} <= y24 and not {"99401", "99457"} & y24
    assert {"99401", "99457", "CQ99007"} <= y25 and not {"991", "981", "98"} & y25
    # old communes under a district are not areas of their own: their district uploads
    assert "99001" not in y24
    years = [2025, 2024, 2023]
    assert units.default_year(sample_store, "991", years) == 2024
    assert units.default_year(sample_store, "99401", years) == 2025
    assert units.default_year(sample_store, "99", years) == 2025


def test_a_commune_s_template_and_lock_are_its_own(fresh_sample_store):
    store = fresh_sample_store
    tpl = template_units(store, "99401", YEAR)
    assert set(tpl["code"]) == set(codes_of(sample_file("99401")))
    ingest.approve(store, "thamdinh.tinh", "99401", YEAR)
    with pytest.raises(ValidationError) as e:
        ingest.import_file(store, sample_file("99401"), "99401.csv", YEAR, "canbo.99401", area_code="99401")
    assert "đã được phê duyệt và khóa" in str(e.value.problems[0])
    # the next commune is untouched by that lock
    assert ingest.upload_locks(store, "quantri.demo", "99403", YEAR).is_empty()  # (awaiting review)
    status = ingest.area_status(store, "thamdinh.tinh", YEAR)
    assert status.filter(pl.col("area_code") == "99401")["review_state"].item() == "approved"


def test_a_unit_is_ranked_among_its_own_profile_s_units(sample_store, profiles):
    """The former territory is evaluated under another resolution: under the province's profile,
    ranks, their count and the unit's history count only the province's own units."""
    from dcmetrics import access, territory
    from dcmetrics.dashboard import Filters, ranking, unit_detail

    chung, f = profiles["chung"], Filters(YEAR, basis="self")  # every unit sent, approved or not
    own = set(territory.units_of(sample_store, "chung", YEAR))
    table = ranking(sample_store, chung, f, access.SYSTEM)
    assert set(table["unit_code"]) == own
    rated = table.filter(pl.col("rated")).sort("total", descending=True)
    assert rated["rank"][0] == 1 and rated["rank"].max() <= rated.height
    d = unit_detail(sample_store, chung, "99411", f, access.SYSTEM)
    mine = table.filter(pl.col("unit_code") == "99411").row(0, named=True)
    assert (d.unit["rank"], d.unit["n_rated"]) == (mine["rank"], rated.height)
    assert d.unit["rank"] == 1 + rated.filter(pl.col("total") > d.unit["total"]).height


def test_the_history_rule_reads_the_predecessors_of_a_unit_of_the_reform(sample_store, profiles):
    """In 2025 no new unit has a 2024 result of its own: its predecessors' levels stand in (each one
    rated, the weakest counts), said so in the reasons; a unit that continues is judged by its own."""
    from dcmetrics import lineage, scoring
    from dcmetrics.shortlist import Rules, shortlist

    chung = profiles["chung"]
    sl = shortlist(sample_store, "thiduakhenthuong", chung, YEAR, Rules.from_profile(chung))
    last = scoring.score(sample_store, chung.in_force(2024), [2024]).year(2024)
    level_of = dict(zip(last["unit_code"], last["level"]))
    rated_of = dict(zip(last["unit_code"], last["rated"]))
    checked = 0
    for r in sl.units.filter(pl.col("unit_code").str.starts_with("994") | pl.col("unit_code").str.contains("97"))\
            .iter_rows(named=True):
        preds = lineage.predecessors(sample_store, r["unit_code"])["old_code"].to_list()
        if not preds:
            continue
        checked += 1
        good = all(rated_of.get(p) and level_of.get(p) == "Tốt" for p in preds)
        assert r["ok_history"] is good, (r["unit_code"], preds, r["reasons"])
        if not good and r["ok_level"]:
            assert "năm 2024 có đơn vị trước sắp xếp" in r["reasons"].lower(), r["reasons"]
    assert checked > 50
    passed = sl.units.filter(pl.col("ok_history") & pl.col("unit_code").str.contains("97"))
    assert passed.height >= 1  # a body re-registered in 2025 whose one predecessor was Tốt in 2024


def test_the_former_territory_is_derived_from_the_lineage(sample_store):
    """The new communes whose old communes all lay in the absorbed province: exactly those the
    sample assigns to its resolution from 2025."""
    from dcmetrics import territory

    derived = territory.former_territory(sample_store, "98")
    assigned = territory.assignments(sample_store).filter(
        (pl.col("profile_id") == "tiep-can-phap-luat-mau") & (pl.col("year_from") == 2025))["area_code"].to_list()
    assert derived == sorted(assigned) and len(derived) >= 5
    assert territory.former_territory(sample_store, "991")  # a district's too, whole communes only
    assert "99414" not in territory.former_territory(sample_store, "99053")  # part of a divided commune is not all
