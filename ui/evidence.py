"""The «Minh chứng» sections of the unit page and the review page. Every check (role, area, the
bytes of a file) is in dcmetrics.evidence; this only draws and hands over."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dcmetrics import access, config, evidence, filecheck, framework, units
from dcmetrics.errors import DcmetricsError, ValidationError
from dcmetrics.fmt import size_text
from ui.tables import vn_dataframe

LIST_LABELS = {"file_name": "Tệp", "indicator_name": "Chỉ tiêu", "description": "Mô tả", "type_label": "Loại",
               "size_label": "Dung lượng", "uploaded_by": "Người gửi", "uploaded_at": "Thời điểm gửi"}
UPLOAD_TYPES = sorted(filecheck.EXTENSIONS)  # a hint for the browser's picker; the bytes decide


def _refusal(err: DcmetricsError) -> None:
    st.error(str(err), icon=":material/error:")
    for p in getattr(err, "problems", [])[:20]:
        st.markdown(f"- {p.message}")


def _documents(store, user, unit_code: str, year: int, key: str) -> None:
    """The unit-year's documents, a download button for each, deletion for those allowed."""
    docs = evidence.documents(store, user, unit_code, year)
    if docs.is_empty():
        st.info(f"Chưa có minh chứng nào cho năm {year}.", icon=":material/folder_open:")
        return
    vn_dataframe(docs, LIST_LABELS, key=f"{key}_list", alt="Danh sách minh chứng")
    rows = {r["id"]: r for r in docs.iter_rows(named=True)}
    pick = st.selectbox("Chọn minh chứng", list(rows), key=f"{key}_pick",
                        format_func=lambda i: f"{rows[i]['file_name']} · {rows[i]['indicator_name']}")
    row = rows[pick]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.download_button("Tải về", icon=":material/download:", key=f"{key}_download_{pick}", mime=row["mime"],
                           file_name=evidence.download_name(row["file_name"], row["file_type"]),
                           data=lambda: evidence.download(store, user, pick).content)
        if evidence.may_delete(store, user, row):
            reason = st.text_input("Lý do xóa", key=f"{key}_delete_reason",
                                   placeholder="bắt buộc khi xóa tệp của người khác")
            if st.button("Xóa minh chứng", icon=":material/delete:", key=f"{key}_delete"):
                try:
                    evidence.delete(store, user, pick, reason)
                except DcmetricsError as e:
                    _refusal(e)
                else:
                    st.success(f"Đã xóa minh chứng «{row['file_name']}» (vẫn lưu trong lịch sử).",
                               icon=":material/task_alt:")
                    st.rerun()


def _missing(store, user, unit_code: str, year: int) -> None:
    todo = evidence.checklist(store, user, unit_code, year)
    if todo.is_empty():
        return
    missing = todo.filter(pl.col("missing"))
    if missing.is_empty():
        st.success(f"Đã có minh chứng cho cả {todo.height} chỉ tiêu được yêu cầu.", icon=":material/task_alt:")
    else:
        st.warning(f"Còn thiếu minh chứng cho {missing.height}/{todo.height} chỉ tiêu được yêu cầu: "
                   + "; ".join(f"{r['indicator_name']} ({r['indicator']})" for r in missing.iter_rows(named=True))
                   + ".", icon=":material/rule:")


def unit_section(store, user, unit_code: str, year: int) -> None:
    """The unit page's section: what is required and missing, the list, the uploader."""
    st.subheader("Minh chứng")
    _missing(store, user, unit_code, year)
    _documents(store, user, unit_code, year, key="evidence_unit")
    if not access.can(store, user, access.UPLOAD, unit_code):
        return
    with st.expander("Gửi minh chứng", icon=":material/upload_file:", expanded=False):
        limit = size_text(config.max_evidence_bytes())
        st.caption(f"Nhận {filecheck.ACCEPTED_TEXT}; tối đa {limit} mỗi tệp (mặc định của phần mềm — chưa có văn "
                   "bản quy định). Loại tệp được kiểm tra trên nội dung, không theo tên tệp.")
        upload = st.file_uploader("Tệp minh chứng", type=UPLOAD_TYPES, key="evidence_file")
        utype = units.get_unit(store, unit_code)["type"]
        _, _, indicators = framework.load_catalogue()
        codes = [None, *[c for c, i in indicators.items() if utype in i.applies]]
        indicator = st.selectbox("Chỉ tiêu", codes, key="evidence_indicator",
                                 format_func=lambda c: "Chung cho cả năm" if c is None else f"{indicators[c].name} ({c})")
        description = st.text_input("Mô tả ngắn", key="evidence_description", max_chars=evidence.MAX_DESCRIPTION)
        if st.button("Lưu minh chứng", key="evidence_save", type="primary", icon=":material/save:",
                     disabled=upload is None):
            try:
                done = evidence.attach(store, user, unit_code, year, upload.getvalue(), upload.name,
                                       indicator, description)
            except (ValidationError, DcmetricsError) as e:
                _refusal(e)
            else:
                (st.success if done.created else st.info)(done.message, icon=":material/task_alt:")


def review_section(store, user, area_code: str, year: int) -> None:
    """The review page's section: the requirement (reviewers), what is missing by unit, each unit's list."""
    st.subheader("Minh chứng")
    _, _, indicators = framework.load_catalogue()
    if access.can(store, user, access.REVIEW, area_code):
        with st.expander("Yêu cầu minh chứng", icon=":material/checklist:"):
            st.caption(f"Các chỉ tiêu chọn ở đây phải có minh chứng năm {year} ở mọi đơn vị thuộc địa bàn này "
                       "mà chỉ tiêu áp dụng.")
            chosen = st.multiselect("Chỉ tiêu phải có minh chứng", list(indicators), key="evidence_required",
                                    default=evidence.requirements(store, user, year, area_code),
                                    format_func=lambda c: f"{indicators[c].name} ({c})")
            if st.button("Lưu yêu cầu", key="evidence_require_save", icon=":material/save:"):
                try:
                    evidence.set_requirements(store, user, year, chosen, area_code)
                except DcmetricsError as e:
                    _refusal(e)
                else:
                    st.success(f"Đã lưu yêu cầu minh chứng năm {year} ({len(chosen)} chỉ tiêu).",
                               icon=":material/task_alt:")
    summary = evidence.area_checklist(store, user, area_code, year)
    if summary.height:
        short = summary.filter(pl.col("n_missing") > 0)
        st.caption(f"{short.height}/{summary.height} đơn vị còn thiếu minh chứng được yêu cầu.")
        vn_dataframe(short, {"unit_name": "Đơn vị", "n_required": "Số chỉ tiêu yêu cầu", "n_documented": "Đã có",
                             "n_missing": "Còn thiếu", "missing_names": "Chỉ tiêu còn thiếu"},
                     numbers=("n_required", "n_documented", "n_missing"), key="evidence_missing",
                     alt="Đơn vị còn thiếu minh chứng")
    area_units = units.active_in(units.subtree(store, area_code), year).filter(
        ~pl.col("type").is_in(["province", "district"]))
    if area_units.is_empty():
        return
    names = dict(zip(area_units["code"], area_units["name"]))
    unit = st.selectbox("Xem minh chứng của đơn vị", list(names), key="evidence_review_unit",
                        format_func=lambda c: f"{names[c]} ({c})")
    _documents(store, user, unit, year, key="evidence_review")
