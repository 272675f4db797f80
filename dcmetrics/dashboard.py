"""What the dashboard pages show, computed from stored data (one call per page)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from dcmetrics import access, scoring, territory, unit_reviews, units
from dcmetrics.errors import NotFound
from dcmetrics.fmt import sort_vi
from dcmetrics.framework_model import Profile
from dcmetrics.ingest.commit import submissions_for_unit
from dcmetrics.lineage import PredecessorHistory, predecessor_history
from dcmetrics.kept import Kept
from dcmetrics.store import Store, cache_key


@dataclass(frozen=True)
class Filters:
    year: int
    area: str | None = None       # a node of the unit tree; None = everything
    unit_type: str | None = None  # commune | agency | service | enterprise; None = all
    basis: str = "appraised"


def _scope_area(store: Store, f: Filters, actor) -> str | None:
    """The area whose subtree the actor reads (refused before anything is scored or read)."""
    acct = access.require(store, actor, access.READ_SCORES, f.area)
    return f.area or (None if acct.area_code == access.ALL_AREAS or acct.role == access.ADMIN else acct.area_code)


def own_units(store: Store, frame: pl.DataFrame, profile_id: str, year: int,
              prev: pl.DataFrame | None = None) -> pl.DataFrame:
    """Where profiles are assigned by territory: the units `profile_id` evaluates that year,
    ranked among themselves (and against last year's own units when `prev` is given)."""
    assigned = territory.units_of(store, profile_id, year)
    if assigned is None:
        return frame
    return territory.ranked_among(frame.filter(pl.col("unit_code").is_in(assigned)), prev)


def _in_scope(store: Store, frame: pl.DataFrame, f: Filters, area: str | None,
              profile_id: str | None = None) -> pl.DataFrame:
    """The rows the filters ask for, within `area` (see _scope_area); where profiles are assigned
    by territory, only the units `profile_id` evaluates that year (each profile's units apart)."""
    if profile_id is not None:
        frame = own_units(store, frame, profile_id, f.year)
    if area:
        frame = frame.filter(pl.col("unit_code").is_in(units.subtree(store, area)["code"].implode()))
    if f.unit_type:
        frame = frame.filter(pl.col("unit_type") == f.unit_type)
    return frame


# What the result pages read on every rerun, kept per data version, profile versions, filters and
# the scope the access check resolved (the check itself runs on every call, before the lookup).
_VIEWS = Kept(64)


def _view(store: Store, name: str, profile: Profile, f: Filters, area: str | None, build):
    return _VIEWS.get(cache_key(store, name, profile.id, scoring._versions_key(profile), f, area), build)


def ranking(store: Store, profile: Profile, f: Filters, actor) -> pl.DataFrame:
    """Scored units of the year in the filters' scope, best first, with points per group."""
    area = _scope_area(store, f, actor)
    return _view(store, "ranking", profile, f, area, lambda: _ranking(store, profile, f, area))


def _ranking(store: Store, profile: Profile, f: Filters, area: str | None) -> pl.DataFrame:
    scoring.require_year(store, f.year)
    result = scoring.cached_score(store, profile, [f.year], f.basis)
    # the scores come best first, equal totals in Vietnamese name order (scoring's ORDER BY)
    wide = result.wide(f.year)
    if territory.units_of(store, profile.id, f.year) is not None:
        wide = _own_ranked(store, profile, f, wide)
    return _with_review(store, _in_scope(store, wide, f, area), f.year)


def _with_review(store: Store, frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """The review state of each row's figures (review_state, review_label «Chờ thẩm định»…):
    on the self-assessed basis, rows not approved yet are marked."""
    states = _review_states(store, year)
    return frame.join(states, on="unit_code", how="left").with_columns(
        pl.col("review_label").fill_null(unit_reviews.NOT_SENT_LABEL))


_STATES: dict[tuple, pl.DataFrame] = {}


def _review_states(store: Store, year: int) -> pl.DataFrame:
    key = (str(store.path), id(store), store.data_version(), year)
    if key not in _STATES:
        if len(_STATES) > 32:
            _STATES.clear()
        st = unit_reviews.states(store, year).select("unit_code", "review_state")
        _STATES[key] = st.with_columns(review_label=pl.col("review_state").replace_strict(
            unit_reviews.STATE_LABELS, default=unit_reviews.NOT_SENT_LABEL, return_dtype=pl.String))
    return _STATES[key]


def awaiting_review(store: Store, profile: Profile, f: Filters, actor) -> str | None:
    """What a results page says of the scope's figures not approved yet, or None when every
    unit sent is approved: counted over the units the self-assessed basis scores in the scope."""
    area = _scope_area(store, f, actor)

    def build():
        sent = ranking(store, profile, replace(f, basis="self"), actor)
        counts = dict(sent.group_by("review_state").len().iter_rows()) if sent.height else {}
        return unit_reviews.awaiting_sentence({k: int(v) for k, v in counts.items() if k}, f.basis)
    return _view(store, "awaiting_review", profile, f, area, build)


# The profile's own units ranked among themselves, kept per data version: re-ranking 40,000 units
# on every rerun of a page costs more than the page's whole budget.
_OWN: dict[tuple, pl.DataFrame] = {}


def _own_ranked(store: Store, profile: Profile, f: Filters, wide: pl.DataFrame) -> pl.DataFrame:
    key = (str(store.path), id(store), store.data_version(), profile.id, profile.sha256, f.year, f.basis)
    if key not in _OWN:
        # ranks among the profile's own units, this year and last (a run ranks every unit)
        last = f.year - 1
        prev = (own_units(store, scoring.cached_score(store, profile, [last], f.basis).year(last), profile.id, last)
                if last in scoring.scored_years(store) and profile.has_version_for(last) else None)
        if len(_OWN) > 32:
            _OWN.clear()
        _OWN[key] = own_units(store, wide, profile.id, f.year, prev)
    return _OWN[key]


def map_points(store: Store, profile: Profile, f: Filters, actor) -> pl.DataFrame:
    """The ranking's units of the year with their official coordinates, for the map: unit_code,
    unit_name, unit_type, parent_name, total, level, rated, lat, lon (units without a place left out)."""
    units = ranking(store, profile, f, actor)
    places = store.frame("SELECT code AS unit_code, lat, lon FROM unit_places WHERE lat IS NOT NULL AND lon IS NOT NULL")
    return (units.select("unit_code", "unit_name", "unit_type", "parent_name", "total", "level", "rated")
            .join(places, on="unit_code", how="inner", maintain_order="left"))


@dataclass(frozen=True)
class Overview:
    n_units: int
    n_complete: int
    n_rated: int
    mean_total: float | None
    mean_change: float | None
    levels: pl.DataFrame   # level, level_ord, count, share, prev_count
    by_area: pl.DataFrame  # area_name, level, count: levels of each district side by side
    targets: pl.DataFrame  # key, text, clause, indicator, goal, n_units, n_met, share_met, gap


def overview(store: Store, profile: Profile, f: Filters, actor) -> Overview:
    area = _scope_area(store, f, actor)
    return _view(store, "overview", profile, f, area, lambda: _overview(store, profile, f, area))


def _overview(store: Store, profile: Profile, f: Filters, area: str | None) -> Overview:
    scoring.require_year(store, f.year)
    # the year alone (the ranking asks for the same, so one read serves both), then what the
    # comparison needs of the year before
    result = scoring.cached_score(store, profile, [f.year], f.basis)
    profile = result.profile_of(f.year)
    cur = _in_scope(store, result.year(f.year), f, area, profile.id)
    # last year's units that this profile evaluated last year: where profiles are assigned by
    # territory, every unit of the area would count the other profiles' units too
    prev = _in_scope(store, scoring.year_totals(store, result.profile, f.year - 1, f.basis),
                     replace(f, year=f.year - 1), area, profile.id)
    rated = cur.filter(pl.col("rated"))
    names = pl.DataFrame({"level": profile.level_names(), "level_ord": list(range(1, len(profile.levels) + 1))},
                         schema={"level": pl.String, "level_ord": pl.Int32})
    counts = rated.group_by("level").len("count")
    prev_counts = prev.filter(pl.col("rated")).group_by("level").len("prev_count")
    levels = (names.join(counts, on="level", how="left").join(prev_counts, on="level", how="left")
              .with_columns(pl.col("count").fill_null(0), pl.col("prev_count").fill_null(0))
              .with_columns((pl.col("count") / max(rated.height, 1)).alias("share"))
              .sort("level_ord"))
    mean = cur["total"].mean() if cur.height else None
    mean_prev = prev["total"].mean() if prev.height else None
    by_area = (cur.with_columns(pl.col("level").fill_null("Không xếp loại"))
               .group_by("area_name", "level").len("count"))
    by_area = sort_vi(by_area, "area_name")
    return Overview(cur.height, int(cur["complete"].sum()) if cur.height else 0, rated.height,
                    mean, None if mean is None or mean_prev is None else mean - mean_prev, levels, by_area,
                    _targets(profile, result, cur, f.year))


def _targets(profile: Profile, result, cur: pl.DataFrame, year: int) -> pl.DataFrame:
    """The resolution's "100%" targets: the share of units (where the indicator applies) that
    fully attain the indicator, against the goal."""
    items = result.items_for(indicators=[t.indicator.code for t in profile.targets if t.indicator is not None]).filter(
        (pl.col("year") == year) & pl.col("unit_code").is_in(cur["unit_code"].implode()))
    rows = []
    for t in profile.targets:
        if t.indicator is None:  # what it asks, no indicator measures: shown, not counted
            rows.append({"key": t.key, "text": t.text, "clause": t.clause, "source": t.source.label(),
                         "indicator": None, "goal": t.goal, "n_units": None, "n_met": None, "share_met": None,
                         "gap": None})
            continue
        it = items.filter((pl.col("indicator") == t.indicator.code) & ~pl.col("not_applicable"))
        n = it.height
        met = it.filter(pl.col("attainment") >= 1 - 1e-9).height
        share = met / n if n else None
        rows.append({"key": t.key, "text": t.text, "clause": t.clause, "source": t.source.label(),
                     "indicator": t.indicator.code,
                     "goal": t.goal, "n_units": n, "n_met": met, "share_met": share,
                     "gap": None if share is None else max(0.0, t.goal - 100 * share)})
    return pl.DataFrame(rows, schema={"key": pl.String, "text": pl.String, "clause": pl.String, "source": pl.String,
                                      "indicator": pl.String, "goal": pl.Float64, "n_units": pl.Int64,
                                      "n_met": pl.Int64, "share_met": pl.Float64, "gap": pl.Float64})


@dataclass(frozen=True)
class UnitDetail:
    unit: dict                 # the unit's score row (totals, level, ranks, changes)
    groups: pl.DataFrame       # group points, max, peer median, best in area
    items: pl.DataFrame        # every applicable item with value, attainment, points, clause
    history: pl.DataFrame      # year, total, level, rank over the years with data
    sources: pl.DataFrame      # files that carried the figures
    bases: pl.DataFrame        # self-assessed beside appraised: total, level, points per group
    version: Profile           # the profile version that scored the year
    before: PredecessorHistory | None = None  # the predecessors' results, for a unit born of a merger


def unit_detail(store: Store, profile: Profile, unit_code: str, f: Filters, actor) -> UnitDetail:
    access.require(store, actor, access.READ_SCORES, unit_codes=[unit_code])
    # once the account may read the unit, its detail depends on the stored data, the profile's
    # versions, the year and the basis only: kept per data version, as the ranking is (every
    # widget on the page reruns it; a third of its rerun was reading the unit's years again)
    key = cache_key(store, "unit", profile.id, scoring._versions_key(profile), unit_code, f.year, f.basis)
    return _VIEWS.get(key, lambda: _unit_detail(store, profile, unit_code, f, actor))


def _unit_detail(store: Store, profile: Profile, unit_code: str, f: Filters, actor) -> UnitDetail:
    scoring.require_year(store, f.year)
    head = profile
    result = scoring.cached_score(store, profile, [f.year], f.basis)
    profile = result.profile_of(f.year)
    # where profiles are assigned by territory: ranks and peers among the profile's own units
    year_units = own_units(store, result.year(f.year), head.id, f.year)
    row = year_units.filter(pl.col("unit_code") == unit_code)
    if row.is_empty():
        raise NotFound(f"Đơn vị «{unit_code}» không có số liệu năm {f.year}.")
    unit = row.row(0, named=True)
    # peers and the best of the area from the year's points per group (one column per group)
    wide, keys = own_units(store, result.wide(f.year), head.id, f.year), [g.key for g in profile.groups]

    def per_group(frame: pl.DataFrame, agg: str, name: str) -> pl.DataFrame:
        row = frame.select(getattr(pl.col(k), agg)() for k in keys)
        return pl.DataFrame({"group_key": keys, name: [row[k][0] for k in keys]},
                            schema={"group_key": pl.String, name: pl.Float64})

    peers = per_group(wide.filter(pl.col("unit_type") == unit["unit_type"]), "median", "peer_median")
    best_area = per_group(wide.filter(pl.col("parent_code") == unit["parent_code"]), "max", "area_best")
    meta = pl.DataFrame([{"group_key": g.key, "number": g.number, "name": g.name, "clause": g.clause,
                          "points_source": g.source.label()} for g in profile.groups])
    groups = (result.groups_for([unit_code])
              .join(meta, on="group_key").join(peers, on="group_key", how="left")
              .join(best_area, on="group_key", how="left").sort("group_ord"))
    item_meta = pl.DataFrame([{"indicator": it.indicator.code, "indicator_name": it.indicator.name,
                               "clause": it.clause, "rule_text": it.rule.describe(it.indicator.kind),
                               "rule_source": it.rule_source.label()} for _, it in profile.items])
    items = (result.items_for([unit_code]).filter(pl.col("year") == f.year)
             .join(item_meta, on="indicator", how="left").sort(["group_ord", "item_ord"]))
    years = [y for y in scoring.scored_years(store) if head.has_version_for(y)]
    history = (scoring.unit_history(store, head, unit_code, years, f.basis)
               .select("year", "total", "level", "rank", "rated", "framework_version").sort("year"))
    if territory.units_of(store, head.id, f.year) is not None:  # each year's rank among the profile's own units
        own = [own_units(store, scoring.year_totals(store, head, y, f.basis).with_columns(pl.lit(None, pl.Int64)
                                                                                           .alias("rank")), head.id, y)
               .filter(pl.col("unit_code") == unit_code).select("year", pl.col("rank").alias("own_rank"))
               for y in history["year"].to_list()]
        if own:
            history = (history.join(pl.concat(own), on="year", how="left", maintain_order="left")
                       .with_columns(pl.col("own_rank").cast(history.schema["rank"]).alias("rank")).drop("own_rank"))
    return UnitDetail(unit, groups, items, history, submissions_for_unit(store, unit_code, f.year),
                      compare_bases(store, profile, unit_code, f.year), profile,
                      predecessor_history(store, head, unit_code, f.basis, actor))


def compare_bases(store: Store, profile: Profile, unit_code: str, year: int) -> pl.DataFrame:
    """The unit's self-assessed and appraised results side by side (total, level, each group),
    both scored with `profile` as it is (the version the caller chose)."""
    rows = []
    keys = [g.key for g in profile.in_force(year).groups]
    for basis in scoring.BASES:
        u = scoring.unit_history(store, profile, unit_code, [year], basis)  # the one unit's stored row
        if u.is_empty():
            continue
        row = u.row(0, named=True)
        rows.append({"basis": basis, "total": row["total"], "level": row["level"] or "Không xếp loại",
                     **dict(zip(keys, row["group_points"] or []))})
    return pl.DataFrame(rows)


# ---------------------------------------------------------------- levels across profiles

NOT_RATED = "Không xếp loại"
WHY_NOT_POINTS = (
    "Điểm của các bộ tiêu chí không so sánh được với nhau: mỗi bộ có nhóm biện pháp, điểm từng nhóm và ngưỡng "
    "xếp loại của riêng mình, do văn bản của bộ đó quy định hoặc là mặc định của phần mềm (bảng dưới nêu nguồn "
    "của từng bộ). Kể cả khi hai bộ dùng cùng ngưỡng, điểm được cộng từ những biện pháp khác nhau, nên cùng một số "
    "điểm không nói cùng một mức thực hiện. Vì vậy ở đây chỉ so sánh mức độ xếp "
    "loại, mỗi đơn vị theo bộ tiêu chí đánh giá chính đơn vị đó; thứ bậc của mức (1 là mức cao nhất) là thứ bậc "
    "trong bộ của đơn vị.")


@dataclass(frozen=True)
class CrossProfileLevels:
    units: pl.DataFrame         # profile_id, profile_title, unit_code, unit_name, parent_name, unit_type,
                                # level, level_ord, n_levels (no points)
    distribution: pl.DataFrame  # profile_id, profile_title, level, level_ord, count, share (of the profile's units)
    profiles: pl.DataFrame      # profile_id, profile_title, document, n_groups, total_max, bands, bands_source,
                                # points_source: what makes the points of one profile unlike another's
    why: str


def _source_short(src) -> str:
    if src.kind == "clause":
        return f"{src.doc_title}, {src.clause}"
    if src.kind == "decision":
        return f"Quyết định số {src.number} ngày {src.date} của {src.issuer}"
    from dcmetrics.framework_model import SOFTWARE_DEFAULT

    return SOFTWARE_DEFAULT


def cross_profile_levels(store: Store, profiles: dict[str, Profile], f: Filters, actor) -> CrossProfileLevels:
    """Every unit of the year and area the actor may read, each with the profile that evaluates it
    and its level there, the level's order in that profile; per profile, how many units are at each
    level. Points are left out on purpose (WHY_NOT_POINTS). Without assignments by territory every
    profile scores every unit and there is nothing to set side by side."""
    area = _scope_area(store, f, actor)
    ids = territory.profiles_in_area(store, area, f.year)
    if ids is None:
        from dcmetrics.errors import Conflict

        raise Conflict("Chưa phân công bộ tiêu chí theo địa bàn: mọi bộ tiêu chí chấm mọi đơn vị, nên không có "
                       "đơn vị của các bộ khác nhau để so sánh mức độ.")
    unit_rows, dist_rows, profile_rows = [], [], []
    for pid in ids:
        if pid not in profiles:
            raise NotFound(f"Không có bộ tiêu chí «{pid}» được phân công cho địa bàn này năm {f.year}.")
        head = profiles[pid]
        version = head.in_force(f.year)
        names = version.level_names()
        order = {name: i for i, name in enumerate(names, 1)}
        # ranking reads the profile's own units only, within what the actor may read
        table = ranking(store, head, f, actor)
        levels = [lv if rated and lv in order else NOT_RATED for lv, rated in
                  zip(table["level"].to_list(), table["rated"].to_list())]
        for r, lv in zip(table.select("unit_code", "unit_name", "parent_name", "unit_type").iter_rows(named=True),
                         levels):
            unit_rows.append({"profile_id": pid, "profile_title": version.title, **r, "level": lv,
                              "level_ord": order.get(lv), "n_levels": len(names)})
        n = max(table.height, 1)
        for name in [*names, NOT_RATED]:
            count = levels.count(name)
            if name == NOT_RATED and not count:
                continue
            dist_rows.append({"profile_id": pid, "profile_title": version.title, "level": name,
                              "level_ord": order.get(name), "count": count, "share": count / n})
        doc = version.document
        profile_rows.append({
            "profile_id": pid, "profile_title": version.title,
            "document": ", ".join(x for x in (doc.number, doc.issuer) if x) or doc.title,
            "n_groups": len(version.groups), "total_max": version.total_max,
            "bands": "; ".join(f"{lv.level} từ {lv.min_total:g}".replace(".", ",") for lv in version.levels),
            "bands_source": "; ".join(dict.fromkeys(_source_short(lv.source) for lv in version.levels)),
            "points_source": "; ".join(dict.fromkeys(_source_short(g.source) for g in version.groups))})
    unit_schema = {"profile_id": pl.String, "profile_title": pl.String, "unit_code": pl.String,
                   "unit_name": pl.String, "parent_name": pl.String, "unit_type": pl.String, "level": pl.String,
                   "level_ord": pl.Int32, "n_levels": pl.Int32}
    out = pl.DataFrame(unit_rows, schema=unit_schema)
    # best level first across profiles (order within each unit's own profile), then by name
    out = sort_vi(out, "unit_name").sort("level_ord", nulls_last=True, maintain_order=True)
    return CrossProfileLevels(
        out,
        pl.DataFrame(dist_rows, schema={"profile_id": pl.String, "profile_title": pl.String, "level": pl.String,
                                        "level_ord": pl.Int32, "count": pl.Int64, "share": pl.Float64}),
        pl.DataFrame(profile_rows, schema={"profile_id": pl.String, "profile_title": pl.String,
                                           "document": pl.String, "n_groups": pl.Int64, "total_max": pl.Float64,
                                           "bands": pl.String, "bands_source": pl.String,
                                           "points_source": pl.String}),
        WHY_NOT_POINTS)


def profiles_in_scope(store: Store, f: Filters, actor) -> list[str] | None:
    """The profiles that evaluate the units the actor reads in the filters' area and year (None:
    no assignment by territory exists): the ranking offers the levels-only view when there are two or more."""
    return territory.profiles_in_area(store, _scope_area(store, f, actor), f.year)
