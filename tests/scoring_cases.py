"""Hand-computed scoring cases (table-driven), shared by the reference and the
production scorer tests.

Each case: {"id", "catalogue", "profile", "units", "observations", "expected"}.
`catalogue` / `profile` have the shape tomllib gives for catalogue.toml and a
profile file; `units` rows have code, type, parent_code, cluster (missing keys mean
null); `observations` rows have unit_code, indicator, value, num, den (missing keys
mean null); `expected` maps unit code -> {field: value} for the fields the case is
about.  Every expected number is computed by hand in the comment next to it.
"""

from __future__ import annotations

ALL = ["commune", "agency", "service", "enterprise"]
INCOMPLETE = "Thiếu số liệu của chỉ tiêu bắt buộc"

XS = "Hoàn thành xuất sắc nhiệm vụ"
TOT = "Hoàn thành tốt nhiệm vụ"
HT = "Hoàn thành nhiệm vụ"
KHT = "Không hoàn thành nhiệm vụ"


# ------------------------------------------------------------------ builders


def ind(kind: str, rule: dict | None = None, applies=ALL, **extra) -> dict:
    """A catalogue indicator (only the keys scoring uses, plus name/entered_by)."""
    d = {"name": f"chỉ tiêu {kind}", "kind": kind, "applies": list(applies), "entered_by": "unit"}
    if rule is not None:
        d["rule"] = rule
    d.update(extra)
    return d


def cat(**indicators) -> dict:
    return {"version": "test", "indicators": indicators}


def item(indicator: str, weight=None, rule: dict | None = None) -> dict:
    d = {"indicator": indicator, "clause": "Điều 1"}
    if weight is not None:
        d["weight"] = weight
    if rule is not None:
        d["rule"] = rule
    return d


def group(key: str, points, *items: dict) -> dict:
    return {"key": key, "number": key[1:], "name": f"Nhóm {key}", "clause": "Điều 1", "points": points, "items": list(items)}


ONE_BAND = [{"level": "Đạt", "min_total": 0, "floor": 0.0, "cap": HT}]

FOUR_BANDS = [
    {"level": "Tốt", "min_total": 90, "floor": 0.0, "cap": XS},
    {"level": "Khá", "min_total": 70, "floor": 0.0, "cap": TOT},
    {"level": "Trung bình", "min_total": 50, "floor": 0.0, "cap": HT},
    {"level": "Yếu", "min_total": 0, "floor": 0.0, "cap": KHT},
]

FLOOR_BANDS = [
    {"level": "Tốt", "min_total": 80, "floor": 0.6, "cap": XS},
    {"level": "Khá", "min_total": 65, "floor": 0.5, "cap": TOT},
    {"level": "Trung bình", "min_total": 50, "floor": 0.0, "cap": HT},
    {"level": "Yếu", "min_total": 0, "floor": 0.0, "cap": KHT},
]


def prof(groups: list[dict], bands=None, **kw) -> dict:
    d = {
        "id": "test",
        "version": "1",
        "title": "Hồ sơ thử",
        "document": "test",
        "groups": groups,
        "bands": bands if bands is not None else ONE_BAND,
    }
    d.update(kw)
    return d


def u(code: str, type_: str = "commune", parent=None, cluster=None) -> dict:
    return {"code": code, "type": type_, "parent_code": parent, "cluster": cluster}


def o(unit: str, indicator: str, value=None, num=None, den=None) -> dict:
    return {"unit_code": unit, "indicator": indicator, "value": value, "num": num, "den": den}


def veto(indicator, op, value, effect, cap_level=None, reason="Vi phạm") -> dict:
    d = {"indicator": indicator, "op": op, "value": value, "effect": effect, "reason": reason, "clause": "Điều 2"}
    if cap_level is not None:
        d["cap_level"] = cap_level
    return d


def adj(indicator, kind, points_each=None, cap=None) -> dict:
    d = {"indicator": indicator, "kind": kind, "clause": "Điều 3"}
    if points_each is not None:
        d["points_each"] = points_each
    if cap is not None:
        d["cap"] = cap
    return d


PCT100 = {"type": "proportional", "target": 100}
YESNO = {"type": "yesno"}

CASES: list[dict] = []

# ---------------------------------------------------------------- rules

CASES.append({
    "id": "proportional_percent_and_count_capped_at_1",
    "catalogue": cat(
        P=ind("percent", {"type": "proportional", "target": 80}),
        K=ind("count", {"type": "proportional", "target": 4}),
    ),
    "profile": prof([group("G1", 60, item("P")), group("G2", 40, item("K"))]),
    "units": [u("A"), u("B"), u("C")],
    "observations": [
        o("A", "P", 40), o("A", "K", 2),
        o("B", "P", 80), o("B", "K", 6),
        o("C", "P", 100), o("C", "K", 0),
    ],
    "expected": {
        "A": {"G1": 30.0,    # 60 * 40/80 = 60 * 0.5
              "G2": 20.0,    # 40 * 2/4
              "total": 50.0, "raw_total": 50.0, "complete": True, "level": "Đạt", "cap": HT},
        "B": {"G1": 60.0,    # 80/80 = 1
              "G2": 40.0,    # min(6/4, 1) = 1
              "total": 100.0},
        "C": {"G1": 60.0,    # min(100/80, 1) = 1
              "G2": 0.0,     # 0/4
              "total": 60.0},
    },
})

CASES.append({
    "id": "lower_better_target_between_bound",
    "catalogue": cat(C=ind("count", {"type": "lower_better", "target": 2, "bound": 6})),
    "profile": prof([group("G1", 100, item("C"))]),
    "units": [u(x) for x in "ABCDEF"],
    "observations": [o("A", "C", 0), o("B", "C", 2), o("C", "C", 3), o("D", "C", 5),
                     o("E", "C", 6), o("F", "C", 9)],
    "expected": {
        "A": {"G1": 100.0},  # 0 <= target 2 -> 1
        "B": {"G1": 100.0},  # at target -> 1
        "C": {"G1": 75.0},   # (6-3)/(6-2) = 0.75
        "D": {"G1": 25.0},   # (6-5)/4 = 0.25
        "E": {"G1": 0.0},    # at bound -> 0
        "F": {"G1": 0.0},    # past bound -> 0
    },
})

