"""A text table from read.py → observations, or every problem with row, column and value.

The whole file is checked before anything is stored. Blocking problems are collected, not
raised one by one, so a data officer fixes the file in one pass.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import polars as pl

from dcmetrics import config, exact
from dcmetrics.errors import Problem
from dcmetrics.fmt import fmt_num
from dcmetrics.framework_model import Indicator
from dcmetrics.ingest import codes as zero_codes
from dcmetrics.ingest.read import ROW, UNIT_COLS, RawTable

NAME_COLS = ("ten_don_vi", "tên đơn vị", "ten don vi")
YEAR_COLS = ("nam", "năm")
# the long layout: one row per unit and indicator
INDICATOR_COLS = ("ma_chi_tieu", "mã chỉ tiêu", "chi_tieu", "chỉ tiêu")
VALUE_COLS = ("gia_tri", "giá trị")
NUM_COLS = ("tu_so", "tử số")
DEN_COLS = ("mau_so", "mẫu số")
YES = {"có", "co", "x", "1", "true", "đúng", "yes", "c"}
NO = {"không", "khong", "0", "false", "sai", "no", "k"}
TOO_LARGE = "số quá lớn: phần mềm nhận số nhỏ hơn 1.000.000.000.000"
OBS_SCHEMA = {"unit_code": pl.String, "year": pl.Int32, "indicator": pl.String, "value": pl.Float64,
              "num": pl.Float64, "den": pl.Float64, "raw": pl.String, "row": pl.Int32}


@dataclass
class Parsed:
    observations: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    unit_column: str = "ma_don_vi"  # the file's header of the unit-code column


_SPACES = re.compile(r"\s+")
# a file repeats the same few cells (Có, Không, 0, 1 ...) thousands of times: _key and _number are
# pure, kept for the last few thousand texts (bounded: a hostile file's million distinct cells
# cannot grow them)
_MEMO = 8192


@lru_cache(maxsize=_MEMO)
def _key(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u0000", " ").strip()).casefold()


def _column_map(headers: list[str], indicators: dict[str, Indicator]) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Header → (indicator code, part) where part is value | num | den; and unknown headers."""
    by_name = {_key(i.name): i.code for i in indicators.values()}
    codes = {c.casefold(): c for c in indicators}
    mapped, unknown = {}, []
    for h in headers:
        k = _key(h)
        if k in UNIT_COLS + NAME_COLS + YEAR_COLS or h == ROW:
            continue
        m = re.search(r"\(([A-Za-z0-9_]+)\)\s*$", h)  # template headers: "Tên chỉ tiêu (CODE__TU)"
        token = (m.group(1) if m else h).strip().casefold()
        part = "value"
        for suffix, p in (("__tu", "num"), ("__mau", "den")):
            if token.endswith(suffix):
                token, part = token[: -len(suffix)], p
        code = codes.get(token) or (by_name.get(k) if part == "value" else None)
        if code is None:
            unknown.append(h)
        else:
            mapped[h] = (code, part)
    return mapped, unknown


@lru_cache(maxsize=_MEMO)
def _number(text: str, decimal_comma: bool) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma or ("," in t and "." not in t and t.count(",") == 1):
        t = t.replace(",", ".")
    if t.endswith("%"):
        t = t[:-1]
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    # kept as the exact scoring keeps it: 6 decimals, half up (a spreadsheet formula writes 66.66666666666667)
    return float(exact.dec(d)) if abs(d) < exact.LIMIT else math.inf


MAX_PADDED = 12  # longest code a stripped one is padded back to (commune codes have 5 digits)


def file_unit_codes(table: RawTable) -> list[str]:
    """The unit codes a file names (its unit column, trimmed as validation reads them): what the
    unit directory must hold for validate, rather than every unit of the registry."""
    col = next((h for h in table.frame.columns if h != ROW and _key(h) in UNIT_COLS), None)
    if col is None:
        return []
    typed = (table.frame.select(pl.col(col).cast(pl.String).str.strip_chars().drop_nulls().unique())
             .to_series().to_list())
    # and the codes a spreadsheet may have stripped of their zeros (ingest/codes.py): «4» may be «00004»
    padded = [c.zfill(n) for c in typed if c.isdigit() and not c.startswith("0")
              for n in range(len(c) + 1, MAX_PADDED + 1)]
    return typed + padded


