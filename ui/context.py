"""The store, the profiles and the sidebar filters every page reads."""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from dcmetrics import access, bootstrap, config, framework, primer, scoring, territory, units
from dcmetrics.dashboard import Filters
from dcmetrics.errors import DcmetricsError, StoreBusy, ValidationError


# While another process (a dcmetrics command) holds the database file, a page session waits at
# most this long per attempt, shows why and tries again every BUSY_RETRY_SECONDS: the software's
# default, shorter than the command line's (a visitor sees a message rather than a blank page).
APP_LOCK_WAIT_SECONDS = 5.0
BUSY_RETRY_SECONDS = 5
_BUSY_SHOWN = "_store_busy_shown"


@st.cache_resource(show_spinner="Đang mở cơ sở dữ liệu…")
def _open_store():
    """One store per process (DuckDB allows one writer); each call takes its own cursor.
    On first start an empty database is created and the sample data loaded; a generated
    first-administrator password goes to the server console, never to a page. StoreBusy is
    raised, not returned: st.cache_resource keeps only values, so the next run tries again."""
    wait = min(config.lock_wait_seconds(), APP_LOCK_WAIT_SECONDS)
    store, admin_password = bootstrap.init_db(None, sample=True, lock_wait=wait)
    if admin_password:
        from dcmetrics.cli import first_admin_notice

        print(first_admin_notice(admin_password), flush=True)
    if config.prime_enabled():  # read ahead while the first visitor logs in, and after each upload
        # framework.load_profiles, not get_profiles: a Streamlit cache called outside a session's thread
        # warns on the console; the catalogue is parsed once per content anyway (0,05 s a call)
        primer.Primer(store, framework.load_profiles, log=lambda line: print(line, flush=True),
                      warm=_warm_libraries).start()
    return store


def _warm_libraries() -> None:
    """A process's first plotly figure imports plotly's validators and pandas (about 1 s of the
    first login's overview): done once in the primer's thread instead."""
    import pandas as pd
    import plotly.express as px

    px.bar(pd.DataFrame({"x": ["a"], "y": [1]}), x="x", y="y", color="x", text="y",
           orientation="v").update_layout(showlegend=False).to_dict()
    px.bar(pd.DataFrame({"x": [1], "y": ["a"]}), x="x", y="y", color="y", orientation="h").to_dict()


def open_store():
    """The process's store, or None while another program holds the database file (app.py then
    shows wait_for_store() instead of a page)."""
    try:
        return _open_store()
    except StoreBusy:
        return None
    except DcmetricsError as e:  # not a database file, a newer schema...: said, not a traceback
        st.error(str(e), icon=":material/error:")
        st.stop()


def get_store():
    """The process's store, for pages. A page reached before app.py ran (see ensure_routed) is
    sent there first; otherwise, while the file is held elsewhere, the page shows why and stops."""
    try:
        return _open_store()
    except StoreBusy:
        ensure_routed()
        wait_for_store()
        st.stop()


get_store.clear = _open_store.clear  # tests forget the process's store between databases


def wait_for_store() -> None:
    """The message while another program holds the database, then the app again as soon as the
    file is free: the fragment retries by itself every BUSY_RETRY_SECONDS."""
    st.session_state[_BUSY_SHOWN] = False  # this run has just tried: the fragment's first draw does not
    _busy_notice()


@st.fragment(run_every=BUSY_RETRY_SECONDS)
def _busy_notice() -> None:
    if st.session_state.get(_BUSY_SHOWN) and open_store() is not None:
        st.rerun(scope="app")  # free now: the page the visitor asked for
    st.session_state[_BUSY_SHOWN] = True
    st.warning(StoreBusy.MESSAGE, icon=":material/hourglass_top:")
    st.caption(f"Trang tự thử lại sau mỗi {BUSY_RETRY_SECONDS} giây.")


@st.cache_resource
def get_profiles():
    return framework.load_profiles()


@contextmanager
def show_errors():
    """Turn the core's typed errors into Vietnamese messages on the page."""
    try:
        yield
    except ValidationError as e:
        st.error(str(e), icon=":material/error:")
        for p in e.problems[:50]:
            st.markdown(f"- {p}" + (f" — giá trị: `{p.value}`" if p.value else ""))
    except DcmetricsError as e:
        st.error(str(e), icon=":material/error:")


