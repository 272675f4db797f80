"""One code path for every upload (page, `dcmetrics import`, the sample loader):
check (read → validate → warnings) → preview (scores as if stored) → commit (one transaction,
original bytes and SHA-256 kept). Replaced files stay in the history and can be restored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from dcmetrics import access, audit, framework, periods, scoring, sqlfiles, unit_reviews, units
from dcmetrics.errors import AccessDenied, Conflict, NotFound, Problem, ValidationError
from dcmetrics.fmt import fmt_num
from dcmetrics.framework_model import Profile
from dcmetrics.ingest.codes import ZeroPadded
from dcmetrics.ingest.read import read_table
from dcmetrics.ingest.validate import file_unit_codes, validate
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
    unit_column: str = "ma_don_vi"  # the file's own header of the unit-code column, for messages
    # the area's current figures of the units the file leaves out: kept as they are, in the new
    # submission, unless the file replaces the area's whole data (replace_all)
    kept: pl.DataFrame | None = None
    replace_all: bool = False

    @property
    def kept_units(self) -> list[str]:
        return [] if self.kept is None or self.kept.is_empty() else sorted(self.kept["unit_code"].unique().to_list())

    def stored_rows(self) -> pl.DataFrame:
        """The rows the new submission holds: the file's, and those it keeps."""
        if self.kept is None or self.kept.is_empty():
            return self.observations
        return pl.concat([self.observations, self.kept.select(self.observations.columns)], how="vertical_relaxed")

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


def _rows(db, sql: str, params: dict) -> list[tuple]:
    """Rows of a query on a Store or on the cursor of an open transaction."""
    return db.rows(sql, params) if isinstance(db, Store) else db.execute(sql, params).fetchall()


def lock_rows(db, area_code: str, year: int, unit_codes: list[str]) -> pl.DataFrame:
    """The locks that refuse a file for `area_code` and `year` holding `unit_codes`: the area's own
    lock (unit_code null), and each unit of the file that another locked area's approved file
    carries. With every unit of the area, what the upload page warns of before a file is chosen."""
    rows = _rows(db, sqlfiles.load("locks_covering"), {"area": area_code, "y": year, "codes": list(unit_codes)})
    return pl.DataFrame(rows, schema={"area_code": pl.String, "area_name": pl.String, "locked_by": pl.String,
                                      "unit_code": pl.String}, orient="row")


def _own_lock_message(year: int, name: str, code: str, by: str) -> str:
    return (f"Số liệu năm {year} của {name} ({code}) đã được phê duyệt và khóa (người duyệt: {by}). "
            "Đề nghị người thẩm định mở lại trước khi gửi tệp mới.")


def lock_problems(db, area_code: str, year: int, unit_rows: dict[str, int],
                  unit_column: str = "ma_don_vi") -> list[Problem]:
    """Why a file of `area_code` for `year` with these units ({code: Excel row}) is refused by a lock."""
    locks = lock_rows(db, area_code, year, list(unit_rows))
    out = []
    for r in locks.iter_rows(named=True):
        if r["unit_code"] is None:
            return [Problem("tệp", _own_lock_message(year, r["area_name"], r["area_code"], r["locked_by"]))]
        u = r["unit_code"]
        out.append(Problem(f"dòng {unit_rows[u]}, cột «{unit_column}»",
                           f"đơn vị «{u}» thuộc số liệu năm {year} của {r['area_name']} ({r['area_code']}) đã được "
                           f"phê duyệt và khóa (người duyệt: {r['locked_by']}); đề nghị người thẩm định mở lại "
                           "hoặc bỏ đơn vị này khỏi tệp", u))
    return sorted(out, key=lambda p: (unit_rows[p.value], p.value))


def locked_problem(store: Store, unit_codes: list[str], year: int, area_code: str | None = None) -> Problem | None:
    """The first lock problem of a file (see lock_problems), or None."""
    problems = lock_problems(store, area_code or "", year, {c: 0 for c in unit_codes})
    return problems[0] if problems else None


def _unit_rows(obs: pl.DataFrame) -> dict[str, int]:
    """Each unit of the observations and the first Excel row it stands on."""
    if obs.is_empty():
        return {}
    return dict(obs.group_by("unit_code").agg(pl.col("row").min()).iter_rows())