CASES.append({
    "id": "lower_better_percent_item_override",
    # catalogue rule is proportional; the item overrides it with lower_better
    "catalogue": cat(P=ind("percent", PCT100)),
    "profile": prof([group("G1", 100, item("P", rule={"type": "lower_better", "target": 5, "bound": 25}))]),
    "units": [u("A"), u("B"), u("C")],
    "observations": [o("A", "P", 10), o("B", "P", 5), o("C", "P", 30)],
    "expected": {
        "A": {"G1": 75.0},   # (25-10)/(25-5) = 15/20
        "B": {"G1": 100.0},  # at target
        "C": {"G1": 0.0},    # past bound
    },
})

CASES.append({
    "id": "bands_percent_edges",
    "catalogue": cat(P=ind("percent", {"type": "bands", "bands": [
        {"from": 0, "to": 50, "share": 0.0},
        {"from": 50, "to": 80, "share": 0.5},
        {"from": 80, "to": 100, "share": 1.0},
    ]})),
    "profile": prof([group("G1", 100, item("P"))]),
    "units": [u(x) for x in "ABCDEF"],
    "observations": [o("A", "P", 0), o("B", "P", 49.99), o("C", "P", 50), o("D", "P", 79.99),
                     o("E", "P", 80), o("F", "P", 100)],
    "expected": {
        "A": {"G1": 0.0},    # [0,50) share 0
        "B": {"G1": 0.0},    # 49.99 < 50 -> share 0
        "C": {"G1": 50.0},   # 50 in [50,80) -> 0.5
        "D": {"G1": 50.0},   # 79.99 in [50,80)
        "E": {"G1": 100.0},  # 80 in [80,100] -> 1
        "F": {"G1": 100.0},  # 100 = end of the last band, included -> 1
    },
})

CASES.append({
    "id": "bands_count_inf",
    "catalogue": cat(C=ind("count", {"type": "bands", "bands": [
        {"from": 0, "to": 1, "share": 1.0},
        {"from": 1, "to": 3, "share": 0.6},
        {"from": 3, "to": "inf", "share": 0.2},
    ]})),
    "profile": prof([group("G1", 100, item("C"))]),
    "units": [u(x) for x in "ABCDE"],
    "observations": [o("A", "C", 0), o("B", "C", 1), o("C", "C", 2), o("D", "C", 3), o("E", "C", 500)],
    "expected": {
        "A": {"G1": 100.0},  # [0,1) -> 1
        "B": {"G1": 60.0},   # [1,3) -> 0.6
        "C": {"G1": 60.0},   # [1,3) -> 0.6
        "D": {"G1": 20.0},   # [3,inf) -> 0.2
        "E": {"G1": 20.0},   # [3,inf) -> 0.2
    },
})

CASES.append({
    "id": "yesno_default_expect_1",
    "catalogue": cat(Y=ind("yesno", YESNO)),
    "profile": prof([group("G1", 100, item("Y"))]),
    "units": [u("A"), u("B")],
    "observations": [o("A", "Y", 1), o("B", "Y", 0)],
    "expected": {
        "A": {"G1": 100.0, "total": 100.0},  # 1 = expect 1
        "B": {"G1": 0.0, "total": 0.0},      # 0 != 1
    },
})

CASES.append({
    "id": "yesno_expect_0_item_override",
    "catalogue": cat(Y=ind("yesno", {"type": "yesno", "expect": 1})),
    "profile": prof([group("G1", 100, item("Y", rule={"type": "yesno", "expect": 0}))]),
    "units": [u("A"), u("B")],
    "observations": [o("A", "Y", 0), o("B", "Y", 1)],
    "expected": {
        "A": {"G1": 100.0},  # 0 = expect 0
        "B": {"G1": 0.0},    # 1 != 0
    },
})

CASES.append({
    "id": "failures_any",
    "catalogue": cat(F=ind("count", {"type": "failures", "mode": "any"})),
    "profile": prof([group("G1", 100, item("F"))]),
    "units": [u("A"), u("B"), u("C")],
    "observations": [o("A", "F", 0), o("B", "F", 1), o("C", "F", 4)],
    "expected": {
        "A": {"G1": 100.0},  # no failure -> 1
        "B": {"G1": 0.0},    # one failure -> 0
        "C": {"G1": 0.0},    # several -> 0
    },
})

CASES.append({
    "id": "failures_each_down_to_0",
    "catalogue": cat(F=ind("count", {"type": "failures", "mode": "each", "share_each": 0.25})),
    "profile": prof([group("G1", 100, item("F"))]),
    "units": [u(x) for x in "ABCDE"],
    "observations": [o("A", "F", 0), o("B", "F", 1), o("C", "F", 3), o("D", "F", 4), o("E", "F", 6)],
    "expected": {
        "A": {"G1": 100.0},  # 1 - 0*0.25
        "B": {"G1": 75.0},   # 1 - 0.25
        "C": {"G1": 25.0},   # 1 - 0.75
        "D": {"G1": 0.0},    # 1 - 1
        "E": {"G1": 0.0},    # max(0, 1 - 1.5)
    },
})

