"""The whole-nation ranking above the pandas Styler's limit (issue 19): 13,000 units × the
ranking's 21 columns are 273,000 cells (> 262,144, where a Styler refused the table). The page
shows a window of 500 rows, a search that finds a unit typed without diacritics, and the export
holds every row.

The database is built once per module in the test's own temp folder (dcmetrics.bench.build_db,
one year: about 20 s here); 50,000 units would take minutes and prove nothing more about the
window, which is bounded whatever the size."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from test_pages import (  # noqa: F401 - fixtures used by name, autouse ones included
    APP,
    PAGE_DIR,
    _admin_credentials,
    _forget_store,
    _navigation_not_pages_dir,
    display_values,
    login_if_asked,
    vn_value,
)

from conftest import svg_charts
from dcmetrics import bench, dashboard
from dcmetrics.display.window import SORT_NOTE, WINDOW, fold
from dcmetrics.fmt import fmt_num
from ui.downloads import _HELD

N_UNITS = 13_000
ROOT = Path(__file__).resolve().parents[1]
STYLER_LIMIT = 262_144


def build_nation(path: Path) -> None:
    """The database, built by a Python process of its own: build_db's spawned worker pool, started
    from a pytest process that has already run other app tests, could hang respawning its worker."""
    code = ("import sys; from pathlib import Path; from dcmetrics import bench\n"
            "if __name__ == '__main__':\n"
            f"    bench.build_db(Path(sys.argv[1]), {N_UNITS}, years=(2025,), workers=1, n_files=0, log=lambda *_: None)\n")
    subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True, timeout=900,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def nation_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("nation") / "nation.duckdb"
    build_nation(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DCMETRICS_DB", str(path))
        _forget_store()
        yield path
        from ui.context import get_store

        get_store().close()
        _forget_store()


def ranking_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    login_if_asked(at)  # the administrator: every unit of the nation
    at.switch_page(f"{PAGE_DIR}/ranking.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_whole_nation_ranking_shows_a_window(nation_db):
    at = ranking_page()
    store, filters, profile, user = at.session_state["_context"]
    assert profile.id == bench.PROFILE
    table = dashboard.ranking(store, profile, filters, user)
    assert table.height >= N_UNITS
    grid = at.dataframe(key="ranking_table")
    # the whole table would have been beyond the Styler's limit; the page sends 500 rows
    assert table.height * len(grid.value.columns) > STYLER_LIMIT
    assert len(grid.value) == WINDOW
    assert f"Hiển thị 1–500 trong {fmt_num(table.height)} đơn vị · {SORT_NOTE}" in [c.value for c in at.caption]
    shown = display_values(grid)
    assert list(grid.value["Mã"]) == table["unit_code"].head(WINDOW).to_list()  # best first
    assert vn_value(shown["Tổng điểm"].iloc[0]) == pytest.approx(table["total"][0])

    # the heat map by unit: the 50 first and 50 last units, said in a caption
    at.button_group(key="heat_by").set_value("Đơn vị").run()
    assert not at.exception, [e.value for e in at.exception]
    [heat] = [c for c in svg_charts(at) if c["label"] == "Tỷ lệ điểm đạt của từng nhóm, theo đơn vị"]
    n_groups = len(profile.in_force(filters.year).groups)
    assert len(heat["bars"]) == 100 * n_groups  # a cell per unit and group, each with its tooltip
    assert not at.get("plotly_chart")
    assert (f"Bản đồ nhiệt vẽ 50 đơn vị đầu bảng và 50 đơn vị cuối bảng trong {fmt_num(table.height)} đơn vị; "
            "chọn một địa bàn ở thanh bên để xem các đơn vị khác.") in [c.value for c in at.caption]

    # page 3: rows 1001–1500
    [page] = [n for n in at.number_input if n.key.startswith("ranking_table_page_")]
    page.set_value(3).run()
    assert not at.exception
    assert list(at.dataframe(key="ranking_table").value["Mã"]) == table["unit_code"][1000:1500].to_list()
    assert f"Hiển thị 1.001–1.500 trong {fmt_num(table.height)} đơn vị · {SORT_NOTE}" in [c.value for c in at.caption]

    # a unit found by its name typed without diacritics, in lower case
    target = table.filter(pl.col("unit_name").str.contains("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủũứừửữựỳỵỷỹ]"))
    name, code = target["unit_name"][-1], target["unit_code"][-1]
    at.text_input(key="ranking_table_q").input(fold(name)).run()
    assert not at.exception
    found = at.dataframe(key="ranking_table").value
    # every word of the search in the unit's name, code, area or cluster, in the ranking's order
    words = fold(name).split()
    expected = [r["unit_code"] for r in table.iter_rows(named=True)
                if all(w in fold(" ".join(r[c] or "" for c in ("unit_name", "unit_code", "parent_name", "cluster")))
                       for w in words)]
    assert code in expected and list(found["Mã"]) == expected and len(expected) < WINDOW

    # a selected row of the searched window opens that unit (the row maps back to the table)
    at.session_state["ranking_table"] = {"selection": {"rows": [list(found["Mã"]).index(code)],
                                                       "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Chi tiết đơn vị" and at.selectbox(key="unit_code").value == code


def test_the_export_holds_every_row(nation_db):
    at = ranking_page()
    store, filters, profile, user = at.session_state["_context"]
    table = dashboard.ranking(store, profile, filters, user)
    [prepare] = [b for b in at.button if b.label == "Chuẩn bị tệp Excel, CSV"]
    prepare.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert {d.proto.label for d in at.get("download_button")} == {"Tải Excel", "Tải CSV"}
    _, (xlsx, csv) = at.session_state[_HELD]["ranking"]  # the bytes the two buttons offer
    # the page's default dialect, «Excel tiếng Việt»: BOM, semicolons
    assert csv[:3] == b"\xef\xbb\xbf"
    exported = pl.read_csv(io.BytesIO(csv[3:]), infer_schema=False, separator=";")
    assert exported.height == table.height > WINDOW
    assert set(exported["Mã đơn vị"]) == set(table["unit_code"])
    assert pl.read_excel(io.BytesIO(xlsx)).height >= table.height


def _open_page(script: str):
    """The app logged in, on one page with no exception: the AppTest and the page's context."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    login_if_asked(at)
    at.switch_page(f"{PAGE_DIR}/{script}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, at.session_state["_context"]


def test_unit_page_searches_instead_of_listing_every_unit(nation_db):
    """Above ALL_UNITS units the unit box lists at most MATCHES units and a search narrows them
    (without diacritics); the chosen unit stays chosen through a search that leaves it out."""
    from dcmetrics.display.chooser import ALL_UNITS, MATCHES

    at, (store, filters, profile, user) = _open_page("unit.py")
    table = dashboard.ranking(store, profile, filters, user)
    assert table.height > ALL_UNITS
    box = at.selectbox(key="unit_code")
    assert len(box.options) == MATCHES
    first = box.value
    assert any(c.value.startswith(f"Có {fmt_num(table.height)} đơn vị: ô chọn liệt kê {MATCHES} đơn vị") for c in at.caption)

    target = table.sort("unit_code")[-1].row(0, named=True)
    at.text_input(key="unit_search").input(fold(target["unit_name"])).run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.selectbox(key="unit_code")
    labels = box.options
    assert f"{target['unit_name']} ({target['unit_code']})" in labels
    # every listed unit matches the search, except the unit still chosen, listed first
    want = fold(target["unit_name"]).split()
    assert all(all(w in fold(label) for w in want) for label in labels[1:]), labels[:5]
    assert box.value == first
    box.select(f"{target['unit_name']} ({target['unit_code']})").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="unit_code").value == target["unit_code"]
    assert target["unit_name"] in [s.value for s in at.subheader]


