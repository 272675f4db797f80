"""Logging in, the menus of each role, and the pages added with accounts, through AppTest.

The app runs as in tests/test_pages.py (its two autouse fixtures are imported: the AppTest
pages/ work-around and the first administrator's credentials; the database is a file the app
creates and loads with the sample on the first run of this module). Here the demo accounts of
the sample log in through the login form itself (keys login_user, login_password).

The login form waits after a failed attempt (ui/login.py: time.sleep of the delay the core
returns, 1, 2, 4, 8 s...): the `time` the module uses is replaced by a recorder, so the tests
check the delays without waiting them.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import svg_charts
from test_pages import (APP, PAGE_DIR, _admin_credentials, _navigation_not_pages_dir,  # noqa: F401 (fixtures)
                        app_env, display_values, sample_db, vn_value)

from dcmetrics import access, audit, config, units  # noqa: E402
from dcmetrics.errors import AccessDenied  # noqa: E402
from dcmetrics.ingest import commit as ingest  # noqa: E402
from dcmetrics.shortlist import Rules, shortlist  # noqa: E402
from dcmetrics.fmt import fmt_points  # noqa: E402
from dcmetrics.trends import trends  # noqa: E402

MSG_WRONG = "Sai tên đăng nhập hoặc mật khẩu."
LOCKED = re.compile(r"^Tài khoản tạm khóa do đăng nhập sai nhiều lần, thử lại sau (\d\d):(\d\d)\.$")
DEMO = {"lanhdao.tinh": "demo-leader", "thiduakhenthuong": "demo-committee", "canbo.991": "demo-officer",
        "canbo.992": "demo-officer", "thamdinh.tinh": "demo-reviewer", "quantri.demo": "demo-admin"}

# The menus, written out (not read from app.py): section -> page titles, in order.
RESULTS = ["Tổng quan", "Xếp hạng", "Độ nhạy của xếp hạng", "Xu hướng", "Bản đồ", "Chi tiết đơn vị", "Bộ tiêu chí",
           "Báo cáo năm"]
MENUS = {
    "lanhdao.tinh": {"Kết quả": RESULTS, "Nghiệp vụ": ["Tiến độ nộp số liệu"], "Hệ thống": ["Tài khoản của tôi"]},
    "thiduakhenthuong": {"Kết quả": RESULTS, "Nghiệp vụ": ["Thi đua – Khen thưởng", "Tiến độ nộp số liệu"],
                         "Hệ thống": ["Tài khoản của tôi"]},
    "canbo.991": {"Kết quả": RESULTS, "Nghiệp vụ": ["Nhập số liệu", "Tiến độ nộp số liệu"],
                  "Hệ thống": ["Tài khoản của tôi"]},
    "canbo.992": {"Kết quả": RESULTS, "Nghiệp vụ": ["Nhập số liệu", "Tiến độ nộp số liệu"],
                  "Hệ thống": ["Tài khoản của tôi"]},
    "thamdinh.tinh": {"Kết quả": RESULTS, "Nghiệp vụ": ["Thẩm định, phê duyệt", "Kiểm tra chất lượng số liệu",
                                                     "Tiến độ nộp số liệu", "Kỳ đánh giá"],
                      "Hệ thống": ["Tài khoản của tôi"]},
    "quantri.demo": {"Kết quả": RESULTS,
                     "Nghiệp vụ": ["Thi đua – Khen thưởng", "Nhập số liệu", "Thẩm định, phê duyệt",
                                   "Kiểm tra chất lượng số liệu", "Tiến độ nộp số liệu", "Kỳ đánh giá"],
                     "Hệ thống": ["Tài khoản của tôi", "Quản lý tài khoản", "Khóa truy cập API", "Soạn bộ tiêu chí",
                                  "Đơn vị hành chính", "Nhật ký hoạt động"]},
}
ROLE_LABEL = {"lanhdao.tinh": "Lãnh đạo", "thiduakhenthuong": "Hội đồng Thi đua – Khen thưởng",
              "canbo.991": "Cán bộ nhập liệu", "canbo.992": "Cán bộ nhập liệu", "thamdinh.tinh": "Người thẩm định",
              "quantri.demo": "Quản trị"}
ALL_PAGES = sorted(RESULTS + ["Thi đua – Khen thưởng", "Nhập số liệu", "Thẩm định, phê duyệt",
                              "Kiểm tra chất lượng số liệu", "Tiến độ nộp số liệu",
                              "Kỳ đánh giá", "Tài khoản của tôi",
                              "Quản lý tài khoản", "Khóa truy cập API", "Soạn bộ tiêu chí", "Đơn vị hành chính",
                              "Nhật ký hoạt động"])


# ---------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def login_waits(monkeypatch):
    """The delays the login form would sleep, recorded instead of slept."""
    import ui.login

    waits: list[float] = []
    monkeypatch.setattr(ui.login, "time", SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture
def menus(monkeypatch):
    """Every st.navigation call of the app: ({section: [titles]}, position)."""
    calls = []
    original = st.navigation

    def recording(pages, *args, **kwargs):
        calls.append(({section: [p.title for p in items] for section, items in pages.items()},
                      kwargs.get("position")))
        return original(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    return calls


@pytest.fixture
def store(app_env):
    """The store the app uses (st.cache_resource: one per process), the module's sample db."""
    from ui.context import get_store

    return get_store()


