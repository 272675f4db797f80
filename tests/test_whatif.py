"""What-if on the unit page, on both stores: a hypothetical scored by the same chain equals what a real upload of
the same values gives; the suggestions reach the level they promise; access by area."""

from __future__ import annotations

import polars as pl
import pytest
from test_ingest import edit

from dcmetrics import config, scoring
from dcmetrics.analysis import whatif
from dcmetrics.dashboard import own_units
from dcmetrics.errors import AccessDenied, InputError
from dcmetrics.ingest import commit as ingest

YEAR, AREA, UNIT = 2024, "991", "99001"
LEADER, OFFICER, REVIEWER = "lanhdao.tinh", "canbo.991", "thamdinh.tinh"


def _cell(kind: str, v) -> str:
    if kind == "yesno":
        return "Có" if v == 1 else "Không"
    return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _uploaded(changes: dict, kinds: dict, content: bytes | None = None) -> bytes:
    """The district's 2024 file (or `content`) with the unit's cells changed as `changes` says."""
    content = content or (config.SAMPLE_DIR / str(YEAR) / f"{AREA}.csv").read_bytes()
    lines = content.decode("utf-8-sig").splitlines()
    row = next(i for i, line in enumerate(lines, 1) if line.startswith(UNIT + ","))
    for code, v in changes.items():
        if kinds[code] == "ratio":
            content = edit(content, row, f"{code}__TU", _cell("count", v[0]))
            content = edit(content, row, f"{code}__MAU", _cell("count", v[1]))
        else:
            content = edit(content, row, code, _cell(kinds[code], v))
    return content


def _stored(store, profile, basis):
    units = own_units(store, scoring.stored_score(store, profile, [YEAR], basis).year(YEAR), profile.id, YEAR)
    return units.filter(pl.col("unit_code") == UNIT).row(0, named=True)


CASES = [  # (what it shows, changes), applied one after the other, each upload on top of the last
    ("raise one value", {"TRAIN_STAFF": 100.0}),
    ("lower one value (a ratio)", {"RESP_COMPLAINTS": (3.0, 10.0)}),
    ("empty a value: missing, scored 0, incomplete", {"TRAIN_VILLAGE": None}),
    ("veto: three violations cap the level", {"DISC_VIOLATIONS": 3.0, "DISC_HANDLED": (3.0, 3.0)}),
    ("several at once, the veto lifted", {"INSP_REPORT_ON_TIME": 1.0, "TRAIN_CLASSES": 3.0,
                                          "DISC_VIOLATIONS": 0.0, "DISC_HANDLED": (0.0, 0.0)}),
]


def test_what_if_equals_a_real_upload(any_fresh_sample_store, profiles):
    store, profile = any_fresh_sample_store, profiles["chung"]
    seen_levels, content = set(), None
    for what, changes in CASES:
        base = whatif.unit_values(store, LEADER, profile, UNIT, YEAR, "self")
        kinds = dict(zip(base.values["indicator"], base.values["kind"]))
        sim = whatif.simulate(store, LEADER, profile, UNIT, YEAR, "self", changes)
        assert set(sim.changed) == set(changes), what
        assert sim.before.total == pytest.approx(_stored(store, profile, "self")["total"], abs=1e-9)
        assert sim.after.total != sim.before.total or sim.after.level != sim.before.level, what

        content = _uploaded(changes, kinds, content)
        ingest.import_file(store, content, "sua.csv", YEAR, OFFICER, area_code=AREA)
        real = _stored(store, profile, "self")
        assert sim.after.total == pytest.approx(real["total"], abs=1e-9), what
        assert (sim.after.level, sim.after.rated, sim.after.rank) == (real["level"], real["rated"], real["rank"]), what
        assert (sim.after.capped_by, sim.after.held_by) == (real["capped_by"], real["held_by"]), what
        groups = scoring.stored_score(store, profile, [YEAR], "self").groups_for([UNIT]).filter(pl.col("year") == YEAR)
        got = dict(zip(sim.groups["group_key"], sim.groups["points_after"]))
        assert got == pytest.approx(dict(zip(groups["group_key"], groups["points"])), abs=1e-9), what
        if what.startswith("veto"):
            assert sim.after.level == "Trung bình" and "03 vi phạm" in sim.after.capped_by
        if what.startswith("empty"):
            assert not real["complete"] and sim.items.filter(pl.col("indicator") == "TRAIN_VILLAGE")["points_after"][0] == 0
        seen_levels.add(sim.after.level)
    assert len(seen_levels) >= 2

    # approved, the same figures enter the appraised basis: the last what-if gave its score
    assert not base.values.filter(pl.col("indicator").is_in(list(changes)))["use_appraisal"].any()
    ingest.approve(store, REVIEWER, AREA, YEAR)
    assert _stored(store, profile, "appraised")["total"] == pytest.approx(sim.after.total, abs=1e-9)


