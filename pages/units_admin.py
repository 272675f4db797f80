"""Đơn vị hành chính: the administrator loads a real province's official units (old and new, with
the lineage of the 2025 reorganisation) after a preview of what will be created, and enters,
changes or removes links old unit → new unit with a reason."""

import polars as pl
import streamlit as st

from dcmetrics import lineage, lineage_edit
from dcmetrics.display.chooser import ALL_UNITS, unit_options
from dcmetrics.errors import DcmetricsError, Problem, ValidationError
from dcmetrics.official_units import reorganisation
from dcmetrics.units import all_units
from ui.tables import vn_dataframe
from dcmetrics.fmt import fmt_num
from dcmetrics.unit_list import import_unit_list
from dcmetrics.units import import_official
from ui.context import account, get_store, show_errors
from ui.inputs import vn_file_uploader

st.title("Đơn vị hành chính chính thức")
store, user = get_store(), account()
st.caption("Danh mục tỉnh, xã sau ngày 01/7/2025 và huyện, xã trước sắp xếp lấy từ dữ liệu có sẵn của gói "
           "vietnamadminunits (không cần mạng). Đơn vị cũ được đánh giá đến năm 2024, đơn vị mới từ năm 2025 (mặc định "
           "của phần mềm, tệp data/units/reorganisation-2025.toml). Cơ quan, đơn vị sự nghiệp, doanh nghiệp của tỉnh "
           "đã có trong danh mục được giữ nguyên.")

FLASH = "units_flash"
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")

with st.form("official_units"):
    province = st.text_input("Tỉnh, thành phố (tên hoặc mã sau sắp xếp)", placeholder="ví dụ: Cà Mau hoặc 96",
                             key="official_province")
    legacy = st.checkbox("Nạp cả huyện, xã trước sắp xếp và liên kết cũ → mới (lịch sử 2023–2024)", value=True,
                         key="official_legacy")
    previewed = st.form_submit_button("Xem trước", icon=":material/preview:")

if previewed and province.strip():
    with show_errors():
        st.session_state["official_preview"] = (province.strip(), legacy,
                                                import_official(store, user, province.strip(), legacy, commit=False))

preview = st.session_state.get("official_preview")
if preview:
    name, with_old, r = preview
    st.subheader(f"{r.province_name} (mã {r.province_code})")
    with st.container(horizontal=True):
        st.metric("Đơn vị mới (tỉnh, xã)", fmt_num(r.new_units), border=True)
        st.metric("Đơn vị cũ (huyện, xã)", fmt_num(r.old_units), border=True)
        st.metric("Liên kết cũ → mới", fmt_num(r.lineage), border=True)
        st.metric("Xã cũ chia cho nhiều xã mới", fmt_num(r.divided), border=True)
    st.caption(f"Nguồn: {r.source}. Đã có trong danh mục (sẽ được cập nhật): {fmt_num(r.existing)}; "
               f"đơn vị khác giữ nguyên: {fmt_num(r.kept)}. Chưa ghi gì cho đến khi bấm «Nạp vào cơ sở dữ liệu».")
    if st.button("Nạp vào cơ sở dữ liệu", type="primary", icon=":material/database_upload:", key="official_commit"):
        try:
            done = import_official(store, user, name, with_old, commit=True)
        except DcmetricsError as e:
            st.error(str(e), icon=":material/error:")
        else:
            st.session_state.pop("official_preview", None)
            st.session_state[FLASH] = (f"Đã nạp {fmt_num(done.new_units + done.old_units)} đơn vị của "
                                       f"{done.province_name} và {fmt_num(done.lineage)} liên kết cũ → mới.")
            st.rerun()

st.subheader("Cơ quan, đơn vị sự nghiệp, doanh nghiệp, thôn, tổ dân phố của tỉnh")
st.caption("Tệp .xlsx hoặc .csv với các cột ma_don_vi, ten_don_vi, loai (Cơ quan, Đơn vị sự nghiệp, Doanh nghiệp, "
           "Thôn, Tổ dân phố, Khu phố, Ấp), ma_cap_tren, cum_thi_dua, nam_bat_dau, nam_ket_thuc. Thôn, tổ dân phố, "
           "khu phố, ấp phải thuộc một xã, phường, đặc khu (mã cấp trên là mã của xã). Mã đã có được cập nhật; đơn vị "
           "hành chính không đổi.")