# ---------------------------------------------------------------- helpers

def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def submit_login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(password)
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def login(username: str, password: str | None = None) -> AppTest:
    at = submit_login(open_app(), username, password or DEMO[username])
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["account"].username == username
    return at


def on_login_form(at: AppTest) -> bool:
    try:
        at.text_input(key="login_user")
    except KeyError:
        return False
    return at.title[0].value == "Đăng nhập"


def registered_titles(at: AppTest) -> list[str]:
    """The pages Streamlit registered in the last run (AppTest keeps st.navigation's registry)."""
    pages = getattr(at, "_registered_pages", None)
    if pages is None:
        pytest.skip("this AppTest keeps no page registry")
    return sorted(info["page_name"] for info in pages.values())


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"{PAGE_DIR}/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames_with(at: AppTest, *columns: str) -> list:
    """The st.dataframe elements (in page order) that have these column headers. (A read-only
    st.dataframe's key is not kept by AppTest: only selectable ones can be found by key.)"""
    found = [df for df in at.dataframe if set(columns) <= set(df.value.columns)]
    assert found, f"no dataframe with columns {columns}; have {[list(d.value.columns) for d in at.dataframe]}"
    return found


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric «{label}»; have {[m.label for m in at.metric]}"
    return found[0]


# ================================================================= the login form

def test_wrong_password_and_unknown_user(app_env, store, login_waits):
    at = open_app()
    assert on_login_form(at)
    submit_login(at, "lanhdao.tinh", "khong-phai-mat-khau")
    assert errors(at) == [MSG_WRONG]
    assert on_login_form(at) and at.session_state.get("account") is None
    assert not at.metric and not at.dataframe

    submit_login(at, "khong.co.ai", "demo-leader")
    assert errors(at) == [MSG_WRONG]  # the same words: nothing tells an unknown name from a wrong password
    assert on_login_form(at) and at.session_state.get("account") is None
    assert login_waits == [access.failure_delay(1), access.failure_delay(1)]

    # the right password then works and resets the count
    submit_login(at, "lanhdao.tinh", "demo-leader")
    assert not errors(at) and not on_login_form(at)
    assert store.rows("SELECT failed_count FROM accounts WHERE username = 'lanhdao.tinh'") == [(0,)]


