"""The evaluation framework as immutable objects (built and validated by framework.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dcmetrics.errors import NotFound

KINDS = ("percent", "yesno", "count", "ratio", "points")
RULE_KINDS = {
    "proportional": ("percent", "count"),
    "lower_better": ("percent", "count"),
    "bands": ("percent", "count"),
    "yesno": ("yesno",),
    "failures": ("count",),
    "ratio": ("ratio",),
    "direct": ("points",),
}
KIND_LABELS = {
    "percent": "Tỷ lệ %",
    "yesno": "Có/Không",
    "count": "Số lượng",
    "ratio": "Tỷ lệ trên số phát sinh",
    "points": "Điểm chấm trực tiếp",
}
VETO_OPS = ("=", "!=", ">", ">=", "<", "<=")
ROUNDING_RULES = {
    "half_up": "làm tròn (từ 5 trở lên làm tròn lên)",
    "truncate": "bỏ phần thừa (không làm tròn lên)",
}
SOFTWARE_DEFAULT = "mặc định của phần mềm — chưa có văn bản quy định"


@dataclass(frozen=True)
class Source:
    doc: str
    clause: str


SOFTWARE_DEFAULT_ID = "mac-dinh"  # the source every profile has without declaring it


@dataclass(frozen=True)
class NumberSource:
    """Where a profile's numbers come from: a clause of a document with the words they rest on,
    a decision of the province (number, date, issuer), or the software's default."""

    id: str
    kind: str  # default | clause | decision
    doc_title: str = ""
    clause: str = ""
    quote: str = ""
    number: str = ""
    date: str = ""
    issuer: str = ""

    @property
    def is_default(self) -> bool:
        return self.kind == "default"

    def label(self) -> str:
        if self.kind == "clause":
            return f"{self.doc_title}, {self.clause}: «{self.quote}»"
        if self.kind == "decision":
            return f"Quyết định số {self.number} ngày {self.date} của {self.issuer}"
        return SOFTWARE_DEFAULT


DEFAULT_SOURCE = NumberSource(SOFTWARE_DEFAULT_ID, "default")


@dataclass(frozen=True)
class Band:
    lo: float
    hi: float  # math.inf allowed
    share: float


@dataclass(frozen=True)
class Rule:
    type: str
    target: float | None = None
    bound: float | None = None
    expect: float = 1.0
    mode: str | None = None  # failures: any | each
    share_each: float | None = None
    zero_denominator: str | None = None  # ratio: full | not_applicable | zero
    then: str | None = None  # ratio: proportional | bands
    bands: tuple[Band, ...] = ()

    def describe(self, kind: str) -> str:
        """The rule in Vietnamese, as the template's explanation sheet and the framework page state it."""
        from dcmetrics.fmt import fmt_num

        def bands_text() -> str:
            unit = " %" if kind in ("percent", "ratio") else ""
            parts = []
            for b in self.bands:
                hi = "trở lên" if math.isinf(b.hi) else f"đến dưới {fmt_num(b.hi)}{unit}"
                parts.append(f"từ {fmt_num(b.lo)}{unit} {hi}: {fmt_num(b.share * 100)} % số điểm")
            return "; ".join(parts)

        if self.type == "proportional":
            unit = " %" if kind == "percent" else ""
            return f"Tỷ lệ với chỉ tiêu {fmt_num(self.target)}{unit}, tối đa đủ điểm"
        if self.type == "lower_better":
            return (f"Càng thấp càng tốt: từ {fmt_num(self.target)} trở xuống đủ điểm, "
                    f"từ {fmt_num(self.bound)} trở lên 0 điểm")
        if self.type == "bands":
            return bands_text()
        if self.type == "yesno":
            return "Có: đủ điểm; Không: 0 điểm" if self.expect == 1 else "Không: đủ điểm; Có: 0 điểm"
        if self.type == "failures":
            if self.mode == "any":
                return "Không có trường hợp nào: đủ điểm; từ 01 trường hợp trở lên: 0 điểm"
            return f"Mỗi trường hợp trừ {fmt_num(self.share_each * 100)} % số điểm, thấp nhất 0 điểm"
        if self.type == "ratio":
            zero = {
                "full": "không phát sinh: đủ điểm",
                "not_applicable": "không phát sinh: không áp dụng",
                "zero": "không phát sinh: 0 điểm",
            }[self.zero_denominator]
            body = bands_text() if self.then == "bands" else f"tỷ lệ với chỉ tiêu {fmt_num(self.target)} %"
            return f"Tỷ lệ = tử số / mẫu số × 100; {body}; {zero}"
        return "Điểm do người đánh giá chấm trực tiếp"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    kind: str
    applies: tuple[str, ...]
    rule: Rule
    sources: tuple[Source, ...]
    entered_by: str = "unit"
    max: float | None = None
    step: float | None = None
    numerator: str | None = None
    denominator: str | None = None


