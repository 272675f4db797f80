"""Load and validate the indicator catalogue and the framework profiles (data/frameworks/).

Validation collects every problem, each in one Vietnamese message naming the file and the
place, and raises FrameworkError once with all of them: a methodologist fixes a file in one go.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
import unicodedata
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from dcmetrics import config
from dcmetrics.errors import FrameworkError, NotFound, Problem
from dcmetrics.framework_model import (
    KINDS,
    RULE_KINDS,
    VETO_OPS,
    Adjustment,
    Band,
    Document,
    Group,
    Indicator,
    Item,
    Level,
    Profile,
    DEFAULT_SOURCE,
    ROUNDING_RULES,
    SOFTWARE_DEFAULT_ID,
    SUBJECT_LABELS,
    Criterion,
    Exclusion,
    NumberSource,
    Rounding,
    Rule,
    Source,
    Target,
    Veto,
)

CATALOGUE_KEYS = {"version", "documents", "indicators"}
INDICATOR_KEYS = {"name", "definition", "kind", "applies", "entered_by", "max", "step",
                  "numerator", "denominator", "sources", "rule"}
PROFILE_KEYS = {"id", "version", "title", "document", "total_max", "not_rated_if_incomplete",
                "groups", "bands", "vetoes", "adjustments", "adjustment_caps", "targets",
                "commendation", "effective_from", "rounding", "sources", "total_max_source", "criterion", "excluded",
                "unit_types"}
GROUP_KEYS = {"key", "number", "name", "clause", "points", "items", "source"}
ITEM_KEYS = {"indicator", "clause", "weight", "rule", "source", "rule_source", "applies"}
BAND_KEYS = {"level", "min_total", "floor", "cap", "source"}
SOURCE_KEYS = {"clause": {"kind", "doc", "clause", "quote"}, "decision": {"kind", "number", "date", "issuer"}}
# keys that say where numbers come from: documentation, kept out of a version's digest (they do
# not change how it scores, and a mended citation must not force a new version)
SOURCE_FIELDS = {"source", "rule_source", "total_max_source", "sources", "criterion", "excluded"}
EXCLUDED_KEYS = {"indicator", "clause", "quote", "reason"}
CRITERION_KEYS = {"effect", "subjects", "unit_types", "clause", "quote", "doc"}
RULE_KEYS = {"type", "target", "bound", "expect", "mode", "share_each", "zero_denominator",
             "then", "bands"}
COMMENDATION_KEYS = {"min_level", "min_total", "require_complete", "no_unhandled_violation",
                     "previous_years", "max_share", "max_per_area", "source"}
EPS = 1e-9
ROUNDING_KEYS = {"total_decimals", "group_decimals", "rule", "source"}

# scoring is exact on decimals with this many places (DECIMAL(18,6) in the SQL chain)
NUMBER_DECIMALS = 6


class _Collector:
    """Gathers problems while building; `where` prefixes each message with the place."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        place = f"{self.file} › {where}" if where else self.file
        self.problems.append(Problem(place, message))


def _num(v: Any) -> bool:
    """A finite TOML number (not a boolean, not nan or inf, not an integer too big for a float)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _choice(col: _Collector, where: str, d: dict, key: str, options: tuple[str, ...],
            default: str | None = None) -> str | None:
    """One of fixed words (a kind, an effect ...); None after reporting when absent or unknown."""
    v = d.get(key, default)
    listed = ", ".join(f'"{o}"' for o in options)
    if v is None:
        col.add(where, f"thiếu trường bắt buộc «{key}» (hợp lệ: {listed})")
        return None
    if not isinstance(v, str) or v not in options:
        col.add(where, f"«{key}» phải là một trong {listed}; đang là «{_shown(v)}»")
        return None
    return v


def _code(col: _Collector, where: str, d: dict, key: str) -> str | None:
    """A code naming something else (an indicator, a document); its existence is checked by the caller."""
    v = d.get(key)
    if v is None:
        col.add(where, f"thiếu trường bắt buộc «{key}»")
        return None
    if not isinstance(v, str):
        col.add(where, f"«{key}» phải là một mã (chuỗi chữ), đang là «{_shown(v)}»")
        return None
    return v


def _shown(v: Any) -> str:
    """A value as the methodologist wrote it in TOML."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_shown(x) for x in v) + "]"
    if isinstance(v, str):
        return v
    if isinstance(v, int) and v.bit_length() > 64:
        return "một số nguyên quá lớn"
    return str(v)


def _tables(col: _Collector, where: str, raw: dict, key: str) -> list[dict]:
    """An optional array of tables ([[key]]); a wrong shape is a problem, not a crash."""
    v = raw.get(key)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        col.add(where, f"«{key}» phải là một danh sách các bảng [[{key}]]")
        return []
    return v


def _table(col: _Collector, where: str, raw: dict, key: str) -> dict:
    """An optional table ([key]); a wrong shape is a problem, not a crash."""
    v = raw.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        col.add(where, f"«{key}» phải là một bảng [{key}]")
        return {}
    return v


def _text(col: _Collector, where: str, d: dict, key: str, required: bool = True) -> str:
    v = d.get(key)
    if v is None:
        if required:
            col.add(where, f"thiếu trường bắt buộc «{key}»")
        return ""
    if not isinstance(v, str) or (required and not v.strip()):
        col.add(where, f"trường «{key}» phải là một chuỗi chữ" + (" không rỗng" if required else ""))
        return ""
    if unicodedata.normalize("NFC", v) != v:
        col.add(where, f"trường «{key}» chưa chuẩn hóa Unicode NFC (dấu tách rời)")
    return v


