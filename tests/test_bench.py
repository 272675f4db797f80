"""The benchmark's smoke test (nothing here is timed): it runs end to end at a toy size, its
pandas reference gives the SQL's totals, and the scaled generator makes data an upload accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pandas")

from dcmetrics import bench, sample, scoring  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_bench_runs_at_toy_size(tmp_path):
    # as a user runs it, in a process of its own: its worker processes are started with "spawn",
    # which re-imports the parent's __main__, and after an AppTest in this process that would be
    # the app's script
    done = subprocess.run([sys.executable, "-m", "dcmetrics.bench", "--sizes", "toy=150", "--repeat", "1",
                           "--keep", str(tmp_path), "--workers", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "=== toy: 150 units" in out
    assert "PASS  pandas reference = SQL totals (1e-6)" in out
    for goal in ("scan bound", "faster than pandas", "rescore", "page", "import", "peak memory"):
        assert goal in out
    result = json.loads((tmp_path / "results.json").read_text())["sizes"][0]
    check = result["pandas"]["check"]
    assert check["max_abs_total_diff"] <= bench.TOLERANCE
    assert check["units_not_in_both"] == 0 and check["units_sql"] == 150
    assert result["counts"]["units"] == 150
    assert result["app"]["upload"]["rows"] == 110  # the district's units (the province's 40 bodies aside)
    assert set(result["app"]["steps"]) >= {sql for _, sql in scoring.CHAIN}
    # profiles by territory: a district under a second profile, the rest ranked apart
    ter = result["app"]["territory"]
    assert 0 < ter["n_own_units"] < 150 and ter["set_assignments_s"] > 0
    assert "profiles by territory (one district under a second profile)" in out
    assert "Bản đồ (map page)" in out


@pytest.mark.parametrize("basis", ["appraised", "self"])
def test_pandas_reference_equals_sql_on_the_sample(sample_store, profiles, basis):
    year = 2025  # the year with the merged communes
    for profile in profiles.values():
        ref = bench.pandas_score(bench.pandas_load(sample_store, year), profile, basis)
        check = bench.compare_with_sql(scoring.score(sample_store, profile, [year], basis).year(year), ref)
        assert check["max_abs_total_diff"] <= bench.TOLERANCE, (profile.id, check)
        # (appraised: the 95 units of 2025 whose figures are approved; self: all 132)
        assert check["units_not_in_both"] == 0 and check["units_sql"] > (120 if basis == "self" else 90), (
            profile.id, check)
        assert check["level_mismatches"] == check["rated_mismatches"] == check["rank_mismatches"] == 0, (profile.id, check)


def test_scaled_generator_is_deterministic_and_sized():
    for n in (150, 1_000, 40_000, 200_000):
        layout = sample.scaled_layout(n)
        assert sum(map(sum, layout)) + sample.scaled_bodies(n) * len(layout) == n
    layout, bodies = sample.scaled_layout(1_000), sample.scaled_bodies(1_000)
    a = sample.scaled_frames(sample.scaled_province(7, 0, layout[0], bodies, (2024, 2025)))
    b = sample.scaled_frames(sample.scaled_province(7, 0, layout[0], bodies, (2024, 2025)))
    for name in a:
        assert a[name].equals(b[name])
    units = a["units"]
    assert units.filter(pl.col("type").is_in(list(sample.EVALUATED))).height == 1_000
    assert units["code"].n_unique() == units.height
    obs = a["observations"]
    assert obs.select("year", "unit_code", "indicator").is_duplicated().sum() == 0
    assert obs["area_code"].n_unique() == len(layout[0]) + 1  # the districts and the province itself


def test_hostile_phase_measures_one_file_in_its_own_process(tmp_path):
    """`--hostile` reads each file as the app does and reports the refusal (the figures are the bench's)."""
    path = tmp_path / "46-cell-at-XFD1048576.xlsx"
    path.write_bytes((ROOT / "tests" / "upload_corpus" / path.name).read_bytes())
    out = tmp_path / "r.json"
    subprocess.run([sys.executable, "-m", "dcmetrics.bench", "--child", "hostile", "--file", str(path),
                    "--out", str(out)], cwd=ROOT, check=True, timeout=120)
    r = json.loads(out.read_text())
    assert r["outcome"] == ("tệp: Tệp «46-cell-at-XFD1048576.xlsx», trang «Số liệu»: có dữ liệu ở cột XFD "
                            "(cột thứ 16.384), vượt giới hạn 500 cột.")
    assert r["bytes"] == 1581 and r["VmHWM"] > 0 and r["wall_s"] >= 0


def test_memory_phase_reads_the_app_path_and_imports_at_two_sizes(tmp_path):
    # issue 19: memory by units and a district's import, each job in a process of its own
    done = subprocess.run([sys.executable, "-m", "dcmetrics.bench", "--memory", "--sizes", "150,300", "--repeat", "1",
                           "--keep", str(tmp_path), "--workers", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "memory.json").read_text())
    assert [r["n_units"] for r in result["sizes"]] == [150, 300]
    for r in result["sizes"]:
        app = r["app"]
        # the whole ranking holds every generated unit; one province is part of it at 300 (two provinces)
        assert app["rows"]["ranking (all units)"] == r["n_units"] == r["counts"]["units"]
        assert 0 < app["rows"]["ranking (one province)"] <= r["n_units"]
        assert r["build"]["years"] == [2024, 2025]
        assert app["import"]["n"] == 1 and app["import"]["rows"] > 0
        assert app["app_path_peak_mb"] > result["baseline"]["peak_mb"] > 0
        assert app["after_import_peak_mb"] >= app["app_path_peak_mb"]
    assert "slope, smallest → largest size:" in done.stdout
    assert "MB per 1,000 more units" in done.stdout
