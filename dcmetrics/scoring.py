"""Scoring: the profile as tables, then the SQL chain values → scored_units → attainment →
group_points → totals → ranks, each step a temp table of the caller's own cursor.

The drill-down reads the very rows the ranking used (ScoreResult.items / .groups).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl

from dcmetrics import sqlfiles
from dcmetrics.errors import DcmetricsError, NotFound
from dcmetrics.exact import dec
from dcmetrics.framework_model import Profile
from dcmetrics.kept import Kept
from dcmetrics.scores import ranks
from dcmetrics.store import Store, cache_key

BASES = ("appraised", "self")
# how stored runs were computed, recorded with each (sql/exact_macros.sql)
ARITHMETIC = "decimal: values 6 places, quotients 12 places half up"
# (t_scored gives each unit its integer id, uid; the steps after it join on integers and carry
# numbers only, the codes and the provenance of values are joined back in items_wide.sql)
CHAIN = [("t_current", "current_observations"), ("t_scored", "scored_units"), ("t_values", "values"),
         ("t_items", "attainment"), ("t_groups", "group_points"), ("t_totals", "totals"), ("t_ranked", "ranks")]


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one profile on one basis for some years, and how they were computed."""

    profile: Profile
    basis: str
    years: tuple[int, ...]
    # one row per unit and year (totals, level, ranks, changes); stored scores add group_points,
    # the points of each group as a list in the profile's group order
    units: pl.DataFrame
    # the group points (one row per unit, year and group) and the items (one row per unit, year
    # and applicable item): frames, or readers of the stored ones, since the nation has 280,000
    # group rows and a million item rows a year and most pages need few of them
    group_source: pl.DataFrame | Callable[[list[str] | None], pl.DataFrame]
    item_source: pl.DataFrame | Callable[[list[str] | None, list[str] | None], pl.DataFrame]
    # the version that scored each year, when years were scored with the version in force then
    by_year: dict[int, Profile] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def profile_of(self, year: int) -> Profile:
        """The profile version the year was scored with."""
        return self.by_year.get(year, self.profile)

    def groups_for(self, unit_codes: list[str] | None = None) -> pl.DataFrame:
        """The group points of some units (None: all, read once and kept)."""
        if unit_codes is None:
            if "groups" not in self._memo:
                self._memo["groups"] = (self.group_source(None) if callable(self.group_source)
                                        else self.group_source)
            return self._memo["groups"]
        if callable(self.group_source):
            return self.group_source(unit_codes)
        return self.group_source.filter(pl.col("unit_code").is_in(unit_codes))

    @property
    def groups(self) -> pl.DataFrame:
        return self.groups_for()

    def year(self, year: int) -> pl.DataFrame:
        return self.units.filter(pl.col("year") == year)

    def items_for(self, unit_codes: list[str] | None = None, indicators: list[str] | None = None) -> pl.DataFrame:
        """The items of some units and/or indicators (None: all)."""
        if callable(self.item_source):
            return self.item_source(unit_codes, indicators)
        items = self.item_source
        if unit_codes is not None:
            items = items.filter(pl.col("unit_code").is_in(unit_codes))
        if indicators is not None:
            items = items.filter(pl.col("indicator").is_in(indicators))
        return items

    @property
    def items(self) -> pl.DataFrame:
        return self.items_for()

    def wide(self, year: int) -> pl.DataFrame:
        """One row per unit with a points column per group key (G1, G2, ...): the export shape."""
        units = self.year(year)
        keys = [g.key for g in self.profile_of(year).groups]
        if "group_points" in units.columns:  # stored scores carry them, in group order
            return units.with_columns(pl.col("group_points").list.get(i, null_on_oob=True).alias(k)
                                      for i, k in enumerate(keys)).drop("group_points")
        if units.is_empty():
            return units
        groups = (self.groups.filter(pl.col("year") == year)
                  .pivot(on="group_key", index="unit_code", values="points")
                  .select(["unit_code", *keys]))
        return units.join(groups, on="unit_code", how="left", maintain_order="left")  # still in ranking order


DEC = pl.Decimal(18, 6)  # every number of a profile and every reported value, exactly