def _number(col: _Collector, where: str, d: dict, key: str, required: bool = True,
            default: float | None = None, allow_inf: bool = False) -> float | None:
    v = d.get(key)
    if v is None:
        if required:
            col.add(where, f"thiếu trường bắt buộc «{key}»")
        return default
    if allow_inf and (v == "inf" or (isinstance(v, float) and v == math.inf)):
        return math.inf
    if not _num(v):
        col.add(where, f"trường «{key}» phải là một số hữu hạn, đang là «{_shown(v)}»")
        return default
    if too_precise(v):
        col.add(where, f"trường «{key}» có quá {NUMBER_DECIMALS} chữ số thập phân («{_shown(v)}»): "
                       f"điểm được tính chính xác đến {NUMBER_DECIMALS} chữ số thập phân")
        return default
    if abs(v) >= 10 ** 12:
        col.add(where, f"trường «{key}» quá lớn («{_shown(v)}»): phần mềm nhận số nhỏ hơn 1.000.000.000.000")
        return default
    return float(v)


def too_precise(v: int | float) -> bool:
    """More decimals than the exact arithmetic keeps (the number as written: 0.1, not its binary double)."""
    exp = Decimal(repr(v)).as_tuple().exponent
    return isinstance(exp, int) and exp < -NUMBER_DECIMALS


def _sources(col: _Collector, raw: dict, docs: dict[str, Document], doc_id: str | None) -> dict[str, NumberSource]:
    """[sources.<id>]: kind = "clause" (doc, clause, quote: the words the numbers rest on) or
    "decision" (number, date, issuer); "mac-dinh" (the software's default) needs no declaring."""
    out = {SOFTWARE_DEFAULT_ID: DEFAULT_SOURCE}
    for sid, d in _table(col, "", raw, "sources").items():
        w = f"nguồn {sid}"
        if sid == SOFTWARE_DEFAULT_ID:
            col.add(w, f"«{SOFTWARE_DEFAULT_ID}» là tên dành sẵn cho mặc định của phần mềm, không khai báo lại")
            continue
        # (a broken source is still known by name, so what cites it is not reported again)
        out[sid] = NumberSource(sid, "decision")
        if not isinstance(d, dict):
            col.add(w, "mỗi nguồn phải là một bảng [sources.<tên>]")
            continue
        kind = _choice(col, w, d, "kind", tuple(SOURCE_KEYS))
        if kind is None:
            continue
        _unknown_keys(col, w, d, SOURCE_KEYS[kind])
        if kind == "clause":
            doc = d.get("doc", doc_id)
            if (not isinstance(doc, str) or doc not in docs) and "doc" in d:
                # (the profile's own document, when wrong, is reported once, above)
                col.add(w, f"văn bản «{_shown(doc)}» không có trong [documents] của danh mục")
            title = docs[doc].title if isinstance(doc, str) and doc in docs else ""
            out[sid] = NumberSource(sid, kind, doc_title=title, clause=_text(col, w, d, "clause"),
                                    quote=_text(col, w, d, "quote"))
        else:
            out[sid] = NumberSource(sid, kind, number=_text(col, w, d, "number"), date=_text(col, w, d, "date"),
                                    issuer=_text(col, w, d, "issuer"))
    return out


def _source_ref(col: _Collector, where: str, d: dict, key: str, sources: dict[str, NumberSource]) -> NumberSource:
    """The source a table names for its numbers (required: no number without a source)."""
    v = d.get(key)
    if v is None:
        col.add(where, f"thiếu nguồn của các con số «{key}»: tên một nguồn khai báo trong [sources] (điều khoản "
                       "của văn bản kèm nguyên văn, hoặc quyết định của tỉnh), hoặc \"mac-dinh\" nếu là mặc định của "
                       "phần mềm")
        return DEFAULT_SOURCE
    if not isinstance(v, str) or v not in sources:
        col.add(where, f"nguồn «{_shown(v)}» chưa khai báo trong [sources]")
        return DEFAULT_SOURCE
    return sources[v]


def _criteria(col: _Collector, raw: dict, docs: dict[str, Document], doc_id: str | None) -> tuple[Criterion, ...]:
    """[[criterion]]: what the document says the level does to annual evaluations, in its words."""
    out = []
    for ci, c in enumerate(_tables(col, "", raw, "criterion"), 1):
        w = f"tiêu chí đánh giá {ci}"
        _unknown_keys(col, w, c, CRITERION_KEYS)
        effect = _choice(col, w, c, "effect", ("cap", "basis"))
        lists = {}
        for key, allowed in (("subjects", tuple(SUBJECT_LABELS)), ("unit_types", config.UNIT_TYPES)):
            v = c.get(key)
            if not isinstance(v, list) or not v or not all(isinstance(x, str) and x in allowed for x in v):
                col.add(w, f"«{key}» phải là danh sách không rỗng gồm: {', '.join(allowed)}; đang là «{_shown(v)}»")
                v = []
            lists[key] = tuple(v)
        doc = c.get("doc", doc_id)
        if "doc" in c and (not isinstance(doc, str) or doc not in docs):
            col.add(w, f"văn bản «{_shown(doc)}» không có trong [documents] của danh mục")
        title = docs[doc].title if isinstance(doc, str) and doc in docs else ""
        clause, quote = _text(col, w, c, "clause"), _text(col, w, c, "quote")
        if effect is not None:
            out.append(Criterion(effect, lists["subjects"], lists["unit_types"], clause, quote, title))
    return tuple(out)


