"""Bytes of an uploaded file → a text-only table with the row numbers a user sees in Excel.

The kind of file is decided from its content, never from its name. Every cell stays text here
(validation decides what it means) and is normalised to NFC: files decoded from Windows-1258
keep tone marks as separate characters, and such text would silently fail joins and look-ups.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from dataclasses import dataclass

import polars as pl

from dcmetrics.errors import Problem, ValidationError
from dcmetrics.fmt import fmt_num
from dcmetrics.ingest import guard
from dcmetrics.ingest.guard import file_label

log = logging.getLogger(__name__)

ROW = "__row"  # Excel row number of a data row (the header is row 1)
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary .xls / .doc
UTF8_BOM = b"\xef\xbb\xbf"
# Excel's "Unicode text" (Văn bản Unicode): UTF-16 with its byte order mark, tab-separated
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# the unit-code column of the wide and long layouts (validate.py matches the same names)
UNIT_COLS = ("ma_don_vi", "mã đơn vị", "ma don vi", "mã đv")
# the sheets of the template workbook (template.py writes them)
DATA_SHEET = "Số liệu"
HELP_SHEET = "Giải thích"


@dataclass(frozen=True)
class RawTable:
    frame: pl.DataFrame  # every column a String, plus ROW
    kind: str            # csv | xlsx
    encoding: str        # utf-8, utf-8-sig, utf-16-le, utf-16-be, windows-1258, or xlsx
    delimiter: str
    decimal_comma: bool  # a ';'-separated CSV from a Vietnamese-locale Excel writes 12,5


CELL_LIMIT = 32_767  # characters in one cell: Excel's own limit, so no real score sheet has more


def _fail(message: str, value: str | None = None) -> ValidationError:
    return ValidationError([Problem("tệp", message, value)])


def _named(file_name: str) -> str:
    """« «x.csv»» after a noun, or nothing when the caller has no name."""
    return f" «{file_name}»" if file_name else ""


def _nfc(s: str | None) -> str | None:
    return None if s is None else unicodedata.normalize("NFC", s).strip()


def _utf16(content: bytes) -> str | None:
    """The encoding of a UTF-16 text file (by its byte order mark), or None."""
    return next((enc for bom, enc in UTF16_BOMS.items() if content.startswith(bom)), None)


def _decode(content: bytes, file_name: str) -> tuple[str, str]:
    enc16 = _utf16(content)
    if enc16:
        try:
            return content[2:].decode(enc16), enc16
        except UnicodeDecodeError:
            raise _fail(f"{file_label(file_name)} là văn bản Unicode (UTF-16) bị hỏng, không đọc được. Hãy lưu lại "
                        "tệp (Excel: Lưu thành › CSV UTF-8) rồi gửi lại.") from None
    if content.startswith(UTF8_BOM):
        try:
            return content[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:  # the BOM says UTF-8: another encoding would be a guess
            line = content[:3 + e.start].count(b"\n") + 1
            raise _fail(f"{file_label(file_name)} được đánh dấu là UTF-8 nhưng dòng {line} có byte không hợp lệ "
                        "(tệp bị hỏng hoặc bị sửa bằng chương trình khác). Hãy mở tệp bằng Excel, lưu lại "
                        "(Lưu thành › CSV UTF-8) rồi gửi lại.") from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError:
        raise _fail(f"Không đọc được bảng mã của tệp{_named(file_name)}. Hãy lưu tệp CSV bằng UTF-8 "
                    "(Excel: Lưu thành › CSV UTF-8) hoặc Windows-1258.") from None


def _looks_binary(content: bytes) -> bool:
    head = content[:4096]
    return b"\x00" in head or sum(b < 9 for b in head) > 4


def _is_empty(content: bytes) -> bool:
    """Nothing but white space, after a byte order mark (Excel's empty «CSV UTF-8» is only a BOM)."""
    enc16 = _utf16(content)
    if enc16:
        return not content[2:].decode(enc16, errors="replace").strip()
    if content.startswith(UTF8_BOM):
        content = content[3:]
    return not content.strip()


def read_table(content: bytes, file_name: str = "") -> RawTable:
    """Read CSV or XLSX bytes into a text table; refuses empty, oversized and non-spreadsheet files,
    and any file that would cost more than the limits of guard.py to read, before parsing it."""
    lim = guard.limits()
    guard.check_size(content, file_name, lim.max_bytes)
    try:
        table = _read(content, file_name, lim)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - a file must never reach the user as a traceback
        log.exception("unexpected failure reading %r", file_name)
        raise _fail(f"{file_label(file_name)} không đọc được (lỗi không lường trước khi đọc tệp). Hãy mở tệp bằng "
                    "Excel, lưu lại dạng .xlsx hoặc CSV UTF-8 rồi gửi lại; nếu vẫn lỗi, hãy gửi tệp cho quản trị."
                    ) from None
    if table.frame.height == 0:
        raise _fail(f"{file_label(file_name)} chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    if table.frame.height > lim.max_rows:
        raise _fail(f"{file_label(file_name)} có {fmt_num(table.frame.height, 0)} dòng, vượt giới hạn "
                    f"{fmt_num(lim.max_rows, 0)} dòng.")
    return table


def _read(content: bytes, file_name: str, lim: guard.Limits) -> RawTable:
    if _is_empty(content):
        raise _fail(f"{file_label(file_name)} rỗng, không có dòng dữ liệu nào.")
    if content.startswith(XLSX_MAGIC):
        return _read_xlsx(content, file_name, lim)
    if content.startswith(OLE_MAGIC):
        raise _fail(f"{file_label(file_name)} là định dạng Excel cũ (.xls) hoặc Word. Hãy lưu lại thành .xlsx hoặc CSV.")
    if content.startswith(b"%PDF"):
        raise _fail(f"{file_label(file_name)} là PDF, không phải bảng tính. Hãy gửi tệp .xlsx hoặc .csv theo mẫu.")
    if _utf16(content):
        return _read_csv(content, file_name, lim)  # tab-separated "Unicode text": NUL bytes are its encoding
    if _looks_binary(content):
        raise _fail(f"{file_label(file_name)} không phải bảng tính (.xlsx) hay tệp văn bản CSV.")
    return _read_csv(content, file_name, lim)


def _outside_quotes(line: str) -> str:
    """The characters of a CSV line that stand outside double quotes."""
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            out.append(ch)
    return "".join(out)


def _read_csv(content: bytes, file_name: str, lim: guard.Limits) -> RawTable:
    """Rows are read one at a time and kept only within the row and cell budget; the rest of the file
    is still counted (it is bounded by the upload size), so the messages give the real figures."""
    text, encoding = _decode(content, file_name)
    text = unicodedata.normalize("NFC", text)
    head = text[:1 << 20].splitlines()  # the header line, without splitting the whole file
    outside = _outside_quotes(head[0] if head else "")  # names in headers may hold commas inside quotes
    delimiter = max([",", ";", "\t"], key=outside.count)
    if outside.count(delimiter) == 0:
        raise _fail(f"Không nhận ra dấu phân cách cột của tệp CSV{_named(file_name)} (dấu phẩy hoặc chấm phẩy) ở "
                    "dòng tiêu đề.")
    # the csv module refuses a field over 128 KiB with an exception; the file is already bounded by
    # the upload size, so read any length and judge the cell against Excel's own limit below
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    long: list[tuple[int, int, int]] = []
    wide: Problem | None = None
    header_cells: list[str] = []
    header: list[str] = []
    body: list[list] = []
    kept = lim.max_rows
    n_rows = 0
    # blank lines are skipped, not kept, but each costs a step: Excel leaves a few hundred at most
    most_lines = 2 * lim.max_rows + 10_000
    try:
        for i, r in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if i > most_lines:
                raise _fail(f"{file_label(file_name)} có hơn {fmt_num(most_lines, 0)} dòng kể cả dòng trống, vượt "
                            f"giới hạn {fmt_num(lim.max_rows, 0)} dòng số liệu. Hãy xóa các dòng trống thừa rồi gửi lại.")
            if r and max(map(len, r)) > CELL_LIMIT:
                long.extend((i, j, len(c)) for j, c in enumerate(r) if len(c) > CELL_LIMIT)
                del long[20:]
            if i == 1:
                header_cells = r
                if len(r) > lim.max_columns:
                    raise _fail(f"{file_label(file_name)}: dòng tiêu đề có {fmt_num(len(r), 0)} cột, vượt giới hạn "
                                f"{fmt_num(lim.max_columns, 0)} cột.")
                header = [_nfc(h) or "" for h in r]
                kept = min(lim.max_rows, lim.max_cells // max(1, len(header)))
                continue
            if not "".join(r).strip():
                continue  # blank lines at the end of Excel exports
            if len(r) > len(header) and wide is None and "".join(r[len(header):]).strip():
                wide = Problem(f"dòng {i}", f"dòng có {len(r)} ô nhưng tiêu đề chỉ có {len(header)} cột")
            n_rows += 1
            if n_rows > lim.max_rows:
                break  # the rest is not read: the file is refused whatever it holds
            if n_rows <= kept and not long and wide is None:
                cells = [_nfc(c) for c in r] + [None] * (len(header) - len(r))
                body.append([*cells[:len(header)], str(i)])
    except csv.Error as e:
        raise _fail(f"{file_label(file_name)} không đọc được như tệp CSV (lỗi của bộ đọc: {e}). Hãy mở tệp bằng "
                    "Excel và lưu lại dạng CSV UTF-8.") from None
    if long:
        raise ValidationError([
            Problem(f"dòng {i}, cột «{header_cells[j] if j < len(header_cells) and i > 1 else j + 1}»",
                    f"ô dài {fmt_num(n, 0)} ký tự, quá giới hạn {fmt_num(CELL_LIMIT, 0)} ký tự của một ô (giới hạn "
                    "của Excel); tệp số liệu không có ô dài như vậy")
            for i, j, n in long])
    if wide is not None:
        raise ValidationError([wide])
    if n_rows > lim.max_rows:
        raise _fail(f"{file_label(file_name)} có hơn {fmt_num(lim.max_rows, 0)} dòng, vượt giới hạn "
                    f"{fmt_num(lim.max_rows, 0)} dòng.")
    if n_rows > kept:
        raise _fail(f"{file_label(file_name)}: {fmt_num(n_rows, 0)} dòng × {fmt_num(len(header), 0)} cột, vượt giới "
                    f"hạn {fmt_num(lim.max_cells, 0)} ô của một tệp. Hãy chia tệp theo đơn vị rồi gửi lại.")
    frame = _frame(header, body)
    return RawTable(frame, "csv", encoding, delimiter, decimal_comma=delimiter == ";")


def _sheet_rows(reader, name: str) -> list[list[str | None]]:
    """A sheet's rows as NFC text (None for an empty cell), without its trailing blank rows."""
    sheet = reader.load_sheet(name, header_row=None, dtypes="string")
    rows = [[_nfc(None if c is None else str(c)) or None for c in r]
            for r in pl.from_arrow(sheet.to_arrow()).iter_rows()] if sheet.height else []
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _holds_units(rows: list[list[str | None]]) -> bool:
    """A header with a unit-code column and at least one row under it: figures of units."""
    first = next((i for i, r in enumerate(rows) if any(r)), None)
    if first is None:
        return False
    header = {" ".join(c.split()).casefold() for c in rows[first] if c}
    return bool(header & set(UNIT_COLS)) and any(any(r) for r in rows[first + 1:])


def _read_xlsx(content: bytes, file_name: str, lim: guard.Limits) -> RawTable:
    """The template's sheet «Số liệu» when the workbook has one, else its first sheet. Figures of
    units on any other sheet are refused, never dropped without a word. guard.check_xlsx has
    bounded the workbook (parts, inflated size, every sheet's grid) before fastexcel opens it: fastexcel
    reads a whole sheet whatever its `n_rows` says, so the bound cannot be left to it."""
    import fastexcel

    guard.check_xlsx(content, file_name, lim)
    try:
        reader = fastexcel.read_excel(content)
        names = list(reader.sheet_names)
        target = DATA_SHEET if DATA_SHEET in names else names[0]
        rows = _sheet_rows(reader, target)
        others = {}  # only what the messages need, one sheet in memory at a time
        for n in names:
            if n not in (target, HELP_SHEET):
                o = _sheet_rows(reader, n)
                others[n] = (sum(1 for r in o if any(r)), _holds_units(o))
                del o
    except Exception:  # noqa: BLE001 - any parser failure means the same thing to the user
        raise guard.corrupt(file_name) from None
    if not rows:
        filled = [(n, k) for n, (k, _) in others.items() if k]
        if filled:
            n, k = filled[0]
            raise _fail(f"Trang tính «{target}» không có dữ liệu, nhưng trang «{n}» có {fmt_num(k, 0)} dòng. "
                        f"Số liệu chỉ được đọc từ trang «{target}»: hãy chép số liệu sang trang đó "
                        "(hoặc xóa trang trống) rồi gửi lại.", n)
        raise _fail(f"Trang tính «{target}» của tệp không có dữ liệu.")
    extra = [n for n, (_, units) in others.items() if units]
    if extra:
        raise _fail(f"Trang tính «{extra[0]}» cũng có số liệu của đơn vị, nhưng chỉ trang «{target}» được đọc. "
                    f"Hãy gộp số liệu vào trang «{target}» (hoặc xóa trang «{extra[0]}») rồi gửi lại.", extra[0])
    header = [h or "" for h in rows[0]]
    body = []
    for i, r in enumerate(rows[1:], 2):
        if not any(r):
            continue
        body.append([*r, str(i)])
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
