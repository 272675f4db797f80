"""Hostile uploads: each is refused before any parser sees it, with its exact message, and the store
is left exactly as it was. The files are built here (dcmetrics/ingest/hostile.py), under the default
limits: a 2,6 MB workbook inflating to 1 GB, a sheet lying about its size, a cell at XFD1048576
(1,5 KB that made calamine ask for 512 GB and abort the process), too many parts, rows, columns,
sheets, a Word file or a plain zip named .xlsx, a cut-off zip, CSV files over the limits. The
costs (time, memory) are measured by `python -m dcmetrics.bench --hostile`, never here."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from conftest import STORE_KINDS, table_digest

from dcmetrics.errors import ValidationError
from dcmetrics.ingest import commit as ingest
from dcmetrics.ingest import guard, hostile
from dcmetrics.ingest.hostile import HEADER_ROW, Part, cells_xml, xlsx
from dcmetrics.ingest.read import read_table

GOOD_ROWS = [HEADER_ROW, [("A2", "99001"), ("B2", "Phường Tây Thịnh"), ("C2", "2024"), ("D2", "70")]]
GOOD = cells_xml(GOOD_ROWS)
AGAIN = "Hãy lưu lại tệp chỉ với số liệu cần gửi."


@pytest.fixture(scope="module", params=STORE_KINDS)
def store(request, module_store_factory):
    """The sample, shared by the module (every attempt must leave it as it was), on each store in turn."""
    return module_store_factory(request.param, "sample")


def _lie(real: bytes, declared: int) -> bytes:
    return xlsx([("Số liệu", Part("", real, declared_size=declared))])


def _same_part(n: int) -> bytes:
    """n sheets of the workbook all pointing at one part of 10.000 rows: calamine reads it n times."""
    parts = hostile.workbook_parts([(f"Trang {i}", hostile.rows_sheet(10_000, 37)) for i in range(1, n + 1)])
    rels = parts[3]
    rels.data = re.sub(rb"worksheets/sheet\d+\.xml", b"worksheets/sheet1.xml", rels.data)
    return hostile.zip_bytes(parts[:5])


def _docx() -> bytes:
    return hostile.zip_bytes([Part("[Content_Types].xml", b"<Types/>"), Part("word/document.xml", b"<w:document/>")])


def _plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("so-lieu.csv", (2025, 12, 1, 0, 0, 0)), "ma_don_vi,nam\n99001,2024\n")
    return buf.getvalue()


def _flip(content: bytes, part: str) -> bytes:
    """One byte of a part's compressed data changed: the checksum no longer matches."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(part)
    at = guard._data_offset(content, info) + info.compress_size // 2
    return content[:at] + bytes([content[at] ^ 0x55]) + content[at + 1:]


def _encrypted() -> bytes:
    parts = hostile.workbook_parts([("Số liệu", GOOD)])
    parts[-1].flags = 0x1
    return hostile.zip_bytes(parts)