def profile_tables(profile: Profile, basis: str) -> dict[str, pl.DataFrame]:
    """The profile as the small tables the SQL chain joins (values bound as data, never as SQL text)."""
    items, bands = [], []
    used = profile.indicators()
    ind_id = {i.code: n for n, i in enumerate(used, 1)}  # integer ids for the chain's joins
    for gi, g in enumerate(profile.groups, 1):
        for ii, it in enumerate(g.items, 1):
            r, ind = it.rule, it.indicator
            items.append({
                "item_id": len(items) + 1, "ind_id": ind_id[ind.code],
                "group_key": g.key, "group_ord": gi, "group_points": dec(g.points),
                "indicator": ind.code, "item_ord": ii, "weight": dec(it.weight), "kind": ind.kind,
                "rule_type": r.type, "target": dec(r.target), "bound": dec(r.bound), "expect": dec(r.expect),
                "fail_mode": r.mode, "share_each": dec(r.share_each), "zero_den": r.zero_denominator,
                "then_type": r.then, "ind_max": dec(ind.max)})
            for bi, b in enumerate(r.bands):
                bands.append({"indicator": ind.code, "ind_id": ind_id[ind.code], "lo": dec(b.lo), "hi": dec(b.hi),
                              "share": dec(b.share), "last": bi == len(r.bands) - 1})
    level_ord = {lv.level: i for i, lv in enumerate(profile.levels, 1)}
    caps = profile.adjustment_caps
    rnd = profile.rounding
    return {
        "fw_items": pl.DataFrame(items, schema={
            "item_id": pl.Int32, "ind_id": pl.Int32, "group_key": pl.String, "group_ord": pl.Int32, "group_points": DEC,
            "indicator": pl.String, "item_ord": pl.Int32, "weight": DEC, "kind": pl.String,
            "rule_type": pl.String, "target": DEC, "bound": DEC, "expect": DEC,
            "fail_mode": pl.String, "share_each": DEC, "zero_den": pl.String,
            "then_type": pl.String, "ind_max": DEC}),
        "fw_groups": pl.DataFrame(
            [{"group_key": g.key, "group_ord": i, "group_points": dec(g.points)} for i, g in enumerate(profile.groups, 1)],
            schema={"group_key": pl.String, "group_ord": pl.Int32, "group_points": DEC}),
        # hi null: the last band of a count, open upwards
        "fw_item_bands": pl.DataFrame(bands, schema={
            "indicator": pl.String, "ind_id": pl.Int32, "lo": DEC, "hi": DEC, "share": DEC, "last": pl.Boolean}),
        "fw_indicators": pl.DataFrame(
            [{"indicator": i.code, "ind_id": ind_id[i.code], "kind": i.kind, "entered_by": i.entered_by} for i in used],
            schema={"indicator": pl.String, "ind_id": pl.Int32, "kind": pl.String, "entered_by": pl.String}),
        "fw_unit_types": pl.DataFrame({"unit_type": list(profile.unit_types)}, schema={"unit_type": pl.String}),
        "fw_applies": pl.DataFrame(
            [{"indicator": i.code, "ind_id": ind_id[i.code], "unit_type": t} for i in used for t in i.applies],
            schema={"indicator": pl.String, "ind_id": pl.Int32, "unit_type": pl.String}),
        "fw_levels": pl.DataFrame(
            [{"level": lv.level, "level_ord": i, "min_total": dec(lv.min_total), "floor": dec(lv.floor), "cap": lv.cap}
             for i, lv in enumerate(profile.levels, 1)],
            schema={"level": pl.String, "level_ord": pl.Int32, "min_total": DEC, "floor": DEC, "cap": pl.String}),
        "fw_vetoes": pl.DataFrame(
            [{"veto_ord": i, "indicator": v.indicator.code, "ind_id": ind_id[v.indicator.code], "op": v.op,
              "value": dec(v.value),
              "effect": v.effect, "cap_ord": level_ord.get(v.cap_level), "reason": v.reason}
             for i, v in enumerate(profile.vetoes, 1)],
            schema={"veto_ord": pl.Int32, "indicator": pl.String, "ind_id": pl.Int32, "op": pl.String, "value": DEC,
                    "effect": pl.String, "cap_ord": pl.Int32, "reason": pl.String}),
        # cap null: no cap
        "fw_adjustments": pl.DataFrame(
            [{"indicator": a.indicator.code, "ind_id": ind_id[a.indicator.code], "kind": a.kind,
              "ind_kind": a.indicator.kind,
              "points_each": dec(a.points_each), "cap": dec(a.cap)} for a in profile.adjustments],
            schema={"indicator": pl.String, "ind_id": pl.Int32, "kind": pl.String, "ind_kind": pl.String,
                    "points_each": DEC, "cap": DEC}),
        "fw_params": pl.DataFrame([{
            "framework_id": profile.id, "framework_version": profile.version, "basis": basis,
            "total_max": dec(profile.total_max),
            "deduction_cap": dec(caps.get("deduction")),
            "bonus_cap": dec(caps.get("bonus")),
            "not_rated_if_incomplete": profile.not_rated_if_incomplete,
            "total_decimals": rnd.total_decimals, "group_decimals": rnd.group_decimals,
            "rounding_rule": rnd.rule}],
            schema={"framework_id": pl.String, "framework_version": pl.String, "basis": pl.String,
                    "total_max": DEC, "deduction_cap": DEC, "bonus_cap": DEC,
                    "not_rated_if_incomplete": pl.Boolean, "total_decimals": pl.Int32,
                    "group_decimals": pl.Int32, "rounding_rule": pl.String}),
    }


PENDING_ID = 2**62  # the submission id a previewed file takes (above any stored one, so it wins)
OBS_SCHEMA = {"submission_id": pl.Int64, "unit_code": pl.String, "year": pl.Int32, "indicator": pl.String,
              "value": pl.Float64, "num": pl.Float64, "den": pl.Float64}


@dataclass(frozen=True)
class Pending:
    """A validated file not yet stored, for a preview: its rows, and the submissions it replaces."""

    observations: pl.DataFrame
    replaces: tuple[int, ...] = ()


def _check_basis(basis: str) -> None:
    if basis not in BASES:
        raise DcmetricsError(f"Cơ sở tính điểm «{basis}» không hợp lệ: chọn «appraised» (sau thẩm định) hoặc «self» (tự chấm).")


PREV_SCHEMA = {"unit_code": pl.String, "year": pl.Int32, "total": pl.Decimal(18, 6), "rank": pl.Int64,
               "level": pl.String}


def register_inputs(cur, profile: Profile, basis: str, years: list[int], pending: Pending | None = None,
                    unit_codes: list[str] | None = None, prev: pl.DataFrame | None = None) -> None:
    """Everything the chain reads besides the stored tables, registered on the cursor; `prev`:
    the stored totals of a year before a scored one, for the change columns (PREV_SCHEMA)."""
    cur.execute(sqlfiles.load("exact_macros")).fetchall()
    for name, frame in profile_tables(profile, basis).items():
        cur.register(name, frame)
    cur.register("p_years", pl.DataFrame({"year": years}, schema={"year": pl.Int32}))
    rows = pl.DataFrame(schema=OBS_SCHEMA)
    if pending is not None:
        rows = (pending.observations.with_columns(pl.lit(PENDING_ID, pl.Int64).alias("submission_id"))
                .select([pl.col(c).cast(t) for c, t in OBS_SCHEMA.items()]))
    cur.register("p_pending", rows)
    cur.register("p_replaced", pl.DataFrame({"submission_id": list(pending.replaces) if pending else []},
                                            schema={"submission_id": pl.Int64}))
    cur.register("p_scope", pl.DataFrame({"restricted": [unit_codes is not None]}))
    cur.register("p_units", pl.DataFrame({"unit_code": sorted(set(unit_codes or []))}, schema={"unit_code": pl.String}))
    cur.register("p_prev", prev if prev is not None else pl.DataFrame(schema=PREV_SCHEMA))


