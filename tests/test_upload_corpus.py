"""A corpus of bad files as districts really send them, each refused with exact messages and nothing stored.

Every file of tests/upload_corpus/ is a real file on disk in its own encoding and dialect (UTF-8 with
BOM, Windows-1258 with separate tone marks, ';' with decimal commas, UTF-16 "Unicode text", .xlsx,
a corrupt zip, a PDF, an old .xls, PNG bytes). expected.json maps each file name to the year, area
and account of the attempt and to the exact `str(problem)` ("place: message") of every problem, in
order. Optional keys: "env" (limits set for the attempt, so no big file is committed),
"approve_first" (a reviewer approves the area-year before the attempt) and "known_bug" (the message
is what the file deserves; the core does not give it yet: strict xfail, remove the key once fixed).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from conftest import STORE_KINDS, open_for_uploads, table_digest

from dcmetrics import config
from dcmetrics.cli import main
from dcmetrics.errors import ValidationError
from dcmetrics.ingest import commit as ingest
from dcmetrics.ingest.read import read_table
from dcmetrics.store import Store

CORPUS = Path(__file__).resolve().parent / "upload_corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def _param(name: str):
    bug = EXPECTED[name].get("known_bug")
    marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=bug)] if bug else []
    return pytest.param(name, id=name, marks=marks)


@pytest.fixture(scope="module", params=STORE_KINDS)
def corpus_store(request, module_store_factory):
    """The sample province, shared by the attempts (each one must leave it exactly as it was), on
    each store in turn; OPEN_FOR_TESTS reopened: the corpus is cut from 991's 2024 file, which the
    sample approved (locked)."""
    return module_store_factory(request.param, "sample_open")


def attempt(store: Store, name: str, monkeypatch) -> list[str]:
    """Upload one corpus file for real (not a dry run) as expected.json says; the problems as text.
    Asserts that the refused attempt left every table as it was."""
    case = EXPECTED[name]
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, value)
    if case.get("approve_first"):
        a = case["approve_first"]
        ingest.approve(store, a["user"], a["area"], a["year"])
    before = table_digest(store)
    with pytest.raises(ValidationError) as err:
        ingest.import_file(store, (CORPUS / name).read_bytes(), name, case["year"], case["user"],
                           area_code=case["area"], dry_run=False)
    assert table_digest(store) == before, f"{name}: a refused file changed stored data"
    assert str(err.value) == f"Tệp có {len(err.value.problems)} lỗi, chưa lưu dữ liệu nào."
    return [str(p) for p in err.value.problems]


# ---------------------------------------------------------------- the corpus itself

def test_corpus_and_expectations_match():
    files = {p.name for p in CORPUS.iterdir() if p.name != "expected.json"}
    assert files == set(EXPECTED), (files ^ set(EXPECTED))
    assert len(files) >= 30
    for name, case in EXPECTED.items():
        assert set(case) >= {"year", "area", "user", "problems"}, name
        assert case["problems"] and all(isinstance(p, str) and ": " in p for p in case["problems"]), name
        assert all(p == unicodedata.normalize("NFC", p) for p in case["problems"]), name
        assert (CORPUS / name).stat().st_size < 8_000, f"{name}: corpus files stay tiny"


def test_files_are_in_their_real_encoding_and_dialect():
    raw = {n: (CORPUS / n).read_bytes() for n in EXPECTED}
    win = raw["33-windows-1258-bad-cell.csv"]
    with pytest.raises(UnicodeDecodeError):
        win.decode("utf-8")
    text = win.decode("cp1258")
    assert text != unicodedata.normalize("NFC", text), "Windows-1258 text carries separate tone marks"
    assert "chưa thống kê" not in text and "chưa thống kê" in unicodedata.normalize("NFC", text)
    semi = raw["34-semicolon-bad-decimal.csv"].decode("utf-8-sig")
    assert semi.splitlines()[0].count(";") == 39 and ";66,7;" in semi
    utf16 = raw["35-excel-unicode-text-utf16.txt"]
    assert utf16.startswith(b"\xff\xfe") and b"\x00" in utf16
    assert utf16[2:].decode("utf-16-le").splitlines()[0].count("\t") == 39 and "\t112,5\t" in utf16.decode("utf-16")
    assert raw["24-report.pdf"].startswith(b"%PDF-")
    assert raw["25-old-excel.xls"].startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert raw["26-screenshot-named-as.csv"].startswith(b"\x89PNG\r\n\x1a\n")
    assert raw["41-bad-cells.xlsx"].startswith(b"PK\x03\x04") and raw["42-corrupt-zip.xlsx"].startswith(b"PK\x03\x04")
    assert raw["21-empty.csv"] == b"" and raw["22-bom-only.csv"].startswith(b"\xef\xbb\xbf")


def xlsx_bad_cells() -> bytes:
    """How 41-bad-cells.xlsx was made (xlsxwriter, numbers as numbers, as Excel stores them)."""
    import xlsxwriter

    from dcmetrics import framework
    from dcmetrics.ingest.template import template_columns

    _, _, indicators = framework.load_catalogue()
    tpl = {c.code: c.header for c in template_columns(indicators, config.UNIT_TYPES)}
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": datetime.datetime(2025, 12, 1)})
    ws = wb.add_worksheet("Số liệu")
    for j, h in enumerate(["ma_don_vi", "ten_don_vi", "nam", tpl["TRAIN_STAFF"], tpl["PROP_PLAN"], tpl["PROP_EVENTS"]]):
        ws.write_string(0, j, h)
    body = [["99001", "Phường Tây Thịnh", 2024, 150, "Có", 3], ["99002", "Phường Hưng Lâm", 2024, 87.5, "Chắc có", 4]]
    for i, r in enumerate(body, 1):
        for j, v in enumerate(r):
            (ws.write_number if isinstance(v, (int, float)) else ws.write_string)(i, j, v)
    wb.close()
    return buf.getvalue()


def workbook(sheets: list[tuple[str, list[list]]]) -> bytes:
    """A workbook of several sheets, as 43- and 44-*.xlsx were made (xlsxwriter, numbers as numbers)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    wb.set_properties({"created": datetime.datetime(2025, 12, 1)})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                (ws.write_number if isinstance(v, (int, float)) else ws.write_string)(i, j, v)
    wb.close()
    return buf.getvalue()


