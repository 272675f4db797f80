"""The annual report to the People's Council (dcmetrics.reports): the report object against a
golden file and against the core it is built from, the PDF and the HTML rendered from it, access,
the `dcmetrics report` command and the «Báo cáo năm» page.

Golden files: tests/golden/annual_report_2025_<profile>.json hold the report object of the sample
province (to_dict(), without the data version). After a deliberate change of the report or of the
sample, regenerate them and review the diff:

    DCMETRICS_REGENERATE_GOLDEN=1 python3 -m pytest tests/test_report.py -q -k golden
"""

from __future__ import annotations

import html as html_lib
import io
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import polars as pl
import pypdf
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from test_pages import (  # noqa: F401 (fixtures)
    APP,
    PAGE_DIR,
    _admin_credentials,
    _navigation_not_pages_dir,
    app_env,
    sample_db,
)

from dcmetrics import access, completeness, dashboard, shortlist, unit_reviews
from dcmetrics.cli import main
from dcmetrics.dashboard import Filters
from dcmetrics.errors import AccessDenied, NotFound
from dcmetrics.fmt import fmt_pct, fmt_points
from dcmetrics.palette import level_colors
from dcmetrics.reports import annual, content, html, pdf

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("DCMETRICS_REGENERATE_GOLDEN") == "1"
YEAR = 2025
GOLDEN_PROFILES = ("chung", "vinh-linh")  # chung: the sample's own profile; vinh-linh: one with targets


@pytest.fixture(scope="module")
def reports(sample_store, profiles):
    return {pid: annual.build(sample_store, access.SYSTEM, profiles[pid], YEAR) for pid in GOLDEN_PROFILES}


@pytest.fixture(scope="module")
def pdf_text(reports):
    """(page count, text of every page) of the chung report's PDF."""
    reader = pypdf.PdfReader(io.BytesIO(pdf.render(reports["chung"])))
    return len(reader.pages), [p.extract_text() for p in reader.pages], reader


def flat(text: str) -> str:
    """Extracted PDF text with every run of spaces and line breaks as one space (justified lines
    come out with wider gaps)."""
    return re.sub(r"\s+", " ", text)


def _golden_data(report: annual.AnnualReport) -> dict:
    data = report.to_dict()
    data.pop("data_version")  # a counter of the database's changes, not a figure of the report
    return data


# ---------------------------------------------------------------- the object

@pytest.mark.parametrize("pid", GOLDEN_PROFILES)
def test_report_equals_its_golden_file(reports, pid):
    path = GOLDEN / f"annual_report_{YEAR}_{pid}.json"
    data = _golden_data(reports[pid])
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert path.exists(), f"{path.name} missing: run with DCMETRICS_REGENERATE_GOLDEN=1"
    assert data == json.loads(path.read_text(encoding="utf-8"))


def test_golden_chung_holds_the_figures_of_the_sample(reports):
    """A few figures written out, so that a regenerated golden file cannot hide a change of them."""
    r = reports["chung"]
    assert (r.year, r.profile_id, r.profile_version, r.issuer_name) == (2025, "chung", "2025.2",
                                                                       "Tỉnh Mẫu An Hòa (dữ liệu mẫu)")
    assert {lv["level"]: lv["count"] for lv in r.levels} == {"Tốt": 15, "Khá": 30, "Trung bình": 34, "Yếu": 4}
    assert {lv["level"]: lv["prev_count"] for lv in r.levels} == {"Tốt": 40, "Khá": 94, "Trung bình": 93, "Yếu": 17}
    assert r.summary["n_units"] == 83 and r.summary["n_rated"] == 83 and r.summary["n_complete"] == 79
    assert round(r.summary["mean_total"], 2) == 77.74
    assert r.summary["n_selected"] == 5 and r.summary["n_awaiting"] == 37
    assert [v["n_units"] for v in r.vetoes] == [2] and len(r.capped) == 2


def test_levels_equal_the_ranking_counts(sample_store, profiles, reports):
    r = reports["chung"]
    table = dashboard.ranking(sample_store, profiles["chung"], Filters(YEAR), access.SYSTEM)
    rated = dict(table.filter("rated").group_by("level").len().iter_rows())
    assert {lv["level"]: lv["count"] for lv in r.levels} == {lv: rated.get(lv, 0) for lv in r.level_order[:-1]}
    assert r.summary["n_units"] == table.height == sum(t["total"] for t in r.by_type) == sum(
        a["total"] for a in r.by_area)
    assert r.summary["mean_total"] == pytest.approx(table["total"].mean())
    assert [u["unit_code"] for u in r.leading] == table.filter("rated")["unit_code"].head(5).to_list()
    assert [u["unit_code"] for u in r.lagging] == table.filter("rated")["unit_code"].tail(5).reverse().to_list()
    # by unit type: each type's rows counted from the ranking
    for row in r.by_type:
        code = next(k for k, v in annual.UNIT_TYPE_LABELS.items() if v == row["unit_type"])
        assert row["total"] == table.filter(pl.col("unit_type") == code).height
    assert r.colors == level_colors(profiles["chung"].in_force(YEAR).level_names())