@dataclass(frozen=True)
class Item:
    indicator: Indicator
    clause: str
    weight: float
    rule: Rule  # the catalogue's rule unless the profile overrides it
    source: NumberSource = DEFAULT_SOURCE  # of the weight
    rule_source: NumberSource = DEFAULT_SOURCE  # of the rule's numbers (target, bound, bands ...)


@dataclass(frozen=True)
class Group:
    key: str
    number: str
    name: str
    clause: str
    points: float
    items: tuple[Item, ...]
    source: NumberSource = DEFAULT_SOURCE  # of the points


@dataclass(frozen=True)
class Level:
    level: str
    min_total: float
    floor: float
    cap: str
    source: NumberSource = DEFAULT_SOURCE  # of min_total, floor and the cap


@dataclass(frozen=True)
class Veto:
    indicator: Indicator
    op: str
    value: float
    effect: str  # not_rated | cap
    cap_level: str | None
    reason: str
    clause: str
    source: NumberSource = DEFAULT_SOURCE


@dataclass(frozen=True)
class Adjustment:
    indicator: Indicator
    kind: str  # deduction | bonus
    points_each: float
    cap: float
    clause: str
    source: NumberSource = DEFAULT_SOURCE


@dataclass(frozen=True)
class Target:
    key: str
    text: str
    indicator: Indicator | None  # None: no indicator tracks what the target asks (the page says so)
    goal: float
    clause: str
    source: NumberSource = DEFAULT_SOURCE


@dataclass(frozen=True)
class Exclusion:
    """An indicator (or a target on it) a profile leaves out of the units' score, with the words
    of the clause that show why (a duty of another level, a clause that asks something else)."""

    indicator: str
    clause: str
    quote: str
    reason: str


@dataclass(frozen=True)
class Rounding:
    """How many decimals group points and totals are kept at, and how they are cut. Levels,
    floors, caps, ranks and the shortlist read the kept values; the exact ones stay beside them."""

    total_decimals: int = 2
    group_decimals: int = 2
    rule: str = "half_up"
    number_source: NumberSource = DEFAULT_SOURCE

    @property
    def source(self) -> str:
        return self.number_source.label()

    def describe(self) -> str:
        return (f"Điểm nhóm giữ {self.group_decimals} chữ số thập phân, tổng điểm giữ {self.total_decimals} chữ số "
                f"thập phân; {ROUNDING_RULES[self.rule]}, trên giá trị thập phân chính xác")


CRITERION_EFFECTS = {
    "cap": "trần bắt buộc: xếp loại không được cao hơn mức đề xuất",
    "basis": "một trong những căn cứ: mức đề xuất đặt bên cạnh các căn cứ khác, không phải trần bắt buộc",
}
SUBJECT_LABELS = {
    "unit": "đơn vị",
    "head": "người đứng đầu",
    "managers": "cán bộ lãnh đạo, quản lý",
    "staff": "cán bộ, công chức, viên chức, người lao động",
    "village_workers": "người hoạt động không chuyên trách ở cấp xã, ở thôn, tổ dân phố",
}


@dataclass(frozen=True)
class Criterion:
    """What the document says a unit's level does to an annual evaluation: for whom, for which
    unit types, a binding cap or one of the bases, in its own words."""

    effect: str                    # cap | basis
    subjects: tuple[str, ...]      # SUBJECT_LABELS keys
    unit_types: tuple[str, ...]
    clause: str
    quote: str                     # the document's words
    doc_title: str = ""

    def subjects_text(self) -> str:
        return ", ".join(SUBJECT_LABELS[s] for s in self.subjects)


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    issuer: str
    number: str
    date: str
    seed: str