SHEET_HEADER = ["ma_don_vi", "ten_don_vi", "nam", "TRAIN_STAFF"]
TAY_THINH, HUNG_LAM = ["99001", "Phường Tây Thịnh", 2024, 70], ["99002", "Phường Hưng Lâm", 2024, 85.5]
SHEETS = {
    # the data sheet of the template left empty, the figures typed on a sheet of their own
    "43-data-on-another-sheet.xlsx": [("Số liệu", []), ("Trang tính1", [SHEET_HEADER, TAY_THINH, HUNG_LAM])],
    # half the units on a second sheet: reading only «Số liệu» would drop them
    "44-units-on-two-sheets.xlsx": [("Số liệu", [SHEET_HEADER, TAY_THINH]), ("Bổ sung", [SHEET_HEADER, HUNG_LAM])],
}


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_committed_workbooks_are_what_the_generator_builds(name):
    committed = (CORPUS / name).read_bytes()
    assert committed.startswith(b"PK\x03\x04")
    import fastexcel

    assert fastexcel.read_excel(committed).sheet_names == [n for n, _ in SHEETS[name]]
    assert fastexcel.read_excel(workbook(SHEETS[name])).sheet_names == [n for n, _ in SHEETS[name]]


def test_the_template_sheet_is_read_wherever_it_stands(corpus_store):
    """«Số liệu» read by its name even when it is not the first sheet; an empty first sheet is no problem."""
    content = workbook([("Trang trống", []), ("Ghi chú", [["Người lập: Nguyễn Văn A"]]),
                        ("Số liệu", [SHEET_HEADER, TAY_THINH, HUNG_LAM])])
    table = read_table(content)
    assert table.frame.drop("__row").rows() == [("99001", "Phường Tây Thịnh", "2024", "70"),
                                                ("99002", "Phường Hưng Lâm", "2024", "85.5")]
    assert table.frame["__row"].to_list() == ["2", "3"]
    res = ingest.import_file(corpus_store, content, "so-lieu.xlsx", 2024, "canbo.991", area_code="991", dry_run=True)
    got = res.observations.filter(pl.col("indicator") == "TRAIN_STAFF").sort("unit_code")
    assert got.select("unit_code", "value").rows() == [("99001", 70.0), ("99002", 85.5)]


