"""The upload template: what it holds, how it is protected, and that a filled template imports exactly."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile

import fastexcel
import polars as pl

from dcmetrics import access
from dcmetrics.exports import safe_cell
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from dcmetrics import config, framework
from dcmetrics.cli import main
from dcmetrics.errors import NotFound
from dcmetrics.framework_model import KIND_LABELS
from dcmetrics.ingest.commit import import_file
from dcmetrics.ingest.template import (
    FIXED_COLUMNS,
    build_csv,
    build_xlsx,
    template_columns,
    template_units,
)
from dcmetrics.units import all_units, replace_units

AREA, YEAR = "991", 2024
EVALUATED = ("commune", "agency", "service", "enterprise")
INJECTION = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def catalogue():
    return framework.load_catalogue()


@pytest.fixture(scope="module")
def xlsx(sample_store) -> bytes:
    return build_xlsx(sample_store, AREA, YEAR)


def sheet_rows(content: bytes, sheet: int = 0) -> list[list[str | None]]:
    """Every row of a sheet as text, header included (what read.py sees)."""
    s = fastexcel.read_excel(content).load_sheet(sheet, header_row=None, dtypes="string")
    return [list(r) for r in pl.from_arrow(s.to_arrow()).iter_rows()]


def xml(content: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read(name).decode("utf-8")


def expected_units(store, area: str, year: int) -> pl.DataFrame:
    """Independently of the module: evaluated units under `area` active in `year`."""
    units = all_units(store)
    parent = dict(zip(units["code"], units["parent_code"]))

    def under(code: str) -> bool:
        while code:
            if code == area:
                return True
            code = parent.get(code)
        return False

    return units.filter(
        pl.col("type").is_in(EVALUATED)
        & pl.col("code").map_elements(under, return_dtype=pl.Boolean)
        & (pl.col("active_from").is_null() | (pl.col("active_from") <= year))
        & (pl.col("active_to").is_null() | (pl.col("active_to") >= year)))


# ---------------------------------------------------------------- content

def test_template_units_are_the_active_evaluated_units_in_vietnamese_order(sample_store):
    for area, year in [("991", 2024), ("992", 2023), ("99", 2023), ("99", 2025), ("99411", 2025),
                       ("CQ99007", 2025)]:
        got = template_units(sample_store, area, year)
        want = expected_units(sample_store, area, year)
        assert got.columns[:3] == ["code", "name", "type"]
        assert sorted(got["code"]) == sorted(want["code"]), (area, year)
        names = got["name"].to_list()
        assert names == [r[0] for r in sample_store.rows(
            "SELECT n FROM unnest($n) t(n) ORDER BY n COLLATE vi", {"n": names})]
    # the reform: the old communes stop in 2024, the new one starts in 2025
    y24 = set(template_units(sample_store, "99", 2024)["code"])
    y25 = set(template_units(sample_store, "99", 2025)["code"])
    assert {"99036", "99037"} <= y24 - y25 and "99411" in y25 - y24
    assert template_units(sample_store, "99411", 2025)["code"].to_list() == ["99411"]  # a commune's own file


def test_template_columns(catalogue):
    _, _, indicators = catalogue
    cols = template_columns(indicators, ["commune", "agency", "service", "enterprise"])
    codes = [c.code for c in cols]
    unit_entered = [i for i in indicators.values() if i.entered_by == "unit"]
    assert [c for c in codes if "__" not in c] == [i.code for i in unit_entered if i.kind != "ratio"]
    assert "SUPERIOR_ASSESS" not in " ".join(codes)
    ratio = indicators["RESP_COMPLAINTS"]
    i = codes.index("RESP_COMPLAINTS__TU")
    assert codes[i + 1] == "RESP_COMPLAINTS__MAU"
    assert cols[i].header == f"{ratio.name} – tử số (RESP_COMPLAINTS__TU)"
    assert cols[i + 1].header == f"{ratio.name} – mẫu số (RESP_COMPLAINTS__MAU)"
    assert (cols[i].part, cols[i + 1].part, cols[i].kind) == ("num", "den", "ratio")
    first = cols[0]
    assert first.header == f"{first.indicator.name} ({first.code})" and first.part == "value"
    # catalogue order: the order of the indicators' first columns is the catalogue's
    seen = list(dict.fromkeys(c.indicator.code for c in cols))
    assert seen == [i.code for i in unit_entered]
    # only the indicators of the unit types present
    only_enterprises = {c.indicator.code for c in template_columns(indicators, ["enterprise"])}
    assert "TRAIN_VILLAGE" not in only_enterprises and "PROP_PORTAL" not in only_enterprises
    assert "RESP_CONFERENCE" in only_enterprises
    assert "RESP_CONFERENCE" not in {c.indicator.code for c in template_columns(indicators, ["commune"])}


def test_xlsx_header_and_rows(sample_store, xlsx, catalogue):
    _, _, indicators = catalogue
    units = template_units(sample_store, AREA, YEAR)
    columns = template_columns(indicators, units["type"].unique())
    frame = pl.read_excel(io.BytesIO(xlsx), infer_schema_length=0)
    assert frame.columns == [*FIXED_COLUMNS, *(c.header for c in columns)]
    assert frame.height == units.height == expected_units(sample_store, AREA, YEAR).height == 25
    assert frame["ma_don_vi"].to_list() == units["code"].to_list()
    assert frame["ten_don_vi"].to_list() == units["name"].to_list()
    assert set(frame["nam"]) == {str(YEAR)}
    data = frame.select([c.header for c in columns])
    assert all(data[c].null_count() == data.height for c in data.columns)  # nothing prefilled
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["Số liệu", "Giải thích"]


def _styles(content: bytes) -> list[tuple[bool, bool]]:
    """(locked, filled) of every cell style index."""
    styles = xml(content, "xl/styles.xml")
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    out = []
    for xf in re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", xfs, re.S):
        fill = int(re.search(r'fillId="(\d+)"', xf).group(1))
        out.append(('locked="0"' not in xf, fill > 1))  # fills 0 and 1 are Excel's defaults
    return out


def _cell_style(sheet: str, ref: str) -> int:
    m = re.search(rf'<c r="{ref}"(?: s="(\d+)")?', sheet)
    assert m, ref
    return int(m.group(1) or 0)


def test_xlsx_protection_validations_and_frozen_header(sample_store, xlsx, catalogue):
    _, _, indicators = catalogue
    units = template_units(sample_store, AREA, YEAR)
    columns = template_columns(indicators, units["type"].unique())
    sheet = xml(xlsx, "xl/worksheets/sheet1.xml")
    assert "<sheetProtection " in sheet
    assert re.search(r'<pane xSplit="3" ySplit="1" topLeftCell="D2"[^>]*state="frozen"', sheet)
    assert "<f>" not in sheet  # no formula anywhere

    validations = {}
    found = re.findall(r'<dataValidation ([^>]*)>(.*?)</dataValidation>', sheet, re.S)
    for attrs, body in found:
        sqref = re.search(r'sqref="([^"]+)"', attrs).group(1)
        validations[sqref] = (attrs, body)
    last = units.height + 1
    assert len(validations) == len(columns)
    for j, c in enumerate(columns, 3):
        col = xl_col_to_name(j)
        attrs, body = validations[f"{col}2:{col}{last}"]
        for key in ("promptTitle", "prompt", "errorTitle", "error"):
            assert re.search(rf'{key}="[^"]+"', attrs), (c.code, key)
        if c.kind == "yesno":
            assert 'type="list"' in attrs and body == "<formula1>\"Có,Không\"</formula1>"
        elif c.kind == "percent":
            assert 'type="decimal"' in attrs and 'operator' not in attrs  # between is the default
            assert body == "<formula1>0</formula1><formula2>100</formula2>"
        elif c.kind in ("count", "ratio"):
            assert 'type="whole"' in attrs and 'operator="greaterThanOrEqual"' in attrs
            assert body == "<formula1>0</formula1>"
        else:
            assert c.kind == "points" and 'type="decimal"' in attrs
            assert body == f"<formula1>0</formula1><formula2>{c.indicator.max:g}</formula2>"
    assert {"list", "whole", "decimal"} == {re.search(r'type="(\w+)"', a).group(1) for a, _ in validations.values()}

    # header and the three fixed columns locked; data cells of applicable indicators unlocked;
    # cells of an indicator that does not apply to the row's unit type locked and grey
    styles = _styles(xlsx)
    village = next(j for j, c in enumerate(columns, 3) if c.code == "TRAIN_VILLAGE")  # communes only
    for ref in ("A1", "B1", "C1", "D1", "A2", "B2", "C2", f"A{last}", f"C{last}"):
        assert styles[_cell_style(sheet, ref)][0], ref
    for i, u in enumerate(units.iter_rows(named=True), 2):
        locked, grey = styles[_cell_style(sheet, f"{xl_col_to_name(village)}{i}")]
        commune = u["type"] == "commune"
        assert (locked, grey) == (not commune, not commune), u
        assert styles[_cell_style(sheet, f"D{i}")] == (False, False)  # TRAIN_STAFF applies to every type
    assert units.filter(pl.col("type") != "commune").height > 0


def test_explanation_sheet(sample_store, xlsx, catalogue):
    _, documents, indicators = catalogue
    units = template_units(sample_store, AREA, YEAR)
    columns = template_columns(indicators, units["type"].unique())
    rows = sheet_rows(xlsx, 1)
    top = next(i for i, r in enumerate(rows) if r[0] == "Mã cột")
    intro = " ".join(r[0] for r in rows[:top] if r[0])
    assert "năm 2024" in intro and "991" in intro
    assert "«Có» hoặc «Không»" in intro and "0/0" in intro and "Chỉ để trống khi thật sự chưa có số liệu" in intro
    table = {r[0]: r for r in rows[top + 1:] if r[0]}
    assert list(table) == [c.code for c in columns]
    for c in columns:
        code, name, definition, kind, rule, parts, applies, sources = table[c.code]
        ind = c.indicator
        assert (name, definition, rule) == (ind.name, ind.definition, ind.rule.describe(ind.kind))
        assert kind.startswith(KIND_LABELS[ind.kind])
        assert applies == "; ".join(config.UNIT_TYPE_LABELS[t] for t in ind.applies)
        for s in ind.sources:
            assert f"({documents[s.doc].issuer}): {s.clause}" in sources
        if c.kind == "ratio":
            assert ind.numerator in parts and ind.denominator in parts
        else:
            assert not parts
    assert table["RESP_DISCLOSURE"][4].startswith("Tỷ lệ với chỉ tiêu 100 %")
    assert "không phát sinh: đủ điểm" in table["RESP_COMPLAINTS__MAU"][4]
    assert "(0 đến 2, bước 0,25)" in table["QUAL_PROPAGANDA"][3]


def test_csv_comma_and_semicolon(sample_store, xlsx):
    header = sheet_rows(xlsx)[0]
    units = template_units(sample_store, AREA, YEAR)
    for dialect, sep in (("comma", ","), ("semicolon", ";")):
        content = build_csv(sample_store, AREA, YEAR, dialect=dialect)
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content[3:].decode("utf-8")), delimiter=sep))
        assert rows[0] == header
        assert [r[:3] for r in rows[1:]] == [[u["code"], u["name"], "2024"] for u in units.iter_rows(named=True)]
        assert all(len(r) == len(header) and not any(r[3:]) for r in rows[1:])


def test_blank_template_imports_with_missing_value_warnings(fresh_sample_store, xlsx):
    store = fresh_sample_store  # 991's 2024 file reopened: the sample approved (and locked) it
    for content, name in ((xlsx, "mau.xlsx"), (build_csv(store, AREA, YEAR, "semicolon"), "mau.csv")):
        res = import_file(store, content, name, YEAR, "canbo.991", area_code=AREA, dry_run=True)
        assert res.observations["unit_code"].n_unique() == 25
        assert res.observations["value"].null_count() == res.observations.height
        assert any("chưa có số liệu" in w.message for w in res.warnings)


# ---------------------------------------------------------------- round trip

def to_cp1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does (as in test_ingest): the vowel shape (â ă ơ ư ê ô) stays
    precomposed, the tone becomes a combining mark after it."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            shape = "".join(m for m in parts[1:] if m in "\u0302\u0306\u031b")
            tones = "".join(m for m in parts[1:] if m not in "\u0302\u0306\u031b")
            out += (unicodedata.normalize("NFC", parts[0] + shape) + tones).encode("cp1258")
    return bytes(out)


PERCENTS = [87.5, 100.0, 0.0, 62.25, 45.5, 12.75]


def fill_value(i: int, j: int, col):
    """A known value for unit row i, template column j: (cell text or number, expected (value, num, den))."""
    k = i + j
    if col.kind == "percent":
        v = PERCENTS[k % len(PERCENTS)]
        return v, (v, None, None)
    if col.kind == "yesno":
        return ("Có", (1.0, None, None)) if k % 2 else ("Không", (0.0, None, None))
    if col.kind == "count":
        v = float(k % 6)
        return v, (v, None, None)
    if col.kind == "points":
        steps = round(col.indicator.max / col.indicator.step)
        v = col.indicator.step * (k % (steps + 1))
        return v, (v, None, None)
    # ratio: the denominator is 0 for every fifth unit (0/0), else num <= den
    # (the same for both columns of the indicator)
    den = float(i % 5 * 3)
    num = float(max(0, den - sum(map(ord, col.indicator.code)) % 3)) if den else 0.0
    return (num if col.part == "num" else den), (None, num, den)


def filled(store, area: str, year: int, indicators):
    """Cells to fill {(row, col index): value} and the observations they must give."""
    units = template_units(store, area, year)
    columns = template_columns(indicators, units["type"].unique())
    cells, expected = {}, {}
    for i, u in enumerate(units.iter_rows(named=True)):
        for j, c in enumerate(columns):
            if u["type"] not in c.indicator.applies:
                continue
            cell, obs = fill_value(i, j, c)
            cells[(i, j)] = cell
            expected[(u["code"], c.indicator.code)] = obs
    return units, columns, cells, expected


def text_of(v, decimal_comma: bool) -> str:
    if isinstance(v, str):
        return v
    s = f"{v:g}"
    return s.replace(".", ",") if decimal_comma else s


def fill_csv(template: bytes, cells: dict, sep: str, decimal_comma: bool, out_sep: str | None = None) -> str:
    rows = list(csv.reader(io.StringIO(template[3:].decode("utf-8")), delimiter=sep))
    for (i, j), v in cells.items():
        rows[i + 1][j + 3] = text_of(v, decimal_comma)
    out = io.StringIO()
    csv.writer(out, delimiter=out_sep or sep, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def fill_xlsx(template: bytes, cells: dict) -> bytes:
    """The filled workbook as a user saves it: openpyxl into the template itself when installed,
    otherwise a workbook rebuilt with xlsxwriter from the template's content (numbers as numbers)."""
    try:
        import openpyxl
    except ImportError:
        openpyxl = None
    if openpyxl is not None:
        wb = openpyxl.load_workbook(io.BytesIO(template))
        ws = wb.worksheets[0]
        for (i, j), v in cells.items():
            ws.cell(row=i + 2, column=j + 4, value=v)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    rows = sheet_rows(template)
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("Số liệu")
    ws.write_row(0, 0, rows[0])
    for i, r in enumerate(rows[1:]):
        ws.write_string(i + 1, 0, r[0])
        ws.write_string(i + 1, 1, r[1])
        ws.write_number(i + 1, 2, int(r[2]))
    for (i, j), v in cells.items():
        if isinstance(v, str):
            ws.write_string(i + 1, j + 3, v)
        else:
            ws.write_number(i + 1, j + 3, v)
    wb.close()
    return out.getvalue()