def test_trends_page_searches_units_and_keeps_the_chosen(nation_db):
    """Above ALL_UNITS units the trends page's unit box lists at most MATCHES units (the browser
    took 3 s to draw 40,000) in the Vietnamese order it had; a search narrows it and the units
    already chosen stay chosen and listed."""
    from dcmetrics.display.chooser import ALL_UNITS, MATCHES
    from dcmetrics.fmt import sort_vi
    from dcmetrics.trends import trends

    at, (store, filters, profile, user) = _open_page("trends.py")
    t = trends(store, user, profile, filters)
    # Vietnamese order of the names, equal names by code (sort_vi is stable)
    ordered = sort_vi(t.units.select("unit_code", "unit_name").unique().sort("unit_code"), "unit_name")
    assert ordered.height > ALL_UNITS
    box = at.multiselect(key="trend_units")
    first = ordered.head(MATCHES)
    assert box.options == [f"{n} ({c})" for c, n in first.iter_rows()]  # the old order, bounded
    pick = first.row(7, named=True)
    box.set_value([pick["unit_code"]]).run()
    assert not at.exception, [e.value for e in at.exception]

    target = ordered.sort("unit_code")[-1].row(0, named=True)
    at.text_input(key="trend_search").input(fold(target["unit_name"])).run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.multiselect(key="trend_units")
    want = fold(target["unit_name"]).split()
    assert box.options[0] == f"{pick['unit_name']} ({pick['unit_code']})"  # chosen, listed first
    assert all(all(w in fold(o) for w in want) for o in box.options[1:]) and len(box.options) <= MATCHES + 1
    assert box.value == [pick["unit_code"]]
    box.set_value([pick["unit_code"], target["unit_code"]]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="trend_units").value == [pick["unit_code"], target["unit_code"]]


def test_units_admin_page_searches_the_lineage_boxes(nation_db):
    """The administrative units page's old and new unit boxes list at most MATCHES of the nation's
    units each, a search outside the form narrows each, and a chosen unit survives a search."""
    from dcmetrics.display.chooser import MATCHES
    from dcmetrics.units import all_units

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    login_if_asked(at)
    at.switch_page(f"{PAGE_DIR}/units_admin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    store = at.session_state["_context"][0]
    registry = all_units(store)
    assert registry.height > 2 * MATCHES
    label = lambda r: f"{r['name']} ({r['code']})"  # noqa: E731
    head = [label(r) for r in registry.head(MATCHES).iter_rows(named=True)]
    assert at.selectbox(key="lineage_old").options == head
    assert at.multiselect(key="lineage_new").options == head
    assert any(c.value.startswith(f"Có {fmt_num(registry.height)} đơn vị") for c in at.caption)

    old = registry.row(3, named=True)
    at.selectbox(key="lineage_old").set_value(old["code"])
    target = registry.row(registry.height - 1, named=True)
    at.text_input(key="lineage_old_search").input(target["code"]).run()
    at.text_input(key="lineage_new_search").input(fold(target["name"])).run()
    assert not at.exception, [e.value for e in at.exception]
    olds = at.selectbox(key="lineage_old").options
    assert olds[0] == label(old) and label(target) in olds  # the chosen one kept, first
    assert all(target["code"] in o for o in olds[1:])
    news = at.multiselect(key="lineage_new").options
    want = fold(target["name"]).split()
    assert label(target) in news and all(all(w in fold(o) for w in want) for o in news)