def test_lock_after_max_failures(app_env, store, login_waits):
    name, password = f"khoa.{uuid.uuid4().hex[:6]}", "mat-khau-dung-2025"
    access.create_account(store, access.SYSTEM, name, password, access.LEADER, "99", "Thử khóa")
    at = open_app()
    for i in range(1, access.MAX_FAILURES):
        submit_login(at, name, f"sai-lan-{i}")
        assert errors(at) == [MSG_WRONG], i
    submit_login(at, name, "sai-lan-cuoi")
    locked_until = store.rows("SELECT locked_until FROM accounts WHERE username = $u", {"u": name})[0][0]
    assert locked_until is not None
    assert locked_until - datetime.now() <= timedelta(minutes=access.LOCK_MINUTES)
    message = f"Tài khoản tạm khóa do đăng nhập sai nhiều lần, thử lại sau {locked_until:%H:%M}."
    assert errors(at) == [message] and LOCKED.match(message)

    # even the right password is refused with the lock message while the lock lasts
    submit_login(at, name, password)
    assert errors(at) == [message]
    assert on_login_form(at) and at.session_state.get("account") is None
    assert login_waits == [access.failure_delay(n) for n in range(1, access.MAX_FAILURES + 1)] + [
        access.failure_delay(access.MAX_FAILURES)]
    assert max(login_waits) <= access.DELAY_MAX_SECONDS
    # a fresh session (another browser) is refused too
    at2 = submit_login(open_app(), name, password)
    assert errors(at2) == [message] and at2.session_state.get("account") is None


def test_unknown_name_locked_like_a_known_one_on_the_form(app_env, store, login_waits):
    """The form answers a name without an account exactly as it answers one with an account:
    the same message and the same wait at each of 1..6 failures, the lock message included."""
    known = f"co.that.{uuid.uuid4().hex[:6]}"
    access.create_account(store, access.SYSTEM, known, "mat-khau-dung-2025", access.LEADER, "99", "Có thật")
    unknown = f"khong.that.{uuid.uuid4().hex[:6]}"
    answers = {}
    for name in (known, unknown):
        at, login_waits[:] = open_app(), []
        answers[name] = [(tuple(errors(submit_login(at, name, f"sai-{i}"))), login_waits[-1])
                         for i in range(access.MAX_FAILURES + 1)]
    assert [m for m, _ in answers[known]][:access.MAX_FAILURES - 1] == [(MSG_WRONG,)] * (access.MAX_FAILURES - 1)
    assert all(LOCKED.match(m[0]) for m, _ in answers[known][access.MAX_FAILURES - 1:])
    assert [w for _, w in answers[known]] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    # the lock's minute may differ by the seconds between the two runs; everything else is equal
    assert [(LOCKED.sub("KHÓA", m[0]), w) for m, w in answers[known]] == \
        [(LOCKED.sub("KHÓA", m[0]), w) for m, w in answers[unknown]]


# ================================================================= menus

def test_logged_out_every_page_hidden(app_env, menus):
    at = open_app()
    assert on_login_form(at)
    sections, position = menus[-1]
    assert position == "hidden"
    assert sorted(t for titles in sections.values() for t in titles) == ALL_PAGES
    assert registered_titles(at) == ALL_PAGES
    assert at.session_state["_context"] is None and not at.sidebar.button


@pytest.mark.parametrize("username", list(DEMO))
def test_each_role_sees_its_menu(app_env, menus, username):
    at = login(username)
    sections, position = menus[-1]
    assert position == "sidebar"
    assert sections == MENUS[username]
    assert registered_titles(at) == sorted(t for titles in MENUS[username].values() for t in titles)
    assert at.title[0].value == "Tổng quan"  # the default page
    captions = [c.value for c in at.sidebar.caption]
    assert any(c.endswith(f"· {ROLE_LABEL[username]}") for c in captions), captions
    menu = {t for titles in sections.values() for t in titles}
    if username == "lanhdao.tinh":
        assert "Nhập số liệu" not in menu
    if username.startswith("canbo."):
        assert "Nhập số liệu" in menu
        assert not {"Thẩm định, phê duyệt", "Quản lý tài khoản"} & menu
    if username == "quantri.demo":
        assert {"Quản lý tài khoản", "Nhật ký hoạt động"} <= menu


