"""The upload path (read → validate → commit) as the sample loader and `dcmetrics import` use it."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest
from conftest import STORE_KINDS, table_digest

from dcmetrics import config
from dcmetrics.errors import ValidationError
from dcmetrics.ingest.commit import import_file

SAMPLE = config.SAMPLE_DIR
GOOD = (SAMPLE / "2024" / "991.csv").read_bytes()


def edit(content: bytes, row: int, column: str, value: str) -> bytes:
    """The sample file with one cell changed (row = Excel row number, header is row 1)."""
    text = content.decode("utf-8-sig")
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def problems_of(store, content: bytes, year: int = 2024, area: str | None = "991") -> list[str]:
    before = table_digest(store)
    with pytest.raises(ValidationError) as err:
        import_file(store, content, "x.csv", year, "canbo.991", area_code=area)
    assert table_digest(store) == before, "a refused file changed stored data"
    return [f"{p}" + (f" [{p.value}]" if p.value is not None else "") for p in err.value.problems]


def test_sample_loaded_every_file_and_unit(any_sample_store):
    assert any_sample_store.rows("SELECT count(*) FROM submissions")[0][0] == 89  # 12 areas in 2023 and 2024 each; 65 in 2025 (new communes, two departments, the province)
    per_year = dict(any_sample_store.rows("SELECT year, count(DISTINCT unit_code) FROM observations GROUP BY year"))
    assert per_year == {2023: 283, 2024: 283, 2025: 132}  # two provinces' units, then one province of two tiers
    # a ratio keeps numerator and denominator; a yes/no is stored as 1/0 with the text as sent
    row = any_sample_store.rows("SELECT num, den, raw FROM observations WHERE unit_code = '99001' AND year = 2024 "
                            "AND indicator = 'RESP_COMPLAINTS'")[0]
    assert row == (9.0, 10.0, "9/10")
    assert any_sample_store.rows("SELECT value, raw FROM observations WHERE unit_code = '99001' AND year = 2024 "
                             "AND indicator = 'PROP_PLAN'")[0] == (1.0, "Có")


@pytest.mark.parametrize("column,value,message", [
    ("TRAIN_STAFF", "cao", "dòng 2, cột «TRAIN_STAFF»: «cao» không phải là số [cao]"),
    ("TRAIN_STAFF", "120", "dòng 2, cột «TRAIN_STAFF»: tỷ lệ phải từ 0 đến 100, đang là 120 [120]"),
    ("PROP_EVENTS", "-1", "dòng 2, cột «PROP_EVENTS»: số lượng phải là số nguyên từ 0 trở lên, đang là -1 [-1]"),
    ("PROP_EVENTS", "2.5", "dòng 2, cột «PROP_EVENTS»: số lượng phải là số nguyên từ 0 trở lên, đang là 2,5 [2.5]"),
    ("PROP_PLAN", "Chắc có",
     "dòng 2, cột «PROP_PLAN»: «Chắc có» không phải Có/Không; ghi «Có» hoặc «Không» (hoặc x/để trống, 1/0) [Chắc có]"),
    ("RESP_COMPLAINTS__TU", "11", "dòng 2, cột «RESP_COMPLAINTS__TU»: tử số 11 lớn hơn mẫu số 10 [11]"),
    ("QUAL_PROPAGANDA", "1.1", "dòng 2, cột «QUAL_PROPAGANDA»: điểm phải là bội số của 0,25, đang là 1,1 [1.1]"),
    ("QUAL_PROPAGANDA", "3", "dòng 2, cột «QUAL_PROPAGANDA»: điểm phải từ 0 đến 2, đang là 3 [3]"),
    ("nam", "2023", "dòng 2, cột «nam»: năm 2023 khác năm đang nhập số liệu 2024 [2023]"),
    ("ma_don_vi", "99999", "dòng 2, cột «ma_don_vi»: mã đơn vị «99999» không có trong danh mục đơn vị [99999]"),
    ("ma_don_vi", "99030", "dòng 2, cột «ma_don_vi»: đơn vị «99030» không thuộc địa bàn được phép gửi số liệu [99030]"),
    ("ma_don_vi", "99002", "dòng 3, cột «ma_don_vi»: đơn vị «99002» xuất hiện hai lần (dòng 2 và dòng 3) [99002]"),
    ("PROP_EVENTS", "1000000000000",
     "dòng 2, cột «PROP_EVENTS»: số quá lớn: phần mềm nhận số nhỏ hơn 1.000.000.000.000 [1000000000000]"),
    ("RESP_COMPLAINTS__MAU", "1e15",
     "dòng 2, cột «RESP_COMPLAINTS__MAU»: số quá lớn: phần mềm nhận số nhỏ hơn 1.000.000.000.000 [1e15]"),
])
def test_a_bad_cell_is_named_and_nothing_is_stored(any_fresh_sample_store, column, value, message):
    assert problems_of(any_fresh_sample_store, edit(GOOD, 2, column, value)) == [message]


def test_values_are_kept_at_six_decimals(any_fresh_sample_store):
    """A spreadsheet formula's 66.66666666666667 is kept as 66.666667 (half up), the text as sent."""
    import_file(any_fresh_sample_store, edit(GOOD, 2, "TRAIN_STAFF", "66.66666666666667"), "x.csv", 2024, "canbo.991",
                area_code="991")
    code = GOOD.decode("utf-8-sig").splitlines()[1].split(",")[0]
    assert any_fresh_sample_store.rows(
        "SELECT value, raw FROM observations o JOIN submissions s ON s.id = o.submission_id "
        "WHERE s.state = 'current' AND o.unit_code = $u AND o.year = 2024 AND o.indicator = 'TRAIN_STAFF'",
        {"u": code}) == [(66.666667, "66.66666666666667")]


