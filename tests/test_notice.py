"""The result notice of one unit and year (issue 15): its numbers, what the level means under
the profile's criterion, the reasons, the note on defaults; readable only by who may read the unit."""

from __future__ import annotations

import html

import polars as pl
import pytest

from dcmetrics import access
from dcmetrics.dashboard import Filters, ranking, unit_detail
from dcmetrics.errors import AccessDenied
from dcmetrics.fmt import fmt_points
from dcmetrics.notice import heading, result_notice_html


def test_notice_of_a_commune_holds_its_result_and_its_meaning(sample_store, profiles):
    chung = profiles["chung"]
    f = Filters(2024)
    officer = access.get_account(sample_store, "canbo.991")
    code = ranking(sample_store, chung, f, officer).filter(pl.col("rated"))["unit_code"][0]
    d = unit_detail(sample_store, chung, code, f, officer)
    u, v = d.unit, d.version
    doc = result_notice_html(sample_store, chung, code, f, officer)
    assert doc.startswith("<!DOCTYPE html>") and heading(2024) in doc
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in doc and "THỦ TRƯỞNG CƠ QUAN ĐÁNH GIÁ" in doc
    assert html.escape(u["unit_name"]) in doc and f"(mã {u['unit_code']})" in doc
    assert f"{fmt_points(u['total'])} / 100" in doc and html.escape(u["level"]) in doc
    _, meaning = v.classification_note(u["unit_type"], u["classification_cap"])
    assert html.escape(meaning, quote=True) in doc
    assert "là một trong những căn cứ, không phải trần bắt buộc" in doc
    assert html.escape(v.defaults_note(), quote=True) in doc
    for g in d.groups.iter_rows(named=True):
        assert f'<td class="num">{fmt_points(g["points"])}</td>' in doc


def test_another_area_s_officer_cannot_print_it(sample_store, profiles):
    other = access.get_account(sample_store, "canbo.992")
    with pytest.raises(AccessDenied):
        result_notice_html(sample_store, profiles["chung"], "99001", Filters(2024), other)
