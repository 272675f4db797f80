"""A district's upload at national size, then scoring.refresh + cached_score, CPU and wall (docs/benchmarks.md «readpatch»).

    PYTHONPATH=. python3 scripts/rescore_read_bench.py COPY.duckdb bench|approve [N]

COPY: a copy of a national database whose stored runs of chung are built (never the original; it is written). «bench»: the district reopened,
its new figures await review; «approve»: each upload approved before the refresh. N timed after one untimed;
CHECK=1 also compares the read with a full read (outside the timing)."""
import os
import statistics
import sys
import time

from dcmetrics import access, bench, framework, sample, scoring
from dcmetrics.ingest import commit as ingest
from dcmetrics.store import Store

db, case, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5
years = (2023, 2024, 2025)
layout = sample.scaled_layout(40_000)
indicators = sample.load_catalogue(bench.frameworks_dir() / "catalogue.toml")
prov = sample.scaled_province(bench.SEED, 0, layout[0], sample.scaled_bodies(40_000), years, indicators)
up = bench.district_files(prov, years[-1], indicators, n + 1)
store = Store(db)
profile = framework.get_profile("chung")
y = up["year"]
scoring.cached_score(store, profile, [y])  # warm: the read kept once
state = store.rows("SELECT state, count(*) FROM unit_reviews WHERE year = $y AND unit_code IN "
                   "(SELECT code FROM units WHERE parent_code = $a) GROUP BY ALL", {"y": y, "a": up["area"]})
if any(s == "approved" for s, _ in state):
    ingest.reopen(store, access.SYSTEM, up["area"], y, "benchmark: a corrected file")
rows = []
for i, content in enumerate(up["files"]):
    r = ingest.import_file(store, content, f"{y}/{up['area']}.csv", y, access.SYSTEM, area_code=up["area"])
    assert r.stored
    if case == "approve":
        ingest.approve(store, access.SYSTEM, up["area"], y)
    c0, w0 = time.process_time(), time.perf_counter()
    scoring.refresh(store, profile, [y - 1, y])
    c1, w1 = time.process_time(), time.perf_counter()
    res = scoring.cached_score(store, profile, [y])
    c2, w2 = time.process_time(), time.perf_counter()
    if os.environ.get("CHECK"):
        _, runs = scoring._stored_runs(store, profile, [y], "appraised")
        full = scoring._stored_units(store, runs)
        assert res.units.equals(full), "patched read differs"
        print("equal", res.units.height, flush=True)
    if case == "approve":
        ingest.reopen(store, access.SYSTEM, up["area"], y, "benchmark: a corrected file")
    if i:
        rows.append((c1 - c0, c2 - c1, c2 - c0, w1 - w0, w2 - w1, w2 - w0))
med = [statistics.median(c) for c in zip(*rows)]
print(f"{case}: n={len(rows)} units={res.units.height} load={os.getloadavg()[0]:.1f}")
print("  CPU  refresh {:.3f} read {:.3f} total {:.3f} | wall refresh {:.3f} read {:.3f} total {:.3f}".format(*tuple(med)))
print("  CPU totals", " ".join(f"{r[2]:.3f}" for r in rows))
store.close()
