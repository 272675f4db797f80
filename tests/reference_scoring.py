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
* Ratio percentage p = (100 * num) / den in double precision, evaluated in that order.
* Bands: the band with from <= v < to; the last band also takes v == to.  A value
  below the first ``from`` takes the first band's share, a value above the last
  ``to`` takes the last band's share (cannot happen with valid bands/values).
* ``direct``: attainment = value / max, not clamped (values are validated to
  [0, max] on upload).
* Item maximum = group points * weight / (sum of weights of the items remaining for
  the unit in that group); item points = attainment * item maximum.  Nothing
  remaining (or a weight sum of 0) -> the group scores its full points.
* raw_total = sum(group points) - deduction + bonus (unclamped, unrounded);
  total = round(round(clamp(raw_total, 0, total_max), 6), 2): the first rounding drops the
  noise of summing in another order (84.27499999 vs 84.275), then half away from zero on
  the double (x * 100 rounded half away from zero, / 100: what DuckDB's
  round(DOUBLE, 2) and Polars' round(2, mode="half_away_from_zero") do).
* Adjustments: count/yesno amount = value * points_each, points amount = value;
  percent and ratio are rejected (ValueError).  Item contribution = min(cap, amount)
  (no ``cap`` key: no item cap); kind sum = min(adjustment_caps[kind], sum) when the
  kind has a cap.  Missing value -> 0, completeness untouched.
* Levels: total-alone band = first band (best first) with min_total <= total;
  level band = first band with min_total <= total and every group's points
  >= floor * group points - 1e-9.  held_by = the groups under the total-alone band's
  floor when the level band is worse than it, else "".  Cap vetoes: level = worst of
  (level band, every triggered cap_level).  held_by is computed for every unit
  (rated or not) and is not changed by vetoes.
* Veto reported value: ``value``, or for ratio 100 * num / den (null if den = 0 or a
  null num/den); null never triggers.  op "=" / "!=" are exact float comparisons.
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

import polars as pl

INCOMPLETE_REASON = "Thiếu số liệu của chỉ tiêu bắt buộc"
FLOOR_EPS = 1e-9

# outcome of one item for one unit
SCORED = "scored"
MISSING = "missing"
LEAVES = "leaves"


# --------------------------------------------------------------------------- rules


def _bound(x) -> float:
    """A band limit: a number, or the string "inf" for +infinity."""
    if isinstance(x, str):
        if x.strip().lower() in ("inf", "+inf", "infinity"):
            return math.inf
        raise ValueError(f"band limit {x!r}")
    return float(x)


def band_share(bands: list[dict], value: float) -> float:
    """Share of the band with from <= value < to (last band includes its `to`)."""
    ordered = sorted(bands, key=lambda b: _bound(b["from"]))
    for i, band in enumerate(ordered):
        lo, hi = _bound(band["from"]), _bound(band["to"])
        is_last = i == len(ordered) - 1
        if lo <= value < hi or (is_last and value == hi):
            return float(band["share"])
    if value < _bound(ordered[0]["from"]):
        return float(ordered[0]["share"])
    return float(ordered[-1]["share"])


def attainment(rule: dict, indicator: dict, value, num, den) -> tuple[str, float]:
    """(outcome, attainment in [0, 1]) of one item for one unit.

    outcome: SCORED, MISSING (applicable, no value: scores 0) or LEAVES (ratio with a
    zero denominator under zero_denominator = "not_applicable").
    """
    kind = rule["type"]

    if kind == "ratio":
        if num is None or den is None:
            return MISSING, 0.0
        if den == 0:
            zero_den = rule["zero_denominator"]
            if zero_den == "full":
                return SCORED, 1.0
            if zero_den == "zero":
                return SCORED, 0.0
            if zero_den == "not_applicable":
                return LEAVES, 0.0
            raise ValueError(f"zero_denominator {zero_den!r}")
        p = 100.0 * num / den
        then = rule["then"]
        if then == "proportional":
            return SCORED, min(p / float(rule["target"]), 1.0)
        if then == "bands":
            return SCORED, band_share(rule["bands"], p)
        raise ValueError(f"ratio then {then!r}")

    if value is None:
        return MISSING, 0.0

    if kind == "proportional":
        return SCORED, min(value / float(rule["target"]), 1.0)
    if kind == "lower_better":
        target, bound = float(rule["target"]), float(rule["bound"])
        if value <= target:
            return SCORED, 1.0
        if value >= bound:
            return SCORED, 0.0
        return SCORED, (bound - value) / (bound - target)
    if kind == "bands":
        return SCORED, band_share(rule["bands"], value)
    if kind == "yesno":
        expect = float(rule.get("expect", 1))
        return SCORED, 1.0 if value == expect else 0.0
    if kind == "failures":
        mode = rule["mode"]
        if mode == "any":
            return SCORED, 1.0 if value == 0 else 0.0
        if mode == "each":
            return SCORED, max(0.0, 1.0 - value * float(rule["share_each"]))
        raise ValueError(f"failures mode {mode!r}")
    if kind == "direct":
        return SCORED, value / float(indicator["max"])
    raise ValueError(f"rule type {kind!r}")


# ------------------------------------------------------------------ input frames


def _units_frame(units: pl.DataFrame) -> pl.DataFrame:
    cols = {
        "code": pl.Utf8,
        "type": pl.Utf8,
        "parent_code": pl.Utf8,
        "cluster": pl.Utf8,
    }
    return units.select(
        [
            (pl.col(c) if c in units.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in cols.items()
        ]
    )


def _observations_frame(observations: pl.DataFrame) -> pl.DataFrame:
    cols = {
        "unit_code": pl.Utf8,
        "indicator": pl.Utf8,
        "value": pl.Float64,
        "num": pl.Float64,
        "den": pl.Float64,
    }
    obs = observations.select(
        [
            (pl.col(c) if c in observations.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in cols.items()
        ]
    )
    dup = obs.group_by("unit_code", "indicator").len().filter(pl.col("len") > 1)
    if dup.height:
        raise ValueError(f"duplicate observations: {dup.head(5).to_dicts()}")
    return obs


def _applies_frame(catalogue: dict) -> pl.DataFrame:
    """(indicator, type) for every type an indicator applies to."""
    rows = [
        {"indicator": code, "type": t}
        for code, ind in catalogue["indicators"].items()
        for t in ind.get("applies", [])
    ]
    return pl.DataFrame(rows, schema={"indicator": pl.Utf8, "type": pl.Utf8})


def _with_observations(
    units: pl.DataFrame, rows: pl.DataFrame, applies: pl.DataFrame, obs: pl.DataFrame
) -> pl.DataFrame:
    """units x rows (each with an `indicator`), kept where the indicator applies to
    the unit's type, with the unit's observation (value, num, den) attached."""
    return (
        units.join(rows, how="cross")
        .join(applies, on=["indicator", "type"], how="semi")
        .join(
            obs,
            left_on=["code", "indicator"],
            right_on=["unit_code", "indicator"],
            how="left",
        )
    )


# ------------------------------------------------------------------------ groups


def _group_points(
    catalogue: dict, profile: dict, units: pl.DataFrame, applies, obs
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Wide frame code, G1, G2, ... and frame code, complete."""
    groups = profile["groups"]
    item_rows, rules = [], []
    for g in groups:
        for it in g["items"]:
            ind = catalogue["indicators"][it["indicator"]]
            rules.append(it.get("rule", ind["rule"]))
            item_rows.append(
                {
                    "group": g["key"],
                    "group_max": float(g["points"]),
                    "indicator": it["indicator"],
                    "weight": float(it.get("weight", 1)),
                    "rule_id": len(rules) - 1,
                }
            )
    items = pl.DataFrame(
        item_rows,
        schema={
            "group": pl.Utf8,
            "group_max": pl.Float64,
            "indicator": pl.Utf8,
            "weight": pl.Float64,
            "rule_id": pl.Int64,
        },
    )

    unit_items = _with_observations(units, items, applies, obs)

    # attainment of each (unit, item): per-row Python, one function per rule type
    outcomes = [
        attainment(
            rules[r["rule_id"]],
            catalogue["indicators"][r["indicator"]],
            r["value"],
            r["num"],
            r["den"],
        )
        for r in unit_items.select("rule_id", "indicator", "value", "num", "den").iter_rows(
            named=True
        )
    ]
    unit_items = unit_items.with_columns(
        outcome=pl.Series([o for o, _ in outcomes], dtype=pl.Utf8),
        attainment=pl.Series([a for _, a in outcomes], dtype=pl.Float64),
    )

    # complete: no applicable item of the unit lacks a value
    missing = (
        unit_items.filter(pl.col("outcome") == MISSING)
        .select("code")
        .unique()
        .with_columns(complete=pl.lit(False))
    )
    completeness = (
        units.select("code")
        .join(missing, on="code", how="left")
        .with_columns(pl.col("complete").fill_null(True))
    )

    remaining = unit_items.filter(pl.col("outcome") != LEAVES).with_columns(
        weight_sum=pl.col("weight").sum().over("code", "group")
    )
    per_group = (
        remaining.filter(pl.col("weight_sum") > 0)
        .with_columns(
            item_points=pl.col("group_max")
            * pl.col("weight")
            / pl.col("weight_sum")
            * pl.col("attainment")
        )
        .group_by("code", "group")
        .agg(pl.col("item_points").sum().alias("points"))
    )

    group_frame = pl.DataFrame(
        {
            "group": [g["key"] for g in groups],
            "group_max": [float(g["points"]) for g in groups],
        },
        schema={"group": pl.Utf8, "group_max": pl.Float64},
    )
    long = (
        units.select("code")
        .join(group_frame, how="cross")
        .join(per_group, on=["code", "group"], how="left")
        # nothing of the group remains for the unit: full points
        .with_columns(pl.col("points").fill_null(pl.col("group_max")))
    )
    wide = units.select("code")
    for g in groups:
        wide = wide.join(
            long.filter(pl.col("group") == g["key"]).select(
                "code", pl.col("points").alias(g["key"])
            ),
            on="code",
            how="left",
        )
    return wide, completeness


# ------------------------------------------------------------------- adjustments


def _adjustments(catalogue: dict, profile: dict, units, applies, obs) -> pl.DataFrame:
    """Frame code, deduction, bonus (after item and kind caps)."""
    adj_rows = []
    for a in profile.get("adjustments", []):
        ind_kind = catalogue["indicators"][a["indicator"]]["kind"]
        if ind_kind in ("count", "yesno"):
            points_each = float(a["points_each"])
        elif ind_kind == "points":
            points_each = 1.0  # the value itself
        else:
            raise ValueError(f"adjustment on a {ind_kind} indicator: {a['indicator']}")
        cap = a.get("cap")
        adj_rows.append(
            {
                "indicator": a["indicator"],
                "adj_kind": a["kind"],
                "points_each": points_each,
                "item_cap": None if cap is None else float(cap),
            }
        )
    adj = pl.DataFrame(
        adj_rows,
        schema={
            "indicator": pl.Utf8,
            "adj_kind": pl.Utf8,
            "points_each": pl.Float64,
            "item_cap": pl.Float64,
        },
    )
    per_item = _with_observations(units, adj, applies, obs).with_columns(
        amount=(pl.col("value").fill_null(0.0) * pl.col("points_each"))
    ).with_columns(
        contribution=pl.when(pl.col("item_cap").is_null())
        .then(pl.col("amount"))
        .otherwise(pl.min_horizontal("amount", "item_cap"))
    )
    caps = profile.get("adjustment_caps", {})
    out = units.select("code")
    for kind in ("deduction", "bonus"):
        sums = (
            per_item.filter(pl.col("adj_kind") == kind)
            .group_by("code")
            .agg(pl.col("contribution").sum().alias(kind))
        )
        out = out.join(sums, on="code", how="left").with_columns(
            pl.col(kind).fill_null(0.0)
        )
        if kind in caps:
            out = out.with_columns(pl.min_horizontal(kind, pl.lit(float(caps[kind]))))
    return out


# ------------------------------------------------------------------------ vetoes


def _veto_hits(catalogue: dict, profile: dict, units, applies, obs) -> pl.DataFrame:
    """Frame code, veto_id for every veto that triggers for a unit."""
    vetoes = profile.get("vetoes", [])
    rows = pl.DataFrame(
        [
            {
                "veto_id": i,
                "indicator": v["indicator"],
                "is_ratio": catalogue["indicators"][v["indicator"]]["kind"] == "ratio",
                "op": v["op"],
                "threshold": float(v["value"]),
            }
            for i, v in enumerate(vetoes)
        ],
        schema={
            "veto_id": pl.Int64,
            "indicator": pl.Utf8,
            "is_ratio": pl.Boolean,
            "op": pl.Utf8,
            "threshold": pl.Float64,
        },
    )
    reported = (
        pl.when(~pl.col("is_ratio"))
        .then(pl.col("value"))
        .when(pl.col("den") != 0)
        .then(100.0 * pl.col("num") / pl.col("den"))
        .otherwise(None)
    )
    v, t, op = pl.col("reported"), pl.col("threshold"), pl.col("op")
    test = (
        pl.when(op == "=").then(v == t)
        .when(op == "!=").then(v != t)
        .when(op == ">").then(v > t)
        .when(op == ">=").then(v >= t)
        .when(op == "<").then(v < t)
        .when(op == "<=").then(v <= t)
        .otherwise(None)
    )
    unknown = set(rows["op"].to_list()) - {"=", "!=", ">", ">=", "<", "<="}
    if unknown:
        raise ValueError(f"veto op {unknown}")
    return (
        _with_observations(units, rows, applies, obs)
        .with_columns(reported=reported)
        .with_columns(hit=test.fill_null(False))  # a missing value never triggers
        .filter(pl.col("hit"))
        .select("code", "veto_id")
    )


# ------------------------------------------------------------------------- main


def reference_scores(
    catalogue: dict, profile: dict, units: pl.DataFrame, observations: pl.DataFrame
) -> pl.DataFrame:
    """Score every unit of `units` under `profile`; one row per unit, by unit code."""
    units = _units_frame(units)
    obs = _observations_frame(observations)
    applies = _applies_frame(catalogue)
    groups = profile["groups"]
    group_keys = [g["key"] for g in groups]
    group_max = {g["key"]: float(g["points"]) for g in groups}
    bands = profile["bands"]
    band_index = {b["level"]: i for i, b in enumerate(bands)}
    vetoes = profile.get("vetoes", [])
    total_max = float(profile.get("total_max", 100))
    not_rated_if_incomplete = bool(profile.get("not_rated_if_incomplete", False))

    group_pts, completeness = _group_points(catalogue, profile, units, applies, obs)
    adjustments = _adjustments(catalogue, profile, units, applies, obs)
    hits = _veto_hits(catalogue, profile, units, applies, obs)
    hits_by_unit: dict[str, list[int]] = {}
    for code, veto_id in hits.sort("veto_id").iter_rows():
        hits_by_unit.setdefault(code, []).append(veto_id)

    scored = (
        units.join(group_pts, on="code", how="left")
        .join(completeness, on="code", how="left")
        .join(adjustments, on="code", how="left")
        .with_columns(
            raw_total=pl.sum_horizontal(group_keys) - pl.col("deduction") + pl.col("bonus")
        )
        .with_columns(
            total=pl.col("raw_total")
            .clip(0.0, total_max)
            .round(6, mode="half_away_from_zero")
            .round(2, mode="half_away_from_zero")
        )
    )

    # level, held_by, vetoes: per unit, in plain Python
    status_rows = []
    for r in scored.iter_rows(named=True):
        total = r["total"]

        def reaches(band: dict, key: str) -> bool:
            return r[key] >= float(band["floor"]) * group_max[key] - FLOOR_EPS

        total_band = next(
            (i for i, b in enumerate(bands) if float(b["min_total"]) <= total), len(bands) - 1
        )
        level_band = next(
            (
                i
                for i, b in enumerate(bands)
                if float(b["min_total"]) <= total and all(reaches(b, k) for k in group_keys)
            ),
            len(bands) - 1,
        )
        held_by = ""
        if level_band > total_band:
            held_by = ",".join(k for k in group_keys if not reaches(bands[total_band], k))

        reasons = []
        for veto_id in hits_by_unit.get(r["code"], []):
            veto = vetoes[veto_id]
            if veto["effect"] == "cap":
                level_band = max(level_band, band_index[veto["cap_level"]])
            elif veto["effect"] == "not_rated":
                reasons.append(veto["reason"])
            else:
                raise ValueError(f"veto effect {veto['effect']!r}")
        if not_rated_if_incomplete and not r["complete"]:
            reasons.append(INCOMPLETE_REASON)
        rated = not reasons

        status_rows.append(
            {
                "code": r["code"],
                "level": bands[level_band]["level"] if rated else None,
                "rated": rated,
                "not_rated_reason": None if rated else "; ".join(reasons),
                "held_by": held_by,
                "cap": bands[level_band]["cap"] if rated else None,
            }
        )
    status = pl.DataFrame(
        status_rows,
        schema={
            "code": pl.Utf8,
            "level": pl.Utf8,
            "rated": pl.Boolean,
            "not_rated_reason": pl.Utf8,
            "held_by": pl.Utf8,
            "cap": pl.Utf8,
        },
    )
    scored = scored.join(status, on="code", how="left")

    # ranks: RANK() by total desc over rated units, overall and within partitions
    def rank_expr(partition: str | None) -> pl.Expr:
        e = pl.col("total").rank(method="min", descending=True)
        return (e.over(partition) if partition else e).cast(pl.Int64)

    ranks = scored.filter(pl.col("rated")).select(
        "code",
        rank_expr(None).alias("rank"),
        rank_expr("parent_code").alias("rank_parent"),
        rank_expr("type").alias("rank_type"),
        rank_expr("cluster").alias("rank_cluster"),
    )
    scored = scored.join(ranks, on="code", how="left")

    return scored.sort("code").select(
        pl.col("code").alias("unit_code"),
        pl.col("raw_total").cast(pl.Float64),
        pl.col("total").cast(pl.Float64),
        "level",
        "rated",
        "not_rated_reason",
        "complete",
        "held_by",
        "cap",
        pl.col("deduction").cast(pl.Float64),
        pl.col("bonus").cast(pl.Float64),
        pl.col("rank").cast(pl.Int64),
        pl.col("rank_parent").cast(pl.Int64),
        pl.col("rank_type").cast(pl.Int64),
        pl.col("rank_cluster").cast(pl.Int64),
        *[pl.col(k).cast(pl.Float64) for k in group_keys],
    )
