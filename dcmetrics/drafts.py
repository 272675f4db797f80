"""Profiles edited in the app: copy a published version into a draft, change its numbers and
their sources (the loader's messages at every change), preview a year under the draft beside
the version in force, publish it with an effective year and a reason. TOML stays the storage and
the export format (tomlkit keeps the file's comments); published versions are never edited."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import tomlkit

from dcmetrics import access, audit, config, draft_form, framework, scoring
from dcmetrics.errors import Conflict, FrameworkError, NotFound, Problem, ValidationError
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store, bump_data_version


@dataclass(frozen=True)
class Draft:
    id: int
    profile_id: str
    base_version: str
    text: str
    state: str
    published_version: str | None


def _folder(folder: Path | None) -> Path:
    return folder or config.frameworks_dir()


def get_draft(store: Store, draft_id: int) -> Draft:
    rows = store.rows("SELECT id, profile_id, base_version, body_toml, state, published_version FROM framework_drafts "
                      "WHERE id = $i", {"i": draft_id})
    if not rows:
        raise NotFound(f"Không có bản nháp số {draft_id}.")
    return Draft(*rows[0])


def drafts_of(store: Store, profile_id: str) -> pl.DataFrame:
    return store.frame("SELECT id, base_version, state, published_version, effective_from, created_by, updated_at "
                       "FROM framework_drafts WHERE profile_id = $p ORDER BY id DESC", {"p": profile_id})


def new_draft(store: Store, actor, profile_id: str, folder: Path | None = None) -> int:
    """A draft holding the current version's file, word for word."""
    acct = access.require(store, actor, access.MANAGE_FRAMEWORKS)
    path = _folder(folder) / "profiles" / f"{profile_id}.toml"
    if not path.is_file():
        raise NotFound(f"Không có bộ tiêu chí «{profile_id}».")
    text = path.read_text(encoding="utf-8")
    version = tomllib.loads(text)["version"]
    with store.transaction() as cur:
        draft_id = cur.execute("INSERT INTO framework_drafts (profile_id, base_version, body_toml, created_by) "
                               "VALUES ($p, $v, $t, $u) RETURNING id",
                               {"p": profile_id, "v": version, "t": text, "u": acct.username}).fetchone()[0]
        audit.record(cur, acct, audit.DRAFT_CREATE, f"framework:{profile_id}:{version}", after={"draft": draft_id})
        bump_data_version(cur, None, [])  # a draft scores nothing
    return draft_id


def check(text: str, profile_id: str, folder: Path | None = None) -> tuple[Profile | None, list[Problem]]:
    """The draft as the loader reads it: the profile, or every problem in the loader's words."""
    place = f"bản nháp {profile_id}"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return None, [Problem(place, f"tệp TOML không hợp lệ: {e}")]
    try:
        catalogue = framework.load_catalogue(_folder(folder))
        return framework.parse_profile(raw, catalogue, place, expected_id=profile_id), []
    except FrameworkError as e:
        return None, list(e.problems)


def base_text(d: Draft, folder: Path | None = None) -> str:
    """The published file the draft was copied from (the current file, or its archived copy)."""
    profiles = _folder(folder) / "profiles"
    current = profiles / f"{d.profile_id}.toml"
    text = current.read_text(encoding="utf-8")
    if tomllib.loads(text).get("version") == d.base_version:
        return text
    archived = profiles / "archive" / d.profile_id / f"{d.base_version}.toml"
    if not archived.is_file():
        raise NotFound(f"Không còn tệp phiên bản {d.base_version} của bộ tiêu chí «{d.profile_id}».")
    return archived.read_text(encoding="utf-8")


def form(d: Draft, folder: Path | None = None) -> list[draft_form.Entry]:
    """Every number of the draft with its source, as the editor's form shows it."""
    return draft_form.entries(d.text, _folder(folder))


