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


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = neutralise(frame).write_csv()
    path.write_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"))


def problems_xlsx(problems, title: str = "Danh sách lỗi") -> bytes:
    """The problems of an upload as an Excel sheet (row/column place, value, explanation)."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True})
    ws = wb.add_worksheet("Lỗi")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write_row(0, 0, ["STT", "Vị trí", "Giá trị", "Nội dung lỗi"], bold)
    for i, p in enumerate(problems, 1):
        ws.write_number(i, 0, i)
        ws.write_string(i, 1, safe_cell(p.where), wrap)
        ws.write_string(i, 2, safe_cell("" if p.value is None else str(p.value)), wrap)
        ws.write_string(i, 3, safe_cell(p.message), wrap)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 18)
    ws.set_column(3, 3, 90)
    ws.freeze_panes(1, 0)
    wb.set_properties({"title": title})
    wb.close()
    return buf.getvalue()


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV for Excel users: UTF-8 with BOM, formula-safe text."""
    return b"\xef\xbb\xbf" + neutralise(frame).write_csv().encode("utf-8")


def xlsx_bytes(frame: pl.DataFrame, sheet: str, notes: list[str] | None = None) -> bytes:
    """One sheet, header frozen, every text cell written as text (never as a formula); `notes`
    (e.g. which numbers are the software's defaults) on a sheet «Ghi chú» of their own."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True})
    ws = wb.add_worksheet(sheet[:31])
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    num = wb.add_format({"num_format": "0.00"})
    ws.write_row(0, 0, frame.columns, head)
    for r, row in enumerate(neutralise(frame).iter_rows(), 1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_string(r, c, "Có" if v else "Không")
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v, num if isinstance(v, float) else None)
            else:
                ws.write_string(r, c, str(v))
    ws.freeze_panes(1, 0)
    ws.set_column(0, len(frame.columns) - 1, 16)
    if notes:
        ns = wb.add_worksheet("Ghi chú")
        ns.set_column(0, 0, 120, wb.add_format({"text_wrap": True, "valign": "top"}))
        for i, line in enumerate(n for n in notes if n):
            ns.write_string(i, 0, safe_cell(line))
    wb.close()
    return buf.getvalue()


def group_shares(table: pl.DataFrame, profile, by_area: bool = True) -> pl.DataFrame:
    """Share of each group's points attained (0-1): per district (mean) or per unit, for a heatmap."""
    from dcmetrics.fmt import sort_vi

    keys = [g.key for g in profile.groups]
    shares = table.with_columns([(pl.col(g.key) / g.points).alias(g.key) for g in profile.groups])
    if by_area:
        out = shares.group_by("area_name").agg([pl.col(k).mean() for k in keys]).rename({"area_name": "label"})
        return sort_vi(out, "label").select("label", *keys)
    return shares.select(pl.col("unit_name").alias("label"), *keys)
