"""A sheet's table body as worksheet XML, built column by column by Polars, a few thousand rows at
a time: xlsxwriter's per-cell Python path (write_*, then the cell's XML at close) took ~10 s for a
national ranking of 40,000 rows × 26 columns; this writes the same cells in well under a second.

The cells are what sheets._write wrote through xlsxwriter: numbers as numbers (a double written
with the digits that read back as the same double), text as inline strings (as xlsxwriter's own
constant_memory mode writes them: Excel and LibreOffice read both), formula-like text with a
leading apostrophe, empty values as blank cells carrying the border, wrapped rows their height.
Values of a type the fast paths do not cover go through `python_cell` one by one, as before."""

from __future__ import annotations

import math
from typing import Callable

import polars as pl
from xlsxwriter.utility import _datetime_to_excel_datetime, xl_col_to_name

from dcmetrics.exports import FORMULA_START, safe_cell

CHUNK = 5_000                                   # rows built at once: the memory of one chunk's XML
CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"        # not allowed in XML: Excel's _xHHHH_ escape
CONTROL_CHARS = [chr(i) for i in (*range(0, 9), 11, 12, *range(14, 32))]
ESCAPE_LIKE = r"(_x[0-9A-Fa-f]{4}_)"            # literal text that would read as that escape
TEXT_KINDS = ("text", "code")


def python_cell(kind: str, value) -> tuple[str, object] | None:
    """The old per-cell rule: None (blank), ("n", number) or ("s", text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "bool":
        return "s", "Có" if value else "Không"
    if kind == "datetime" and hasattr(value, "year"):
        return "n", _datetime_to_excel_datetime(value, False, False)
    if kind in ("points", "number"):
        return "n", float(value)
    if kind == "int" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "n", int(value)
    return "s", safe_cell(str(value))


def _fallback(kind: str, series: pl.Series) -> tuple[pl.Series, pl.Series, bool]:
    """A column no fast path covers, value by value: (number text, cell text, guarded)."""
    nums, texts = [], []
    for value in series.to_list():
        cell = python_cell(kind, value)
        nums.append(_number(cell[1]) if cell and cell[0] == "n" else None)
        texts.append(cell[1] if cell and cell[0] == "s" else None)
    return pl.Series(nums, dtype=pl.String), pl.Series(texts, dtype=pl.String), True


def _number(value) -> str | None:
    """A number's <v>: the shortest digits reading back as the same double; not finite: blank."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return repr(value)


def cell_values(kind: str, series: pl.Series) -> tuple[pl.Series | None, pl.Series | None, bool]:
    """(number text, text, guarded) of a column: either series may be None (no such cells);
    unguarded text is the raw str(value), before the formula guard and XML escaping."""
    dtype = series.dtype
    if kind in ("points", "number") and dtype.is_numeric():
        s = series.cast(pl.Float64)
        return pl.select(pl.when(pl.lit(s).is_finite()).then(pl.lit(s))).to_series().cast(pl.String), None, False
    if kind == "int" and dtype.is_numeric():
        return series.cast(pl.Int64, strict=False).cast(pl.String), None, False
    if kind == "bool" and dtype == pl.Boolean:
        b = pl.lit(series)
        return None, pl.select(pl.when(b).then(pl.lit("Có")).when(b.not_()).then(pl.lit("Không"))).to_series(), True
    if dtype == pl.String and kind not in ("bool", "points", "number"):
        return None, series, False
    if dtype.is_integer() and kind in TEXT_KINDS:
        return None, series.cast(pl.String), False
    return _fallback(kind, series)


def _xml_text(raw: pl.Series, guarded: bool) -> pl.Series:
    """Cell text as XML: formula guard (unless already applied), &<> escaped, Excel's escapes."""
    e = pl.lit(raw)
    if not guarded:
        e = pl.when(e.str.contains(FORMULA_START)).then(pl.lit("'") + e).otherwise(e)
    e = (e.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
         .str.replace_all(">", "&gt;", literal=True).str.replace_all(ESCAPE_LIKE, "_x005F$1"))
    out = pl.select(e).to_series()
    if out.str.contains(CONTROL).any():  # rare: each control character as _xHHHH_
        for ch in CONTROL_CHARS:
            out = out.str.replace_all(ch, f"_x{ord(ch):04X}_", literal=True)
    return out


def body_writer(frame: pl.DataFrame, kinds: list[str], number_styles: list[Callable[[], int]],
                text_style: Callable[[], int], first_row: int,
                heights: Callable[[pl.DataFrame, int], list[float | None]]) -> Callable:
    """A function fh -> None writing the frame's rows (0-based `first_row` on) as <row> elements.
    `number_styles[c]()`: the xf index of column c's numbers, `text_style()` that of text and
    blank cells (asked at close, as xlsxwriter asks its formats); `heights(chunk, offset)`: each
    row's height or None (the default)."""
    letters = [xl_col_to_name(c) for c in range(len(kinds))]

    def write(fh) -> None:
        xf = [s() for s in number_styles]
        blank = text_style()
        for start in range(0, frame.height, CHUNK):
            chunk = frame.slice(start, CHUNK)
            fh.write(_chunk_xml(chunk, kinds, letters, xf, blank, first_row + start, heights(chunk, start)))

    return write


def _chunk_xml(chunk: pl.DataFrame, kinds, letters, xf, blank, row0: int, heights) -> str:
    n = chunk.height
    rn = pl.int_range(row0 + 1, row0 + 1 + n, eager=True).cast(pl.String)
    parts = {"rn": rn, "ht": pl.Series([f' ht="{h}" customHeight="1"' if h else "" for h in heights], dtype=pl.String)}
    cells = []
    for c, (name, kind) in enumerate(zip(chunk.columns, kinds)):
        nums, raw, guarded = cell_values(kind, chunk[name])
        ref = f'<c r="{letters[c]}'
        empty = pl.concat_str([pl.lit(ref), pl.col("rn"), pl.lit(f'" s="{blank}"/>')])
        pieces = []
        if nums is not None:
            parts[f"n{c}"] = nums
            pieces.append((f"n{c}", pl.concat_str([pl.lit(ref), pl.col("rn"), pl.lit(f'" s="{xf[c]}"><v>'),
                                                   pl.col(f"n{c}"), pl.lit("</v></c>")])))
        if raw is not None:
            text = _xml_text(raw, guarded)
            parts[f"t{c}"] = text
            preserve = pl.when(pl.col(f"t{c}").str.contains(r"^\s|\s$")).then(pl.lit(' xml:space="preserve"')) \
                .otherwise(pl.lit(""))
            pieces.append((f"t{c}", pl.concat_str([pl.lit(ref), pl.col("rn"), pl.lit(f'" s="{blank}" t="inlineStr"><is><t'),
                                                   preserve, pl.lit(">"), pl.col(f"t{c}"), pl.lit("</t></is></c>")])))
        cell = empty
        for key, expr in reversed(pieces):
            cell = pl.when(pl.col(key).is_not_null()).then(expr).otherwise(cell)
        cells.append(cell)
    frame = pl.DataFrame(parts)
    rows = frame.select(pl.concat_str([pl.lit('<row r="'), pl.col("rn"), pl.lit('"'), pl.col("ht"), pl.lit(">"),
                                       *cells, pl.lit("</row>")]).alias("x"))["x"]
    return "".join(rows.to_list())
