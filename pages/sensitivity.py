"""Độ nhạy của xếp hạng: how much the ranks and the shortlist hang on the group weights."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dcmetrics import exports
from dcmetrics.analysis import sensitivity
from dcmetrics.fmt import fmt_num
from ui.context import current, show_errors
from ui.downloads import XLSX_MIME, File, csv_choice, fingerprint, offer
from ui.inputs import vn_number_input
from ui.tables import vn_dataframe

st.title("Độ nhạy của xếp hạng")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx
st.caption("Xếp hạng thay đổi thế nào nếu trọng số các nhóm tiêu chí khác đi một chút? Mỗi lần rút, trọng số "
           "mỗi nhóm được nhân với một số ngẫu nhiên trong [1 − r; 1 + r], rồi chuẩn hoá để tổng điểm tối đa "
           "không đổi (các mức xếp loại giữ nguyên ý nghĩa). Tham khảo: Sổ tay xây dựng chỉ số tổng hợp "
           "JRC/OECD (2008); phân tích độ nhạy của COINr.")

with st.form("sens_form"):
    c1, c2, c3 = st.columns(3)
    with c1:
        r = vn_number_input("Biên độ r (0,20 = ±20 %)", key="sens_r", value=sensitivity.DEFAULT_R,
                            min_value=0.0, max_value=0.9)
    with c2:
        n = st.number_input("Số lần rút N", min_value=1, max_value=sensitivity.MAX_N, value=sensitivity.DEFAULT_N,
                            step=100, key="sens_n")
    with c3:
        seed = st.number_input("Hạt giống (seed)", min_value=0, value=20261201, step=1, key="sens_seed")
    go_run = st.form_submit_button("Tính độ nhạy", icon=":material/casino:")

params = (user.username, profile.id, filters, r, int(n), int(seed), store.data_version())
if go_run and r is not None:
    with show_errors():
        with st.spinner(f"Đang rút {int(n)} bộ trọng số…"):
            st.session_state["sens_result"] = (params, sensitivity.analyse(
                store, user, profile, filters.year, filters.basis, r=float(r), n=int(n), seed=int(seed),
                area=filters.area))
held = st.session_state.get("sens_result")
if held is None or held[0] != params:
    st.info("Chọn r, N, hạt giống rồi bấm «Tính độ nhạy».", icon=":material/tune:")
    st.stop()
res: sensitivity.Sensitivity = held[1]

if res.reproduces_stored:
    st.caption(f"Kiểm tra: với r = 0, tổng điểm, mức và hạng tính lại trùng với kết quả đã lưu của mọi đơn vị. "
               f"N = {res.n}, r = {fmt_num(res.r, 2)}, seed = {res.seed}, bộ tiêu chí {res.profile_id} "
               f"{res.profile_version}; tính trong {fmt_num(res.seconds, 1)} giây.")
else:
    st.error(f"{res.mismatches} đơn vị không tính lại đúng kết quả đã lưu: kết quả độ nhạy không dùng được.",
             icon=":material/error:")
st.caption("Không thay đổi cách xử lý số liệu thiếu: bộ tiêu chí không quy định cách nào khác (chỉ tiêu áp dụng "
           "mà thiếu số liệu tính 0 điểm).")
if res.defaults_note:
    st.caption(res.defaults_note)

top = sensitivity.chart_rows(res, 30)
if not top.is_empty():
    labels = [f"{a} ({b})" for a, b in zip(top["unit_name"], top["unit_code"])]
    fig = go.Figure(go.Scatter(
        x=top["rank_median"].to_list(), y=labels, mode="markers", name="Hạng trung vị",
        error_x={"type": "data", "symmetric": False,
                 "array": (top["rank_p95"] - top["rank_median"]).to_list(),
                 "arrayminus": (top["rank_median"] - top["rank_p05"]).to_list()},
        hovertemplate="%{y}<br>Hạng trung vị %{x}<extra></extra>"))
    fig.update_layout(title="Hạng trung vị và khoảng 5 %–95 % (30 đơn vị đứng đầu)", height=24 * len(labels) + 120,
                      yaxis={"autorange": "reversed"}, xaxis_title="Hạng", margin={"l": 10, "r": 10, "t": 50, "b": 40})
    st.plotly_chart(fig, key="sens_chart")

cols = {"unit_name": "Đơn vị", "unit_code": "Mã", "parent_name": "Đơn vị cấp trên", "total": "Tổng điểm",
        "level": "Mức", "rank": "Hạng (đã lưu)", "rank_median": "Hạng trung vị", "rank_p05": "Hạng tốt (5 %)",
        "rank_p95": "Hạng kém (95 %)", "rank_width": "Độ rộng khoảng hạng"}
table = res.units
if res.with_shortlist:
    st.subheader("Danh sách đề nghị khen thưởng")
    on = table.filter(pl.col("shortlisted") | (pl.col("stay_share") > 0))
    stable = on.filter(pl.col("stay_share") >= 0.95).height
    st.caption(f"{int(table['shortlisted'].sum())} đơn vị đang được đề nghị; {stable} đơn vị ở lại danh sách "
               "trong ít nhất 95 % số lần rút. Các tiêu chí đầy đủ số liệu, vi phạm, kết quả các năm trước giữ nguyên.")
    table = table.with_columns((pl.col("stay_share") * 100).alias("stay_pct"),
                               pl.when(pl.col("shortlisted")).then(pl.lit("Có")).otherwise(pl.lit("")).alias("sl"))
    cols |= {"sl": "Đang được đề nghị", "stay_pct": "Tỷ lệ ở lại danh sách (%)"}
    if not on.is_empty():
        bars = on.sort("stay_share", descending=True).head(40)
        fig2 = go.Figure(go.Bar(x=(bars["stay_share"] * 100).to_list(), orientation="h",
                                y=[f"{a} ({b})" for a, b in zip(bars["unit_name"], bars["unit_code"])]))
        fig2.update_layout(title="Tỷ lệ số lần rút đơn vị ở lại danh sách đề nghị (%)", xaxis_range=[0, 100],
                           yaxis={"autorange": "reversed"}, height=22 * bars.height + 120,
                           margin={"l": 10, "r": 10, "t": 50, "b": 40})
        st.plotly_chart(fig2, key="sens_shortlist_chart")

st.subheader("Từng đơn vị")
vn_dataframe(table, cols, points=("total",), numbers=("stay_pct",), key="sens_table", alt="Độ nhạy của xếp hạng")
name = f"do-nhay-{res.profile_id}-{res.year}-N{res.n}-seed{res.seed}"
dialect = csv_choice("sens_csv_dialect")
offer("sens_export", [File("Tải Excel", f"{name}.xlsx", XLSX_MIME, "sens_xlsx", ":material/table:"),
                      File("Tải CSV", f"{name}.csv", "text/csv", "sens_csv", ":material/csv:")],
      lambda: [exports.xlsx_bytes(res.export_frame(), "Độ nhạy", res.notes()),
               exports.csv_bytes(res.export_frame(), dialect)],
      depends=fingerprint(*params, dialect))
