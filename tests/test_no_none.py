"""No page shows «None», «nan», «null», a JSON object or an internal code such as `area:991:2025`.

Every page of each role's menu runs through AppTest (as in tests/test_pages.py: the app creates
the sample database itself, the demo accounts log in through the form). Before the pages are
visited, the audit trail is given one of each kind of row a busy office writes (an approval, a
return, a reopening, account changes, failed logins), and a reviewer's area is approved so the
review and history tables hold locked rows too. Then every element the page drew is walked:
dataframe cells (the strings shown, and the data underneath when it is text), tables, markdown,
captions, text, metrics, alerts, expander and tab labels, the options of select boxes.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from test_pages import (APP, PAGE_DIR, _admin_credentials, _navigation_not_pages_dir,  # noqa: F401 (fixtures)
                        app_env, display_values, sample_db)

from dcmetrics import access  # noqa: E402
from dcmetrics.ingest import commit as ingest  # noqa: E402

DEMO = {"lanhdao.tinh": "demo-leader", "thiduakhenthuong": "demo-committee", "canbo.991": "demo-officer",
        "thamdinh.tinh": "demo-reviewer", "quantri.demo": "demo-admin"}
# each role's own pages (the results pages are visited by the administrator and the officer)
RESULTS = ["overview", "ranking", "trends", "map", "unit", "framework"]
PAGES = {
    "quantri.demo": RESULTS + ["commendation", "upload", "review", "my_account", "accounts", "framework_editor",
                               "units_admin", "audit_log", "api_tokens"],
    "canbo.991": RESULTS + ["upload", "my_account"],
    "thamdinh.tinh": ["review", "quality", "my_account"],
    "thiduakhenthuong": ["commendation"],
    "lanhdao.tinh": ["overview", "unit", "my_account"],
}

WORDS = re.compile(r"(?<![\w-])(None|nan|NaN|null|NaT)(?![\w-])")
JSON_OBJECT = re.compile(r'\{\s*"|"\s*:\s')
INTERNAL = re.compile(r"\b(area|unit|submission|framework|province|unit_list|unit_lineage):[\w.-]+")


def bad(text: str) -> str | None:
    """What is wrong with a shown string, or None."""
    for pattern, what in ((WORDS, "an empty value shown as a word"), (JSON_OBJECT, "a JSON object"),
                          (INTERNAL, "an internal code")):
        m = pattern.search(text)
        if m:
            return f"{what}: «{m.group(0)}» in «{text[:160]}»"
    return None


def shown_strings(at: AppTest):
    """(where, string) for everything the run drew."""
    for i, df in enumerate(at.dataframe):
        # The browser draws a cell whose data is missing with the element's placeholder («None»
        # unless one is given), whatever a Styler says for it; other cells as the Styler shows them.
        raw = df.value
        try:
            shown = display_values(df)
        except AssertionError:
            shown = raw  # a plain st.dataframe shows its values
        missing = df.proto.placeholder or "None"
        for col in raw.columns:
            yield f"dataframe {i} header", str(col)
            for v, s in zip(raw[col].tolist(), shown[col].tolist()):
                if v is None or v != v:
                    yield f"dataframe {i} «{col}» (missing)", missing
                elif isinstance(s, str):
                    yield f"dataframe {i} «{col}»", s
    for i, t in enumerate(at.table):
        for col in t.value.columns:
            for v in t.value[col].tolist():
                yield f"table {i} «{col}»", str(v)
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success", "exception"):
        for e in at.get(kind):
            yield kind, str(e.value)
    for m in at.metric:
        yield "metric", f"{m.label} {m.value} {m.delta or ''}"
    for kind in ("expander", "tab"):
        for e in at.get(kind):
            yield kind, str(e.label)
    for s in at.selectbox:
        yield f"selectbox «{s.label}»", " | ".join(str(o) for o in s.options)
    for j in at.get("json"):
        yield "json", '{"' + str(j.value)  # st.json always shows raw JSON


def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def login(username: str) -> AppTest:
    at = open_app()
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(DEMO[username])
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    return at


@pytest.fixture(scope="module")
def busy_office(sample_db):
    """One of each kind of audit row, written through the core as the pages would."""
    from ui.context import get_store

    store = get_store()
    admin, reviewer = access.get_account(store, "quantri.demo"), access.get_account(store, "thamdinh.tinh")
    year = max(r[0] for r in store.rows("SELECT DISTINCT year FROM submissions"))
    areas = [r[0] for r in store.rows("SELECT DISTINCT area_code FROM submissions WHERE year = $y ORDER BY 1",
                                      {"y": year})]
    ingest.reopen(store, reviewer, areas[0], year, "Sửa chỉ tiêu 3")  # the sample approved it
    ingest.approve(store, reviewer, areas[0], year)
    if len(areas) > 1:
        if store.rows("SELECT 1 FROM area_locks WHERE area_code = $a AND year = $y", {"a": areas[1], "y": year}):
            ingest.reopen(store, reviewer, areas[1], year, "Đơn vị xin sửa")
        ingest.return_submission(store, reviewer, areas[1], year, "Thiếu số liệu xã")
    access.create_account(store, admin, "thu.nghiem.none", "mat-khau-dai-2025", access.OFFICER, "991", "")
    access.update_account(store, admin, "thu.nghiem.none", role=access.REVIEWER, area_code="99")
    access.set_active(store, admin, "thu.nghiem.none", False)
    access.authenticate(store, "thamdinh.tinh", "sai-mat-khau")
    access.authenticate(store, "khong.ai.ca", "sai-mat-khau")
    access.unlock(store, admin, "thamdinh.tinh")
    # API tokens: one issued, used (an audited call) and revoked; one never used (empty cells)
    from starlette.testclient import TestClient

    from dcmetrics import framework
    from dcmetrics.api import app as api_app
    from dcmetrics.api import tokens

    used = tokens.issue(store, admin, "lanhdao.tinh", "Cổng thông tin tỉnh")
    tokens.issue(store, admin, "canbo.991", "Báo cáo huyện", days=1)
    client = TestClient(api_app(lambda: store, framework.load_profiles))
    assert client.get(f"/api/v1/levels?year={year}", headers={"Authorization": f"Bearer {used.secret}"}).status_code == 200
    tokens.revoke(store, admin, used.id)
    return store


@pytest.mark.parametrize("username", list(PAGES))
def test_no_page_shows_none_json_or_codes(app_env, busy_office, username):
    at = login(username)
    problems = []
    for page in PAGES[username]:
        at.switch_page(f"{PAGE_DIR}/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        for where, text in shown_strings(at):
            why = bad(text)
            if why:
                problems.append(f"{page} · {where}: {why}")
    assert not problems, "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("text, wrong", [
    ("None", True), ("Giá trị None", True), ("nan", True), ("null", True), ('{"role": "officer"}', True),
    ("area:991:2025", True), ("Huyện Mẫu Một (991), năm 2025", False), ("—", False), ("Nonesuch", False),
    ("Đã phê duyệt: khóa số liệu", False), ("canbo.991", False),
])
def test_the_checker_itself(text, wrong):
    assert (bad(text) is not None) is wrong
