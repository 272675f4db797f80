"""How things look: one palette for the levels, numbers typed the Vietnamese way, sizes stated
once, downloads that stay valid after a rerun (issue 16).

The pages run through AppTest as in tests/test_pages.py and tests/test_login_pages.py (their
fixtures are imported: the module's sample database, created by the app on its first run)."""

from __future__ import annotations

import io
import json
import tomllib

import polars as pl
import pytest
import streamlit as st

from conftest import svg_charts
from test_login_pages import go, login, login_waits  # noqa: F401 (fixture)
from test_pages import (ROOT, _admin_credentials, _navigation_not_pages_dir,  # noqa: F401 (fixtures)
                        app_env, run_app, sample_db)

from dcmetrics import config, framework  # noqa: E402
from dcmetrics.errors import InputError  # noqa: E402
from dcmetrics.fmt import fmt_num, parse_vn_number, size_text  # noqa: E402
from dcmetrics.palette import NOT_RATED, NOT_RATED_COLOR, level_colors, level_steps, redness  # noqa: E402
from dcmetrics.shortlist import Rules, shortlist  # noqa: E402


# ================================================================= the palette

def _lightness(hex_color: str) -> float:
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (max(r, g, b) + min(r, g, b)) / 2


def _assert_ordered(colours: list[str]) -> None:
    """Best green, each next level redder, the worst the strongest red (deepest of the red half)."""
    first, last = colours[0], colours[-1]
    r, g, _ = (int(first[i:i + 2], 16) for i in (1, 3, 5))
    assert g > r, f"the best level should be green: {first}"
    reds = [redness(c) for c in colours]
    assert reds == sorted(reds) and len(set(reds)) == len(reds), (colours, reds)
    if len(colours) > 1:
        r, g, b = (int(last[i:i + 2], 16) for i in (1, 3, 5))
        assert r > 2 * max(g, b), f"the worst level should be red: {last}"
        warm = [c for c in colours if redness(c) > 0]
        assert _lightness(last) == min(_lightness(c) for c in warm), f"the worst should be the deepest red: {colours}"


# the usual four levels, written out: what the issue saw wrong was «Trung bình» bright red, «Yếu» pale pink
FOUR = {"Tốt": "#1b7837", "Khá": "#7fbc41", "Trung bình": "#f1a340", "Yếu": "#b2182b", NOT_RATED: NOT_RATED_COLOR}


def _profile_versions():
    """Every version of every shipped profile (data/frameworks/profiles and its archive)."""
    return [(f"{pid}-{v.version}", v) for pid, p in framework.load_profiles().items() for v in p.versions()]


@pytest.mark.parametrize("name,version", _profile_versions(), ids=[n for n, _ in _profile_versions()])
def test_every_profile_s_levels_are_ordered_green_to_red(name, version):
    levels = version.level_names()
    assert levels, f"{name}: no levels"
    colours = level_colors(levels)
    _assert_ordered([colours[lv] for lv in levels])
    assert colours[NOT_RATED] == NOT_RATED_COLOR
    if levels == ["Tốt", "Khá", "Trung bình", "Yếu"]:
        assert colours == FOUR


@pytest.mark.parametrize("n", range(1, 10))
def test_any_number_of_levels_is_ordered(n):
    steps = level_steps(n)
    assert len(steps) == n == len(set(steps))
    _assert_ordered(steps)
    if n > 1:
        assert steps[-1] == "#b2182b"  # the worst always the same deep red
    assert steps[0] == "#1b7837"


def test_ui_levels_is_the_core_palette():
    import ui.levels

    assert ui.levels.level_colors is level_colors and ui.levels.NOT_RATED == NOT_RATED


def _level_traces(spec: dict) -> dict[str, str]:
    """name -> colour of each named trace (bars and points: the marker; lines: the line)."""
    return {t["name"]: (t.get("marker") or {}).get("color") or (t.get("line") or {}).get("color")
            for t in spec["data"] if t.get("name")}


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_overview_charts_use_the_palette(app_env):
    """The overview's two charts are the core's SVG: each bar's fill is its level's colour."""
    at = run_app()
    _, filters, profile, _ = at.session_state["_context"]
    levels = profile.in_force(filters.year).level_names()
    palette = level_colors(levels)
    by_level, by_area = svg_charts(at)[:2]
    this_year = {tip.split(",")[0]: fill for tip, fill in by_level["bars"] if f"Năm {filters.year}:" in tip}
    assert this_year == {lv: palette[lv] for lv in levels}  # one bar per level, each its colour
    drawn = {tip.split(", ")[-1].split(":")[0]: fill for tip, fill in by_area["bars"]}
    assert drawn and set(drawn) <= set(palette), drawn
    assert drawn == {name: palette[name] for name in drawn}
    assert drawn["Yếu"] == "#b2182b" and drawn["Trung bình"] == "#f1a340"
    assert not at.get("plotly_chart")  # the landing page loads no chart library