listed = vn_file_uploader("Danh sách đơn vị", key="unit_list_file", types=["xlsx", "csv"])
if listed is not None:
    content = listed.getvalue()
    with show_errors():
        check = import_unit_list(store, user, content, listed.name, commit=False)
        st.info(f"Tệp hợp lệ: {fmt_num(check.added)} đơn vị mới, {fmt_num(check.updated)} đơn vị cập nhật.",
                icon=":material/check_circle:")
        if check.warnings:
            st.warning("\n".join(f"- {w}" for w in check.warnings), icon=":material/warning:")
        if st.button("Lưu danh sách đơn vị", type="primary", key="unit_list_commit"):
            done = import_unit_list(store, user, content, listed.name, commit=True)
            st.session_state[FLASH] = (f"Đã lưu {fmt_num(done.added)} đơn vị mới và cập nhật "
                                       f"{fmt_num(done.updated)} đơn vị từ {listed.name}.")
            st.rerun()


st.subheader("Liên kết đơn vị cũ → đơn vị mới")
st.caption("Đơn vị mới thừa hưởng lịch sử kết quả của các đơn vị cũ theo các liên kết này (trang Chi tiết đơn vị, "
           "Xu hướng). Mỗi liên kết quản trị viên nhập, sửa hoặc xoá phải ghi lý do; nguồn ghi tên quản trị viên. "
           "Một đơn vị cũ chia cho nhiều đơn vị mới thì tổng các phần phải bằng 1.")


def lineage_errors(e: ValidationError) -> None:
    st.error(f"Chưa lưu gì: có {len(e.problems)} lỗi.\n" + "\n".join(f"- {p}" for p in e.problems),
             icon=":material/error:")


def saved(text: str) -> None:
    st.session_state[FLASH] = text
    st.rerun()


links = lineage_edit.links(store)
vn_dataframe(links.with_columns(pl.col("effective_date").dt.strftime("%d/%m/%Y"),
                                pl.col("share_basis").replace(lineage.SHARE_BASIS_LABELS),
                                pl.when(pl.col("is_default")).then(pl.lit("Có")).otherwise(pl.lit(""))
                                .alias("is_default"), pl.col("reason").fill_null("–")),
             {"old_code": "Mã cũ", "old_name": "Đơn vị cũ", "new_code": "Mã mới", "new_name": "Đơn vị mới",
              "effective_date": "Ngày hiệu lực", "share": "Tỷ lệ", "share_basis": "Cách tính tỷ lệ",
              "is_default": "Mặc định", "source": "Nguồn", "reason": "Lý do", "recorded_at": "Ghi lúc"},
             numbers=("share",), alt="Liên kết đơn vị cũ → đơn vị mới")

missing = lineage_edit.unaccounted(store)
if missing.is_empty():
    st.success("Mọi xã cũ đều đã có đơn vị kế thừa.", icon=":material/task_alt:")
for (province,), rows in missing.group_by(["province_name"], maintain_order=True):
    st.warning(f"{province}: {fmt_num(rows.height)} đơn vị cũ chưa có đơn vị kế thừa nào: "
               + "; ".join(f"{r['name']} ({r['code']})" for r in rows.iter_rows(named=True)),
               icon=":material/warning:")

registry = all_units(store)
unit_names = dict(zip(registry["code"].to_list(), registry["name"].to_list()))


def unit_label(code: str) -> str:
    return f"{unit_names.get(code, code)} ({code})"


def unit_codes(label: str, key: str) -> list[str]:
    """Every unit's code, or above ALL_UNITS (40,000 of a nation took the browser 5 s to draw in
    the two boxes below) a search listing at most MATCHES, with the units chosen. The boxes are
    outside the form so that what is chosen is known to the next search."""
    if registry.height <= ALL_UNITS:
        return registry["code"].to_list()
    query = st.text_input(label, key=f"{key}_search")
    chosen = st.session_state.get(key)
    options = unit_options(registry.select(unit_code="code", unit_name="name"), query,
                           [] if chosen is None else chosen)
    st.caption(options.caption())
    return options.codes


st.markdown("**Thêm liên kết**")
old_code = st.selectbox("Đơn vị cũ", unit_codes("Tìm đơn vị cũ (tên hoặc mã)", "lineage_old"), index=None,
                        format_func=unit_label, key="lineage_old", placeholder="Chọn đơn vị đã kết thúc")
new_codes = st.multiselect("Đơn vị mới (chọn nhiều nếu đơn vị cũ được chia)",
                           unit_codes("Tìm đơn vị mới (tên hoặc mã)", "lineage_new"), format_func=unit_label,
                           key="lineage_new", placeholder="Chọn đơn vị kế thừa")
