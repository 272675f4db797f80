"""Soạn bộ tiêu chí: a new version from a published one — every number with its source (the
province's decision, a clause already cited, or the software's default), the loader's messages
at every save, a preview of a year under the draft beside the version in force, and publication
with an effective year and a reason. The page only draws widgets: dcmetrics.drafts does the work."""

import polars as pl
import streamlit as st

from dcmetrics import draft_form, drafts, scoring
from dcmetrics.errors import DcmetricsError, ValidationError
from dcmetrics.fmt import EMPTY, fmt_num
from dcmetrics.framework_model import ROUNDING_RULES
from ui.context import account, get_profiles, get_store, show_errors
from ui.tables import vn_dataframe

st.title("Soạn bộ tiêu chí")
store, user = get_store(), account()
profiles = get_profiles()
st.caption("Phiên bản đã ban hành không sửa được: mọi thay đổi là một phiên bản mới, áp dụng từ một năm về sau, "
           "kèm lý do; phiên bản cũ được lưu nguyên và vẫn chấm các năm trước. Con số nào đổi thì nguồn của nó là "
           "quyết định của tỉnh ghi ở cuối biểu mẫu; không ghi quyết định thì con số là mặc định của phần mềm — chưa "
           "có văn bản quy định.")

pid = st.selectbox("Bộ tiêu chí", list(profiles), key="draft_profile", format_func=lambda p: profiles[p].title)
FLASH = "draft_flash"
for kind, text in st.session_state.pop(FLASH, []):
    (st.success if kind == "success" else st.warning)(text, icon=":material/task_alt:" if kind == "success"
                                                      else ":material/warning:")

draft_id = None
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
        draft_id = st.session_state["draft_id"]


def source_label(choices: dict[str, str], sid: str) -> str:
    if sid == draft_form.AUTO:
        return "Tự động (đổi số: quyết định ghi ở cuối)"
    if sid == draft_form.NEW_DECISION:
        return "Quyết định ghi ở cuối biểu mẫu"
    text = choices.get(sid, f"{sid} (chưa khai báo)")
    return text if len(text) <= 90 else text[:88] + " …"


def number_form(d: drafts.Draft) -> None:
    """Every number of the draft, by section, each entry with the source of its numbers."""
    entries = drafts.form(d)
    choices = draft_form.source_choices(d.text)
    options = [draft_form.AUTO, draft_form.NEW_DECISION, *choices]
    sections: dict[str, list] = {}
    for e in entries:
        sections.setdefault(e.section, []).append(e)
    with st.form("draft_numbers"):
        st.markdown("Số thập phân viết với **dấu phẩy** (0,75; 12,5), không dùng dấu chấm. Tỷ lệ (sàn điểm nhóm, "
                    "tỷ lệ điểm của khoảng) viết từ 0 đến 1.")
        values, sources = {}, {}
        for section, group in sections.items():
            with st.expander(section):
                for e in group:
                    if e.note:  # an item: what it measures, above its weight and its rule
                        st.markdown(f"**{e.note}**")
                    st.markdown(f"{e.label} · nguồn hiện tại: {choices.get(e.source, e.source or 'chưa ghi')}")
                    cols = st.columns([1] * len(e.fields) + [2])
                    for col, f in zip(cols, e.fields):
                        key = f"dv{d.id}_{f.key}"
                        if f.kind == "choice":
                            values[f.key] = col.selectbox(
                                f.label, f.options, index=f.options.index(f.text) if f.text in f.options else 0,
                                key=key, format_func=lambda o: ROUNDING_RULES.get(o, o))
                        else:
                            values[f.key] = col.text_input(f.label, value=f.text, key=key)
                    sources[e.key] = cols[-1].selectbox("Nguồn", options, key=f"ds{d.id}_{e.key}",
                                                        format_func=lambda s: source_label(choices, s))
        st.markdown("**Quyết định của tỉnh làm nguồn của các con số thay đổi**")
        c1, c2, c3 = st.columns(3)
        decision = {"number": c1.text_input("Quyết định số", key="dd_number", placeholder="15/QĐ-UBND"),
                    "date": c2.text_input("Ngày", key="dd_date", placeholder="10/01/2026"),
                    "issuer": c3.text_input("Cơ quan ban hành", key="dd_issuer", placeholder="UBND tỉnh …")}
        if st.form_submit_button("Lưu và kiểm tra", icon=":material/save:"):
            try:
                result, problems = drafts.edit(store, user, d.id, values, sources, decision)
            except ValidationError as e:
                st.error(f"Chưa lưu: {len(e.problems)} giá trị cần sửa.", icon=":material/error:")
                for p in e.problems:
                    st.markdown(f"- {p}")
            except DcmetricsError as e:
                st.error(str(e), icon=":material/error:")
            else:
                flash = [("success", f"Đã lưu {fmt_num(len(result.changes))} thay đổi vào bản nháp số {d.id}.")]
                if result.defaulted:
                    flash.append(("warning", "Chưa ghi quyết định của tỉnh nên các con số đã đổi sau đây được ghi "
                                             "là mặc định của phần mềm — chưa có văn bản quy định: "
                                             + "; ".join(result.defaulted) + "."))
                st.session_state[FLASH] = flash
                st.rerun()


