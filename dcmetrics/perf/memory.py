"""Memory of the app's path by number of units, and a district's import at each size.

    python -m dcmetrics.bench --memory [--sizes 10000,20000,40000,80000] [--repeat 3] [--keep DIR]

For each size the bench's own generator (dcmetrics.bench.build_db) writes a fresh database, then
two processes of their own run one job each, so that each peak is that job's alone:

- `build`: the stored scores of the last two years (profile chung, basis appraised), what a server
  finds already built after the first view of a year; its time and peak are reported apart;
- `app`: a new process opening the database as the app does and reading the stored scores
  through the pages' core calls (the sidebar, ranking of every unit and of one province, the
  overview, the year before for the change columns): peak resident memory after that is the
  app's path. Then `repeat` + 1 imports of the first district's ~500-row file through
  dcmetrics.ingest.commit.import_file (the first one untimed), the median reported; the peak
  after the imports too.

The peak is VmHWM, the process' own high-water mark (ru_maxrss would carry the parent's over
fork and exec). MB per 1,000 units is the peak divided by the size; the slope between the
smallest and largest size (MB per 1,000 more units) says whether it grows linearly, apart from
the interpreter's and the libraries' fixed cost (a process that only imports them: `baseline`).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROFILE = "chung"


def _hwm() -> float:
    """Peak resident memory of this process in MB (VmHWM, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_baseline() -> dict:
    from dcmetrics import dashboard, scoring  # noqa: F401  the libraries the app's path loads
    from dcmetrics.ingest import commit  # noqa: F401
    from dcmetrics.store import Store  # noqa: F401

    return {"peak_mb": _hwm()}


def child_build(db: Path) -> dict:
    from dcmetrics import framework, scoring
    from dcmetrics.store import Store

    store = Store(db)
    years = sorted(scoring.scored_years(store))[-2:]
    t0 = time.perf_counter()
    scoring.refresh(store, framework.get_profile(PROFILE), years)
    out = {"years": years, "build_s": time.perf_counter() - t0, "peak_mb": _hwm()}
    store.close()
    return out


def child_app(db: Path, uploads: Path, repeat: int) -> dict:
    from dcmetrics import access, dashboard, framework, scoring, units
    from dcmetrics.ingest import commit as ingest
    from dcmetrics.store import Store

    t0 = time.perf_counter()
    store = Store(db)
    profile = framework.get_profile(PROFILE)
    years = sorted(scoring.scored_years(store))
    year = years[-1]
    province = store.rows("SELECT code FROM units WHERE type = 'province' ORDER BY code LIMIT 1")[0][0]
    units.areas(store, year)
    rows = {}
    for label, f in (("ranking (all units)", dashboard.Filters(year)),
                     ("ranking (one province)", dashboard.Filters(year, area=province)),
                     ("ranking (year before)", dashboard.Filters(year - 1))):
        rows[label] = dashboard.ranking(store, profile, f, actor=access.SYSTEM).height
    dashboard.overview(store, profile, dashboard.Filters(year), actor=access.SYSTEM)
    out = {"app_path_s": time.perf_counter() - t0, "app_path_peak_mb": _hwm(), "rows": rows,
           "n_units": store.rows("SELECT count(*) FROM units")[0][0]}
    meta = json.loads((uploads / "uploads.json").read_text())
    files = [(uploads / name).read_bytes() for name in meta["files"]]
    # the district's figures are approved (a finished year): reopened first, as a reviewer would
    ingest.reopen(store, access.SYSTEM, meta["area"], meta["year"], "benchmark: a corrected file")
    times = []
    for i, content in enumerate(files[: repeat + 1]):
        t1 = time.perf_counter()
        r = ingest.import_file(store, content, f"{meta['year']}/{meta['area']}.csv", meta["year"],
                               area_code=meta["area"], actor=access.SYSTEM)
        if not r.stored:
            raise RuntimeError("the benchmark upload was not stored")
        if i:
            times.append(time.perf_counter() - t1)
    out["import"] = {"rows": meta["rows"], "bytes": len(files[0]), "median_s": statistics.median(times),
                     "max_s": max(times), "min_s": min(times), "n": len(times)}
    out["after_import_peak_mb"] = _hwm()
    store.close()
    return out


def _child(kind: str, work: Path, *args: str) -> dict:
    out = work / f"memory-{kind}.json"
    subprocess.run([sys.executable, "-m", "dcmetrics.perf.memory", kind, str(out), *args], check=True)
    return json.loads(out.read_text())


def run(sizes: list[tuple[str, int]], repeat: int, keep: Path | None, workers: int, log=print) -> dict:
    from dcmetrics import bench

    base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="dcmetrics-memory-"))
    base.mkdir(parents=True, exist_ok=True)
    result = {"baseline": _child("baseline", base), "sizes": [], "repeat": repeat}
    try:
        for name, n in sizes:
            work = base / f"memory-{n}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            db = work / "bench.duckdb"
            log(f"[{name}] generating {n:,} units into {db} (load {os.getloadavg()[0]:.1f})")
            built = bench.build_db(db, n, workers=workers, n_files=repeat + 1, log=log)
            up = built["uploads"]
            updir = work / "upload"
            updir.mkdir()
            names = []
            for i, content in enumerate(up["files"]):
                names.append(f"{up['area']}_{up['year']}_{i}.csv")
                (updir / names[-1]).write_bytes(content)
            (updir / "uploads.json").write_text(json.dumps({"area": up["area"], "year": up["year"],
                                                            "rows": up["rows"], "files": names}))
            log(f"[{name}] {built['counts']['observations']:,} observations in {built['counts']['generate_s']:.0f} s; "
                "building the stored scores of the last two years")
            r = {"size": name, "n_units": n, "counts": built["counts"], "loadavg_start": os.getloadavg()}
            r["build"] = _child("build", work, str(db))
            log(f"[{name}] built in {r['build']['build_s']:.1f} s, peak {r['build']['peak_mb']:.0f} MB; the app's path")
            r["app"] = _child("app", work, str(db), str(updir), str(repeat))
            r["loadavg_end"] = os.getloadavg()
            log(f"[{name}] app's path peak {r['app']['app_path_peak_mb']:.0f} MB; import "
                f"{r['app']['import']['median_s']:.2f} s")
            result["sizes"].append(r)
            if not keep:
                shutil.rmtree(work, ignore_errors=True)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    return result


