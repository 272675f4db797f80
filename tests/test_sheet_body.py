"""The sheets' table body written by Polars (dcmetrics/reports/sheet_body.py) holds the cells the
per-cell xlsxwriter path wrote: read back by calamine and from the sheet's XML, value by value,
type by type, style by style; and the ranking's print layout (bands, print titles, scale) read
back from the workbook's XML."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import polars as pl
import pytest

from dcmetrics.reports import sheet_body, sheets
from dcmetrics.reports.sheets import Col, Sheet, workbook

TRICKY = pl.DataFrame({
    "code": ["00004", " lề ", "=1+1", None, "a_x0041_b", "ký\x01tự", "A & <B>", "-3"],
    "n": [1.5, float("nan"), None, 0.30000000000000004, -2.44, 1e-7, 25.000000000000004, float("inf")],
    "i": [1.9, -1.9, None, 3.0, 0.0, 12345.0, 7.0, 8.0],
    "b": [True, False, None, True, False, True, False, True],
    "t": [1, 2, None, 4, 5, 6, 7, 8],
    "d": [datetime(2025, 3, 1, 12, 30), None, datetime(1999, 12, 31), None, None, None, None, None],
})
COLUMNS = [Col("code", "Mã", "code"), Col("n", "Điểm", "points"), Col("i", "Hạng", "int"), Col("b", "Đủ", "bool"),
           Col("t", "Số dạng chữ", "text"), Col("d", "Lúc", "datetime")]


def cells(data: bytes, sheet: int = 1) -> dict[str, tuple[str, str, str]]:
    """ref -> (type, raw XML inner, style index) of every cell of the sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read(f"xl/worksheets/sheet{sheet}.xml").decode("utf-8")
    return {m.group(1): ((re.search(r't="(\w+)"', m.group(2)) or [0, "n"])[1], m.group(3) or "",
                         (re.search(r's="(\d+)"', m.group(2)) or [0, "0"])[1])
            for m in re.finditer(r'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', xml, re.S)}


@pytest.fixture(scope="module")
def tricky():
    return workbook([Sheet("Thử", TRICKY, "THỬ", ["Một dòng."], COLUMNS)])


def test_values_read_back(tricky):
    body = pl.read_excel(io.BytesIO(tricky), sheet_name="Thử", read_options={"header_row": 3})
    assert body.columns == ["Mã", "Điểm", "Hạng", "Đủ", "Số dạng chữ", "Lúc"]
    # text as text, formula-like text guarded, XML characters and Excel's escapes undone by the reader
    assert body["Mã"].to_list() == ["00004", " lề ", "'=1+1", None, "a_x0041_b", "ký\x01tự", "A & <B>", "'-3"]
    # numbers exact (the double read back is the one written); NaN and inf blank
    assert body["Điểm"].to_list() == [1.5, None, None, 0.30000000000000004, -2.44, 1e-7, 25.000000000000004, None]
    assert body["Hạng"].to_list() == [1, -1, None, 3, 0, 12345, 7, 8]  # int(value), as before
    assert body["Đủ"].to_list() == ["Có", "Không", None, "Có", "Không", "Có", "Không", "Có"]
    assert body["Số dạng chữ"].to_list() == ["1", "2", None, "4", "5", "6", "7", "8"]  # a text column stays text
    assert body["Lúc"].to_list()[:3] == [datetime(2025, 3, 1, 12, 30), None, datetime(1999, 12, 31)]


def test_cells_in_the_xml(tricky):
    c = cells(tricky)
    assert c["A5"][0] == "inlineStr" and c["A5"][1] == "<is><t>00004</t></is>"
    assert c["A6"][1] == '<is><t xml:space="preserve"> lề </t></is>'  # leading space kept
    assert c["A9"][1] == "<is><t>a_x005F_x0041_b</t></is>" and c["A10"][1] == "<is><t>ký_x0001_tự</t></is>"
    assert c["A11"][1] == "<is><t>A &amp; &lt;B&gt;</t></is>"
    assert c["B5"][:2] == ("n", "<v>1.5</v>") and c["B6"][:2] == ("n", "") and c["B12"][:2] == ("n", "")
    assert c["F5"][1] == "<v>45717.520833333336</v>"  # 2025-03-01 12:30 as Excel's serial
    # blank cells keep the text style (the border); numbers, ints and dates their own
    assert c["B6"][2] == c["A8"][2] == c["A5"][2]
    assert len({c["A5"][2], c["B5"][2], c["C5"][2], c["F5"][2]}) == 4


