"""Every number of a profile's TOML as the editor's form shows it, and the TOML rewritten from what
was typed (tomlkit: the file's comments and layout are kept).

A form entry is the set of numbers that share one source in the profile format (a group's
`source` covers its points, an item's `rule_source` its rule's target, bound or bands, a band's
`source` its min_total and floor, ...: data/frameworks/README.md, "Where every number comes
from"). Numbers are typed the Vietnamese way: a comma before the decimals («0,75»), never a dot,
so «0.75» is refused with a message naming the field and the value rather than read as 75 or
as 0,75 by guess."""

from __future__ import annotations

import copy
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import tomlkit

from dcmetrics.errors import Problem, ValidationError
from dcmetrics.framework_model import KIND_LABELS, ROUNDING_RULES, SOFTWARE_DEFAULT, SOFTWARE_DEFAULT_ID, VETO_OPS

AUTO = ""  # the source choice «tự động»: kept when no number changes, else the new decision (or the default)
NEW_DECISION = "__quyet-dinh-moi__"  # the decision typed once under the form
RULE_LABELS = {"proportional": "tỷ lệ với chỉ tiêu", "lower_better": "càng thấp càng tốt", "bands": "theo khoảng",
               "failures": "trừ theo số trường hợp", "ratio": "tỷ lệ phần trăm"}
# what an absent key means to the loader: the form shows it, and writes it only when it changes
ABSENT_DEFAULTS = {"weight": 1, "floor": 0, "total_decimals": 2, "group_decimals": 2, "rule": "half_up"}


@dataclass(frozen=True)
class Field:
    """One number (or fixed choice) of an entry."""

    key: str  # stable place in the profile: "g1.points", "g1.i2.rule.target", "b1.floor", "round.rule" ...
    label: str
    text: str  # the value as typed in the form: «0,7», «90», «∞»; "" when absent
    kind: str = "decimal"  # decimal | integer | choice
    options: tuple[str, ...] = ()
    optional: bool = False  # empty removes the key (an adjustment without a cap)
    allow_inf: bool = False  # the last «to» of a count's bands may be ∞


@dataclass(frozen=True)
class Entry:
    """Numbers that share one source."""

    key: str
    section: str
    label: str
    source: str  # the source id it names now ("" when the file names none)
    fields: tuple[Field, ...]
    note: str = ""  # what an item measures (the catalogue's name of its indicator)


@dataclass(frozen=True)
class Change:
    entry: str
    field: str
    before: str
    after: str
    source: str  # the source id the entry names after the change


@dataclass(frozen=True)
class Edit:
    text: str
    changes: tuple[Change, ...]
    defaulted: tuple[str, ...]  # entries whose changed numbers got no decision: the software's default


@dataclass(frozen=True)
class _Slot:
    """Where an entry's source and numbers live in the tomlkit document."""

    entry: Entry
    table: Any  # holds the source key
    source_key: str
    values: tuple[tuple[Field, Any, Callable[[Any], None]], ...]  # field, current value, setter


# ---------------------------------------------------------------- numbers typed the Vietnamese way

def shown(v: Any) -> str:
    """A TOML number as the form shows it: 90, 0,75, ∞ (no thousands dots: a dot is never typed)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v == "inf" or (isinstance(v, float) and v == float("inf")):
        return "∞"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        d = Decimal(repr(float(v)))
        if d == d.to_integral_value():
            return str(int(d))
        return format(d.normalize(), "f").replace(".", ",")
    return str(v)


def parse(text: str, f: Field) -> tuple[Any, str | None]:
    """(the value to write, None) or (None, the message). Decimals come back as Decimal."""
    if f.kind == "choice":
        if (text or "").strip() in f.options:
            return text.strip(), None
        return None, f"«{text}» không phải một lựa chọn hợp lệ ({', '.join(f.options)})"
    t = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not t:
        return None, None if f.optional else "cần nhập một số"
    if f.allow_inf and t.lower() in ("∞", "inf"):
        return "inf", None
    if "." in t and re.fullmatch(r"-?\d*\.\d+", t):
        return None, f"«{text}»: phần thập phân viết sau dấu phẩy («{t.replace('.', ',')}»), không dùng dấu chấm"
    if not re.fullmatch(r"-?\d+(,\d+)?", t):
        return None, f"«{text}» không phải một số (viết như 90 hoặc 0,75)"
    d = Decimal(t.replace(",", "."))
    if f.kind == "integer" and d != d.to_integral_value():
        return None, f"«{text}» phải là số nguyên"
    return d, None


def _toml_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _same(a: Any, b: Any) -> bool:
    """A parsed value against the file's (90 = 90.0 = Decimal('90'); 'inf' = inf)."""
    def norm(v):
        if v is None or isinstance(v, str):
            return "inf" if (v == "inf") else v
        if isinstance(v, float) and v == float("inf"):
            return "inf"
        if isinstance(v, bool):
            return v
        return Decimal(repr(float(v))) if isinstance(v, float) else Decimal(v)
    return norm(a) == norm(b)


