"""Thi đua – Khen thưởng: the committee sets the rules, reads every pick and refusal with its
reasons, and exports the proposal list for the council's vote."""

import streamlit as st

from dcmetrics import proposal
from dcmetrics.shortlist import Rules, shortlist
from ui.context import current, show_errors
from ui.downloads import XLSX_MIME, File, fingerprint, offer
from ui.inputs import vn_number_input
from ui.tables import vn_dataframe

st.title("Thi đua – Khen thưởng")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx

with show_errors():
    version = profile.in_force(filters.year)  # its [commendation] defaults and levels apply
    st.caption(f"{version.title} · phiên bản {version.version} · năm {filters.year} · danh sách để Hội đồng xem xét, "
               "biểu quyết; không phải quyết định khen thưởng")
    defaults = Rules.from_profile(version, basis=filters.basis)
    levels = version.level_names()
    with st.form("rules"):
        st.markdown("**Tiêu chuẩn xét chọn** (mặc định theo bộ tiêu chí)")
        with st.container(horizontal=True):
            min_level = st.selectbox("Mức tối thiểu", levels, index=levels.index(defaults.min_level), key="r_level")
            # decimals with a comma (85,5), never Streamlit's «85.0»; counts stay whole numbers
            with st.container():
                min_total = vn_number_input("Điểm tối thiểu", value=defaults.min_total or 0.0, min_value=0.0,
                                            max_value=float(version.total_max), decimals=2, key="r_total",
                                            help="Ví dụ 90 hoặc 90,5; 0 = không xét điểm.")
            previous = st.number_input("Giữ mức này trong số năm liền trước", 0, 5, defaults.previous_years,
                                       step=1, format="%d", key="r_prev")
        with st.container(horizontal=True):
            per_area = st.number_input("Tối đa mỗi địa bàn (0 = không giới hạn)", 0, 100,
                                       defaults.max_per_area or 0, step=1, format="%d", key="r_area")
            with st.container():
                share = vn_number_input("Tối đa % số đơn vị dẫn đầu (0 = không giới hạn)",
                                        value=100 * (defaults.max_share or 0.0), min_value=0.0, max_value=100.0,
                                        decimals=1, key="r_share", help="Ví dụ 15 hoặc 12,5.")
        with st.container(horizontal=True):
            complete = st.checkbox("Đủ số liệu", defaults.require_complete, key="r_complete")
            violations = st.checkbox("Không còn vi phạm chưa xử lý", defaults.no_unhandled_violation, key="r_viol")
            per_cluster = st.checkbox("Xét theo cụm, khối thi đua", defaults.per_cluster, key="r_cluster")
        st.form_submit_button("Lập danh sách", type="primary")
    if min_total is None or share is None:  # the message is under the box
        st.stop()
    rules = Rules(min_level=min_level, min_total=min_total or None, require_complete=complete,
                  no_unhandled_violation=violations, previous_years=int(previous),
                  max_per_area=int(per_area) or None, max_share=(share / 100) or None,
                  per_cluster=per_cluster, basis=filters.basis)
    sl = shortlist(store, user, profile, filters.year, rules, area=filters.area, unit_type=filters.unit_type)

    with st.container(horizontal=True):
        st.metric("Đề nghị", len(sl.selected), border=True)
        st.metric("Sát nút", len(sl.near), border=True)
        st.metric("Đơn vị được xếp loại", sl.n_rated, border=True)
        st.metric("Cần nhắc nhở", len(sl.reminders), border=True)
    labels = {"unit_name": "Đơn vị", "parent_name": "Địa bàn", "total": "Tổng điểm", "level": "Mức độ",
              "rank_used": "Hạng xét", "reasons": "Lý do"}
    st.subheader("Danh sách đề nghị")
    vn_dataframe(sl.selected, labels, points=("total",), numbers=("rank_used",), key="sl_selected",
                 alt="Đơn vị được đề nghị")
    st.subheader("Sát nút")
    vn_dataframe(sl.near, labels, points=("total",), numbers=("rank_used",), key="sl_near", alt="Đơn vị sát nút")
    col1, col2 = st.columns(2)
    with col1:
        st.subheader("Dẫn đầu cụm, khối thi đua")
        vn_dataframe(sl.cluster_leaders, {c: lab for c, lab in {"cluster": "Cụm, khối", "unit_name": "Đơn vị",
                                                               "total": "Tổng điểm", "level": "Mức độ"}.items()
                                          if c in sl.cluster_leaders.columns},
                     points=("total",), key="sl_leaders", alt="Đơn vị dẫn đầu cụm")
    with col2:
        st.subheader("Cần nhắc nhở")
        vn_dataframe(sl.reminders, {c: lab for c, lab in {"unit_name": "Đơn vị", "total": "Tổng điểm",
                                                         "level": "Mức độ", "reason": "Lý do",
                                                         "reasons": "Lý do"}.items()
                                    if c in sl.reminders.columns},
                     points=("total",), key="sl_reminders", alt="Đơn vị cần nhắc nhở")
    with st.expander("Tất cả đơn vị và từng tiêu chuẩn"):
        checks = {"ok_level": "Mức", "ok_total": "Điểm", "ok_complete": "Đủ số liệu", "ok_violations": "Vi phạm",
                  "ok_history": "Các năm trước", "ok_quota": "Hạn mức"}
        vn_dataframe(sl.units, {"unit_name": "Đơn vị", "total": "Tổng điểm", "rank_used": "Hạng xét",
                                "status": "Kết quả", **checks, "reasons": "Lý do"},
                     points=("total",), numbers=("rank_used",), key="sl_all", alt="Từng tiêu chuẩn")

    if sl.awaiting.height:
        st.subheader("Chưa phê duyệt")
        st.caption("Số liệu của các đơn vị này chưa được người thẩm định phê duyệt"
                   + (": không được xét trong danh sách sau thẩm định." if sl.basis == "appraised"
                      else "; trên điểm tự chấm, đơn vị vẫn được xét nhưng danh sách chỉ được xuất khi Hội đồng "
                           "ghi lý do."))
        vn_dataframe(sl.awaiting, {"unit_name": "Đơn vị", "parent_name": "Địa bàn", "review_label": "Trạng thái",
                                   "reason": "Lý do"}, key="sl_awaiting", alt="Đơn vị có số liệu chưa phê duyệt")
    pending_reason = None
    if sl.pending_selected.height:
        pending_reason = st.text_area(
            f"Lý do vẫn xuất danh sách khi {sl.pending_selected.height} đơn vị được đề nghị chưa được phê duyệt số liệu",
            key="sl_pending_reason")
        if not (pending_reason or "").strip():
            st.warning("Chưa xuất được danh sách: đơn vị được đề nghị có số liệu chưa được phê duyệt. Hãy chờ thẩm "
                       "định xong, hoặc ghi lý do Hội đồng vẫn xuất danh sách.", icon=":material/pending_actions:")
            st.stop()

    title = f"{sl.area_name}"
    # built once for these rules and data, kept for the session: the button never points at a
    # file the server has dropped (Streamlit's deferred data did, after a rerun)
    files = [File("Tải danh sách (Excel)", f"de-nghi-khen-thuong-{filters.year}.xlsx", XLSX_MIME, "sl_xlsx",
                  ":material/download:"),
             File("Tải bản in (HTML)", f"de-nghi-khen-thuong-{filters.year}.html", "text/html", "sl_html",
                  ":material/print:")]
    with st.container(horizontal=True):
        offer("commendation", files,
              lambda: (proposal.shortlist_xlsx(sl, title, pending_reason),
                       proposal.shortlist_html(sl, title, pending_reason).encode("utf-8")),
              depends=fingerprint(user.username, profile.id, version.version, filters, rules, title,
                                  store.data_version(), sl.units, pending_reason),
              on_click=proposal.build_on_demand(sl), prepare_label="Chuẩn bị tệp tải về")