CASES.append({
    "id": "ratio_zero_denominator_full_then_proportional",
    "catalogue": cat(R=ind("ratio", {"type": "ratio", "zero_denominator": "full",
                                     "then": "proportional", "target": 80})),
    "profile": prof([group("G1", 100, item("R"))]),
    "units": [u(x) for x in "ABCD"],
    "observations": [o("A", "R", num=3, den=4), o("B", "R", num=0, den=0),
                     o("C", "R", num=4, den=5), o("D", "R", num=0, den=7)],
    "expected": {
        "A": {"G1": 93.75, "complete": True},   # p = 75; 75/80 = 0.9375
        "B": {"G1": 100.0, "complete": True},   # den 0, full -> 1
        "C": {"G1": 100.0},                     # p = 80; 80/80 = 1
        "D": {"G1": 0.0},                       # p = 0
    },
})

CASES.append({
    "id": "ratio_zero_denominator_zero",
    "catalogue": cat(R=ind("ratio", {"type": "ratio", "zero_denominator": "zero",
                                     "then": "proportional", "target": 100})),
    "profile": prof([group("G1", 100, item("R"))]),
    "units": [u("A"), u("B")],
    "observations": [o("A", "R", num=0, den=0), o("B", "R", num=1, den=2)],
    "expected": {
        "A": {"G1": 0.0, "complete": True},  # den 0, zero -> 0, not missing
        "B": {"G1": 50.0},                   # p = 50; 50/100
    },
})

CASES.append({
    "id": "ratio_zero_denominator_not_applicable_redistributes",
    "catalogue": cat(
        R=ind("ratio", {"type": "ratio", "zero_denominator": "not_applicable",
                        "then": "proportional", "target": 100}),
        Y=ind("yesno", YESNO),
        Y2=ind("yesno", YESNO),
    ),
    "profile": prof([group("G1", 30, item("R"), item("Y")), group("G2", 70, item("Y2"))]),
    "units": [u(x) for x in "ABCD"],
    "observations": [
        o("A", "R", num=0, den=0), o("A", "Y", 1), o("A", "Y2", 1),
        o("B", "R", num=1, den=2), o("B", "Y", 1), o("B", "Y2", 0),
        o("C", "R", num=0, den=0), o("C", "Y", 0), o("C", "Y2", 1),
        o("D", "R", num=None, den=0), o("D", "Y", 1), o("D", "Y2", 1),
    ],
    "expected": {
        "A": {"G1": 30.0,    # R leaves; Y alone carries 30: 30 * 1
              "G2": 70.0, "total": 100.0, "complete": True},
        "B": {"G1": 22.5,    # R: 15 * 0.5 = 7.5; Y: 15 * 1 = 15
              "G2": 0.0, "total": 22.5},
        "C": {"G1": 0.0,     # R leaves; Y 30 * 0
              "total": 70.0, "complete": True},
        "D": {"G1": 15.0,    # num null -> missing (stays, 0): R 0 + Y 15
              "total": 85.0, "complete": False},  # 15 + 70
    },
})

CASES.append({
    "id": "ratio_then_bands",
    "catalogue": cat(R=ind("ratio", {"type": "ratio", "zero_denominator": "full", "then": "bands", "bands": [
        {"from": 0, "to": 50, "share": 0.0},
        {"from": 50, "to": 90, "share": 0.5},
        {"from": 90, "to": 100, "share": 1.0},
    ]})),
    "profile": prof([group("G1", 100, item("R"))]),
    "units": [u(x) for x in "ABCDEF"],
    "observations": [o("A", "R", num=9, den=10), o("B", "R", num=1, den=2), o("C", "R", num=49, den=100),
                     o("D", "R", num=10, den=10), o("E", "R", num=89, den=100), o("F", "R", num=0, den=0)],
    "expected": {
        "A": {"G1": 100.0},  # p = 90 -> [90,100] -> 1
        "B": {"G1": 50.0},   # p = 50 -> [50,90) -> 0.5
        "C": {"G1": 0.0},    # p = 49 -> [0,50) -> 0
        "D": {"G1": 100.0},  # p = 100 = last band's end -> 1
        "E": {"G1": 50.0},   # p = 89 -> 0.5
        "F": {"G1": 100.0},  # den 0, full
    },
})

CASES.append({
    "id": "direct_points",
    "catalogue": cat(
        K=ind("points", {"type": "direct"}, max=2.0, step=0.25),
        Y=ind("yesno", YESNO),
    ),
    "profile": prof([group("G1", 10, item("K")), group("G2", 90, item("Y"))]),
    "units": [u(x) for x in "ABCD"],
    "observations": [o(x, "Y", 1) for x in "ABCD"]
    + [o("A", "K", 1.5), o("B", "K", 2), o("C", "K", 0), o("D", "K", 0.25)],
    "expected": {
        "A": {"G1": 7.5, "total": 97.5},     # 10 * 1.5/2; 7.5 + 90
        "B": {"G1": 10.0, "total": 100.0},   # 10 * 2/2
        "C": {"G1": 0.0, "total": 90.0},     # 0/2
        "D": {"G1": 1.25, "total": 91.25},   # 10 * 0.25/2
    },
})

# ------------------------------------------------- applicability, redistribution

CASES.append({
    "id": "not_applicable_by_type_equal_weights",
    "catalogue": cat(
        P1=ind("percent", PCT100, applies=["commune", "agency"]),
        P2=ind("percent", PCT100, applies=["commune"]),
        P3=ind("percent", PCT100, applies=["commune", "agency"]),
        Y=ind("yesno", YESNO),
    ),
    "profile": prof([group("G1", 60, item("P1"), item("P2"), item("P3")), group("G2", 40, item("Y"))]),
    "units": [u("A", "commune"), u("B", "agency"), u("C", "service")],
    "observations": [
        o("A", "P1", 100), o("A", "P2", 50), o("A", "P3", 0), o("A", "Y", 1),
        o("B", "P1", 100), o("B", "P2", 0), o("B", "P3", 50), o("B", "Y", 1),  # B's P2 ignored
        o("C", "Y", 0),
    ],
    "expected": {
        "A": {"G1": 30.0,    # 3 items, 20 each: 20*1 + 20*0.5 + 20*0
              "G2": 40.0, "total": 70.0, "complete": True},
        "B": {"G1": 45.0,    # P2 leaves: 2 items, 30 each: 30*1 + 30*0.5
              "total": 85.0, "complete": True},
        "C": {"G1": 60.0,    # nothing applies to service -> full 60
              "G2": 0.0, "total": 60.0, "complete": True},
    },
})