@pytest.mark.parametrize("username", ["lanhdao.tinh", "canbo.991"])
def test_link_to_upload_before_login(app_env, username):
    """A link to /upload opened logged out (every page is known, the login form is drawn in its
    place), then the login. The officer lands on the upload page (so the link does reach it);
    for the leader the page is not in the menu: Streamlit opens the default page instead and no
    upload widget is ever drawn."""
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(f"{PAGE_DIR}/upload.py").run()
    assert not at.exception and on_login_form(at)
    assert not at.file_uploader
    submit_login(at, username, DEMO[username])
    assert not errors(at)
    if username == "canbo.991":
        assert at.title[0].value == "Nhập số liệu" and len(at.file_uploader) == 1
        return
    assert at.title[0].value == "Tổng quan"
    assert "Nhập số liệu" not in [t.value for t in at.title]
    assert not at.file_uploader and not at.download_button
    with pytest.raises(ValueError):  # nor can the session switch to it: not a page of its navigation
        at.switch_page(f"{PAGE_DIR}/upload.py")


@pytest.mark.parametrize("username", ["lanhdao.tinh", "canbo.991"])
def test_typing_the_upload_url_when_logged_in(app_env, store, username):
    """A session already logged in asks for /upload (what typing the URL does): the officer
    gets the page, the leader the default page without any upload widget."""
    me = access.get_account(store, username)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["account"] = me
    at.switch_page(f"{PAGE_DIR}/upload.py")  # before the first run: the hash of the page's URL
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if username == "canbo.991":
        assert at.title[0].value == "Nhập số liệu" and len(at.file_uploader) == 1
        return
    assert not at.file_uploader
    assert at.title[0].value == "Tổng quan"
    # and the core refuses the leader anyway
    content = (config.SAMPLE_DIR / "2024" / "991.csv").read_bytes()
    with pytest.raises(AccessDenied, match="«lanhdao.tinh» .*không được gửi số liệu cho Thành phố Mẫu An Hòa"):
        ingest.import_file(store, content, "991.csv", 2025, me, area_code="991", dry_run=True)


def test_officer_has_the_upload_page(app_env):
    at = go(login("canbo.991"), "upload")
    assert at.title[0].value == "Nhập số liệu"
    assert len(at.file_uploader) == 1
    assert at.selectbox(key="upload_area").options == ["Thành phố Mẫu An Hòa (991)"]  # its own district only


def test_logout_returns_to_the_login_form(app_env, menus):
    at = login("canbo.991")
    assert not on_login_form(at)
    at.sidebar.button(key="logout").click().run()
    assert not at.exception
    assert on_login_form(at)
    assert at.session_state.get("account") is None and at.session_state["_context"] is None
    assert menus[-1][1] == "hidden"
    assert not at.metric and not at.dataframe and not at.file_uploader


# ================================================================= trends and commendation

