"""Benchmark: scoring, uploads and the dashboard's queries at a province's, the nation's and a
stress size, against two references measured in the same run on the same data.

    python -m dcmetrics.bench [--sizes province,nation,stress] [--repeat 5] [--keep DIR]
    python -m dcmetrics.bench --hostile [--keep DIR]   (hostile uploads only, see run_hostile)
    python -m dcmetrics.bench --browser --db COPY [--repeat N] [--keep DIR]   (dcmetrics.perf.browser)
    python -m dcmetrics.bench --memory [--sizes 10000,20000,40000] [--keep DIR]   (dcmetrics.perf.memory)

For each size the synthetic data (dcmetrics.sample's value generation, 5 years, the full
indicator catalogue) is written straight into a DuckDB file: one submission per area (district,
or the province for its own bodies) and year, bulk-inserted from Polars frames. Then two child
processes measure, so that each peak memory figure is that of one process doing one job:

- the app child: scoring (one year, all years, each step of the SQL chain), the dashboard
  pages' queries with the score cache cleared (what the first view after any data change
  pays) and warm, importing a district's ~500-row CSV through the real upload path
  (dcmetrics.ingest.commit.import_file), rescoring after that upload, and the scan bound;
- the pandas child: a straightforward pandas implementation of the scoring rules
  (pandas_score below), checked against the SQL totals to 1e-6.

Every figure is the median of --repeat timed runs after one untimed warm-up run. Goals are
those of the issue, set for the national size on a 2-core machine; they are printed for every
size measured. Results also go to DIR/results.json when --keep DIR is given.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import math
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import polars as pl

from dcmetrics import access, bootstrap, dashboard, framework, sample, scoring, sqlfiles, units
from dcmetrics.config import frameworks_dir
from dcmetrics.ingest import commit as ingest
from dcmetrics.ingest.read import read_table
from dcmetrics.ingest.validate import validate
from dcmetrics.store import Store

try:  # the accounts change: core functions take the acting account
    from dcmetrics.access import SYSTEM as ACTOR
except ImportError:  # pragma: no cover - before accounts existed
    ACTOR = None

SIZES = {"province": 1_000, "nation": 40_000, "stress": 200_000}
PROFILE = "chung"
SEED = 2024
USER = "bench"
# Goals (seconds, or a factor, or MB), set for the national size.
GOAL_SCAN_FACTOR = 3.0       # score one year within 3x the scan bound
GOAL_PANDAS_FACTOR = 10.0    # score one year at least 10x faster than the pandas reference
GOAL_LEAN_FACTOR = 1.5       # score one year within 1.5x the lean one-statement reference
GOAL_RESCORE_S = 0.2
GOAL_PAGE_S = 0.3
GOAL_IMPORT_S = 1.0
GOAL_MEMORY_MB = 2048.0
TOLERANCE = 1e-6


# ---------------------------------------------------------------- small helpers

def _acting(fn):
    """fn with the acting account bound (`actor`, the process itself: allowed everything, no
    account look-up) where it takes one, else the benchmark's user name (`user`)."""
    params = inspect.signature(fn).parameters
    if "actor" in params:
        return functools.partial(fn, actor=ACTOR)
    if "user" in params:
        return functools.partial(fn, user=USER)
    return fn


