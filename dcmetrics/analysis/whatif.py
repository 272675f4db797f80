"""What-if for one unit and year: change some of its values and see the points, total, level and
rank they would give, scored by the same SQL chain as a real upload (scoring.score with a
Pending file of the unit's values), nothing stored.

How a hypothetical is scored: the unit's values on the chosen basis (the appraised value where
that basis uses one) become a pending file of that one unit, scored on the self-assessed basis so
that the typed value is the one scored (on the appraised basis an appraisal would override it).
Values the level above enters (entered_by = "superior") always take the appraisal in the chain,
so they are shown but not changed here.

The rank is the one the unit would take among the year's stored totals of the same profile and
basis: the other units' totals unchanged, this unit's new total put in, ties sharing the lowest
rank (as ranks.sql does).

Suggestions to reach the next level (`suggest`) are greedy: from the unit's own gaps (items not at
full points), each set to the value that gives it full points, first what lifts the groups under
the level's floor, then the items gaining the most points first, until the scored result reaches
the level; then each change that is not needed is dropped again (each step scored). Greedy by
points gained is the fewest changes for the total alone; with floors it is a good set, not a
proven minimum. Vetoes and deductions are facts of the year: never suggested away; when one
blocks the level the answer says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from dcmetrics import access, scoring, sqlfiles
from dcmetrics.dashboard import own_units
from dcmetrics.errors import DcmetricsError, InputError, NotFound
from dcmetrics.fmt import fmt_num, fmt_points
from dcmetrics.framework_model import Indicator, Item, Profile
from dcmetrics.store import Store

EPS = 1e-9
# a changed value: one number, or (numerator, denominator) for a ratio
Value = float | tuple[float, float] | None

ROLE_LABELS = {"item": "Chỉ tiêu chấm điểm", "veto": "Điều kiện loại trừ", "adjustment": "Điểm trừ / điểm thưởng"}


@dataclass(frozen=True)
class UnitValues:
    """The unit's values on the basis chosen, one row per indicator the profile reads for it."""

    unit: dict             # the stored row of the unit (total, level, rank ...)
    year: int
    basis: str
    version: Profile       # the version that scores the year
    values: pl.DataFrame   # indicator, name, kind, role, group_key, value, num, den, use_appraisal, editable, note

    def current(self) -> dict[str, Value]:
        """indicator -> its value as `simulate` takes it."""
        return {r["indicator"]: _value_of(r) for r in self.values.iter_rows(named=True)}


@dataclass(frozen=True)
class Outcome:
    total: float | None
    raw_total: float | None
    level: str | None
    level_ord: int | None
    rated: bool
    not_rated_reason: str | None
    capped_by: str
    held_by: str
    rank: int | None
    n_rated: int


@dataclass(frozen=True)
class WhatIf:
    before: Outcome
    after: Outcome
    groups: pl.DataFrame   # group_key, max_points, points_before, points_after, change
    items: pl.DataFrame    # indicator, group_key, points_before, points_after, max_points, change
    changed: tuple[str, ...]  # indicators whose value differs from the stored one


@dataclass(frozen=True)
class Suggestion:
    target_level: str | None
    reached: bool
    changes: pl.DataFrame     # indicator, name, group_key, from_text, to_text, gain
    result: WhatIf | None     # the scored result of the suggested changes together
    message: str              # what the suggestion means, or why no set reaches the level
    values: dict[str, Value] = field(default_factory=dict)  # the suggested values (to try them)


def _value_of(row: dict) -> Value:
    if row["kind"] == "ratio":
        if row["num"] is None and row["den"] is None:
            return None
        return (row["num"], row["den"])
    return row["value"]


def value_text(kind: str, v: Value) -> str:
    if v is None:
        return "(trống)"
    if kind == "ratio":
        num, den = v
        return f"{'–' if num is None else fmt_num(num)}/{'–' if den is None else fmt_num(den)}"
    if kind == "yesno":
        return "Có" if v == 1 else "Không"
    return fmt_num(v)


