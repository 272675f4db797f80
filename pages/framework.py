"""Bộ tiêu chí: the chosen profile's groups, indicators, bands and caps."""

import streamlit as st

from dcmetrics.config import UNIT_TYPE_LABELS, UNIT_TYPES
from dcmetrics.framework_model import CRITERION_EFFECTS, KIND_LABELS
from dcmetrics.fmt import EMPTY, fmt_num, fmt_pct
from ui.context import current, get_profiles

st.title("Bộ tiêu chí đánh giá")
ctx = current()
profiles = get_profiles()
head = ctx[2] if ctx else next(iter(profiles.values()))
year = ctx[1].year if ctx else None
st.subheader(head.title)
versions = {v.version: v for v in head.versions()}
if len(versions) > 1:
    # the version that scored the chosen year first (a widget per year, so a new year shows
    # its own version); every version stays readable
    default = head.in_force(year).version if year is not None and head.has_version_for(year) else head.version
    chosen = st.selectbox("Phiên bản", list(reversed(versions)), index=list(reversed(versions)).index(default),
                          key=f"fw_version_{year}", format_func=lambda v: f"{v} — áp dụng {head.period_text(v)}"
                          + (" (hiện hành)" if v == head.version else ""))
    profile = versions[chosen]
else:
    profile = head
st.caption(f"Mã {profile.id} · phiên bản {profile.version}, áp dụng {head.period_text(profile.version)} · "
           f"văn bản: {profile.document.title} ({profile.document.number}, {profile.document.date})")
st.caption("Loại đơn vị được đánh giá: " + ", ".join(UNIT_TYPE_LABELS[t] for t in profile.unit_types)
           + ("" if len(profile.unit_types) == len(UNIT_TYPES) else " (các loại khác không được bộ tiêu chí này chấm)"))
st.info("Nghị quyết quy định các nhóm biện pháp; điểm số, ngưỡng xếp mức, sàn điểm nhóm, đề xuất xếp loại và điều kiện "
        "khen thưởng không có trong văn bản: mỗi con số dưới đây ghi rõ nguồn — điều khoản của văn bản (kèm nguyên "
        "văn), quyết định của tỉnh, hoặc mặc định của phần mềm.", icon=":material/info:")
for g in profile.groups:
    with st.expander(f"{g.key} · Mục {g.number}: {g.name} — {fmt_num(g.points)} điểm"):
        st.caption(f"Vị trí trong văn bản: {g.clause} · Điểm nhóm {fmt_num(g.points)}: {g.source.label()}")
        for it in g.items:
            ind = it.indicator
            st.markdown(f"**{ind.code} — {ind.name}** ({KIND_LABELS[ind.kind]})  \n"
                        f"{ind.definition}  \n"
                        f"Cách chấm: {it.rule.describe(ind.kind)} (nguồn: {it.rule_source.label()})  \n"
                        f"Trọng số: {fmt_num(it.weight)} (nguồn: {it.source.label()})  \n"
                        f"Điều khoản nêu biện pháp: {it.clause}")
if profile.excluded:
    st.subheader("Không chấm cho đơn vị")
    st.table([{"Chỉ tiêu": e.indicator, "Điều khoản": e.clause, "Văn bản ghi": f"«{e.quote}»", "Lý do": e.reason}
              for e in profile.excluded])
st.subheader("Mức độ thực hiện và đề xuất xếp loại")
st.table([{"Mức": lv.level, "Điểm tối thiểu": fmt_num(lv.min_total),
           "Mỗi nhóm tối thiểu": fmt_pct(lv.floor, 0), "Đề xuất xếp loại": lv.cap, "Nguồn": lv.source.label()}
          for lv in profile.levels])
st.subheader("Kết quả dùng vào việc đánh giá, xếp loại hằng năm")
if profile.criteria:
    st.table([{"Văn bản ghi": f"«{c.quote}»", "Điều khoản": c.clause, "Áp dụng cho": c.subjects_text(),
               "Loại đơn vị": ", ".join(UNIT_TYPE_LABELS[t] for t in c.unit_types),
               "Hiệu lực": CRITERION_EFFECTS[c.effect]} for c in profile.criteria])
    uncovered = [t for t in UNIT_TYPE_LABELS if t in profile.unit_types and not profile.criteria_for(t)]
    if uncovered:
        st.caption("Văn bản không gắn kết quả với việc xếp loại: " + ", ".join(UNIT_TYPE_LABELS[t] for t in uncovered)
                   + " — các đơn vị này vẫn được đánh giá và xếp mức, nhưng không có đề xuất xếp loại.")
