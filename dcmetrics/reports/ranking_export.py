"""The ranking page's export: one table for both files, Vietnamese headers and values (unit types,
levels, «Có/Không», the basis in words), the other basis's total and level beside; the xlsx adds
the title rows (what, year, profile and version, basis, scope, date) and the groups' names."""

from __future__ import annotations

import polars as pl

from dcmetrics import config
from dcmetrics.reports import csv_dialects
from dcmetrics.reports.sheets import Col, Sheet, exported_at, workbook

BASIS_LABEL = {"appraised": "sau thẩm định", "self": "tự chấm"}
NOT_RATED = "Không xếp loại"
SHEET = "Xếp hạng"
# Printing (A4 landscape, at the scale where the widest band fits): 26 columns on one page wide
# print at ~45 %, unreadable. So the columns print in three bands, one page wide each, one after
# the other (down, then over): first the ranking itself (the title block, hạng, mã, đơn vị, địa
# bàn, loại, cụm, tổng điểm, mức độ), then the classification, the ranks within and the changes,
# then the groups' points and the other basis; hạng, mã and đơn vị repeat on every page.
REPEATED = ("rank", "unit_code", "unit_name")
BAND_STARTS = ("classification_cap", "groups")  # "groups": the first group's column
PRINT_NOTE = ("Khi in (A4 ngang): các trang đầu là bảng xếp hạng (hạng, mã, đơn vị, địa bàn, loại, cụm, tổng điểm, "
              "mức độ); tiếp theo là các trang đề xuất xếp loại, đủ số liệu, lý do không xếp loại, hạng trong địa "
              "bàn, theo loại, trong cụm, hạng và điểm tăng/giảm; cuối cùng là các trang điểm từng nhóm, trạng thái "
              "số liệu, tổng điểm và mức độ theo cơ sở tính còn lại. Mỗi trang đều lặp lại cột Hạng, Mã đơn vị, "
              "Đơn vị và dòng tiêu đề bảng.")


def columns(version, other_basis: str) -> list[Col]:
    """The xlsx columns in page order (profile, version and basis are in the title rows)."""
    other = BASIS_LABEL[other_basis]
    return [Col("rank", "Hạng", "int"), Col("unit_code", "Mã đơn vị", "code"), Col("unit_name", "Đơn vị", cap=36),
            Col("parent_name", "Địa bàn", cap=28), Col("unit_type", "Loại", cap=22),
            Col("cluster", "Cụm, khối thi đua", cap=24), Col("total", "Tổng điểm", "points"),
            Col("level", "Mức độ", cap=20), Col("classification_cap", "Đề xuất xếp loại", cap=20),
            Col("complete", "Đủ số liệu", "bool"), Col("not_rated_reason", "Lý do không xếp loại", cap=40),
            Col("rank_parent", "Hạng trong địa bàn", "int"), Col("rank_type", "Hạng theo loại", "int"),
            Col("rank_cluster", "Hạng trong cụm", "int"), Col("rank_change", "Hạng tăng/giảm", "int"),
            Col("total_change", "Điểm tăng/giảm", "points"),
            *[Col(g.key, g.key, "points") for g in version.groups],
            Col("review_label", "Trạng thái số liệu", cap=22),
            Col("other_total", f"Tổng điểm ({other})", "points"), Col("other_level", f"Mức độ ({other})", cap=20)]


def print_bands(cols: list[Col], version) -> tuple[tuple[int, ...], int]:
    """(the columns starting a printed band, how many identifying columns repeat) of `cols`."""
    keys = [c.key for c in cols]
    first_group = version.groups[0].key if version.groups else None
    starts = tuple(keys.index(first_group if k == "groups" else k) for k in BAND_STARTS
                   if (first_group if k == "groups" else k) in keys)
    assert keys[:len(REPEATED)] == list(REPEATED), keys
    return starts, len(REPEATED)


def export_frame(table: pl.DataFrame, other: pl.DataFrame, version, basis: str) -> pl.DataFrame:
    """The ranking rows with Vietnamese values; `other`: the ranking on the other basis."""
    other_basis = "self" if basis == "appraised" else "appraised"
    shown = table.join(other.select("unit_code", pl.col("total").alias("other_total"),
                                    pl.when(pl.col("rated")).then(pl.col("level")).otherwise(pl.lit(NOT_RATED))
                                    .alias("other_level")), on="unit_code", how="left")
    shown = shown.with_columns(
        pl.col("unit_type").replace_strict(config.UNIT_TYPE_LABELS, default=pl.col("unit_type")),
        pl.when(pl.col("rated")).then(pl.col("level")).otherwise(pl.lit(NOT_RATED)).alias("level"),
        pl.lit(version.id).alias("framework_id"), pl.lit(str(version.version)).alias("framework_version"),
        pl.lit(BASIS_LABEL[basis]).alias("basis"))
    wanted = [c.key for c in columns(version, other_basis)] + ["framework_id", "framework_version", "basis"]
    for col in wanted:  # a ranking from an older release may lack a column: empty, not an error
        if col not in shown.columns:
            shown = shown.with_columns(pl.lit(None).alias(col))
    return shown.select(wanted)


def csv_frame(frame: pl.DataFrame, version, basis: str) -> pl.DataFrame:
    """The CSV's columns: the xlsx's, under their Vietnamese headers, then profile, version and basis."""
    other_basis = "self" if basis == "appraised" else "appraised"
    cols = columns(version, other_basis)
    out = frame.select([pl.col(c.key).alias(c.label) for c in cols]
                       + [pl.col("framework_id").alias("Bộ tiêu chí"), pl.col("framework_version").alias("Phiên bản"),
                          pl.col("basis").alias("Cơ sở tính")])
    return out


def title_lines(version, year: int, basis: str, scope: str) -> list[str]:
    groups = "; ".join(f"{g.key}: {g.name} ({g.points:g} điểm)" for g in version.groups)
    return [f"Bộ tiêu chí: {version.title} (mã {version.id}, phiên bản {version.version}).",
            f"Năm đánh giá {year}; cơ sở tính: điểm {BASIS_LABEL[basis]}; phạm vi: {scope}.",
            f"Các nhóm: {groups}.", "Đơn vị cùng điểm có cùng hạng (1, 2, 2, 4)."]


def scope_text(store, area: str | None, unit_type: str | None) -> str:
    """The filters in words: the area's name (or the whole province) and the unit type."""
    name = "toàn bộ đơn vị"
    if area:
        row = store.frame("SELECT name FROM units WHERE code = $c", {"c": area})
        name = row["name"][0] if row.height else area
    return name + (f" – {config.UNIT_TYPE_LABELS.get(unit_type, unit_type)}" if unit_type else "")


def ranking_files(table: pl.DataFrame, other: pl.DataFrame, version, year: int, basis: str, scope: str,
                  dialect: str = "vi") -> tuple[bytes, bytes]:
    """(xlsx, csv in `dialect`) of the ranking."""
    other_basis = "self" if basis == "appraised" else "appraised"
    frame = export_frame(table, other, version, basis)
    cols = columns(version, other_basis)
    bands, repeated = print_bands(cols, version)
    sheet = Sheet(SHEET, frame, f"XẾP HẠNG ĐƠN VỊ THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM {year}",
                  [*title_lines(version, year, basis, scope), exported_at()], cols, bands=bands,
                  repeat_columns=repeated)
    xlsx = workbook([sheet], [version.defaults_note(), PRINT_NOTE],
                    properties={"title": sheet.title, "comments": f"{version.id} {version.version}; {basis}"})
    return xlsx, csv_dialects.csv_bytes(csv_frame(frame, version, basis), dialect)
