"""What an evidence file is, decided on its bytes (never on its name), and why it is refused.

Accepted: PDF (without JavaScript or launch actions), PNG, JPEG, Office Open XML (docx, xlsx, pptx,
without macros) and the old OLE Office formats (doc, xls, ppt, without macros). Everything else is
refused with a Vietnamese message: executables, HTML/SVG (they carry script), damaged or bomb-like
ZIP files, a name that claims another type than the bytes.

ZIP structure (bombs, lies, passwords) is checked by the upload guard (`ingest.guard.inspect_zip`),
worded here for a document.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from dcmetrics.errors import ValidationError
from dcmetrics.fmt import nfc
from dcmetrics.ingest import guard


class FileRefused(Exception):
    """The bytes are not an accepted evidence file; `str(err)` says why (Vietnamese)."""


@dataclass(frozen=True)
class FileKind:
    kind: str   # pdf, png, jpeg, docx, xlsx, pptx, doc, xls, ppt
    mime: str
    label: str  # Vietnamese, for messages and lists


KINDS = {k.kind: k for k in (
    FileKind("pdf", "application/pdf", "PDF"),
    FileKind("png", "image/png", "ảnh PNG"),
    FileKind("jpeg", "image/jpeg", "ảnh JPEG"),
    FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "văn bản Word (docx)"),
    FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "bảng tính Excel (xlsx)"),
    FileKind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "trình chiếu PowerPoint (pptx)"),
    FileKind("doc", "application/msword", "văn bản Word cũ (doc)"),
    FileKind("xls", "application/vnd.ms-excel", "bảng tính Excel cũ (xls)"),
    FileKind("ppt", "application/vnd.ms-powerpoint", "trình chiếu PowerPoint cũ (ppt)"),
)}
# File name endings that name one of the kinds (a name ending otherwise says nothing).
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "docx": "docx",
              "xlsx": "xlsx", "pptx": "pptx", "doc": "doc", "xls": "xls", "ppt": "ppt"}
ACCEPTED_TEXT = "PDF, ảnh PNG hoặc JPEG, tệp Word, Excel, PowerPoint (docx, xlsx, pptx, doc, xls, ppt)"

# ZIP limits (software defaults, no text sets them): far above real Office files, far below a bomb.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_TOTAL = 256 * 1024 * 1024      # declared uncompressed bytes of all entries
ZIP_MAX_RATIO = 200                    # uncompressed / compressed, for an entry over guard.RATIO_FLOOR (1 MB)
CONTENT_TYPES_MAX = 1024 * 1024
PDF_OBJSTM_MAX = 64 * 1024 * 1024      # inflated bytes of object streams scanned for /JS

MSG_EMPTY = "Tệp «{name}» rỗng (0 byte): không có gì để lưu."
MSG_TOO_BIG = "Tệp «{name}» có dung lượng {size}, vượt giới hạn {limit} cho mỗi tệp minh chứng."
MSG_EXECUTABLE = "Tệp «{name}» là chương trình chạy được ({what}): không nhận làm minh chứng."
MSG_SCRIPT = ("Tệp «{name}» là {what}, loại tệp có thể chứa mã lệnh chạy trên trình duyệt: "
              "không nhận làm minh chứng. Hãy gửi bản PDF hoặc ảnh PNG, JPEG.")
MSG_UNKNOWN = "Không nhận dạng được nội dung tệp «{name}». Chỉ nhận " + ACCEPTED_TEXT + "."
MSG_NOT_AS_NAMED = "Tệp «{name}» có đuôi .{ext} nhưng nội dung không phải {label}."
MSG_OTHER_THAN_NAMED = ("Tệp «{name}» có đuôi .{ext} nhưng nội dung là {label}: hãy kiểm tra lại tệp "
                        "(nếu đúng là tệp cần gửi, đổi đuôi tên tệp cho đúng loại).")
MSG_PDF_BROKEN = "Tệp «{name}» bắt đầu như một tệp PDF nhưng không có phần kết thúc (%%EOF): tệp bị cắt hoặc hỏng."
MSG_PDF_SCRIPT = ("Tệp PDF «{name}» có chứa mã JavaScript (/JS, /JavaScript): không nhận. "
                  "Hãy in lại thành PDF thường (không kèm mã lệnh) rồi gửi.")
MSG_PDF_LAUNCH = ("Tệp PDF «{name}» có lệnh mở chương trình khác (/Launch): không nhận. "
                  "Hãy in lại thành PDF thường rồi gửi.")
MSG_PDF_UNCHECKED = ("Tệp PDF «{name}» được mã hóa hoặc nén theo cách không kiểm tra được mã lệnh bên trong: "
                     "không nhận. Hãy lưu lại bản PDF không đặt mật khẩu rồi gửi.")
MSG_ZIP_BROKEN = "Tệp «{name}» là tệp nén ZIP bị hỏng hoặc không đọc được ({why})."
MSG_ZIP_BOMB = "Tệp «{name}» khi giải nén {why}: nghi là «bom nén», không nhận."
MSG_ZIP_ENCRYPTED = "Tệp «{name}» được đặt mật khẩu: không kiểm tra được nội dung. Hãy gửi bản không đặt mật khẩu."
MSG_ZIP_NOT_OFFICE = "Tệp «{name}» là tệp nén ZIP, không phải tệp Word, Excel hoặc PowerPoint (docx, xlsx, pptx)."
MSG_MACRO = ("Tệp «{name}» có chứa macro (VBA), là mã lệnh chạy được: không nhận. "
             "Hãy lưu lại thành tệp không có macro (docx, xlsx, pptx) hoặc PDF.")
MSG_OLE_UNKNOWN = "Tệp «{name}» là tệp Office cũ nhưng không phải văn bản Word, bảng tính Excel hoặc trình chiếu PowerPoint."


def clean_name(file_name: str | None) -> str:
    """The name without any folder (either slash), NFC, without control or invisible characters,
    at most 200 characters (the ending kept)."""
    name = nfc(str(file_name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "minh-chung"


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# --- the checks ----------------------------------------------------------------------------------

def check(content: bytes, file_name: str, max_bytes: int) -> FileKind:
    """The kind of an evidence file, or FileRefused with the reason. `file_name` is the cleaned
    name; it is only compared with what the bytes are."""
    name = file_name
    if not content:
        raise FileRefused(MSG_EMPTY.format(name=name))
    if len(content) > max_bytes:
        size, most = guard.size_text(len(content), max_bytes)
        raise FileRefused(MSG_TOO_BIG.format(name=name, size=size, limit=most))
    hostile = _hostile(content)
    if hostile:
        raise FileRefused(hostile.format(name=name))
    kind = _sniff(content, name)
    ext = extension(name)
    if kind is None:
        if ext in EXTENSIONS:
            raise FileRefused(MSG_NOT_AS_NAMED.format(name=name, ext=ext, label=KINDS[EXTENSIONS[ext]].label))
        raise FileRefused(MSG_UNKNOWN.format(name=name))
    if ext in EXTENSIONS and EXTENSIONS[ext] != kind.kind:
        raise FileRefused(MSG_OTHER_THAN_NAMED.format(name=name, ext=ext, label=kind.label))
    return kind


_EXECUTABLES = (
    (b"MZ", "tệp .exe, .dll của Windows"),
    (b"\x7fELF", "chương trình Linux"),
    (b"\xcf\xfa\xed\xfe", "chương trình macOS"),
    (b"\xce\xfa\xed\xfe", "chương trình macOS"),
    (b"\xca\xfe\xba\xbe", "chương trình macOS hoặc Java"),
    (b"#!", "tệp lệnh (script)"),
)
_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe|object|embed)[\s>/]", re.I)


def _hostile(content: bytes) -> str | None:
    """A refusal message (with «{name}» to fill) for an executable or a page with script."""
    for magic, what in _EXECUTABLES:
        if content.startswith(magic):
            return MSG_EXECUTABLE.replace("{what}", what)
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):  # UTF-16 text
        head = head[2:].replace(b"\x00", b"")
    if head[:1] == b"<":
        m = _MARKUP.search(head)
        if m and m.group(1).lower() == b"svg":
            return MSG_SCRIPT.replace("{what}", "ảnh SVG")
        if m or head[:5].lower() == b"<?xml":
            return MSG_SCRIPT.replace("{what}", "trang web HTML hoặc tệp XML")
    return None


def _sniff(content: bytes, name: str) -> FileKind | None:
    if content.startswith(b"%PDF-"):
        _check_pdf(content, name)
        return KINDS["pdf"]
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return KINDS["png"]
    if content.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if content.startswith(b"PK\x03\x04"):
        return KINDS[_office_open_xml(content, name)]
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return KINDS[_ole_office(content, name)]
    if content.startswith(b"PK\x05\x06") or content.startswith(b"PK\x07\x08"):
        raise FileRefused(MSG_ZIP_NOT_OFFICE.format(name=name))
    return None


# --- PDF -----------------------------------------------------------------------------------------

_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_SCRIPT_NAMES = {b"JS", b"JavaScript"}


def pdf_names(data: bytes) -> set[bytes]:
    """Every PDF name in `data`, with #xx escapes decoded (/J#53 is /JS)."""
    return {_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), n) for n in _NAME.findall(data)}