def upload_locks(store: Store, actor, area_code: str, year: int) -> pl.DataFrame:
    """What the upload page warns of for `area_code` and `year`: the area's own lock (unit_code null:
    every file refused) and the units of the area that another locked area's file carries (a file
    holding one of them refused). Exactly what commit refuses, for any file of the area."""
    access.require(store, actor, access.UPLOAD, area_code)
    codes = units.subtree(store, area_code)["code"].to_list()
    return lock_rows(store, area_code, year, codes)


def area_closed_problem(store: Store, area_code: str, year: int) -> Problem | None:
    """An area that did not exist in `year` (a district after the 2025 reform, a new commune
    before it) takes no file for that year: said once, not once per row."""
    rows = store.rows("SELECT name, active_from, active_to FROM units WHERE code = $c", {"c": area_code})
    if not rows:
        return None
    name, first, last = rows[0]
    if last is not None and year > last:
        return Problem("tệp", f"Địa bàn {name} ({area_code}) không còn hoạt động trong năm {year} (hoạt động đến năm "
                              f"{last}, trước khi sắp xếp). Số liệu năm {year} do các địa bàn đang hoạt động gửi: "
                              "xã, phường mới, các sở cho đơn vị trực thuộc, tỉnh cho các đơn vị còn lại.")
    if first is not None and year < first:
        return Problem("tệp", f"Địa bàn {name} ({area_code}) chưa hoạt động trong năm {year} (hoạt động từ năm {first}). "
                              f"Số liệu năm {year} của các đơn vị cũ do địa bàn cũ gửi.")
    return None


def check_file(store: Store, content: bytes, file_name: str, year: int, actor,
               area_code: str | None = None, progress=None, replace_all: bool = False) -> Checked:
    """Validate the whole file for `year` and `area_code` (its units must lie in that subtree;
    without an area, the nearest area holding the file's units). The actor must be allowed to
    upload for that area. Raises ValidationError with every problem; nothing is stored here.
    `progress(fraction, text)`, when given, hears of each step (the page draws a progress bar).
    A file may carry only some of the area's units: the others keep their figures (and their review
    state), unless `replace_all`, when units the file leaves out lose their figures for the year."""
    step = progress or (lambda fraction, text: None)
    if area_code:
        access.require(store, actor, access.UPLOAD, area_code)
        closed = area_closed_problem(store, area_code, year) or periods.upload_verdict(
            store, area_code, year, datetime.now()).refused  # before opening, after the deadline or closing
        if closed:
            raise ValidationError([closed])
    step(0.0, "Đọc tệp…")
    table = read_table(content, file_name)
    step(0.3, f"Kiểm tra {fmt_num(table.frame.height, 0)} dòng của tệp…")
    _, _, indicators = framework.load_catalogue()
    # the directory of the file's own units only: at twice the nation's size the whole registry
    # cost more than the rest of the validation
    all_units = units.of_codes(store, file_unit_codes(table))
    if area_code is None:
        unit_col = next((c for c in table.frame.columns if c.strip().casefold() in ("ma_don_vi", "mã đơn vị")), None)
        codes = [c for c in (table.frame[unit_col].to_list() if unit_col else []) if c]
        known = set(all_units["code"])
        padded = ZeroPadded(known)  # codes a spreadsheet stripped of their zeros still place the file
        codes = [padded.restore(c) or c for c in codes]
        area_code = _common_area(store, [c for c in codes if c in known]) or ""
        acct = access.require(store, actor, access.UPLOAD, area_code or None)
        if not area_code and acct.area_code != access.ALL_AREAS:
            area_code = acct.area_code  # nothing known in the file: its units are judged against the actor's area
    allowed = set(units.subtree(store, area_code)["code"]) if area_code else set()
    parsed = validate(table, indicators, all_units, allowed, year)
    if parsed.problems:
        raise ValidationError(parsed.problems)
    step(0.8, "Đối chiếu khóa phê duyệt và số liệu năm trước…")
    locks = lock_problems(store, area_code, year, _unit_rows(parsed.observations), parsed.unit_column)
    if locks:
        raise ValidationError(locks)
    warnings = parsed.warnings + far_from_last_year(store, parsed.observations, year, indicators)
    kept = None if replace_all else store.frame(
        sqlfiles.load("kept_observations"),
        {"a": area_code, "y": year, "codes": parsed.observations["unit_code"].unique().to_list()})
    step(1.0, "Tệp hợp lệ.")
    return Checked(area_code, year, file_name, content, hashlib.sha256(content).hexdigest(),
                   table.frame.height, parsed.observations, warnings, parsed.unit_column, kept, replace_all)