def _directory(units: pl.DataFrame) -> tuple[dict, dict]:
    """unit type and (active_from, active_to) by code."""
    codes = units["code"].to_list()
    return (dict(zip(codes, units["type"].to_list())),
            dict(zip(codes, zip(units["active_from"].to_list(), units["active_to"].to_list()))))


def validate(table: RawTable, indicators: dict[str, Indicator], units: pl.DataFrame,
             allowed: set[str], year: int) -> Parsed:
    """Check a table for `year` (wide: one row per unit; long: one row per unit and indicator);
    `allowed` = unit codes the uploader may send."""
    if any(_key(h) in INDICATOR_COLS for h in table.frame.columns):
        return validate_long(table, indicators, units, allowed, year)
    return validate_wide(table, indicators, units, allowed, year)


def _unit_problem(code: str, where: str, unit_type: dict, active: dict, allowed: set[str], year: int) -> Problem | None:
    """Why a unit code cannot be taken in this file, or None."""
    if not code:
        return Problem(where, "thiếu mã đơn vị", "")
    if code not in unit_type:
        return Problem(where, f"mã đơn vị «{code}» không có trong danh mục đơn vị", code)
    if code not in allowed:
        return Problem(where, f"đơn vị «{code}» không thuộc địa bàn được phép gửi số liệu", code)
    if unit_type[code] not in config.UNIT_TYPES:
        return Problem(where, f"«{code}» là địa bàn (tỉnh, huyện), không phải đơn vị được đánh giá", code)
    a_from, a_to = active[code]
    if (a_from and year < a_from) or (a_to and year > a_to):
        return Problem(where, f"đơn vị «{code}» không hoạt động trong năm {year}", code)
    return None


def _padded(unit_type: dict, allowed: set[str]) -> zero_codes.ZeroPadded:
    """The codes of the uploader's area, for codes a spreadsheet stripped of their leading zeros."""
    return zero_codes.ZeroPadded(c for c in unit_type if c in allowed)


def _year_problem(r: dict, year_col: str | None, n: int, year: int) -> Problem | None:
    y = (r[year_col] or "").strip() if year_col else ""
    if y and y != str(year):
        return Problem(f"dòng {n}, cột «{year_col}»", f"năm {y} khác năm đang nhập số liệu {year}", y)
    return None


def _missing_rows(indicators: dict[str, Indicator], utype: str, code: str, n: int, given: set[str], year: int) -> list[tuple]:
    """Applicable indicators the file says nothing about: stored empty, so the unit shows as incomplete."""
    return [(code, year, c, None, None, None, None, n)
            for c, ind in indicators.items()
            if utype in ind.applies and ind.entered_by == "unit" and c not in given]


def _finish(rows: list[tuple], problems: list[Problem], warnings: list[Problem], seen: list[str],
            unit_column: str) -> Parsed:
    # rows are tuples in OBS_SCHEMA's order: a frame of 14,000 dicts cost a fifth of the validation
    obs = pl.DataFrame(rows, schema=OBS_SCHEMA, orient="row") if rows else pl.DataFrame(schema=OBS_SCHEMA)
    empty = obs.filter(pl.col("value").is_null() & pl.col("num").is_null() & pl.col("den").is_null())
    for code_, cnt in empty.group_by("unit_code").len().sort("unit_code").iter_rows():
        warnings.append(Problem(f"đơn vị {code_}", f"{cnt} chỉ tiêu áp dụng chưa có số liệu: đơn vị sẽ bị đánh dấu thiếu số liệu"))
    return Parsed(obs, problems, warnings, sorted(seen), unit_column)