else:
    st.caption("Bộ tiêu chí chưa ghi văn bản nói kết quả dùng vào việc đánh giá, xếp loại như thế nào: không đơn vị "
               "nào có đề xuất xếp loại.")
st.subheader("Làm tròn điểm")
rounding = profile.rounding
st.table([{"Quy định": rounding.describe(), "Nguồn": rounding.source}])
st.caption("Mức độ thực hiện, sàn điểm nhóm, đề xuất xếp loại, thứ hạng và danh sách đề nghị khen thưởng dùng điểm "
           "đã làm tròn; điểm chưa làm tròn (chính xác đến 12 chữ số thập phân) xem ở trang Chi tiết đơn vị.")
if profile.adjustments:
    st.subheader("Điểm cộng, điểm trừ")
    st.table([{"Chỉ tiêu": a.indicator.code, "Loại": "Điểm trừ" if a.kind == "deduction" else "Điểm thưởng",
               "Mỗi lần": fmt_num(a.points_each), "Tối đa": fmt_num(a.cap), "Điều khoản": a.clause,
               "Nguồn của con số": a.source.label()}
              for a in profile.adjustments])
if profile.vetoes:
    st.subheader("Điều kiện loại trừ")
    ops = {">=": "≥", "<=": "≤", "!=": "≠", ">": "lớn hơn", "<": "nhỏ hơn", "=": "bằng"}
    st.table([{"Chỉ tiêu": v.indicator.code, "Điều kiện": f"{ops[v.op]} {fmt_num(v.value)}",
               "Hệ quả": "Không xếp loại" if v.effect == "not_rated" else f"Tối đa mức {v.cap_level}",
               "Lý do": v.reason, "Điều khoản": v.clause, "Nguồn của con số": v.source.label()}
              for v in profile.vetoes])

st.subheader("Nguồn của mọi con số")
numbers = profile.numbers()
n_default = sum(src.is_default for _, _, src in numbers)
st.caption(f"{n_default}/{len(numbers)} con số là mặc định của phần mềm — chưa có văn bản quy định; tỉnh thay bằng "
           "quyết định của mình khi ban hành phiên bản mới của bộ tiêu chí.")
st.dataframe([{"Con số": what, "Giá trị": shown, "Nguồn": src.label()} for what, shown, src in numbers],
             hide_index=True, width="stretch", key="fw_numbers", placeholder=EMPTY)

st.subheader("So sánh hai bộ tiêu chí")
# other profiles, and the other versions of this one (what changed between two years' rules)
choices = {f"{p.id}@{v.version}": v for p in profiles.values() for v in p.versions()
           if not (v.id == profile.id and v.version == profile.version)}
other_key = st.selectbox("So với", list(choices), key="compare_with",
                         format_func=lambda k: choices[k].title + (f" — phiên bản {choices[k].version}"
                                                                   if len(profiles[choices[k].id].versions()) > 1 else ""))
other = choices[other_key]


def placement(p):
    return {it.indicator.code: f"{g.key} · mục {g.number}" for g in p.groups for it in g.items}


mine, theirs = placement(profile), placement(other)
codes = list(dict.fromkeys([*mine, *theirs]))
names = {it.indicator.code: it.indicator.name for p in (profile, other) for _, it in p.items}
mine_label, their_label = f"{profile.id} {profile.version}", f"{other.id} {other.version}"
st.table([{"Chỉ tiêu": f"{names[c]} ({c})", mine_label: mine.get(c, "—"), their_label: theirs.get(c, "—")}
          for c in codes])
with st.container(horizontal=True):
    for p in (profile, other):
        with st.container(border=True):
            st.markdown(f"**{p.title}** · phiên bản {p.version}")
            for g in p.groups:
                st.markdown(f"- {g.key} ({fmt_num(g.points)} điểm): {g.name[:80]}{'…' if len(g.name) > 80 else ''}")
            st.markdown("Mức: " + "; ".join(f"{lv.level} từ {fmt_num(lv.min_total)} điểm"
                                            + (f", mỗi nhóm ≥ {fmt_pct(lv.floor, 0)}" if lv.floor else "")
                                            for lv in p.levels))
