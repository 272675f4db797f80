"""Xu hướng: totals over the years, by area and type, movers, and moves between levels."""

from collections import Counter

import polars as pl
import streamlit as st

from dcmetrics.fmt import sort_vi
from dcmetrics.dashboard import awaiting_review
from dcmetrics.display.chooser import ALL_UNITS, unit_options
from dcmetrics.display.page_charts import lines
from dcmetrics.trends import trends
from ui.charts import svg
from ui.context import current, show_errors
from ui.tables import vn_dataframe

st.title("Xu hướng qua các năm")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx


def periods(versions: pl.DataFrame) -> str:
    """«phiên bản 2023.1: 2021–2023; phiên bản 2025.1: 2024–2025»"""
    parts = []
    for v in versions.group_by("version", maintain_order=True).agg(pl.col("year").min().alias("a"),
                                                                     pl.col("year").max().alias("b")).iter_rows(named=True):
        parts.append(f"phiên bản {v['version']}: " + (str(v["a"]) if v["a"] == v["b"] else f"{v['a']}–{v['b']}"))
    return "; ".join(parts)


# More lines than this on one chart cannot be told apart (a whole nation has over a hundred areas):
# the software's default, no text sets it.
MAX_AREA_LINES = 20


def chart_areas(by_area: pl.DataFrame, year: int) -> tuple[pl.DataFrame, list[str], str]:
    """The areas the chart draws (all, or the 10 best and 10 worst of `year` when there are more
    than MAX_AREA_LINES), in Vietnamese order, and a caption saying which were left out."""
    names = by_area["area_name"].unique()
    note = ""
    if names.len() > MAX_AREA_LINES:
        last = by_area.filter(pl.col("year") == by_area["year"].filter(by_area["year"] <= year).max())
        ranked = last.sort("mean_total", descending=True)["area_name"].unique(maintain_order=True)
        half = MAX_AREA_LINES // 2
        keep = pl.concat([ranked.head(half), ranked.tail(half)]).unique(maintain_order=True)
        by_area = by_area.filter(pl.col("area_name").is_in(keep.implode()))
        note = (f"Biểu đồ vẽ {half} địa bàn điểm bình quân cao nhất và {half} địa bàn thấp nhất năm {year} "
                f"trong {names.len()} địa bàn; chọn một địa bàn ở thanh bên để xem các địa bàn khác.")
    areas = sort_vi(by_area.select("area_name").unique(), "area_name")["area_name"].to_list()
    return by_area, areas, note


@st.cache_resource(max_entries=16, show_spinner=False)
def _unit_choices(_units: pl.DataFrame, data_version: int, scope: str) -> tuple[dict, pl.DataFrame]:
    """Names and the Vietnamese order of the units offered (40,000 at national size: sorting them
    on every rerun cost 0.4 s), cached per scope (account, profile, filters) and data version. A
    resource, read only: as cached data every rerun unpickled the 40,000 names again (13 % of it)."""
    pairs = _units.select("unit_code", "unit_name").unique().sort("unit_code")  # equal names: by code
    return dict(zip(pairs["unit_code"], pairs["unit_name"])), sort_vi(pairs, "unit_name")


def unit_choices(units: pl.DataFrame, data_version: int) -> tuple[dict, pl.DataFrame]:
    return _unit_choices(units, data_version, repr((store.path, user.username, user.area_code, profile.id, filters)))