def _run_chain(cur, profile: Profile, basis: str, years: list[int], pending: Pending | None = None,
               unit_codes: list[str] | None = None, upto: str = "t_ranked", prev: pl.DataFrame | None = None,
               stop_if_none: bool = False) -> bool:
    """The SQL chain into the cursor's temp tables, up to and including `upto`; with
    `unit_codes`, only those units are read and scored (ranks then mean nothing). With
    `stop_if_none`, stopped after t_current when no observation counts (False: then no unit is
    scored, and the steps after would give no rows)."""
    register_inputs(cur, profile, basis, years, pending, unit_codes, prev)
    for table, sql in CHAIN:
        if unit_codes is not None and sql == "current_observations":
            sql = "current_observations_of_units"  # the same rows, the observations pruned by unit
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {sqlfiles.quote_ident(table)} AS {sqlfiles.load(sql)}").fetchall()
        if table == upto:
            break
        if stop_if_none and table == "t_current" and not cur.execute(
                "SELECT EXISTS (SELECT 1 FROM t_current)").fetchall()[0][0]:
            return False
    return True


_UNIT_ORDER = "ORDER BY year, rated DESC, total DESC, unit_name COLLATE vi, unit_code"


def score(store: Store, profile: Profile, years: list[int] | tuple[int, ...], basis: str = "appraised",
          pending: Pending | None = None, unit_codes: list[str] | None = None) -> ScoreResult:
    """Score `years` with `profile`, straight from the observations; with `pending`, as if that
    file were stored; with `unit_codes`, only those units (their ranks are then among themselves).
    The change columns compare with the year before: read from its stored run of this very
    profile version when that run is fresh, else scored here as well."""
    _check_basis(basis)
    wanted = sorted(set(years))
    before = sorted({y - 1 for y in wanted} - set(wanted))
    prev, stored_before = _fresh_stored_totals(store, profile, basis, before, pending, unit_codes)
    with_prev = sorted(set(wanted) | (set(before) - stored_before))
    cur = store.compute_cursor(with_prev)  # DuckDB: the chain is DuckDB SQL on either store
    try:
        _run_chain(cur, profile, basis, with_prev, pending, unit_codes, prev=prev)
        units = floats(cur.sql(f"SELECT * EXCLUDE (uid) FROM t_ranked WHERE list_contains($y, year) {_UNIT_ORDER}",
                               params={"y": wanted}).pl())
        groups = floats(cur.sql("SELECT * EXCLUDE (uid) FROM t_groups WHERE list_contains($y, year) "
                                "ORDER BY year, unit_code, group_ord", params={"y": wanted}).pl())
        for table in ("t_ranked", "t_totals", "t_groups", "t_current"):  # what the items no longer need
            cur.execute(f"DROP TABLE {table}").fetchall()
    except BaseException:
        cur.close()
        raise
    return ScoreResult(profile, basis, tuple(wanted), units, groups, _HeldItems(cur, wanted))


class _HeldItems:
    """The items of one score() run, read when asked for: the run's cursor is kept (with its
    t_items, t_values and t_scored and the profile's tables) until the result is dropped, so the
    drill-down reads the very rows the ranking used, and the nation's million item rows with
    their provenance are only joined and fetched if some page asks for all of them."""

    def __init__(self, cur, years: list[int]):
        self._cur, self._years, self._lock, self._all = cur, years, threading.Lock(), None
        weakref.finalize(self, cur.close)

    def __call__(self, unit_codes: list[str] | None = None, indicators: list[str] | None = None) -> pl.DataFrame:
        if unit_codes is None and indicators is None and self._all is not None:
            return self._all
        with self._lock:  # a cursor serves one statement at a time
            items = floats(self._cur.sql(
                f"SELECT * FROM ({sqlfiles.load('items_wide')}) ORDER BY year, unit_code, group_ord, item_ord",
                params={"y": self._years, "units": unit_codes, "inds": indicators}).pl())
        if unit_codes is None and indicators is None:
            self._all = items
        return items


def _fresh_stored_totals(store: Store, profile: Profile, basis: str, years: list[int], pending: Pending | None,
                         unit_codes: list[str] | None) -> tuple[pl.DataFrame | None, set[int]]:
    """The stored totals, ranks and levels of `years` (PREV_SCHEMA) from runs of `profile` (this
    version, this basis) that saw the current data, and the years they cover. None when the
    scoring is not of the whole data as stored: some units only (their ranks are among
    themselves), or a preview whose file replaces one of those years."""
    if not years or unit_codes is not None:
        return None, set()
    cur = store.cursor()
    try:
        if pending is not None:
            touched = set(pending.observations["year"].unique().to_list()) if pending.observations.height else set()
            if pending.replaces:
                touched |= {r[0] for r in cur.execute(
                    "SELECT DISTINCT year FROM submissions WHERE list_contains($ids, id)",
                    {"ids": list(pending.replaces)}).fetchall()}
            years = [y for y in years if y not in touched]
        # fresh: no change recorded since the run that names its year (or every year)
        runs = [r for r in cur.execute(sqlfiles.load("score_runs_of"), _run_key(profile, basis, years)).fetchall()
                if _pending_work(cur, r, r[0])[0] == "fresh"]
        if not runs:
            return None, set()
        frame = cur.sql("SELECT unit_code, year, total, rank, level FROM score_units "
                        "WHERE list_contains($runs, run_id)", params={"runs": [r[1] for r in runs]}).pl()
    finally:
        cur.close()
    return frame.select([pl.col(c).cast(t) for c, t in PREV_SCHEMA.items()]), {r[0] for r in runs}


