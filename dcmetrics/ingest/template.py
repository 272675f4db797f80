"""The upload template of an area and a year: one row per evaluated unit, one column per figure.

The template is the other half of the upload path (read.py → validate.py → commit.py): its
headers are "Tên chỉ tiêu (CODE)" / "… – tử số (CODE__TU)" / "… – mẫu số (CODE__MAU)", which
validation matches by the code in parentheses, and its fixed columns are `ma_don_vi`,
`ten_don_vi`, `nam`. A template filled in and sent back imports without any change.

xlsx: the sheet is protected; the header and the three fixed columns are locked, the data cells
of applicable indicators are unlocked and carry a data validation (Có/Không list, 0–100,
whole number ≥ 0, points 0..max); cells of an indicator that does not apply to the row's unit
type stay locked and grey. A second sheet explains every column.
CSV: the same header and rows, UTF-8 with BOM, ',' or ';' separated.

Text that a spreadsheet would run as a formula (= + - @ tab CR LF at the start; unit names are
typed by users) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from dcmetrics import config, framework, sqlfiles
from dcmetrics.errors import DcmetricsError, NotFound
from dcmetrics.exports import safe_cell
from dcmetrics.fmt import fmt_num
from dcmetrics.framework_model import KIND_LABELS, Document, Indicator
from dcmetrics.ingest.read import DATA_SHEET, HELP_SHEET  # the reader looks for the data sheet by name

FIXED_COLUMNS = ("ma_don_vi", "ten_don_vi", "nam")
YES, NO = "Có", "Không"
PART_LABELS = {"value": "", "num": "tử số", "den": "mẫu số"}
PART_SUFFIX = {"value": "", "num": "__TU", "den": "__MAU"}
DIALECTS = {"comma": ",", "semicolon": ";"}


@dataclass(frozen=True)
class Column:
    """One indicator column of the template (a ratio gives two: numerator and denominator)."""

    header: str          # "Tên chỉ tiêu (CODE)", "Tên chỉ tiêu – tử số (CODE__TU)", ...
    code: str            # column code: CODE, CODE__TU or CODE__MAU
    part: str            # value | num | den
    kind: str            # the indicator's kind
    indicator: Indicator


@dataclass(frozen=True)
class _Template:
    area_code: str
    area_name: str
    year: int
    units: pl.DataFrame
    columns: list[Column]
    documents: dict[str, Document]
    values: dict[tuple[str, str], float | None]  # (unit, column code) → current figure, when filled


def _current_values(store, year: int, codes: list[str], columns: list[Column]) -> dict[tuple[str, str], float | None]:
    """The figures stored now for these units and year, keyed by template column: what a filled
    template carries, so that correcting one cell is not retyping the whole file."""
    frame = store.frame(sqlfiles.load("current_values_of_units"), {"y": int(year), "units": list(codes)})
    by_ind = {c.indicator.code: [] for c in columns}
    for c in columns:
        by_ind[c.indicator.code].append(c)
    out = {}
    for r in frame.iter_rows(named=True):
        for c in by_ind.get(r["indicator"], []):
            out[(r["unit_code"], c.code)] = r[c.part]
    return out


def _cell_text(c: Column, value: float | None, decimal_comma: bool) -> str:
    """A stored figure as the template's user would type it."""
    if value is None:
        return ""
    if c.kind == "yesno":
        return YES if value else NO
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if decimal_comma else text


# ---------------------------------------------------------------- content

def template_units(store, area_code: str, year: int) -> pl.DataFrame:
    """The evaluated units at or below `area_code` active in `year`, by Vietnamese name: code, name, type."""
    _area_name(store, area_code)
    return store.frame(sqlfiles.load("template_units"), {"area": area_code, "year": int(year)})