with show_errors():
    t = trends(store, user, profile, filters)
    waiting = awaiting_review(store, profile, filters, user)
    if waiting:
        st.warning(waiting, icon=":material/pending_actions:")
    st.caption(f"{profile.title} · mỗi năm tính theo phiên bản có hiệu lực năm đó ({periods(t.versions)})")
    if t.versions["changed"].any():
        changes = ", ".join(str(y) for y in t.versions.filter(pl.col("changed"))["year"].to_list())
        st.warning(f"Bộ tiêu chí đổi phiên bản từ năm {changes} (đường nét đứt trên biểu đồ): điểm trước và sau "
                   "mốc này tính theo quy tắc khác nhau, cần thận trọng khi so sánh.", icon=":material/rule:")
    if t.units.is_empty():
        st.info("Không có đơn vị nào khớp bộ lọc đã chọn.", icon=":material/filter_alt_off:")
        st.stop()
    def line_chart(frame: pl.DataFrame, key: str | None, value: str, title: str, y_label: str = "Điểm bình quân",
                   order: list[str] | None = None, width: int = 760) -> None:
        svg(lines(frame, key, value, t.years, t.versions, title, y_label, order, width), max_width=width)

    st.subheader("Điểm bình quân")
    line_chart(t.overall, None, "mean_total", "Điểm bình quân của các đơn vị được đánh giá, theo năm")
    col1, col2 = st.columns(2)
    with col1:
        st.markdown("**Theo địa bàn**")
        by_area, areas, note = chart_areas(t.by_area, filters.year)
        line_chart(by_area, "area_name", "mean_total", "Điểm bình quân theo địa bàn", order=areas, width=460)
        if note:
            st.caption(note)
    with col2:
        st.markdown("**Theo loại đơn vị**")
        line_chart(t.by_type, "type_label", "mean_total", "Điểm bình quân theo loại đơn vị", width=460)

    st.subheader("Theo dõi từng đơn vị")
    names, ordered = unit_choices(t.units, store.data_version())
    default = t.movers["unit_code"].head(3).to_list()
    if ordered.height > ALL_UNITS:
        # 40,000 options took the browser 3 s to draw on every rerun: a search lists at most
        # MATCHES, always with the units already chosen
        query = st.text_input("Tìm đơn vị (tên hoặc mã)", key="trend_search")
        options = unit_options(ordered, query, st.session_state.get("trend_units", default))
        st.caption(options.caption())
        codes, label = options.codes, options.labels.__getitem__
    else:
        codes, label = ordered["unit_code"].to_list(), names.__getitem__
    chosen = st.multiselect("Chọn đơn vị", codes, default=default, format_func=label, key="trend_units")
    if chosen:
        # one line per unit, by name in the order chosen; two units of one name told apart by their code
        seen = Counter(names[c] for c in chosen)
        label_of = {c: names[c] if seen[names[c]] == 1 else f"{names[c]} ({c})" for c in chosen}
        picked = t.units.filter(pl.col("unit_code").is_in(chosen)).with_columns(
            pl.col("unit_code").replace_strict(label_of).alias("label"))
        line_chart(picked, "label", "total", "Tổng điểm của các đơn vị đã chọn", "Tổng điểm",
                   order=list(label_of.values()))

    labels = {"unit_name": "Đơn vị", "parent_name": "Địa bàn", "prev_total": f"Năm {filters.year - 1}",
              "total": f"Năm {filters.year}", "total_change": "Tăng/giảm", "prev_level": "Mức trước",
              "level": "Mức nay", "compared_with": "So với"}
    if t.merged_note:
        st.caption(t.merged_note)
    col1, col2 = st.columns(2)
    with col1:
        st.subheader("Tiến bộ nhiều nhất")
        vn_dataframe(t.movers.head(10), labels, points=("prev_total", "total", "total_change"),
                     key="movers_up", alt="Đơn vị tiến bộ nhiều nhất")
    with col2:
        st.subheader("Giảm nhiều nhất")
        vn_dataframe(t.movers.tail(10).reverse(), labels, points=("prev_total", "total", "total_change"),
                     key="movers_down", alt="Đơn vị giảm nhiều nhất")

    st.subheader(f"Chuyển mức từ năm {filters.year - 1} sang năm {filters.year}")
    if t.versions.filter(pl.col("year") == filters.year)["changed"].any():
        st.caption(f"Năm {filters.year} tính theo phiên bản bộ tiêu chí khác năm {filters.year - 1}: "
                   "chuyển mức phản ánh cả thay đổi ngưỡng xếp mức.")
    if t.transitions.is_empty():
        st.caption("Chưa có số liệu năm trước để so sánh.")
    else:
        matrix = t.transitions.pivot(on="to_level", index="from_level", values="count").fill_null(0)
        vn_dataframe(matrix, {"from_level": "Năm trước \\ Năm nay",
                              **{c: c for c in matrix.columns if c != "from_level"}},
                     key="transitions", alt="Số đơn vị chuyển mức")