# ---------------------------------------------------------------- the form's entries

def _catalogue_rules(folder: Path) -> dict[str, tuple[str, dict, str]]:
    """Each indicator's kind, default rule and name, as the catalogue writes them."""
    raw = tomllib.loads((folder / "catalogue.toml").read_text(encoding="utf-8-sig"))
    return {code: (d.get("kind", ""), d.get("rule") or {}, d.get("name", ""))
            for code, d in raw.get("indicators", {}).items()}


def _inline(v: Any) -> Any:
    """A plain rule (dicts, lists) as TOML inline tables, as the profiles write rules."""
    if isinstance(v, dict):
        t = tomlkit.inline_table()
        for k, x in v.items():
            t[k] = _inline(x)
        return t
    if isinstance(v, list):
        a = tomlkit.array()
        for x in v:
            a.append(_inline(x))
        return a
    return v


def put_key(table: Any, key: str, value: Any) -> None:
    """table[key] = value; a new key goes after the table's last key, not after the comment that
    introduces the next table (tomlkit counts that comment as the end of this one)."""
    if key in table or not hasattr(table, "value"):
        table[key] = value
        return
    last = next(((k, it) for k, it in reversed(table.value.body) if k is not None), None)
    if last is None:
        table[key] = value
        return
    new = tomlkit.item(value)
    new.trivia.indent = last[1].trivia.indent  # the items' own indentation
    table.value._insert_after(last[0], key, new)  # (tomlkit has no public insert-after)


def _setter(table: Any, key: str) -> Callable[[Any], None]:
    def put(value: Any) -> None:
        if value is None:
            if key in table:
                del table[key]
        else:
            put_key(table, key, _toml_value(value))
    return put


def _rule_setter(item: Any, base: dict, path: tuple) -> Callable[[Any], None]:
    """Set a number of an item's rule; the catalogue's rule becomes the item's own (an override)
    the first time one of its numbers changes."""
    def put(value: Any) -> None:
        if "rule" not in item:
            put_key(item, "rule", _inline(copy.deepcopy(base)))
        node = item["rule"]
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = _toml_value(value)
    return put


def _rule_slots(rule: dict, kind: str, item: Any, base: dict, prefix: str, code: str) -> list[tuple]:
    pct = " (%)" if kind in ("percent", "ratio") else ""
    out = []

    def add(path: tuple, label: str, value: Any, **kw) -> None:
        out.append((Field(f"{prefix}.{'.'.join(map(str, path))}", label, shown(value), **kw), value,
                    _rule_setter(item, base, path)))

    rtype = rule.get("type")
    if rtype == "proportional" or (rtype == "ratio" and rule.get("then", "proportional") == "proportional"):
        add(("target",), f"Chỉ tiêu{' (%)' if rtype == 'ratio' else pct}", rule.get("target"))
    elif rtype == "lower_better":
        add(("target",), f"Đủ điểm khi không quá{pct}", rule.get("target"))
        add(("bound",), f"0 điểm từ{pct}", rule.get("bound"))
    elif rtype == "failures" and rule.get("mode") == "each":
        add(("share_each",), "Mỗi trường hợp trừ (tỷ lệ 0–1)", rule.get("share_each"))
    if rtype == "bands" or (rtype == "ratio" and rule.get("then") == "bands"):
        bands = rule.get("bands") or []
        for i, b in enumerate(bands):
            last = i == len(bands) - 1
            add(("bands", i, "from"), f"Khoảng {i + 1}: từ{pct}", b.get("from"))
            add(("bands", i, "to"), f"Khoảng {i + 1}: đến dưới{pct}", b.get("to"), allow_inf=last and kind == "count")
            add(("bands", i, "share"), f"Khoảng {i + 1}: tỷ lệ điểm (0–1)", b.get("share"))
    return out