@pytest.mark.parametrize("form", ["xlsx", "csv-comma", "csv-semicolon", "csv-windows-1258", "unicode-text-utf16"])
def test_round_trip(fresh_sample_store, catalogue, form):
    store = fresh_sample_store
    _, _, indicators = catalogue
    units, columns, cells, expected = filled(store, AREA, YEAR, indicators)
    kinds = {c.kind for c in columns}
    assert kinds == {"percent", "yesno", "count", "ratio", "points"}
    assert any(obs == (None, 0.0, 0.0) for obs in expected.values())  # a 0/0 ratio
    assert any(obs[0] == 87.5 for obs in expected.values())            # a decimal percent
    assert any(obs[0] == 1.75 for obs in expected.values())            # points on the 0,25 step
    if form == "xlsx":
        content, name = fill_xlsx(build_xlsx(store, AREA, YEAR), cells), "991-2024.xlsx"
    elif form == "csv-comma":
        text = fill_csv(build_csv(store, AREA, YEAR), cells, ",", decimal_comma=False)
        assert "87.5" in text
        content, name = b"\xef\xbb\xbf" + text.encode("utf-8"), "991-2024.csv"
    elif form == "unicode-text-utf16":
        # Excel «Lưu thành › Văn bản Unicode» in a Vietnamese locale: UTF-16LE with BOM, tabs, 87,5
        text = fill_csv(build_csv(store, AREA, YEAR), cells, ",", decimal_comma=True, out_sep="\t")
        assert "\t87,5\t" in text or "\t87,5\r\n" in text
        content, name = b"\xff\xfe" + text.encode("utf-16-le"), "991-2024.txt"
        assert b"\x00" in content
    else:
        text = fill_csv(build_csv(store, AREA, YEAR, "semicolon"), cells, ";", decimal_comma=True)
        assert ";87,5;" in text or ";87,5\r\n" in text
        if form == "csv-semicolon":
            content, name = b"\xef\xbb\xbf" + text.encode("utf-8"), "991-2024.csv"
        else:
            content, name = to_cp1258(text), "991-2024-win.csv"
            assert "Phường".encode("utf-8") not in content
            with pytest.raises(UnicodeDecodeError):
                content.decode("utf-8")

    result = import_file(store, content, name, YEAR, "canbo.991", area_code=AREA, dry_run=False)
    assert result.stored
    # every applicable cell filled, nothing in a grey cell: the only warnings left are the
    # plausibility ones against last year's values (our test values are arbitrary)
    other = [str(w) for w in result.warnings if "khác xa năm 2023" not in w.message]
    assert not other, other
    stored = store.rows(
        "SELECT o.unit_code, o.indicator, o.value, o.num, o.den FROM observations o "
        "JOIN submissions s ON s.id = o.submission_id "
        "WHERE s.state = 'current' AND s.area_code = $a AND s.year = $y", {"a": AREA, "y": YEAR})
    got = {(u, i): (v, n, d) for u, i, v, n, d in stored}
    assert got == expected
    assert {u for u, _ in got} == set(units["code"])
    assert store.rows("SELECT file_name, sent_by FROM submissions WHERE id = $i",
                      {"i": result.submission_id}) == [(name, "canbo.991")]


