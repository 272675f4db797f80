"""The dashboard pages through Streamlit's AppTest, checked against dcmetrics computed in the test.

Every test runs app.py (st.navigation, sidebar filters) and then one page, the way a browser
session does. The database is a file under pytest's tmp dir (DCMETRICS_DB), created and loaded
with the sample province by the app itself on the first run, exactly as on a fresh install.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `ui` is imported by the test as it is by the app

from dcmetrics import bootstrap, config, dashboard, framework, scoring, units  # noqa: E402
from dcmetrics.dashboard import Filters  # noqa: E402
from dcmetrics.store import Store  # noqa: E402

APP = str(ROOT / "app.py")
# where app.py's page scripts live ("pages" today; see _navigation_not_pages_dir): app.py names
# them through st.Page or its own page() helper; a menu without the overview is a broken test setup
_found = re.search(r'\b(?:st\.Page|page)\(\s*"([\w./-]+)/overview\.py"', (ROOT / "app.py").read_text(encoding="utf-8"))
assert _found, "app.py names no overview page script"
PAGE_DIR = _found.group(1)
PAGES = ("overview", "ranking", "unit", "framework", "map")
SAMPLE_NOTICE = "dữ liệu mẫu"
NO_DATA = "Chưa có số liệu năm nào"
NO_MATCH = "Không có đơn vị nào khớp bộ lọc đã chọn."
DEFAULT_PROFILE = "chung"

VN_POINTS = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d{2}$")  # 87,50 · 1.234,50
EN_DECIMAL = re.compile(r"^-?\d+\.\d+$")  # 87.5 · -25.000000: English style, never shown


# ---------------------------------------------------------------- calling the core

def core(fn, *args):
    """Call a dcmetrics function as the system would: newer core functions take the acting
    account as their last argument (dcmetrics.access); the tests read everything."""
    import inspect

    if "actor" in inspect.signature(fn).parameters:
        from dcmetrics import access

        args = (*args, access.SYSTEM)
    return fn(*args)


def ranking(store, profile, f):
    return core(dashboard.ranking, store, profile, f)


def unit_detail(store, profile, code, f):
    return core(dashboard.unit_detail, store, profile, code, f)


def replace_units(store, frame):
    return core(units.replace_units, store, frame)


# ---------------------------------------------------------------- AppTest and the app's pages/ folder

@pytest.fixture(autouse=True)
def _navigation_not_pages_dir(monkeypatch):
    """Work around an AppTest 1.67 bug that hits this app: before every run AppTest resets
    PagesManager.uses_pages_directory to None, and PagesManager then sets it to True because a
    `pages/` folder sits next to app.py. Every run after the first (a widget change, switch_page)
    then takes the legacy MPA-v1 path and executes the page file ALONE: app.py (sidebar,
    st.session_state["_context"], the sample notice) does not run, so the page shows stale
    context and no sidebar. A real server keeps the flag False once st.navigation has run, so
    this only restores what `streamlit run` does. Not needed if the page files move to a folder
    not named `pages/` (e.g. `app_pages/`)."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        if PagesManager.uses_pages_directory is None:
            PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)


# ---------------------------------------------------------------- logging in

# The first administrator is created from these when the app opens a database (access.ensure_admin).
ADMIN_USER = "quantri"
ADMIN_PASSWORD = "kiem-thu-trang-2025"


@pytest.fixture(autouse=True)
def _admin_credentials(monkeypatch):
    monkeypatch.setenv("DCMETRICS_ADMIN_USER", ADMIN_USER)
    monkeypatch.setenv("DCMETRICS_ADMIN_PASSWORD", ADMIN_PASSWORD)


def login_if_asked(at: AppTest) -> AppTest:
    """When the app shows its login form, log in as the administrator (who may read every unit,
    so the pages show the whole province, as the expectations below assume)."""
    try:
        user = at.text_input(key="login_user")
    except KeyError:
        return at  # no login in this version of the app
    user.set_value(ADMIN_USER)
    at.text_input(key="login_password").set_value(ADMIN_PASSWORD)
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


# ---------------------------------------------------------------- databases

