"""A bounded window of a table's rows, with a search over its names and codes.

The whole table stays in Polars (sorted, searched there, numerically); the browser receives at
most `size` rows, already formatted. The export, not the window, carries every row."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import polars as pl

from dcmetrics.fmt import EMPTY, fmt_num, fmt_points

# Rows sent to the browser at once: the software's default (no text sets it). 500 rows of the
# ranking's ~25 columns are 12,500 cells, drawn at once; more pages through the page selector.
WINDOW = 500
POS = "__pos"  # each row's position in the caller's frame, so a selected row maps back


def fold(text: str) -> str:
    """A text as the search compares it: NFC, lower case, without diacritics, đ as d
    («Xã Đông Hưng» and «xa dong hung» are the same)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "d").lower().strip()


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """fold() in Polars, for a whole column at once."""
    return (expr.cast(pl.String).str.normalize("NFC").str.normalize("NFD").str.replace_all(r"\p{M}", "")
            .str.replace_all("[đĐ]", "d").str.to_lowercase())


@dataclass(frozen=True)
class Window:
    rows: pl.DataFrame  # the rows shown, with POS
    total: int          # rows of the table
    matched: int        # rows the search kept
    page: int           # 1-based, after clamping
    pages: int
    size: int

    @property
    def first(self) -> int:
        return 0 if self.matched == 0 else (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.page * self.size, self.matched)


def window(frame: pl.DataFrame, *, query: str = "", columns: tuple[str, ...] = (), page: int = 1,
           size: int = WINDOW, sort_by: str | None = None, descending: bool = False) -> Window:
    """Rows `page` of `frame` (searched for every word of `query` in `columns`, then sorted by
    `sort_by` over the whole table, nulls last)."""
    rows = frame.with_row_index(POS)
    words = fold(query).split()
    if words and columns:
        haystack = pl.concat_str([fold_expr(pl.col(c)).fill_null("") for c in columns], separator=" ")
        rows = rows.filter(pl.all_horizontal([haystack.str.contains(w, literal=True) for w in words]))
    if sort_by is not None:
        rows = rows.sort(sort_by, descending=descending, nulls_last=True, maintain_order=True)
    pages = max(1, math.ceil(rows.height / size))
    page = min(max(1, int(page)), pages)
    return Window(rows.slice((page - 1) * size, size), frame.height, rows.height, page, pages, size)


# A header click in the browser sorts the rows it has, the window, not the table: said under a
# table of more than one page, beside the box that sorts the whole table.
SORT_NOTE = "bấm tiêu đề cột chỉ sắp xếp các dòng đang hiển thị; sắp xếp cả bảng ở ô «Sắp xếp theo»"


def window_text(w: Window, noun: str) -> str:
    """«Hiển thị 1–500 trong 50.000 đơn vị» (and what the search kept)."""
    found = "" if w.matched == w.total else f" (tìm thấy {fmt_num(w.matched)} trong {fmt_num(w.total)})"
    if w.matched == 0:
        return f"Không có {noun} nào khớp từ tìm kiếm trong {fmt_num(w.total)} {noun}."
    return f"Hiển thị {fmt_num(w.first)}–{fmt_num(w.last)} trong {fmt_num(w.matched)} {noun}{found}"


def formatted(frame: pl.DataFrame, points: tuple[str, ...] = (), numbers: tuple[str, ...] = ()) -> pl.DataFrame:
    """The window's cells as shown: points with two decimals (87,50), other non-integer numbers
    Vietnamese style (1.234,5), dates dd/mm/yyyy hh:mm; whole-number columns stay numbers (the
    page shows them without decimals and they sort as numbers). Runs on the window only, so the
    per-cell Python formatting is bounded."""
    out = []
    for c, dtype in frame.schema.items():
        col = frame[c]
        if c in points:
            out.append(pl.Series(c, [fmt_points(v) for v in col.to_list()], dtype=pl.String))
        elif c in numbers and not dtype.is_integer():
            out.append(pl.Series(c, [fmt_num(v) for v in col.to_list()], dtype=pl.String))
        elif isinstance(dtype, pl.Datetime):
            out.append(col.dt.strftime("%d/%m/%Y %H:%M"))
        else:
            out.append(col)
    return pl.DataFrame(out)


__all__ = ["EMPTY", "POS", "WINDOW", "Window", "fold", "fold_expr", "formatted", "window", "window_text"]
