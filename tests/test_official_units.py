"""Official units old and new from the offline data of `vietnamadminunits` (no network)."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dcmetrics import official_units as ou
from dcmetrics.errors import NotFound
from dcmetrics.units import check_units

pytest.importorskip("vietnamadminunits")

DATA = Path(next(iter(importlib.util.find_spec("vietnamadminunits").submodule_search_locations))) / "data"


def package_counts(new_province_code: str) -> dict[str, int]:
    """The same numbers read straight from the package's files, without dcmetrics."""
    con = sqlite3.connect(f"file:{DATA / 'dataset.db'}?mode=ro", uri=True)
    try:
        key, n_new = con.execute("SELECT provinceKey, count(*) FROM admin_units WHERE provinceCode = ?"
                                 " GROUP BY provinceKey", (new_province_code,)).fetchone()
        conv = json.loads((DATA / "converter_2025.json").read_text(encoding="utf-8"))
        olds = conv["DICT_PROVINCE"][key]
        marks = ",".join("?" * len(olds))
        n_districts, n_communes = con.execute(
            f"SELECT count(DISTINCT districtCode), count(wardCode) FROM admin_units_legacy"
            f" WHERE provinceKey IN ({marks})", olds).fetchone()
    finally:
        con.close()
    whole = sum(len(v) for v in conv["DICT_PROVINCE_WARD_NO_DIVIDED"][key].values())
    divided = conv["DICT_PROVINCE_WARD_DIVIDED"].get(key, {})
    return {"new_communes": n_new, "old_districts": n_districts, "old_communes": n_communes,
            "lineage_links": whole + sum(len(v) for v in divided.values()),
            "divided_old_communes": len(divided)}


@pytest.fixture(scope="module")
def bac_ninh():
    return ou.province_units("Bắc Ninh")


@pytest.fixture(scope="module")
def ca_mau():
    return ou.province_units("96")


def test_reorganisation_file():
    reorg = ou.reorganisation()
    assert (reorg.effective_date, reorg.last_old_year, reorg.first_new_year) == (date(2025, 7, 1), 2024, 2025)
    assert "202/2025/QH15" in reorg.source and "mặc định của phần mềm" in reorg.source


def test_provinces_and_what_they_absorbed():
    frame = ou.provinces()
    assert frame.height == 34 and frame["code"].str.len_chars().unique().to_list() == [2]
    row = frame.filter(pl.col("code") == "24").row(0, named=True)
    assert row["name"] == "Tỉnh Bắc Ninh"
    assert set(row["old_provinces"]) == {"Tỉnh Bắc Giang", "Tỉnh Bắc Ninh"}
    assert set(row["old_province_codes"]) == {"24", "27"}


@pytest.mark.parametrize("code, fixture", [("24", "bac_ninh"), ("96", "ca_mau")])
def test_counts_equal_the_package(code, fixture, request):
    result = request.getfixturevalue(fixture)
    assert result.counts == package_counts(code)
    assert result.unresolved == ()
    by = result.units.group_by("level", "type").len()
    n = {(r["level"], r["type"]): r["len"] for r in by.iter_rows(named=True)}
    assert n[("new", "commune")] == result.counts["new_communes"]
    assert n[("old", "district")] == result.counts["old_districts"]
    assert n[("old", "commune")] == result.counts["old_communes"]


def test_measured_counts(bac_ninh, ca_mau):
    assert bac_ninh.counts == {"new_communes": 99, "old_districts": 18, "old_communes": 313,
                               "lineage_links": 313, "divided_old_communes": 0}
    assert ca_mau.counts == {"new_communes": 64, "old_districts": 16, "old_communes": 164,
                             "lineage_links": 186, "divided_old_communes": 19}


