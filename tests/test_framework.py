"""The framework loader (dcmetrics/framework.py): the real files, and every validation message.

The validation cases are table-driven: a small VALID catalogue and profile (BASE_CATALOGUE,
BASE_PROFILE, built as dicts), one mutation per case, and the exact `str(problem)` of every
problem reported, in order (no message: the input is accepted). `test_every_message_is_exercised`
reads framework.py and fails when a message of the loader has no case here.
"""

from __future__ import annotations

import ast
import copy
import datetime
import json
import math
import re
import shutil
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import sourced

from dcmetrics import config, framework
from dcmetrics.errors import FrameworkError, NotFound
from dcmetrics.framework import get_profile, load_catalogue, load_profiles, parse_catalogue, parse_profile

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# ================================================================= the real files

GROUP_COUNTS = {"vinh-linh": 7, "bac-giang": 4, "ca-mau": 5, "cao-xanh": 5, "thai-nguyen": 6, "chung": 7}
SEED_PROFILES = ["vinh-linh", "bac-giang", "ca-mau", "cao-xanh", "thai-nguyen"]
ALL_PROFILES = sorted([*GROUP_COUNTS, "tiep-can-phap-luat-mau"])


def test_every_real_profile_loads(profiles):
    assert sorted(profiles) == ALL_PROFILES
    for pid, p in profiles.items():
        assert p.id == pid
        assert p.version and p.title and p.sha256


@pytest.mark.parametrize("pid", sorted(GROUP_COUNTS))
def test_real_group_counts(profiles, pid):
    assert len(profiles[pid].groups) == GROUP_COUNTS[pid]


@pytest.mark.parametrize("pid", ALL_PROFILES)
def test_real_groups_are_well_formed(profiles, pid):
    p = profiles[pid]
    assert [g.key for g in p.groups] == [f"G{i}" for i in range(1, len(p.groups) + 1)]
    assert all(len(g.items) >= 1 for g in p.groups), [g.key for g in p.groups if not g.items]
    assert sum(g.points for g in p.groups) == pytest.approx(100)
    for g, it in p.items:
        assert it.clause.strip(), f"{pid} {g.key} {it.indicator.code}: mục không ghi điều khoản"


@pytest.mark.parametrize("pid", SEED_PROFILES)
def test_seed_profile_names_its_own_document_and_seed(profiles, pid):
    doc = profiles[pid].document
    assert doc.id == pid
    assert re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", doc.seed), doc.seed


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason=f"{SEEDS_DIR} không có (../shared vắng mặt)")
@pytest.mark.parametrize("pid", SEED_PROFILES)
def test_seed_file_exists(profiles, pid):
    assert (SEEDS_DIR / profiles[pid].document.seed).is_file()


def test_every_catalogue_indicator_has_a_source():
    _, docs, indicators = load_catalogue()
    assert indicators
    for code, ind in indicators.items():
        assert len(ind.sources) >= 1, code
        for s in ind.sources:
            assert s.doc in docs and s.clause.strip(), (code, s)


def test_legal_access_sample_shows_every_rule(profiles):
    p = profiles["tiep-can-phap-luat-mau"]
    types = {it.rule.type for _, it in p.items}
    assert {"bands", "yesno", "failures", "ratio", "direct"} <= types
    assert any(it.rule.type == "ratio" and it.rule.zero_denominator == "full" for _, it in p.items)
    assert any(v.effect == "not_rated" for v in p.vetoes)
    assert {a.kind for a in p.adjustments} >= {"bonus", "deduction"}
    assert p.total_max == 105
    assert p.not_rated_if_incomplete is True


def test_get_profile_unknown_id():
    with pytest.raises(NotFound) as e:
        get_profile("khong-co")
    assert str(e.value) == (f"Không có bộ tiêu chí «khong-co». Các bộ hiện có: {', '.join(ALL_PROFILES)}.")


def test_get_profile_known_id(profiles):
    assert get_profile("ca-mau").sha256 == profiles["ca-mau"].sha256


# ================================================================= the valid base

def base_catalogue() -> dict:
    src = [{"doc": "doc-a", "clause": "Điều 1, khoản 1"}]

    def ind(kind: str, rule: dict, **extra) -> dict:
        return {"name": f"Chỉ tiêu {kind}", "definition": "Số việc đã làm trong năm đánh giá.", "kind": kind,
                "applies": ["commune", "agency", "service", "enterprise"], "sources": copy.deepcopy(src),
                "rule": rule, **extra}

    return {
        "version": "2025.t",
        "documents": {"doc-a": {"title": "Nghị quyết thử", "issuer": "HĐND tỉnh Thử", "number": "1/NQ-HĐND",
                                "date": "2024-01-01", "seed": ""}},
        "indicators": {
            "PCT": ind("percent", {"type": "proportional", "target": 100}),
            "YN": ind("yesno", {"type": "yesno"}),
            "CNT": ind("count", {"type": "proportional", "target": 4}),
            "VIOL": ind("count", {"type": "lower_better", "target": 0, "bound": 3}),
            "RAT": ind("ratio", {"type": "ratio", "zero_denominator": "full", "then": "proportional", "target": 100},
                       numerator="Số việc đã giải quyết", denominator="Số việc phát sinh"),
            "PTS": ind("points", {"type": "direct"}, max=2.0, step=0.25),
            "HEAD": ind("yesno", {"type": "yesno", "expect": 0}, entered_by="superior"),
            "BONUS": ind("count", {"type": "proportional", "target": 1}),
        },
    }


def base_profile() -> dict:
    return sourced({
        "id": "mau",
        "version": "2024.1",
        "title": "Bộ tiêu chí thử",
        "document": "doc-a",
        "total_max": 105,
        "not_rated_if_incomplete": False,
        "groups": [
            {"key": "G1", "number": "1", "name": "Bồi dưỡng", "clause": "Điều 1, mục 1", "points": 40,
             "items": [{"indicator": "PCT", "clause": "Điều 1, mục 1, điểm a", "weight": 2},
                       {"indicator": "YN", "clause": "Điều 1, mục 1, điểm b"}]},
            {"key": "G2", "number": "2.a", "name": "Công khai, giám sát", "clause": "Điều 1, mục 2", "points": 60,
             "items": [{"indicator": "CNT", "clause": "Điều 1, mục 2, điểm a",
                        "rule": {"type": "bands", "bands": [{"from": 0, "to": 2, "share": 0},
                                                            {"from": 2, "to": 4, "share": 0.5},
                                                            {"from": 4, "to": "inf", "share": 1}]}},
                       {"indicator": "RAT", "clause": "Điều 1, mục 2, điểm b",
                        "rule": {"type": "ratio", "zero_denominator": "not_applicable", "then": "bands",
                                 "bands": [{"from": 0, "to": 50, "share": 0}, {"from": 50, "to": 100, "share": 1}]}},
                       {"indicator": "PTS", "clause": "Điều 1, mục 2, điểm c"},
                       {"indicator": "VIOL", "clause": "Điều 1, mục 2, điểm d",
                        "rule": {"type": "failures", "mode": "each", "share_each": 0.5}}]},
        ],
        "bands": [
            {"level": "Tốt", "min_total": 90, "floor": 0.5, "cap": "Hoàn thành xuất sắc nhiệm vụ"},
            {"level": "Khá", "min_total": 70, "floor": 0.5, "cap": "Hoàn thành tốt nhiệm vụ"},
            {"level": "Đạt", "min_total": 50, "cap": "Hoàn thành nhiệm vụ"},
            {"level": "Chưa đạt", "min_total": 0, "floor": 0.0, "cap": "Không hoàn thành nhiệm vụ"},
        ],
        "vetoes": [
            {"indicator": "HEAD", "op": ">=", "value": 1, "effect": "not_rated",
             "reason": "Người đứng đầu bị kỷ luật", "clause": "Điều 2"},
            {"indicator": "YN", "op": "=", "value": 0, "effect": "cap", "cap_level": "Khá",
             "reason": "Chưa có kế hoạch", "clause": "Điều 3"},
        ],
        "adjustments": [
            {"indicator": "BONUS", "kind": "bonus", "points_each": 2.5, "cap": 5, "clause": "Điều 4"},
            {"indicator": "VIOL", "kind": "deduction", "points_each": 2, "cap": 6, "clause": "Điều 5"},
            {"indicator": "PTS", "kind": "bonus", "clause": "Điều 6"},  # points: no points_each needed
        ],
        "adjustment_caps": {"deduction": 10, "bonus": 5},
        "targets": [{"key": "a", "text": "100% đơn vị ban hành quy chế", "indicator": "PCT", "goal": 100,
                     "clause": "Điều 1, mục 2, điểm a", "source": "muc-tieu-a"}],
        "commendation": {"min_level": "Tốt", "min_total": 90, "require_complete": True,
                         "no_unhandled_violation": True, "previous_years": 1, "max_share": 0.15,
                         "max_per_area": 5, "source": "qd-12"},
        "sources": {"muc-tieu-a": {"kind": "clause", "clause": "Điều 1, mục 2, điểm a",
                                   "quote": "Bảo đảm 100% đơn vị ban hành quy chế"},
                    "qd-12": {"kind": "decision", "number": "12/QĐ-UBND", "date": "05/01/2026",
                              "issuer": "UBND tỉnh Mẫu"}},
    })


BASE_CATALOGUE = base_catalogue()
BASE_PROFILE = base_profile()


def test_base_catalogue_and_profile_are_valid():
    cat = parse_catalogue(copy.deepcopy(BASE_CATALOGUE))
    p = parse_profile(copy.deepcopy(BASE_PROFILE), cat, "profile.toml", expected_id="mau")
    assert [g.key for g in p.groups] == ["G1", "G2"]
    assert [len(g.items) for g in p.groups] == [2, 4]
    assert {it.rule.type for _, it in p.items} == {"proportional", "yesno", "bands", "ratio", "direct", "failures"}
    assert p.level_names() == ["Tốt", "Khá", "Đạt", "Chưa đạt"]
    assert [v.effect for v in p.vetoes] == ["not_rated", "cap"]
    assert [a.kind for a in p.adjustments] == ["bonus", "deduction", "bonus"]
    assert p.total_max == 105 and p.not_rated_if_incomplete is False and p.sha256
    assert cat[2]["VIOL"].rule.type == "lower_better"  # the catalogue rule, overridden in the profile


# ================================================================= mutations

def _walk(d: Any, path: str) -> tuple[Any, Any]:
    *parents, last = path.split(".")
    for k in parents:
        d = d[int(k)] if isinstance(d, list) else d[k]
    return d, (int(last) if isinstance(d, list) else last)


def SET(path: str, value: Any):
    def op(d):
        parent, k = _walk(d, path)
        parent[k] = value
    return op


def DEL(path: str):
    def op(d):
        parent, k = _walk(d, path)
        del parent[k]
    return op


def APPEND(path: str, value: Any):
    def op(d):
        parent, k = _walk(d, path)
        parent[k].append(value)
    return op


def INSERT(path: str, index: int, value: Any):
    def op(d):
        parent, k = _walk(d, path)
        parent[k].insert(index, value)
    return op


@dataclass
class Case:
    id: str
    target: str  # "catalogue" | "profile"
    ops: list
    expected: list[str]  # the exact str(problem) of every problem, in order


def C(id_, ops, *expected):
    return Case(id_, "catalogue", ops if isinstance(ops, list) else [ops], list(expected))


def P(id_, ops, *expected):
    return Case(id_, "profile", ops if isinstance(ops, list) else [ops], list(expected))


CAT = "catalogue.toml"
PRO = "profile.toml"
RK = '"proportional", "lower_better", "bands", "yesno", "failures", "ratio", "direct"'
KK = '"percent", "yesno", "count", "ratio", "points"'
OPS = '"=", "!=", ">", ">=", "<", "<="'
ITEM = f"{PRO} › nhóm G1 › chỉ tiêu PCT"
YN_ITEM = f"{PRO} › nhóm G1 › chỉ tiêu YN"
CNT_RULE = f"{PRO} › nhóm G2 › chỉ tiêu CNT › quy tắc chấm"
RAT_RULE = f"{PRO} › nhóm G2 › chỉ tiêu RAT › quy tắc chấm"
VIOL_RULE = f"{PRO} › nhóm G2 › chỉ tiêu VIOL › quy tắc chấm"
CNT_BANDS = "groups.1.items.0.rule.bands"
RAT_BANDS = "groups.1.items.1.rule.bands"

