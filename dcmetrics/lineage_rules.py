"""The rules a lineage (old unit → new unit) must keep against the unit registry. One validator
for both paths that write unit_lineage: the official import (official_units.check_lineage, on
the package's province) and an administrator's entries (lineage_edit, on the whole registry).

A link is (old_code, new_code, share, is_default[, effective_date]); units need code, type,
parent_code, active_to and may carry name and active_from. Problems block saving; old units
without any successor are listed apart (`unaccounted`): the official import blocks on them too,
an administrator's entry reports them as the province's "every old commune accounted for" list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from dcmetrics.errors import Problem
from dcmetrics.fmt import fmt_num

SHARE_TOLERANCE = 1e-9
# the old units that must all go somewhere: administrative units at the bottom of the tree
# (communes, and island districts that had no communes); an agency that ended may just close
ACCOUNTED_TYPES = ("commune", "district")


@dataclass(frozen=True)
class LineageCheck:
    problems: list[Problem]     # each blocks saving
    unaccounted: list[Problem]  # ended old units with no successor

    @property
    def all(self) -> list[Problem]:
        return self.problems + self.unaccounted


@dataclass(frozen=True)
class _Link:
    old: str
    new: str
    share: float | None
    default: bool | None
    on: date | None


def _links(lineage: pl.DataFrame) -> list[_Link]:
    on = lineage["effective_date"].to_list() if "effective_date" in lineage.columns else [None] * lineage.height
    return [_Link(o, n, s, d, e) for (o, n, s, d), e in
            zip(lineage.select("old_code", "new_code", "share", "is_default").iter_rows(), on)]


def check(units: pl.DataFrame, lineage: pl.DataFrame) -> LineageCheck:
    """Every problem of `lineage` against `units`, one message per problem naming the codes."""
    names = dict(zip(units["code"].to_list(),
                     units["name"].to_list() if "name" in units.columns else units["code"].to_list()))
    links = _links(lineage)
    # a pair entered twice or a link onto itself is reported once, then left out of the graph checks
    seen: set[tuple[str, str]] = set()
    problems = _unknown_codes(links, names)
    graph = []
    for ln in links:
        if ln.old == ln.new:
            problems.append(Problem(f"liên kết {ln.old} → {ln.new}",
                                    "một đơn vị không thể là đơn vị kế thừa của chính nó", ln.old))
        elif (ln.old, ln.new) in seen:
            problems.append(Problem(f"liên kết {ln.old} → {ln.new}", "liên kết bị trùng: mỗi cặp đơn vị cũ → "
                                    "đơn vị mới chỉ có một liên kết", ln.old))
        else:
            seen.add((ln.old, ln.new))
            graph.append(ln)
    problems += (_cycle_problems(graph) + _ended_and_continued(graph, names) + _still_active(units, graph, names)
                 + _share_problems(graph))
    return LineageCheck(problems, _without_successor(units, graph, names))


def _unknown_codes(links: list[_Link], names: dict) -> list[Problem]:
    return [Problem(f"liên kết {ln.old} → {ln.new}", f"mã «{code}» không có trong danh sách đơn vị", code)
            for ln in links for code in dict.fromkeys((ln.old, ln.new)) if code not in names]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle of old → new links once, as a path that ends where it starts."""
    found, done = [], set()

    def walk(node, path, on_path):
        for nxt in sorted(edges.get(node, ())):
            if nxt in on_path:
                cycle = path[path.index(nxt):] + [nxt]
                if frozenset(cycle) not in {frozenset(c) for c in found}:
                    found.append(cycle)
            elif nxt not in done:
                walk(nxt, path + [nxt], on_path | {nxt})
        done.add(node)

    for start in sorted(edges):
        if start not in done:
            walk(start, [start], {start})
    return found


def _cycle_problems(links: list[_Link]) -> list[Problem]:
    edges: dict[str, set[str]] = {}
    for ln in links:
        edges.setdefault(ln.old, set()).add(ln.new)
    return [Problem(f"đơn vị {c[0]}", "vòng lặp kế thừa: " + " → ".join(c), c[0]) for c in cycles(edges)]