def _roles(version: Profile, unit_type: str) -> list[tuple[Indicator, str, str | None]]:
    """(indicator, role, group key) of each indicator the profile reads for a unit of this type."""
    out, seen = [], set()
    for g, it in version.items:
        if unit_type in it.indicator.applies and it.indicator.code not in seen:
            out.append((it.indicator, "item", g.key))
            seen.add(it.indicator.code)
    for x, role in [*((v, "veto") for v in version.vetoes), *((a, "adjustment") for a in version.adjustments)]:
        if unit_type in x.indicator.applies and x.indicator.code not in seen:
            out.append((x.indicator, role, None))
            seen.add(x.indicator.code)
    return out


def _year_rows(store: Store, head: Profile, year: int, basis: str) -> pl.DataFrame:
    """The year's stored totals of the profile's own units (rank base of the what-if)."""
    return own_units(store, scoring.year_totals(store, head, year, basis), head.id, year)


def unit_values(store: Store, actor, profile: Profile, unit_code: str, year: int, basis: str = "appraised") -> UnitValues:
    """The unit's values of `year` on `basis`, what the what-if starts from (READ_SCORES on the unit)."""
    access.require(store, actor, access.READ_SCORES, unit_codes=[unit_code])
    if basis not in scoring.BASES:
        raise DcmetricsError(f"Cơ sở tính điểm «{basis}» không hợp lệ.")
    scoring.require_year(store, year)
    if not profile.has_version_for(year):
        raise NotFound(f"Bộ tiêu chí «{profile.id}» không có phiên bản áp dụng cho năm {year}.")
    version = profile.in_force(year)
    row = _year_rows(store, profile, year, basis).filter(pl.col("unit_code") == unit_code)
    if row.is_empty():
        raise NotFound(f"Đơn vị «{unit_code}» không có kết quả năm {year} theo bộ tiêu chí «{profile.id}»"
                       + (" (sau thẩm định)." if basis == "appraised" else "."))
    unit = scoring.cached_score(store, profile, [year], basis).year(year).filter(
        pl.col("unit_code") == unit_code).row(0, named=True)
    roles = _roles(version, unit["unit_type"])
    got = store.frame(sqlfiles.load("whatif_unit_values"), {
        "u": unit_code, "y": year, "basis": basis, "inds": [i.code for i, _, _ in roles],
        "superior": [i.entered_by == "superior" for i, _, _ in roles]})
    got = {r["indicator"]: r for r in got.iter_rows(named=True)}
    rows = []
    for ind, role, gkey in roles:
        r = got[ind.code]
        superior = ind.entered_by == "superior"
        rows.append({
            "indicator": ind.code, "name": ind.name, "kind": ind.kind, "role": role, "group_key": gkey,
            "value": r["value"], "num": r["num"], "den": r["den"], "use_appraisal": bool(r["use_appraisal"]),
            "editable": not superior, "max": ind.max, "step": ind.step,
            "note": ("Cấp trên nhập: không thử thay đổi ở đây" if superior
                     else "Giá trị sau thẩm định" if r["use_appraisal"] else "")})
    values = pl.DataFrame(rows, schema={
        "indicator": pl.String, "name": pl.String, "kind": pl.String, "role": pl.String, "group_key": pl.String,
        "value": pl.Float64, "num": pl.Float64, "den": pl.Float64, "use_appraisal": pl.Boolean,
        "editable": pl.Boolean, "max": pl.Float64, "step": pl.Float64, "note": pl.String})
    return UnitValues(unit, year, basis, version, values)


def _check(ind_row: dict, v: Value) -> None:
    """InputError (Vietnamese) for a value a real upload would refuse."""
    name, kind = ind_row["name"], ind_row["kind"]

    def bad(why: str) -> InputError:
        return InputError(f"«{name}»: {why}.")

    if v is None:
        return
    if kind == "ratio":
        num, den = v
        for x, what in ((num, "tử số"), (den, "mẫu số")):
            if x is not None and (x < 0 or abs(x - round(x)) > EPS):
                raise bad(f"{what} phải là số nguyên từ 0 trở lên, đang là {fmt_num(x)}")
        if num is not None and den is not None and num > den + EPS:
            raise bad(f"tử số ({fmt_num(num)}) không được lớn hơn mẫu số ({fmt_num(den)})")
        return
    if not isinstance(v, (int, float)) or math.isnan(v):
        raise bad("phải là một số")
    if kind == "percent" and not (0 <= v <= 100):
        raise bad(f"phải từ 0 đến 100, đang là {fmt_num(v)}")
    if kind == "yesno" and v not in (0, 1):
        raise bad("chỉ nhận Có (1) hoặc Không (0)")
    if kind == "count" and (v < 0 or abs(v - round(v)) > EPS):
        raise bad(f"phải là số nguyên từ 0 trở lên, đang là {fmt_num(v)}")
    if kind == "points":
        top, step = ind_row["max"], ind_row["step"]
        if v < 0 or (top is not None and v > top + EPS):
            raise bad(f"phải từ 0 đến {fmt_num(top)}, đang là {fmt_num(v)}")
        if step and abs(v / step - round(v / step)) > 1e-6:
            raise bad(f"phải là bội số của {fmt_num(step)}, đang là {fmt_num(v)}")