@dataclass(frozen=True)
class Profile:
    id: str
    version: str
    title: str
    document: Document
    total_max: float
    not_rated_if_incomplete: bool
    groups: tuple[Group, ...]
    levels: tuple[Level, ...]
    vetoes: tuple[Veto, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    adjustment_caps: dict = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    commendation: dict = field(default_factory=dict)
    catalogue_version: str = ""
    rounding: Rounding = field(default_factory=Rounding)
    # the sources the profile declares ([sources]) and those of its profile-wide numbers
    sources: dict = field(default_factory=dict)
    total_max_source: NumberSource = DEFAULT_SOURCE
    adjustment_caps_source: NumberSource = DEFAULT_SOURCE
    commendation_source: NumberSource = DEFAULT_SOURCE
    criteria: tuple[Criterion, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    # the unit types the profile evaluates (a resolution for agencies only ...): others are not scored
    unit_types: tuple[str, ...] = ("commune", "agency", "service", "enterprise")
    sha256: str = ""  # of the canonical body (profile + the catalogue entries it uses)
    effective_from: int | None = None  # first evaluation year it applies to; None: every year
    # the versions in force before this one (profiles/archive/<id>/), oldest first
    earlier: tuple[Profile, ...] = ()

    def versions(self) -> tuple[Profile, ...]:
        """Every version of the profile, oldest first, this one last."""
        return (*self.earlier, self)

    def in_force(self, year: int) -> Profile:
        """The version that scores `year`: the newest one whose first year is not after it."""
        for v in reversed(self.versions()):
            if v.effective_from is None or v.effective_from <= year:
                return v
        first = self.versions()[0]
        raise NotFound(f"Bộ tiêu chí «{self.id}» chưa có phiên bản áp dụng cho năm {year}: phiên bản sớm nhất "
                       f"({first.version}) áp dụng từ năm {first.effective_from}.")

    def periods(self) -> list[tuple[Profile, int | None, int | None]]:
        """Each version with the first and last year it scores (None: open-ended), oldest first."""
        vs = self.versions()
        return [(v, v.effective_from, None if i == len(vs) - 1 else vs[i + 1].effective_from - 1)
                for i, v in enumerate(vs)]

    def period_text(self, version: str | None = None) -> str:
        """The years one version (default: this one) scores: «từ năm 2024», «2021–2023», «mọi năm»."""
        for v, first, last in self.periods():
            if v.version == (version or self.version):
                if first is None:  # (only a profile without versions: the loader asks every version for it)
                    return "mọi năm"
                if last is None:
                    return f"từ năm {first}"
                return str(first) if first == last else f"{first}–{last}"
        raise NotFound(f"Bộ tiêu chí «{self.id}» không có phiên bản «{version}».")

    def has_version_for(self, year: int) -> bool:
        return any(v.effective_from is None or v.effective_from <= year for v in self.versions())

    @property
    def items(self) -> list[tuple[Group, Item]]:
        return [(g, it) for g in self.groups for it in g.items]

    def indicators(self) -> list[Indicator]:
        """Every indicator the profile reads: items, vetoes, adjustments, targets (once each)."""
        seen: dict[str, Indicator] = {}
        for _, it in self.items:
            seen.setdefault(it.indicator.code, it.indicator)
        for x in (*self.vetoes, *self.adjustments, *(t for t in self.targets if t.indicator is not None)):
            seen.setdefault(x.indicator.code, x.indicator)
        return list(seen.values())

    def level_names(self) -> list[str]:
        return [lv.level for lv in self.levels]

    def criteria_for(self, unit_type: str) -> tuple[Criterion, ...]:
        """The criterion entries that cover a unit type (none: its level has no classification effect)."""
        return tuple(c for c in self.criteria if unit_type in c.unit_types)

    def classification_note(self, unit_type: str, proposed: str | None) -> tuple[str, str]:
        """(kind, Vietnamese text) of what a unit's level means for its and its head's annual
        classification under this profile: kind is cap, basis or none."""
        from dcmetrics.config import UNIT_TYPE_LABELS

        found = self.criteria_for(unit_type)
        if not found:
            covered = sorted({UNIT_TYPE_LABELS.get(t, t) for c in self.criteria for t in c.unit_types})
            said = (f"văn bản chỉ gắn kết quả với việc đánh giá {', '.join(covered)}" if covered
                    else "bộ tiêu chí chưa ghi văn bản nói kết quả dùng vào việc đánh giá, xếp loại như thế nào")
            return "none", (f"Đơn vị loại «{UNIT_TYPE_LABELS.get(unit_type, unit_type)}» vẫn được đánh giá và xếp mức, "
                            f"nhưng không có đề xuất xếp loại theo tiêu chí này: {said}.")
        kind = "cap" if any(c.effect == "cap" for c in found) else "basis"
        parts = []
        for c in found:
            where = f"{c.doc_title}, {c.clause}" if c.doc_title else c.clause
            parts.append(f"{where}: «{c.quote}» — áp dụng cho {c.subjects_text()}; {CRITERION_EFFECTS[c.effect]}.")
        head = (f"Trần xếp loại theo tiêu chí này: {proposed}." if kind == "cap"
                else f"Đề xuất xếp loại theo tiêu chí này: {proposed} (là một trong những căn cứ, không phải trần "
                     f"bắt buộc).")
        return kind, head + " " + " ".join(parts)

    def numbers(self) -> list[tuple[str, str, NumberSource]]:
        """Every number the profile uses: (what, the number(s) as shown, its source), in reading order."""
        from dcmetrics.fmt import fmt_num

        out = [("Tổng điểm tối đa", fmt_num(self.total_max), self.total_max_source)]
        for g in self.groups:
            out.append((f"Điểm nhóm {g.key} (mục {g.number})", f"{fmt_num(g.points)} điểm", g.source))
            for it in g.items:
                out.append((f"Trọng số {it.indicator.code}", fmt_num(it.weight), it.source))
                if it.rule.type not in ("yesno", "direct") and not (it.rule.type == "failures" and it.rule.mode == "any"):
                    out.append((f"Cách chấm {it.indicator.code}", it.rule.describe(it.indicator.kind), it.rule_source))
        for lv in self.levels:
            out.append((f"Mức «{lv.level}»", f"từ {fmt_num(lv.min_total)} điểm, mỗi nhóm tối thiểu "
                        f"{fmt_num(lv.floor * 100)} %, đề xuất xếp loại «{lv.cap}»", lv.source))
        out.append(("Làm tròn điểm", self.rounding.describe(), self.rounding.number_source))
        for v in self.vetoes:
            out.append((f"Điều kiện loại trừ {v.indicator.code}", f"{v.op} {fmt_num(v.value)}", v.source))
        for a in self.adjustments:
            cap = "" if math.isinf(a.cap) else f", tối đa {fmt_num(a.cap)}"
            out.append((f"{'Điểm trừ' if a.kind == 'deduction' else 'Điểm thưởng'} {a.indicator.code}",
                        f"{fmt_num(a.points_each)} mỗi lần{cap}", a.source))
        if self.adjustment_caps:
            out.append(("Trần điểm cộng, trừ", ", ".join(f"{k}: {fmt_num(v)}" for k, v in self.adjustment_caps.items()),
                        self.adjustment_caps_source))
        for t in self.targets:
            tracked = t.indicator.code if t.indicator is not None else "chưa có chỉ tiêu đo"
            out.append((f"Mục tiêu {t.key} ({tracked})", f"{fmt_num(t.goal)} %", t.source))
        if self.commendation:
            out.append(("Điều kiện đề nghị khen thưởng", ", ".join(f"{k} = {v}" for k, v in self.commendation.items()),
                        self.commendation_source))
        return out

    def defaults_note(self) -> str:
        """The note exports and printed documents carry: which numbers are the software's defaults."""
        defaults = [what for what, _, src in self.numbers() if src.is_default]
        if not defaults:
            return ""
        return (f"Ghi chú: {len(defaults)} con số của bộ tiêu chí «{self.id}» phiên bản {self.version} là mặc định "
                f"của phần mềm — chưa có văn bản quy định (nghị quyết không quy định điểm số, ngưỡng xếp mức, "
                f"đề xuất xếp loại hay điều kiện khen thưởng): " + "; ".join(defaults) + ".")