# ---------------------------------------------------------------- errors, CLI, formula injection

@pytest.mark.parametrize("build", [build_xlsx, build_csv, template_units])
def test_unknown_area(sample_store, build):
    with pytest.raises(NotFound) as e:
        build(sample_store, "000", YEAR)
    assert str(e.value) == "Không có địa bàn mã «000»."


@pytest.mark.parametrize("build", [build_xlsx, build_csv])
def test_area_without_active_units(sample_store, build):
    # Xã Đại Hòa was merged away at the end of 2024
    with pytest.raises(NotFound) as e:
        build(sample_store, "99032", 2025)
    assert str(e.value) == "Địa bàn Xã Đại Hòa (mã 99032) không có đơn vị nào được đánh giá trong năm 2025."
    assert template_units(sample_store, "99032", 2025).is_empty()
    assert template_units(sample_store, "99032", 2024)["code"].to_list() == ["99032"]


def test_district_without_units(store):
    replace_units(store, pl.DataFrame([{"code": "90", "name": "Tỉnh Thử", "type": "province"},
                                       {"code": "901", "name": "Huyện Trống", "type": "district", "parent_code": "90"}]),
                  access.SYSTEM)
    with pytest.raises(NotFound, match=r"^Địa bàn Huyện Trống \(mã 901\) không có đơn vị nào được đánh giá trong năm 2025\.$"):
        build_xlsx(store, "901", 2025)


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("template-cli") / "tinh.duckdb"
    assert main(["init", "--db", str(path), "--sample"]) == 0
    return path