def _has_numbers(rule: Rule) -> bool:
    """Whether a rule carries numbers someone chose (a target, a bound, bands, a share per failure)."""
    return rule.type in ("proportional", "lower_better", "bands", "ratio") or (
        rule.type == "failures" and rule.mode == "each")


def _without_sources(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _without_sources(x) for k, x in v.items() if k not in SOURCE_FIELDS}
    if isinstance(v, list):
        return [_without_sources(x) for x in v]
    return v


def _rounding(col: _Collector, raw: dict, sources: dict[str, NumberSource]) -> Rounding:
    """[rounding]: absent, the software's default (2 decimals, half up), which says so."""
    r = _table(col, "", raw, "rounding")
    if not r:
        return Rounding()
    _unknown_keys(col, "rounding", r, ROUNDING_KEYS)
    out = {}
    for key in ("total_decimals", "group_decimals"):
        v = r.get(key, 2)
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 4:
            col.add("rounding", f"«{key}» (số chữ số thập phân giữ lại) phải là số nguyên từ 0 đến 4, "
                                f"đang là «{_shown(v)}»")
            v = 2
        out[key] = v
    rule = _choice(col, "rounding", r, "rule", tuple(ROUNDING_RULES), default="half_up") or "half_up"
    source = _source_ref(col, "rounding", r, "source", sources)
    return Rounding(out["total_decimals"], out["group_decimals"], rule, source)


def _unknown_keys(col: _Collector, where: str, d: dict, allowed: set[str]) -> None:
    for k in sorted(set(d) - allowed):
        col.add(where, f"trường «{k}» không được hỗ trợ (các trường hợp lệ: {', '.join(sorted(allowed))})")


def _bands(col: _Collector, where: str, raw: Any, kind: str) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        col.add(where, "quy tắc theo khoảng cần danh sách «bands» có ít nhất một khoảng")
        return ()
    bands: list[Band] = []
    for i, b in enumerate(raw, 1):
        bw = f"{where} › khoảng {i}"
        if not isinstance(b, dict):
            col.add(bw, "mỗi khoảng phải có dạng {from, to, share}")
            continue
        _unknown_keys(col, bw, b, {"from", "to", "share"})
        lo = _number(col, bw, b, "from")
        hi = _number(col, bw, b, "to", allow_inf=True)
        share = _number(col, bw, b, "share")
        if lo is None or hi is None or share is None:
            continue
        if not 0 <= share <= 1:
            col.add(bw, f"tỷ lệ điểm «share» phải từ 0 đến 1, đang là {share:g}")
        if hi <= lo:
            col.add(bw, f"cận trên {hi:g} phải lớn hơn cận dưới {lo:g}")
        bands.append(Band(lo, hi, share))
    if len(bands) != len(raw):
        return tuple(bands)
    if bands and bands[0].lo != 0:
        col.add(where, f"khoảng đầu tiên phải bắt đầu từ 0, đang bắt đầu từ {bands[0].lo:g}")
    for a, b in zip(bands, bands[1:]):
        if b.lo < a.hi:
            col.add(where, f"các khoảng chồng lên nhau: [{a.lo:g}, {a.hi:g}) và [{b.lo:g}, {b.hi:g})")
        elif b.lo > a.hi:
            col.add(where, f"các khoảng bị hở giữa {a.hi:g} và {b.lo:g}")
    top = 100.0 if kind in ("percent", "ratio") else math.inf
    if bands and bands[-1].hi != top:
        want = "100" if top == 100 else '"inf"'
        col.add(where, f"khoảng cuối phải kết thúc ở {want}, đang kết thúc ở {bands[-1].hi:g}")
    return tuple(bands)


def _rule(col: _Collector, where: str, raw: Any, kind: str) -> Rule | None:
    where = f"{where} › quy tắc chấm"
    if raw is None:
        col.add(where, "thiếu quy tắc chấm điểm «rule»")
        return None
    if not isinstance(raw, dict):
        col.add(where, "quy tắc chấm «rule» phải là một bảng, ví dụ rule = { type = \"yesno\" }")
        return None
    _unknown_keys(col, where, raw, RULE_KEYS)
    rtype = _choice(col, where, raw, "type", tuple(RULE_KINDS))
    if rtype is None:
        return None
    if kind in KINDS and kind not in RULE_KINDS[rtype]:
        col.add(where, f"quy tắc «{rtype}» không dùng được cho chỉ tiêu loại «{kind}» "
                       f"(chỉ cho: {', '.join(RULE_KINDS[rtype])})")
        return None
    r: dict[str, Any] = {"type": rtype}
    if rtype == "proportional":
        r["target"] = _number(col, where, raw, "target")
        if r["target"] is not None and r["target"] <= 0:
            col.add(where, f"chỉ tiêu «target» phải lớn hơn 0, đang là {r['target']:g}")
    elif rtype == "lower_better":
        r["target"] = _number(col, where, raw, "target")
        r["bound"] = _number(col, where, raw, "bound")
        if r["target"] is not None and r["target"] < 0:
            col.add(where, f"chỉ tiêu «target» không được âm, đang là {r['target']:g}")
        if r["target"] is not None and r["bound"] is not None and r["bound"] <= r["target"]:
            col.add(where, f"ngưỡng 0 điểm «bound» ({r['bound']:g}) phải lớn hơn chỉ tiêu «target» ({r['target']:g})")
    elif rtype == "bands":
        r["bands"] = _bands(col, where, raw.get("bands"), kind)
    elif rtype == "yesno":
        r["expect"] = _number(col, where, raw, "expect", required=False, default=1.0)
        if r["expect"] not in (0.0, 1.0):
            col.add(where, f"«expect» phải là 1 (Có) hoặc 0 (Không), đang là {r['expect']:g}")
    elif rtype == "failures":
        mode = _choice(col, where, raw, "mode", ("any", "each"))
        r["mode"] = mode
        if mode == "each":
            r["share_each"] = _number(col, where, raw, "share_each")
            if r["share_each"] is not None and not 0 < r["share_each"] <= 1:
                col.add(where, f"«share_each» phải lớn hơn 0 và không quá 1, đang là {r['share_each']:g}")
    elif rtype == "ratio":
        zd = _choice(col, where, raw, "zero_denominator", ("full", "not_applicable", "zero"))
        then = _choice(col, where, raw, "then", ("proportional", "bands"), default="proportional")
        r["zero_denominator"], r["then"] = zd, then
        if then == "bands":
            r["bands"] = _bands(col, where, raw.get("bands"), "ratio")
        else:
            r["target"] = _number(col, where, raw, "target")
            if r["target"] is not None and not 0 < r["target"] <= 100:
                col.add(where, f"chỉ tiêu «target» của tỷ lệ phải trong (0, 100], đang là {r['target']:g}")
    return Rule(**r)