def test_a_workbook_without_the_template_sheet_reads_its_first_sheet():
    table = read_table(workbook([("Sheet1", [SHEET_HEADER, TAY_THINH]), ("Sheet2", [["ghi chú"], ["không phải số liệu"]])]))
    assert table.frame["ma_don_vi"].to_list() == ["99001"]
    with pytest.raises(ValidationError) as err:
        read_table(workbook([("Sheet1", []), ("Sheet2", [SHEET_HEADER, TAY_THINH])]))
    assert [str(p) for p in err.value.problems] == [
        "tệp: Trang tính «Sheet1» không có dữ liệu, nhưng trang «Sheet2» có 2 dòng. Số liệu chỉ được đọc từ "
        "trang «Sheet1»: hãy chép số liệu sang trang đó (hoặc xóa trang trống) rồi gửi lại."]
    with pytest.raises(ValidationError) as err:
        read_table(workbook([("Sheet1", [])]))
    assert [str(p) for p in err.value.problems] == ["tệp: Trang tính «Sheet1» của tệp không có dữ liệu."]


def test_excel_unicode_text_is_read_as_tab_separated_utf16(corpus_store):
    """What Excel saves as «Văn bản Unicode»: UTF-16LE with BOM, tabs, decimal commas; also UTF-16BE."""
    text = (CORPUS / "35-excel-unicode-text-utf16.txt").read_bytes().decode("utf-16").replace("\t112,5\t", "\t12,5\t")
    for content in (b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be")):
        table = read_table(content)
        assert (table.kind, table.delimiter) == ("csv", "\t")
        assert table.encoding in ("utf-16-le", "utf-16-be")
        assert table.frame["ten_don_vi"].to_list() == ["Phường Tây Thịnh"]
        res = ingest.import_file(corpus_store, content, "991.txt", 2024, "canbo.991", area_code="991", dry_run=True)
        values = dict(res.observations.filter(pl.col("unit_code") == "99001").select("indicator", "value").rows())
        assert (values["TRAIN_VILLAGE"], values["TRAIN_STAFF"], values["QUAL_PROPAGANDA"]) == (12.5, 66.7, 1.75)


@pytest.mark.parametrize("size,limit,said", [
    (int(10.4 * 1048576), 10 * 1048576, "Tệp dung lượng 10,4 MB, vượt giới hạn 10 MB."),
    (10 * 1048576 + 30_000, 10 * 1048576, "Tệp dung lượng 10,03 MB, vượt giới hạn 10 MB."),
    (10 * 1048576 + 1, 10 * 1048576, "Tệp dung lượng 10.485.761 byte, vượt giới hạn 10.485.760 byte."),
    (int(25.75 * 1048576), int(2.5 * 1048576), "Tệp dung lượng 25,8 MB, vượt giới hạn 2,5 MB."),
    (600 * 1024, 512 * 1024, "Tệp dung lượng 600 KB, vượt giới hạn 512 KB."),
])
def test_size_limit_message_says_the_real_size_and_limit(monkeypatch, size, limit, said):
    monkeypatch.setenv("DCMETRICS_MAX_UPLOAD_MB", repr(limit / 1048576))
    assert config.max_upload_bytes() == limit
    with pytest.raises(ValidationError) as err:
        read_table(b"a" * size)
    assert [str(p) for p in err.value.problems] == [
        f"tệp: {said} Hãy chia tệp theo đơn vị hoặc liên hệ quản trị."]


def test_committed_xlsx_is_what_the_generator_builds():
    committed = read_table((CORPUS / "41-bad-cells.xlsx").read_bytes())
    assert committed.kind == "xlsx"
    assert committed.frame.equals(read_table(xlsx_bad_cells()).frame)
    # the corrupt one is the same workbook cut short
    assert xlsx_bad_cells()[:700] == (CORPUS / "42-corrupt-zip.xlsx").read_bytes()


def test_the_file_the_corpus_is_cut_from_is_accepted(corpus_store):
    """The corpus' csv files are cut from the district's real 2024 file (the last year with districts): untouched, it goes through."""
    good = (config.SAMPLE_DIR / "2024" / "991.csv").read_bytes()
    res = ingest.import_file(corpus_store, good, "991.csv", 2024, "canbo.991", area_code="991", dry_run=True)
    assert res.checked.n_units == 25 and not res.stored


# ---------------------------------------------------------------- every file: exact messages, nothing stored

@pytest.mark.parametrize("name", [_param(n) for n in EXPECTED if not EXPECTED[n].get("approve_first")])
def test_bad_file_is_refused_with_exact_messages(corpus_store, monkeypatch, name):
    assert attempt(corpus_store, name, monkeypatch) == EXPECTED[name]["problems"]


@pytest.mark.parametrize("name", [_param(n) for n in EXPECTED if EXPECTED[n].get("approve_first")])
def test_file_for_a_locked_area_year_is_refused(any_fresh_sample_store, monkeypatch, name):
    store = any_fresh_sample_store
    a = EXPECTED[name]["approve_first"]
    # the same file goes through before the approval (the lock is the only thing wrong with it)
    case = EXPECTED[name]
    assert ingest.check_file(store, (CORPUS / name).read_bytes(), name, case["year"], case["user"], case["area"])
    assert attempt(store, name, monkeypatch) == case["problems"]
    ingest.reopen(store, a["user"], a["area"], a["year"], "Đơn vị xin sửa số liệu")
    assert ingest.import_file(store, (CORPUS / name).read_bytes(), name, case["year"], case["user"],
                              area_code=case["area"]).stored


def test_windows_1258_message_is_nfc_vietnamese(corpus_store, monkeypatch):
    [message] = attempt(corpus_store, "33-windows-1258-bad-cell.csv", monkeypatch)
    assert message == unicodedata.normalize("NFC", message)
    assert "«chưa thống kê»" in message and "(TRAIN_BOARDS)" in message
    assert not any(unicodedata.combining(ch) for ch in message)


def test_limits_come_from_the_environment(corpus_store, monkeypatch):
    """The over-limit files pass those checks under the default limits."""
    for name in ("27-over-size-limit.csv", "28-over-row-limit.csv"):
        res = ingest.import_file(corpus_store, (CORPUS / name).read_bytes(), name, 2024, "canbo.991",
                                 area_code="991", dry_run=True)
        assert res.checked.n_rows == {"27-over-size-limit.csv": 25, "28-over-row-limit.csv": 5}[name]


# ---------------------------------------------------------------- `dcmetrics import`

CLI_CASES = ["04-text-in-number.csv", "12-duplicate-unit-row.csv", "24-report.pdf", "27-over-size-limit.csv",
             "31-merged-commune-2025.csv", "33-windows-1258-bad-cell.csv", "39-many-problems.csv",
             "41-bad-cells.xlsx"]


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli-corpus") / "tinh.duckdb"
    assert main(["init", "--db", str(path), "--sample"]) == 0
    s = Store(path)
    open_for_uploads(s)
    s.close()
    return path


def _file_digest(path: Path) -> dict:
    s = Store(path, create=False)
    try:
        return table_digest(s)
    finally:
        s.close()


def _cli_args(name: str, db: Path) -> list[str]:
    case = EXPECTED[name]
    return ["import", str(CORPUS / name), "--db", str(db), "--year", str(case["year"]), "--user", case["user"],
            "--area", case["area"]]


def _problem_lines(stderr: str) -> list[str]:
    """The '- problem (giá trị: «v»)' lines of the CLI, without the value."""
    out = []
    for line in stderr.splitlines():
        if line.startswith("- "):
            out.append(line[2:].split(" (giá trị: «")[0])
    return out


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_import_prints_the_same_messages_and_exits_2(cli_db, capsys, monkeypatch, name):
    case = EXPECTED[name]
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    before = _file_digest(cli_db)
    assert main(_cli_args(name, cli_db)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == f"Lỗi: Tệp có {len(case['problems'])} lỗi, chưa lưu dữ liệu nào."
    assert _problem_lines(err) == case["problems"]
    assert len(lines) == 1 + len(case["problems"]) and "Traceback" not in err
    assert _file_digest(cli_db) == before


def test_cli_exit_status_as_a_process(cli_db):
    """The real command line: exit status 2 and the Vietnamese messages on stderr, UTF-8."""
    name = "33-windows-1258-bad-cell.csv"
    proc = subprocess.run([sys.executable, "-m", "dcmetrics.cli", *_cli_args(name, cli_db)], capture_output=True, check=False,
                          cwd=config.ROOT, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 2, proc.stderr.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8")
    assert _problem_lines(err) == EXPECTED[name]["problems"] and "Traceback" not in err
    assert proc.stdout == b""