@st.cache_data(max_entries=64, show_spinner=False)
def _sidebar_areas(_store, _account, path: str, data_version: int, year: int, username: str, role: str,
                   area_code: str):
    """The areas that existed in `year` and that the account may read: one query and, at national
    size, a 40,000-code subtree on every rerun of every page; cached per database, data version
    (unit changes bump it) and account (role and area in the key: a change applies at once)."""
    area_rows = units.areas(_store, year)
    if role != access.ADMIN:
        area_rows = area_rows.filter(area_rows["code"].is_in(sorted(access.allowed_areas(_store, _account))))
    return area_rows


def sidebar_filters(store, profiles, account) -> tuple[Filters, object] | None:
    """Year, profile, area, unit type, basis; kept in the URL so a link reopens the same view.
    The areas offered are those the account may read."""
    years = scoring.scored_years(store)
    if not years:
        st.info("Chưa có số liệu năm nào. Hãy nhập số liệu ở trang Nhập số liệu.", icon=":material/info:")
        return None
    with st.sidebar:
        # an account whose area ended (a district after the reform) opens on the area's last year
        opening = units.default_year(store, account.area_code, years)
        year = st.selectbox("Năm đánh giá", years, index=years.index(opening), key="year", bind="query-params")
        ids = list(profiles)
        default = ids.index("chung") if "chung" in ids else 0
        pid = st.selectbox("Bộ tiêu chí", ids, index=default, key="profile", bind="query-params",
                           format_func=lambda i: profiles[i].title)
        area_rows = _sidebar_areas(store, account, store.path, store.data_version(), int(year),
                                   account.username, account.role, account.area_code)
        area_codes = [None, *area_rows["code"].to_list()]
        area_names = dict(zip(area_rows["code"], area_rows["name"]))
        area = st.selectbox("Địa bàn", area_codes, key="area", bind="query-params",
                            format_func=lambda c: ("Toàn bộ địa bàn được giao" if c is None else area_names.get(c, c)))
        utype = st.selectbox("Loại đơn vị", [None, *config.UNIT_TYPES], key="unit_type",
                             format_func=lambda t: "Tất cả" if t is None else config.UNIT_TYPE_LABELS[t])
        basis = st.segmented_control("Điểm tính theo", ["appraised", "self"], key="basis", default="appraised",
                                     format_func=lambda b: "Sau thẩm định" if b == "appraised" else "Tự chấm")
        applying = territory.profiles_in_area(store, area, int(year))
        if applying is not None:  # profiles assigned by territory: say which evaluate this area
            st.caption("Bộ tiêu chí đánh giá địa bàn này năm " + f"{year}: "
                       + (", ".join(profiles[p].title if p in profiles else p for p in applying) or "chưa phân công")
                       + ("" if pid in applying else
                          " — bộ đang chọn chưa được giao cho địa bàn nào: điểm theo bộ này là chấm thử trên mọi đơn vị, "
                          "không phải kết quả đánh giá." if pid not in territory.assigned_profiles(store) else
                          " — bộ đang chọn không đánh giá đơn vị nào ở đây."))
    return Filters(int(year), area, utype, basis or "appraised"), profiles[pid]


APP_DIR = Path(__file__).resolve().parent.parent
WANTED = "_wanted"  # the page (and its query parameters) a link asked for, before app.py had run


def _running_page() -> str | None:
    """The page script running alone, relative to the app's folder ("pages/ranking.py")."""
    for info in inspect.stack(context=0)[1:]:
        path = Path(info.filename).resolve()
        if path.suffix == ".py" and path.is_relative_to(APP_DIR) and path.parent != Path(__file__).resolve().parent:
            return path.relative_to(APP_DIR).as_posix()
    return None


def ensure_routed() -> None:
    """Pages run only through app.py (login, filters, menu). Streamlit starts in its old
    pages-folder mode until app.py has called st.navigation once: a first visit straight to
    /ranking after a restart would run the page alone. Send such a run to app.py, remembering
    the page and its query parameters: app.py opens that page as soon as its menu has it (at
    once, with the login form drawn in its place, when nobody is logged in)."""
    if not st.session_state.get("_routed"):
        st.session_state[WANTED] = {"script": _running_page(),
                                    "query": {k: st.query_params.get_all(k) for k in st.query_params}}
        st.switch_page("app.py")


def current():
    """(store, filters, profile, account) chosen in the sidebar by app.py; None when there is no data."""
    ensure_routed()
    return st.session_state.get("_context")


def account():
    """The logged-in account (dcmetrics.access.Account), or None."""
    ensure_routed()
    return st.session_state.get("account")