# ---------------------------------------------------------------- catalogue

def parse_catalogue(raw: dict, file: str = "catalogue.toml") -> tuple[str, dict[str, Document], dict[str, Indicator]]:
    col = _Collector(file)
    _unknown_keys(col, "", raw, CATALOGUE_KEYS)
    version = _text(col, "", raw, "version")
    docs: dict[str, Document] = {}
    docs_ok = isinstance(raw.get("documents"), dict)
    for doc_id, d in _table(col, "", raw, "documents").items():
        w = f"văn bản {doc_id}"
        if not isinstance(d, dict):
            col.add(w, f"phải là một bảng [documents.{doc_id}]")
            continue
        _unknown_keys(col, w, d, {"title", "issuer", "number", "date", "seed"})
        docs[doc_id] = Document(doc_id, _text(col, w, d, "title"), _text(col, w, d, "issuer"),
                                _text(col, w, d, "number"), _text(col, w, d, "date"),
                                _text(col, w, d, "seed", required=False))
    indicators: dict[str, Indicator] = {}
    raw_inds = raw.get("indicators")
    if not isinstance(raw_inds, dict) or not raw_inds:
        col.add("", "danh mục không có chỉ tiêu nào ([indicators.MÃ])")
        raw_inds = {}
    for code, d in raw_inds.items():
        w = f"chỉ tiêu {code}"
        if not isinstance(d, dict):
            col.add(w, "phải là một bảng [indicators.MÃ]")
            continue
        _unknown_keys(col, w, d, INDICATOR_KEYS)
        kind = _choice(col, w, d, "kind", KINDS)
        applies = d.get("applies")
        if not isinstance(applies, list) or not applies:
            col.add(w, "«applies» phải liệt kê ít nhất một loại đơn vị")
            applies = []
        for t in applies:
            if not isinstance(t, str) or t not in config.UNIT_TYPES:
                col.add(w, f"loại đơn vị «{t}» không hợp lệ (hợp lệ: {', '.join(config.UNIT_TYPES)})")
        entered_by = _choice(col, w, d, "entered_by", ("unit", "superior"), default="unit")
        mx = step = None
        if kind == "points":
            mx = _number(col, w, d, "max")
            step = _number(col, w, d, "step")
            if mx is not None and mx <= 0:
                col.add(w, f"điểm tối đa «max» phải lớn hơn 0, đang là {mx:g}")
            if step is not None and mx is not None and (step <= 0 or not math.isfinite(mx / step)
                                                      or abs(mx / step - round(mx / step)) > EPS):
                col.add(w, f"bước điểm «step» ({step:g}) phải dương và chia hết điểm tối đa ({mx:g})")
        if kind == "ratio":
            _text(col, w, d, "numerator")
            _text(col, w, d, "denominator")
        sources = []
        raw_src = d.get("sources")
        if not isinstance(raw_src, list) or not raw_src:
            col.add(w, "phải trích dẫn ít nhất một điều khoản nguồn trong «sources»")
            raw_src = []
        for si, s in enumerate(raw_src, 1):
            sw = f"{w} › nguồn {si}"
            if not isinstance(s, dict):
                col.add(sw, "mỗi nguồn phải có dạng { doc = \"mã văn bản\", clause = \"điều khoản\" }")
                continue
            _unknown_keys(col, sw, s, {"doc", "clause"})
            doc = _code(col, sw, s, "doc")
            if doc is None or not docs_ok:
                continue  # a broken [documents] is reported once, not at every source
            if doc not in docs:
                col.add(sw, f"văn bản «{doc}» chưa khai báo trong [documents]")
                continue
            sources.append(Source(s["doc"], _text(col, sw, s, "clause")))
        rule = _rule(col, w, d.get("rule"), kind)
        indicators[code] = Indicator(
            code=code, name=_text(col, w, d, "name"), definition=_text(col, w, d, "definition"),
            kind=kind, applies=tuple(applies), rule=rule, sources=tuple(sources),
            entered_by=entered_by, max=mx, step=step,
            numerator=d.get("numerator"), denominator=d.get("denominator"))
    if col.problems:
        raise FrameworkError(col.problems)
    return version, docs, indicators


# ---------------------------------------------------------------- profiles