def test_previous_year_is_that_years_own_overview(sample_store, profiles, reports):
    before = dashboard.overview(sample_store, profiles["chung"], Filters(YEAR - 1), access.SYSTEM)
    r = reports["chung"]
    assert r.prev_year == YEAR - 1
    assert {lv["level"]: lv["prev_count"] for lv in r.levels} == dict(before.levels.select("level", "count").iter_rows())
    assert all(lv["change"] == lv["count"] - lv["prev_count"] for lv in r.levels)
    assert r.summary["mean_change"] == pytest.approx(r.summary["mean_total"] - before.mean_total)


def test_targets_are_the_overviews_with_their_clause(sample_store, profiles, reports):
    r = reports["vinh-linh"]
    ov = dashboard.overview(sample_store, profiles["vinh-linh"], Filters(YEAR), access.SYSTEM)
    assert [(t["key"], t["clause"], t["n_units"], t["n_met"]) for t in r.targets] == \
        [tuple(x) for x in ov.targets.select("key", "clause", "n_units", "n_met").iter_rows()]
    a = next(t for t in r.targets if t["key"] == "a")
    assert (a["n_units"], a["n_met"], a["clause"]) == (95, 19, "Điều 1, mục 2 (Mục tiêu cụ thể), điểm a")
    assert a["source"].startswith("Nghị quyết (dự thảo) của HĐND huyện Vĩnh Linh") and not a["source_is_default"]
    assert reports["chung"].targets == []


def test_commended_units_are_the_shortlist_of_the_year(sample_store, profiles, reports):
    version = profiles["chung"].in_force(YEAR)
    sl = shortlist.shortlist(sample_store, "thiduakhenthuong", profiles["chung"], YEAR,
                             shortlist.Rules.from_profile(version))
    r = annual.build(sample_store, "thiduakhenthuong", profiles["chung"], YEAR)
    assert [u["unit_code"] for u in r.commendation["units"]] == sl.selected["unit_code"].to_list()
    assert r.commendation["rules"] == sl.rules.describe() and r.commendation["n_rated"] == sl.n_rated
    # a leader reads results but has no commendation page: the report still states the shortlist
    assert not access.can(sample_store, "lanhdao.tinh", access.COMMEND)
    led = annual.build(sample_store, "lanhdao.tinh", profiles["chung"], YEAR)
    assert led.commendation["units"] == r.commendation["units"]


def test_completeness_and_review_figures_are_the_cores(sample_store, profiles, reports):
    r = reports["chung"]
    want = completeness.completeness(sample_store, profiles["chung"], Filters(YEAR), access.SYSTEM)
    assert r.completeness["totals"] == want.total
    assert r.completeness["period_text"] == want.period_text
    assert r.awaiting["sentence"] == dashboard.awaiting_review(sample_store, profiles["chung"], Filters(YEAR),
                                                               access.SYSTEM)
    states = unit_reviews.states(sample_store, YEAR, [u["unit_code"] for u in r.awaiting["units"]])
    assert states.height == r.summary["n_awaiting"] == 37
    assert set(states["review_state"]) <= {unit_reviews.SUBMITTED, unit_reviews.RETURNED}


def test_units_appraised_down_have_a_lower_appraised_total(sample_store, profiles, reports):
    r = reports["chung"]
    assert r.appraised_down, "the sample's appraisals lower some units"
    for u in r.appraised_down:
        bases = dashboard.compare_bases(sample_store, profiles["chung"].in_force(YEAR), u["unit_code"], YEAR)
        got = dict(bases.select("basis", "total").iter_rows())
        assert got["appraised"] == pytest.approx(u["total"]) and got["self"] == pytest.approx(u["self_total"])
        assert u["total"] < u["self_total"] or u["level_lowered"]


def test_vetoes_and_violations(sample_store, profiles, reports):
    r = reports["chung"]
    veto = profiles["chung"].in_force(YEAR).vetoes[0]
    assert r.vetoes[0]["reason"] == veto.reason and r.vetoes[0]["source_is_default"]
    assert r.vetoes[0]["effect"] == "mức cao nhất «Trung bình»"
    assert {u["unit_code"] for u in r.capped} == {"99441", "SN97208"}
    assert all(u["level"] == "Trung bình" and u["reason"] == veto.reason for u in r.capped)
    sl = shortlist.shortlist(sample_store, access.SYSTEM, profiles["chung"], YEAR)
    unhandled = sl.units.filter(pl.col("n_unhandled").fill_null(0) > 0)
    assert {u["unit_code"]: u["n_unhandled"] for u in r.violations} == dict(
        unhandled.select("unit_code", "n_unhandled").iter_rows())


