"""The audit trail: who did what, to which object, with the state before and after.

The `audit` table is insert-only. DuckDB has no triggers and no privileges, so this cannot be
enforced inside the database; instead the app has no function that updates or deletes audit
rows (this module only inserts and reads), and ids come from a sequence so a removed row leaves
a gap. `record` runs on the caller's cursor, inside the caller's transaction: a change that is
rolled back leaves no audit row.

Secrets never go in: `record` refuses before/after dicts with a password or hash key.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from dcmetrics import sqlfiles
from dcmetrics.store import Store

# Actions written by dcmetrics.access (other modules add their own: "upload", "approve", ...).
LOGIN = "login"
LOGIN_FAILED = "login_failed"
ACCOUNT_CREATE = "account_create"
ACCOUNT_UPDATE = "account_update"
ACCOUNT_PASSWORD = "account_password"
ACCOUNT_ACTIVE = "account_active"
ACCOUNT_UNLOCK = "account_unlock"
# Actions written by the data path and the registry.
UPLOAD = "upload"
RESTORE = "restore"
APPROVE = "approve"
RETURN = "return"
REOPEN = "reopen"
APPRAISE = "appraise"
UNITS_REPLACE = "units_replace"
UNITS_IMPORT = "units_import"
ASSIGNMENTS_SET = "assignments_set"
LINEAGE_EDIT = "lineage_edit"
DRAFT_CREATE = "framework_draft"
DRAFT_SAVE = "framework_draft_save"
DRAFT_PUBLISH = "framework_publish"
FRAMEWORK_REGISTER = "framework_register"
PERIOD_SET = "period_set"
PERIOD_REOPEN = "period_reopen"
# Evidence documents (dcmetrics.evidence).
EVIDENCE_ATTACH = "evidence_attach"
EVIDENCE_DELETE = "evidence_delete"
EVIDENCE_DOWNLOAD = "evidence_download"
EVIDENCE_REQUIRE = "evidence_require"
# Data-quality review (dcmetrics.analysis.quality).
QUALITY_REVIEW = "quality_review"
# The API (dcmetrics.api): tokens issued and revoked, and every call made with one.
API_TOKEN_ISSUE = "api_token_issue"
API_TOKEN_REVOKE = "api_token_revoke"
API_CALL = "api_call"

SYSTEM_ACTOR = "(hệ thống)"  # first administrator, demo accounts

# What each action is called on the audit page, its filter and its export.
ACTION_LABELS = {
    LOGIN: "Đăng nhập", LOGIN_FAILED: "Đăng nhập sai",
    UPLOAD: "Gửi số liệu", RESTORE: "Khôi phục tệp", APPROVE: "Phê duyệt", RETURN: "Trả lại", REOPEN: "Mở lại",
    APPRAISE: "Thẩm định chỉ tiêu", UNITS_REPLACE: "Thay danh mục đơn vị",
    UNITS_IMPORT: "Nạp đơn vị hành chính chính thức", ASSIGNMENTS_SET: "Phân công bộ tiêu chí theo địa bàn",
    LINEAGE_EDIT: "Sửa liên kết đơn vị cũ → mới", DRAFT_CREATE: "Tạo bản nháp bộ tiêu chí",
    DRAFT_SAVE: "Sửa bản nháp bộ tiêu chí", DRAFT_PUBLISH: "Ban hành phiên bản bộ tiêu chí",
    FRAMEWORK_REGISTER: "Ghi nhận bộ tiêu chí",
    PERIOD_SET: "Đặt kỳ đánh giá", PERIOD_REOPEN: "Mở lại địa bàn sau hạn",
    EVIDENCE_ATTACH: "Gửi minh chứng", EVIDENCE_DELETE: "Xóa minh chứng",
    EVIDENCE_DOWNLOAD: "Tải minh chứng", EVIDENCE_REQUIRE: "Yêu cầu minh chứng",
    QUALITY_REVIEW: "Đánh dấu đã xem phát hiện chất lượng số liệu",
    ACCOUNT_CREATE: "Tạo tài khoản", ACCOUNT_UPDATE: "Sửa tài khoản", ACCOUNT_PASSWORD: "Đổi mật khẩu",
    ACCOUNT_ACTIVE: "Khóa/mở tài khoản", ACCOUNT_UNLOCK: "Mở khóa đăng nhập",
    API_TOKEN_ISSUE: "Cấp khóa truy cập API", API_TOKEN_REVOKE: "Thu hồi khóa truy cập API", API_CALL: "Gọi API",
}

# Keys that must never appear in before/after (at any depth).
SECRET_KEYS = frozenset({"password", "password_hash", "hash", "new_password", "current_password", "secret"})


def _check_no_secret(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() in SECRET_KEYS:
                raise ValueError(f"audit {where}: key «{k}» would write a secret into the audit trail")
            _check_no_secret(v, where)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_no_secret(v, where)


def _json(value: Any, where: str) -> str | None:
    if value is None:
        return None
    _check_no_secret(value, where)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(cur: duckdb.DuckDBPyConnection, actor_username: Any, action: str, object: str | None,
           before: Any = None, after: Any = None, *, at: datetime | None = None) -> None:
    """Add one audit row on `cur` (call it inside the transaction that makes the change).

    `actor_username` is a username (or anything with a `.username`, e.g. an Account);
    `before`/`after` are JSON-able values (dicts of the changed fields), never secrets;
    `at` defaults to now (local time, naive, like every timestamp the app writes)."""
    actor = getattr(actor_username, "username", actor_username)
    cur.execute(sqlfiles.load("audit_insert"), {
        "at": at or datetime.now(), "actor": str(actor), "action": action,
        "object": None if object is None else str(object),
        "before": _json(before, "before"), "after": _json(after, "after")})


def audit_log(store: Store, actor, since: datetime | None = None, until: datetime | None = None,
              action: str | None = None, who: str | None = None) -> pl.DataFrame:
    """The audit rows, newest first: since <= at < until, of one action, of one actor
    (case-insensitive). Needs READ_AUDIT (administrators). Columns: id, at, actor, action,
    object, before_json, after_json (JSON text)."""
    from dcmetrics import access  # access records into the audit: import here, not at the top

    access.require(store, actor, access.READ_AUDIT)
    return store.frame(sqlfiles.load("audit_log"),
                       {"since": since, "until": until, "action": action, "who": who})