def template_columns(indicators: Mapping[str, Indicator] | Iterable[Indicator],
                     unit_types: Iterable[str]) -> list[Column]:
    """The indicators a unit enters that apply to one of `unit_types`, in catalogue order;
    a ratio gives a numerator and a denominator column."""
    types = set(unit_types)
    items = indicators.values() if isinstance(indicators, Mapping) else indicators
    columns: list[Column] = []
    for ind in items:
        if ind.entered_by != "unit" or not types & set(ind.applies):
            continue
        parts = ("num", "den") if ind.kind == "ratio" else ("value",)
        for part in parts:
            code = ind.code + PART_SUFFIX[part]
            label = f"{ind.name} – {PART_LABELS[part]}" if part != "value" else ind.name
            columns.append(Column(f"{label} ({code})", code, part, ind.kind, ind))
    return columns


def _area_name(store, area_code: str) -> str:
    rows = store.rows("SELECT name FROM units WHERE code = $c", {"c": area_code})
    if not rows:
        raise NotFound(f"Không có địa bàn mã «{area_code}».")
    return rows[0][0]


def _prepare(store, area_code: str, year: int, filled: bool = False) -> _Template:
    name = _area_name(store, area_code)
    units = template_units(store, area_code, year)
    if units.is_empty():
        raise NotFound(f"Địa bàn {name} (mã {area_code}) không có đơn vị nào được đánh giá trong năm {year}.")
    _, documents, indicators = framework.load_catalogue()
    columns = template_columns(indicators, units["type"].unique().to_list())
    values = _current_values(store, year, units["code"].to_list(), columns) if filled else {}
    return _Template(area_code, name, int(year), units, columns, documents, values)


# ---------------------------------------------------------------- CSV

def build_csv(store, area_code: str, year: int, dialect: str = "comma", filled: bool = False) -> bytes:
    """The template as CSV, UTF-8 with BOM; dialect "semicolon" writes ';' and decimal commas as
    Vietnamese-locale Excel does. `filled`: with the figures stored now (blank where there are none)."""
    if dialect not in DIALECTS:
        raise DcmetricsError(f"Kiểu CSV «{dialect}» không hợp lệ (hợp lệ: {', '.join(DIALECTS)}).")
    t = _prepare(store, area_code, year, filled)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DIALECTS[dialect], lineterminator="\r\n")
    writer.writerow([*FIXED_COLUMNS, *(safe_cell(c.header) for c in t.columns)])
    comma = dialect == "semicolon"
    for u in t.units.iter_rows(named=True):
        cells = [_cell_text(c, t.values.get((u["code"], c.code)), comma) for c in t.columns]
        writer.writerow([safe_cell(u["code"]), safe_cell(u["name"]), str(t.year), *cells])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


# ---------------------------------------------------------------- xlsx

