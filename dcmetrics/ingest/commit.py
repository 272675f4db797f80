"""One code path for every upload (page, `dcmetrics import`, the sample loader):
read → validate → (dry run stops here) → store in one transaction with the original bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import polars as pl

from dcmetrics import framework, sqlfiles, units
from dcmetrics.errors import NotFound, Problem, ValidationError
from dcmetrics.ingest.read import read_table
from dcmetrics.ingest.validate import validate
from dcmetrics.store import Store, bump_data_version


@dataclass
class ImportResult:
    area_code: str
    year: int
    sha256: str
    observations: pl.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    submission_id: int | None = None
    stored: bool = False
    unchanged: bool = False  # the very same file is already the current one

    @property
    def message(self) -> str:
        n_units = self.observations["unit_code"].n_unique() if self.observations.height else 0
        if self.unchanged:
            return (f"Tệp này giống hệt tệp đang dùng cho địa bàn {self.area_code} năm {self.year}; "
                    "không có gì thay đổi.")
        if self.stored:
            return (f"Đã lưu số liệu của {n_units} đơn vị (địa bàn {self.area_code}, năm {self.year}), "
                    f"mã lần gửi {self.submission_id}.")
        return f"Tệp hợp lệ: {n_units} đơn vị, {self.observations.height} ô số liệu. Chưa lưu (chạy thử)."


def _common_area(store: Store, codes: list[str]) -> str | None:
    """The nearest area that holds every unit of the file (for files sent without an area)."""
    if not codes:
        return None
    rows = store.rows(sqlfiles.load("common_area"), {"codes": codes})
    return rows[0][0] if rows else None


def import_file(store: Store, content: bytes, file_name: str, year: int, user: str,
                area_code: str | None = None, dry_run: bool = False) -> ImportResult:
    """Validate `content` for `year` and, unless a dry run, store it as the current data of the area."""
    table = read_table(content, file_name)
    _, _, indicators = framework.load_catalogue()
    all_units = units.all_units(store)
    if area_code is None:
        unit_col = next((c for c in table.frame.columns if c.strip().casefold() in ("ma_don_vi", "mã đơn vị")), None)
        codes = [c for c in (table.frame[unit_col].to_list() if unit_col else []) if c]
        area_code = _common_area(store, [c for c in codes if c in set(all_units["code"])]) or ""
    if area_code:
        allowed = set(units.subtree(store, area_code)["code"])
    else:
        allowed = set()
    parsed = validate(table, indicators, all_units, allowed, year)
    if parsed.problems:
        raise ValidationError(parsed.problems)
    sha = hashlib.sha256(content).hexdigest()
    result = ImportResult(area_code, year, sha, parsed.observations, parsed.warnings)
    if dry_run:
        return result
    with store.transaction() as cur:
        current = cur.execute("SELECT id, sha256 FROM submissions WHERE area_code = $a AND year = $y "
                              "AND state = 'current'", {"a": area_code, "y": year}).fetchall()
        if any(sha == s for _, s in current):
            result.unchanged = True
            result.submission_id = next(i for i, s in current if s == sha)
            return result
        cur.execute("UPDATE submissions SET state = 'replaced' WHERE area_code = $a AND year = $y "
                    "AND state = 'current'", {"a": area_code, "y": year})
        sid = cur.execute(
            "INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows) "
            "VALUES ($a, $y, $f, $h, $c, $u, $n) RETURNING id",
            {"a": area_code, "y": year, "f": file_name, "h": sha, "c": content, "u": user,
             "n": table.frame.height}).fetchone()[0]
        incoming = parsed.observations.with_columns(pl.lit(sid, pl.Int64).alias("submission_id"))
        cur.register("incoming_obs", incoming)
        cur.execute("INSERT INTO observations (submission_id, unit_code, year, indicator, value, num, den, raw) "
                    "SELECT submission_id, unit_code, year, indicator, value, num, den, raw FROM incoming_obs")
        cur.unregister("incoming_obs")
        bump_data_version(cur)
    result.submission_id, result.stored = sid, True
    return result


def submissions_for_unit(store: Store, unit_code: str, year: int) -> pl.DataFrame:
    """The files that carried a unit's figures for a year, newest first (drill-down provenance)."""
    return store.frame(sqlfiles.load("unit_submissions"), {"u": unit_code, "y": year})


def require_area(store: Store, code: str) -> None:
    if code and not store.rows("SELECT 1 FROM units WHERE code = $c", {"c": code}):
        raise NotFound(f"Không có địa bàn mã «{code}».")