def test_cli_writes_templates(cli_db, tmp_path, capsys):
    out = tmp_path / "mau" / "991-2024.xlsx"
    assert main(["template", "--db", str(cli_db), "--year", "2024", "--area", "991", "--out", str(out)]) == 0
    assert "(25 đơn vị)" in capsys.readouterr().out
    assert len(sheet_rows(out.read_bytes())) == 26
    out_csv = tmp_path / "991-2024.csv"
    assert main(["template", "--db", str(cli_db), "--year", "2024", "--area", "992", "--out", str(out_csv),
                 "--semicolon"]) == 0
    text = out_csv.read_bytes()
    assert text.startswith(b"\xef\xbb\xbfma_don_vi;ten_don_vi;nam;")
    n = len(expected_units_cli(cli_db, "992", 2024))
    assert f"({n} đơn vị)" in capsys.readouterr().out
    assert len(text.decode("utf-8-sig").splitlines()) == n + 1


def expected_units_cli(path, area, year):
    from dcmetrics.store import Store

    s = Store(path, create=False)
    try:
        return expected_units(s, area, year)["code"].to_list()
    finally:
        s.close()


@pytest.mark.parametrize("extra,message", [
    (["--area", "000", "--out", "x.xlsx"], "Không có địa bàn mã «000»."),
    (["--area", "991", "--out", "x.ods"], "phải có đuôi .xlsx hoặc .csv"),
    (["--area", "991", "--out", "x.xlsx", "--semicolon"], "--semicolon chỉ dùng cho tệp .csv"),
])
def test_cli_errors(cli_db, tmp_path, capsys, extra, message):
    args = ["template", "--db", str(cli_db), "--year", "2025", *extra]
    args[args.index("--out") + 1] = str(tmp_path / args[args.index("--out") + 1])
    assert main(args) == 1
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_safe_cell():
    for bad in ("=1+1", "+84 912", "-2", "@SUM(A1)", "\tx", "\rx", "\nx"):
        assert safe_cell(bad) == "'" + bad
    for ok in ("Xã An Bình", "99001", "", "'đã có"):
        assert safe_cell(ok) == ok
    assert safe_cell(None) is None


