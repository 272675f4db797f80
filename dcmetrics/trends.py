"""Xu hướng: totals over the years, movers, and moves between levels."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dcmetrics import access, config, scoring, units
from dcmetrics.dashboard import Filters
from dcmetrics.framework_model import Profile
from dcmetrics.kept import Kept
from dcmetrics.store import Store, cache_key
from dcmetrics.lineage import weighted_total


@dataclass(frozen=True)
class Trends:
    years: list[int]
    overall: pl.DataFrame      # year, mean_total, n_units, share per level
    by_area: pl.DataFrame      # year, area_code, area_name (district), mean_total, n_units
    by_type: pl.DataFrame      # year, unit_type, type_label, mean_total, n_units
    movers: pl.DataFrame       # units of the chosen year with total_change, best first
    transitions: pl.DataFrame  # from_level, to_level, count (previous year → chosen year)
    merged_note: str           # how units born of a merger were compared (empty when none)
    units: pl.DataFrame        # unit_code, unit_name, year, total, level (every unit, every year)
    versions: pl.DataFrame     # year, version, effective_from, previous_version (of the year shown before), changed


def trends(store: Store, actor, profile: Profile, f: Filters) -> Trends:
    """All years with data, in the filters' scope (area, type) and the actor's area."""
    acct = access.require(store, actor, access.READ_SCORES, f.area)
    area = f.area or (None if acct.area_code == access.ALL_AREAS or acct.role == access.ADMIN else acct.area_code)
    # every rerun of the page asks again (a whole nation: 200,000 unit-years grouped four ways);
    # the answer depends on the stored data, the profile's versions, the filters and the area
    # only, once the check above has passed
    key = cache_key(store, profile.id, scoring._versions_key(profile), f, area)
    return _CACHE.get(key, lambda: _trends(store, profile, f, area))


_CACHE = Kept(16)


def _trends(store: Store, profile: Profile, f: Filters, area: str | None) -> Trends:
    # years no version of the profile covers are left out (versions says which are shown)
    years = sorted(y for y in scoring.scored_years(store) if profile.has_version_for(y))
    result = scoring.cached_score(store, profile, years, f.basis)
    frame = result.units
    if area:
        frame = frame.filter(pl.col("unit_code").is_in(units.subtree(store, area)["code"].implode()))
    if f.unit_type:
        frame = frame.filter(pl.col("unit_type") == f.unit_type)
    level_names = list(dict.fromkeys(n for y in years for n in result.profile_of(y).level_names()))
    overall = (frame.group_by("year").agg(pl.col("total").mean().alias("mean_total"), pl.len().alias("n_units"),
                                          *[(pl.col("level") == lv).mean().alias(lv) for lv in level_names])
               .sort("year"))
    by_area = (frame.group_by("year", "area_code", "area_name")
               .agg(pl.col("total").mean().alias("mean_total"), pl.len().alias("n_units")).sort("year"))
    by_type = (frame.group_by("year", "unit_type")
               .agg(pl.col("total").mean().alias("mean_total"), pl.len().alias("n_units"))
               .with_columns(pl.col("unit_type").replace_strict(config.UNIT_TYPE_LABELS).alias("type_label"))
               .sort("year", "unit_type"))
    this_year, merged_note = _across_mergers(store, result, frame.filter(pl.col("year") == f.year), f.year)
    movers = (this_year.filter(pl.col("total_change").is_not_null())
              .select("unit_code", "unit_name", "parent_name", "unit_type", "prev_total", "total", "total_change",
                      "prev_level", "level", "compared_with")
              .sort(["total_change", "unit_name"], descending=[True, False]))
    order = {lv: i for i, lv in enumerate(level_names)}
    labelled = this_year.with_columns(
        pl.col("prev_level").fill_null("Không xếp loại / chưa có").alias("from_level"),
        pl.col("level").fill_null("Không xếp loại").alias("to_level"))
    transitions = (labelled.filter(pl.col("compared_with") == "chính đơn vị")  # (a merger's units: see merged_note)
                   .group_by("from_level", "to_level").len("count")
                   .with_columns(pl.col("from_level").replace_strict(order, default=99).alias("_f"),
                                 pl.col("to_level").replace_strict(order, default=99).alias("_t"))
                   .sort("_f", "_t").drop("_f", "_t"))
    return Trends(years, overall, by_area, by_type, movers, transitions, merged_note,
                  frame.select("unit_code", "unit_name", "year", "total", "level"), _versions(result, years))


def _across_mergers(store: Store, result: scoring.ScoreResult, this_year: pl.DataFrame,
                    year: int) -> tuple[pl.DataFrame, str]:
    """The chosen year's units with, for a unit born of a merger, last year's figure taken from its
    predecessors (their totals weighted by the share of each that went into it), said so in
    `compared_with`; only where every predecessor has a rated total last year, else no change."""
    own = this_year.with_columns(pl.when(pl.col("prev_total").is_not_null()).then(pl.lit("chính đơn vị"))
                                 .alias("compared_with"))
    lineage = store.frame("SELECT old_code, new_code, share FROM unit_lineage")
    born = lineage.filter(pl.col("new_code").is_in(own.filter(pl.col("prev_total").is_null())["unit_code"].implode()))
    if born.is_empty():
        return own, ""
    before = (result.units.filter((pl.col("year") == year - 1) & pl.col("rated"))
              .select(pl.col("unit_code").alias("old_code"), pl.col("total").alias("old_total")))
    groups = (born.join(before, on="old_code", how="left").group_by("new_code")
              .agg(pl.len().alias("n"), pl.col("old_total").count().alias("n_scored"), "old_total", "share")
              .filter(pl.col("n") == pl.col("n_scored")))
    combined = pl.DataFrame({"unit_code": groups["new_code"],
                             "combined": [weighted_total(t, s) for t, s in zip(groups["old_total"], groups["share"])]},
                            schema={"unit_code": pl.String, "combined": pl.Float64})
    out = (own.join(combined, on="unit_code", how="left")
           .with_columns(pl.when(pl.col("prev_total").is_null() & pl.col("combined").is_not_null())
                         .then(pl.lit("các đơn vị trước sắp xếp (điểm gộp)")).otherwise(pl.col("compared_with"))
                         .alias("compared_with"),
                         pl.coalesce("prev_total", "combined").alias("prev_total"))
           .with_columns(pl.coalesce("total_change", pl.col("total") - pl.col("prev_total")).alias("total_change"))
           .drop("combined"))
    n_born, n_compared = born["new_code"].n_unique(), combined.height
    note = (f"{n_born} đơn vị hình thành do sắp xếp: tăng/giảm so với điểm gộp của các đơn vị trước sắp xếp "
            f"({n_compared} đơn vị; điểm gộp là bình quân theo phần nhập vào)"
            + (f", {n_born - n_compared} đơn vị không so sánh được vì có đơn vị cũ không có điểm năm trước" if
               n_born > n_compared else "")
            + "; bảng chuyển mức không tính các đơn vị này vì năm trước chúng chưa có mức của chính mình.")
    return out, note


def _versions(result: scoring.ScoreResult, years: list[int]) -> pl.DataFrame:
    """Which version of the profile scored each year, and where it changed: totals on either
    side of a change were computed by different rules."""
    rows, before = [], None
    for y in years:
        v = result.profile_of(y)
        rows.append({"year": y, "version": v.version, "effective_from": v.effective_from, "previous_version": before,
                     "changed": before is not None and v.version != before})
        before = v.version
    return pl.DataFrame(rows, schema={"year": pl.Int64, "version": pl.String, "effective_from": pl.Int64,
                                      "previous_version": pl.String, "changed": pl.Boolean})
