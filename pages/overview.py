"""Tổng quan: how the area is doing this year."""

import polars as pl
import streamlit as st

from dcmetrics.completeness import province_summary
from dcmetrics.dashboard import awaiting_review, overview, ranking
from dcmetrics.display.page_charts import area_stacks, level_bars
from dcmetrics.fmt import fmt_num, fmt_pct, fmt_points
from ui.charts import svg
from ui.context import current, show_errors
from ui.levels import NOT_RATED, level_colors
from ui.tables import vn_dataframe

st.title("Tổng quan")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx

with show_errors():
    version = profile.in_force(filters.year)  # the version that scored the chosen year
    st.caption(f"{version.title} · phiên bản {version.version} · năm {filters.year}")
    ov = overview(store, profile, filters, user)
    waiting = awaiting_review(store, profile, filters, user)
    if waiting:
        st.warning(waiting, icon=":material/pending_actions:")
    if ov.n_units == 0:
        st.info("Không có đơn vị nào khớp bộ lọc đã chọn.", icon=":material/filter_alt_off:")
        st.stop()
    with st.container(horizontal=True):
        st.metric("Đơn vị được đánh giá", fmt_num(ov.n_units), border=True)
        st.metric("Đủ số liệu", fmt_num(ov.n_complete), border=True)
        st.metric("Được xếp loại", fmt_num(ov.n_rated), border=True)
        st.metric("Điểm bình quân", fmt_points(ov.mean_total), border=True,
                  delta=None if ov.mean_change is None else fmt_num(ov.mean_change))
        sent = province_summary(store, profile, filters, user)
        st.metric("Số liệu đã nộp", fmt_pct(sent["pct_submitted"]), border=True,
                  help=f"{fmt_num(sent['n_submitted'])} / {fmt_num(sent['n_expected'])} số liệu phải nộp; "
                       f"đã phê duyệt {fmt_pct(sent['pct_approved'])} (trang Tiến độ nộp số liệu)")
    st.subheader("Số đơn vị theo mức độ thực hiện")
    levels = ov.levels.with_columns(share_text=ov.levels["share"].map_elements(fmt_pct, return_dtype=str))
    # one palette for the levels on every page: best green to worst deep red (dcmetrics.palette)
    colors = level_colors(version.level_names())
    svg(level_bars(ov.levels, filters.year, colors))
    vn_dataframe(levels, {"level": "Mức độ", "count": "Năm nay", "prev_count": "Năm trước", "share_text": "Tỷ lệ"},
                 alt="Số đơn vị theo mức")
    st.subheader("Mức độ thực hiện theo địa bàn")
    svg(area_stacks(ov.by_area, [*version.level_names(), NOT_RATED], colors), max_width=900)

    if ov.targets.height:
        st.subheader("Mục tiêu của nghị quyết")
        targets = ov.targets.with_columns(
            pl.col("share_met").map_elements(fmt_pct, return_dtype=pl.String).alias("share_text"),
            pl.col("goal").map_elements(lambda g: f"{fmt_num(g)} %", return_dtype=pl.String).alias("goal_text"),
            pl.col("gap").map_elements(lambda g: f"{fmt_num(g, 1)} điểm %", return_dtype=pl.String).alias("gap_text")
        ).with_columns(  # a target no indicator measures: said, not counted
            pl.when(pl.col("indicator").is_null()).then(pl.lit("chưa có chỉ tiêu đo")).otherwise(pl.col("share_text"))
            .alias("share_text"), pl.col("gap_text").fill_null("–"))
        vn_dataframe(targets, {"key": "Mục", "text": "Mục tiêu", "goal_text": "Chỉ tiêu", "n_met": "Số đơn vị đạt",
                               "n_units": "Số đơn vị áp dụng", "share_text": "Tỷ lệ đạt", "gap_text": "Còn thiếu",
                               "clause": "Điều khoản", "source": "Nguồn của chỉ tiêu"}, key="targets",
                     alt="Mục tiêu của nghị quyết")

    table = ranking(store, profile, filters, user).filter("rated")
    col1, col2 = st.columns(2)
    labels = {"rank": "Hạng", "unit_name": "Đơn vị", "parent_name": "Địa bàn", "total": "Tổng điểm", "level": "Mức"}
    with col1:
        st.subheader("Dẫn đầu")
        vn_dataframe(table.head(5), labels, points=("total",), alt="Năm đơn vị dẫn đầu")
    with col2:
        st.subheader("Cần cố gắng")
        vn_dataframe(table.tail(5).reverse(), labels, points=("total",), alt="Năm đơn vị điểm thấp nhất")
