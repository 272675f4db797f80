"""Evidence documents (minh chứng): accepted and refused bytes, sizes, duplicates, access by role
and area, soft deletion, audit rows, requirements and the checklist."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import unicodedata
import zipfile
import zlib

import polars as pl
import pytest
from conftest import STORE_KINDS, table_digest

from dcmetrics import access, audit, evidence, filecheck, units
from dcmetrics.errors import AccessDenied, Conflict, NotFound, ValidationError
from dcmetrics.fmt import size_text
from dcmetrics.ingest import commit as ingest

# ---------------------------------------------------------------- a small province

UNITS = [
    ("99", "Tỉnh Thử", "province", None, None),
    ("991", "Huyện Một", "district", "99", None),
    ("992", "Huyện Hai", "district", "99", None),
    ("99001", "Xã Một A", "commune", "991", None),
    ("99002", "Xã Một B", "commune", "991", None),
    ("99101", "Xã Hai A", "commune", "992", None),
    ("99009", "Xã Cũ", "commune", "991", 2023),  # ended after 2023
    ("CQ1", "Sở Thử", "agency", "99", None),
]
PASSWORD = "mat-khau-thu-01"
ACCOUNTS = {  # username: (role, area)
    "canbo1": (access.OFFICER, "991"), "canbo1b": (access.OFFICER, "991"), "canbo2": (access.OFFICER, "992"),
    "lanhdao": (access.LEADER, "99"), "thamdinh": (access.REVIEWER, "99"), "thamdinh2": (access.REVIEWER, "992"),
}
YEAR = 2024


@pytest.fixture(params=STORE_KINDS)
def es(request, store_factory, monkeypatch):
    """A small tree with its accounts, on each store in turn."""
    store = store_factory(request.param, "empty")
    monkeypatch.setattr(access, "HASHER", access.DEMO_HASHER)  # test passwords: a cheap hash
    frame = pl.DataFrame([{"code": c, "name": n, "type": t, "parent_code": p, "cluster": None,
                           "active_from": None, "active_to": to} for c, n, t, p, to in UNITS])
    units.replace_units(store, frame, access.SYSTEM)
    for name, (role, area) in ACCOUNTS.items():
        access.create_account(store, access.SYSTEM, name, PASSWORD, role, area)
    return store


def n_docs(store) -> int:
    return store.rows("SELECT count(*) FROM evidence")[0][0]


def audit_rows(store, action: str) -> list[dict]:
    rows = store.rows("SELECT actor, object, before_json, after_json FROM audit WHERE action = $a ORDER BY id",
                      {"a": action})
    return [{"actor": a, "object": o, "before": json.loads(b) if b else None, "after": json.loads(x) if x else None}
            for a, o, b, x in rows]


# ---------------------------------------------------------------- real minimal files

def pdf(body: bytes = b"<< /Type /Catalog /Pages 2 0 R >>") -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n" + body + b"\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R /Size 3 >>\nstartxref\n0\n%%EOF\n")


def pdf_with_stream(dict_body: bytes, data: bytes) -> bytes:
    stream = b"3 0 obj\n<< " + dict_body + b" /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + \
             b"\nendstream\nendobj\n"
    return pdf() .replace(b"trailer", stream + b"trailer")


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def ooxml(main_type: str, part: str, extra: dict[str, bytes] | None = None, ctype_extra: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/{part}" ContentType="{main_type}"/>{ctype_extra}</Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr(part, '<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def docx(**kw) -> bytes:
    return ooxml(DOCX_MAIN, "word/document.xml", **kw)


def xlsx() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Số liệu").write(0, 0, "Kế hoạch tuyên truyền")
    book.close()
    return out.getvalue()


def ole(*streams: str) -> bytes:
    """A compound file ([MS-CFB], 512-byte sectors): a FAT sector, a directory sector naming `streams`."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIII", header, 44, 1, 1, 0, 4096)               # 1 FAT sector; directory at sector 1
    struct.pack_into("<IIII", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)  # no mini FAT, no DIFAT sectors
    struct.pack_into("<109I", header, 76, 0, *([0xFFFFFFFF] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([0xFFFFFFFF] * 126))
    directory = bytearray(512)
    for i, name in enumerate(["Root Entry", *streams]):
        raw = (name + "\0").encode("utf-16-le")
        directory[i * 128: i * 128 + len(raw)] = raw
        struct.pack_into("<HB", directory, i * 128 + 64, len(raw), 5 if i == 0 else 2)
    return bytes(header) + fat + bytes(directory)


def stored_zip_with_lying_size() -> bytes:
    """A docx whose document part declares fewer bytes than it holds (the CRC gives it away)."""
    data = bytearray(docx(extra={"word/media/big.bin": b"A" * 5000}))
    i = data.rfind(b"word/media/big.bin")          # its central directory entry
    cd = data.rfind(b"PK\x01\x02", 0, i)
    struct.pack_into("<I", data, cd + 24, 100)      # uncompressed size: 100
    return bytes(data)


def zip_bomb_docx() -> bytes:
    return docx(extra={"word/media/zeros.bin": b"\0" * (40 * 1024 * 1024)})


BOMB = zip_bomb_docx()
BOMB_RATIO = next(i.file_size / i.compress_size for i in zipfile.ZipFile(io.BytesIO(BOMB)).infolist()
                  if i.filename.endswith("zeros.bin"))


# ---------------------------------------------------------------- accepted

ACCEPTED = [
    ("bao-cao.pdf", pdf, "pdf", "application/pdf"),
    ("anh.png", png, "png", "image/png"),
    ("anh chup.jpg", jpeg, "jpeg", "image/jpeg"),
    ("bien-ban.docx", docx, "docx", filecheck.KINDS["docx"].mime),
    ("so-lieu.xlsx", xlsx, "xlsx", filecheck.KINDS["xlsx"].mime),
    ("trinh-chieu.pptx", lambda: ooxml(PPTX_MAIN, "ppt/presentation.xml"), "pptx", filecheck.KINDS["pptx"].mime),
    ("cu.doc", lambda: ole("WordDocument", "1Table"), "doc", "application/msword"),
    ("cu.xls", lambda: ole("Workbook"), "xls", "application/vnd.ms-excel"),
    ("khong-duoi", pdf, "pdf", "application/pdf"),  # no ending: the bytes say what it is
]


@pytest.mark.parametrize("name,build,kind,mime", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_types_are_stored_with_their_hash(es, name, build, kind, mime):
    content = build()
    done = evidence.attach(es, "canbo1", "99001", YEAR, content, name, "PROP_PLAN", "Kế hoạch năm")
    assert done.created
    assert done.message == f"Đã lưu minh chứng «{name}» ({filecheck.KINDS[kind].label}, {size_text(len(content))})."
    row = es.rows("SELECT unit_code, year, indicator, description, file_name, file_type, mime, size_bytes, sha256, "
                  "content, uploaded_by FROM evidence WHERE id = $i", {"i": done.id})[0]
    assert row == ("99001", YEAR, "PROP_PLAN", "Kế hoạch năm", name, kind, mime, len(content),
                   hashlib.sha256(content).hexdigest(), content, "canbo1")
    [a] = audit_rows(es, audit.EVIDENCE_ATTACH)
    assert a["actor"] == "canbo1" and a["object"] == f"evidence:{done.id}"
    assert a["after"] == {"unit_code": "99001", "year": YEAR, "indicator": "PROP_PLAN", "file_name": name,
                          "file_type": kind, "size_bytes": len(content),
                          "sha256": hashlib.sha256(content).hexdigest(), "description": "Kế hoạch năm"}


def test_name_is_stripped_of_folders_and_stored_nfc(es):
    decomposed = unicodedata.normalize("NFD", "Biên bản họp.pdf")
    done = evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "C:\\Users\\cb\\" + decomposed)
    [(name,)] = es.rows("SELECT file_name FROM evidence WHERE id = $i", {"i": done.id})
    assert name == unicodedata.normalize("NFC", "Biên bản họp.pdf") and name != decomposed
    evidence.attach(es, "canbo1", "99001", YEAR, png(), "../../etc/anh.png")
    assert es.rows("SELECT file_name FROM evidence ORDER BY id")[1][0] == "anh.png"


def test_oversized_file_is_refused_with_the_limit_in_vietnamese(es, monkeypatch):
    monkeypatch.setenv("DCMETRICS_MAX_EVIDENCE_MB", "1")
    big = pdf(b"<< /Type /Catalog /Pad (" + b"x" * int(1.5 * 1024 * 1024) + b") >>")
    before = table_digest(es)
    with pytest.raises(ValidationError) as err:
        evidence.attach(es, "canbo1", "99001", YEAR, big, "lon.pdf")
    assert err.value.problems[0].message == ("Tệp «lon.pdf» có dung lượng 1,5 MB, vượt giới hạn "
                                             "1 MB cho mỗi tệp minh chứng.")
    assert table_digest(es) == before
    monkeypatch.setenv("DCMETRICS_MAX_EVIDENCE_MB", "2")
    assert evidence.attach(es, "canbo1", "99001", YEAR, big, "lon.pdf").created


def test_default_limit_is_20_mb(monkeypatch):
    from dcmetrics import config

    monkeypatch.delenv("DCMETRICS_MAX_EVIDENCE_MB", raising=False)
    assert config.max_evidence_bytes() == 20 * 1024 * 1024


def test_image_bytes_that_look_like_js_inside_a_stream_are_not_refused(es):
    # «/JS» inside a stream's data is not a dictionary key (compressed images hold it by chance)
    content = pdf_with_stream(b"/Type /XObject /Subtype /Image /Filter /DCTDecode", b"\x01/JS \x02" * 50)
    assert evidence.attach(es, "canbo1", "99001", YEAR, content, "anh-quet.pdf").created


# ---------------------------------------------------------------- targets

def test_targets_are_checked(es):
    with pytest.raises(Conflict, match="Chỉ tiêu «Tổ chức hội nghị cán bộ.*không áp dụng cho xã, phường"):
        evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "a.pdf", "RESP_CONFERENCE")  # agencies only
    with pytest.raises(NotFound, match="Không có chỉ tiêu mã «NOPE»"):
        evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "a.pdf", "NOPE")
    with pytest.raises(Conflict, match="Huyện Một là địa bàn, không phải đơn vị được đánh giá"):
        evidence.attach(es, "canbo1", "991", YEAR, pdf(), "a.pdf")
    with pytest.raises(Conflict, match="Xã Cũ không tồn tại trong năm 2024"):
        evidence.attach(es, "canbo1", "99009", YEAR, pdf(), "a.pdf")
    assert evidence.attach(es, "canbo1", "99009", 2023, pdf(), "a.pdf").created
    assert n_docs(es) == 1