@pytest.mark.parametrize("username", ["lanhdao.tinh", "canbo.991"])
def test_trends_page_matches_dcmetrics(app_env, store, username):
    at = go(login(username), "trends")
    assert at.title[0].value == "Xu hướng qua các năm"
    assert not errors(at)
    _, filters, profile, user = at.session_state["_context"]
    t = trends(store, access.get_account(store, username), profile, filters)
    assert not t.movers.is_empty()
    labels = ("Đơn vị", "Địa bàn", f"Năm {filters.year - 1}", f"Năm {filters.year}", "Tăng/giảm")
    up_frame, down_frame = frames_with(at, *labels)  # «Tiến bộ nhiều nhất», then «Giảm nhiều nhất»
    up, down = up_frame.value, down_frame.value
    assert up["Đơn vị"].iloc[0] == t.movers["unit_name"][0]
    assert list(up["Đơn vị"]) == t.movers["unit_name"].head(10).to_list()
    assert down["Đơn vị"].iloc[0] == t.movers["unit_name"][-1]
    assert vn_value(up["Tăng/giảm"].iloc[0]) == pytest.approx(t.movers["total_change"][0], abs=0.0051)
    shown = display_values(up_frame)
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d{2}", shown["Tăng/giảm"].iloc[0])
    if username == "canbo.991":  # the officer's trends stay in its district
        assert set(t.units["unit_code"]) <= set(units.subtree(store, "991")["code"])
    assert set(at.multiselect(key="trend_units").value) == set(t.movers["unit_code"].head(3))

    # the sample's general profile changed version in 2024 and again in 2025 (the mended clauses):
    # the page says so, and each chart draws a dashed line before each of those years
    assert t.versions.rows() == [(2023, "2023.1", 2021, None, False), (2024, "2025.1", 2024, "2023.1", True),
                                 (2025, "2025.2", 2025, "2025.1", True)]
    assert any(w.value.startswith("Bộ tiêu chí đổi phiên bản từ năm 2024, 2025 (đường nét đứt trên biểu đồ)")
               for w in at.warning)
    assert any("mỗi năm tính theo phiên bản có hiệu lực năm đó (phiên bản 2023.1: 2023; phiên bản 2025.1: 2024; "
               "phiên bản 2025.2: 2025)" in c.value for c in at.caption)
    charts = svg_charts(at)
    assert [c["label"] for c in charts] == ["Điểm bình quân của các đơn vị được đánh giá, theo năm",
                                            "Điểm bình quân theo địa bàn", "Điểm bình quân theo loại đơn vị",
                                            "Tổng điểm của các đơn vị đã chọn"]
    assert not at.get("plotly_chart")
    for chart in charts:
        # each mark lies between the points of the year before it and of its year
        assert [m[1] for m in chart["marks"]] == ["Đổi bộ tiêu chí: 2023.1 → 2025.1",
                                                  "Đổi bộ tiêu chí: 2025.1 → 2025.2"]
        xs = {tip.rsplit(", ", 1)[-1].split(":")[0]: cx for tip, _, cx, _ in chart["points"]}
        for (x, _), before, after in zip(chart["marks"], ("2023", "2024"), ("2024", "2025")):
            assert xs.get(before, 0) < x < xs.get(after, 10_000), (chart["label"], x, xs)
    assert {"2023", "2024"} <= {tip.rsplit(", ", 1)[-1].split(":")[0] for tip, *_ in charts[0]["points"]}
    # the overall line: one point a year, the stored mean in its tooltip, Vietnamese style
    overall = {tip.split(", ")[-1].split(":")[0]: tip.split(": ")[-1] for tip, *_ in charts[0]["points"]}
    assert overall == {str(r["year"]): fmt_points(r["mean_total"]) for r in t.overall.iter_rows(named=True)}
    # the chosen units' lines: one per unit, each named
    names = {tip.rsplit(", ", 1)[0] for tip, *_ in charts[3]["points"]}
    assert names == set(t.units.filter(pl.col("unit_code").is_in(t.movers["unit_code"].head(3).implode()))["unit_name"])


def test_commendation_page_matches_shortlist(app_env, store):
    at = go(login("thiduakhenthuong"), "commendation")
    assert at.title[0].value == "Thi đua – Khen thưởng"
    assert not errors(at)
    _, filters, profile, _ = at.session_state["_context"]
    me = access.get_account(store, "thiduakhenthuong")
    sl = shortlist(store, me, profile, filters.year, Rules.from_profile(profile, basis=filters.basis),
                   area=filters.area, unit_type=filters.unit_type)
    assert sl.selected.height > 0, "the sample should propose some units"
    assert metric(at, "Đề nghị") == str(sl.selected.height)
    assert metric(at, "Sát nút") == str(sl.near.height)
    assert metric(at, "Đơn vị được xếp loại") == str(sl.n_rated)
    assert metric(at, "Cần nhắc nhở") == str(sl.reminders.height)
    selected, near = frames_with(at, "Đơn vị", "Địa bàn", "Tổng điểm", "Mức độ", "Hạng xét", "Lý do")
    assert list(selected.value["Đơn vị"]) == sl.selected["unit_name"].to_list()
    assert list(near.value["Đơn vị"]) == sl.near["unit_name"].to_list()
    assert [b.label for b in at.download_button] == ["Tải danh sách (Excel)", "Tải bản in (HTML)"]

    # a stricter rule in the form changes the list the same way the core does
    at.text_input(key="r_total").set_value("95")  # a text box reading Vietnamese numbers (ui/inputs.py)
    [build] = [b for b in at.form_submit_button if b.label == "Lập danh sách"]
    build.click().run()
    assert not at.exception
    strict = shortlist(store, me, profile, filters.year, Rules.from_profile(profile, basis=filters.basis, min_total=95.0),
                       area=filters.area, unit_type=filters.unit_type)
    assert metric(at, "Đề nghị") == str(strict.selected.height)
    assert strict.selected.height <= sl.selected.height