_STREAM = re.compile(rb">>\s*stream\r?\n")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?:\s+(\d+)\s+R)?")
_ENDSTREAM = re.compile(rb"\s*endstream")


def _stream_length(content: bytes, head: bytes) -> int | None:
    """The /Length of a stream's dictionary `head`: direct, or the indirect object it points to."""
    m = _LENGTH.search(head)
    if m is None:
        return None
    if m.group(2) is None:
        return int(m.group(1))
    ref = re.search(rb"(?<!\d)" + m.group(1) + rb"\s+" + m.group(2) + rb"\s+obj\s*(\d+)\s*endobj", content)
    return int(ref.group(1)) if ref else None


def _check_pdf(content: bytes, name: str) -> None:
    if b"%%EOF" not in content[-2048:]:
        raise FileRefused(MSG_PDF_BROKEN.format(name=name))
    # Names are looked for outside the streams (image bytes would match /JS by chance) and in the
    # compressed object streams (/Type /ObjStm), where dictionaries may sit: those are inflated.
    # A stream is skipped only over its declared /Length when «endstream» follows there; a stream
    # whose length cannot be told is scanned as it is.
    skeleton, kept, pos, budget = [], 0, 0, PDF_OBJSTM_MAX
    while (m := _STREAM.search(content, pos)) is not None:
        start = content.rfind(b"obj", pos, m.start())
        head = content[max(start, pos):m.start() + 2]
        length = _stream_length(content, head)
        if length is None or not _ENDSTREAM.match(content, m.end() + length):
            pos = m.end()  # not skipped: its bytes stay in the skeleton
            continue
        skeleton.append(content[kept:m.start() + 2])
        if b"ObjStm" in pdf_names(head):
            try:
                data = zlib.decompressobj().decompress(content[m.end():m.end() + length], budget)
            except zlib.error:
                raise FileRefused(MSG_PDF_UNCHECKED.format(name=name)) from None
            budget -= len(data)
            if budget <= 0:
                raise FileRefused(MSG_PDF_UNCHECKED.format(name=name))
            _refuse_pdf_names(pdf_names(data), name)
        kept = pos = m.end() + length
    skeleton.append(content[kept:])
    _refuse_pdf_names(pdf_names(b"\n".join(skeleton)), name)


