"""Tiến độ nộp số liệu: by area and by unit, what is expected, sent, on time, late, missing,
returned and approved; whom to remind, exportable."""

import polars as pl
import streamlit as st

from dcmetrics import completeness
from dcmetrics.config import UNIT_TYPE_LABELS
from dcmetrics.fmt import fmt_num, fmt_pct
from ui.context import current, show_errors
from ui.tables import vn_dataframe

st.title("Tiến độ nộp số liệu")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx

COUNT_LABELS = {"n_expected": "Số liệu phải nộp", "n_submitted": "Đã nộp", "n_on_time": "Đúng hạn",
                "n_late": "Nộp muộn", "n_missing": "Còn thiếu", "n_returned": "Bị trả lại",
                "n_approved": "Đã phê duyệt"}


def pct_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns([pl.col(c).map_elements(fmt_pct, return_dtype=pl.String).alias(f"{c}_text")
                               for c in ("pct_submitted", "pct_on_time", "pct_approved")])


with show_errors():
    result = completeness.completeness(store, profile, filters, user)
    version = profile.in_force(filters.year)
    st.caption(f"{version.title} · năm {filters.year} · số liệu phải nộp: mỗi đơn vị được đánh giá × mỗi chỉ tiêu "
               "bộ tiêu chí áp dụng cho loại đơn vị đó và do đơn vị tự nhập")
    st.info(result.period_text, icon=":material/event:")
    if result.units.is_empty():
        st.info("Không có đơn vị nào khớp bộ lọc đã chọn.", icon=":material/filter_alt_off:")
        st.stop()
    t = result.total
    with st.container(horizontal=True):
        st.metric("Đơn vị được đánh giá", fmt_num(t["units"]), border=True)
        st.metric("Đơn vị đã gửi", fmt_num(t["units_sent"]), border=True)
        st.metric("Số liệu đã nộp", fmt_pct(t["pct_submitted"]), border=True,
                  help=f"{fmt_num(t['n_submitted'])} / {fmt_num(t['n_expected'])} số liệu phải nộp")
        st.metric("Nộp đúng hạn", fmt_pct(t["pct_on_time"]), border=True)
        st.metric("Đã phê duyệt", fmt_pct(t["pct_approved"]), border=True)

    st.subheader("Theo địa bàn gửi số liệu")
    vn_dataframe(pct_text(result.areas), {
        "area_name": "Địa bàn", "units": "Số đơn vị", "units_missing": "Đơn vị chưa gửi", **COUNT_LABELS,
        "pct_submitted_text": "Tỷ lệ đã nộp", "pct_on_time_text": "Tỷ lệ đúng hạn",
        "pct_approved_text": "Tỷ lệ đã phê duyệt"}, numbers=tuple(COUNT_LABELS) + ("units", "units_missing"),
        key="completeness_areas", alt="Tiến độ nộp số liệu theo địa bàn")

    st.subheader("Cần nhắc")
    if result.reminders.is_empty():
        st.success("Mọi đơn vị đã gửi đủ số liệu, không đơn vị nào bị trả lại.", icon=":material/task_alt:")
    else:
        st.caption(f"{fmt_num(result.reminders.height)} đơn vị chưa gửi, bị trả lại hoặc còn thiếu số liệu.")
        vn_dataframe(result.reminders.with_columns(pl.col("unit_type").replace_strict(UNIT_TYPE_LABELS,
                                                                                       default=pl.col("unit_type"))),
                     {"area_name": "Địa bàn", "unit_name": "Đơn vị", "unit_type": "Loại đơn vị", "reason": "Cần nhắc",
                      "n_missing": "Còn thiếu", "uploaders": "Tài khoản nhập liệu của địa bàn"},
                     numbers=("n_missing",), key="completeness_reminders", alt="Đơn vị cần nhắc")
        st.download_button("Tải danh sách cần nhắc (.xlsx)", completeness.reminders_xlsx(result),
                           file_name=f"can-nhac-nop-so-lieu-{filters.year}.xlsx", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="completeness_export")

    st.subheader("Theo đơn vị")
    units = result.units.with_columns(
        pl.when(pl.col("late").is_null()).then(pl.lit("–")).when(pl.col("late")).then(pl.lit("Nộp muộn"))
        .otherwise(pl.lit("Đúng hạn")).alias("late_text"))
    vn_dataframe(units, {"area_name": "Địa bàn", "unit_code": "Mã đơn vị", "unit_name": "Đơn vị",
                         "n_expected": "Số liệu phải nộp", "n_submitted": "Đã nộp", "n_missing": "Còn thiếu",
                         "sent_at": "Thời điểm gửi", "late_text": "Hạn gửi", "review_label": "Trạng thái",
                         "review_reason": "Lý do trả lại"},
                 numbers=("n_expected", "n_submitted", "n_missing"), key="completeness_units",
                 alt="Tiến độ nộp số liệu theo đơn vị", noun="đơn vị")
