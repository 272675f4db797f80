"""Accounts, login, roles and the one authorisation check every core function uses.

- Passwords are kept only as argon2 hashes (argon2-cffi); an `Account` never holds the hash.
- `require(store, actor, action, area_code, unit_codes)` is the single authorisation function:
  the role must allow the action and every target must lie in the actor's area (its subtree of
  the unit tree; administrators: anywhere). The actor is re-read from the database on every
  call, so a deactivated account or a changed role takes effect at once, whatever a session holds.
- Failed logins: a growing delay the caller applies (`LoginResult.delay`, never slept here),
  then a lock of LOCK_MINUTES after MAX_FAILURES consecutive failures. Counted per name typed
  (normalised), whether an account has that name or not: same message, delay, lock and cost
  either way, so the login form tells nobody which names exist (see `authenticate`).
- Every change and every login attempt is written to the audit trail in the same transaction.
  A failed login with an unknown name never stores the name typed (often the password, typed in
  the wrong box): see `unknown_name_tag`.
- Every function here that reads or changes accounts takes the acting account and checks role
  (then the target's area) before it looks the target up, so a refusal reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Mapping

import polars as pl
from argon2 import PasswordHasher
from argon2 import low_level as argon2_low_level
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dcmetrics import audit, sqlfiles
from dcmetrics.errors import AccessDenied, DcmetricsError, NotFound
from dcmetrics.fmt import nfc
from dcmetrics.kept import Kept
from dcmetrics.store import Store, cache_key

log = logging.getLogger(__name__)


class AccountError(DcmetricsError):
    """An account change is refused (password policy, duplicate name, unknown area...)."""


# --- roles and actions -------------------------------------------------------------------------

LEADER = "leader"
COMMITTEE = "committee"
OFFICER = "officer"
REVIEWER = "reviewer"
ADMIN = "admin"
ROLES = (LEADER, COMMITTEE, OFFICER, REVIEWER, ADMIN)
ROLE_LABELS = {
    LEADER: "Lãnh đạo",
    COMMITTEE: "Hội đồng Thi đua – Khen thưởng",
    OFFICER: "Cán bộ nhập liệu",
    REVIEWER: "Người thẩm định",
    ADMIN: "Quản trị",
}

READ_SCORES = "read_scores"
READ_DRAFTS = "read_drafts"            # submission history, file contents, warnings
UPLOAD = "upload"
REVIEW = "review"                      # approve, return, reopen, restore
APPRAISE = "appraise"
COMMEND = "commend"                    # the commendation page
MANAGE_ACCOUNTS = "manage_accounts"
MANAGE_UNITS = "manage_units"
MANAGE_FRAMEWORKS = "manage_frameworks"
READ_AUDIT = "read_audit"
MANAGE_PERIODS = "manage_periods"    # the evaluation period of a year (dates, late uploads)
ACTIONS = (READ_SCORES, READ_DRAFTS, UPLOAD, REVIEW, APPRAISE, COMMEND,
           MANAGE_ACCOUNTS, MANAGE_UNITS, MANAGE_FRAMEWORKS, READ_AUDIT, MANAGE_PERIODS)

PERMISSIONS: dict[str, frozenset[str]] = {
    LEADER: frozenset({READ_SCORES}),
    COMMITTEE: frozenset({READ_SCORES, COMMEND}),
    OFFICER: frozenset({READ_SCORES, READ_DRAFTS, UPLOAD}),
    REVIEWER: frozenset({READ_SCORES, READ_DRAFTS, REVIEW, APPRAISE}),
    ADMIN: frozenset(ACTIONS),
}

# What the action is, and the word before the target area, for messages:
# "... không được gửi số liệu cho Huyện X."
ACTION_LABELS = {
    READ_SCORES: ("xem kết quả đánh giá", "của"),
    READ_DRAFTS: ("xem số liệu đã gửi (lịch sử, nội dung tệp, cảnh báo)", "của"),
    UPLOAD: ("gửi số liệu", "cho"),
    REVIEW: ("duyệt, trả lại hoặc mở lại số liệu", "của"),
    APPRAISE: ("thẩm định số liệu", "của"),
    COMMEND: ("dùng trang đề xuất khen thưởng", "cho"),
    MANAGE_ACCOUNTS: ("quản lý tài khoản", "thuộc"),
    MANAGE_UNITS: ("quản lý danh mục đơn vị", "thuộc"),
    MANAGE_FRAMEWORKS: ("quản lý bộ tiêu chí", "cho"),
    READ_AUDIT: ("xem nhật ký hệ thống", "của"),
    MANAGE_PERIODS: ("đặt kỳ đánh giá (ngày mở, hạn gửi, hạn thẩm định, ngày đóng)", "cho"),
}

# An administrator may be bound to no unit at all (the first one is created before any unit).
ALL_AREAS = "*"
ALL_AREAS_LABEL = "Toàn hệ thống"

# --- passwords and logins ----------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 64
MAX_FAILURES = 5                 # consecutive failures that lock the account
LOCK_MINUTES = 15                # how long
DELAY_BASE_SECONDS = 1.0         # suggested delay after the first failure, doubling each time
DELAY_MAX_SECONDS = 8.0
GENERATED_PASSWORD_BYTES = 18    # secrets.token_urlsafe(18): 24 characters

ADMIN_USER_ENV = "DCMETRICS_ADMIN_USER"
ADMIN_PASSWORD_ENV = "DCMETRICS_ADMIN_PASSWORD"
DEFAULT_ADMIN_USER = "quantri"

MSG_WRONG = "Sai tên đăng nhập hoặc mật khẩu."
MSG_LOCKED = "Tài khoản tạm khóa do đăng nhập sai nhiều lần, thử lại sau {hhmm}."
# Shown only after the right password (a wrong one on an inactive account answers MSG_WRONG and
# counts towards the lock like any other): it tells that the account exists only to someone who
# already holds its password, who learns nothing new.
MSG_INACTIVE = "Tài khoản đã bị vô hiệu hóa. Hãy liên hệ quản trị viên."

HASHER = PasswordHasher()  # argon2id, the library's recommended parameters
# Demo passwords are public (shown on the login page): a cheap hash costs nothing there and keeps
# loading the sample fast. Real passwords always go through HASHER.
DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)

# --- demo accounts (only while the sample province is loaded) -----------------------------------

DEMO_ACCOUNTS: dict[str, dict[str, str]] = {
    "lanhdao.tinh": {"role": LEADER, "area_code": "99", "display_name": "Lãnh đạo tỉnh (thử)",
                     "password": "demo-leader"},
    "thiduakhenthuong": {"role": COMMITTEE, "area_code": "99",
                         "display_name": "Hội đồng Thi đua – Khen thưởng tỉnh (thử)", "password": "demo-committee"},
    "canbo.991": {"role": OFFICER, "area_code": "991", "display_name": "Cán bộ nhập liệu 991 (thử)",
                  "password": "demo-officer"},
    "canbo.992": {"role": OFFICER, "area_code": "992", "display_name": "Cán bộ nhập liệu 992 (thử)",
                  "password": "demo-officer"},
    # after the 2025 reform: a new commune sends its own figures, a department those of its units
    "canbo.99401": {"role": OFFICER, "area_code": "99401", "display_name": "Cán bộ nhập liệu xã 99401 (thử)",
                    "password": "demo-officer"},
    "canbo.soyte": {"role": OFFICER, "area_code": "CQ99007", "display_name": "Cán bộ nhập liệu Sở Y tế (thử)",
                    "password": "demo-officer"},
    "thamdinh.tinh": {"role": REVIEWER, "area_code": "99", "display_name": "Người thẩm định tỉnh (thử)",
                      "password": "demo-reviewer"},
    "quantri.demo": {"role": ADMIN, "area_code": "99", "display_name": "Quản trị (thử)",
                     "password": "demo-admin"},
}


@dataclass(frozen=True)
class Account:
    """Who is acting. Never holds the password hash."""

    username: str
    role: str
    area_code: str
    display_name: str
    active: bool = True

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


# The process itself (sample loader, command line): allowed everything. Recognised by identity
# only, so an equal Account built elsewhere is not it.
SYSTEM = Account(audit.SYSTEM_ACTOR, ADMIN, ALL_AREAS, "Hệ thống", True)


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    account: Account | None = None
    message: str | None = None       # Vietnamese, to show as it is when refused
    delay: float = 0.0               # seconds the caller should wait before answering
    locked_until: datetime | None = None


# --- helpers -----------------------------------------------------------------------------------

def _clean_username(username: str | None) -> str:
    return nfc((username or "").strip())


def _key(username: str | None) -> str:
    return _clean_username(username).casefold()


def _prep_password(password: str | None) -> str:
    # NFC so the same Vietnamese password typed on any system gives the same hash.
    return nfc(password or "")


def failure_delay(failures: int) -> float:
    """Suggested wait after `failures` consecutive failed logins (0 before the first)."""
    if failures <= 0:
        return 0.0
    return min(DELAY_BASE_SECONDS * 2 ** (failures - 1), DELAY_MAX_SECONDS)


def password_problems(password: str | None, username: str | None = None) -> list[str]:
    """Why a new password is refused (empty list: accepted)."""
    pw = _prep_password(password)
    out = []
    if len(pw) < MIN_PASSWORD_LENGTH:
        out.append(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if len(pw) > MAX_PASSWORD_LENGTH:
        out.append(f"Mật khẩu không được dài quá {MAX_PASSWORD_LENGTH} ký tự.")
    if username and pw.casefold() == _key(username):
        out.append("Mật khẩu không được trùng tên đăng nhập.")
    return out


def _check_password(password: str | None, username: str | None) -> str:
    problems = password_problems(password, username)
    if problems:
        raise AccountError(" ".join(problems))
    return _prep_password(password)


def _check_username(username: str | None) -> str:
    name = _clean_username(username)
    if not name:
        raise AccountError("Tên đăng nhập không được để trống.")
    if len(name) > MAX_USERNAME_LENGTH:
        raise AccountError(f"Tên đăng nhập không được dài quá {MAX_USERNAME_LENGTH} ký tự.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise AccountError("Tên đăng nhập không được chứa ký tự điều khiển hoặc ký tự ẩn.")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Vai trò «{role}» không hợp lệ; chọn một trong: "
                           + ", ".join(f"{r} ({ROLE_LABELS[r]})" for r in ROLES) + ".")
    return role


def _check_area(store_or_cur, role: str, area_code: str | None) -> str:
    code = (area_code or "").strip()
    if code == ALL_AREAS and role == ADMIN:
        return code
    if not code:
        raise AccountError("Tài khoản phải gắn với một địa bàn (mã đơn vị).")
    if not _rows(store_or_cur, "SELECT 1 FROM units WHERE code = $c", {"c": code}):
        raise AccountError(f"Không có đơn vị mã «{code}» để gắn tài khoản.")
    return code


def _rows(store_or_cur, sql: str, params: dict | None = None) -> list[tuple]:
    if isinstance(store_or_cur, Store):
        return store_or_cur.rows(sql, params)
    return store_or_cur.execute(sql, params or {}).fetchall()


_ROW_COLUMNS = ("username", "role", "area_code", "display_name", "active", "failed_count",
                "locked_until", "password_hash", "demo", "last_failed_at")


def _get(store_or_cur, username: str | None) -> dict | None:
    """The stored row (hash included: stays in this module) for a username, case-insensitively."""
    rows = _rows(store_or_cur, sqlfiles.load("account_get"), {"key": _key(username)})
    return dict(zip(_ROW_COLUMNS, rows[0])) if rows else None


def _account(row: dict) -> Account:
    return Account(row["username"], row["role"], row["area_code"], row["display_name"], bool(row["active"]))


def _snapshot(row: dict | Account) -> dict:
    """What the audit trail keeps of an account (never the hash)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {"username": get("username"), "role": get("role"), "area_code": get("area_code"),
            "display_name": get("display_name"), "active": bool(get("active"))}