def test_frame_schemas(ca_mau):
    assert ca_mau.units.schema == pl.Schema(ou.OFFICIAL_UNIT_SCHEMA)
    assert list(ca_mau.units.columns[:7]) == ["code", "name", "type", "parent_code", "cluster",
                                              "active_from", "active_to"]
    assert ca_mau.lineage.schema == pl.Schema(ou.LINEAGE_SCHEMA)
    assert ca_mau.lineage["effective_date"].unique().to_list() == [date(2025, 7, 1)]
    assert ca_mau.lineage["source"].unique().to_list() == [f"vietnamadminunits {ou.package_version()}"]


def test_tree_and_years(ca_mau):
    units = ca_mau.units
    root = units.filter(pl.col("parent_code").is_null())
    assert root.rows() == [("96", "Tỉnh Cà Mau", "province", None, None, 2025, None, "new", root["lat"][0],
                            root["lon"][0], None)]
    old = units.filter(pl.col("level") == "old")
    assert old["active_to"].unique().to_list() == [2024] and old["active_from"].null_count() == old.height
    assert old["code"].str.ends_with("@63").all()
    assert set(old["old_province"]) == {"Tỉnh Bạc Liêu", "Tỉnh Cà Mau"}
    districts = set(old.filter(pl.col("type") == "district")["code"])
    assert set(old.filter(pl.col("type") == "district")["parent_code"]) == {"96"}
    assert set(old.filter(pl.col("type") == "commune")["parent_code"]) <= districts
    new = units.filter(pl.col("level") == "new")
    assert new["active_from"].unique().to_list() == [2025] and new["active_to"].null_count() == new.height
    assert units["lat"].null_count() == 0 and units["lon"].null_count() == 0
    assert check_units(units) == []


def test_leading_zeros_and_same_code_old_and_new():
    hanoi = ou.province_units("1")
    units = hanoi.units
    assert units.filter(pl.col("type") == "province")["code"].to_list() == ["01"]
    same = units.filter(pl.col("code").is_in(["00004", "00004@63", "001@63"])).sort("code")
    assert same.select("code", "name", "level", "parent_code").rows() == [
        ("00004", "Phường Ba Đình", "new", "01"),
        ("00004@63", "Phường Trúc Bạch", "old", "001@63"),
        ("001@63", "Quận Ba Đình", "old", "01"),
    ]
    assert ou.official_code("00004@63") == "00004"
    assert hanoi.lineage.filter(pl.col("old_code") == "00004@63")["new_code"].to_list() == ["00004"]


def test_divided_old_commune(ca_mau):
    per_old = ca_mau.lineage.group_by("old_code").agg(
        pl.len().alias("n"), pl.col("share").sum().alias("total"), pl.col("is_default").sum().alias("defaults"),
        pl.col("share_basis").unique().alias("basis"))
    divided = per_old.filter(pl.col("n") >= 2)
    assert divided.height == 19
    for row in divided.iter_rows(named=True):
        assert abs(row["total"] - 1) <= 1e-9 and row["defaults"] == 1 and row["basis"] == ["equal"]
    # old Xã Đông Hưng (huyện Cái Nước) went to Xã Cái Nước and Xã Tân Hưng, Tân Hưng by default
    code = ca_mau.units.filter((pl.col("name") == "Xã Đông Hưng") & (pl.col("level") == "old"))["code"]
    rows = ca_mau.lineage.filter(pl.col("old_code") == code[0]).join(
        ca_mau.units.select(pl.col("code").alias("new_code"), pl.col("name")), on="new_code")
    assert sorted(rows.select("name", "share", "is_default").rows()) == [
        ("Xã Cái Nước", 0.5, False), ("Xã Tân Hưng", 0.5, True)]


def test_island_district_without_communes_is_linked():
    lineage = ou.province_units("Hải Phòng").lineage
    assert lineage.filter(pl.col("old_code") == "318@63")["new_code"].to_list() == ["11948"]


def test_check_lineage_real_provinces(bac_ninh, ca_mau):
    for result in (bac_ninh, ca_mau, ou.province_units("Hà Nội"), ou.province_units("Hải Phòng")):
        assert ou.check_lineage(result.units, result.lineage) == []


