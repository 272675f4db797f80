"""The year's review in a real browser, as three people do it: the province's reviewer returns a new
commune's file with a reason, the commune's officer sees the reason and sends the file again, the
reviewer approves it, and the leader sees the commune's units counted only after the approval.

`streamlit run app.py` on a database that does not exist yet (the first visit loads the sample,
where commune 99401's 2025 file awaits review), Debian's chromium through Playwright, one browser
context per person. What each page should say is computed by dcmetrics on its own copy of the sample.
Screenshots: test-output/screenshots/review-NN-*.png.
"""

from __future__ import annotations

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, assert_clean, login_if_asked, new_page, screenshot, serve, wait_for_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
expect = sync_api.expect

from test_browser import FIRST_LOAD_MS, SERVER_ENV, STEP_MS, heading, metric_value, nav, vn_int  # noqa: E402
from test_unit_reviews import COMMUNE, FILE_2025, only_row  # noqa: E402

from dcmetrics import bootstrap, framework  # noqa: E402
from dcmetrics.dashboard import Filters, awaiting_review, overview  # noqa: E402
from dcmetrics.store import Store  # noqa: E402

YEAR = 2025
COMMUNE_NAME = "Phường Nghĩa Tường"
REASON = "Thiếu biên bản hội nghị nhân dân"
PEOPLE = {"thamdinh.tinh": "demo-reviewer", "canbo.99401": "demo-officer", "lanhdao.tinh": "demo-leader"}


@pytest.fixture(scope="module")
def expected():
    """The leader's overview of 2025 before and after the commune's two units are approved."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    chung = framework.load_profiles()["chung"]
    before = {"n_units": overview(s, chung, Filters(YEAR), "lanhdao.tinh").n_units,
              "waiting": awaiting_review(s, chung, Filters(YEAR), "lanhdao.tinh")}
    s.close()
    n = int(before["waiting"].split()[1])
    return {"before": before,
            "after": {"n_units": before["n_units"] + 2,
                      "waiting": before["waiting"].replace(f"Còn {n} ", f"Còn {n - 2} ", 1)}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = serve(tmp_path_factory, "review", SERVER_ENV)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def person(browser, server, username: str):
    page = new_page(browser, STEP_MS)
    page.goto(server.url, timeout=FIRST_LOAD_MS)
    wait_for_app(page, FIRST_LOAD_MS)
    assert login_if_asked(page, username, PEOPLE[username], STEP_MS), f"{username}: no login form"
    return page


def alert(page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


def main_select(page, label: str, option: str) -> None:
    box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text=label)
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page, STEP_MS)


def open_review(page) -> None:
    nav(page, "Thẩm định, phê duyệt")
    expect(heading(page)).to_have_text("Thẩm định, phê duyệt số liệu")
    main_select(page, "Năm số liệu", str(YEAR))
    main_select(page, "Địa bàn", COMMUNE_NAME)


def leader_sees(page, numbers: dict, shot: str) -> None:
    nav(page, "Tổng quan")
    expect(heading(page)).to_have_text("Tổng quan")
    expect(metric_value(page, "Đơn vị được đánh giá")).to_have_text(vn_int(numbers["n_units"]))
    expect(alert(page, numbers["waiting"])).to_be_visible()
    screenshot(page, shot)
    assert_clean(page, shot)


def test_return_send_again_approve_then_counted(server, browser, expected):
    leader = person(browser, server, "lanhdao.tinh")  # the first visit creates the database
    leader_sees(leader, expected["before"], "review-01-leader-before")

    reviewer = person(browser, server, "thamdinh.tinh")
    open_review(reviewer)
    reviewer.get_by_label("Lý do trả lại (bắt buộc)").fill(REASON)
    reviewer.get_by_role("button", name="Trả lại để đơn vị sửa").click()
    wait_for_app(reviewer, STEP_MS)
    expect(alert(reviewer, f"Đã trả lại số liệu của {COMMUNE_NAME} kèm lý do.")).to_be_visible()
    expect(reviewer.get_by_test_id("stCaptionContainer").filter(has_text="Số liệu từng đơn vị: 2 bị trả lại.")).to_be_visible()
    screenshot(reviewer, "review-02-returned")
    assert_clean(reviewer, "returned")

    officer = person(browser, server, "canbo.99401")
    nav(officer, "Nhập số liệu")
    expect(alert(officer, f"Số liệu đã bị trả lại: {REASON} (người thẩm định: thamdinh.tinh).")).to_be_visible()
    fixed = open(FILE_2025, "rb").read()
    fixed = fixed.replace(only_row(FILE_2025, COMMUNE).decode("utf-8").splitlines()[1].encode("utf-8"),
                          only_row(FILE_2025, COMMUNE, "TRAIN_STAFF", "100").decode("utf-8").splitlines()[1].encode("utf-8"))
    with officer.expect_file_chooser() as chooser:
        officer.get_by_test_id("stFileUploaderDropzone").click()
    chooser.value.set_files(files=[{"name": "99401-sua.csv", "mimeType": "text/csv", "buffer": fixed}])
    expect(alert(officer, "Tệp hợp lệ: 2 đơn vị")).to_be_visible(timeout=STEP_MS)
    wait_for_app(officer, STEP_MS)
    officer.get_by_role("button", name="Lưu số liệu").click()
    expect(alert(officer, f"Đã lưu số liệu của 2 đơn vị (địa bàn {COMMUNE}, năm {YEAR})")).to_be_visible(timeout=STEP_MS)
    wait_for_app(officer, STEP_MS)
    expect(officer.get_by_role("button", name="Lưu số liệu")).to_have_count(0)  # no second save of the same file
    screenshot(officer, "review-03-sent-again")
    assert_clean(officer, "sent again")

    leader_sees(leader, expected["before"], "review-04-leader-still-waiting")  # sent again: still not counted

    open_review(reviewer)
    expect(reviewer.get_by_test_id("stCaptionContainer").filter(has_text="Số liệu từng đơn vị: 2 chờ thẩm định.")).to_be_visible()
    reviewer.get_by_role("button", name="Phê duyệt", exact=True).click()
    wait_for_app(reviewer, STEP_MS)
    expect(alert(reviewer, f"Đã phê duyệt số liệu năm {YEAR} của {COMMUNE_NAME}.")).to_be_visible()
    expect(reviewer.get_by_role("button", name="Mở lại để sửa số liệu")).to_be_visible()  # locked at once
    expect(reviewer.get_by_role("button", name="Phê duyệt", exact=True)).to_have_count(0)
    screenshot(reviewer, "review-05-approved")
    assert_clean(reviewer, "approved")

    leader_sees(leader, expected["after"], "review-06-leader-counted")
    for page in (leader, reviewer, officer):
        page.context.close()