def _memory() -> dict[str, float]:
    """Current and peak resident memory of this process in MB (VmRSS, VmHWM; ru_maxrss)."""
    out = {"ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return out


def _times(fn, repeat: int, setup=None, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of `repeat` runs of fn() after `warmup` untimed runs; setup() untimed."""
    out = []
    for i in range(warmup + repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        if i >= warmup:
            out.append(dt)
    return out


def _stat(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "n": len(times)}


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def machine() -> dict:
    import duckdb

    cpu = ""
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), "")
    except OSError:
        pass
    try:
        free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        free = ""
    try:
        import pandas as pd
        pandas_version = pd.__version__
    except ImportError:
        pandas_version = None
    return {"nproc": os.cpu_count(), "cpu": cpu, "free_h": free, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "polars": pl.__version__, "pandas": pandas_version,
            "numpy": np.__version__, "platform": platform.platform()}


# ---------------------------------------------------------------- synthetic database

def _province_job(args) -> dict:
    """Worker: one province's frames (and, for province 0, the upload files of its first district)."""
    seed, index, districts, bodies, years, n_files = args
    indicators = sample.load_catalogue(frameworks_dir() / "catalogue.toml")
    prov = sample.scaled_province(seed, index, districts, bodies, years, indicators)
    out = sample.scaled_frames(prov, indicators)
    if index == 0 and n_files:
        out["uploads"] = district_files(prov, years[-1], indicators, n_files)
    return out


def district_files(prov: sample.ScaledProvince, year: int, indicators, n_files: int) -> dict:
    """The first district's upload file for `year`, as n_files variants: variant r changes one
    cell (RESP_DISCLOSURE of the r-th unit), so every import really replaces the stored data."""
    area = next(u.code for u in prov.units if u.type == "district")
    members = [u for u in prov.units if u.area == area and u.type in sample.EVALUATED]
    files = []
    for r in range(n_files):
        values = dict(prov.values[year])
        unit = members[r % len(members)]
        own = dict(values[unit.code])
        old = own.get("RESP_DISCLOSURE")
        own["RESP_DISCLOSURE"] = 50.0 if old is None else round(old - 5 if old >= 55 else old + 5 + r % 3, 1)
        values[unit.code] = own
        files.append(sample.upload_bytes(year, members, values, indicators))
    return {"area": area, "year": year, "rows": len(members), "files": files}


def build_db(path: Path, n_units: int, years=sample.SCALED_YEARS, seed: int = SEED, workers: int = 2,
             n_files: int = 6, log=print) -> dict:
    """Write `n_units` evaluated units with `years` of uploads and appraisals into a new DuckDB
    file at `path`; returns counts, timings and the first district's upload files."""
    t0 = time.perf_counter()
    layout = sample.scaled_layout(n_units)
    bodies = sample.scaled_bodies(n_units)
    store = Store(path)
    bootstrap.register_frameworks(store)
    # One submission per area and year, inserted first so that their ids come from the sequence
    # (a later upload takes the next one).
    areas = []
    for p, districts in enumerate(layout):
        pcode = f"{p + 1:03d}"
        areas += [(f"{pcode}{k:02d}", size) for k, size in enumerate(districts, 1)]
        if bodies:
            areas.append((pcode, bodies))
    subs = pl.DataFrame(
        [{"area_code": a, "year": y, "file_name": f"{y}/{a}.csv", "sha256": f"bench-{a}-{y}",
          "n_rows": n, "ord": i} for y in years for i, (a, n) in enumerate(areas)],
        schema={"area_code": pl.String, "year": pl.Int32, "file_name": pl.String, "sha256": pl.String,
                "n_rows": pl.Int32, "ord": pl.Int32})
    counts = {"units": 0, "observations": 0, "appraisals": 0, "submissions": subs.height, "areas": len(areas)}
    uploads = None
    with store.transaction() as cur:
        cur.register("bench_subs", subs)
        cur.execute("INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows) "
                    "SELECT area_code, year, file_name, sha256, ''::BLOB, $u, n_rows FROM bench_subs "
                    "ORDER BY year, ord", {"u": USER})
        cur.unregister("bench_subs")
    ids = store.frame("SELECT id AS submission_id, area_code, year FROM submissions")
    jobs = [(seed, p, districts, bodies, tuple(years), n_files if p == 0 else 0)
            for p, districts in enumerate(layout)]
    t_gen = time.perf_counter()
    # one worker: in this process. A spawned child re-imports the parent's __main__, which under a
    # test that ran Streamlit's AppTest first is a page script: the children die and the pool waits forever.
    pool = multiprocessing.get_context("spawn").Pool(workers) if workers > 1 else None
    results = pool.imap(_province_job, jobs) if pool else map(_province_job, jobs)
    try:
        for done, frames in enumerate(results, 1):
            uploads = frames.pop("uploads", uploads)
            obs = frames["observations"].join(ids, on=["area_code", "year"], how="left")
            with store.transaction() as cur:
                cur.register("bench_units", frames["units"])
                cur.execute("INSERT INTO units SELECT * FROM bench_units")
                cur.register("bench_obs", obs)
                cur.execute("INSERT INTO observations (submission_id, unit_code, year, indicator, value, num, den, "
                            "raw) SELECT submission_id, unit_code, year, indicator, value, num, den, raw "
                            "FROM bench_obs")
                cur.register("bench_appr", frames["appraisals"])
                cur.execute("INSERT INTO appraisals (unit_code, year, indicator, value, num, den, reason, "
                            "appraised_by) SELECT unit_code, year, indicator, value, num, den, reason, "
                            "appraised_by FROM bench_appr")
                # the figures of a finished year: reviewed and approved (only those enter the appraised basis)
                cur.execute("INSERT INTO unit_reviews (unit_code, year, submission_id, state, acted_by) "
                            "SELECT DISTINCT unit_code, year, submission_id, 'approved', $u FROM bench_obs",
                            {"u": USER})
                for name in ("bench_units", "bench_obs", "bench_appr"):
                    cur.unregister(name)
                cur.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                            "WHERE key = 'data_version'")
            counts["units"] += int((frames["units"]["type"].is_in(list(sample.EVALUATED))).sum())
            counts["observations"] += obs.height
            counts["appraisals"] += frames["appraisals"].height
            if done % 20 == 0 or done == len(jobs):
                log(f"  … {done}/{len(jobs)} provinces, {counts['observations']:,} observations, "
                    f"{time.perf_counter() - t0:.0f} s")
    finally:
        if pool:
            pool.terminate()
    with store.transaction() as cur:
        units.write_name_order(cur)  # as units.replace_units does
    cur = store.cursor()
    cur.execute("CHECKPOINT")
    cur.close()
    store.close()
    counts["generate_s"] = time.perf_counter() - t0
    counts["generate_values_and_insert_s"] = time.perf_counter() - t_gen
    counts["db_mb"] = path.stat().st_size / 2**20
    counts["years"] = list(years)
    return {"counts": counts, "uploads": uploads}


# ---------------------------------------------------------------- the pandas reference

def pandas_load(store: Store, year: int) -> dict:
    """What an analyst would pull out of the database for one year: plain SELECTs into pandas."""
    cur = store.cursor()
    try:
        return {
            "units": cur.execute("SELECT code, name, type, parent_code, cluster FROM units").df(),
            "submissions": cur.execute("SELECT id, state FROM submissions").df(),
            "reviews": cur.execute("SELECT unit_code, submission_id, state FROM unit_reviews WHERE year = $y",
                                   {"y": year}).df(),
            "observations": cur.execute("SELECT submission_id, unit_code, indicator, value, num, den "
                                        "FROM observations WHERE year = $y", {"y": year}).df(),
            "appraisals": cur.execute("SELECT id, unit_code, indicator, value, num, den, appraised_at, active "
                                      "FROM appraisals WHERE year = $y", {"y": year}).df(),
        }
    finally:
        cur.close()


def _round_half_away(x, decimals: int):
    m = 10.0 ** decimals
    return np.sign(x) * np.floor(np.abs(x) * m + 0.5) / m


def _kept(x, decimals: int, rule: str):
    """The profile's rounding on doubles: the noise of the sums dropped first (6 decimals), then
    half up or cut at `decimals` (the exact chain does this on DECIMALs)."""
    x = _round_half_away(x, 6)
    m = 10.0 ** decimals
    return np.floor(np.round(x * m, 6) + (0.0 if rule == "truncate" else 0.5)) / m


def pandas_score(t: dict, profile, basis: str = "appraised"):
    """The scoring rules of data/frameworks/README.md for one year, written the way an analyst
    would in pandas (merges, np.select, groupby); one row per scored unit: unit_code, total,
    level, rated, rank."""
    import pandas as pd

    inds = profile.indicators()
    ind = pd.DataFrame({"indicator": [i.code for i in inds],
                        "superior": [i.entered_by == "superior" for i in inds]})
    applies = pd.DataFrame([{"indicator": i.code, "unit_type": u} for i in inds for u in i.applies])
    items = pd.DataFrame([{
        "group_key": g.key, "group_points": float(g.points), "indicator": it.indicator.code,
        "weight": float(it.weight), "rule_type": it.rule.type, "target": it.rule.target, "bound": it.rule.bound,
        "expect": it.rule.expect, "mode": it.rule.mode, "share_each": it.rule.share_each,
        "zero_den": it.rule.zero_denominator, "then": it.rule.then, "ind_max": it.indicator.max}
        for g in profile.groups for it in g.items])
    for c in ("target", "bound", "expect", "share_each", "ind_max"):
        items[c] = items[c].astype(float)
    bands = pd.DataFrame([{"indicator": it.indicator.code, "lo": b.lo, "hi": b.hi, "share": b.share,
                           "last": k == len(it.rule.bands) - 1}
                          for _, it in profile.items for k, b in enumerate(it.rule.bands)],
                         columns=["indicator", "lo", "hi", "share", "last"])

    # values: the newest current submission of each unit; appraisals replace them on that basis
    subs = t["submissions"]
    obs = t["observations"]
    obs = obs[obs["submission_id"].isin(subs.loc[subs["state"] == "current", "id"])]
    if basis == "appraised":  # only the figures a reviewer approved
        ok = t["reviews"][t["reviews"]["state"] == "approved"][["unit_code", "submission_id"]]
        obs = obs.merge(ok, on=["unit_code", "submission_id"])
    reported = obs["unit_code"].unique()
    obs = obs[obs["submission_id"] == obs.groupby("unit_code")["submission_id"].transform("max")]
    appr = t["appraisals"]
    appr = (appr[appr["active"]].sort_values(["appraised_at", "id"])
            .drop_duplicates(["unit_code", "indicator"], keep="last"))
    keys = ["unit_code", "indicator"]
    vals = obs[keys + ["value", "num", "den"]].merge(
        appr[keys + ["value", "num", "den"]], on=keys, how="outer", suffixes=("_self", "_appr"), indicator="src")
    vals = vals.merge(ind, on="indicator")
    use = vals["superior"] | ((basis == "appraised") & (vals["src"] != "left_only"))
    for c in ("value", "num", "den"):
        vals[c] = vals[f"{c}_appr"].where(use, vals[f"{c}_self"])
    vals = vals[keys + ["value", "num", "den"]]

    u = t["units"].rename(columns={"code": "unit_code", "type": "unit_type"})
    scored = u[u["unit_code"].isin(reported) & u["unit_type"].isin(sample.EVALUATED)]

    # attainment and points of every unit x applicable item
    rows = (scored[["unit_code", "unit_type"]].merge(applies, on="unit_type").merge(items, on="indicator")
            .merge(vals, on=keys, how="left"))
    rt = rows["rule_type"]
    ratio = (rt == "ratio").to_numpy()
    num, den, value = rows["num"].to_numpy(float), rows["den"].to_numpy(float), rows["value"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(ratio, np.where(den > 0, 100.0 * num / den, np.nan), value)
    missing = np.where(ratio, np.isnan(num) | np.isnan(den), np.isnan(value))
    not_app = ratio & ~np.isnan(num) & (den == 0) & (rows["zero_den"] == "not_applicable").to_numpy()
    banded = ((rt == "bands") | ((rt == "ratio") & (rows["then"] == "bands"))).to_numpy()
    share = np.full(len(rows), np.nan)
    if banded.any() and len(bands):
        b = (pd.DataFrame({"row": np.flatnonzero(banded), "indicator": rows["indicator"].to_numpy()[banded],
                           "x": x[banded]}).merge(bands, on="indicator"))
        b = b[(b["x"] >= b["lo"]) & ((b["x"] < b["hi"]) | (b["last"] & (b["x"] <= b["hi"])))]
        share[b["row"].to_numpy()] = b["share"].to_numpy()
    target, bound = rows["target"].to_numpy(), rows["bound"].to_numpy()
    then = rows["then"]
    with np.errstate(divide="ignore", invalid="ignore"):
        att = np.select(
            [missing | not_app,
             ratio & (den == 0),
             ((rt == "proportional") | ((rt == "ratio") & (then == "proportional"))).to_numpy(),
             (rt == "lower_better").to_numpy(),
             banded,
             (rt == "yesno").to_numpy(),
             (rt == "failures").to_numpy(),
             (rt == "direct").to_numpy()],
            [np.nan,
             np.where(rows["zero_den"] == "full", 1.0, 0.0),
             np.minimum(x / target, 1.0),
             np.where(x <= target, 1.0, np.where(x >= bound, 0.0, (bound - x) / (bound - target))),
             share,
             np.where(x == rows["expect"].to_numpy(), 1.0, 0.0),
             np.where(x == 0, 1.0, np.where(rows["mode"] == "any", 0.0,
                                            np.maximum(0.0, 1.0 - x * rows["share_each"].to_numpy()))),
             np.minimum(x / rows["ind_max"].to_numpy(), 1.0)],
            default=np.nan)
    rows["missing"], rows["not_app"] = missing, not_app
    rows["w"] = np.where(not_app, 0.0, rows["weight"])
    wsum = rows.groupby(["unit_code", "group_key"])["w"].transform("sum").to_numpy()
    gp, w = rows["group_points"].to_numpy(), rows["weight"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["points"] = np.where(not_app | (wsum == 0), 0.0, np.nan_to_num(att) * gp * w / wsum)

    # group points: nothing applicable left in the group -> its full points
    agg = rows.groupby(["unit_code", "group_key"]).agg(
        pts=("points", "sum"), all_na=("not_app", "all"), n_missing=("missing", "sum")).reset_index()
    groups = pd.DataFrame({"group_key": [g.key for g in profile.groups],
                           "max_points": [float(g.points) for g in profile.groups]})
    gpts = scored[["unit_code"]].merge(groups, how="cross").merge(agg, on=["unit_code", "group_key"], how="left")
    full = gpts["all_na"].isna() | gpts["all_na"].astype(bool)
    rnd = profile.rounding
    gpts["raw_points"] = np.where(full, gpts["max_points"], gpts["pts"])
    gpts["points"] = _kept(gpts["raw_points"], rnd.group_decimals, rnd.rule)
    gpts["n_missing"] = gpts["n_missing"].fillna(0)
    per_unit = gpts.groupby("unit_code").agg(base=("raw_points", "sum"), n_missing=("n_missing", "sum")).reset_index()

    # deductions and bonus
    caps = profile.adjustment_caps
    adj = pd.DataFrame([{"indicator": a.indicator.code, "kind": a.kind, "ind_kind": a.indicator.kind,
                         "points_each": float(a.points_each), "cap": float(a.cap)} for a in profile.adjustments],
                       columns=["indicator", "kind", "ind_kind", "points_each", "cap"])
    a = (scored[["unit_code", "unit_type"]].merge(applies, on="unit_type").merge(adj, on="indicator")
         .merge(vals, on=keys, how="left"))
    amount = np.where(a["ind_kind"] == "points", a["value"], a["value"] * a["points_each"])
    a["amount"] = np.fmin(a["cap"].to_numpy(float), np.nan_to_num(amount.astype(float)))
    sums = a.pivot_table(index="unit_code", columns="kind", values="amount", aggfunc="sum")
    tot = scored[["unit_code", "parent_code", "unit_type", "cluster"]].merge(per_unit, on="unit_code")
    for kind in ("deduction", "bonus"):
        s = sums[kind] if kind in sums.columns else pd.Series(dtype=float)
        tot[kind] = np.minimum(tot["unit_code"].map(s).fillna(0.0).to_numpy(float),
                               float(caps.get(kind, math.inf)))
    raw = tot["base"] - tot["deduction"] + tot["bonus"]
    tot["total"] = _kept(raw.clip(0.0, float(profile.total_max)), rnd.total_decimals, rnd.rule)

    # level: the best band reached by the total with every group at or above its floor
    levels = pd.DataFrame([{"level": lv.level, "level_ord": i, "min_total": lv.min_total, "floor": lv.floor}
                           for i, lv in enumerate(profile.levels, 1)])
    fl = gpts[["unit_code", "points", "max_points"]].merge(levels[["level_ord", "floor"]], how="cross")
    fl["ok"] = fl["points"] >= fl["floor"] * fl["max_points"] - 1e-9
    floors = fl.groupby(["unit_code", "level_ord"])["ok"].all().reset_index()
    cand = tot[["unit_code", "total"]].merge(levels, how="cross")
    cand = cand[cand["total"] >= cand["min_total"]].merge(floors, on=["unit_code", "level_ord"])
    band = cand[cand["ok"]].groupby("unit_code")["level_ord"].min()
    tot["level_ord"] = tot["unit_code"].map(band)

    # vetoes on the unit's own (applicable) values
    vetoes = pd.DataFrame([{"indicator": v.indicator.code, "is_ratio": v.indicator.kind == "ratio", "op": v.op,
                            "threshold": float(v.value), "effect": v.effect,
                            "cap_ord": profile.level_names().index(v.cap_level) + 1 if v.cap_level else np.nan}
                           for v in profile.vetoes],
                          columns=["indicator", "is_ratio", "op", "threshold", "effect", "cap_ord"])
    vv = (vals.merge(scored[["unit_code", "unit_type"]], on="unit_code")
          .merge(applies, on=["indicator", "unit_type"]).merge(vetoes, on="indicator"))
    with np.errstate(divide="ignore", invalid="ignore"):
        vx = np.where(vv["is_ratio"].astype(bool), np.where(vv["den"] > 0, 100.0 * vv["num"] / vv["den"], np.nan),
                      vv["value"]).astype(float)
    th, op = vv["threshold"].to_numpy(float), vv["op"]
    hit = ~np.isnan(vx) & np.select(
        [op == "=", op == "!=", op == ">", op == ">=", op == "<", op == "<="],
        [vx == th, vx != th, vx > th, vx >= th, vx < th, vx <= th], default=False)
    hits = vv[hit]
    cap = hits[hits["effect"] == "cap"].groupby("unit_code")["cap_ord"].max()
    vetoed = set(hits.loc[hits["effect"] == "not_rated", "unit_code"])
    tot["level_ord"] = np.maximum(tot["level_ord"], tot["unit_code"].map(cap).fillna(0))
    tot["rated"] = ~tot["unit_code"].isin(vetoed)
    if profile.not_rated_if_incomplete:
        tot["rated"] &= tot["n_missing"] == 0
    names = dict(zip(levels["level_ord"], levels["level"]))
    tot["level"] = tot["level_ord"].map(names).where(tot["rated"])
    tot["rank"] = tot["total"].where(tot["rated"]).rank(method="min", ascending=False)
    return tot[["unit_code", "total", "level", "rated", "rank"]].sort_values("unit_code").reset_index(drop=True)


def compare_with_sql(sql_units: pl.DataFrame, ref) -> dict:
    """Largest total difference and disagreements (units, rated, level, rank) of a pandas result."""
    s = sql_units.select("unit_code", "total", "level", "rated", "rank").sort("unit_code")
    r = pl.from_pandas(ref).with_columns(pl.col("rank").cast(pl.Int64)).sort("unit_code")
    both = s.join(r, on="unit_code", how="full", suffix="_pd", coalesce=True)
    only = both.filter(pl.col("total").is_null() | pl.col("total_pd").is_null()).height
    diff = both.select((pl.col("total") - pl.col("total_pd")).abs().max()).item()
    return {"units_sql": s.height, "units_pandas": r.height, "units_not_in_both": only,
            "max_abs_total_diff": diff if diff is not None else math.inf,
            "level_mismatches": both.filter(pl.col("level").ne_missing(pl.col("level_pd"))).height,
            "rated_mismatches": both.filter(pl.col("rated").ne_missing(pl.col("rated_pd"))).height,
            "rank_mismatches": both.filter(pl.col("rank").ne_missing(pl.col("rank_pd"))).height}


# ---------------------------------------------------------------- the lean reference

def lean_score(store: Store, profile, years, basis: str = "appraised") -> pl.DataFrame:
    """The lean one-statement reference (sql/bench_lean.sql): total, rated, level and overall
    rank of every scored unit of `years`, with the chain's rules and exact arithmetic but none of
    what pages show beside them. The chain is timed against it and must agree with it."""
    cur = store.cursor()
    try:
        scoring.register_inputs(cur, profile, basis, sorted(set(years)))
        return scoring.floats(cur.sql(sqlfiles.load("bench_lean")).pl())
    finally:
        cur.close()


def compare_lean(chain_units: pl.DataFrame, lean: pl.DataFrame) -> dict:
    """Unit-by-unit agreement of the chain's units and the lean reference (same years): units in
    one only, and units whose total, rated, level or rank differ (totals compared exactly)."""
    cols = ["unit_code", "year", "total", "rated", "level", "rank"]
    c = chain_units.select(cols).with_columns(pl.col("rank").cast(pl.Int64))
    ref = lean.select(cols).with_columns(pl.col("rank").cast(pl.Int64))
    both = c.join(ref, on=["unit_code", "year"], how="full", suffix="_lean", coalesce=True)
    return {"units_chain": c.height, "units_lean": ref.height,
            "units_not_in_both": both.filter(pl.col("total").is_null() | pl.col("total_lean").is_null()).height,
            **{f"{k}_mismatches": both.filter(pl.col(k).ne_missing(pl.col(f"{k}_lean"))).height
               for k in ("total", "rated", "level", "rank")}}


def assert_lean_agrees(check: dict) -> None:
    """The benchmark stops when the chain and the lean reference disagree on any unit."""
    bad = {k: v for k, v in check.items() if (k.endswith("_mismatches") or k == "units_not_in_both") and v}
    if bad or check["units_chain"] != check["units_lean"]:
        raise AssertionError(f"the chain and the lean reference disagree: {check}")


# ---------------------------------------------------------------- the SQL chain, step by step

def chain_steps(store: Store, profile, years, basis: str = "appraised", explain_dir: Path | None = None
                ) -> dict[str, float]:
    """scoring.score's statements run one by one with a clock around each (same registrations,
    same CREATE TEMP TABLE per step, same final SELECTs); returns seconds per step and row counts.
    With explain_dir, also writes EXPLAIN ANALYZE of every step there."""
    wanted = sorted(set(years))
    with_prev = sorted(set(wanted) | {y - 1 for y in wanted})
    cur = store.cursor()
    out: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        scoring.register_inputs(cur, profile, basis, with_prev)
        out["register"] = time.perf_counter() - t0
        for table, sql in scoring.CHAIN:
            body = sqlfiles.load(sql)
            if explain_dir is not None:
                plan = cur.sql("EXPLAIN ANALYZE " + body).fetchall()
                (explain_dir / f"explain_{sql}.txt").write_text("\n".join(r[1] for r in plan), encoding="utf-8")
            t0 = time.perf_counter()
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {sqlfiles.quote_ident(table)} AS {body}")
            out[sql] = time.perf_counter() - t0
            out[f"rows:{sql}"] = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        order = "ORDER BY year, rated DESC, total DESC, unit_name COLLATE vi, unit_code"
        items = sqlfiles.load("items_wide")
        for label, q in (("fetch units", f"SELECT * EXCLUDE (uid) FROM t_ranked WHERE list_contains($y, year) {order}"),
                         ("fetch groups", "SELECT * EXCLUDE (uid) FROM t_groups WHERE list_contains($y, year) "
                                          "ORDER BY year, unit_code, group_ord"),
                         ("fetch items", f"SELECT * FROM ({items}) ORDER BY year, unit_code, group_ord, item_ord")):
            t0 = time.perf_counter()
            cur.sql(q, params={"y": wanted, **({"units": None, "inds": None} if "items" in label else {})}).pl()
            out[label] = time.perf_counter() - t0
    finally:
        cur.close()
    return out


# ---------------------------------------------------------------- child: the app's figures

def _scan(store: Store, years: list[int] | None):
    where = "" if years is None else f"WHERE year IN ({', '.join(str(int(y)) for y in years)})"
    cur = store.cursor()
    try:
        cur.execute("CREATE OR REPLACE TEMP TABLE bench_scan AS SELECT unit_code, year, sum(value) AS s, "
                    f"sum(num) AS n, sum(den) AS d FROM observations {where} GROUP BY unit_code, year")
    finally:
        cur.close()


def _page_sidebar(store: Store) -> None:
    """What app.py runs on every page before the page itself (ui/context.sidebar_filters)."""
    scoring.scored_years(store)
    units.areas(store)


def _progress(message: str) -> None:
    print(f"    {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def measure_app(db: Path, repeat: int, uploads_dir: Path, explain_dir: Path | None) -> dict:
    res: dict = {"phases": {}, "loadavg_start": os.getloadavg()}

    def mark(phase: str) -> None:
        res["phases"][phase] = _memory()
        _progress(f"{phase} done, peak RSS {res['phases'][phase]['ru_maxrss_mb']:.0f} MB")
    t0 = time.perf_counter()
    store = Store(db)
    profile = framework.get_profile(PROFILE)
    res["open_s"] = time.perf_counter() - t0
    mark("open")
    years = sorted(scoring.scored_years(store))
    year = years[-1]
    res["year"], res["years"] = year, years
    res["rows"] = dict(zip(("observations", "units", "submissions", "appraisals"), store.rows(
        "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM units), "
        "(SELECT count(*) FROM submissions), (SELECT count(*) FROM appraisals)")[0]))
    t = {}
    t["scan_all"] = _stat(_times(lambda: _scan(store, None), repeat))
    t["scan_scored_years"] = _stat(_times(lambda: _scan(store, [year - 1, year]), repeat))
    mark("scan")

    # --- what the app does: stored scores (built once, then kept up to date per change)
    def drop_stored():
        with store.transaction() as cur:
            for table in ("score_items", "score_groups", "score_units", "score_runs"):
                cur.execute(f"DELETE FROM {table}").fetchall()
        scoring._CACHE.clear()

    t["build_year"] = _stat(_times(lambda: scoring.refresh(store, profile, [year]), repeat, setup=drop_stored))
    drop_stored()
    t0 = time.perf_counter()
    scoring.refresh(store, profile, years)
    t["build_all"] = _stat([time.perf_counter() - t0])
    mark("stored scores built")

    # the dashboard's queries: cold = in-process cache cleared (a new server process, or the
    # first view after a data change once the stored runs are up to date)
    f = dashboard.Filters(year)
    area = store.rows("SELECT code FROM units WHERE type = 'province' ORDER BY code LIMIT 1")[0][0]
    fa = dashboard.Filters(year, area=area)
    unit_code = store.rows("SELECT unit_code FROM observations o JOIN submissions s ON s.id = o.submission_id "
                           "WHERE s.state = 'current' AND o.year = $y ORDER BY unit_code LIMIT 1", {"y": year})[0][0]
    ranking, overview = _acting(dashboard.ranking), _acting(dashboard.overview)
    unit_detail = _acting(dashboard.unit_detail)
    calls = {
        "sidebar (scored_years + units.areas)": lambda: _page_sidebar(store),
        "ranking (all units)": lambda: ranking(store, profile, f),
        "ranking (one province)": lambda: ranking(store, profile, fa),
        "overview": lambda: overview(store, profile, f),
        "unit_detail": lambda: unit_detail(store, profile, unit_code, f),
        "map_points (all units)": lambda: _acting(dashboard.map_points)(store, profile, f),
    }
    pages = {
        "Tổng quan (overview page)": ["sidebar (scored_years + units.areas)", "overview", "ranking (all units)"],
        "Xếp hạng (ranking page)": ["sidebar (scored_years + units.areas)", "ranking (all units)"],
        "Chi tiết đơn vị (unit page)": ["sidebar (scored_years + units.areas)", "ranking (all units)", "unit_detail"],
        "Bản đồ (map page)": ["sidebar (scored_years + units.areas)", "map_points (all units)"],
    }
    clear = scoring._CACHE.clear
    scoring.refresh(store, profile, years, "self")  # the unit page shows both bases
    res["calls_cold"] = {k: _stat(_times(fn, repeat, setup=clear)) for k, fn in calls.items()}
    res["calls_warm"] = {k: _stat(_times(fn, repeat)) for k, fn in calls.items()}

    def page(names):
        for n in names:
            calls[n]()

    res["pages_cold"] = {p: _stat(_times(lambda n=names: page(n), repeat, setup=clear)) for p, names in pages.items()}
    res["pages_warm"] = {p: _stat(_times(lambda n=names: page(n), repeat)) for p, names in pages.items()}
    res["unit_code"], res["area"] = unit_code, area
    mark("pages")
    res["territory"] = measure_territory(store, profile, year, area, repeat)
    mark("profiles by territory")

    # one district's upload through the real path, then the rescore it triggers (the stored runs
    # of the year catch up for the ~500 units of the two files, the ranks are taken again) and
    # the ranking page drawn right after it
    meta = json.loads((uploads_dir / "uploads.json").read_text())
    files = [(uploads_dir / name).read_bytes() for name in meta["files"]]
    imports, rescores, after_pages, first = [], [], [], None
    # the district's figures are approved (a finished year): reopened first, as a reviewer would
    ingest.reopen(store, access.SYSTEM, meta["area"], meta["year"], "benchmark: a corrected file")
    import_file = _acting(ingest.import_file)
    for i, content in enumerate(files[: repeat + 1]):
        t0 = time.perf_counter()
        r = import_file(store, content, f"{meta['year']}/{meta['area']}.csv", meta["year"],
                        area_code=meta["area"])
        t1 = time.perf_counter()
        scoring.cached_score(store, profile, [meta["year"]])
        t2 = time.perf_counter()
        page(pages["Xếp hạng (ranking page)"])
        t3 = time.perf_counter()
        if not r.stored:
            raise RuntimeError("the benchmark upload was not stored")
        if i == 0:
            first = {"import": t1 - t0, "rescore": t2 - t1}
        else:
            imports.append(t1 - t0)
            rescores.append(t2 - t1)
            after_pages.append(t3 - t2)
    t["import"] = _stat(imports)
    t["rescore"] = _stat(rescores)
    t["upload_and_rescore"] = _stat([a + b for a, b in zip(imports, rescores)])
    t["ranking_page_after_upload"] = _stat(after_pages)
    res["first_upload_after_open"] = first
    res["upload"] = {"area": meta["area"], "year": meta["year"], "rows": meta["rows"],
                     "bytes": len(files[0])}
    res["import_breakdown"] = import_breakdown(store, files[-1], meta)
    mark("upload + rescore")
    res["memory_app_path"] = _memory()

    # --- references: the whole chain from the observations, as a first build or a unit-tree change runs it
    t["score_year"] = _stat(_times(lambda: scoring.score(store, profile, [year]), repeat))
    # the lean reference, same year, same run, and the chain's agreement with it unit by unit
    t["lean_year"] = _stat(_times(lambda: lean_score(store, profile, [year]), repeat))
    res["lean_check"] = compare_lean(scoring.score(store, profile, [year]).year(year), lean_score(store, profile, [year]))
    assert_lean_agrees(res["lean_check"])
    mark("score one year")
    t["score_year_self"] = _stat(_times(lambda: scoring.score(store, profile, [year], "self"), repeat))
    steps = [chain_steps(store, profile, [year], explain_dir=explain_dir if i == 0 else None)
             for i in range(repeat + 1)][1:]
    res["steps"] = {k: statistics.median(s[k] for s in steps) for k in steps[0]}
    mark("chain steps")
    t["score_all"] = _stat(_times(lambda: scoring.score(store, profile, years), min(repeat, 2)))
    mark("score all years")

    tracemalloc.start()
    scoring.score(store, profile, [year])
    res["tracemalloc_score_year_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    res["timings"] = t
    res["memory"] = _memory()
    res["loadavg_end"] = os.getloadavg()
    store.close()
    return res


def measure_territory(store: Store, profile, year: int, area: str, repeat: int) -> dict:
    """Profiles assigned by territory at this size: one district under a second profile, the
    rest under `profile`. Setting them validates every unit of every year (gaps, overlaps);
    the ranking then resolves which units are the profile's own and ranks them among themselves."""
    from dcmetrics import framework, territory

    profiles = framework.load_profiles()
    other = next(p for p in ("vinh-linh", "ca-mau", "tiep-can-phap-luat-mau") if p != profile.id and p in profiles)
    # one district (its communes and bodies) under the second profile, as a former territory would be
    district = store.rows("SELECT code FROM units WHERE type = 'district' AND parent_code = $a ORDER BY code LIMIT 1",
                          {"a": area})[0][0]
    years = scoring.scored_years(store)
    spec = [(profile.id, code) for (code,) in store.rows("SELECT code FROM units WHERE type = 'province'")]
    frame = pl.DataFrame([{"profile_id": pid, "area_code": code, "unit_types": None, "year_from": min(years),
                           "year_to": None, "reason": "benchmark"} for pid, code in [*spec, (other, district)]],
                         schema=territory.ASSIGNMENT_SCHEMA)
    out: dict = {}
    t0 = time.perf_counter()
    territory.set_assignments(store, access.SYSTEM, frame, profiles, years)
    out["set_assignments_s"] = time.perf_counter() - t0
    f = dashboard.Filters(year)
    ranking = _acting(dashboard.ranking)

    def cold():
        territory._CACHE.clear()
        scoring._CACHE.clear()
        dashboard._OWN.clear()

    out["ranking_cold"] = _stat(_times(lambda: ranking(store, profile, f), repeat, setup=cold))
    out["ranking_warm"] = _stat(_times(lambda: ranking(store, profile, f), repeat))
    out["profiles_in_area_warm"] = _stat(_times(lambda: territory.profiles_in_area(store, None, year), repeat))
    out["n_own_units"] = ranking(store, profile, f).height
    territory.set_assignments(store, access.SYSTEM, frame.head(0), profiles, [])
    return out


def import_breakdown(store: Store, content: bytes, meta: dict) -> dict:
    """check_file's and commit's parts run one by one on the same file (one run, untimed warm-up
    first), to see where an import spends its time."""
    from dcmetrics.ingest.commit import far_from_last_year, locked_problem

    def parts() -> dict:
        out, t = {}, time.perf_counter()

        def lap(name):
            nonlocal t
            now = time.perf_counter()
            out[name] = now - t
            t = now

        if ACTOR is not None:
            from dcmetrics import access
            access.require(store, ACTOR, access.UPLOAD, meta["area"])
            lap("access.require")
        table = read_table(content, "f.csv")
        lap("read_table")
        _, _, indicators = framework.load_catalogue()
        lap("framework.load_catalogue")
        all_units = units.all_units(store)
        lap("units.all_units")
        allowed = set(units.subtree(store, meta["area"])["code"])
        lap("units.subtree")
        parsed = validate(table, indicators, all_units, allowed, meta["year"])
        lap("validate")
        locked_problem(store, parsed.units, meta["year"])
        lap("locked_problem")
        far_from_last_year(store, parsed.observations, meta["year"], indicators)
        lap("far_from_last_year")
        return out

    parts()
    return parts()


# ---------------------------------------------------------------- child: the pandas reference

def measure_pandas(db: Path, repeat: int, year: int) -> dict:
    load_start = os.getloadavg()
    store = Store(db)
    profile = framework.get_profile(PROFILE)
    loads, computes, ref = [], [], None
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        tables = pandas_load(store, year)
        t1 = time.perf_counter()
        ref = pandas_score(tables, profile)
        t2 = time.perf_counter()
        if i:
            loads.append(t1 - t0)
            computes.append(t2 - t1)
    sql = scoring.score(store, profile, [year]).year(year)
    check = compare_with_sql(sql, ref)
    store.close()
    return {"load": _stat(loads), "compute": _stat(computes),
            "total": _stat([a + b for a, b in zip(loads, computes)]), "check": check, "memory": _memory(),
            "loadavg_start": load_start, "loadavg_end": os.getloadavg()}


# ---------------------------------------------------------------- hostile uploads

HOSTILE_GOAL_MB, HOSTILE_GOAL_S = 500, 10.0  # issue 16: what refusing one hostile upload may cost


def real_workbook(n_rows: int = 20_000) -> bytes:
    """The largest real upload, for comparison: the template's 37 columns filled for n_rows units."""
    import io

    import xlsxwriter

    rng = np.random.default_rng(SEED)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Số liệu")
    for j in range(37):
        ws.write_string(0, j, f"Chỉ tiêu {j} (CODE_{j})")
    values = rng.integers(0, 101, size=(n_rows, 34))
    for i in range(1, n_rows + 1):
        ws.write_string(i, 0, f"99{i:05d}")
        ws.write_string(i, 1, f"Phường số {i}")
        ws.write_number(i, 2, 2024)
        for j in range(34):
            ws.write_number(i, 3 + j, int(values[i - 1, j]))
    wb.close()
    return buf.getvalue()


def measure_hostile_file(path: Path) -> dict:
    """One upload read as the app reads it (read_table: size check, guard, parser), in this process."""
    from dcmetrics.errors import DcmetricsError

    content = path.read_bytes()
    t0 = time.perf_counter()
    try:
        table = read_table(content, path.name)
        outcome = f"đọc được {table.frame.height} dòng"
    except DcmetricsError as e:
        problems = getattr(e, "problems", None)
        outcome = str(problems[0]) if problems else str(e)
    wall = time.perf_counter() - t0
    return {"file": path.name, "bytes": len(content), "wall_s": wall, "outcome": outcome, **_memory()}


def run_hostile(keep: Path | None, log=print) -> list[dict]:
    """Each hostile file (dcmetrics.ingest.hostile) in a process of its own, so that the peak
    resident memory (ru_maxrss, native memory included: tracemalloc would miss calamine's) is that
    of reading this one file; a baseline process reading a 3-line CSV gives the interpreter's own.
    The peak is VmHWM, the high-water mark of the process' own memory: ru_maxrss would carry the
    parent's over fork and exec (Linux keeps the larger of the two)."""
    from dcmetrics.ingest import hostile

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="dcmetrics-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    files = {"baseline.csv": b"ma_don_vi,nam\n99001,2024\n99002,2024\n", **hostile.files(),
             "real-20000-rows.xlsx": real_workbook()}
    rows = []
    try:
        for name, content in files.items():
            path = work / name
            path.write_bytes(content)
            out = work / f"{name}.json"
            subprocess.run([sys.executable, "-m", "dcmetrics.bench", "--child", "hostile", "--file", str(path),
                            "--out", str(out)], check=True)
            rows.append(json.loads(out.read_text()))
            rows[-1]["peak_mb"] = rows[-1].get("VmHWM", rows[-1]["ru_maxrss_mb"])
            log(f"  {name}: {rows[-1]['wall_s']:.2f} s, {rows[-1]['peak_mb']:.0f} MB")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def report_hostile(rows: list[dict], out=print) -> None:
    base = next(r["peak_mb"] for r in rows if r["file"] == "baseline.csv")
    out(f"\nHostile uploads (read_table in a process of its own; baseline process {base:.0f} MB)")
    out(f"{'file':26} {'size':>10} {'wall s':>7} {'peak MB':>8} {'over base':>9}  outcome")
    for r in rows:
        ok = r["wall_s"] <= HOSTILE_GOAL_S and r["peak_mb"] <= HOSTILE_GOAL_MB
        out(f"{r['file']:26} {r['bytes']:>10,} {r['wall_s']:>7.2f} {r['peak_mb']:>8.0f} "
            f"{r['peak_mb'] - base:>9.0f}  {'' if ok else '[OVER GOAL] '}{r['outcome'][:110]}")
    out(f"goal: each at most {HOSTILE_GOAL_MB} MB and {HOSTILE_GOAL_S:.0f} s")


# ---------------------------------------------------------------- orchestration and report

def _child(kind: str, db: Path, repeat: int, work: Path, extra: list[str]) -> dict:
    out = work / f"{kind}.json"
    cmd = [sys.executable, "-m", "dcmetrics.bench", "--child", kind, "--db", str(db), "--repeat", str(repeat),
           "--work", str(work), "--out", str(out), *extra]
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def _parse_sizes(text: str) -> list[tuple[str, int]]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, n = part.partition("=")
        if n:
            out.append((name, int(n)))
        elif name in SIZES:
            out.append((name, SIZES[name]))
        elif name.isdigit():
            out.append((f"{name} units", int(name)))
        else:
            raise SystemExit(f"unknown size {name!r}: use {', '.join(SIZES)}, a number, or name=number")
    return out


def goals(r: dict) -> list[tuple[str, bool, str]]:
    """(goal, met, figure) for one size's results."""
    t, app = r["timings"], r["app"]
    score = t["score_year"]["median"]
    scan = t["scan_all"]["median"]
    pandas_total = r["pandas"]["total"]["median"]
    out = [
        (f"score one year ≤ {GOAL_SCAN_FACTOR:g}× scan bound", score <= GOAL_SCAN_FACTOR * scan,
         f"{_fmt_s(score)} = {score / scan:.1f}× the scan ({_fmt_s(scan)})"),
        (f"score one year ≥ {GOAL_PANDAS_FACTOR:g}× faster than pandas", pandas_total >= GOAL_PANDAS_FACTOR * score,
         f"pandas {_fmt_s(pandas_total)} / SQL {_fmt_s(score)} = {pandas_total / score:.1f}×"),
        (f"score one year ≤ {GOAL_LEAN_FACTOR:g}× the lean reference", score <= GOAL_LEAN_FACTOR * t["lean_year"]["median"],
         f"{_fmt_s(score)} / lean {_fmt_s(t['lean_year']['median'])} = {score / t['lean_year']['median']:.2f}×"),
        ("lean reference = chain, unit by unit (total, rated, level, rank)",
         not any(v for k, v in app["lean_check"].items() if k.endswith("_mismatches") or k == "units_not_in_both"),
         ", ".join(f"{k} {v}" for k, v in app["lean_check"].items())),
        (f"rescore after one district's upload < {_fmt_s(GOAL_RESCORE_S)}", t["rescore"]["median"] < GOAL_RESCORE_S,
         _fmt_s(t["rescore"]["median"])),
    ]
    for p, s in app["pages_cold"].items():
        out.append((f"page {p} < {_fmt_s(GOAL_PAGE_S)} (cold cache)", s["median"] < GOAL_PAGE_S, _fmt_s(s["median"])))
    out.append((f"import a {app['upload']['rows']}-row district file < {_fmt_s(GOAL_IMPORT_S)}",
                t["import"]["median"] < GOAL_IMPORT_S, _fmt_s(t["import"]["median"])))
    peak = app["memory_app_path"]["ru_maxrss_mb"]
    out.append((f"peak memory < {GOAL_MEMORY_MB:.0f} MB (the app's path)", peak < GOAL_MEMORY_MB,
                f"{peak:.0f} MB (ru_maxrss after building, pages and uploads)"))
    out.append(("pandas reference = SQL totals (1e-6)", r["pandas"]["check"]["max_abs_total_diff"] <= TOLERANCE
                and r["pandas"]["check"]["units_not_in_both"] == 0,
                f"max |Δ| = {r['pandas']['check']['max_abs_total_diff']:.2g} over "
                f"{r['pandas']['check']['units_sql']} units"))
    return out


def report(name: str, r: dict, out=print) -> None:
    t, app, pdr = r["timings"], r["app"], r["pandas"]
    scan, scan2 = t["scan_all"]["median"], t["scan_scored_years"]["median"]
    pandas_total = pdr["total"]["median"]
    c = r["counts"]
    out(f"\n=== {name}: {c['units']:,} units, {app['rows']['observations']:,} observations, "
        f"{c['submissions']} submissions, {app['rows']['appraisals']:,} appraisals, years {c['years'][0]}–"
        f"{c['years'][-1]}, DB {c['db_mb']:.0f} MB (generated in {c['generate_s']:.0f} s)")
    out(f"    median of {t['score_year']['n']} runs; ratios: ×scan = figure / scan bound ({_fmt_s(scan)}), "
        f"pandas÷ = pandas reference ({_fmt_s(pandas_total)}) / figure")

    def line(label, s):
        m = s["median"]
        out(f"  {label:<48} {_fmt_s(m):>9}   (min {_fmt_s(s['min'])}, max {_fmt_s(s['max'])})   "
            f"×scan {m / scan:6.1f}   pandas÷ {pandas_total / m:7.1f}")

    out("  references")
    line("scan bound: sum per unit and year, all years", t["scan_all"])
    line("scan of the two scored years only", t["scan_scored_years"])
    line("pandas reference: load + compute (one year)", pdr["total"])
    line("  pandas: load from DuckDB", pdr["load"])
    line("  pandas: compute", pdr["compute"])
    out("  scoring (scoring.score, profile chung, basis appraised)")
    line(f"score one year ({app['year']}; {app['year'] - 1} read from its stored run)", t["score_year"])
    line("lean one-statement reference, same year (totals, levels, ranks)", t["lean_year"])
    out(f"    chain / lean = {t['score_year']['median'] / t['lean_year']['median']:.2f}×; unit by unit: "
        + ", ".join(f"{k} {v}" for k, v in app["lean_check"].items()))
    line("score one year, basis self", t["score_year_self"])
    line(f"score all years ({len(app['years'])})", t["score_all"])
    out("  stored scores (what the app runs: built once, then kept up to date)")
    line("build the stored run of one year", t["build_year"])
    line(f"build the stored runs of all years ({len(app['years'])})", t["build_all"])
    out("  SQL chain steps, one year (median)")
    for k, v in app["steps"].items():
        if not k.startswith("rows:"):
            rows = app["steps"].get(f"rows:{k}")
            out(f"    {k:<24} {_fmt_s(v):>9}" + (f"   {int(rows):>10,} rows" if rows is not None else ""))
    out("  upload and rescore (district " f"{app['upload']['area']}, {app['upload']['rows']} rows, "
        f"{app['upload']['bytes'] / 1024:.0f} KiB, year {app['upload']['year']})")
    line("import_file (check + commit)", t["import"])
    line("rescore: stored run of the year brought up to date + read", t["rescore"])
    line("upload + rescore", t["upload_and_rescore"])
    line("ranking page right after the upload", t["ranking_page_after_upload"])
    fu = app["first_upload_after_open"]
    out(f"    first upload after opening the database: import {_fmt_s(fu['import'])}, rescore {_fmt_s(fu['rescore'])}")
    out("    import_file's parts: " + ", ".join(f"{k} {_fmt_s(v)}" for k, v in app["import_breakdown"].items()))
    out("  dashboard queries, cold (in-process cache cleared, stored runs up to date) / warm (cached)")
    for k in app["calls_cold"]:
        out(f"    {k:<46} {_fmt_s(app['calls_cold'][k]['median']):>9} / {_fmt_s(app['calls_warm'][k]['median'])}")
    out("  pages (sidebar + the page's calls), cold / warm")
    for k in app["pages_cold"]:
        out(f"    {k:<46} {_fmt_s(app['pages_cold'][k]['median']):>9} / {_fmt_s(app['pages_warm'][k]['median'])}")
    ter = app.get("territory")
    if ter:
        out(f"  profiles by territory (one district under a second profile): set_assignments with the "
            f"coverage check {_fmt_s(ter['set_assignments_s'])}; ranking of the profile's {ter['n_own_units']} own units "
            f"cold / warm {_fmt_s(ter['ranking_cold']['median'])} / {_fmt_s(ter['ranking_warm']['median'])}; "
            f"profiles_in_area warm {_fmt_s(ter['profiles_in_area_warm']['median'])}")
    out("  memory (MB): peak RSS of the app's path " f"{app['memory_app_path']['ru_maxrss_mb']:.0f}, of the app child "
        f"with the from-scratch references {app['memory']['ru_maxrss_mb']:.0f}; after each phase "
        + ", ".join(f"{k} {v.get('VmHWM', v['ru_maxrss_mb']):.0f}" for k, v in app["phases"].items())
        + f"; tracemalloc peak of one score: {app['tracemalloc_score_year_mb']:.1f} (Python objects only: DuckDB "
        "and Polars allocate outside it); "
        f"pandas child peak {pdr['memory']['ru_maxrss_mb']:.0f}")
    chk = pdr["check"]
    out(f"  pandas vs SQL ({app['year']}): max |Δtotal| {chk['max_abs_total_diff']:.2g}, units {chk['units_sql']}"
        f" / {chk['units_pandas']}, not in both {chk['units_not_in_both']}, level mismatches "
        f"{chk['level_mismatches']}, rated {chk['rated_mismatches']}, rank {chk['rank_mismatches']}")
    out("  load average (1, 5, 15 min) at start / end of the app child: "
        + " / ".join(", ".join(f"{x:.1f}" for x in app[k]) for k in ("loadavg_start", "loadavg_end"))
        + f"; pandas child: " + " / ".join(", ".join(f"{x:.1f}" for x in pdr[k]) for k in ("loadavg_start", "loadavg_end")))
    out("  goals (set for the national size)")
    for goal, ok, fig in goals(r):
        out(f"    {'PASS' if ok else 'MISS'}  {goal:<58} {fig}")


def run_size(name: str, n_units: int, repeat: int, keep: Path | None, workers: int, log=print) -> dict:
    base = Path(keep) / name.replace(" ", "_") if keep else Path(tempfile.mkdtemp(prefix="dcmetrics-bench-"))
    if base.exists() and keep:
        shutil.rmtree(base)
    base.mkdir(parents=True, exist_ok=True)
    try:
        db = base / "bench.duckdb"
        log(f"[{name}] generating {n_units:,} units × {len(sample.SCALED_YEARS)} years into {db}")
        built = build_db(db, n_units, workers=workers, n_files=repeat + 1, log=log)
        up = built["uploads"]
        updir = base / "upload"
        updir.mkdir(exist_ok=True)
        names = []
        for i, content in enumerate(up["files"]):
            names.append(f"{up['area']}_{up['year']}_{i}.csv")
            (updir / names[-1]).write_bytes(content)
        (updir / "uploads.json").write_text(json.dumps({"area": up["area"], "year": up["year"], "rows": up["rows"],
                                                        "files": names}))
        log(f"[{name}] {built['counts']['observations']:,} observations in {built['counts']['generate_s']:.0f} s; "
            "measuring the pandas reference")
        pandas_res = _child("pandas", db, repeat, base, ["--year", str(up["year"])])
        log(f"[{name}] measuring scoring, pages, upload")
        explain = base / "explain"
        explain.mkdir(exist_ok=True)
        app = _child("app", db, repeat, base, ["--uploads", str(updir), "--explain", str(explain)])
        return {"size": name, "n_units": n_units, "counts": built["counts"], "pandas": pandas_res, "app": app,
                "timings": {**app.pop("timings"), }, "dir": str(base) if keep else None}
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dcmetrics.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=None,
                    help="comma-separated: province (~1,000 units), nation (~40,000), stress (200,000), "
                         "a number, or name=number (default: province,nation)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per figure, the median is reported")
    ap.add_argument("--keep", type=Path, default=None, help="keep the databases, files and results.json here")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes generating data")
    ap.add_argument("--hostile", action="store_true",
                    help="only the hostile uploads (zip bombs, far cells, too many rows...): time and peak memory "
                         "of refusing each, one process per file")
    ap.add_argument("--pages", action="store_true",
                    help="only the pages through a running app (agent API): each page timed, then --sessions "
                         "concurrent sessions; needs --db, a COPY of a database (accounts and scores are written)")
    ap.add_argument("--pg-load", metavar="URL", default=None,
                    help="only the load of one PostgreSQL database (issue 21): 34 writer processes × 10 commits "
                         "through the upload path, 4 readers and 4 app sessions reading pages; URL of an EMPTY "
                         "database (dcmetrics.pg.load)")
    ap.add_argument("--browser", action="store_true",
                    help="only the pages in a real browser (Playwright + chromium against streamlit run): login, "
                         "every page of the menu and a profile switch, click to ready, median and max of --repeat "
                         "loads; needs --db, a COPY of a database (accounts and stored scores are written)")
    ap.add_argument("--memory", action="store_true",
                    help="only the memory of the app's path (stored scores read, ranking and overview built) and a "
                         "district's import, one process per size and job; --sizes default 10000,20000,40000")
    ap.add_argument("--sessions", default="1,5,10", help="with --pages: concurrent session counts")
    ap.add_argument("--rounds", type=int, default=6, help="with --pages: requests per concurrent session")
    ap.add_argument("--child", choices=["app", "pandas", "hostile"], help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--year", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--uploads", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--explain", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    if args.child == "app":
        args.out.write_text(json.dumps(measure_app(args.db, args.repeat, args.uploads, args.explain)))
        return 0
    if args.child == "pandas":
        args.out.write_text(json.dumps(measure_pandas(args.db, args.repeat, args.year)))
        return 0
    if args.child == "hostile":
        args.out.write_text(json.dumps(measure_hostile_file(args.file)))
        return 0
    if args.pg_load:
        from dcmetrics.pg import load

        info = machine()
        print(f"dcmetrics benchmark, PostgreSQL load — {info['nproc']} cores, {info['cpu']}, Python {info['python']}")
        r = load.run(args.pg_load, log=lambda m: print(m, flush=True), app_sessions=4)  # 4 leaders reading pages meanwhile
        print(load.report(r))
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            (Path(args.keep) / "pg_load.json").write_text(json.dumps({"machine": info, **r}, indent=1, default=str))
        return 0 if (r["partial_seen"] == 0 and r["observations_digest_equal"] and r["scores_digest_equal"]
                     and not r.get("page_failures")) else 1
    if args.browser:
        from dcmetrics.perf import browser

        if args.db is None:
            raise SystemExit("--browser needs --db (a copy: the benchmark writes accounts and scores into it)")
        info = machine()
        print(f"dcmetrics benchmark, browser — {info['nproc']} cores, {info['cpu']}, Python {info['python']}, "
              f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        r = browser.run(args.db, args.repeat, args.keep, log=lambda m: print(m, flush=True))
        r["loadavg_end"] = os.getloadavg()
        browser.report(r)
        if args.keep:
            print(f"results: {browser.write(r, Path(args.keep), info)}")
        return 0
    if args.memory:
        from dcmetrics.perf import memory

        info = machine()
        print(f"dcmetrics benchmark, memory — {info['nproc']} cores, {info['cpu']}, Python {info['python']}, "
              f"DuckDB {info['duckdb']}", flush=True)
        r = memory.run(_parse_sizes(args.sizes or "10000,20000,40000"), args.repeat, args.keep, args.workers,
                       log=lambda m: print(m, flush=True))
        memory.report(r)
        if args.keep:
            (Path(args.keep) / "memory.json").write_text(json.dumps({"machine": info, **r}, indent=1, default=str))
        return 0
    if args.pages:
        from dcmetrics.perf import pages

        if args.db is None:
            raise SystemExit("--pages needs --db (a copy: the benchmark writes accounts and scores into it)")
        info = machine()
        print(f"dcmetrics benchmark, pages — {info['nproc']} cores, {info['cpu']}, Python {info['python']}")
        r = pages.run(args.db, [int(n) for n in args.sessions.split(",")], args.rounds, args.repeat,
                      log=lambda m: print(m, flush=True))
        pages.report(r)
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            (Path(args.keep) / "pages.json").write_text(json.dumps({"machine": info, **r}, indent=1))
        return 0
    if args.hostile:
        info = machine()
        print(f"dcmetrics benchmark, hostile uploads — {info['nproc']} cores, {info['cpu']}, Python {info['python']}")
        rows = run_hostile(args.keep, log=lambda m: print(m, flush=True))
        report_hostile(rows)
        if args.keep:
            (Path(args.keep) / "hostile.json").write_text(json.dumps({"machine": info, "files": rows}, indent=1))
        return 0

    args.sizes = args.sizes or "province,nation"
    sizes = _parse_sizes(args.sizes)
    info = machine()
    print(f"dcmetrics benchmark — {info['nproc']} cores, {info['cpu']}, Python {info['python']}, "
          f"DuckDB {info['duckdb']}, Polars {info['polars']}, pandas {info['pandas']}")
    print(f"command: python -m dcmetrics.bench --sizes {args.sizes} --repeat {args.repeat}"
          + (f" --keep {args.keep}" if args.keep else ""), flush=True)
    results = {"machine": info, "argv": sys.argv[1:] if argv is None else argv, "sizes": []}
    for name, n in sizes:
        t0 = time.perf_counter()
        r = run_size(name, n, args.repeat, args.keep, args.workers, log=lambda m: print(m, flush=True))
        r["wall_s"] = time.perf_counter() - t0
        results["sizes"].append(r)
        report(name, r)
        sys.stdout.flush()
        if args.keep:
            (Path(args.keep) / "results.json").write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
