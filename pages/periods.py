"""Kỳ đánh giá: the administrator sets a year's opening, deadline, review deadline and closing;
a reviewer reopens an area after the deadline or the closing."""

from datetime import date

import polars as pl
import streamlit as st

from dcmetrics import access, periods, scoring, units
from ui.context import account, get_store, show_errors
from ui.tables import vn_dataframe

st.title("Kỳ đánh giá")
store, user = get_store(), account()
FLASH = "periods_flash"
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH), icon=":material/task_alt:")
st.caption(periods.DEFAULT_NOTE + " Năm chưa đặt kỳ đánh giá: địa bàn gửi số liệu lúc nào cũng được, không tính "
           "nộp muộn.")

with show_errors():
    years = scoring.scored_years(store)
    newest = max(years) if years else date.today().year - 1
    year = int(st.number_input("Năm đánh giá", min_value=2000, max_value=2100, value=newest, step=1,
                               key="period_year"))
    st.info(periods.status_text(store, year), icon=":material/event:")
    current = periods.get_period(store, year)

    if access.can(store, user, access.MANAGE_PERIODS):
        with st.form("period_form"):
            st.markdown(f"**Đặt kỳ đánh giá năm {year}**")
            d = {"opens_on": date(year, 12, 1), "submit_by": date(year + 1, 1, 15),
                 "review_by": date(year + 1, 2, 15), "closes_on": date(year + 1, 3, 1)}
            if current is not None:
                d = {k: getattr(current, k) for k in d}
            cols = st.columns(4)
            # keyed per year: choosing another year shows that year's dates, not the last ones typed
            chosen = {k: col.date_input(label, value=d[k], format="DD/MM/YYYY", key=f"period_{k}_{year}")
                      for col, (k, label) in zip(cols, periods.DATE_FIELDS.items())}
            policies = list(periods.LATE_POLICIES)
            policy = st.radio("Số liệu gửi sau hạn", policies, format_func=periods.LATE_POLICIES.get, horizontal=True,
                              index=policies.index(current.late_policy) if current else 0,
                              key=f"period_policy_{year}")
            if st.form_submit_button("Lưu kỳ đánh giá", type="primary", icon=":material/save:"):
                saved = periods.set_period(store, user, year, late_policy=policy, **chosen)
                st.session_state[FLASH] = f"Đã lưu. {saved.describe()}"
                st.rerun()

    if access.can(store, user, access.REVIEW):
        st.subheader("Mở lại địa bàn sau hạn")
        area_rows = units.areas(store, year)
        if user.role != access.ADMIN:
            area_rows = area_rows.filter(pl.col("code").is_in(sorted(access.allowed_areas(store, user))))
        names = dict(zip(area_rows["code"], area_rows["name"]))
        with st.form("reopen_form"):
            area = st.selectbox("Địa bàn", list(names), format_func=lambda c: f"{names[c]} ({c})", key="reopen_area")
            reason = st.text_input("Lý do mở lại", key="reopen_reason")
            if st.form_submit_button("Mở lại địa bàn", icon=":material/lock_open:"):
                periods.reopen_area(store, user, area, year, reason)
                st.session_state[FLASH] = (f"Đã mở lại {names[area]} cho số liệu năm {year}: địa bàn gửi được số "
                                           "liệu, đánh dấu nộp muộn.")
                st.rerun()
        reopened = periods.reopenings(store, user, year)
        if reopened.height:
            vn_dataframe(reopened, {"area_name": "Địa bàn", "reason": "Lý do", "reopened_by": "Người mở lại",
                                    "reopened_at": "Thời điểm"}, key="reopened_table", alt="Địa bàn được mở lại")

    listed = periods.list_periods(store)
    if listed.height:
        st.subheader("Các kỳ đánh giá đã đặt")
        shown = listed.with_columns(
            *[pl.col(c).dt.strftime("%d/%m/%Y") for c in periods.DATE_FIELDS],
            pl.col("late_policy").replace_strict(periods.LATE_POLICIES, default=pl.col("late_policy")))
        vn_dataframe(shown, {"year": "Năm", **periods.DATE_FIELDS, "late_policy": "Số liệu gửi sau hạn",
                             "set_by": "Người đặt", "set_at": "Thời điểm đặt"}, key="periods_table",
                     alt="Các kỳ đánh giá")