def _area_name(store: Store, code: str | None) -> str:
    if code == ALL_AREAS:
        return ALL_AREAS_LABEL
    rows = store.rows("SELECT name FROM units WHERE code = $c", {"c": code})
    return rows[0][0] if rows else f"địa bàn «{code}»"


def _subtree_codes(store: Store, area_code: str) -> set[str]:
    """The codes under `area_code`, kept per data version (every change of the registry bumps
    it, so a moved or added unit counts at once); each caller gets its own copy."""
    key = cache_key(store, area_code)
    with _SUBTREE_LOCK:
        found = _SUBTREE_CODES.get(key)
    if found is None:
        if area_code == ALL_AREAS:
            found = frozenset(r[0] for r in store.rows("SELECT code FROM units"))
        else:
            found = frozenset(r[0] for r in store.rows(sqlfiles.load("unit_subtree"), {"area": area_code}))
        with _SUBTREE_LOCK:
            if len(_SUBTREE_CODES) > 256:
                _SUBTREE_CODES.clear()
            _SUBTREE_CODES[key] = found
    return set(found)


_SUBTREE_CODES: dict[tuple, frozenset[str]] = {}
_SUBTREE_LOCK = threading.Lock()


def get_account(store: Store, username: str | None) -> Account | None:
    """The account as stored now (pages re-read their session's account with it), or None.
    A rerun asks a dozen times (the menu, every check): on the embedded file it is read once per
    write generation, i.e. again after any transaction (a deactivation, a role change, a failed
    login), never later than a read would see it. On PostgreSQL it is read every time."""
    gen = store.write_generation()
    if gen is None:
        return _read_account(store, username)
    # a read that a transaction ends during is kept under the count it started with: never found again
    return _ACCOUNTS.get((cache_key(store), gen, _key(username)), lambda: _read_account(store, username))


