"""Units across mergers: a new unit's predecessors (unit_lineage) and their results, always
labelled as the predecessors' and never passed off as the new unit's own."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from dcmetrics import access, scoring, sqlfiles
from dcmetrics.exact import dec
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store

CENT = Decimal("0.01")

SHARE_BASIS_LABELS = {
    "whole": "cả đơn vị",
    "equal": "chia đều (gói dữ liệu không có diện tích từng phần)",
    "area": "theo diện tích phần chia",
    "entered": "do quản trị viên nhập",
}


@dataclass(frozen=True)
class PredecessorHistory:
    predecessors: pl.DataFrame  # old_code, old_name, share, share_basis
    rows: pl.DataFrame          # year, old_code, old_name, share, total, level, rated (each predecessor's own)
    combined: pl.DataFrame      # year, total, n_scored, n_predecessors, comparable
    label: str                  # what the page writes above them

    @property
    def empty(self) -> bool:
        return self.predecessors.is_empty()


def predecessors(store: Store, unit_code: str) -> pl.DataFrame:
    """The old units a unit continues, with the share of each that went into it."""
    return store.frame(sqlfiles.load("unit_predecessors"), {"u": unit_code})


def predecessor_history(store: Store, profile: Profile, unit_code: str, basis: str, actor) -> PredecessorHistory:
    """Each predecessor's stored total and level per year, and one combined figure per year: the
    predecessors' totals weighted by the share of each that went into the unit, given only when
    every predecessor was scored that year (otherwise no fair comparison exists, and it says so).
    Reading the unit is what the caller must be allowed; its predecessors' results are part of its page."""
    access.require(store, actor, access.READ_SCORES, unit_codes=[unit_code])
    preds = predecessors(store, unit_code)
    empty_rows = pl.DataFrame(schema={"year": pl.Int32, "old_code": pl.String, "old_name": pl.String,
                                      "share": pl.Float64, "total": pl.Float64, "level": pl.String,
                                      "rated": pl.Boolean})
    if preds.is_empty():
        return PredecessorHistory(preds, empty_rows, _combined(empty_rows, 0), "")
    years = [y for y in scoring.scored_years(store) if profile.has_version_for(y)]
    parts = []
    for p in preds.iter_rows(named=True):
        h = scoring.unit_history(store, profile, p["old_code"], years, basis)
        if not h.is_empty():
            parts.append(h.select(pl.col("year").cast(pl.Int32), pl.lit(p["old_code"]).alias("old_code"),
                                  pl.lit(p["old_name"]).alias("old_name"), pl.lit(p["share"]).alias("share"),
                                  pl.col("total").cast(pl.Float64), "level", "rated"))
    rows = pl.concat(parts).sort("year", "old_code") if parts else empty_rows
    names = "; ".join(f"{r['old_name']} ({r['old_code']}, {SHARE_BASIS_LABELS.get(r['share_basis'], r['share_basis'])}"
                      + ("" if r["share"] == 1 else f", phần {r['share']:.0%}".replace(".", ",")) + ")"
                      for r in preds.iter_rows(named=True))
    label = (f"Kết quả của các đơn vị trước sắp xếp: {names}. Đây là kết quả của các đơn vị cũ, không phải của "
             f"đơn vị này; điểm gộp mỗi năm là bình quân điểm của các đơn vị cũ theo phần nhập vào đơn vị này. "
             f"Nguồn liên kết: {_sources(preds)}.")
    return PredecessorHistory(preds, rows, _combined(rows, preds.height), label)


def _sources(preds: pl.DataFrame) -> str:
    """Where the links come from: the package and its version, the sample, or who entered them and why."""
    seen = dict.fromkeys(r["source"] + (f" (lý do: {r['reason']})" if r["reason"] else "")
                         for r in preds.iter_rows(named=True))
    return "; ".join(seen)


def weighted_total(totals, shares) -> float:
    """The predecessors' totals weighted by the share of each that went into the new unit:
    exact, half up at two places like every kept total (a float mean would round 75.185 down)."""
    num = sum(dec(t) * dec(s) for t, s in zip(totals, shares))
    return float((num / sum(dec(s) for s in shares)).quantize(CENT, ROUND_HALF_UP))


def _combined(rows: pl.DataFrame, n_predecessors: int) -> pl.DataFrame:
    scored = rows.filter(pl.col("rated") & pl.col("total").is_not_null())
    out = []
    for (year,), part in scored.group_by("year"):
        comparable = part.height == n_predecessors
        # a year in which some predecessor has no rated total gives no fair combined figure
        total = weighted_total(part["total"], part["share"]) if comparable else None
        out.append({"year": year, "total": total, "n_scored": part.height, "n_predecessors": n_predecessors,
                    "comparable": comparable})
    schema = {"year": pl.Int32, "total": pl.Float64, "n_scored": pl.Int64, "n_predecessors": pl.Int64,
              "comparable": pl.Boolean}
    return pl.DataFrame(out, schema=schema).sort("year")
