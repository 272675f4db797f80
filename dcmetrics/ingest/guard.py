"""Bounds on an uploaded file, checked before any parser sees it.

A parser given a hostile file is already too late: calamine (behind fastexcel) loads the whole
sheet whatever `n_rows` says, and lays it out as a dense grid from A1 to the last cell it meets,
so a 1,5 KB workbook with one value at XFD1048576 asks for 512 GB and aborts the process (the one
server every user shares), and a 3 MB workbook whose sheet inflates to 1 GB takes gigabytes. So an
xlsx (a zip) is checked here with `zipfile` and `zlib` only: its entries, their names and declared
sizes, then every entry is inflated in a streaming way under a byte budget that ignores what the
zip declares, and the sheets' XML is scanned on the fly for the grid calamine would build (rows,
columns, cells). Nothing is kept but counters, so the check costs about the file's inflated size
in time and a few MB of memory.

`check_size` and `inspect_zip` take bytes, a file name and limits and know nothing of score
sheets: evidence files (issue 17) call them the same way. `check_xlsx` adds the spreadsheet part.
Every refusal is a ValidationError whose message names the file.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import zlib
import zipfile
from dataclasses import dataclass
from typing import Callable

from dcmetrics import config
from dcmetrics.errors import Problem, ValidationError
from dcmetrics.fmt import fmt_num

# -- limits no real score sheet reaches (measured: the template filled for 20.000 units, 37 columns,
#    is 3 MB zipped, its sheet XML 20 MB at a ratio of 7 to 12, 740.000 cells, about 15 entries;
#    the inflated size and the cells are in config.py, settable per deployment)
MAX_ENTRIES = 500          # an Excel workbook has 10-30 parts, plus about 3 per extra sheet
MAX_SHEETS = 30            # the template has 2 sheets; every sheet but the help sheet is read
MAX_COLUMNS = 500          # the template has 37 columns; Excel allows 16.384
MAX_RATIO = 100            # inflated / deflated size of one part over RATIO_FLOOR: real sheets 5-15, bombs 300-1.000
RATIO_FLOOR = 1 << 20      # small parts (styles, a sheet of 3 rows) may compress better and cost nothing
MAX_META_BYTES = 4 << 20   # workbook.xml and its relationships: names of sheets, a few KB in real files
MAX_NAME = 260             # characters in a part's name (Windows' path limit; Excel writes < 40)
MAX_DEPTH = 8              # folders in a part's name (Excel writes at most 3: xl/worksheets/_rels)
MAX_TAIL = 1 << 20         # bytes of XML between two '>' (a cell holds at most 32.767 characters)
CHUNK = 1 << 20            # inflated bytes handled at a time

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


@dataclass(frozen=True)
class Limits:
    max_bytes: int              # the upload itself
    max_unpacked: int           # all parts inflated, counted as they inflate
    max_rows: int               # data rows of one sheet (the header not counted)
    max_cells: int              # the grid calamine builds, summed over the sheets read
    max_entries: int = MAX_ENTRIES
    max_sheets: int = MAX_SHEETS
    max_columns: int = MAX_COLUMNS
    max_ratio: int = MAX_RATIO


def limits() -> Limits:
    """The deployment's limits (config.py reads them from the environment at every call)."""
    return Limits(config.max_upload_bytes(), config.max_unpacked_bytes(), config.max_upload_rows(),
                  config.max_upload_cells())


@dataclass(frozen=True)
class SheetExtent:
    name: str
    path: str
    rows: int       # rows holding at least one value
    last_row: int   # the grid calamine lays out: up to this row and column
    last_col: int
    cells: int      # cells holding a value


def _fail(message: str, value: str | None = None) -> ValidationError:
    return ValidationError([Problem("tệp", message, value)])


def file_label(file_name: str) -> str:
    """«Tệp «x.xlsx»», or «Tệp» when the caller has no name."""
    return f"Tệp «{file_name}»" if file_name else "Tệp"