def _read_account(store: Store, username: str | None) -> Account | None:
    row = _get(store, username)
    return _account(row) if row else None


_ACCOUNTS = Kept(1024)  # Account is frozen: callers cannot change what is kept


def _current(store: Store, actor) -> Account:
    """The acting account as stored now; AccessDenied when not logged in, unknown or inactive."""
    if actor is SYSTEM:
        return SYSTEM
    if actor is None:
        raise AccessDenied("Bạn cần đăng nhập để làm việc này.")
    name = getattr(actor, "username", actor)
    acct = get_account(store, name)
    if acct is None:
        raise AccessDenied(f"Tài khoản «{name}» không tồn tại.")
    if not acct.active:
        raise AccessDenied(f"Tài khoản «{acct.username}» đã bị vô hiệu hóa.")
    return acct


# --- authorisation -----------------------------------------------------------------------------

def require(store: Store, actor, action: str, area_code: str | None = None,
            unit_codes: Iterable[str] | None = None) -> Account:
    """Raise AccessDenied unless `actor` may do `action` on `area_code` and every unit of
    `unit_codes`; return the acting account as stored now.

    `actor` is an Account (or a username); it is re-read from the database. With no area and no
    units only the role is checked: the caller must then restrict what it shows or changes to
    `allowed_areas(store, actor)`."""
    acct, denial = _check(store, actor, action, area_code, unit_codes)
    if denial is None:
        return acct
    target, more, why = denial
    verb, prep = ACTION_LABELS[action]
    who = f"Tài khoản «{acct.username}» ({acct.role_label}, {_area_name(store, acct.area_code)})"
    what = verb if target is None else f"{verb} {prep} {_area_name(store, target)}"
    raise AccessDenied(f"{who} không được {what}{more}.{why}")