def _clip(text: str, limit: int) -> str:
    """Excel's limits on validation texts: title 32, message 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _validation(col: Column) -> dict:
    ind = col.indicator
    if col.kind == "yesno":
        rule = {"validate": "list", "source": [YES, NO]}
        title, msg = "Có hoặc Không", "Chọn Có hoặc Không trong danh sách."
        err = "Chỉ được chọn Có hoặc Không."
    elif col.kind == "percent":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
        title = "Tỷ lệ (%)"
        msg = "Nhập một số từ 0 đến 100, có thể có phần thập phân; không ghi dấu %."
        err = "Tỷ lệ phải là một số từ 0 đến 100."
    elif col.kind == "count":
        rule = {"validate": "integer", "criteria": ">=", "value": 0}
        title, msg = "Số lượng", "Nhập một số nguyên từ 0 trở lên (không phát sinh: ghi 0)."
        err = "Số lượng phải là số nguyên từ 0 trở lên."
    elif col.kind == "ratio":
        rule = {"validate": "integer", "criteria": ">=", "value": 0}
        what = ind.numerator if col.part == "num" else ind.denominator
        title = "Tử số" if col.part == "num" else "Mẫu số"
        tail = (" Không lớn hơn mẫu số." if col.part == "num" else "") + " Không phát sinh: ghi 0 ở cả tử số và mẫu số."
        msg = _clip(f"{what}.", 255 - len(tail)) + tail
        err = f"{title} phải là số nguyên từ 0 trở lên."
    else:  # points
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0,
                "maximum": int(ind.max) if float(ind.max).is_integer() else ind.max}
        title = "Điểm"
        msg = f"Nhập điểm từ 0 đến {fmt_num(ind.max)}, theo bước {fmt_num(ind.step)} điểm."
        err = f"Điểm phải từ 0 đến {fmt_num(ind.max)}, là bội số của {fmt_num(ind.step)}."
    return {**rule, "input_title": _clip(title, 32), "input_message": _clip(msg, 255),
            "error_title": "Giá trị không hợp lệ", "error_message": _clip(err, 255), "error_type": "stop"}


def _sources(ind: Indicator, documents: dict[str, Document]) -> str:
    lines = []
    for s in ind.sources:
        doc = documents.get(s.doc)
        if doc is None:
            lines.append(f"{s.doc}: {s.clause}")
            continue
        # the number and issuer name a document shortly; without a number, its title does
        name = f"{doc.title} ({doc.issuer})" if doc.number.startswith("(") else f"{doc.number} ({doc.issuer})"
        lines.append(f"{name}: {s.clause}")
    return "\n".join(lines)


def _explanation_rows(t: _Template) -> list[list[str]]:
    rows = []
    for c in t.columns:
        ind = c.indicator
        if c.kind == "ratio":
            parts = f"Tử số: {ind.numerator}.\nMẫu số: {ind.denominator}."
            part_note = "Cột tử số" if c.part == "num" else "Cột mẫu số"
            parts = f"{part_note}. {parts}"
        else:
            parts = ""
        kind = KIND_LABELS.get(c.kind, c.kind)
        if c.kind == "points":
            kind += f" (0 đến {fmt_num(ind.max)}, bước {fmt_num(ind.step)})"
        applies = "; ".join(config.UNIT_TYPE_LABELS.get(a, a) for a in ind.applies)
        rows.append([c.code, ind.name, ind.definition, kind, ind.rule.describe(c.kind), parts, applies,
                     _sources(ind, t.documents)])
    return rows


EXPLANATION_HEADER = ["Mã cột", "Tên chỉ tiêu", "Định nghĩa (đếm, tính cái gì)", "Loại số liệu",
                      "Cách chấm điểm", "Tử số / mẫu số", "Áp dụng cho", "Căn cứ (văn bản: điều khoản)"]


def _instructions(t: _Template) -> list[str]:
    return [
        f"Mẫu nhập số liệu năm {t.year} – địa bàn {t.area_name} (mã {t.area_code}): "
        f"{t.units.height} đơn vị, {len(t.columns)} cột số liệu.",
        "1. Mỗi dòng của trang «Số liệu» là một đơn vị; không sửa, không xóa ba cột mã đơn vị, tên đơn vị, năm "
        "và dòng tiêu đề (trang tính đã khóa các ô này).",
        "2. Chỉ tiêu Có/Không: chọn «Có» hoặc «Không» trong danh sách của ô.",
        "3. Tỷ lệ (%): ghi số từ 0 đến 100, không ghi dấu %; số lượng, tử số và mẫu số: số nguyên từ 0 trở lên; "
        "điểm: từ 0 đến điểm tối đa, theo bước điểm.",
        "4. Tỷ lệ trên số phát sinh: ghi tử số và mẫu số, tử số không lớn hơn mẫu số; nếu trong năm "
        "không phát sinh trường hợp nào, ghi 0 ở tử số và 0 ở mẫu số (0/0), không để trống.",
        "5. Chỉ để trống khi thật sự chưa có số liệu: đơn vị có ô trống ở chỉ tiêu áp dụng sẽ bị đánh dấu thiếu số liệu.",
        "6. Ô màu xám: chỉ tiêu không áp dụng cho loại đơn vị của dòng đó, để trống.",
        "7. Gửi lại đúng tệp này (.xlsx) hoặc lưu thành CSV (UTF-8); chỉ tiêu do cấp trên chấm không có trong mẫu.",
    ]


def _lines(text: str, width: float) -> int:
    """Rough number of wrapped lines of `text` in a column `width` characters wide (row heights:
    xlsxwriter does not measure text, and not every spreadsheet program fits rows on opening)."""
    per_line = max(1, int(width * 1.2))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def build_xlsx(store, area_code: str, year: int, filled: bool = False) -> bytes:
    """The template workbook: sheet «Số liệu» to fill in, sheet «Giải thích» explaining every column.
    `filled`: the data cells carry the figures stored now (blank where there are none)."""
    import xlsxwriter

    t = _prepare(store, area_code, year, filled)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    header_fmt = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                "border": 1, "locked": True})
    fixed_fmt = wb.add_format({"locked": True, "bg_color": "#F2F2F2", "border": 1})
    data_fmt = wb.add_format({"locked": False, "border": 1})
    na_fmt = wb.add_format({"locked": True, "bg_color": "#BFBFBF", "pattern": 1, "border": 1})
    ws = wb.add_worksheet(DATA_SHEET)
    ws.set_row(0, 96)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, min(60, max(24, 2 + max(len(x) for x in t.units["name"].to_list()))))
    ws.set_column(2, 2, 7)
    if t.columns:
        ws.set_column(3, 2 + len(t.columns), 18)
    for j, h in enumerate([*FIXED_COLUMNS, *(c.header for c in t.columns)]):
        ws.write_string(0, j, safe_cell(h), header_fmt)
    n = t.units.height
    for i, u in enumerate(t.units.iter_rows(named=True), 1):
        ws.write_string(i, 0, safe_cell(u["code"]), fixed_fmt)
        ws.write_string(i, 1, safe_cell(u["name"]), fixed_fmt)
        ws.write_number(i, 2, t.year, fixed_fmt)
        for j, c in enumerate(t.columns, 3):
            fmt = data_fmt if u["type"] in c.indicator.applies else na_fmt
            value = t.values.get((u["code"], c.code))
            if value is None:
                ws.write_blank(i, j, None, fmt)
            elif c.kind == "yesno":
                ws.write_string(i, j, YES if value else NO, fmt)
            else:
                ws.write_number(i, j, float(value), fmt)
    for j, c in enumerate(t.columns, 3):
        ws.data_validation(1, j, n, j, _validation(c))
    ws.freeze_panes(1, 3)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0)
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})

    help_ws = wb.add_worksheet(HELP_SHEET)
    title_fmt = wb.add_format({"bold": True, "font_size": 12})
    text_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
    cell_fmt = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    widths = [22, 36, 48, 18, 36, 40, 30, 60]
    for j, w in enumerate(widths):
        help_ws.set_column(j, j, w)
    lines = _instructions(t)
    help_ws.write_string(0, 0, safe_cell(lines[0]), title_fmt)
    for r, line in enumerate(lines[1:], 1):
        help_ws.merge_range(r, 0, r, len(widths) - 1, safe_cell(line), text_fmt)
        help_ws.set_row(r, 15 * _lines(line, sum(widths)))
    top = len(lines) + 1
    for j, h in enumerate(EXPLANATION_HEADER):
        help_ws.write_string(top, j, h, header_fmt)
    for r, row in enumerate(_explanation_rows(t), top + 1):
        for j, v in enumerate(row):
            help_ws.write_string(r, j, safe_cell(v), cell_fmt)
        help_ws.set_row(r, 15 * max(_lines(v, widths[j]) for j, v in enumerate(row)))
    help_ws.freeze_panes(top + 1, 1)
    help_ws.set_landscape()
    help_ws.set_paper(9)
    help_ws.fit_to_pages(1, 0)
    ws.activate()
    wb.close()
    return buf.getvalue()
