"""Nhật ký: who did what, to which unit or account, when, and what changed. Read-only: the app
has no way to edit it. The readable rows come from dcmetrics.audit_view (page and export alike)."""

from datetime import datetime, time, timedelta

import streamlit as st

from dcmetrics import audit, audit_view, exports
from ui.context import account, get_store, show_errors
from ui.downloads import XLSX_MIME, File, fingerprint, offer
from ui.tables import vn_dataframe

st.title("Nhật ký hoạt động")
store, user = get_store(), account()
ACTIONS = {None: "Tất cả", **audit.ACTION_LABELS}

with show_errors():
    with st.container(horizontal=True, vertical_alignment="bottom"):
        since = st.date_input("Từ ngày", value=datetime.now().date() - timedelta(days=30), format="DD/MM/YYYY",
                              key="audit_since")
        until = st.date_input("Đến ngày", value=datetime.now().date(), format="DD/MM/YYYY", key="audit_until")
        action = st.selectbox("Việc", list(ACTIONS), format_func=ACTIONS.get, key="audit_action")
        who = st.text_input("Tên đăng nhập của người thực hiện", key="audit_who")
    log = audit.audit_log(store, user, since=datetime.combine(since, time.min),
                          until=datetime.combine(until, time.min) + timedelta(days=1),
                          action=action, who=who.strip() or None)
    shown = audit_view.describe(store, log)
    st.caption(f"{log.height} dòng")
    vn_dataframe(shown, {"at": "Thời điểm", "who": "Người thực hiện", "action_label": "Việc",
                         "object_label": "Đối tượng", "details": "Chi tiết"}, key="audit_table",
                 alt="Nhật ký hoạt động")
    if shown.height:
        sentences = dict(zip(shown["id"], shown["sentence"]))
        pick = st.selectbox("Xem chi tiết một dòng", list(sentences), format_func=sentences.get, key="audit_pick")
        vn_dataframe(audit_view.details(store, log, pick), {"field": "Mục", "before": "Trước", "after": "Sau"},
                     key="audit_details", alt="Chi tiết dòng nhật ký")
    export = audit_view.export_frame(shown)
    # built once for the rows shown, kept for the session (ui/downloads.py)
    offer("audit", [File("Tải Excel", "nhat-ky.xlsx", XLSX_MIME, "audit_xlsx", ":material/download:")],
          lambda: [exports.xlsx_bytes(export, "Nhật ký", title="NHẬT KÝ HOẠT ĐỘNG", lines=[
              f"Từ ngày {since:%d/%m/%Y} đến ngày {until:%d/%m/%Y}; việc: {ACTIONS[action]}; "
              f"người thực hiện: {who.strip() or 'tất cả'}; {export.height} dòng."])],
          depends=fingerprint(export, since, until, action, who))
