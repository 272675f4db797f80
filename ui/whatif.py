"""The «Thử thay đổi số liệu» section of the unit page: inputs for the unit's values, the points,
total, level and rank they would give, and suggestions to reach the next level. Every number is
computed in dcmetrics.analysis.whatif (same SQL chain, nothing stored); this only draws."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dcmetrics.analysis import whatif
from dcmetrics.errors import DcmetricsError, InputError
from dcmetrics.fmt import fmt_num, fmt_points
from ui.inputs import vn_number
from ui.tables import vn_dataframe

SIMULATION_NOTE = ("Chỉ là thử, không lưu: điểm được tính bằng đúng cách tính của phần mềm trên các giá trị "
                   "nhập dưới đây; số liệu đã gửi và kết quả đã lưu không thay đổi.")
KIND_BOUNDS = {"percent": (0.0, 100.0), "count": (0.0, None), "points": (0.0, None)}


def _number(label: str, key: str, value: float | None, lo: float | None, hi: float | None,
            errors: list[str]) -> float | None:
    """A Vietnamese number box; empty means no value (the chain then scores 0 and marks it missing).
    A number that cannot be read is named under the box and in `errors`."""
    text = st.text_input(label, value="" if value is None else fmt_num(value, 6, group=False), key=key)
    if not text.strip():
        return None
    try:
        return vn_number(text, label, lo, hi)
    except InputError as e:
        st.error(str(e), icon=":material/error:")
        errors.append(str(e))
        return value


def _inputs(base: whatif.UnitValues, key: str) -> tuple[dict, list[str]]:
    """One input per indicator the unit is scored on (grouped), its current value shown."""
    values: dict = {}
    errors: list[str] = []
    rows = base.values.filter(pl.col("editable"))
    fixed = base.values.filter(~pl.col("editable"))
    groups = [g.key for g in base.version.groups]
    order = groups + [None]
    for gkey in order:
        part = rows.filter(pl.col("group_key").is_null() if gkey is None else pl.col("group_key") == gkey)
        if part.is_empty():
            continue
        title = (next(f"{g.key}. {g.name}" for g in base.version.groups if g.key == gkey) if gkey
                 else "Điều kiện loại trừ, điểm trừ, điểm thưởng")
        with st.expander(title[:120], expanded=False):
            for r in part.iter_rows(named=True):
                code, label = r["indicator"], f"{r['name']} ({r['indicator']})"
                k = f"{key}_{code}"
                if r["kind"] == "yesno":
                    options = ["Có", "Không", "(trống)"]
                    now = "(trống)" if r["value"] is None else ("Có" if r["value"] == 1 else "Không")
                    pick = st.selectbox(label, options, index=options.index(now), key=k)
                    values[code] = None if pick == "(trống)" else (1.0 if pick == "Có" else 0.0)
                elif r["kind"] == "ratio":
                    c1, c2 = st.columns(2)
                    with c1:
                        num = _number(f"{label} — tử số", f"{k}_tu", r["num"], 0.0, None, errors)
                    with c2:
                        den = _number(f"{label} — mẫu số", f"{k}_mau", r["den"], 0.0, None, errors)
                    values[code] = None if num is None and den is None else (num, den)
                else:
                    lo, hi = KIND_BOUNDS.get(r["kind"], (None, None))
                    if r["kind"] == "points":
                        hi = r["max"]
                    values[code] = _number(label, k, r["value"], lo, hi, errors)
                if r["note"]:
                    st.caption(r["note"])
    if not fixed.is_empty():
        st.caption("Không thử thay đổi được (cấp trên nhập): "
                   + ", ".join(f"{n} = {whatif.value_text(k, whatif._value_of(r))}"
                               for n, k, r in zip(fixed["name"], fixed["kind"], fixed.iter_rows(named=True))))
    return values, errors


def _rank_text(o: whatif.Outcome) -> str:
    return "–" if o.rank is None else f"{o.rank}/{o.n_rated}"


def show_result(w: whatif.WhatIf, key: str) -> None:
    b, a = w.before, w.after
    with st.container(horizontal=True):
        st.metric("Tổng điểm (thử)", fmt_points(a.total), border=True,
                  delta=None if a.total is None or b.total is None else f"{'+' if a.total >= b.total else ''}{fmt_num(a.total - b.total)}")
        st.metric("Mức (thử)", a.level or "Không xếp loại", border=True,
                  delta=None if a.level == b.level else f"trước: {b.level or 'Không xếp loại'}", delta_color="off",
                  delta_arrow="off")
        st.metric("Hạng chung (thử)", _rank_text(a), border=True,
                  delta=None if a.rank is None or b.rank is None or a.rank == b.rank else
                  f"{b.rank - a.rank:+d} bậc")
    if not a.rated:
        st.error(f"Không đủ điều kiện xếp loại: {a.not_rated_reason}.", icon=":material/block:")
    if a.capped_by:
        st.warning(f"Mức bị giới hạn do: {a.capped_by}.", icon=":material/warning:")
    if a.held_by:
        st.warning(f"Các nhóm chưa đạt mức điểm tối thiểu của mức cao hơn: {a.held_by}.", icon=":material/trending_down:")
    vn_dataframe(w.groups, {"group_key": "Nhóm", "points_before": "Điểm hiện tại", "points_after": "Điểm thử",
                            "change": "Thay đổi", "max_points": "Tối đa"},
                 points=("points_before", "points_after", "change", "max_points"), key=f"{key}_groups",
                 alt="Điểm nhóm khi thử thay đổi")
    moved = w.items.filter(pl.col("change").abs() > 1e-9)
    if not moved.is_empty():
        vn_dataframe(moved, {"group_key": "Nhóm", "indicator": "Mã", "points_before": "Điểm hiện tại",
                             "points_after": "Điểm thử", "change": "Thay đổi"},
                     points=("points_before", "points_after", "change"), key=f"{key}_items",
                     alt="Chỉ tiêu thay đổi điểm khi thử")


def unit_section(store, user, profile, unit_code: str, year: int, basis: str) -> None:
    """The what-if section for one unit and year (the profile's head; the year's version scores)."""
    st.subheader("Thử thay đổi số liệu")
    st.info(SIMULATION_NOTE, icon=":material/science:")
    key = f"whatif_{unit_code}_{year}_{basis}"
    try:
        base = whatif.unit_values(store, user, profile, unit_code, year, basis)
    except DcmetricsError as e:
        st.error(str(e), icon=":material/error:")
        return
    with st.form(f"{key}_form"):
        values, errors = _inputs(base, key)
        run = st.form_submit_button("Tính thử", icon=":material/calculate:")
    if run:
        if errors:
            st.error("Chưa tính được: " + " ".join(errors), icon=":material/error:")
        else:
            try:
                w = whatif.simulate(store, user, profile, unit_code, year, basis, values, base=base)
                if not w.changed:
                    st.caption("Chưa thay đổi giá trị nào: kết quả bằng kết quả đã lưu.")
                show_result(w, key)
            except DcmetricsError as e:
                st.error(str(e), icon=":material/error:")
    if st.button("Gợi ý cách lên mức", icon=":material/lightbulb:", key=f"{key}_suggest"):
        try:
            with st.spinner("Đang tính các gợi ý…"):
                s = whatif.suggest(store, user, profile, unit_code, year, basis, base=base)
        except DcmetricsError as e:
            st.error(str(e), icon=":material/error:")
            return
        (st.success if s.reached else st.warning)(s.message, icon=":material/lightbulb:")
        if not s.changes.is_empty():
            vn_dataframe(s.changes, {"group_key": "Nhóm", "name": "Chỉ tiêu", "from_text": "Giá trị hiện tại",
                                     "to_text": "Giá trị gợi ý", "gain": "Điểm thêm (ước tính)"},
                         points=("gain",), key=f"{key}_suggestions", alt="Gợi ý thay đổi để lên mức")
        if s.result is not None and s.reached:
            show_result(s.result, f"{key}_suggested")
        st.caption("Gợi ý chỉ xét các chỉ tiêu còn thiếu điểm của đơn vị; số vi phạm, kỷ luật và các điểm trừ là "
                   "sự việc trong năm nên không được gợi ý thay đổi. " + SIMULATION_NOTE)