def parse_profile(raw: dict, catalogue: tuple[str, dict[str, Document], dict[str, Indicator]],
                  file: str = "profile.toml", expected_id: str | None = None) -> Profile:
    cat_version, docs, indicators = catalogue
    col = _Collector(file)
    _unknown_keys(col, "", raw, PROFILE_KEYS)
    pid = _text(col, "", raw, "id")
    if expected_id is not None and pid and pid != expected_id:
        col.add("", f"mã bộ tiêu chí «{pid}» phải trùng tên tệp «{expected_id}»")
    version = _text(col, "", raw, "version")
    title = _text(col, "", raw, "title")
    doc_id = _code(col, "", raw, "document")
    if doc_id is not None and doc_id not in docs:
        col.add("", f"văn bản «{doc_id}» không có trong [documents] của danh mục")
    sources = _sources(col, raw, docs, doc_id)
    total_max = _number(col, "", raw, "total_max", required=False, default=100.0)
    total_max_source = _source_ref(col, "", raw, "total_max_source", sources) if "total_max" in raw else DEFAULT_SOURCE
    if total_max is not None and total_max < 100:
        col.add("", f"tổng điểm tối đa «total_max» không được nhỏ hơn 100, đang là {total_max:g}")
    effective_from = raw.get("effective_from")
    if effective_from is not None and (isinstance(effective_from, bool) or not isinstance(effective_from, int)
                                       or not 2000 <= effective_from <= 2100):
        col.add("", f"«effective_from» (năm đầu tiên áp dụng) phải là một năm từ 2000 đến 2100, "
                    f"đang là «{_shown(effective_from)}»")
        effective_from = None
    nri = raw.get("not_rated_if_incomplete", False)
    if not isinstance(nri, bool):
        col.add("", "«not_rated_if_incomplete» phải là true hoặc false")

    def indicator(where: str, d: dict) -> Indicator | None:
        code = _code(col, where, d, "indicator")
        if code is None:
            return None
        if code not in indicators:
            col.add(where, f"chỉ tiêu «{code}» không có trong danh mục chỉ tiêu")
            return None
        return indicators[code]

    groups: list[Group] = []
    seen_in: dict[str, str] = {}
    raw_groups = raw.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        col.add("", "bộ tiêu chí phải có ít nhất một nhóm [[groups]]")
        raw_groups = []
    elif not all(isinstance(g, dict) for g in raw_groups):
        col.add("", "«groups» phải là một danh sách các bảng [[groups]]")
        raw_groups = []
    for gi, g in enumerate(raw_groups, 1):
        key = g.get("key")
        gw = f"nhóm {key if isinstance(key, str) and key else gi}"
        _unknown_keys(col, gw, g, GROUP_KEYS)
        if key != f"G{gi}":
            col.add(gw, f"mã nhóm phải là «G{gi}» (các nhóm đánh số G1, G2, … theo thứ tự), đang là «{_shown(key)}»")
        points = _number(col, gw, g, "points")
        if points is not None and points <= 0:
            col.add(gw, f"điểm của nhóm phải lớn hơn 0, đang là {points:g}")
        items: list[Item] = []
        raw_items = g.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            col.add(gw, "nhóm không có chỉ tiêu nào ([[groups.items]])")
            raw_items = []
        elif not all(isinstance(it, dict) for it in raw_items):
            col.add(gw, "«items» phải là một danh sách các bảng [[groups.items]]")
            raw_items = []
        for ii, it in enumerate(raw_items, 1):
            code = it.get("indicator")
            iw = f"{gw} › chỉ tiêu {code}" if isinstance(code, str) else f"{gw} › mục {ii}"
            _unknown_keys(col, iw, it, ITEM_KEYS)
            ind = indicator(iw, it)
            clause = _text(col, iw, it, "clause")
            weight = _number(col, iw, it, "weight", required=False, default=1.0)
            if weight is not None and weight <= 0:
                col.add(iw, f"trọng số «weight» phải lớn hơn 0, đang là {weight:g}")
            if ind is None:
                continue
            if code in seen_in:
                col.add(iw, f"chỉ tiêu {code} đã có trong nhóm {seen_in[code]}; mỗi chỉ tiêu chỉ được chấm một lần")
                continue
            seen_in[code] = str(key)
            rule = _rule(col, iw, it["rule"], ind.kind) if "rule" in it else ind.rule
            if "applies" in it:  # the profile narrows who is scored on it (a duty of communes only ...)
                narrowed = it["applies"]
                if (not isinstance(narrowed, list) or not narrowed
                        or not all(isinstance(a, str) and a in ind.applies for a in narrowed)):
                    col.add(iw, f"«applies» của mục phải là danh sách không rỗng, lấy trong các loại đơn vị của chỉ tiêu "
                                f"({', '.join(ind.applies)}); đang là «{_shown(narrowed)}»")
                else:
                    ind = replace(ind, applies=tuple(a for a in ind.applies if a in narrowed))
            src = _source_ref(col, iw, it, "source", sources)
            rule_src = (_source_ref(col, iw, it, "rule_source", sources) if rule is not None and _has_numbers(rule)
                        else DEFAULT_SOURCE)
            if rule is not None:
                items.append(Item(ind, clause, weight or 1.0, rule, src, rule_src))
        groups.append(Group(str(key), _text(col, gw, g, "number"), _text(col, gw, g, "name"),
                            _text(col, gw, g, "clause"), points or 0.0, tuple(items),
                            _source_ref(col, gw, g, "source", sources)))
    total_points = sum(g.points for g in groups)
    if groups and abs(total_points - 100) > EPS:
        col.add("", f"tổng điểm các nhóm là {total_points:g}, phải bằng 100")

    levels: list[Level] = []
    raw_bands = raw.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        col.add("", "cần ít nhất một mức xếp loại [[bands]]")
        raw_bands = []
    elif not all(isinstance(b, dict) for b in raw_bands):
        col.add("", "«bands» phải là một danh sách các bảng [[bands]]")
        raw_bands = []
    for bi, b in enumerate(raw_bands, 1):
        bw = f"mức {b.get('level') or bi}"
        _unknown_keys(col, bw, b, BAND_KEYS)
        mt = _number(col, bw, b, "min_total")
        fl = _number(col, bw, b, "floor", required=False, default=0.0)
        if fl is not None and not 0 <= fl <= 1:
            col.add(bw, f"ngưỡng tối thiểu mỗi nhóm «floor» phải từ 0 đến 1, đang là {fl:g}")
        levels.append(Level(_text(col, bw, b, "level"), mt or 0.0, fl or 0.0, _text(col, bw, b, "cap"),
                            _source_ref(col, bw, b, "source", sources)))
    for a, b in zip(levels, levels[1:]):
        if b.min_total >= a.min_total:
            col.add("", f"các mức xếp loại phải xếp từ cao xuống thấp theo điểm tối thiểu: "
                        f"«{b.level}» ({b.min_total:g}) đứng sau «{a.level}» ({a.min_total:g})")
    if levels and (levels[-1].min_total != 0 or levels[-1].floor != 0):
        col.add("", f"mức thấp nhất «{levels[-1].level}» phải có min_total = 0 và floor = 0")
    if levels and levels[0].min_total > total_max:
        col.add("", f"mức «{levels[0].level}» cần {levels[0].min_total:g} điểm, vượt tổng điểm tối đa {total_max:g}")
    names = [lv.level for lv in levels]
    for name in dict.fromkeys(n for n in names if n and names.count(n) > 1):
        col.add("", f"mức xếp loại «{name}» khai báo hai lần")

    vetoes: list[Veto] = []
    for vi, v in enumerate(_tables(col, "", raw, "vetoes"), 1):
        vw = f"điều kiện loại trừ {vi}"
        _unknown_keys(col, vw, v, {"indicator", "op", "value", "effect", "cap_level", "reason", "clause", "source"})
        ind = indicator(vw, v)
        op = _choice(col, vw, v, "op", VETO_OPS)
        value = _number(col, vw, v, "value")
        effect = _choice(col, vw, v, "effect", ("not_rated", "cap"))
        cap_level = v.get("cap_level")
        if effect == "cap" and cap_level is None:
            col.add(vw, "thiếu trường bắt buộc «cap_level» (mức cao nhất đơn vị được xếp)")
        elif effect == "cap" and (not isinstance(cap_level, str) or cap_level not in names):
            col.add(vw, f"mức trần «{_shown(cap_level)}» không phải một mức xếp loại của bộ tiêu chí")
        reason = _text(col, vw, v, "reason")
        clause = _text(col, vw, v, "clause")
        src = _source_ref(col, vw, v, "source", sources)
        if ind is not None and value is not None:
            vetoes.append(Veto(ind, op, value, effect, cap_level, reason, clause, src))

    adjustments: list[Adjustment] = []
    for ai, a in enumerate(_tables(col, "", raw, "adjustments"), 1):
        aw = f"điểm cộng/trừ {ai}"
        _unknown_keys(col, aw, a, {"indicator", "kind", "points_each", "cap", "clause", "source"})
        ind = indicator(aw, a)
        adj_kind = _choice(col, aw, a, "kind", ("deduction", "bonus"))
        if ind is not None and ind.kind not in ("count", "yesno", "points"):
            col.add(aw, f"chỉ tiêu {ind.code} loại «{ind.kind}» không dùng được để cộng/trừ điểm "
                        "(chỉ loại count, yesno, points)")
        pe = _number(col, aw, a, "points_each", required=ind is not None and ind.kind != "points", default=1.0)
        if pe is not None and pe <= 0:
            col.add(aw, f"số điểm mỗi lần «points_each» phải lớn hơn 0, đang là {pe:g}")
        cap = _number(col, aw, a, "cap", required=False, default=math.inf)
        if cap is not None and cap <= 0:
            col.add(aw, f"mức trần «cap» phải lớn hơn 0, đang là {cap:g}")
        clause = _text(col, aw, a, "clause")
        src = _source_ref(col, aw, a, "source", sources)
        if ind is not None and cap is not None:
            adjustments.append(Adjustment(ind, adj_kind, pe or 0.0, cap, clause, src))
    caps = dict(_table(col, "", raw, "adjustment_caps"))
    _unknown_keys(col, "adjustment_caps", caps, {"deduction", "bonus", "source"})
    caps_source = _source_ref(col, "adjustment_caps", caps, "source", sources) if caps else DEFAULT_SOURCE
    caps.pop("source", None)
    for k, v in caps.items():
        if not _num(v) or v <= 0:
            col.add("adjustment_caps", f"mức trần «{k}» phải là số dương, đang là «{_shown(v)}»")
        elif too_precise(v):
            col.add("adjustment_caps", f"mức trần «{k}» có quá {NUMBER_DECIMALS} chữ số thập phân («{_shown(v)}»)")

    targets: list[Target] = []
    target_keys: list[str] = []
    for ti, t in enumerate(_tables(col, "", raw, "targets"), 1):
        tw = f"mục tiêu {t.get('key') if isinstance(t.get('key'), str) and t.get('key') else ti}"
        _unknown_keys(col, tw, t, {"key", "text", "indicator", "goal", "clause", "source"})
        tkey = _text(col, tw, t, "key")
        if tkey and tkey in target_keys:
            col.add(tw, f"mục tiêu «{tkey}» khai báo hai lần")
        target_keys.append(tkey)
        # no indicator: what the target asks is tracked by none (indicator = "" says so on purpose)
        ind = indicator(tw, t) if t.get("indicator") != "" else None
        goal = _number(col, tw, t, "goal", required=False, default=100.0)
        if goal is not None and not 0 < goal <= 100:
            col.add(tw, f"«goal» phải trong (0, 100], đang là {goal:g}")
        tx = _text(col, tw, t, "text")
        cl = _text(col, tw, t, "clause")
        src = _source_ref(col, tw, t, "source", sources)
        if ind is not None or t.get("indicator") == "":
            targets.append(Target(tkey, tx, ind, goal or 100.0, cl, src))

    comm = dict(_table(col, "", raw, "commendation"))
    comm_source = _source_ref(col, "commendation", comm, "source", sources) if comm else DEFAULT_SOURCE
    comm.pop("source", None)
    _unknown_keys(col, "commendation", comm, COMMENDATION_KEYS)
    if "min_level" in comm and comm["min_level"] not in names:
        col.add("commendation", f"mức tối thiểu «{_shown(comm['min_level'])}» không phải một mức xếp loại của bộ tiêu chí")
    for key in ("require_complete", "no_unhandled_violation"):
        if key in comm and not isinstance(comm[key], bool):
            col.add("commendation", f"«{key}» phải là true hoặc false, đang là «{_shown(comm[key])}»")
    for key, lo in (("previous_years", 0), ("max_per_area", 1)):
        if key in comm and (not isinstance(comm[key], int) or isinstance(comm[key], bool) or comm[key] < lo):
            col.add("commendation", f"«{key}» phải là số nguyên từ {lo} trở lên, đang là «{_shown(comm[key])}»")
    if "max_share" in comm and not (_num(comm["max_share"]) and 0 < comm["max_share"] <= 1):
        col.add("commendation", f"«max_share» phải lớn hơn 0 và không quá 1, đang là «{_shown(comm['max_share'])}»")
    if "min_total" in comm and not (_num(comm["min_total"]) and 0 <= comm["min_total"] <= (total_max or 100)):
        col.add("commendation", f"«min_total» phải từ 0 đến tổng điểm tối đa, đang là «{_shown(comm['min_total'])}»")

    rounding = _rounding(col, raw, sources)
    criteria = _criteria(col, raw, docs, doc_id)
    # villages are evaluated only by a profile that names them (a text that asks something of them)
    unit_types = raw.get("unit_types", list(config.PROFILE_DEFAULT_TYPES))
    if (not isinstance(unit_types, list) or not unit_types
            or not all(isinstance(t, str) and t in config.UNIT_TYPES for t in unit_types)):
        col.add("", f"«unit_types» (loại đơn vị bộ tiêu chí đánh giá) phải là danh sách không rỗng gồm: "
                    f"{', '.join(config.UNIT_TYPES)}; đang là «{_shown(unit_types)}»")
        unit_types = list(config.PROFILE_DEFAULT_TYPES)
    excluded = []
    for ei, e in enumerate(_tables(col, "", raw, "excluded"), 1):
        ew = f"không chấm {ei}"
        _unknown_keys(col, ew, e, EXCLUDED_KEYS)
        code = _code(col, ew, e, "indicator")
        if code is not None and code not in indicators:
            col.add(ew, f"chỉ tiêu «{code}» không có trong danh mục chỉ tiêu")
        excluded.append(Exclusion(code or "", _text(col, ew, e, "clause"), _text(col, ew, e, "quote"),
                                  _text(col, ew, e, "reason")))

    if col.problems:
        raise FrameworkError(col.problems)
    used = sorted({i.code for g in groups for it in g.items for i in [it.indicator]}
                  | {v.indicator.code for v in vetoes} | {a.indicator.code for a in adjustments}
                  | {t.indicator.code for t in targets if t.indicator is not None})
    # the years a version applies to do not change how it scores, so they stay out of its digest
    body = {"profile": _without_sources({k: v for k, v in raw.items() if k != "effective_from"}),
            "catalogue_version": cat_version,
            "indicators": {c: _indicator_body(indicators[c], unit_types) for c in used}}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    return Profile(
        id=pid, version=version, title=title, document=docs[doc_id], total_max=total_max,
        not_rated_if_incomplete=nri, groups=tuple(groups), levels=tuple(levels),
        vetoes=tuple(vetoes), adjustments=tuple(adjustments), adjustment_caps=dict(caps),
        targets=tuple(targets), commendation=dict(comm), catalogue_version=cat_version,
        rounding=rounding, sources=sources, total_max_source=total_max_source, adjustment_caps_source=caps_source,
        commendation_source=comm_source, criteria=criteria, excluded=tuple(excluded),
        unit_types=tuple(t for t in config.UNIT_TYPES if t in unit_types), sha256=digest, effective_from=effective_from)