def _forget_store() -> None:
    from ui.context import get_store

    get_store.clear()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    """A database file that does not exist yet: the app creates it and loads the sample."""
    path = tmp_path_factory.mktemp("sample-db") / "dcmetrics.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DCMETRICS_DB", str(path))
        _forget_store()
        yield path
        _forget_store()


@pytest.fixture
def app_env(sample_db, monkeypatch):
    """Each test points DCMETRICS_DB at the module's sample db and makes sure the process-wide
    store (st.cache_resource) is that one. The first call is what creates the file and loads the
    sample: the app's own get_store(), i.e. bootstrap.init_db(None, sample=True)."""
    from ui.context import get_store

    monkeypatch.setenv("DCMETRICS_DB", str(sample_db))
    if get_store().path != str(sample_db):
        _forget_store()
    return sample_db


def run_app(page: str | None = None, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    login_if_asked(at)
    if page:
        at.switch_page(f"{PAGE_DIR}/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def store_of(at: AppTest) -> Store:
    """The store the app used: get_store() is st.cache_resource, one per process."""
    from ui.context import get_store

    store = get_store()
    assert store.path == str(config.db_target()), "the app must open the test's DCMETRICS_DB"
    ctx = at.session_state["_context"]
    assert ctx is None or ctx[0] is store
    return store


@pytest.fixture(scope="module")
def profiles():
    return framework.load_profiles()


# ---------------------------------------------------------------- reading what the page shows

def display_values(df_element) -> "pd.DataFrame":  # noqa: F821
    """The strings an st.dataframe shows. vn_dataframe sends its points and decimals already
    formatted (strings) and whole numbers as numbers with the «%d» format: shown here as the
    browser draws them. (A Styler-formatted frame, if any page still sends one: its display values.)"""
    arrow = df_element.proto.arrow_data
    if arrow.HasField("styler"):
        return pa.ipc.open_stream(arrow.styler.display_values).read_all().to_pandas()
    shown = df_element.value.copy()
    for col in shown.columns:
        if shown[col].dtype.kind in "iuf":
            shown[col] = [None if v != v or v is None else str(int(v)) for v in shown[col].tolist()]
    return shown


def vn_value(text: str) -> float:
    """The number a Vietnamese-formatted cell shows («1.234,50» -> 1234.5)."""
    return float(text.replace(".", "").replace(",", "."))


def frame_with(at: AppTest, *columns: str):
    """The (first) st.dataframe on the page that has all these column headers."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df
    raise AssertionError(f"no dataframe with columns {columns}; have {[list(d.value.columns) for d in at.dataframe]}")


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric «{label}»; have {[m.label for m in at.metric]}"
    return found[0]


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def vn_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def vn_points(x: float) -> str:
    return f"{x:,.2f}".replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


# ---------------------------------------------------------------- what the numbers should be

def expected_units(store: Store, profile, year: int, unit_type: str | None = None) -> pl.DataFrame:
    """Scored units of `year` straight from the scoring chain (no cache, no dashboard module): the
    profile's own units where profiles are assigned by territory (ranked among themselves)."""
    from dcmetrics import territory

    scored = scoring.score(store, profile.in_force(year), [year],
                           unit_codes=territory.units_of(store, profile.id, year)).year(year)
    if unit_type:
        scored = scored.filter(pl.col("unit_type") == unit_type)
    return scored


def best(units: pl.DataFrame) -> tuple[float, set[str]]:
    rated = units.filter(pl.col("rated"))
    top = rated["total"].max()
    return top, set(rated.filter(pl.col("total") == top)["unit_name"])


# ================================================================= tests

def test_nothing_shown_before_login(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    try:
        at.text_input(key="login_user")
    except KeyError:
        pytest.skip("this version of the app has no login")
    assert at.title[0].value == "Đăng nhập"
    assert not at.metric and not at.dataframe and not at.selectbox
    assert at.session_state["_context"] is None
    at.text_input(key="login_user").set_value(ADMIN_USER)
    at.text_input(key="login_password").set_value("sai-mat-khau-123")
    at.form_submit_button[0].click().run()
    assert not at.exception
    assert at.error and not at.metric  # refused, still on the login page
    assert at.title[0].value == "Đăng nhập"


def test_overview_default_year(app_env, profiles):
    at = run_app()  # the default page is the overview
    assert at.title[0].value == "Tổng quan"
    store = store_of(at)
    years = scoring.scored_years(store)
    assert years, "the app should have loaded the sample into the new database"
    year = max(years)
    assert at.selectbox(key="year").value == year
    assert at.selectbox(key="profile").value == DEFAULT_PROFILE
    units = expected_units(store, profiles[DEFAULT_PROFILE], year)

    assert metric(at, "Đơn vị được đánh giá") == vn_int(units.height)
    assert metric(at, "Đủ số liệu") == vn_int(int(units["complete"].sum()))
    assert metric(at, "Được xếp loại") == vn_int(units.filter(pl.col("rated")).height)
    assert metric(at, "Điểm bình quân") == vn_points(units["total"].mean())
    assert f"năm {year}" in at.caption[0].value

    # the level table adds up to the rated units; the leaders table starts with the best
    levels = frame_with(at, "Mức độ", "Năm nay").value
    assert levels["Năm nay"].sum() == units.filter(pl.col("rated")).height
    top, names = best(units)
    leaders = display_values(frame_with(at, "Hạng", "Đơn vị", "Tổng điểm"))  # «Dẫn đầu» comes first
    assert leaders["Đơn vị"].iloc[0] in names
    assert leaders["Tổng điểm"].iloc[0] == vn_points(top)


def test_ranking_default_year(app_env, profiles):
    at = run_app("ranking")
    assert at.title[0].value == "Xếp hạng đơn vị"
    store = store_of(at)
    year = max(scoring.scored_years(store))
    profile = profiles[DEFAULT_PROFILE]
    units = expected_units(store, profile, year)

    raw = at.dataframe(key="ranking_table").value
    shown = display_values(at.dataframe(key="ranking_table"))
    assert type(raw).__name__ == "DataFrame"  # AppTest gives the data as pandas
    assert len(raw) == len(shown) == units.height
    assert set(raw["Mã"]) == set(units["unit_code"])

    top, names = best(units)
    assert shown["Đơn vị"].iloc[0] in names
    assert vn_value(raw["Tổng điểm"].iloc[0]) == pytest.approx(top)
    assert shown["Tổng điểm"].iloc[0] == vn_points(top)
    assert raw["Hạng"].iloc[0] == 1
    # best first all the way down, and every total in the Vietnamese style
    totals = [vn_value(t) for t in raw["Tổng điểm"]]
    assert totals == sorted(totals, reverse=True)
    assert shown["Tổng điểm"].map(lambda s: bool(VN_POINTS.match(s))).all(), shown["Tổng điểm"].head()
    # the same order as the dashboard module's ranking (ties broken by name)
    assert list(raw["Mã"]) == ranking(store, profile, Filters(year))["unit_code"].to_list()
    # group columns carry the profile's group keys
    assert [g.key for g in profile.groups] == [c for c in raw.columns if re.fullmatch(r"G\d+", c)]


def test_ranking_only_communes(app_env, profiles):
    at = run_app("ranking")
    at.selectbox(key="unit_type").select("commune").run()
    assert not at.exception
    store = store_of(at)
    year = at.selectbox(key="year").value
    communes = expected_units(store, profiles[DEFAULT_PROFILE], year, "commune")
    everyone = expected_units(store, profiles[DEFAULT_PROFILE], year)
    assert 0 < communes.height < everyone.height

    raw, shown = at.dataframe(key="ranking_table").value, display_values(at.dataframe(key="ranking_table"))
    assert len(raw) == communes.height
    assert set(raw["Loại"]) == {config.UNIT_TYPE_LABELS["commune"]}
    top, names = best(communes)
    assert shown["Đơn vị"].iloc[0] in names
    assert shown["Tổng điểm"].iloc[0] == vn_points(top)
    # the overview follows the same filter
    at.switch_page(f"{PAGE_DIR}/overview.py").run()
    assert not at.exception
    assert metric(at, "Đơn vị được đánh giá") == vn_int(communes.height)


def test_year_2024_changes_the_numbers(app_env, profiles):
    at = run_app()
    store = store_of(at)
    profile = profiles[DEFAULT_PROFILE]
    latest = max(scoring.scored_years(store))
    assert 2024 in scoring.scored_years(store) and latest != 2024
    before = metric(at, "Điểm bình quân")

    at.selectbox(key="year").select(2024).run()
    assert not at.exception
    units = expected_units(store, profile, 2024)
    assert at.session_state["_context"][1].year == 2024
    assert "năm 2024" in at.caption[0].value
    assert metric(at, "Đơn vị được đánh giá") == vn_int(units.height)
    assert metric(at, "Điểm bình quân") == vn_points(units["total"].mean())
    assert metric(at, "Điểm bình quân") != before

    at.switch_page(f"{PAGE_DIR}/ranking.py").run()
    assert not at.exception
    raw, shown = at.dataframe(key="ranking_table").value, display_values(at.dataframe(key="ranking_table"))
    assert len(raw) == units.height
    assert set(raw["Mã"]) == set(units["unit_code"])
    top, names = best(units)
    assert shown["Đơn vị"].iloc[0] in names and shown["Tổng điểm"].iloc[0] == vn_points(top)
    # totals are 2024's, not the latest year's
    by_code = dict(zip(units["unit_code"], units["total"]))
    assert all(by_code[c] == pytest.approx(t) for c, t in zip(raw["Mã"], map(vn_value, raw["Tổng điểm"])))


def test_year_in_the_url_is_applied(app_env, profiles):
    """bind="query-params": a shared link with ?year=2024 opens on 2024."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["year"] = "2024"
    at.run()
    assert not at.exception
    login_if_asked(at)
    assert at.selectbox(key="year").value == 2024
    units = expected_units(store_of(at), profiles[DEFAULT_PROFILE], 2024)
    assert metric(at, "Đơn vị được đánh giá") == vn_int(units.height)


def _unit_cases(store: Store, profile, year: int) -> dict[str, str]:
    units = expected_units(store, profile, year)
    cases = {"top": ranking(store, profile, Filters(year))["unit_code"][0]}
    for name, cond in (("held back by a group", pl.col("held_by") != ""),
                       ("capped by a veto", pl.col("capped_by") != ""),
                       ("incomplete data", ~pl.col("complete")),
                       ("not rated", ~pl.col("rated"))):
        hit = units.filter(cond.fill_null(False))
        if hit.height:
            cases[name] = hit["unit_code"][0]
    return cases


def test_unit_page_matches_unit_detail(app_env, profiles):
    at = run_app()
    store = store_of(at)
    profile = profiles[DEFAULT_PROFILE]
    year = at.selectbox(key="year").value
    cases = _unit_cases(store, profile, year)
    assert {"top", "held back by a group", "capped by a veto", "incomplete data"} <= set(cases), cases

    at.switch_page(f"{PAGE_DIR}/unit.py")
    for why, code in cases.items():
        at.session_state["unit_code"] = code
        at.run()
        assert not at.exception, why
        assert at.selectbox(key="unit_code").value == code, why
        u = unit_detail(store, profile, code, Filters(year)).unit
        assert at.subheader[0].value == u["unit_name"], why
        assert metric(at, "Tổng điểm") == vn_points(u["total"]), why
        assert metric(at, "Mức độ thực hiện") == (u["level"] or "Không xếp loại"), why
        assert metric(at, "Hạng chung") == (f"{u['rank']}/{u['n_rated']}" if u["rank"] is not None else "–"), why
        shown = texts(at)
        from dcmetrics.fmt import fmt_num
        assert f"Tổng điểm chưa làm tròn: {fmt_num(u['raw_total'], 6)} · Điểm nhóm giữ 2 chữ số thập phân" in shown, why
        # the clause where the measure stands, and apart from it the source of the scoring numbers
        items = next(d.value for d in at.dataframe if "Nguồn của cách chấm" in d.value.columns)
        assert "Điều khoản nêu biện pháp" in items.columns and "Căn cứ trong nghị quyết" not in items.columns
        assert set(items["Nguồn của cách chấm"]) <= {it.rule_source.label() for _, it in profile.in_force(year).items}
        if u["rated"]:
            assert u["classification_cap"] in shown, why
            _, note = profile.in_force(year).classification_note(u["unit_type"], u["classification_cap"])
            assert note in shown and "là một trong những căn cứ, không phải trần bắt buộc" in note, why
        else:
            assert "Không đủ điều kiện xếp loại" in shown, why
        if why == "held back by a group":
            assert "chưa đạt mức điểm tối thiểu" in shown
        if why == "capped by a veto":
            assert f"Mức bị giới hạn do: {u['capped_by']}" in shown
        if why == "incomplete data":
            assert f"Thiếu số liệu của {u['n_missing']} chỉ tiêu" in shown
        # group table: one row per group of the profile, points in the Vietnamese style
        groups = display_values(frame_with(at, "Nhóm", "Nội dung", "Điểm"))
        assert list(groups["Nhóm"]) == [g.key for g in profile.groups], why
        assert groups["Điểm"].map(lambda s: bool(VN_POINTS.match(s))).all(), why

    # choosing another unit in the selectbox shows that unit
    other = cases["capped by a veto"]
    at.selectbox(key="unit_code").select(cases["top"]).run()
    at.selectbox(key="unit_code").select(other).run()
    assert not at.exception
    assert at.subheader[0].value == unit_detail(store, profile, other, Filters(year)).unit["unit_name"]


def _select_ranking_row(at: AppTest, row: int) -> None:
    """What a click on a row of the ranking does (AppTest has no click for dataframe selections,
    but the selection state can be seeded before the run)."""
    at.session_state["ranking_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()


def test_ranking_row_opens_the_unit(app_env, profiles):
    at = run_app("ranking")
    store = store_of(at)
    year = at.selectbox(key="year").value
    expected = ranking(store, profiles[DEFAULT_PROFILE], Filters(year)).row(2, named=True)
    _select_ranking_row(at, 2)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Chi tiết đơn vị"
    assert at.selectbox(key="unit_code").value == expected["unit_code"]
    assert at.subheader[0].value == expected["unit_name"]
    assert metric(at, "Tổng điểm") == vn_points(expected["total"])


def test_ranking_row_opens_the_unit_with_a_year_in_the_url(app_env, profiles):
    """The state after choosing a year in the browser (the URL carries ?year=2024) or opening
    a shared link. (AppTest does not copy a bound widget's change into its query params, so
    the URL is seeded here the way the browser sends it.)"""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["year"] = "2024"
    at.run()
    login_if_asked(at)
    at.switch_page(f"{PAGE_DIR}/ranking.py").run()
    assert not at.exception
    assert at.selectbox(key="year").value == 2024
    store = store_of(at)
    expected = ranking(store, profiles[DEFAULT_PROFILE], Filters(2024)).row(0, named=True)
    _select_ranking_row(at, 0)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Chi tiết đơn vị"
    assert at.selectbox(key="year").value == 2024
    assert at.subheader[0].value == expected["unit_name"]


@pytest.mark.parametrize("page_name", PAGES)
def test_sample_notice_on_every_page(app_env, page_name):
    at = run_app(page_name)
    notes = [w.value for w in at.warning if SAMPLE_NOTICE in w.value]
    assert len(notes) == 1, [w.value for w in at.warning]
    assert "Tỉnh Mẫu An Hòa" in notes[0]


@pytest.mark.parametrize("profile_id", ["chung", "thai-nguyen", "bac-giang"])
def test_framework_page_shows_every_group(app_env, profiles, profile_id):
    at = run_app("framework")
    if profile_id != DEFAULT_PROFILE:
        at.selectbox(key="profile").select(profile_id).run()
        assert not at.exception
    profile = profiles[profile_id]
    assert at.subheader[0].value == profile.title
    labels = [e.label for e in at.expander]
    assert len(labels) == len(profile.groups)
    for label, g in zip(labels, profile.groups):
        assert label.startswith(f"{g.key} · Mục {g.number}: "), label
    body = texts(at)
    for _, item in profile.items:
        assert item.indicator.code in body
    levels = next(t.value for t in at.table if "Mức" in t.value.columns)
    assert list(levels["Mức"]) == [lv.level for lv in profile.levels]
    # the rule that decides a total at a half, and where it comes from
    rounding = next(t.value for t in at.table if "Quy định" in t.value.columns)
    assert list(rounding["Quy định"]) == ["Điểm nhóm giữ 2 chữ số thập phân, tổng điểm giữ 2 chữ số thập phân; "
                                          "làm tròn (từ 5 trở lên làm tròn lên), trên giá trị thập phân chính xác"]
    assert list(rounding["Nguồn"]) == ["mặc định của phần mềm — chưa có văn bản quy định"]
    # every number with its source; none headed as the resolution's
    assert list(levels["Nguồn"]) == [lv.source.label() for lv in profile.levels]
    numbers = next(d.value for d in at.dataframe if list(d.value.columns) == ["Con số", "Giá trị", "Nguồn"])
    assert len(numbers) == len(profile.numbers())
    assert list(numbers["Nguồn"]) == [src.label() for _, _, src in profile.numbers()]
    n_default = sum(src.is_default for _, _, src in profile.numbers())
    assert any(c.value.startswith(f"{n_default}/{len(profile.numbers())} con số là mặc định của phần mềm")
               for c in at.caption)
    assert "Căn cứ trong nghị quyết" not in body
    # what the level does to the annual classification, in the document's own words
    criteria = next(t.value for t in at.table if "Hiệu lực" in t.value.columns)
    assert list(criteria["Văn bản ghi"]) == [f"«{c.quote}»" for c in profile.criteria]
    assert set(criteria["Hiệu lực"]) == {"một trong những căn cứ: mức đề xuất đặt bên cạnh các căn cứ khác, "
                                         "không phải trần bắt buộc"}


def test_framework_page_shows_each_version_of_a_profile(app_env, profiles):
    """The general profile has an archived first version: the page opens on the version that
    scored the chosen year, shows the other on request, and compares the two."""
    at = run_app("framework")
    head = profiles["chung"]
    box = at.selectbox(key="fw_version_2025")
    assert box.options == ["2025.2 — áp dụng từ năm 2025 (hiện hành)", "2025.1 — áp dụng 2024",
                           "2023.1 — áp dụng 2021–2023"]
    assert box.value == "2025.2"  # the sample's newest year is 2025
    levels = lambda: next(t.value for t in at.table if "Điểm tối thiểu" in t.value.columns)  # noqa: E731
    assert [float(x) for x in levels()["Điểm tối thiểu"]] == [90, 75, 50, 0]
    at.selectbox(key="year").select(2023).run()
    assert not at.exception and at.selectbox(key="fw_version_2023").value == "2023.1"
    assert [float(x) for x in levels()["Điểm tối thiểu"]] == [85, 70, 50, 0]
    assert "phiên bản 2023.1, áp dụng 2021–2023" in texts(at)
    assert not any(t.value == "Điều kiện loại trừ" for t in at.subheader)  # the first version had no veto
    compare = at.selectbox(key="compare_with")
    assert f"{head.title} — phiên bản 2025.1" in compare.options
    assert f"{head.title} — phiên bản 2023.1" not in compare.options  # not itself
    compare.select("chung@2025.1").run()
    assert not at.exception
    assert list(at.table[-1].value.columns) == ["Chỉ tiêu", "chung 2023.1", "chung 2025.1"]
    assert len(head.versions()) == 3


def _empty_scope(store: Store, profile, year: int) -> tuple[str, str]:
    """An area and a unit type with no scored unit between them (the sample has several)."""
    for area in units.areas(store)["code"]:
        for utype in config.UNIT_TYPES:
            if ranking(store, profile, Filters(year, area, utype)).is_empty():
                return area, utype
    pytest.skip("every area has every unit type in this data")


@pytest.mark.parametrize("page_name", ["overview", "ranking", "unit"])
def test_filters_matching_nothing(app_env, profiles, page_name):
    at = run_app(page_name)
    store = store_of(at)
    area, utype = _empty_scope(store, profiles[DEFAULT_PROFILE], at.selectbox(key="year").value)
    at.selectbox(key="area").select(area)
    at.selectbox(key="unit_type").select(utype)
    at.run()
    assert not at.exception
    assert NO_MATCH in [i.value for i in at.info]
    assert not at.dataframe and not at.metric


def test_ranking_numbers_are_vietnamese_style(app_env):
    """Every number the ranking shows is in the Vietnamese style (or an integer)."""
    at = run_app("ranking")
    shown = display_values(at.dataframe(key="ranking_table"))
    english = {c: shown[c][shown[c].map(lambda s: isinstance(s, str) and bool(EN_DECIMAL.match(s)))].head(3).tolist()
               for c in shown.columns}
    english = {c: v for c, v in english.items() if v}
    assert not english, f"English-style decimals in the ranking: {english}"


# ---------------------------------------------------------------- a database without any figures

@pytest.fixture
def no_data_db(tmp_path, monkeypatch):
    """Units and frameworks but no submitted figures. (With no units at all, the app would load
    the sample on start: init_db(sample=True) does so for an empty `units` table.)"""
    path = tmp_path / "empty.duckdb"
    s = Store(path)
    bootstrap.register_frameworks(s)
    replace_units(s, pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False))
    s.close()
    monkeypatch.setenv("DCMETRICS_DB", str(path))
    _forget_store()
    yield path
    from ui.context import get_store

    get_store().close()
    _forget_store()


@pytest.mark.parametrize("page_name", PAGES)
def test_no_data_yet(no_data_db, profiles, page_name):
    at = run_app(page_name)
    store = store_of(at)
    assert scoring.scored_years(store) == []
    assert not bootstrap.sample_loaded(store)
    assert any(NO_DATA in i.value for i in at.info), [i.value for i in at.info]
    assert at.session_state["_context"] is None
    assert not {"year", "profile", "area", "unit_type"} & {sb.key for sb in at.selectbox}  # no filters
    assert not [w for w in at.warning if SAMPLE_NOTICE in w.value]
    assert at.title[0].value  # the page still draws its title
    if page_name == "framework":  # the criteria are readable before any data arrives
        first = next(iter(profiles.values()))
        assert at.subheader[0].value == first.title
        assert len(at.expander) == len(first.groups)
    else:
        assert not at.dataframe and not at.metric


def test_unit_page_of_a_merged_commune_shows_its_predecessors_as_theirs(app_env):
    at = run_app()
    at.switch_page(f"{PAGE_DIR}/unit.py")
    at.session_state["unit_code"] = "99411"
    at.run()
    assert not at.exception
    assert "Trước sắp xếp" in [s.value for s in at.subheader]
    label = next(i.value for i in at.info if i.value.startswith("Kết quả của các đơn vị trước sắp xếp: "))
    assert "không phải của đơn vị này" in label
    combined = next(d.value for d in at.dataframe if "Điểm gộp" in d.value.columns)
    assert list(combined["Năm"]) == [2023, 2024]
    assert set(combined["Kết quả"]) == {"Điểm gộp của các đơn vị trước sắp xếp"}
    rows = next(d.value for d in at.dataframe if "Đơn vị trước sắp xếp" in d.value.columns)
    assert set(rows["Mã"]) == {"99036", "99037"} and len(rows) == 4


def test_map_page_draws_every_unit_at_its_place_coloured_by_level_offline(app_env, profiles):
    from ui.levels import level_colors

    at = run_app("map")
    store = store_of(at)
    year = at.selectbox(key="year").value
    units = expected_units(store, profiles[DEFAULT_PROFILE], year)
    [chart] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # no map tiles, no geo projection: nothing to fetch from another host
    assert "mapbox" not in chart["layout"] and "geo" not in chart["layout"] and "map" not in chart["layout"]
    assert {t["type"] for t in chart["data"]} == {"scatter"}
    drawn = {t["name"]: len(t["hovertext"]) for t in chart["data"]}
    counts = units.group_by(pl.col("level").fill_null("Không xếp loại")).len()
    assert drawn == dict(counts.iter_rows())  # every scored unit of the sample has a place
    colours = level_colors(profiles[DEFAULT_PROFILE].in_force(year).level_names())
    assert {t["name"]: t["marker"]["color"] for t in chart["data"]} == {k: colours[k] for k in drawn}
    assert colours["Tốt"] == "#1b7837" and colours["Yếu"] == "#b2182b"
    assert chart["layout"]["yaxis"]["scaleanchor"] == "x"
    codes = {c[0] for t in chart["data"] for c in t["customdata"]}
    assert codes == set(units["unit_code"])