def test_approved_figures_lock_their_evidence(es):
    done = evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "a.pdf")
    with es.transaction() as cur:
        cur.execute("INSERT INTO unit_reviews VALUES ('99001', $y, 1, 'approved', NULL, 'thamdinh', now())",
                    {"y": YEAR})
    before = table_digest(es)
    locked = (f"Số liệu năm {YEAR} của Xã Một A đã được phê duyệt (khóa): không thêm, không xóa minh chứng được. "
              "Người thẩm định cần trả lại số liệu trước.")
    with pytest.raises(Conflict) as err:
        evidence.attach(es, "canbo1", "99001", YEAR, png(), "b.png")
    assert str(err.value) == locked
    with pytest.raises(Conflict) as err:
        evidence.delete(es, "canbo1", done.id)
    assert str(err.value) == locked
    assert table_digest(es) == before


# ---------------------------------------------------------------- duplicates

def test_same_bytes_twice_are_kept_once(es):
    first = evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "ke-hoach.pdf", "PROP_PLAN")
    again = evidence.attach(es, "canbo1b", "99001", YEAR, pdf(), "ban-sao.pdf", "PROP_PLAN")
    assert not again.created and again.id == first.id
    assert again.message.startswith("Tệp «ban-sao.pdf» trùng nội dung với minh chứng «ke-hoach.pdf» đã có (canbo1 gửi lúc ")
    assert again.message.endswith("): không lưu thêm bản trùng.")
    assert n_docs(es) == 1 and len(audit_rows(es, audit.EVIDENCE_ATTACH)) == 1
    # another indicator, the year as a whole, another unit: new documents
    assert evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "ke-hoach.pdf", "PROP_EVENTS").created
    assert evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "ke-hoach.pdf").created
    assert evidence.attach(es, "canbo1", "99002", YEAR, pdf(), "ke-hoach.pdf", "PROP_PLAN").created
    # once deleted, the same bytes may come again
    evidence.delete(es, "canbo1", first.id)
    assert evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "ke-hoach.pdf", "PROP_PLAN").created
    assert n_docs(es) == 5


