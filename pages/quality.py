"""Kiểm tra chất lượng số liệu: outliers among peers, year-on-year jumps, indicators everyone left
empty, identical rows; each finding linked to its unit and file, marked reviewed with a note."""

from urllib.parse import urlencode

import polars as pl
import streamlit as st

from dcmetrics.analysis import quality
from dcmetrics.errors import DcmetricsError
from dcmetrics.exports import xlsx_bytes
from dcmetrics.fmt import fmt_num
from ui.context import current, show_errors
from ui.downloads import XLSX_MIME, File, fingerprint, offer
from ui.tables import vn_dataframe

SHOWN_ROWS = 2000  # the table shows this many; the export holds every finding
STATUS = {"all": "Tất cả", "open": "Chưa xem", "done": "Đã xem"}

st.title("Kiểm tra chất lượng số liệu")
ctx = current()
if ctx is None:
    st.stop()
store, filters, profile, user = ctx

if st.session_state.get("quality_done"):
    st.success(st.session_state.pop("quality_done"), icon=":material/task_alt:")

with show_errors():
    st.caption(f"Năm {filters.year} · {profile.title} · số liệu tự đánh giá các đơn vị đang dùng (tệp hiện hành), "
               "chỉ các chỉ tiêu đơn vị tự nhập.")
    with st.spinner("Đang rà soát số liệu của mọi đơn vị…"):  # the nation: seconds, once per change of figures
        found = quality.findings(store, user, profile, filters.year, filters.area)
    st.info(quality.defaults_note(), icon=":material/info:")
    if filters.unit_type:
        found = found.filter(pl.col("unit_type") == filters.unit_type)

    per_kind = quality.counts(found)
    with st.container(horizontal=True):
        for kind, (n, open_) in per_kind.items():
            st.metric(quality.KIND_LABELS[kind], fmt_num(open_, 0), border=True,
                      help=f"Chưa xem / tổng số: {fmt_num(open_, 0)} / {fmt_num(n, 0)} phát hiện.")
    st.caption("Số ở mỗi ô: phát hiện chưa được đánh dấu đã xem, trên " + ", ".join(
        f"{fmt_num(n, 0)} {quality.KIND_LABELS[k].lower()}" for k, (n, _) in per_kind.items()) + ".")

    with st.container(horizontal=True):
        kinds = st.multiselect("Loại phát hiện", list(quality.KINDS), default=list(quality.KINDS),
                               format_func=quality.KIND_LABELS.get, key="quality_kinds")
        status = st.segmented_control("Trạng thái", list(STATUS), default="open", format_func=STATUS.get,
                                      key="quality_status")
    shown = found.filter(pl.col("kind").is_in(kinds or []))
    if status == "open":
        shown = shown.filter(~pl.col("reviewed"))
    elif status == "done":
        shown = shown.filter(pl.col("reviewed"))

    if shown.is_empty():
        st.success("Không có phát hiện nào khớp bộ lọc.", icon=":material/task_alt:")
        st.stop()

    year, pid = filters.year, profile.id
    # A widget bound to the URL reads the option as it shows it: the unit page's unit box shows
    # «name (code)», the profile box the title, the review page's area box the area's name.
    area_names = dict(store.rows("SELECT code, name FROM units WHERE list_contains($c, code)",
                                 {"c": shown["submission_area"].drop_nulls().unique().to_list()}))
    table = shown.head(SHOWN_ROWS).with_columns(
        pl.when(pl.col("reviewed")).then(pl.lit("Đã xem")).otherwise(pl.lit("Chưa xem")).alias("status"),
        # an indicator nobody reported is the area's, not a unit's: no unit page to open
        pl.when(pl.col("kind") != quality.EMPTY).then(pl.struct("unit_code", "unit_name").map_elements(
            lambda r: "/unit?" + urlencode({"year": year, "profile": profile.title,
                                            "unit_code": f"{r['unit_name']} ({r['unit_code']})"}),
            return_dtype=pl.String)).alias("unit_link"),
        pl.col("submission_area").map_elements(
            lambda a: "/review?" + urlencode({"review_year": year, "review_area": area_names.get(a, a)}),
            return_dtype=pl.String).alias("file_link"))
    if shown.height > SHOWN_ROWS:
        st.caption(f"Hiển thị {fmt_num(SHOWN_ROWS, 0)} / {fmt_num(shown.height, 0)} phát hiện; tải Excel để xem đủ.")
    vn_dataframe(table, {"kind_label": "Loại", "unit_name": "Đơn vị/địa bàn", "unit_link": "Trang đơn vị",
                         "indicator_label": "Chỉ tiêu", "value": "Giá trị",
                         "reference": "Trung vị cùng loại / năm trước", "file_name": "Tệp số liệu",
                         "file_link": "Thẩm định tệp", "sentence": "Giải thích", "status": "Trạng thái",
                         "note": "Ghi chú", "reviewed_by": "Người xem"},
                 numbers=("value", "reference"), key="quality_table", alt="Phát hiện về chất lượng số liệu",
                 column_config={"Trang đơn vị": st.column_config.LinkColumn(display_text="Mở"),
                                "Thẩm định tệp": st.column_config.LinkColumn(display_text="Mở")})

    offer("quality", [File("Tải Excel", f"chat-luong-so-lieu-{year}.xlsx", XLSX_MIME, "quality_xlsx",
                           ":material/download:")],
          lambda: [xlsx_bytes(quality.export_frame(shown), "Chất lượng số liệu",
                              notes=[f"Kiểm tra chất lượng số liệu năm {year} · {profile.title}",
                                     quality.defaults_note()])],
          depends=fingerprint("quality", year, pid, filters, kinds, status, shown), on_click=True)

    st.subheader("Đánh dấu đã xem")
    pending = shown.filter(~pl.col("reviewed")).head(SHOWN_ROWS)
    if pending.is_empty():
        st.caption("Mọi phát hiện đang hiển thị đã được xem.")
        st.stop()
    label = {r["finding_key"]: f"{r['kind_label']} · {r['unit_name']} ({r['unit_code']})"
                               + (f" · {r['indicator_label']}" if r["indicator"] else "")
             for r in pending.iter_rows(named=True)}
    key = st.selectbox("Phát hiện", list(label), format_func=label.get, key="quality_pick")
    st.caption(pending.filter(pl.col("finding_key") == key)["sentence"][0])
    note = st.text_area("Ghi chú (bắt buộc): đã kiểm tra gì, kết luận ra sao", key="quality_note")
    if st.button("Đánh dấu đã xem", key="quality_mark", type="primary", icon=":material/done_all:"):
        try:
            quality.mark_reviewed(store, user, profile, year, key, note, filters.area)
        except DcmetricsError as e:
            st.error(str(e), icon=":material/error:")
        else:
            st.session_state["quality_done"] = f"Đã đánh dấu đã xem: {label[key]}."
            st.rerun()
