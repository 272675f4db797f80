"""Who may do what, where: the core functions that take an actor, called by each demo account
on each target area of the sample province.

tests/test_access.py checks `access.require` itself on a small tree; this file checks that the
functions an office really calls (upload, history, approve, return, restore, appraisals, ranking,
shortlist, units, accounts, audit) pass their target to it, refuse with a message that names the
account and the place, and change nothing when they refuse.

Every case gets a sample province of its own: the sample is loaded once per module into a
database file (register_frameworks + load_sample, exactly what the `fresh_sample_store` fixture
does) and each case opens a copy of that file (~0.05 s instead of ~4 s per load). So approve,
return and restore in one case never leak into another, in any order.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from conftest import open_for_uploads, table_digest

from dcmetrics import access, audit, bootstrap, config, units
from dcmetrics.appraisal import appraisals_for_unit, set_appraisals
from dcmetrics.dashboard import Filters, overview, ranking, unit_detail
from dcmetrics.errors import AccessDenied
from dcmetrics.ingest import commit as ingest
from dcmetrics.shortlist import shortlist
from dcmetrics.store import Store
from dcmetrics.trends import trends

YEAR = 2024  # the last year with districts (the 2025 reform abolished them)
SAMPLE = config.SAMPLE_DIR
ALL = frozenset({"991", "992", "99"})
AREAS = ("991", "992", "99")
PW = "mat-khau-moi-2025"
REASON = "Đối chiếu hồ sơ thực tế"

# Written out on purpose (not derived from access.PERMISSIONS or DEMO_ACCOUNTS).
ROLE_OF = {"lanhdao.tinh": "Lãnh đạo", "thiduakhenthuong": "Hội đồng Thi đua – Khen thưởng",
           "canbo.991": "Cán bộ nhập liệu", "canbo.992": "Cán bộ nhập liệu",
           "thamdinh.tinh": "Người thẩm định", "quantri.demo": "Quản trị"}
HOME = {"lanhdao.tinh": "99", "thiduakhenthuong": "99", "canbo.991": "991", "canbo.992": "992",
        "thamdinh.tinh": "99", "quantri.demo": "99"}
USERS = tuple(ROLE_OF)
AREA_NAME = {"99": "Tỉnh Mẫu An Hòa (dữ liệu mẫu)", "991": "Thành phố Mẫu An Hòa", "992": "Huyện Mẫu Bình Khê"}
# one unit of each area to appraise (a unit directly under it, in the sample's units.csv)
UNIT_OF = {"991": "99001", "992": "99026", "99": "CQ99001"}
UNIT_NAME = {"99001": "Phường Tây Thịnh", "99026": "Thị trấn Bắc Hưng", "CQ99001": "Sở Nội vụ"}

# action -> {username: areas where it is allowed}; absent = refused everywhere
ALLOWED: dict[str, dict[str, frozenset[str]]] = {
    "upload": {"canbo.991": frozenset({"991"}), "canbo.992": frozenset({"992"}), "quantri.demo": ALL},
    "read_drafts": {"canbo.991": frozenset({"991"}), "canbo.992": frozenset({"992"}), "thamdinh.tinh": ALL,
                    "quantri.demo": ALL},
    "approve": {"thamdinh.tinh": ALL, "quantri.demo": ALL},
    "return": {"thamdinh.tinh": ALL, "quantri.demo": ALL},
    "restore": {"thamdinh.tinh": ALL, "quantri.demo": ALL},
    "appraise": {"thamdinh.tinh": ALL, "quantri.demo": ALL},
    "read_scores": {"lanhdao.tinh": ALL, "thiduakhenthuong": ALL, "canbo.991": frozenset({"991"}),
                    "canbo.992": frozenset({"992"}), "thamdinh.tinh": ALL, "quantri.demo": ALL},
    "shortlist": {"thiduakhenthuong": ALL, "quantri.demo": ALL},
    "create_account": {"quantri.demo": ALL},
}
# actions without a target area: allowed for these users only
AREALESS = {"replace_units": {"quantri.demo"}, "audit_log": {"quantri.demo"}}
# what the refusal says the account may not do, and the word before the target
VERB = {
    "upload": "gửi số liệu cho",
    "read_drafts": "xem số liệu đã gửi (lịch sử, nội dung tệp, cảnh báo) của",
    "approve": "duyệt, trả lại hoặc mở lại số liệu của",
    "return": "duyệt, trả lại hoặc mở lại số liệu của",
    "restore": "duyệt, trả lại hoặc mở lại số liệu của",
    "appraise": "thẩm định số liệu của",
    "read_scores": "xem kết quả đánh giá của",
    "shortlist": "dùng trang đề xuất khen thưởng cho",
    "create_account": "quản lý tài khoản",       # refused on the role, before the area is looked at
    "replace_units": "quản lý danh mục đơn vị",
    "audit_log": "xem nhật ký hệ thống",
}
# which role may do the action at all (a refusal on the role ends with «Vai trò … không có quyền này.»)
ROLE_MAY = {
    "upload": {"canbo.991", "canbo.992", "quantri.demo"},
    "read_drafts": {"canbo.991", "canbo.992", "thamdinh.tinh", "quantri.demo"},
    "approve": {"thamdinh.tinh", "quantri.demo"}, "return": {"thamdinh.tinh", "quantri.demo"},
    "restore": {"thamdinh.tinh", "quantri.demo"}, "appraise": {"thamdinh.tinh", "quantri.demo"},
    "read_scores": set(USERS), "shortlist": {"thiduakhenthuong", "quantri.demo"},
    "create_account": {"quantri.demo"}, "replace_units": {"quantri.demo"}, "audit_log": {"quantri.demo"},
}


@pytest.fixture(autouse=True)
def fast_hash(monkeypatch):
    """Cheap argon2 for the accounts created here (as tests/test_access.py does)."""
    monkeypatch.setattr(access, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory) -> tuple[Path, dict]:
    """The sample province in a database file, loaded once for the module, then closed; and the
    digest of its tables (what every fresh copy holds before a case runs)."""
    path = tmp_path_factory.mktemp("matrix") / "sample.duckdb"
    s = Store(path)
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)  # every 2024 file approved: the reading cases see every score
    digest = table_digest(s)
    s.close()
    return path, digest


@pytest.fixture
def db(sample_file, tmp_path) -> Store:
    """A fresh sample province of this test's own (a copy of the module's file)."""
    path = tmp_path / "case.duckdb"
    shutil.copyfile(sample_file[0], path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def shared_db(sample_file, tmp_path_factory) -> Store:
    """One copy for the cases that only read (or dry-run): they must leave it as it is, which
    each of them checks with table_digest; sharing it lets the scores be computed once."""
    path = tmp_path_factory.mktemp("matrix-shared") / "shared.duckdb"
    shutil.copyfile(sample_file[0], path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture(scope="module")
def open_db(sample_file, tmp_path_factory) -> Store:
    """A shared copy with the three areas' 2024 files reopened, for the dry-run uploads (an approved
    file is locked against any new one)."""
    path = tmp_path_factory.mktemp("matrix-open") / "open.duckdb"
    shutil.copyfile(sample_file[0], path)
    s = Store(path)
    open_for_uploads(s, AREAS_OPENED)
    yield s
    s.close()


AREAS_OPENED = ("99", "991", "992")


@pytest.fixture(scope="module")
def profile():
    from dcmetrics import framework

    return framework.load_profiles()["chung"]


def who(user: str) -> str:
    return f"Tài khoản «{user}» ({ROLE_OF[user]}, {AREA_NAME[HOME[user]]})"


def acct(store: Store, user: str) -> access.Account:
    a = access.get_account(store, user)
    assert a is not None, f"demo account {user} missing from the sample"
    return a


def audit_rows(store: Store, action: str) -> list[tuple]:
    return store.rows("SELECT actor, object, after_json::VARCHAR FROM audit WHERE action = $a ORDER BY id",
                      {"a": action})


def subtree(store: Store, area: str) -> set[str]:
    return set(units.subtree(store, area)["code"])


# ---------------------------------------------------------------- the actions, with their checks

def _sample_file(area: str) -> bytes:
    return (SAMPLE / str(YEAR) / f"{area}.csv").read_bytes()


def _current_id(store: Store, area: str) -> int:
    return store.rows("SELECT id FROM submissions WHERE area_code = $a AND year = $y AND state = 'current'",
                      {"a": area, "y": YEAR})[0][0]


def prepare_restore(store: Store, area: str) -> int:
    """A replaced file to restore: the same figures sent again with Windows line ends (another
    SHA-256) by the system; returns the id of the file it replaced."""
    open_for_uploads(store, (area,))
    old = _current_id(store, area)
    res = ingest.import_file(store, _sample_file(area).replace(b"\n", b"\r\n"), f"{area}-crlf.csv", YEAR,
                             access.SYSTEM, area_code=area)
    assert res.stored and res.submission_id != old
    return old


def run_action(action: str, store: Store, actor, area: str | None, profile, prepared):
    if action == "upload":
        return ingest.import_file(store, _sample_file(area), f"{YEAR}/{area}.csv", YEAR, actor, area_code=area,
                                  dry_run=True)
    if action == "read_drafts":
        return ingest.history(store, actor, area)
    if action == "approve":
        return ingest.approve(store, actor, area, YEAR)
    if action == "return":
        return ingest.return_submission(store, actor, area, YEAR, "Thiếu biên bản hội nghị")
    if action == "restore":
        return ingest.restore(store, actor, prepared)
    if action == "appraise":
        return set_appraisals(store, actor, [{"unit_code": UNIT_OF[area], "year": YEAR, "indicator": "TRAIN_STAFF",
                                              "value": 77.0, "num": None, "den": None, "reason": REASON}])
    if action == "read_scores":
        return ranking(store, profile, Filters(YEAR, area=area), actor)
    if action == "shortlist":
        return shortlist(store, actor, profile, YEAR, area=area)
    if action == "create_account":
        return access.create_account(store, actor, f"moi.{area}", PW, access.OFFICER, area, f"Cán bộ mới {area}")
    if action == "replace_units":
        return units.replace_units(store, units.all_units(store).select(units.UNIT_COLUMNS), actor)
    if action == "audit_log":
        return audit.audit_log(store, actor)
    raise AssertionError(action)


def check_allowed(action: str, store: Store, user: str, area: str | None, result, prepared) -> None:
    """What an allowed call must have done."""
    if action == "upload":
        assert not result.stored and result.submission_id is None
        assert result.area_code == area and result.checked.n_units > 0
        assert set(result.observations["unit_code"]) <= subtree(store, area)
    elif action == "read_drafts":
        assert result.height >= 2  # 2023, 2024 (a district has no file after the 2025 reform)
        assert set(result["area_code"]) == {area}
        assert "content" not in result.columns
    elif action == "approve":
        assert result == _current_id(store, area)
        assert store.rows("SELECT locked_by FROM area_locks WHERE area_code = $a AND year = $y",
                          {"a": area, "y": YEAR}) == [(user,)]
        assert store.rows("SELECT review_state, reviewed_by FROM submissions WHERE id = $i",
                          {"i": result}) == [("approved", user)]
        assert [(a, o) for a, o, _ in audit_rows(store, audit.APPROVE) if a != audit.SYSTEM_ACTOR] == [
            (user, f"area:{area}:{YEAR}")]
    elif action == "return":
        assert store.rows("SELECT review_state, review_reason, reviewed_by FROM submissions WHERE id = $i",
                          {"i": result}) == [("returned", "Thiếu biên bản hội nghị", user)]
        assert [(a, o) for a, o, _ in audit_rows(store, audit.RETURN)] == [(user, f"area:{area}:{YEAR}")]
    elif action == "restore":
        assert _current_id(store, area) == prepared
        assert [(a, o) for a, o, _ in audit_rows(store, audit.RESTORE)] == [(user, f"submission:{prepared}")]
    elif action == "appraise":
        assert result == 1
        assert store.rows("SELECT value, appraised_by, reason FROM appraisals WHERE unit_code = $u AND year = $y "
                          "AND indicator = 'TRAIN_STAFF' AND appraised_by = $b",
                          {"u": UNIT_OF[area], "y": YEAR, "b": user}) == [(77.0, user, REASON)]
        assert [(a, o) for a, o, _ in audit_rows(store, audit.APPRAISE)] == [
            (user, f"unit:{UNIT_OF[area]}:{YEAR}:TRAIN_STAFF")]
    elif action == "read_scores":
        assert result.height > 0
        assert set(result["unit_code"]) <= subtree(store, area)
    elif action == "shortlist":
        assert result.area_code == area and result.area_name == AREA_NAME[area]
        assert result.units.height > 0 and set(result.units["unit_code"]) <= subtree(store, area)
    elif action == "create_account":
        assert result == access.get_account(store, f"moi.{area}")
        assert (result.role, result.area_code) == (access.OFFICER, area)
        assert [a for a, _, _ in audit_rows(store, audit.ACCOUNT_CREATE) if a == user] == [user]
    elif action == "replace_units":
        assert result == units.all_units(store).height
        assert [a for a, _, _ in audit_rows(store, audit.UNITS_REPLACE)][-1] == user
    elif action == "audit_log":
        assert result.height > 0 and {"actor", "action", "after_json"} <= set(result.columns)
    else:
        raise AssertionError(action)


def expected_refusal(action: str, user: str, area: str | None) -> str:
    """The whole message of a refusal (built from the strings written out above)."""
    role_ok = user in ROLE_MAY[action]
    if action in ("create_account", "replace_units", "audit_log"):
        target = ""
    elif action == "appraise":
        target = f" {UNIT_NAME[UNIT_OF[area]]}"  # the unit is the target, not its area
    else:
        target = f" {AREA_NAME[area]}"
    tail = "" if role_ok else f" Vai trò «{ROLE_OF[user]}» không có quyền này."
    return f"{who(user)} không được {VERB[action]}{target}.{tail}"


# Actions on a submission given by its id: refused on the role before the submission is looked
# up, so the message names no area (nothing tells where, or whether, the id exists).
BY_ID = {"restore"}


def expected_refusals(action: str, user: str, area: str | None) -> set[str]:
    """The message of a refusal (a set, to compare with `in`)."""
    if action in BY_ID and user not in ROLE_MAY[action]:
        verb = VERB[action].rsplit(" ", 1)[0]  # without «của»
        return {f"{who(user)} không được {verb}. Vai trò «{ROLE_OF[user]}» không có quyền này."}
    return {expected_refusal(action, user, area)}


# ---------------------------------------------------------------- the matrix

CASES = [(action, user, area) for action in ALLOWED for user in USERS for area in AREAS]
CASES += [(action, user, None) for action in AREALESS for user in USERS]


def _allowed(action: str, user: str, area: str | None) -> bool:
    if area is None:
        return user in AREALESS[action]
    return area in ALLOWED[action].get(user, frozenset())


READ_ONLY = {"upload", "read_drafts", "read_scores", "shortlist", "audit_log"}  # upload: a dry run


@pytest.mark.parametrize("action,user,area", CASES,
                         ids=[f"{a}-{u}-{t or 'none'}" for a, u, t in CASES])
def test_matrix(request, sample_file, profile, action, user, area):
    if action in READ_ONLY:
        db = request.getfixturevalue("open_db" if action == "upload" else "shared_db")
        before = table_digest(db)
    else:
        db = request.getfixturevalue("db")
        before = sample_file[1]  # a fresh copy of the sample
    actor = acct(db, user)
    prepared = None
    if action in ("approve", "return"):  # the sample approved every 2024 file: reopened, awaiting review
        open_for_uploads(db, (area,))
        before = table_digest(db)
    if action == "restore":
        prepared = prepare_restore(db, area)
        before = table_digest(db)
    if _allowed(action, user, area):
        result = run_action(action, db, actor, area, profile, prepared)
        check_allowed(action, db, user, area, result, prepared)
        if action in READ_ONLY:
            assert table_digest(db) == before, "a read (or a dry run) changed the database"
    else:
        with pytest.raises(AccessDenied) as e:
            run_action(action, db, actor, area, profile, prepared)
        msg = str(e.value)
        assert f"«{user}»" in msg
        assert msg in expected_refusals(action, user, area)
        assert table_digest(db) == before, "a refused call changed the database"


def test_matrix_is_complete():
    """Every account × area × action of the brief is a case: 9 area actions × 6 × 3 + 2 × 6."""
    assert len(CASES) == 9 * 6 * 3 + 2 * 6
    assert {a for a, _, _ in CASES} == set(VERB)


# ---------------------------------------------------------------- representative messages, word for word

@pytest.mark.parametrize("action,user,area,message", [
    ("upload", "canbo.991", "992",
     "Tài khoản «canbo.991» (Cán bộ nhập liệu, Thành phố Mẫu An Hòa) không được gửi số liệu cho Huyện Mẫu Bình Khê."),
    ("upload", "canbo.992", "99",
     "Tài khoản «canbo.992» (Cán bộ nhập liệu, Huyện Mẫu Bình Khê) không được gửi số liệu cho "
     "Tỉnh Mẫu An Hòa (dữ liệu mẫu)."),
    ("read_drafts", "canbo.992", "991",
     "Tài khoản «canbo.992» (Cán bộ nhập liệu, Huyện Mẫu Bình Khê) không được xem số liệu đã gửi "
     "(lịch sử, nội dung tệp, cảnh báo) của Thành phố Mẫu An Hòa."),
    ("approve", "lanhdao.tinh", "991",
     "Tài khoản «lanhdao.tinh» (Lãnh đạo, Tỉnh Mẫu An Hòa (dữ liệu mẫu)) không được duyệt, trả lại hoặc mở lại "
     "số liệu của Thành phố Mẫu An Hòa. Vai trò «Lãnh đạo» không có quyền này."),
    ("read_scores", "canbo.991", "992",
     "Tài khoản «canbo.991» (Cán bộ nhập liệu, Thành phố Mẫu An Hòa) không được xem kết quả đánh giá của "
     "Huyện Mẫu Bình Khê."),
    ("appraise", "canbo.991", "991",
     "Tài khoản «canbo.991» (Cán bộ nhập liệu, Thành phố Mẫu An Hòa) không được thẩm định số liệu của "
     "Phường Tây Thịnh. Vai trò «Cán bộ nhập liệu» không có quyền này."),
    ("shortlist", "thamdinh.tinh", "992",
     "Tài khoản «thamdinh.tinh» (Người thẩm định, Tỉnh Mẫu An Hòa (dữ liệu mẫu)) không được dùng trang đề xuất "
     "khen thưởng cho Huyện Mẫu Bình Khê. Vai trò «Người thẩm định» không có quyền này."),
    ("audit_log", "thiduakhenthuong", None,
     "Tài khoản «thiduakhenthuong» (Hội đồng Thi đua – Khen thưởng, Tỉnh Mẫu An Hòa (dữ liệu mẫu)) không được "
     "xem nhật ký hệ thống. Vai trò «Hội đồng Thi đua – Khen thưởng» không có quyền này."),
    ("replace_units", "thamdinh.tinh", None,
     "Tài khoản «thamdinh.tinh» (Người thẩm định, Tỉnh Mẫu An Hòa (dữ liệu mẫu)) không được quản lý danh mục "
     "đơn vị. Vai trò «Người thẩm định» không có quyền này."),
])
def test_exact_messages(db, profile, action, user, area, message):
    with pytest.raises(AccessDenied) as e:
        run_action(action, db, acct(db, user), area, profile, None)
    assert str(e.value) == message


# ---------------------------------------------------------------- the other functions that take an actor

def test_officer_reaches_nothing_of_another_district(db, profile):
    """canbo.991 against district 992 through every other reader and writer of the core."""
    me, admin = acct(db, "canbo.991"), acct(db, "quantri.demo")
    other_sub = _current_id(db, "992")
    unit_992 = UNIT_OF["992"]
    open_for_uploads(db, ("992",))  # the sample approved it; a commit needs it open
    checked_992 = ingest.check_file(db, _sample_file("992"), "992.csv", YEAR, admin, "992")
    before = table_digest(db)
    refusals = {
        "submission_file": lambda: ingest.submission_file(db, me, other_sub),
        "preview": lambda: ingest.preview(db, checked_992, profile, me),
        "commit": lambda: ingest.commit(db, checked_992, me),
        "reopen": lambda: ingest.reopen(db, me, "992", YEAR),
        "unit_detail": lambda: unit_detail(db, profile, unit_992, Filters(YEAR), me),
        "appraisals_for_unit": lambda: appraisals_for_unit(db, me, unit_992, YEAR),
        "overview": lambda: overview(db, profile, Filters(YEAR, area="992"), me),
        "trends": lambda: trends(db, me, profile, Filters(YEAR, area="992")),
        "check_file without area": lambda: ingest.check_file(db, _sample_file("992"), "992.csv", YEAR, me),
    }
    for name, call in refusals.items():
        with pytest.raises(AccessDenied) as e:
            call()
        assert str(e.value).startswith(who("canbo.991") + " không được"), (name, str(e.value))
        if name == "submission_file":
            # by id: the same words whether the id is elsewhere or nowhere, no area named
            assert str(e.value).endswith(f"lần gửi mã {other_sub}: không có lần gửi mã này trong địa bàn "
                                         "được giao."), str(e.value)
            assert AREA_NAME["992"] not in str(e.value)
            continue
        assert UNIT_NAME[unit_992] in str(e.value) or AREA_NAME["992"] in str(e.value), (name, str(e.value))
    assert table_digest(db) == before

    # without an area, the readers show the officer's own district only
    mine = subtree(db, "991")
    assert set(ingest.history(db, me)["area_code"]) == {"991"}
    assert set(ingest.area_status(db, me, YEAR)["area_code"]) <= mine
    assert set(ranking(db, profile, Filters(YEAR), me)["unit_code"]) <= mine
    assert set(trends(db, me, profile, Filters(YEAR)).units["unit_code"]) <= mine
    assert overview(db, profile, Filters(YEAR), me).n_units == ranking(db, profile, Filters(YEAR), me).height
    # and its own district works through the same functions
    name, content = ingest.submission_file(db, me, _current_id(db, "991"))
    assert content == _sample_file("991") and name.endswith("991.csv")
    assert unit_detail(db, profile, UNIT_OF["991"], Filters(YEAR), me).unit["unit_code"] == UNIT_OF["991"]
    assert table_digest(db) == before


def test_committee_shortlist_without_area_is_its_province(db, profile):
    sl = shortlist(db, acct(db, "thiduakhenthuong"), profile, YEAR)
    assert sl.area_code == "99" and sl.area_name == AREA_NAME["99"]
    everyone = ranking(db, profile, Filters(YEAR), acct(db, "lanhdao.tinh"))
    assert set(sl.units["unit_code"]) == set(everyone["unit_code"])


# ---------------------------------------------------------------- accounts changed while a session holds them

def test_deactivated_account_is_refused_at_once(db, profile):
    admin = acct(db, "quantri.demo")
    session = acct(db, "canbo.991")  # what a logged-in page holds
    open_for_uploads(db, ("991",))
    ingest.import_file(db, _sample_file("991"), "991.csv", YEAR, session, area_code="991", dry_run=True)

    access.set_active(db, admin, "canbo.991", False)
    before = table_digest(db)
    calls = {
        "upload": lambda: ingest.import_file(db, _sample_file("991"), "991.csv", YEAR, session, area_code="991",
                                             dry_run=True),
        "commit": lambda: ingest.import_file(db, _sample_file("991").replace(b"\n", b"\r\n"), "991.csv", YEAR,
                                             session, area_code="991"),
        "history": lambda: ingest.history(db, session, "991"),
        "ranking": lambda: ranking(db, profile, Filters(YEAR, area="991"), session),
        "by username": lambda: ingest.history(db, "canbo.991", "991"),
    }
    for name, call in calls.items():
        with pytest.raises(AccessDenied) as e:
            call()
        assert str(e.value) == "Tài khoản «canbo.991» đã bị vô hiệu hóa.", name
    assert access.allowed_areas(db, session) == set()
    assert table_digest(db) == before
    assert not access.authenticate(db, "canbo.991", "demo-officer").ok

    access.set_active(db, admin, "canbo.991", True)
    assert ingest.history(db, session, "991").height >= 2  # 2023 and 2024; back at once, same session object


def test_area_change_takes_effect_at_once(db):
    admin, session = acct(db, "quantri.demo"), acct(db, "canbo.991")
    open_for_uploads(db, ("991", "992"))
    access.update_account(db, admin, "canbo.991", area_code="992")
    assert session.area_code == "991"  # the object the page holds is stale...
    res = ingest.import_file(db, _sample_file("992"), "992.csv", YEAR, session, area_code="992", dry_run=True)
    assert res.area_code == "992"
    with pytest.raises(AccessDenied) as e:  # ...the database decides
        ingest.import_file(db, _sample_file("991"), "991.csv", YEAR, session, area_code="991", dry_run=True)
    assert str(e.value) == ("Tài khoản «canbo.991» (Cán bộ nhập liệu, Huyện Mẫu Bình Khê) không được gửi số liệu "
                            "cho Thành phố Mẫu An Hòa.")


@pytest.mark.parametrize("spelled", ["canbo.991", "CANBO.991", "  CanBo.991 "])
def test_forged_admin_account_acts_as_its_real_role(db, profile, spelled):
    """An Account built by hand with the admin role, the whole system and any spelling of an
    officer's username is that officer, nothing more."""
    forged = access.Account(spelled, access.ADMIN, access.ALL_AREAS, "Giả mạo", True)
    officer = who("canbo.991")
    before = table_digest(db)
    refused = {
        "replace_units": (lambda: units.replace_units(db, units.all_units(db).select(units.UNIT_COLUMNS), forged),
                          f"{officer} không được quản lý danh mục đơn vị. Vai trò «Cán bộ nhập liệu» không có quyền này."),
        "create_account": (lambda: access.create_account(db, forged, "ke.gia.mao", PW, access.ADMIN, "99"),
                           f"{officer} không được quản lý tài khoản. Vai trò «Cán bộ nhập liệu» không có quyền này."),
        "audit_log": (lambda: audit.audit_log(db, forged),
                      f"{officer} không được xem nhật ký hệ thống. Vai trò «Cán bộ nhập liệu» không có quyền này."),
        "approve": (lambda: ingest.approve(db, forged, "991", YEAR),
                    f"{officer} không được duyệt, trả lại hoặc mở lại số liệu của Thành phố Mẫu An Hòa. "
                    "Vai trò «Cán bộ nhập liệu» không có quyền này."),
        "upload 992": (lambda: ingest.import_file(db, _sample_file("992"), "992.csv", YEAR, forged, area_code="992",
                                                  dry_run=True),
                       f"{officer} không được gửi số liệu cho Huyện Mẫu Bình Khê."),
        "scores 99": (lambda: ranking(db, profile, Filters(YEAR, area="99"), forged),
                      f"{officer} không được xem kết quả đánh giá của Tỉnh Mẫu An Hòa (dữ liệu mẫu)."),
    }
    for name, (call, message) in refused.items():
        with pytest.raises(AccessDenied) as e:
            call()
        assert str(e.value) == message, name
    assert table_digest(db) == before
    # what the officer may do, the forged object may do too, as the officer (audited under the real name)
    open_for_uploads(db, ("991",))
    assert ingest.import_file(db, _sample_file("991"), "991.csv", YEAR, forged, area_code="991",
                              dry_run=True).area_code == "991"
    assert set(ranking(db, profile, Filters(YEAR), forged)["unit_code"]) <= subtree(db, "991")
    res = ingest.import_file(db, _sample_file("991").replace(b"\n", b"\r\n"), "991.csv", YEAR, forged,
                             area_code="991")
    assert res.stored
    assert db.rows("SELECT sent_by FROM submissions WHERE id = $i", {"i": res.submission_id}) == [("canbo.991",)]
    assert audit_rows(db, audit.UPLOAD)[-1][0] == "canbo.991"


def test_forged_leader_with_admin_role(db):
    forged = access.Account("lanhdao.tinh", access.ADMIN, access.ALL_AREAS, "Giả mạo", True)
    with pytest.raises(AccessDenied) as e:
        ingest.approve(db, forged, "992", YEAR)
    assert str(e.value) == ("Tài khoản «lanhdao.tinh» (Lãnh đạo, Tỉnh Mẫu An Hòa (dữ liệu mẫu)) không được duyệt, "
                            "trả lại hoặc mở lại số liệu của Huyện Mẫu Bình Khê. Vai trò «Lãnh đạo» không có quyền này.")
    assert not db.rows("SELECT 1 FROM area_locks WHERE locked_by <> $s", {"s": audit.SYSTEM_ACTOR})
