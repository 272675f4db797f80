"""The login form, drawn by app.py in place of the requested page while nobody is logged in
(so the page and its query parameters are still there after login).

The login lasts as long as the browser tab's Streamlit session: a reload, a new tab or a server
restart asks for it again. On purpose: keeping it would need a token the browser sends back, and
the only places Streamlit offers are the URL (copied into the links people share, kept in the
browser history and proxy logs) or a cookie set by JavaScript (readable by any script on the
page, never HttpOnly). The form says so, and the page and filters of the URL survive the login."""

from __future__ import annotations

import time

import streamlit as st

from dcmetrics import access


def login_form(store) -> None:
    st.title("Đăng nhập")
    st.caption("Hệ thống đánh giá mức độ thực hiện dân chủ ở cơ sở")
    st.caption("Tải lại trang (F5), mở thẻ mới hoặc khởi động lại máy chủ đều cần đăng nhập lại; trang và bộ lọc "
               "đang xem được giữ nguyên sau khi đăng nhập. Dùng nút «Đăng xuất» khi rời máy dùng chung.")
    with st.form("login"):
        username = st.text_input("Tên đăng nhập", key="login_user")
        password = st.text_input("Mật khẩu", type="password", key="login_password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if submitted:
        result = access.authenticate(store, username, password)
        if result.ok:
            st.session_state["account"] = result.account
            st.rerun()
        # slow down guessing: the core says how long, the page waits
        time.sleep(min(result.delay, access.DELAY_MAX_SECONDS))
        st.error(result.message, icon=":material/lock:")
    demo = access.demo_accounts(store)
    if demo:
        st.subheader("Tài khoản dùng thử (chỉ có khi đang dùng dữ liệu mẫu)")
        st.table([{"Tên đăng nhập": d["username"], "Mật khẩu": d["password"], "Vai trò": d["role_label"],
                   "Địa bàn": d["area_name"]} for d in demo])