CASES.append({
    "id": "not_applicable_by_type_unequal_weights",
    "catalogue": cat(
        X=ind("percent", PCT100),
        Z=ind("percent", PCT100, applies=["commune"]),
        W=ind("percent", PCT100),
        Y=ind("yesno", YESNO),
    ),
    "profile": prof([group("G1", 40, item("X", weight=3), item("Z", weight=1), item("W", weight=1)),
                     group("G2", 60, item("Y"))]),
    "units": [u("A", "commune"), u("B", "agency"), u("C", "commune")],
    "observations": [
        o("A", "X", 50), o("A", "Z", 100), o("A", "W", 100), o("A", "Y", 1),
        o("B", "X", 50), o("B", "W", 100), o("B", "Y", 1),
        o("C", "X", 100), o("C", "Z", 0), o("C", "W", 25), o("C", "Y", 0),
    ],
    "expected": {
        # commune: weights 3+1+1 = 5 -> X 40*3/5 = 24, Z 8, W 8
        "A": {"G1": 28.0,    # 24*0.5 + 8*1 + 8*1 = 12 + 8 + 8
              "total": 88.0},  # 28 + 60
        # agency: Z leaves, weights 3+1 = 4 -> X 30, W 10
        "B": {"G1": 25.0,    # 30*0.5 + 10*1 = 15 + 10
              "total": 85.0, "complete": True},
        "C": {"G1": 26.0,    # 24*1 + 8*0 + 8*0.25 = 24 + 0 + 2
              "G2": 0.0, "total": 26.0},
    },
})

CASES.append({
    "id": "group_with_nothing_remaining_scores_full",
    "catalogue": cat(
        C1=ind("percent", PCT100, applies=["commune"]),
        R=ind("ratio", {"type": "ratio", "zero_denominator": "not_applicable", "then": "proportional", "target": 100}),
        Y=ind("yesno", YESNO),
    ),
    "profile": prof([group("G1", 30, item("C1")), group("G2", 20, item("R")), group("G3", 50, item("Y"))]),
    "units": [u("A", "agency"), u("B", "commune"), u("C", "commune")],
    "observations": [
        o("A", "R", num=0, den=0), o("A", "Y", 0),
        o("B", "R", num=1, den=4), o("B", "Y", 1),
        o("C", "C1", 100), o("C", "R", num=0, den=0), o("C", "Y", 1),
    ],
    "expected": {
        "A": {"G1": 30.0,    # C1 does not apply to agency -> full
              "G2": 20.0,    # R den 0 not_applicable -> nothing left -> full
              "G3": 0.0, "total": 50.0, "complete": True},
        "B": {"G1": 0.0,     # C1 applies, missing -> 0
              "G2": 5.0,     # p = 25 -> 20 * 0.25
              "G3": 50.0, "total": 55.0, "complete": False},
        "C": {"G1": 30.0, "G2": 20.0, "G3": 50.0, "total": 100.0, "complete": True},
    },
})

CASES.append({
    "id": "missing_values_score_0_and_mark_incomplete",
    "catalogue": cat(
        P=ind("percent", PCT100),
        Y=ind("yesno", YESNO),
        R=ind("ratio", {"type": "ratio", "zero_denominator": "full", "then": "proportional", "target": 100}),
    ),
    "profile": prof([group("G1", 50, item("P"), item("Y")), group("G2", 50, item("R"))]),
    "units": [u(x) for x in "ABCD"],
    "observations": [
        o("A", "P", 100), o("A", "Y", None), o("A", "R", num=1, den=1),
        o("B", "P", 100), o("B", "Y", 1), o("B", "R", num=2, den=None),
        o("C", "P", 60), o("C", "Y", 1), o("C", "R", num=3, den=4),
        o("D", "Y", 1), o("D", "R", num=0, den=0),
    ],
    "expected": {
        "A": {"G1": 25.0,    # P 25*1 + Y (null value) 0
              "G2": 50.0, "total": 75.0, "complete": False},
        "B": {"G1": 50.0,
              "G2": 0.0,     # den null -> missing -> 0
              "total": 50.0, "complete": False},
        "C": {"G1": 40.0,    # 25*0.6 + 25*1 = 15 + 25
              "G2": 37.5,    # 50 * 0.75
              "total": 77.5, "complete": True},
        "D": {"G1": 25.0,    # P absent -> 0; Y 25
              "G2": 50.0,    # den 0, full
              "total": 75.0, "complete": False},
    },
})

CASES.append({
    "id": "unit_without_any_observation",
    "catalogue": cat(
        P=ind("percent", PCT100),
        E=ind("yesno", YESNO, applies=["enterprise"]),
        D=ind("count"),
        V=ind("count"),
    ),
    "profile": prof(
        [group("G1", 60, item("P")), group("G2", 40, item("E"))],
        bands=FOUR_BANDS,
        adjustments=[adj("D", "deduction", points_each=2)],
        vetoes=[veto("V", ">=", 1, "not_rated", reason="Vi phạm")],
    ),
    "units": [u("A", "commune"), u("B", "enterprise")],
    "observations": [],
    "expected": {
        "A": {"G1": 0.0,     # applicable, missing
              "G2": 40.0,    # E does not apply to commune -> full
              "raw_total": 40.0, "total": 40.0, "complete": False, "deduction": 0.0, "bonus": 0.0,
              "rated": True, "not_rated_reason": None, "level": "Yếu", "cap": KHT,
              "held_by": "", "rank": 1},
        "B": {"G1": 0.0, "G2": 0.0, "total": 0.0, "complete": False,
              "rated": True, "level": "Yếu", "rank": 2},
    },
})