def _indicator_body(ind: Indicator, unit_types: list[str]) -> dict:
    """An indicator as it enters a profile's digest: its applicability to types the profile does
    not evaluate cannot change how the profile scores (villages added to the catalogue leave the
    digest of every profile that does not evaluate villages as it was)."""
    from dataclasses import asdict
    body = asdict(ind)
    body["applies"] = [t for t in body["applies"] if t in unit_types]
    return body


# ---------------------------------------------------------------- files

def _read_toml(path: Path, place: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))  # Notepad saves a BOM
    except tomllib.TOMLDecodeError as e:
        raise FrameworkError([Problem(place, f"tệp TOML không hợp lệ: {e}")]) from None
    except UnicodeDecodeError:
        raise FrameworkError([Problem(place, "tệp phải được lưu bằng mã hóa UTF-8")]) from None
    except ValueError:  # tomllib refuses integers over 4300 digits with a plain ValueError
        raise FrameworkError([Problem(place, "tệp TOML có một số nguyên quá dài (hơn 4.300 chữ số)")]) from None


# Parsed catalogues by content: pages read the catalogue several times per rerun (the unit page
# three), and parsing and validating it each time cost more than the page's own reads. Keyed on a
# hash of the bytes (not the mtime, too coarse for a file rewritten twice in a few milliseconds):
# an edited file is parsed again; errors are never kept.
_CATALOGUES: dict[tuple, tuple] = {}