def _slots(doc: Any, rules: dict[str, tuple[str, dict, str]]) -> list[_Slot]:
    slots: list[_Slot] = []

    def entry(key, section, label, table, source_key, values, source=None, note=""):
        if values:
            src = table.get(source_key, "") if source is None else source
            slots.append(_Slot(Entry(key, section, label, str(src), tuple(f for f, _, _ in values), note),
                               table, source_key, tuple(values)))

    def plain(table, prefix, key, label, **kw):
        value = table.get(key, ABSENT_DEFAULTS.get(key))
        return Field(f"{prefix}.{key}", label, shown(value), **kw), value, _setter(table, key)

    if "total_max" in doc:
        entry("total_max", "Tổng điểm", "Tổng điểm tối đa", doc, "total_max_source",
              [plain(doc, "profile", "total_max", "Tổng điểm tối đa")])
    for gi, g in enumerate(doc.get("groups", []), 1):
        section = f"Nhóm {g.get('key', gi)} · mục {g.get('number', '')}: {g.get('name', '')}"
        if len(section) > 110:
            section = section[:108].rstrip() + " …"
        entry(f"g{gi}", section, f"Điểm nhóm {g.get('key', gi)}", g, "source",
              [plain(g, f"g{gi}", "points", "Điểm của nhóm")])
        for ii, it in enumerate(g.get("items", []), 1):
            code = str(it.get("indicator", ii))
            kind, base, name = rules.get(code, ("", {}, ""))
            entry(f"g{gi}.i{ii}", section, f"Trọng số {code}", it, "source",
                  [plain(it, f"g{gi}.i{ii}", "weight", "Trọng số")], note=name)
            rule = it.get("rule", base)
            how = RULE_LABELS.get(rule.get("type"), str(rule.get("type")))
            if rule.get("type") == "ratio":
                how += ", theo khoảng" if rule.get("then") == "bands" else ", so với chỉ tiêu"
            entry(f"g{gi}.i{ii}.rule", section, f"Cách chấm {code} ({KIND_LABELS.get(kind, kind).lower()}: {how})",
                  it, "rule_source", _rule_slots(rule, kind, it, base, f"g{gi}.i{ii}.rule", code))
    for bi, b in enumerate(doc.get("bands", []), 1):
        entry(f"b{bi}", "Ngưỡng xếp mức", f"Mức «{b.get('level', bi)}»", b, "source",
              [plain(b, f"b{bi}", "min_total", "Từ (điểm)"),
               plain(b, f"b{bi}", "floor", "Mỗi nhóm tối thiểu (tỷ lệ 0–1)")])
    for vi, v in enumerate(doc.get("vetoes", []), 1):
        entry(f"v{vi}", "Điều kiện loại trừ", f"Loại trừ khi {v.get('indicator', vi)}", v, "source",
              [plain(v, f"v{vi}", "op", "Phép so sánh", kind="choice", options=VETO_OPS),
               plain(v, f"v{vi}", "value", "Giá trị")])
    for ai, a in enumerate(doc.get("adjustments", []), 1):
        what = "Điểm trừ" if a.get("kind") == "deduction" else "Điểm thưởng"
        entry(f"a{ai}", "Điểm trừ, điểm thưởng", f"{what} {a.get('indicator', ai)}", a, "source",
              [plain(a, f"a{ai}", "points_each", "Điểm mỗi lần", optional=True),
               plain(a, f"a{ai}", "cap", "Tối đa (để trống: không giới hạn)", optional=True)])
    caps = doc.get("adjustment_caps")
    if caps:
        entry("caps", "Điểm trừ, điểm thưởng", "Trần chung", caps, "source",
              [plain(caps, "caps", k, f"Tổng {'điểm trừ' if k == 'deduction' else 'điểm thưởng'} tối đa",
                     optional=True) for k in ("deduction", "bonus")])
    for ti, t in enumerate(doc.get("targets", []), 1):
        entry(f"t{ti}", "Mục tiêu của văn bản", f"Mục tiêu {t.get('key', ti)}", t, "source",
              [plain(t, f"t{ti}", "goal", "Tỷ lệ đơn vị đạt (%)")])
    comm = doc.get("commendation")
    if comm:
        levels = tuple(str(b.get("level")) for b in doc.get("bands", []))
        fields = []
        if "min_level" in comm:
            fields.append(plain(comm, "comm", "min_level", "Mức tối thiểu", kind="choice", options=levels))
        fields += [plain(comm, "comm", "min_total", "Điểm tối thiểu", optional=True),
                   plain(comm, "comm", "previous_years", "Số năm trước cùng mức trở lên", kind="integer",
                         optional=True),
                   plain(comm, "comm", "max_share", "Tỷ lệ tối đa mỗi địa bàn (0–1)", optional=True),
                   plain(comm, "comm", "max_per_area", "Số đơn vị tối đa mỗi địa bàn", kind="integer", optional=True)]
        entry("comm", "Đề xuất khen thưởng", "Điều kiện đề nghị khen thưởng", comm, "source", fields)
    rounding = doc.get("rounding")
    if rounding is None:  # absent: the software's default; a changed number creates the table
        rounding = tomlkit.table()
        doc_source = SOFTWARE_DEFAULT_ID
    else:
        doc_source = None
    entry("round", "Làm tròn điểm", "Làm tròn điểm", rounding, "source",
          [plain(rounding, "round", "group_decimals", "Điểm nhóm: số chữ số thập phân", kind="integer"),
           plain(rounding, "round", "total_decimals", "Tổng điểm: số chữ số thập phân", kind="integer"),
           plain(rounding, "round", "rule", "Cách làm tròn", kind="choice", options=tuple(ROUNDING_RULES))],
          source=doc_source)
    return slots


