"""Bản đồ: units as points at their official coordinates, coloured by level; offline (no tiles)."""

import math

import plotly.express as px
import polars as pl
import streamlit as st

from dcmetrics.dashboard import awaiting_review, map_points
from dcmetrics.fmt import fmt_points
from ui.context import current, show_errors
from ui.levels import NOT_RATED, level_colors

st.title("Bản đồ")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx

with show_errors():
    version = profile.in_force(filters.year)
    points = map_points(store, profile, filters, user)
    waiting = awaiting_review(store, profile, filters, user)
    if waiting:
        st.warning(waiting, icon=":material/pending_actions:")
    st.caption(f"{version.title} · phiên bản {version.version} · năm {filters.year} · mỗi điểm là một đơn vị tại "
               "tọa độ chính thức của nó (dữ liệu mẫu: tọa độ giả định); bản đồ vẽ không cần mạng, không có nền "
               "bản đồ. Chọn một điểm để xem chi tiết đơn vị.")
    if points.is_empty():
        st.info("Chưa có tọa độ của đơn vị nào khớp bộ lọc: nạp đơn vị hành chính chính thức của tỉnh "
                "(dcmetrics units-import --province … --legacy) để có tọa độ.", icon=":material/location_off:")
        st.stop()
    levels = version.level_names()
    shown = points.with_columns(pl.col("level").fill_null(NOT_RATED).alias("Mức độ"),
                                pl.col("total").map_elements(fmt_points, return_dtype=pl.String).alias("Tổng điểm"))
    fig = px.scatter(shown.to_pandas(), x="lon", y="lat", color="Mức độ", hover_name="unit_name",
                     hover_data={"Tổng điểm": True, "Mức độ": True, "lon": False, "lat": False},
                     custom_data=["unit_code"], color_discrete_map=level_colors(levels),
                     category_orders={"Mức độ": [*levels, NOT_RATED]},
                     labels={"lon": "Kinh độ", "lat": "Vĩ độ"})
    # equal distances on both axes: a degree of longitude is cos(latitude) of a degree of latitude
    mid = (points["lat"].min() + points["lat"].max()) / 2
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians(mid)))
    fig.update_traces(marker={"size": 9, "line": {"width": 0.5, "color": "#333"}})
    fig.update_layout(separators=",.", height=640, legend_title_text="Mức độ", plot_bgcolor="#f7f7f4")
    event = st.plotly_chart(fig, key="unit_map", on_select="rerun", selection_mode="points")
    chosen = event.selection.points if event and event.selection else []
    if chosen:
        st.session_state["unit_code"] = chosen[0]["customdata"][0]
        st.switch_page("pages/unit.py", query_params={})
    st.caption(f"{points.height} đơn vị có tọa độ; " + ", ".join(
        f"{lv}: {shown.filter(pl.col('Mức độ') == lv).height}" for lv in [*levels, NOT_RATED]))
