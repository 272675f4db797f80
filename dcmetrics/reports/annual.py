"""The People's Committee's annual report to the People's Council on the year's evaluation.

One structured object (`AnnualReport`) for a year, a profile and an area (default: the actor's
area), built only from what the core already computes: the stored scores (dashboard.ranking on
both bases), the overview and its targets (dashboard.overview), the commendation shortlist
(shortlist.shortlist), completeness (completeness.completeness) and the review states. Nothing is
scored again here; the renderers (reports.pdf, reports.html) format this one object.

Reading the report needs READ_SCORES on the area. The shortlist is computed for that same, already
checked area as the system would (its COMMEND permission guards the committee's working page, not
the result the report states: which units the profile's own rules propose).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import polars as pl

from dcmetrics import access, completeness, dashboard, scoring, shortlist, sqlfiles
from dcmetrics.config import UNIT_TYPE_LABELS
from dcmetrics.dashboard import Filters
from dcmetrics.framework_model import SOFTWARE_DEFAULT, Profile
from dcmetrics.palette import NOT_RATED, level_colors
from dcmetrics.store import Store

N_LEADING = 5          # leading and lagging units listed (as the overview page lists them)
EPS = 1e-9             # totals are kept at two decimals: a lower appraised total is lower by 0,01 at least
BASIS = "appraised"    # a report to the Council states the appraised results
SOURCE_KINDS = {"clause": "Theo văn bản (trích dẫn điều khoản)",
                "decision": "Lựa chọn của tỉnh (quyết định)",
                "default": "Mặc định của phần mềm — chưa có văn bản quy định"}
VETO_EFFECTS = {"not_rated": "không xếp loại", "cap": "mức cao nhất «{cap}»"}

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class AnnualReport:
    year: int
    profile_id: str
    profile_version: str
    profile_title: str
    document_title: str
    document_issuer: str
    area_code: str | None           # None: everything the actor reads
    area_name: str
    issuer_name: str                # the province the People's Committee belongs to
    basis: str
    level_order: list[str]          # the profile's levels best first, then «Không xếp loại»
    colors: dict[str, str]          # dcmetrics.palette, per level
    summary: dict                   # n_units, n_complete, n_rated, n_not_rated, mean_total, mean_change
    prev_year: int | None           # the year compared with (None: no scores that year)
    levels: list[dict]              # level, count, share, prev_count, change
    by_area: list[dict]             # area_name, counts {level: n}, total
    by_type: list[dict]             # unit_type, label, counts {level: n}, total
    targets: list[dict]             # the resolution's targets: share of units meeting each, with its clause
    leading: list[dict]
    lagging: list[dict]
    vetoes: list[dict]              # the profile's vetoes with the units each hit
    capped: list[dict]              # units whose level a veto capped
    not_rated: list[dict]           # units not rated, with the reason
    violations: list[dict]          # units with unhandled violations (the shortlist's count)
    commendation: dict              # rules, ties, n_rated, units proposed
    completeness: dict              # totals, period text, per area
    appraised_down: list[dict]      # appraisal lowered the total or the level (self vs appraised)
    awaiting: dict                  # sentence and units whose figures are not approved
    criteria: list[dict]            # what the document says the result is used for, in its words
    defaults: dict                  # note, and the profile's numbers by kind of source
    data_version: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain JSON-ready data (floats kept at 6 decimals, as the golden file holds them)."""
        return _rounded(asdict(self))