def load_catalogue(folder: Path | None = None):
    folder = folder or config.frameworks_dir()
    path = folder / "catalogue.toml"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FrameworkError([Problem(path.name, f"không tìm thấy danh mục chỉ tiêu trong thư mục «{folder}»")]) from None
    key = (path.name, hashlib.sha256(raw).digest())
    if key not in _CATALOGUES:
        parsed = parse_catalogue(_read_toml(path, path.name), path.name)
        if len(_CATALOGUES) > 16:
            _CATALOGUES.clear()
        _CATALOGUES[key] = parsed
    version, docs, indicators = _CATALOGUES[key]
    return version, dict(docs), dict(indicators)  # fresh dicts: a caller may add to its own copy


def load_profiles(folder: Path | None = None) -> dict[str, Profile]:
    """Every profile of the folder, validated, each carrying its earlier versions
    (profiles/archive/<id>/<version>.toml); problems of all files are reported together."""
    folder = folder or config.frameworks_dir()
    catalogue = load_catalogue(folder)
    profiles: dict[str, Profile] = {}
    problems: list[Problem] = []
    if not (folder / "profiles").is_dir() or not any((folder / "profiles").glob("*.toml")):
        raise FrameworkError([Problem("profiles/", f"không có bộ tiêu chí nào (tệp profiles/*.toml) trong thư mục «{folder}»")])
    for path in sorted((folder / "profiles").glob("*.toml")):
        try:
            place = f"profiles/{path.name}"
            profiles[path.stem] = parse_profile(_read_toml(path, place), catalogue, place, expected_id=path.stem)
        except FrameworkError as e:
            problems.extend(e.problems)
    archive = folder / "profiles" / "archive"
    for sub in sorted(p for p in archive.iterdir() if p.is_dir()) if archive.is_dir() else []:
        earlier: list[tuple[str, Profile]] = []
        for path in sorted(sub.glob("*.toml")):
            place = f"profiles/archive/{sub.name}/{path.name}"
            try:
                version = parse_profile(_read_toml(path, place), catalogue, place, expected_id=sub.name)
            except FrameworkError as e:
                problems.extend(e.problems)
                continue
            if version.version != path.stem:
                problems.append(Problem(place, f"tên tệp phải là phiên bản của bộ tiêu chí: «{version.version}.toml»"))
            earlier.append((place, version))
        if sub.name not in profiles:
            if not any(p.where.startswith(f"profiles/{sub.name}.toml") for p in problems):
                problems.append(Problem(f"profiles/archive/{sub.name}/", f"không có phiên bản hiện hành "
                                        f"«profiles/{sub.name}.toml» cho các phiên bản lưu trữ này"))
            continue
        lineage_problems = _lineage_problems(f"profiles/{sub.name}.toml", profiles[sub.name], earlier)
        problems.extend(lineage_problems)
        if not lineage_problems and earlier:
            profiles[sub.name] = replace(profiles[sub.name], earlier=tuple(
                sorted((v for _, v in earlier), key=lambda v: v.effective_from)))
    if problems:
        raise FrameworkError(problems)
    return profiles


