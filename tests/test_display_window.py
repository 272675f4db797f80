"""The bounded window of a table's rows (dcmetrics.display.window): search, pages, formatting."""

from __future__ import annotations

import polars as pl
import pytest

from dcmetrics.display.window import POS, fold, formatted, window, window_text

UNITS = pl.DataFrame({
    "unit_name": ["Xã Đông Hưng", "Phường Ân Thi", "Xã Bình Minh", "Xã Dương Đông", None],
    "unit_code": ["10001", "10002", "20001", "20002", "30001"],
    "total": [85.5, 1234.5, None, 70.0, 12.25],
    "rank": [2, 1, None, 3, 4],
})


@pytest.mark.parametrize("text, folded", [
    ("Xã Đông Hưng", "xa dong hung"),
    ("  PHƯỜNG ÂN THI ", "phuong an thi"),
    ("Xa\u0303 \u0110o\u0302ng", "xa dong"),  # decomposed (NFD) input, as some keyboards send it
    ("đđĐ", "ddd"),
])
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("query, codes", [
    ("dong", ["10001", "20002"]),          # without diacritics, in the name
    ("ĐÔNG hưng", ["10001"]),              # every word must match
    ("an thi", ["10002"]),
    ("2000", ["20001", "20002"]),          # in the code
    ("", ["10001", "10002", "20001", "20002", "30001"]),
    ("khong co", []),
])
def test_search(query, codes):
    w = window(UNITS, query=query, columns=("unit_name", "unit_code"))
    assert w.rows["unit_code"].to_list() == codes
    assert w.matched == len(codes) and w.total == 5


def test_pages_positions_and_text():
    frame = pl.DataFrame({"unit_code": [f"{i:05d}" for i in range(1234)]})
    w = window(frame, page=3, size=500)
    assert (w.page, w.pages, w.first, w.last) == (3, 3, 1001, 1234)
    assert w.rows[POS].to_list() == list(range(1000, 1234))
    assert window_text(w, "đơn vị") == "Hiển thị 1.001–1.234 trong 1.234 đơn vị"
    assert window(frame, page=99, size=500).page == 3  # clamped
    assert window_text(window(frame, query="00001", columns=("unit_code",)), "đơn vị") == (
        "Hiển thị 1–1 trong 1 đơn vị (tìm thấy 1 trong 1.234)")
    assert window_text(window(frame, query="x", columns=("unit_code",)), "đơn vị") == (
        "Không có đơn vị nào khớp từ tìm kiếm trong 1.234 đơn vị.")


def test_sort_is_numeric_over_the_whole_table_nulls_last():
    w = window(UNITS, sort_by="total", descending=True, size=2)
    assert w.rows["unit_code"].to_list() == ["10002", "10001"]
    w = window(UNITS, sort_by="total", descending=True, size=2, page=3)
    assert w.rows["unit_code"].to_list() == ["20001"]  # the missing total comes last


def test_formatted():
    shown = formatted(UNITS, points=("total",))
    assert shown["total"].to_list() == ["85,50", "1.234,50", "–", "70,00", "12,25"]
    assert shown["rank"].dtype.is_integer()  # whole numbers stay numbers (sorted as numbers)
    assert shown["unit_name"].to_list()[-1] is None  # drawn with the placeholder «–»
    assert formatted(pl.DataFrame({"x": [0.5, 2.0]}), numbers=("x",))["x"].to_list() == ["0,5", "2"]