def test_map_chart_uses_the_palette(app_env):
    at = run_app("map")
    _, filters, profile, _ = at.session_state["_context"]
    palette = level_colors(profile.in_force(filters.year).level_names())
    [chart] = _charts(at)
    drawn = _level_traces(chart)
    assert drawn and drawn == {name: palette[name] for name in drawn}


def test_cross_profile_chart_uses_the_palette(app_env):
    at = run_app("ranking")
    toggles = [t for t in at.toggle if t.key == "cross_profile"]
    if not toggles:
        pytest.skip("the sample has one profile in scope: no cross-profile chart")
    toggles[0].set_value(True).run()
    assert not at.exception
    [chart] = _charts(at)
    drawn = _level_traces(chart)
    palette = level_colors(["Tốt", "Khá", "Trung bình", "Yếu"])  # every shipped profile's levels
    assert drawn and drawn == {name: palette[name] for name in drawn}


def test_no_page_chart_draws_a_level_in_another_colour(app_env):
    """Trends draws areas, types and units (not levels); the ranking heat map a continuous scale:
    wherever a trace is named after a level, it has the level's colour."""
    palette = level_colors(["Tốt", "Khá", "Trung bình", "Yếu"])
    for page in ("overview", "ranking", "map", "trends"):
        at = run_app(page)
        for spec in _charts(at):
            for name, colour in _level_traces(spec).items():
                if name in palette:
                    assert colour == palette[name], (page, name, colour)


# ================================================================= numbers typed and sizes

PARSE = [("90", 90.0), ("90,5", 90.5), ("90.5", 90.5), (" 90 ", 90.0), ("0,125", 0.125), ("-3", -3.0),
         ("1.234,5", 1234.5), ("1.234.567", 1234567.0), ("1,234.5", 1234.5), ("85,50", 85.5)]
REFUSED = [("", "Chưa nhập số."),
           ("abc", "«abc» không phải là số (ví dụ đúng: 90 hoặc 90,5)."),
           ("1,2,3", "«1,2,3» không phải là số (ví dụ đúng: 90 hoặc 90,5)."),
           ("1.234", "«1.234» có thể là 1234 hoặc 1,234: hãy viết 1234 (không có dấu chấm) hoặc 1,234 "
                     "(dấu phẩy thập phân).")]


@pytest.mark.parametrize("text,number", PARSE)
def test_parse_vn_number(text, number):
    assert parse_vn_number(text) == number


@pytest.mark.parametrize("text,message", REFUSED)
def test_parse_vn_number_refuses(text, message):
    with pytest.raises(InputError) as err:
        parse_vn_number(text)
    assert str(err.value) == message


@pytest.mark.parametrize("value,decimals", [(90.0, 1), (85.5, 2), (1500.25, 2), (0.0, 2), (12.5, 1)])
def test_a_value_shown_in_a_box_reads_back(value, decimals):
    shown = fmt_num(value, decimals, group=False)
    assert "." not in shown
    assert parse_vn_number(shown) == value


@pytest.mark.parametrize("size,text", [(10 * 1048576, "10 MB"), (int(10.5 * 1048576), "10,5 MB"),
                                       (524288, "512 KB"), (1536, "1,5 KB"), (900, "900 byte"),
                                       (1048, "1,02 KB")])
def test_size_text(size, text):
    assert size_text(size) == text


def test_streamlit_s_limit_is_the_core_s():
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert server["maxUploadSize"] * 1048576 == config.max_upload_bytes()  # 10 MB both, by default