# ------------------------------------------------------------ floors and levels

_FLOOR_CAT = cat(P1=ind("percent", PCT100), P2=ind("percent", PCT100),
                 P3=ind("percent", PCT100), P4=ind("percent", PCT100))
_FLOOR_GROUPS = [group("G1", 40, item("P1")), group("G2", 20, item("P2")),
                 group("G3", 20, item("P3")), group("G4", 20, item("P4"))]


def _four(unit, a, b, c, d):
    return [o(unit, "P1", a), o(unit, "P2", b), o(unit, "P3", c), o(unit, "P4", d)]


CASES.append({
    "id": "floors_hold_units_below_a_band",
    # Tốt: >= 80, every group >= 0.6 of its points (G1 24, others 12)
    # Khá: >= 65, every group >= 0.5 (G1 20, others 10); TB >= 50; Yếu
    "catalogue": _FLOOR_CAT,
    "profile": prof(_FLOOR_GROUPS, bands=FLOOR_BANDS),
    "units": [u(x) for x in "ABCDEFGH"],
    "observations": _four("A", 100, 100, 100, 100) + _four("B", 100, 100, 100, 50)
    + _four("C", 100, 100, 55, 45) + _four("D", 50, 100, 100, 100)
    + _four("E", 75, 100, 45, 100) + _four("F", 80, 80, 80, 80)
    + _four("G", 100, 100, 100, 0) + _four("H", 60, 60, 60, 60),
    "expected": {
        "A": {"total": 100.0, "level": "Tốt", "held_by": "", "cap": XS},
        # 40+20+20+10 = 90; G4 10 < 12 fails Tốt; Khá: G4 10 >= 10 (exactly at floor)
        "B": {"total": 90.0, "G4": 10.0, "level": "Khá", "held_by": "G4", "cap": TOT},
        # 40+20+11+9 = 80 (Tốt by total); G3 11 < 12, G4 9 < 12; Khá: G4 9 < 10 -> TB
        "C": {"total": 80.0, "level": "Trung bình", "held_by": "G3,G4", "cap": HT},
        # 20+20+20+20 = 80; G1 20 < 24 fails Tốt; Khá: 20 >= 20 -> Khá
        "D": {"total": 80.0, "level": "Khá", "held_by": "G1"},
        # 30+20+9+20 = 79 -> Khá by total; G3 9 < 10 -> TB, held by Khá's floor
        "E": {"total": 79.0, "level": "Trung bình", "held_by": "G3"},
        # 32+16+16+16 = 80; 32 >= 24, 16 >= 12 -> Tốt
        "F": {"total": 80.0, "level": "Tốt", "held_by": ""},
        # 40+20+20+0 = 80; G4 0 fails Tốt and Khá -> TB; held_by names Tốt's floor failures
        "G": {"total": 80.0, "level": "Trung bình", "held_by": "G4"},
        # 24+12+12+12 = 60 -> TB by total (no better band reachable) -> held_by ""
        "H": {"total": 60.0, "level": "Trung bình", "held_by": ""},
    },
})

CASES.append({
    "id": "four_band_levels_and_caps",
    "catalogue": cat(P=ind("percent", PCT100)),
    "profile": prof([group("G1", 100, item("P"))], bands=FOUR_BANDS),
    "units": [u(x) for x in "ABCDEFG"],
    "observations": [o("A", "P", 100), o("B", "P", 90), o("C", "P", 89.99), o("D", "P", 70),
                     o("E", "P", 50), o("F", "P", 49.99), o("G", "P", 0)],
    "expected": {
        "A": {"level": "Tốt", "cap": XS},           # 100 >= 90
        "B": {"level": "Tốt", "total": 90.0},       # 90 >= 90
        "C": {"level": "Khá", "total": 89.99, "cap": TOT},  # 89.99 < 90
        "D": {"level": "Khá"},                      # 70 >= 70
        "E": {"level": "Trung bình", "cap": HT},    # 50
        "F": {"level": "Yếu", "cap": KHT},          # 49.99 < 50
        "G": {"level": "Yếu", "total": 0.0},
    },
})

# --------------------------------------------------------------------- ranks

CASES.append({
    "id": "ranks_ties_and_partitions",
    "catalogue": cat(P=ind("percent", PCT100), V=ind("yesno")),
    "profile": prof([group("G1", 100, item("P"))],
                    vetoes=[veto("V", "=", 1, "not_rated", reason="Vi phạm nghiêm trọng")]),
    "units": [
        u("A", "commune", "P1", "K1"),
        u("B", "agency", "P1", "K1"),
        u("C", "commune", "P2", "K2"),
        u("D", "commune", "P1", None),
        u("E", "agency", "P2", None),
        u("F", "commune", "P2", "K2"),
        u("G", "commune", None, "K1"),
    ],
    "observations": [o("A", "P", 90), o("B", "P", 80), o("C", "P", 80), o("D", "P", 70),
                     o("E", "P", 60), o("F", "P", 95), o("F", "V", 1), o("G", "P", 50)],
    "expected": {
        # overall over rated A90 B80 C80 D70 E60 G50 -> 1,2,2,4,5,6
        # parent P1: A90 B80 D70; P2: C80 E60 (F not rated); null: G
        # type commune: A90 C80 D70 G50; agency: B80 E60
        # cluster K1: A90 B80 G50; K2: C80; null: D70 E60
        "A": {"rank": 1, "rank_parent": 1, "rank_type": 1, "rank_cluster": 1},
        "B": {"rank": 2, "rank_parent": 2, "rank_type": 1, "rank_cluster": 2},
        "C": {"rank": 2, "rank_parent": 1, "rank_type": 2, "rank_cluster": 1},
        "D": {"rank": 4, "rank_parent": 3, "rank_type": 3, "rank_cluster": 1},
        "E": {"rank": 5, "rank_parent": 2, "rank_type": 2, "rank_cluster": 2},
        "F": {"total": 95.0, "rated": False, "rank": None, "rank_parent": None,
              "rank_type": None, "rank_cluster": None, "level": None, "cap": None,
              "not_rated_reason": "Vi phạm nghiêm trọng"},
        "G": {"rank": 6, "rank_parent": 1, "rank_type": 4, "rank_cluster": 3},
    },
})

