"""The unit box's options (dcmetrics.display.chooser): all units up to ALL_UNITS, else a search."""

import polars as pl
import pytest

from dcmetrics.display import chooser
from dcmetrics.display.chooser import unit_options


def table(n: int) -> pl.DataFrame:
    names = ["Xã Đông Hưng", "Phường Hòa Bình", "Xã Tân Hòa"]
    return pl.DataFrame({"unit_code": [f"{i:05d}" for i in range(n)],
                         "unit_name": [f"{names[i % 3]} {i}" for i in range(n)]})


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(chooser, "ALL_UNITS", 10)
    monkeypatch.setattr(chooser, "MATCHES", 4)


@pytest.mark.parametrize("n, query, chosen, codes, searchable, matched", [
    (10, "", None, [f"{i:05d}" for i in range(10)], False, 10),        # at the limit: every unit
    (10, "dong", None, [f"{i:05d}" for i in range(10)], False, 10),    # no search below the limit
    (30, "", None, ["00000", "00001", "00002", "00003"], True, 30),    # the first MATCHES
    (30, "dong hung", None, ["00000", "00003", "00006", "00009"], True, 10),
    # diacritics and case ignored, every word must match, in the name or the code (00012 holds a 2)
    (30, "ĐÔNG  hưng 2", None, ["00012", "00021", "00024", "00027"], True, 4),
    (30, "00017", None, ["00017"], True, 1),                            # by code
    (30, "dong hung 2", "00005", ["00005", "00012", "00021", "00024", "00027"], True, 4),  # chosen kept, first
    (30, "dong hung 2", "00024", ["00012", "00021", "00024", "00027"], True, 4),  # chosen among the matches
    (30, "khong co", None, [], True, 0),
    (30, "khong co", "99999", [], True, 0),                             # an unknown chosen code is not invented
    # a multiple choice (the trends page's units, the lineage form's new units): every chosen unit
    # kept, in the table's order, before the matches; one already matched is not listed twice
    (30, "dong hung 2", ["00024", "00005", "00001"], ["00001", "00005", "00012", "00021", "00024", "00027"], True, 4),
    (30, "", ("00029",), ["00029", "00000", "00001", "00002", "00003"], True, 30),
    (30, "khong co", ["00007", "99999"], ["00007"], True, 0),
    (30, "", [], ["00000", "00001", "00002", "00003"], True, 30),
])
def test_unit_options(n, query, chosen, codes, searchable, matched):
    o = unit_options(table(n), query, chosen)
    assert (o.codes, o.searchable, o.matched, o.total) == (codes, searchable, matched, n)
    assert all(o.labels[c].endswith(f" ({c})") for c in o.codes)


@pytest.mark.parametrize("query, caption", [
    ("", "Có 30 đơn vị: ô chọn liệt kê 4 đơn vị đầu tiên; gõ tên hoặc mã vào ô tìm để thu hẹp."),
    ("dong hung", "Tìm thấy 10 trong 30 đơn vị, liệt kê 4 đơn vị đầu."),
    ("dong hung 2", "Tìm thấy 4 trong 30 đơn vị."),
    ("khong co", "Không có đơn vị nào khớp từ tìm kiếm trong 30 đơn vị."),
])
def test_caption(query, caption):
    assert unit_options(table(30), query).caption() == caption
    assert unit_options(table(5), query).caption() == ""


@pytest.mark.parametrize("query, codes", [
    ("SN00017", ["SN00017"]),      # a code with letters, typed as it is written
    ("sn00017", ["SN00017"]),      # or in lower case
    ("dv00", ["DV00020", "DV00021"]),
])
def test_codes_with_letters_are_found(query, codes):
    frame = pl.DataFrame({"unit_code": [f"SN{i:05d}" for i in range(20)] + ["DV00020", "DV00021"],
                          "unit_name": ["Ban Quản lý dự án An Hòa"] * 22})
    assert unit_options(frame, query).codes == codes