def far_from_last_year(store: Store, obs: pl.DataFrame, year: int, indicators: dict) -> list[Problem]:
    """Warnings (not blocking) for values far from the unit's current value of the year before."""
    prev = store.frame(sqlfiles.load("current_values_of_units"),
                       {"y": year - 1, "units": obs["unit_code"].unique().sort().to_list()})
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


DATA_CHANGE_LABELS = {"new": "Mới", "changed": "Thay đổi", "unchanged": "Không đổi", "removed": "Bị bỏ",
                      "kept": "Giữ nguyên (không có trong tệp)"}
_CMP = ["value", "num", "den"]


def data_changes(store: Store, checked: Checked) -> pl.DataFrame:
    """Per unit, what the file changes against the figures stored now for the year: `data_change`
    new (nothing stored), changed, unchanged, kept (carried by the area's current file, absent from
    this one, left as they are) or, when the file replaces the area's whole data, removed;
    `changed_indicators`, the indicators whose stored figures differ (sorted)."""
    year, obs = checked.year, checked.observations
    replaces = [i for i, _ in _current_ids(store, checked.area_code, year)]
    file_units = obs["unit_code"].unique().to_list()
    dropped = {r[0] for r in store.rows(sqlfiles.load("submission_units"), {"ids": replaces})} - set(file_units)
    left = "removed" if checked.replace_all else "kept"
    now = store.frame(sqlfiles.load("current_values_of_units"), {"y": year, "units": sorted(file_units)})
    now = now.select("unit_code", "indicator", *[pl.col(c).cast(pl.Float64) for c in _CMP])
    new = obs.select("unit_code", "indicator", *[pl.col(c).cast(pl.Float64) for c in _CMP])
    both = (new.join(now.filter(pl.col("unit_code").is_in(file_units)), on=["unit_code", "indicator"],
                     how="full", coalesce=True, suffix="_now")
            .with_columns(differs=~pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_now")) for c in _CMP])))
    stored_units = set(now["unit_code"].unique().to_list())
    per_unit = (both.group_by("unit_code")
                .agg(pl.col("indicator").filter(pl.col("differs")).sort().alias("changed_indicators")))
    frame = (pl.DataFrame({"unit_code": file_units}, schema={"unit_code": pl.String})
             .join(per_unit, on="unit_code", how="left")
             .with_columns(pl.col("changed_indicators").fill_null(pl.lit([], pl.List(pl.String))))
             .with_columns(data_change=pl.when(~pl.col("unit_code").is_in(sorted(stored_units))).then(pl.lit("new"))
                           .when(pl.col("changed_indicators").list.len() > 0).then(pl.lit("changed"))
                           .otherwise(pl.lit("unchanged"))))
    gone = pl.DataFrame({"unit_code": sorted(dropped), "changed_indicators": [[] for _ in dropped],
                         "data_change": [left] * len(dropped)},
                        schema={"unit_code": pl.String, "changed_indicators": pl.List(pl.String),
                                "data_change": pl.String})
    return pl.concat([frame.select(gone.columns), gone]).with_columns(
        n_changed=pl.col("changed_indicators").list.len().cast(pl.Int64))


def change_summary(changes: pl.DataFrame) -> str:
    """One Vietnamese sentence: how many units the file adds, changes, leaves as they are, drops."""
    counts = dict(changes.group_by("data_change").len().iter_rows())
    parts = [f"{counts[k]} đơn vị {DATA_CHANGE_LABELS[k].lower()}" for k in ("changed", "new", "unchanged", "removed")
             if counts.get(k)]
    if counts.get("kept"):
        parts.append(f"{counts['kept']} đơn vị không có trong tệp, giữ nguyên số liệu đang lưu")
    text = "So với số liệu đang lưu: " + (", ".join(parts) if parts else "không có đơn vị nào") + "."
    if counts.get("removed"):
        text += (f" {counts['removed']} đơn vị có trong tệp đang dùng nhưng không có trong tệp này sẽ "
                 "không còn số liệu năm này.")
    return text


def preview(store: Store, checked: Checked, profile: Profile, actor, basis: str = "appraised",
            progress=None) -> pl.DataFrame:
    """The file's units with the score the file would give next to the current one, and what the
    file changes in their figures (data_change, changed_indicators, n_changed: see data_changes).
    Units the replaced file carried and this one drops come last (data_change «removed»)."""
    access.require(store, actor, access.UPLOAD, checked.area_code)
    step = progress or (lambda fraction, text: None)
    replaces = tuple(i for i, _ in _current_ids(store, checked.area_code, checked.year))
    step(0.1, "So sánh với số liệu đang lưu…")
    changes = data_changes(store, checked)
    step(0.3, "Tính điểm hiện tại…")
    before = scoring.cached_score(store, profile, [checked.year], basis).year(checked.year)
    step(0.6, "Tính điểm nếu lưu tệp…")
    # only the units of this file and of the one it replaces change; the others keep their
    # stored totals, and the overall ranks are taken again over all of them
    touched = changes["unit_code"].to_list()
    part = scoring.score(store, profile.in_force(checked.year), [checked.year], basis,
                         scoring.Pending(checked.stored_rows(), replaces), unit_codes=touched).year(checked.year)
    after = scoring.rerank(pl.concat([before.filter(~pl.col("unit_code").is_in(touched)).select(part.columns), part],
                                     how="vertical_relaxed"))
    cols = ["unit_code", "total", "level", "rank", "complete"]
    names = pl.concat([before.select("unit_code", "unit_name", "unit_type"),
                       after.select("unit_code", "unit_name", "unit_type")]).unique("unit_code", keep="last")
    out = (changes.join(names, on="unit_code", how="left")
           .join(after.select(cols), on="unit_code", how="left")
           .join(before.select(cols).rename({c: f"{c}_now" for c in cols[1:]}), on="unit_code", how="left")
           .with_columns((pl.col("total") - pl.col("total_now")).alias("change"),
                         (pl.col("data_change") == "removed").alias("_removed"))
           .sort(["_removed", "total", "unit_name"], descending=[False, True, False], nulls_last=True)
           .drop("_removed"))
    step(1.0, "Xong.")
    return out.select("unit_code", "unit_name", "unit_type", *cols[1:], *[f"{c}_now" for c in cols[1:]], "change",
                      "data_change", "changed_indicators", "n_changed")


def commit(store: Store, checked: Checked, actor) -> ImportResult:
    """Store the checked file as the current data of its area and year, all or nothing."""
    acct = access.require(store, actor, access.UPLOAD, checked.area_code)
    result = ImportResult(checked)
    verdict = periods.upload_verdict(store, checked.area_code, checked.year, datetime.now())
    if verdict.refused:  # the deadline or the closing passed between check and commit
        raise ValidationError([verdict.refused])
    with store.transaction() as cur:
        locks = lock_problems(cur, checked.area_code, checked.year, _unit_rows(checked.observations),
                              checked.unit_column)
        if locks:  # approved between check and commit
            raise ValidationError(locks)
        current = cur.execute("SELECT id, sha256 FROM submissions WHERE area_code = $a AND year = $y "
                              "AND state = 'current'", {"a": checked.area_code, "y": checked.year}).fetchall()
        same = [i for i, s in current if s == checked.sha256]
        if same and checked.replace_all:  # the same bytes, but now meant to drop the units kept beside them
            carried = {r[0] for r in cur.execute(sqlfiles.load("submission_units"), {"ids": same}).fetchall()}
            same = same if carried <= set(checked.observations["unit_code"].to_list()) else []
        if same:
            result.unchanged, result.submission_id = True, same[0]
            return result
        # the units whose scores change: those of the new file and those of the file it replaces
        touched = {r[0] for r in cur.execute(sqlfiles.load("submission_units"),
                                             {"ids": [i for i, _ in current]}).fetchall()}
        touched.update(checked.observations["unit_code"].to_list())
        rows = checked.stored_rows()
        cur.execute("UPDATE submissions SET state = 'replaced' WHERE area_code = $a AND year = $y "
                    "AND state = 'current'", {"a": checked.area_code, "y": checked.year})
        sid = cur.execute(
            "INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows, late) "
            "VALUES ($a, $y, $f, $h, $c, $u, $n, $late) RETURNING id",
            {"a": checked.area_code, "y": checked.year, "f": checked.file_name, "h": checked.sha256,
             "c": checked.content, "u": acct.username, "n": checked.n_rows, "late": verdict.late}).fetchone()[0]
        cur.register("incoming_obs", rows.with_columns(pl.lit(sid, pl.Int64).alias("submission_id")))
        cur.execute("INSERT INTO observations (submission_id, unit_code, year, indicator, value, num, den, raw) "
                    "SELECT submission_id, unit_code, year, indicator, value, num, den, raw FROM incoming_obs")
        cur.unregister("incoming_obs")
        unit_reviews.record_upload(cur, sid, checked.year, checked.observations["unit_code"].unique().to_list(),
                                   checked.kept_units, [i for i, _ in current], acct.username)
        cur.execute("UPDATE submissions SET review_state = $st WHERE id = $i",
                    {"st": unit_reviews.file_state(cur, sid, checked.year), "i": sid})
        audit.record(cur, acct, audit.UPLOAD, f"submission:{sid}", before={"replaced": [i for i, _ in current]},
                     after={"area": checked.area_code, "year": checked.year, "file": checked.file_name,
                            "sha256": checked.sha256, "units": checked.n_units,
                            "kept_units": len(checked.kept_units)})
        bump_data_version(cur, checked.year, sorted(touched))
    result.submission_id, result.stored = sid, True
    return result


def import_file(store: Store, content: bytes, file_name: str, year: int, actor,
                area_code: str | None = None, dry_run: bool = False, replace_all: bool = False) -> ImportResult:
    """Check, then (unless a dry run) commit: what `dcmetrics import` and the sample loader do."""
    checked = check_file(store, content, file_name, year, actor, area_code, replace_all=replace_all)
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


def _reach_submission(store: Store, actor, action: str, submission_id: int) -> tuple[access.Account, str]:
    """The acting account and the area of a submission it may act on. The role is checked first,
    then the area, before anything about the submission is told: an account whose area does not
    hold the submission gets the same AccessDenied whether or not the id exists. Only an account
    that sees every area learns that an id does not exist (NotFound)."""
    acct = access.require(store, actor, action)  # the role alone: the message names no area
    rows = store.rows(sqlfiles.load("submission_area"), {"i": submission_id})
    allowed = access.allowed_areas(store, acct)
    sees_all = acct.role == access.ADMIN or len(allowed) == store.rows(sqlfiles.load("unit_count"), {})[0][0]
    if not rows or rows[0][0] not in allowed:
        if sees_all and not rows:
            raise NotFound(f"Không có lần gửi mã {submission_id}.")
        home = units.get_unit(store, acct.area_code)["name"] if acct.area_code != access.ALL_AREAS \
            else access.ALL_AREAS_LABEL
        raise AccessDenied(f"Tài khoản «{acct.username}» ({acct.role_label}, {home}) không được "
                           f"{access.ACTION_LABELS[action][0]} của lần gửi mã {submission_id}: không có lần gửi "
                           "mã này trong địa bàn được giao.")
    access.require(store, actor, action, rows[0][0])
    return acct, rows[0][0]


def submission_file(store: Store, actor, submission_id: int) -> tuple[str, bytes]:
    """The original bytes of a submission, as sent (name and content)."""
    _reach_submission(store, actor, access.READ_DRAFTS, submission_id)
    rows = store.rows(sqlfiles.load("submission_content"), {"i": submission_id})
    return rows[0][0], bytes(rows[0][1])


def _submission(cur, submission_id: int) -> dict:
    rows = cur.execute("SELECT id, area_code, year, state, review_state, file_name FROM submissions WHERE id = $i",
                       {"i": submission_id}).fetchall()
    if not rows:
        raise NotFound(f"Không có lần gửi mã {submission_id}.")
    return dict(zip(["id", "area_code", "year", "state", "review_state", "file_name"], rows[0]))


def _refuse_if_locked(cur, area_code: str, year: int, unit_codes: list[str] = ()) -> None:
    """Conflict when the area-year is locked, or another locked area's file carries one of `unit_codes`."""
    locks = lock_rows(cur, area_code, year, list(unit_codes))
    if locks.height:
        r = locks.row(0, named=True)
        units_ = "" if r["unit_code"] is None else f" (đơn vị «{r['unit_code']}» thuộc số liệu đó)"
        raise Conflict(f"Số liệu năm {year} của {r['area_name']} ({r['area_code']}) đã được phê duyệt và khóa"
                       f"{units_}; cần mở lại trước.")


def restore(store: Store, actor, submission_id: int) -> None:
    """Make an earlier file of an area-year its current data again (the current one is kept too)."""
    acct, _ = _reach_submission(store, actor, access.REVIEW, submission_id)
    user = acct.username
    with store.transaction() as cur:
        sub = _submission(cur, submission_id)
        if sub["state"] == "current":
            raise Conflict(f"Tệp «{sub['file_name']}» đang là số liệu hiện hành.")
        restored_units = [r[0] for r in cur.execute(sqlfiles.load("submission_units"),
                                                    {"ids": [submission_id]}).fetchall()]
        _refuse_if_locked(cur, sub["area_code"], sub["year"], restored_units)
        current_ids = [r[0] for r in cur.execute("SELECT id FROM submissions WHERE area_code = $a AND year = $y "
                                                 "AND state = 'current'", {"a": sub["area_code"], "y": sub["year"]}).fetchall()]
        touched = set(restored_units) | {r[0] for r in cur.execute(sqlfiles.load("submission_units"),
                                                                   {"ids": current_ids}).fetchall()}
        cur.execute("UPDATE submissions SET state = 'replaced' WHERE area_code = $a AND year = $y AND state = 'current'",
                    {"a": sub["area_code"], "y": sub["year"]})
        cur.execute("UPDATE submissions SET state = 'current', review_state = 'pending', review_reason = NULL "
                    "WHERE id = $i", {"i": submission_id})
        # the restored figures are figures sent again: each of its units awaits review
        unit_reviews.record_upload(cur, submission_id, sub["year"], restored_units, [], current_ids, user)
        cur.execute("INSERT INTO reviews (area_code, year, submission_id, action, acted_by) "
                    "VALUES ($a, $y, $i, 'restore', $u)",
                    {"a": sub["area_code"], "y": sub["year"], "i": submission_id, "u": user})
        audit.record(cur, acct, audit.RESTORE, f"submission:{submission_id}",
                     after={"area": sub["area_code"], "year": sub["year"], "file": sub["file_name"]})
        bump_data_version(cur, sub["year"], sorted(touched))


def _current_of(cur, area_code: str, year: int) -> int:
    rows = cur.execute("SELECT id FROM submissions WHERE area_code = $a AND year = $y AND state = 'current'",
                       {"a": area_code, "y": year}).fetchall()
    if not rows:
        raise NotFound(f"Địa bàn {area_code} chưa gửi số liệu năm {year}.")
    return rows[0][0]


def _units_label(codes: list[str]) -> str:
    return ", ".join(codes[:10]) + (f" và {len(codes) - 10} đơn vị khác" if len(codes) > 10 else "")


def approve(store: Store, actor, area_code: str, year: int, unit_codes: list[str] | None = None) -> int:
    """Approve an area's current figures for a year: every unit awaiting review (`unit_codes`:
    only these). Approved figures are locked and enter the appraised basis; when every unit of
    the area's file is approved, the area-year is locked against new files. A unit already
    approved, or returned and not sent again, refuses the act (nothing changes)."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    user = acct.username
    with store.transaction() as cur:
        sid = _current_of(cur, area_code, year)
        changed = unit_reviews.apply(cur, "approve", sid, year, unit_codes, user)
        whole = unit_reviews.file_state(cur, sid, year)
        cur.execute("UPDATE submissions SET review_state = $st, review_reason = NULL, reviewed_by = $u, "
                    "reviewed_at = current_timestamp WHERE id = $i", {"st": whole, "u": user, "i": sid})
        if whole == "approved":
            cur.execute("INSERT OR REPLACE INTO area_locks (area_code, year, locked_by) VALUES ($a, $y, $u)",
                        {"a": area_code, "y": year, "u": user})
        cur.execute("INSERT INTO reviews (area_code, year, submission_id, action, reason, acted_by) "
                    "VALUES ($a, $y, $i, 'approve', $r, $u)",
                    {"a": area_code, "y": year, "i": sid, "u": user,
                     "r": None if unit_codes is None else "Đơn vị: " + _units_label(changed)})
        audit.record(cur, acct, audit.APPROVE, f"area:{area_code}:{year}",
                     after={"submission": sid, "locked": whole == "approved", "units": changed})
        bump_data_version(cur, year, changed)  # approved figures enter the appraised basis
    return sid


def return_submission(store: Store, actor, area_code: str, year: int, reason: str,
                      unit_codes: list[str] | None = None) -> int:
    """Send an area's current figures (every unit not approved, or `unit_codes`) back to the
    uploader with a reason (required); they wait until a new file carries them."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    user = acct.username
    if not reason or not reason.strip():
        raise Conflict("Trả lại số liệu phải ghi rõ lý do để đơn vị sửa.")
    with store.transaction() as cur:
        _refuse_if_locked(cur, area_code, year)
        sid = _current_of(cur, area_code, year)
        changed = unit_reviews.apply(cur, "return", sid, year, unit_codes, user, reason.strip())
        cur.execute("UPDATE submissions SET review_state = $st, review_reason = $r, reviewed_by = $u, "
                    "reviewed_at = current_timestamp WHERE id = $i",
                    {"st": unit_reviews.file_state(cur, sid, year), "r": reason.strip(), "u": user, "i": sid})
        cur.execute("INSERT INTO reviews (area_code, year, submission_id, action, reason, acted_by) "
                    "VALUES ($a, $y, $i, 'return', $r, $u)",
                    {"a": area_code, "y": year, "i": sid, "r": reason.strip(), "u": user})
        audit.record(cur, acct, audit.RETURN, f"area:{area_code}:{year}",
                     after={"submission": sid, "reason": reason.strip(), "units": changed})
        bump_data_version(cur, year, changed)  # the state shown beside the self-assessed rows
    return sid


def reopen(store: Store, actor, area_code: str, year: int, reason: str = "") -> None:
    """Lift the lock of an approved area-year so that corrected files can be sent: its approved
    units await review again (and leave the appraised basis until approved again)."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    user = acct.username
    with store.transaction() as cur:
        locked = bool(cur.execute("SELECT 1 FROM area_locks WHERE area_code = $a AND year = $y",
                                  {"a": area_code, "y": year}).fetchall())
        ids = cur.execute("SELECT id FROM submissions WHERE area_code = $a AND year = $y AND state = 'current'",
                          {"a": area_code, "y": year}).fetchall()
        sid = ids[0][0] if ids else None
        approved = [] if sid is None else [r[0] for r in cur.execute(
            "SELECT unit_code FROM unit_reviews WHERE submission_id = $s AND year = $y AND state = 'approved'",
            {"s": sid, "y": year}).fetchall()]
        if not locked and not approved:
            raise Conflict(f"Số liệu năm {year} của địa bàn {area_code} chưa bị khóa.")
        changed = unit_reviews.apply(cur, "reopen", sid, year, None, user) if approved else []
        cur.execute("DELETE FROM area_locks WHERE area_code = $a AND year = $y", {"a": area_code, "y": year})
        if sid is not None:
            cur.execute("UPDATE submissions SET review_state = 'pending' WHERE id = $i", {"i": sid})
        cur.execute("INSERT INTO reviews (area_code, year, action, reason, acted_by) VALUES ($a, $y, 'reopen', $r, $u)",
                    {"a": area_code, "y": year, "r": reason or None, "u": user})
        audit.record(cur, acct, audit.REOPEN, f"area:{area_code}:{year}", before={"locked": locked},
                     after={"locked": False, "reason": reason or None, "units": changed})
        bump_data_version(cur, year, changed)  # reopened figures leave the appraised basis


def submissions_for_unit(store: Store, unit_code: str, year: int) -> pl.DataFrame:
    """The files that carried a unit's figures for a year, newest first (drill-down provenance)."""
    return store.frame(sqlfiles.load("unit_submissions"), {"u": unit_code, "y": year})


def unit_states(store: Store, actor, area_code: str, year: int) -> pl.DataFrame:
    """The units of an area's current file for a year with the review state of their figures
    (unit_code, unit_name, review_state, review_label, review_reason, reviewed_by, reviewed_at)."""
    access.require(store, actor, access.READ_DRAFTS, area_code)
    frame = store.frame(sqlfiles.load("area_unit_states"), {"a": area_code, "y": year})
    return frame.with_columns(review_label=pl.col("review_state").replace_strict(
        unit_reviews.STATE_LABELS, default=unit_reviews.NOT_SENT_LABEL, return_dtype=pl.String))