def validate_long(table: RawTable, indicators: dict[str, Indicator], units: pl.DataFrame,
                  allowed: set[str], year: int) -> Parsed:
    """One row per unit and indicator: ma_don_vi, ma_chi_tieu, gia_tri (or tu_so and mau_so), nam."""
    problems: list[Problem] = []
    df = table.frame
    headers = [c for c in df.columns if c != ROW]

    def col_of(names) -> str | None:
        return next((h for h in headers if _key(h) in names), None)

    unit_col, ind_col, val_col = col_of(UNIT_COLS), col_of(INDICATOR_COLS), col_of(VALUE_COLS)
    num_col, den_col, year_col = col_of(NUM_COLS), col_of(DEN_COLS), col_of(YEAR_COLS)
    if unit_col is None:
        problems.append(Problem("dòng 1", "thiếu cột bắt buộc «ma_don_vi» (mã đơn vị)"))
    if val_col is None and num_col is None:
        problems.append(Problem("dòng 1", "thiếu cột «gia_tri» (giá trị) hoặc hai cột «tu_so», «mau_so»"))
    known = {unit_col, ind_col, val_col, num_col, den_col, year_col} | {col_of(NAME_COLS)}
    for h in headers:
        if h not in known:
            problems.append(Problem(f"dòng 1, cột «{h}»", "cột không dùng trong bảng dạng dọc (đơn vị, chỉ tiêu, giá trị)", h))
    if problems:
        return Parsed(pl.DataFrame(schema=OBS_SCHEMA), problems, [])
    by_name = {_key(i.name): c for c, i in indicators.items()}
    codes = {c.casefold(): c for c in indicators}
    unit_type, active = _directory(units)
    rows, warnings, given, first_row = [], [], {}, {}
    seen_pairs: dict[tuple[str, str], int] = {}
    padded = _padded(unit_type, allowed)
    for r in df.iter_rows(named=True):
        n = int(r[ROW])
        code = zero_codes.take((r[unit_col] or "").strip(), f"dòng {n}, cột «{unit_col}»", padded, warnings)
        bad = _unit_problem(code, f"dòng {n}, cột «{unit_col}»", unit_type, active, allowed, year) \
            or _year_problem(r, year_col, n, year)
        if bad:
            problems.append(bad)
            continue
        token = (r[ind_col] or "").strip()
        ind_code = codes.get(token.casefold()) or by_name.get(_key(token))
        if ind_code is None:
            problems.append(Problem(f"dòng {n}, cột «{ind_col}»", f"«{token}» không phải mã hay tên chỉ tiêu trong danh mục", token))
            continue
        ind = indicators[ind_code]
        if (code, ind_code) in seen_pairs:
            problems.append(Problem(f"dòng {n}, cột «{ind_col}»", f"đơn vị «{code}» có chỉ tiêu {ind_code} hai lần "
                                    f"(dòng {seen_pairs[(code, ind_code)]} và dòng {n})", ind_code))
            continue
        seen_pairs[(code, ind_code)] = n
        first_row.setdefault(code, n)
        if ind.entered_by == "superior":
            problems.append(Problem(f"dòng {n}, cột «{ind_col}»", f"chỉ tiêu {ind_code} do cấp trên chấm, đơn vị không gửi", ind_code))
            continue
        if unit_type[code] not in ind.applies:
            warnings.append(Problem(f"dòng {n}", f"chỉ tiêu {ind_code} không áp dụng cho loại đơn vị này; giá trị bị bỏ qua", token))
            continue
        if ind.kind == "ratio":
            if num_col is None or den_col is None:
                problems.append(Problem(f"dòng {n}", f"chỉ tiêu {ind_code} cần hai cột «tu_so» và «mau_so»", ind_code))
                continue
            cols = {"num": num_col, "den": den_col}
        else:
            if val_col is None:
                problems.append(Problem(f"dòng {n}", f"chỉ tiêu {ind_code} cần cột «gia_tri»", ind_code))
                continue
            cols = {"value": val_col}
        rec = _cell(ind, cols, r, n, table.decimal_comma, False, problems)
        if rec is not None:
            rows.append((code, year, ind_code, *rec, n))
            given.setdefault(code, set()).add(ind_code)
    for code, n in first_row.items():
        rows += _missing_rows(indicators, unit_type[code], code, n, given.get(code, set()), year)
    return _finish(rows, problems, warnings, list(first_row), unit_col)


