"""Sensitivity of ranks and the shortlist to the group weights: exact at r = 0 (every interval the
stored rank, the shortlist as stored), reproducible with its seed, invariants over any input,
access by area, the export says how it was computed."""

from __future__ import annotations

import io

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcmetrics import exports, scoring, shortlist
from dcmetrics.analysis import sensitivity as se
from dcmetrics.dashboard import own_units
from dcmetrics.errors import AccessDenied, DcmetricsError

YEAR = 2024
LEADER, COMMITTEE = "lanhdao.tinh", "thiduakhenthuong"


def test_r_zero_gives_back_every_stored_rank_and_the_shortlist(sample_store, profiles):
    profile = profiles["chung"]
    for basis in ("appraised", "self"):
        res = se.analyse(sample_store, COMMITTEE, profile, YEAR, basis, r=0.0, n=7, seed=1)
        assert res.reproduces_stored and res.mismatches == 0
        stored = own_units(sample_store, scoring.cached_score(sample_store, profile, [YEAR], basis).year(YEAR),
                           profile.id, YEAR)
        got = res.units.join(stored.select("unit_code", pl.col("rank").alias("stored_rank")), on="unit_code")
        assert got.height == stored.height > 200
        rated = got.filter(pl.col("rated"))
        assert (rated["rank_p05"] == rated["stored_rank"]).all()
        assert (rated["rank_median"] == rated["stored_rank"]).all()
        assert (rated["rank_p95"] == rated["stored_rank"]).all()
        assert (rated["rank_width"] == 0).all()
        assert got.filter(~pl.col("rated"))["rank_median"].null_count() == got.filter(~pl.col("rated")).height
        # the shortlist: stays on it in every draw exactly when the stored shortlist proposes it
        sl = shortlist.shortlist(sample_store, COMMITTEE, profile, YEAR,
                                 shortlist.Rules.from_profile(profile.in_force(YEAR), basis=basis)).units
        want = dict(zip(sl["unit_code"], sl["selected"]))
        assert res.with_shortlist and res.units["shortlisted"].sum() == sum(want.values()) > 0
        for code, share in zip(res.units["unit_code"], res.units["stay_share"]):
            assert share == (1.0 if want.get(code) else 0.0)


def test_the_same_seed_gives_the_same_result_and_another_seed_another(sample_store, profiles):
    profile = profiles["chung"]
    a = se.analyse(sample_store, COMMITTEE, profile, YEAR, r=0.4, n=60, seed=42)
    b = se.analyse(sample_store, COMMITTEE, profile, YEAR, r=0.4, n=60, seed=42)
    c = se.analyse(sample_store, COMMITTEE, profile, YEAR, r=0.4, n=60, seed=43)
    assert a.units.equals(b.units)
    cols = ["rank_p05", "rank_median", "rank_p95"]
    assert not a.units.select(cols).equals(c.units.select(cols))
    assert (a.seed, a.n, a.r) == (42, 60, 0.4)
    # weights varied: some unit's rank moves
    assert a.units["rank_width"].max() > 0