def _check(store: Store, actor, action: str, area_code: str | None, unit_codes) -> tuple:
    """(account, None) when allowed, else (account, (target, more, why)) for the message
    (AccessDenied for an unknown or inactive account)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    acct = _current(store, actor)
    targets = ([area_code] if area_code is not None else []) + list(unit_codes or [])
    if action not in PERMISSIONS.get(acct.role, frozenset()):
        return acct, (targets[0] if targets else None, "", f" Vai trò «{acct.role_label}» không có quyền này.")
    if acct.role != ADMIN and targets:
        allowed = _subtree_codes(store, acct.area_code)
        outside = [t for t in dict.fromkeys(targets) if t not in allowed]
        if outside:
            more = f" (và {len(outside) - 1} đơn vị khác ngoài địa bàn được giao)" if len(outside) > 1 else ""
            return acct, (outside[0], more, "")
    return acct, None


def can(store: Store, actor, action: str, area_code: str | None = None) -> bool:
    """Whether `require` would allow it (pages hide what would be refused anyway); without
    building the refusal's message, which reads area names (the menu asks ten times a rerun)."""
    try:
        return _check(store, actor, action, area_code, None)[1] is None
    except AccessDenied:
        return False


def allowed_areas(store: Store, actor) -> set[str]:
    """Unit codes the actor's area covers (its subtree; administrators: every unit).
    Empty when not logged in, unknown or inactive."""
    try:
        acct = _current(store, actor)
    except AccessDenied:
        return set()
    if acct.role == ADMIN:
        return _subtree_codes(store, ALL_AREAS)
    return _subtree_codes(store, acct.area_code)


# --- login -------------------------------------------------------------------------------------

_DUMMY_HASH: str | None = None

# What a password check found: the password matches, it does not, or the stored hash cannot be
# read (damaged in the database): refused like a wrong password, but logged and audited as such.
MATCH, MISMATCH, BAD_HASH = "match", "mismatch", "bad_hash"