# ---------------------------------------------------------------- access by role and area

def test_officer_of_another_area_cannot_list_download_or_attach(es):
    done = evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "a.pdf")
    before = table_digest(es)
    with pytest.raises(AccessDenied) as err:
        evidence.attach(es, "canbo2", "99001", YEAR, png(), "b.png")
    assert str(err.value) == ("Tài khoản «canbo2» (Cán bộ nhập liệu, Huyện Hai) không được gửi số liệu cho Xã Một A.")
    with pytest.raises(AccessDenied, match="không được xem kết quả đánh giá của Xã Một A"):
        evidence.documents(es, "canbo2", "99001", YEAR)
    with pytest.raises(AccessDenied) as outside:
        evidence.download(es, "canbo2", done.id)
    with pytest.raises(AccessDenied) as unknown:
        evidence.download(es, "canbo2", 999)
    # a document outside the area and one that does not exist get the same words
    assert str(outside.value) == (f"Tài khoản «canbo2» không được tải minh chứng mã {done.id}: "
                                  "không có minh chứng này trong địa bàn được giao.")
    assert str(unknown.value) == str(outside.value).replace(f"mã {done.id}", "mã 999")
    with pytest.raises(AccessDenied):
        evidence.delete(es, "canbo2", done.id, "thử")
    with pytest.raises(AccessDenied):
        evidence.checklist(es, "canbo2", "99001", YEAR)
    with pytest.raises(AccessDenied):
        evidence.download(es, "thamdinh2", done.id)  # a reviewer of the other district
    assert table_digest(es) == before


