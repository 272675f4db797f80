"""The token page (pages/api_tokens.py) through AppTest: an administrator issues a token (its
secret shown once, and it opens the API), sees it listed by prefix, revokes it; the menu offers
the page to administrators only. The app runs as in tests/test_pages.py (its fixtures imported)."""

from __future__ import annotations

import polars as pl
import pytest
from test_login_pages import login, menus  # noqa: F401 (fixture)
from test_pages import (PAGE_DIR, _admin_credentials, _navigation_not_pages_dir,  # noqa: F401 (fixtures)
                        app_env, display_values, sample_db)

from dcmetrics.api import tokens  # noqa: E402

PAGE = f"{PAGE_DIR}/api_tokens.py"
TITLE = "Khóa truy cập API"


def _store():
    from ui.context import get_store

    return get_store()


def test_issue_shows_the_secret_once_then_revoke(app_env):
    at = login("quantri.demo")
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == TITLE
    at.selectbox(key="token_account").set_value("lanhdao.tinh")
    at.text_input(key="token_name").set_value("Cổng thông tin điện tử tỉnh")
    at.number_input(key="token_days").set_value(30)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.code) == 1
    secret = at.code[0].value
    use = tokens.authenticate(_store(), secret)  # the secret shown opens the API as that account
    assert use.account.username == "lanhdao.tinh"
    assert "chỉ hiện một lần" in at.success[0].value
    shown = display_values(at.dataframe[0])
    mine = shown[shown["Nhận diện"] == secret[:tokens.PREFIX_LENGTH]]
    assert mine[["Tài khoản", "Dùng cho", "Trạng thái"]].values.tolist() == [
        ["lanhdao.tinh", "Cổng thông tin điện tử tỉnh", "Đang dùng"]]
    assert not shown.apply(lambda r: r.astype(str).str.contains(secret[12:]).any(), axis=1).any()

    at.run()  # any later run: the secret is gone from the page
    assert len(at.code) == 0

    at.selectbox(key="token_revoke").set_value(use.id)
    at.button(key="token_revoke_button").click().run()
    assert not at.exception and not at.error
    listed = tokens.list_tokens(_store(), "quantri.demo").filter(pl.col("id") == use.id)
    assert listed["state"].to_list() == ["revoked"] and listed["revoked_by"].to_list() == ["quantri.demo"]
    with pytest.raises(tokens.TokenRefused, match="đã bị thu hồi"):
        tokens.authenticate(_store(), secret)


def test_an_empty_name_is_refused_on_the_page(app_env):
    at = login("quantri.demo")
    at.switch_page(PAGE).run()
    before = tokens.list_tokens(_store(), "quantri.demo").height
    at.text_input(key="token_name").set_value("   ")
    at.form_submit_button[0].click().run()
    assert [e.value for e in at.error] == ["Hãy ghi khóa dùng cho việc gì (ví dụ «Cổng thông tin điện tử tỉnh»)."]
    assert len(at.code) == 0
    assert tokens.list_tokens(_store(), "quantri.demo").height == before


@pytest.mark.parametrize("user,offered", [("quantri.demo", True), ("lanhdao.tinh", False), ("canbo.991", False),
                                          ("thamdinh.tinh", False)])
def test_menu_offers_the_page_to_administrators_only(app_env, menus, user, offered):
    login(user)
    titles = [t for section in menus[-1][0].values() for t in section]
    assert (TITLE in titles) == offered
