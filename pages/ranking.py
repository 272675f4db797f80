"""Xếp hạng: every scored unit of the year in the chosen scope, best first."""

from dataclasses import replace

import plotly.express as px
import polars as pl
import streamlit as st

from dcmetrics import config, exports
from dcmetrics.dashboard import awaiting_review, cross_profile_levels, profiles_in_scope, ranking
from dcmetrics.display.page_charts import group_heat
from dcmetrics.fmt import fmt_num
from dcmetrics.reports import ranking_export
from ui.charts import figure, svg
from ui.context import current, get_profiles, show_errors
from ui.downloads import XLSX_MIME, File, csv_choice, fingerprint, offer
from ui.levels import NOT_RATED, level_colors
from ui.tables import vn_dataframe

CROSS_PROFILE = "So sánh giữa các bộ tiêu chí (chỉ so mức độ)"
# Rows of the heat map by unit: more cannot be told apart (the software's default, no text sets it).
HEAT_UNITS = 100


st.title("Xếp hạng đơn vị")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx


def show_cross_profile() -> None:
    """Units of every profile that evaluates the area, side by side by level only: no points."""
    view = cross_profile_levels(store, get_profiles(), filters, user)
    st.info(view.why, icon=":material/compare_arrows:")
    vn_dataframe(view.profiles, {"profile_id": "Mã bộ", "n_groups": "Số nhóm biện pháp", "total_max": "Tổng điểm tối đa",
                                 "bands": "Ngưỡng mức độ", "bands_source": "Nguồn ngưỡng mức độ",
                                 "points_source": "Nguồn điểm các nhóm", "document": "Văn bản",
                                 "profile_title": "Bộ tiêu chí"},
                 numbers=("n_groups", "total_max"), alt="Vì sao điểm của các bộ tiêu chí không so sánh được")
    colors = {}
    for pid in view.profiles["profile_id"].to_list():  # each profile's levels, best green to worst red
        for name, color in level_colors(get_profiles()[pid].in_force(filters.year).level_names()).items():
            colors.setdefault(name, color)
    dist = view.distribution.with_columns((pl.col("share") * 100).alias("pct"))
    fig = px.bar(dist, x="pct", y="profile_id", color="level", orientation="h", color_discrete_map=colors,
                 category_orders={"level": list(dict.fromkeys(dist.sort("level_ord", nulls_last=True)["level"]))},
                 labels={"pct": "% đơn vị của bộ tiêu chí", "profile_id": "Mã bộ tiêu chí", "level": "Mức độ"},
                 custom_data=["count"])
    fig.update_traces(hovertemplate="%{y}: %{x:.1f}% (%{customdata[0]} đơn vị)")
    fig.update_layout(separators=",.", barmode="stack", height=140 + 50 * view.profiles.height)
    st.plotly_chart(fig, key="cross_profile_levels")
    shown = view.units.with_columns(
        pl.col("unit_type").replace_strict(config.UNIT_TYPE_LABELS, default=pl.col("unit_type")),
        pl.when(pl.col("level_ord").is_not_null())
        .then(pl.format("{}/{}", pl.col("level_ord"), pl.col("n_levels"))).otherwise(pl.lit("–")).alias("order"))
    vn_dataframe(shown, {"unit_name": "Đơn vị", "level": "Mức độ", "order": "Thứ bậc mức trong bộ",
                         "profile_id": "Mã bộ", "parent_name": "Địa bàn", "unit_type": "Loại",
                         "profile_title": "Bộ tiêu chí đánh giá", "unit_code": "Mã"},
                 alt="Mức độ của từng đơn vị theo bộ tiêu chí của đơn vị", noun="đơn vị")
    st.caption(f"«{NOT_RATED}»: đơn vị không được xếp mức theo bộ tiêu chí của mình; lý do ở bảng xếp hạng của bộ đó.")


with show_errors():
    applying = profiles_in_scope(store, filters, user)
    if applying is not None and len(applying) > 1 and st.toggle(CROSS_PROFILE, key="cross_profile"):
        show_cross_profile()
        st.stop()