def entries(text: str, folder: Path) -> list[Entry]:
    """Every number of the profile's text with its source, in reading order."""
    return [s.entry for s in _slots(tomlkit.parse(text), _catalogue_rules(folder))]


def source_choices(text: str) -> dict[str, str]:
    """The sources an entry may name: the software's default and those the text declares, with
    a short label (a clause with the start of its words, a decision with its number and date)."""
    raw = tomllib.loads(text)
    out = {SOFTWARE_DEFAULT_ID: SOFTWARE_DEFAULT[0].upper() + SOFTWARE_DEFAULT[1:]}
    for sid, d in (raw.get("sources") or {}).items():
        if not isinstance(d, dict):
            continue
        if d.get("kind") == "decision":
            out[sid] = f"Quyết định số {d.get('number', '')} ngày {d.get('date', '')} của {d.get('issuer', '')}"
        else:
            quote = str(d.get("quote", ""))
            out[sid] = f"{d.get('clause', '')}: «{quote[:70]}{'…' if len(quote) > 70 else ''}»"
    return out


# ---------------------------------------------------------------- the province's decision

def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^0-9a-z]+", "-", plain).strip("-")


def decision_problems(decision: dict) -> list[Problem]:
    """A decision needs its number, a real date (dd/mm/yyyy) and who issued it."""
    problems = []
    for key, label in (("number", "Quyết định số"), ("date", "Ngày"), ("issuer", "Cơ quan ban hành")):
        if not str(decision.get(key, "")).strip():
            problems.append(Problem(f"Quyết định của tỉnh › {label}", "cần ghi để làm nguồn của các con số thay đổi"))
    date = str(decision.get("date", "")).strip()
    if date:
        try:
            datetime.strptime(date, "%d/%m/%Y")
        except ValueError:
            problems.append(Problem("Quyết định của tỉnh › Ngày", f"«{date}» không phải một ngày dạng ngày/tháng/năm "
                                                                   "(ví dụ 10/01/2026)"))
    return problems


def _declare(doc: Any, decision: dict) -> tuple[str | None, Problem | None]:
    """The [sources] name of the decision, declared once (an identical entry is reused)."""
    body = {"kind": "decision", "number": decision["number"].strip(), "date": decision["date"].strip(),
            "issuer": decision["issuer"].strip()}
    sources = doc.get("sources")
    if sources is None:
        sources = tomlkit.table(is_super_table=True)
        doc["sources"] = sources
    for sid in (f"qd-{_slug(body['number'])}", f"qd-{_slug(body['number'])}-{_slug(body['date'])}"):
        if sid not in sources:
            sources[sid] = body
            return sid, None
        if dict(sources[sid]) == body:
            return sid, None
    return None, Problem("Quyết định của tỉnh", f"nguồn «{sid}» đã khai báo với nội dung khác: hãy chọn nguồn đó "
                                                "trong danh sách hoặc sửa số, ngày của quyết định")