def size_text(size: int, limit: int) -> tuple[str, str]:
    """The size and the limit, Vietnamese style, never rounded into looking equal (10,4 MB / 10 MB)."""
    unit, div = ("MB", 1048576) if limit >= 1048576 else ("KB", 1024)
    shown_limit = round(limit / div, 2)
    for decimals in (1, 2, 3):
        if round(size / div, decimals) > shown_limit:
            return f"{fmt_num(size / div, decimals)} {unit}", f"{fmt_num(shown_limit, 2)} {unit}"
    return f"{fmt_num(size, 0)} byte", f"{fmt_num(limit, 0)} byte"


def limit_text(limit: int) -> str:
    """A limit alone, as size_text states it (100 MB, 512 KB)."""
    unit, div = ("MB", 1048576) if limit >= 1048576 else ("KB", 1024)
    return f"{fmt_num(round(limit / div, 2), 2)} {unit}"


def check_size(content: bytes, file_name: str, max_bytes: int) -> None:
    if len(content) > max_bytes:
        raise _too_big(len(content), max_bytes, file_name)


def _too_big(size: int, max_bytes: int, file_name: str) -> ValidationError:
    shown, most = size_text(size, max_bytes)
    return _fail(f"{file_label(file_name)} dung lượng {shown}, vượt giới hạn {most}. Hãy chia tệp theo đơn vị "
                 "hoặc liên hệ quản trị.")


def read_path(path, max_bytes: int | None = None) -> bytes:
    """A file on disk (the command line's upload), never read past the size limit: a 5 GB file is
    refused from its size, not after it has filled the memory."""
    from pathlib import Path

    path = Path(path)
    most = config.max_upload_bytes() if max_bytes is None else max_bytes
    with path.open("rb") as fh:
        content = fh.read(most + 1)
        size = len(content) if len(content) <= most else max(path.stat().st_size, most + 1)
    if size > most:
        raise _too_big(size, most, path.name)
    return content


def corrupt(file_name: str) -> ValidationError:
    return _fail(SHEET_WORDS.corrupt.format(label=file_label(file_name)))


# ---------------------------------------------------------------- any zip

def _odd_name(name: str) -> bool:
    parts = name.split("/")
    return (not name or len(name) > MAX_NAME or len(parts) > MAX_DEPTH or name.startswith("/")
            or "\\" in name or any(ord(ch) < 32 for ch in name) or ".." in parts
            or (len(name) > 1 and name[1] == ":"))