def test_commendation_page_not_in_the_leader_menu(app_env):
    at = login("lanhdao.tinh")
    with pytest.raises(ValueError):
        at.switch_page(f"{PAGE_DIR}/commendation.py")


# ================================================================= administrator pages

SECRETS = ("$argon2", *sorted(set(DEMO.values())))


def test_audit_page_lists_this_tests_logins_without_secrets(app_env, store):
    since = datetime.now() - timedelta(seconds=1)
    wrong = f"sai-{uuid.uuid4().hex[:10]}"
    typed_in_name_box = f"MatKhau-{uuid.uuid4().hex[:10]}"  # a password typed into the name box
    login("lanhdao.tinh")
    submit_login(open_app(), "thamdinh.tinh", wrong)
    submit_login(open_app(), typed_in_name_box, "")
    at = go(login("quantri.demo"), "audit_log")
    assert at.title[0].value == "Nhật ký hoạt động"
    assert not errors(at)

    # readable rows (dcmetrics.audit_view): who by name and username, the action's label, the account
    [table] = frames_with(at, "Thời điểm", "Người thực hiện", "Việc", "Đối tượng", "Chi tiết")
    raw, shown = table.value, display_values(table)
    assert len(raw) == len(shown) > 0
    leader, reviewer, admin = ("Lãnh đạo tỉnh (thử) (lanhdao.tinh)", "Người thẩm định tỉnh (thử) (thamdinh.tinh)",
                               "Quản trị (thử) (quantri.demo)")
    want = {(leader, "Đăng nhập", f"tài khoản {leader}"), (reviewer, "Đăng nhập sai", f"tài khoản {reviewer}"),
            (admin, "Đăng nhập", f"tài khoản {admin}"),
            ("Người dùng chưa xác định (tên đăng nhập không có)", "Đăng nhập sai", "–")}
    have = set(zip(raw["Người thực hiện"], raw["Việc"], raw["Đối tượng"]))
    assert want <= have, want - have
    mine = audit.audit_log(store, access.SYSTEM, since=since)
    assert mine.filter(pl.col("action").is_in([audit.LOGIN, audit.LOGIN_FAILED])).height >= 4
    assert any(re.fullmatch(r"Số lần đăng nhập sai liên tiếp: \d+; Lý do: sai mật khẩu", d) for d in raw["Chi tiết"])

    everything = "\n".join(str(v) for frame in (raw, shown) for col in frame.columns for v in frame[col].tolist())
    everything += "\n".join(str(e.value) for kind in ("markdown", "caption", "text", "code") for e in at.get(kind))
    for secret in (*SECRETS, wrong, typed_in_name_box, typed_in_name_box.casefold()):
        assert secret not in everything, secret
    assert at.caption[0].value == f"{len(raw)} dòng"


def test_audit_page_not_in_other_menus(app_env):
    at = login("thamdinh.tinh")
    for page in ("audit_log", "accounts"):
        with pytest.raises(ValueError):
            at.switch_page(f"{PAGE_DIR}/{page}.py")


def create_account_on_page(at: AppTest, username: str, display: str) -> AppTest:
    at.text_input(key="new_username").set_value(username)
    at.text_input(key="new_display").set_value(display)
    at.selectbox(key="new_role").select(access.OFFICER)
    at.selectbox(key="new_area").select("991")
    at.text_input(key="new_password").set_value("mat-khau-dai-2025")
    [create] = [b for b in at.form_submit_button if b.label == "Tạo tài khoản"]
    create.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not errors(at)
    assert [s.value for s in at.success] == [f"Đã tạo tài khoản «{username}»."]
    return at