def changes(d: Draft, folder: Path | None = None) -> list[draft_form.Change]:
    """What the draft changes against the version it was copied from: numbers and sources."""
    return draft_form.differences(base_text(d, folder), d.text, _folder(folder))


def _editable(store: Store, draft_id: int) -> Draft:
    d = get_draft(store, draft_id)
    if d.state != "draft":
        raise Conflict(f"Bản nháp số {draft_id} đã ban hành thành phiên bản {d.published_version}: "
                       "phiên bản đã ban hành không sửa được; hãy tạo bản nháp mới.")
    return d


def edit(store: Store, actor, draft_id: int, values: dict[str, str], sources: dict[str, str] | None = None,
         decision: dict | None = None, folder: Path | None = None) -> tuple[draft_form.Edit, list[Problem]]:
    """The numbers typed in the form (field key → text, Vietnamese decimals) with their sources
    (entry key → choice, see draft_form.with_values) and the province's decision written into the
    draft and saved; the loader's problems with the result come back for the page to show. A value
    that cannot be read (ValidationError, each field named) saves nothing."""
    access.require(store, actor, access.MANAGE_FRAMEWORKS)
    d = _editable(store, draft_id)
    result = draft_form.with_values(d.text, values, sources or {}, decision, _folder(folder))
    return result, save(store, actor, draft_id, result.text, result.changes, folder)


def save(store: Store, actor, draft_id: int, text: str, made: tuple[draft_form.Change, ...] = (),
         folder: Path | None = None) -> list[Problem]:
    """Keep the draft's new text (even with problems, which are returned for the page to show);
    audited with the numbers that changed."""
    acct = access.require(store, actor, access.MANAGE_FRAMEWORKS)
    d = _editable(store, draft_id)
    with store.transaction() as cur:
        done = cur.execute("UPDATE framework_drafts SET body_toml = $t, updated_at = current_timestamp "
                           "WHERE id = $i AND state = 'draft' RETURNING id", {"t": text, "i": draft_id}).fetchall()
        if not done:  # (published in between by another session)
            raise Conflict(f"Bản nháp số {draft_id} vừa được ban hành: phiên bản đã ban hành không sửa được.")
        audit.record(cur, acct, audit.DRAFT_SAVE, f"framework:{d.profile_id}:draft-{draft_id}",
                     after={"changes": [{"what": f"{c.entry} › {c.field}", "from": c.before, "to": c.after,
                                         "source": c.source} for c in made]})
        bump_data_version(cur, None, [])  # a draft scores nothing: no stored score to redo
    return check(text, d.profile_id, folder)[1]


def preview(store: Store, actor, draft_id: int, year: int, basis: str = "appraised",
            folder: Path | None = None) -> pl.DataFrame:
    """Every unit of `year` under the version in force and under the draft, those whose level
    changes first: unit_code, unit_name, total_now, level_now, total_draft, level_draft, changed."""
    access.require(store, actor, access.MANAGE_FRAMEWORKS)
    d = get_draft(store, draft_id)
    draft_profile, problems = check(d.text, d.profile_id, folder)
    if draft_profile is None:
        raise ValidationError(problems)
    head = framework.load_profiles(_folder(folder))[d.profile_id]
    scoring.require_year(store, year)
    now = scoring.score(store, head.in_force(year), [year], basis).year(year)
    then = scoring.score(store, draft_profile, [year], basis).year(year)
    return (now.select("unit_code", "unit_name", pl.col("total").alias("total_now"), pl.col("level").alias("level_now"))
            .join(then.select("unit_code", pl.col("total").alias("total_draft"), pl.col("level").alias("level_draft")),
                  on="unit_code", how="full", coalesce=True)
            .with_columns(pl.col("level_now").ne_missing(pl.col("level_draft")).alias("changed"))
            .sort(["changed", "unit_name"], descending=[True, False]))