def _dummy_verify(password: str) -> None:
    """Spend what a real verification costs (unknown user, unreadable hash)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
    try:
        HASHER.verify(_DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        pass


def _check_hash(hash_: str | None, password: str) -> str:
    """MATCH, MISMATCH or BAD_HASH; every outcome costs about one argon2 verification."""
    if hash_ is None:
        _dummy_verify(password)
        return MISMATCH
    try:
        return MATCH if HASHER.verify(hash_, password) else MISMATCH
    except VerifyMismatchError:
        return MISMATCH
    except (VerificationError, InvalidHashError):
        # A hash argon2 cannot even parse failed almost at once: spend the usual time anyway so a
        # damaged account cannot be told from the others by timing.
        _dummy_verify(password)
        return BAD_HASH


# The name typed for an unknown account is not stored: users type their password into the name
# box, and the audit page, its export and the logs would then show it. What is stored is a fixed
# actor UNKNOWN_NAME and a short keyed tag of the name (HMAC-SHA256, 8 hex digits, key random per
# server process and never stored): equal tags show the same unknown name tried again and again (a
# guessing run), but nobody holding the database, an export or a log can test a guess against it.
# The tags of one name differ after a restart; that is the price of keeping no key anywhere.
UNKNOWN_NAME = "(tên không tồn tại)"
_NAME_TAG_KEY = secrets.token_bytes(32)


def unknown_name_tag(typed: str | None) -> str | None:
    """The keyed tag stored for an unknown login name (None for an empty name)."""
    name = _key(typed)
    if not name:
        return None
    return hmac.new(_NAME_TAG_KEY, name.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def _locked_message(until: datetime) -> str:
    return MSG_LOCKED.format(hhmm=until.strftime("%H:%M"))


def _next_failure(failed_count: int, last_failed_at: datetime | None, locked_until: datetime | None,
                  now: datetime) -> tuple[int, datetime | None]:
    """The failures in a row after one more at `now`, and the lock it starts, if any. Counting
    starts again once the lock has run out or the last failure is LOCK_MINUTES old (the rule that
    lets login_failures forget names, applied to accounts too so both behave alike)."""
    forget = timedelta(minutes=LOCK_MINUTES)
    if (locked_until is not None and now >= locked_until) or (last_failed_at is not None
                                                              and now >= last_failed_at + forget):
        failed_count = 0
    failures = failed_count + 1
    return failures, now + forget if failures >= MAX_FAILURES else None


def _count_failure(cur, row: dict, typed: str, reason: str, now: datetime) -> tuple[int, datetime | None]:
    """One more failed password check of the account `row` (read under the write lock): counted
    towards the lock and audited. The number of failures in a row and the lock, if one starts."""
    name = row["username"]
    failures, locked_until = _next_failure(row["failed_count"], row["last_failed_at"], row["locked_until"], now)
    cur.execute("UPDATE accounts SET failed_count = $n, locked_until = $l, last_failed_at = $t WHERE username = $u",
                {"n": failures, "l": locked_until, "t": now, "u": name})
    after = {"reason": reason, "failed_count": failures}
    if locked_until:
        after["locked_until"] = locked_until.isoformat()
    audit.record(cur, typed, audit.LOGIN_FAILED, name, after=after, at=now)
    return failures, locked_until


NAME_SALT_META = "login_name_salt"  # written by migration 012


def _name_key(store: Store, typed: str) -> str:
    """The key login_failures keeps for a name with no account: argon2id of the normalised name
    with this database's salt and HASHER's parameters, so that it costs what checking a password
    does (an unknown name must not answer faster than a known one) and a guess tested against the
    table costs what one against a password hash does."""
    salt = (store.meta(NAME_SALT_META) or "").encode("ascii")
    raw = argon2_low_level.hash_secret_raw(_key(typed).encode("utf-8"), salt, time_cost=HASHER.time_cost,
                                           memory_cost=HASHER.memory_cost, parallelism=HASHER.parallelism,
                                           hash_len=16, type=argon2_low_level.Type.ID)
    return raw.hex()


def _unknown_name_failure(store: Store, typed: str, password: str, now: datetime) -> LoginResult:
    """A login with a name no account has: counted, locked and answered exactly as a wrong
    password for an account is (message, delay, lock length, one argon2 computation)."""
    if not typed:  # no account has an empty name: nothing to hide, nothing to count
        _check_hash(None, password)
        with store.transaction() as cur:
            audit.record(cur, UNKNOWN_NAME, audit.LOGIN_FAILED, None, after={"reason": "unknown_user"}, at=now)
        return LoginResult(False, message=MSG_WRONG, delay=failure_delay(1))
    key = _name_key(store, typed)
    tag = unknown_name_tag(typed)
    with store.transaction() as cur:
        # names whose failures no longer count are forgotten: the table holds recent ones only
        cur.execute("DELETE FROM login_failures WHERE last_failed_at <= $cutoff",
                    {"cutoff": now - timedelta(minutes=LOCK_MINUTES)})
        found = cur.execute("SELECT failed_count, last_failed_at, locked_until FROM login_failures "
                            "WHERE name_key = $k", {"k": key}).fetchone()
        if found and found[2] is not None and now < found[2]:
            audit.record(cur, UNKNOWN_NAME, audit.LOGIN_FAILED, None,
                         after={"reason": "locked", "name_tag": tag, "locked_until": found[2].isoformat()}, at=now)
            return LoginResult(False, message=_locked_message(found[2]), delay=failure_delay(MAX_FAILURES),
                               locked_until=found[2])
        failures, locked_until = _next_failure(*(found or (0, None, None)), now)
        cur.execute("INSERT OR REPLACE INTO login_failures (name_key, failed_count, last_failed_at, locked_until) "
                    "VALUES ($k, $n, $t, $l)", {"k": key, "n": failures, "t": now, "l": locked_until})
        after = {"reason": "unknown_user", "name_tag": tag, "failed_count": failures}
        if locked_until:
            after["locked_until"] = locked_until.isoformat()
        audit.record(cur, UNKNOWN_NAME, audit.LOGIN_FAILED, None, after=after, at=now)
    if locked_until:
        return LoginResult(False, message=_locked_message(locked_until), delay=failure_delay(failures),
                           locked_until=locked_until)
    return LoginResult(False, message=MSG_WRONG, delay=failure_delay(failures))


def authenticate(store: Store, username: str | None, password: str | None,
                 now: datetime | None = None) -> LoginResult:
    """Check a login; every attempt is audited. For a known account the actor is the name as
    typed; for an unknown name it is UNKNOWN_NAME with the name's keyed tag, never the name
    itself (see `unknown_name_tag`). An unreadable stored hash is a failed login (reason
    «bad_hash»), counted towards the lock like a wrong password.

    A name with no account is counted and locked like one with an account (`login_failures`):
    the answer (message, delay, lock) never tells whether the name exists. Only the right
    password of an inactive account gets its own message (MSG_INACTIVE).

    Refused results carry the Vietnamese message and the delay the caller should apply."""
    now = now or datetime.now()
    typed = _clean_username(username)
    pw = _prep_password(password)
    row = _get(store, typed) if typed else None
    if row is None:
        return _unknown_name_failure(store, typed, pw, now)

    name = row["username"]
    if row["locked_until"] is not None and now < row["locked_until"]:
        _check_hash(row["password_hash"], pw)  # the time of a check, as a locked unknown name spends
        with store.transaction() as cur:
            audit.record(cur, typed, audit.LOGIN_FAILED, name,
                         after={"reason": "locked", "locked_until": row["locked_until"].isoformat()}, at=now)
        return LoginResult(False, message=_locked_message(row["locked_until"]),
                           delay=failure_delay(MAX_FAILURES), locked_until=row["locked_until"])

    status = _check_hash(row["password_hash"], pw)
    if status == BAD_HASH:
        log.warning("Login refused for account %r: its stored password hash cannot be read. "
                    "An administrator must set a new password.", name)
    with store.transaction() as cur:
        cur_row = _get(cur, name)  # again, under the write lock: concurrent failures all count
        if status != MATCH:
            failures, locked_until = _count_failure(cur, cur_row, typed, "wrong_password" if status == MISMATCH
                                                    else "bad_hash", now)
            if locked_until:
                return LoginResult(False, message=_locked_message(locked_until),
                                   delay=failure_delay(failures), locked_until=locked_until)
            return LoginResult(False, message=MSG_WRONG, delay=failure_delay(failures))
        if not cur_row["active"]:
            audit.record(cur, typed, audit.LOGIN_FAILED, name, after={"reason": "inactive"}, at=now)
            return LoginResult(False, message=MSG_INACTIVE)
        params = {"u": name}
        rehash = ""
        if not cur_row["demo"] and HASHER.check_needs_rehash(cur_row["password_hash"]):
            rehash, params["h"] = ", password_hash = $h", HASHER.hash(pw)
        cur.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL, last_failed_at = NULL"
                    f"{rehash} WHERE username = $u", params)
        audit.record(cur, name, audit.LOGIN, name, at=now)
        return LoginResult(True, account=_account(cur_row))


# --- account management ------------------------------------------------------------------------

def _insert(cur, username: str, password_hash: str, role: str, area_code: str, display_name: str,
            demo: bool, by: str, at: datetime) -> None:
    cur.execute(sqlfiles.load("account_insert"), {
        "username": username, "key": _key(username), "hash": password_hash, "role": role, "area": area_code,
        "display": display_name, "demo": demo, "by": by, "at": at})


def _taken(cur, username: str) -> None:
    row = _get(cur, username)
    if row:
        raise AccountError(f"Tên đăng nhập «{username}» đã có (tài khoản «{row['username']}»; "
                           "tên đăng nhập không phân biệt chữ hoa, chữ thường).")


def create_account(store: Store, actor, username: str, password: str, role: str, area_code: str,
                   display_name: str | None = None) -> Account:
    """A new account (administrators only). Username stored as typed (stripped, NFC), unique
    case-insensitively; display name stripped, NFC, otherwise as typed (defaults to the username)."""
    me = require(store, actor, MANAGE_ACCOUNTS)
    name = _check_username(username)
    role = _check_role(role)
    area = _check_area(store, role, area_code)
    _require_target_areas(store, me, area)
    pw = _check_password(password, name)
    display = nfc((display_name or "").strip()) or name
    hash_ = HASHER.hash(pw)
    now = datetime.now()
    with store.transaction() as cur:
        _taken(cur, name)
        _insert(cur, name, hash_, role, area, display, False, me.username, now)
        acct = Account(name, role, area, display, True)
        audit.record(cur, me, audit.ACCOUNT_CREATE, name, after=_snapshot(acct), at=now)
    return acct


def _require_target_areas(store: Store, me: Account, *area_codes: str | None) -> None:
    """MANAGE_ACCOUNTS over each area an account change touches (the target's area before and
    after). An account of the whole system (ALL_AREAS) lies outside every area but the system's."""
    codes = [c for c in dict.fromkeys(area_codes) if c]
    if codes:
        require(store, me, MANAGE_ACCOUNTS, unit_codes=codes)