if draft_id is not None:
    d = drafts.get_draft(store, draft_id)
    profile, problems = drafts.check(d.text, d.profile_id)
    if d.state == "published":
        st.info(f"Bản nháp này đã ban hành thành phiên bản {d.published_version}: chỉ xem, không sửa.",
                icon=":material/lock:")
    elif problems:  # the loader's messages, one per problem, after every save
        st.error(f"Bản nháp còn {len(problems)} lỗi, chưa ban hành được:", icon=":material/error:")
        for p in problems:
            st.markdown(f"- {p}")
    else:
        st.success("Bản nháp hợp lệ.", icon=":material/check_circle:")

    with show_errors():
        if d.state == "draft":
            number_form(d)
        changed = drafts.changes(d)
        st.subheader(f"Thay đổi so với phiên bản {d.base_version}")
        if changed:
            choices = draft_form.source_choices(d.text)
            st.dataframe(pl.DataFrame({
                "Con số": [c.entry for c in changed], "Mục": [c.field for c in changed],
                "Trước": [c.before for c in changed], "Sau": [c.after for c in changed],
                "Nguồn": [choices.get(c.source, c.source) for c in changed]}), hide_index=True, key="draft_diff", placeholder=EMPTY)
        else:
            st.caption("Bản nháp chưa đổi con số nào.")

    if d.state == "draft":
        st.subheader("Xem trước")
        years = scoring.scored_years(store)
        if years and profile is not None:
            year = st.selectbox("Năm", years, key="draft_year")
            with show_errors():
                moves = drafts.preview(store, user, draft_id, int(year))
                moved = moves.filter(pl.col("changed"))
                st.metric("Đơn vị đổi mức", f"{fmt_num(moved.height)}/{fmt_num(moves.height)}", border=True)
                vn_dataframe(moved, {"unit_name": "Đơn vị", "total_now": "Điểm hiện hành", "level_now": "Mức hiện hành",
                                     "total_draft": "Điểm theo bản nháp", "level_draft": "Mức theo bản nháp"},
                             points=("total_now", "total_draft"), key="draft_changes", alt="Đơn vị đổi mức")
        elif profile is None:
            st.caption("Sửa các lỗi trên để xem trước.")

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
                    except ValidationError as e:
                        st.error(f"Chưa ban hành: bản nháp còn {len(e.problems)} lỗi.", icon=":material/error:")
                        for p in e.problems:
                            st.markdown(f"- {p}")
                    except DcmetricsError as e:
                        st.error(str(e), icon=":material/error:")
                    else:
                        get_profiles.clear()
                        st.session_state[FLASH] = [("success", (
                            f"Đã ban hành «{done.id}» phiên bản {done.version}, áp dụng từ năm {done.effective_from}; "
                            f"phiên bản {d.base_version} được lưu nguyên tại "
                            f"profiles/archive/{done.id}/{d.base_version}.toml."))]
                        st.rerun()
    with st.expander("Nội dung TOML của bản nháp"):
        st.code(d.text, language="toml")