def test_no_change_gives_the_stored_score_for_every_unit(any_sample_store, profiles):
    profile = profiles["chung"]
    for basis in ("appraised", "self"):
        units = own_units(any_sample_store, scoring.cached_score(any_sample_store, profile, [YEAR], basis).year(YEAR),
                          profile.id, YEAR)
        for row in units.head(12).iter_rows(named=True):
            sim = whatif.simulate(any_sample_store, LEADER, profile, row["unit_code"], YEAR, basis)
            assert sim.changed == ()
            assert (sim.after.total, sim.after.level, sim.after.rank) == (row["total"], row["level"], row["rank"])
            assert (sim.before.total, sim.before.rank) == (row["total"], row["rank"])


def test_rank_inserts_the_new_total_among_the_others(any_sample_store, profiles):
    profile = profiles["chung"]
    units = own_units(any_sample_store, scoring.cached_score(any_sample_store, profile, [YEAR], "self").year(YEAR),
                      profile.id, YEAR)
    sim = whatif.simulate(any_sample_store, LEADER, profile, UNIT, YEAR, "self",
                          {"TRAIN_STAFF": 100.0, "INSP_REPORT_ON_TIME": 1.0})
    others = units.filter((pl.col("unit_code") != UNIT) & pl.col("rated"))
    assert sim.after.rank == others.filter(pl.col("total") > sim.after.total).height + 1
    assert sim.after.n_rated == others.height + 1
    assert sim.after.rank < sim.before.rank


def test_values_a_real_upload_refuses_are_refused(any_sample_store, profiles):
    profile = profiles["chung"]
    for changes, words in [({"TRAIN_STAFF": 120.0}, "từ 0 đến 100"),
                           ({"RESP_COMPLAINTS": (11.0, 10.0)}, "không được lớn hơn mẫu số"),
                           ({"TRAIN_CLASSES": 1.5}, "số nguyên"),
                           ({"NOT_AN_INDICATOR": 1.0}, "không được bộ tiêu chí chấm")]:
        with pytest.raises(InputError, match=words):
            whatif.simulate(any_sample_store, LEADER, profile, UNIT, YEAR, "self", changes)


def test_access_refused_outside_the_area(any_sample_store, profiles):
    with pytest.raises(AccessDenied, match="99001|Tây Thịnh|ngoài"):
        whatif.unit_values(any_sample_store, "canbo.99401", profiles["chung"], UNIT, YEAR)
    with pytest.raises(AccessDenied):
        whatif.simulate(any_sample_store, "canbo.992", profiles["chung"], UNIT, YEAR, "self", {"TRAIN_STAFF": 100.0})
    assert whatif.unit_values(any_sample_store, OFFICER, profiles["chung"], UNIT, YEAR).unit["unit_code"] == UNIT