def _same(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, tuple):
        return all((x is None and y is None) or (x is not None and y is not None and abs(x - y) <= EPS)
                   for x, y in zip(a, b))
    return abs(a - b) <= EPS


def _outcome(row: dict, rank: int | None, n_rated: int) -> Outcome:
    return Outcome(row["total"], row.get("raw_total"), row["level"], row["level_ord"], bool(row["rated"]),
                   row["not_rated_reason"], row.get("capped_by") or "", row.get("held_by") or "", rank, n_rated)


def _rank_among(others: pl.DataFrame, total: float | None, rated: bool) -> tuple[int | None, int]:
    """(rank, rated units) of a unit with `total` among the other units' stored totals."""
    rated_others = others.filter(pl.col("rated"))
    n = rated_others.height + (1 if rated else 0)
    if not rated:
        return None, n
    above = rated_others.filter(pl.col("total") > total + EPS).height
    return above + 1, n


def simulate(store: Store, actor, profile: Profile, unit_code: str, year: int, basis: str = "appraised",
             changes: dict[str, Value] | None = None, base: UnitValues | None = None) -> WhatIf:
    """The unit's points, total, level and rank with `changes` (indicator -> value) applied to its
    values of the year; nothing stored. READ_SCORES on the unit."""
    base = base or unit_values(store, actor, profile, unit_code, year, basis)
    if base.unit["unit_code"] != unit_code:
        raise DcmetricsError("Số liệu gốc không phải của đơn vị đang thử.")
    rows = {r["indicator"]: r for r in base.values.iter_rows(named=True)}
    values = base.current()
    changed = []
    for code, v in (changes or {}).items():
        if code not in rows:
            raise InputError(f"Chỉ tiêu «{code}» không được bộ tiêu chí chấm cho đơn vị này.")
        if _same(values[code], v):
            continue
        if not rows[code]["editable"]:
            raise InputError(f"«{rows[code]['name']}» do cấp trên nhập, không thử thay đổi được.")
        _check(rows[code], v)
        values[code] = v
        changed.append(code)
    obs = []
    for code, v in values.items():
        if rows[code]["kind"] == "ratio":
            num, den = v if v is not None else (None, None)
            obs.append({"unit_code": unit_code, "year": year, "indicator": code, "value": None, "num": num, "den": den})
        else:
            obs.append({"unit_code": unit_code, "year": year, "indicator": code, "value": v, "num": None, "den": None})
    pending = scoring.Pending(pl.DataFrame(obs, schema={k: t for k, t in scoring.OBS_SCHEMA.items()
                                                        if k != "submission_id"}))
    # self basis: the typed value is scored (an appraisal would override it on the appraised one)
    result = scoring.score(store, base.version, [year], "self", pending=pending, unit_codes=[unit_code])
    new = result.year(year)
    if new.is_empty():
        raise NotFound(f"Đơn vị «{unit_code}» không được bộ tiêu chí «{profile.id}» chấm điểm năm {year}.")
    new = new.row(0, named=True)
    others = _year_rows(store, profile, year, basis).filter(pl.col("unit_code") != unit_code)
    u = base.unit
    before = _outcome(u, *_rank_among(others, u["total"], bool(u["rated"])))
    after = _outcome(new, *_rank_among(others, new["total"], bool(new["rated"])))
    stored = scoring.cached_score(store, profile, [year], basis)
    g_before = stored.groups_for([unit_code]).filter(pl.col("year") == year).select(
        "group_key", "group_ord", "max_points", pl.col("points").alias("points_before"))
    g_after = result.groups.select("group_key", pl.col("points").alias("points_after"))
    groups = (g_before.join(g_after, on="group_key", how="left").sort("group_ord")
              .with_columns((pl.col("points_after") - pl.col("points_before")).alias("change")).drop("group_ord"))
    i_before = stored.items_for([unit_code]).filter(pl.col("year") == year).select(
        "indicator", "group_key", "group_ord", "item_ord", pl.col("points").alias("points_before"), "max_points")
    i_after = result.items.select("indicator", pl.col("points").alias("points_after"),
                                  pl.col("max_points").alias("max_after"))
    items = (i_before.join(i_after, on="indicator", how="left").sort("group_ord", "item_ord")
             .with_columns((pl.col("points_after") - pl.col("points_before")).alias("change"))
             .drop("group_ord", "item_ord"))
    return WhatIf(before, after, groups, items, tuple(changed))


