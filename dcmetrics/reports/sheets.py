"""xlsx sheets that open right in Excel and LibreOffice Calc: title rows (what, year, profile and
version, basis, date, filters), Vietnamese headers and values, numbers as numbers with the decimals
the page shows (the client shows them in its locale), widths measured from the content (capped,
long text wrapped), row heights written for wrapped text (LibreOffice keeps 15 pt rows otherwise),
print setup: A4, landscape where wide, header rows repeated, fit to width (or, for a table too
wide to read so, printed in bands one page wide: Sheet.bands), «Trang &P/&N». The table body is
written by sheet_body (Polars builds its XML; xlsxwriter writes the rest of the workbook)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from xlsxwriter.worksheet import Worksheet

from dcmetrics.exports import safe_cell
from dcmetrics.reports import sheet_body

LINE_PT = 15.0      # one line of 11 pt text, as both clients draw it
TEXT_CAP = 50       # widest a text column grows (in character widths) before it wraps
MIN_WIDTH = 6
PORTRAIT_WIDTH = 95  # character widths across A4 portrait between 0.5" margins; wider prints landscape
# Pixels (96 dpi) across A4 landscape between 0.5" margins (297 mm - 1" = 10.69"), less 3 % for the
# clients' rounding. A column of width w (xlsxwriter writes w + 0.71) prints ~7.3 px a unit in
# LibreOffice with Carlito (measured on its PDF), 7 px and 5 of padding in Excel with Calibri: 7.5.
LANDSCAPE_PX = int(10.69 * 96 * 0.97)
PX_PER_WIDTH = 7.5
FOOTER = "&CTrang &P/&N"
KINDS = ("text", "code", "int", "points", "number", "bool", "datetime")


@dataclass(frozen=True)
class Col:
    """One column: frame column, Vietnamese header, kind (text|code|int|points|number|bool),
    decimals for `number`, and a cap on its width (None: TEXT_CAP for text)."""
    key: str
    label: str
    kind: str = "text"
    decimals: int = 2
    cap: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key}: kind {self.kind!r} not one of {KINDS}")


@dataclass
class Sheet:
    """One sheet: its name, title (the first row), lines under it (year, profile, basis, filters ...),
    the table and its columns (None: guessed from the frame's types)."""
    name: str
    frame: pl.DataFrame
    title: str
    lines: list[str] = field(default_factory=list)
    columns: list[Col] | None = None
    empty_text: str = "Không có dòng nào."
    table_row: int | None = None        # the table header's fixed row (readers find it there), else after the lines
    emphasised: tuple[str, ...] = ()    # lines shown as a warning (bold, dark red)
    # A wide table printed in bands instead of shrunk to one page wide: `bands` the columns that
    # start a new printed page (the first band holds the title block), `repeat_columns` the
    # identifying columns repeated on every page (and frozen on screen); see print_bands().
    bands: tuple[int, ...] = ()
    repeat_columns: int = 0


def exported_at(now: datetime | None = None) -> str:
    return f"Ngày xuất: {(now or datetime.now()).strftime('%d/%m/%Y %H:%M')}."


def guess_columns(frame: pl.DataFrame) -> list[Col]:
    """Columns from the frame's types; a column named like a code (Mã ..., ..._code) stays text."""
    out = []
    for name, dtype in frame.schema.items():
        if name.lower().startswith("mã") or name.endswith("code"):
            kind = "code"
        elif dtype == pl.Boolean:
            kind = "bool"
        elif isinstance(dtype, pl.Datetime) or dtype == pl.Date:
            kind = "datetime"
        elif dtype.is_float():
            kind = "points"
        elif dtype.is_integer():
            kind = "int"
        else:
            kind = "text"
        out.append(Col(name, name, kind))
    return out


def cell_text(col: Col, value) -> str:
    """What the cell shows, for measuring (numbers as the format prints them)."""
    if value is None:
        return ""
    if col.kind == "bool":
        return "Không" if not value else "Có"
    if col.kind == "datetime":
        return "00/00/0000 00:00:00"
    if col.kind == "points":
        return f"{float(value):,.2f}"
    if col.kind == "number":
        return f"{float(value):,.{col.decimals}f}"
    if col.kind == "int" and isinstance(value, (int, float)):
        return f"{int(value):,}"
    return str(value)


def lines_in(text: str, width: float) -> int:
    """Lines `text` takes in a cell `width` character widths wide (each paragraph wrapped at words).
    A width unit is a digit's width: ~1.2 letters of Vietnamese text fit in it (as template.py counts,
    seen in LibreOffice's PDF), less one for the cell's padding."""
    per_line = max(1, int(width * 1.2) - 1)
    total = 0
    for para in str(text).split("\n"):
        n, used = 1, 0
        for word in para.split(" "):
            w = len(word)
            if used and used + 1 + w > per_line:
                n, used = n + 1, 0
            used += (1 if used else 0) + w
            while used > per_line:  # a word longer than the line breaks inside
                n, used = n + 1, used - per_line
        total += n
    return max(1, total)


def widths(columns: list[Col], frame: pl.DataFrame) -> list[float]:
    """Each column's width in character widths: its widest cell (or the header's longest word, the
    header wraps), plus a margin, capped (text wraps beyond the cap)."""
    out = []
    for col in columns:
        longest = _longest(col, frame[col.key]) if col.key in frame.columns and frame.height else 0
        header = max((len(w) for w in col.label.split()), default=0)
        cap = col.cap or (TEXT_CAP if col.kind == "text" else 30)
        out.append(float(min(max(longest, header, MIN_WIDTH - 2) + 2, cap)))
    return out


def _longest(col: Col, series: pl.Series) -> int:
    """The widest cell's characters: text measured by Polars (fast at 40,000 rows), numbers by the
    printed form of the extremes."""
    if col.kind in ("text", "code"):
        lines = series.cast(pl.String).str.split("\n").explode().str.len_chars()
        return int(lines.max() or 0)
    if col.kind in ("int", "points", "number"):
        extremes = [v for v in (series.min(), series.max()) if v is not None]
        return max((len(cell_text(col, v)) for v in extremes), default=0)
    return len(cell_text(col, "00/00/0000 00:00:00" if col.kind == "datetime" else False))  # «Không»


def column_px(width: float) -> float:
    return (width + 0.71) * PX_PER_WIDTH


def band_scale(ws_widths: list[float], repeat: int, bands: tuple[int, ...]) -> int:
    """The print scale (%) at which the widest band, with the repeated columns, fits A4 landscape."""
    starts, ends = [0, *bands], [*bands, len(ws_widths)]
    need = max(sum(map(column_px, ws_widths[:repeat])) + sum(map(column_px, ws_widths[max(a, repeat):b]))
               for a, b in zip(starts, ends))
    return max(10, min(100, int(100 * LANDSCAPE_PX / need)))


def write_sheet(wb, sheet: Sheet) -> int:
    """Writes one sheet; returns the 0-based row of its table header."""
    ws = wb.add_worksheet(safe_cell(sheet.name)[:31], worksheet_class=_Worksheet)
    f = _formats(wb)
    columns = sheet.columns or guess_columns(sheet.frame)
    frame = sheet.frame
    ws_widths = widths(columns, frame)
    last = max(0, len(columns) - 1)
    if sheet.bands and not (0 < sheet.repeat_columns < sheet.bands[0] and list(sheet.bands) == sorted(set(sheet.bands))
                            and sheet.bands[-1] <= last):
        raise ValueError(f"{sheet.name}: bands {sheet.bands} / repeated columns {sheet.repeat_columns} do not fit "
                         f"{len(columns)} columns")
    title_last = sheet.bands[0] - 1 if sheet.bands else last  # the title block prints on the first band
    total_width = sum(ws_widths[:title_last + 1])

    def banner(row: int, text: str, fmt, size_pt: float = LINE_PT):
        text = safe_cell(text)
        if title_last:
            ws.merge_range(row, 0, row, title_last, text, fmt)
        else:
            ws.write_string(row, 0, text, fmt)
        ws.set_row(row, size_pt * lines_in(text, total_width * (0.9 if size_pt > LINE_PT else 1.0)))

    banner(0, sheet.title, f["title"], 18.0)
    lines = [x for x in sheet.lines if x]
    for i, line in enumerate(lines, 1):
        banner(i, line, f["note"] if line in sheet.emphasised else f["line"])
    head_row = len(lines) + 2  # a blank row between the title block and the table
    if sheet.table_row is not None:
        if sheet.table_row < len(lines) + 1:
            raise ValueError(f"{sheet.name}: {len(lines)} title lines do not fit above row {sheet.table_row}")
        head_row = sheet.table_row
    for c, col in enumerate(columns):
        ws.write_string(head_row, c, safe_cell(col.label), f["head"])
        ws.set_column(c, c, ws_widths[c])
    ws.set_row(head_row, LINE_PT * max(lines_in(col.label, w) for col, w in zip(columns, ws_widths)) + 2)
    if head_row + frame.height >= ws.xls_rowmax:  # xlsxwriter dropped such rows one by one; say so instead
        raise ValueError(f"{sheet.name}: {frame.height} rows do not fit a sheet ({ws.xls_rowmax} rows)")
    if not frame.is_empty():
        ws.body = sheet_body.body_writer(
            frame.select([c.key for c in columns]), [c.kind for c in columns],
            [_number_format(c, f)._get_xf_index for c in columns], f["text"]._get_xf_index, head_row + 1,
            _heights(columns, ws_widths))
        ws._check_dimensions(head_row + frame.height, last)  # the <dimension> covers the body
    if frame.is_empty():
        banner(head_row + 1, sheet.empty_text, f["line"])
    ws.freeze_panes(head_row + 1, sheet.repeat_columns)
    ws.repeat_rows(head_row)
    if sheet.bands:  # one band a page wide at a readable scale, the identifying columns on each page
        ws.repeat_columns(0, sheet.repeat_columns - 1)
        ws.set_v_pagebreaks(list(sheet.bands))
        # one print range a band; past the first from the table's header down, so that the title
        # block (merged over the first band) is not printed cut on the other bands' first pages
        end_row = head_row + max(1, frame.height)
        ws.print_area_range = ",".join(
            ws._convert_name_area(0 if a == 0 else head_row, a, end_row, b - 1)
            for a, b in zip((0, *sheet.bands), (*sheet.bands, last + 1)))
        ws.set_landscape()
        ws.set_print_scale(band_scale(ws_widths, sheet.repeat_columns, sheet.bands))
    else:
        if total_width > PORTRAIT_WIDTH:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer(FOOTER)
    return head_row


def _number_format(col: Col, f: dict):
    """The format of a column's numbers, at the page's decimals (text and blank cells: f["text"])."""
    if col.kind == "number":
        return f[f"dec{col.decimals}"]
    return f.get(col.kind, f["text"])


def _heights(columns: list[Col], ws_widths: list[float]):
    """chunk, offset -> each row's height (None: one line): the lines of its tallest text cell.
    Only cells longer than a line or holding a line break are wrapped by lines_in; the rest
    take one line (Polars measures them all at once)."""
    measured = [(c.key, w) for c, w in zip(columns, ws_widths) if c.kind in ("text", "code")]

    known: dict[tuple[str, float], int] = {}  # names, types, levels repeat: each wrapped once

    def heights(chunk: pl.DataFrame, offset: int) -> list[float | None]:
        tall = pl.Series([1] * chunk.height, dtype=pl.Int64)
        for key, w in measured:
            s = chunk[key]
            if s.dtype != pl.String:
                s = pl.Series([None if v is None else str(v) for v in s.to_list()], dtype=pl.String)
            per_line = max(1, int(w * 1.2) - 1)
            wrapped = ((s.str.len_chars() > per_line) | s.str.contains("\n", literal=True)).fill_null(False)
            texts = s.filter(wrapped).unique().to_list()
            if not texts:
                continue
            for text in texts:
                if (text, w) not in known:
                    known[(text, w)] = lines_in(text, w)
            lines = s.replace_strict(texts, [known[(t, w)] for t in texts], default=1, return_dtype=pl.Int64)
            tall = pl.select(pl.max_horizontal(pl.lit(tall), pl.lit(lines).fill_null(1))).to_series()
        tall = tall.to_list()
        return [LINE_PT * t if t > 1 else None for t in tall]

    return heights


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet whose table body (`body`: fh -> None, sheet_body.body_writer) is
    written straight into <sheetData> after the rows xlsxwriter holds (title block, header)."""
    body = None

    def _write_sheet_data(self) -> None:
        if self.body is None:
            return super()._write_sheet_data()
        self._xml_start_tag("sheetData")
        full, self.dim_rowmax = self.dim_rowmax, max(r for r in (*self.table, *self.row_info))
        try:
            self._write_rows()
        finally:
            self.dim_rowmax = full
        self.body(self.fh)
        self._xml_end_tag("sheetData")


def _formats(wb) -> dict:
    if not hasattr(wb, "_dcm_formats"):
        base = {"valign": "top", "border": 1}
        wb._dcm_formats = {
            "title": wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter",
                                    "text_wrap": True}),
            "line": wb.add_format({"text_wrap": True, "valign": "top"}),
            "note": wb.add_format({"italic": True, "bold": True, "font_color": "#9C0006", "text_wrap": True,
                                   "valign": "top"}),
            "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                   "valign": "vcenter", "align": "center"}),
            "text": wb.add_format({**base, "text_wrap": True}),
            "int": wb.add_format({**base, "num_format": "#,##0"}),
            "points": wb.add_format({**base, "num_format": "0.00"}),
            "datetime": wb.add_format({**base, "num_format": "dd/mm/yyyy hh:mm:ss"}),
            **{f"dec{n}": wb.add_format({**base, "num_format": "0" + ("." + "0" * n if n else "")})
               for n in range(0, 5)},
        }
    return wb._dcm_formats


def notes_sheet(wb, notes: list[str]) -> None:
    """A sheet «Ghi chú»: one wrapped note a row, heights fitted."""
    ns = wb.add_worksheet("Ghi chú")
    fmt = wb.add_format({"text_wrap": True, "valign": "top"})
    ns.set_column(0, 0, 120, fmt)
    for i, line in enumerate(n for n in notes if n):
        ns.write_string(i, 0, safe_cell(line), fmt)
        ns.set_row(i, LINE_PT * lines_in(line, 120))
    ns.set_paper(9)
    ns.set_landscape()
    ns.fit_to_pages(1, 0)
    ns.set_footer(FOOTER)


def workbook(sheets: list[Sheet], notes: list[str] | None = None, properties: dict | None = None) -> bytes:
    """The sheets (and the notes, if any) as one xlsx; no cell is ever a formula or a link."""
    import xlsxwriter

    buf = io.BytesIO()
    # the sheets' XML in temporary files, not in memory: 40,000 rows peak at ~160 MB, not ~400 MB
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": False})
    for sheet in sheets:
        write_sheet(wb, sheet)
    if notes and any(notes):
        notes_sheet(wb, notes)
    if properties:
        wb.set_properties({k: safe_cell(v) for k, v in properties.items()})
    wb.close()
    return buf.getvalue()