def _ended_and_continued(links: list[_Link], names: dict) -> list[Problem]:
    # a unit born of one reorganisation may end in a later one; born and ended by the same one
    # (or with dates unknown) it is a mistake
    born = {}
    for ln in links:
        born.setdefault(ln.new, set()).add(ln.on)
    flagged = sorted({ln.old for ln in links if ln.old in born
                      and (ln.on is None or None in born[ln.old] or ln.on in born[ln.old])})
    return [Problem(f"đơn vị {c}", f"«{names.get(c, c)}» vừa là đơn vị đã kết thúc (có đơn vị kế thừa) "
                    "vừa là đơn vị kế thừa", c) for c in flagged]


def _still_active(units: pl.DataFrame, links: list[_Link], names: dict) -> list[Problem]:
    """A unit with successors must have ended, before the first year its successors are evaluated
    (their active_from, or else the year the link takes effect): no year has both."""
    rows = {r["code"]: r for r in units.select(
        "code", "active_to", *(["active_from"] if "active_from" in units.columns else [])).iter_rows(named=True)}
    problems, open_ended = [], set()
    for ln in sorted(links, key=lambda x: (x.old, x.new)):
        old = rows.get(ln.old)
        if old is None:
            continue  # reported as an unknown code
        if old["active_to"] is None:
            if ln.old not in open_ended:
                open_ended.add(ln.old)
                problems.append(Problem(f"đơn vị {ln.old}", f"«{names[ln.old]}» đã có đơn vị kế thừa nhưng chưa có "
                                        "năm kết thúc (active_to trống)", ln.old))
            continue
        new = rows.get(ln.new) or {}
        start = new.get("active_from") or (ln.on.year if ln.on else None)
        if start is not None and old["active_to"] >= start:
            problems.append(Problem(
                f"liên kết {ln.old} → {ln.new}",
                f"«{names[ln.old]}» vẫn được đánh giá đến năm {old['active_to']} nhưng đơn vị kế thừa "
                f"«{names.get(ln.new, ln.new)}» được đánh giá từ năm {start}: đơn vị đã kết thúc phải kết thúc "
                "trước năm đầu của đơn vị kế thừa", ln.old))
    return problems


def _without_successor(units: pl.DataFrame, links: list[_Link], names: dict) -> list[Problem]:
    ended = units.filter(pl.col("active_to").is_not_null() & pl.col("type").is_in(ACCOUNTED_TYPES))
    parents = set(units["parent_code"].drop_nulls().to_list())
    olds = {ln.old for ln in links}
    return [Problem(f"đơn vị {c}", f"đơn vị cũ «{names[c]}» không có đơn vị kế thừa nào", c)
            for c in sorted(set(ended["code"].to_list()) - parents - olds)]


def _share_problems(links: list[_Link]) -> list[Problem]:
    parts: dict[str, list[_Link]] = {}
    for ln in links:
        parts.setdefault(ln.old, []).append(ln)
    problems = []
    for code, rows in sorted(parts.items()):
        where = f"đơn vị {code}"
        if any(ln.share is None for ln in rows):
            problems.append(Problem(where, "thiếu tỷ lệ chuyển sang đơn vị mới (share)", code))
            continue
        total = sum(ln.share for ln in rows)
        if abs(total - 1) > SHARE_TOLERANCE:
            problems.append(Problem(where, f"tổng tỷ lệ chuyển sang các đơn vị mới là {fmt_num(total, 6)}, "
                                    "phải bằng 1 (các phần của một đơn vị cũ chuyển sang các đơn vị mới cộng lại là cả "
                                    "đơn vị cũ)", str(total)))
        defaults = sum(bool(ln.default) for ln in rows)
        if len(rows) > 1 and defaults != 1:
            problems.append(Problem(where, f"được chia cho {len(rows)} đơn vị mới nhưng có {defaults} đơn vị "
                                    "mặc định, phải có đúng 1", code))
    return problems
