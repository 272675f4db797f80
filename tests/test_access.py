"""Accounts, login throttling and locks, the role × area × action matrix, the audit trail."""

from __future__ import annotations

import inspect
import json
import re
import unicodedata
from datetime import datetime, timedelta

import polars as pl
import pytest
from argon2 import PasswordHasher
from conftest import STORE_KINDS

from dcmetrics import access, audit, bootstrap
from dcmetrics.access import (ADMIN, ADMIN_PASSWORD_ENV, ADMIN_USER_ENV, APPRAISE, COMMEND, COMMITTEE, LEADER,
                              MANAGE_ACCOUNTS, MANAGE_FRAMEWORKS, MANAGE_PERIODS, MANAGE_UNITS, OFFICER, READ_AUDIT, READ_DRAFTS,
                              READ_SCORES, REVIEW, REVIEWER, UPLOAD, Account, AccountError)
from dcmetrics.errors import AccessDenied, NotFound
from dcmetrics.sqlfiles import quote_ident
from dcmetrics.units import replace_units

REAL_HASHER = access.HASHER
ADMIN_PW = "mat-khau-quan-tri-1"
PW = "mat-khau-rieng-123"
T0 = datetime(2025, 3, 1, 8, 0, 0)

UNITS = [
    ("P", "Tỉnh Thử", "province", None),
    ("A", "Huyện Thử A", "district", "P"),
    ("B", "Huyện Thử B", "district", "P"),
    ("A1", "Xã A Một", "commune", "A"),
    ("A2", "Xã A Hai", "commune", "A"),
    ("B1", "Xã B Một", "commune", "B"),
]
SUBTREE = {"P": {"P", "A", "B", "A1", "A2", "B1"}, "A": {"A", "A1", "A2"}, "B": {"B", "B1"}}
# written out again on purpose (not read from access.PERMISSIONS)
EXPECTED = {
    LEADER: {READ_SCORES},
    COMMITTEE: {READ_SCORES, COMMEND},
    OFFICER: {READ_SCORES, READ_DRAFTS, UPLOAD},
    REVIEWER: {READ_SCORES, READ_DRAFTS, REVIEW, APPRAISE},
    ADMIN: {READ_SCORES, READ_DRAFTS, UPLOAD, REVIEW, APPRAISE, COMMEND, MANAGE_ACCOUNTS, MANAGE_UNITS,
            MANAGE_FRAMEWORKS, READ_AUDIT, MANAGE_PERIODS},
}
ALL_ACTIONS = sorted(EXPECTED[ADMIN])
# (username, role, area)
PEOPLE = [
    ("lanhdao.p", LEADER, "P"), ("lanhdao.a", LEADER, "A"),
    ("hoidong.p", COMMITTEE, "P"), ("hoidong.b", COMMITTEE, "B"),
    ("canbo.a", OFFICER, "A"), ("canbo.b", OFFICER, "B"),
    ("thamdinh.p", REVIEWER, "P"), ("thamdinh.a", REVIEWER, "A"),
    ("quantri.a", ADMIN, "A"),
]


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch):
    """Cheap argon2 parameters so the suite stays fast; test_hashing uses the real ones."""
    monkeypatch.setattr(access, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(params=STORE_KINDS)
def store(request, store_factory):
    """This module's empty store (schema, frameworks) on each store in turn: accounts, logins,
    the audit and the role × area checks behave the same on both."""
    return store_factory(request.param, "empty")


def _write(store, sql: str, params: dict | None = None) -> None:
    """A test's own change to the data (an UPDATE returns no rows on PostgreSQL)."""
    with store.transaction() as cur:
        cur.execute(sql, params)


def _accounts_but_hashes(store) -> list[tuple]:
    return store.frame("SELECT * FROM accounts ORDER BY username").drop("password_hash").rows()


def make_tree(store):
    replace_units(store, pl.DataFrame(
        [{"code": c, "name": n, "type": t, "parent_code": p} for c, n, t, p in UNITS]), access.SYSTEM)


@pytest.fixture
def tree(store):
    make_tree(store)
    return store


@pytest.fixture
def admin(tree) -> Account:
    assert access.ensure_admin(tree, env={ADMIN_PASSWORD_ENV: ADMIN_PW}) is None
    return access.get_account(tree, "quantri")


@pytest.fixture
def people(tree, admin) -> dict[str, Account]:
    out = {}
    for name, role, area in PEOPLE:
        out[name] = access.create_account(tree, admin, name, PW, role, area, f"Người {name}")
    return out


def all_text(store) -> str:
    """Every row of every table as text."""
    chunks = []
    schema = "current_schema()" if store.dialect == "postgresql" else "'main'"
    for (name,) in store.rows("SELECT table_name FROM information_schema.tables "
                              f"WHERE table_schema = {schema} AND table_type = 'BASE TABLE'"):
        chunks += [r[0] for r in store.rows(f"SELECT t::VARCHAR FROM {quote_ident(name)} t")]
    return "\n".join(chunks)


def audit_rows(store) -> list[dict]:
    """Audit rows of this file's actions (the fixtures' framework and unit set-up left out)."""
    return [dict(zip(["id", "at", "actor", "action", "object", "before", "after"], r)) for r in
            store.rows('SELECT id, "at", actor, action, object, before_json::VARCHAR, after_json::VARCHAR '
                       "FROM audit WHERE action NOT IN ('framework_register', 'units_replace') ORDER BY id")]


# --- hashing -------------------------------------------------------------------------------------

def test_hashing_argon2_and_password_stored_nowhere(tree, monkeypatch):
    monkeypatch.setattr(access, "HASHER", REAL_HASHER)
    assert REAL_HASHER.type.name == "ID" and REAL_HASHER.memory_cost >= 19456 and REAL_HASHER.time_cost >= 2
    secret = "Mật-khẩu bí mật 2025"
    access.ensure_admin(tree, env={ADMIN_PASSWORD_ENV: secret})
    admin = access.get_account(tree, "quantri")
    access.create_account(tree, admin, "canbo.a", "một mật khẩu khác", OFFICER, "A", "Cán bộ A")
    hashes = [r[0] for r in tree.rows("SELECT password_hash FROM accounts")]
    assert len(hashes) == 2 and all(h.startswith("$argon2id$") for h in hashes)
    assert access.authenticate(tree, "quantri", secret).ok
    assert access.authenticate(tree, "canbo.a", "một mật khẩu khác").ok
    text = all_text(tree)
    for pw in (secret, "một mật khẩu khác", unicodedata.normalize("NFD", secret)):
        assert pw not in text
    assert not hasattr(admin, "password_hash") and "hash" not in repr(admin)


def test_password_policy(admin, tree):
    with pytest.raises(AccountError, match="ít nhất 10 ký tự"):
        access.create_account(tree, admin, "ngan", "123456789", OFFICER, "A", "Ngắn")
    with pytest.raises(AccountError, match="trùng tên đăng nhập"):
        access.create_account(tree, admin, "canbo.dai1", "CANBO.DAI1", OFFICER, "A", "x")
    assert access.get_account(tree, "ngan") is None
    access.create_account(tree, admin, "du.dai", "1234567890", OFFICER, "A", "Đủ dài")


def test_usernames_unique_case_insensitively_and_nfc(admin, tree):
    nfd = unicodedata.normalize("NFD", "  Nguyễn.Văn  ")
    acct = access.create_account(tree, admin, nfd, PW, OFFICER, "A", "Anh Văn")
    assert acct.username == "Nguyễn.Văn" and unicodedata.is_normalized("NFC", acct.username)
    with pytest.raises(AccountError, match="đã có"):
        access.create_account(tree, admin, "NGUYỄN.VĂN", PW, LEADER, "P", "Trùng")
    assert access.authenticate(tree, "nguyễn.văn", PW).account.username == "Nguyễn.Văn"
    assert access.authenticate(tree, nfd, unicodedata.normalize("NFD", PW)).ok
    with pytest.raises(AccountError):
        access.create_account(tree, admin, "   ", PW, OFFICER, "A", "Trống")
    with pytest.raises(AccountError, match="Không có đơn vị"):
        access.create_account(tree, admin, "ngoai", PW, OFFICER, "ZZ", "Không có địa bàn")
    with pytest.raises(AccountError, match="Vai trò"):
        access.create_account(tree, admin, "vaitro", PW, "boss", "A", "Sai vai trò")


# --- login, delays, locks --------------------------------------------------------------------------

def test_login_ok_wrong_unknown(people, tree):
    ok = access.authenticate(tree, "canbo.a", PW, now=T0)
    assert ok.ok and ok.account == Account("canbo.a", OFFICER, "A", "Người canbo.a", True)
    assert ok.message is None and ok.delay == 0
    wrong = access.authenticate(tree, "canbo.a", PW + "x", now=T0)
    unknown = access.authenticate(tree, "khong.co.ai", PW, now=T0)
    assert not wrong.ok and not unknown.ok and wrong.account is None and unknown.account is None
    assert wrong.message == unknown.message == "Sai tên đăng nhập hoặc mật khẩu."
    assert wrong.delay == unknown.delay == access.failure_delay(1) > 0
    assert not access.authenticate(tree, "", "", now=T0).ok
    assert not access.authenticate(tree, None, None, now=T0).ok


def test_delays_grow_then_lock_then_expire(people, tree):
    results = [access.authenticate(tree, "canbo.a", "sai-mat-khau", now=T0 + timedelta(seconds=i))
               for i in range(access.MAX_FAILURES)]
    delays = [r.delay for r in results[:-1]]
    assert delays == sorted(delays) and len(set(delays)) == len(delays) and delays[0] > 0
    assert delays == [access.failure_delay(n) for n in range(1, access.MAX_FAILURES)]
    assert all(r.message == access.MSG_WRONG for r in results[:-1])
    last = results[-1]
    until = T0 + timedelta(seconds=access.MAX_FAILURES - 1, minutes=access.LOCK_MINUTES)
    assert access.MAX_FAILURES == 5 and access.LOCK_MINUTES == 15
    assert last.locked_until == until
    assert last.message == f"Tài khoản tạm khóa do đăng nhập sai nhiều lần, thử lại sau {until:%H:%M}."
    assert tree.rows("SELECT failed_count, locked_until FROM accounts WHERE username = 'canbo.a'") == [(5, until)]
    # the right password is refused while locked
    during = access.authenticate(tree, "canbo.a", PW, now=until - timedelta(seconds=1))
    assert not during.ok and during.message == last.message and during.locked_until == until
    # the lock runs out after 15 minutes
    after = access.authenticate(tree, "canbo.a", PW, now=until)
    assert after.ok
    assert tree.rows("SELECT failed_count, locked_until FROM accounts WHERE username = 'canbo.a'") == [(0, None)]


def test_success_resets_count_and_expired_lock_restarts_count(people, tree):
    for i in range(4):
        access.authenticate(tree, "canbo.b", "sai-mat-khau", now=T0)
    assert access.authenticate(tree, "canbo.b", PW, now=T0).ok
    r = [access.authenticate(tree, "canbo.b", "sai-mat-khau", now=T0) for _ in range(4)]
    assert all(x.locked_until is None for x in r)  # counted from 0 again
    access.authenticate(tree, "canbo.b", "sai-mat-khau", now=T0)
    later = T0 + timedelta(minutes=access.LOCK_MINUTES, seconds=1)
    again = access.authenticate(tree, "canbo.b", "sai-mat-khau", now=later)
    assert again.locked_until is None and again.delay == access.failure_delay(1)


def test_admin_unlock(people, tree, admin):
    for _ in range(5):
        access.authenticate(tree, "canbo.a", "sai-mat-khau", now=T0)
    assert not access.authenticate(tree, "canbo.a", PW, now=T0).ok
    with pytest.raises(AccessDenied):
        access.unlock(tree, people["lanhdao.p"], "canbo.a")
    access.unlock(tree, admin, "canbo.a")
    assert access.authenticate(tree, "canbo.a", PW, now=T0).ok
    with pytest.raises(NotFound):
        access.unlock(tree, admin, "khong.co")


def test_inactive_account(people, tree, admin):
    stale = people["canbo.a"]
    deactivated = access.set_active(tree, admin, "canbo.a", False)
    assert deactivated.active is False
    r = access.authenticate(tree, "canbo.a", PW, now=T0)
    assert not r.ok and r.message == access.MSG_INACTIVE
    # a wrong password on an inactive account says nothing about it
    assert access.authenticate(tree, "canbo.a", "sai-mat-khau", now=T0).message == access.MSG_WRONG
    # the session's old Account object no longer works
    with pytest.raises(AccessDenied, match="vô hiệu hóa"):
        access.require(tree, stale, READ_SCORES, "A")
    assert access.allowed_areas(tree, stale) == set()
    access.set_active(tree, admin, "canbo.a", True)
    assert access.authenticate(tree, "canbo.a", PW, now=T0).ok


# --- first administrator ---------------------------------------------------------------------------

def test_first_admin_from_env(tree):
    env = {ADMIN_PASSWORD_ENV: ADMIN_PW, ADMIN_USER_ENV: " Quản.Trị.Viên "}
    assert access.ensure_admin(tree, env=env) is None
    r = access.authenticate(tree, "quản.trị.viên", ADMIN_PW)
    assert r.ok and r.account.role == ADMIN and r.account.username == "Quản.Trị.Viên"
    # once there is an administrator nothing more happens, even with other settings
    assert access.ensure_admin(tree, env={ADMIN_PASSWORD_ENV: "khac-han-luon-1"}) is None
    assert access.ensure_admin(tree, env={}) is None
    assert tree.rows("SELECT count(*) FROM accounts") == [(1,)]
    assert ADMIN_PW not in all_text(tree)


def test_first_admin_generated_password(store):
    pw = access.ensure_admin(store, env={})  # no units yet: bound to the whole system
    assert isinstance(pw, str) and len(pw) >= 16
    assert pw not in all_text(store)
    r = access.authenticate(store, "quantri", pw)
    assert r.ok and r.account.area_code == access.ALL_AREAS
    assert access.ensure_admin(store, env={}) is None
    # two databases never share the generated password
    from dcmetrics.store import Store
    s2 = Store(":memory:")
    try:
        other = access.ensure_admin(s2, env={})
        assert other and other != pw
    finally:
        s2.close()


def test_first_admin_env_password_must_follow_policy(store):
    with pytest.raises(AccountError, match=ADMIN_PASSWORD_ENV):
        access.ensure_admin(store, env={ADMIN_PASSWORD_ENV: "ngan"})
    assert store.rows("SELECT count(*) FROM accounts") == [(0,)]


# --- demo accounts -----------------------------------------------------------------------------------

def test_no_demo_accounts_without_sample(tree):
    assert access.demo_accounts(tree) == []
    assert access.create_demo_accounts(tree) == 0  # the sample's areas are not there
    assert tree.rows("SELECT count(*) FROM accounts") == [(0,)]


def test_demo_accounts_with_sample(any_fresh_sample_store):
    s = any_fresh_sample_store
    access.create_demo_accounts(s)
    assert access.create_demo_accounts(s) == 0  # idempotent
    demos = access.demo_accounts(s)
    assert [d["username"] for d in demos] == list(access.DEMO_ACCOUNTS)
    by = {d["username"]: d for d in demos}
    assert by["lanhdao.tinh"]["role"] == LEADER and by["lanhdao.tinh"]["area_code"] == "99"
    assert by["thiduakhenthuong"]["role"] == COMMITTEE
    assert by["canbo.991"]["role"] == OFFICER and by["canbo.991"]["area_code"] == "991"
    assert by["canbo.992"]["area_code"] == "992" and by["canbo.992"]["area_name"] == "Huyện Mẫu Bình Khê"
    assert by["thamdinh.tinh"]["role"] == REVIEWER and by["quantri.demo"]["role"] == ADMIN
    assert {d["role"] for d in demos} == set(access.ROLES)
    for d in demos:
        assert d["role_label"] == access.ROLE_LABELS[d["role"]]
        assert d["password"] == f"demo-{d['role']}"
        assert len(d["password"]) >= access.MIN_PASSWORD_LENGTH
        r = access.authenticate(s, d["username"], d["password"])
        assert r.ok and r.account.role == d["role"] and r.account.area_code == d["area_code"]
    # the demo administrator does not count as the first administrator
    pw = access.ensure_admin(s, env={})
    assert pw and access.authenticate(s, "quantri", pw).ok
    # demo passwords are hashed too
    assert all(h.startswith("$argon2") for (h,) in s.rows("SELECT password_hash FROM accounts"))
    # shown only while the sample is loaded
    with s.transaction() as cur:
        cur.execute("DELETE FROM meta WHERE key = 'sample_loaded'")
    assert access.demo_accounts(s) == []


def test_sample_loader_creates_demo_accounts(any_sample_store):
    if "create_demo_accounts" not in inspect.getsource(bootstrap.load_sample):
        pytest.skip("bootstrap.load_sample does not call access.create_demo_accounts yet")
    assert [d["username"] for d in access.demo_accounts(any_sample_store)] == list(access.DEMO_ACCOUNTS)


# --- authorisation matrix --------------------------------------------------------------------------

@pytest.mark.parametrize("name,role,area", PEOPLE)
def test_matrix_role_area_action(people, tree, name, role, area):
    actor = people[name]
    reach = SUBTREE["P"] if role == ADMIN else SUBTREE[area]
    assert access.allowed_areas(tree, actor) == reach
    for action in ALL_ACTIONS:
        role_ok = action in EXPECTED[role]
        # no target: only the role counts
        assert access.can(tree, actor, action) is role_ok, (name, action)
        for target in SUBTREE["P"]:
            expected = role_ok and (role == ADMIN or target in SUBTREE[area])
            assert access.can(tree, actor, action, target) is expected, (name, action, target)
            if expected:
                assert access.require(tree, actor, action, target) == actor
                assert access.require(tree, actor, action, unit_codes=[target]) == actor
            else:
                with pytest.raises(AccessDenied) as e:
                    access.require(tree, actor, action, target)
                assert f"«{name}»" in str(e.value) and access.ROLE_LABELS[role] in str(e.value)


def test_officer_of_a_cannot_touch_b(people, tree):
    a = people["canbo.a"]
    for action in (UPLOAD, READ_DRAFTS, REVIEW):
        with pytest.raises(AccessDenied):
            access.require(tree, a, action, "B")
    with pytest.raises(AccessDenied) as e:
        access.require(tree, a, UPLOAD, "B")
    assert str(e.value) == "Tài khoản «canbo.a» (Cán bộ nhập liệu, Huyện Thử A) không được gửi số liệu cho Huyện Thử B."
    access.require(tree, a, UPLOAD, "A", unit_codes=["A1", "A2"])
    with pytest.raises(AccessDenied, match="Xã B Một"):
        access.require(tree, a, UPLOAD, "A", unit_codes=["A1", "B1"])
    with pytest.raises(AccessDenied, match="và 1 đơn vị khác"):
        access.require(tree, a, UPLOAD, unit_codes=["B", "B1", "A1"])
    with pytest.raises(AccessDenied, match="Xã A Một"):
        access.require(tree, people["canbo.b"], READ_DRAFTS, "A1")
    with pytest.raises(AccessDenied, match="duyệt"):
        access.require(tree, a, REVIEW, "A")  # not even in the own area: the role does not allow it


def test_leader_cannot_upload_and_message_names_role(people, tree):
    with pytest.raises(AccessDenied) as e:
        access.require(tree, people["lanhdao.p"], UPLOAD, "A1")
    msg = str(e.value)
    assert msg.startswith("Tài khoản «lanhdao.p» (Lãnh đạo, Tỉnh Thử) không được gửi số liệu cho Xã A Một.")
    assert "Lãnh đạo" in msg
    assert access.can(tree, people["lanhdao.p"], READ_SCORES, "B1")
    assert not access.can(tree, people["lanhdao.a"], READ_SCORES, "B1")


def test_only_admin_manages_accounts_and_reads_audit(people, tree, admin):
    for name, acct in people.items():
        if acct.role == ADMIN:
            continue
        with pytest.raises(AccessDenied):
            access.create_account(tree, acct, "moi." + name, PW, LEADER, acct.area_code, "Mới")
        with pytest.raises(AccessDenied):
            access.list_accounts(tree, acct)
        with pytest.raises(AccessDenied):
            access.set_active(tree, acct, "quantri", False)
        with pytest.raises(AccessDenied):
            access.set_password(tree, acct, "quantri", "mat-khau-moi-99")
        with pytest.raises(AccessDenied):
            access.update_account(tree, acct, acct.username, role=ADMIN)
        with pytest.raises(AccessDenied):
            access.unlock(tree, acct, "quantri")
        with pytest.raises(AccessDenied):
            audit.audit_log(tree, acct)
    # the administrator bound to district A still manages accounts anywhere
    access.create_account(tree, people["quantri.a"], "moi.b1", PW, OFFICER, "B1", "Mới B1")
    assert access.get_account(tree, "moi.b1").area_code == "B1"
    assert tree.rows("SELECT count(*) FROM accounts WHERE username LIKE 'moi.%'") == [(1,)]


def test_account_functions_refuse_before_looking_up_the_target(people, tree, admin):
    """Without the role, an unknown target gives the same AccessDenied as a known one: nothing
    tells whether the account exists."""
    officer = people["canbo.a"]
    calls = {
        "set_active": lambda who, name: access.set_active(tree, who, name, False),
        "unlock": lambda who, name: access.unlock(tree, who, name),
        "update_account": lambda who, name: access.update_account(tree, who, name, display_name="x"),
        "set_password": lambda who, name: access.set_password(tree, who, name, "mat-khau-moi-99"),
    }
    for fn, call in calls.items():
        messages = []
        for target in ("canbo.b", "khong.co.ai"):
            with pytest.raises(AccessDenied) as err:
                call(officer, target)
            messages.append(str(err.value))
        assert messages[0] == messages[1], fn
        with pytest.raises(NotFound):  # an administrator is told the account does not exist
            call(admin, "khong.co.ai")


def test_account_manager_of_an_area_stays_in_it(people, tree, monkeypatch):
    """The area half of the check, for every account function: a manager bound to district A
    (no such role today: a leader given MANAGE_ACCOUNTS here) may change accounts of A only, may
    not move one out of A nor pull one in from B, and a refusal changes nothing."""
    monkeypatch.setitem(access.PERMISSIONS, LEADER, frozenset({READ_SCORES, MANAGE_ACCOUNTS}))
    boss = people["lanhdao.a"]
    _write(tree, "UPDATE accounts SET failed_count = 3 WHERE username IN ('canbo.a', 'canbo.b')")
    before = _accounts_but_hashes(tree)
    b_refused = "«lanhdao.a» (Lãnh đạo, Huyện Thử A) không được quản lý tài khoản thuộc Huyện Thử B"
    refused = [
        (lambda: access.set_active(tree, boss, "canbo.b", False), b_refused),
        (lambda: access.unlock(tree, boss, "canbo.b"), b_refused),
        (lambda: access.set_password(tree, boss, "canbo.b", "mat-khau-moi-99"), b_refused),
        (lambda: access.update_account(tree, boss, "canbo.b", area_code="A1"), b_refused),  # pull in
        (lambda: access.update_account(tree, boss, "canbo.b", display_name="Đổi tên"), b_refused),
        (lambda: access.update_account(tree, boss, "canbo.a", area_code="B1"), "không được quản lý tài khoản "
                                                                              "thuộc Xã B Một"),  # push out
        (lambda: access.create_account(tree, boss, "moi.b", PW, OFFICER, "B", "Mới"), b_refused),
        (lambda: access.set_active(tree, boss, "quantri", False), "thuộc Toàn hệ thống"),
    ]
    for call, message in refused:
        with pytest.raises(AccessDenied, match=re.escape(message)):
            call()
    assert _accounts_but_hashes(tree) == before
    # inside its own area it may
    access.unlock(tree, boss, "canbo.a")
    assert access.update_account(tree, boss, "canbo.a", area_code="A1").area_code == "A1"
    assert not access.set_active(tree, boss, "canbo.a", False).active
    access.create_account(tree, boss, "moi.a2", PW, OFFICER, "A2", "Mới A2")


def test_not_logged_in_and_forged_accounts(people, tree):
    with pytest.raises(AccessDenied, match="đăng nhập"):
        access.require(tree, None, READ_SCORES)
    assert not access.can(tree, None, READ_SCORES)
    assert access.allowed_areas(tree, None) == set()
    # role and area are read from the database, not from the object handed in
    forged = Account("canbo.a", ADMIN, "P", "Giả mạo", True)
    with pytest.raises(AccessDenied):
        access.require(tree, forged, MANAGE_ACCOUNTS)
    with pytest.raises(AccessDenied, match="không tồn tại"):
        access.require(tree, Account("ai.do", ADMIN, "P", "x", True), READ_SCORES)
    # SYSTEM is recognised by identity only
    access.require(tree, access.SYSTEM, MANAGE_UNITS)
    twin = Account(access.SYSTEM.username, ADMIN, access.ALL_AREAS, access.SYSTEM.display_name, True)
    with pytest.raises(AccessDenied):
        access.require(tree, twin, MANAGE_UNITS)
    with pytest.raises(ValueError):
        access.require(tree, people["canbo.a"], "fly")


def test_role_change_takes_effect_at_once(people, tree, admin):
    session = people["canbo.a"]
    assert not access.can(tree, session, REVIEW, "A")
    access.update_account(tree, admin, "canbo.a", role=REVIEWER, area_code="P")
    assert access.can(tree, session, REVIEW, "B1")
    assert access.get_account(tree, "canbo.a").role == REVIEWER


# --- account changes ---------------------------------------------------------------------------------

def test_set_password_own_and_by_admin(people, tree, admin):
    me = people["canbo.a"]
    with pytest.raises(AccountError, match="hiện tại"):
        access.set_password(tree, me, "canbo.a", "mat-khau-moi-1")
    with pytest.raises(AccountError, match="hiện tại"):
        access.set_password(tree, me, "canbo.a", "mat-khau-moi-1", current_password="sai-roi-nhe")
    with pytest.raises(AccountError, match="ít nhất"):
        access.set_password(tree, me, "canbo.a", "ngan", current_password=PW)
    access.set_password(tree, me, "CANBO.A", "mat-khau-moi-1", current_password=PW)
    assert not access.authenticate(tree, "canbo.a", PW).ok
    assert access.authenticate(tree, "canbo.a", "mat-khau-moi-1").ok
    access.set_password(tree, admin, "canbo.a", "dat-lai-boi-qt")
    assert access.authenticate(tree, "canbo.a", "dat-lai-boi-qt").ok
    with pytest.raises(NotFound):
        access.set_password(tree, admin, "khong.co", "dat-lai-boi-qt")


def test_last_admin_and_self_protection(people, tree, admin):
    with pytest.raises(AccountError, match="tự vô hiệu hóa"):
        access.set_active(tree, admin, "quantri", False)
    access.set_active(tree, admin, "quantri.a", False)
    with pytest.raises(AccountError):
        access.update_account(tree, admin, "quantri", role=LEADER, area_code="P")
    assert access.set_active(tree, access.SYSTEM, "quantri.a", True).active
    access.set_active(tree, people["quantri.a"], "quantri", False)
    with pytest.raises(AccountError, match="cuối cùng"):
        access.set_active(tree, access.SYSTEM, "quantri.a", False)


def test_list_accounts_has_no_secret(people, tree, admin):
    frame = access.list_accounts(tree, admin)
    assert frame.height == len(PEOPLE) + 1
    assert not any("hash" in c or "password" == c for c in frame.columns)
    assert "$argon2" not in frame.write_csv()
    row = frame.filter(pl.col("username") == "canbo.a").row(0, named=True)
    assert row["role_label"] == "Cán bộ nhập liệu" and row["area_name"] == "Huyện Thử A" and row["active"]
    assert frame.filter(pl.col("username") == "quantri")["area_name"].item() == access.ALL_AREAS_LABEL


# --- audit ---------------------------------------------------------------------------------------------

def test_audit_of_logins(people, tree, admin):
    before = len(audit_rows(tree))
    access.authenticate(tree, "canbo.a", PW, now=T0)
    access.authenticate(tree, "CanBo.A", "sai-mat-khau", now=T0)
    access.authenticate(tree, "  người.lạ  ", "sai-mat-khau", now=T0)
    rows = audit_rows(tree)[before:]
    assert [(r["actor"], r["action"], r["object"]) for r in rows] == [
        ("canbo.a", audit.LOGIN, "canbo.a"),
        ("CanBo.A", audit.LOGIN_FAILED, "canbo.a"),
        ("(tên không tồn tại)", audit.LOGIN_FAILED, None),  # the name typed is not kept
    ]
    assert all(r["at"] == T0 for r in rows)
    assert json.loads(rows[1]["after"]) == {"reason": "wrong_password", "failed_count": 1}
    after = json.loads(rows[2]["after"])
    # counted towards a lock like a known name's failures (see test_unknown_names_locked_like_known_ones)
    assert after == {"reason": "unknown_user", "name_tag": access.unknown_name_tag("người.lạ"), "failed_count": 1}
    assert "người" not in rows[2]["after"] and "lạ" not in rows[2]["after"]


def test_password_typed_as_username_is_stored_nowhere(people, tree, admin, caplog):
    """Users type their password into the name box: an unknown name is kept only as a keyed tag,
    so the password shows neither in the database, the audit page's frame, its export nor a log."""
    from dcmetrics import exports

    caplog.set_level("DEBUG")
    typed = "  Bí-Mật-Của-Tôi-2025  "
    for name in (typed, typed.strip().upper(), "ai.khac.nua"):
        res = access.authenticate(tree, name, "", now=T0)
        assert not res.ok and res.message == access.MSG_WRONG
    access.authenticate(tree, "", "mat-khau-go-nham", now=T0)  # nothing typed in the name box
    rows = [r for r in audit_rows(tree) if r["action"] == audit.LOGIN_FAILED]
    assert [r["actor"] for r in rows] == [access.UNKNOWN_NAME] * 4
    tags = [json.loads(r["after"]).get("name_tag") for r in rows]
    # the same name (any case, any spaces) gives the same tag: repeated tries stay visible
    assert tags[0] == tags[1] != tags[2] and tags[3] is None
    assert all(t is None or len(t) == 8 and int(t, 16) >= 0 for t in tags)
    # keyed: not a plain hash of the name anyone could recompute
    import hashlib
    assert tags[0] not in hashlib.sha256(typed.strip().casefold().encode()).hexdigest()

    log = audit.audit_log(tree, admin)
    xlsx = exports.xlsx_bytes(log, "Nhật ký")
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        xlsx_text = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    everywhere = {"database": all_text(tree), "audit frame": log.write_csv(), "xlsx": xlsx_text,
                  "logs": caplog.text}
    for where, text in everywhere.items():
        for secret in ("Bí-Mật-Của-Tôi-2025", "BÍ-MẬT-CỦA-TÔI-2025", "mat-khau-go-nham", "ai.khac.nua"):
            assert secret not in text, (where, secret)
            assert unicodedata.normalize("NFD", secret) not in text, (where, secret)
        if where != "database":  # (the accounts table does hold the hashes)
            assert "$argon2" not in text, where


def test_unreadable_stored_hash_is_a_failed_login(people, tree, admin, caplog, monkeypatch):
    """A damaged hash in the database: refused with the usual words, counted towards the lock,
    audited with its own reason and logged (name only), in about the time of a real check."""
    broken = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$not-a-real-digest!!"
    _write(tree, "UPDATE accounts SET password_hash = $h WHERE username = 'canbo.a'", {"h": broken})
    spent = []
    real_dummy = access._dummy_verify
    monkeypatch.setattr(access, "_dummy_verify", lambda pw: (spent.append(1), real_dummy(pw)))
    caplog.set_level("WARNING", logger="dcmetrics.access")

    res = access.authenticate(tree, "canbo.a", PW, now=T0)  # the right password: still refused
    assert not res.ok and res.message == access.MSG_WRONG and res.delay == access.failure_delay(1)
    assert spent == [1]  # the time of one argon2 verification was spent anyway
    assert tree.rows("SELECT failed_count FROM accounts WHERE username = 'canbo.a'") == [(1,)]
    [row] = [r for r in audit_rows(tree) if r["action"] == audit.LOGIN_FAILED]
    assert (row["actor"], row["object"]) == ("canbo.a", "canbo.a")
    assert json.loads(row["after"]) == {"reason": "bad_hash", "failed_count": 1}
    assert "canbo.a" in caplog.text and "cannot be read" in caplog.text
    assert broken not in caplog.text and "$argon2" not in caplog.text and PW not in caplog.text
    for _ in range(access.MAX_FAILURES - 1):
        res = access.authenticate(tree, "canbo.a", PW, now=T0)
    assert res.locked_until is not None  # counts towards the lock like a wrong password
    # the way out: an administrator sets a new password
    access.unlock(tree, admin, "canbo.a")
    access.set_password(tree, admin, "canbo.a", "mat-khau-sau-sua-loi")
    assert access.authenticate(tree, "canbo.a", "mat-khau-sau-sua-loi", now=T0).ok
    # the own-password form says «current password wrong» for a damaged hash, and logs it
    _write(tree, "UPDATE accounts SET password_hash = $h WHERE username = 'canbo.b'", {"h": broken})
    with pytest.raises(AccountError, match="Mật khẩu hiện tại không đúng"):
        access.set_password(tree, people["canbo.b"], "canbo.b", "mat-khau-moi-3", current_password=PW)
    assert "'canbo.b'" in caplog.text


def test_a_wrong_current_password_counts_towards_the_lock(people, tree):
    """Changing one's own password from an open session: each wrong current password is audited
    and counted like a failed login, the fifth locks the account, and a locked account changes
    nothing, not even with the right password."""
    me = people["canbo.b"]
    hash_before = tree.rows("SELECT password_hash FROM accounts WHERE username = 'canbo.b'")
    for n in range(1, access.MAX_FAILURES):
        with pytest.raises(AccountError) as e:
            access.set_password(tree, me, "canbo.b", "mat-khau-moi-9", current_password=f"doan-sai-{n}")
        assert str(e.value) == (f"Mật khẩu hiện tại không đúng (lần sai thứ {n}/{access.MAX_FAILURES}; sai "
                                f"{access.MAX_FAILURES} lần liên tiếp, tài khoản bị khóa {access.LOCK_MINUTES} phút).")
    with pytest.raises(AccountError, match=r"^Tài khoản tạm khóa do đăng nhập sai nhiều lần, thử lại sau \d\d:\d\d\.$"):
        access.set_password(tree, me, "canbo.b", "mat-khau-moi-9", current_password="doan-sai-5")
    with pytest.raises(AccountError, match="^Tài khoản tạm khóa"):
        access.set_password(tree, me, "canbo.b", "mat-khau-moi-9", current_password=PW)
    failed = [json.loads(r["after"]) for r in audit_rows(tree)
              if r["action"] == audit.LOGIN_FAILED and r["object"] == "canbo.b"]
    assert [f["reason"] for f in failed] == ["wrong_current_password"] * access.MAX_FAILURES
    assert [f["failed_count"] for f in failed] == list(range(1, access.MAX_FAILURES + 1))
    assert "locked_until" in failed[-1]
    assert not any("doan-sai" in json.dumps(r, default=str) for r in audit_rows(tree))  # no guess is kept
    assert not access.authenticate(tree, "canbo.b", PW).ok  # the lock holds for the login too
    assert tree.rows("SELECT password_hash FROM accounts WHERE username = 'canbo.b'") == hash_before


def test_audit_of_account_changes_has_before_after_and_no_secret(people, tree, admin):
    start = len(audit_rows(tree))
    access.update_account(tree, admin, "canbo.b", area_code="B1", display_name="Tên mới")
    access.set_active(tree, admin, "canbo.b", False)
    access.set_password(tree, admin, "canbo.b", "mat-khau-thu-hai")
    for _ in range(5):
        access.authenticate(tree, "canbo.a", "sai-mat-khau-X", now=T0)
    access.unlock(tree, admin, "canbo.a")
    rows = audit_rows(tree)
    new = {r["action"]: r for r in rows[start:]}
    upd = new[audit.ACCOUNT_UPDATE]
    assert upd["actor"] == "quantri" and upd["object"] == "canbo.b"
    assert json.loads(upd["before"]) == {"area_code": "B", "display_name": "Người canbo.b"}
    assert json.loads(upd["after"]) == {"area_code": "B1", "display_name": "Tên mới"}
    act = new[audit.ACCOUNT_ACTIVE]
    assert json.loads(act["before"]) == {"active": True} and json.loads(act["after"]) == {"active": False}
    assert new[audit.ACCOUNT_PASSWORD]["object"] == "canbo.b"
    unl = new[audit.ACCOUNT_UNLOCK]
    assert json.loads(unl["before"])["failed_count"] == 5 and json.loads(unl["after"])["failed_count"] == 0
    creates = [r for r in rows if r["action"] == audit.ACCOUNT_CREATE]
    assert len(creates) == len(PEOPLE) + 1
    first = json.loads(creates[0]["after"])
    assert creates[0]["actor"] == audit.SYSTEM_ACTOR and first["password_source"] == ADMIN_PASSWORD_ENV
    created = json.loads(creates[1]["after"])
    assert created == {"username": PEOPLE[0][0], "role": PEOPLE[0][1], "area_code": PEOPLE[0][2],
                       "display_name": f"Người {PEOPLE[0][0]}", "active": True}
    text = "\n".join(str(r) for r in rows)
    for secret in (PW, ADMIN_PW, "mat-khau-thu-hai", "sai-mat-khau-X", "$argon2"):
        assert secret not in text
    for h, in tree.rows("SELECT password_hash FROM accounts"):
        assert h not in text


def test_audit_refuses_secret_keys(tree):
    with tree.transaction() as cur:
        with pytest.raises(ValueError):
            audit.record(cur, "x", "test", "y", after={"password": "abc"})
        with pytest.raises(ValueError):
            audit.record(cur, "x", "test", "y", before={"nested": [{"password_hash": "$argon2..."}]})
    assert [r for r in audit_rows(tree) if r["action"] == "test"] == []


def test_audit_rolled_back_with_the_change(tree):
    with pytest.raises(RuntimeError):
        with tree.transaction() as cur:
            cur.execute("UPDATE units SET name = 'Đổi tên' WHERE code = 'A'")
            audit.record(cur, "ai.do", "unit_rename", "A", before={"name": "Huyện Thử A"}, after={"name": "Đổi tên"})
            raise RuntimeError("hỏng giữa chừng")
    assert [r for r in audit_rows(tree) if r["action"] == "test"] == []
    assert tree.rows("SELECT name FROM units WHERE code = 'A'") == [("Huyện Thử A",)]
    with tree.transaction() as cur:
        audit.record(cur, "ai.do", "unit_rename", "A", before={"name": "x"}, after={"name": "y"})
    assert len(audit_rows(tree)) == 1


def test_audit_log_filters(people, tree, admin):
    access.authenticate(tree, "canbo.a", PW, now=T0)
    access.authenticate(tree, "canbo.b", "sai-mat-khau", now=T0 + timedelta(hours=1))
    access.authenticate(tree, "canbo.a", PW, now=T0 + timedelta(hours=2))
    log = audit.audit_log(tree, admin, since=T0, until=T0 + timedelta(hours=2))
    assert log.columns == ["id", "at", "actor", "action", "object", "before_json", "after_json"]
    assert log["actor"].to_list() == ["canbo.b", "canbo.a"]  # newest first, until excluded
    assert audit.audit_log(tree, admin, action=audit.LOGIN, who="CANBO.A").height == 2
    assert audit.audit_log(tree, admin, action=audit.LOGIN_FAILED, since=T0).height == 1
    setup = audit.audit_log(tree, admin).filter(pl.col("action").is_in(["framework_register", "units_replace"])).height
    assert audit.audit_log(tree, admin).height == len(audit_rows(tree)) + setup


def test_audit_module_only_inserts():
    import dcmetrics.audit as mod
    from dcmetrics import sqlfiles
    src = inspect.getsource(mod) + sqlfiles.load("audit_insert") + sqlfiles.load("audit_log")
    upper = src.upper()
    assert "UPDATE AUDIT" not in upper and "DELETE FROM AUDIT" not in upper and "TRUNCATE" not in upper


# --- typed text round-trips --------------------------------------------------------------------------

def test_typed_text_round_trips_unchanged(tree, admin):
    name = "o'brien\"<b>=1+1"
    display = "Ông \"Tư\" <script>alert('x')</script> =1+1; DROP TABLE accounts; --"
    acct = access.create_account(tree, admin, name, PW, OFFICER, "A", display)
    assert (acct.username, acct.display_name) == (name, display)
    got = access.get_account(tree, name)
    assert (got.username, got.display_name) == (name, display)
    row = access.list_accounts(tree, admin).filter(pl.col("username") == name).row(0, named=True)
    assert row["display_name"] == display
    assert access.authenticate(tree, name, PW).account == got
    assert access.authenticate(tree, "=1+1", "=1+1=1+1=1+1").message == access.MSG_WRONG
    assert access.authenticate(tree, name.upper(), "sai-mat-khau").message == access.MSG_WRONG
    rows = audit_rows(tree)
    assert any(r["object"] == name and json.loads(r["after"] or "{}").get("display_name") == display for r in rows)
    # a known name is kept as typed; an unknown one («=1+1») not at all (see unknown_name_tag)
    assert any(r["actor"] == name.upper() and r["object"] == name for r in rows)
    assert not any("=1+1" == r["actor"] or "=1+1" == r["object"] for r in rows)
    with pytest.raises(AccessDenied) as e:
        access.require(tree, got, UPLOAD, "B")
    assert f"«{name}»" in str(e.value)
    assert tree.rows("SELECT count(*) FROM accounts") == [(2,)]


# --- an unknown name answers like a known one ------------------------------------------------------

def _answer(r: access.LoginResult) -> tuple:
    return (r.ok, r.message, r.delay, r.locked_until)


def test_unknown_names_locked_like_known_ones(people, tree):
    """1..6 wrong passwords for a known name and for an unknown one, at the same instants: the
    same message, delay and lock at every step; then the right password during the lock is
    refused the same way, and once the lock has run out counting starts again for both."""
    at = [T0 + timedelta(seconds=i) for i in range(access.MAX_FAILURES + 1)]
    until = at[access.MAX_FAILURES - 1] + timedelta(minutes=access.LOCK_MINUTES)
    locked = f"Tài khoản tạm khóa do đăng nhập sai nhiều lần, thử lại sau {until:%H:%M}."
    expected = [(False, access.MSG_WRONG, 1.0, None), (False, access.MSG_WRONG, 2.0, None),
                (False, access.MSG_WRONG, 4.0, None), (False, access.MSG_WRONG, 8.0, None),
                (False, locked, 8.0, until), (False, locked, 8.0, until)]  # written out: 5 → lock, 6 during it
    for step, when in enumerate(at):
        known = access.authenticate(tree, "canbo.a", f"sai-{step}", now=when)
        unknown = access.authenticate(tree, "  Không.Có.Ai  ", f"sai-{step}", now=when)
        assert _answer(known) == _answer(unknown) == expected[step], step + 1
    during = until - timedelta(seconds=1)
    assert _answer(access.authenticate(tree, "canbo.a", PW, now=during)) == expected[-1]
    assert _answer(access.authenticate(tree, "không.có.ai", PW, now=during)) == expected[-1]  # any case
    # the lock runs out: the right password works, a wrong one counts from 1 again, for both
    assert access.authenticate(tree, "canbo.a", PW, now=until).ok
    again = [access.authenticate(tree, n, "sai", now=until) for n in ("canbo.b", "không.có.ai")]
    assert [_answer(r) for r in again] == [(False, access.MSG_WRONG, 1.0, None)] * 2


def test_unknown_name_counter_survives_a_restart_and_forgets(people, tree, monkeypatch):
    """The counter is in the database (a new process, with a new audit-tag key, still sees it),
    keyed by neither the name nor a plain hash of it, and rows whose failures no longer count are
    deleted by the next failed login, so names sprayed at the form do not pile up."""
    import hashlib

    for i in range(access.MAX_FAILURES - 1):
        access.authenticate(tree, "ke.la", "sai", now=T0 + timedelta(seconds=i))
    monkeypatch.setattr(access, "_NAME_TAG_KEY", b"another process" * 2)  # what a restart changes
    fifth = access.authenticate(tree, "ke.la", "sai", now=T0 + timedelta(seconds=10))
    assert fifth.locked_until == T0 + timedelta(seconds=10, minutes=access.LOCK_MINUTES)
    [(key, count)] = tree.rows("SELECT name_key, failed_count FROM login_failures")
    assert count == access.MAX_FAILURES
    assert "ke.la" not in key and key not in hashlib.sha256(b"ke.la").hexdigest() and len(key) == 32
    for i in range(20):  # a spray of random names
        access.authenticate(tree, f"ngau.nhien.{i}", "sai", now=T0 + timedelta(minutes=1))
    assert tree.rows("SELECT count(*) FROM login_failures") == [(21,)]
    later = T0 + timedelta(minutes=1 + access.LOCK_MINUTES)
    access.authenticate(tree, "nguoi.khac", "sai", now=later)
    assert tree.rows("SELECT failed_count FROM login_failures") == [(1,)]  # only the newest is left


def test_known_account_failures_forgotten_like_unknown_ones(people, tree):
    """Four failures, then none for LOCK_MINUTES: the next one counts as the first, for an
    account as for a name without one (else waiting would tell them apart)."""
    for name in ("canbo.a", "khong.co"):
        for i in range(access.MAX_FAILURES - 1):
            access.authenticate(tree, name, "sai", now=T0)
    later = T0 + timedelta(minutes=access.LOCK_MINUTES)
    answers = [_answer(access.authenticate(tree, n, "sai", now=later)) for n in ("canbo.a", "khong.co")]
    assert answers == [(False, access.MSG_WRONG, 1.0, None)] * 2


def test_locked_account_spends_the_time_of_a_check(people, tree, monkeypatch):
    """While locked, a known name still runs one argon2 verification, as an unknown name runs
    one argon2 key derivation: neither answers faster."""
    for _ in range(access.MAX_FAILURES):
        access.authenticate(tree, "canbo.a", "sai", now=T0)
    calls = []
    real = access._check_hash
    monkeypatch.setattr(access, "_check_hash", lambda h, p: (calls.append(h is not None), real(h, p))[1])
    assert access.authenticate(tree, "canbo.a", PW, now=T0).locked_until is not None
    assert calls == [True]  # against the account's own hash
