"""Evidence documents (minh chứng): files attached to a unit-year, optionally to one indicator.

- Attaching needs UPLOAD on the unit (an officer of its area); reading the list and downloading
  need READ_SCORES on the unit (leaders, the committee, officers and reviewers of an area above it).
  A document is deleted by whoever attached it (still holding UPLOAD there) or by a reviewer of
  the unit; the row stays, marked deleted, for the history.
- What a file is comes from its bytes (dcmetrics.filecheck), never from its name; a refused file
  stores nothing. The same bytes twice for the same unit, year and indicator are kept once.
- Approved figures are locked: while a unit-year is approved nobody adds or removes its evidence
  (the reviewer returns the figures first).
- Requirements: a reviewer names, for a year and an area (by default the reviewer's own), the
  indicators that need a document. They apply to every unit below that area whose type the
  indicator applies to; `checklist` and `area_checklist` say what is still missing.
- Every change is one transaction with its audit row; downloads are audited too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import polars as pl

from dcmetrics import access, audit, config, filecheck, framework, sqlfiles
from dcmetrics.errors import AccessDenied, Conflict, NotFound, Problem, ValidationError
from dcmetrics.fmt import nfc, size_text
from dcmetrics.store import Store, bump_data_version

MAX_DESCRIPTION = 500
WHERE = "Tệp minh chứng"  # the `where` of the Problem a refused file raises

LIST_COLUMNS = ("id", "unit_code", "year", "indicator", "indicator_name", "description", "file_name", "file_type",
                "type_label", "mime", "size_bytes", "size_label", "sha256", "uploaded_by", "uploaded_at",
                "deleted_by", "deleted_at", "delete_reason")


@dataclass(frozen=True)
class Attached:
    id: int
    created: bool   # False: the same bytes were already there (nothing stored)
    message: str    # Vietnamese, to show as it is


@dataclass(frozen=True)
class Download:
    file_name: str
    mime: str
    content: bytes


def _when(at: datetime) -> str:
    return at.strftime("%d/%m/%Y %H:%M")


def _catalogue() -> dict:
    _, _, indicators = framework.load_catalogue()
    return indicators


def _unit(store: Store, unit_code: str) -> dict:
    rows = store.frame("SELECT code, name, type, active_from, active_to FROM units WHERE code = $c",
                       {"c": unit_code})
    if rows.is_empty():
        raise NotFound(f"Không có đơn vị mã «{unit_code}».")
    return rows.row(0, named=True)


def _check_target(store: Store, unit_code: str, year: int, indicator: str | None) -> dict:
    """The unit, once it is an evaluated unit that existed in `year` and `indicator` (if any) is
    a catalogue indicator that applies to it."""
    unit = _unit(store, unit_code)
    if unit["type"] in config.AREA_TYPES:
        raise Conflict(f"{unit['name']} là địa bàn, không phải đơn vị được đánh giá: "
                       "minh chứng gắn với từng xã, cơ quan, đơn vị.")
    if (unit["active_from"] is not None and year < unit["active_from"]) or \
            (unit["active_to"] is not None and year > unit["active_to"]):
        raise Conflict(f"{unit['name']} không tồn tại trong năm {year}: không gắn minh chứng cho năm này được.")
    if indicator is not None:
        ind = _catalogue().get(indicator)
        if ind is None:
            raise NotFound(f"Không có chỉ tiêu mã «{indicator}» trong danh mục chỉ tiêu.")
        if unit["type"] not in ind.applies:
            raise Conflict(f"Chỉ tiêu «{ind.name}» ({indicator}) không áp dụng cho "
                           f"{config.UNIT_TYPE_LABELS[unit['type']].lower()}: chọn chỉ tiêu khác hoặc để trống.")
    return unit


def _refuse_if_approved(cur, unit: dict, year: int) -> None:
    # The review state lives in unit_reviews (migration 012); approved figures are locked.
    rows = cur.execute("SELECT state FROM unit_reviews WHERE unit_code = $u AND year = $y",
                       {"u": unit["code"], "y": year}).fetchall()
    if rows and rows[0][0] == "approved":
        raise Conflict(f"Số liệu năm {year} của {unit['name']} đã được phê duyệt (khóa): không thêm, không xóa "
                       "minh chứng được. Người thẩm định cần trả lại số liệu trước.")


def _clean_description(text: str | None) -> str:
    # one line: line breaks and control characters become spaces
    desc = " ".join("".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in nfc(text or "")).split())
    if len(desc) > MAX_DESCRIPTION:
        raise ValidationError([Problem("Mô tả", f"Mô tả dài {len(desc)} ký tự, quá giới hạn {MAX_DESCRIPTION} ký tự.")])
    return desc


# --- attach, list, download, delete ---------------------------------------------------------------

def attach(store: Store, actor, unit_code: str, year: int, content: bytes, file_name: str,
           indicator: str | None = None, description: str | None = "") -> Attached:
    """Store one evidence document for the unit-year (and indicator). ValidationError when the
    bytes are refused (nothing stored); an Attached with created=False when the same bytes are
    already there for the same unit, year and indicator."""
    acct = access.require(store, actor, access.UPLOAD, unit_codes=[unit_code])
    indicator = indicator or None
    year = int(year)
    unit = _check_target(store, unit_code, year, indicator)
    name = filecheck.clean_name(file_name)
    desc = _clean_description(description)
    content = bytes(content or b"")
    try:
        kind = filecheck.check(content, name, config.max_evidence_bytes())
    except filecheck.FileRefused as e:
        raise ValidationError([Problem(WHERE, str(e))]) from None
    sha = hashlib.sha256(content).hexdigest()
    now = datetime.now()
    with store.transaction() as cur:
        _refuse_if_approved(cur, unit, year)
        same = cur.execute(sqlfiles.load("evidence_same_bytes"),
                           {"u": unit_code, "y": year, "i": indicator, "sha": sha}).fetchall()
        if same:
            eid, old_name, who, at = same[0]
            return Attached(eid, False, f"Tệp «{name}» trùng nội dung với minh chứng «{old_name}» đã có "
                                        f"({who} gửi lúc {_when(at)}): không lưu thêm bản trùng.")
        eid = cur.execute(sqlfiles.load("evidence_insert"), {
            "u": unit_code, "y": year, "i": indicator, "d": desc, "n": name, "t": kind.kind, "m": kind.mime,
            "s": len(content), "sha": sha, "c": content, "by": acct.username, "at": now}).fetchone()[0]
        audit.record(cur, acct, audit.EVIDENCE_ATTACH, f"evidence:{eid}", after={
            "unit_code": unit_code, "year": year, "indicator": indicator, "file_name": name,
            "file_type": kind.kind, "size_bytes": len(content), "sha256": sha, "description": desc}, at=now)
        bump_data_version(cur, year, [])  # no score changes
    return Attached(eid, True, f"Đã lưu minh chứng «{name}» ({kind.label}, {size_text(len(content))}).")


def documents(store: Store, actor, unit_code: str, year: int, include_deleted: bool = False) -> pl.DataFrame:
    """The unit-year's documents without their bytes, newest first (LIST_COLUMNS)."""
    access.require(store, actor, access.READ_SCORES, unit_codes=[unit_code])
    frame = store.frame(sqlfiles.load("evidence_of_unit"),
                        {"u": unit_code, "y": int(year), "deleted": bool(include_deleted)})
    indicators = _catalogue()
    names = {c: i.name for c, i in indicators.items()}
    return frame.with_columns(
        pl.col("indicator").replace_strict(names, default=pl.col("indicator"), return_dtype=pl.String)
        .fill_null("Chung cho cả năm").alias("indicator_name"),
        pl.col("file_type").replace_strict({k: v.label for k, v in filecheck.KINDS.items()},
                                           default=pl.col("file_type"), return_dtype=pl.String).alias("type_label"),
        pl.col("size_bytes").map_elements(size_text, return_dtype=pl.String).alias("size_label"),
    ).select(LIST_COLUMNS)