def _target(store_or_cur, username: str) -> dict:
    row = _get(store_or_cur, username)
    if row is None:
        raise NotFound(f"Không có tài khoản «{_clean_username(username)}».")
    return row


def _active_admins(cur, excluding: str) -> int:
    return cur.execute("SELECT count(*) FROM accounts WHERE role = 'admin' AND active AND username <> $u",
                       {"u": excluding}).fetchone()[0]


def _check_current_password(store: Store, row: dict, current_password: str | None, now: datetime) -> None:
    """The current password asked for before one changes one's own: a wrong one counts like a
    failed login (audited, towards the lock), so that an open session left unattended cannot
    be used to guess it; a locked account changes nothing until the lock runs out."""
    name = row["username"]
    if row["locked_until"] is not None and now < row["locked_until"]:
        raise AccountError(_locked_message(row["locked_until"]))
    status = _check_hash(row["password_hash"], _prep_password(current_password))
    if status == MATCH:
        return
    if status == BAD_HASH:
        log.warning("Own password change refused for account %r: its stored password hash cannot be read. "
                    "An administrator must set a new password.", name)
    with store.transaction() as cur:
        failures, locked_until = _count_failure(cur, _get(cur, name), name, "wrong_current_password"
                                                if status == MISMATCH else "bad_hash", now)
    if locked_until:
        raise AccountError(_locked_message(locked_until))
    raise AccountError(f"Mật khẩu hiện tại không đúng (lần sai thứ {failures}/{MAX_FAILURES}; "
                       f"sai {MAX_FAILURES} lần liên tiếp, tài khoản bị khóa {LOCK_MINUTES} phút).")