def test_leader_reads_and_downloads_but_cannot_attach(es):
    done = evidence.attach(es, "canbo1", "99001", YEAR, png(), "anh", "PROP_PLAN", "Ảnh hội nghị")
    with pytest.raises(AccessDenied) as err:
        evidence.attach(es, "lanhdao", "99001", YEAR, pdf(), "a.pdf")
    assert str(err.value).endswith("Vai trò «Lãnh đạo» không có quyền này.")
    listed = evidence.documents(es, "lanhdao", "99001", YEAR)
    assert listed.select("file_name", "indicator_name", "type_label", "size_label", "uploaded_by").rows() == [
        ("anh", "Có kế hoạch tuyên truyền, PBGDPL về THDCCS trong năm", "ảnh PNG", size_text(len(png())),
         "canbo1")]
    got = evidence.download(es, "lanhdao", done.id)
    assert (got.file_name, got.mime, got.content) == ("anh.png", "image/png", png())  # ending added
    [a] = audit_rows(es, audit.EVIDENCE_DOWNLOAD)
    assert a["actor"] == "lanhdao" and a["object"] == f"evidence:{done.id}"
    with pytest.raises(AccessDenied):
        evidence.delete(es, "lanhdao", done.id, "thử")


def test_delete_by_uploader_or_reviewer_keeps_the_row(es):
    own = evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "a.pdf")
    other = evidence.attach(es, "canbo1", "99001", YEAR, png(), "b.png")
    with pytest.raises(AccessDenied, match="chỉ người đã gửi tệp .* hoặc người thẩm định mới được xóa"):
        evidence.delete(es, "canbo1b", own.id)  # same area, not the uploader
    evidence.delete(es, "canbo1", own.id)
    with pytest.raises(Conflict, match="Hãy ghi lý do xóa minh chứng «b.png» do canbo1 gửi."):
        evidence.delete(es, "thamdinh", other.id)
    evidence.delete(es, "thamdinh", other.id, "Ảnh không rõ")
    with pytest.raises(Conflict, match="đã bị xóa trước đó"):
        evidence.delete(es, "thamdinh", other.id, "lần nữa")
    assert evidence.documents(es, "canbo1", "99001", YEAR).is_empty()
    kept = evidence.documents(es, "canbo1", "99001", YEAR, include_deleted=True).sort("id")
    assert kept.select("file_name", "deleted_by", "delete_reason").rows() == [
        ("a.pdf", "canbo1", None), ("b.png", "thamdinh", "Ảnh không rõ")]
    assert es.rows("SELECT content FROM evidence WHERE id = $i", {"i": own.id})[0][0] == pdf()
    deletions = audit_rows(es, audit.EVIDENCE_DELETE)
    assert [(d["actor"], d["after"]["reason"], d["after"]["file_name"]) for d in deletions] == [
        ("canbo1", None, "a.pdf"), ("thamdinh", "Ảnh không rõ", "b.png")]
    assert all(d["before"] == {"deleted": False} and d["after"]["deleted"] for d in deletions)
    with pytest.raises(Conflict, match="đã bị xóa"):
        evidence.download(es, "canbo1", own.id)


