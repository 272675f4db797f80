"""Independent reference implementation of the dcmetrics scoring rules.

Written from data/frameworks/README.md ("Scoring rules", "Points of an indicator",
"Total, level, status") plus the decisions fixed for both implementations, WITHOUT
looking at the production scorer (SQL/DuckDB).  Tests use it to cross-check the
production scorer unit by unit, so clarity comes before speed.

Decisions taken where the spec leaves room (the production scorer follows them):

* An observation of an indicator whose ``applies`` does not contain the unit's type
  is ignored everywhere: items (the item leaves the group), adjustments (0) and
  vetoes (never triggers).
* Missing value: no observation row, or a null ``value`` (non-ratio kinds), or a
  null ``num`` or ``den`` (ratio).  A ratio with a null num/den is "missing" even
  when the other is 0 (missing wins over zero_denominator).
* Exact arithmetic (README "Exact arithmetic"): profile numbers and values are decimals
  with six places (the number as written: Decimal(repr(x)), half up).  Every quotient is
  q12(n, d): n and d each rounded half up to 12 decimals, then n / d rounded half up to 12
  decimals.  Sums and products are exact.
* Ratio percentage p = q12(100 * num, den).
* Bands: the band with from <= v < to; the last band also takes v == to.  A value
  below the first ``from`` takes the first band's share, a value above the last
  ``to`` takes the last band's share (cannot happen with valid bands/values).
* ``direct``: attainment = min(q12(value, max), 1) (values are validated to [0, max] on
  upload).  proportional: min(q12(value, target), 1); lower_better between target and
  bound: q12(bound - value, bound - target).
* Group raw points = q12(group points * sum(attainment * weight), W), W = the sum of
  weights of the items remaining for the unit in that group: one division per group.
  Nothing remaining -> the group scores its full points.  Group points = raw points kept
  at the profile's group decimals (``[rounding]``, default 2, half up).
* raw_total = sum(group raw points) - deduction + bonus (unclamped, exact);
  total = clamp(raw_total, 0, total_max) kept at the profile's total decimals (default 2,
  half up on the decimal value: 89.995 -> 90.00; ``truncate`` cuts).  Keeping first takes
  the value to 9 decimals (half up): 67.774999999998 from 5/6 is the exact 67.775.
* Adjustments: count/yesno amount = value * points_each, points amount = value;
  percent and ratio are rejected (ValueError).  Item contribution = min(cap, amount)
  (no ``cap`` key: no item cap); kind sum = min(adjustment_caps[kind], sum) when the
  kind has a cap.  Missing value -> 0, completeness untouched.
* Levels: total-alone band = first band (best first) with min_total <= total;
  level band = first band with min_total <= total and every group's kept points
  >= floor * group points (exact).  held_by = the groups under the total-alone band's
  floor when the level band is worse than it, else "".  Cap vetoes: level = worst of
  (level band, every triggered cap_level).  held_by is computed for every unit
  (rated or not) and is not changed by vetoes.
* Veto reported value: ``value``, or for ratio 100 * num / den (null if den = 0 or a
  null num/den); null never triggers.  Comparisons are exact on decimals.
* not_rated_reason: reasons of the triggered not_rated vetoes in profile order
  (duplicates kept), then "Thiếu số liệu của chỉ tiêu bắt buộc" if
  not_rated_if_incomplete and incomplete; joined with "; ".
* Not-rated units: level, cap and all ranks null; total, group points, held_by,
  deduction, bonus still computed.
* Ranks: RANK() (1, 2, 2, 4) by the rounded total descending over rated units;
  partitions overall, parent_code, type, cluster; a null key is its own partition.
* Observations for units not in ``units`` or indicators not used by the profile are
  ignored; duplicate (unit_code, indicator) rows are an error (ValueError).
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext

import polars as pl

INCOMPLETE_REASON = "Thiếu số liệu của chỉ tiêu bắt buộc"
SIX = Decimal("0.000001")
TWELVE = Decimal("0.000000000001")
INF = Decimal("Infinity")
ONE, ZERO = Decimal(1), Decimal(0)


def D(x) -> Decimal | None:
    """A number as written (six places, half up); None stays None."""
    if x is None:
        return None
    if isinstance(x, str):
        return INF if x.strip().lower() in ("inf", "+inf", "infinity") else Decimal(x).quantize(SIX, ROUND_HALF_UP)
    if isinstance(x, float) and math.isinf(x):
        return INF
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)) if isinstance(x, float) else x)
    return d.quantize(SIX, ROUND_HALF_UP)


def q12(n: Decimal, d: Decimal) -> Decimal:
    """n / d: n and d rounded half up to 12 decimals, the quotient half up to 12 (n >= 0, d > 0)."""
    n, d = n.quantize(TWELVE, ROUND_HALF_UP), d.quantize(TWELVE, ROUND_HALF_UP)
    with localcontext(prec=60):
        return (n / d).quantize(TWELVE, ROUND_HALF_UP)


def kept(x: Decimal, places: int, rule: str) -> Decimal:
    """x (>= 0) at `places` decimals: half up, or cut (truncate), after taking it to 9 decimals
    (half up) so that the error of 12-decimal quotients cannot move an exact half."""
    x = x.quantize(TWELVE, ROUND_HALF_UP).quantize(Decimal(1).scaleb(-9), ROUND_HALF_UP)
    return x.quantize(Decimal(1).scaleb(-places), ROUND_DOWN if rule == "truncate" else ROUND_HALF_UP)

# outcome of one item for one unit
SCORED = "scored"
MISSING = "missing"
LEAVES = "leaves"


# --------------------------------------------------------------------------- rules


def band_share(bands: list[dict], value: Decimal) -> Decimal:
    """Share of the band with from <= value < to (last band includes its `to`)."""
    ordered = sorted(bands, key=lambda b: D(b["from"]))
    for i, band in enumerate(ordered):
        lo, hi = D(band["from"]), D(band["to"])
        is_last = i == len(ordered) - 1
        if lo <= value < hi or (is_last and value == hi):
            return D(band["share"])
    if value < D(ordered[0]["from"]):
        return D(ordered[0]["share"])
    return D(ordered[-1]["share"])


def attainment(rule: dict, indicator: dict, value, num, den) -> tuple[str, Decimal]:
    """(outcome, attainment in [0, 1]) of one item for one unit.

    outcome: SCORED, MISSING (applicable, no value: scores 0) or LEAVES (ratio with a
    zero denominator under zero_denominator = "not_applicable").
    """
    kind = rule["type"]

    if kind == "ratio":
        if num is None or den is None:
            return MISSING, ZERO
        if den == 0:
            zero_den = rule["zero_denominator"]
            if zero_den == "full":
                return SCORED, ONE
            if zero_den == "zero":
                return SCORED, ZERO
            if zero_den == "not_applicable":
                return LEAVES, ZERO
            raise ValueError(f"zero_denominator {zero_den!r}")
        p = q12(100 * num, den)
        then = rule["then"]
        if then == "proportional":
            return SCORED, min(q12(p, D(rule["target"])), ONE)
        if then == "bands":
            return SCORED, band_share(rule["bands"], p)
        raise ValueError(f"ratio then {then!r}")

    if value is None:
        return MISSING, ZERO

    if kind == "proportional":
        return SCORED, min(q12(value, D(rule["target"])), ONE)
    if kind == "lower_better":
        target, bound = D(rule["target"]), D(rule["bound"])
        if value <= target:
            return SCORED, ONE
        if value >= bound:
            return SCORED, ZERO
        return SCORED, q12(bound - value, bound - target)
    if kind == "bands":
        return SCORED, band_share(rule["bands"], value)
    if kind == "yesno":
        expect = D(rule.get("expect", 1))
        return SCORED, ONE if value == expect else ZERO
    if kind == "failures":
        mode = rule["mode"]
        if mode == "any":
            return SCORED, ONE if value == 0 else ZERO
        if mode == "each":
            return SCORED, max(ZERO, ONE - value * D(rule["share_each"]))
        raise ValueError(f"failures mode {mode!r}")
    if kind == "direct":
        return SCORED, min(q12(value, D(indicator["max"])), ONE)
    raise ValueError(f"rule type {kind!r}")


# ------------------------------------------------------------------ inputs


def _units(units: pl.DataFrame) -> list[dict]:
    cols = ("code", "type", "parent_code", "cluster")
    return [{c: r.get(c) for c in cols} for r in units.iter_rows(named=True)]


def _observations(observations: pl.DataFrame) -> dict[tuple[str, str], tuple]:
    """(unit, indicator) -> (value, num, den) as decimals."""
    out: dict[tuple[str, str], tuple] = {}
    for r in observations.iter_rows(named=True):
        key = (r["unit_code"], r["indicator"])
        if key in out:
            raise ValueError(f"duplicate observations: {key}")
        out[key] = (D(r.get("value")), D(r.get("num")), D(r.get("den")))
    return out


def _applies(catalogue: dict, indicator: str, unit_type: str) -> bool:
    return unit_type in catalogue["indicators"][indicator].get("applies", [])


# ------------------------------------------------------------------------ groups


def _group_points(catalogue: dict, profile: dict, unit: dict, obs: dict, rounding: dict) -> tuple[dict, dict, bool]:
    """(raw points per group, kept points per group, complete) of one unit."""
    raw, kept_points, complete = {}, {}, True
    for g in profile["groups"]:
        gp = D(g["points"])
        remaining = []  # (weight, attainment) of the items that stay in the group
        for it in g["items"]:
            code = it["indicator"]
            # a profile may narrow an item to some unit types ("applies" on the item)
            if not _applies(catalogue, code, unit["type"]) or unit["type"] not in it.get("applies", [unit["type"]]):
                continue
            ind = catalogue["indicators"][code]
            value, num, den = obs.get((unit["code"], code), (None, None, None))
            outcome, a = attainment(it.get("rule", ind["rule"]), ind, value, num, den)
            if outcome == MISSING:
                complete = False
            if outcome != LEAVES:
                remaining.append((D(it.get("weight", 1)), a))
        w_sum = sum((w for w, _ in remaining), ZERO)
        if not remaining or w_sum == 0:
            raw[g["key"]] = gp
        else:
            raw[g["key"]] = q12(gp * sum((a * w for w, a in remaining), ZERO), w_sum)
        kept_points[g["key"]] = kept(raw[g["key"]], rounding["group_decimals"], rounding["rule"])
    return raw, kept_points, complete


# ------------------------------------------------------------------- adjustments


def _adjustments(catalogue: dict, profile: dict, unit: dict, obs: dict) -> dict[str, Decimal]:
    """deduction and bonus of one unit (after item and kind caps)."""
    sums = {"deduction": ZERO, "bonus": ZERO}
    for a in profile.get("adjustments", []):
        code = a["indicator"]
        ind_kind = catalogue["indicators"][code]["kind"]
        if ind_kind in ("count", "yesno"):
            points_each = D(a["points_each"])
        elif ind_kind == "points":
            points_each = ONE  # the value itself
        else:
            raise ValueError(f"adjustment on a {ind_kind} indicator: {code}")
        if not _applies(catalogue, code, unit["type"]):
            continue
        value = obs.get((unit["code"], code), (None, None, None))[0]
        amount = (value or ZERO) * points_each
        if a.get("cap") is not None:
            amount = min(amount, D(a["cap"]))
        sums[a["kind"]] += amount
    for kind, cap in profile.get("adjustment_caps", {}).items():
        if kind == "source":  # where the caps come from, not a cap
            continue
        sums[kind] = min(sums[kind], D(cap))
    return sums


# ------------------------------------------------------------------------ vetoes


def _veto_hits(catalogue: dict, profile: dict, unit: dict, obs: dict) -> list[int]:
    """Indexes of the vetoes that trigger for one unit, in profile order."""
    ops = {"=": lambda v, t: v == t, "!=": lambda v, t: v != t, ">": lambda v, t: v > t,
           ">=": lambda v, t: v >= t, "<": lambda v, t: v < t, "<=": lambda v, t: v <= t}
    hits = []
    for i, v in enumerate(profile.get("vetoes", [])):
        if v["op"] not in ops:
            raise ValueError(f"veto op {v['op']!r}")
        code = v["indicator"]
        if not _applies(catalogue, code, unit["type"]):
            continue
        value, num, den = obs.get((unit["code"], code), (None, None, None))
        if catalogue["indicators"][code]["kind"] == "ratio":
            value = q12(100 * num, den) if num is not None and den is not None and den != 0 else None
        if value is not None and ops[v["op"]](value, D(v["value"])):  # a missing value never triggers
            hits.append(i)
    return hits


# ------------------------------------------------------------------------- main


def reference_scores(
    catalogue: dict, profile: dict, units: pl.DataFrame, observations: pl.DataFrame
) -> pl.DataFrame:
    """Score every unit of `units` under `profile`; one row per unit, by unit code."""
    # a profile may be limited to some unit types: the others are not scored at all; one that
    # names none evaluates the four of the law's scope (villages only where a profile names them)
    types = profile.get("unit_types", ["commune", "agency", "service", "enterprise"])
    unit_rows = [u for u in _units(units) if u["type"] in types]
    obs = _observations(observations)
    groups = profile["groups"]
    group_keys = [g["key"] for g in groups]
    group_max = {g["key"]: D(g["points"]) for g in groups}
    bands = profile["bands"]
    band_index = {b["level"]: i for i, b in enumerate(bands)}
    vetoes = profile.get("vetoes", [])
    total_max = D(profile.get("total_max", 100))
    not_rated_if_incomplete = bool(profile.get("not_rated_if_incomplete", False))
    rounding = {"total_decimals": 2, "group_decimals": 2, "rule": "half_up", **profile.get("rounding", {})}

    rows = []
    for unit in unit_rows:
        raw, points, complete = _group_points(catalogue, profile, unit, obs, rounding)
        adj = _adjustments(catalogue, profile, unit, obs)
        raw_total = sum(raw.values(), ZERO) - adj["deduction"] + adj["bonus"]
        total = kept(min(max(raw_total, ZERO), total_max), rounding["total_decimals"], rounding["rule"])

        def reaches(band: dict, key: str) -> bool:
            return points[key] >= D(band["floor"]) * group_max[key]

        total_band = next((i for i, b in enumerate(bands) if D(b["min_total"]) <= total), len(bands) - 1)
        level_band = next(
            (i for i, b in enumerate(bands)
             if D(b["min_total"]) <= total and all(reaches(b, k) for k in group_keys)),
            len(bands) - 1,
        )
        held_by = ""
        if level_band > total_band:
            held_by = ",".join(k for k in group_keys if not reaches(bands[total_band], k))

        reasons = []
        for veto_id in _veto_hits(catalogue, profile, unit, obs):
            veto = vetoes[veto_id]
            if veto["effect"] == "cap":
                level_band = max(level_band, band_index[veto["cap_level"]])
            elif veto["effect"] == "not_rated":
                reasons.append(veto["reason"])
            else:
                raise ValueError(f"veto effect {veto['effect']!r}")
        if not_rated_if_incomplete and not complete:
            reasons.append(INCOMPLETE_REASON)
        rated = not reasons
        rows.append({
            **unit, "raw_total": raw_total, "total": total, "complete": complete,
            "level": bands[level_band]["level"] if rated else None, "rated": rated,
            "not_rated_reason": None if rated else "; ".join(reasons), "held_by": held_by,
            "cap": bands[level_band]["cap"] if rated else None,
            "deduction": adj["deduction"], "bonus": adj["bonus"],
            **{k: points[k] for k in group_keys}, **{f"{k}_raw": raw[k] for k in group_keys},
        })

    exact = pl.Decimal(38, 12)
    schema = {"unit_code": pl.Utf8, "parent_code": pl.Utf8, "type": pl.Utf8, "cluster": pl.Utf8,
              "raw_total": exact, "total": exact, "level": pl.Utf8, "rated": pl.Boolean,
              "not_rated_reason": pl.Utf8, "complete": pl.Boolean, "held_by": pl.Utf8, "cap": pl.Utf8,
              "deduction": exact, "bonus": exact,
              **{k: exact for k in group_keys}, **{f"{k}_raw": exact for k in group_keys}}
    scored = pl.DataFrame([{**r, "unit_code": r["code"]} for r in rows], schema=schema)

    # ranks: RANK() (1, 2, 2, 4) by the kept total descending over rated units, overall and
    # within partitions (a null key is its own partition)
    def rank_expr(partition: str | None) -> pl.Expr:
        e = pl.col("total").rank(method="min", descending=True)
        return (e.over(partition) if partition else e).cast(pl.Int64)

    ranks = scored.filter(pl.col("rated")).select(
        "unit_code", rank_expr(None).alias("rank"), rank_expr("parent_code").alias("rank_parent"),
        rank_expr("type").alias("rank_type"), rank_expr("cluster").alias("rank_cluster"))
    front = ["unit_code", "raw_total", "total", "level", "rated", "not_rated_reason", "complete", "held_by", "cap",
             "deduction", "bonus", "rank", "rank_parent", "rank_type", "rank_cluster"]
    return (scored.join(ranks, on="unit_code", how="left")
            .select(*front, *group_keys, *[f"{k}_raw" for k in group_keys]).sort("unit_code"))
