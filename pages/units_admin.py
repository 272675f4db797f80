"""Đơn vị hành chính: the administrator loads a real province's official units (old and new, with
the lineage of the 2025 reorganisation) after a preview of what will be created."""

import streamlit as st

from dcmetrics.errors import DcmetricsError
from dcmetrics.fmt import fmt_num
from dcmetrics.unit_list import import_unit_list
from dcmetrics.units import import_official
from ui.context import account, get_store, show_errors

st.title("Đơn vị hành chính chính thức")
store, user = get_store(), account()
st.caption("Danh mục tỉnh, xã sau ngày 01/7/2025 và huyện, xã trước sắp xếp lấy từ dữ liệu có sẵn của gói "
           "vietnamadminunits (không cần mạng). Đơn vị cũ được đánh giá đến năm 2024, đơn vị mới từ năm 2025 (mặc định "
           "của phần mềm, tệp data/units/reorganisation-2025.toml). Cơ quan, đơn vị sự nghiệp, doanh nghiệp của tỉnh "
           "đã có trong danh mục được giữ nguyên.")

FLASH = "units_flash"
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")

with st.form("official_units"):
    province = st.text_input("Tỉnh, thành phố (tên hoặc mã sau sắp xếp)", placeholder="ví dụ: Cà Mau hoặc 96",
                             key="official_province")
    legacy = st.checkbox("Nạp cả huyện, xã trước sắp xếp và liên kết cũ → mới (lịch sử 2023–2024)", value=True,
                         key="official_legacy")
    previewed = st.form_submit_button("Xem trước", icon=":material/preview:")

if previewed and province.strip():
    with show_errors():
        st.session_state["official_preview"] = (province.strip(), legacy,
                                                import_official(store, user, province.strip(), legacy, commit=False))

preview = st.session_state.get("official_preview")
if preview:
    name, with_old, r = preview
    st.subheader(f"{r.province_name} (mã {r.province_code})")
    with st.container(horizontal=True):
        st.metric("Đơn vị mới (tỉnh, xã)", fmt_num(r.new_units), border=True)
        st.metric("Đơn vị cũ (huyện, xã)", fmt_num(r.old_units), border=True)
        st.metric("Liên kết cũ → mới", fmt_num(r.lineage), border=True)
        st.metric("Xã cũ chia cho nhiều xã mới", fmt_num(r.divided), border=True)
    st.caption(f"Nguồn: {r.source}. Đã có trong danh mục (sẽ được cập nhật): {fmt_num(r.existing)}; "
               f"đơn vị khác giữ nguyên: {fmt_num(r.kept)}. Chưa ghi gì cho đến khi bấm «Nạp vào cơ sở dữ liệu».")
    if st.button("Nạp vào cơ sở dữ liệu", type="primary", icon=":material/database_upload:", key="official_commit"):
        try:
            done = import_official(store, user, name, with_old, commit=True)
        except DcmetricsError as e:
            st.error(str(e), icon=":material/error:")
        else:
            st.session_state.pop("official_preview", None)
            st.session_state[FLASH] = (f"Đã nạp {fmt_num(done.new_units + done.old_units)} đơn vị của "
                                       f"{done.province_name} và {fmt_num(done.lineage)} liên kết cũ → mới.")
            st.rerun()

st.subheader("Cơ quan, đơn vị sự nghiệp, doanh nghiệp, thôn, tổ dân phố của tỉnh")
st.caption("Tệp .xlsx hoặc .csv với các cột ma_don_vi, ten_don_vi, loai (Cơ quan, Đơn vị sự nghiệp, Doanh nghiệp, "
           "Thôn, Tổ dân phố, Khu phố, Ấp), ma_cap_tren, cum_thi_dua, nam_bat_dau, nam_ket_thuc. Thôn, tổ dân phố, "
           "khu phố, ấp phải thuộc một xã, phường, đặc khu (mã cấp trên là mã của xã). Mã đã có được cập nhật; đơn vị "
           "hành chính không đổi.")
listed = st.file_uploader("Danh sách đơn vị", type=["xlsx", "csv"], key="unit_list_file")
if listed is not None:
    content = listed.getvalue()
    with show_errors():
        check = import_unit_list(store, user, content, listed.name, commit=False)
        st.info(f"Tệp hợp lệ: {fmt_num(check.added)} đơn vị mới, {fmt_num(check.updated)} đơn vị cập nhật.",
                icon=":material/check_circle:")
        if st.button("Lưu danh sách đơn vị", type="primary", key="unit_list_commit"):
            done = import_unit_list(store, user, content, listed.name, commit=True)
            st.session_state[FLASH] = (f"Đã lưu {fmt_num(done.added)} đơn vị mới và cập nhật "
                                       f"{fmt_num(done.updated)} đơn vị từ {listed.name}.")
            st.rerun()