# ---------------------------------------------------------------- requirements and the checklist

def test_requirements_and_checklist(es):
    with pytest.raises(AccessDenied):
        evidence.set_requirements(es, "canbo1", YEAR, ["PROP_PLAN"])
    assert evidence.set_requirements(es, "thamdinh", YEAR, ["TRAIN_VILLAGE", "PROP_PLAN", "RESP_CONFERENCE"]) == [
        "PROP_PLAN", "RESP_CONFERENCE", "TRAIN_VILLAGE"]
    # the district reviewer adds one for its own district only
    evidence.set_requirements(es, "thamdinh2", YEAR, ["DISC_HANDLED"])
    with pytest.raises(AccessDenied):
        evidence.set_requirements(es, "thamdinh2", YEAR, ["DISC_HANDLED"], area_code="991")
    evidence.attach(es, "canbo1", "99001", YEAR, pdf(), "ke-hoach.pdf", "PROP_PLAN")

    ck = evidence.checklist(es, "canbo1", "99001", YEAR)  # a commune: not the agencies' RESP_CONFERENCE
    assert ck.select("indicator", "n_documents", "missing").rows() == [
        ("TRAIN_VILLAGE", 0, True), ("PROP_PLAN", 1, False)]
    assert set(ck["required_by_area"]) == {"Tỉnh Thử"}
    assert evidence.checklist(es, "lanhdao", "CQ1", YEAR).select("indicator", "missing").rows() == [
        ("PROP_PLAN", True), ("RESP_CONFERENCE", True)]
    assert evidence.checklist(es, "canbo2", "99101", YEAR)["indicator"].to_list() == [
        "TRAIN_VILLAGE", "PROP_PLAN", "DISC_HANDLED"]
    assert evidence.checklist(es, "canbo1", "99001", 2023).is_empty()  # another year

    summary = evidence.area_checklist(es, "thamdinh", "99", YEAR)
    assert summary.select("unit_code", "n_required", "n_documented", "n_missing").sort("unit_code").rows() == [
        ("99001", 2, 1, 1), ("99002", 2, 0, 2), ("99101", 3, 0, 3), ("CQ1", 2, 0, 2)]  # Xã Cũ ended in 2023
    assert summary.filter(pl.col("unit_code") == "99001")["missing"].to_list() == [["TRAIN_VILLAGE"]]
    with pytest.raises(AccessDenied):
        evidence.area_checklist(es, "canbo2", "991", YEAR)

    reqs = audit_rows(es, audit.EVIDENCE_REQUIRE)
    assert [(r["actor"], r["object"], r["before"], r["after"]) for r in reqs] == [
        ("thamdinh", f"area:99:{YEAR}", {"indicators": []},
         {"indicators": ["PROP_PLAN", "RESP_CONFERENCE", "TRAIN_VILLAGE"]}),
        ("thamdinh2", f"area:992:{YEAR}", {"indicators": []}, {"indicators": ["DISC_HANDLED"]})]
    # changing the set keeps what stays, drops what goes; the same set again records nothing
    evidence.set_requirements(es, "thamdinh", YEAR, ["PROP_PLAN", "INSP_PLAN"])
    evidence.set_requirements(es, "thamdinh", YEAR, ["INSP_PLAN", "PROP_PLAN"])
    assert evidence.requirements(es, "lanhdao", YEAR, "99") == ["INSP_PLAN", "PROP_PLAN"]
    assert len(audit_rows(es, audit.EVIDENCE_REQUIRE)) == 3
    with pytest.raises(NotFound, match="«NOPE»"):
        evidence.set_requirements(es, "thamdinh", YEAR, ["NOPE"])


# ---------------------------------------------------------------- the pages (AppTest, the sample's demo accounts)