CASES: list[Case] = [
    # ------------------------------------------------------------ unknown fields (every call site)
    C("unknown-catalogue-field", SET("edition", 2),
      f"{CAT}: trường «edition» không được hỗ trợ (các trường hợp lệ: documents, indicators, version)"),
    C("unknown-indicator-field", SET("indicators.PCT.unit", "%"),
      f"{CAT} › chỉ tiêu PCT: trường «unit» không được hỗ trợ (các trường hợp lệ: applies, definition, "
      "denominator, entered_by, kind, max, name, numerator, rule, sources, step)"),
    C("unknown-rule-field-catalogue", SET("indicators.PCT.rule.traget", 90),
      f"{CAT} › chỉ tiêu PCT › quy tắc chấm: trường «traget» không được hỗ trợ (các trường hợp lệ: bands, "
      "bound, expect, mode, share_each, target, then, type, zero_denominator)"),
    P("unknown-profile-field", SET("colour", "xanh"),
      f"{PRO}: trường «colour» không được hỗ trợ (các trường hợp lệ: adjustment_caps, adjustments, bands, "
      "commendation, criterion, document, effective_from, excluded, groups, id, not_rated_if_incomplete, rounding, "
      "sources, targets, title, total_max, total_max_source, unit_types, version, vetoes)"),
    *[P(f"effective-from-{name}", SET("effective_from", value),
        f"{PRO}: «effective_from» (năm đầu tiên áp dụng) phải là một năm từ 2000 đến 2100, đang là «{shown}»")
      for name, value, shown in [("too-early", 1999, "1999"), ("text", "2024", "2024"), ("bool", True, "true"),
                                 ("fraction", 2024.5, "2024.5")]],
    P("unknown-group-field", SET("groups.0.weight", 1),
      f"{PRO} › nhóm G1: trường «weight» không được hỗ trợ (các trường hợp lệ: clause, items, key, name, "
      "number, points, source)"),
    P("unknown-item-field", SET("groups.0.items.0.weigth", 2),
      f"{ITEM}: trường «weigth» không được hỗ trợ (các trường hợp lệ: applies, clause, indicator, rule, rule_source, source, weight)"),
    P("unknown-rule-field-profile", SET("groups.1.items.3.rule.share", 0.5),
      f"{VIOL_RULE}: trường «share» không được hỗ trợ (các trường hợp lệ: bands, bound, expect, mode, "
      "share_each, target, then, type, zero_denominator)"),
    P("unknown-band-range-field", SET(f"{CNT_BANDS}.0.points", 0),
      f"{CNT_RULE} › khoảng 1: trường «points» không được hỗ trợ (các trường hợp lệ: from, share, to)"),
    P("unknown-level-field", SET("bands.0.color", "green"),
      f"{PRO} › mức Tốt: trường «color» không được hỗ trợ (các trường hợp lệ: cap, floor, level, min_total, source)"),
    P("unknown-veto-field", SET("vetoes.0.level", "Khá"),
      f"{PRO} › điều kiện loại trừ 1: trường «level» không được hỗ trợ (các trường hợp lệ: cap_level, clause, "
      "effect, indicator, op, reason, source, value)"),
    P("unknown-adjustment-field", SET("adjustments.0.points", 2),
      f"{PRO} › điểm cộng/trừ 1: trường «points» không được hỗ trợ (các trường hợp lệ: cap, clause, indicator, "
      "kind, points_each, source)"),
    P("unknown-adjustment-caps-field", SET("adjustment_caps.penalty", 3),
      f"{PRO} › adjustment_caps: trường «penalty» không được hỗ trợ (các trường hợp lệ: bonus, deduction, source)"),
    P("unknown-target-field", SET("targets.0.year", 2025),
      f"{PRO} › mục tiêu a: trường «year» không được hỗ trợ (các trường hợp lệ: clause, goal, indicator, key, "
      "source, text)"),
    P("unknown-commendation-field", SET("commendation.max_units", 3),
      f"{PRO} › commendation: trường «max_units» không được hỗ trợ (các trường hợp lệ: max_per_area, max_share, "
      "min_level, min_total, no_unhandled_violation, previous_years, require_complete, source)"),
    # ------------------------------------------------------------ missing required fields
    C("missing-catalogue-version", DEL("version"), f"{CAT}: thiếu trường bắt buộc «version»"),
    C("missing-document-issuer", DEL("documents.doc-a.issuer"),
      f"{CAT} › văn bản doc-a: thiếu trường bắt buộc «issuer»"),
    C("missing-indicator-name", DEL("indicators.YN.name"), f"{CAT} › chỉ tiêu YN: thiếu trường bắt buộc «name»"),
    C("missing-indicator-definition", DEL("indicators.YN.definition"),
      f"{CAT} › chỉ tiêu YN: thiếu trường bắt buộc «definition»"),
    C("missing-source-clause", DEL("indicators.PCT.sources.0.clause"),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: thiếu trường bắt buộc «clause»"),
    P("missing-profile-version", DEL("version"), f"{PRO}: thiếu trường bắt buộc «version»"),
    P("missing-profile-id", DEL("id"), f"{PRO}: thiếu trường bắt buộc «id»"),
    P("missing-group-name", DEL("groups.1.name"), f"{PRO} › nhóm G2: thiếu trường bắt buộc «name»"),
    P("missing-item-clause", DEL("groups.0.items.1.clause"), f"{YN_ITEM}: thiếu trường bắt buộc «clause»"),
    P("missing-level-cap", DEL("bands.1.cap"), f"{PRO} › mức Khá: thiếu trường bắt buộc «cap»"),
    P("missing-veto-reason", DEL("vetoes.0.reason"), f"{PRO} › điều kiện loại trừ 1: thiếu trường bắt buộc «reason»"),
    P("missing-veto-value", DEL("vetoes.0.value"), f"{PRO} › điều kiện loại trừ 1: thiếu trường bắt buộc «value»"),
    P("missing-adjustment-points-each", DEL("adjustments.1.points_each"),
      f"{PRO} › điểm cộng/trừ 2: thiếu trường bắt buộc «points_each»"),
    P("missing-target-text", DEL("targets.0.text"), f"{PRO} › mục tiêu a: thiếu trường bắt buộc «text»"),
    # a missing group point also spoils the total: two problems
    P("missing-group-points", DEL("groups.1.points"),
      f"{PRO} › nhóm G2: thiếu trường bắt buộc «points»",
      f"{PRO}: tổng điểm các nhóm là 40, phải bằng 100"),
    # ------------------------------------------------------------ text: type, emptiness, NFC
    C("document-title-not-text", SET("documents.doc-a.title", 2024),
      f"{CAT} › văn bản doc-a: trường «title» phải là một chuỗi chữ không rỗng"),
    # «seed» is optional: it may be empty, but not a number
    C("document-seed-not-text", SET("documents.doc-a.seed", 1),
      f"{CAT} › văn bản doc-a: trường «seed» phải là một chuỗi chữ"),
    C("document-seed-empty", SET("documents.doc-a.seed", "")),
    P("profile-title-blank", SET("title", "   "), f"{PRO}: trường «title» phải là một chuỗi chữ không rỗng"),
    P("group-clause-not-text", SET("groups.0.clause", ["Điều 1"]),
      f"{PRO} › nhóm G1: trường «clause» phải là một chuỗi chữ không rỗng"),
    P("profile-title-nfd", SET("title", unicodedata.normalize("NFD", "Bộ tiêu chí thử")),
      f"{PRO}: trường «title» chưa chuẩn hóa Unicode NFC (dấu tách rời)"),
    C("indicator-name-nfd", SET("indicators.PCT.name", unicodedata.normalize("NFD", "Tỷ lệ được bồi dưỡng")),
      f"{CAT} › chỉ tiêu PCT: trường «name» chưa chuẩn hóa Unicode NFC (dấu tách rời)"),
    P("item-clause-nfd", SET("groups.0.items.0.clause", unicodedata.normalize("NFD", "Điều 1, mục 1, điểm a")),
      f"{ITEM}: trường «clause» chưa chuẩn hóa Unicode NFC (dấu tách rời)"),
    # ------------------------------------------------------------ numbers
    P("weight-not-a-number", SET("groups.0.items.0.weight", "hai"),
      f"{ITEM}: trường «weight» phải là một số hữu hạn, đang là «hai»"),
    P("total-max-boolean", SET("total_max", True), f"{PRO}: trường «total_max» phải là một số hữu hạn, đang là «true»"),
    P("goal-not-a-number", SET("targets.0.goal", "100%"),
      f"{PRO} › mục tiêu a: trường «goal» phải là một số hữu hạn, đang là «100%»"),
    P("goal-boolean", SET("targets.0.goal", False),
      f"{PRO} › mục tiêu a: trường «goal» phải là một số hữu hạn, đang là «false»"),
    P("veto-value-boolean", SET("vetoes.0.value", True),
      f"{PRO} › điều kiện loại trừ 1: trường «value» phải là một số hữu hạn, đang là «true»"),
    P("yesno-expect-boolean", SET("groups.0.items.1.rule", {"type": "yesno", "expect": True}),
      f"{YN_ITEM} › quy tắc chấm: trường «expect» phải là một số hữu hạn, đang là «true»"),
    # nan and inf (TOML `nan`, `inf`, or the string "inf") are not finite numbers
    C("points-max-inf-text", SET("indicators.PTS.max", "inf"),
      f"{CAT} › chỉ tiêu PTS: trường «max» phải là một số hữu hạn, đang là «inf»"),
    C("points-max-inf", SET("indicators.PTS.max", math.inf),
      f"{CAT} › chỉ tiêu PTS: trường «max» phải là một số hữu hạn, đang là «inf»"),
    C("points-max-nan", SET("indicators.PTS.max", math.nan),
      f"{CAT} › chỉ tiêu PTS: trường «max» phải là một số hữu hạn, đang là «nan»"),
    C("points-step-nan", SET("indicators.PTS.step", math.nan),
      f"{CAT} › chỉ tiêu PTS: trường «step» phải là một số hữu hạn, đang là «nan»"),
    C("points-max-boolean", SET("indicators.PTS.max", True),
      f"{CAT} › chỉ tiêu PTS: trường «max» phải là một số hữu hạn, đang là «true»"),
    # a nan group point also spoils the total: two problems
    P("group-points-nan", SET("groups.0.points", math.nan),
      f"{PRO} › nhóm G1: trường «points» phải là một số hữu hạn, đang là «nan»",
      f"{PRO}: tổng điểm các nhóm là 60, phải bằng 100"),
    P("weight-inf-text", SET("groups.0.items.0.weight", "inf"),
      f"{ITEM}: trường «weight» phải là một số hữu hạn, đang là «inf»"),
    P("weight-inf", SET("groups.0.items.0.weight", math.inf),
      f"{ITEM}: trường «weight» phải là một số hữu hạn, đang là «inf»"),
    P("total-max-nan", SET("total_max", math.nan), f"{PRO}: trường «total_max» phải là một số hữu hạn, đang là «nan»"),
    P("total-max-inf", SET("total_max", "inf"), f"{PRO}: trường «total_max» phải là một số hữu hạn, đang là «inf»"),
    P("veto-value-inf", SET("vetoes.1.value", -math.inf),
      f"{PRO} › điều kiện loại trừ 2: trường «value» phải là một số hữu hạn, đang là «-inf»"),
    P("target-goal-nan", SET("targets.0.goal", math.nan),
      f"{PRO} › mục tiêu a: trường «goal» phải là một số hữu hạn, đang là «nan»"),
    P("band-share-nan", SET(f"{CNT_BANDS}.1.share", math.nan),
      f"{CNT_RULE} › khoảng 2: trường «share» phải là một số hữu hạn, đang là «nan»"),
    P("band-from-inf", SET(f"{CNT_BANDS}.2.from", "inf"),
      f"{CNT_RULE} › khoảng 3: trường «from» phải là một số hữu hạn, đang là «inf»"),
    # only a band's «to» may be infinite, written "inf" (the base) or as the TOML float inf
    P("band-to-inf-float", SET(f"{CNT_BANDS}.2.to", math.inf)),
    P("lower-better-bound-inf", SET("groups.1.items.3.rule", {"type": "lower_better", "target": 0, "bound": "inf"}),
      f"{VIOL_RULE}: trường «bound» phải là một số hữu hạn, đang là «inf»"),
    # ------------------------------------------------------------ rules
    C("rule-missing", DEL("indicators.PCT.rule"),
      f"{CAT} › chỉ tiêu PCT › quy tắc chấm: thiếu quy tắc chấm điểm «rule»"),
    P("rule-override-not-a-table", SET("groups.0.items.0.rule", "proportional"),
      f"{ITEM} › quy tắc chấm: quy tắc chấm «rule» phải là một bảng, ví dụ rule = {{ type = \"yesno\" }}"),
    C("rule-not-a-table-catalogue", SET("indicators.YN.rule", "yesno"),
      f"{CAT} › chỉ tiêu YN › quy tắc chấm: quy tắc chấm «rule» phải là một bảng, ví dụ rule = {{ type = \"yesno\" }}"),
    C("rule-type-unknown", SET("indicators.PCT.rule.type", "linear"),
      f"{CAT} › chỉ tiêu PCT › quy tắc chấm: «type» phải là một trong {RK}; đang là «linear»"),
    P("rule-type-missing", SET("groups.0.items.0.rule", {"target": 100}),
      f"{ITEM} › quy tắc chấm: thiếu trường bắt buộc «type» (hợp lệ: {RK})"),
    C("rule-type-missing-catalogue", DEL("indicators.YN.rule.type"),
      f"{CAT} › chỉ tiêu YN › quy tắc chấm: thiếu trường bắt buộc «type» (hợp lệ: {RK})"),
    C("rule-type-boolean", SET("indicators.YN.rule.type", True),
      f"{CAT} › chỉ tiêu YN › quy tắc chấm: «type» phải là một trong {RK}; đang là «true»"),
    # a TOML array where a word is expected is shown TOML-style (it crashed: unhashable list)
    C("rule-type-array", SET("indicators.PCT.rule.type", ["bands"]),
      f"{CAT} › chỉ tiêu PCT › quy tắc chấm: «type» phải là một trong {RK}; đang là «[bands]»"),
    P("rule-not-for-kind", SET("groups.0.items.0.rule", {"type": "yesno"}),
      f"{ITEM} › quy tắc chấm: quy tắc «yesno» không dùng được cho chỉ tiêu loại «percent» (chỉ cho: yesno)"),
    C("rule-not-for-kind-catalogue", SET("indicators.PTS.rule", {"type": "proportional", "target": 2}),
      f"{CAT} › chỉ tiêu PTS › quy tắc chấm: quy tắc «proportional» không dùng được cho chỉ tiêu loại «points» "
      "(chỉ cho: percent, count)"),
    P("proportional-target-zero", SET("groups.0.items.0.rule", {"type": "proportional", "target": 0}),
      f"{ITEM} › quy tắc chấm: chỉ tiêu «target» phải lớn hơn 0, đang là 0"),
    C("proportional-target-missing", DEL("indicators.CNT.rule.target"),
      f"{CAT} › chỉ tiêu CNT › quy tắc chấm: thiếu trường bắt buộc «target»"),
    C("lower-better-bound-equals-target", SET("indicators.VIOL.rule.target", 3),
      f"{CAT} › chỉ tiêu VIOL › quy tắc chấm: ngưỡng 0 điểm «bound» (3) phải lớn hơn chỉ tiêu «target» (3)"),
    C("lower-better-bound-below-target", SET("indicators.VIOL.rule.bound", -1),
      f"{CAT} › chỉ tiêu VIOL › quy tắc chấm: ngưỡng 0 điểm «bound» (-1) phải lớn hơn chỉ tiêu «target» (0)"),
    C("lower-better-target-negative", SET("indicators.VIOL.rule.target", -1),
      f"{CAT} › chỉ tiêu VIOL › quy tắc chấm: chỉ tiêu «target» không được âm, đang là -1"),
    # a negative target below a negative bound: both problems
    P("lower-better-target-and-bound-negative",
      SET("groups.1.items.3.rule", {"type": "lower_better", "target": -1, "bound": -2}),
      f"{VIOL_RULE}: chỉ tiêu «target» không được âm, đang là -1",
      f"{VIOL_RULE}: ngưỡng 0 điểm «bound» (-2) phải lớn hơn chỉ tiêu «target» (-1)"),
    P("yesno-expect-2", SET("groups.0.items.1.rule", {"type": "yesno", "expect": 2}),
      f"{YN_ITEM} › quy tắc chấm: «expect» phải là 1 (Có) hoặc 0 (Không), đang là 2"),
    P("failures-mode", SET("groups.1.items.3.rule", {"type": "failures", "mode": "all"}),
      f"{VIOL_RULE}: «mode» phải là một trong \"any\", \"each\"; đang là «all»"),
    P("failures-mode-missing", SET("groups.1.items.3.rule", {"type": "failures"}),
      f"{VIOL_RULE}: thiếu trường bắt buộc «mode» (hợp lệ: \"any\", \"each\")"),
    P("failures-share-each-zero", SET("groups.1.items.3.rule.share_each", 0),
      f"{VIOL_RULE}: «share_each» phải lớn hơn 0 và không quá 1, đang là 0"),
    P("failures-share-each-above-1", SET("groups.1.items.3.rule.share_each", 1.5),
      f"{VIOL_RULE}: «share_each» phải lớn hơn 0 và không quá 1, đang là 1.5"),
    P("failures-share-each-missing", DEL("groups.1.items.3.rule.share_each"),
      f"{VIOL_RULE}: thiếu trường bắt buộc «share_each»"),
    P("ratio-zero-denominator", SET("groups.1.items.1.rule.zero_denominator", "none"),
      f"{RAT_RULE}: «zero_denominator» phải là một trong \"full\", \"not_applicable\", \"zero\"; đang là «none»"),
    C("ratio-zero-denominator-missing", DEL("indicators.RAT.rule.zero_denominator"),
      f"{CAT} › chỉ tiêu RAT › quy tắc chấm: thiếu trường bắt buộc «zero_denominator» "
      "(hợp lệ: \"full\", \"not_applicable\", \"zero\")"),
    C("ratio-zero-denominator-boolean", SET("indicators.RAT.rule.zero_denominator", False),
      f"{CAT} › chỉ tiêu RAT › quy tắc chấm: «zero_denominator» phải là một trong \"full\", \"not_applicable\", "
      "\"zero\"; đang là «false»"),
    C("ratio-then", SET("indicators.RAT.rule.then", "steps"),
      f"{CAT} › chỉ tiêu RAT › quy tắc chấm: «then» phải là một trong \"proportional\", \"bands\"; đang là «steps»"),
    C("ratio-then-array", SET("indicators.RAT.rule.then", ["bands"]),
      f"{CAT} › chỉ tiêu RAT › quy tắc chấm: «then» phải là một trong \"proportional\", \"bands\"; đang là «[bands]»"),
    C("ratio-then-missing", DEL("indicators.RAT.rule.then")),  # «then» defaults to "proportional"
    C("ratio-target-above-100", SET("indicators.RAT.rule.target", 120),
      f"{CAT} › chỉ tiêu RAT › quy tắc chấm: chỉ tiêu «target» của tỷ lệ phải trong (0, 100], đang là 120"),
    C("ratio-target-zero", SET("indicators.RAT.rule.target", 0),
      f"{CAT} › chỉ tiêu RAT › quy tắc chấm: chỉ tiêu «target» của tỷ lệ phải trong (0, 100], đang là 0"),
    # ------------------------------------------------------------ bands of a rule
    P("bands-not-a-list", SET(CNT_BANDS, "0-2: 0; 2-4: 0.5"),
      f"{CNT_RULE}: quy tắc theo khoảng cần danh sách «bands» có ít nhất một khoảng"),
    P("bands-empty", SET(CNT_BANDS, []),
      f"{CNT_RULE}: quy tắc theo khoảng cần danh sách «bands» có ít nhất một khoảng"),
    P("ratio-bands-missing", DEL(RAT_BANDS),
      f"{RAT_RULE}: quy tắc theo khoảng cần danh sách «bands» có ít nhất một khoảng"),
    P("band-range-not-a-table", SET(f"{CNT_BANDS}.1", [2, 4, 0.5]),
      f"{CNT_RULE} › khoảng 2: mỗi khoảng phải có dạng {{from, to, share}}"),
    P("band-range-missing-share", DEL(f"{CNT_BANDS}.1.share"),
      f"{CNT_RULE} › khoảng 2: thiếu trường bắt buộc «share»"),
    P("band-share-above-1", SET(f"{CNT_BANDS}.1.share", 1.5),
      f"{CNT_RULE} › khoảng 2: tỷ lệ điểm «share» phải từ 0 đến 1, đang là 1.5"),
    P("band-share-negative", SET(f"{RAT_BANDS}.0.share", -0.5),
      f"{RAT_RULE} › khoảng 1: tỷ lệ điểm «share» phải từ 0 đến 1, đang là -0.5"),
    P("band-empty-range", INSERT(CNT_BANDS, 2, {"from": 4, "to": 4, "share": 1}),
      f"{CNT_RULE} › khoảng 3: cận trên 4 phải lớn hơn cận dưới 4"),
    P("band-first-not-from-0", SET(f"{CNT_BANDS}.0.from", 1),
      f"{CNT_RULE}: khoảng đầu tiên phải bắt đầu từ 0, đang bắt đầu từ 1"),
    P("band-overlap", SET(f"{CNT_BANDS}.1.from", 1),
      f"{CNT_RULE}: các khoảng chồng lên nhau: [0, 2) và [1, 4)"),
    P("band-gap", SET(f"{CNT_BANDS}.1.from", 3), f"{CNT_RULE}: các khoảng bị hở giữa 2 và 3"),
    P("band-count-last-end", SET(f"{CNT_BANDS}.2.to", 100),
      f"{CNT_RULE}: khoảng cuối phải kết thúc ở \"inf\", đang kết thúc ở 100"),
    P("band-ratio-last-end", SET(f"{RAT_BANDS}.1.to", 90),
      f"{RAT_RULE}: khoảng cuối phải kết thúc ở 100, đang kết thúc ở 90"),
    C("band-percent-last-end", SET("indicators.PCT.rule", {"type": "bands", "bands": [
        {"from": 0, "to": 50, "share": 0}, {"from": 50, "to": "inf", "share": 1}]}),
      f"{CAT} › chỉ tiêu PCT › quy tắc chấm: khoảng cuối phải kết thúc ở 100, đang kết thúc ở inf"),
    P("bands-out-of-order", SET(CNT_BANDS, [{"from": 0, "to": 2, "share": 0}, {"from": 4, "to": "inf", "share": 1},
                                           {"from": 2, "to": 4, "share": 0.5}]),
      f"{CNT_RULE}: các khoảng bị hở giữa 2 và 4",
      f"{CNT_RULE}: các khoảng chồng lên nhau: [4, inf) và [2, 4)",
      f"{CNT_RULE}: khoảng cuối phải kết thúc ở \"inf\", đang kết thúc ở 4"),
    # ------------------------------------------------------------ catalogue
    C("no-indicators", SET("indicators", {}), f"{CAT}: danh mục không có chỉ tiêu nào ([indicators.MÃ])"),
    C("indicators-missing", DEL("indicators"), f"{CAT}: danh mục không có chỉ tiêu nào ([indicators.MÃ])"),
    C("indicator-not-a-table", SET("indicators.X", "Tỷ lệ"), f"{CAT} › chỉ tiêu X: phải là một bảng [indicators.MÃ]"),
    # documents = "doc-a" or [[documents]]: reported once; the sources are not checked against a broken
    # [documents] (every one of them would name an undeclared document)
    C("documents-not-a-table", SET("documents", "doc-a"), f"{CAT}: «documents» phải là một bảng [documents]"),
    C("documents-array-of-tables", SET("documents", [{"title": "Nghị quyết thử"}]),
      f"{CAT}: «documents» phải là một bảng [documents]"),
    # ... but a source's own shape still is
    C("documents-broken-source-doc-missing", [SET("documents", "doc-a"), DEL("indicators.PCT.sources.0.doc")],
      f"{CAT}: «documents» phải là một bảng [documents]",
      f"{CAT} › chỉ tiêu PCT › nguồn 1: thiếu trường bắt buộc «doc»"),
    C("documents-broken-source-doc-array", [SET("documents", "doc-a"), SET("indicators.YN.sources.0.doc", ["doc-a"])],
      f"{CAT}: «documents» phải là một bảng [documents]",
      f"{CAT} › chỉ tiêu YN › nguồn 1: «doc» phải là một mã (chuỗi chữ), đang là «[doc-a]»"),
    C("document-not-a-table", SET("documents.doc-b", "Văn bản B"),
      f"{CAT} › văn bản doc-b: phải là một bảng [documents.doc-b]"),
    C("unknown-document-field", SET("documents.doc-a.year", 2024),
      f"{CAT} › văn bản doc-a: trường «year» không được hỗ trợ (các trường hợp lệ: date, issuer, number, seed, "
      "title)"),
    C("bad-kind", SET("indicators.PCT.kind", "percentage"),
      f"{CAT} › chỉ tiêu PCT: «kind» phải là một trong {KK}; đang là «percentage»"),
    C("kind-boolean", SET("indicators.PCT.kind", True),
      f"{CAT} › chỉ tiêu PCT: «kind» phải là một trong {KK}; đang là «true»"),
    C("kind-array", SET("indicators.PCT.kind", ["percent", "count"]),
      f"{CAT} › chỉ tiêu PCT: «kind» phải là một trong {KK}; đang là «[percent, count]»"),
    C("kind-missing", DEL("indicators.PCT.kind"), f"{CAT} › chỉ tiêu PCT: thiếu trường bắt buộc «kind» (hợp lệ: {KK})"),
    C("applies-empty", SET("indicators.PCT.applies", []),
      f"{CAT} › chỉ tiêu PCT: «applies» phải liệt kê ít nhất một loại đơn vị"),
    C("applies-not-a-list", SET("indicators.PCT.applies", "commune"),
      f"{CAT} › chỉ tiêu PCT: «applies» phải liệt kê ít nhất một loại đơn vị"),
    C("bad-unit-type", SET("indicators.PCT.applies", ["commune", "thon"]),
      f"{CAT} › chỉ tiêu PCT: loại đơn vị «thon» không hợp lệ (hợp lệ: commune, agency, service, enterprise, village)"),
    C("bad-entered-by", SET("indicators.HEAD.entered_by", "province"),
      f"{CAT} › chỉ tiêu HEAD: «entered_by» phải là một trong \"unit\", \"superior\"; đang là «province»"),
    C("entered-by-boolean", SET("indicators.HEAD.entered_by", True),
      f"{CAT} › chỉ tiêu HEAD: «entered_by» phải là một trong \"unit\", \"superior\"; đang là «true»"),
    C("entered-by-missing", DEL("indicators.HEAD.entered_by")),  # «entered_by» defaults to "unit"
    C("points-max-zero", SET("indicators.PTS.max", 0),
      f"{CAT} › chỉ tiêu PTS: điểm tối đa «max» phải lớn hơn 0, đang là 0"),
    C("points-max-missing", DEL("indicators.PTS.max"), f"{CAT} › chỉ tiêu PTS: thiếu trường bắt buộc «max»"),
    C("points-step-not-dividing", SET("indicators.PTS.step", 0.3),
      f"{CAT} › chỉ tiêu PTS: bước điểm «step» (0.3) phải dương và chia hết điểm tối đa (2)"),
    C("points-step-zero", SET("indicators.PTS.step", 0),
      f"{CAT} › chỉ tiêu PTS: bước điểm «step» (0) phải dương và chia hết điểm tối đa (2)"),
    # max / step overflows to inf (it crashed: round(inf)); 1e-320 is a subnormal float, shown as Python keeps it
    C("points-step-tiny", SET("indicators.PTS.step", 1e-320),
      f"{CAT} › chỉ tiêu PTS: trường «step» có quá 6 chữ số thập phân («1e-320»): "
      "điểm được tính chính xác đến 6 chữ số thập phân"),
    C("points-max-huge-step-small", [SET("indicators.PTS.max", 1e300), SET("indicators.PTS.step", 1e-10)],
      f"{CAT} › chỉ tiêu PTS: trường «max» quá lớn («1e+300»): phần mềm nhận số nhỏ hơn 1.000.000.000.000",
      f"{CAT} › chỉ tiêu PTS: trường «step» có quá 6 chữ số thập phân («1e-10»): "
      "điểm được tính chính xác đến 6 chữ số thập phân"),
    C("points-max-above-exact-range", SET("indicators.PTS.max", 1e12),
      f"{CAT} › chỉ tiêu PTS: trường «max» quá lớn («1000000000000.0»): phần mềm nhận số nhỏ hơn 1.000.000.000.000"),
    # TOML integers have no size limit in tomllib (it crashed: math.isfinite(10**400)); see the report
    C("points-max-huge-integer", SET("indicators.PTS.max", 10**400),
      f"{CAT} › chỉ tiêu PTS: trường «max» phải là một số hữu hạn, đang là «một số nguyên quá lớn»"),
    C("ratio-numerator-missing", DEL("indicators.RAT.numerator"),
      f"{CAT} › chỉ tiêu RAT: thiếu trường bắt buộc «numerator»"),
    C("ratio-denominator-blank", SET("indicators.RAT.denominator", ""),
      f"{CAT} › chỉ tiêu RAT: trường «denominator» phải là một chuỗi chữ không rỗng"),
    C("sources-empty", SET("indicators.PCT.sources", []),
      f"{CAT} › chỉ tiêu PCT: phải trích dẫn ít nhất một điều khoản nguồn trong «sources»"),
    C("sources-missing", DEL("indicators.PCT.sources"),
      f"{CAT} › chỉ tiêu PCT: phải trích dẫn ít nhất một điều khoản nguồn trong «sources»"),
    C("source-unknown-doc", SET("indicators.PCT.sources.0.doc", "doc-z"),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: văn bản «doc-z» chưa khai báo trong [documents]"),
    C("second-source-unknown-doc", APPEND("indicators.YN.sources", {"doc": "doc-b", "clause": "Điều 2"}),
      f"{CAT} › chỉ tiêu YN › nguồn 2: văn bản «doc-b» chưa khai báo trong [documents]"),
    C("source-doc-missing", DEL("indicators.PCT.sources.0.doc"),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: thiếu trường bắt buộc «doc»"),
    C("source-doc-array", SET("indicators.PCT.sources.0.doc", ["doc-a"]),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: «doc» phải là một mã (chuỗi chữ), đang là «[doc-a]»"),
    C("source-doc-number", SET("indicators.PCT.sources.0.doc", 1),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: «doc» phải là một mã (chuỗi chữ), đang là «1»"),
    C("source-not-a-table", SET("indicators.PCT.sources", ["doc-a"]),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: mỗi nguồn phải có dạng {{ doc = \"mã văn bản\", clause = \"điều khoản\" }}"),
    C("unknown-source-field", SET("indicators.PCT.sources.0.page", 3),
      f"{CAT} › chỉ tiêu PCT › nguồn 1: trường «page» không được hỗ trợ (các trường hợp lệ: clause, doc)"),
    # ------------------------------------------------------------ profile head
    P("id-not-file-name", SET("id", "khac"), f"{PRO}: mã bộ tiêu chí «khac» phải trùng tên tệp «mau»"),
    P("unknown-document", SET("document", "doc-z"), f"{PRO}: văn bản «doc-z» không có trong [documents] của danh mục"),
    P("document-missing", DEL("document"), f"{PRO}: thiếu trường bắt buộc «document»"),
    P("document-boolean", SET("document", True), f"{PRO}: «document» phải là một mã (chuỗi chữ), đang là «true»"),
    # it crashed: unhashable list
    P("document-array", SET("document", ["doc-a"]), f"{PRO}: «document» phải là một mã (chuỗi chữ), đang là «[doc-a]»"),
    # an unquoted TOML date
    P("document-date", SET("document", datetime.date(2024, 1, 1)),
      f"{PRO}: «document» phải là một mã (chuỗi chữ), đang là «2024-01-01»"),
    # see the report: an inline table is shown as a Python dict, and an empty code is looked up as «»
    P("document-inline-table", SET("document", {"id": "doc-a"}),
      f"{PRO}: «document» phải là một mã (chuỗi chữ), đang là «{{'id': 'doc-a'}}»"),
    P("document-empty", SET("document", ""), f"{PRO}: văn bản «» không có trong [documents] của danh mục"),
    P("total-max-below-100", SET("total_max", 99),
      f"{PRO}: tổng điểm tối đa «total_max» không được nhỏ hơn 100, đang là 99"),
    P("not-rated-if-incomplete-not-bool", SET("not_rated_if_incomplete", "có"),
      f"{PRO}: «not_rated_if_incomplete» phải là true hoặc false"),
    # ------------------------------------------------------------ groups and items
    P("no-groups", SET("groups", []), f"{PRO}: bộ tiêu chí phải có ít nhất một nhóm [[groups]]"),
    P("groups-missing", DEL("groups"), f"{PRO}: bộ tiêu chí phải có ít nhất một nhóm [[groups]]"),
    P("group-not-a-table", SET("groups.1", "G2"), f"{PRO}: «groups» phải là một danh sách các bảng [[groups]]"),
    P("group-key-not-g2", SET("groups.1.key", "B"),
      f"{PRO} › nhóm B: mã nhóm phải là «G2» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «B»"),
    P("group-key-missing", DEL("groups.0.key"),
      f"{PRO} › nhóm 1: mã nhóm phải là «G1» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «None»"),
    # a group whose key is not a non-empty text is placed by its number
    P("group-key-number", SET("groups.1.key", 2),
      f"{PRO} › nhóm 2: mã nhóm phải là «G2» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «2»"),
    P("group-key-empty", SET("groups.1.key", ""),
      f"{PRO} › nhóm 2: mã nhóm phải là «G2» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «»"),
    P("group-key-array", SET("groups.0.key", ["G1"]),
      f"{PRO} › nhóm 1: mã nhóm phải là «G1» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «[G1]»"),
    # see the report: the first group is placed «nhóm 1», but the duplicate names it «nhóm None»
    P("group-key-missing-then-duplicate",
      [DEL("groups.0.key"), APPEND("groups.1.items", {"indicator": "PCT", "clause": "Điều 1, mục 2, điểm e"})],
      f"{PRO} › nhóm 1: mã nhóm phải là «G1» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «None»",
      f"{PRO} › nhóm G2 › chỉ tiêu PCT: chỉ tiêu PCT đã có trong nhóm None; mỗi chỉ tiêu chỉ được chấm một lần"),
    P("group-points-negative", [SET("groups.0.points", -10), SET("groups.1.points", 110)],
      f"{PRO} › nhóm G1: điểm của nhóm phải lớn hơn 0, đang là -10"),
    P("group-without-items", SET("groups.1.items", []),
      f"{PRO} › nhóm G2: nhóm không có chỉ tiêu nào ([[groups.items]])"),
    P("group-items-missing", DEL("groups.0.items"),
      f"{PRO} › nhóm G1: nhóm không có chỉ tiêu nào ([[groups.items]])"),
    P("item-not-a-table", SET("groups.0.items.1", "YN"),
      f"{PRO} › nhóm G1: «items» phải là một danh sách các bảng [[groups.items]]"),
    # an item whose indicator is not a text is placed by its number
    P("item-indicator-missing", DEL("groups.0.items.1.indicator"),
      f"{PRO} › nhóm G1 › mục 2: thiếu trường bắt buộc «indicator»"),
    # it crashed: unhashable list
    P("item-indicator-array", SET("groups.0.items.0.indicator", ["PCT"]),
      f"{PRO} › nhóm G1 › mục 1: «indicator» phải là một mã (chuỗi chữ), đang là «[PCT]»"),
    P("item-indicator-number", SET("groups.1.items.2.indicator", 7),
      f"{PRO} › nhóm G2 › mục 3: «indicator» phải là một mã (chuỗi chữ), đang là «7»"),
    # see the report: an empty code leaves the place without a name
    P("item-indicator-empty", SET("groups.0.items.0.indicator", ""),
      f"{PRO} › nhóm G1 › chỉ tiêu : chỉ tiêu «» không có trong danh mục chỉ tiêu"),
    P("item-unknown-indicator", SET("groups.0.items.1.indicator", "XYZ"),
      f"{PRO} › nhóm G1 › chỉ tiêu XYZ: chỉ tiêu «XYZ» không có trong danh mục chỉ tiêu"),
    P("item-weight-zero", SET("groups.0.items.0.weight", 0), f"{ITEM}: trọng số «weight» phải lớn hơn 0, đang là 0"),
    P("item-weight-negative", SET("groups.0.items.0.weight", -1),
      f"{ITEM}: trọng số «weight» phải lớn hơn 0, đang là -1"),
    # it crashed: math.isfinite(10**400); see the report (401 digits)
    P("item-weight-huge-integer", SET("groups.0.items.0.weight", 10**400),
      f"{ITEM}: trường «weight» phải là một số hữu hạn, đang là «một số nguyên quá lớn»"),
    P("indicator-in-two-groups", APPEND("groups.1.items", {"indicator": "PCT", "clause": "Điều 1, mục 2, điểm e"}),
      f"{PRO} › nhóm G2 › chỉ tiêu PCT: chỉ tiêu PCT đã có trong nhóm G1; mỗi chỉ tiêu chỉ được chấm một lần"),
    P("indicator-twice-in-one-group", APPEND("groups.0.items", {"indicator": "YN", "clause": "Điều 1, mục 1, điểm c"}),
      f"{YN_ITEM}: chỉ tiêu YN đã có trong nhóm G1; mỗi chỉ tiêu chỉ được chấm một lần"),
    P("group-points-sum-105", SET("groups.0.points", 45), f"{PRO}: tổng điểm các nhóm là 105, phải bằng 100"),
    P("group-points-sum-99.5", SET("groups.1.points", 59.5), f"{PRO}: tổng điểm các nhóm là 99.5, phải bằng 100"),
    # ------------------------------------------------------------ levels
    # without levels, the veto's cap level and the commendation's minimum level name nothing
    P("no-levels", SET("bands", []),
      f"{PRO}: cần ít nhất một mức xếp loại [[bands]]",
      f"{PRO} › điều kiện loại trừ 2: mức trần «Khá» không phải một mức xếp loại của bộ tiêu chí",
      f"{PRO} › commendation: mức tối thiểu «Tốt» không phải một mức xếp loại của bộ tiêu chí"),
    P("no-levels-alone", [DEL("bands"), DEL("vetoes.1"), DEL("commendation.min_level")],
      f"{PRO}: cần ít nhất một mức xếp loại [[bands]]"),
    # a level that is not a table: no level is read, so the cap level and the minimum level name nothing
    P("level-not-a-table", SET("bands.3", "Chưa đạt"),
      f"{PRO}: «bands» phải là một danh sách các bảng [[bands]]",
      f"{PRO} › điều kiện loại trừ 2: mức trần «Khá» không phải một mức xếp loại của bộ tiêu chí",
      f"{PRO} › commendation: mức tối thiểu «Tốt» không phải một mức xếp loại của bộ tiêu chí"),
    # without its name, a level is placed by its number
    P("level-name-missing", DEL("bands.2.level"), f"{PRO} › mức 3: thiếu trường bắt buộc «level»"),
    P("level-name-not-text", SET("bands.2.level", 3),
      f"{PRO} › mức 3: trường «level» phải là một chuỗi chữ không rỗng"),
    # see the report: unlike a group, a level whose name is not a text is placed by that value, not its number
    P("level-name-number", SET("bands.1.level", 5),
      f"{PRO} › mức 5: trường «level» phải là một chuỗi chữ không rỗng",
      f"{PRO} › điều kiện loại trừ 2: mức trần «Khá» không phải một mức xếp loại của bộ tiêu chí"),
    P("level-name-array", SET("bands.2.level", ["Đạt"]),
      f"{PRO} › mức ['Đạt']: trường «level» phải là một chuỗi chữ không rỗng"),
    P("level-floor-above-1", SET("bands.0.floor", 1.5),
      f"{PRO} › mức Tốt: ngưỡng tối thiểu mỗi nhóm «floor» phải từ 0 đến 1, đang là 1.5"),
    P("level-floor-negative", SET("bands.1.floor", -0.1),
      f"{PRO} › mức Khá: ngưỡng tối thiểu mỗi nhóm «floor» phải từ 0 đến 1, đang là -0.1"),
    P("levels-out-of-order", [SET("bands.0", BASE_PROFILE["bands"][1]), SET("bands.1", BASE_PROFILE["bands"][0])],
      f"{PRO}: các mức xếp loại phải xếp từ cao xuống thấp theo điểm tối thiểu: «Tốt» (90) đứng sau «Khá» (70)"),
    P("levels-same-min-total", SET("bands.2.min_total", 70),
      f"{PRO}: các mức xếp loại phải xếp từ cao xuống thấp theo điểm tối thiểu: «Đạt» (70) đứng sau «Khá» (70)"),
    P("last-level-min-total", SET("bands.3.min_total", 10),
      f"{PRO}: mức thấp nhất «Chưa đạt» phải có min_total = 0 và floor = 0"),
    P("last-level-floor", SET("bands.3.floor", 0.2),
      f"{PRO}: mức thấp nhất «Chưa đạt» phải có min_total = 0 và floor = 0"),
    P("top-level-above-total-max", SET("bands.0.min_total", 110),
      f"{PRO}: mức «Tốt» cần 110 điểm, vượt tổng điểm tối đa 105"),
    P("duplicate-level-names", SET("bands.2.level", "Khá"), f"{PRO}: mức xếp loại «Khá» khai báo hai lần"),
    # in file order: «Tốt» (level 1) before «Khá» (level 2)
    P("two-duplicate-level-names", [SET("bands.2.level", "Khá"), SET("bands.3.level", "Tốt")],
      f"{PRO}: mức xếp loại «Tốt» khai báo hai lần",
      f"{PRO}: mức xếp loại «Khá» khai báo hai lần"),
    # two empty names are each reported, not as a duplicate
    P("two-empty-level-names", [SET("bands.2.level", ""), SET("bands.3.level", "")],
      f"{PRO} › mức 3: trường «level» phải là một chuỗi chữ không rỗng",
      f"{PRO} › mức 4: trường «level» phải là một chuỗi chữ không rỗng"),
    # ------------------------------------------------------------ vetoes
    P("vetoes-single-table", SET("vetoes", {"indicator": "HEAD", "op": ">=", "value": 1, "effect": "not_rated",
                                           "reason": "Người đứng đầu bị kỷ luật", "clause": "Điều 2"}),
      f"{PRO}: «vetoes» phải là một danh sách các bảng [[vetoes]]"),
    P("veto-not-a-table", SET("vetoes.1", "YN = 0"), f"{PRO}: «vetoes» phải là một danh sách các bảng [[vetoes]]"),
    P("veto-indicator-missing", DEL("vetoes.0.indicator"),
      f"{PRO} › điều kiện loại trừ 1: thiếu trường bắt buộc «indicator»"),
    # it crashed: unhashable list
    P("veto-indicator-array", SET("vetoes.0.indicator", ["HEAD"]),
      f"{PRO} › điều kiện loại trừ 1: «indicator» phải là một mã (chuỗi chữ), đang là «[HEAD]»"),
    P("veto-unknown-indicator", SET("vetoes.0.indicator", "XYZ"),
      f"{PRO} › điều kiện loại trừ 1: chỉ tiêu «XYZ» không có trong danh mục chỉ tiêu"),
    P("veto-op", SET("vetoes.0.op", "=="), f"{PRO} › điều kiện loại trừ 1: «op» phải là một trong {OPS}; đang là «==»"),
    P("veto-op-boolean", SET("vetoes.0.op", True),
      f"{PRO} › điều kiện loại trừ 1: «op» phải là một trong {OPS}; đang là «true»"),
    P("veto-op-missing", DEL("vetoes.0.op"),
      f"{PRO} › điều kiện loại trừ 1: thiếu trường bắt buộc «op» (hợp lệ: {OPS})"),
    P("veto-effect", SET("vetoes.0.effect", "skip"),
      f"{PRO} › điều kiện loại trừ 1: «effect» phải là một trong \"not_rated\", \"cap\"; đang là «skip»"),
    P("veto-effect-missing", DEL("vetoes.0.effect"),
      f"{PRO} › điều kiện loại trừ 1: thiếu trường bắt buộc «effect» (hợp lệ: \"not_rated\", \"cap\")"),
    P("veto-cap-level-unknown", SET("vetoes.1.cap_level", "Xuất sắc"),
      f"{PRO} › điều kiện loại trừ 2: mức trần «Xuất sắc» không phải một mức xếp loại của bộ tiêu chí"),
    P("veto-cap-level-missing", DEL("vetoes.1.cap_level"),
      f"{PRO} › điều kiện loại trừ 2: thiếu trường bắt buộc «cap_level» (mức cao nhất đơn vị được xếp)"),
    P("veto-cap-level-number", SET("vetoes.1.cap_level", 2),
      f"{PRO} › điều kiện loại trừ 2: mức trần «2» không phải một mức xếp loại của bộ tiêu chí"),
    P("veto-cap-level-array", SET("vetoes.1.cap_level", ["Khá"]),
      f"{PRO} › điều kiện loại trừ 2: mức trần «[Khá]» không phải một mức xếp loại của bộ tiêu chí"),
    # ------------------------------------------------------------ adjustments
    P("adjustments-not-tables", SET("adjustments", "BONUS"),
      f"{PRO}: «adjustments» phải là một danh sách các bảng [[adjustments]]"),
    P("adjustment-indicator-missing", DEL("adjustments.0.indicator"),
      f"{PRO} › điểm cộng/trừ 1: thiếu trường bắt buộc «indicator»"),
    P("adjustment-indicator-number", SET("adjustments.0.indicator", 5),
      f"{PRO} › điểm cộng/trừ 1: «indicator» phải là một mã (chuỗi chữ), đang là «5»"),
    P("adjustment-unknown-indicator", SET("adjustments.0.indicator", "XYZ"),
      f"{PRO} › điểm cộng/trừ 1: chỉ tiêu «XYZ» không có trong danh mục chỉ tiêu"),
    P("adjustment-kind", SET("adjustments.1.kind", "penalty"),
      f"{PRO} › điểm cộng/trừ 2: «kind» phải là một trong \"deduction\", \"bonus\"; đang là «penalty»"),
    P("adjustment-kind-missing", DEL("adjustments.0.kind"),
      f"{PRO} › điểm cộng/trừ 1: thiếu trường bắt buộc «kind» (hợp lệ: \"deduction\", \"bonus\")"),
    P("adjustment-ratio", SET("adjustments.0.indicator", "RAT"),
      f"{PRO} › điểm cộng/trừ 1: chỉ tiêu RAT loại «ratio» không dùng được để cộng/trừ điểm "
      "(chỉ loại count, yesno, points)"),
    P("adjustment-percent", SET("adjustments.1.indicator", "PCT"),
      f"{PRO} › điểm cộng/trừ 2: chỉ tiêu PCT loại «percent» không dùng được để cộng/trừ điểm "
      "(chỉ loại count, yesno, points)"),
    P("adjustment-yesno", SET("adjustments.1.indicator", "YN")),  # count, yesno, points are accepted
    P("adjustment-points-each-zero", SET("adjustments.0.points_each", 0),
      f"{PRO} › điểm cộng/trừ 1: số điểm mỗi lần «points_each» phải lớn hơn 0, đang là 0"),
    P("adjustment-points-each-negative", SET("adjustments.1.points_each", -2),
      f"{PRO} › điểm cộng/trừ 2: số điểm mỗi lần «points_each» phải lớn hơn 0, đang là -2"),
    # a points indicator needs no points_each, but one that is given must be positive
    P("adjustment-points-each-zero-for-points", SET("adjustments.2.points_each", 0),
      f"{PRO} › điểm cộng/trừ 3: số điểm mỗi lần «points_each» phải lớn hơn 0, đang là 0"),
    P("adjustment-cap-zero", SET("adjustments.0.cap", 0),
      f"{PRO} › điểm cộng/trừ 1: mức trần «cap» phải lớn hơn 0, đang là 0"),
    P("adjustment-caps-zero", SET("adjustment_caps.deduction", 0),
      f"{PRO} › adjustment_caps: mức trần «deduction» phải là số dương, đang là «0»"),
    P("adjustment-caps-not-a-number", SET("adjustment_caps.bonus", "năm"),
      f"{PRO} › adjustment_caps: mức trần «bonus» phải là số dương, đang là «năm»"),
    P("adjustment-caps-boolean", SET("adjustment_caps.bonus", True),
      f"{PRO} › adjustment_caps: mức trần «bonus» phải là số dương, đang là «true»"),
    P("adjustment-caps-inf", SET("adjustment_caps.deduction", math.inf),
      f"{PRO} › adjustment_caps: mức trần «deduction» phải là số dương, đang là «inf»"),
    # a TOML array is shown TOML-style
    P("adjustment-caps-array", SET("adjustment_caps.bonus", [1, True, 2.5]),
      f"{PRO} › adjustment_caps: mức trần «bonus» phải là số dương, đang là «[1, true, 2.5]»"),
    P("adjustment-caps-not-a-table", SET("adjustment_caps", 5),
      f"{PRO}: «adjustment_caps» phải là một bảng [adjustment_caps]"),
    # ------------------------------------------------------------ targets, commendation
    P("targets-not-tables", SET("targets", ["100% đơn vị ban hành quy chế"]),
      f"{PRO}: «targets» phải là một danh sách các bảng [[targets]]"),
    P("target-indicator-missing", DEL("targets.0.indicator"), f"{PRO} › mục tiêu a: thiếu trường bắt buộc «indicator»"),
    P("target-indicator-boolean", SET("targets.0.indicator", True),
      f"{PRO} › mục tiêu a: «indicator» phải là một mã (chuỗi chữ), đang là «true»"),
    # «key» is a required text; without it, a target is placed by its number
    P("target-key-missing", [DEL("targets.0.key"), DEL("targets.0.text")],
      f"{PRO} › mục tiêu 1: thiếu trường bắt buộc «key»",
      f"{PRO} › mục tiêu 1: thiếu trường bắt buộc «text»"),
    P("target-key-number", SET("targets.0.key", 1),
      f"{PRO} › mục tiêu 1: trường «key» phải là một chuỗi chữ không rỗng"),
    P("target-key-empty", SET("targets.0.key", ""),
      f"{PRO} › mục tiêu 1: trường «key» phải là một chuỗi chữ không rỗng"),
    # the second «a» (the third target) is reported; «b» between them is fine
    P("target-key-twice",
      [APPEND("targets", {"key": "b", "text": "Có kế hoạch", "indicator": "YN", "clause": "Điều 7",
                          "source": "mac-dinh"}),
       APPEND("targets", {"key": "a", "text": "Đủ việc", "indicator": "CNT", "clause": "Điều 8",
                          "source": "mac-dinh"})],
      f"{PRO} › mục tiêu a: mục tiêu «a» khai báo hai lần"),
    P("target-unknown-indicator", SET("targets.0.indicator", "XYZ"),
      f"{PRO} › mục tiêu a: chỉ tiêu «XYZ» không có trong danh mục chỉ tiêu"),
    P("target-goal-zero", SET("targets.0.goal", 0), f"{PRO} › mục tiêu a: «goal» phải trong (0, 100], đang là 0"),
    P("target-goal-above-100", SET("targets.0.goal", 150),
      f"{PRO} › mục tiêu a: «goal» phải trong (0, 100], đang là 150"),
    P("commendation-min-level", SET("commendation.min_level", "Xuất sắc"),
      f"{PRO} › commendation: mức tối thiểu «Xuất sắc» không phải một mức xếp loại của bộ tiêu chí"),
    P("commendation-min-level-array", SET("commendation.min_level", ["Tốt", "Khá"]),
      f"{PRO} › commendation: mức tối thiểu «[Tốt, Khá]» không phải một mức xếp loại của bộ tiêu chí"),
    P("commendation-not-a-table", SET("commendation", ["Tốt"]),
      f"{PRO}: «commendation» phải là một bảng [commendation]"),
    P("commendation-require-complete-not-bool", SET("commendation.require_complete", "có"),
      f"{PRO} › commendation: «require_complete» phải là true hoặc false, đang là «có»"),
    P("commendation-no-unhandled-violation-not-bool", SET("commendation.no_unhandled_violation", 1),
      f"{PRO} › commendation: «no_unhandled_violation» phải là true hoặc false, đang là «1»"),
    P("commendation-previous-years-negative", SET("commendation.previous_years", -1),
      f"{PRO} › commendation: «previous_years» phải là số nguyên từ 0 trở lên, đang là «-1»"),
    P("commendation-previous-years-zero", SET("commendation.previous_years", 0)),
    P("commendation-previous-years-float", SET("commendation.previous_years", 1.0),
      f"{PRO} › commendation: «previous_years» phải là số nguyên từ 0 trở lên, đang là «1.0»"),
    P("commendation-previous-years-boolean", SET("commendation.previous_years", True),
      f"{PRO} › commendation: «previous_years» phải là số nguyên từ 0 trở lên, đang là «true»"),
    P("commendation-max-per-area-zero", SET("commendation.max_per_area", 0),
      f"{PRO} › commendation: «max_per_area» phải là số nguyên từ 1 trở lên, đang là «0»"),
    P("commendation-max-per-area-text", SET("commendation.max_per_area", "5"),
      f"{PRO} › commendation: «max_per_area» phải là số nguyên từ 1 trở lên, đang là «5»"),
    P("commendation-max-share-zero", SET("commendation.max_share", 0),
      f"{PRO} › commendation: «max_share» phải lớn hơn 0 và không quá 1, đang là «0»"),
    P("commendation-max-share-above-1", SET("commendation.max_share", 15),
      f"{PRO} › commendation: «max_share» phải lớn hơn 0 và không quá 1, đang là «15»"),
    P("commendation-max-share-one", SET("commendation.max_share", 1)),
    P("commendation-max-share-boolean", SET("commendation.max_share", True),
      f"{PRO} › commendation: «max_share» phải lớn hơn 0 và không quá 1, đang là «true»"),
    P("commendation-max-share-nan", SET("commendation.max_share", math.nan),
      f"{PRO} › commendation: «max_share» phải lớn hơn 0 và không quá 1, đang là «nan»"),
    P("commendation-min-total-above-total-max", SET("commendation.min_total", 110),
      f"{PRO} › commendation: «min_total» phải từ 0 đến tổng điểm tối đa, đang là «110»"),
    P("commendation-min-total-equals-total-max", SET("commendation.min_total", 105)),
    P("commendation-min-total-above-default-total-max", [DEL("total_max"), SET("commendation.min_total", 101)],
      f"{PRO} › commendation: «min_total» phải từ 0 đến tổng điểm tối đa, đang là «101»"),
    P("commendation-min-total-negative", SET("commendation.min_total", -1),
      f"{PRO} › commendation: «min_total» phải từ 0 đến tổng điểm tối đa, đang là «-1»"),
    P("commendation-min-total-text", SET("commendation.min_total", "90"),
      f"{PRO} › commendation: «min_total» phải từ 0 đến tổng điểm tối đa, đang là «90»"),
    # exact scoring: numbers as written, at most six decimals; [rounding] with its source
    P("weight-seven-decimals", SET("groups.0.items.0.weight", 1.0000001),
      f"{PRO} › nhóm G1 › chỉ tiêu PCT: trường «weight» có quá 6 chữ số thập phân («1.0000001»): "
      "điểm được tính chính xác đến 6 chữ số thập phân"),
    P("weight-six-decimals", SET("groups.0.items.0.weight", 1.000001)),
    P("adjustment-cap-seven-decimals", SET("adjustment_caps.deduction", 0.1234567),
      f"{PRO} › adjustment_caps: mức trần «deduction» có quá 6 chữ số thập phân («0.1234567»)"),
    P("rounding-valid", SET("rounding", {"total_decimals": 1, "group_decimals": 3, "rule": "truncate",
                                         "source": "qd-12"})),
    P("rounding-decimals-too-many", SET("rounding", {"total_decimals": 5, "source": "qd-12"}),
      f"{PRO} › rounding: «total_decimals» (số chữ số thập phân giữ lại) phải là số nguyên từ 0 đến 4, đang là «5»"),
    P("rounding-group-decimals-float", SET("rounding", {"group_decimals": 2.0, "source": "qd-12"}),
      f"{PRO} › rounding: «group_decimals» (số chữ số thập phân giữ lại) phải là số nguyên từ 0 đến 4, đang là «2.0»"),
    P("rounding-rule-unknown", SET("rounding", {"rule": "bankers", "source": "qd-12"}),
      f"{PRO} › rounding: «rule» phải là một trong \"half_up\", \"truncate\"; đang là «bankers»"),
    P("rounding-without-source", SET("rounding", {"total_decimals": 2}),
      f"{PRO} › rounding: thiếu nguồn của các con số «source»: tên một nguồn khai báo trong [sources] (điều khoản "
      "của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("rounding-unknown-key", SET("rounding", {"places": 2, "source": "qd-12"}),
      f"{PRO} › rounding: trường «places» không được hỗ trợ (các trường hợp lệ: group_decimals, rule, source, "
      "total_decimals)"),
    P("rounding-not-a-table", SET("rounding", 2),
      f"{PRO}: «rounding» phải là một bảng [rounding]"),
    # the criterion as the document words it
    P("criterion-valid", SET("criterion", [{"effect": "cap", "subjects": ["unit", "head"], "unit_types": ["agency"],
                                              "clause": "Điều 3", "quote": "làm căn cứ xếp loại"}])),
    P("criterion-effect-unknown", SET("criterion", [{"effect": "binding", "subjects": ["unit"],
                                                       "unit_types": ["agency"], "clause": "Điều 3", "quote": "x"}]),
      f"{PRO} › tiêu chí đánh giá 1: «effect» phải là một trong \"cap\", \"basis\"; đang là «binding»"),
    P("criterion-subject-unknown", SET("criterion", [{"effect": "basis", "subjects": ["everyone"],
                                                        "unit_types": ["agency"], "clause": "Điều 3", "quote": "x"}]),
      f"{PRO} › tiêu chí đánh giá 1: «subjects» phải là danh sách không rỗng gồm: unit, head, managers, staff, "
      "village_workers; đang là «[everyone]»"),
    P("criterion-without-types", SET("criterion", [{"effect": "basis", "subjects": ["unit"], "unit_types": [],
                                                      "clause": "Điều 3", "quote": "x"}]),
      f"{PRO} › tiêu chí đánh giá 1: «unit_types» phải là danh sách không rỗng gồm: commune, agency, service, "
      "enterprise, village; đang là «[]»"),
    P("criterion-unknown-doc", SET("criterion", [{"effect": "basis", "subjects": ["unit"], "unit_types": ["agency"],
                                                    "doc": "doc-z", "clause": "Điều 3", "quote": "x"}]),
      f"{PRO} › tiêu chí đánh giá 1: văn bản «doc-z» không có trong [documents] của danh mục"),
    P("criterion-unknown-key", SET("criterion", [{"effect": "basis", "subjects": ["unit"], "unit_types": ["agency"],
                                                    "clause": "Điều 3", "quote": "x", "cap": "Tốt"}]),
      f"{PRO} › tiêu chí đánh giá 1: trường «cap» không được hỗ trợ (các trường hợp lệ: clause, doc, effect, quote, "
      "subjects, unit_types)"),
    P("item-applies-wider-than-indicator", SET("groups.0.items.0.applies", ["village"]),
      f"{PRO} › nhóm G1 › chỉ tiêu PCT: «applies» của mục phải là danh sách không rỗng, lấy trong các loại đơn vị của "
      "chỉ tiêu (commune, agency, service, enterprise); đang là «[village]»"),
    P("excluded-unknown-indicator", SET("excluded", [{"indicator": "NOPE", "clause": "Điều 9", "quote": "x",
                                                      "reason": "y"}]),
      f"{PRO} › không chấm 1: chỉ tiêu «NOPE» không có trong danh mục chỉ tiêu"),
    P("excluded-without-reason", SET("excluded", [{"indicator": "PCT", "clause": "Điều 9", "quote": "x"}]),
      f"{PRO} › không chấm 1: thiếu trường bắt buộc «reason»"),
    P("excluded-unknown-key", SET("excluded", [{"indicator": "PCT", "clause": "Điều 9", "quote": "x", "reason": "y",
                                                "points": 1}]),
      f"{PRO} › không chấm 1: trường «points» không được hỗ trợ (các trường hợp lệ: clause, indicator, quote, reason)"),
    P("target-without-indicator", SET("targets.0.indicator", "")),
    P("profile-unit-types-valid", SET("unit_types", ["agency"])),
    P("profile-unit-types-unknown", SET("unit_types", ["thon"]),
      f"{PRO}: «unit_types» (loại đơn vị bộ tiêu chí đánh giá) phải là danh sách không rỗng gồm: commune, agency, "
      "service, enterprise, village; đang là «[thon]»"),
    # every number carries its source (issue 15)
    P("group-points-without-source", DEL("groups.0.source"),
      f"{PRO} › nhóm G1: thiếu nguồn của các con số «source»: tên một nguồn khai báo trong [sources] (điều khoản của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("item-weight-without-source", DEL("groups.0.items.0.source"),
      f"{PRO} › nhóm G1 › chỉ tiêu PCT: thiếu nguồn của các con số «source»: tên một nguồn khai báo trong [sources] (điều khoản của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("item-rule-without-source", DEL("groups.1.items.0.rule_source"),
      f"{PRO} › nhóm G2 › chỉ tiêu CNT: thiếu nguồn của các con số «rule_source»: tên một nguồn khai báo trong [sources] (điều khoản của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("yesno-rule-needs-no-source", DEL("groups.0.items.1.rule_source")),
    P("total-max-without-source", DEL("total_max_source"),
      f"{PRO}: thiếu nguồn của các con số «total_max_source»: tên một nguồn khai báo trong [sources] (điều khoản của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("total-max-absent-needs-no-source", [DEL("total_max"), DEL("total_max_source")]),
    P("band-without-source", DEL("bands.1.source"),
      f"{PRO} › mức Khá: thiếu nguồn của các con số «source»: tên một nguồn khai báo trong [sources] (điều khoản của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("commendation-without-source", DEL("commendation.source"),
      f"{PRO} › commendation: thiếu nguồn của các con số «source»: tên một nguồn khai báo trong [sources] (điều khoản của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của phần mềm"),
    P("source-unknown-id", SET("groups.0.source", "nq-99"),
      f"{PRO} › nhóm G1: nguồn «nq-99» chưa khai báo trong [sources]"),
    P("source-not-text", SET("vetoes.0.source", 3),
      f"{PRO} › điều kiện loại trừ 1: nguồn «3» chưa khai báo trong [sources]"),
    P("sources-redeclare-default", SET("sources.mac-dinh", {"kind": "decision"}),
      f"{PRO} › nguồn mac-dinh: «mac-dinh» là tên dành sẵn cho mặc định của phần mềm, không khai báo lại"),
    P("number-source-not-a-table", SET("sources.qd-13", "Quyết định 13"),
      f"{PRO} › nguồn qd-13: mỗi nguồn phải là một bảng [sources.<tên>]"),
    P("source-kind-unknown", SET("sources.qd-12.kind", "law"),
      f"{PRO} › nguồn qd-12: «kind» phải là một trong \"clause\", \"decision\"; đang là «law»"),
    P("source-clause-without-quote", DEL("sources.muc-tieu-a.quote"),
      f"{PRO} › nguồn muc-tieu-a: thiếu trường bắt buộc «quote»"),
    P("source-clause-unknown-doc", SET("sources.muc-tieu-a.doc", "doc-z"),
      f"{PRO} › nguồn muc-tieu-a: văn bản «doc-z» không có trong [documents] của danh mục"),
    P("source-decision-without-date", DEL("sources.qd-12.date"),
      f"{PRO} › nguồn qd-12: thiếu trường bắt buộc «date»"),
    P("source-decision-unknown-key", SET("sources.qd-12.quote", "…"),
      f"{PRO} › nguồn qd-12: trường «quote» không được hỗ trợ (các trường hợp lệ: date, issuer, kind, number)"),
]


def _run(case: Case) -> list[str]:
    """Apply the case to fresh copies of the base; the problems reported, as strings ([] if none)."""
    cat_raw, prof_raw = copy.deepcopy(BASE_CATALOGUE), copy.deepcopy(BASE_PROFILE)
    for op in case.ops:
        op(cat_raw if case.target == "catalogue" else prof_raw)
    try:
        cat = parse_catalogue(cat_raw, CAT)
        if case.target == "catalogue":
            return []
        parse_profile(prof_raw, cat, PRO, expected_id="mau")
    except FrameworkError as e:
        assert str(e).startswith(f"Bộ tiêu chí có {len(e.problems)} lỗi:\n")
        return [str(p) for p in e.problems]
    return []


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validation_message(case: Case):
    assert _run(case) == case.expected


def test_several_problems_come_together():
    """Mutations all over one profile: every message in one FrameworkError, in reading order."""
    raw = copy.deepcopy(BASE_PROFILE)
    for op in [SET("colour", "xanh"), SET("total_max", 99), SET("groups.0.items.0.weight", 0),
               SET("groups.1.items.3.rule.share_each", 2), SET("groups.1.points", 50),
               SET("bands.0.floor", 2), SET("vetoes.0.op", "=="), SET("adjustments.1.kind", "penalty"),
               SET("targets.0.goal", 0), SET("commendation.min_level", "Xuất sắc")]:
        op(raw)
    with pytest.raises(FrameworkError) as e:
        parse_profile(raw, parse_catalogue(copy.deepcopy(BASE_CATALOGUE)), PRO, expected_id="mau")
    assert [str(p) for p in e.value.problems] == MULTI_EXPECTED
    assert str(e.value).startswith("Bộ tiêu chí có 10 lỗi:\n- ")


MULTI_EXPECTED = [
    f"{PRO}: trường «colour» không được hỗ trợ (các trường hợp lệ: adjustment_caps, adjustments, bands, "
    "commendation, criterion, document, effective_from, excluded, groups, id, not_rated_if_incomplete, rounding, "
    "sources, targets, title, total_max, total_max_source, unit_types, version, vetoes)",
    f"{PRO}: tổng điểm tối đa «total_max» không được nhỏ hơn 100, đang là 99",
    f"{ITEM}: trọng số «weight» phải lớn hơn 0, đang là 0",
    f"{VIOL_RULE}: «share_each» phải lớn hơn 0 và không quá 1, đang là 2",
    f"{PRO}: tổng điểm các nhóm là 90, phải bằng 100",
    f"{PRO} › mức Tốt: ngưỡng tối thiểu mỗi nhóm «floor» phải từ 0 đến 1, đang là 2",
    f"{PRO} › điều kiện loại trừ 1: «op» phải là một trong {OPS}; đang là «==»",
    f"{PRO} › điểm cộng/trừ 2: «kind» phải là một trong \"deduction\", \"bonus\"; đang là «penalty»",
    f"{PRO} › mục tiêu a: «goal» phải trong (0, 100], đang là 0",
    f"{PRO} › commendation: mức tối thiểu «Xuất sắc» không phải một mức xếp loại của bộ tiêu chí",
]


def test_catalogue_problems_come_together():
    raw = copy.deepcopy(BASE_CATALOGUE)
    for op in [SET("indicators.PCT.kind", "percentage"), DEL("indicators.RAT.numerator"),
               SET("indicators.PTS.step", 0.3), SET("indicators.YN.sources.0.doc", "doc-z")]:
        op(raw)
    with pytest.raises(FrameworkError) as e:
        parse_catalogue(raw, CAT)
    assert [str(p) for p in e.value.problems] == [
        f"{CAT} › chỉ tiêu PCT: «kind» phải là một trong {KK}; đang là «percentage»",
        f"{CAT} › chỉ tiêu YN › nguồn 1: văn bản «doc-z» chưa khai báo trong [documents]",
        f"{CAT} › chỉ tiêu RAT: thiếu trường bắt buộc «numerator»",
        f"{CAT} › chỉ tiêu PTS: bước điểm «step» (0.3) phải dương và chia hết điểm tối đa (2)",
    ]


# ================================================================= files (load_catalogue, load_profiles)

def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def to_toml(d: dict) -> str:
    """A minimal TOML writer for the base dicts (one inline value per top-level key)."""
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in d.items())


def make_folder(root: Path, profiles: dict[str, str | bytes], catalogue: dict | None = None) -> Path:
    (root / "profiles").mkdir(parents=True)
    (root / "catalogue.toml").write_text(to_toml(catalogue or BASE_CATALOGUE), encoding="utf-8")
    for name, body in profiles.items():
        path = root / "profiles" / f"{name}.toml"
        path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return root


def profile_text(*ops, **changes) -> str:
    raw = copy.deepcopy(BASE_PROFILE)
    raw.update(changes)
    for op in ops:
        op(raw)
    return to_toml(raw)


TOML_SYNTAX = 'id = "mau"\nversion 2024\n'
# a profile file's TOML and encoding problems are placed like every other problem of that file
TOML_SYNTAX_MESSAGE = ("profiles/mau.toml: tệp TOML không hợp lệ: "
                       "Expected '=' after a key in a key/value pair (at line 2, column 9)")
NON_UTF8_MESSAGE = "profiles/mau.toml: tệp phải được lưu bằng mã hóa UTF-8"
CATALOGUE_SYNTAX_MESSAGE = "catalogue.toml: tệp TOML không hợp lệ: Invalid value (at line 1, column 11)"
CATALOGUE_NON_UTF8_MESSAGE = "catalogue.toml: tệp phải được lưu bằng mã hóa UTF-8"
CATALOGUE_MISSING_MESSAGE = "catalogue.toml: không tìm thấy danh mục chỉ tiêu trong thư mục «{folder}»"
PROFILES_MISSING_MESSAGE = "profiles/: không có bộ tiêu chí nào (tệp profiles/*.toml) trong thư mục «{folder}»"
BOM = b"\xef\xbb\xbf"


def test_base_files_load(tmp_path):
    folder = make_folder(tmp_path, {"mau": profile_text()})
    profiles = load_profiles(folder)
    assert list(profiles) == ["mau"]
    direct = parse_profile(copy.deepcopy(BASE_PROFILE), parse_catalogue(copy.deepcopy(BASE_CATALOGUE)), PRO)
    assert profiles["mau"].sha256 == direct.sha256  # the TOML round trip reads back the same body
    assert get_profile("mau", folder).id == "mau"
    with pytest.raises(NotFound) as e:
        get_profile("khong-co", folder)
    assert str(e.value) == "Không có bộ tiêu chí «khong-co». Các bộ hiện có: mau."


def test_profile_toml_syntax_error(tmp_path):
    with pytest.raises(FrameworkError) as e:
        load_profiles(make_folder(tmp_path, {"mau": TOML_SYNTAX}))
    assert [str(p) for p in e.value.problems] == [TOML_SYNTAX_MESSAGE]


def test_profile_not_utf8(tmp_path):
    body = profile_text().encode("utf-16")
    with pytest.raises(FrameworkError) as e:
        load_profiles(make_folder(tmp_path, {"mau": body}))
    assert [str(p) for p in e.value.problems] == [NON_UTF8_MESSAGE]


def test_profile_cp1258(tmp_path):
    """Vietnamese in the Windows code page (a common export of Word/Excel) is not UTF-8."""
    body = 'id = "mau"\ntitle = "Bo tieu chi \u00e2\u00ea"\n'.encode("cp1258")
    with pytest.raises(FrameworkError) as e:
        load_profiles(make_folder(tmp_path, {"mau": body}))
    assert [str(p) for p in e.value.problems] == [NON_UTF8_MESSAGE]


def test_id_must_match_file_name_on_disk(tmp_path):
    with pytest.raises(FrameworkError) as e:
        load_profiles(make_folder(tmp_path, {"mau-2": profile_text()}))
    assert [str(p) for p in e.value.problems] == [
        "profiles/mau-2.toml: mã bộ tiêu chí «mau» phải trùng tên tệp «mau-2»"]


# ---------------------------------------------------------------- versions (profiles/archive/<id>/)

def archive(folder: Path, pid: str, versions: dict[str, str]) -> Path:
    sub = folder / "profiles" / "archive" / pid
    sub.mkdir(parents=True, exist_ok=True)
    for name, body in versions.items():
        (sub / f"{name}.toml").write_text(body, encoding="utf-8")
    return folder


def test_versions_load_in_order_and_each_year_has_its_version(tmp_path):
    folder = make_folder(tmp_path, {"mau": profile_text(version="3", effective_from=2024)})
    archive(folder, "mau", {"1": profile_text(version="1", effective_from=2019),
                            "2": profile_text(SET("bands.0.min_total", 80), version="2", effective_from=2021)})
    head = load_profiles(folder)["mau"]
    assert [(v.version, v.effective_from) for v in head.versions()] == [("1", 2019), ("2", 2021), ("3", 2024)]
    assert [head.in_force(y).version for y in (2019, 2020, 2021, 2023, 2024, 2030)] == ["1", "1", "2", "2", "3", "3"]
    assert [head.period_text(v) for v in ("1", "2", "3")] == ["2019–2020", "2021–2023", "từ năm 2024"]
    assert head.has_version_for(2019) and not head.has_version_for(2018)
    with pytest.raises(NotFound) as e:
        head.in_force(2018)
    assert str(e.value) == "Bộ tiêu chí «mau» chưa có phiên bản áp dụng cho năm 2018: phiên bản sớm nhất (1) áp dụng từ năm 2019."
    # the years a version applies to are not part of what it scores: its digest ignores them
    assert head.sha256 == load_profiles(make_folder(tmp_path / "b", {"mau": profile_text(version="3")}))["mau"].sha256


def test_a_profile_without_versions_covers_every_year(profiles):
    p = profiles["tiep-can-phap-luat-mau"]
    assert p.versions() == (p,) and p.in_force(1990) is p and p.period_text() == "mọi năm"


def test_the_real_general_profile_keeps_its_first_version(profiles):
    head = profiles["chung"]
    assert [(v.version, head.period_text(v.version)) for v in head.versions()] == [
        ("2023.1", "2021–2023"), ("2025.1", "2024"), ("2025.2", "từ năm 2025")]
    old, _, new = head.versions()
    assert [lv.min_total for lv in old.levels] == [85, 70, 50, 0] and old.vetoes == ()
    assert [g.key for g in old.groups] == [g.key for g in new.groups]


A = "profiles/archive/mau"
ARCHIVE_CASES = [
    ("missing-effective-from", {"mau": profile_text(version="2")}, {"1": profile_text(version="1", effective_from=2020)},
     ["profiles/mau.toml: bộ tiêu chí có nhiều phiên bản: phải ghi «effective_from» (năm đánh giá đầu tiên áp dụng "
      "phiên bản này)"]),
    ("file-name-not-version", {"mau": profile_text(version="2", effective_from=2024)},
     {"cu": profile_text(version="1", effective_from=2020)},
     [f"{A}/cu.toml: tên tệp phải là phiên bản của bộ tiêu chí: «1.toml»"]),
    ("same-version", {"mau": profile_text(version="2", effective_from=2024)},
     {"2": profile_text(version="2", effective_from=2020)},
     [f"profiles/mau.toml: phiên bản «2» trùng với «{A}/2.toml»"]),
    ("same-year", {"mau": profile_text(version="2", effective_from=2024)},
     {"1": profile_text(version="1", effective_from=2024)},
     [f"profiles/mau.toml: năm áp dụng 2024 trùng với «{A}/1.toml»: mỗi năm chỉ một phiên bản có hiệu lực"]),
    ("archived-after-current", {"mau": profile_text(version="2", effective_from=2022)},
     {"1": profile_text(version="1", effective_from=2023)},
     [f"{A}/1.toml: phiên bản lưu trữ áp dụng từ năm 2023, sau phiên bản hiện hành (2, từ năm 2022): phiên bản "
      "hiện hành phải là phiên bản áp dụng muộn nhất"]),
    ("archived-id-differs", {"mau": profile_text(version="2", effective_from=2024)},
     {"1": profile_text(version="1", effective_from=2020, id="khac")},
     [f"{A}/1.toml: mã bộ tiêu chí «khac» phải trùng tên tệp «mau»"]),
    ("archived-invalid", {"mau": profile_text(version="2", effective_from=2024)},
     {"1": profile_text(version="1", effective_from=2020, total_max=90)},
     [f"{A}/1.toml: tổng điểm tối đa «total_max» không được nhỏ hơn 100, đang là 90"]),
    ("no-current", {"khac": profile_text(id="khac")}, {"1": profile_text(version="1", effective_from=2020)},
     [f"{A}/: không có phiên bản hiện hành «profiles/mau.toml» cho các phiên bản lưu trữ này"]),
]
ARCHIVE_MESSAGES = [m for *_, ms in ARCHIVE_CASES for m in ms]


@pytest.mark.parametrize(("current", "archived", "expected"), [c[1:] for c in ARCHIVE_CASES],
                         ids=[c[0] for c in ARCHIVE_CASES])
def test_version_problems(tmp_path, current, archived, expected):
    folder = archive(make_folder(tmp_path, current), "mau", archived)
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [str(p) for p in e.value.problems] == expected


def test_a_broken_current_file_is_reported_once_not_again_for_its_archive(tmp_path):
    folder = archive(make_folder(tmp_path, {"mau": TOML_SYNTAX}), "mau", {"1": profile_text(version="1", effective_from=2020)})
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [str(p) for p in e.value.problems] == [TOML_SYNTAX_MESSAGE]


def test_problems_of_every_profile_file_come_together(tmp_path):
    folder = make_folder(tmp_path, {
        "a": profile_text(SET("groups.0.items", []), id="a", total_max=90),
        "b": profile_text(SET("vetoes.0.effect", "skip"), id="b", document="doc-z"),
        "c": profile_text(id="c"),  # valid: contributes nothing
        "mau": TOML_SYNTAX,
    })
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [str(p) for p in e.value.problems] == [
        "profiles/a.toml: tổng điểm tối đa «total_max» không được nhỏ hơn 100, đang là 90",
        "profiles/a.toml › nhóm G1: nhóm không có chỉ tiêu nào ([[groups.items]])",
        "profiles/b.toml: văn bản «doc-z» không có trong [documents] của danh mục",
        "profiles/b.toml › điều kiện loại trừ 1: «effect» phải là một trong \"not_rated\", \"cap\"; đang là «skip»",
        TOML_SYNTAX_MESSAGE,
    ]


def test_bad_catalogue_file_stops_loading(tmp_path):
    cat = copy.deepcopy(BASE_CATALOGUE)
    SET("indicators.PCT.applies", [])(cat)
    folder = make_folder(tmp_path, {"a": profile_text(SET("groups", []), id="a")}, catalogue=cat)
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    # the catalogue's problem only: profiles are not read against a broken catalogue
    assert [str(p) for p in e.value.problems] == [
        "catalogue.toml › chỉ tiêu PCT: «applies» phải liệt kê ít nhất một loại đơn vị"]


def test_catalogue_toml_syntax_error(tmp_path):
    folder = make_folder(tmp_path, {})
    (folder / "catalogue.toml").write_text('version = \n', encoding="utf-8")
    with pytest.raises(FrameworkError) as e:
        load_catalogue(folder)
    assert [str(p) for p in e.value.problems] == [CATALOGUE_SYNTAX_MESSAGE]


def test_catalogue_parsed_once_per_content_and_again_when_edited(tmp_path, monkeypatch):
    """Pages read the catalogue several times per rerun: parsed once per content, the same
    result as a fresh parse, each caller its own dicts, and an edit (even within the same
    millisecond, same size) read at once."""
    folder = make_folder(tmp_path, {})
    calls = []
    real = framework.parse_catalogue
    monkeypatch.setattr(framework, "parse_catalogue", lambda raw, file: calls.append(file) or real(raw, file))
    framework._CATALOGUES.clear()
    first, second = load_catalogue(folder), load_catalogue(folder)
    assert calls == ["catalogue.toml"]
    assert first == second == real(tomllib.loads((folder / CAT).read_text(encoding="utf-8")), CAT)
    first[2]["MỚI"] = None  # one caller's change stays its own
    assert "MỚI" not in load_catalogue(folder)[2]
    text = (folder / CAT).read_text(encoding="utf-8")
    edited = text.replace(f'version = "{BASE_CATALOGUE["version"]}"', 'version = "2025.u"')
    assert edited != text and len(edited) == len(text)
    (folder / CAT).write_text(edited, encoding="utf-8")
    assert load_catalogue(folder)[0] == "2025.u"
    assert calls == ["catalogue.toml", "catalogue.toml"]


def test_catalogue_not_utf8(tmp_path):
    folder = make_folder(tmp_path, {"mau": profile_text()})
    (folder / "catalogue.toml").write_bytes(to_toml(BASE_CATALOGUE).encode("cp1258", errors="replace"))
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [str(p) for p in e.value.problems] == [CATALOGUE_NON_UTF8_MESSAGE]


def test_catalogue_missing(tmp_path):
    with pytest.raises(FrameworkError) as e:
        load_profiles(tmp_path)
    assert [(p.where, p.message) for p in e.value.problems] == [
        ("catalogue.toml", f"không tìm thấy danh mục chỉ tiêu trong thư mục «{tmp_path}»")]
    assert [str(p) for p in e.value.problems] == [CATALOGUE_MISSING_MESSAGE.format(folder=tmp_path)]


def test_files_with_a_bom_load(tmp_path):
    """Notepad saves UTF-8 with a byte order mark: both files still load, to the same profile."""
    folder = make_folder(tmp_path, {"mau": BOM + profile_text().encode("utf-8")})
    (folder / "catalogue.toml").write_bytes(BOM + to_toml(BASE_CATALOGUE).encode("utf-8"))
    profiles = load_profiles(folder)
    assert list(profiles) == ["mau"]
    direct = parse_profile(copy.deepcopy(BASE_PROFILE), parse_catalogue(copy.deepcopy(BASE_CATALOGUE)), PRO)
    assert profiles["mau"].sha256 == direct.sha256


def test_bom_file_still_reports_its_problems(tmp_path):
    folder = make_folder(tmp_path, {"mau": BOM + profile_text(total_max=90).encode("utf-8")})
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [str(p) for p in e.value.problems] == [
        "profiles/mau.toml: tổng điểm tối đa «total_max» không được nhỏ hơn 100, đang là 90"]


@pytest.mark.parametrize("setup", ["empty", "missing", "other-files"])
def test_no_profile_files(tmp_path, setup):
    folder = make_folder(tmp_path, {})
    if setup == "missing":
        (folder / "profiles").rmdir()
    elif setup == "other-files":
        (folder / "profiles" / "mau.toml.bak").write_text(profile_text(), encoding="utf-8")
        (folder / "profiles" / "ghi-chu.txt").write_text("", encoding="utf-8")
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [(p.where, p.message) for p in e.value.problems] == [
        ("profiles/", f"không có bộ tiêu chí nào (tệp profiles/*.toml) trong thư mục «{folder}»")]
    assert [str(p) for p in e.value.problems] == [PROFILES_MISSING_MESSAGE.format(folder=folder)]


def test_real_catalogue_copy_loads(tmp_path):
    """The real catalogue with a test profile of its own, read from a folder like the real one."""
    (tmp_path / "profiles").mkdir()
    shutil.copy(config.FRAMEWORKS_DIR / "catalogue.toml", tmp_path / "catalogue.toml")
    real = (config.FRAMEWORKS_DIR / "profiles" / "ca-mau.toml").read_text(encoding="utf-8")
    (tmp_path / "profiles" / "ca-mau.toml").write_text(real, encoding="utf-8")
    (tmp_path / "profiles" / "ban-sao.toml").write_text(real.replace('id = "ca-mau"', 'id = "ban-sao"', 1),
                                                        encoding="utf-8")
    loaded = load_profiles(tmp_path)
    assert sorted(loaded) == ["ban-sao", "ca-mau"]
    assert loaded["ca-mau"].sha256 == get_profile("ca-mau").sha256
    assert loaded["ban-sao"].sha256 != loaded["ca-mau"].sha256  # the id is part of the body


# ================================================================= every message has a case

def _message_templates() -> list[tuple[int, str]]:
    """(line, regex) of every message framework.py can report: col.add(), Problem(), NotFound()."""
    tree = ast.parse(Path(framework.__file__).read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "add" and isinstance(f.value, ast.Name) and f.value.id == "col":
            msg = node.args[1]
        elif isinstance(f, ast.Name) and f.id == "Problem":
            msg = node.args[1]
        elif isinstance(f, ast.Name) and f.id == "NotFound":
            msg = node.args[0]
        else:
            continue
        if isinstance(msg, ast.Name):  # _Collector.add passing its `message` on
            continue
        out.extend((node.lineno, rx) for rx in _regexes(msg))
    return out


def _regexes(msg: ast.expr) -> list[str]:
    """Every message an expression can build, as a regex: `a if c else b` gives both, `a + b` every pairing."""
    if isinstance(msg, ast.Constant):
        return [re.escape(msg.value)]
    if isinstance(msg, ast.JoinedStr):
        return ["".join(re.escape(p.value) if isinstance(p, ast.Constant) else ".*?" for p in msg.values)]
    if isinstance(msg, ast.IfExp):
        return _regexes(msg.body) + _regexes(msg.orelse)
    assert isinstance(msg, ast.BinOp) and isinstance(msg.op, ast.Add), ast.dump(msg)
    return [a + b for a in _regexes(msg.left) for b in _regexes(msg.right)]


def test_every_message_is_exercised():
    seen = [s for c in CASES for s in c.expected] + MULTI_EXPECTED + [
        TOML_SYNTAX_MESSAGE, NON_UTF8_MESSAGE, CATALOGUE_SYNTAX_MESSAGE, CATALOGUE_NON_UTF8_MESSAGE,
        CATALOGUE_MISSING_MESSAGE.format(folder="/srv/dcmetrics/data/frameworks"),
        PROFILES_MISSING_MESSAGE.format(folder="/srv/dcmetrics/data/frameworks"),
        "Không có bộ tiêu chí «khong-co». Các bộ hiện có: mau.", HUGE_INTEGER_MESSAGE, *ARCHIVE_MESSAGES]
    templates = _message_templates()
    assert len(templates) >= 60, templates  # the scan itself works
    missing = [(line, rx) for line, rx in templates
               if not any(re.search(f"(?:^|: ){rx}\\Z", s) for s in seen)]
    assert missing == [], f"framework.py: messages without a test case at lines {missing}"


# ================================================================= known loader bugs (see the report)
# Each input is valid TOML that the loader should reject with a FrameworkError naming the place;
# today it crashes with a Python exception. strict: a fix turns the case into XPASS, which fails,
# so the case must then move to CASES (or the file tests) with its exact message.
# The crashes recorded here before (arrays where a code is expected, a tiny step, integers too big
# for a float) are fixed and are now table cases.

# Python limits int -> str to 4300 digits; tomllib reads a hexadecimal integer of any size
HUGE_HEX = int("f" * 4000, 16)  # 4817 decimal digits

HUGE_INTEGER_MESSAGE = "tệp TOML có một số nguyên quá dài (hơn 4.300 chữ số)"

HUGE = [  # valid TOML (tomllib reads a 4,000-digit hex literal into a Python int): reported, not crashed on
    ("catalogue", SET("indicators.PTS.max", HUGE_HEX),
     "catalogue.toml › chỉ tiêu PTS: trường «max» phải là một số hữu hạn, đang là «một số nguyên quá lớn»"),
    ("profile", SET("groups.0.items.0.weight", HUGE_HEX),
     "profile.toml › nhóm G1 › chỉ tiêu PCT: trường «weight» phải là một số hữu hạn, đang là «một số nguyên quá lớn»"),
    ("profile", SET("document", HUGE_HEX),
     "profile.toml: «document» phải là một mã (chuỗi chữ), đang là «một số nguyên quá lớn»"),
]


@pytest.mark.parametrize(("target", "op", "message"), HUGE, ids=["huge-max", "huge-weight", "huge-document"])
def test_huge_integers_are_reported(target, op, message):
    assert [str(p) for p in _run(Case("huge", target, [op], []))] == [message]


def test_huge_hex_integer_parses():
    """The premise of the cases above: this is valid TOML, read by tomllib into a Python int."""
    assert tomllib.loads(f"max = 0x{'f' * 4000}\n")["max"] == HUGE_HEX


def test_huge_decimal_integer_in_a_file_is_reported(tmp_path):
    folder = make_folder(tmp_path, {"mau": profile_text(DEL("total_max")) + f"total_max = {'1' * 5000}\n"})
    with pytest.raises(FrameworkError) as e:
        load_profiles(folder)
    assert [str(p) for p in e.value.problems] == [f"profiles/mau.toml: {HUGE_INTEGER_MESSAGE}"]


# ================================================================= every number carries its source

def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.parametrize("pid", sorted(p.stem for p in (config.FRAMEWORKS_DIR / "profiles").glob("*.toml")))
def test_every_number_of_a_real_profile_names_its_source(profiles, pid):
    """No number without a source; a clause source quotes words that stand in its seed verbatim."""
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"{SEEDS_DIR} không có (../shared vắng mặt)")
    for version in profiles[pid].versions():
        numbers = version.numbers()
        assert len(numbers) > 20
        for what, _, src in numbers:
            assert src.kind in ("default", "clause", "decision"), what
            if src.kind == "clause":
                seed = next(d for d in framework.load_catalogue()[1].values() if d.title == src.doc_title).seed
                assert _words(src.quote) in _words((SEEDS_DIR / seed).read_text(encoding="utf-8")), (what, src.quote)
        note = version.defaults_note()
        assert note.startswith(f"Ghi chú: {sum(s.is_default for _, _, s in numbers)} con số của bộ tiêu chí «{pid}»")


def test_vinh_linh_targets_quote_the_words_their_100_percent_rests_on(profiles):
    vl = profiles["vinh-linh"]
    quotes = {t.key: t.source.quote for t in vl.targets}
    assert quotes["a"].startswith("Bảo đảm 100% cán bộ, công chức, viên chức, người lao động được giao nhiệm vụ")
    # b's «100%» is for propaganda and legal education, not for the disclosure its target measures:
    # the disclosure indicator's target of 100 is therefore not attributed to the text
    assert "thực hiện tuyên truyền, quán triệt, phổ biến, giáo dục pháp luật" in quotes["b"]
    rule_sources = {it.indicator.code: it.rule_source for _, it in vl.items}
    assert rule_sources["TRAIN_STAFF"].id == "muc-tieu-a"
    assert rule_sources["RESP_DISCLOSURE"].is_default
    # what no seed gives is the software's default
    assert all(g.source.is_default for g in vl.groups) and all(lv.source.is_default for lv in vl.levels)
    assert vl.commendation_source.is_default


def test_sources_do_not_change_a_version_digest():
    """A mended citation is documentation: the version scores the same, so its digest stays."""
    cat = parse_catalogue(copy.deepcopy(BASE_CATALOGUE))
    base = parse_profile(copy.deepcopy(BASE_PROFILE), cat, PRO, expected_id="mau")
    cited = copy.deepcopy(BASE_PROFILE)
    SET("sources.muc-tieu-a.quote", "Bảo đảm 100% cơ quan, đơn vị ban hành quy chế")(cited)
    SET("groups.0.source", "qd-12")(cited)
    assert parse_profile(cited, cat, PRO, expected_id="mau").sha256 == base.sha256
    rescored = copy.deepcopy(BASE_PROFILE)
    SET("groups.0.points", 45)(rescored)
    SET("groups.1.points", 55)(rescored)
    assert parse_profile(rescored, cat, PRO, expected_id="mau").sha256 != base.sha256
    labels = {what: src.label() for what, _, src in base.numbers()}
    assert labels["Mục tiêu a (PCT)"] == "Nghị quyết thử, Điều 1, mục 2, điểm a: «Bảo đảm 100% đơn vị ban hành quy chế»"
    assert labels["Điều kiện đề nghị khen thưởng"] == "Quyết định số 12/QĐ-UBND ngày 05/01/2026 của UBND tỉnh Mẫu"
    assert labels["Điểm nhóm G1 (mục 1)"] == "mặc định của phần mềm — chưa có văn bản quy định"


# ================================================================= the criterion, as each text words it

CRITERION_CASES = [  # profile, unit type, kind, words the note must hold
    ("thai-nguyen", "agency", "basis", "là một trong những căn cứ đánh giá kết quả thực hiện nhiệm vụ"),
    ("thai-nguyen", "agency", "basis", "áp dụng cho người đứng đầu, cán bộ lãnh đạo, quản lý"),
    ("thai-nguyen", "commune", "basis", "áp dụng cho đơn vị;"),
    ("ca-mau", "enterprise", "none", "văn bản chỉ gắn kết quả với việc đánh giá"),
    ("ca-mau", "commune", "basis", "Ủy ban nhân dân cấp xã, lãnh đạo cơ quan, đơn vị, tổ chức"),
    ("bac-giang", "commune", "none", "Cơ quan hành chính nhà nước, Đơn vị sự nghiệp công lập"),
    ("bac-giang", "agency", "basis", "xếp loại người đứng đầu cơ quan, đơn vị hàng năm"),
    ("vinh-linh", "service", "basis", "người hoạt động không chuyên trách ở cấp xã, ở thôn, tổ dân phố"),
    ("tiep-can-phap-luat-mau", "commune", "none", "bộ tiêu chí chưa ghi văn bản"),
]


@pytest.mark.parametrize(("pid", "unit_type", "kind", "words"), CRITERION_CASES)
def test_what_a_level_does_to_the_classification_is_what_the_text_says(profiles, pid, unit_type, kind, words):
    got_kind, note = profiles[pid].classification_note(unit_type, "Hoàn thành tốt nhiệm vụ")
    assert got_kind == kind
    assert words in note
    if kind == "basis":
        assert note.startswith("Đề xuất xếp loại theo tiêu chí này: Hoàn thành tốt nhiệm vụ (là một trong những căn cứ, "
                               "không phải trần bắt buộc).")
    if kind == "none":
        assert "vẫn được đánh giá và xếp mức, nhưng không có đề xuất xếp loại" in note


def test_no_seed_makes_the_level_a_binding_cap(profiles):
    for pid in ("vinh-linh", "bac-giang", "ca-mau", "cao-xanh", "thai-nguyen", "chung"):
        assert profiles[pid].criteria and {c.effect for c in profiles[pid].criteria} == {"basis"}, pid


@pytest.mark.parametrize("pid", ["vinh-linh", "bac-giang", "ca-mau", "cao-xanh", "thai-nguyen", "chung"])
def test_criterion_quotes_stand_in_their_seed(profiles, pid):
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"{SEEDS_DIR} không có (../shared vắng mặt)")
    docs = framework.load_catalogue()[1]
    for c in profiles[pid].criteria:
        seed = next(d.seed for d in docs.values() if d.title == c.doc_title)
        assert _words(c.quote) in _words((SEEDS_DIR / seed).read_text(encoding="utf-8")), c.quote


# ================================================================= misread clauses, mended (from 2025)

MENDED = [  # profile, indicator, what the 2025 version does, the clause's words it now rests on
    ("vinh-linh", "BOARD_RECOMMEND", "excluded",
     "tiếp nhận, giải quyết kịp thời hoặc báo cáo cấp có thẩm quyền giải quyết các kiến nghị, phản ánh của công chức, "
     "viên chức, người lao động và Nhân dân"),
    ("chung", "BOARD_RECOMMEND", "excluded",
     "tiếp nhận, giải quyết kịp thời hoặc báo cáo cấp có thẩm quyền giải quyết các kiến nghị, phản ánh của công chức, "
     "viên chức, người lao động và Nhân dân"),
    ("vinh-linh", "REWARD_MODEL", "excluded",
     "Lựa chọn những tổ chức, cá nhân điển hình, những mô hình tiêu biểu trong thực hiện công tác dân chủ ở cơ sở để "
     "tuyên truyền, phổ biến, nhân rộng trong các cơ quan, đơn vị, doanh nghiệp, địa phương và trong toàn huyện"),
    ("vinh-linh", "IT_STAFF_TRAINED", "excluded",
     "Kiện toàn, nâng cao chất lượng cán bộ, công chức, viên chức, người thực hiện chuyên trách, kiêm nhiệm công nghệ "
     "thông tin ở các cơ quan, đơn vị, địa phương đi đôi với việc bồi dưỡng, nâng cao khả năng khai thác, sử dụng "
     "công nghệ thông tin về thực hiện dân chủ ở cơ sở trong giai đoạn mới"),
    ("ca-mau", "IT_SECTION", "excluded", "Xây dựng chuyên mục thực hiện dân chủ ở cơ sở trên Cổng Thông tin điện tử tỉnh"),
    ("thai-nguyen", "IT_SECTION", "excluded",
     "Xây dựng chuyên mục thực hiện dân chủ ở cơ sở trên Cổng thông tin điện tử của tỉnh"),
    ("cao-xanh", "IT_FEEDBACK", "excluded", "hoặc trên các thiết bị di động Facebook, Zalo"),
    # the province's classes: neither a unit's target nor a unit's score
    ("bac-giang", "TRAIN_CLASSES", "both",
     "Hàng năm tổ chức từ 01 đến 02 lớp bồi dưỡng, tập huấn trong kế hoạch đào tạo, bồi dưỡng cán bộ, công chức, "
     "viên chức, người lao động của UBND tỉnh"),
    # PROP_PORTAL: the clause names the province's portals, or allows propaganda on phones, or asks less
    ("bac-giang", "PROP_PORTAL", "excluded",
     "Cập nhật, đăng tải trên Cổng thông tin điện tử tỉnh và Cổng thông tin quy chế dân chủ tỉnh, Cổng thông tin "
     "điện tử của các sở, cơ quan, đơn vị thuộc UBND tỉnh các quy định về thực hiện dân chủ ở cơ sở và các văn bản "
     "triển khai thực hiện quy chế dân chủ ở cơ sở"),
    ("thai-nguyen", "PROP_PORTAL", "excluded",
     "Thực hiện ứng dụng công nghệ thông tin, khai thác hiệu quả tiện ích của chính quyền số trong công tác tuyên "
     "truyền, phổ biến pháp luật trên Cổng/Trang thông tin điện tử của cơ quan, đơn vị, địa phương, tổ chức hoặc "
     "trên các thiết bị di động"),
    ("cao-xanh", "PROP_PORTAL", "excluded",
     "Thực hiện ứng dụng công nghệ thông tin, chính quyền số trong công tác thông tin, tuyên truyền, phổ biến trên "
     "Cổng thông tin điện tử thành phần của phường và của các cơ quan, đơn vị, doanh nghiệp hoặc trên các thiết bị "
     "di động Facebook, Zalo"),
    ("vinh-linh", "PROP_PORTAL", "excluded",
     "Thực hiện đăng tải các nội dung cần xin ý kiến Nhân dân công khai lên Trang/Cổng Thông tin điện tử của các "
     "cơ quan, đơn vị, địa phương"),
    ("chung", "PROP_PORTAL", "excluded",
     "Thực hiện đăng tải các nội dung cần xin ý kiến Nhân dân công khai lên Trang/Cổng Thông tin điện tử của các "
     "cơ quan, đơn vị, địa phương"),
    # the convention dash asks that the people be consulted, not that conventions be reviewed and recognised
    ("thai-nguyen", "RESP_CONVENTION", "excluded",
     "tổ chức lấy ý kiến tham gia của Nhân dân vào các quy ước, hương ước tại địa phương"),
    # the clause tells the level above to lay down a reporting regime; none is cited yet
    ("vinh-linh", "INSP_REPORT_ON_TIME", "excluded",
     "Quy định chế độ báo cáo kết quả thực hiện quy chế dân chủ tại các cơ quan, tổ chức, đơn vị, địa phương"),
    ("thai-nguyen", "INSP_REPORT_ON_TIME", "excluded",
     "Quy định chế độ báo cáo kết quả thực hiện dân chủ ở cơ sở tại các cơ quan, đơn vị, địa phương, tổ chức trên "
     "địa bàn tỉnh"),
    ("chung", "INSP_REPORT_ON_TIME", "excluded",
     "Quy định chế độ báo cáo kết quả thực hiện quy chế dân chủ tại các cơ quan, tổ chức, đơn vị, địa phương"),
    # Bắc Giang khoản 5, điểm b: the province's infrastructure and platforms
    ("bac-giang", "IT_ONLINE_SERVICES", "excluded",
     "từng bước xây dựng, ứng dụng, phát triển và hoàn thiện nền tảng chuyển đổi số của tỉnh trên các lĩnh vực chính "
     "quyền số, kinh tế số, xã hội số và công dân số để người dân và doanh nghiệp sử dụng dịch vụ, tiện ích thuận lợi"),
    ("bac-giang", "IT_FEEDBACK", "excluded",
     "để người dân và doanh nghiệp sử dụng dịch vụ, tiện ích thuận lợi; đồng thời tham gia, giám sát việc thực thi "
     "chính sách, pháp luật của cơ quan Nhà nước"),
    # commending is the emulation bodies' duty; counting awards received feeds the shortlist that grants them
    ("ca-mau", "REWARD_COMMENDED", "excluded",
     "Cơ quan làm công tác thi đua, khen thưởng các cấp tích cực, chủ động phối hợp với cơ quan có liên quan làm "
     "tốt công tác tuyên truyền"),
    ("thai-nguyen", "REWARD_COMMENDED", "excluded",
     "Cơ quan làm công tác thi đua, khen thưởng các cấp tích cực, chủ động phối hợp với cơ quan tuyên giáo, thông "
     "tin và truyền thông làm tốt công tác tuyên truyền"),
    # counted once: by the veto (the software's default), not also by the group's points
    ("chung", "DISC_VIOLATIONS", "excluded",
     "Kỷ luật: Phát hiện và xử lý nghiêm các cơ quan, đơn vị, tổ chức, cá nhân vi phạm pháp luật về thực hiện các "
     "quy định về dân chủ ở cơ sở theo thẩm quyền"),
]


@pytest.mark.parametrize(("pid", "code", "how", "words"), MENDED, ids=[f"{m[0]}-{m[1]}" for m in MENDED])
def test_a_misread_clause_is_mended_from_2025_and_kept_for_earlier_years(profiles, pid, code, how, words):
    head = profiles[pid]
    old, new = head.in_force(2024), head.in_force(2025)
    assert old.version != new.version and new.effective_from == 2025
    scored = lambda p: {it.indicator.code for _, it in p.items}  # noqa: E731
    targeted = lambda p: {t.indicator.code for t in p.targets if t.indicator is not None}  # noqa: E731
    if how in ("excluded", "both"):
        assert code in scored(old) and code not in scored(new)
    if how in ("target", "both"):
        assert code in targeted(old) and code not in targeted(new)
    reason = next(e for e in new.excluded if e.indicator == code)
    assert reason.quote == words and reason.reason
    if SEEDS_DIR.is_dir():
        seed = (SEEDS_DIR / head.document.seed).read_text(encoding="utf-8") if pid != "chung" else \
            (SEEDS_DIR / framework.load_catalogue()[1]["vinh-linh"].seed).read_text(encoding="utf-8")
        assert _words(words) in _words(seed)


def test_thai_nguyen_inspection_plan_is_the_communes_duty(profiles):
    """2.e: «Hằng năm, Ủy ban nhân dân các cấp xây dựng kế hoạch thanh tra, kiểm tra, giám sát …; các cơ quan, đơn
    vị, địa phương, tổ chức chủ động thực hiện công tác tự kiểm tra»: the plan is scored for communes only."""
    tn = profiles["thai-nguyen"]
    plan = {it.indicator.code: it.indicator for _, it in tn.in_force(2025).items}["INSP_PLAN"]
    assert plan.applies == ("commune",)
    before = {it.indicator.code: it.indicator for _, it in tn.in_force(2024).items}["INSP_PLAN"]
    assert set(before.applies) == {"commune", "agency", "service", "enterprise"}
    chung = {it.indicator.code: it.indicator for _, it in profiles["chung"].in_force(2025).items}
    assert chung["IT_SECTION"].applies == ("commune",)


def test_vinh_linh_target_b_is_no_longer_read_as_disclosure(profiles):
    """Mục tiêu b: «Bảo đảm 100% cơ quan, đơn vị, địa phương và tổ chức thực hiện tuyên truyền, quán triệt, phổ biến,
    giáo dục pháp luật …»: no indicator tracks it, and the target says so instead of counting disclosure."""
    vl = profiles["vinh-linh"]
    b_new = next(t for t in vl.in_force(2025).targets if t.key == "b")
    b_old = next(t for t in vl.in_force(2024).targets if t.key == "b")
    assert b_new.indicator is None and b_old.indicator.code == "RESP_DISCLOSURE"
    assert b_new.text.startswith("Bảo đảm 100% cơ quan, đơn vị, địa phương và tổ chức thực hiện tuyên truyền")
    assert b_new.text == b_new.source.quote  # the target's words are the text's, verbatim


def test_item_applies_must_narrow_the_indicator():
    cat = parse_catalogue(copy.deepcopy(BASE_CATALOGUE))
    raw = copy.deepcopy(BASE_PROFILE)
    SET("groups.0.items.0.applies", ["commune"])(raw)
    p = parse_profile(raw, cat, PRO, expected_id="mau")
    assert p.groups[0].items[0].indicator.applies == ("commune",)
    assert cat[2]["PCT"].applies != ("commune",)  # the catalogue's stays as it is


def _seed_text(profile, doc_id: str | None = None) -> str:
    docs = framework.load_catalogue()[1]
    doc = docs[doc_id] if doc_id else profile.document  # chung's document is Vĩnh Linh's
    return _words((SEEDS_DIR / doc.seed).read_text(encoding="utf-8"))


@pytest.mark.parametrize("pid", ["vinh-linh", "bac-giang", "ca-mau", "cao-xanh", "thai-nguyen", "chung"])
def test_what_a_profile_leaves_out_is_not_scored_and_quotes_its_seed(profiles, pid):
    """Every [[excluded]] of the version in force: not a scored item, its words verbatim in the document."""
    p = profiles[pid]
    scored = {it.indicator.code for _, it in p.items}
    assert p.excluded
    for e in p.excluded:
        assert e.indicator not in scored, e.indicator
        assert e.clause and e.reason
        if SEEDS_DIR.is_dir():
            assert _words(e.quote) in _seed_text(p), (e.indicator, e.quote)


# People's Inspection Boards: who has one, in the text's words. A profile narrows the Board items to the unit
# types the text names; the catalogue's applies (every enterprise) is the old reading.
BOARDS_NARROWED = [  # profile, indicator, unit types scored from 2025, the words that place the Board
    *[("vinh-linh", code, ("commune", "agency", "service"),
       "Ban Thanh tra nhân dân ở cơ quan, đơn vị, doanh nghiệp nhà nước; Ban Thanh tra nhân dân ở xã, thị trấn")
      for code in ("TRAIN_BOARDS", "BOARD_CONSOLIDATED", "BOARD_PLAN")],
    *[("chung", code, ("commune", "agency", "service"),
       "Ban Thanh tra nhân dân ở cơ quan, đơn vị, doanh nghiệp nhà nước; Ban Thanh tra nhân dân ở xã, thị trấn")
      for code in ("TRAIN_BOARDS", "BOARD_CONSOLIDATED", "BOARD_PLAN")],
    ("bac-giang", "TRAIN_BOARDS", ("agency", "service"), "thành viên Ban Thanh tra nhân dân ở các cơ quan, đơn vị"),
    # Cà Mau and Thái Nguyên name enterprises and organisations with a Board: their items keep every type
    ("ca-mau", "BOARD_PLAN", ("commune", "agency", "service", "enterprise"),
     "Người đứng đầu cơ quan, đơn vị, địa phương, doanh nghiệp chỉ đạo Ban Thanh tra nhân dân"),
    ("ca-mau", "TRAIN_BOARDS", ("commune", "agency", "service", "enterprise"),
     "Cơ quan, đơn vị, địa phương, doanh nghiệp quan tâm thực hiện tốt và có chất lượng về công tác tập huấn"),
    ("thai-nguyen", "BOARD_CONSOLIDATED", ("commune", "agency", "service", "enterprise"),
     "Ban Thanh tra nhân dân trong các cơ quan, đơn vị, địa phương, tổ chức"),
]


@pytest.mark.parametrize(("pid", "code", "types", "words"), BOARDS_NARROWED,
                         ids=[f"{b[0]}-{b[1]}" for b in BOARDS_NARROWED])
def test_board_items_apply_where_the_text_puts_a_board(profiles, pid, code, types, words):
    head = profiles[pid]
    scored = lambda p: {it.indicator.code: it.indicator for _, it in p.items}  # noqa: E731
    assert scored(head.in_force(2025))[code].applies == types
    assert "enterprise" in scored(head.in_force(2024))[code].applies  # the old reading: every enterprise
    if SEEDS_DIR.is_dir():
        assert _words(words) in _seed_text(head)


def test_a_group_no_type_of_unit_is_scored_on_keeps_its_points_for_that_type(profiles):
    """Vĩnh Linh G4 (the Boards) has nothing an enterprise is scored on: the group leaves no hole, as the
    format says of a group with no applicable item."""
    g4 = next(g for g in profiles["vinh-linh"].groups if g.key == "G4")
    assert all("enterprise" not in it.indicator.applies for it in g4.items)
    assert all("commune" in it.indicator.applies for it in g4.items)


def test_bac_giang_khoan_5_is_the_provinces_duty_and_no_longer_a_group(profiles):
    """Khoản 5, điểm b: «hạ tầng kỹ thuật, các hệ thống thông tin, cơ sở dữ liệu của tỉnh» and «nền tảng chuyển
    đổi số của tỉnh»: both of its items left out, so khoản 5 scores no unit; its points go to the other four."""
    head = profiles["bac-giang"]
    new, old = head.in_force(2025), head.in_force(2024)
    assert [g.number for g in old.groups] == ["1", "2", "3", "4", "5"]
    assert [g.number for g in new.groups] == ["1", "2", "3", "4"]
    assert [g.points for g in new.groups] == [20, 25, 35, 20]
    assert all(g.source.is_default for g in new.groups)  # the spread is the software's, not the text's
    assert not any("khoản 5" in it.clause for _, it in new.items)
    assert {e.indicator for e in new.excluded if "khoản 5" in e.clause} == {"IT_ONLINE_SERVICES", "IT_FEEDBACK"}
    if SEEDS_DIR.is_dir():
        seed = _seed_text(head)
        assert "hạ tầng kỹ thuật, các hệ thống thông tin, cơ sở dữ liệu của tỉnh" in seed
        assert "nền tảng chuyển đổi số của tỉnh" in seed


TARGETS_MENDED = [  # profile, key, indicator from 2025 ("" none), indicator before, the target's text (verbatim)
    # 3.a asks for a yearly plan to apply the Regulation, which RESP_REGULATION (having and reviewing it) is not
    ("ca-mau", "3.a", "", "RESP_REGULATION",
     "Hằng năm, từng cơ quan, đơn vị, địa phương, doanh nghiệp có kế hoạch và chỉ đạo thực hiện tốt Quy chế thực "
     "hiện dân chủ ở cơ sở"),
    # đ: the whole point, not its first half
    ("vinh-linh", "đ", "BOARD_CONSOLIDATED", "BOARD_CONSOLIDATED",
     "Bảo đảm 100% cơ quan, đơn vị, địa phương và tổ chức hỗ trợ, tạo điều kiện để Ban Thanh tra nhân dân, Ban Giám "
     "sát đầu tư của cộng đồng thực hiện đúng chức năng, nhiệm vụ và phát huy hiệu quả hoạt động tại cơ sở"),
    # 2.e: the plan is the People's Committees' («theo thẩm quyền»); the text was a paraphrase
    ("thai-nguyen", "2.e", "INSP_PLAN", "INSP_PLAN",
     "Hằng năm, Ủy ban nhân dân các cấp xây dựng kế hoạch thanh tra, kiểm tra, giám sát việc thực hiện dân chủ ở cơ "
     "sở theo thẩm quyền"),
]


@pytest.mark.parametrize(("pid", "key", "code", "code_before", "text"), TARGETS_MENDED,
                         ids=[f"{t[0]}-{t[1]}" for t in TARGETS_MENDED])
def test_a_target_measures_what_its_words_say(profiles, pid, key, code, code_before, text):
    head = profiles[pid]
    new = next(t for t in head.in_force(2025).targets if t.key == key)
    old = next(t for t in head.in_force(2024).targets if t.key == key)
    assert (new.indicator.code if new.indicator else "") == code
    assert old.indicator.code == code_before
    assert new.text == text
    assert old.indicator.code != code or old.text != text  # the 2024 reading differs
    if SEEDS_DIR.is_dir():
        assert _words(text) in _seed_text(head)


CITATIONS_DROPPED = [  # chung's indicator, a citation the review found misread or another level's duty
    ("TRAIN_BOARDS", "Bắc Giang"),      # the province's classes, «ở các cơ quan, đơn vị» only
    ("RESP_CONVENTION", "Thái Nguyên"),  # consultation on conventions, not their review
    ("REWARD_MODEL", "Vĩnh Linh"),       # choosing examples to publicise
    ("IT_FEEDBACK", "Bắc Giang"),        # the province's platforms
    ("IT_FEEDBACK", "Cao Xanh"),         # one-way propaganda on Facebook, Zalo
    ("IT_STAFF_TRAINED", "Vĩnh Linh"),   # IT officers
    ("IT_SECTION", "Cà Mau"),            # the provincial portal
    ("IT_SECTION", "Thái Nguyên"),       # the provincial portal
    ("REWARD_COMMENDED", "Cà Mau"),      # the emulation bodies' duty
    ("REWARD_COMMENDED", "Thái Nguyên"),  # the emulation bodies' duty
    ("REWARD_COMMENDED", "điểm g"),      # district-wide («trong phạm vi toàn huyện»)
]


@pytest.mark.parametrize(("code", "doc"), CITATIONS_DROPPED, ids=[f"{c}-{d}" for c, d in CITATIONS_DROPPED])
def test_the_general_profile_cites_only_clauses_that_ask_what_it_measures(profiles, code, doc):
    head = profiles["chung"]
    clause = lambda p: next(it.clause for _, it in p.items if it.indicator.code == code)  # noqa: E731
    assert doc in clause(head.in_force(2024)) and doc not in clause(head.in_force(2025))


def test_the_general_profile_cites_the_one_clause_that_says_organised_or_attended(profiles):
    classes = next(it.clause for _, it in profiles["chung"].items if it.indicator.code == "TRAIN_CLASSES")
    assert classes.startswith("Cao Xanh Mục 1, gạch đầu dòng thứ hai (Tổ chức và tham gia các lớp bồi dưỡng, tập huấn)")
    if SEEDS_DIR.is_dir():
        assert "Tổ chức và tham gia các lớp bồi dưỡng, tập huấn" in _seed_text(profiles["chung"], "cao-xanh")


def test_a_violation_is_counted_once_and_the_veto_says_it_is_the_softwares(profiles):
    """chung 2025.1 took points for each violation (DISC_VIOLATIONS, 0 points at 3) and capped the level at 3 by
    a veto citing Vĩnh Linh mục 5, điểm b, which sets no consequence for the level."""
    head = profiles["chung"]
    new, old = head.in_force(2025), head.in_force(2024)
    veto = lambda p: next(v for v in p.vetoes if v.indicator.code == "DISC_VIOLATIONS")  # noqa: E731
    scored = lambda p: {it.indicator.code for _, it in p.items}  # noqa: E731
    assert "DISC_VIOLATIONS" in scored(old) and veto(old).clause == "Vĩnh Linh Điều 1, mục 5, điểm b"
    assert "DISC_VIOLATIONS" not in scored(new)
    assert veto(new).clause.startswith("Mặc định của phần mềm — không có trong văn bản nguồn")
    assert veto(new).source.is_default and (veto(new).value, veto(new).cap_level) == (3, "Trung bình")
    assert "DISC_HANDLED" in scored(new)  # handling violations is still what the group scores


@pytest.mark.parametrize("pid", ["vinh-linh", "bac-giang", "ca-mau", "cao-xanh", "thai-nguyen", "chung"])
def test_no_fact_is_penalised_by_both_an_item_and_a_veto(profiles, pid):
    p = profiles[pid]
    scored = {it.indicator.code for _, it in p.items}
    assert not [v.indicator.code for v in p.vetoes if v.indicator.code in scored]


def test_cao_xanh_section_is_on_the_wards_own_page(profiles):
    """Mục 4, gạch 2: «Xây dựng chuyên mục, chuyên trang thực hiện dân chủ ở cơ sở trên trang thông tin điện tử của
    phường»: the ward is scored on it, not the agencies on its territory."""
    head = profiles["cao-xanh"]
    section = lambda p: next(it.indicator for _, it in p.items if it.indicator.code == "IT_SECTION")  # noqa: E731
    assert section(head.in_force(2025)).applies == ("commune",)
    assert "agency" in section(head.in_force(2024)).applies
    if SEEDS_DIR.is_dir():
        assert ("Xây dựng chuyên mục, chuyên trang thực hiện dân chủ ở cơ sở trên trang thông tin điện tử của phường"
                in _seed_text(head))
