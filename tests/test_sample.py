"""The sample province generator: determinism, shape of the files, the variety the demo needs."""

from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from dcmetrics import sample

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "data" / "sample"
CATALOGUE = ROOT / "data" / "frameworks" / "catalogue.toml"
YEARS = (2023, 2024, 2025)
DISTRICT_CODES = [f"99{i}" for i in range(1, 9)]
EVALUATED = {"commune", "agency", "service", "enterprise"}
# Plausible upper bounds of the counts (the generator's promise to the demo).
COUNT_BOUNDS = {"PROP_EVENTS": 12, "INSP_DONE": 4, "TRAIN_CLASSES": 3, "BONUS_INITIATIVE": 2,
                "DISC_VIOLATIONS": 4, "RESP_DIALOGUE": 4, "REWARD_COMMENDED": 6}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample")
    sample.generate(path)
    return path


@pytest.fixture(scope="module")
def catalogue() -> dict:
    with open(CATALOGUE, "rb") as fh:
        return tomllib.load(fh)["indicators"]


@pytest.fixture(scope="module")
def units(out) -> dict[str, dict]:
    with open(out / "units.csv", encoding="utf-8", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def uploads(out) -> dict[tuple[int, str], list[dict]]:
    """(year, area) -> rows of the upload file."""
    files = {}
    for year in YEARS:
        for path in sorted((out / str(year)).glob("*.csv")):
            with open(path, encoding="utf-8-sig", newline="") as fh:
                files[(year, path.stem)] = list(csv.DictReader(fh))
    return files


@pytest.fixture(scope="module")
def appraisals(out) -> list[dict]:
    with open(out / "appraisals.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def rows_of_year(uploads, year):
    return [row for (y, _), rows in uploads.items() if y == year for row in rows]


def applies(catalogue, code, unit_type) -> bool:
    return unit_type in catalogue[code]["applies"]


def active(unit: dict, year: int) -> bool:
    lo, hi = unit["active_from"], unit["active_to"]
    return (lo == "" or int(lo) <= year) and (hi == "" or year <= int(hi))


def area_of(units, code) -> str:
    """The district above a unit, or the province for province-level bodies."""
    while units[code]["type"] not in ("district", "province"):
        code = units[code]["parent_code"]
    return code


# ---------------------------------------------------------------- determinism

def test_same_seed_gives_byte_identical_files(out, tmp_path):
    sample.generate(tmp_path)
    assert all_files(tmp_path) == all_files(out)


def test_other_seed_gives_other_data(out, tmp_path):
    sample.generate(tmp_path, seed=7)
    assert (tmp_path / "2024" / "991.csv").read_bytes() != (out / "2024" / "991.csv").read_bytes()


def test_committed_sample_is_what_the_generator_writes(out):
    assert all_files(COMMITTED) == all_files(out), \
        "data/sample is stale: run python -m dcmetrics.sample --out data/sample"


def test_cli_writes_the_same_files(out, tmp_path):
    sample.main(["--out", str(tmp_path)])
    assert all_files(tmp_path) == all_files(out)


# ---------------------------------------------------------------- units

def test_unit_counts(units):
    types = Counter(u["type"] for u in units.values())
    assert types["province"] == 1
    assert types["district"] == 8
    assert types["commune"] >= 150
    assert types["agency"] + types["service"] >= 60
    assert types["enterprise"] >= 20
    for year in YEARS:
        assert sum(u["type"] == "commune" and active(u, year) for u in units.values()) >= 150


def test_unit_codes_names_and_parents(units):
    pattern = {"province": r"99", "district": r"99[1-8]", "commune": r"99\d{3}",
               "agency": r"CQ\d{5}", "service": r"SN\d{5}", "enterprise": r"DN\d{5}"}
    for code, unit in units.items():
        assert re.fullmatch(pattern[unit["type"]], code), (code, unit["type"])
        if unit["type"] == "province":
            assert unit["parent_code"] == "" and unit["cluster"] == ""
            assert unit["name"] == "Tỉnh Mẫu An Hòa (dữ liệu mẫu)"
        else:
            assert unit["parent_code"] in units, code
    districts = [u for u in units.values() if u["type"] == "district"]
    assert sorted(u["code"] for u in districts) == DISTRICT_CODES
    assert all(re.match(r"(Huyện|Thị xã|Thành phố) Mẫu ", u["name"]) for u in districts)
    assert any(not u["name"].startswith("Huyện") for u in districts)
    prefixes = {u["name"].split(" ")[0] for u in units.values() if u["type"] == "commune"}
    assert prefixes == {"Xã", "Phường", "Thị"}  # Thị trấn
    per_district = Counter(u["parent_code"] for u in units.values()
                           if u["type"] == "commune" and active(u, 2023))
    assert all(18 <= n <= 22 for n in per_district.values()), per_district
    names = Counter((u["parent_code"], u["name"]) for u in units.values())
    assert max(names.values()) == 1


def test_clusters(units):
    for unit in units.values():
        kind, parent = unit["type"], unit["parent_code"]
        if kind in ("province", "district"):
            expected = ""
        elif kind == "commune":
            expected = f"Cụm thi đua số {(DISTRICT_CODES.index(parent) + 2) // 2}"
        elif kind == "agency":
            expected = ("Khối các sở, ban, ngành tỉnh" if parent == "99"
                        else "Khối phòng, ban cấp huyện")
        elif kind == "service":
            expected = "Khối đơn vị sự nghiệp"
        else:
            expected = "Khối doanh nghiệp"
        assert unit["cluster"] == expected, unit
    province_services = [u for u in units.values() if u["type"] == "service"
                         and units[u["parent_code"]]["type"] == "agency"]
    assert len({u["parent_code"] for u in province_services}) >= 5


def test_merged_communes(units):
    new = [u for u in units.values() if u["active_from"] != ""]
    old = [u for u in units.values() if u["active_to"] != ""]
    assert len(new) == 3 and len(old) == 6
    assert all(u["type"] == "commune" and u["active_from"] == "2025" and u["active_to"] == ""
               and u["name"].endswith("(sáp nhập)") for u in new)
    assert all(u["type"] == "commune" and u["active_to"] == "2024" for u in old)
    assert Counter(u["parent_code"] for u in old) == Counter(2 * [u["parent_code"] for u in new])


def test_load_units_dtypes(out):
    frame = sample.load_units(out / "units.csv")
    assert frame.columns == sample.UNITS_COLUMNS
    assert frame.schema["active_from"] == pl.Int32 and frame.schema["active_to"] == pl.Int32
    assert frame.schema["code"] == pl.String
    province = frame.filter(pl.col("code") == "99").row(0, named=True)
    assert province["parent_code"] is None and province["active_from"] is None
    assert frame.filter(pl.col("active_to") == 2024).height == 6
    assert frame.filter(pl.col("active_from") == 2025).height == 3


# ---------------------------------------------------------------- upload files

def test_one_file_per_area_and_year(out):
    for year in YEARS:
        assert sorted(p.name for p in (out / str(year)).iterdir()) == \
            sorted(f"{a}.csv" for a in ["99", *DISTRICT_CODES])


def test_headers_follow_the_catalogue(out, catalogue):
    expected = ["ma_don_vi", "ten_don_vi", "nam"]
    for code, spec in catalogue.items():
        if spec.get("entered_by", "unit") == "superior":
            continue
        expected += [f"{code}__TU", f"{code}__MAU"] if spec["kind"] == "ratio" else [code]
    assert "SUPERIOR_ASSESS" not in expected and "RESP_COMPLAINTS__MAU" in expected
    for path in sorted(out.glob("20*/*.csv")):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path
        assert raw[3:].decode("utf-8").split("\n", 1)[0] == ",".join(expected), path


def test_rows_are_active_units_of_the_area(uploads, units):
    for (year, area), rows in uploads.items():
        codes = [row["ma_don_vi"] for row in rows]
        assert codes == sorted(codes) and len(codes) == len(set(codes))
        for row in rows:
            unit = units[row["ma_don_vi"]]
            assert unit["type"] in EVALUATED and active(unit, year)
            assert area_of(units, row["ma_don_vi"]) == area
            assert row["nam"] == str(year) and row["ten_don_vi"] == unit["name"]
    for year in YEARS:
        reported = {row["ma_don_vi"] for row in rows_of_year(uploads, year)}
        expected = {c for c, u in units.items() if u["type"] in EVALUATED and active(u, year)}
        assert reported == expected


def test_all_text_is_nfc(out):
    for path in sorted(out.rglob("*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        assert unicodedata.is_normalized("NFC", text), path
    assert "Mẫu" in (out / "units.csv").read_text(encoding="utf-8")


def check_cell(spec: dict, code: str, row: dict) -> None:
    kind = spec["kind"]
    if kind == "ratio":
        num, den = row[f"{code}__TU"], row[f"{code}__MAU"]
        assert (num == "") == (den == ""), (code, row["ma_don_vi"])
        if num != "":
            assert num.isdigit() and den.isdigit() and int(num) <= int(den), (code, num, den)
        return
    cell = row[code]
    if cell == "":
        return
    if kind == "percent":
        assert re.fullmatch(r"\d{1,3}(\.\d)?", cell) and 0 <= float(cell) <= 100, (code, cell)
    elif kind == "count":
        assert cell.isdigit() and int(cell) <= COUNT_BOUNDS.get(code, 50), (code, cell)
    elif kind == "yesno":
        assert cell in ("Có", "Không"), (code, cell)
    elif kind == "points":
        value = Decimal(cell)
        assert 0 <= value <= Decimal(str(spec["max"])), (code, cell)
        assert value % Decimal(str(spec["step"])) == 0, (code, cell)


def test_cells_are_valid_for_their_kind(uploads, units, catalogue):
    for rows in uploads.values():
        for row in rows:
            unit_type = units[row["ma_don_vi"]]["type"]
            for code, spec in catalogue.items():
                if spec.get("entered_by") == "superior":
                    continue
                if not applies(catalogue, code, unit_type):
                    cells = [f"{code}__TU", f"{code}__MAU"] if spec["kind"] == "ratio" else [code]
                    assert all(row[c] == "" for c in cells), (code, row["ma_don_vi"])
                else:
                    check_cell(spec, code, row)


# ---------------------------------------------------------------- variety

def test_violations_and_discipline(uploads):
    for year in YEARS:
        rows = rows_of_year(uploads, year)
        for row in rows:
            assert row["DISC_HANDLED__MAU"] == row["DISC_VIOLATIONS"]
        violators = [r for r in rows if int(r["DISC_VIOLATIONS"]) > 0]
        assert 3 <= len(violators) <= 6
        assert all(1 <= int(r["DISC_VIOLATIONS"]) <= 4 for r in violators)
        assert any(int(r["DISC_HANDLED__TU"]) < int(r["DISC_HANDLED__MAU"]) for r in violators)
        assert any(r["DISC_HANDLED__TU"] == r["DISC_HANDLED__MAU"] for r in violators)
        assert 2 <= sum(r["HEAD_DISCIPLINED"] == "Có" for r in rows) <= 3
        assert all(r["HEAD_DISCIPLINED"] in ("Có", "Không") for r in rows)
        assert {r["BONUS_INITIATIVE"] for r in rows} == {"0", "1", "2"}


def test_some_units_leave_cells_empty(uploads, units, catalogue):
    for year in YEARS:
        incomplete = {}
        for row in rows_of_year(uploads, year):
            unit_type = units[row["ma_don_vi"]]["type"]
            empty = [code for code, spec in catalogue.items()
                     if spec.get("entered_by") != "superior" and applies(catalogue, code, unit_type)
                     and row[f"{code}__MAU" if spec["kind"] == "ratio" else code] == ""]
            if empty:
                incomplete[row["ma_don_vi"]] = empty
        assert 4 <= len(incomplete) <= 8, incomplete
        assert all(1 <= len(cells) <= 4 for cells in incomplete.values())


def test_nothing_arose_gives_zero_over_zero(uploads, catalogue):
    ratios = [c for c, s in catalogue.items() if s["kind"] == "ratio" and c != "DISC_HANDLED"]
    for year in YEARS:
        zero = [(r["ma_don_vi"], c) for r in rows_of_year(uploads, year) for c in ratios
                if r[f"{c}__MAU"] == "0"]
        assert len(zero) >= 10
        partial = [1 for r in rows_of_year(uploads, year) for c in ratios
                   if r[f"{c}__MAU"] not in ("", "0") and int(r[f"{c}__TU"]) < int(r[f"{c}__MAU"])]
        assert len(partial) >= 10


def mean_percent(row, catalogue) -> float:
    values = [float(row[c]) for c, s in catalogue.items() if s["kind"] == "percent" and row.get(c)]
    return sum(values) / len(values)


def test_units_improve_and_decline(uploads, catalogue):
    by_year = {year: {r["ma_don_vi"]: mean_percent(r, catalogue)
                      for r in rows_of_year(uploads, year)} for year in YEARS}
    changes = [by_year[2025][c] - by_year[2023][c] for c in by_year[2023] if c in by_year[2025]]
    assert sum(d >= 8 for d in changes) >= 10
    assert sum(d <= -8 for d in changes) >= 10
    spread = sorted(by_year[2024].values())
    assert spread[0] < 60 and spread[-1] == 100


def full_marks(row: dict, unit_type: str, catalogue: dict) -> bool:
    """Full attainment on every unit-entered indicator under the catalogue's default rules."""
    for code, spec in catalogue.items():
        kind, rule = spec["kind"], spec["rule"]
        if spec.get("entered_by") == "superior" or not applies(catalogue, code, unit_type):
            continue
        if kind == "ratio":
            if row[f"{code}__TU"] != row[f"{code}__MAU"]:
                return False
            continue
        cell = row[code]
        if cell == "":
            return False
        if kind == "yesno":
            ok = (cell == "Có") == (rule.get("expect", 1) == 1)
        elif kind == "points":
            ok = float(cell) == spec["max"]
        elif rule["type"] == "lower_better":
            ok = float(cell) <= rule["target"]
        else:
            ok = float(cell) >= rule["target"]
        if not ok:
            return False
    return True


def test_each_cluster_has_a_clear_leader_every_year(uploads, units, catalogue):
    for year in YEARS:
        leaders = defaultdict(list)
        for row in rows_of_year(uploads, year):
            if full_marks(row, units[row["ma_don_vi"]]["type"], catalogue):
                leaders[units[row["ma_don_vi"]]["cluster"]].append(row["ma_don_vi"])
        clusters = {u["cluster"] for u in units.values() if u["type"] in EVALUATED}
        assert set(leaders) == clusters
        assert all(len(v) <= 2 for v in leaders.values()), leaders


# ---------------------------------------------------------------- appraisals

def test_appraisal_file_shape(out, appraisals, units):
    header = (out / "appraisals.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == "unit_code,year,indicator,value,numerator,denominator,reason,appraiser"
    for row in appraisals:
        unit = units[row["unit_code"]]
        assert active(unit, int(row["year"]))
        assert row["appraiser"] == f"thamdinh.{area_of(units, row['unit_code'])}"
        assert row["reason"] != ""


def test_superior_assessment_covers_about_nine_units_in_ten(appraisals, units):
    for year in YEARS:
        rows = [r for r in appraisals
                if r["year"] == str(year) and r["indicator"] == "SUPERIOR_ASSESS"]
        evaluated = sum(u["type"] in EVALUATED and active(u, year) for u in units.values())
        assert 0.85 <= len(rows) / evaluated <= 0.95
        assert len({r["unit_code"] for r in rows}) == len(rows)
        values = [Decimal(r["value"]) for r in rows]
        assert all(0 <= v <= 10 and v % Decimal("0.5") == 0 for v in values)
        assert len(set(values)) >= 5


def test_appraisals_lower_self_assessed_values(appraisals, uploads):
    row_of = {(y, r["ma_don_vi"]): r for (y, _), rows in uploads.items() for r in rows}
    for year in YEARS:
        lowered = [r for r in appraisals
                   if r["year"] == str(year) and r["indicator"] != "SUPERIOR_ASSESS"]
        assert 12 <= len(lowered) <= 18
        for appraisal in lowered:
            own = row_of[(year, appraisal["unit_code"])]
            code = appraisal["indicator"]
            if appraisal["value"] == "":
                assert int(appraisal["numerator"]) < int(own[f"{code}__TU"])
                assert appraisal["denominator"] == own[f"{code}__MAU"]
            elif own[code] in ("Có", "Không"):
                assert own[code] == "Có" and appraisal["value"] == "0"
            else:
                assert float(appraisal["value"]) < float(own[code])
        per_unit = Counter(r["unit_code"] for r in lowered)
        assert sum(n >= 4 for n in per_unit.values()) == 3  # strong units that lose a band
        strong = [c for c, n in per_unit.items() if n >= 4]
        assert all(float(row_of[(year, c)]["RESP_DISCLOSURE"]) >= 85 for c in strong)
