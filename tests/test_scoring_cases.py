"""The hand-computed cases of scoring_cases.py through the production SQL scorer."""

from __future__ import annotations

import copy

import pytest
from conftest import insert_observations, sourced
from scoring_cases import CASES

from dcmetrics.framework import parse_catalogue, parse_profile
from dcmetrics.scoring import score
from dcmetrics.store import Store

YEAR = 2024


DEFAULT_RULES = {  # for indicators the cases use only in vetoes and adjustments
    "yesno": {"type": "yesno"}, "count": {"type": "proportional", "target": 1},
    "percent": {"type": "proportional", "target": 100}, "points": {"type": "direct"},
    "ratio": {"type": "ratio", "zero_denominator": "full", "then": "proportional", "target": 100},
}
FIELDS = {"cap": "classification_cap"}  # the cases' names for our columns
DOC = {"title": "Văn bản thử", "issuer": "Thử", "number": "1", "date": "2024"}


def complete_catalogue(raw: dict, doc_id: str) -> dict:
    """The cases carry only what scoring reads; add the descriptive fields the loader requires."""
    c = copy.deepcopy(raw)
    c["documents"] = {"t": DOC, doc_id: DOC}
    for code, ind in c["indicators"].items():
        ind.setdefault("name", code)
        ind.setdefault("definition", f"Định nghĩa {code}")
        ind.setdefault("sources", [{"doc": "t", "clause": "Điều 1"}])
        ind.setdefault("rule", DEFAULT_RULES[ind["kind"]])
        if ind["kind"] == "ratio":
            ind.setdefault("numerator", "tử số")
            ind.setdefault("denominator", "mẫu số")
    return c


def complete_profile(raw: dict) -> dict:
    p = copy.deepcopy(raw)
    p.setdefault("id", "thu")
    p.setdefault("version", "1")
    p.setdefault("title", "Bộ thử")
    p.setdefault("document", "t")
    return sourced(p)


def run_case(case: dict):
    raw_profile = complete_profile(case["profile"])
    catalogue = parse_catalogue(complete_catalogue(case["catalogue"], raw_profile["document"]))
    profile = parse_profile(raw_profile, catalogue)
    store = Store(":memory:")
    try:
        insert_observations(store, case["units"], case["observations"], YEAR)
        return score(store, profile, [YEAR]).wide(YEAR)
    finally:
        store.close()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_sql_matches_hand_computed(case):
    result = {r["unit_code"]: r for r in run_case(case).iter_rows(named=True)}
    for unit, fields in case["expected"].items():
        assert unit in result, f"{unit} was not scored"
        for field, want in fields.items():
            got = result[unit][FIELDS.get(field, field)]
            if isinstance(want, float) and got is not None:
                assert got == pytest.approx(want, abs=1e-9), f"{unit}.{field}"
            else:
                assert got == want, f"{unit}.{field}: {got!r} != {want!r}"