def _data_offset(content: bytes, info: zipfile.ZipInfo) -> int:
    """Where a part's compressed bytes start: after its local header, whose own lengths count."""
    at = info.header_offset
    head = content[at:at + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise ValueError("no local header")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    return at + 30 + name_len + extra_len


def _inflate(content: bytes, info: zipfile.ZipInfo, budget: int, sink: Callable[[bytes], None] | None) -> int:
    """Inflate one part from its raw bytes, trusting none of its declared sizes: stops as soon as the
    output passes `budget`. Returns the real inflated size (budget + 1 when stopped). Raises
    ValueError when the part is damaged or its declared size or checksum is not what it holds."""
    start = _data_offset(content, info)
    raw = content[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise ValueError("truncated")
    crc, total = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        pieces = (raw[i:i + CHUNK] for i in range(0, len(raw), CHUNK))
        done = True
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)

        def gen():
            data = raw
            while not inflater.eof:
                out = inflater.decompress(data, CHUNK)  # with no input left it still gives what is pending
                data = inflater.unconsumed_tail
                if not out and not data:
                    return  # no input and nothing pending: the stream was cut short
                yield out
        pieces = gen()
        done = False
    refused = None
    for out in pieces:
        total += len(out)
        if total > budget:
            if refused:
                raise refused
            return budget + 1
        crc = zlib.crc32(out, crc)
        if sink and not refused:
            try:
                sink(out)
            except _Over as over:
                # a damaged part reads as nonsense: say it is damaged, if it is, rather than what the nonsense is
                refused = over
    if not done and not inflater.eof:
        raise ValueError("deflate stream cut short")
    if total != info.file_size or crc != info.CRC:
        raise ValueError("declared size or checksum differs from the content")
    if refused:
        raise refused
    return total


@dataclass(frozen=True)
class ZipWords:
    """What a refusal says, per problem, for the kind of file the caller expects (a score sheet, an
    evidence document). Fields: {label} «Tệp «x»», {name}, {part}, {n}, {most}, {size}, {ratio}."""

    corrupt: str
    entries: str
    odd_name: str
    dup_name: str
    encrypted: str
    method: str
    declared: str
    overlap: str
    ratio: str
    damaged: str
    inflated: str


SHEET_WORDS = ZipWords(
    corrupt=("{label} không đọc được: tệp bảng tính (.xlsx) bị hỏng hoặc bị cắt cụt. "
             "Hãy mở tệp bằng Excel, lưu lại rồi gửi lại."),
    entries="{label} chứa {n} tệp con, vượt giới hạn {most} tệp con: không phải một bảng tính thông thường.",
    odd_name="{label} chứa một tệp con có tên bất thường, không phải bảng tính hợp lệ.",
    dup_name="{label} chứa hai tệp con cùng tên «{part}», không phải bảng tính hợp lệ.",
    encrypted="{label} có phần được đặt mật khẩu (mã hóa), không đọc được. Hãy gỡ mật khẩu rồi gửi lại.",
    method=("{label} được nén theo cách Excel không dùng, không đọc được. "
            "Hãy mở tệp bằng Excel, lưu lại thành .xlsx rồi gửi lại."),
    declared=("{label} khi giải nén sẽ lớn {size}, vượt giới hạn {most} của một bảng tính "
              "(tệp bị nén bất thường). Hãy lưu lại tệp chỉ với số liệu cần gửi."),
    overlap="{label} có các phần dùng chung dữ liệu nén (tệp bị sửa có chủ ý), không phải bảng tính hợp lệ.",
    ratio=("{label} có phần «{part}» nén bất thường (giải nén lớn gấp {ratio} lần, bảng tính thật không quá "
           "{most} lần)."),
    damaged=("{label} không đọc được: phần «{part}» bị hỏng hoặc khai sai kích thước "
             "(tệp hỏng hoặc bị sửa có chủ ý)."),
    inflated=("{label} khi giải nén lớn hơn {most}, vượt giới hạn của một bảng tính "
              "(tệp bị nén bất thường). Hãy lưu lại tệp chỉ với số liệu cần gửi."),
)


def inspect_zip(content: bytes, file_name: str, lim: Limits,
                sinks: Callable[[str], Callable[[bytes], None] | None] | None = None,
                words: ZipWords = SHEET_WORDS) -> list[zipfile.ZipInfo]:
    """Check a zip's parts and inflate each one under the byte budget, feeding `sinks(name)` (when it
    gives a function) the inflated bytes of that part as they come. The parts, in order. Refusals are
    worded by `words`, for what the caller expects the file to be."""
    label = file_label(file_name)

    def fail(template: str, value: str | None = None, **fields) -> ValidationError:
        return _fail(template.format(label=label, name=file_name, **fields), value)

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        raise fail(words.corrupt) from None
    if len(infos) > lim.max_entries:
        raise fail(words.entries, n=fmt_num(len(infos), 0), most=fmt_num(lim.max_entries, 0))
    seen = set()
    for info in infos:
        if _odd_name(info.filename):
            raise fail(words.odd_name, info.filename[:200])
        if info.filename in seen:
            raise fail(words.dup_name, info.filename, part=info.filename)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise fail(words.encrypted)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise fail(words.method)
    declared = sum(i.file_size for i in infos)
    if declared > lim.max_unpacked:
        size, most = size_text(declared, lim.max_unpacked)
        raise fail(words.declared, size=size, most=most)
    if sum(i.compress_size for i in infos) > len(content):  # parts sharing their bytes: the classic bomb
        raise fail(words.overlap)
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > lim.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise fail(words.ratio, info.filename, part=info.filename, ratio=fmt_num(ratio, 0),
                       most=fmt_num(lim.max_ratio, 0))
    left = lim.max_unpacked
    for info in infos:
        try:
            got = _inflate(content, info, left, sinks(info.filename) if sinks else None)
        except ValueError:
            raise fail(words.damaged, info.filename, part=info.filename) from None
        except zlib.error:
            raise fail(words.corrupt) from None
        if got > left:
            raise fail(words.inflated, most=limit_text(lim.max_unpacked))
        left -= got
    return infos


# ---------------------------------------------------------------- xlsx

# what else a zip handed in as a spreadsheet turns out to be (by the part that makes it one)
OTHER_KINDS = (
    ("word/document.xml", "là tài liệu Word (.docx), không phải bảng tính. Hãy gửi tệp .xlsx hoặc .csv theo mẫu."),
    ("ppt/presentation.xml", "là bài trình chiếu PowerPoint (.pptx), không phải bảng tính. "
                             "Hãy gửi tệp .xlsx hoặc .csv theo mẫu."),
    ("xl/workbook.bin", "là bảng tính nhị phân (.xlsb). Hãy lưu lại thành .xlsx "
                        "(Excel: Lưu thành › Sổ làm việc Excel) rồi gửi lại."),
    ("content.xml", "là bảng tính OpenDocument (.ods). Hãy lưu lại thành .xlsx rồi gửi lại."),
)

_TAG_PREFIX = rb"<(?:[A-Za-z_][\w.\-]*:)?"
_ATTRS = rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)"
_CELL_TAG = re.compile(_TAG_PREFIX + rb"(row|c)" + _ATTRS + rb"\s*(/?)>")
_ANY_CELL_TAG = re.compile(_TAG_PREFIX + rb"(?:row|c)[\s/>]")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([^\"']*)[\"']")
_REF = re.compile(rb"([A-Z]{0,4})(\d{0,9})")
_META_TAG = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?(sheet|Relationship)\b((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)")
_META_ATTR = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _Over(Exception):
    """A sheet passed a limit: the message is ready."""


# Excel, LibreOffice, Google Sheets, openpyxl and xlsxwriter give every cell its address, unprefixed
# and in double quotes: such XML is scanned by regular expressions alone (about 1 s for the largest
# real sheet). Anything else is followed tag by tag in Python, which costs 10 times more, so only
# this many tags of it are followed in one file.
MAX_SLOW_TAGS = 200_000
_FAST_FILLED = re.compile(rb'<c\s(?:[^>]*?\s)?r="([A-Z]{1,4})(\d{1,9})"[^>]*(?<!/)>')
_FAST_EMPTY = re.compile(rb'<c\s(?:[^>]*?\s)?r="[A-Z]{1,4}\d{1,9}"[^>]*/>')
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.\-]*:(?:c|row)[\s/>]")
_PLAIN_CELL_STARTS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")


class SheetScan:
    """Follows the rows and cells of a sheet's XML as it inflates, the way calamine places them: a
    cell's `r` gives its place, else it stands after the previous one; only cells with a value
    count towards the grid (an empty styled cell `<c r="A9" s="1"/>` makes none)."""

    def __init__(self, name: str, path: str, label: str, lim: Limits, cells_before: int, slow: list[int],
                 times: int = 1):
        self.name, self.path, self.label, self.lim = name, path, label, lim
        self.cells_before = cells_before
        self.times = times  # sheets of the workbook on this one part: calamine reads it once for each
        self.slow = slow  # tags followed one by one so far in this file (shared by its sheets)
        self.tail = b""
        self.row = self.col = 0
        self.last_row = self.last_col = self.cells = 0
        self.data_rows: set[int] = set()

    def _where(self) -> str:
        return f"{self.label}, trang «{self.name}»"

    def _place(self, ref: bytes | None, is_row: bool) -> tuple[int, int]:
        if ref is None:
            return 0, 0
        m = _REF.fullmatch(ref.strip())
        if not m or (is_row and m.group(1)) or not m.group(2) and not m.group(1):
            raise _Over(f"{self._where()}: có ô với địa chỉ bất thường «{ref[:20].decode('latin-1')}», "
                        "không phải bảng tính hợp lệ.")
        return _col_number(m.group(1)), int(m.group(2) or 0)

    def feed(self, data: bytes) -> None:
        buf = self.tail + data
        cut = buf.rfind(b">") + 1
        self.tail = buf[cut:]
        if len(self.tail) > MAX_TAIL:
            raise _Over(f"{self._where()}: có đoạn dữ liệu dài bất thường, không phải bảng tính hợp lệ.")
        part = buf[:cut]
        if not self._fast(part):
            self._slow(part)
        self._check()

    def _fast(self, part: bytes) -> bool:
        if _PREFIXED.search(part):
            return False
        filled = _FAST_FILLED.findall(part)
        if len(filled) + len(_FAST_EMPTY.findall(part)) != sum(part.count(s) for s in _PLAIN_CELL_STARTS):
            return False
        if filled:
            letters, digits = zip(*filled)  # C loops only: a chunk holds up to 100.000 cells
            rows = set(map(int, set(digits)))
            self.cells += len(filled)
            self.data_rows |= rows
            self.last_row = max(self.last_row, max(rows))
            self.last_col = max(self.last_col, max(map(_col_number, set(letters))))
            self.row, self.col = int(digits[-1]), _col_number(letters[-1])
        return True

    def _slow(self, part: bytes) -> None:
        tags = _CELL_TAG.findall(part)
        if len(tags) != len(_ANY_CELL_TAG.findall(part)):
            raise _Over(f"{self._where()}: cấu trúc dòng, ô bất thường, không phải bảng tính hợp lệ.")
        self.slow[0] += len(tags)
        if self.slow[0] > MAX_SLOW_TAGS:
            raise _Over(f"{self._where()}: được ghi theo cách lạ (ô không ghi địa chỉ) với quá nhiều ô. Hãy mở tệp "
                        "bằng Excel, lưu lại thành .xlsx rồi gửi lại.")
        for kind, attrs, empty in tags:
            m = _R_ATTR.search(attrs)
            col, row = self._place(m.group(1) if m else None, kind == b"row")
            if kind == b"row":
                self.row = row or self.row + 1
                self.col = 0
                continue
            self.col = col or self.col + 1
            if empty:
                continue
            at_row = row or self.row
            self.cells += 1
            self.data_rows.add(at_row)
            self.last_row = max(self.last_row, at_row)
            self.last_col = max(self.last_col, self.col)
            if len(self.data_rows) > self.lim.max_rows + 1:
                return  # _check says it

    def _check(self) -> None:
        lim = self.lim
        if len(self.data_rows) > lim.max_rows + 1:  # the header row and max_rows rows of data
            raise _Over(f"{self._where()}: có hơn {fmt_num(lim.max_rows, 0)} dòng, vượt giới hạn "
                        f"{fmt_num(lim.max_rows, 0)} dòng.")
        if self.last_col > lim.max_columns:
            raise _Over(f"{self._where()}: có dữ liệu ở cột {col_letters(self.last_col)} (cột thứ "
                        f"{fmt_num(self.last_col, 0)}), vượt giới hạn {fmt_num(lim.max_columns, 0)} cột.")
        area = self.last_row * self.last_col * self.times
        if self.cells_before + area > lim.max_cells or self.cells_before + self.cells * self.times > lim.max_cells:
            grid = (f"vùng dữ liệu đến ô {col_letters(self.last_col)}{self.last_row} "
                    f"({fmt_num(self.last_row, 0)} dòng × {fmt_num(self.last_col, 0)} cột)")
            more = (f", đọc {self.times} lần vì {self.times} trang tính cùng dùng một phần của tệp,"
                    if self.times > 1 else "") + (" cộng với các trang trước" if self.cells_before else "")
            raise _Over(f"{self._where()}: {grid}{more} vượt giới hạn {fmt_num(lim.max_cells, 0)} ô của một "
                        "tệp. Hãy xóa các dòng, cột thừa (kể cả ô ở xa chỉ có dấu cách) rồi gửi lại.")

    def extent(self) -> SheetExtent:
        return SheetExtent(self.name, self.path, len(self.data_rows), self.last_row, self.last_col, self.cells)


def _meta(content: bytes, infos: dict[str, zipfile.ZipInfo], name: str, file_name: str) -> str:
    out: list[bytes] = []
    try:
        if _inflate(content, infos[name], MAX_META_BYTES, out.append) > MAX_META_BYTES:
            raise ValueError("too large")
        return b"".join(out).decode("utf-8-sig")
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise corrupt(file_name) from None


def _attrs(text: str) -> dict[str, str]:
    return {k.split(":")[-1] if k.endswith(":id") else k: html.unescape(a if a or not b else b)
            for k, a, b in _META_ATTR.findall(text)}


def sheet_parts(content: bytes, infos: dict[str, zipfile.ZipInfo], file_name: str) -> list[tuple[str, str]]:
    """(name, part) of every sheet, in the workbook's order, from workbook.xml and its relationships."""
    rels = {}
    if WORKBOOK_RELS in infos:
        for kind, attrs in _META_TAG.findall(_meta(content, infos, WORKBOOK_RELS, file_name)):
            if kind == "Relationship":
                a = _attrs(attrs)
                target = a.get("Target", "")
                path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                rels[a.get("Id")] = path
    sheets = []
    for kind, attrs in _META_TAG.findall(_meta(content, infos, WORKBOOK, file_name)):
        if kind == "sheet":
            a = _attrs(attrs)
            sheets.append((a.get("name", ""), rels.get(a.get("id"), "")))
    return sheets


def check_xlsx(content: bytes, file_name: str, lim: Limits | None = None) -> list[SheetExtent]:
    """Refuse an xlsx that is not one or that would cost more than the limits to read; the extent of
    each of its sheets otherwise (in the workbook's order)."""
    lim = lim or limits()
    label = file_label(file_name)
    check_size(content, file_name, lim.max_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = {i.filename: i for i in zf.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        raise corrupt(file_name) from None
    if WORKBOOK not in names:
        said = next((s for part, s in OTHER_KINDS if part in names), None)
        if len(names) <= lim.max_entries and said:
            raise _fail(f"{label} {said}")
        if len(names) <= lim.max_entries:
            raise _fail(f"{label} là tệp nén (.zip), không phải bảng tính .xlsx. Hãy gửi tệp .xlsx hoặc .csv "
                        "theo mẫu.")
    if len(names) <= lim.max_entries:
        for name in (WORKBOOK, WORKBOOK_RELS):
            if name in names and names[name].file_size > MAX_META_BYTES:
                raise _fail(f"{label} có phần «{name}» lớn bất thường, không phải bảng tính hợp lệ.", name)
        sheets = sheet_parts(content, names, file_name)
        if len(sheets) > lim.max_sheets:
            raise _fail(f"{label} có {fmt_num(len(sheets), 0)} trang tính, vượt giới hạn "
                        f"{fmt_num(lim.max_sheets, 0)} trang. Hãy xóa các trang không dùng rồi gửi lại.")
        if not sheets:
            raise corrupt(file_name)
    else:
        sheets = []
    by_part: dict[str, list[str]] = {}
    for name, part in sheets:
        by_part.setdefault(part, []).append(name)  # two sheets on one part: calamine reads it twice
    scans: list[SheetScan] = []
    slow = [0]

    def sink(part: str):
        if part not in by_part:
            return None
        scan = SheetScan(by_part[part][0], part, label, lim,
                         sum(s.last_row * s.last_col * s.times for s in scans), slow, len(by_part[part]))
        scans.append(scan)
        return scan.feed

    try:
        inspect_zip(content, file_name, lim, sink)
    except _Over as over:
        raise _fail(str(over)) from None
    done = {s.path: s.extent() for s in scans}
    return [done.get(part) or SheetExtent(name, part, 0, 0, 0, 0) for name, part in sheets]
