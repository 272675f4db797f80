"""One code path for every upload (page, `dcmetrics import`, the sample loader):
check (read → validate → warnings) → preview (scores as if stored) → commit (one transaction,
original bytes and SHA-256 kept). Replaced files stay in the history and can be restored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import polars as pl

from dcmetrics import access, audit, framework, scoring, sqlfiles, units
from dcmetrics.errors import Conflict, NotFound, Problem, ValidationError
from dcmetrics.fmt import fmt_num
from dcmetrics.framework_model import Profile
from dcmetrics.ingest.read import read_table
from dcmetrics.ingest.validate import validate
from dcmetrics.store import Store, bump_data_version


@dataclass
class Checked:
    """A file that passed validation, ready to preview or commit."""

    area_code: str
    year: int
    file_name: str
    content: bytes
    sha256: str
    n_rows: int
    observations: pl.DataFrame
    warnings: list[Problem] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return self.observations["unit_code"].n_unique() if self.observations.height else 0


@dataclass
class ImportResult:
    checked: Checked
    submission_id: int | None = None
    stored: bool = False
    unchanged: bool = False  # the very same file is already the current one

    # the checked file's facts, for callers that only hold the result
    area_code = property(lambda self: self.checked.area_code)
    year = property(lambda self: self.checked.year)
    sha256 = property(lambda self: self.checked.sha256)
    observations = property(lambda self: self.checked.observations)
    warnings = property(lambda self: self.checked.warnings)

    @property
    def message(self) -> str:
        c = self.checked
        if self.unchanged:
            return (f"Tệp này giống hệt tệp đang dùng cho địa bàn {c.area_code} năm {c.year}; "
                    "không có gì thay đổi.")
        if self.stored:
            return (f"Đã lưu số liệu của {c.n_units} đơn vị (địa bàn {c.area_code}, năm {c.year}), "
                    f"mã lần gửi {self.submission_id}.")
        return f"Tệp hợp lệ: {c.n_units} đơn vị, {c.observations.height} ô số liệu. Chưa lưu (chạy thử)."


def _common_area(store: Store, codes: list[str]) -> str | None:
    """The nearest area that holds every unit of the file (for files sent without an area)."""
    if not codes:
        return None
    rows = store.rows(sqlfiles.load("common_area"), {"codes": codes})
    return rows[0][0] if rows else None


def locked_problem(store: Store, unit_codes: list[str], year: int) -> Problem | None:
    """A lock on any area-year that holds one of the units refuses the whole file."""
    rows = store.rows(sqlfiles.load("locks_covering"), {"codes": unit_codes, "y": year})
    if not rows:
        return None
    code, name, by = rows[0]
    return Problem("tệp", f"Số liệu năm {year} của {name} ({code}) đã được phê duyệt và khóa (người duyệt: {by}). "
                          "Đề nghị người thẩm định mở lại trước khi gửi tệp mới.")


def check_file(store: Store, content: bytes, file_name: str, year: int, actor,
               area_code: str | None = None) -> Checked:
    """Validate the whole file for `year` and `area_code` (its units must lie in that subtree;
    without an area, the nearest area holding the file's units). The actor must be allowed to
    upload for that area. Raises ValidationError with every problem; nothing is stored here."""
    if area_code:
        access.require(store, actor, access.UPLOAD, area_code)
    table = read_table(content, file_name)
    _, _, indicators = framework.load_catalogue()
    all_units = units.all_units(store)
    if area_code is None:
        unit_col = next((c for c in table.frame.columns if c.strip().casefold() in ("ma_don_vi", "mã đơn vị")), None)
        codes = [c for c in (table.frame[unit_col].to_list() if unit_col else []) if c]
        area_code = _common_area(store, [c for c in codes if c in set(all_units["code"])]) or ""
        acct = access.require(store, actor, access.UPLOAD, area_code or None)
        if not area_code and acct.area_code != access.ALL_AREAS:
            area_code = acct.area_code  # nothing known in the file: its units are judged against the actor's area
    allowed = set(units.subtree(store, area_code)["code"]) if area_code else set()
    parsed = validate(table, indicators, all_units, allowed, year)
    if parsed.problems:
        raise ValidationError(parsed.problems)
    lock = locked_problem(store, parsed.units, year)
    if lock:
        raise ValidationError([lock])
    warnings = parsed.warnings + far_from_last_year(store, parsed.observations, year, indicators)
    return Checked(area_code, year, file_name, content, hashlib.sha256(content).hexdigest(),
                   table.frame.height, parsed.observations, warnings)


def far_from_last_year(store: Store, obs: pl.DataFrame, year: int, indicators: dict) -> list[Problem]:
    """Warnings (not blocking) for values far from the unit's current value of the year before."""
    prev = store.frame(sqlfiles.load("current_values_of_year"), {"y": year - 1})
    if prev.is_empty() or obs.is_empty():
        return []
    kinds = pl.DataFrame({"indicator": list(indicators), "kind": [i.kind for i in indicators.values()]})
    both = (obs.join(prev, on=["unit_code", "indicator"], suffix="_prev").join(kinds, on="indicator")
            .filter(pl.col("value").is_not_null() & pl.col("value_prev").is_not_null()))
    far = both.filter(
        ((pl.col("kind") == "percent") & ((pl.col("value") - pl.col("value_prev")).abs() >= 40))
        | ((pl.col("kind") == "count") & ((pl.col("value") - pl.col("value_prev")).abs() >= 5)
           & ((pl.col("value") >= 3 * pl.col("value_prev")) | (pl.col("value_prev") >= 3 * pl.col("value")))))
    return [Problem(f"dòng {r['row']}, cột «{r['indicator']}»",
                    f"giá trị {fmt_num(r['value'])} khác xa năm {year - 1} ({fmt_num(r['value_prev'])}); "
                    "đề nghị kiểm tra lại", fmt_num(r["value"]))
            for r in far.sort(["row", "indicator"]).iter_rows(named=True)]


def _current_ids(store: Store, area_code: str, year: int) -> list[tuple[int, str]]:
    return store.rows("SELECT id, sha256 FROM submissions WHERE area_code = $a AND year = $y AND state = 'current'",
                      {"a": area_code, "y": year})


def preview(store: Store, checked: Checked, profile: Profile, actor, basis: str = "appraised") -> pl.DataFrame:
    """The file's units with their current score and the score the file would give."""
    access.require(store, actor, access.UPLOAD, checked.area_code)
    replaces = tuple(i for i, _ in _current_ids(store, checked.area_code, checked.year))
    before = scoring.score(store, profile, [checked.year], basis).year(checked.year)
    after = scoring.score(store, profile, [checked.year], basis,
                          scoring.Pending(checked.observations, replaces)).year(checked.year)
    codes = checked.observations["unit_code"].unique().implode()
    cols = ["unit_code", "total", "level", "rank", "complete"]
    return (after.filter(pl.col("unit_code").is_in(codes))
            .select("unit_code", "unit_name", "unit_type", *cols[1:])
            .join(before.select(cols).rename({c: f"{c}_now" for c in cols[1:]}), on="unit_code", how="left")
            .with_columns((pl.col("total") - pl.col("total_now")).alias("change"))
            .sort(["total", "unit_name"], descending=[True, False]))


def commit(store: Store, checked: Checked, actor) -> ImportResult:
    """Store the checked file as the current data of its area and year, all or nothing."""
    acct = access.require(store, actor, access.UPLOAD, checked.area_code)
    result = ImportResult(checked)
    with store.transaction() as cur:
        lock = cur.execute(sqlfiles.load("locks_covering"),
                           {"codes": checked.observations["unit_code"].unique().to_list(), "y": checked.year}).fetchall()
        if lock:  # approved between check and commit
            raise ValidationError([locked_problem(store, checked.observations["unit_code"].unique().to_list(),
                                                  checked.year)])
        current = cur.execute("SELECT id, sha256 FROM submissions WHERE area_code = $a AND year = $y "
                              "AND state = 'current'", {"a": checked.area_code, "y": checked.year}).fetchall()
        same = [i for i, s in current if s == checked.sha256]
        if same:
            result.unchanged, result.submission_id = True, same[0]
            return result
        cur.execute("UPDATE submissions SET state = 'replaced' WHERE area_code = $a AND year = $y "
                    "AND state = 'current'", {"a": checked.area_code, "y": checked.year})
        sid = cur.execute(
            "INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows) "
            "VALUES ($a, $y, $f, $h, $c, $u, $n) RETURNING id",
            {"a": checked.area_code, "y": checked.year, "f": checked.file_name, "h": checked.sha256,
             "c": checked.content, "u": acct.username, "n": checked.n_rows}).fetchone()[0]
        cur.register("incoming_obs", checked.observations.with_columns(pl.lit(sid, pl.Int64).alias("submission_id")))
        cur.execute("INSERT INTO observations (submission_id, unit_code, year, indicator, value, num, den, raw) "
                    "SELECT submission_id, unit_code, year, indicator, value, num, den, raw FROM incoming_obs")
        cur.unregister("incoming_obs")
        audit.record(cur, acct, audit.UPLOAD, f"submission:{sid}", before={"replaced": [i for i, _ in current]},
                     after={"area": checked.area_code, "year": checked.year, "file": checked.file_name,
                            "sha256": checked.sha256, "units": checked.n_units})
        bump_data_version(cur)
    result.submission_id, result.stored = sid, True
    return result


def import_file(store: Store, content: bytes, file_name: str, year: int, actor,
                area_code: str | None = None, dry_run: bool = False) -> ImportResult:
    """Check, then (unless a dry run) commit: what `dcmetrics import` and the sample loader do."""
    checked = check_file(store, content, file_name, year, actor, area_code)
    return ImportResult(checked) if dry_run else commit(store, checked, actor)


# ---------------------------------------------------------------- history, restore, review

def history(store: Store, actor, area_code: str | None = None, year: int | None = None) -> pl.DataFrame:
    """Submissions (newest first) with state and review, without the file bytes: those of
    `area_code` if given, else every one the actor may see."""
    acct = access.require(store, actor, access.READ_DRAFTS, area_code)
    frame = store.frame(sqlfiles.load("submission_history"), {"a": area_code, "y": year})
    if area_code is None and acct.role != access.ADMIN:
        frame = frame.filter(pl.col("area_code").is_in(sorted(access.allowed_areas(store, acct))))
    return frame


def area_status(store: Store, actor, year: int) -> pl.DataFrame:
    """Each area the actor may see, with its current file, review state and lock for `year`."""
    acct = access.require(store, actor, access.READ_DRAFTS)
    frame = store.frame(sqlfiles.load("area_status"), {"y": year})
    if acct.role != access.ADMIN:
        frame = frame.filter(pl.col("area_code").is_in(sorted(access.allowed_areas(store, acct))))
    return frame


def submission_file(store: Store, actor, submission_id: int) -> tuple[str, bytes]:
    """The original bytes of a submission, as sent (name and content)."""
    rows = store.rows("SELECT area_code, file_name, content FROM submissions WHERE id = $i", {"i": submission_id})
    if not rows:
        raise NotFound(f"Không có lần gửi mã {submission_id}.")
    access.require(store, actor, access.READ_DRAFTS, rows[0][0])
    return rows[0][1], bytes(rows[0][2])


def _submission(cur, submission_id: int) -> dict:
    rows = cur.execute("SELECT id, area_code, year, state, review_state, file_name FROM submissions WHERE id = $i",
                       {"i": submission_id}).fetchall()
    if not rows:
        raise NotFound(f"Không có lần gửi mã {submission_id}.")
    return dict(zip(["id", "area_code", "year", "state", "review_state", "file_name"], rows[0]))


def _refuse_if_locked(cur, area_code: str, year: int) -> None:
    codes = [r[0] for r in cur.execute(sqlfiles.load("unit_subtree"), {"area": area_code}).fetchall()]
    rows = cur.execute(sqlfiles.load("locks_covering"), {"codes": codes or [area_code], "y": year}).fetchall()
    if rows:
        raise Conflict(f"Số liệu năm {year} của {rows[0][1]} ({rows[0][0]}) đã được phê duyệt và khóa; cần mở lại trước.")


def restore(store: Store, actor, submission_id: int) -> None:
    """Make an earlier file of an area-year its current data again (the current one is kept too)."""
    area = store.rows("SELECT area_code FROM submissions WHERE id = $i", {"i": submission_id})
    if not area:
        raise NotFound(f"Không có lần gửi mã {submission_id}.")
    acct = access.require(store, actor, access.REVIEW, area[0][0])
    user = acct.username
    with store.transaction() as cur:
        sub = _submission(cur, submission_id)
        if sub["state"] == "current":
            raise Conflict(f"Tệp «{sub['file_name']}» đang là số liệu hiện hành.")
        _refuse_if_locked(cur, sub["area_code"], sub["year"])
        cur.execute("UPDATE submissions SET state = 'replaced' WHERE area_code = $a AND year = $y AND state = 'current'",
                    {"a": sub["area_code"], "y": sub["year"]})
        cur.execute("UPDATE submissions SET state = 'current', review_state = 'pending', review_reason = NULL "
                    "WHERE id = $i", {"i": submission_id})
        cur.execute("INSERT INTO reviews (area_code, year, submission_id, action, acted_by) "
                    "VALUES ($a, $y, $i, 'restore', $u)",
                    {"a": sub["area_code"], "y": sub["year"], "i": submission_id, "u": user})
        audit.record(cur, acct, audit.RESTORE, f"submission:{submission_id}",
                     after={"area": sub["area_code"], "year": sub["year"], "file": sub["file_name"]})
        bump_data_version(cur)


def _current_of(cur, area_code: str, year: int) -> int:
    rows = cur.execute("SELECT id FROM submissions WHERE area_code = $a AND year = $y AND state = 'current'",
                       {"a": area_code, "y": year}).fetchall()
    if not rows:
        raise NotFound(f"Địa bàn {area_code} chưa gửi số liệu năm {year}.")
    return rows[0][0]


def approve(store: Store, actor, area_code: str, year: int) -> int:
    """Approve an area's current data for a year and lock it against new uploads."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    user = acct.username
    with store.transaction() as cur:
        sid = _current_of(cur, area_code, year)
        cur.execute("UPDATE submissions SET review_state = 'approved', review_reason = NULL, reviewed_by = $u, "
                    "reviewed_at = current_timestamp WHERE id = $i", {"u": user, "i": sid})
        cur.execute("INSERT OR REPLACE INTO area_locks (area_code, year, locked_by) VALUES ($a, $y, $u)",
                    {"a": area_code, "y": year, "u": user})
        cur.execute("INSERT INTO reviews (area_code, year, submission_id, action, acted_by) "
                    "VALUES ($a, $y, $i, 'approve', $u)", {"a": area_code, "y": year, "i": sid, "u": user})
        audit.record(cur, acct, audit.APPROVE, f"area:{area_code}:{year}", after={"submission": sid, "locked": True})
        bump_data_version(cur)
    return sid


def return_submission(store: Store, actor, area_code: str, year: int, reason: str) -> int:
    """Send an area's current data back to the uploader with a reason (required)."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    user = acct.username
    if not reason or not reason.strip():
        raise Conflict("Trả lại số liệu phải ghi rõ lý do để đơn vị sửa.")
    with store.transaction() as cur:
        _refuse_if_locked(cur, area_code, year)
        sid = _current_of(cur, area_code, year)
        cur.execute("UPDATE submissions SET review_state = 'returned', review_reason = $r, reviewed_by = $u, "
                    "reviewed_at = current_timestamp WHERE id = $i", {"r": reason.strip(), "u": user, "i": sid})
        cur.execute("INSERT INTO reviews (area_code, year, submission_id, action, reason, acted_by) "
                    "VALUES ($a, $y, $i, 'return', $r, $u)",
                    {"a": area_code, "y": year, "i": sid, "r": reason.strip(), "u": user})
        audit.record(cur, acct, audit.RETURN, f"area:{area_code}:{year}", after={"submission": sid, "reason": reason.strip()})
        bump_data_version(cur)
    return sid


def reopen(store: Store, actor, area_code: str, year: int, reason: str = "") -> None:
    """Lift the lock of an approved area-year so that corrected files can be sent."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    user = acct.username
    with store.transaction() as cur:
        if not cur.execute("SELECT 1 FROM area_locks WHERE area_code = $a AND year = $y",
                           {"a": area_code, "y": year}).fetchall():
            raise Conflict(f"Số liệu năm {year} của địa bàn {area_code} chưa bị khóa.")
        cur.execute("DELETE FROM area_locks WHERE area_code = $a AND year = $y", {"a": area_code, "y": year})
        cur.execute("UPDATE submissions SET review_state = 'pending' WHERE area_code = $a AND year = $y "
                    "AND state = 'current'", {"a": area_code, "y": year})
        cur.execute("INSERT INTO reviews (area_code, year, action, reason, acted_by) VALUES ($a, $y, 'reopen', $r, $u)",
                    {"a": area_code, "y": year, "r": reason or None, "u": user})
        audit.record(cur, acct, audit.REOPEN, f"area:{area_code}:{year}", before={"locked": True},
                     after={"locked": False, "reason": reason or None})
        bump_data_version(cur)


def submissions_for_unit(store: Store, unit_code: str, year: int) -> pl.DataFrame:
    """The files that carried a unit's figures for a year, newest first (drill-down provenance)."""
    return store.frame(sqlfiles.load("unit_submissions"), {"u": unit_code, "y": year})