@pytest.fixture(params=STORE_KINDS)
def loaded_store(request, store_factory):
    """The sample as loaded (2024 approved and locked), of the test's own, on each store."""
    return store_factory(request.param, "sample")


def test_whole_file_problems(loaded_store):
    store = loaded_store
    assert problems_of(store, b"") == ["tệp: Tệp «x.csv» rỗng, không có dòng dữ liệu nào. []"] or \
        problems_of(store, b"") == ["tệp: Tệp «x.csv» rỗng, không có dòng dữ liệu nào."]
    assert problems_of(store, b"%PDF-1.4 xxx") == [
        "tệp: Tệp «x.csv» là PDF, không phải bảng tính. Hãy gửi tệp .xlsx hoặc .csv theo mẫu."]
    header_only = GOOD.decode("utf-8-sig").splitlines()[0].encode()
    assert problems_of(store, header_only) == ["tệp: Tệp «x.csv» chỉ có dòng tiêu đề, không có dòng dữ liệu nào."]
    unknown = GOOD.decode("utf-8-sig").replace("TRAIN_STAFF,", "KHONG_CO,", 1).encode()
    assert problems_of(store, unknown) == [
        "dòng 1, cột «KHONG_CO»: cột không khớp mã hay tên chỉ tiêu nào trong danh mục [KHONG_CO]"]
    no_unit = GOOD.decode("utf-8-sig").replace("ma_don_vi,", "ma,", 1).encode()
    assert "dòng 1: thiếu cột bắt buộc «ma_don_vi» (mã đơn vị)" in problems_of(store, no_unit)


def to_cp1258(text: str) -> bytes:
    """Encode as Vietnamese Windows does: letters with a tone mark become base letter + combining tone."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            # the vowel shape (â, ă, ơ ...) stays precomposed, the tone is a combining mark after it
            parts = unicodedata.normalize("NFD", ch)
            shape = "".join(m for m in parts[1:] if m in "\u0302\u0306\u031b")
            tones = "".join(m for m in parts[1:] if m not in "\u0302\u0306\u031b")
            out += (unicodedata.normalize("NFC", parts[0] + shape) + tones).encode("cp1258")
    return bytes(out)


def test_semicolon_decimal_comma_and_windows_1258(any_fresh_sample_store):
    store = any_fresh_sample_store
    text = GOOD.decode("utf-8-sig")
    semicolon = "\n".join(",".join(line.split(",")).replace(",", ";") for line in text.splitlines())
    semicolon = semicolon.replace(";83.3;", ";83,3;", 1)
    raw = to_cp1258(semicolon)
    assert "Phường Tây Thịnh".encode("utf-8") not in raw  # really not UTF-8
    res = import_file(store, raw, "991-win.csv", 2024, "canbo.991", area_code="991", dry_run=True)
    obs = res.observations.filter((pl.col("unit_code") == "99001") & (pl.col("indicator") == "TRAIN_STAFF"))
    assert obs["value"].to_list() == [83.3]


def test_replace_and_identical_reupload(any_fresh_sample_store):
    store = any_fresh_sample_store
    changed = edit(GOOD, 2, "TRAIN_STAFF", "50")
    first = import_file(store, changed, "991-sua.csv", 2024, "canbo.991", area_code="991")
    assert first.stored and "Đã lưu số liệu của 25 đơn vị" in first.message
    states = store.rows("SELECT state, count(*) FROM submissions WHERE area_code = '991' AND year = 2024 "
                        "GROUP BY state ORDER BY state")
    assert states == [("current", 1), ("replaced", 1)]
    assert store.rows("SELECT o.value FROM observations o JOIN submissions s ON s.id = o.submission_id "
                      "WHERE s.state = 'current' AND o.unit_code = '99001' AND o.year = 2024 "
                      "AND o.indicator = 'TRAIN_STAFF'") == [(50.0,)]
    version = store.data_version()
    again = import_file(store, changed, "991-sua.csv", 2024, "canbo.991", area_code="991")
    assert again.unchanged and not again.stored
    assert store.data_version() == version
    assert "giống hệt tệp đang dùng" in again.message


def test_dry_run_stores_nothing(any_fresh_sample_store):
    before = table_digest(any_fresh_sample_store)
    res = import_file(any_fresh_sample_store, edit(GOOD, 2, "TRAIN_STAFF", "10"), "x.csv", 2024, "canbo.991",
                      area_code="991", dry_run=True)
    assert not res.stored and "Chưa lưu (chạy thử)" in res.message
    assert table_digest(any_fresh_sample_store) == before


def test_area_is_inferred_from_the_units_of_the_file(any_fresh_sample_store):
    res = import_file(any_fresh_sample_store, edit(GOOD, 2, "TRAIN_STAFF", "10"), "x.csv", 2024, "canbo.991")
    assert res.area_code == "991"


@pytest.mark.parametrize(("length", "shown"), [(40_000, "40.000"), (200_000, "200.000")])
def test_a_cell_longer_than_excel_allows_is_named_not_a_crash(any_sample_store, length, shown):
    """A cell over 128 KiB used to raise the csv module's own error; any over Excel's 32.767
    characters is refused with its row and column, and nothing is stored."""
    content = ("ma_don_vi,ten_don_vi,nam,TRAIN_STAFF\n"
               f"99001,Phường Tây Thịnh,2024,{'9' * length}\n").encode("utf-8")
    assert problems_of(any_sample_store, content) == [
        f"dòng 2, cột «TRAIN_STAFF»: ô dài {shown} ký tự, quá giới hạn 32.767 ký tự của một ô (giới hạn của Excel); "
        "tệp số liệu không có ô dài như vậy"]
