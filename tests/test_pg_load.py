"""The load of issue 21 on one PostgreSQL database, through the real commit path: 34 writer
processes (each its own district) and 4 readers at once, one writer killed (SIGKILL) inside a
commit while it holds the writer lock. 3 commits per writer here; the benchmark runs 34 × 10
(`python -m dcmetrics.bench --pg-load URL`, figures in docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl
import pytest

from dcmetrics import config
from dcmetrics.pg import load

WRITERS, COMMITS, READERS, VICTIM = 34, 3, 4, 7


def test_34_writers_and_4_readers_lose_nothing_and_see_nothing_partial(pg_url):
    # in an interpreter of its own: its 38 processes start from a clean parent, not from a test
    # process that ran hundreds of tests before (there they twice failed to reach the start)
    code = ("import json, sys; from dcmetrics.pg import load\n"
            f"out = load.run(sys.argv[1], {WRITERS}, {COMMITS}, {READERS}, kill_writer={VICTIM}, kill_at=1, "
            "log=lambda *a: None)\n"
            "print(json.dumps(out, default=str))\n")
    run = subprocess.run([sys.executable, "-c", code, pg_url], capture_output=True, text=True, timeout=900,
                         cwd=config.ROOT, env={**os.environ, "PYTHONPATH": str(config.ROOT)})
    assert run.returncode == 0, run.stderr[-4000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    out["exit_codes"] = {k: int(v) for k, v in out["exit_codes"].items()}
    # the victim committed its first file, died inside its second; the other 33 wrote all theirs
    assert out["killed"] == VICTIM and out["exit_codes"][f"writer{VICTIM}"] == -9
    assert all(code == 0 for who, code in out["exit_codes"].items() if who != f"writer{VICTIM}"), out["exit_codes"]
    stored = (WRITERS - 1) * COMMITS + 1
    assert out["commits"] == stored == out["data_version_added"] == out["data_changes_added"]
    # each area: exactly its writer's commits, one current; every observation once, as embedded
    assert out["submissions_by_area_ok"] and out["doubled_observations"] == 0
    assert out["observations"] == out["observations_expected"] == stored * 776
    assert out["observations_digest_equal"] and out["scores_digest_equal"]
    # the readers read all along and never saw part of a commit, nor the data version go back
    assert out["reads"] >= READERS * 2
    assert out["partial_seen"] == 0, out["partial_examples"]
    assert out["version_went_back"] == 0
    assert out["commits_per_s"] > 0 and out["reader_p95_s"] >= out["reader_p50_s"] > 0


_SUBS = pl.DataFrame({"id": [1, 2], "sha256": ["a", "b"]})
_PER_FILE, _PER_AREA = {"a": 3, "b": 2}, {"700": 2, "701": 2}


@pytest.mark.parametrize("counts, current, seen", [
    ({1: 3, 2: 2}, ["70001", "CQ70001", "70101", "70102"], []),  # whole files, whole current values
    ({1: 3, 2: 2}, [], []),  # nothing current yet: not partial
    ({1: 3, 2: 1}, [], [("submission", 2, 1, 2)]),  # listed before all its observations were there
    ({1: 3}, [], [("submission", 2, 0, 2)]),  # listed without any
    ({1: 3, 2: 2}, ["70001", "70101", "70102"], [("current", "700", 1, 2)]),  # part of area 700's file
    ({1: 3, 2: 2}, ["70001", "CQ70001", "70002", "99001"], [("current", "700", 3, 2)]),  # two files mixed
])
def test_the_readers_check_sees_a_partial_commit(counts, current, seen):
    values = pl.DataFrame({"unit_code": current}, schema={"unit_code": pl.String})
    assert sorted(load.partial_reads(_SUBS, counts, values, _PER_FILE, _PER_AREA)) == sorted(seen)