def _rounded(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def _rows(frame: pl.DataFrame, columns: list[str]) -> list[dict]:
    return frame.select(columns).to_dicts()


def _type_label(code: str | None) -> str:
    return UNIT_TYPE_LABELS.get(code or "", code or "")


def _issuer(store: Store, area: str | None) -> str:
    """The province issuing the report: the area's top ancestor (or the one province at the root)."""
    rows = store.rows(sqlfiles.load("report_issuer"), {"area": area})
    return rows[0][1] if len(rows) == 1 else "Tỉnh …"


def _tally(frame: pl.DataFrame, by: str, order: list[str]) -> list[dict]:
    """Rows (`by`, level, n) gathered per value of `by` (first-seen order): units of each level."""
    out: dict[str, dict] = {}
    for key, level, n in frame.select(by, pl.col("level").fill_null(NOT_RATED), "n").iter_rows():
        row = out.setdefault(key, {by: key, "counts": {lv: 0 for lv in order}, "total": 0})
        row["counts"][level] = row["counts"].get(level, 0) + int(n)
        row["total"] += int(n)
    return list(out.values())


def _unit_row(r: dict) -> dict:
    return {"rank": r.get("rank"), "unit_code": r["unit_code"], "unit_name": r["unit_name"],
            "parent_name": r.get("parent_name"), "unit_type": _type_label(r.get("unit_type")),
            "total": r.get("total"), "level": r.get("level") or NOT_RATED}


def build(store: Store, actor, profile: Profile, year: int, area: str | None = None,
          progress: Progress | None = None) -> AnnualReport:
    """The annual report of `year` under `profile` for the subtree of `area` (default: the actor's
    area). AccessDenied, NotFound (year without data, profile without a version that year) as the
    result pages raise them."""
    def step(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    f = Filters(year, area, None, BASIS)
    scope = dashboard._scope_area(store, f, actor)  # READ_SCORES on the area, refused before any read
    scoring.require_year(store, year)
    version = profile.in_force(year)
    order = [*version.level_names(), NOT_RATED]

    step(0.1, "Đọc kết quả xếp loại năm đánh giá")
    ov = dashboard.overview(store, profile, f, actor)
    table = dashboard.ranking(store, profile, f, actor)

    step(0.3, "So sánh với năm trước")
    prev_year, prev_counts, prev_mean = _previous(store, profile, f, actor)
    levels = []
    for r in ov.levels.iter_rows(named=True):
        prev = None if prev_counts is None else prev_counts.get(r["level"], 0)
        levels.append({"level": r["level"], "count": int(r["count"]), "share": r["share"], "prev_count": prev,
                       "change": None if prev is None else int(r["count"]) - prev})

    rated = table.filter(pl.col("rated"))
    leading = [_unit_row(r) for r in rated.head(N_LEADING).iter_rows(named=True)]
    lagging = [_unit_row(r) for r in rated.tail(N_LEADING).reverse().iter_rows(named=True)]
    # by unit type: the ranking's rows counted (the scores are the core's)
    by_type = _tally(table.with_columns(pl.col("level").fill_null(NOT_RATED))
                     .group_by("unit_type", "level", maintain_order=True).len("n")
                     .with_columns(pl.col("unit_type").replace_strict(UNIT_TYPE_LABELS, default=pl.col("unit_type"))),
                     "unit_type", order)

    step(0.45, "Đề xuất khen thưởng, vi phạm")
    sl = shortlist.shortlist(store, access.SYSTEM, profile, year, area=scope)
    violations = [{**_unit_row(r), "n_unhandled": int(r["n_unhandled"])}
                  for r in sl.units.filter(pl.col("n_unhandled").fill_null(0) > 0)
                  .sort("n_unhandled", descending=True, maintain_order=True).iter_rows(named=True)]
    vetoes = []
    for v in version.vetoes:
        hit = (pl.col("capped_by").fill_null("").str.contains(v.reason, literal=True)
               | pl.col("not_rated_reason").fill_null("").str.contains(v.reason, literal=True))
        vetoes.append({"indicator": v.indicator.code, "indicator_name": v.indicator.name,
                       "condition": f"{v.op} {v.value:g}", "value": v.value, "op": v.op,
                       "effect": VETO_EFFECTS[v.effect].format(cap=v.cap_level), "reason": v.reason,
                       "clause": v.clause, "source": v.source.label(), "source_is_default": v.source.is_default,
                       "n_units": table.filter(hit).height})
    capped = [{**_unit_row(r), "reason": r["capped_by"]}
              for r in table.filter(pl.col("capped_by").fill_null("") != "").iter_rows(named=True)]
    not_rated = [{**_unit_row(r), "reason": r["not_rated_reason"]}
                 for r in table.filter(~pl.col("rated")).iter_rows(named=True)]
    commendation = {
        "rules": sl.rules.describe(), "ties": shortlist.ties_explained(sl.rules),
        "source": version.commendation_source.label() if version.commendation else
        "mặc định của phần mềm — chưa có văn bản quy định (bộ tiêu chí không có điều kiện khen thưởng)",
        "source_is_default": version.commendation_source.is_default or not version.commendation,
        "n_rated": sl.n_rated, "n_selected": sl.selected.height,
        "units": [{**_unit_row(r), "reasons": r["reasons"]} for r in sl.selected.iter_rows(named=True)],
    }

    step(0.6, "Tiến độ nộp số liệu")
    comp = completeness.completeness(store, profile, f, actor)
    comp_totals = comp.total
    comp_areas = comp.areas.sort("area_name").select(
        "area_code", "area_name", "units", "units_sent", "units_approved", "n_expected", "n_submitted",
        "n_missing", "pct_submitted", "pct_approved").to_dicts()

    step(0.7, "Kết quả tự chấm và sau thẩm định")
    own = dashboard.ranking(store, profile, replace(f, basis="self"), actor)
    both = own.select("unit_code", pl.col("total").alias("self_total"), pl.col("level").alias("self_level"),
                      pl.col("level_ord").alias("self_ord"), pl.col("rated").alias("self_rated")).join(
        table.select("unit_code", "unit_name", "parent_name", "unit_type", "total", "level", "level_ord", "rated"),
        on="unit_code", how="inner", maintain_order="right")
    down = both.filter((pl.col("total") < pl.col("self_total") - EPS)
                       | (pl.col("level_ord").fill_null(99) > pl.col("self_ord").fill_null(99)))
    appraised_down = [{"unit_code": r["unit_code"], "unit_name": r["unit_name"], "parent_name": r["parent_name"],
                       "unit_type": _type_label(r["unit_type"]), "self_total": r["self_total"],
                       "total": r["total"], "drop": r["self_total"] - r["total"],
                       "self_level": r["self_level"] or NOT_RATED, "level": r["level"] or NOT_RATED,
                       "level_lowered": (r["level_ord"] or 99) > (r["self_ord"] or 99)}
                      for r in down.sort("self_total", descending=True, maintain_order=True).iter_rows(named=True)]
    pending = own.filter(pl.col("review_state").fill_null("") != "approved")
    awaiting = {"sentence": dashboard.awaiting_review(store, profile, f, actor),
                "units": [{"unit_code": r["unit_code"], "unit_name": r["unit_name"],
                           "parent_name": r["parent_name"], "unit_type": _type_label(r["unit_type"]),
                           "review_label": r["review_label"], "self_total": r["total"]}
                          for r in pending.iter_rows(named=True)]}

    step(0.85, "Nguồn của các con số")
    numbers: dict[str, list[dict]] = {k: [] for k in SOURCE_KINDS}
    for what, shown, src in version.numbers():
        numbers[src.kind].append({"what": what, "value": shown, "source": src.label()})
    defaults = {"note": version.defaults_note(), "kinds": SOURCE_KINDS, "numbers": numbers,
                "rounding": version.rounding.describe()}
    criteria = [{"clause": c.clause, "quote": c.quote, "doc_title": c.doc_title or version.document.title,
                 "subjects": c.subjects_text(), "unit_types": [_type_label(t) for t in c.unit_types],
                 "effect": c.effect} for c in version.criteria]

    targets = [{**r, "source_is_default": r["source"] == SOFTWARE_DEFAULT}
               for r in ov.targets.to_dicts()]
    mean_total = ov.mean_total
    mean_change = None if mean_total is None or prev_mean is None else mean_total - prev_mean
    step(1.0, "Đã lập xong báo cáo")
    return AnnualReport(
        year=year, profile_id=profile.id, profile_version=version.version, profile_title=version.title,
        document_title=version.document.title, document_issuer=version.document.issuer,
        area_code=scope, area_name=access._area_name(store, scope) if scope else access.ALL_AREAS_LABEL,
        issuer_name=_issuer(store, scope), basis=BASIS, level_order=order,
        colors=level_colors(version.level_names()),
        summary={"n_units": ov.n_units, "n_complete": ov.n_complete, "n_rated": ov.n_rated,
                 "n_not_rated": ov.n_units - ov.n_rated, "mean_total": mean_total, "mean_change": mean_change,
                 "n_selected": sl.selected.height, "n_appraised_down": len(appraised_down),
                 "n_awaiting": len(awaiting["units"])},
        prev_year=prev_year, levels=levels,
        by_area=_tally(ov.by_area.rename({"count": "n"}).with_columns(pl.col("area_name").fill_null("Chưa rõ địa bàn")),
                       "area_name", order),
        by_type=by_type, targets=targets, leading=leading, lagging=lagging, vetoes=vetoes, capped=capped,
        not_rated=not_rated, violations=violations, commendation=commendation,
        completeness={"totals": comp_totals, "period_text": comp.period_text, "areas": comp_areas},
        appraised_down=appraised_down, awaiting=awaiting, criteria=criteria, defaults=defaults,
        data_version=store.data_version())


def _previous(store: Store, profile: Profile, f: Filters, actor):
    """(year, units per level, mean total) of the year before, from that year's own overview: the
    profile's own units that year, scored by the version then in force (the overview's prev_count
    and mean_change count every unit of the area that year, of whichever profile); Nones without
    scores that year."""
    prev = f.year - 1
    if prev not in scoring.scored_years(store) or not profile.has_version_for(prev):
        return None, None, None
    ov = dashboard.overview(store, profile, replace(f, year=prev), actor)
    return prev, {r["level"]: int(r["count"]) for r in ov.levels.iter_rows(named=True)}, ov.mean_total
