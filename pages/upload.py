"""Nhập số liệu: template, upload, every problem named, preview, commit, history."""

import hashlib
from datetime import datetime

import polars as pl
import streamlit as st

from dcmetrics import access, exports, periods, scoring, units
from dcmetrics.errors import DcmetricsError, ValidationError
from dcmetrics.fmt import fmt_num, size_text
from dcmetrics.ingest import commit as ingest
from dcmetrics.ingest.template import build_csv, build_xlsx
from dcmetrics.reports import csv_dialects
from ui.context import account, current, get_profiles, get_store, show_errors
from ui.downloads import XLSX_MIME, File, fingerprint, offer
from ui.inputs import vn_file_uploader
from ui.tables import vn_dataframe

st.title("Nhập số liệu")
store, user = get_store(), account()
ctx = current()
profile = ctx[2] if ctx else get_profiles()["chung"]

with show_errors():
    with st.container(horizontal=True, vertical_alignment="bottom"):
        scored = scoring.scored_years(store)
        years = sorted(set(scored) | {max(scored or [2024]) + 1}, reverse=True)
        mine = units.areas(store)
        if user.role != access.ADMIN:
            mine = mine.filter(pl.col("code").is_in(sorted(access.allowed_areas(store, user))))
        # the latest year with data in which the account's area existed (a district's officer: 2024)
        usable = [i for i, y in enumerate(years) if y in scored and not units.active_in(mine, y).is_empty()]
        year = st.selectbox("Năm số liệu", years, index=usable[0] if usable else min(1, len(years) - 1),
                            key="upload_year")
        # the areas of that year: districts up to 2024, new communes and departments from 2025
        area_rows = units.active_in(mine, year)
        names = dict(zip(area_rows["code"], area_rows["name"]))
        area = st.selectbox("Địa bàn gửi số liệu", list(names), format_func=lambda c: f"{names[c]} ({c})",
                            key="upload_area")
    if area is None:
        st.info(f"Năm {year}, tài khoản này không có địa bàn nào đang hoạt động để gửi số liệu (sau sắp xếp năm 2025, "
                "huyện không còn; số liệu do xã, phường, các sở và tỉnh gửi). Hãy chọn năm khác.", icon=":material/info:")
        st.stop()

    status = ingest.area_status(store, user, year).filter(pl.col("area_code") == area)
    locks = ingest.upload_locks(store, user, area, year)  # exactly what a commit would refuse
    own = locks.filter(pl.col("unit_code").is_null())
    refused = periods.upload_verdict(store, area, year, datetime.now()).refused  # what check_file would say
    if refused:
        st.warning(refused.message, icon=":material/event_busy:")
    else:
        st.caption(periods.status_text(store, year))
    if own.height:
        s = own.row(0, named=True)
        st.warning(f"Số liệu năm {year} của {names[area]} đã được phê duyệt và khóa (người duyệt: "
                   f"{s['locked_by']}). Tệp mới sẽ bị từ chối cho đến khi được mở lại.", icon=":material/lock:")
    for (code, name, by), part in locks.filter(pl.col("unit_code").is_not_null()).group_by(
            ["area_code", "area_name", "locked_by"], maintain_order=True):
        listed = ", ".join(part["unit_code"].head(8)) + ("…" if part.height > 8 else "")
        st.warning(f"{part.height} đơn vị của địa bàn thuộc số liệu năm {year} của {name} ({code}), đã duyệt và "
                   f"đang khóa (người duyệt: {by}): {listed}. Tệp có các đơn vị này sẽ bị từ chối; "
                   "tệp không có chúng vẫn được nhận.", icon=":material/lock:")
    if status.height and not own.height:
        s = status.row(0, named=True)
        if s["review_state"] == "returned":
            st.error(f"Số liệu đã bị trả lại: {s['review_reason']} (người thẩm định: {s['reviewed_by']}).",
                     icon=":material/undo:")
        elif s["submission_id"] is not None:
            st.info(f"Đang dùng tệp «{s['file_name']}» do {s['sent_by']} gửi. Tệp mới thay số liệu của các đơn vị "
                    "có trong tệp; đơn vị không có trong tệp giữ nguyên số liệu, trừ khi chọn thay toàn bộ (tệp cũ "
                    "vẫn được lưu trong lịch sử).", icon=":material/info:")

    st.subheader("1. Tải mẫu")
    with st.container(horizontal=True):
        offer("templates", [File("Mẫu Excel (.xlsx)", f"mau-{area}-{year}.xlsx", XLSX_MIME, "tpl_xlsx", ":material/table:"),
                            File("Mẫu CSV (dấu phẩy)", f"mau-{area}-{year}.csv", "text/csv", "tpl_csv"),
                            File("Mẫu CSV (dấu chấm phẩy)", f"mau-{area}-{year}-champhay.csv", "text/csv",
                                 "tpl_csv_sc")],
              lambda: (build_xlsx(store, area, year), build_csv(store, area, year),
                       build_csv(store, area, year, "semicolon")),
              depends=fingerprint(area, year, store.data_version()))
    st.caption(csv_dialects.CODES_NOTE)
    if status.height and status.row(0, named=True)["submission_id"] is not None:
        st.caption("Sửa số liệu đã gửi: tải mẫu có sẵn số liệu đang lưu, sửa ô cần sửa rồi gửi lại. Tệp chỉ cần "
                   "các đơn vị có thay đổi; đơn vị không có trong tệp giữ nguyên số liệu.")
        with st.container(horizontal=True):
            offer("filled", [File("Mẫu Excel có số liệu đang lưu", f"so-lieu-{area}-{year}.xlsx", XLSX_MIME,
                                  "tpl_xlsx_filled", ":material/edit_note:"),
                             File("Mẫu CSV có số liệu đang lưu", f"so-lieu-{area}-{year}-champhay.csv", "text/csv",
                                  "tpl_csv_filled")],
                  lambda: (build_xlsx(store, area, year, filled=True),
                           build_csv(store, area, year, "semicolon", filled=True)),
                  depends=fingerprint(area, year, store.data_version()), on_click=True,
                  prepare_label="Chuẩn bị mẫu có số liệu đang lưu")

    st.subheader("2. Gửi tệp đã điền")
    upload = vn_file_uploader("Tệp số liệu (.xlsx hoặc .csv)", key="upload_file", types=["xlsx", "csv"])
    replace_all = st.checkbox("Tệp thay toàn bộ số liệu của địa bàn (đơn vị không có trong tệp bị bỏ số liệu năm này)",
                              key="upload_replace_all")
    saved = st.session_state.get("upload_saved")
    if upload is not None and saved and saved["key"] == (area, year, hashlib.sha256(upload.getvalue()).hexdigest()):
        # the file just stored: its result, not a preview and a save button for it again
        st.success(saved["message"], icon=":material/task_alt:")
    elif upload is not None:
        content = upload.getvalue()
        try:
            with st.status("Đang kiểm tra tệp…", expanded=False) as progress:
                bar = st.progress(0.0, text="Đọc và kiểm tra từng dòng của tệp…")
                checked = ingest.check_file(store, content, upload.name, year, user, area,
                                            progress=lambda f, text: bar.progress(0.5 * f, text=text),
                                            replace_all=replace_all)
                # the self-assessed basis: a file just sent awaits review, so it has no appraised score yet
                preview = ingest.preview(store, checked, profile, user, basis="self",
                                         progress=lambda f, text: bar.progress(0.5 + 0.5 * f, text=text))
                progress.update(label="Đã kiểm tra tệp và tính điểm thử.", state="complete")
        except ValidationError as e:
            st.error(f"{e} Sửa các lỗi dưới đây rồi gửi lại.", icon=":material/error:")
            problems = pl.DataFrame([{"where": p.where, "value": p.value, "message": p.message} for p in e.problems],
                                    schema={"where": pl.String, "value": pl.String, "message": pl.String})
            vn_dataframe(problems, {"where": "Vị trí", "value": "Giá trị", "message": "Lỗi"},
                         key="upload_problems", alt="Danh sách lỗi của tệp")
            st.download_button("Tải danh sách lỗi (Excel)", data=exports.problems_xlsx(e.problems, lines=[
                f"Tệp «{upload.name}»; năm {year}; {len(e.problems)} lỗi, chưa lưu dữ liệu nào."]),
                               file_name=f"loi-{upload.name}.xlsx", key="problems_xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            st.stop()
        st.success(f"Tệp hợp lệ: {checked.n_units} đơn vị, {checked.n_rows} dòng. Chưa lưu.", icon=":material/check:")
        if checked.warnings:
            with st.expander(f"{len(checked.warnings)} cảnh báo (không chặn việc lưu)"):
                for w in checked.warnings:
                    st.markdown(f"- {w}")
        st.markdown(f"**Điểm tự chấm nếu lưu tệp này** ({profile.title[:60]}…)")
        st.caption("Số liệu mới gửi chờ thẩm định: điểm sau thẩm định chỉ có khi người thẩm định phê duyệt.")
        st.caption(ingest.change_summary(preview))
        shown = preview.with_columns(pl.col("data_change").replace_strict(ingest.DATA_CHANGE_LABELS),
                                     pl.col("changed_indicators").list.join(", "))
        vn_dataframe(shown, {"unit_code": "Mã", "unit_name": "Đơn vị", "data_change": "Số liệu",
                             "changed_indicators": "Chỉ tiêu thay đổi", "total_now": "Điểm hiện tại",
                             "level_now": "Mức hiện tại", "total": "Điểm nếu lưu", "level": "Mức nếu lưu",
                             "change": "Thay đổi"},
                     points=("total_now", "total", "change"), key="upload_preview", alt="Điểm xem trước")
        if st.button("Lưu số liệu", type="primary", icon=":material/save:", key="commit_upload"):
            try:
                with st.status("Đang lưu số liệu và tính lại điểm…", expanded=False) as saving:
                    result = ingest.commit(store, checked, user)
                    saving.update(label="Đã lưu số liệu.", state="complete")
            except DcmetricsError as e:
                st.error(str(e), icon=":material/error:")
            else:
                # rerun so that the banner, the history and the locks show the stored file at once
                st.session_state["upload_saved"] = {"key": (area, year, checked.sha256), "message": result.message}
                st.rerun()

    st.subheader("Lịch sử gửi số liệu")
    hist = ingest.history(store, user, area, year)
    if hist.is_empty():
        st.caption("Chưa có tệp nào cho địa bàn và năm này.")
    else:
        shown = hist.with_columns(
            pl.col("state").replace({"current": "Đang dùng", "replaced": "Đã thay thế"}),
            pl.col("review_state").replace({"pending": "Chờ thẩm định", "approved": "Đã phê duyệt",
                                            "returned": "Bị trả lại"}))
        vn_dataframe(shown, {"id": "Mã lần gửi", "file_name": "Tệp", "sent_by": "Người gửi", "sent_at": "Thời điểm",
                             "n_rows": "Số dòng", "state": "Trạng thái", "review_state": "Thẩm định",
                             "review_reason": "Lý do trả lại"}, key="upload_history", alt="Lịch sử gửi")
        pick = st.selectbox("Tải lại tệp gốc", hist["id"].to_list(), key="download_pick",
                            format_func=lambda i: f"{i} · {hist.filter(pl.col('id') == i)['file_name'][0]}")
        name, data = ingest.submission_file(store, user, pick)
        st.download_button("Tải tệp gốc", data=data, file_name=name, key="download_original")
        st.caption(f"Mã kiểm tra SHA-256: {hist.filter(pl.col('id') == pick)['sha256'][0]} · "
                   f"{size_text(len(data))}" + (f" ({fmt_num(len(data))} byte)" if len(data) >= 1024 else ""))