def floats(frame: pl.DataFrame) -> pl.DataFrame:
    """Scores as pages and exports take them: the exact DECIMALs of the chain as floats. Every
    decision (level, floor, cap, rank) is taken in SQL on the decimals; a kept total such as
    85.24 becomes the double printed as 85.24, with no noise of its own."""
    casts = [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]
    casts += [pl.col(c).cast(pl.List(pl.Float64)) for c, t in frame.schema.items()
              if isinstance(t, pl.List) and isinstance(t.inner, pl.Decimal)]
    return frame.with_columns(casts) if casts else frame


def rerank(units: pl.DataFrame) -> pl.DataFrame:
    """The overall rank of one year's units taken again (rated units by total, ties sharing the
    lowest rank, as ranks.sql does), for units some of which were rescored apart."""
    return units.with_columns(
        pl.when(pl.col("rated")).then(pl.col("total").rank("min", descending=True).over("rated"))
        .cast(pl.Int64).alias("rank"))


def scored_years(store: Store) -> list[int]:
    """Years that have current data, newest first (read once per data version: every page's
    sidebar and every year check asks)."""
    return list(_YEARS.get(cache_key(store, "scored_years"),
                           lambda: tuple(r[0] for r in store.rows(sqlfiles.load("data_years")))))


_YEARS = Kept(8)


# ------------------------------------------------------------------ stored scores
# Each (profile version, basis, year) is scored once and kept in score_units / score_groups /
# score_items; a change recorded in data_changes rescores only the units it names (a district's
# upload: ~500 units, not the nation), then the ranks are taken over the year's stored totals.

# each stored table and the query over the chain's temp tables that fills it (.sql)
_STORED = {"score_units": "unit_rows_to_store", "score_groups": "groups_to_store", "score_items": "items_wide"}
_FULL_SHARE = 0.25  # past this share of a year's units changed, rescoring everything is cheaper
_REFRESH_LOCKS: dict[int, threading.Lock] = {}


def _refresh_lock(store: Store) -> threading.Lock:
    with _CACHE_LOCK:
        return _REFRESH_LOCKS.setdefault(id(store), threading.Lock())


def _run_key(profile: Profile, basis: str, years: list[int]) -> dict:
    return {"fid": profile.id, "fv": profile.version, "sha": profile.sha256, "basis": basis, "y": years}


def _pending_work(cur, run: tuple | None, year: int) -> tuple[str, list[str] | None]:
    """What a stored run of `year` needs: ('fresh' | 'units' | 'full', the units to rescore)."""
    if run is None:
        return "full", None
    _, _, seq, n_units = run
    changes = cur.execute(sqlfiles.load("data_changes_since"), {"seq": seq, "y": year}).fetchall()
    if not changes:
        return "fresh", None
    codes: set[str] = set()
    for _, _, unit_codes in changes:
        if unit_codes is None:
            return "full", None
        codes.update(unit_codes)
    if not codes:  # e.g. an approval: nothing scored changed
        return "fresh", None
    if len(codes) > _FULL_SHARE * max(n_units, 1):
        return "full", None
    return "units", sorted(codes)


def refresh(store: Store, profile: Profile, years, basis: str = "appraised") -> dict[int, int]:
    """Bring the stored scores of `years` up to date; the run id of each year."""
    _check_basis(basis)
    years = sorted(set(years))
    key = _run_key(profile, basis, years)
    with _refresh_lock(store):
        cur = store.cursor()
        try:
            seq_now = store.data_version()
            runs = {r[0]: r for r in cur.execute(sqlfiles.load("score_runs_of"), key).fetchall()}
            work = [y for y in years if runs.get(y) is None or runs[y][2] != seq_now]
        finally:
            cur.close()
        if not work:
            return {y: runs[y][1] for y in years}
        # one transaction per year: what a transaction writes stays in memory until it commits,
        # and the nation's items are a million rows a year
        for y in work:
            run = None
            while run is None:  # None: another process refreshed this run meanwhile; look again
                with _run_transaction(store, key, y) as tx:
                    if tx is not None:
                        run, step = _refresh_year(store, tx, profile, basis, key, y)
            _record_step(store, *step)  # committed: a kept read of the run may be patched with it
            runs[y] = run
        return {y: runs[y][1] for y in years}


@contextmanager
def _run_transaction(store: Store, key: dict, year: int):
    """The write transaction of one stored run. The embedded file has one writer (and
    _refresh_lock keeps this process's threads apart); on PostgreSQL several processes may
    want the same run at once, so the run's own lock lets one compute it (PgStore.run_transaction)."""
    if store.dialect == "duckdb":
        with store.transaction() as tx:
            yield tx
    else:
        with store.run_transaction(repr(sorted({**key, "y": year}.items()))) as tx:
            yield tx


