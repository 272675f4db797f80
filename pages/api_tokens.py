"""Khóa truy cập API: administrators issue (the secret shown once), list and revoke tokens."""

import polars as pl
import streamlit as st

from dcmetrics import access
from dcmetrics.api import tokens
from dcmetrics.errors import DcmetricsError
from ui.context import account, get_store, show_errors
from ui.tables import vn_dataframe

st.title("Khóa truy cập API")
store, user = get_store(), account()
ISSUED = "api_token_issued"

st.caption("Hệ thống khác của tỉnh (cổng thông tin, phần mềm quản lý cán bộ, báo cáo tổng hợp) đọc kết quả qua "
           "địa chỉ /api/v1/… bằng khóa này, với đúng quyền và địa bàn của tài khoản được gắn. Mô tả các địa chỉ: "
           "/api/v1/openapi.json. Thời hạn mặc định "
           f"{tokens.DEFAULT_DAYS} ngày là mặc định của phần mềm — chưa có văn bản quy định.")

with show_errors():
    listed = tokens.list_tokens(store, user)  # refused (shown) for anyone but an administrator
    secret = st.session_state.pop(ISSUED, None)
    if secret:
        st.success("Đã cấp khóa. Hãy sao chép ngay: khóa chỉ hiện một lần này, phần mềm chỉ lưu mã băm của khóa.",
                   icon=":material/key:")
        st.code(secret, language=None)
    accounts = access.list_accounts(store, user).filter(pl.col("active"))
    with st.form("issue_token", clear_on_submit=True):
        who = st.selectbox("Tài khoản", accounts["username"].to_list(), key="token_account",
                           format_func=lambda u: f"{u} — " + accounts.filter(pl.col("username") == u)["role_label"][0])
        name = st.text_input("Dùng cho", placeholder="Cổng thông tin điện tử tỉnh", key="token_name")
        days = st.number_input("Thời hạn (ngày)", min_value=1, max_value=tokens.MAX_DAYS, value=tokens.DEFAULT_DAYS,
                               step=1, key="token_days")
        if st.form_submit_button("Cấp khóa", type="primary"):
            try:
                issued = tokens.issue(store, user, who, name, int(days))
            except DcmetricsError as e:
                st.error(str(e), icon=":material/error:")
            else:
                st.session_state[ISSUED] = issued.secret
                st.rerun()

    if listed.is_empty():
        st.info("Chưa cấp khóa nào.", icon=":material/info:")
    else:
        shown = listed.with_columns(pl.col("state").replace_strict(tokens.STATE_LABELS, default=pl.col("state")))
        vn_dataframe(shown, {"id": "Số", "prefix": "Nhận diện", "username": "Tài khoản", "name": "Dùng cho",
                             "state": "Trạng thái", "expires_at": "Hết hạn", "last_used_at": "Dùng lần cuối",
                             "created_by": "Người cấp", "created_at": "Ngày cấp", "revoked_at": "Thu hồi lúc"},
                     numbers=("id",), key="tokens_table", alt="Danh sách khóa truy cập API")
        usable = listed.filter(pl.col("state") == "active")
        if not usable.is_empty():
            labels = {r["id"]: f"{r['prefix']}… — {r['username']} — {r['name']}" for r in usable.iter_rows(named=True)}
            chosen = st.selectbox("Khóa cần thu hồi", list(labels), format_func=labels.get, key="token_revoke")
            if st.button("Thu hồi khóa", key="token_revoke_button"):
                try:
                    tokens.revoke(store, user, chosen)
                except DcmetricsError as e:
                    st.error(str(e), icon=":material/error:")
                else:
                    st.rerun()