CASES.append({
    "id": "rounding_half_away_and_rank_on_rounded_total",
    "catalogue": cat(Y=ind("yesno", YESNO), Q=ind("points", max=20.0, step=0.001)),
    "profile": prof([group("G1", 100, item("Y"))], bands=FOUR_BANDS,
                    adjustments=[adj("Q", "deduction")]),
    "units": [u(x) for x in "ABCD"],
    "observations": [o(x, "Y", 1) for x in "ABCD"]
    + [o("A", "Q", 15.875), o("B", "Q", 15.87), o("C", "Q", 16), o("D", "Q", 10.004)],
    "expected": {
        # 100 - 15.875 = 84.125 exactly; half away from zero -> 84.13 (not 84.12)
        "A": {"raw_total": 84.125, "total": 84.13, "deduction": 15.875, "rank": 2},
        # 100 - 15.87 = 84.13 -> ties with A on the rounded total
        "B": {"total": 84.13, "rank": 2, "level": "Khá"},
        "C": {"total": 84.0, "rank": 4},                      # 100 - 16
        # 100 - 10.004 = 89.996 -> 90.0 -> Tốt (level on the rounded total)
        "D": {"total": 90.0, "level": "Tốt", "rank": 1},
    },
})

CASES.append({
    "id": "group_points_kept_at_two_decimals",
    "catalogue": cat(Y1=ind("yesno", YESNO), Y2=ind("yesno", YESNO),
                     Y3=ind("yesno", YESNO), Y4=ind("yesno", YESNO)),
    "profile": prof([group("G1", 10, item("Y1"), item("Y2"), item("Y3")), group("G2", 90, item("Y4"))]),
    "units": [u("A")],
    "observations": [o("A", "Y1", 1), o("A", "Y2", 1), o("A", "Y3", 0), o("A", "Y4", 1)],
    "expected": {
        "A": {"G1": 6.67,              # 10/3 + 10/3 + 0 = 6.666…, kept at 2 decimals half up
              "raw_total": 20 / 3 + 90,  # the exact sum (to 12 decimals) stays for the drill-down
              "total": 96.67},         # 96.666... -> 96.67
    },
})

# --------------------------------------------------------------- adjustments

CASES.append({
    "id": "deduction_item_cap_and_kind_cap",
    "catalogue": cat(
        Y=ind("yesno", YESNO),
        D1=ind("count"),
        D2=ind("yesno"),
        D3=ind("points", max=10.0, step=0.5),
    ),
    "profile": prof(
        [group("G1", 100, item("Y"))],
        adjustments=[adj("D1", "deduction", points_each=2, cap=6),
                     adj("D2", "deduction", points_each=5),
                     adj("D3", "deduction", cap=4)],
        adjustment_caps={"deduction": 10},
    ),
    "units": [u(x) for x in "ABCDE"],
    "observations": [o(x, "Y", 1) for x in "ABCDE"] + [
        o("A", "D1", 2), o("A", "D2", 0),
        o("B", "D1", 5), o("B", "D2", 1), o("B", "D3", 0),
        o("C", "D1", 0), o("C", "D3", 7.5),
        o("D", "D1", 3), o("D", "D3", 3.5),
        o("E", "D1", 4), o("E", "D2", 1), o("E", "D3", 4),
    ],
    "expected": {
        "A": {"deduction": 4.0, "total": 96.0, "complete": True},  # 2*2 = 4; D3 missing -> 0, still complete
        "B": {"deduction": 10.0, "total": 90.0},   # min(6, 10) + 5 + 0 = 11 -> kind cap 10
        "C": {"deduction": 4.0, "total": 96.0},    # min(4, 7.5)
        "D": {"deduction": 9.5, "total": 90.5},    # 3*2 = 6 (= cap) + 3.5
        "E": {"deduction": 10.0, "bonus": 0.0, "total": 90.0},  # min(6,8) + 5 + min(4,4) = 15 -> 10
    },
})

CASES.append({
    "id": "bonus_caps_and_total_max_clamp",
    "catalogue": cat(
        P=ind("percent", PCT100),
        B1=ind("count"),
        B2=ind("yesno"),
        B3=ind("points", max=5.0, step=0.5),
    ),
    "profile": prof(
        [group("G1", 100, item("P"))],
        bands=FOUR_BANDS,
        total_max=103,
        adjustments=[adj("B1", "bonus", points_each=1, cap=3),
                     adj("B2", "bonus", points_each=2.5),
                     adj("B3", "bonus", cap=2)],
        adjustment_caps={"bonus": 5},
    ),
    "units": [u(x) for x in "ABCD"],
    "observations": [
        o("A", "P", 100), o("A", "B1", 4), o("A", "B2", 1), o("A", "B3", 2),
        o("B", "P", 98), o("B", "B1", 1),
        o("C", "P", 100), o("C", "B2", 1), o("C", "B3", 3.5),
        o("D", "P", 99), o("D", "B2", 1),
    ],
    "expected": {
        # min(3,4) + 2.5 + min(2,2) = 7.5 -> cap 5; 100 + 5 = 105 -> clamp 103
        "A": {"bonus": 5.0, "raw_total": 105.0, "total": 103.0, "level": "Tốt"},
        "B": {"bonus": 1.0, "total": 99.0},                   # 98 + 1*1
        # 2.5 + min(2, 3.5) = 4.5; 100 + 4.5 = 104.5 -> 103
        "C": {"bonus": 4.5, "raw_total": 104.5, "total": 103.0},
        "D": {"bonus": 2.5, "total": 101.5},                  # 99 + 2.5, under 103
    },
})