@pytest.mark.parametrize("env,limit_mb,said", [(None, 10, "10 MB"), ("0.5", 1, "512 KB"), ("7", 7, "7 MB")])
def test_uploader_states_the_limit_in_vietnamese(app_env, monkeypatch, env, limit_mb, said):
    if env:
        monkeypatch.setenv("DCMETRICS_MAX_UPLOAD_MB", env)
    else:
        monkeypatch.delenv("DCMETRICS_MAX_UPLOAD_MB", raising=False)
    at = go(login("canbo.991"), "upload")
    uploader = at.file_uploader(key="upload_file")
    assert uploader.proto.max_upload_size_mb == limit_mb
    line = f"Tệp .xlsx hoặc .csv, tối đa {said} mỗi tệp."
    assert uploader.proto.help == line
    assert line in [c.value for c in at.caption]


def test_commendation_inputs_read_vietnamese_numbers(app_env):
    at = go(login("thiduakhenthuong"), "commendation")
    _, filters, profile, _ = at.session_state["_context"]
    me = at.session_state["account"]
    store = at.session_state["_context"][0]
    box = at.text_input(key="r_total")
    default = Rules.from_profile(profile.in_force(filters.year), basis=filters.basis)
    assert box.value == fmt_num(default.min_total or 0.0, 2, group=False)
    assert "." not in box.value
    share = at.text_input(key="r_share")
    assert share.value == fmt_num(100 * (default.max_share or 0), 1, group=False)

    def submit():
        [build] = [b for b in at.form_submit_button if b.label == "Lập danh sách"]
        build.click().run()
        assert not at.exception

    for typed, number in (("95,5", 95.5), ("95.5", 95.5), ("95", 95.0)):
        at.text_input(key="r_total").set_value(typed)
        submit()
        assert not at.error, [e.value for e in at.error]
        expected = shortlist(store, me, profile, filters.year,
                             Rules.from_profile(profile.in_force(filters.year), basis=filters.basis, min_total=number),
                             area=filters.area, unit_type=filters.unit_type)
        shown = [m.value for m in at.metric if m.label == "Đề nghị"]
        assert shown == [str(expected.selected.height)], typed

    at.text_input(key="r_total").set_value("abc")
    submit()
    assert [e.value for e in at.error] == ["«abc» không phải là số (ví dụ đúng: 90 hoặc 90,5)."]
    assert not [m for m in at.metric if m.label == "Đề nghị"]  # no list from a value that is not one
    top = profile.in_force(filters.year).total_max
    at.text_input(key="r_total").set_value("1000")
    submit()
    assert [e.value for e in at.error] == [f"«Điểm tối thiểu» phải từ 0 đến {fmt_num(top)}, đang là 1000."]


# ================================================================= downloads

@pytest.fixture
def offered(monkeypatch):
    """Every st.download_button call: key -> data (the last run's)."""
    calls: dict[str, object] = {}
    original = st.download_button

    def recording(label, data, *args, **kwargs):
        calls[kwargs.get("key")] = data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return calls


def _count_calls(monkeypatch, module, name) -> list:
    seen = []
    original = getattr(module, name)

    def counting(*args, **kwargs):
        seen.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return seen


def test_commendation_files_are_bytes_kept_across_reruns(app_env, offered, monkeypatch):
    from dcmetrics import proposal

    built = _count_calls(monkeypatch, proposal, "shortlist_xlsx")
    at = go(login("thiduakhenthuong"), "commendation")
    first = dict(offered)
    assert isinstance(first["sl_xlsx"], bytes) and first["sl_xlsx"][:2] == b"PK"
    assert isinstance(first["sl_html"], bytes) and first["sl_html"].lstrip().lower().startswith(b"<!doctype html")
    urls = {b.key: b.proto.url for b in at.get("download_button")}
    assert all(not b.proto.deferred_file_id for b in at.get("download_button"))
    # the selected units are in the workbook
    _, filters, profile, _ = at.session_state["_context"]
    me, store = at.session_state["account"], at.session_state["_context"][0]
    sl = shortlist(store, me, profile, filters.year, Rules.from_profile(profile.in_force(filters.year),
                                                                        basis=filters.basis),
                   area=filters.area, unit_type=filters.unit_type)
    sheets = pl.read_excel(io.BytesIO(first["sl_xlsx"]), sheet_id=0, has_header=False)
    cells = {str(v) for frame in sheets.values() for col in frame.columns for v in frame[col].to_list()}
    assert set(sl.selected["unit_name"].to_list()) <= cells

    at.run()  # a rerun (any widget): the same bytes, the same file, not built again
    assert not at.exception
    assert offered["sl_xlsx"] == first["sl_xlsx"] and offered["sl_html"] == first["sl_html"]
    assert {b.key: b.proto.url for b in at.get("download_button")} == urls
    assert len(built) == 1

    at.text_input(key="r_total").set_value("99")  # other rules: another file
    [build] = [b for b in at.form_submit_button if b.label == "Lập danh sách"]
    build.click().run()
    assert len(built) == 2 and offered["sl_xlsx"][:2] == b"PK"


