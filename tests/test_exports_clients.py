"""Exports that open right in real spreadsheets (issue 18): every xlsx opened by LibreOffice
headless without failing, printed to PDF (A4, landscape where wide, few pages), its values read
back equal to the stored ones, row heights written for wrapped text; the «Excel tiếng Việt» CSV
opened under a vi-VN profile reads 12,48 as a number; the standard CSV parsed by Polars equals the
values shown; codes that lost their leading zeros in a spreadsheet are matched on upload."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import polars as pl
import pytest

from dcmetrics import access, exports, framework, proposal
from dcmetrics.dashboard import Filters, ranking
from dcmetrics.errors import Problem, ValidationError
from dcmetrics.ingest import codes
from dcmetrics.ingest.read import read_table
from dcmetrics.ingest.validate import validate
from dcmetrics.reports import csv_dialects, sheets
from dcmetrics.reports import ranking_export

GOLDEN = Path(__file__).parent / "golden"
YEAR = 2025
SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed here; "
                                                           "CI installs it (scripts/install.sh test)")
VI_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>vi-VN</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>vi-VN</value></prop></item>
</oor:items>
"""


# --- LibreOffice headless ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    """convert(files, to, infilter=None) -> output paths: LibreOffice Calc headless with a
    profile of its own whose locale is vi-VN (as a Vietnamese office's LibreOffice is set up)."""
    root = tmp_path_factory.mktemp("libreoffice")
    (root / "profile" / "user").mkdir(parents=True)
    (root / "profile" / "user" / "registrymodifications.xcu").write_text(VI_PROFILE, encoding="utf-8")
    (root / "home").mkdir()

    def convert(files: list[Path], to: str, infilter: str | None = None) -> list[Path]:
        out = root / "out"
        out.mkdir(exist_ok=True)
        cmd = [SOFFICE, f"-env:UserInstallation={(root / 'profile').as_uri()}", "--headless", "--norestore",
               *([f"--infilter={infilter}"] if infilter else []), "--convert-to", to, "--outdir", str(out),
               *map(str, files)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                              env={"HOME": str(root / "home"), "PATH": "/usr/bin:/bin", "LANG": "vi_VN.UTF-8"})
        ext = to.split(":")[0]
        paths = [out / f"{Path(f).stem}.{ext}" for f in files]
        missing = [p.name for p in paths if not p.exists()]
        assert not missing, f"LibreOffice did not write {missing}: {done.stdout} {done.stderr}"
        assert "Error" not in done.stderr, done.stderr
        return paths

    return convert


def widths_of(sheet_xml: str) -> list[float]:
    """Each column's width as given to xlsxwriter (it writes w + 0.71), ranges expanded."""
    out = []
    for lo, hi, w in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', sheet_xml):
        out += [round(float(w) - 0.71, 2)] * (int(hi) - int(lo) + 1)
    return out


def read_back(path: Path, sheet: int = 0, header_row: int = 0) -> pl.DataFrame:
    import fastexcel

    return fastexcel.read_excel(str(path)).load_sheet(sheet, header_row=header_row).to_polars()


def pdf_pages(path: Path):
    from pypdf import PdfReader

    return PdfReader(str(path)).pages


def row_heights(data: bytes, sheet: int = 1) -> dict[int, float]:
    """1-based row -> height (pt) written in the sheet's XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read(f"xl/worksheets/sheet{sheet}.xml").decode("utf-8")
    out = {}
    for row in re.finditer(r"<row [^>]*>", xml):
        r, ht = re.search(r'\br="(\d+)"', row.group(0)), re.search(r'\bht="([\d.]+)"', row.group(0))
        if r and ht:
            out[int(r.group(1))] = float(ht.group(1))
    return out


# --- the sample's exports ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def leader(sample_store):
    return access.get_account(sample_store, "lanhdao.tinh")


@pytest.fixture(scope="module")
def ranked(sample_store, leader):
    profile = framework.load_profiles()["chung"]
    table = ranking(sample_store, profile, Filters(YEAR), leader)
    other = ranking(sample_store, profile, Filters(YEAR, basis="self"), leader)
    return profile.in_force(YEAR), table, other


@pytest.fixture(scope="module")
def ranking_files(ranked, sample_store):
    version, table, other = ranked
    scope = ranking_export.scope_text(sample_store, None, None)
    xlsx, vi = ranking_export.ranking_files(table, other, version, YEAR, "appraised", scope, "vi")
    _, std = ranking_export.ranking_files(table, other, version, YEAR, "appraised", scope, "std")
    return xlsx, vi, std


def test_ranking_export_speaks_vietnamese(ranking_files, ranked):
    version, table, _ = ranked
    xlsx, vi, std = ranking_files
    frame = pl.read_excel(io.BytesIO(xlsx), sheet_name=ranking_export.SHEET, has_header=False)
    assert frame.row(0)[0] == f"XẾP HẠNG ĐƠN VỊ THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM {YEAR}"
    block = [frame.row(i)[0] for i in range(1, 6)]
    assert block[0] == f"Bộ tiêu chí: {version.title} (mã {version.id}, phiên bản {version.version})."
    assert block[1] == f"Năm đánh giá {YEAR}; cơ sở tính: điểm sau thẩm định; phạm vi: toàn bộ đơn vị."
    assert block[4].startswith("Ngày xuất: ")
    body = pl.read_excel(io.BytesIO(xlsx), sheet_name=ranking_export.SHEET, read_options={"header_row": 7})
    assert body.columns[:3] == ["Hạng", "Mã đơn vị", "Đơn vị"] and "Tổng điểm (tự chấm)" in body.columns
    text = " ".join(str(v) for col in body.iter_columns() for v in col.to_list())
    for raw in ("commune", "appraised", "true", "false", "agency", "enterprise"):
        assert not re.search(rf"\b{raw}\b", text), raw
    assert set(body["Đủ số liệu"].drop_nulls()) <= {"Có", "Không"}
    assert "Xã, phường, thị trấn, đặc khu" in set(body["Loại"])
    assert body["Tổng điểm"].dtype == pl.Float64
    assert body["Mã đơn vị"].to_list() == table["unit_code"].to_list()
    assert body["Tổng điểm"].to_list() == table["total"].to_list()
    # number formats as the page shows them: points 0.00, ranks #,##0
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        styles, ws = z.read("xl/styles.xml").decode(), z.read("xl/worksheets/sheet1.xml").decode()
    assert 'formatCode="0.00"' in styles and 'formatCode="#,##0"' in styles
    # print setup: A4 landscape in three bands one page wide (not 26 columns shrunk to one page):
    # A-H the ranking, I-P ranks and changes, Q-Z the groups; hạng, mã, đơn vị (A:C) and the
    # header (row 8) on every page, frozen on screen; the scale at which the widest band fits
    assert 'paperSize="9"' in ws and 'orientation="landscape"' in ws and "fitToPage" not in ws
    scale = int(re.search(r'<pageSetup [^>]*scale="(\d+)"', ws).group(1))
    assert scale == sheets.band_scale(widths_of(ws), 3, (8, 16)) and 80 <= scale <= 100
    assert '<brk id="8" max="1048575" man="1"/><brk id="16" max="1048575" man="1"/>' in ws
    assert '<pane xSplit="3" ySplit="8" topLeftCell="D9" activePane="bottomRight" state="frozen"/>' in ws
    assert "<oddFooter>&amp;CTrang &amp;P/&amp;N</oddFooter>" in ws
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        names = dict(re.findall(r'<definedName name="([^"]+)" localSheetId="0">([^<]+)<', z.read("xl/workbook.xml").decode()))
    last = 8 + table.height
    assert names["_xlnm.Print_Titles"] == "'Xếp hạng'!$A:$C,'Xếp hạng'!$8:$8"
    assert names["_xlnm.Print_Area"] == (f"'Xếp hạng'!$A$1:$H${last},'Xếp hạng'!$I$8:$P${last},"
                                         f"'Xếp hạng'!$Q$8:$Z${last}")
    assert ranking_export.PRINT_NOTE in pl.read_excel(io.BytesIO(xlsx), sheet_name="Ghi chú", has_header=False)[:, 0]
    # widths measured and capped: no column of the old fixed 16, names get room, no column wider than the cap
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', ws)]
    assert max(widths) <= sheets.TEXT_CAP + 1 and len(set(widths)) > 3


def test_csv_dialects_carry_the_page_s_precision(ranking_files, ranked):
    _, table, _ = ranked
    _, vi, std = ranking_files
    assert vi.startswith(b"\xef\xbb\xbf") and not std.startswith(b"\xef\xbb\xbf")
    vi_text, std_text = vi.decode("utf-8-sig"), std.decode("utf-8")
    assert vi_text.splitlines()[0].startswith("Hạng;Mã đơn vị;Đơn vị;")
    assert std_text.splitlines()[0].startswith("Hạng,Mã đơn vị,Đơn vị,")
    # no float noise, no three-decimal points a vi-VN reader takes for thousands
    assert not re.search(r"\d[.,]\d{3,}", vi_text) and not re.search(r"\d\.\d{3,}", std_text)
    # negative changes are numbers, not text made formula-safe
    assert re.search(r";-\d+,\d\d;", vi_text) and "'-" not in vi_text and "'-" not in std_text
    back = pl.read_csv(io.BytesIO(std), schema_overrides={"Mã đơn vị": pl.String, "Phiên bản": pl.String})
    assert back["Mã đơn vị"].to_list() == table["unit_code"].to_list()
    assert back["Tổng điểm"].to_list() == [round(t, 2) for t in table["total"].to_list()]
    assert set(back["Cơ sở tính"]) == {"sau thẩm định"} and set(back["Đủ số liệu"]) <= {"Có", "Không"}
    vi_back = pl.read_csv(io.BytesIO(vi), separator=";", decimal_comma=True,
                          schema_overrides={"Mã đơn vị": pl.String, "Phiên bản": pl.String})
    assert vi_back["Tổng điểm"].to_list() == back["Tổng điểm"].to_list()


GOLDEN_FRAME = pl.DataFrame({
    "Mã đơn vị": ["00004", "01001", "DN99004"], "Đơn vị": ["Phường Ba Đình", "=HYPERLINK(\"x\")", "Công ty; «A», B"],
    "Tổng điểm": [25.000000000000004, 8.780000000000001, 100.0], "Điểm nhóm": [12.483, None, 0.0],
    "Hạng": [1, 2, None], "Đủ số liệu": [True, False, None], "Điểm tăng/giảm": [-2.4400000000000004, 0.5, None],
    "Hạng tăng/giảm": [-3, 12, None]},
    schema_overrides={"Hạng": pl.Int64, "Hạng tăng/giảm": pl.Int64})


@pytest.mark.parametrize("dialect", ["vi", "std"])
def test_csv_golden(dialect):
    data = csv_dialects.csv_bytes(GOLDEN_FRAME, dialect, {"Điểm nhóm": 3})
    assert data == (GOLDEN / f"csv_{dialect}.csv").read_bytes()


def test_xlsx_row_heights_fit_wrapped_text():
    long = "Đạt mọi tiêu chí: mức Tốt, 98,67 điểm; số liệu đầy đủ; không còn vi phạm chưa xử lý; " * 3
    frame = pl.DataFrame({"Mã đơn vị": ["00004", "00008"], "Lý do": [long, "Ngắn"]})
    data = exports.xlsx_bytes(frame, "Thử", title="THỬ", lines=["Một dòng dưới tiêu đề."])
    heights = row_heights(data)
    header = 4 + 1  # title, one line, the date, a blank row: the header on the 5th row
    assert heights[header + 1] == sheets.LINE_PT * sheets.lines_in(long, sheets.TEXT_CAP)
    assert heights[header + 1] >= 4 * sheets.LINE_PT
    assert header + 2 not in heights  # a one-line row keeps the default height
    assert sheets.lines_in("một hai ba", 9) == 2 and sheets.lines_in("một hai ba", 4) == 3 and sheets.lines_in("một hai ba", 10) == 1 and sheets.lines_in("a\nb\nc", 50) == 3


def test_proposal_rank_is_the_one_the_rule_used(sample_store):
    from dcmetrics.shortlist import Rules, shortlist

    chung = framework.load_profiles()["chung"]
    committee = access.get_account(sample_store, "thiduakhenthuong")
    for per_cluster, label, col in ((False, "Thứ hạng xét trong địa bàn", "rank_parent"),
                                    (True, "Thứ hạng xét trong cụm thi đua", "rank_cluster")):
        rules = Rules.from_profile(chung.in_force(2024), per_cluster=per_cluster, previous_years=0)
        sl = shortlist(sample_store, committee, chung, 2024, rules)
        data = proposal.shortlist_xlsx(sl)
        sel = pl.read_excel(io.BytesIO(data), sheet_name=proposal.SHEET_SELECTED,
                            read_options={"header_row": proposal.TABLE_ROW})
        assert label in sel.columns and "Thứ hạng trong cụm" not in sel.columns
        assert sel[label].to_list() == sl.selected[col].to_list()
        assert label in proposal.shortlist_html(sl)
        # wrapped reasons get their lines' height (LibreOffice would keep 15 pt)
        heights = row_heights(data)
        first = proposal.TABLE_ROW + 2
        assert heights[first] > sheets.LINE_PT


# --- LibreOffice ---------------------------------------------------------------------------------

@needs_soffice
def test_every_xlsx_opens_and_prints_in_libreoffice(calc, tmp_path, ranking_files, ranked, sample_store):
    from dcmetrics import audit, audit_view, completeness
    from dcmetrics.shortlist import shortlist

    version, table, _ = ranked
    chung = framework.load_profiles()["chung"]
    committee = access.get_account(sample_store, "thiduakhenthuong")
    admin = access.get_account(sample_store, "quantri.demo")
    log = audit_view.describe(sample_store, audit.audit_log(sample_store, admin))
    files = {
        "ranking": ranking_files[0],
        "proposal": proposal.shortlist_xlsx(shortlist(sample_store, committee, chung, 2024)),
        "audit": exports.xlsx_bytes(audit_view.export_frame(log), "Nhật ký", title="NHẬT KÝ HOẠT ĐỘNG"),
        "reminders": completeness.reminders_xlsx(completeness.completeness(sample_store, chung, Filters(YEAR), leader_of(sample_store))),
        "problems": exports.problems_xlsx([Problem("dòng 3, cột «G1_1»", "giá trị phải là số", "=1+1"),
                                           Problem("dòng 4, cột «ma_don_vi»", "mã đơn vị «4» không có", "4")]),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)
        paths.append(tmp_path / f"{name}.xlsx")
    pdfs = dict(zip(files, calc(paths, "pdf")))
    for name, pdf in pdfs.items():
        pages = pdf_pages(pdf)
        assert len(pages) >= 1, name
        first = pages[0]
        assert abs(float(first.mediabox.width) - 595.3) < 2 or abs(float(first.mediabox.height) - 595.3) < 2, name
        assert f"Trang 1/{len(pages)}" in first.extract_text(), name
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in pdf_pages(pdfs["ranking"]))
    # values LibreOffice reads from the workbook equal the stored ones, numbers as numbers
    resaved = dict(zip(files, calc(paths, "xlsx")))
    body = read_back(resaved["ranking"], header_row=7)
    assert body["Tổng điểm"].dtype == pl.Float64
    assert body["Tổng điểm"].to_list() == table["total"].to_list()
    assert body["Mã đơn vị"].to_list() == table["unit_code"].to_list()
    problems = read_back(resaved["problems"], header_row=3)
    assert problems.columns == ["STT", "Vị trí", "Giá trị", "Nội dung lỗi"]
    assert problems["Giá trị"].to_list() == ["'=1+1", "4"]  # formula-like text stays text
    audit_back = read_back(resaved["audit"], header_row=3)
    assert audit_back.height == log.height and audit_back.columns == list(audit_view.export_frame(log).columns)
    # the heights written for wrapped rows survive LibreOffice's own save
    proposal_heights = row_heights(resaved["proposal"].read_bytes())
    assert proposal_heights[proposal.TABLE_ROW + 2] > sheets.LINE_PT + 1


def _calibri_is_carlito() -> bool:
    done = subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True) if shutil.which("fc-match") else None
    return bool(done and "Carlito" in done.stdout)


@needs_soffice
@pytest.mark.skipif(not _calibri_is_carlito(), reason="Carlito (Calibri's metrics) is not installed: LibreOffice draws "
                                                      "Calibri in a wider font and the bands spill; scripts/install.sh "
                                                      "test installs fonts-crosextra-carlito")
def test_ranking_prints_in_bands_in_libreoffice(calc, tmp_path, ranking_files, ranked):
    _, table, _ = ranked
    (tmp_path / "xep-hang.xlsx").write_bytes(ranking_files[0])
    (pdf,) = calc([tmp_path / "xep-hang.xlsx"], "pdf")
    rank_pages = pdf_pages(pdf)
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in rank_pages)  # landscape
    texts = [p.extract_text() for p in rank_pages]
    # three bands (down, then over), then the notes: the ranking (its first page under the title
    # block, hence one page more at most), ranks and changes, the groups; no band spills onto a
    # second page wide (every page of a band holds its last column); the title only on page 1
    second = next(i for i, t in enumerate(texts) if "Đề xuất" in t)
    third = next(i for i, t in enumerate(texts) if i > second and "G1" in t)  # (page 1 names the groups)
    assert re.match(rf"Trang {len(texts)}/{len(texts)}\s+Ghi chú: ", texts[-1])
    band1, band2, band3 = texts[:second], texts[second:third], texts[third:-1]
    assert len(band2) == len(band3) >= 1 and len(band1) - len(band2) in (0, 1)
    assert len(texts) <= 3 * 6 + 1  # 83 units (was 42 pages portrait with cut columns, then 4 unreadable ones)
    assert all(re.search(r"Mức\s+độ", t) and "Đề xuất" not in t and "tăng/giảm" not in t for t in band1)
    assert all(re.search(r"Điểm\s+tăng/giảm", t) and "G1" not in t for t in band2)
    assert all(re.search(r"Mức\s+độ\s+\(tự\s+chấm\)", t) and "Đề xuất" not in t for t in band3)
    assert f"XẾP HẠNG ĐƠN VỊ THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM {YEAR}" in texts[0] and re.search(r"Tổng\s+điểm", texts[0])
    assert sum("XẾP HẠNG ĐƠN VỊ" in t for t in texts) == 1
    # hạng, mã, đơn vị repeated: the first unit is on the first page of each band, the last on the last
    for band in (band1, band2, band3):
        assert table["unit_code"][0] in band[0] and table["unit_code"][-1] in band[-1]
    # numbers as the vi-VN profile prints them, Vietnamese text intact
    assert f"{table['total'][0]:.2f}".replace(".", ",") in band1[0] and table["unit_name"][1] in band1[0]


def leader_of(store):
    return access.get_account(store, "lanhdao.tinh")


@needs_soffice
def test_vietnamese_csv_reads_as_numbers_under_vi_vn(calc, tmp_path, ranking_files, ranked):
    _, table, _ = ranked
    (tmp_path / "xep-hang-vi.csv").write_bytes(ranking_files[1])
    (tmp_path / "golden-vi.csv").write_bytes(csv_dialects.csv_bytes(GOLDEN_FRAME, "vi", {"Điểm nhóm": 3}))
    # separator ;, quote ", UTF-8, from row 1; no language given: the profile's vi-VN decides the numbers
    rank, golden = calc([tmp_path / "xep-hang-vi.csv", tmp_path / "golden-vi.csv"], "xlsx", "CSV:59,34,76,1")
    back = read_back(rank)
    assert back["Tổng điểm"].dtype == pl.Float64
    assert back["Tổng điểm"].to_list() == [round(t, 2) for t in table["total"].to_list()]
    g = read_back(golden)
    assert g["Tổng điểm"].to_list() == [25.0, 8.78, 100.0]
    assert g["Điểm tăng/giảm"].to_list() == [-2.44, 0.5, None]  # a negative number stays a number
    assert g["Hạng tăng/giảm"].to_list() == [-3, 12, None]
    assert g["Điểm nhóm"].to_list() == [12.483, None, 0.0]  # 12,483 read as twelve point four, not 12483
    assert g["Đơn vị"].to_list() == ["Phường Ba Đình", "'=HYPERLINK(\"x\")", "Công ty; «A», B"]
    # what no safe CSV keeps: LibreOffice turns 00004 into 4 (hence the note and the upload's matching)
    assert [str(v) for v in g["Mã đơn vị"].to_list()] in (["4", "1001", "DN99004"], ["4.0", "1001.0", "DN99004"])
    assert "xlsx" in csv_dialects.CODES_NOTE


@needs_soffice
def test_codes_keep_their_zeros_in_xlsx(calc, tmp_path):
    frame = pl.DataFrame({"Mã đơn vị": ["00004", "01001"], "Tổng điểm": [12.48, 90.5]})
    (tmp_path / "ma.xlsx").write_bytes(exports.xlsx_bytes(frame, "Mã", title="MÃ"))
    (csv,) = calc([tmp_path / "ma.xlsx"], "csv:Text - txt - csv (StarCalc):44,34,76,1")
    lines = csv.read_text(encoding="utf-8").splitlines()
    # text codes keep their zeros; numbers are shown as the vi-VN profile prints 0.00
    assert lines[-3:] == ['"Mã đơn vị","Tổng điểm"', '"00004","12,48"', '"01001","90,50"']


# --- codes that lost their leading zeros ---------------------------------------------------------

KNOWN = ["00004", "00008", "01001", "0004", "99448", "DN99004", "01"]


@pytest.mark.parametrize("typed, known, expected", [
    ("4", ["00004", "00008"], "00004"),          # unique
    ("1001", KNOWN, "01001"),                    # unique
    ("1", KNOWN, "01"),                          # a province code
    ("4", KNOWN, None),                          # ambiguous: 00004 and 0004
    ("00004", KNOWN, None),                      # known as typed
    ("7", KNOWN, None),                          # none
    ("99448", KNOWN, None),                      # known, no zeros to restore
    ("9448", KNOWN, None),                       # a code that differs is not padded into another
    ("DN9904", KNOWN, None),                     # not digits
    ("004", ["00004"], None),                    # typed with a zero: not what a spreadsheet leaves
    ("", KNOWN, None),
])
def test_zero_padded_match(typed, known, expected):
    assert codes.ZeroPadded(known).restore(typed) == expected


def test_zero_padded_warning_text():
    warnings: list[Problem] = []
    padded = codes.ZeroPadded(["00004", "00008"])
    assert codes.take("4", "dòng 2, cột «ma_don_vi»", padded, warnings) == "00004"
    assert codes.take("4", "dòng 3, cột «ma_don_vi»", padded, warnings) == "00004"  # named once
    assert codes.take("9", "dòng 4, cột «ma_don_vi»", padded, warnings) == "9"
    assert [str(w) for w in warnings] == [
        "dòng 2, cột «ma_don_vi»: mã «4» được hiểu là «00004»: bảng tính đã bỏ số 0 ở đầu mã (mở tệp CSV bằng "
        "Excel, LibreOffice); nên dùng mẫu Excel (.xlsx) để giữ nguyên mã"]
    assert warnings[0].value == "4"


UNITS = pl.DataFrame({"code": ["01", "00004", "00008", "0008", "99448"],
                      "type": ["province", "commune", "commune", "commune", "commune"],
                      "active_from": [None] * 5, "active_to": [None] * 5},
                     schema={"code": pl.String, "type": pl.String, "active_from": pl.Int32, "active_to": pl.Int32})


def test_upload_matches_a_code_that_lost_its_zeros():
    _, _, indicators = framework.load_catalogue()
    allowed = set(UNITS["code"])
    table = read_table("ma_don_vi;ten_don_vi\n4;Phường Ba Đình\n99448;Xã Phú Thành\n".encode("utf-8-sig"), "x.csv")
    parsed = validate(table, indicators, UNITS, allowed, YEAR)
    assert parsed.problems == []
    assert parsed.units == ["00004", "99448"]
    assert set(parsed.observations["unit_code"]) == {"00004", "99448"}
    zero = [str(w) for w in parsed.warnings if "bỏ số 0" in w.message]
    assert zero == ["dòng 2, cột «ma_don_vi»: mã «4» được hiểu là «00004»: bảng tính đã bỏ số 0 ở đầu mã (mở tệp CSV "
                    "bằng Excel, LibreOffice); nên dùng mẫu Excel (.xlsx) để giữ nguyên mã"]
    # ambiguous (00008 and 0008): the unknown-unit error, as before
    table = read_table("ma_don_vi;ten_don_vi\n8;Phường Ngọc Hà\n".encode("utf-8"), "y.csv")
    parsed = validate(table, indicators, UNITS, allowed, YEAR)
    assert [str(p) for p in parsed.problems] == ["dòng 2, cột «ma_don_vi»: mã đơn vị «8» không có trong danh mục đơn vị"]
    # a code outside the uploader's area is not padded into it
    parsed = validate(read_table(b"ma_don_vi;ten_don_vi\n4;A\n", "z.csv"), indicators, UNITS, {"00008"}, YEAR)
    assert [str(p) for p in parsed.problems] == ["dòng 2, cột «ma_don_vi»: mã đơn vị «4» không có trong danh mục đơn vị"]


@needs_soffice
def test_a_csv_saved_again_in_libreoffice_still_uploads(calc, tmp_path):
    """The issue's case: a CSV opened under vi-VN and saved again loses its codes' zeros; the
    upload takes them back, with warnings, not errors."""
    _, _, indicators = framework.load_catalogue()
    (tmp_path / "mau.csv").write_bytes("ma_don_vi;ten_don_vi;nam\n00004;Phường Ba Đình;2025\n99448;Xã Phú Thành;2025\n"
                                       .encode("utf-8-sig"))
    (saved,) = calc([tmp_path / "mau.csv"], "csv:Text - txt - csv (StarCalc):59,34,76,1", "CSV:59,34,76,1")
    assert saved.read_text(encoding="utf-8-sig").splitlines()[1].startswith("4;")  # the zeros are gone
    parsed = validate(read_table(saved.read_bytes(), "mau.csv"), indicators, UNITS, set(UNITS["code"]), YEAR)
    assert parsed.problems == [] and parsed.units == ["00004", "99448"]
    assert [w.where for w in parsed.warnings if "bỏ số 0" in w.message] == ["dòng 2, cột «ma_don_vi»"]


def test_units_import_matches_parent_codes_that_lost_their_zeros(store):
    from dcmetrics.unit_list import import_unit_list
    from dcmetrics.units import import_official

    import_official(store, access.SYSTEM, "01", legacy=False)
    listed = ("ma_don_vi,ten_don_vi,loai,ma_cap_tren\n"
              "SNV01,Sở Nội vụ,Cơ quan,1\n"
              "TDP1,Tổ dân phố 1,Tổ dân phố,4\n").encode("utf-8")
    r = import_unit_list(store, access.SYSTEM, listed, "don-vi.csv")
    assert (r.added, r.updated) == (2, 0)
    assert [str(w) for w in r.warnings] == [
        "dòng 2, cột «ma_cap_tren»: mã «1» được hiểu là «01»: bảng tính đã bỏ số 0 ở đầu mã (mở tệp CSV bằng "
        "Excel, LibreOffice); nên dùng mẫu Excel (.xlsx) để giữ nguyên mã",
        "dòng 3, cột «ma_cap_tren»: mã «4» được hiểu là «00004»: bảng tính đã bỏ số 0 ở đầu mã (mở tệp CSV bằng "
        "Excel, LibreOffice); nên dùng mẫu Excel (.xlsx) để giữ nguyên mã"]
    assert store.rows("SELECT parent_code FROM units WHERE code IN ('SNV01', 'TDP1') ORDER BY code") == [
        ("01",), ("00004",)]
    # a new unit's own code is never taken for an official one: 0004 is added, 5 stays 5
    new = import_unit_list(store, access.SYSTEM, "ma_don_vi,ten_don_vi,loai,ma_cap_tren\n0004,Công ty A,Doanh nghiệp,"
                           "01\n5,Công ty B,Doanh nghiệp,01\n".encode("utf-8"), "a.csv")
    assert (new.added, new.warnings) == (2, [])
    # a unit of the list that lost its zeros is updated, with the warning
    again = import_unit_list(store, access.SYSTEM, "ma_don_vi,ten_don_vi,loai,ma_cap_tren\n4,Công ty A mới,Doanh nghiệp,"
                             "01\n".encode("utf-8"), "c.csv")
    assert (again.added, again.updated) == (0, 1) and [w.where for w in again.warnings] == ["dòng 2, cột «ma_don_vi»"]
    assert store.rows("SELECT name FROM units WHERE code = '0004'") == [("Công ty A mới",)]
    # with units 00004 and 0004, «4» is ambiguous: the parent is unknown, nothing stored
    with pytest.raises(ValidationError) as e:
        import_unit_list(store, access.SYSTEM, "ma_don_vi,ten_don_vi,loai,ma_cap_tren\nTDP2,Tổ 2,Tổ dân phố,4\n"
                         .encode("utf-8"), "b.csv")
    assert [str(p) for p in e.value.problems] == [
        "dòng 2, cột «ma_cap_tren»: đơn vị cấp trên «4» không có trong danh mục hay trong tệp"]
