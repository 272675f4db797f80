"""Tables shown the Vietnamese way (85,50), a bounded window of rows at a time.

No pandas Styler: it formats cell by cell in Python (19.5 % of a session at province size) and
refuses a table above 262,144 cells (the whole-nation ranking has 840,000). Streamlit's number
formats cannot write a decimal comma («localized» follows the browser's locale, printf formats
write «85.50»), so the rows shown — at most WINDOW — are formatted in Polars to strings; whole
numbers (ranks, counts) stay numbers shown with «%d». Ordering over the whole table is the
core's (the caller's order, or «Sắp xếp theo» below, numeric), since a header click in the grid
only reorders the rows of the window. The export carries every row."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import polars as pl
import streamlit as st

from dcmetrics.display.window import POS, SORT_NOTE, WINDOW, formatted, window, window_text
from dcmetrics.fmt import EMPTY

DEFAULT_ORDER = "Thứ tự mặc định"


def _base_key(key: str | None, labels: dict[str, str], alt: str) -> str:
    if key:
        return key
    digest = hashlib.sha1("\x1f".join([alt, *labels.values()]).encode()).hexdigest()[:10]
    return f"tbl_{digest}"


def _controls(frame: pl.DataFrame, labels: dict[str, str], base: str, sortable: tuple[str, ...],
              search: tuple[str, ...]) -> tuple[str, str | None, bool]:
    """Search box and sort choice for a table longer than the window."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        query = st.text_input("Tìm theo tên hoặc mã (gõ không dấu cũng được)", key=f"{base}_q",
                              placeholder="ví dụ: dong hung")
        sort_by = st.selectbox("Sắp xếp theo", [None, *sortable], key=f"{base}_sort",
                               format_func=lambda c: DEFAULT_ORDER if c is None else labels[c])
        descending = st.toggle("Giảm dần", value=True, key=f"{base}_desc", disabled=sort_by is None)
    return query, sort_by, descending


def vn_dataframe(frame: pl.DataFrame, labels: dict[str, str], points: tuple[str, ...] = (),
                 numbers: tuple[str, ...] = (), key: str | None = None, alt: str = "", *,
                 size: int = WINDOW, noun: str = "dòng", search: tuple[str, ...] | None = None, **kwargs):
    """Show `frame`'s columns in `labels` order under Vietnamese headers; points with two decimals,
    other numbers Vietnamese style. A table longer than `size` rows gets a search box (over
    `search`, by default its text columns), a sort choice and a page number, and a line
    «Hiển thị 1–500 trong 50.000 đơn vị». With on_select, the rows returned are positions in
    `frame`, not in the window."""
    cols = list(labels)  # a label for a missing column is an error, as before
    base = _base_key(key, labels, alt)
    query, sort_by, descending, page = "", None, True, 1
    if frame.height > size:
        texts = tuple(c for c in cols if frame.schema[c] == pl.String) if search is None else search
        sortable = tuple(c for c in cols if frame.schema[c].is_numeric() or c in points or c in numbers)
        query, sort_by, descending = _controls(frame, labels, base, sortable, texts)
    else:
        texts = ()
    w = window(frame.select(cols), query=query, columns=texts, size=size,
               sort_by=sort_by, descending=descending, page=1)
    if w.pages > 1 or w.matched != w.total:
        # the page number's key carries the search, so a new search starts on its first page
        qkey = hashlib.sha1(f"{query}\x1f{sort_by}\x1f{descending}".encode()).hexdigest()[:8]
        with st.container(horizontal=True, vertical_alignment="center"):
            page = st.number_input(f"Trang (1–{w.pages})", min_value=1, max_value=w.pages, step=1, value=1,
                                   key=f"{base}_page_{qkey}", width=160) if w.pages > 1 else 1
            if page != 1:
                w = window(frame.select(cols), query=query, columns=texts, size=size,
                           sort_by=sort_by, descending=descending, page=page)
            st.caption(window_text(w, noun) + (f" · {SORT_NOTE}" if w.pages > 1 else ""))
    positions = w.rows[POS].to_list()
    shown = formatted(w.rows.drop(POS), points, numbers)
    config = {labels[c]: st.column_config.NumberColumn(format="%d") for c in cols
              if shown.schema[c].is_integer()}
    config |= kwargs.pop("column_config", None) or {}  # the caller's (links, widths) win
    shown = shown.rename({c: labels[c] for c in cols})
    # The browser draws a missing cell with `placeholder` («None» by default): it must say EMPTY.
    event = st.dataframe(shown, hide_index=True, key=key, placeholder=EMPTY, column_config=config,
                         alt=alt or None, **kwargs)
    if kwargs.get("on_select", "ignore") == "ignore" or event is None:
        return event
    sel = event.selection
    rows = [positions[r] for r in sel.rows if 0 <= r < len(positions)]
    return SimpleNamespace(selection=SimpleNamespace(rows=rows, columns=list(sel.columns),
                                                     cells=list(getattr(sel, "cells", []))))