def _refuse_pdf_names(names: set[bytes], name: str) -> None:
    if names & _SCRIPT_NAMES:
        raise FileRefused(MSG_PDF_SCRIPT.format(name=name))
    if b"Launch" in names:
        raise FileRefused(MSG_PDF_LAUNCH.format(name=name))


# --- ZIP and Office Open XML ---------------------------------------------------------------------

def _bomb(why: str) -> str:
    return MSG_ZIP_BOMB.replace("{why}", why)


def _broken(why: str) -> str:
    return MSG_ZIP_BROKEN.replace("{why}", why)


# the upload guard's zip check, worded for a document rather than a score sheet
DOCUMENT_WORDS = guard.ZipWords(
    corrupt=_broken("không đọc được mục lục của tệp nén"),
    entries=_bomb("có {n} tệp con, quá giới hạn {most}"),
    odd_name=_broken("có tệp con mang tên bất thường"),
    dup_name=_broken("có hai tệp con cùng tên «{part}»"),
    encrypted=MSG_ZIP_ENCRYPTED,
    method=_broken("kiểu nén không được hỗ trợ"),
    declared=_bomb("ra {size}, quá giới hạn {most}"),
    overlap=_bomb("có các tệp con dùng chung dữ liệu nén"),
    ratio=_bomb("có tệp con «{part}» nở gấp {ratio} lần"),
    damaged=_broken("dung lượng hoặc mã kiểm tra khai báo của một tệp con không đúng"),
    inflated=_bomb("ra hơn {most}"),
)
ZIP_LIMITS = guard.Limits(max_bytes=0, max_unpacked=ZIP_MAX_TOTAL, max_rows=0, max_cells=0,
                          max_entries=ZIP_MAX_ENTRIES, max_ratio=ZIP_MAX_RATIO)


def check_zip(content: bytes, name: str) -> zipfile.ZipFile:
    """The archive, once the upload guard has found it well-formed and bounded (entries, names,
    declared sizes and ratios, no password, every entry inflated under the budget to exactly its
    declared size and CRC). FileRefused otherwise."""
    try:
        guard.inspect_zip(content, name, ZIP_LIMITS, words=DOCUMENT_WORDS)
    except ValidationError as e:
        raise FileRefused(e.problems[0].message) from None
    return zipfile.ZipFile(io.BytesIO(content))


