"""dcmetrics: the dashboard of the annual grassroots-democracy evaluation. Sets up and routes."""

import streamlit as st

from dcmetrics.bootstrap import sample_loaded
from ui.context import get_profiles, get_store, show_errors, sidebar_filters

st.set_page_config(page_title="Đánh giá thực hiện dân chủ ở cơ sở", page_icon=":material/how_to_vote:",
                   layout="wide")

pages = [
    st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True),
    st.Page("pages/ranking.py", title="Xếp hạng", icon=":material/leaderboard:"),
    st.Page("pages/unit.py", title="Chi tiết đơn vị", icon=":material/account_balance:"),
    st.Page("pages/framework.py", title="Bộ tiêu chí", icon=":material/rule:"),
]
nav = st.navigation(pages)

st.session_state["_context"] = None
with show_errors():
    store = get_store()
    profiles = get_profiles()
    chosen = sidebar_filters(store, profiles)
    if chosen is not None:
        st.session_state["_context"] = (store, *chosen)
    if sample_loaded(store):
        st.warning("Đang dùng **dữ liệu mẫu** của một tỉnh giả định (Tỉnh Mẫu An Hòa). "
                   "Số liệu không phản ánh đơn vị thật nào.", icon=":material/science:")
nav.run()