def set_password(store: Store, actor, username: str, new_password: str, *,
                 current_password: str | None = None) -> None:
    """Change a password: one's own (the current password is then required) or, for an
    administrator, anyone's."""
    me = _current(store, actor)
    own = me is not SYSTEM and _key(username) == _key(me.username)
    if not own:
        require(store, me, MANAGE_ACCOUNTS)
    row = _target(store, username)
    now = datetime.now()
    if not own:
        _require_target_areas(store, me, row["area_code"])
    else:
        _check_current_password(store, row, current_password, now)
    pw = _check_password(new_password, row["username"])
    hash_ = HASHER.hash(pw)
    with store.transaction() as cur:
        cur.execute("UPDATE accounts SET password_hash = $h, password_changed_at = $t WHERE username = $u",
                    {"h": hash_, "t": now, "u": row["username"]})
        audit.record(cur, me, audit.ACCOUNT_PASSWORD, row["username"],
                     after={"password_changed_at": now.isoformat(), "own": own}, at=now)


def set_active(store: Store, actor, username: str, active: bool) -> Account:
    """Activate or deactivate an account (administrators). One cannot deactivate oneself nor the
    last active administrator."""
    me = require(store, actor, MANAGE_ACCOUNTS)
    _require_target_areas(store, me, _target(store, username)["area_code"])
    now = datetime.now()
    with store.transaction() as cur:
        row = _target(cur, username)  # again, under the write lock
        if bool(row["active"]) == bool(active):
            return _account(row)
        if not active:
            if _key(row["username"]) == _key(me.username):
                raise AccountError("Không thể tự vô hiệu hóa tài khoản đang dùng.")
            if row["role"] == ADMIN and _active_admins(cur, row["username"]) == 0:
                raise AccountError("Không thể vô hiệu hóa quản trị viên cuối cùng đang hoạt động.")
        cur.execute("UPDATE accounts SET active = $a WHERE username = $u", {"a": bool(active), "u": row["username"]})
        audit.record(cur, me, audit.ACCOUNT_ACTIVE, row["username"],
                     before={"active": bool(row["active"])}, after={"active": bool(active)}, at=now)
        return _account({**row, "active": bool(active)})


def unlock(store: Store, actor, username: str) -> None:
    """Clear failed logins and the lock (administrators)."""
    me = require(store, actor, MANAGE_ACCOUNTS)
    _require_target_areas(store, me, _target(store, username)["area_code"])
    now = datetime.now()
    with store.transaction() as cur:
        row = _target(cur, username)  # again, under the write lock
        cur.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL, last_failed_at = NULL "
                    "WHERE username = $u", {"u": row["username"]})
        before = {"failed_count": row["failed_count"],
                  "locked_until": row["locked_until"].isoformat() if row["locked_until"] else None}
        audit.record(cur, me, audit.ACCOUNT_UNLOCK, row["username"], before=before,
                     after={"failed_count": 0, "locked_until": None}, at=now)


def update_account(store: Store, actor, username: str, *, role: str | None = None, area_code: str | None = None,
                   display_name: str | None = None) -> Account:
    """Change role, area or display name (administrators); the username never changes."""
    me = require(store, actor, MANAGE_ACCOUNTS)
    row = _target(store, username)
    _require_target_areas(store, me, row["area_code"])  # may the actor touch this account at all
    new = dict(row)
    if role is not None:
        new["role"] = _check_role(role)
    if area_code is not None or role is not None:
        new["area_code"] = _check_area(store, new["role"], area_code if area_code is not None else row["area_code"])
    if display_name is not None:
        new["display_name"] = nfc(display_name.strip()) or row["username"]
    _require_target_areas(store, me, new["area_code"])  # and move it there
    before, after = _snapshot(row), _snapshot(new)
    if before == after:
        return _account(row)
    now = datetime.now()
    with store.transaction() as cur:
        if row["role"] == ADMIN and new["role"] != ADMIN:
            if _key(row["username"]) == _key(me.username):
                raise AccountError("Không thể tự bỏ vai trò quản trị của tài khoản đang dùng.")
            if row["active"] and _active_admins(cur, row["username"]) == 0:
                raise AccountError("Không thể bỏ vai trò của quản trị viên cuối cùng đang hoạt động.")
        cur.execute("UPDATE accounts SET role = $r, area_code = $a, display_name = $d WHERE username = $u",
                    {"r": new["role"], "a": new["area_code"], "d": new["display_name"], "u": row["username"]})
        changed = [k for k in before if before[k] != after[k]]
        audit.record(cur, me, audit.ACCOUNT_UPDATE, row["username"],
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed}, at=now)
    return _account(new)