def test_heights_only_where_text_wraps():
    long = "Đạt mọi tiêu chí: mức Tốt, 98,67 điểm; số liệu đầy đủ; " * 4
    frame = pl.DataFrame({"a": ["ngắn", long, "một\nhai", None], "b": [1, 2, 3, 4]})
    data = workbook([Sheet("H", frame, "H", [], [Col("a", "A", cap=30), Col("b", "B", "int")])])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    heights = {int(r): float(h) for r, h in re.findall(r'<row r="(\d+)"[^>]*? ht="([\d.]+)"', xml)}
    assert heights.get(4) is None and heights.get(7) is None  # one line: the default height
    assert heights[5] == sheets.LINE_PT * sheets.lines_in(long, 30) and heights[6] == 2 * sheets.LINE_PT


def test_python_cell_is_the_old_rule():
    assert sheet_body.python_cell("bool", 0) == ("s", "Không")
    assert sheet_body.python_cell("int", "12") == ("s", "12")  # not a number: text, as before
    assert sheet_body.python_cell("text", "=A1") == ("s", "'=A1")
    assert sheet_body.python_cell("datetime", date(1900, 3, 1)) == ("n", 61)
    assert sheet_body.python_cell("points", float("nan")) is None


def test_many_rows_in_chunks():
    n = sheet_body.CHUNK * 2 + 17
    frame = pl.DataFrame({"code": [f"{i:05d}" for i in range(n)], "v": [i / 4 for i in range(n)]})
    data = workbook([Sheet("N", frame, "N", [], [Col("code", "Mã", "code"), Col("v", "Điểm", "points")])])
    back = pl.read_excel(io.BytesIO(data), sheet_name="N", read_options={"header_row": 2})
    assert back["Mã"].to_list() == frame["code"].to_list() and back["Điểm"].to_list() == frame["v"].to_list()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert f'<dimension ref="A1:B{n + 3}"/>' in z.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("ws_widths, repeat, bands, scale", [
    ([8, 13, 36, 24, 22, 24, 8, 12, 20, 7], 3, (8,), 86),     # the ranking's first band: 147 wide
    ([10, 10, 10, 10], 1, (2,), 100),                         # narrow bands print at 100 %, never above
    ([60] * 60, 1, (40,), 10),                                # absurdly wide: Excel's floor, 10 %
    ([50] * 40, 1, (20,), 12),                                # 21 columns of 50: 12 %
])
def test_band_scale(ws_widths, repeat, bands, scale):
    assert sheets.band_scale(ws_widths, repeat, bands) == scale


def test_bands_must_fit_the_columns():
    frame = pl.DataFrame({"a": ["x"], "b": [1], "c": [2]})
    cols = [Col("a", "A", "code"), Col("b", "B", "int"), Col("c", "C", "int")]
    with pytest.raises(ValueError, match="bands"):
        workbook([Sheet("B", frame, "B", [], cols, bands=(1,), repeat_columns=1)])  # repeats all of band 1
    with pytest.raises(ValueError, match="bands"):
        workbook([Sheet("B", frame, "B", [], cols, bands=(2, 1), repeat_columns=1)])
    data = workbook([Sheet("B", frame, "B", [], cols, bands=(2,), repeat_columns=1)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.read("xl/workbook.xml").decode()
    assert "<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">B!$A$1:$B$4,B!$C$3:$C$4</definedName>" in names


def test_more_rows_than_a_sheet_holds_is_an_error():
    frame = pl.DataFrame({"n": pl.int_range(0, 1_048_576, eager=True)})
    with pytest.raises(ValueError, match="1048576 rows do not fit a sheet"):
        workbook([Sheet("N", frame, "N", [], [Col("n", "N", "int")])])
