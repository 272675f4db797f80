"""Vietnamese formatting: 1.234,5 for numbers, NFC for text."""

from __future__ import annotations

import math
import re
import unicodedata

from dcmetrics.errors import InputError


# What every table, text and export shows for a missing value (never «None», «nan», «null»).
EMPTY = "–"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fmt_num(value: float | int | None, decimals: int = 2, *, group: bool = True) -> str:
    """Vietnamese style: thousands with '.', decimals with ',', trailing zeros dropped (85,5).
    group=False leaves out the thousands dots (1500,5), as a value to edit in a form is shown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EMPTY
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    text = f"{value:{',' if group else ''}.{decimals}f}"
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


def size_text(size: int) -> str:
    """A file size Vietnamese style, in the units Streamlit and the upload check count
    (1 MB = 1.048.576 byte): «10 MB», «10,5 MB», «512 KB», «900 byte»."""
    for unit, div in (("MB", 1048576), ("KB", 1024)):
        if size >= div:
            return f"{fmt_num(size / div, 2)} {unit}"
    return f"{fmt_num(size, 0)} byte"


_PLAIN = re.compile(r"-?\d+([.,]\d+)?")           # 90 · 90,5 · 90.5
_GROUPED_VI = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")  # 1.234 · 1.234.567,5 (more than one group or a comma)
_GROUPED_EN = re.compile(r"-?\d{1,3}(,\d{3})+\.\d+")     # 1,234.5


def parse_vn_number(text: str) -> float:
    """A number as a Vietnamese user types it: «90», «90,5» (decimal comma), «90.5» (decimal point,
    as a number pad or an English keyboard gives it), «1.234,5» (dots between thousands).
    «1.234» alone could be either 1234 or 1,234: refused with a message saying how to write it."""
    raw = nfc(text).strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        raise InputError("Chưa nhập số.")
    if re.fullmatch(r"-?[1-9]\d{0,2}\.\d{3}", raw):
        plain = raw.replace(".", "")
        raise InputError(f"«{text.strip()}» có thể là {plain} hoặc {raw.replace('.', ',')}: hãy viết {plain} "
                         f"(không có dấu chấm) hoặc {raw.replace('.', ',')} (dấu phẩy thập phân).")
    if _PLAIN.fullmatch(raw):
        number = raw.replace(",", ".")
    elif _GROUPED_VI.fullmatch(raw) and (raw.count(".") > 1 or "," in raw):
        number = raw.replace(".", "").replace(",", ".")
    elif _GROUPED_EN.fullmatch(raw):
        number = raw.replace(",", "")
    else:
        raise InputError(f"«{text.strip()}» không phải là số (ví dụ đúng: 90 hoặc 90,5).")
    return float(number)


def sort_vi(frame, by: str, *, descending: bool = False):
    """A Polars frame ordered by a text column the Vietnamese way (An, Ân, Bắc, Dương, Đông),
    with DuckDB's ICU collation: Polars' own order puts Ân and Đ after Z."""
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        # only the text and the position cross over: the other columns stay in Polars
        con.register("frame_to_sort", frame.select(by).with_row_index("__pos"))
        # positions back as one Arrow column, not 40,000 Python tuples (a national page sorts
        # its whole unit list on every rerun)
        order = con.sql(f'SELECT __pos FROM frame_to_sort ORDER BY "{by.replace(chr(34), "")}" COLLATE vi '
                        f'{"DESC" if descending else "ASC"}, __pos').pl()["__pos"]
    finally:
        con.close()
    return frame[order.to_numpy()] if frame.width else frame
