"""Exports: the score table, formula-safe CSV (utf-8-sig for Excel users)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from dcmetrics.scoring import ScoreResult

SCORE_COLUMNS = ["unit_code", "unit_name", "unit_type", "parent_code", "year", "framework_id",
                 "framework_version", "basis", "total", "level", "rank", "complete", "classification_cap",
                 "rated", "not_rated_reason", "deduction", "bonus"]


def score_table(result: ScoreResult, year: int, other: ScoreResult | None = None) -> pl.DataFrame:
    """One row per unit: the documented columns, one points column per group key, and with
    `other` (the same profile on the other basis) its total and level beside them."""
    wide = result.wide(year)
    keys = [g.key for g in result.profile_of(year).groups]
    if wide.is_empty():
        return pl.DataFrame(schema=[*SCORE_COLUMNS, *keys])
    table = wide.select([*SCORE_COLUMNS, *keys])
    if other is not None:
        suffix = f"_{other.basis}"
        table = table.join(other.year(year).select("unit_code", pl.col("total").alias(f"total{suffix}"),
                                                   pl.col("level").alias(f"level{suffix}")),
                           on="unit_code", how="left")
    return table.sort(["rank", "unit_code"], nulls_last=True)


FORMULA_START = r"^[=+\-@\t\r\n]"  # what a spreadsheet runs as a formula (OWASP "CSV injection")


def safe_cell(text) -> str | None:
    """One text cell that no spreadsheet runs as a formula: a leading apostrophe where needed."""
    if text is None:
        return None
    text = str(text)
    return "'" + text if re.match(FORMULA_START, text) else text


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP)."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns([
        pl.when(pl.col(c).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in text])


def write_csv(frame: pl.DataFrame, path: Path, dialect: str = "std", decimals: dict[str, int] | None = None) -> None:
    """The frame as CSV in `dialect` (dcmetrics/reports/csv_dialects.py), floats at 2 places."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(frame, dialect, decimals))


def problems_xlsx(problems, title: str = "Danh sách lỗi", lines: list[str] | None = None) -> bytes:
    """The problems of an upload as an Excel sheet (row/column place, value, explanation)."""
    from dcmetrics.reports.sheets import Col, Sheet, exported_at, workbook

    frame = pl.DataFrame({"n": list(range(1, len(problems) + 1)),
                          "where": [p.where for p in problems],
                          "value": ["" if p.value is None else str(p.value) for p in problems],
                          "message": [p.message for p in problems]},
                         schema={"n": pl.Int64, "where": pl.String, "value": pl.String, "message": pl.String})
    columns = [Col("n", "STT", "int"), Col("where", "Vị trí", cap=30), Col("value", "Giá trị", cap=24),
               Col("message", "Nội dung lỗi", cap=90)]
    return workbook([Sheet("Lỗi", frame, title.upper(), [*(lines or []), exported_at()], columns)],
                    properties={"title": title})


def csv_bytes(frame: pl.DataFrame, dialect: str = "vi", decimals: dict[str, int] | None = None) -> bytes:
    """CSV in `dialect`: «vi» Excel tiếng Việt (;  decimal comma, BOM) or «std» (comma, dot);
    floats at the page's precision (2 places unless `decimals` says), formula-safe text."""
    from dcmetrics.reports.csv_dialects import csv_bytes as write

    return write(frame, dialect, decimals)


def xlsx_bytes(frame: pl.DataFrame, sheet: str, notes: list[str] | None = None, *, title: str | None = None,
               lines: list[str] | None = None, columns=None) -> bytes:
    """One sheet: title rows (`title`, default the sheet's name; `lines` under it, then the export
    date), the table with its header frozen and repeated on every printed page, widths and heights
    fitted, every text cell written as text (never as a formula); `notes` (e.g. which numbers are
    the software's defaults) on a sheet «Ghi chú» of their own. `columns`: reports.sheets.Col
    list (default: guessed from the types: floats 0.00, integers #,##0, booleans Có/Không)."""
    from dcmetrics.reports.sheets import Sheet, exported_at, workbook

    return workbook([Sheet(sheet, frame, title or sheet.upper(), [*(lines or []), exported_at()], columns)],
                    notes, properties={"title": title or sheet})


def group_shares(table: pl.DataFrame, profile, by_area: bool = True) -> pl.DataFrame:
    """Share of each group's points attained (0-1): per district (mean) or per unit, for a heatmap."""
    from dcmetrics.fmt import sort_vi

    keys = [g.key for g in profile.groups]
    shares = table.with_columns([(pl.col(g.key) / g.points).alias(g.key) for g in profile.groups])
    if by_area:
        out = shares.group_by("area_name").agg([pl.col(k).mean() for k in keys]).rename({"area_name": "label"})
        return sort_vi(out, "label").select("label", *keys)
    return shares.select(pl.col("unit_name").alias("label"), *keys)