def test_a_unit_with_every_point_stays_first(sample_store, profiles):
    """The factors are renormalised so the groups' maxima still add up to the total maximum: a
    unit with full points in every group keeps the maximum, and rank 1, in every draw."""
    profile = profiles["chung"]
    res = se.analyse(sample_store, LEADER, profile, YEAR, r=0.5, n=80, seed=3)
    full = res.units.filter(pl.col("total") == profile.in_force(YEAR).total_max)
    assert full.height >= 1
    assert (full["rank_p95"] == 1).all() and (full["rank_median"] == 1).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(r=st.floats(0, 0.9), n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_invariants(sample_store, profiles, r, n, seed):
    res = se.analyse(sample_store, COMMITTEE, profiles["chung"], YEAR, r=r, n=n, seed=seed)
    rated = res.units.filter(pl.col("rated"))
    n_rated = rated.height
    assert (rated["rank_p05"] <= rated["rank_median"]).all()
    assert (rated["rank_median"] <= rated["rank_p95"]).all()
    assert rated["rank_p05"].min() >= 1 and rated["rank_p95"].max() <= n_rated
    shares = res.units["stay_share"]
    assert ((shares >= 0) & (shares <= 1)).all()
    assert ((shares * n).round(6) == (shares * n).round(0)).all()  # a count of draws
    assert res.reproduces_stored


def test_area_and_permissions(sample_store, profiles):
    profile = profiles["chung"]
    with pytest.raises(AccessDenied):
        se.analyse(sample_store, "canbo.99401", profile, YEAR, area="991")
    district = se.analyse(sample_store, "canbo.991", profile, YEAR, n=20)
    assert district.area_code == "991" and not district.with_shortlist
    assert "stay_share" not in district.units.columns
    assert district.units["parent_code"].unique().to_list() == ["991"]
    # ranks stay the overall ones (Hạng chung), also for a district's view
    whole = se.analyse(sample_store, LEADER, profile, YEAR, n=20).units
    part = whole.filter(pl.col("unit_code").is_in(district.units["unit_code"].implode()))
    assert part.sort("unit_code")["rank"].equals(district.units.sort("unit_code")["rank"])
    assert not se.analyse(sample_store, LEADER, profile, YEAR, n=5).with_shortlist


@pytest.mark.parametrize("kwargs,words", [({"r": 1.2}, "Biên độ r"), ({"n": 0}, "Số lần rút"),
                                          ({"n": 10**6}, "Số lần rút"), ({"seed": -1}, "Hạt giống")])
def test_bad_inputs_are_refused(sample_store, profiles, kwargs, words):
    with pytest.raises(DcmetricsError, match=words):
        se.analyse(sample_store, LEADER, profiles["chung"], YEAR, **kwargs)


def test_export_records_method_n_r_seed_and_version(sample_store, profiles):
    res = se.analyse(sample_store, COMMITTEE, profiles["chung"], YEAR, r=0.2, n=30, seed=99)
    notes = res.notes()
    text = "\n".join(n for n in notes if n)
    assert "N = 30" in text and "r = 0,20" in text and "seed) = 99" in text
    assert f"phiên bản {profiles['chung'].in_force(YEAR).version}" in text and "Monte Carlo" in text
    assert "trùng với kết quả đã lưu" in text
    frame = res.export_frame()
    assert {"Hạng trung vị", "Hạng tốt (5 %)", "Hạng kém (95 %)", "Tỷ lệ ở lại danh sách"} <= set(frame.columns)
    back = pl.read_csv(io.BytesIO(exports.csv_bytes(frame, "std")))
    assert back.height == res.units.height
    assert back["Hạng trung vị"].to_list() == frame["Hạng trung vị"].to_list()
    vi = pl.read_csv(io.BytesIO(exports.csv_bytes(frame, "vi")[3:]), separator=";")
    assert vi.height == res.units.height
    xlsx = exports.xlsx_bytes(frame, "Độ nhạy", notes)
    assert xlsx[:2] == b"PK"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 50), st.booleans()), min_size=1, max_size=60))
def test_counting_ranks_equal_polars_ranks(rows):
    """The draws' ranks (by counting, overall and within groups) are ranks.sql's: ties share the
    lowest rank, only the masked units count."""
    import numpy as np

    group = np.array([g for g, _, _ in rows], dtype=np.int64)
    total = np.array([t for _, t, _ in rows], dtype=np.int64)
    mask = np.array([m for _, _, m in rows])
    frame = pl.DataFrame({"g": group, "t": total, "m": mask})
    tm = pl.when(pl.col("m")).then(pl.col("t"))
    want = frame.select(tm.rank("min", descending=True).alias("all"),
                        tm.rank("min", descending=True).over("g").alias("grp"))
    got_all = se.rank_min(total, mask, 50)
    got_grp = se.rank_in_groups(total, group, mask, 50)
    for i in np.flatnonzero(mask):
        assert got_all[i] == want["all"][int(i)] and got_grp[i] == want["grp"][int(i)]