def _lineage_problems(current_place: str, current: Profile, earlier: list[tuple[str, Profile]]) -> list[Problem]:
    """Versions of one profile must each say from which year they apply, in the order of
    their years, the current one last, so that every year has exactly one version in force."""
    problems: list[Problem] = []
    if not earlier:
        return problems
    everyone = [*earlier, (current_place, current)]
    for place, v in everyone:
        if v.effective_from is None:
            problems.append(Problem(place, "bộ tiêu chí có nhiều phiên bản: phải ghi «effective_from» "
                                           "(năm đánh giá đầu tiên áp dụng phiên bản này)"))
    seen_version: dict[str, str] = {}
    seen_year: dict[int, str] = {}
    for place, v in everyone:
        if v.version in seen_version:
            problems.append(Problem(place, f"phiên bản «{v.version}» trùng với «{seen_version[v.version]}»"))
        seen_version.setdefault(v.version, place)
        if v.effective_from is not None:
            if v.effective_from in seen_year:
                problems.append(Problem(place, f"năm áp dụng {v.effective_from} trùng với «{seen_year[v.effective_from]}»: "
                                               "mỗi năm chỉ một phiên bản có hiệu lực"))
            seen_year.setdefault(v.effective_from, place)
    if current.effective_from is not None:
        for place, v in earlier:
            if v.effective_from is not None and v.effective_from > current.effective_from:
                problems.append(Problem(place, f"phiên bản lưu trữ áp dụng từ năm {v.effective_from}, sau phiên bản "
                                               f"hiện hành ({current.version}, từ năm {current.effective_from}): "
                                               "phiên bản hiện hành phải là phiên bản áp dụng muộn nhất"))
    return problems


def get_profile(profile_id: str, folder: Path | None = None) -> Profile:
    profiles = load_profiles(folder)
    if profile_id not in profiles:
        raise NotFound(f"Không có bộ tiêu chí «{profile_id}». Các bộ hiện có: {', '.join(sorted(profiles))}.")
    return profiles[profile_id]