def test_suggestions_reach_the_next_level_when_scored(any_sample_store, profiles):
    profile = profiles["chung"]
    units = own_units(any_sample_store, scoring.cached_score(any_sample_store, profile, [YEAR], "self").year(YEAR),
                      profile.id, YEAR)
    below = units.filter(pl.col("rated") & (pl.col("level_ord") > 1)).sort("unit_code")
    tried = below.filter(pl.col("unit_code").is_in(below["unit_code"].gather_every(max(1, below.height // 6)).implode()))
    reached = 0
    for row in tried.iter_rows(named=True):
        s = whatif.suggest(any_sample_store, LEADER, profile, row["unit_code"], YEAR, "self")
        target = profile.levels[row["level_ord"] - 2].level
        assert s.target_level == target
        if not s.reached:
            assert s.message.startswith("Không có cách nào") and s.result is not None
            continue
        reached += 1
        again = whatif.simulate(any_sample_store, LEADER, profile, row["unit_code"], YEAR, "self", s.values)
        assert again.after.rated and again.after.level_ord <= row["level_ord"] - 1
        assert s.changes.height == len(s.values) >= 1
        # none of the changes can be dropped (each was tried without)
        for code in s.values:
            fewer = {k: v for k, v in s.values.items() if k != code}
            if fewer:
                w = whatif.simulate(any_sample_store, LEADER, profile, row["unit_code"], YEAR, "self", fewer)
                assert not (w.after.rated and w.after.level_ord <= row["level_ord"] - 1)
    assert reached >= 2


def test_a_veto_that_blocks_the_level_is_named(any_fresh_sample_store, profiles):
    store, profile = any_fresh_sample_store, profiles["chung"]
    base = whatif.unit_values(store, LEADER, profile, UNIT, YEAR, "self")
    kinds = dict(zip(base.values["indicator"], base.values["kind"]))
    changes = {"DISC_VIOLATIONS": 3.0, "DISC_HANDLED": (3.0, 3.0)}
    ingest.import_file(store, _uploaded(changes, kinds), "sua.csv", YEAR, OFFICER, area_code=AREA)
    s = whatif.suggest(store, LEADER, profile, UNIT, YEAR, "self")
    assert not s.reached and s.target_level == "Khá"
    assert "giới hạn bởi điều kiện loại trừ" in s.message and "03 vi phạm" in s.message


def test_a_profile_with_bonus_deduction_caps_and_a_not_rated_veto(any_sample_store, profiles):
    """tiep-can-phap-luat-mau (bonus and deduction items with caps, a not-rated veto, incomplete =
    not rated): no change gives the stored score; the veto makes the unit not rated, unranked."""
    profile = profiles["tiep-can-phap-luat-mau"]
    units = own_units(any_sample_store, scoring.cached_score(any_sample_store, profile, [YEAR], "self").year(YEAR),
                      profile.id, YEAR)
    assert units.height > 10
    for row in units.head(8).iter_rows(named=True):
        sim = whatif.simulate(any_sample_store, LEADER, profile, row["unit_code"], YEAR, "self")
        assert (sim.after.total, sim.after.level, sim.after.rank, sim.after.rated) == \
            (row["total"], row["level"], row["rank"], row["rated"])
    code = units.filter(pl.col("rated"))["unit_code"][0]
    base = whatif.unit_values(any_sample_store, LEADER, profile, code, YEAR, "self")
    assert {"veto", "adjustment"} <= set(base.values["role"])
    vetoed = whatif.simulate(any_sample_store, LEADER, profile, code, YEAR, "self", {"HEAD_DISCIPLINED": 1.0})
    assert not vetoed.after.rated and vetoed.after.rank is None and vetoed.after.level is None
    reason = next(v.reason for v in profile.in_force(YEAR).vetoes if v.indicator.code == "HEAD_DISCIPLINED")
    assert vetoed.after.not_rated_reason == reason and "kỷ luật" in reason
    assert vetoed.after.n_rated == vetoed.before.n_rated - 1
    bonus = whatif.simulate(any_sample_store, LEADER, profile, code, YEAR, "self", {"BONUS_INITIATIVE": 9.0})
    before_bonus = base.unit["bonus"] or 0
    # 2,5 points each, at most 5: the raw total rises by 5 - the bonus it had (the cap holds)
    assert bonus.after.raw_total - bonus.before.raw_total == pytest.approx(5 - before_bonus, abs=1e-9)