CASES = {
    "bom-1gb.xlsx": (lambda: hostile.build("bom-1gb.xlsx"),
                     f"Tệp «bom-1gb.xlsx» khi giải nén sẽ lớn 1.024 MB, vượt giới hạn 100 MB của một bảng tính "
                     f"(tệp bị nén bất thường). {AGAIN}"),
    "bom-declared-4kb.xlsx": (lambda: hostile.build("bom-empty-cells.xlsx"),
                              "Tệp «bom-declared-4kb.xlsx» khi giải nén lớn hơn 100 MB, vượt giới hạn của một bảng "
                              f"tính (tệp bị nén bất thường). {AGAIN}"),
    "rows-declared-4kb.xlsx": (lambda: hostile.build("bom-declared-small.xlsx"),
                               "Tệp «rows-declared-4kb.xlsx», trang «Số liệu»: có hơn 20.000 dòng, vượt giới hạn "
                               "20.000 dòng."),
    "declared-larger.xlsx": (lambda: _lie(GOOD, 50_000),
                             "Tệp «declared-larger.xlsx» không đọc được: phần «xl/worksheets/sheet1.xml» bị hỏng hoặc "
                             "khai sai kích thước (tệp hỏng hoặc bị sửa có chủ ý)."),
    "ratio-335.xlsx": (lambda: hostile.build("rows-1m.xlsx"),
                       "Tệp «ratio-335.xlsx» có phần «xl/worksheets/sheet1.xml» nén bất thường (giải nén lớn gấp 335 "
                       "lần, bảng tính thật không quá 100 lần)."),
    "rows-30000.xlsx": (lambda: xlsx([("Số liệu", hostile.rows_sheet(30_000))]),
                        "Tệp «rows-30000.xlsx», trang «Số liệu»: có hơn 20.000 dòng, vượt giới hạn 20.000 dòng."),
    "cell-at-XFD1048576.xlsx": (lambda: hostile.build("cell-at-XFD1048576.xlsx"),
                                "Tệp «cell-at-XFD1048576.xlsx», trang «Số liệu»: có dữ liệu ở cột XFD (cột thứ "
                                "16.384), vượt giới hạn 500 cột."),
    "columns-16384.xlsx": (lambda: hostile.build("columns-16384.xlsx"),
                           "Tệp «columns-16384.xlsx», trang «Số liệu»: có dữ liệu ở cột XFD (cột thứ 16.384), vượt "
                           "giới hạn 500 cột."),
    "grid-ND10000.xlsx": (lambda: hostile.build("grid-ND10000.xlsx"),
                          "Tệp «grid-ND10000.xlsx», trang «Số liệu»: vùng dữ liệu đến ô ND10000 (10.000 dòng × 368 "
                          "cột) vượt giới hạn 2.000.000 ô của một tệp. Hãy xóa các dòng, cột thừa (kể cả ô ở xa chỉ "
                          "có dấu cách) rồi gửi lại."),
    "second-sheet-far.xlsx": (lambda: xlsx([("Số liệu", hostile.rows_sheet(10_000, 37)),
                                            ("Ghi chú", cells_xml([[("A1", "x")], [("HZ8000", "y")]]))]),
                              "Tệp «second-sheet-far.xlsx», trang «Ghi chú»: vùng dữ liệu đến ô HZ8000 (8.000 dòng "
                              "× 234 cột) cộng với các trang trước vượt giới hạn 2.000.000 ô của một tệp. Hãy xóa các "
                              "dòng, cột thừa (kể cả ô ở xa chỉ có dấu cách) rồi gửi lại."),
    "one-part-30-sheets.xlsx": (lambda: _same_part(30),
                                "Tệp «one-part-30-sheets.xlsx», trang «Trang 1»: vùng dữ liệu đến ô AK2192 (2.192 dòng "
                                "× 37 cột), đọc 30 lần vì 30 trang tính cùng dùng một phần của tệp, vượt giới hạn 2.000.000 ô của một tệp. Hãy xóa các dòng, cột thừa (kể "
                                "cả ô ở xa chỉ có dấu cách) rồi gửi lại."),
    "entries-5000.xlsx": (lambda: hostile.build("entries-5000.xlsx"),
                          "Tệp «entries-5000.xlsx» chứa 5.005 tệp con, vượt giới hạn 500 tệp con: không phải một "
                          "bảng tính thông thường."),
    "sheets-200.xlsx": (lambda: hostile.build("sheets-200.xlsx"),
                        "Tệp «sheets-200.xlsx» có 200 trang tính, vượt giới hạn 30 trang. Hãy xóa các trang không "
                        "dùng rồi gửi lại."),
    "bao-cao.xlsx": (_docx, "Tệp «bao-cao.xlsx» là tài liệu Word (.docx), không phải bảng tính. Hãy gửi tệp .xlsx "
                            "hoặc .csv theo mẫu."),
    "nen.xlsx": (_plain_zip, "Tệp «nen.xlsx» là tệp nén (.zip), không phải bảng tính .xlsx. Hãy gửi tệp .xlsx hoặc "
                             ".csv theo mẫu."),
    "cut.xlsx": (lambda: xlsx([("Số liệu", GOOD)])[:-40],
                 "Tệp «cut.xlsx» không đọc được: tệp bảng tính (.xlsx) bị hỏng hoặc bị cắt cụt. Hãy mở tệp bằng Excel, "
                 "lưu lại rồi gửi lại."),
    "flipped.xlsx": (lambda: _flip(xlsx([("Số liệu", hostile.rows_sheet(50))]), "xl/worksheets/sheet1.xml"),
                     "Tệp «flipped.xlsx» không đọc được: phần «xl/worksheets/sheet1.xml» bị hỏng hoặc khai sai kích "
                     "thước (tệp hỏng hoặc bị sửa có chủ ý)."),
    "parent-path.xlsx": (lambda: xlsx([("Số liệu", GOOD)], [Part("../../etc/cron.d/x", b"* * * * * x")]),
                         "Tệp «parent-path.xlsx» chứa một tệp con có tên bất thường, không phải bảng tính hợp lệ."),
    "twice.xlsx": (lambda: xlsx([("Số liệu", GOOD)], [Part("xl/worksheets/sheet1.xml", hostile.rows_sheet(30_000))]),
                   "Tệp «twice.xlsx» chứa hai tệp con cùng tên «xl/worksheets/sheet1.xml», không phải bảng tính hợp "
                   "lệ."),
    "locked.xlsx": (_encrypted, "Tệp «locked.xlsx» có phần được đặt mật khẩu (mã hóa), không đọc được. Hãy gỡ mật khẩu "
                                "rồi gửi lại."),
    "csv-rows-600000.csv": (lambda: hostile.build("csv-rows-1m.csv"),
                            "Tệp «csv-rows-600000.csv» có hơn 20.000 dòng, vượt giới hạn 20.000 dòng."),
    "csv-cells.csv": (lambda: hostile.build("csv-cells.csv"),
                      "Tệp «csv-cells.csv»: 20.000 dòng × 200 cột, vượt giới hạn 2.000.000 ô của một tệp. Hãy chia "
                      "tệp theo đơn vị rồi gửi lại."),
    "csv-blank-lines.csv": (lambda: hostile.build("csv-blank-lines.csv"),
                            "Tệp «csv-blank-lines.csv» có hơn 50.000 dòng kể cả dòng trống, vượt giới hạn 20.000 dòng "
                            "số liệu. Hãy xóa các dòng trống thừa rồi gửi lại."),
    "csv-columns.csv": (lambda: (",".join(f"c{j}" for j in range(600)) + "\n" + "1," * 599 + "1\n").encode(),
                        "Tệp «csv-columns.csv»: dòng tiêu đề có 600 cột, vượt giới hạn 500 cột."),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_refused_with_its_message_and_nothing_stored(store, name):
    build, message = CASES[name]
    content = build()
    assert len(content) <= 10 * 1048576, "every case passes the byte size check: the guard must stop it"
    before = table_digest(store)
    with pytest.raises(ValidationError) as err:
        ingest.import_file(store, content, name, 2024, "canbo.991", area_code="991", dry_run=False)
    assert [str(p) for p in err.value.problems] == [f"tệp: {message}"]
    assert table_digest(store) == before


def test_the_1gb_bomb_is_small_and_declares_its_size():
    content = hostile.build("bom-1gb.xlsx")
    assert len(content) < 3 * 1048576
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 10 ** 9 and info.file_size / info.compress_size > 300


def test_unit_list_upload_goes_through_the_same_guard(store):
    from dcmetrics import access
    from dcmetrics.unit_list import import_unit_list

    before = table_digest(store)
    with pytest.raises(ValidationError) as err:
        import_unit_list(store, access.SYSTEM, hostile.build("cell-at-XFD1048576.xlsx"), "don-vi.xlsx", commit=True)
    assert [str(p) for p in err.value.problems] == [
        "tệp: Tệp «don-vi.xlsx», trang «Số liệu»: có dữ liệu ở cột XFD (cột thứ 16.384), vượt giới hạn 500 cột."]
    assert table_digest(store) == before


def test_cli_import_refuses_an_oversized_file_from_its_size(tmp_path, capsys):
    from dcmetrics.cli import main

    db = tmp_path / "t.duckdb"
    assert main(["init", "--db", str(db)]) == 0
    big = tmp_path / "lon.csv"
    with big.open("wb") as fh:
        fh.truncate(3 * 1024 ** 3)  # 3 GB, sparse on disk: reading it whole would fill the memory
    capsys.readouterr()
    assert main(["import", str(big), "--db", str(db), "--year", "2024", "--user", "x", "--area", "991"]) == 2
    err = capsys.readouterr().err
    assert "- tệp: Tệp «lon.csv» dung lượng 3.072 MB, vượt giới hạn 10 MB. Hãy chia tệp theo đơn vị hoặc liên hệ quản trị." \
        in err.splitlines()


# ---------------------------------------------------------------- the guard measures what calamine reads

@pytest.mark.parametrize("sheet,extent,from_a1", [
    # every cell with its address (the fast path)
    (hostile.rows_sheet(3, 5), (4, 4, 5, 20), True),
    # no addresses at all: each cell after the previous one, each row after the previous one
    (hostile.SHEET_HEAD + b"<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>" + hostile.SHEET_TAIL,
     (2, 2, 2, 3), True),
    # an empty styled cell far away makes no grid; a filled one does
    (cells_xml([[("A1", "a")]])[:-len(hostile.SHEET_TAIL)] + b'<row r="900"><c r="ZZ900" s="1"/></row>'
     + hostile.SHEET_TAIL, (1, 1, 1, 1), True),
    (cells_xml([[("A1", "a")], [("C7", "b")]]), (2, 7, 3, 2), True),
    # a prefixed namespace, as some writers do (the slow path)
    (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
     b'<x:row r="2"><x:c r="B2"><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>',
     (1, 2, 3, 2), False),
])
def test_sheet_extent_is_the_grid_fastexcel_builds(sheet, extent, from_a1):
    import fastexcel

    content = xlsx([("Số liệu", sheet)])
    [got] = guard.check_xlsx(content, "x.xlsx")
    assert (got.rows, got.last_row, got.last_col, got.cells) == extent
    loaded = fastexcel.read_excel(content).load_sheet(0, header_row=None, dtypes="string")
    if from_a1:
        assert (loaded.height, loaded.width) == (got.last_row, got.last_col)
    else:
        assert loaded.height <= got.last_row and loaded.width <= got.last_col


def test_a_real_workbook_passes_the_guard():
    """The template filled for many units, several sheets, written by xlsxwriter as Excel does."""
    from test_upload_corpus import SHEET_HEADER, workbook

    rows = [SHEET_HEADER] + [[f"99{i:03d}", f"Đơn vị {i}", 2024, i % 100] for i in range(1, 3001)]
    content = workbook([("Giải thích", [["Hướng dẫn"]]), ("Số liệu", rows)])
    extents = guard.check_xlsx(content, "so-lieu.xlsx")
    assert [(e.name, e.rows, e.last_row, e.last_col) for e in extents] == [
        ("Giải thích", 1, 1, 1), ("Số liệu", 3001, 3001, 4)]
    assert read_table(content, "so-lieu.xlsx").frame.height == 3000


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DCMETRICS_MAX_UNPACKED_MB", "0.01")
    monkeypatch.setenv("DCMETRICS_MAX_UPLOAD_CELLS", "7")
    lim = guard.limits()
    assert (lim.max_unpacked, lim.max_cells) == (10485, 7)
    with pytest.raises(ValidationError) as err:
        read_table(xlsx([("Số liệu", hostile.rows_sheet(3))]), "nho.xlsx")
    assert [str(p) for p in err.value.problems] == [
        "tệp: Tệp «nho.xlsx», trang «Số liệu»: vùng dữ liệu đến ô D4 (4 dòng × 4 cột) vượt giới hạn 7 ô của một "
        "tệp. Hãy xóa các dòng, cột thừa (kể cả ô ở xa chỉ có dấu cách) rồi gửi lại."]


@pytest.mark.parametrize("name,build", [
    ("46-cell-at-XFD1048576.xlsx", lambda: hostile.build("cell-at-XFD1048576.xlsx")),
    ("47-word-named-xlsx.xlsx", _docx), ("48-zip-named-xlsx.xlsx", _plain_zip)])
def test_corpus_copies_are_what_the_builders_make(name, build):
    """The small hostile files also stand in tests/upload_corpus/ (the CLI and the pages' tests use it)."""
    from test_upload_corpus import CORPUS

    assert (CORPUS / name).read_bytes() == build()
