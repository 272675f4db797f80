"""Vietnamese formatting: 1.234,5 for numbers, NFC for text."""

from __future__ import annotations

import math
import unicodedata


# What every table, text and export shows for a missing value (never «None», «nan», «null»).
EMPTY = "–"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fmt_num(value: float | int | None, decimals: int = 2) -> str:
    """Vietnamese style: thousands with '.', decimals with ',', trailing zeros dropped (85,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EMPTY
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


def fmt_points(value: float | None) -> str:
    """Points always with two decimals, as score sheets print them (87,50)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EMPTY
    return f"{value:,.2f}".replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


def fmt_pct(share: float | None, decimals: int = 1) -> str:
    """A share in [0, 1] as a Vietnamese percentage (85,5 %)."""
    if share is None:
        return EMPTY
    return f"{fmt_num(share * 100, decimals)} %"


def sort_vi(frame, by: str, *, descending: bool = False):
    """A Polars frame ordered by a text column the Vietnamese way (An, Ân, Bắc, Dương, Đông),
    with DuckDB's ICU collation: Polars' own order puts Ân and Đ after Z."""
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        # only the text and the position cross over: the other columns stay in Polars
        con.register("frame_to_sort", frame.select(by).with_row_index("__pos"))
        order = con.sql(f'SELECT __pos FROM frame_to_sort ORDER BY "{by.replace(chr(34), "")}" COLLATE vi '
                        f'{"DESC" if descending else "ASC"}, __pos').fetchall()
    finally:
        con.close()
    return frame[[r[0] for r in order]]
