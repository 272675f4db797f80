"""Scoring: the profile as tables, then the SQL chain values → scored_units → attainment →
group_points → totals → ranks, each step a temp table of the caller's own cursor.

The drill-down reads the very rows the ranking used (ScoreResult.items / .groups).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import polars as pl

from dcmetrics import sqlfiles
from dcmetrics.errors import DcmetricsError, NotFound
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store

BASES = ("appraised", "self")
CHAIN = [("t_current", "current_observations"), ("t_values", "values"), ("t_scored", "scored_units"), ("t_items", "attainment"),
         ("t_groups", "group_points"), ("t_totals", "totals"), ("t_ranked", "ranks")]


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one profile on one basis for some years, and how they were computed."""

    profile: Profile
    basis: str
    years: tuple[int, ...]
    units: pl.DataFrame   # one row per unit and year (totals, level, ranks, changes)
    groups: pl.DataFrame  # one row per unit, year and group
    items: pl.DataFrame   # one row per unit, year and applicable item

    def year(self, year: int) -> pl.DataFrame:
        return self.units.filter(pl.col("year") == year)

    def wide(self, year: int) -> pl.DataFrame:
        """One row per unit with a points column per group key (G1, G2, ...): the export shape."""
        units = self.year(year)
        if units.is_empty():
            return units
        groups = (self.groups.filter(pl.col("year") == year)
                  .pivot(on="group_key", index="unit_code", values="points")
                  .select(["unit_code", *[g.key for g in self.profile.groups]]))
        return units.join(groups, on="unit_code", how="left")


def profile_tables(profile: Profile, basis: str) -> dict[str, pl.DataFrame]:
    """The profile as the small tables the SQL chain joins (values bound as data, never as SQL text)."""
    items, bands = [], []
    for gi, g in enumerate(profile.groups, 1):
        for ii, it in enumerate(g.items, 1):
            r, ind = it.rule, it.indicator
            items.append({
                "group_key": g.key, "group_ord": gi, "group_points": g.points,
                "indicator": ind.code, "item_ord": ii, "weight": it.weight, "kind": ind.kind,
                "rule_type": r.type, "target": r.target, "bound": r.bound, "expect": r.expect,
                "fail_mode": r.mode, "share_each": r.share_each, "zero_den": r.zero_denominator,
                "then_type": r.then, "ind_max": ind.max})
            for bi, b in enumerate(r.bands):
                bands.append({"indicator": ind.code, "lo": b.lo, "hi": b.hi, "share": b.share,
                              "last": bi == len(r.bands) - 1})
    used = profile.indicators()
    level_ord = {lv.level: i for i, lv in enumerate(profile.levels, 1)}
    caps = profile.adjustment_caps
    return {
        "fw_items": pl.DataFrame(items, schema={
            "group_key": pl.String, "group_ord": pl.Int32, "group_points": pl.Float64,
            "indicator": pl.String, "item_ord": pl.Int32, "weight": pl.Float64, "kind": pl.String,
            "rule_type": pl.String, "target": pl.Float64, "bound": pl.Float64, "expect": pl.Float64,
            "fail_mode": pl.String, "share_each": pl.Float64, "zero_den": pl.String,
            "then_type": pl.String, "ind_max": pl.Float64}),
        "fw_groups": pl.DataFrame(
            [{"group_key": g.key, "group_ord": i, "group_points": g.points} for i, g in enumerate(profile.groups, 1)],
            schema={"group_key": pl.String, "group_ord": pl.Int32, "group_points": pl.Float64}),
        "fw_item_bands": pl.DataFrame(bands, schema={
            "indicator": pl.String, "lo": pl.Float64, "hi": pl.Float64, "share": pl.Float64,
            "last": pl.Boolean}),
        "fw_indicators": pl.DataFrame(
            [{"indicator": i.code, "kind": i.kind, "entered_by": i.entered_by} for i in used],
            schema={"indicator": pl.String, "kind": pl.String, "entered_by": pl.String}),
        "fw_applies": pl.DataFrame(
            [{"indicator": i.code, "unit_type": t} for i in used for t in i.applies],
            schema={"indicator": pl.String, "unit_type": pl.String}),
        "fw_levels": pl.DataFrame(
            [{"level": lv.level, "level_ord": i, "min_total": lv.min_total, "floor": lv.floor, "cap": lv.cap}
             for i, lv in enumerate(profile.levels, 1)],
            schema={"level": pl.String, "level_ord": pl.Int32, "min_total": pl.Float64,
                    "floor": pl.Float64, "cap": pl.String}),
        "fw_vetoes": pl.DataFrame(
            [{"veto_ord": i, "indicator": v.indicator.code, "op": v.op, "value": v.value,
              "effect": v.effect, "cap_ord": level_ord.get(v.cap_level), "reason": v.reason}
             for i, v in enumerate(profile.vetoes, 1)],
            schema={"veto_ord": pl.Int32, "indicator": pl.String, "op": pl.String, "value": pl.Float64,
                    "effect": pl.String, "cap_ord": pl.Int32, "reason": pl.String}),
        "fw_adjustments": pl.DataFrame(
            [{"indicator": a.indicator.code, "kind": a.kind, "ind_kind": a.indicator.kind,
              "points_each": a.points_each, "cap": a.cap} for a in profile.adjustments],
            schema={"indicator": pl.String, "kind": pl.String, "ind_kind": pl.String,
                    "points_each": pl.Float64, "cap": pl.Float64}),
        "fw_params": pl.DataFrame([{
            "framework_id": profile.id, "framework_version": profile.version, "basis": basis,
            "total_max": profile.total_max,
            "deduction_cap": float(caps.get("deduction", math.inf)),
            "bonus_cap": float(caps.get("bonus", math.inf)),
            "not_rated_if_incomplete": profile.not_rated_if_incomplete}]),
    }


