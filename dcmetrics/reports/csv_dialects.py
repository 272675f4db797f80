"""CSV in the two dialects a user picks: «Excel tiếng Việt» (semicolon, decimal comma, UTF-8 with
BOM: what Excel and LibreOffice under vi-VN read as numbers) and «Chuẩn» (comma, dot, UTF-8: what
programs read). Values are written at the precision a page shows (no 25.000000000000004), text a
spreadsheet would run as a formula gets a leading apostrophe (OWASP), booleans read «Có/Không».

Leading zeros of codes: LibreOffice and Excel turn 00004 into 4 when they open a CSV, quoted or
not, and nothing that survives both is safe (a formula ="00004" is refused by the injection rule;
a tab or an invisible character changes the code). Hence CODES_NOTE, the xlsx offered beside, and
uploads that match a code which lost its zeros (dcmetrics/ingest/codes.py)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dcmetrics.exports import neutralise


@dataclass(frozen=True)
class Dialect:
    key: str
    label: str
    separator: str
    decimal: str
    bom: bool


VIETNAMESE = Dialect("vi", "Excel tiếng Việt", ";", ",", True)
STANDARD = Dialect("std", "Chuẩn (dấu phẩy, dấu chấm)", ",", ".", False)
DIALECTS = {d.key: d for d in (VIETNAMESE, STANDARD)}

CODES_NOTE = ("Bảng tính (Excel, LibreOffice) bỏ số 0 ở đầu mã khi mở tệp CSV (00004 thành 4); muốn giữ nguyên mã, "
              "dùng tệp Excel (.xlsx). Tệp CSV đã mất số 0 vẫn tải lên được: phần mềm nhận lại mã khi không nhầm lẫn.")


SAFE = 2 ** 52  # below it a double holds every integer: the scaled value's digits are exact


def dialect(key: str | Dialect) -> Dialect:
    if isinstance(key, Dialect):
        return key
    try:
        return DIALECTS[key]
    except KeyError:
        raise ValueError(f"unknown CSV dialect {key!r}; known: {', '.join(DIALECTS)}") from None


def _number_text(col: str, decimals: int, sep: str) -> pl.Expr:
    """A float at `decimals` places as text (rounded half away from zero on the stored double, as
    the page's fmt_points shows it), with the dialect's decimal sign: the digits of the rounded
    value times 10^decimals, an integer (exact below SAFE), then f"{v:.{decimals}f}" only for the
    values past it (none in a ranking: 0-100 points)."""
    x = pl.col(col).round(decimals)
    scale = 10 ** decimals
    digits = (x.abs() * scale).round(0).cast(pl.Int64, strict=False)
    negative = (x < 0) | ((x == 0) & ((1 / x) < 0))  # -0.00, as Python prints a rounded -0.001
    whole = pl.concat_str([pl.when(negative).then(pl.lit("-")).otherwise(pl.lit("")),
                           (digits // scale).cast(pl.String)])
    if decimals:
        whole = pl.concat_str([whole, pl.lit(sep), (digits % scale).cast(pl.String).str.zfill(decimals)])
    slow = x.map_elements(lambda v: f"{v:.{decimals}f}".replace(".", sep), return_dtype=pl.String)
    return pl.when(x.abs() < SAFE / scale).then(whole).when(x.is_not_null()).then(slow).alias(col)


def as_text(frame: pl.DataFrame, d: Dialect, decimals: dict[str, int] | None = None,
            default_decimals: int = 2) -> pl.DataFrame:
    """Every column as the text the CSV holds: floats at their decimals, booleans Có/Không."""
    decimals = decimals or {}
    frame = neutralise(frame)  # text columns only: a negative number is not a formula
    exprs = []
    for col, dtype in frame.schema.items():
        if dtype.is_float():
            exprs.append(_number_text(col, decimals.get(col, default_decimals), d.decimal).alias(col))
        elif dtype == pl.Boolean:
            exprs.append(pl.when(pl.col(col)).then(pl.lit("Có")).when(pl.col(col).not_()).then(pl.lit("Không"))
                         .otherwise(pl.lit(None, pl.String)).alias(col))
        elif dtype.is_numeric():
            exprs.append(pl.col(col).cast(pl.String))
        elif dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(col).dt.strftime("%d/%m/%Y %H:%M" if isinstance(dtype, pl.Datetime) else "%d/%m/%Y"))
        else:
            exprs.append(pl.col(col).cast(pl.String))
    return frame.with_columns(exprs) if exprs else frame


def csv_bytes(frame: pl.DataFrame, d: str | Dialect = VIETNAMESE, decimals: dict[str, int] | None = None,
              default_decimals: int = 2) -> bytes:
    """The frame as CSV in dialect `d`; floats at `decimals[col]` places (default_decimals else)."""
    d = dialect(d)
    text = as_text(frame, d, decimals, default_decimals).write_csv(separator=d.separator, null_value="")
    return (b"\xef\xbb\xbf" if d.bom else b"") + text.encode("utf-8")