CASES.append({
    "id": "total_clamped_at_zero",
    "catalogue": cat(Y=ind("yesno", YESNO), D=ind("count"), B=ind("yesno")),
    "profile": prof([group("G1", 100, item("Y"))],
                    adjustments=[adj("D", "deduction", points_each=3), adj("B", "bonus", points_each=2)]),
    "units": [u("A"), u("B"), u("C")],
    "observations": [
        o("A", "Y", 0), o("A", "D", 2),
        o("B", "Y", 0), o("B", "D", 2), o("B", "B", 1),
        o("C", "Y", 1), o("C", "D", 1),
    ],
    "expected": {
        "A": {"deduction": 6.0, "raw_total": -6.0, "total": 0.0, "rank": 2},  # 0 - 2*3
        "B": {"deduction": 6.0, "bonus": 2.0, "raw_total": -4.0, "total": 0.0, "rank": 2},  # 0 - 6 + 2
        "C": {"deduction": 3.0, "total": 97.0, "rank": 1},   # 100 - 3
    },
})

# -------------------------------------------------------------------- vetoes

CASES.append({
    "id": "veto_cap",
    "catalogue": cat(P=ind("percent", PCT100), V1=ind("count"), V2=ind("yesno")),
    "profile": prof(
        [group("G1", 100, item("P"))],
        bands=FOUR_BANDS,
        vetoes=[veto("V1", ">=", 1, "cap", cap_level="Khá"),
                veto("V2", "=", 0, "cap", cap_level="Trung bình")],
    ),
    "units": [u(x) for x in "ABCDEF"],
    "observations": [
        o("A", "P", 95), o("A", "V1", 2),
        o("B", "P", 60), o("B", "V1", 1),
        o("C", "P", 95), o("C", "V1", 0),
        o("D", "P", 95),
        o("E", "P", 95), o("E", "V1", 3), o("E", "V2", 0),
        o("F", "P", 95), o("F", "V2", 1),
    ],
    "expected": {
        "A": {"level": "Khá", "cap": TOT, "rated": True, "rank": 1},     # Tốt capped at Khá
        "B": {"level": "Trung bình", "cap": HT, "rank": 6},             # worse of (TB, Khá) = TB
        "C": {"level": "Tốt", "cap": XS},                               # 0 >= 1 false
        "D": {"level": "Tốt", "rank": 1},                               # missing never triggers
        "E": {"level": "Trung bình", "total": 95.0, "rank": 1},         # worst of Khá and TB
        "F": {"level": "Tốt"},                                          # 1 = 0 false
    },
})

CASES.append({
    "id": "veto_cap_keeps_held_by",
    "catalogue": cat(P1=ind("percent", PCT100), P2=ind("percent", PCT100),
                     P3=ind("percent", PCT100), P4=ind("percent", PCT100), V=ind("yesno")),
    "profile": prof(_FLOOR_GROUPS, bands=FLOOR_BANDS,
                    vetoes=[veto("V", "=", 1, "cap", cap_level="Yếu")]),
    "units": [u("A"), u("B")],
    "observations": _four("A", 100, 100, 100, 50) + [o("A", "V", 1)]
    + _four("B", 100, 100, 100, 100) + [o("B", "V", 1)],
    "expected": {
        # 90, held to Khá by G4 (10 < 12); veto caps at Yếu; held_by unchanged
        "A": {"total": 90.0, "level": "Yếu", "held_by": "G4", "cap": KHT},
        "B": {"total": 100.0, "level": "Yếu", "held_by": ""},
    },
})

CASES.append({
    "id": "veto_not_rated_wins_over_cap",
    "catalogue": cat(P=ind("percent", PCT100), V1=ind("count"), K2=ind("count")),
    "profile": prof(
        [group("G1", 100, item("P"))],
        bands=FOUR_BANDS,
        vetoes=[veto("V1", ">", 0, "not_rated", reason="Người đứng đầu bị kỷ luật trong năm"),
                veto("K2", ">=", 1, "cap", cap_level="Trung bình")],
    ),
    "units": [u(x) for x in "ABCDE"],
    "observations": [
        o("A", "P", 80), o("A", "V1", 1),
        o("B", "P", 80), o("B", "V1", 0),
        o("C", "P", 95), o("C", "V1", 2), o("C", "K2", 1),
        o("D", "P", 70), o("D", "K2", 1),
        o("E", "P", 90),
    ],
    "expected": {
        "A": {"rated": False, "level": None, "cap": None, "rank": None, "total": 80.0,
              "not_rated_reason": "Người đứng đầu bị kỷ luật trong năm"},
        "B": {"rated": True, "level": "Khá", "not_rated_reason": None, "rank": 2},  # 0 > 0 false
        "C": {"rated": False, "level": None, "total": 95.0,
              "not_rated_reason": "Người đứng đầu bị kỷ luật trong năm"},  # cap reason not listed
        "D": {"rated": True, "level": "Trung bình", "rank": 3},   # Khá capped at TB
        "E": {"rated": True, "level": "Tốt", "rank": 1},          # V1 missing
    },
})

