"""A province's own bodies (agencies, public service units, enterprises) and the villages of its
communes (thôn, tổ dân phố, khu phố, ấp: no official list carries them) from an xlsx/CSV unit
list, with the same care as figures: every problem named by row, column and value, nothing
stored on any; the administrative units (province, districts, communes) come from
units.import_official and are not changed here."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from dcmetrics import access, audit
from dcmetrics.errors import Problem, ValidationError
from dcmetrics.ingest.codes import ZeroPadded, take
from dcmetrics.ingest.read import ROW, read_table
from dcmetrics.store import Store, bump_data_version
from dcmetrics.units import UNIT_COLUMNS, write_registry, all_units, check_units, normalise, village_parent_problem

# header (as a spreadsheet user writes it, folded) -> column
HEADERS = {
    "ma_don_vi": "code", "mã đơn vị": "code", "ten_don_vi": "name", "tên đơn vị": "name",
    "loai": "type", "loại": "type", "loại đơn vị": "type", "ma_cap_tren": "parent_code", "mã cấp trên": "parent_code",
    "cum_thi_dua": "cluster", "cụm thi đua": "cluster", "nam_bat_dau": "active_from", "năm bắt đầu": "active_from",
    "nam_ket_thuc": "active_to", "năm kết thúc": "active_to",
}
TYPE_WORDS = {"agency": "agency", "cơ quan": "agency", "cơ quan hành chính nhà nước": "agency",
              "service": "service", "đơn vị sự nghiệp": "service", "đơn vị sự nghiệp công lập": "service",
              "enterprise": "enterprise", "doanh nghiệp": "enterprise",
              "village": "village", "thôn": "village", "tổ dân phố": "village", "khu phố": "village", "ấp": "village",
              "khóm": "village", "bản": "village", "thôn, tổ dân phố, khu phố, ấp": "village",
              "thôn, tổ dân phố": "village"}


@dataclass(frozen=True)
class UnitListImport:
    added: int
    updated: int
    committed: bool
    # codes a spreadsheet stripped of their leading zeros, taken as the known code they stand for
    warnings: list[Problem] = field(default_factory=list)


def _problem(row: int, column: str, message: str, value: str | None) -> Problem:
    return Problem(f"dòng {row}, cột «{column}»", message, value)


def import_unit_list(store: Store, actor, content: bytes, file_name: str, commit: bool = True) -> UnitListImport:
    acct = access.require(store, actor, access.MANAGE_UNITS)
    table = read_table(content, file_name)
    header = {c: HEADERS.get(" ".join(c.split()).casefold()) for c in table.frame.columns if c != ROW}
    column_of = {v: k for k, v in header.items() if v}
    missing = [c for c in ("code", "name", "type", "parent_code") if c not in column_of]
    if missing:
        raise ValidationError([Problem("tệp", "thiếu cột bắt buộc: " + ", ".join(
            {"code": "ma_don_vi", "name": "ten_don_vi", "type": "loai", "parent_code": "ma_cap_tren"}[m]
            for m in missing))])
    registry = all_units(store).select(UNIT_COLUMNS)
    known = dict(zip(registry["code"].to_list(), registry["type"].to_list()))
    # the type each code of the file is given (a village's parent may be named before or after it)
    # a unit's own code is matched only to units this list may change (not to official ones)
    own, warnings = ZeroPadded(c for c, t in known.items() if t not in ("province", "district", "commune")), []
    cells = []
    for r in table.frame.iter_rows(named=True):
        cell = {k: (r[c] or "").strip() for k, c in column_of.items()}
        cell["code"] = take(cell["code"], f"dòng {r[ROW]}, cột «{column_of['code']}»", own, warnings)
        cells.append((r[ROW], cell))
    in_file = {cell["code"]: TYPE_WORDS.get(" ".join(cell["type"].split()).casefold()) for _, cell in cells}
    parents = ZeroPadded([*known, *in_file])
    problems, rows, seen = [], [], {}
    for n, cell in cells:
        cell["parent_code"] = take(cell["parent_code"], f"dòng {n}, cột «{column_of['parent_code']}»", parents,
                                   warnings)
        code, kind = cell["code"], TYPE_WORDS.get(" ".join(cell["type"].split()).casefold())
        if not code:
            problems.append(_problem(n, column_of["code"], "thiếu mã đơn vị", None))
            continue
        if code in seen:
            problems.append(_problem(n, column_of["code"], f"mã «{code}» đã có ở dòng {seen[code]}", code))
        seen[code] = n
        if known.get(code) in ("province", "district", "commune"):
            problems.append(_problem(n, column_of["code"], f"«{code}» là đơn vị hành chính chính thức: không sửa "
                                                           "bằng danh sách này", code))
        if not cell["name"]:
            problems.append(_problem(n, column_of["name"], "thiếu tên đơn vị", None))
        if kind is None:
            problems.append(_problem(n, column_of["type"], "loại đơn vị phải là «Cơ quan», «Đơn vị sự nghiệp», "
                                                           "«Doanh nghiệp» hoặc «Thôn», «Tổ dân phố», «Khu phố», «Ấp»",
                                     cell["type"] or None))
        parent = cell["parent_code"]
        if not parent or (parent not in known and parent not in in_file):
            problems.append(_problem(n, column_of["parent_code"], f"đơn vị cấp trên «{parent}» không có trong danh "
                                                                  "mục hay trong tệp", parent or None))
        elif kind and (wrong := village_parent_problem(kind, parent, in_file.get(parent) or known.get(parent))):
            problems.append(_problem(n, column_of["parent_code"], wrong, parent))
        years = {}
        for key in ("active_from", "active_to"):
            text = cell.get(key, "")
            if text and not (text.isdigit() and 2000 <= int(text) <= 2100):
                problems.append(_problem(n, column_of[key], "năm phải là số từ 2000 đến 2100", text))
            years[key] = int(text) if text.isdigit() else None
        rows.append({"code": code, "name": cell["name"], "type": kind or "agency", "parent_code": parent or None,
                     "cluster": cell.get("cluster") or None, **years})
    if not rows and not problems:
        problems.append(Problem("tệp", "tệp không có dòng đơn vị nào"))
    if problems:
        raise ValidationError(problems)
    frame = normalise(pl.DataFrame(rows, schema={"code": pl.String, "name": pl.String, "type": pl.String,
                                                 "parent_code": pl.String, "cluster": pl.String,
                                                 "active_from": pl.Int32, "active_to": pl.Int32}))
    union = pl.concat([normalise(registry.filter(~pl.col("code").is_in(frame["code"].implode()))), frame])
    problems = check_units(union)
    if problems:
        raise ValidationError(problems)
    result = UnitListImport(added=sum(c not in known for c in frame["code"]),
                            updated=sum(c in known for c in frame["code"]), committed=commit, warnings=warnings)
    if commit:
        with store.transaction() as cur:
            before = write_registry(cur, union)
            audit.record(cur, acct, audit.UNITS_REPLACE, f"unit_list:{file_name}", before={"units": before},
                         after={"units": union.height, "added": result.added, "updated": result.updated})
            bump_data_version(cur)
    return result


