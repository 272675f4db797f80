"""Hostile uploads, built on demand: the tests refuse them with exact messages and the benchmark
(`python -m dcmetrics.bench --hostile`) measures what refusing them costs. Nothing here is used by
the app itself.

The zip is written by hand (`zipfile` cannot declare sizes other than the true ones), and a big
sheet is deflated once per block: after a full flush deflate starts afresh, so a repeated block
compresses to the same bytes every time and a 1 GB sheet is built in well under a second.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from dcmetrics.ingest.guard import col_letters as _col  # the same column letters the guard reads

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">'
              "<sheetData>").encode()
SHEET_TAIL = b"</sheetData></worksheet>"
DOS_DATE = (1 << 5 | 1) | (45 << 9)  # 2025-01-01, so a built file is the same bytes every time


@dataclass
class Part:
    name: str
    data: bytes = b""                       # the part's bytes (ignored when `deflated` is given)
    deflated: tuple[bytes, int, int] | None = None  # raw deflate stream, real size, CRC
    declared_size: int | None = None        # what the headers say (a lie when not the real size)
    flags: int = 0
    method: int = 8


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def zip_bytes(parts: list[Part]) -> bytes:
    """A zip of `parts`, with sizes and flags as each part declares."""
    out, central = io.BytesIO(), []
    for p in parts:
        if p.deflated:
            raw, size, crc = p.deflated
        else:
            raw = _deflate(p.data) if p.method == 8 else p.data
            size, crc = len(p.data), zlib.crc32(p.data)
        declared = size if p.declared_size is None else p.declared_size
        name = p.name.encode("utf-8")
        flags = p.flags | 0x800  # names in UTF-8
        offset = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, p.method, 0, DOS_DATE, crc,
                              len(raw), declared, len(name), 0) + name + raw)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, p.method, 0, DOS_DATE,
                                   crc, len(raw), declared, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def workbook_parts(sheets: list[tuple[str, Part | bytes]]) -> list[Part]:
    """The parts of a minimal workbook (what calamine needs) with these sheets, in order."""
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
             'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             f"{overrides}</Types>")
    root_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
                 f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    listed = "".join(f'<sheet name="{_esc(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, (n, _) in enumerate(sheets, 1))
    book = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>{listed}'
            "</sheets></workbook>")
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    book_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'
    parts = [Part("[Content_Types].xml", types.encode()), Part("_rels/.rels", root_rels.encode()),
             Part("xl/workbook.xml", book.encode()), Part("xl/_rels/workbook.xml.rels", book_rels.encode())]
    for i, (_, sheet) in enumerate(sheets, 1):
        part = sheet if isinstance(sheet, Part) else Part("", sheet)
        part.name = f"xl/worksheets/sheet{i}.xml"
        parts.append(part)
    return parts


def xlsx(sheets: list[tuple[str, Part | bytes]], extra: list[Part] = ()) -> bytes:
    return zip_bytes([*workbook_parts(sheets), *extra])


def cells_xml(rows: list[list[tuple[str, str]]]) -> bytes:
    """A sheet from rows of (reference, inline text) cells."""
    body = "".join("<row>" + "".join(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>' for ref, v in r)
                   + "</row>" for r in rows)
    return SHEET_HEAD + body.encode() + SHEET_TAIL


HEADER_ROW = [("A1", "ma_don_vi"), ("B1", "ten_don_vi"), ("C1", "nam"), ("D1", "TRAIN_STAFF")]


def repeated_sheet(size: int, row: bytes = b"<row><c><v>1</v></c></row>") -> Part:
    """A sheet of about `size` bytes of identical rows, deflated block by block (see the module)."""
    block = row * max(1, (1 << 20) // len(row))
    n = max(1, size // len(block))
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = c.compress(SHEET_HEAD) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(SHEET_TAIL) + c.flush()
    crc = zlib.crc32(SHEET_HEAD)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(SHEET_TAIL, crc)
    real = len(SHEET_HEAD) + n * len(block) + len(SHEET_TAIL)
    return Part("", deflated=(head + piece * n + tail, real, crc))


def rows_sheet(n_rows: int, n_cols: int = 4) -> bytes:
    """A sheet of `n_rows` data rows under HEADER_ROW-like headers, `n_cols` numbers each."""
    head = "<row>" + "".join(f'<c r="{_col(j)}1" t="inlineStr"><is><t>c{j}</t></is></c>' for j in range(1, n_cols + 1))
    lines = [SHEET_HEAD, head.encode() + b"</row>"]
    for i in range(2, n_rows + 2):
        lines.append(b"<row>" + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (_col(j).encode(), i, j)
                                         for j in range(1, n_cols + 1)) + b"</row>")
    lines.append(SHEET_TAIL)
    return b"".join(lines)


def _strings(size: int) -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">'.encode()
    out, i = [head], 0
    while len(out) * 64 < size:  # each string about 64 bytes
        out.append(b"<si><t>Ph\xc6\xb0\xe1\xbb\x9dng s\xe1\xbb\x91 %09d Th\xc3\xa0nh ph\xe1\xbb\x91</t></si>" % i)
        i += 1
    return b"".join(out) + b"</sst>"


def _header_sheet() -> bytes:
    return cells_xml([HEADER_ROW, [("A2", "99001"), ("B2", "Phường Tây Thịnh"), ("C2", "2024"), ("D2", "70")]])


def _declared(sheet: Part, declared: int) -> Part:
    raw, _, crc = sheet.deflated
    return Part("", deflated=(raw, declared, crc), declared_size=declared)


BUILDERS = {
    # the file: a few MB that inflate to 1 GB of rows
    "bom-1gb.xlsx": lambda: xlsx([("Số liệu", repeated_sheet(1 << 30))]),
    # the same, its headers saying 4 KB: the scan stops at the row limit
    "bom-declared-small.xlsx": lambda: xlsx([("Số liệu", _declared(repeated_sheet(1 << 30), 4096))]),
    # 1 GB of empty styled cells declared 4 KB: neither rows nor cells, only the byte budget stops it
    "bom-empty-cells.xlsx": lambda: xlsx([("Số liệu", _declared(
        repeated_sheet(1 << 30, b'<row r="1"><c r="A1" s="1"/></row>'), 4096))]),
    # one value at the last cell Excel has: calamine asks for 512 GB and aborts the process
    "cell-at-XFD1048576.xlsx": lambda: xlsx([("Số liệu", cells_xml([HEADER_ROW, [("XFD1048576", "1")]]))]),
    # within the columns, over the cells: 10.000 × 368
    "grid-ND10000.xlsx": lambda: xlsx([("Số liệu", cells_xml([HEADER_ROW, [("ND10000", "1")]]))]),
    "rows-1m.xlsx": lambda: xlsx([("Số liệu", repeated_sheet(40 << 20, b'<row><c t="inlineStr"><is><t>x</t></is></c>'
                                                                     b"<c><v>1</v></c></row>"))]),
    "columns-16384.xlsx": lambda: xlsx([("Số liệu", SHEET_HEAD + b"<row>" + b"<c><v>1</v></c>" * 16384 + b"</row>"
                                         + SHEET_TAIL)]),
    "entries-5000.xlsx": lambda: xlsx([("Số liệu", _header_sheet())],
                                      [Part(f"xl/media/image{i}.png", b"x") for i in range(5000)]),
    "sheets-200.xlsx": lambda: xlsx([(f"Trang {i}", _header_sheet()) for i in range(1, 201)]),
    # the costliest workbook the guard lets through: 20.000 rows × 99 columns, just under the cells
    "largest-accepted.xlsx": lambda: xlsx([("Số liệu", rows_sheet(19_999, 99))]),
    # 90 MB of distinct shared strings (calamine loads them all when it opens the workbook)
    "shared-strings-90mb.xlsx": lambda: xlsx([("Số liệu", _header_sheet())], [Part("xl/sharedStrings.xml", _strings(90 << 20))]),
    # the costliest CSV let through: 20.000 rows × 99 columns
    "csv-largest-accepted.csv": lambda: (",".join(f"c{j}" for j in range(99)) + "\n").encode()
    + b"".join(b"%d," % i + b"12," * 97 + b"12\n" for i in range(20_000)),
    "csv-rows-1m.csv": lambda: b"ma_don_vi,ten_don_vi,nam,TRAIN_STAFF\n" + b"99001,x,2024,1\n" * 600_000,
    "csv-cells.csv": lambda: (",".join(f"c{j}" for j in range(200)) + "\n").encode() + (b"1," * 199 + b"1\n") * 20_000,
    "csv-blank-lines.csv": lambda: b"ma_don_vi,ten_don_vi\n" + b",\n" * ((10 << 20) // 2 - 20),
}


def build(name: str) -> bytes:
    return BUILDERS[name]()


def files() -> dict[str, bytes]:
    """Every hostile file, built (the benchmark measures them all)."""
    return {name: make() for name, make in BUILDERS.items()}