CASES.append({
    "id": "veto_ops_and_ratio_percentage",
    "catalogue": cat(P=ind("percent", PCT100), R=ind("ratio"), Y=ind("yesno"), K=ind("count")),
    "profile": prof(
        [group("G1", 100, item("P"))],
        bands=FOUR_BANDS,
        vetoes=[veto("R", "<", 50, "cap", cap_level="Trung bình"),
                veto("Y", "!=", 1, "cap", cap_level="Khá"),
                veto("K", "<=", 2, "cap", cap_level="Yếu")],
    ),
    "units": [u(x) for x in "ABCDEFGH"],
    "observations": [o(x, "P", 95) for x in "ABCDEFGH"] + [
        o("A", "R", num=1, den=4),
        o("B", "R", num=2, den=4),
        o("C", "R", num=0, den=0),
        o("D", "R", num=0, den=3),
        o("E", "Y", 0),
        o("F", "Y", 1),
        o("G", "K", 2),
        o("H", "K", 3),
    ],
    "expected": {
        "A": {"level": "Trung bình"},  # 100*1/4 = 25 < 50
        "B": {"level": "Tốt"},         # 50 < 50 false
        "C": {"level": "Tốt"},         # den 0 -> null -> never triggers
        "D": {"level": "Trung bình"},  # 0 < 50
        "E": {"level": "Khá"},         # 0 != 1
        "F": {"level": "Tốt"},         # 1 != 1 false
        "G": {"level": "Yếu"},         # 2 <= 2
        "H": {"level": "Tốt"},         # 3 <= 2 false
    },
})

CASES.append({
    "id": "vetoes_and_adjustments_only_where_indicator_applies",
    "catalogue": cat(
        Y=ind("yesno", YESNO),
        D=ind("count", applies=["commune"]),
        V=ind("yesno", applies=["commune"]),
    ),
    "profile": prof([group("G1", 100, item("Y"))],
                    adjustments=[adj("D", "deduction", points_each=5)],
                    vetoes=[veto("V", "=", 1, "not_rated", reason="Vi phạm")]),
    "units": [u("A", "commune"), u("B", "agency"), u("C", "commune")],
    "observations": [
        o("A", "Y", 1), o("A", "D", 2), o("A", "V", 0),
        o("B", "Y", 1), o("B", "D", 2), o("B", "V", 1),   # D, V do not apply to agency
        o("C", "Y", 1), o("C", "V", 1),
    ],
    "expected": {
        "A": {"deduction": 10.0, "total": 90.0, "rated": True},   # 2*5
        "B": {"deduction": 0.0, "total": 100.0, "rated": True, "not_rated_reason": None},
        "C": {"deduction": 0.0, "total": 100.0, "rated": False, "not_rated_reason": "Vi phạm"},
    },
})

CASES.append({
    "id": "not_rated_if_incomplete",
    "catalogue": cat(
        P=ind("percent", PCT100),
        R=ind("ratio", {"type": "ratio", "zero_denominator": "not_applicable", "then": "proportional", "target": 100}),
        Y=ind("yesno", YESNO),
        D=ind("count"),
    ),
    "profile": prof([group("G1", 50, item("P"), item("R")), group("G2", 50, item("Y"))],
                    bands=FOUR_BANDS, not_rated_if_incomplete=True,
                    adjustments=[adj("D", "deduction", points_each=1)]),
    "units": [u(x) for x in "ABCD"],
    "observations": [
        o("A", "P", 100), o("A", "R", num=1, den=1),
        o("B", "P", 100), o("B", "R", num=1, den=2), o("B", "Y", 1),
        o("C", "P", 100), o("C", "R", num=0, den=0), o("C", "Y", 1),
        o("D", "P", 100), o("D", "R", num=3, den=3), o("D", "Y", 1), o("D", "D", 2),
    ],
    "expected": {
        # Y missing: 25 + 25 + 0 = 50, not rated
        "A": {"total": 50.0, "complete": False, "rated": False, "level": None, "cap": None,
              "rank": None, "not_rated_reason": INCOMPLETE},
        # 25 + 25*0.5 + 50 = 87.5
        "B": {"total": 87.5, "complete": True, "rated": True, "level": "Khá", "rank": 3},
        # R leaves (P carries 50), D missing is not incompleteness: 50 + 50
        "C": {"total": 100.0, "complete": True, "rated": True, "level": "Tốt", "rank": 1},
        "D": {"total": 98.0, "deduction": 2.0, "rated": True, "rank": 2},  # 100 - 2*1
    },
})

_R_B = "Để xảy ra khiếu kiện đông người"
_R_A = "Người đứng đầu bị kỷ luật trong năm"

CASES.append({
    "id": "multiple_not_rated_reasons_in_profile_order",
    "catalogue": cat(P=ind("percent", PCT100), Y=ind("yesno", YESNO),
                     VB=ind("yesno"), VC=ind("yesno"), VA=ind("yesno")),
    "profile": prof(
        [group("G1", 100, item("P"), item("Y"))],
        bands=FOUR_BANDS,
        not_rated_if_incomplete=True,
        vetoes=[veto("VB", "=", 1, "not_rated", reason=_R_B),
                veto("VC", "=", 1, "cap", cap_level="Yếu", reason="Giới hạn"),
                veto("VA", "=", 1, "not_rated", reason=_R_A)],
    ),
    "units": [u(x) for x in "ABCDE"],
    "observations": [
        o("A", "P", 100), o("A", "VB", 1), o("A", "VC", 1), o("A", "VA", 1),
        o("B", "P", 100), o("B", "Y", 1), o("B", "VA", 1),
        o("C", "Y", 1), o("C", "VB", 1),
        o("D", "P", 40),
        o("E", "P", 100), o("E", "Y", 1), o("E", "VC", 1),
    ],
    "expected": {
        "A": {"total": 50.0, "rated": False,  # 50*1 + Y missing 0
              "not_rated_reason": f"{_R_B}; {_R_A}; {INCOMPLETE}"},
        "B": {"total": 100.0, "rated": False, "complete": True, "not_rated_reason": _R_A},
        "C": {"total": 50.0, "rated": False, "not_rated_reason": f"{_R_B}; {INCOMPLETE}"},  # P missing
        "D": {"total": 20.0, "rated": False, "not_rated_reason": INCOMPLETE},  # 50*0.4, Y missing
        "E": {"total": 100.0, "rated": True, "level": "Yếu", "not_rated_reason": None, "rank": 1},
    },
})
