"""Which profile evaluates which units in which years (profile_assignments): by area, unit types
and years, the nearest area deciding. Validated as a whole: every evaluated unit of every year
asked for has exactly one profile, and each gap or overlap is named unit by unit."""

from __future__ import annotations

import polars as pl

from dcmetrics import access, audit, config, sqlfiles
from dcmetrics.errors import Problem, ValidationError
from dcmetrics.framework_model import Profile
from dcmetrics.store import Store, bump_data_version, cache_key

ASSIGNMENT_SCHEMA = {"profile_id": pl.String, "area_code": pl.String, "unit_types": pl.List(pl.String),
                     "year_from": pl.Int32, "year_to": pl.Int32, "reason": pl.String}


def assignments(store: Store) -> pl.DataFrame:
    return store.frame("SELECT profile_id, area_code, unit_types, year_from, year_to, reason, set_by, set_at "
                       "FROM profile_assignments ORDER BY year_from, area_code, profile_id")


def _resolved(store: Store, frame: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    cur = store.cursor()
    try:
        cur.register("p_assignments", frame.select(list(ASSIGNMENT_SCHEMA)))
        return cur.sql(sqlfiles.load("profile_of_units"), params={"years": sorted(set(years))}).pl()
    finally:
        cur.close()


def coverage_problems(store: Store, frame: pl.DataFrame, years: list[int]) -> list[Problem]:
    """Every evaluated unit active in `years` must get exactly one profile."""
    problems = []
    for r in _resolved(store, frame, years).iter_rows(named=True):
        where = f"năm {r['year']}, đơn vị {r['unit_name']} ({r['unit_code']})"
        found = r["profiles"] or []
        if not found:
            problems.append(Problem(where, "chưa có bộ tiêu chí nào đánh giá đơn vị này"))
        elif len(found) > 1:
            problems.append(Problem(where, f"được giao cho {len(found)} bộ tiêu chí cùng lúc: " + ", ".join(found)))
    return problems


def set_assignments(store: Store, actor, frame: pl.DataFrame, profiles: dict[str, Profile], years: list[int]) -> int:
    """Replace every assignment with `frame` (columns of ASSIGNMENT_SCHEMA): each row checked, then
    the coverage of `years`; stored in one transaction, audited; nothing stored on any problem."""
    acct = access.require(store, actor, access.MANAGE_FRAMEWORKS)
    frame = frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                          for c, t in ASSIGNMENT_SCHEMA.items()])
    known = {c for (c,) in store.rows("SELECT code FROM units")}
    problems = []
    for i, r in enumerate(frame.iter_rows(named=True), 1):
        where = f"phân công {i}"
        if r["profile_id"] not in profiles:
            problems.append(Problem(where, f"bộ tiêu chí «{r['profile_id']}» không có", r["profile_id"]))
        if r["area_code"] not in known:
            problems.append(Problem(where, f"địa bàn «{r['area_code']}» không có trong danh mục đơn vị", r["area_code"]))
        bad = [t for t in (r["unit_types"] or []) if t not in config.UNIT_TYPES]
        if bad:
            problems.append(Problem(where, f"loại đơn vị không hợp lệ: {', '.join(bad)}", ", ".join(bad)))
        if r["year_from"] is None or (r["year_to"] is not None and r["year_to"] < r["year_from"]):
            problems.append(Problem(where, "năm bắt đầu phải có và không sau năm kết thúc"))
        if not (r["reason"] or "").strip():
            problems.append(Problem(where, "thiếu lý do (văn bản nào còn hiệu lực trên địa bàn này)"))
    if not problems:
        problems = coverage_problems(store, frame, years)
    if problems:
        raise ValidationError(problems)
    with store.transaction() as cur:
        before = cur.execute("SELECT count(*) FROM profile_assignments").fetchone()[0]
        cur.execute("DELETE FROM profile_assignments")
        cur.register("incoming_assignments", frame.with_columns(pl.lit(acct.username).alias("set_by")))
        cur.execute("INSERT INTO profile_assignments (profile_id, area_code, unit_types, year_from, year_to, reason, "
                    "set_by) SELECT profile_id, area_code, unit_types, year_from, year_to, reason, set_by "
                    "FROM incoming_assignments")
        cur.unregister("incoming_assignments")
        audit.record(cur, acct, audit.ASSIGNMENTS_SET, "profile_assignments",
                     before={"rows": before}, after={"rows": frame.height})
        bump_data_version(cur)
    return frame.height


# Resolving walks the whole unit tree; pages ask on every rerun (sidebar, ranking, overview), so
# the answer is kept per data version: set_assignments and any registry change bump it.
_CACHE: dict[tuple, pl.DataFrame | None] = {}