with st.form("lineage_add", clear_on_submit=False):
    shares_text = st.text_input("Tỷ lệ từng phần, theo thứ tự đơn vị mới (để trống: cả đơn vị hoặc chia đều)",
                                placeholder="ví dụ: 0,6; 0,4 hoặc 1/3; 1/3; 1/3", key="lineage_shares")
    on = st.date_input("Ngày hiệu lực", value=reorganisation().effective_date, format="DD/MM/YYYY",
                       key="lineage_date")
    reason = st.text_area("Lý do (bắt buộc)", key="lineage_reason",
                          placeholder="ví dụ: Nghị quyết số .../NQ-UBTVQH15 sắp xếp đơn vị hành chính cấp xã")
    add = st.form_submit_button("Thêm liên kết", icon=":material/add_link:")

if add:
    try:
        if not old_code or not new_codes:
            raise ValidationError([Problem("liên kết", "hãy chọn đơn vị cũ và ít nhất một đơn vị mới")])
        parts = shares_text.split(";") if shares_text.strip() else []
        shares = [lineage_edit.parse_share(t) for t in parts]
        if shares and len(shares) != len(new_codes):
            raise ValidationError([Problem(
                "tỷ lệ", f"có {len(shares)} tỷ lệ cho {len(new_codes)} đơn vị mới: mỗi đơn vị mới một tỷ lệ")])
        entries = [lineage_edit.LinkEntry(old_code, n, on, shares[i] if shares else None)
                   for i, n in enumerate(new_codes)]
        done = lineage_edit.add_links(store, user, entries, reason)
    except ValidationError as e:
        lineage_errors(e)
    except DcmetricsError as e:
        st.error(str(e), icon=":material/error:")
    else:
        saved(f"Đã thêm {fmt_num(done.added)} liên kết từ {unit_label(old_code)}.")

olds = list(dict.fromkeys(links["old_code"].to_list()))
if len(olds) > ALL_UNITS:  # every old commune of a nation: the same search as above
    query = st.text_input("Tìm đơn vị cũ có liên kết (tên hoặc mã)", key="lineage_pick_search")
    olds = unit_options(pl.DataFrame({"unit_code": olds, "unit_name": [unit_names.get(c, c) for c in olds]}),
                        query, st.session_state.get("lineage_pick")).codes
picked = st.selectbox("Sửa hoặc xoá liên kết của đơn vị cũ", olds, index=None, format_func=unit_label,
                      key="lineage_pick", placeholder="Chọn đơn vị cũ")
if picked:
    mine = links.filter(pl.col("old_code") == picked)
    with st.form("lineage_change"):
        shares_in = {r["new_code"]: st.text_input(f"Tỷ lệ sang {unit_label(r['new_code'])}",
                                                  value=fmt_num(r["share"], 6), key=f"lineage_share_{r['new_code']}")
                     for r in mine.iter_rows(named=True)}
        news = mine["new_code"].to_list()
        current_default = next((r["new_code"] for r in mine.iter_rows(named=True) if r["is_default"]), news[0])
        default = st.radio("Đơn vị mới mặc định (khi đơn vị cũ được chia)", news, index=news.index(current_default),
                           format_func=unit_label, key="lineage_default") if len(news) > 1 else news[0]
        drop = st.multiselect("Liên kết cần xoá", news, format_func=lambda n: f"{unit_label(picked)} → {unit_label(n)}",
                              key="lineage_drop")
        change_reason = st.text_area("Lý do (bắt buộc)", key="lineage_change_reason")
        with st.container(horizontal=True):
            change = st.form_submit_button("Lưu tỷ lệ", icon=":material/save:")
            remove = st.form_submit_button("Xoá liên kết đã chọn", icon=":material/link_off:")
    try:
        if change:
            done = lineage_edit.update_links(store, user, [
                lineage_edit.LinkEntry(picked, n, share=lineage_edit.parse_share(t), is_default=(n == default))
                for n, t in shares_in.items()], change_reason)
            saved(f"Đã sửa {fmt_num(done.changed)} liên kết của {unit_label(picked)}.")
        if remove:
            done = lineage_edit.remove_links(store, user, [(picked, n) for n in drop], change_reason)
            saved(f"Đã xoá {fmt_num(done.removed)} liên kết của {unit_label(picked)}.")
    except ValidationError as e:
        lineage_errors(e)
    except DcmetricsError as e:
        st.error(str(e), icon=":material/error:")