def _reach(store: Store, actor, evidence_id: int, what: str) -> tuple[access.Account, dict]:
    """The document row, for an actor who may read its unit. A document outside the actor's area
    is refused with the same words as one that does not exist (a refusal reveals nothing)."""
    acct = access.require(store, actor, access.READ_SCORES)  # the role first
    rows = store.frame("SELECT e.*, u.name AS unit_name FROM evidence e LEFT JOIN units u ON u.code = e.unit_code "
                       "WHERE e.id = $id", {"id": int(evidence_id)})
    row = rows.row(0, named=True) if rows.height else None
    if row is None or (acct.role != access.ADMIN and row["unit_code"] not in access.allowed_areas(store, acct)):
        if acct.role == access.ADMIN:
            raise NotFound(f"Không có minh chứng mã {evidence_id}.")
        raise AccessDenied(f"Tài khoản «{acct.username}» không được {what} minh chứng mã {evidence_id}: "
                           "không có minh chứng này trong địa bàn được giao.")
    access.require(store, acct, access.READ_SCORES, unit_codes=[row["unit_code"]])
    return acct, row


def download_name(file_name: str, file_type: str) -> str:
    """The stored name, with the ending of the detected type added when it has another (or none)."""
    if filecheck.EXTENSIONS.get(filecheck.extension(file_name)) == file_type:
        return file_name
    return f"{file_name}.{'jpg' if file_type == 'jpeg' else file_type}"