from streamlit.testing.v1 import AppTest  # noqa: E402
from test_pages import (  # noqa: E402,F401 - fixtures used by name, autouse ones included
    APP,
    PAGE_DIR,
    _admin_credentials,
    _navigation_not_pages_dir,
    app_env,
    frame_with,
    sample_db,
    store_of,
)

DEMO = {"canbo.991": "demo-officer", "lanhdao.tinh": "demo-leader", "thamdinh.tinh": "demo-reviewer"}


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception] + ["\n".join(e.stack_trace) for e in at.exception]
    return at


def login(username: str, page: str) -> AppTest:
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(DEMO[username])
    ok(at.form_submit_button[0].click().run())
    assert at.session_state["account"].username == username, [e.value for e in at.error]
    return ok(at.switch_page(f"{PAGE_DIR}/{page}.py").run())


def test_unit_page_officer_attaches_and_sees_the_list(app_env):
    at = login("canbo.991", "unit")
    assert "Minh chứng" in [s.value for s in at.subheader]
    unit, year = at.selectbox(key="unit_code").value, int(at.session_state["_context"][1].year)
    store = store_of(at)
    if store.rows("SELECT 1 FROM area_locks WHERE area_code = '991' AND year = $y", {"y": year}):
        # approved figures take no new evidence: the sample approved 991's file, reopened here
        ingest.reopen(store, access.SYSTEM, "991", year, "bổ sung minh chứng")
        at.session_state["basis"] = "self"  # reopened figures await review: not on the appraised basis
        ok(at.run())
        unit = at.selectbox(key="unit_code").value
    before = store.rows("SELECT count(*) FROM evidence")[0][0]
    # a page of script named .pdf: refused, shown, nothing stored
    at.file_uploader(key="evidence_file").set_value(("trang.pdf", b"<html><script>x()</script></html>",
                                                     "application/pdf"))
    ok(ok(at.run()).button(key="evidence_save").click().run())
    assert any("trang web HTML" in e.value for e in at.error) or \
        any("trang web HTML" in m.value for m in at.markdown), [e.value for e in at.error]
    assert store.rows("SELECT count(*) FROM evidence")[0][0] == before
    # a real PDF for one indicator
    at.file_uploader(key="evidence_file").set_value(("ke-hoach.pdf", pdf(), "application/pdf"))
    ok(at.run())
    at.selectbox(key="evidence_indicator").set_value("PROP_PLAN")
    ok(ok(at.run()).button(key="evidence_save").click().run())
    assert [s.value for s in at.success] == [f"Đã lưu minh chứng «ke-hoach.pdf» (PDF, {size_text(len(pdf()))})."]
    stored = store.rows("SELECT unit_code, year, indicator, uploaded_by FROM evidence ORDER BY id DESC LIMIT 1")
    assert stored == [(unit, year, "PROP_PLAN", "canbo.991")]
    ok(at.run())
    listed = frame_with(at, "Tệp", "Dung lượng").value
    assert listed["Tệp"].tolist() == ["ke-hoach.pdf"]
    assert listed["Chỉ tiêu"].tolist() == ["Có kế hoạch tuyên truyền, PBGDPL về THDCCS trong năm"]
    assert [b.label for b in at.get("download_button")] .count("Tải về") == 1


def test_unit_page_leader_sees_the_list_without_uploader(app_env):
    at = login("lanhdao.tinh", "unit")
    assert "Minh chứng" in [s.value for s in at.subheader]
    with pytest.raises(KeyError):
        at.file_uploader(key="evidence_file")


def test_review_page_sets_requirements_and_shows_what_is_missing(app_env):
    at = login("thamdinh.tinh", "review")
    assert "Minh chứng" in [s.value for s in at.subheader]
    area, year = at.selectbox(key="review_area").value, at.selectbox(key="review_year").value
    at.multiselect(key="evidence_required").set_value(["PROP_PLAN"])
    ok(ok(at.run()).button(key="evidence_require_save").click().run())
    store = store_of(at)
    assert store.rows("SELECT area_code, indicator FROM evidence_requirements WHERE year = $y", {"y": year}) == [
        (area, "PROP_PLAN")]
    summary = evidence.area_checklist(store, "thamdinh.tinh", area, year)
    shown = frame_with(at, "Đơn vị", "Còn thiếu").value
    assert len(shown) == summary.filter(pl.col("n_missing") > 0).height > 0
