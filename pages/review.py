"""Thẩm định, phê duyệt: approve (and lock) or return each area's data, restore an earlier file,
and set appraised values beside the units' own."""

import polars as pl
import streamlit as st

from dcmetrics import framework, scoring, units
from dcmetrics.appraisal import set_appraisals
from dcmetrics.errors import DcmetricsError
from dcmetrics.ingest import commit as ingest
from ui import evidence as evidence_ui  # the «Minh chứng» section (issue 17)
from ui.context import account, current, get_profiles, get_store, show_errors
from ui.inputs import vn_number_input
from ui.tables import vn_dataframe

st.title("Thẩm định, phê duyệt số liệu")
store, user = get_store(), account()
ctx = current()
profile = ctx[2] if ctx else get_profiles()["chung"]
STATES = {"pending": "Chờ thẩm định", "approved": "Đã phê duyệt", "returned": "Bị trả lại", None: "Chưa gửi"}


def act(fn, *args, done: str, **kwargs):
    """Run one review action; on success rerun so that every table, banner and button shows the
    new state at once (the result is said on the next run), else show the refusal."""
    try:
        fn(store, user, *args, **kwargs)
    except DcmetricsError as e:
        st.error(str(e), icon=":material/error:")
    else:
        st.session_state["review_done"] = done
        st.rerun()


if st.session_state.get("review_done"):
    st.success(st.session_state.pop("review_done"), icon=":material/task_alt:")