def _remember(store: Store, what: tuple, compute):
    key = cache_key(store, *what)
    if key not in _CACHE:
        value = compute()
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = value
    return _CACHE[key]


def _stored_resolved(store: Store, year: int) -> pl.DataFrame | None:
    """The stored assignments resolved for `year` (None: there are none)."""
    def resolve():
        stored = assignments(store)
        return None if stored.is_empty() else _resolved(store, stored, [year])

    return _remember(store, ("resolved", year), resolve)


def assigned_profiles(store: Store) -> set[str]:
    """The profiles with at least one assignment (kept per data version, like the resolution:
    every page's units_of asks, several times per rerun)."""
    found = _remember(store, ("assigned",), lambda: {
        r for (r,) in store.rows("SELECT DISTINCT profile_id FROM profile_assignments")})
    return set(found)


def units_of(store: Store, profile_id: str, year: int) -> list[str] | None:
    """The units `profile_id` evaluates in `year`; None when the profile has no assignment at all:
    it may then score every unit as a trial (the pages say so), like every profile before any
    assignment exists."""
    resolved = _stored_resolved(store, year)
    if resolved is None or profile_id not in assigned_profiles(store):
        return None
    # exactly this one profile (a unit given to two is a coverage problem, evaluated by neither)
    codes = _remember(store, ("units_of", year, profile_id), lambda: resolved.filter(
        (pl.col("profiles").list.len() == 1) & (pl.col("profiles").list.first() == profile_id))["unit_code"].to_list())
    return list(codes)


def former_territory(store: Store, old_area: str) -> list[str]:
    """The new communes whose old communes all lay in `old_area` (a former province or district),
    read from the lineage: where the old council's resolutions stay in force after the merger
    (amended Law on Promulgation of Legal Documents 2025, Art. 54(2)). A new commune formed partly
    from outside is left out: the administrator decides it with a row of its own."""
    from dcmetrics.units import subtree

    inside = subtree(store, old_area).select(pl.col("code").alias("old_code"), pl.lit(True).alias("inside"))
    links = store.frame("SELECT l.old_code, l.new_code FROM unit_lineage l JOIN units u ON u.code = l.new_code "
                        "WHERE u.type = 'commune'")
    found = (links.join(inside, on="old_code", how="left").group_by("new_code")
             .agg(pl.col("inside").fill_null(False).all().alias("all_inside"))
             .filter(pl.col("all_inside")))
    return sorted(found["new_code"].to_list())


# rank columns of a scored year and what each ranks within (ranks.sql): ties share the lowest rank
RANK_COLUMNS = {"rank": [], "rank_parent": ["parent_code"], "rank_type": ["unit_type"], "rank_cluster": ["cluster"]}


def ranked_among(frame: pl.DataFrame, prev: pl.DataFrame | None = None) -> pl.DataFrame:
    """`frame` (one year's scored units, cut to one profile's own units) ranked again among
    themselves, as ranks.sql ranks a whole run; with `prev` (last year's units of that profile,
    ranked the same way), the rank change against it. A run scores every unit, and a profile
    evaluating only part of the province must not rank its units among another profile's."""
    out = frame
    for col, by in RANK_COLUMNS.items():
        if col in out.columns:
            rank = pl.col("total").rank("min", descending=True).over(["rated", *by])
            out = out.with_columns(pl.when(pl.col("rated")).then(rank).cast(out.schema[col]).alias(col))
    if "n_rated" in out.columns:
        out = out.with_columns(pl.lit(out["rated"].sum()).cast(out.schema["n_rated"]).alias("n_rated"))
    if prev is not None and "prev_rank" in out.columns:
        last = prev.select("unit_code", pl.col("rank").alias("_prev_rank"))
        out = (out.join(last, on="unit_code", how="left", maintain_order="left")
               .with_columns(pl.col("_prev_rank").cast(out.schema["prev_rank"]).alias("prev_rank"))
               .with_columns((pl.col("prev_rank") - pl.col("rank")).cast(out.schema["rank_change"]).alias("rank_change"))
               .drop("_prev_rank"))
    return out


def profiles_in_area(store: Store, area_code: str | None, year: int) -> list[str] | None:
    """The profiles that evaluate the units of an area in a year (None: no assignment exists)."""
    resolved = _stored_resolved(store, year)
    if resolved is None:
        return None
    if area_code:
        from dcmetrics.units import subtree

        inside = set(subtree(store, area_code)["code"].to_list())
        resolved = resolved.filter(pl.col("unit_code").is_in(list(inside)))
    return sorted({p for ps in resolved["profiles"].to_list() if ps for p in ps})