def test_defaults_in_force_are_listed_with_their_source(profiles, reports):
    r = reports["chung"]
    version = profiles["chung"].in_force(YEAR)
    assert r.defaults["note"] == version.defaults_note() and r.defaults["note"]
    defaults = [w for w, _, s in version.numbers() if s.is_default]
    assert [x["what"] for x in r.defaults["numbers"]["default"]] == defaults
    assert all(x["source"] == "mặc định của phần mềm — chưa có văn bản quy định"
               for x in r.defaults["numbers"]["default"])
    # the criterion is quoted as the profile records it
    assert r.criteria[0]["quote"] == version.criteria[0].quote


# ---------------------------------------------------------------- access

def test_an_officer_of_another_area_is_refused(sample_store, profiles):
    with pytest.raises(AccessDenied) as e:
        annual.build(sample_store, "canbo.99401", profiles["chung"], YEAR, area="99402")
    assert str(e.value).startswith("Tài khoản «canbo.99401»")
    assert "không được xem kết quả đánh giá của" in str(e.value)


def test_an_officer_reads_its_own_area_by_default(sample_store, profiles):
    r = annual.build(sample_store, "canbo.99401", profiles["chung"], YEAR)
    assert r.area_code == "99401"
    table = dashboard.ranking(sample_store, profiles["chung"], Filters(YEAR), "canbo.99401")
    assert r.summary["n_units"] == table.height
    assert all(u["unit_code"] in set(table["unit_code"]) for u in r.leading)


def test_a_year_without_data_is_refused(sample_store, profiles):
    with pytest.raises(NotFound, match="Chưa có số liệu năm 2031"):
        annual.build(sample_store, access.SYSTEM, profiles["chung"], 2031)


def test_progress_is_reported_to_the_end(sample_store, profiles):
    seen = []
    annual.build(sample_store, access.SYSTEM, profiles["chung"], YEAR, progress=lambda f, t: seen.append((f, t)))
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == 1.0


# ---------------------------------------------------------------- PDF and HTML

def test_pdf_has_the_document_layout_and_page_numbers(pdf_text):
    n, pages, _ = pdf_text
    assert n >= 5
    text = "\n".join(pages)
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN",
                  "TỈNH MẪU AN HÒA", "Số: ……/BC-UBND", "……, ngày …… tháng …… năm ……", "BÁO CÁO",
                  "Kết quả đánh giá mức độ thực hiện dân chủ ở cơ sở năm 2025", "Nơi nhận:",
                  "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        assert words in text, words
    for heading in content.HEADINGS.values():
        assert heading in text, heading
    for i, page in enumerate(pages, 1):
        assert f"Trang {i}/{n}" in page


def test_pdf_numbers_are_vietnamese(pdf_text, reports):
    text = "\n".join(pdf_text[1])
    r = reports["chung"]
    assert f"điểm bình quân {fmt_points(r.summary['mean_total'])} điểm" in flat(text)
    assert fmt_points(r.summary["mean_total"]) == "77,74"
    for lv in r.levels:
        assert fmt_pct(lv["share"]) in text  # 18,1 %
    assert "18,1 %" in text and "100,00" in text
    assert not re.search(r"\b77\.74\b|\b18\.1 %", text)


def test_pdf_embeds_the_vendored_font(pdf_text):
    reader = pdf_text[2]
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values() if "/BaseFont" in f.get_object()}
    assert fonts and all("LiberationSerif" in f for f in fonts)
    assert (Path(pdf.FONTS) / "LICENSE-Liberation.txt").read_text(encoding="utf-8").count("SIL Open Font License")


def test_html_holds_every_figure_of_the_document(reports):
    for r in reports.values():
        doc = html.render(r)
        assert doc.startswith("<!DOCTYPE html>") and "<script" not in doc
        for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận:",
                      "TM. ỦY BAN NHÂN DÂN", "Số: ……/BC-UBND"):
            assert words in doc
        for sec in content.sections(r):
            assert html_lib.escape(sec.heading) in doc
            for b in sec.blocks:
                if isinstance(b, content.Para):
                    assert html_lib.escape(b.text) in doc
                elif isinstance(b, content.Table):
                    for row in b.rows:
                        for cell in row:
                            assert html_lib.escape(cell) in doc, cell
        # the charts: one bar per level and year, in the palette's colours
        assert doc.count("<svg") == 3
        for level, color in r.colors.items():
            if level in r.level_order[:-1]:
                assert f'fill="{color}"' in doc