def accounts_table(at: AppTest):
    [table] = frames_with(at, "Tên đăng nhập", "Họ tên", "Vai trò", "Địa bàn")
    return table.value, display_values(table)


DISPLAY = 'Nguyễn "Văn" <b>A</b>'


def test_accounts_page_keeps_quotes_and_html_as_typed(app_env, store):
    at = go(login("quantri.demo"), "accounts")
    assert at.title[0].value == "Quản lý tài khoản"
    username = f"nguyen.van.a.{uuid.uuid4().hex[:4]}"
    create_account_on_page(at, username, DISPLAY)

    stored = access.get_account(store, username)
    assert (stored.display_name, stored.role, stored.area_code) == (DISPLAY, access.OFFICER, "991")
    at.run()  # the next interaction (the list above the form was drawn before the form was handled)
    assert not at.exception
    raw, shown = accounts_table(at)
    row = raw[raw["Tên đăng nhập"] == username]
    assert list(row["Họ tên"]) == [DISPLAY]
    assert list(shown[shown["Tên đăng nhập"] == username]["Họ tên"]) == [DISPLAY]
    assert list(row["Vai trò"]) == ["Cán bộ nhập liệu"] and list(row["Địa bàn"]) == ["Thành phố Mẫu An Hòa"]
    assert username in at.selectbox(key="edit_username").options

    # the new account logs in and sees its name as typed
    at2 = login(username, "mat-khau-dai-2025")
    assert next(c.value for c in at2.sidebar.caption) == f"{DISPLAY} · Cán bộ nhập liệu"


def test_accounts_list_shows_the_new_account_at_once(app_env):
    at = go(login("quantri.demo"), "accounts")
    username = f"moi.ngay.{uuid.uuid4().hex[:4]}"
    create_account_on_page(at, username, "Tạo xong thấy ngay")
    raw, _ = accounts_table(at)
    assert username in set(raw["Tên đăng nhập"])
    assert username in at.selectbox(key="edit_username").options


def test_account_changes_show_at_once_and_the_message_once(app_env, store):
    """Every change on the accounts page (here: role and area, then deactivate) is in the list
    and the buttons in the same answer; its message is shown once, not again on the next run."""
    at = go(login("quantri.demo"), "accounts")
    username = f"doi.ngay.{uuid.uuid4().hex[:4]}"
    create_account_on_page(at, username, "Đổi xong thấy ngay")
    at.selectbox(key="edit_username").select(username).run()
    at.selectbox(key="edit_role").select(access.REVIEWER)
    at.selectbox(key="edit_area").select("992")
    [save] = [b for b in at.form_submit_button if b.label == "Lưu vai trò, địa bàn"]
    save.click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [f"Đã cập nhật «{username}»."]
    raw, _ = accounts_table(at)
    row = raw[raw["Tên đăng nhập"] == username]
    assert list(row["Vai trò"]) == ["Người thẩm định"] and list(row["Địa bàn"]) == ["Huyện Mẫu Bình Khê"]

    at.button(key="deactivate").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.success] == [f"Đã vô hiệu hóa «{username}»."]
    assert not access.get_account(store, username).active
    raw, _ = accounts_table(at)
    assert list(raw[raw["Tên đăng nhập"] == username]["Trạng thái"]) == ["Đã khóa"]
    assert [b.key for b in at.button if b.key in ("activate", "deactivate")] == ["activate"]
    at.run()
    assert not at.success  # shown once

    # a refusal stays where the form is, without a success message
    at.button(key="activate").click().run()
    at.text_input(key="reset_pw").set_value("ngan")
    [reset] = [b for b in at.form_submit_button if b.label == "Đặt lại mật khẩu"]
    reset.click().run()
    assert not at.exception and not at.success
    assert errors(at) == [f"Mật khẩu phải có ít nhất {access.MIN_PASSWORD_LENGTH} ký tự."]