def download(store: Store, actor, evidence_id: int) -> Download:
    """The document's bytes, its name (with the ending of its detected type) and MIME type; the
    download is audited."""
    acct, row = _reach(store, actor, evidence_id, "tải")
    if row["deleted_at"] is not None:
        raise Conflict(f"Minh chứng «{row['file_name']}» đã bị xóa ({row['deleted_by']}, {_when(row['deleted_at'])}).")
    name = download_name(row["file_name"], row["file_type"])
    with store.transaction() as cur:
        audit.record(cur, acct, audit.EVIDENCE_DOWNLOAD, f"evidence:{row['id']}",
                     after={"unit_code": row["unit_code"], "year": row["year"], "file_name": row["file_name"]})
    return Download(name, row["mime"], bytes(row["content"]))


def may_delete(store: Store, actor, row: dict) -> bool:
    """A reviewer of the unit, or whoever attached it while still allowed to attach there."""
    acct = access.get_account(store, getattr(actor, "username", actor))
    if acct is None or not acct.active:
        return False
    if access.can(store, acct, access.REVIEW, row["unit_code"]):
        return True
    return acct.username == row["uploaded_by"] and access.can(store, acct, access.UPLOAD, row["unit_code"])


def delete(store: Store, actor, evidence_id: int, reason: str | None = "") -> None:
    """Mark the document deleted (the row and its bytes stay for the history); audited. A reviewer
    removing someone else's document gives a reason."""
    acct, row = _reach(store, actor, evidence_id, "xóa")
    if not may_delete(store, acct, row):
        raise AccessDenied(f"Tài khoản «{acct.username}» không được xóa minh chứng «{row['file_name']}»: chỉ người "
                           "đã gửi tệp (còn quyền gửi số liệu của đơn vị) hoặc người thẩm định mới được xóa.")
    reason = " ".join(nfc(reason or "").split())
    if row["uploaded_by"] != acct.username and not reason:
        raise Conflict(f"Hãy ghi lý do xóa minh chứng «{row['file_name']}» do {row['uploaded_by']} gửi.")
    if row["deleted_at"] is not None:
        raise Conflict(f"Minh chứng «{row['file_name']}» đã bị xóa trước đó "
                       f"({row['deleted_by']}, {_when(row['deleted_at'])}).")
    now = datetime.now()
    with store.transaction() as cur:
        _refuse_if_approved(cur, {"code": row["unit_code"], "name": row["unit_name"]}, row["year"])
        done = cur.execute("UPDATE evidence SET deleted_by = $by, deleted_at = $at, delete_reason = $r "
                           "WHERE id = $id AND deleted_at IS NULL RETURNING id",
                           {"by": acct.username, "at": now, "r": reason or None, "id": row["id"]}).fetchall()
        if not done:  # deleted by someone else meanwhile
            raise Conflict(f"Minh chứng «{row['file_name']}» đã bị xóa trước đó.")
        audit.record(cur, acct, audit.EVIDENCE_DELETE, f"evidence:{row['id']}", before={"deleted": False}, after={
            "deleted": True, "reason": reason or None, "unit_code": row["unit_code"], "year": row["year"],
            "indicator": row["indicator"], "file_name": row["file_name"], "sha256": row["sha256"]}, at=now)
        bump_data_version(cur, row["year"], [])


# --- requirements and the checklist ---------------------------------------------------------------

def _home_area(store: Store, acct: access.Account, area_code: str | None) -> str:
    if area_code:
        return area_code
    if acct.area_code != access.ALL_AREAS:
        return acct.area_code
    roots = store.rows("SELECT code FROM units WHERE parent_code IS NULL ORDER BY code")
    if len(roots) != 1:
        raise Conflict("Hãy chọn địa bàn áp dụng yêu cầu minh chứng.")
    return roots[0][0]


def requirements(store: Store, actor, year: int, area_code: str | None = None) -> list[str]:
    """The indicators required (sorted) by the requirement set on the area itself for `year`."""
    acct = access.require(store, actor, access.READ_SCORES, area_code)
    area = _home_area(store, acct, area_code)
    access.require(store, acct, access.READ_SCORES, area)
    return [r[0] for r in store.rows("SELECT indicator FROM evidence_requirements WHERE year = $y AND area_code = $a "
                                     "ORDER BY indicator", {"y": int(year), "a": area})]