_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_MACRO_TYPES = {
    "application/vnd.ms-word.document.macroenabled.main+xml",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml",
    "application/vnd.ms-office.vbaproject",
}
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def _office_open_xml(content: bytes, name: str) -> str:
    """docx, xlsx or pptx, from [Content_Types].xml and its main part."""
    archive = check_zip(content, name)
    names = {i.filename for i in archive.infolist()}
    if "[Content_Types].xml" not in names:
        raise FileRefused(MSG_ZIP_NOT_OFFICE.format(name=name))
    if any(n.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for n in names):
        raise FileRefused(MSG_MACRO.format(name=name))
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > CONTENT_TYPES_MAX:
        raise FileRefused(MSG_ZIP_NOT_OFFICE.format(name=name))
    xml = archive.read(info)
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:  # OOXML has no DTD; one here is an attack
        raise FileRefused(MSG_ZIP_NOT_OFFICE.format(name=name))
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise FileRefused(MSG_ZIP_NOT_OFFICE.format(name=name)) from None
    found = None
    for el in root:
        ctype = (el.get("ContentType") or "").strip().lower()
        if ctype in _MACRO_TYPES:
            raise FileRefused(MSG_MACRO.format(name=name))
        if el.tag == f"{_CT}Override" and ctype in _MAIN_TYPES and found is None:
            part = (el.get("PartName") or "").lstrip("/")
            if part in names:
                found = _MAIN_TYPES[ctype]
    if found is None:
        raise FileRefused(MSG_ZIP_NOT_OFFICE.format(name=name))
    return found


# --- old Office (OLE compound file) --------------------------------------------------------------

_OLE_MAIN = {"worddocument": "doc", "workbook": "xls", "book": "xls", "powerpoint document": "ppt"}
_OLE_MACRO = {"_vba_project_cur", "macros", "vba", "_vba_project"}


def ole_entry_names(content: bytes) -> list[str]:
    """The names of the directory entries of an OLE compound file (CFB, [MS-CFB]), read with
    every chain bounded; ValueError when the structure is broken."""
    if len(content) < 512:
        raise ValueError("short header")
    shift = struct.unpack_from("<H", content, 30)[0]
    if shift not in (9, 12):
        raise ValueError("sector size")
    size = 1 << shift
    n_sectors = (len(content) - 512 + size - 1) // size

    def sector(n: int) -> bytes:
        if not 0 <= n < n_sectors:
            raise ValueError("sector out of range")
        return content[512 + n * size: 512 + (n + 1) * size]

    fat_sectors = [s for s in struct.unpack_from("<109I", content, 76) if s < 0xFFFFFFFA]
    difat, seen = struct.unpack_from("<I", content, 68)[0], set()
    while difat < 0xFFFFFFFA:
        if difat in seen or len(seen) > n_sectors:
            raise ValueError("DIFAT loop")
        seen.add(difat)
        words = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors += [s for s in words[:-1] if s < 0xFFFFFFFA]
        difat = words[-1]
    fat: list[int] = []
    for s in fat_sectors[: n_sectors]:
        fat.extend(struct.unpack(f"<{size // 4}I", sector(s)))
    names, cur, seen = [], struct.unpack_from("<I", content, 48)[0], set()
    while cur < 0xFFFFFFFA:
        if cur in seen or cur >= len(fat):
            raise ValueError("directory chain")
        seen.add(cur)
        data = sector(cur)
        for off in range(0, size, 128):
            length = struct.unpack_from("<H", data, off + 64)[0]
            if data[off + 66] in (1, 2, 5) and 2 <= length <= 64:
                names.append(data[off: off + length - 2].decode("utf-16-le", "replace"))
        cur = fat[cur]
    return names


def _ole_office(content: bytes, name: str) -> str:
    try:
        names = {n.lower() for n in ole_entry_names(content)}
    except (ValueError, struct.error, IndexError):
        raise FileRefused(MSG_OLE_UNKNOWN.format(name=name)) from None
    if names & _OLE_MACRO:
        raise FileRefused(MSG_MACRO.format(name=name))
    if "encryptedpackage" in names:  # a password-protected docx/xlsx/pptx inside OLE
        raise FileRefused(MSG_ZIP_ENCRYPTED.format(name=name))
    kinds = {_OLE_MAIN[n] for n in names if n in _OLE_MAIN}
    if len(kinds) != 1:
        raise FileRefused(MSG_OLE_UNKNOWN.format(name=name))
    return kinds.pop()