def slope(result: dict) -> float | None:
    """MB per 1,000 more units between the smallest and the largest size (the app's path)."""
    s = sorted(result["sizes"], key=lambda r: r["n_units"])
    if len(s) < 2:
        return None
    a, b = s[0], s[-1]
    return (b["app"]["app_path_peak_mb"] - a["app"]["app_path_peak_mb"]) / ((b["n_units"] - a["n_units"]) / 1000)


def report(result: dict, out=print) -> None:
    base = result["baseline"]["peak_mb"]
    out(f"\nMemory of the app's path and a district's import, one process per job (baseline: a process that "
        f"only imports the libraries, {base:.0f} MB)")
    out(f"  {'units':>8} {'obs':>11} {'DB MB':>6} {'build s':>8} {'build MB':>9} {'app MB':>7} {'MB/1000':>8} "
        f"{'over base/1000':>15} {'import rows':>12} {'import':>8} {'max':>7} {'after MB':>9}")
    for r in result["sizes"]:
        a, c = r["app"], r["counts"]
        peak = a["app_path_peak_mb"]
        out(f"  {r['n_units']:>8,} {c['observations']:>11,} {c['db_mb']:>6.0f} {r['build']['build_s']:>8.1f} "
            f"{r['build']['peak_mb']:>9.0f} {peak:>7.0f} {peak / r['n_units'] * 1000:>8.1f} "
            f"{(peak - base) / r['n_units'] * 1000:>15.1f} {a['import']['rows']:>12} "
            f"{a['import']['median_s']:>7.2f}s {a['import']['max_s']:>6.2f}s {a['after_import_peak_mb']:>9.0f}")
    k = slope(result)
    if k is not None:
        out(f"  slope, smallest → largest size: {k:.1f} MB per 1,000 more units")


if __name__ == "__main__":
    kind, out_path, *rest = sys.argv[1:]
    if kind == "baseline":
        res = child_baseline()
    elif kind == "build":
        res = child_build(Path(rest[0]))
    else:
        res = child_app(Path(rest[0]), Path(rest[1]), int(rest[2]))
    Path(out_path).write_text(json.dumps(res))