def validate_wide(table: RawTable, indicators: dict[str, Indicator], units: pl.DataFrame,
                  allowed: set[str], year: int) -> Parsed:
    """One row per unit, one column per indicator (two for a ratio)."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    df = table.frame
    headers = [c for c in df.columns if c != ROW]

    def col_of(names) -> str | None:
        return next((h for h in headers if _key(h) in names), None)

    unit_col, year_col = col_of(UNIT_COLS), col_of(YEAR_COLS)
    if unit_col is None:
        problems.append(Problem("dòng 1", "thiếu cột bắt buộc «ma_don_vi» (mã đơn vị)"))
    for h in headers:
        if "\u0000" in h:
            problems.append(Problem("dòng 1", f"cột «{h.split(chr(0))[0]}» xuất hiện nhiều lần", h.split("\u0000")[0]))
        elif not h.strip():
            problems.append(Problem("dòng 1", "có cột không có tiêu đề"))
    mapped, unknown = _column_map([h for h in headers if "\u0000" not in h and h.strip()], indicators)
    for h in unknown:
        problems.append(Problem(f"dòng 1, cột «{h}»", "cột không khớp mã hay tên chỉ tiêu nào trong danh mục", h))
    parts: dict[str, dict[str, str]] = {}
    for h, (code, part) in mapped.items():
        if indicators[code].entered_by == "superior":
            problems.append(Problem(f"dòng 1, cột «{h}»",
                                    f"chỉ tiêu {code} do cấp trên chấm, đơn vị không gửi trong tệp", h))
            continue
        kind = indicators[code].kind
        if (kind == "ratio") != (part != "value"):
            want = f"hai cột «{code}__TU» (tử số) và «{code}__MAU» (mẫu số)" if kind == "ratio" else f"cột «{code}»"
            problems.append(Problem(f"dòng 1, cột «{h}»", f"chỉ tiêu {code} cần {want}", h))
            continue
        if part in parts.get(code, {}):
            problems.append(Problem(f"dòng 1, cột «{h}»", f"chỉ tiêu {code} có hai cột", h))
        parts.setdefault(code, {})[part] = h
    for code, p in parts.items():
        if indicators[code].kind == "ratio" and set(p) != {"num", "den"}:
            miss = "__MAU" if "num" in p else "__TU"
            problems.append(Problem("dòng 1", f"thiếu cột «{code}{miss}» đi cùng cột tỷ lệ của {code}"))
    if problems:
        return Parsed(pl.DataFrame(schema=OBS_SCHEMA), problems, warnings)

    unit_type, active = _directory(units)
    # x/blank convention: a yes/no column holding an 'x' and no explicit 'no' reads blanks as Không
    x_blank = set()
    for code, p in parts.items():
        if indicators[code].kind == "yesno":
            vals = {(_key(v) if v else "") for v in df[p["value"]].to_list()}
            if "x" in vals and not (vals & (NO | {"có", "co", "1", "true"})):
                x_blank.add(code)

    rows, seen_units = [], {}
    padded = _padded(unit_type, allowed)
    for r in df.iter_rows(named=True):
        n = int(r[ROW])
        where = f"dòng {n}, cột «{unit_col}»"
        code = zero_codes.take((r[unit_col] or "").strip(), where, padded, warnings)
        if code and code in seen_units:
            problems.append(Problem(where, f"đơn vị «{code}» xuất hiện hai lần (dòng {seen_units[code]} và dòng {n})", code))
            continue
        if code:
            seen_units[code] = n
        bad = _unit_problem(code, where, unit_type, active, allowed, year) or _year_problem(r, year_col, n, year)
        if bad:
            problems.append(bad)
            continue
        utype = unit_type[code]
        for ind_code, p in parts.items():
            ind = indicators[ind_code]
            if utype not in ind.applies:
                cells = [r[c] for c in p.values() if r[c]]
                if cells:
                    warnings.append(Problem(f"dòng {n}, cột «{p.get('value') or p.get('num')}»",
                                            f"chỉ tiêu {ind_code} không áp dụng cho loại đơn vị này; giá trị bị bỏ qua",
                                            cells[0]))
                continue
            rec = _cell(ind, p, r, n, table.decimal_comma, ind_code in x_blank, problems)
            if rec is not None:
                rows.append((code, year, ind_code, *rec, n))
        rows += _missing_rows(indicators, utype, code, n, set(parts), year)
    return _finish(rows, problems, warnings, list(seen_units), unit_col)


@lru_cache(maxsize=_MEMO)
def _ratio_raw(num: float, den: float) -> str:
    return f"{fmt_num(num)}/{fmt_num(den)}"


def _cell(ind: Indicator, cols: dict[str, str], r: dict, n: int, decimal_comma: bool, x_blank: bool,
          problems: list[Problem]) -> tuple | None:
    """One indicator of one row → (value, num, den, raw), or a problem naming row, column and value."""
    def bad(col: str, raw: str, msg: str) -> None:
        problems.append(Problem(f"dòng {n}, cột «{col}»", msg, raw))

    if ind.kind == "ratio":
        vals = {}
        for part in ("num", "den"):
            col = cols[part]
            raw = (r[col] or "").strip()
            if not raw:
                vals[part] = None
                continue
            v = _number(raw, decimal_comma)
            if v is None:
                bad(col, raw, f"«{raw}» không phải là số; cần một số nguyên từ 0 trở lên")
                return None
            if math.isinf(v):
                bad(col, raw, TOO_LARGE)
                return None
            if v < 0 or v != int(v):
                bad(col, raw, f"{'tử số' if part == 'num' else 'mẫu số'} phải là số nguyên từ 0 trở lên, "
                         f"đang là {fmt_num(v)}")
                return None
            vals[part] = v
        if (vals["num"] is None) != (vals["den"] is None):
            col = cols["num"] if vals["num"] is None else cols["den"]
            bad(col, "", "tỷ lệ cần đủ cả tử số và mẫu số (nếu không phát sinh, ghi 0 và 0)")
            return None
        if vals["num"] is not None and vals["num"] > vals["den"]:
            bad(cols["num"], r[cols["num"]], f"tử số {fmt_num(vals['num'])} lớn hơn mẫu số {fmt_num(vals['den'])}")
            return None
        raw = None if vals["num"] is None else _ratio_raw(vals["num"], vals["den"])
        return None, vals["num"], vals["den"], raw

    col = cols["value"]
    raw = (r[col] or "").strip()
    if not raw:
        if ind.kind == "yesno" and x_blank:
            return 0.0, None, None, ""
        return None, None, None, None
    if ind.kind == "yesno":
        k = _key(raw)
        if k in YES:
            return 1.0, None, None, raw
        if k in NO:
            return 0.0, None, None, raw
        bad(col, raw, f"«{raw}» không phải Có/Không; ghi «Có» hoặc «Không» (hoặc x/để trống, 1/0)")
        return None
    v = _number(raw, decimal_comma)
    if v is None:
        bad(col, raw, f"«{raw}» không phải là số")
        return None
    if math.isinf(v):
        bad(col, raw, TOO_LARGE)
        return None
    if ind.kind == "percent" and not 0 <= v <= 100:
        bad(col, raw, f"tỷ lệ phải từ 0 đến 100, đang là {fmt_num(v)}")
        return None
    if ind.kind == "count" and (v < 0 or v != int(v)):
        bad(col, raw, f"số lượng phải là số nguyên từ 0 trở lên, đang là {fmt_num(v)}")
        return None
    if ind.kind == "points":
        if not 0 <= v <= ind.max:
            bad(col, raw, f"điểm phải từ 0 đến {fmt_num(ind.max)}, đang là {fmt_num(v)}")
            return None
        if abs(v / ind.step - round(v / ind.step)) > 1e-9:
            bad(col, raw, f"điểm phải là bội số của {fmt_num(ind.step)}, đang là {fmt_num(v)}")
            return None
    return v, None, None, raw