def _refresh_year(store: Store, tx, profile: Profile, basis: str, key: dict, y: int) -> tuple[tuple, tuple]:
    """One year's run brought up to date inside its transaction `tx`: the run's (year, id, seq, 0),
    and the step it took, (run id, data_seq before, data_seq after, the units rescored (None:
    all), whether they got rows, the ranks moved)."""
    # what to redo is read again in the transaction's own snapshot, together with the data
    # version it records: a commit in between is either wholly in it or after it (the run too:
    # on PostgreSQL another process may have stored it since this one looked)
    seq_now = int(tx.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])
    run = next(iter(tx.execute(sqlfiles.load("score_runs_of"), {**key, "y": [y]}).fetchall()), None)
    mode, codes = _pending_work(tx, run, y)
    if run is None:
        rnd = profile.rounding
        run_id = tx.execute(
            "INSERT INTO score_runs (framework_id, framework_version, framework_sha256, basis, year, "
            "data_seq, last_mode, n_units, arithmetic, total_decimals, group_decimals, rounding_rule) "
            "VALUES ($fid, $fv, $sha, $basis, $y, $seq, 'full', 0, $ar, $td, $gd, $rr) RETURNING id",
            {**key, "y": y, "seq": seq_now, "ar": ARITHMETIC, "td": rnd.total_decimals,
             "gd": rnd.group_decimals, "rr": rnd.rule}).fetchall()[0][0]
    else:
        run_id = run[1]
    rescored, some, moved = set(), False, ranks.NO_MOVES
    if mode != "fresh":
        if store.dialect == "duckdb":  # the chain runs in the write transaction itself
            some = _chain_rows(tx, profile, basis, y, codes)
            _store_rows(tx, tx, run_id, y, mode, some)
        else:  # the chain runs in DuckDB over the inputs read in tx's snapshot; its rows go back by COPY
            chain = store.compute_cursor([y], unit_codes=codes, source=tx, name_order=True)
            try:
                some = _chain_rows(chain, profile, basis, y, codes)
                tx.register("p_units", pl.DataFrame({"unit_code": codes or []}, schema={"unit_code": pl.String}))
                _store_rows(tx, chain, run_id, y, mode, some)
                tx.unregister("p_units")
            finally:
                chain.close()
            # the rows just written have no statistics yet: PostgreSQL took the run for one row and
            # joined the ranks to it by a nested loop, 40,000 × 40,000 at the nation's size (minutes);
            # kept off for the moved ranks' join too (p_ranks has no statistics either)
            tx.execute("SET LOCAL enable_nestloop = off").fetchall()
        # a few units rescored can move other units' ranks: taken again over the run (in Polars,
        # scores/ranks.py), written only where they moved (rewriting the nation's rows costs more)
        moved = ranks.update_run_ranks(tx, run_id)
        rescored = None if mode == "full" else set(codes)
    if mode == "fresh":  # nothing rescored (the other year of a district's upload): the rows stay, so does their count
        tx.execute("UPDATE score_runs SET data_seq = $seq, computed_at = current_timestamp WHERE id = $r",
                   {"seq": seq_now, "r": run_id}).fetchall()
    else:
        tx.execute("UPDATE score_runs SET data_seq = $seq, computed_at = current_timestamp, last_mode = $m, "
                   "n_units = (SELECT count(*) FROM score_units WHERE run_id = $r) WHERE id = $r",
                   {"seq": seq_now, "m": mode, "r": run_id}).fetchall()
    return (y, run_id, seq_now, 0), (run_id, None if run is None else run[2], seq_now, rescored, some, moved)


def _chain_rows(cur, profile: Profile, basis: str, y: int, codes: list[str] | None) -> bool:
    """The chain of year `y` (of the units `codes`, None: all) run in `cur` up to t_totals; False
    when no observation counts (e.g. a district's new file awaiting review, on the appraised
    basis): no unit is then scored, and the five steps after the first, ~0.1 s of fixed cost at
    the nation's size, are not run (each would give no rows)."""
    return _run_chain(cur, profile, basis, [y], unit_codes=codes, upto="t_totals", stop_if_none=True)


def _store_rows(tx, chain, run_id: int, y: int, mode: str, some: bool = True) -> None:
    """The chain's rows (temp tables of `chain`) into score_units, score_groups and score_items
    of run `run_id` in `tx`: all of them ('full'), or those of the units in p_units ('units');
    `some` False: the chain scored no unit, the run's rows (those of p_units) are only deleted.
    `chain` is `tx` on the embedded store (INSERT … SELECT, no copy); on PostgreSQL, a DuckDB
    cursor whose rows are fetched as frames and registered (COPY) on `tx`."""
    for table, source in _STORED.items():
        t = sqlfiles.quote_ident(table)
        rows = sqlfiles.load(source)
        # (every result fetched: DuckDB refuses a register() while one is pending)
        if mode == "full":
            tx.execute(f"DELETE FROM {t} WHERE run_id = $r", {"r": run_id}).fetchall()
        else:
            # (p_units: the rescored units, registered by the chain, or on PostgreSQL by the
            # caller; a hash semi-join, where list_contains searched the list for each stored row)
            tx.execute(f"DELETE FROM {t} WHERE run_id = $r AND unit_code IN (SELECT unit_code FROM p_units)",
                       {"r": run_id}).fetchall()
        if not some:
            continue
        params = {"r": run_id, **({"y": [y], "units": None, "inds": None} if table == "score_items" else {})}
        select = f"SELECT $r AS run_id, * FROM ({rows})"
        if chain is tx:
            tx.execute(f"INSERT INTO {t} BY NAME {select}", params).fetchall()
            continue
        frame = chain.sql(select, params=params).pl()
        cols = ", ".join(sqlfiles.quote_ident(c) for c in frame.columns)
        tx.register("p_rows", frame)
        tx.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM p_rows").fetchall()
        tx.unregister("p_rows")


def versions_in_force(profile: Profile, years) -> dict[int, Profile]:
    """The version of `profile` that scores each year (NotFound for a year none covers)."""
    return {y: profile.in_force(y) for y in sorted(set(years))}


