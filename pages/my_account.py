"""Tài khoản của tôi: change one's own password."""

import streamlit as st

from dcmetrics import access
from dcmetrics.errors import DcmetricsError
from ui.context import account, get_store

st.title("Tài khoản của tôi")
store, user = get_store(), account()
st.markdown(f"**{user.display_name}** · {user.username} · {user.role_label}")
with st.form("own_password", clear_on_submit=True):
    current = st.text_input("Mật khẩu hiện tại", type="password", key="own_current")
    new = st.text_input(f"Mật khẩu mới (ít nhất {access.MIN_PASSWORD_LENGTH} ký tự)", type="password", key="own_new")
    again = st.text_input("Nhập lại mật khẩu mới", type="password", key="own_again")
    if st.form_submit_button("Đổi mật khẩu", type="primary"):
        if new != again:
            st.error("Hai lần nhập mật khẩu mới không khớp.", icon=":material/error:")
        else:
            try:
                access.set_password(store, user, user.username, new, current_password=current)
            except DcmetricsError as e:
                st.error(str(e), icon=":material/error:")
            else:
                st.success("Đã đổi mật khẩu.", icon=":material/task_alt:")