PENDING_ID = 2**62  # the submission id a previewed file takes (above any stored one, so it wins)
OBS_SCHEMA = {"submission_id": pl.Int64, "unit_code": pl.String, "year": pl.Int32, "indicator": pl.String,
              "value": pl.Float64, "num": pl.Float64, "den": pl.Float64}


@dataclass(frozen=True)
class Pending:
    """A validated file not yet stored, for a preview: its rows, and the submissions it replaces."""

    observations: pl.DataFrame
    replaces: tuple[int, ...] = ()


def score(store: Store, profile: Profile, years: list[int] | tuple[int, ...], basis: str = "appraised",
          pending: Pending | None = None) -> ScoreResult:
    """Score `years` (and the year before each, for the change columns) with `profile`;
    with `pending`, as if that file were stored."""
    if basis not in BASES:
        raise DcmetricsError(f"Cơ sở tính điểm «{basis}» không hợp lệ: chọn «appraised» (sau thẩm định) hoặc «self» (tự chấm).")
    wanted = sorted(set(years))
    with_prev = sorted(set(wanted) | {y - 1 for y in wanted})
    cur = store.cursor()
    try:
        for name, frame in profile_tables(profile, basis).items():
            cur.register(name, frame)
        cur.register("p_years", pl.DataFrame({"year": with_prev}, schema={"year": pl.Int32}))
        rows = pl.DataFrame(schema=OBS_SCHEMA)
        if pending is not None:
            rows = (pending.observations.with_columns(pl.lit(PENDING_ID, pl.Int64).alias("submission_id"))
                    .select([pl.col(c).cast(t) for c, t in OBS_SCHEMA.items()]))
        cur.register("p_pending", rows)
        cur.register("p_replaced", pl.DataFrame({"submission_id": list(pending.replaces) if pending else []},
                                                schema={"submission_id": pl.Int64}))
        for table, sql in CHAIN:
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {sqlfiles.quote_ident(table)} AS {sqlfiles.load(sql)}")
        order = "ORDER BY year, rated DESC, total DESC, unit_name COLLATE vi, unit_code"
        units = cur.sql(f"SELECT * FROM t_ranked WHERE list_contains($y, year) {order}", params={"y": wanted}).pl()
        groups = cur.sql("SELECT * FROM t_groups WHERE list_contains($y, year) "
                         "ORDER BY year, unit_code, group_ord", params={"y": wanted}).pl()
        items = cur.sql("SELECT * FROM t_items WHERE list_contains($y, year) "
                        "ORDER BY year, unit_code, group_ord, item_ord", params={"y": wanted}).pl()
    finally:
        cur.close()
    return ScoreResult(profile, basis, tuple(wanted), units, groups, items)


def scored_years(store: Store) -> list[int]:
    """Years that have current data, newest first."""
    rows = store.rows(sqlfiles.load("data_years"))
    return [r[0] for r in rows]


# A small process-wide cache: scores are cheap to recompute, but pages ask for the same ones
# on every rerun. Keyed by the data version, so any commit makes old entries unreachable.
_CACHE: OrderedDict[tuple, ScoreResult] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 32


def cached_score(store: Store, profile: Profile, years, basis: str = "appraised") -> ScoreResult:
    key = (store.path, id(store), store.data_version(), profile.id, profile.version, profile.sha256,
           tuple(sorted(set(years))), basis)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = score(store, profile, years, basis)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def require_year(store: Store, year: int) -> None:
    years = scored_years(store)
    if year not in years:
        have = ", ".join(str(y) for y in sorted(years)) or "chưa có năm nào"
        raise NotFound(f"Chưa có số liệu năm {year}. Các năm có số liệu: {have}.")