def _stored_runs(store: Store, profile: Profile, wanted: list[int], basis: str) -> tuple[dict[int, Profile], pl.DataFrame]:
    """The stored runs of `wanted` and of the year before each (for the change columns), brought
    up to date: the version of each year, and the runs as a frame (year, run_id, wanted)."""
    by_year = versions_in_force(profile, wanted)
    by_year.update(versions_in_force(profile, [y - 1 for y in wanted if y - 1 not in by_year
                                               and profile.has_version_for(y - 1)]))
    run_ids: dict[int, int] = {}
    for ver in sorted({v.version for v in by_year.values()}):
        ys = [y for y, v in by_year.items() if v.version == ver]
        run_ids.update(refresh(store, by_year[ys[0]], ys, basis))
    runs = pl.DataFrame({"year": list(run_ids), "run_id": list(run_ids.values()),
                         "wanted": [y in wanted for y in run_ids]},
                        schema={"year": pl.Int32, "run_id": pl.Int64, "wanted": pl.Boolean})
    return by_year, runs


def unit_history(store: Store, profile: Profile, unit_code: str, years, basis: str = "appraised") -> pl.DataFrame:
    """One unit's stored scores over `years` (each with the version in force), oldest first;
    without the change columns (the rows side by side show the change)."""
    _check_basis(basis)
    _, runs = _stored_runs(store, profile, sorted(set(years)), basis)
    return _read_stored(store, "stored_units", runs, {"unit": unit_code}).sort("year").drop("run_id", "name_ord")


def year_totals(store: Store, profile: Profile, year: int, basis: str = "appraised") -> pl.DataFrame:
    """Total, level and status of every unit of one year, as stored (no change columns, no groups):
    unit_code, year, unit_type, total, level, rated. Empty when no version covers the year.
    Kept per data version like cached_score: the overview, the unit page and the what-if read a
    whole year of it on every rerun."""
    _check_basis(basis)
    return _kept(cache_key(store, "year_totals", profile.id, _versions_key(profile), year, basis),
                 lambda: _year_totals(store, profile, year, basis))


def _year_totals(store: Store, profile: Profile, year: int, basis: str) -> pl.DataFrame:
    run_ids = refresh(store, profile.in_force(year), [year], basis) if profile.has_version_for(year) else {}
    runs = pl.DataFrame({"year": list(run_ids), "run_id": list(run_ids.values()), "wanted": [True] * len(run_ids)},
                        schema={"year": pl.Int32, "run_id": pl.Int64, "wanted": pl.Boolean})
    return (_read_stored(store, "stored_unit_totals", runs, {"wanted": True, "unit": None})
            .select("unit_code", "year", "unit_type", "total", "level", "rated"))


def stored_score(store: Store, profile: Profile, years, basis: str = "appraised") -> ScoreResult:
    """Like `score`, read from the stored runs (brought up to date first); items on demand.
    Each year is scored with the version of the profile in force that year; the year before
    a wanted one only gives the change columns, so it is left out when no version covers it."""
    wanted = sorted(set(years))
    by_year, runs = _stored_runs(store, profile, wanted, basis)
    units = _kept_units(store, (profile.id, _versions_key(profile), tuple(wanted), basis), runs)

    def groups(unit_codes: list[str] | None) -> pl.DataFrame:
        return _read_stored(store, "score_groups_of", runs, {"units": unit_codes})

    def items(unit_codes: list[str] | None, indicators: list[str] | None) -> pl.DataFrame:
        return _read_stored(store, "score_items_of", runs, {"units": unit_codes, "inds": indicators})

    return ScoreResult(profile, basis, tuple(wanted), units, groups, items, by_year)


def _stored_units(store: Store, runs: pl.DataFrame, unit_code: str | None = None) -> pl.DataFrame:
    """The stored units of the wanted runs with the change against the year before (as ranks.sql
    gives it), in ranking order: rated first, best total first, equal totals by Vietnamese name."""
    cur = store.cursor()
    try:
        return _shown(_units_read(cur, runs, unit_code)[0])
    finally:
        cur.close()


_NARROW = ["unit_code", "year", "total", "rank", "level"]  # what the year after takes from a unit's row


def _units_read(cur, runs: pl.DataFrame, unit_code: str | None = None, patch: str = "") -> tuple[pl.DataFrame, pl.DataFrame]:
    """_stored_units before its last select (run_id and name_ord kept, to sort a patched read
    again), and the narrow rows of the runs not wanted (the years before); read in `cur`; with
    `patch`, only the units in the registered p_units."""
    units = _read_in(cur, "stored_units" + patch, runs, {"unit": unit_code})
    other = _read_in(cur, "stored_unit_totals" + patch, runs, {"wanted": False, "unit": unit_code}).select(_NARROW)
    return _with_changes(units, other), other


