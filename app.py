"""dcmetrics: the dashboard of the annual grassroots-democracy evaluation. Sets up and routes."""

import streamlit as st

from dcmetrics import access
from dcmetrics.bootstrap import sample_loaded
from ui.context import WANTED, account, get_profiles, open_store, show_errors, sidebar_filters, wait_for_store
from ui.login import login_form

st.set_page_config(page_title="Đánh giá thực hiện dân chủ ở cơ sở", page_icon="🗳️", layout="wide")
st.session_state["_routed"] = True  # pages check it: they run only through this file (see ui.context)

store = open_store()  # None while another program holds the database file: a message below, no page
user = account() if store is not None else None
if user is not None:
    # as stored now: a role, area or name changed meanwhile shows at once; a removed or
    # deactivated account is logged out (the core would refuse its every call anyway)
    user = access.get_account(store, user.username)
    st.session_state["account"] = user if user is not None and user.active else None
    user = st.session_state["account"]


SCRIPTS: dict[str, st.Page] = {}  # page script -> its st.Page, in this run's menu


def page_list(user) -> dict[str, list]:
    """The menu of the account's role; with nobody logged in, every page (hidden) so that a link
    to a page with its filters still resolves after the login."""
    def allowed(action):
        return user is None or access.can(store, user, action)

    def page(script: str, **kwargs) -> st.Page:
        SCRIPTS[script] = st.Page(script, **kwargs)
        return SCRIPTS[script]

    pages = {"Kết quả": [
        page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True),
        page("pages/ranking.py", title="Xếp hạng", icon=":material/leaderboard:"),
        page("pages/sensitivity.py", title="Độ nhạy của xếp hạng", icon=":material/ssid_chart:"),
        page("pages/trends.py", title="Xu hướng", icon=":material/trending_up:"),
        page("pages/map.py", title="Bản đồ", icon=":material/map:"),
        page("pages/unit.py", title="Chi tiết đơn vị", icon=":material/account_balance:"),
        page("pages/framework.py", title="Bộ tiêu chí", icon=":material/rule:"),
    ]}
    if allowed(access.READ_SCORES):  # the report states results: whoever reads them may build it
        pages["Kết quả"].append(page("pages/report.py", title="Báo cáo năm", icon=":material/description:"))
    work = []
    if allowed(access.COMMEND):
        work.append(page("pages/commendation.py", title="Thi đua – Khen thưởng", icon=":material/military_tech:"))
    if allowed(access.UPLOAD):
        work.append(page("pages/upload.py", title="Nhập số liệu", icon=":material/upload_file:"))
    if allowed(access.REVIEW):
        work.append(page("pages/review.py", title="Thẩm định, phê duyệt", icon=":material/fact_check:"))
        work.append(page("pages/quality.py", title="Kiểm tra chất lượng số liệu", icon=":material/rule_settings:"))
    if allowed(access.READ_SCORES):  # each account sees its own area's progress
        work.append(page("pages/completeness.py", title="Tiến độ nộp số liệu", icon=":material/checklist:"))
    if allowed(access.MANAGE_PERIODS) or allowed(access.REVIEW):
        work.append(page("pages/periods.py", title="Kỳ đánh giá", icon=":material/event:"))
    if work:
        pages["Nghiệp vụ"] = work
    admin = [page("pages/my_account.py", title="Tài khoản của tôi", icon=":material/person:")]
    if allowed(access.MANAGE_ACCOUNTS):
        admin.append(page("pages/accounts.py", title="Quản lý tài khoản", icon=":material/group:"))
        admin.append(page("pages/api_tokens.py", title="Khóa truy cập API", icon=":material/key:"))
    if allowed(access.MANAGE_FRAMEWORKS):
        admin.append(page("pages/framework_editor.py", title="Soạn bộ tiêu chí", icon=":material/edit_note:"))
    if allowed(access.MANAGE_UNITS):
        admin.append(page("pages/units_admin.py", title="Đơn vị hành chính", icon=":material/account_tree:"))
    if allowed(access.READ_AUDIT):
        admin.append(page("pages/audit_log.py", title="Nhật ký hoạt động", icon=":material/history_edu:"))
    pages["Hệ thống"] = admin
    return pages


menu = page_list(user)
# every page listed: an administrator has 15, and a folded «View N more» hides the ones they came for
nav = st.navigation(menu, position="hidden" if user is None else "sidebar", expanded=True)
if store is None:
    # the menu is set (hidden, every page, so the address asked for still opens once the file is free)
    wait_for_store()
    st.stop()
# A link opened while Streamlit was still in its pages-folder mode (the first visit after a
# restart) ran its page alone, which sent it here (ui.context.ensure_routed): open that page now,
# with its query parameters. Logged out, every page is in the (hidden) menu, so the login form
# is drawn in its place and the login lands there; a page the account's menu lacks is dropped.
wanted = st.session_state.pop(WANTED, None)
if wanted:
    target = SCRIPTS.get(wanted["script"])
    if target is not None and target.url_path != nav.url_path:
        st.switch_page(target, query_params=wanted["query"])
st.session_state["_context"] = None
with show_errors():
    if sample_loaded(store):
        st.warning("Đang dùng **dữ liệu mẫu** của một tỉnh giả định (Tỉnh Mẫu An Hòa). "
                   "Số liệu không phản ánh đơn vị thật nào.", icon=":material/science:")
    if user is None:
        login_form(store)
        st.stop()
    profiles = get_profiles()
    with st.sidebar:
        st.caption(f"{user.display_name} · {user.role_label}")
        if st.button("Đăng xuất", icon=":material/logout:", key="logout"):
            st.session_state["account"] = None
            st.rerun()
    chosen = sidebar_filters(store, profiles, user)
    if chosen is not None:
        st.session_state["_context"] = (store, *chosen, user)
nav.run()