def publish(store: Store, actor, draft_id: int, version: str, effective_from: int, reason: str,
            folder: Path | None = None) -> Profile:
    """The draft becomes version `version` from `effective_from`: the version in force is archived
    unchanged (profiles/archive/<id>/<version>.toml), the draft written as the current file, and
    the new version registered; audited. The draft is published for good."""
    acct = access.require(store, actor, access.MANAGE_FRAMEWORKS)
    d = get_draft(store, draft_id)
    if d.state != "draft":
        raise Conflict(f"Bản nháp số {draft_id} đã ban hành thành phiên bản {d.published_version}.")
    if not reason.strip():
        raise Conflict("Cần ghi lý do ban hành (văn bản, quyết định của tỉnh).")
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}", version):
        raise Conflict(f"Số phiên bản «{version}» không hợp lệ: chỉ chữ số, chữ cái, dấu chấm, gạch (ví dụ 2026.1).")
    base = _folder(folder)
    head = framework.load_profiles(base)[d.profile_id]
    if head.version != d.base_version:
        raise Conflict(f"Bộ tiêu chí «{d.profile_id}» đã có phiên bản {head.version} sau khi tạo bản nháp "
                             f"(từ {d.base_version}): hãy tạo bản nháp mới.")
    if version in {v.version for v in head.versions()}:
        raise Conflict(f"Phiên bản «{version}» đã có: hãy đặt số phiên bản mới.")
    last_from = max((v.effective_from or 0) for v in head.versions())
    if effective_from <= last_from:
        raise Conflict(f"Năm áp dụng {effective_from} phải sau năm áp dụng của phiên bản hiện hành ({last_from}).")
    doc = tomlkit.parse(d.text)
    doc["version"] = version
    doc["effective_from"] = effective_from
    text = tomlkit.dumps(doc)
    profile, problems = check(text, d.profile_id, folder)
    if profile is None:
        raise ValidationError(problems)
    current = base / "profiles" / f"{d.profile_id}.toml"
    original = current.read_text(encoding="utf-8")
    old = tomlkit.parse(original)
    if "effective_from" in old:
        kept = original  # byte for byte: the archived version is the file that was in force
    else:  # (out of the digest: the archived version scores as before)
        old["effective_from"] = head.versions()[0].effective_from or 2021
        kept = tomlkit.dumps(old)
    archived = base / "profiles" / "archive" / d.profile_id / f"{head.version}.toml"
    if archived.exists() and archived.read_text(encoding="utf-8") != kept:
        raise Conflict(f"Đã có tệp lưu trữ «{archived.name}» khác phiên bản hiện hành: kiểm tra thư mục bộ tiêu chí.")
    created = not archived.exists()
    archived.parent.mkdir(parents=True, exist_ok=True)
    archived.write_text(kept, encoding="utf-8")
    current.write_text(text, encoding="utf-8")
    try:
        framework.load_profiles(base)  # the folder as a whole still loads
        from dcmetrics.bootstrap import register_frameworks

        register_frameworks(store, base)
        with store.transaction() as cur:
            done = cur.execute("UPDATE framework_drafts SET state = 'published', published_version = $v, "
                               "effective_from = $e, reason = $r, updated_at = current_timestamp "
                               "WHERE id = $i AND state = 'draft' RETURNING id",
                               {"v": version, "e": effective_from, "r": reason, "i": draft_id}).fetchall()
            if not done:
                raise Conflict(f"Bản nháp số {draft_id} vừa được ban hành ở một phiên làm việc khác.")
            audit.record(cur, acct, audit.DRAFT_PUBLISH, f"framework:{d.profile_id}:{version}",
                         before={"version": head.version},
                         after={"version": version, "effective_from": effective_from, "reason": reason,
                                "draft": draft_id})
            bump_data_version(cur, None, [])  # scores are kept per version: none of the stored ones changes
    except Exception:  # nothing half-published: the folder as it was
        current.write_text(original, encoding="utf-8")
        if created:
            archived.unlink()
        raise
    return profile