def list_accounts(store: Store, actor) -> pl.DataFrame:
    """Every account (administrators), without any password hash, with role and area labels."""
    require(store, actor, MANAGE_ACCOUNTS)
    frame = store.frame(sqlfiles.load("account_list"))
    return frame.with_columns(
        pl.col("role").replace_strict(ROLE_LABELS, default=pl.col("role"), return_dtype=pl.String).alias("role_label"),
        pl.when(pl.col("area_code") == ALL_AREAS).then(pl.lit(ALL_AREAS_LABEL)).otherwise(pl.col("area_name"))
        .alias("area_name"),
    ).select("username", "display_name", "role", "role_label", "area_code", "area_name", "active",
             "failed_count", "locked_until", "demo", "created_by", "created_at", "password_changed_at")


# --- first administrator and demo accounts -----------------------------------------------------

def ensure_admin(store: Store, env: Mapping[str, str] = os.environ) -> str | None:
    """Create the first administrator when no (non-demo) administrator exists.

    Username from DCMETRICS_ADMIN_USER (default «quantri»), password from
    DCMETRICS_ADMIN_PASSWORD; when that is unset, a random one-time password is generated and
    returned for the caller to print (None otherwise, and when nothing was created). The
    administrator is bound to the whole system (ALL_AREAS)."""
    if store.rows("SELECT 1 FROM accounts WHERE role = 'admin' AND NOT demo LIMIT 1"):
        return None
    name = _check_username(env.get(ADMIN_USER_ENV) or DEFAULT_ADMIN_USER)
    given = env.get(ADMIN_PASSWORD_ENV) or ""
    generated = None
    if given:
        problems = password_problems(given, name)
        if problems:
            raise AccountError(f"Biến môi trường {ADMIN_PASSWORD_ENV} không dùng được: " + " ".join(problems))
        pw = _prep_password(given)
    else:
        pw = generated = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    hash_ = HASHER.hash(pw)
    now = datetime.now()
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM accounts WHERE role = 'admin' AND NOT demo LIMIT 1").fetchall():
            return None
        _taken(cur, name)
        display = "Quản trị hệ thống"
        _insert(cur, name, hash_, ADMIN, ALL_AREAS, display, False, audit.SYSTEM_ACTOR, now)
        after = {**_snapshot(Account(name, ADMIN, ALL_AREAS, display, True)),
                 "password_source": "generated" if generated else ADMIN_PASSWORD_ENV}
        audit.record(cur, audit.SYSTEM_ACTOR, audit.ACCOUNT_CREATE, name, after=after, at=now)
    return generated


def create_demo_accounts(store: Store) -> int:
    """The demo accounts of DEMO_ACCOUNTS that are missing and whose area exists (called by the
    sample loader). Returns how many were created."""
    now = datetime.now()
    created = 0
    with store.transaction() as cur:
        for name, spec in DEMO_ACCOUNTS.items():
            if _get(cur, name) or not cur.execute("SELECT 1 FROM units WHERE code = $c",
                                                  {"c": spec["area_code"]}).fetchall():
                continue
            _insert(cur, name, DEMO_HASHER.hash(spec["password"]), spec["role"], spec["area_code"],
                    spec["display_name"], True, audit.SYSTEM_ACTOR, now)
            acct = Account(name, spec["role"], spec["area_code"], spec["display_name"], True)
            audit.record(cur, audit.SYSTEM_ACTOR, audit.ACCOUNT_CREATE, name,
                         after={**_snapshot(acct), "demo": True}, at=now)
            created += 1
    return created


def demo_accounts(store: Store) -> list[dict]:
    """The demo accounts to show on the login page: username, display_name, role, role_label,
    area_code, area_name, password. [] unless the sample is loaded."""
    if store.meta("sample_loaded") != "1":
        return []
    out = []
    for name, spec in DEMO_ACCOUNTS.items():
        row = _get(store, name)
        if row is None or not row["demo"] or not row["active"]:
            continue
        out.append({"username": row["username"], "display_name": row["display_name"], "role": row["role"],
                    "role_label": ROLE_LABELS[row["role"]], "area_code": row["area_code"],
                    "area_name": _area_name(store, row["area_code"]), "password": spec["password"]})
    return out