def _with_changes(units: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    before = pl.concat([units.select(_NARROW), other])  # a wanted year is also the year before the next one
    prev = before.select("unit_code", (pl.col("year") + 1).alias("year"), pl.col("total").alias("prev_total"),
                         pl.col("rank").alias("prev_rank"), pl.col("level").alias("prev_level"))
    return _in_order(_changes(units.join(prev, on=["unit_code", "year"], how="left")))


def _changes(units: pl.DataFrame) -> pl.DataFrame:
    return units.with_columns((pl.col("total") - pl.col("prev_total")).alias("total_change"),
                              (pl.col("prev_rank") - pl.col("rank")).alias("rank_change"))


def _in_order(units: pl.DataFrame) -> pl.DataFrame:
    """Ranking order (unit_code last: one order, whatever order the rows came in)."""
    return units.sort(["year", "rated", "total", "name_ord", "unit_code"],
                      descending=[False, True, True, False, False], nulls_last=True)


def _shown(units: pl.DataFrame) -> pl.DataFrame:
    return units.select(pl.exclude("run_id", "name_ord", "group_points"), "group_points")


def _read_stored(store: Store, sql: str, runs: pl.DataFrame, params: dict) -> pl.DataFrame:
    """One of the stored_* / score_*_of reads over the runs `runs` (year, run_id, wanted)."""
    cur = store.cursor()
    try:
        return _read_in(cur, sql, runs, params)
    finally:
        cur.close()


def _read_in(cur, sql: str, runs: pl.DataFrame, params: dict) -> pl.DataFrame:
    cur.register("p_runs", runs)
    try:
        return floats(cur.sql(sqlfiles.load(sql), params=params).pl())
    finally:
        cur.unregister("p_runs")


# ------------------------------------------------------------------ a kept read, patched
# After a district's upload the next page read the run's 40,000 rows × 34 columns again (0.12 s
# at the nation's size) for ~1,000 rows that changed. So the read of the runs is kept with the
# states it was taken from (run id → data_seq), and each refresh this Store committed records its
# step (run, data_seq before → after, the units it rescored and whether any of them got a row,
# the ranks it moved with their new values). The next read, in one snapshot with the runs' states,
# follows the steps from the kept states to the current ones: the rows of units rescored with
# rows are read again, those rescored to nothing dropped, the moved ranks set; the change columns
# of the year after follow (the year before's run being one of the runs followed). Anything else
# is a full read: a 'full' step, a step this Store did not record (a second Store on the file
# wrote the run), a kept read of other runs, too many units. DuckDB only: on PostgreSQL other
# processes refresh runs too, and its read stays as it was.
_PATCH_SHARE = 0.25  # past this share of the kept rows read again, reading everything is as cheap
_STEPS_KEPT = 8  # steps kept per run (a kept read older than that is read in full; a step moving
# every rank of the nation holds 40,000 small rows)
_READS_KEPT = 8  # kept reads per Store
_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Store → {run_id: [step]}
_READS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Store → OrderedDict key → kept read
_PATCH_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Step:
    seq_from: int
    seq_to: int
    rescored: frozenset | None  # None: every unit ('full')
    some: bool  # whether the rescored units got rows (False: theirs were only deleted)
    moved: pl.DataFrame | None  # unit_code and ranks.RANK_COLUMNS as written; None: unknown


@dataclass(frozen=True)
class _KeptRead:
    states: dict  # run id → data_seq, as read
    runs: pl.DataFrame
    units: pl.DataFrame  # _units_read's first frame
    other: pl.DataFrame  # its second


def _record_step(store: Store, run_id: int, seq_from: int | None, seq_to: int, rescored, some: bool,
                 moved: pl.DataFrame | None) -> None:
    if store.dialect != "duckdb" or seq_from is None or seq_from == seq_to:
        return
    step = _Step(seq_from, seq_to, None if rescored is None else frozenset(rescored), some, moved)
    with _PATCH_LOCK:
        steps = _STEPS.setdefault(store, {}).setdefault(run_id, [])
        steps.append(step)
        del steps[:-_STEPS_KEPT]


def _steps_since(store: Store, run_id: int, seq_from: int, seq_to: int) -> list[_Step] | None:
    """The steps this Store recorded that bring run `run_id` from data_seq `seq_from` to `seq_to`;
    None when they do not lead there."""
    with _PATCH_LOCK:
        recorded = list(_STEPS.get(store, {}).get(run_id, ()))
    seq, out = seq_from, []
    for step in recorded:  # in commit order (this Store's refreshes of a run are serialised)
        if seq == seq_to:
            break
        if step.seq_from == seq:
            out.append(step)
            seq = step.seq_to
    return out if seq == seq_to else None


def _kept_units(store: Store, key: tuple, runs: pl.DataFrame) -> pl.DataFrame:
    """_stored_units(store, runs), from the kept read of `key` patched where that is exact."""
    if store.dialect != "duckdb":
        return _stored_units(store, runs)
    cur = store.cursor()
    try:
        cur.begin()  # one snapshot: the runs' states and the rows read agree
        states = dict(cur.execute("SELECT id, data_seq FROM score_runs WHERE list_contains($ids, id)",
                                  {"ids": runs["run_id"].to_list()}).fetchall())
        with _PATCH_LOCK:
            kept = _READS.get(store, {}).get(key)
        read = _patched(store, cur, kept, states, runs) if kept is not None else None
        if read is None:
            read = _KeptRead(states, runs, *_units_read(cur, runs))
        cur.rollback()
    finally:
        cur.close()
    with _PATCH_LOCK:
        reads = _READS.setdefault(store, OrderedDict())
        reads[key] = read
        reads.move_to_end(key)
        while len(reads) > _READS_KEPT:
            reads.popitem(last=False)
    return _shown(read.units)


_UNIT_YEAR = {"unit_code": pl.String, "year": pl.Int32}
_KEYS = list(_UNIT_YEAR)


def _set(frame: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the columns of `values` (unit_code, year, columns) set, nulls too, on its rows
    of the same unit and year. A join of the keys and those columns only: the other columns of
    the nation's rows are not copied."""
    cols = [c for c in values.columns if c not in _UNIT_YEAR]
    if not values.height:
        return frame
    joined = frame.select(*_KEYS, *cols).join(
        values.cast(frame.select(values.columns).schema).with_columns(pl.lit(True).alias("_hit")),
        on=_KEYS, how="left", suffix="_new", maintain_order="left")
    return frame.with_columns(joined.select(pl.when(pl.col("_hit")).then(pl.col(f"{c}_new")).otherwise(pl.col(c))
                                            .alias(c) for c in cols))


def _drop(frame: pl.DataFrame, units: set[str], rows: pl.DataFrame) -> pl.DataFrame:
    """`frame` without the rows of `units` (every year) nor the (unit_code, year) of `rows`."""
    if not units and not rows.height:
        return frame
    out = pl.col("unit_code").is_in(pl.Series(sorted(units), dtype=pl.String).implode())
    if rows.height:
        hit = frame.select(*_KEYS).join(rows.with_columns(pl.lit(True).alias("_hit")), on=_KEYS, how="left",
                                        maintain_order="left")["_hit"].is_not_null()
        out = out | pl.lit(hit)
    return frame.filter(~out)


def _patched(store: Store, cur, kept: _KeptRead, states: dict, runs: pl.DataFrame) -> _KeptRead | None:
    """The kept read brought to `states` by the recorded steps; None when that cannot be exact."""
    if not kept.runs.equals(runs) or kept.states.keys() != states.keys():
        return None
    year_of = dict(zip(runs["run_id"].to_list(), runs["year"].to_list()))
    wanted = dict(zip(runs["run_id"].to_list(), runs["wanted"].to_list()))
    # per side (the wanted runs' rows, the others' narrow rows): the units read again (every year),
    # the (unit, year) rescored to no row, the ranks moved (with their year)
    reread = {True: set(), False: set()}
    gone: dict[bool, list] = {True: [], False: []}
    moves: dict[bool, list] = {True: [], False: []}
    for run_id, seq in states.items():
        steps = _steps_since(store, run_id, kept.states[run_id], seq)
        if steps is None or any(s.rescored is None or s.moved is None for s in steps):
            return None
        side, y = wanted[run_id], year_of[run_id]
        last: dict[str, bool] = {}  # each rescored unit: whether its last rescore gave it a row
        for s in steps:
            last.update(dict.fromkeys(s.rescored, s.some))
        reread[side] |= {c for c, some in last.items() if some}
        gone[side] += [(c, y) for c, some in last.items() if not some]
        moved = [s.moved for s in steps if s.moved.height]
        if moved:  # the last ranks of each unit not rescored (a rescored unit's row says its own)
            moves[side].append(pl.concat(moved).unique("unit_code", keep="last", maintain_order=True)
                               .filter(~pl.col("unit_code").is_in(list(last)))
                               .with_columns(pl.lit(y, pl.Int32).alias("year")))
    again = reread[True] | reread[False]  # a changed year before: the wanted rows' change columns
    if not (again or gone[True] or gone[False] or moves[True] or moves[False]):
        return _KeptRead(states, runs, kept.units, kept.other)
    if len(again) > _PATCH_SHARE * max(kept.units.height, 1):
        return None
    gone_f = {k: pl.DataFrame(v, schema=_UNIT_YEAR, orient="row") for k, v in gone.items()}
    moves_f = {k: pl.concat(v) if v else ranks.NO_MOVES.with_columns(pl.lit(0, pl.Int32).alias("year"))
               for k, v in moves.items()}
    other = _set(_drop(kept.other, reread[False], gone_f[False]), moves_f[False].select(*_KEYS, "rank"))
    units = _set(_drop(kept.units, again, gone_f[True]), moves_f[True])
    fresh = None
    if again:
        codes = pl.Series("unit_code", sorted(again), pl.String)
        cur.register("p_units", codes.to_frame())
        try:
            fresh_units = _read_in(cur, "stored_units_patch", runs, {"unit": None})
            if reread[False]:  # (read for all of `again`: those not rescored there are not in `other` any more)
                other = pl.concat([other.filter(~pl.col("unit_code").is_in(codes.implode())),
                                   _read_in(cur, "stored_unit_totals_patch", runs,
                                            {"wanted": False, "unit": None}).select(_NARROW)])
        finally:
            cur.unregister("p_units")
        fresh = _with_changes(fresh_units, other.filter(pl.col("unit_code").is_in(codes.implode())))
    # the change columns of the year after a row dropped or a rank moved (rows read again have theirs)
    after = pl.concat([*(g.with_columns(pl.lit(None, pl.Int64).alias("prev_rank"), pl.lit(True).alias("gone"))
                         for g in gone_f.values()),
                       *(m.select(*_KEYS, pl.col("rank").alias("prev_rank"), pl.lit(False).alias("gone"))
                         for m in moves_f.values())])
    if after.height:
        upd = (after.with_columns(pl.col("year") + 1)
               .join(units.select(*_KEYS, "prev_total", "prev_level"), on=_KEYS)
               .with_columns(pl.when(pl.col("gone")).then(None).otherwise(pl.col(c)).alias(c)
                             for c in ("prev_total", "prev_level"))
               .select(*_KEYS, "prev_total", "prev_rank", "prev_level"))
        units = _set(units, upd)
    units = _changes(units)  # (the same subtraction as a full read's: the same doubles)
    if fresh is not None and fresh.height:
        units = _in_order(pl.concat([units, fresh]))
    return _KeptRead(states, runs, units, other)


# A small process-wide cache: pages ask for the same scores on every rerun. Keyed by the data
# version, so any commit makes old entries unreachable (the stored runs then catch up).
_CACHE = Kept(32)  # ScoreResults and year_totals frames
_CACHE_LOCK = threading.Lock()  # the refresh locks' table


def _versions_key(profile: Profile) -> tuple:
    return tuple((v.version, v.sha256, v.effective_from) for v in profile.versions())


_kept = _CACHE.get  # `build()`, kept under `key` (which holds the store's data version)


def cached_score(store: Store, profile: Profile, years, basis: str = "appraised") -> ScoreResult:
    return _kept(cache_key(store, "score", profile.id, _versions_key(profile), tuple(sorted(set(years))), basis),
                 lambda: stored_score(store, profile, years, basis))


def require_year(store: Store, year: int) -> None:
    years = scored_years(store)
    if year not in years:
        have = ", ".join(str(y) for y in sorted(years)) or "chưa có năm nào"
        raise NotFound(f"Chưa có số liệu năm {year}. Các năm có số liệu: {have}.")
