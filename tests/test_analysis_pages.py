"""The what-if section of the unit page and the sensitivity page through AppTest, checked
against dcmetrics.analysis computed in the test."""

from __future__ import annotations

import polars as pl
from test_pages import (  # noqa: F401  (fixtures)
    PAGE_DIR, _admin_credentials, _navigation_not_pages_dir, app_env, metric, run_app, sample_db, store_of, texts,
    vn_points)

from dcmetrics import access, framework, scoring
from dcmetrics.analysis import sensitivity, whatif
from dcmetrics.dashboard import own_units

PROFILE = "chung"


def _a_unit_below_the_top(store, profile, year: int, basis: str) -> str:
    units = own_units(store, scoring.cached_score(store, profile, [year], basis).year(year), profile.id, year)
    return units.filter(pl.col("rated") & (pl.col("level_ord") > 1)).sort("unit_code")["unit_code"][0]


def test_unit_page_what_if_and_suggestions(app_env):
    at = run_app("unit")
    store = store_of(at)
    profile = framework.load_profiles()[PROFILE]
    year = at.selectbox(key="year").value
    code = _a_unit_below_the_top(store, profile, year, "appraised")
    at.session_state["unit_code"] = code
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert "Thử thay đổi số liệu" in shown and "Chỉ là thử, không lưu" in shown

    base = whatif.unit_values(store, access.SYSTEM, profile, code, year, "appraised")
    row = base.values.filter(pl.col("editable") & (pl.col("kind") == "percent")).row(0, named=True)
    key = f"whatif_{code}_{year}_appraised_{row['indicator']}"
    assert not [m for m in at.metric if m.label == "Tổng điểm (thử)"]  # nothing until asked
    at.text_input(key=key).set_value("0")
    next(b for b in at.button if b.label == "Tính thử").click().run()
    assert not at.exception, [e.value for e in at.exception]
    want = whatif.simulate(store, access.SYSTEM, profile, code, year, "appraised", {row["indicator"]: 0.0})
    assert metric(at, "Tổng điểm (thử)") == vn_points(want.after.total)
    assert metric(at, "Mức (thử)") == (want.after.level or "Không xếp loại")
    assert metric(at, "Hạng chung (thử)") == f"{want.after.rank}/{want.after.n_rated}"
    assert want.after.total < want.before.total
    # nothing was stored: the unit's stored total is what it was
    again = own_units(store, scoring.cached_score(store, profile, [year], "appraised").year(year), profile.id, year)
    assert again.filter(pl.col("unit_code") == code)["total"][0] == want.before.total

    # a number that is not one is named, nothing computed
    at.text_input(key=key).set_value("abc")
    next(b for b in at.button if b.label == "Tính thử").click().run()
    assert any("Chưa tính được" in e.value for e in at.error)

    at.button(key=f"whatif_{code}_{year}_appraised_suggest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    s = whatif.suggest(store, access.SYSTEM, profile, code, year, "appraised")
    assert s.message in [m.value for m in (*at.success, *at.warning)]
    if s.reached:
        assert metric(at, "Mức (thử)") == s.result.after.level


def test_sensitivity_page(app_env):
    at = run_app("sensitivity")
    store = store_of(at)
    profile = framework.load_profiles()[PROFILE]
    year = at.selectbox(key="year").value
    assert "Chọn r, N, hạt giống" in texts(at)
    at.number_input(key="sens_n").set_value(40)
    at.number_input(key="sens_seed").set_value(7)
    next(b for b in at.button if b.label == "Tính độ nhạy").click().run()
    assert not at.exception, [e.value for e in at.exception]
    want = sensitivity.analyse(store, access.SYSTEM, profile, year, "appraised", r=0.2, n=40, seed=7)
    shown = texts(at)
    assert "N = 40, r = 0,2, seed = 7" in shown and "trùng với kết quả đã lưu" in shown
    table = next(d.value for d in at.dataframe if "Hạng trung vị" in d.value.columns)
    assert len(table) == want.units.height
    assert table["Hạng trung vị"].tolist()[:20] == want.units["rank_median"].to_list()[:20]
    assert "Tỷ lệ ở lại danh sách (%)" in table.columns  # the administrator may see the shortlist
    assert len(at.get("plotly_chart")) == 2
    keys = {b.proto.id for b in at.get("download_button")} if at.get("download_button") else set()
    assert keys or any(b.label == "Tải Excel" for b in at.get("download_button"))