# ------------------------------------------------------------------ suggestions

def full_value(item: Item, current: Value) -> Value | None:
    """The value that gives `item` full points (None: none can be named, e.g. a ratio whose
    denominator is not known or is 0, which decides the points by itself)."""
    r, ind = item.rule, item.indicator
    whole = ind.kind in ("count", "ratio")

    def up(x: float) -> float:
        return float(math.ceil(x - EPS)) if whole else float(x)

    def best_band_lo() -> float | None:
        if not r.bands:
            return None
        top = max(b.share for b in r.bands)
        return min(b.lo for b in r.bands if b.share == top)

    if ind.kind == "ratio":
        den = current[1] if current is not None else None
        if den is None or den <= 0:
            return None
        pct = r.target if r.then == "proportional" else best_band_lo()
        if pct is None:
            return None
        return (min(den, float(math.ceil(pct * den / 100 - EPS))), den)
    t = r.type
    if t == "proportional":
        v = up(r.target)
        return min(v, 100.0) if ind.kind == "percent" else v
    if t == "lower_better":
        return float(math.floor(r.target + EPS)) if whole else float(r.target)
    if t == "bands":
        lo = best_band_lo()
        return None if lo is None else up(lo)
    if t == "yesno":
        return float(r.expect)
    if t == "failures":
        return 0.0
    if t == "direct":
        return float(ind.max)
    return None


def _reached(w: WhatIf, target_ord: int) -> bool:
    return w.after.rated and w.after.level_ord is not None and w.after.level_ord <= target_ord