def test_ranking_files_are_built_on_a_click_then_kept(app_env, offered, monkeypatch):
    from dcmetrics.reports import ranking_export

    built = _count_calls(monkeypatch, ranking_export, "ranking_files")
    at = run_app("ranking")
    assert "rank_xlsx" not in offered and not built  # nothing built on the page's render
    at.button(key="ranking_prepare").click().run()
    assert not at.exception
    assert offered["rank_xlsx"][:2] == b"PK" and len(built) == 1
    assert "ranking_prepare" not in {b.key for b in at.button}  # the files in the button's place
    csv = offered["rank_csv"]
    assert csv.startswith(b"\xef\xbb\xbf")  # «Excel tiếng Việt» first: semicolons, decimal commas, BOM
    assert csv.decode("utf-8-sig").splitlines()[0].startswith("Hạng;Mã đơn vị;Đơn vị")
    urls = {b.key: b.proto.url for b in at.get("download_button")}
    assert set(urls) == {"rank_xlsx", "rank_csv"}
    assert at.radio(key="rank_csv_dialect").options == ["Excel tiếng Việt", "Chuẩn (dấu phẩy, dấu chấm)"]

    offered.clear()
    at.run()
    assert not at.exception
    assert offered["rank_xlsx"][:2] == b"PK" and len(built) == 1
    assert {b.key: b.proto.url for b in at.get("download_button")} == urls

    offered.clear()  # the standard dialect: another file, built on a click
    at.radio(key="rank_csv_dialect").set_value("std").run()
    assert "rank_csv" not in offered
    at.button(key="ranking_prepare").click().run()
    assert offered["rank_csv"].decode("utf-8").splitlines()[0].startswith("Hạng,Mã đơn vị,Đơn vị")
    assert len(built) == 2

    offered.clear()  # another year: the kept file is not that year's, the button asks again
    years = at.selectbox(key="year").options
    at.selectbox(key="year").set_value(int(years[-1])).run()
    assert "rank_xlsx" not in offered
    assert [b.label for b in at.button if b.key == "ranking_prepare"] == ["Chuẩn bị tệp Excel, CSV"]


def test_templates_and_the_unit_notice_are_bytes(app_env, offered):
    at = go(login("canbo.991"), "upload")
    assert offered["tpl_xlsx"][:2] == b"PK"
    assert offered["tpl_csv"].decode("utf-8-sig").startswith("ma_don_vi")
    at.run()
    assert offered["tpl_xlsx"][:2] == b"PK"
    at = run_app("unit")
    notice = offered["unit_notice"]
    assert isinstance(notice, bytes) and notice.startswith(b"<!DOCTYPE html>")
    assert at.subheader[0].value in notice.decode("utf-8")  # the unit shown is the unit printed
    at.run()
    assert offered["unit_notice"] == notice


def test_appraisal_value_box_reads_a_decimal_comma(app_env):
    at = go(login("thamdinh.tinh"), "review")
    codes = at.selectbox(key="appraise_indicator").options
    for option in codes:  # an indicator typed as a number (not a ratio, not yes/no)
        at.selectbox(key="appraise_indicator").select(option).run()
        if "appraise_value" in {t.key for t in at.text_input}:
            break
    else:
        pytest.skip("no numeric indicator for the first unit")
    box = at.text_input(key="appraise_value")
    assert box.value == "0"
    box.set_value("abc").run()
    assert "«abc» không phải là số (ví dụ đúng: 90 hoặc 90,5)." in [e.value for e in at.error]
    assert at.button(key="appraise_save").disabled
    at.text_input(key="appraise_value").set_value("1,5").run()
    assert not at.button(key="appraise_save").disabled and not at.error