def set_requirements(store: Store, actor, year: int, indicators: Iterable[str],
                     area_code: str | None = None) -> list[str]:
    """Make `indicators` the evidence required in `year` from every unit below the area (the
    reviewer's own area by default); returns them sorted. Audited with what was there before."""
    acct = access.require(store, actor, access.REVIEW, area_code)
    area = _home_area(store, acct, area_code)
    access.require(store, acct, access.REVIEW, area)
    catalogue = _catalogue()
    wanted = sorted(set(indicators))
    unknown = [c for c in wanted if c not in catalogue]
    if unknown:
        raise NotFound("Không có trong danh mục chỉ tiêu: " + ", ".join(f"«{c}»" for c in unknown) + ".")
    year = int(year)
    now = datetime.now()
    with store.transaction() as cur:
        before = [r[0] for r in cur.execute("SELECT indicator FROM evidence_requirements WHERE year = $y "
                                            "AND area_code = $a ORDER BY indicator", {"y": year, "a": area}).fetchall()]
        if before == wanted:
            return wanted
        for code in set(before) - set(wanted):  # delete and insert never touch the same key
            cur.execute("DELETE FROM evidence_requirements WHERE year = $y AND area_code = $a AND indicator = $i",
                        {"y": year, "a": area, "i": code})
        for code in sorted(set(wanted) - set(before)):
            cur.execute("INSERT INTO evidence_requirements VALUES ($y, $a, $i, $by, $at)",
                        {"y": year, "a": area, "i": code, "by": acct.username, "at": now})
        audit.record(cur, acct, audit.EVIDENCE_REQUIRE, f"area:{area}:{year}",
                     before={"indicators": before}, after={"indicators": wanted}, at=now)
        bump_data_version(cur, year, [])
    return wanted


CHECKLIST_COLUMNS = ("indicator", "indicator_name", "required_by_area", "n_documents", "missing")


def checklist(store: Store, actor, unit_code: str, year: int) -> pl.DataFrame:
    """Per indicator required from the unit in `year` (set on it or an area above it, applying to
    its type): how many live documents it has and whether one is missing. Catalogue order."""
    access.require(store, actor, access.READ_SCORES, unit_codes=[unit_code])
    unit = _unit(store, unit_code)
    year = int(year)
    catalogue = _catalogue()
    reqs = store.rows(sqlfiles.load("evidence_requirements_covering"), {"u": unit_code, "y": year})
    by_area: dict[str, list[str]] = {}
    for code, _, area_name, _, _ in reqs:
        if code in catalogue and unit["type"] in catalogue[code].applies:
            by_area.setdefault(code, []).append(area_name)
    counts = dict(store.rows("SELECT indicator, count(*) FROM evidence WHERE unit_code = $u AND year = $y "
                             "AND deleted_at IS NULL AND indicator IS NOT NULL GROUP BY indicator",
                             {"u": unit_code, "y": year}))
    order = [c for c in catalogue if c in by_area]
    return pl.DataFrame({
        "indicator": order,
        "indicator_name": [catalogue[c].name for c in order],
        "required_by_area": [", ".join(by_area[c]) for c in order],
        "n_documents": [counts.get(c, 0) for c in order],
        "missing": [counts.get(c, 0) == 0 for c in order],
    }, schema={"indicator": pl.String, "indicator_name": pl.String, "required_by_area": pl.String,
               "n_documents": pl.Int64, "missing": pl.Boolean})


AREA_CHECKLIST_COLUMNS = ("unit_code", "unit_name", "n_required", "n_documented", "n_missing", "missing",
                          "missing_names")


def area_checklist(store: Store, actor, area_code: str, year: int) -> pl.DataFrame:
    """Per evaluated unit of the area (existing in `year`) that has requirements: how many
    indicators are required, documented and missing, and which are missing."""
    access.require(store, actor, access.READ_SCORES, area_code)
    year = int(year)
    catalogue = _catalogue()
    out = {c: [] for c in AREA_CHECKLIST_COLUMNS}
    for code, name, utype, required, documented in store.rows(sqlfiles.load("evidence_area_units"),
                                                              {"area": area_code, "y": year}):
        need = [c for c in catalogue if c in set(required or []) and utype in catalogue[c].applies]
        if not need:
            continue
        have = set(documented or [])
        missing = [c for c in need if c not in have]
        for col, value in zip(AREA_CHECKLIST_COLUMNS, (code, name, len(need), len(need) - len(missing), len(missing),
                                                       missing, "; ".join(catalogue[c].name for c in missing))):
            out[col].append(value)
    return pl.DataFrame(out, schema={"unit_code": pl.String, "unit_name": pl.String, "n_required": pl.Int64,
                                     "n_documented": pl.Int64, "n_missing": pl.Int64, "missing": pl.List(pl.String),
                                     "missing_names": pl.String})