with show_errors():
    years = scoring.scored_years(store)
    # both in the URL: the data-quality page links to a file's area and year
    year = st.selectbox("Năm số liệu", years, key="review_year", bind="query-params")
    status = ingest.area_status(store, user, year)
    shown = status.with_columns(pl.col("review_state").replace_strict(STATES, default="Chưa gửi"),
                                pl.when(pl.col("locked")).then(pl.lit("Đã khóa")).otherwise(pl.lit("")).alias("lock"))
    vn_dataframe(shown, {"area_name": "Địa bàn", "file_name": "Tệp đang dùng", "sent_by": "Người gửi",
                         "sent_at": "Thời điểm gửi", "review_state": "Thẩm định", "lock": "Khóa",
                         "review_reason": "Lý do trả lại", "n_files": "Số lần gửi"},
                 key="review_status", alt="Tình trạng số liệu các địa bàn")

    names = dict(zip(status["area_code"], status["area_name"]))
    area = st.selectbox("Địa bàn", list(names), format_func=lambda c: names[c], key="review_area",
                        bind="query-params")
    row = status.filter(pl.col("area_code") == area).row(0, named=True)
    tab_review, tab_history, tab_appraise = st.tabs(["Phê duyệt", "Lịch sử, khôi phục", "Thẩm định chỉ tiêu"])
    with tab_review:
        unit_rows = ingest.unit_states(store, user, area, year) if row["submission_id"] is not None else None
        if unit_rows is not None and unit_rows.height:
            counts = unit_rows.group_by("review_label").len().sort("review_label")
            st.caption("Số liệu từng đơn vị: " + ", ".join(f"{n} {lab.lower()}" for lab, n in counts.iter_rows()) + ".")
            vn_dataframe(unit_rows, {"unit_code": "Mã đơn vị", "unit_name": "Đơn vị", "review_label": "Trạng thái",
                                     "review_reason": "Lý do trả lại", "reviewed_by": "Người thẩm định",
                                     "reviewed_at": "Thời điểm"}, key="review_units", alt="Trạng thái số liệu từng đơn vị")
        if row["locked"]:
            reason = st.text_input("Lý do mở lại", key="reopen_reason")
            if st.button("Mở lại để sửa số liệu", key="reopen", icon=":material/lock_open:"):
                act(ingest.reopen, area, year, reason, done=f"Đã mở lại số liệu năm {year} của {names[area]}.")
        elif row["submission_id"] is None:
            st.info("Địa bàn chưa gửi số liệu năm này.", icon=":material/info:")
        else:
            unit_names = dict(zip(unit_rows["unit_code"], unit_rows["unit_name"])) if unit_rows is not None else {}
            picked = st.multiselect("Chỉ các đơn vị (để trống: mọi đơn vị của tệp)", list(unit_names),
                                    format_func=lambda c: f"{unit_names[c]} ({c})", key="review_pick",
                                    placeholder="Chọn đơn vị")
            whom = f"{len(picked)} đơn vị của {names[area]}" if picked else names[area]
            if st.button("Phê duyệt", key="approve", type="primary", icon=":material/verified:",
                         help="Số liệu được phê duyệt bị khóa và được tính vào kết quả sau thẩm định. Khi mọi đơn "
                              "vị của tệp đã được phê duyệt, địa bàn bị khóa, không nhận tệp mới."):
                act(ingest.approve, area, year, unit_codes=picked or None,
                    done=f"Đã phê duyệt số liệu năm {year} của {whom}.")
            reason = st.text_area("Lý do trả lại (bắt buộc)", key="return_reason")
            if st.button("Trả lại để đơn vị sửa", key="return", icon=":material/undo:"):
                act(ingest.return_submission, area, year, reason, unit_codes=picked or None,
                    done=f"Đã trả lại số liệu của {whom} kèm lý do.")
    with tab_history:
        hist = ingest.history(store, user, area, year)
        vn_dataframe(hist.with_columns(pl.col("state").replace({"current": "Đang dùng", "replaced": "Đã thay thế"})),
                     {"id": "Mã", "file_name": "Tệp", "sent_by": "Người gửi", "sent_at": "Thời điểm",
                      "state": "Trạng thái"}, key="review_history", alt="Lịch sử gửi số liệu")
        older = hist.filter(pl.col("state") == "replaced")
        if older.height:
            pick = st.selectbox("Khôi phục tệp", older["id"].to_list(), key="restore_pick",
                                format_func=lambda i: f"{i} · {older.filter(pl.col('id') == i)['file_name'][0]}")
            if st.button("Khôi phục làm số liệu hiện hành", key="restore", icon=":material/history:"):
                act(ingest.restore, pick, done="Đã khôi phục; tệp đang dùng trước đó vẫn còn trong lịch sử.")
    evidence_ui.review_section(store, user, area, year)  # «Minh chứng» below the tabs (issue 17)
    with tab_appraise:
        # figures are appraised before they are approved: the units as they were sent
        table = scoring.cached_score(store, profile, [year], "self").year(year)
        candidates = table.filter(pl.col("unit_code").is_in(units.subtree(store, area)["code"].implode()))
        if candidates.is_empty():
            st.info("Địa bàn chưa có đơn vị nào được tính điểm năm này.", icon=":material/info:")
            st.stop()
        unit_names = dict(zip(candidates["unit_code"], candidates["unit_name"]))
        unit = st.selectbox("Đơn vị", sorted(unit_names, key=lambda c: unit_names[c]), key="appraise_unit",
                            format_func=lambda c: f"{unit_names[c]} ({c})")
        _, _, indicators = framework.load_catalogue()
        utype = candidates.filter(pl.col("unit_code") == unit)["unit_type"][0]
        codes = [c for c, i in indicators.items() if utype in i.applies]
        code = st.selectbox("Chỉ tiêu", codes, key="appraise_indicator",
                            format_func=lambda c: f"{indicators[c].name} ({c})")
        ind = indicators[code]
        record = {"unit_code": unit, "year": year, "indicator": code, "value": None, "num": None, "den": None}
        if ind.kind == "ratio":
            with st.container(horizontal=True):
                record["num"] = st.number_input("Tử số", min_value=0, step=1, key="appraise_num")
                record["den"] = st.number_input("Mẫu số", min_value=0, step=1, key="appraise_den")
        elif ind.kind == "yesno":
            record["value"] = 1.0 if st.segmented_control("Giá trị", ["Có", "Không"], default="Có",
                                                          key="appraise_yesno") == "Có" else 0.0
        else:
            top = {"percent": 100.0, "points": ind.max}.get(ind.kind)
            # «12,5», never Streamlit's «12.50»; «12.5» and «12» are read too
            record["value"] = vn_number_input("Giá trị thẩm định", value=0.0, min_value=0.0, max_value=top,
                                              decimals=2, key="appraise_value", help="Ví dụ 12 hoặc 12,5.")
        record["reason"] = st.text_input("Lý do thẩm định (bắt buộc)", key="appraise_reason")
        unreadable = ind.kind not in ("ratio", "yesno") and record["value"] is None  # said under the box
        if st.button("Lưu giá trị thẩm định", key="appraise_save", icon=":material/edit_note:", disabled=unreadable):
            try:
                set_appraisals(store, user, [record])
            except DcmetricsError as e:
                st.error(str(e), icon=":material/error:")
                for p in getattr(e, "problems", []):
                    st.markdown(f"- {p}")
            else:
                st.success("Đã lưu giá trị thẩm định; điểm sau thẩm định đã được tính lại.", icon=":material/task_alt:")