with show_errors():
    version = profile.in_force(filters.year)  # the version that scored the chosen year
    st.caption(f"{version.title} · phiên bản {version.version} · năm {filters.year}")
    table = ranking(store, profile, filters, user)
    waiting = awaiting_review(store, profile, filters, user)
    if waiting:
        st.warning(waiting, icon=":material/pending_actions:")
    if table.is_empty():
        st.info("Không có đơn vị nào khớp bộ lọc đã chọn.", icon=":material/filter_alt_off:")
        st.stop()
    keys = [g.key for g in version.groups]
    shown = table.with_columns(
        pl.col("unit_type").replace_strict(config.UNIT_TYPE_LABELS, default=pl.col("unit_type")),
        pl.when(pl.col("rated")).then(pl.col("level")).otherwise(pl.lit("Không xếp loại")).alias("level"),
        pl.when(pl.col("complete")).then(pl.lit("Đủ")).otherwise(pl.lit("Thiếu")).alias("complete"))
    labels = {"rank": "Hạng", "unit_name": "Đơn vị", "parent_name": "Địa bàn", "unit_type": "Loại",
              "total": "Tổng điểm", "level": "Mức độ", **{k: k for k in keys},
              "rank_change": "Hạng tăng/giảm", "total_change": "Điểm tăng/giảm",
              "rank_parent": "Hạng trong địa bàn", "rank_type": "Hạng theo loại",
              "rank_cluster": "Hạng trong cụm", "cluster": "Cụm, khối thi đua", "complete": "Số liệu",
              **({"review_label": "Trạng thái số liệu"} if filters.basis == "self" else {}),
              "unit_code": "Mã"}
    st.markdown(" · ".join(f"**{g.key}**: {g.name[:60]}{'…' if len(g.name) > 60 else ''} ({g.points:g} điểm)"
                           for g in version.groups))
    event = vn_dataframe(shown, labels, points=("total", "total_change", *keys),
                         numbers=("rank_change", "rank_parent", "rank_type", "rank_cluster", "rank"),
                         key="ranking_table", on_select="rerun", selection_mode="single-row",
                         alt="Bảng xếp hạng đơn vị", noun="đơn vị",
                         search=("unit_name", "unit_code", "parent_name", "cluster"))
    selected = event.selection.rows if event else []
    if selected:
        st.session_state["unit_code"] = table["unit_code"][selected[0]]
        st.switch_page("pages/unit.py", query_params={})
    st.caption("Chọn một dòng để xem chi tiết đơn vị. Đơn vị cùng điểm có cùng hạng (1, 2, 2, 4).")

    def build_exports():
        """Both files from one table: the chosen basis and, beside it, the other (a second ranking,
        costly at national size: computed only when the user asks for the files)."""
        other_basis = "self" if filters.basis == "appraised" else "appraised"
        other = ranking(store, profile, replace(filters, basis=other_basis), user)
        return ranking_export.ranking_files(table, other, version, filters.year, filters.basis,
                                            ranking_export.scope_text(store, filters.area, filters.unit_type),
                                            dialect)

    dialect = csv_choice("rank_csv_dialect")
    with st.container(horizontal=True):
        offer("ranking", [File("Tải Excel", f"xep-hang-{profile.id}-{filters.year}.xlsx", XLSX_MIME, "rank_xlsx",
                               ":material/download:"),
                          File("Tải CSV", f"xep-hang-{profile.id}-{filters.year}.csv", "text/csv", "rank_csv",
                               ":material/download:")],
              build_exports, on_click=True, prepare_label="Chuẩn bị tệp Excel, CSV",
              depends=fingerprint(user.username, profile.id, version.version, filters, store.data_version(),
                                  dialect))

    st.subheader("Bản đồ nhiệt: tỷ lệ điểm đạt của từng nhóm")
    by = st.segmented_control("Theo", ["Địa bàn", "Đơn vị"], default="Địa bàn", key="heat_by")
    by_unit = by == "Đơn vị"
    heat_rows = table
    if by_unit and table.height > HEAT_UNITS:  # one row per unit: 40,000 rows cannot be drawn or read
        heat_rows = pl.concat([table.head(HEAT_UNITS // 2), table.tail(HEAT_UNITS // 2)])

    def heat_chart() -> str:
        return group_heat(exports.group_shares(heat_rows, version, by_area=not by_unit),
                          "Tỷ lệ điểm đạt của từng nhóm, theo " + ("đơn vị" if by_unit else "địa bàn"))

    svg(figure(store, user, heat_chart, "heatmap", by_unit, profile.id, version.version, filters), max_width=1000)
    if heat_rows.height < table.height:
        st.caption(f"Bản đồ nhiệt vẽ {HEAT_UNITS // 2} đơn vị đầu bảng và {HEAT_UNITS // 2} đơn vị cuối bảng trong "
                   f"{fmt_num(table.height)} đơn vị; chọn một địa bàn ở thanh bên để xem các đơn vị khác.")