def hand_made(links):
    units = pl.DataFrame([
        ("A@63", "Xã A", "commune", None, 2024), ("B@63", "Xã B", "commune", None, 2024),
        ("C@63", "Xã C", "commune", None, 2024), ("N1", "Xã Mới 1", "commune", None, None),
        ("N2", "Xã Mới 2", "commune", None, None),
    ], schema={"code": pl.String, "name": pl.String, "type": pl.String, "parent_code": pl.String,
               "active_to": pl.Int32}, orient="row")
    lineage = pl.DataFrame(links, schema=["old_code", "new_code", "share", "is_default"], orient="row")
    return units, lineage


def messages(problems):
    return [str(p) for p in problems]


def test_check_lineage_cycle():
    units, lineage = hand_made([("A@63", "N1", 1.0, True), ("B@63", "N2", 1.0, True), ("C@63", "N1", 1.0, True),
                                ("N1", "N2", 1.0, True), ("N2", "N1", 1.0, True)])
    found = messages(ou.check_lineage(units, lineage))
    assert "đơn vị N1: vòng lặp kế thừa: N1 → N2 → N1" in found
    assert "đơn vị N1: «Xã Mới 1» vừa là đơn vị đã kết thúc (có đơn vị kế thừa) vừa là đơn vị kế thừa" in found


def test_check_lineage_old_commune_without_successor():
    units, lineage = hand_made([("A@63", "N1", 1.0, True), ("B@63", "N2", 1.0, True)])
    assert messages(ou.check_lineage(units, lineage)) == [
        "đơn vị C@63: đơn vị cũ «Xã C» không có đơn vị kế thừa nào"]


def test_check_lineage_shares_not_summing_to_one():
    units, lineage = hand_made([("A@63", "N1", 0.5, True), ("A@63", "N2", 0.4, False), ("B@63", "N2", 1.0, True),
                                ("C@63", "N1", 1.0, True)])
    problems = ou.check_lineage(units, lineage)
    assert messages(problems) == ["đơn vị A@63: tổng tỷ lệ chuyển sang các đơn vị mới là 0,9, phải bằng 1 (các phần của một đơn vị cũ "
        "chuyển sang các đơn vị mới cộng lại là cả đơn vị cũ)"]
    assert float(problems[0].value) == pytest.approx(0.9)


def test_check_lineage_unknown_code_and_new_commune_without_predecessor():
    units, lineage = hand_made([("A@63", "N1", 1.0, True), ("B@63", "N1", 1.0, True), ("C@63", "N9", 1.0, True)])
    assert messages(ou.check_lineage(units, lineage)) == [
        "liên kết C@63 → N9: mã «N9» không có trong danh sách đơn vị",
        "đơn vị N2: xã, phường mới «Xã Mới 2» không có đơn vị tiền thân nào"]


@pytest.mark.parametrize("text", ["24", " 24 ", "Bắc Ninh", "bac ninh", "Tỉnh Bắc Ninh", "TINH BAC NINH"])
def test_find_province(text):
    assert ou.find_province(text).code == "24"


def test_find_province_codes_keep_leading_zero():
    assert ou.find_province("1").code == ou.find_province("01").code == "01"
    assert ou.find_province("tp hcm").name == "Thành phố Hồ Chí Minh"


def test_find_province_not_found():
    with pytest.raises(NotFound) as err:
        ou.find_province("Bac Nimh")
    assert str(err.value) == ("Không tìm thấy tỉnh, thành phố «Bac Nimh» trong danh mục từ ngày 01/7/2025. "
                              "Có phải: Tỉnh Bắc Ninh (mã 24)?")
    with pytest.raises(NotFound, match="Không tìm thấy tỉnh, thành phố «Xyz»"):
        ou.find_province("Xyz")


def test_find_province_old_name_says_where_it_went():
    with pytest.raises(NotFound) as err:
        ou.find_province("Bạc Liêu")
    assert "«Tỉnh Bạc Liêu» là tỉnh, thành phố trước ngày 01/7/2025 (mã cũ 95), nay thuộc Tỉnh Cà Mau (mã 96)" \
        in str(err.value)