# ---------------------------------------------------------------- the text rewritten

def with_values(text: str, values: dict[str, str], choices: dict[str, str], decision: dict | None,
                folder: Path) -> Edit:
    """The text with the numbers typed in the form (field key → text as typed; a key left out
    keeps its number) and the sources chosen (entry key → AUTO, NEW_DECISION, "mac-dinh" or a
    [sources] name). An entry on AUTO keeps its source when none of its numbers changes; when
    one does, it takes the decision (declared once in [sources]) or, without one, the software's
    default: a changed number never keeps a clause's words it no longer matches unless the user
    picks that clause. Every value that cannot be read is reported together (ValidationError)."""
    doc = tomlkit.parse(text)
    slots = _slots(doc, _catalogue_rules(folder))
    declared = set(source_choices(text))
    problems: list[Problem] = []
    planned = []
    for s in slots:
        new_values, changed = [], []
        for f, current, put in s.values:
            if f.key not in values:
                continue
            value, message = parse(values[f.key], f)
            if message:
                problems.append(Problem(f"{s.entry.label} › {f.label}", message, values[f.key]))
            elif not _same(value, current):
                new_values.append((put, value))
                changed.append((f, current, value))
        choice = choices.get(s.entry.key, AUTO)
        if choice not in (AUTO, NEW_DECISION) and choice not in declared:
            problems.append(Problem(f"{s.entry.label} › Nguồn", f"nguồn «{choice}» chưa khai báo trong [sources]"))
        planned.append((s, new_values, changed, choice))
    wanted = any(choice == NEW_DECISION or (choice == AUTO and changed) for _, _, changed, choice in planned)
    has_decision = bool(decision) and any(str(v).strip() for v in decision.values())
    if has_decision:
        problems += decision_problems(decision)
    elif any(choice == NEW_DECISION for *_, choice in planned):
        problems.append(Problem("Quyết định của tỉnh", "đã chọn «quyết định mới» làm nguồn nhưng chưa ghi số, "
                                                       "ngày, cơ quan ban hành"))
    if problems:
        raise ValidationError(problems)
    decision_id = None
    if has_decision and wanted:
        decision_id, problem = _declare(doc, decision)
        if problem:
            raise ValidationError([problem])
    changes, defaulted = [], []
    for s, new_values, changed, choice in planned:
        for put, value in new_values:
            put(value)
        if choice == NEW_DECISION:
            source = decision_id
        elif choice != AUTO:
            source = choice
        elif changed:
            source = decision_id or SOFTWARE_DEFAULT_ID
            if decision_id is None:
                defaulted.append(s.entry.label)
        else:
            source = None  # unchanged and on AUTO: as it was
        if source is not None and (source != s.entry.source or changed):
            if s.entry.key == "round" and "rounding" not in doc:
                doc["rounding"] = s.table
            put_key(s.table, s.source_key, source)
        for f, before, after in changed:
            changes.append(Change(s.entry.label, f.label, shown(before), shown(_toml_value(after)),
                                  source or s.entry.source))
    return Edit(tomlkit.dumps(doc), tuple(changes), tuple(defaulted))


def differences(before: str, after: str, folder: Path) -> list[Change]:
    """The numbers and sources of `after` that differ from `before` (the version a draft was
    copied from), entry by entry, for the page to show what the new version changes."""
    old = {e.key: e for e in entries(before, folder)}
    out = []
    for e in entries(after, folder):
        o = old.get(e.key)
        old_fields = {f.key: f.text for f in o.fields} if o else {}
        moved = [(f.label, old_fields.get(f.key, ""), f.text) for f in e.fields if old_fields.get(f.key, "") != f.text]
        if moved:
            out += [Change(e.label, label, b, a, e.source) for label, b, a in moved]
        elif o is not None and o.source != e.source:
            out.append(Change(e.label, "Nguồn", o.source, e.source, e.source))
    return out
