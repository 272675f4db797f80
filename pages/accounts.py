"""Tài khoản: administrators create accounts, reset passwords, lock, unlock, change roles."""

import polars as pl
import streamlit as st

from dcmetrics import access, units
from dcmetrics.errors import DcmetricsError
from ui.context import account, get_store, show_errors
from ui.tables import vn_dataframe

st.title("Quản lý tài khoản")
store, user = get_store(), account()


FLASH = "accounts_flash"


def act(fn, *args, done: str, **kwargs):
    """Run one change. A refusal is shown where the form is; after a success the page is drawn
    again from the top, so the list and the choices above already show the change, and the
    message comes with it."""
    try:
        fn(store, user, *args, **kwargs)
    except DcmetricsError as e:
        st.error(str(e), icon=":material/error:")
    else:
        st.session_state[FLASH] = done
        st.rerun()


if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")

with show_errors():
    accounts = access.list_accounts(store, user)
    shown = accounts.with_columns(pl.when(pl.col("active")).then(pl.lit("Đang dùng")).otherwise(pl.lit("Đã khóa"))
                                  .alias("state"))
    vn_dataframe(shown, {"username": "Tên đăng nhập", "display_name": "Họ tên", "role_label": "Vai trò",
                         "area_name": "Địa bàn", "state": "Trạng thái", "failed_count": "Số lần sai",
                         "locked_until": "Tạm khóa đến", "created_by": "Người tạo"},
                 key="accounts_table", alt="Danh sách tài khoản")
    areas = units.areas(store)
    area_names = {access.ALL_AREAS: access.ALL_AREAS_LABEL, **dict(zip(areas["code"], areas["name"]))}
    roles = list(access.ROLE_LABELS)

    create, edit = st.tabs(["Tạo tài khoản", "Sửa tài khoản"])
    with create:
        with st.form("create_account", clear_on_submit=True):
            name = st.text_input("Tên đăng nhập", key="new_username")
            display = st.text_input("Họ tên", key="new_display")
            role = st.selectbox("Vai trò", roles, format_func=access.ROLE_LABELS.get, key="new_role")
            area = st.selectbox("Địa bàn", list(area_names), format_func=area_names.get, key="new_area")
            password = st.text_input(f"Mật khẩu (ít nhất {access.MIN_PASSWORD_LENGTH} ký tự)", type="password",
                                     key="new_password")
            if st.form_submit_button("Tạo tài khoản", type="primary"):
                act(access.create_account, name, password, role, area, display,
                    done=f"Đã tạo tài khoản «{name}».")
    with edit:
        target = st.selectbox("Tài khoản", accounts["username"].to_list(), key="edit_username")
        row = accounts.filter(pl.col("username") == target).row(0, named=True)
        with st.form("edit_account"):
            role = st.selectbox("Vai trò", roles, index=roles.index(row["role"]), format_func=access.ROLE_LABELS.get,
                                key="edit_role")
            codes = list(area_names)
            area = st.selectbox("Địa bàn", codes, index=codes.index(row["area_code"]) if row["area_code"] in codes else 0,
                                format_func=area_names.get, key="edit_area")
            if st.form_submit_button("Lưu vai trò, địa bàn"):
                act(access.update_account, target, role=role, area_code=area, done=f"Đã cập nhật «{target}».")
        with st.form("reset_password", clear_on_submit=True):
            new_pw = st.text_input("Mật khẩu mới", type="password", key="reset_pw")
            if st.form_submit_button("Đặt lại mật khẩu"):
                act(access.set_password, target, new_pw, done=f"Đã đặt lại mật khẩu của «{target}».")
        with st.container(horizontal=True):
            if st.button("Mở khóa đăng nhập", key="unlock"):
                act(access.unlock, target, done=f"Đã mở khóa «{target}».")
            if row["active"]:
                if st.button("Vô hiệu hóa", key="deactivate"):
                    act(access.set_active, target, False, done=f"Đã vô hiệu hóa «{target}».")
            elif st.button("Kích hoạt lại", key="activate"):
                act(access.set_active, target, True, done=f"Đã kích hoạt lại «{target}».")
