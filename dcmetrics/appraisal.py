"""Appraisal by the level above: a value beside the unit's own, always with a reason."""

from __future__ import annotations

import polars as pl

from dcmetrics import access, audit, framework, sqlfiles
from dcmetrics.exact import six
from dcmetrics.errors import NotFound, Problem, ValidationError
from dcmetrics.fmt import fmt_num
from dcmetrics.store import Store, bump_data_version

APPRAISAL_COLUMNS = ["unit_code", "year", "indicator", "value", "numerator", "denominator", "reason", "appraiser"]


def check_appraisal(indicators: dict, unit_type: str | None, rec: dict, where: str) -> list[Problem]:
    """Problems of one appraisal record (same ranges as an upload, and a reason is required)."""
    out = []
    ind = indicators.get(rec["indicator"])
    if ind is None:
        return [Problem(where, f"chỉ tiêu «{rec['indicator']}» không có trong danh mục", rec["indicator"])]
    if unit_type is None:
        return [Problem(where, f"mã đơn vị «{rec['unit_code']}» không có trong danh mục đơn vị", rec["unit_code"])]
    if unit_type not in ind.applies:
        out.append(Problem(where, f"chỉ tiêu {ind.code} không áp dụng cho đơn vị «{rec['unit_code']}»", ind.code))
    if not (rec.get("reason") or "").strip():
        out.append(Problem(where, "thẩm định phải ghi rõ lý do"))
    if ind.kind == "ratio":
        n, d = rec.get("num"), rec.get("den")
        if n is None or d is None or n < 0 or d < 0 or n != int(n) or d != int(d) or n > d:
            out.append(Problem(where, "tỷ lệ thẩm định cần tử số và mẫu số nguyên, không âm, tử số không lớn hơn mẫu số"))
    else:
        v = rec.get("value")
        lo, hi = 0.0, {"percent": 100.0, "yesno": 1.0, "points": ind.max}.get(ind.kind)
        if v is None or v < lo or (hi is not None and v > hi):
            out.append(Problem(where, f"giá trị thẩm định «{fmt_num(v)}» ngoài phạm vi cho phép của {ind.code}",
                               None if v is None else str(v)))
        elif ind.kind in ("count", "yesno") and v != int(v):
            out.append(Problem(where, f"giá trị thẩm định của {ind.code} phải là số nguyên", str(v)))
        elif ind.kind == "points" and abs(v / ind.step - round(v / ind.step)) > 1e-9:
            out.append(Problem(where, f"điểm thẩm định phải là bội số của {fmt_num(ind.step)}", str(v)))
    return out


def set_appraisals(store: Store, actor, records: list[dict]) -> int:
    """Store appraised values (each dict: unit_code, year, indicator, value | num+den, reason)
    set by `actor`, a reviewer of the level above whose area holds every unit; all records are
    checked first, then stored in one transaction."""
    acct = access.require(store, actor, access.APPRAISE, unit_codes=sorted({r["unit_code"] for r in records}))
    _, _, indicators = framework.load_catalogue()
    types = dict(store.rows("SELECT code, type FROM units"))
    problems = []
    for i, rec in enumerate(records, 1):
        problems += check_appraisal(indicators, types.get(rec["unit_code"]), rec, f"thẩm định {i}")
    if problems:
        raise ValidationError(problems)
    frame = pl.DataFrame([{**r, **{k: six(r.get(k)) for k in ("value", "num", "den")},
                           "appraised_by": r.get("appraised_by") or acct.username} for r in records],
                         schema={"unit_code": pl.String, "year": pl.Int32, "indicator": pl.String,
                                 "value": pl.Float64, "num": pl.Float64, "den": pl.Float64,
                                 "reason": pl.String, "appraised_by": pl.String})
    with store.transaction() as cur:
        cur.register("incoming_appraisals", frame)
        cur.execute("INSERT INTO appraisals (unit_code, year, indicator, value, num, den, reason, appraised_by) "
                    "SELECT unit_code, year, indicator, value, num, den, reason, appraised_by FROM incoming_appraisals")
        cur.unregister("incoming_appraisals")
        if actor is not access.SYSTEM:  # the sample loader's thousands of rows are not a person's act
            for r in frame.iter_rows(named=True):
                audit.record(cur, acct, audit.APPRAISE, f"unit:{r['unit_code']}:{r['year']}:{r['indicator']}",
                             after={"value": r["value"], "num": r["num"], "den": r["den"], "reason": r["reason"]})
        for (year,), part in frame.group_by(["year"], maintain_order=True):  # the change log in a fixed order
            bump_data_version(cur, year, part["unit_code"].to_list())
    return frame.height


def appraisals_for_unit(store: Store, actor, unit_code: str, year: int) -> pl.DataFrame:
    access.require(store, actor, access.READ_SCORES, unit_codes=[unit_code])
    rows = store.frame(sqlfiles.load("unit_appraisals"), {"u": unit_code, "y": year})
    if rows.is_empty() and not store.rows("SELECT 1 FROM units WHERE code = $u", {"u": unit_code}):
        raise NotFound(f"Không có đơn vị mã «{unit_code}».")
    return rows
