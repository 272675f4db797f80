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

from dcmetrics import access, audit, config, framework, scoring
from dcmetrics.errors import DcmetricsError, FrameworkError, NotFound, Problem, ValidationError
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store


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


def numbers_of(text: str) -> dict | None:
    """The numbers the editor's form shows, read from the draft's text (None if it is not TOML):
    groups (key, number, points), bands (level, min_total, floor), total_max."""
    try:
        raw = tomllib.loads(text)
        return {"groups": [(g["key"], g.get("number", ""), float(g["points"])) for g in raw["groups"]],
                "bands": [(b["level"], float(b["min_total"]), float(b.get("floor", 0))) for b in raw["bands"]],
                "total_max": float(raw.get("total_max", 100))}
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError):
        return None


def with_numbers(text: str, group_points: dict[str, float], bands: dict[str, tuple[float, float]],
                 decision: dict | None = None) -> str:
    """`text` with new group points (key → points) and band thresholds (level → min_total, floor).
    A number that changes takes `decision` (number, date, issuer) as its source, declared once in
    [sources]; without one it is the software's default. Comments and layout are kept."""
    doc = tomlkit.parse(text)
    source_id = None
    if decision:
        source_id = "qd-" + re.sub(r"[^0-9a-z]+", "-", decision["number"].lower()).strip("-")
        sources = doc.setdefault("sources", tomlkit.table(is_super_table=True))
        sources[source_id] = {"kind": "decision", "number": decision["number"], "date": decision["date"],
                              "issuer": decision["issuer"]}
    for g in doc["groups"]:
        new = group_points.get(g["key"])
        if new is not None and float(new) != float(g["points"]):
            g["points"] = int(new) if float(new).is_integer() else float(new)
            g["source"] = source_id or "mac-dinh"
    for b in doc["bands"]:
        new = bands.get(b["level"])
        if new is None:
            continue
        mt, fl = new
        if float(mt) != float(b["min_total"]) or float(fl) != float(b.get("floor", 0)):
            b["min_total"] = int(mt) if float(mt).is_integer() else float(mt)
            b["floor"] = float(fl)
            b["source"] = source_id or "mac-dinh"
    return tomlkit.dumps(doc)


def save(store: Store, actor, draft_id: int, text: str) -> list[Problem]:
    """Keep the draft's new text (even with problems, which are returned for the page to show)."""
    access.require(store, actor, access.MANAGE_FRAMEWORKS)
    d = get_draft(store, draft_id)
    if d.state != "draft":
        raise DcmetricsError(f"Bản nháp số {draft_id} đã ban hành thành phiên bản {d.published_version}: "
                             "phiên bản đã ban hành không sửa được; hãy tạo bản nháp mới.")
    with store.transaction() as cur:
        cur.execute("UPDATE framework_drafts SET body_toml = $t, updated_at = current_timestamp WHERE id = $i",
                    {"t": text, "i": draft_id})
    return check(text, d.profile_id)[1]


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
        raise DcmetricsError(f"Bản nháp số {draft_id} đã ban hành thành phiên bản {d.published_version}.")
    if not reason.strip():
        raise DcmetricsError("Cần ghi lý do ban hành (văn bản, quyết định của tỉnh).")
    base = _folder(folder)
    head = framework.load_profiles(base)[d.profile_id]
    if head.version != d.base_version:
        raise DcmetricsError(f"Bộ tiêu chí «{d.profile_id}» đã có phiên bản {head.version} sau khi tạo bản nháp "
                             f"(từ {d.base_version}): hãy tạo bản nháp mới.")
    if version in {v.version for v in head.versions()}:
        raise DcmetricsError(f"Phiên bản «{version}» đã có: hãy đặt số phiên bản mới.")
    last_from = max((v.effective_from or 0) for v in head.versions())
    if effective_from <= last_from:
        raise DcmetricsError(f"Năm áp dụng {effective_from} phải sau năm áp dụng của phiên bản hiện hành ({last_from}).")
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
    if "effective_from" not in old:  # (out of the digest: the archived version scores as before)
        old["effective_from"] = head.versions()[0].effective_from or 2021
    archived = base / "profiles" / "archive" / d.profile_id / f"{head.version}.toml"
    archived.parent.mkdir(parents=True, exist_ok=True)
    archived.write_text(tomlkit.dumps(old), encoding="utf-8")
    current.write_text(text, encoding="utf-8")
    try:
        framework.load_profiles(base)  # the folder as a whole still loads
    except FrameworkError:  # nothing half-published: the folder as it was
        current.write_text(original, encoding="utf-8")
        archived.unlink()
        raise
    from dcmetrics.bootstrap import register_frameworks

    register_frameworks(store, base)
    with store.transaction() as cur:
        cur.execute("UPDATE framework_drafts SET state = 'published', published_version = $v, effective_from = $e, "
                    "reason = $r, updated_at = current_timestamp WHERE id = $i",
                    {"v": version, "e": effective_from, "r": reason, "i": draft_id})
        audit.record(cur, acct, audit.DRAFT_PUBLISH, f"framework:{d.profile_id}:{version}",
                     before={"version": head.version}, after={"version": version, "effective_from": effective_from,
                                                              "reason": reason})
    return profile