def test_formula_injection_in_unit_names(fresh_sample_store):
    store = fresh_sample_store
    units = all_units(store)
    evil = pl.DataFrame([{"code": "99999", "name": INJECTION, "type": "commune", "parent_code": AREA}])
    replace_units(store, pl.concat([units, evil], how="diagonal_relaxed"), access.SYSTEM)

    rows = list(csv.reader(io.StringIO(build_csv(store, AREA, YEAR)[3:].decode("utf-8"))))
    row = next(r for r in rows if r[0] == "99999")
    assert row[1] == "'" + INJECTION

    content = build_xlsx(store, AREA, YEAR)
    sheet = xml(content, "xl/worksheets/sheet1.xml")
    assert "<f>" not in sheet  # nothing became a formula
    i = next(i for i, r in enumerate(sheet_rows(content)) if r[0] == "99999") + 1
    cell = re.search(rf'<c r="B{i}"[^>]*>', sheet).group(0)
    assert 't="s"' in cell  # a (shared) string cell
    assert sheet_rows(content)[i - 1][1] == "'" + INJECTION
    # and the file still imports (the name column is not checked against the registry)
    res = import_file(store, content, "991.xlsx", YEAR, "canbo.991", area_code=AREA, dry_run=True)
    assert "99999" in set(res.observations["unit_code"])


@pytest.mark.parametrize("unit_type", EVALUATED)
def test_semicolon_template_of_a_single_unit_type_reads_back_as_semicolon(store, unit_type):
    """Indicator names hold commas; the upload reader guesses the separator by counting it in the
    header line, so a ';' template with the fewest columns must still read as ';'-separated."""
    from dcmetrics.ingest.read import read_table

    replace_units(store, pl.DataFrame([
        {"code": "90", "name": "Tỉnh Thử", "type": "province"},
        {"code": "901", "name": "Huyện Một", "type": "district", "parent_code": "90"},
        {"code": "90101", "name": "Đơn vị Một", "type": unit_type, "parent_code": "901"}]), access.SYSTEM)
    content = build_csv(store, "901", YEAR, "semicolon")
    table = read_table(content, "mau.csv")
    assert table.delimiter == ";" and table.decimal_comma
    assert table.frame.columns[:-1] == sheet_rows(build_xlsx(store, "901", YEAR))[0]
