"""Bytes of an uploaded file → a text-only table with the row numbers a user sees in Excel.

The kind of file is decided from its content, never from its name. Every cell stays text here
(validation decides what it means) and is normalised to NFC: files decoded from Windows-1258
keep tone marks as separate characters, and such text would silently fail joins and look-ups.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

import polars as pl

from dcmetrics import config
from dcmetrics.errors import Problem, ValidationError
from dcmetrics.fmt import fmt_num

ROW = "__row"  # Excel row number of a data row (the header is row 1)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls / .doc


@dataclass(frozen=True)
class RawTable:
    frame: pl.DataFrame  # every column a String, plus ROW
    kind: str            # csv | xlsx
    encoding: str        # utf-8, utf-8-sig, windows-1258, or xlsx
    delimiter: str
    decimal_comma: bool  # a ';'-separated CSV from a Vietnamese-locale Excel writes 12,5


def _fail(message: str, value: str | None = None) -> ValidationError:
    return ValidationError([Problem("tệp", message, value)])


def _nfc(s: str | None) -> str | None:
    return None if s is None else unicodedata.normalize("NFC", s).strip()


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8"), "utf-8-sig"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError:
        raise _fail("Không đọc được bảng mã của tệp. Hãy lưu tệp CSV bằng UTF-8 "
                    "(Excel: Lưu thành › CSV UTF-8) hoặc Windows-1258.") from None


def _looks_binary(content: bytes) -> bool:
    head = content[:4096]
    return b"\x00" in head or sum(b < 9 for b in head) > 4


def read_table(content: bytes, file_name: str = "") -> RawTable:
    """Read CSV or XLSX bytes into a text table; refuses empty, oversized and non-spreadsheet files."""
    limit = config.max_upload_bytes()
    if len(content) > limit:
        raise _fail(f"Tệp dung lượng {fmt_num(len(content) / 1048576, 1)} MB, vượt giới hạn "
                    f"{fmt_num(limit / 1048576, 1)} MB. Hãy chia tệp theo đơn vị hoặc liên hệ quản trị.")
    if not content.strip():
        raise _fail("Tệp rỗng, không có dòng dữ liệu nào.")
    if content.startswith(XLSX_MAGIC):
        table = _read_xlsx(content)
    elif content.startswith(OLE_MAGIC):
        raise _fail("Tệp là định dạng Excel cũ (.xls) hoặc Word. Hãy lưu lại thành .xlsx hoặc CSV.")
    elif content.startswith(b"%PDF"):
        raise _fail("Tệp là PDF, không phải bảng tính. Hãy gửi tệp .xlsx hoặc .csv theo mẫu.")
    elif _looks_binary(content):
        raise _fail("Tệp không phải bảng tính (.xlsx) hay tệp văn bản CSV.")
    else:
        table = _read_csv(content)
    if table.frame.height == 0:
        raise _fail("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    if table.frame.height > config.max_upload_rows():
        raise _fail(f"Tệp có {table.frame.height} dòng, vượt giới hạn {config.max_upload_rows()} dòng.")
    return table


def _outside_quotes(line: str) -> str:
    """The characters of a CSV line that stand outside double quotes."""
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            out.append(ch)
    return "".join(out)


def _read_csv(content: bytes) -> RawTable:
    text, encoding = _decode(content)
    text = unicodedata.normalize("NFC", text)
    first = text.splitlines()[0] if text.splitlines() else ""
    outside = _outside_quotes(first)  # names in headers may hold commas inside quotes
    delimiter = max([",", ";", "\t"], key=outside.count)
    if outside.count(delimiter) == 0:
        raise _fail("Không nhận ra dấu phân cách cột của tệp CSV (dấu phẩy hoặc chấm phẩy) ở dòng tiêu đề.")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [_nfc(h) or "" for h in rows[0]]
    body = []
    for i, r in enumerate(rows[1:], 2):
        if not any(c.strip() for c in r):
            continue  # blank lines at the end of Excel exports
        cells = [_nfc(c) for c in r] + [None] * (len(header) - len(r))
        if len(r) > len(header) and any(c.strip() for c in r[len(header):]):
            raise ValidationError([Problem(f"dòng {i}", f"dòng có {len(r)} ô nhưng tiêu đề chỉ có {len(header)} cột")])
        body.append([*cells[:len(header)], str(i)])
    frame = _frame(header, body)
    return RawTable(frame, "csv", encoding, delimiter, decimal_comma=delimiter == ";")


def _read_xlsx(content: bytes) -> RawTable:
    import fastexcel

    try:
        reader = fastexcel.read_excel(content)
        sheet = reader.load_sheet(0, header_row=None, dtypes="string")
        df = pl.from_arrow(sheet.to_arrow())
    except Exception:  # noqa: BLE001 - any parser failure means the same thing to the user
        raise _fail("Tệp có đuôi bảng tính nhưng không đọc được (tệp hỏng hoặc không phải .xlsx).") from None
    if df.height == 0:
        raise _fail("Trang tính đầu tiên của tệp không có dữ liệu.")
    rows = [list(r) for r in df.iter_rows()]
    header = [_nfc(h) or "" for h in rows[0]]
    body = []
    for i, r in enumerate(rows[1:], 2):
        if not any(c is not None and str(c).strip() for c in r):
            continue
        body.append([_nfc(None if c is None else str(c)) for c in r] + [str(i)])
    return RawTable(_frame(header, body), "xlsx", "xlsx", "", decimal_comma=False)


def _frame(header: list[str], body: list[list]) -> pl.DataFrame:
    seen: dict[str, int] = {}
    names = []
    for h in header:
        # keep duplicate headers distinguishable so validation can name them
        n = seen.get(h, 0)
        seen[h] = n + 1
        names.append(h if n == 0 else f"{h}\u0000{n}")
    return pl.DataFrame(body, schema=[*names, ROW], orient="row",
                        schema_overrides={c: pl.String for c in [*names, ROW]})