def suggest(store: Store, actor, profile: Profile, unit_code: str, year: int, basis: str = "appraised",
            base: UnitValues | None = None) -> Suggestion:
    """Few changes of the unit's own gaps that reach the next level (see the module's docstring);
    every suggestion is scored. READ_SCORES on the unit."""
    base = base or unit_values(store, actor, profile, unit_code, year, basis)
    version, u = base.version, base.unit
    levels = version.levels
    empty = pl.DataFrame(schema={"indicator": pl.String, "name": pl.String, "group_key": pl.String,
                                 "from_text": pl.String, "to_text": pl.String, "gain": pl.Float64})
    if u["rated"] and u["level_ord"] == 1:
        return Suggestion(None, True, empty, None, f"Đơn vị đã ở mức cao nhất ({levels[0].level}).")
    target_ord = (u["level_ord"] - 1) if u["rated"] else len(levels)
    target = levels[target_ord - 1]

    def run(vals: dict[str, Value]) -> WhatIf:
        return simulate(store, actor, profile, unit_code, year, basis, vals, base=base)

    current = base.current()
    rows = {r["indicator"]: r for r in base.values.iter_rows(named=True)}
    items = (scoring.cached_score(store, profile, [year], basis).items_for([unit_code])
             .filter(pl.col("year") == year).select("indicator", "group_key", "points", "max_points"))
    by_code = {it.indicator.code: it for _, it in version.items}
    # what a veto or a deduction reads (violations, discipline) is a fact of the year, not a plan
    facts = {v.indicator.code for v in version.vetoes} | {a.indicator.code for a in version.adjustments
                                                          if a.kind == "deduction"}
    cands = []
    for r in items.iter_rows(named=True):
        gain = r["max_points"] - r["points"]
        code = r["indicator"]
        if gain <= EPS or code not in rows or not rows[code]["editable"] or code in facts:
            continue
        to = full_value(by_code[code], current.get(code))
        if to is None or _same(to, current.get(code)):
            continue
        cands.append({"indicator": code, "group_key": r["group_key"], "gain": gain, "to": to,
                      "points": r["points"], "max_points": r["max_points"]})
    cands.sort(key=lambda c: (-c["gain"], c["indicator"]))
    everything = {c["indicator"]: c["to"] for c in cands}
    best = run(everything)
    if not _reached(best, target_ord):
        why = []
        if not best.after.rated:
            why.append(f"đơn vị vẫn không đủ điều kiện xếp loại ({best.after.not_rated_reason})")
        elif best.after.capped_by:
            why.append(f"mức bị giới hạn bởi điều kiện loại trừ: {best.after.capped_by}")
        if best.after.rated and (best.after.total or 0) + EPS < target.min_total:
            why.append(f"kể cả khi mọi chỉ tiêu còn thiếu đạt tối đa, tổng điểm chỉ là {fmt_points(best.after.total)}"
                       f" (cần {fmt_points(target.min_total)})")
        if best.after.held_by:
            why.append(f"các nhóm {best.after.held_by} vẫn dưới mức điểm tối thiểu của mức {target.level}")
        if not why:
            why.append(f"mọi chỉ tiêu còn thiếu đạt tối đa vẫn chỉ được mức {best.after.level}")
        return Suggestion(target.level, False, empty, best,
                          f"Không có cách nào lên mức {target.level} chỉ bằng các chỉ tiêu còn thiếu điểm: "
                          + "; ".join(why) + ".", everything)
    # floors first: the groups under the target's floor, their best items until the floor is met
    chosen: list[dict] = []
    pts = {g: p for g, p in zip(*_group_points(store, profile, year, basis, unit_code))}
    maxes = {g.key: g.points for g in version.groups}
    for gkey in maxes:
        need = target.floor * maxes[gkey] - pts.get(gkey, 0.0)
        for c in (c for c in cands if c["group_key"] == gkey):
            if need <= EPS:
                break
            chosen.append(c)
            need -= c["gain"]
    est = (u["raw_total"] or 0) + sum(c["gain"] for c in chosen)
    for c in cands:
        if c in chosen:
            continue
        if est + EPS >= target.min_total:
            break
        chosen.append(c)
        est += c["gain"]
    # scored: add the next best until it is reached (rounding, caps), then drop what is not needed
    rest = [c for c in cands if c not in chosen]
    res = run({c["indicator"]: c["to"] for c in chosen})
    while not _reached(res, target_ord) and rest:
        chosen.append(rest.pop(0))
        res = run({c["indicator"]: c["to"] for c in chosen})
    for c in sorted(chosen, key=lambda c: c["gain"]):
        trial = [x for x in chosen if x is not c]
        if not trial:
            break
        t = run({x["indicator"]: x["to"] for x in trial})
        if _reached(t, target_ord):
            chosen, res = trial, t
    chosen.sort(key=lambda c: (-c["gain"], c["indicator"]))
    changes = pl.DataFrame([{
        "indicator": c["indicator"], "name": rows[c["indicator"]]["name"], "group_key": c["group_key"],
        "from_text": value_text(rows[c["indicator"]]["kind"], current.get(c["indicator"])),
        "to_text": value_text(rows[c["indicator"]]["kind"], c["to"]), "gain": c["gain"]} for c in chosen],
        schema=empty.schema)
    n = changes.height
    return Suggestion(target.level, True, changes, res,
                      f"Thay đổi {n} chỉ tiêu dưới đây (mỗi chỉ tiêu đến giá trị đạt tối đa điểm) thì đạt mức "
                      f"{res.after.level} với tổng điểm {fmt_points(res.after.total)}. Cách chọn: lần lượt chỉ tiêu "
                      "được thêm nhiều điểm nhất (ưu tiên nhóm chưa đạt điểm tối thiểu), rồi bỏ những thay đổi "
                      "không cần; đã tính lại điểm cho đúng tập thay đổi này.",
                      {c["indicator"]: c["to"] for c in chosen})


def _group_points(store: Store, profile: Profile, year: int, basis: str, unit_code: str) -> tuple[list, list]:
    g = (scoring.cached_score(store, profile, [year], basis).groups_for([unit_code])
         .filter(pl.col("year") == year))
    return g["group_key"].to_list(), g["points"].to_list()
