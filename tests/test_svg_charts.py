"""The core's SVG charts (dcmetrics.display.charts, page_charts): geometry, tooltips, escaping."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SVG
from dcmetrics.display.charts import HEAT_STOPS, Lines, Stacked, _ticks, heat_color, lines_svg, stacked_svg
from dcmetrics.display.page_charts import area_stacks, group_heat, level_bars, lines


def _svg(html: str) -> ET.Element:
    return ET.fromstring(html[html.index("<svg"):html.index("</svg>") + 6])


def _tips(root, tag):
    return [(e.find(f"{SVG}title").text, e) for e in root.iter(f"{SVG}{tag}") if e.find(f"{SVG}title") is not None]


@settings(max_examples=200, deadline=None)
@given(st.floats(-1000, 1000), st.floats(0.001, 500))
def test_ticks_cover_the_range_in_round_steps(lo, span):
    hi = lo + span
    t = _ticks(lo, hi)
    assert t[0] <= lo + 1e-9 and t[-1] >= hi - 1e-9
    steps = {round(b - a, 9) for a, b in zip(t, t[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5, 10)
    assert 2 <= len(t) <= 12


def test_lines_place_higher_values_higher_and_break_at_a_missing_year():
    chart = Lines("Điểm <bình quân> & hạng", ["2023", "2024", "2025"],
                  [("Xã <A> & B", [70.0, None, 85.5]), ("Phường C", [80.25, 81.0, 79.0])], "Điểm",
                  ((1, "Đổi bộ tiêu chí: 2023.1 → 2025.1"),))
    html = lines_svg(chart)
    assert "Xã &lt;A&gt; &amp; B" in html and "<A>" not in html  # every text from data escaped
    root = _svg(html)
    assert root.get("aria-label") == "Điểm <bình quân> & hạng"
    points = {t: (float(e.get("cx")), float(e.get("cy"))) for t, e in _tips(root, "circle")}
    assert set(points) == {"Xã <A> & B, 2023: 70,00", "Xã <A> & B, 2025: 85,50", "Phường C, 2023: 80,25",
                           "Phường C, 2024: 81,00", "Phường C, 2025: 79,00"}
    assert points["Xã <A> & B, 2025: 85,50"][1] < points["Phường C, 2024: 81,00"][1] \
        < points["Phường C, 2023: 80,25"][1] < points["Xã <A> & B, 2023: 70,00"][1]
    # the first unit has no 2024: two single points, no line through the gap; the second one line
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    [(mark_x, mark)] = [(float(e.get("x1")), e.find(f"{SVG}title").text) for e in root.iter(f"{SVG}line")
                        if e.get("stroke-dasharray")]
    assert mark == "Đổi bộ tiêu chí: 2023.1 → 2025.1"
    assert points["Phường C, 2023: 80,25"][0] < mark_x < points["Phường C, 2024: 81,00"][0]


def test_stacked_bars_split_each_row_by_its_shares():
    rows = [(f"Tỉnh {i}", {"Tốt": i, "Khá": 10 - i}) for i in range(1, 35)]
    html = stacked_svg(Stacked("Theo tỉnh", rows, ["Tốt", "Khá"], {"Tốt": "#1b7837", "Khá": "#7fbc41"}),
                       max_rows=len(rows))
    root = _svg(html)
    bars = _tips(root, "rect")
    assert len({t.split(",")[0] for t, _ in bars}) == 34  # every province, none cut
    widths = {t: float(e.get("width")) for t, e in bars}
    assert widths["Tỉnh 3, Tốt: 3"] / widths["Tỉnh 3, Khá: 7"] == pytest.approx(3 / 7, rel=1e-2)
    assert widths["Tỉnh 3, Tốt: 3"] + widths["Tỉnh 3, Khá: 7"] == pytest.approx(380, abs=0.2)
    cut = stacked_svg(Stacked("Theo tỉnh", rows, ["Tốt", "Khá"], {"Tốt": "#1b7837", "Khá": "#7fbc41"}),
                      max_rows=30, more=lambda k: f"… và {k} dòng khác")
    assert "… và 4 dòng khác" in cut


def test_level_bars_leave_out_a_year_before_without_units():
    levels = pl.DataFrame({"level": ["Tốt", "Khá"], "count": [3, 1], "prev_count": [0, 0]})
    colors = {"Tốt": "#1b7837", "Khá": "#7fbc41"}
    only = _svg(level_bars(levels, 2025, colors))
    assert [t for t, _ in _tips(only, "rect")] == ["Tốt, Năm 2025: 3", "Khá, Năm 2025: 1"]
    both = _svg(level_bars(levels.with_columns(pl.Series("prev_count", [2, 2])), 2025, colors))
    tips = {t: e.get("fill") for t, e in _tips(both, "rect")}
    assert tips["Tốt, Năm 2025: 3"] == "#1b7837" and tips["Tốt, Năm 2024: 2"] != "#1b7837"  # last year faded


def test_area_stacks_and_lines_from_the_core_frames():
    by_area = pl.DataFrame({"area_name": ["Huyện A", "Huyện A", "Huyện B"], "level": ["Tốt", "Yếu", "Tốt"],
                            "count": [2, 1, 4]})
    root = _svg(area_stacks(by_area, ["Tốt", "Khá", "Yếu"], {"Tốt": "#1b7837", "Khá": "#7fbc41", "Yếu": "#b2182b"}))
    assert [t for t, _ in _tips(root, "rect")] == ["Huyện A, Tốt: 2", "Huyện A, Yếu: 1", "Huyện B, Tốt: 4"]
    legend = ["".join(e.itertext()) for e in root.iter(f"{SVG}text")][-2:]
    assert legend == ["Tốt", "Yếu"]  # a level no area has is not in the legend
    frame = pl.DataFrame({"year": [2024, 2025, 2025], "name": ["X", "X", "Y"], "v": [70.0, 72.5, 60.0]})
    versions = pl.DataFrame({"year": [2024, 2025], "version": ["a", "b"], "previous_version": [None, "a"],
                             "changed": [False, True]})
    root = _svg(lines(frame, "name", "v", [2024, 2025], versions, "T", "Điểm", order=["Y", "X"]))
    assert [t for t, _ in _tips(root, "circle")] == ["Y, 2025: 60,00", "X, 2024: 70,00", "X, 2025: 72,50"]
    assert [e.find(f"{SVG}title").text for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray")] \
        == ["Đổi bộ tiêu chí: a → b"]


@pytest.mark.parametrize("share, colour", [(0.0, HEAT_STOPS[0]), (1.0, HEAT_STOPS[-1]), (0.5, HEAT_STOPS[5]),
                                           (-0.2, HEAT_STOPS[0]), (1.7, HEAT_STOPS[-1]),
                                           (0.05, "#be1826")])  # halfway between the first two stops
def test_heat_colours_run_red_to_green(share, colour):
    assert heat_color(share) == colour


def test_group_heat_draws_a_cell_per_row_and_group_with_its_share():
    shares = pl.DataFrame({"label": ["Huyện <A>", "Huyện B"], "G1": [0.855, None], "G2": [1.0, 0.25]})
    root = _svg(group_heat(shares, "Tỷ lệ"))
    cells = {t: e.get("fill") for t, e in _tips(root, "rect")}
    assert list(cells) == ["Huyện <A>, G1: 85,5 %", "Huyện <A>, G2: 100 %", "Huyện B, G1: –", "Huyện B, G2: 25 %"]
    assert cells["Huyện <A>, G2: 100 %"] == HEAT_STOPS[-1] and cells["Huyện B, G1: –"] == "#eeeeee"
