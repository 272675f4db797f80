"""Exact scores (issue 13): the profile's rounding at the edges, through the SQL chain and the
reference; and every stored number the same digits whichever way it was computed (the chain,
a stored run, a stored run rescored after a partial upload, a full rebuild, the reference)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from conftest import insert_observations, raw_profile_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_scoring import reference_scores
from test_scoring_cases import complete_catalogue, complete_profile

from dcmetrics import scoring
from dcmetrics.framework import parse_catalogue, parse_profile
from dcmetrics.store import Store, bump_data_version

YEAR = 2025
BANDS = [{"level": "Tốt", "min_total": 90, "floor": 0.0, "cap": "Hoàn thành xuất sắc nhiệm vụ"},
         {"level": "Khá", "min_total": 75, "floor": 0.0, "cap": "Hoàn thành tốt nhiệm vụ"},
         {"level": "Trung bình", "min_total": 50, "floor": 0.0, "cap": "Hoàn thành nhiệm vụ"},
         {"level": "Yếu", "min_total": 0, "floor": 0.0, "cap": "Không hoàn thành nhiệm vụ"}]
ALL = ["commune", "agency", "service", "enterprise"]

# raw total -> (decimals, rule) -> kept total and the level it gives (bands 90 / 75 / 50)
EDGES = [
    ("89.995", 2, "half_up", "90.00", "Tốt"),      # a band's edge: half up reaches it
    ("89.994999", 2, "half_up", "89.99", "Khá"),
    ("89.995001", 2, "half_up", "90.00", "Tốt"),
    ("74.995", 2, "half_up", "75.00", "Khá"),
    ("74.994999", 2, "half_up", "74.99", "Trung bình"),
    ("84.275", 2, "half_up", "84.28", "Khá"),      # .xx5
    ("84.274999", 2, "half_up", "84.27", "Khá"),   # .xx49999
    ("84.275001", 2, "half_up", "84.28", "Khá"),   # .xx50001
    ("99.705", 2, "half_up", "99.71", "Tốt"),      # the halves of the issue (chung 2024: DN99301 ...)
    ("43.745", 2, "half_up", "43.75", "Yếu"),
    ("85.235", 2, "half_up", "85.24", "Khá"),
    ("89.999", 2, "truncate", "89.99", "Khá"),     # a profile that cuts
    ("89.95", 1, "half_up", "90.0", "Tốt"),
    ("89.5", 0, "half_up", "90", "Tốt"),
    ("49.5", 0, "truncate", "49", "Yếu"),
]


def one_percent_case(value: str, decimals: int, rule: str) -> tuple[dict, dict, list, list]:
    """One group of 100 points, one percent indicator scored against 100: the total is the value."""
    catalogue = {"version": "1", "indicators": {"P": {"kind": "percent", "applies": ALL,
                                      "rule": {"type": "proportional", "target": 100}}}}
    profile = {"groups": [{"key": "G1", "number": "1", "name": "Nhóm", "clause": "Điều 1", "points": 100,
                           "items": [{"indicator": "P", "clause": "Điều 1"}]}],
               "bands": BANDS, "rounding": {"total_decimals": decimals, "group_decimals": decimals,
                                            "rule": rule, "source": "qd-thu"},
               "sources": {"qd-thu": {"kind": "decision", "number": "12/QĐ-UBND", "date": "05/01/2026",
                                      "issuer": "UBND tỉnh thử"}}}
    units = [{"code": "A", "type": "commune"}]
    observations = [{"unit_code": "A", "indicator": "P", "value": float(value)}]
    return catalogue, profile, units, observations


def sql_scores(catalogue: dict, profile: dict, units: list, observations: list, year: int = YEAR):
    raw_profile = complete_profile(profile)
    parsed = parse_profile(raw_profile, parse_catalogue(complete_catalogue(catalogue, raw_profile["document"])))
    store = Store(":memory:")
    try:
        insert_observations(store, units, observations, year)
        return scoring.score(store, parsed, [year]), parsed
    finally:
        store.close()


@pytest.mark.parametrize(("raw", "decimals", "rule", "total", "level"), EDGES)
def test_rounding_at_the_edges(raw, decimals, rule, total, level):
    catalogue, profile, units, observations = one_percent_case(raw, decimals, rule)
    result, parsed = sql_scores(catalogue, profile, units, observations)
    row = result.year(YEAR).row(0, named=True)
    assert parsed.rounding.rule == rule
    assert parsed.rounding.source == "Quyết định số 12/QĐ-UBND ngày 05/01/2026 của UBND tỉnh thử"
    assert row["raw_total"] == float(raw)  # the unrounded value stays for the drill-down
    assert row["total"] == float(total)
    assert row["level"] == level
    assert result.groups["points"].to_list() == [float(total)]
    assert result.groups["raw_points"].to_list() == [float(raw)]
    ref = reference_scores(catalogue, profile, pl.DataFrame(units),
                           pl.DataFrame(observations, schema={"unit_code": pl.String, "indicator": pl.String,
                                                              "value": pl.Float64}))
    assert ref["total"].to_list() == [Decimal(total)]
    assert ref["level"].to_list() == [level]


def test_an_exact_half_from_a_ratio_is_not_rounded_down():
    """5 of 6 complaints settled in a group of 30 points with weights 1 + 1 + 2: 28.75 exactly,
    though 5/6 is cut at 12 decimals on the way (the sample's SN99701 lands on 67.775)."""
    catalogue = {"version": "1", "indicators": {
        "R": {"kind": "ratio", "applies": ALL, "rule": {"type": "ratio", "zero_denominator": "full",
                                                        "then": "proportional", "target": 100}},
        "Y": {"kind": "yesno", "applies": ALL, "rule": {"type": "yesno"}},
        "Z": {"kind": "yesno", "applies": ALL, "rule": {"type": "yesno"}},
        "P": {"kind": "percent", "applies": ALL, "rule": {"type": "proportional", "target": 100}}}}
    profile = {"groups": [
        {"key": "G1", "number": "1", "name": "Nhóm 1", "clause": "Điều 1", "points": 30,
         "items": [{"indicator": "R", "clause": "x"}, {"indicator": "Y", "clause": "x"},
                   {"indicator": "Z", "clause": "x", "weight": 2}]},
        {"key": "G2", "number": "2", "name": "Nhóm 2", "clause": "Điều 2", "points": 70,
         "items": [{"indicator": "P", "clause": "x"}]}], "bands": BANDS}
    units = [{"code": "A", "type": "commune"}]
    observations = [{"unit_code": "A", "indicator": "R", "num": 5.0, "den": 6.0},
                    {"unit_code": "A", "indicator": "Y", "value": 1.0},
                    {"unit_code": "A", "indicator": "Z", "value": 1.0},
                    {"unit_code": "A", "indicator": "P", "value": 56.25}]  # 39.375 points
    result, _ = sql_scores(catalogue, profile, units, observations)
    row = result.year(YEAR).row(0, named=True)
    assert result.groups["points"].to_list() == [28.75, 39.38]  # 39.375 kept half up
    assert row["total"] == 68.13  # 28.75 + 39.375 = 68.125 -> 68.13
    obs = pl.DataFrame(observations, schema={"unit_code": pl.String, "indicator": pl.String, "value": pl.Float64,
                                             "num": pl.Float64, "den": pl.Float64})
    ref = reference_scores(catalogue, profile, pl.DataFrame(units), obs)
    assert ref["total"].to_list() == [Decimal("68.13")]


# ----------------------------------------------------------------- every way, the same digits

N_UNITS = 12
UNIT_NUMBERS = ("base", "deduction", "bonus", "raw_total", "total", "level", "rated", "rank", "rank_parent",
                "rank_type", "rank_cluster", "n_rated", "held_by", "group_points")


def values_of(profile) -> dict:
    """A strategy per indicator the profile reads that a unit reports itself (the level above
    enters the others, as appraisals)."""
    out = {}
    for ind in profile.indicators():
        if ind.entered_by == "superior":
            continue
        if ind.kind == "percent":
            s = st.decimals(0, 100, places=3).map(float)
        elif ind.kind == "count":
            s = st.integers(0, 6).map(float)
        elif ind.kind == "yesno":
            s = st.sampled_from([0.0, 1.0])
        elif ind.kind == "points":
            n = int(round(ind.max / ind.step))
            s = st.integers(0, n).map(lambda k, step=ind.step: round(k * step, 6))
        else:
            s = st.integers(0, 9).flatmap(lambda den: st.tuples(st.integers(0, den), st.just(den)))
        out[ind.code] = (ind.kind, s)
    return out


@st.composite
def submissions(draw, profile):
    types = ["commune", "agency", "service", "enterprise"]
    units = [{"code": f"U{i:02d}", "type": draw(st.sampled_from(types)), "parent_code": f"P{i % 2}",
              "cluster": draw(st.sampled_from(["K1", "K2"]))} for i in range(N_UNITS)]

    def report(unit_code: str) -> list[dict]:
        rows = []
        for code, (kind, strategy) in values_of(profile).items():
            if draw(st.integers(0, 9)) == 0:  # now and then left empty
                continue
            v = draw(strategy)
            if kind == "ratio":
                rows.append({"unit_code": unit_code, "indicator": code, "num": float(v[0]), "den": float(v[1])})
            else:
                rows.append({"unit_code": unit_code, "indicator": code, "value": v})
        return rows

    first = [r for u in units for r in report(u["code"])]
    changed = draw(st.lists(st.sampled_from([u["code"] for u in units]), min_size=1, max_size=3, unique=True))
    again = [r for c in changed for r in report(c)]
    return units, first, sorted(changed), again


def resubmit(store: Store, unit_codes: list[str], observations: list[dict], year: int) -> None:
    """A later file for some units only: theirs are replaced, the others keep their figures."""
    with store.transaction() as cur:
        sid = cur.execute("INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows) "
                          "VALUES ('T', $y, 'again.csv', 'y', ''::BLOB, 'test', 0) RETURNING id",
                          {"y": year}).fetchone()[0]
        for code in unit_codes:
            cur.execute("INSERT INTO observations VALUES ($s, $u, $y, '__none__', NULL, NULL, NULL, NULL)",
                        {"s": sid, "u": code, "y": year})
        for o in observations:
            cur.execute("INSERT INTO observations VALUES ($s, $u, $y, $i, $v, $n, $d, NULL)",
                        {"s": sid, "u": o["unit_code"], "y": year, "i": o["indicator"], "v": o.get("value"),
                         "n": o.get("num"), "d": o.get("den")})
        # the new figures, approved as insert_observations' are (the appraised basis reads those only)
        cur.execute("INSERT OR REPLACE INTO unit_reviews (unit_code, year, submission_id, state) "
                    "SELECT unnest($u), $y, $s, 'approved'", {"u": list(unit_codes), "y": year, "s": sid})
        bump_data_version(cur, year, unit_codes)


def stored_rows(store: Store, run_id: int) -> dict[str, list]:
    """Every stored number of a run, as the text of its DECIMAL (the last digit counts)."""
    units = store.rows("SELECT unit_code, " + ", ".join(f"CAST({c} AS VARCHAR)" for c in UNIT_NUMBERS)
                       + " FROM score_units WHERE run_id = $r ORDER BY unit_code", {"r": run_id})
    groups = store.rows("SELECT unit_code, group_key, CAST(points AS VARCHAR), CAST(raw_points AS VARCHAR), "
                        "n_missing FROM score_groups WHERE run_id = $r ORDER BY 1, 2", {"r": run_id})
    items = store.rows("SELECT unit_code, indicator, CAST(attainment AS VARCHAR), CAST(points AS VARCHAR), "
                       "CAST(max_points AS VARCHAR), missing, not_applicable FROM score_items WHERE run_id = $r "
                       "ORDER BY 1, 2", {"r": run_id})
    return {"units": units, "groups": groups, "items": items}


def final_observations(first: list[dict], changed: list[str], again: list[dict]) -> list[dict]:
    return [o for o in first if o["unit_code"] not in changed] + again


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_chain_stored_run_partial_rescore_rebuild_and_reference_agree(profiles, data):
    profile = profiles[data.draw(st.sampled_from(["chung", "thai-nguyen", "tiep-can-phap-luat-mau"]))].in_force(YEAR)
    units, first, changed, again = data.draw(submissions(profile))

    partial = Store(":memory:")
    rebuilt = Store(":memory:")
    try:
        insert_observations(partial, units, first, YEAR)
        scoring.refresh(partial, profile, [YEAR])
        resubmit(partial, changed, again, YEAR)
        run = scoring.refresh(partial, profile, [YEAR])[YEAR]
        assert partial.rows("SELECT last_mode FROM score_runs WHERE id = $r", {"r": run}) == [("units",)]

        insert_observations(rebuilt, units, final_observations(first, changed, again), YEAR)
        rebuilt_run = scoring.refresh(rebuilt, profile, [YEAR])[YEAR]
        assert stored_rows(partial, run) == stored_rows(rebuilt, rebuilt_run)

        # the chain straight from the observations, as floats of the same decimals
        chain = scoring.score(partial, profile, [YEAR]).year(YEAR).sort("unit_code")
        stored = scoring.stored_score(partial, profile, [YEAR]).year(YEAR).sort("unit_code")
        for col in ("total", "raw_total", "level", "rank", "rank_parent", "rank_cluster", "held_by"):
            assert chain[col].to_list() == stored[col].to_list(), col

        # the independent reference, on the decimals themselves
        obs = pl.DataFrame(final_observations(first, changed, again),
                           schema={"unit_code": pl.String, "indicator": pl.String, "value": pl.Float64,
                                   "num": pl.Float64, "den": pl.Float64})
        ref = reference_scores(catalogue_raw(), raw_profile_of(profile), pl.DataFrame(units), obs).sort("unit_code")
        totals = partial.rows("SELECT unit_code, total, raw_total, level FROM score_units WHERE run_id = $r "
                              "ORDER BY unit_code", {"r": run})
        assert [t[1] for t in totals] == ref["total"].to_list()
        assert [t[2] for t in totals] == ref["raw_total"].to_list()
        assert [t[3] for t in totals] == ref["level"].to_list()
    finally:
        partial.close()
        rebuilt.close()


def catalogue_raw() -> dict:
    import tomllib

    from dcmetrics import config
    return tomllib.loads((config.FRAMEWORKS_DIR / "catalogue.toml").read_text(encoding="utf-8"))


def test_a_profile_limited_to_some_unit_types_scores_only_those(profiles):
    """A resolution for agencies only: its communes are not scored by it (SQL and reference)."""
    catalogue, profile, _, _ = one_percent_case("80", 2, "half_up")
    profile["unit_types"] = ["agency", "service"]
    units = [{"code": "X", "type": "commune"}, {"code": "Y", "type": "agency"}]
    observations = [{"unit_code": u, "indicator": "P", "value": 80.0} for u in ("X", "Y")]
    result, parsed = sql_scores(catalogue, profile, units, observations)
    assert parsed.unit_types == ("agency", "service")
    assert result.year(YEAR)["unit_code"].to_list() == ["Y"]
    ref = reference_scores(catalogue, profile, pl.DataFrame(units),
                           pl.DataFrame(observations, schema={"unit_code": pl.String, "indicator": pl.String,
                                                              "value": pl.Float64}))
    assert ref["unit_code"].to_list() == ["Y"]
