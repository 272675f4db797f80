"""Bộ tiêu chí: the chosen profile's groups, indicators, bands and caps."""

import streamlit as st

from dcmetrics.framework_model import KIND_LABELS
from dcmetrics.fmt import fmt_num, fmt_pct
from ui.context import current, get_profiles

st.title("Bộ tiêu chí đánh giá")
ctx = current()
profiles = get_profiles()
profile = ctx[2] if ctx else next(iter(profiles.values()))
st.subheader(profile.title)
st.caption(f"Mã {profile.id} · phiên bản {profile.version} · văn bản: {profile.document.title} "
           f"({profile.document.number}, {profile.document.date})")
for g in profile.groups:
    with st.expander(f"{g.key} · Mục {g.number}: {g.name} — {fmt_num(g.points)} điểm"):
        st.caption(f"Căn cứ: {g.clause}")
        for it in g.items:
            ind = it.indicator
            st.markdown(f"**{ind.code} — {ind.name}** ({KIND_LABELS[ind.kind]})  \n"
                        f"{ind.definition}  \n"
                        f"Cách chấm: {it.rule.describe(ind.kind)} · Trọng số: {fmt_num(it.weight)}  \n"
                        f"Căn cứ: {it.clause}")
st.subheader("Mức độ thực hiện và trần xếp loại")
st.table([{"Mức": lv.level, "Điểm tối thiểu": fmt_num(lv.min_total),
           "Mỗi nhóm tối thiểu": fmt_pct(lv.floor, 0), "Trần xếp loại": lv.cap} for lv in profile.levels])
if profile.adjustments:
    st.subheader("Điểm cộng, điểm trừ")
    st.table([{"Chỉ tiêu": a.indicator.code, "Loại": "Điểm trừ" if a.kind == "deduction" else "Điểm thưởng",
               "Mỗi lần": fmt_num(a.points_each), "Tối đa": fmt_num(a.cap), "Căn cứ": a.clause}
              for a in profile.adjustments])
if profile.vetoes:
    st.subheader("Điều kiện loại trừ")
    ops = {">=": "≥", "<=": "≤", "!=": "≠", ">": "lớn hơn", "<": "nhỏ hơn", "=": "bằng"}
    st.table([{"Chỉ tiêu": v.indicator.code, "Điều kiện": f"{ops[v.op]} {fmt_num(v.value)}",
               "Hệ quả": "Không xếp loại" if v.effect == "not_rated" else f"Tối đa mức {v.cap_level}",
               "Lý do": v.reason, "Căn cứ": v.clause} for v in profile.vetoes])

st.subheader("So sánh hai bộ tiêu chí")
ids = list(profiles)
other_id = st.selectbox("So với", [i for i in ids if i != profile.id], key="compare_with",
                        format_func=lambda i: profiles[i].title)
other = profiles[other_id]


def placement(p):
    return {it.indicator.code: f"{g.key} · mục {g.number}" for g in p.groups for it in g.items}


mine, theirs = placement(profile), placement(other)
codes = list(dict.fromkeys([*mine, *theirs]))
names = {it.indicator.code: it.indicator.name for p in (profile, other) for _, it in p.items}
st.table([{"Chỉ tiêu": f"{names[c]} ({c})", profile.id: mine.get(c, "—"), other.id: theirs.get(c, "—")}
          for c in codes])
with st.container(horizontal=True):
    for p in (profile, other):
        with st.container(border=True):
            st.markdown(f"**{p.title}**")
            for g in p.groups:
                st.markdown(f"- {g.key} ({fmt_num(g.points)} điểm): {g.name[:80]}{'…' if len(g.name) > 80 else ''}")