def test_pdf_and_html_state_the_same_level_counts(reports, pdf_text):
    r = reports["chung"]
    table = next(b for b in content.sections(r)[2].blocks if isinstance(b, content.Table))
    text = flat(" ".join(pdf_text[1]))
    for row in table.rows:
        assert " ".join(row[:3]) in text, row  # «Tốt 15 18,1 %» as a table row reads in the PDF
    assert all(html_lib.escape(c) in html.render(r) for row in table.rows for c in row)


def test_data_text_is_escaped_in_html(reports):
    r = reports["chung"]
    evil = replace(r, issuer_name="<script>alert(1)</script>")
    doc = html.render(evil)
    assert "<script>" not in doc and "&lt;script&gt;" in doc


def test_empty_scope_still_renders(sample_store, profiles):
    """A district of 2024 has no units in 2025: the report says so instead of failing."""
    r = annual.build(sample_store, access.SYSTEM, profiles["chung"], YEAR, area="991")
    assert r.summary["n_units"] == 0 and r.leading == [] and r.commendation["units"] == []
    reader = pypdf.PdfReader(io.BytesIO(pdf.render(r)))
    assert "Không có đơn vị nào" in "".join(p.extract_text() for p in reader.pages)
    assert "Không có đơn vị nào" in html.render(r)


# ---------------------------------------------------------------- the command

@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report-cli") / "tinh.duckdb"
    assert main(["init", "--db", str(path), "--sample"]) == 0
    return path


def test_cli_writes_the_pdf_and_the_html(db, tmp_path, capsys):
    out = tmp_path / "bao-cao.pdf"
    assert main(["report", "--db", str(db), "--year", "2025", "--framework", "chung", "--area", "99",
                 "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "(Phạm vi: Tỉnh Mẫu An Hòa (dữ liệu mẫu))" in text
    said = capsys.readouterr().out
    assert "Đã ghi báo cáo năm 2025 (Tỉnh Mẫu An Hòa (dữ liệu mẫu), bộ tiêu chí chung 2025.2, 83 đơn vị)" in said
    page = tmp_path / "bao-cao.html"
    assert main(["report", "--db", str(db), "--year", "2025", "--framework", "chung", "--out", str(page)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("args,message", [
    (["--year", "2025", "--framework", "chung", "--out", "x.docx"], "phải có đuôi .pdf hoặc .html"),
    (["--year", "2031", "--framework", "chung", "--out", "x.pdf"], "Chưa có số liệu năm 2031."),
    (["--year", "2025", "--framework", "khong-co", "--out", "x.pdf"], "Không có bộ tiêu chí «khong-co»"),
    (["--year", "2025", "--framework", "chung", "--area", "XX", "--out", "x.pdf"], "Không có đơn vị mã «XX»."),
])
def test_cli_errors_exit_1_with_a_message(db, tmp_path, capsys, args, message):
    args = [a if a not in ("x.pdf", "x.docx") else str(tmp_path / a) for a in args]
    assert main(["report", "--db", str(db), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- the page

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


def _login(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(access.DEMO_ACCOUNTS[username]["password"])
    at.form_submit_button[0].click().run()
    assert at.session_state["account"].username == username, [e.value for e in at.error]
    return at


def test_page_builds_the_report_and_offers_both_files(app_env, offered):
    at = _login("lanhdao.tinh")
    at.switch_page(f"{PAGE_DIR}/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Báo cáo năm"
    assert not at.get("download_button")  # built on a click only
    at.button(key="annual_report_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert {b.key for b in at.get("download_button")} == {"report_pdf", "report_html"}
    assert offered["report_pdf"][:4] == b"%PDF"
    assert offered["report_html"].startswith(b"<!DOCTYPE html>")
    store, filters, profile, user = at.session_state["_context"]
    want = annual.build(store, user, profile, filters.year, filters.area)
    got = at.session_state["_annual_report"][1]
    assert _golden_data(got) == _golden_data(want)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Đơn vị được đánh giá"] == str(want.summary["n_units"])
    assert metrics["Điểm bình quân"] == fmt_points(want.summary["mean_total"])
    assert [e.label for e in at.expander] == list(content.HEADINGS.values())
    from test_no_none import bad, shown_strings

    problems = [f"{where}: {bad(text)}" for where, text in shown_strings(at) if bad(text)]
    assert not problems, problems


def test_overview_compares_with_the_units_the_profile_evaluated_the_year_before(sample_store, profiles):
    """Tổng quan's change columns count last year's own units of the profile, as that year's own
    overview does (the other profile's territory left out)."""
    now = dashboard.overview(sample_store, profiles["chung"], Filters(YEAR), access.SYSTEM)
    before = dashboard.overview(sample_store, profiles["chung"], Filters(YEAR - 1), access.SYSTEM)
    assert dict(now.levels.select("level", "prev_count").iter_rows()) == dict(
        before.levels.select("level", "count").iter_rows())
    assert now.levels["prev_count"].sum() == before.n_rated
    assert now.mean_change == pytest.approx(now.mean_total - before.mean_total)