def test_commendation_numbers_the_vietnamese_way(app_env):
    """Rule inputs without needless decimals and with a decimal comma (never «90.0»): points and
    shares in text boxes showing «90» or «85,5», counts as whole numbers; table numbers through
    vn_dataframe: totals 85,50, ranks as whole numbers, never 12.0."""
    at = go(login("thiduakhenthuong"), "commendation")
    formats = {n.key: n.proto.format for n in at.number_input}
    assert set(formats) == {"r_prev", "r_area"} and set(formats.values()) == {"%d"}
    for key in ("r_total", "r_share"):
        assert re.fullmatch(r"\d+(,\d+)?", at.text_input(key=key).value), (key, at.text_input(key=key).value)
    for n in at.number_input:
        if n.proto.format == "%d":
            assert float(n.value).is_integer(), n.key
    for frame in at.dataframe:
        shown = display_values(frame)
        if "Tổng điểm" in shown.columns:
            bad = [v for v in shown["Tổng điểm"] if v != "–" and not re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}", v)]
            assert not bad, bad[:5]
        if "Hạng xét" in shown.columns:
            bad = [v for v in shown["Hạng xét"] if v != "–" and not re.fullmatch(r"\d+", v)]
            assert not bad, bad[:5]
    assert any("Hạng xét" in display_values(f).columns for f in at.dataframe)



def test_administrator_previews_then_loads_a_real_province(app_env, store):
    at = go(login("quantri.demo"), "units_admin")
    assert at.title[0].value == "Đơn vị hành chính chính thức"
    before = store.rows("SELECT count(*) FROM units")[0][0]
    at.text_input(key="official_province").input("Cà Mau")
    at.button[0].click().run()  # «Xem trước» (the form's submit)
    assert not at.exception and not errors(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Đơn vị mới (tỉnh, xã)": "65", "Đơn vị cũ (huyện, xã)": "180", "Liên kết cũ → mới": "186",
                     "Xã cũ chia cho nhiều xã mới": "19"}
    assert store.rows("SELECT count(*) FROM units")[0][0] == before  # a preview stores nothing
    at.button(key="official_commit").click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value == "Đã nạp 245 đơn vị của Tỉnh Cà Mau và 186 liên kết cũ → mới."
    assert store.rows("SELECT count(*) FROM units")[0][0] == before + 245
    assert store.rows("SELECT count(*) FROM audit WHERE action = 'units_import'")[0][0] == 1


def test_a_leader_is_refused_the_province_import_in_the_core(store):
    leader = access.get_account(store, "lanhdao.tinh")
    from dcmetrics.errors import AccessDenied
    from dcmetrics.units import import_official

    with pytest.raises(AccessDenied):
        import_official(store, leader, "96", commit=False)


def test_administrator_uploads_the_province_s_own_bodies(app_env, store):
    at = go(login("quantri.demo"), "units_admin")
    bad = "ma_don_vi,ten_don_vi,loai,ma_cap_tren\nSTT99,Sở Thử,Sở,99\n".encode("utf-8")
    at.file_uploader(key="unit_list_file").set_value(("don-vi.csv", bad, "text/csv")).run()
    assert not at.exception
    assert at.error[0].value == "Tệp có 1 lỗi, chưa lưu dữ liệu nào."
    assert store.rows("SELECT count(*) FROM units WHERE code = 'STT99'") == [(0,)]
    good = "ma_don_vi,ten_don_vi,loai,ma_cap_tren\nSTT99,Sở Thử,Cơ quan,99\n".encode("utf-8")
    at.file_uploader(key="unit_list_file").set_value(("don-vi.csv", good, "text/csv")).run()
    assert not errors(at)
    assert at.info[0].value == "Tệp hợp lệ: 1 đơn vị mới, 0 đơn vị cập nhật."
    at.button(key="unit_list_commit").click().run()
    assert not at.exception and not errors(at)
    assert store.rows("SELECT name, type, parent_code FROM units WHERE code = 'STT99'") == [("Sở Thử", "agency", "99")]
