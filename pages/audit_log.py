"""Nhật ký: who did what, when, before and after. Read-only: the app has no way to edit it."""

from datetime import datetime, time, timedelta

import streamlit as st

from dcmetrics import audit, exports
from ui.context import account, get_store, show_errors
from ui.tables import vn_dataframe

st.title("Nhật ký hoạt động")
store, user = get_store(), account()
ACTIONS = {
    None: "Tất cả", audit.LOGIN: "Đăng nhập", audit.LOGIN_FAILED: "Đăng nhập sai",
    audit.UPLOAD: "Gửi số liệu", audit.RESTORE: "Khôi phục tệp", audit.APPROVE: "Phê duyệt",
    audit.RETURN: "Trả lại", audit.REOPEN: "Mở lại", audit.APPRAISE: "Thẩm định chỉ tiêu",
    audit.UNITS_REPLACE: "Thay danh mục đơn vị", audit.UNITS_IMPORT: "Nạp đơn vị hành chính chính thức",
    audit.ASSIGNMENTS_SET: "Phân công bộ tiêu chí theo địa bàn", audit.LINEAGE_EDIT: "Sửa liên kết đơn vị cũ → mới",
    audit.DRAFT_CREATE: "Tạo bản nháp bộ tiêu chí", audit.DRAFT_SAVE: "Sửa bản nháp bộ tiêu chí",
    audit.DRAFT_PUBLISH: "Ban hành phiên bản bộ tiêu chí",
    audit.FRAMEWORK_REGISTER: "Ghi nhận bộ tiêu chí",
    audit.EVIDENCE_ATTACH: "Gửi minh chứng", audit.EVIDENCE_DELETE: "Xóa minh chứng",
    audit.EVIDENCE_DOWNLOAD: "Tải minh chứng", audit.EVIDENCE_REQUIRE: "Yêu cầu minh chứng",
    audit.ACCOUNT_CREATE: "Tạo tài khoản", audit.ACCOUNT_UPDATE: "Sửa tài khoản",
    audit.ACCOUNT_PASSWORD: "Đổi mật khẩu", audit.ACCOUNT_ACTIVE: "Khóa/mở tài khoản",
    audit.ACCOUNT_UNLOCK: "Mở khóa đăng nhập",
}

with show_errors():
    with st.container(horizontal=True, vertical_alignment="bottom"):
        since = st.date_input("Từ ngày", value=datetime.now().date() - timedelta(days=30), format="DD/MM/YYYY",
                              key="audit_since")
        until = st.date_input("Đến ngày", value=datetime.now().date(), format="DD/MM/YYYY", key="audit_until")
        action = st.selectbox("Việc", list(ACTIONS), format_func=ACTIONS.get, key="audit_action")
        who = st.text_input("Người thực hiện", key="audit_who")
    log = audit.audit_log(store, user, since=datetime.combine(since, time.min),
                          until=datetime.combine(until, time.min) + timedelta(days=1),
                          action=action, who=who.strip() or None)
    st.caption(f"{log.height} dòng")
    shown = log.with_columns(log["action"].replace_strict(ACTIONS, default=log["action"]).alias("action_label"))
    vn_dataframe(shown, {"at": "Thời điểm", "actor": "Người thực hiện", "action_label": "Việc", "object": "Đối tượng",
                         "before_json": "Trước", "after_json": "Sau"}, key="audit_table", alt="Nhật ký hoạt động")
    export = shown.select(shown["at"].cast(str).alias("Thời điểm"), shown["actor"].alias("Người thực hiện"),
                          shown["action_label"].alias("Việc"), shown["object"].alias("Đối tượng"),
                          shown["before_json"].alias("Trước"), shown["after_json"].alias("Sau"))
    st.download_button("Tải Excel", data=lambda: exports.xlsx_bytes(export, "Nhật ký"), key="audit_xlsx",
                       file_name="nhat-ky.xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
