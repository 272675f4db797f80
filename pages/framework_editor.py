"""Soạn bộ tiêu chí: a new version from a published one — numbers and their source (the
province's decision), the loader's messages at every save, a preview of a year under the draft
beside the version in force, and publication with an effective year and a reason."""

import polars as pl
import streamlit as st

from dcmetrics import drafts, scoring
from dcmetrics.errors import DcmetricsError
from dcmetrics.fmt import fmt_num
from ui.context import account, get_profiles, get_store, show_errors
from ui.tables import vn_dataframe

st.title("Soạn bộ tiêu chí")
store, user = get_store(), account()
profiles = get_profiles()
st.caption("Phiên bản đã ban hành không sửa được: mọi thay đổi là một phiên bản mới, áp dụng từ một năm về sau, "
           "kèm lý do; phiên bản cũ được lưu nguyên và vẫn chấm các năm trước. Con số nào đổi thì ghi nguồn là "
           "quyết định của tỉnh; không ghi quyết định thì con số là mặc định của phần mềm.")

pid = st.selectbox("Bộ tiêu chí", list(profiles), key="draft_profile", format_func=lambda p: profiles[p].title)
FLASH = "draft_flash"
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")

with show_errors():
    existing = drafts.drafts_of(store, pid)
    if st.button(f"Tạo bản nháp từ phiên bản hiện hành {profiles[pid].version}", key="draft_new"):
        st.session_state["draft_id"] = drafts.new_draft(store, user, pid)
        st.rerun()
    if not existing.is_empty():
        ids = existing["id"].to_list()
        labels = {r["id"]: f"Bản nháp số {r['id']} (từ {r['base_version']})" + (
            f" — đã ban hành {r['published_version']}" if r["state"] == "published" else "")
            for r in existing.iter_rows(named=True)}
        if st.session_state.get("draft_id") not in ids:
            st.session_state["draft_id"] = ids[0]
        st.selectbox("Bản nháp", ids, key="draft_id", format_func=lambda i: labels[i])
    draft_id = st.session_state.get("draft_id") if not existing.is_empty() else None

if draft_id is not None:
    d = drafts.get_draft(store, draft_id)
    profile, problems = drafts.check(d.text, d.profile_id)
    if d.state == "published":
        st.info(f"Bản nháp này đã ban hành thành phiên bản {d.published_version}: chỉ xem, không sửa.",
                icon=":material/lock:")
    elif problems:
        st.error(f"Bản nháp còn {len(problems)} lỗi, chưa ban hành được:", icon=":material/error:")
        for p in problems:
            st.markdown(f"- {p}")
    else:
        st.success("Bản nháp hợp lệ.", icon=":material/check_circle:")
    raw = drafts.numbers_of(d.text)  # (read from the text: a draft with problems stays editable)
    if d.state == "draft" and raw is not None:
        with st.form("draft_numbers"):
            st.markdown("**Điểm các nhóm**")
            points = {k: st.number_input(f"{k} · Mục {number}", min_value=0.0, max_value=100.0, value=value,
                                         step=0.5, format="%.2f", key=f"dp_{k}")
                      for k, number, value in raw["groups"]}
            st.markdown("**Ngưỡng xếp mức**")
            bands = {}
            for level, min_total, floor in raw["bands"]:
                c1, c2 = st.columns(2)
                bands[level] = (
                    c1.number_input(f"«{level}» từ (điểm)", min_value=0.0, max_value=raw["total_max"],
                                    value=min_total, step=0.5, format="%.2f", key=f"db_{level}"),
                    c2.number_input(f"«{level}»: mỗi nhóm tối thiểu (tỷ lệ 0–1)", min_value=0.0, max_value=1.0,
                                    value=floor, step=0.05, format="%.2f", key=f"df_{level}"))
            st.markdown("**Nguồn của các con số thay đổi**")
            c1, c2, c3 = st.columns(3)
            number = c1.text_input("Quyết định số", key="dd_number", placeholder="15/QĐ-UBND")
            date = c2.text_input("Ngày", key="dd_date", placeholder="10/01/2026")
            issuer = c3.text_input("Cơ quan ban hành", key="dd_issuer", placeholder="UBND tỉnh …")
            if st.form_submit_button("Lưu và kiểm tra", icon=":material/save:"):
                decision = ({"number": number.strip(), "date": date.strip(), "issuer": issuer.strip()}
                            if number.strip() else None)
                try:
                    drafts.save(store, user, draft_id, drafts.with_numbers(d.text, points, bands, decision))
                except DcmetricsError as e:
                    st.error(str(e), icon=":material/error:")
                else:
                    st.rerun()

        st.subheader("Xem trước")
        years = scoring.scored_years(store)
        if years and profile is not None:
            year = st.selectbox("Năm", years, key="draft_year")
            with show_errors():
                changes = drafts.preview(store, user, draft_id, int(year))
                moved = changes.filter(pl.col("changed"))
                st.metric("Đơn vị đổi mức", f"{fmt_num(moved.height)}/{fmt_num(changes.height)}", border=True)
                vn_dataframe(moved, {"unit_name": "Đơn vị", "total_now": "Điểm hiện hành", "level_now": "Mức hiện hành",
                                     "total_draft": "Điểm theo bản nháp", "level_draft": "Mức theo bản nháp"},
                             points=("total_now", "total_draft"), key="draft_changes", alt="Đơn vị đổi mức")

        if profile is not None:
            st.subheader("Ban hành")
            with st.form("draft_publish"):
                version = st.text_input("Số phiên bản mới", key="dpub_version", placeholder="2026.1")
                first = st.number_input("Áp dụng từ năm đánh giá", min_value=2000, max_value=2100, step=1,
                                        value=max(years) + 1 if years else 2026, key="dpub_year")
                reason = st.text_area("Lý do, văn bản làm căn cứ", key="dpub_reason")
                if st.form_submit_button("Ban hành", type="primary"):
                    try:
                        done = drafts.publish(store, user, draft_id, version.strip(), int(first), reason)
                    except DcmetricsError as e:
                        st.error(str(e), icon=":material/error:")
                    else:
                        get_profiles.clear()
                        st.session_state[FLASH] = (f"Đã ban hành «{done.id}» phiên bản {done.version}, áp dụng từ "
                                                   f"năm {done.effective_from}.")
                        st.rerun()
    with st.expander("Nội dung TOML của bản nháp"):
        st.code(d.text, language="toml")
