"""History across mergers (issue 14): a new unit's predecessors and their results, labelled as
theirs; one combined figure per year only where every predecessor was scored."""

from __future__ import annotations

import pytest
from conftest import insert_observations
from test_exact_scores import one_percent_case
from test_scoring_cases import complete_catalogue, complete_profile

from dcmetrics import access, lineage, scoring
from dcmetrics.framework import parse_catalogue, parse_profile
from dcmetrics.store import Store


def test_the_sample_merged_commune_shows_its_two_old_communes(sample_store, profiles):
    chung = profiles["chung"]
    preds = lineage.predecessors(sample_store, "99049")
    assert sorted(preds["old_code"]) == ["99032", "99036"]
    assert preds["share"].to_list() == [1.0, 1.0] and set(preds["share_basis"]) == {"whole"}
    h = lineage.predecessor_history(sample_store, chung, "99049", "appraised", access.SYSTEM)
    assert h.label.startswith("Kết quả của các đơn vị trước sắp xếp: ")
    assert "không phải của đơn vị này" in h.label
    assert sorted(set(h.rows["year"].to_list())) == [2023, 2024]  # the old communes ended in 2024
    for year in (2023, 2024):
        own = {c: scoring.unit_history(sample_store, chung, c, [year], "appraised")["total"][0]
               for c in ("99032", "99036")}
        row = h.combined.filter(h.combined["year"] == year).row(0, named=True)
        assert row["comparable"] and row["n_scored"] == row["n_predecessors"] == 2
        assert row["total"] == pytest.approx(round((own["99032"] + own["99036"]) / 2, 2))
    assert lineage.predecessor_history(sample_store, chung, "99032", "appraised", access.SYSTEM).empty


@pytest.fixture
def divided_store():
    """A → N1 whole; B divided between N1 and N2 (half each); C → N3 whole but never scored."""
    catalogue, profile, _, _ = one_percent_case("0", 2, "half_up")
    raw = complete_profile(profile)
    parsed = parse_profile(raw, parse_catalogue(complete_catalogue(catalogue, raw["document"])))
    store = Store(":memory:")
    units = [{"code": c, "type": "commune", "parent_code": "T"} for c in ("A", "B", "C", "N1", "N2", "N3")]
    insert_observations(store, units[:2], [{"unit_code": "A", "indicator": "P", "value": 80.0},
                                           {"unit_code": "B", "indicator": "P", "value": 60.0}], 2024)
    with store.transaction() as cur:
        for old, new, share in (("A", "N1", 1.0), ("B", "N1", 0.5), ("B", "N2", 0.5), ("C", "N3", 1.0)):
            cur.execute("INSERT INTO unit_lineage (old_code, new_code, effective_date, share, share_basis, is_default, "
                        "source) VALUES ($o, $n, DATE '2025-07-01', $s, 'equal', true, 'thử')",
                        {"o": old, "n": new, "s": share})
    yield store, parsed
    store.close()


@pytest.mark.parametrize(("unit", "total", "comparable"), [
    ("N1", round((80 * 1 + 60 * 0.5) / 1.5, 2), True),   # 3 → 1 style: a whole and a part
    ("N2", 60.0, True),                                   # 1 divided → 2: its half
    ("N3", None, False),                                  # no result of the predecessor: no fair comparison
])
def test_combined_figure_weighs_each_predecessor_by_its_share(divided_store, unit, total, comparable):
    store, profile = divided_store
    h = lineage.predecessor_history(store, profile, unit, "appraised", access.SYSTEM)
    if not comparable:
        assert h.combined.is_empty() or not h.combined["comparable"].any()
        return
    row = h.combined.row(0, named=True)
    assert (row["year"], row["comparable"]) == (2024, True)
    assert row["total"] == pytest.approx(total)


def test_most_improved_compares_a_merged_commune_with_its_predecessors_and_says_so(sample_store, profiles):
    from dcmetrics.dashboard import Filters
    from dcmetrics.trends import trends

    chung = profiles["chung"]
    t = trends(sample_store, access.SYSTEM, chung, Filters(2025))
    row = t.movers.filter(t.movers["unit_code"] == "99049").row(0, named=True)
    h = lineage.predecessor_history(sample_store, chung, "99049", "appraised", access.SYSTEM)
    combined_2024 = h.combined.filter(h.combined["year"] == 2024)["total"].item()
    assert row["compared_with"] == "các đơn vị trước sắp xếp (điểm gộp)"
    assert row["prev_total"] == pytest.approx(combined_2024)
    assert row["total_change"] == pytest.approx(row["total"] - combined_2024)
    assert t.merged_note.startswith("3 đơn vị hình thành do sắp xếp: tăng/giảm so với điểm gộp")
    assert set(t.movers.filter(t.movers["unit_code"] != "99049")["compared_with"]) <= {
        "chính đơn vị", "các đơn vị trước sắp xếp (điểm gộp)"}
    # level transitions count only units compared with themselves
    assert t.transitions["count"].sum() == t.movers.filter(t.movers["compared_with"] == "chính đơn vị").height
