"""API tokens: issued by an administrator to an account, shown once, kept only as a hash.

A token is `dcm_` + 43 url-safe characters (32 random bytes). The database keeps its SHA-256 (a
random 256-bit secret needs no slow hash: nobody can guess it) and its first characters (`prefix`)
to tell tokens apart. `authenticate` hashes what it is given, looks the hash up and compares it in
constant time; an expired or revoked token, or one whose account is inactive or gone, is refused.
The account itself is re-read by `access.require` on every call, so the token reads exactly what
its account may read now.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from dcmetrics import access, audit
from dcmetrics.errors import AccessDenied, DcmetricsError, NotFound
from dcmetrics.fmt import nfc
from dcmetrics.store import Store

SCHEME = "dcm_"
SECRET_BYTES = 32
PREFIX_LENGTH = len(SCHEME) + 8  # «dcm_» and 8 characters of the secret: shown in lists, never enough to use
# How long a token lives unless the administrator says otherwise: the software's default
# («mặc định của phần mềm — chưa có văn bản quy định»); at most MAX_DAYS.
DEFAULT_DAYS = 90
MAX_DAYS = 730
MAX_NAME_LENGTH = 100

TOKEN_ISSUE, TOKEN_REVOKE, API_CALL = audit.API_TOKEN_ISSUE, audit.API_TOKEN_REVOKE, audit.API_CALL

MSG_BAD = "Khóa truy cập API không hợp lệ."
MSG_MISSING = "Thiếu khóa truy cập API: gửi tiêu đề «Authorization: Bearer <khóa>»."
MSG_EXPIRED = "Khóa truy cập API đã hết hạn. Hãy đề nghị quản trị cấp khóa mới."
MSG_REVOKED = "Khóa truy cập API đã bị thu hồi."
MSG_INACTIVE = "Tài khoản gắn với khóa truy cập API đã bị vô hiệu hóa hoặc không còn."


class TokenRefused(AccessDenied):
    """The token cannot be used (missing, unknown, expired, revoked, inactive account): HTTP 401."""


@dataclass(frozen=True)
class Issued:
    id: int
    secret: str        # shown once, never stored
    prefix: str
    username: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenUse:
    id: int
    prefix: str
    account: access.Account


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue(store: Store, actor, username: str, name: str, days: int = DEFAULT_DAYS,
          now: datetime | None = None) -> Issued:
    """A new token for `username` (administrators, over the account's area). The secret is in
    the result only; the database and the audit trail keep its hash and prefix."""
    me = access.require(store, actor, access.MANAGE_ACCOUNTS)
    target = access.get_account(store, username)
    if target is None:
        raise NotFound(f"Không có tài khoản «{nfc((username or '').strip())}».")
    if target.area_code != access.ALL_AREAS:
        access.require(store, me, access.MANAGE_ACCOUNTS, unit_codes=[target.area_code])
    if not target.active:
        raise DcmetricsError(f"Tài khoản «{target.username}» đã bị vô hiệu hóa: không cấp khóa cho tài khoản này.")
    label = nfc((name or "").strip())
    if not label:
        raise DcmetricsError("Hãy ghi khóa dùng cho việc gì (ví dụ «Cổng thông tin điện tử tỉnh»).")
    if len(label) > MAX_NAME_LENGTH:
        raise DcmetricsError(f"Tên khóa không được dài quá {MAX_NAME_LENGTH} ký tự.")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DcmetricsError(f"Thời hạn của khóa phải là số ngày nguyên từ 1 đến {MAX_DAYS}, đang là «{days}».")
    now = now or datetime.now()
    secret = SCHEME + secrets.token_urlsafe(SECRET_BYTES)
    prefix = secret[:PREFIX_LENGTH]
    expires = now + timedelta(days=days)
    with store.transaction() as cur:
        tid = cur.execute(
            "INSERT INTO api_tokens (username, name, hash, prefix, created_by, created_at, expires_at) "
            "VALUES ($u, $n, $h, $p, $by, $at, $exp) RETURNING id",
            {"u": target.username, "n": label, "h": _hash(secret), "p": prefix, "by": me.username, "at": now,
             "exp": expires}).fetchone()[0]
        audit.record(cur, me, TOKEN_ISSUE, f"api_token:{tid}",
                     after={"id": tid, "account": target.username, "name": label, "prefix": prefix,
                            "expires_at": expires.isoformat(timespec="seconds")}, at=now)
    return Issued(tid, secret, prefix, target.username, expires)


def list_tokens(store: Store, actor) -> pl.DataFrame:
    """Every token (administrators), newest first, without any hash: id, prefix, username, name,
    created_by, created_at, expires_at, revoked_at, revoked_by, last_used_at, state."""
    access.require(store, actor, access.MANAGE_ACCOUNTS)
    return store.frame(
        "SELECT id, prefix, username, name, created_by, created_at, expires_at, revoked_at, revoked_by, "
        "last_used_at, CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= $now THEN 'expired' "
        "ELSE 'active' END AS state FROM api_tokens ORDER BY id DESC", {"now": datetime.now()})


STATE_LABELS = {"active": "Đang dùng", "expired": "Hết hạn", "revoked": "Đã thu hồi"}


def revoke(store: Store, actor, token_id: int, now: datetime | None = None) -> None:
    """Revoke a token at once (administrators over its account's area). Revoking twice is refused."""
    me = access.require(store, actor, access.MANAGE_ACCOUNTS)
    rows = store.rows("SELECT username, prefix, revoked_at FROM api_tokens WHERE id = $i", {"i": int(token_id)})
    if not rows:
        raise NotFound(f"Không có khóa truy cập API số {token_id}.")
    username, prefix, revoked = rows[0]
    owner = access.get_account(store, username)
    if owner is not None and owner.area_code != access.ALL_AREAS:
        access.require(store, me, access.MANAGE_ACCOUNTS, unit_codes=[owner.area_code])
    if revoked is not None:
        raise DcmetricsError(f"Khóa {prefix}… đã bị thu hồi từ trước.")
    now = now or datetime.now()
    with store.transaction() as cur:
        cur.execute("UPDATE api_tokens SET revoked_at = $t, revoked_by = $by WHERE id = $i AND revoked_at IS NULL",
                    {"t": now, "by": me.username, "i": int(token_id)})
        audit.record(cur, me, TOKEN_REVOKE, f"api_token:{token_id}",
                     before={"revoked_at": None}, after={"revoked_at": now.isoformat(timespec="seconds"),
                                                        "account": username, "prefix": prefix}, at=now)


def authenticate(store: Store, secret: str | None, now: datetime | None = None) -> TokenUse:
    """The token's row and account, or TokenRefused with a Vietnamese message."""
    if not secret:
        raise TokenRefused(MSG_MISSING)
    if not secret.startswith(SCHEME) or len(secret) > 200:
        raise TokenRefused(MSG_BAD)
    wanted = _hash(secret)
    rows = store.rows("SELECT id, hash, prefix, username, expires_at, revoked_at FROM api_tokens WHERE hash = $h",
                      {"h": wanted})
    # the lookup found the row by its hash; compare again in constant time so the answer's timing
    # cannot depend on how much of a hash matched (a database index compares byte by byte)
    if not rows or not hmac.compare_digest(rows[0][1], wanted):
        raise TokenRefused(MSG_BAD)
    tid, _, prefix, username, expires, revoked = rows[0]
    now = now or datetime.now()
    if revoked is not None:
        raise TokenRefused(MSG_REVOKED)
    if expires <= now:
        raise TokenRefused(MSG_EXPIRED)
    acct = access.get_account(store, username)
    if acct is None or not acct.active:
        raise TokenRefused(MSG_INACTIVE)
    return TokenUse(tid, prefix, acct)


def record_call(store: Store, use: TokenUse, path: str, params: dict, status: int,
                now: datetime | None = None) -> None:
    """One audit row per call and the token's last use, in one transaction (two small writes)."""
    now = now or datetime.now()
    with store.transaction() as cur:
        cur.execute("UPDATE api_tokens SET last_used_at = $t WHERE id = $i", {"t": now, "i": use.id})
        audit.record(cur, use.account, API_CALL, path,
                     after={"token": use.prefix, "params": params, "status": status}, at=now)
