"""An administrator's entries in unit_lineage: links old unit → new unit added, changed or removed,
each time with a reason (the source says who entered it). The lineage that would result is checked
as a whole by the rules the official import keeps (dcmetrics.lineage_rules); then it is written in
one transaction, audited, and the data version bumped (trends and unit pages read the lineage)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from dcmetrics import access, audit, lineage_rules, sqlfiles
from dcmetrics.errors import Problem, ValidationError
from dcmetrics.fmt import nfc
from dcmetrics.kept import Kept
from dcmetrics.store import Store, bump_data_version, cache_key

LINEAGE_EDIT = audit.LINEAGE_EDIT  # audit action
ADMIN_SOURCE = "quản trị viên {}"  # the source column of an administrator's entry (the reason beside it)
LINK_SCHEMA = {"old_code": pl.String, "new_code": pl.String, "effective_date": pl.Date, "share": pl.Float64,
               "share_basis": pl.String, "is_default": pl.Boolean, "source": pl.String, "reason": pl.String}
MSG_REASON = ("thiếu lý do (vì sao liên kết được nhập, sửa hoặc xoá: văn bản sắp xếp đơn vị hành chính, "
              "quyết định của tỉnh ...)")


@dataclass(frozen=True)
class LinkEntry:
    """One link as the administrator enters it."""

    old_code: str
    new_code: str
    effective_date: date | None = None
    share: float | None = None       # None: the whole old unit, or equal parts of those entered together
    is_default: bool | None = None   # None: the first entered of a divided unit


@dataclass(frozen=True)
class LineageChange:
    added: int
    changed: int
    removed: int
    unaccounted: list[Problem]  # old units still without successor after the change (a warning)


def links(store: Store) -> pl.DataFrame:
    """Every link with both names, its source and reason (the administrator's table); kept per
    data version (every edit and unit import bumps it): the page reads it on every rerun."""
    return _kept(cache_key(store, "links"), lambda: store.frame(sqlfiles.load("lineage_links")))


_KEPT = Kept(8)
_kept = _KEPT.get


def _stored(store: Store) -> pl.DataFrame:
    return store.frame(f"SELECT {', '.join(LINK_SCHEMA)} FROM unit_lineage ORDER BY old_code, new_code"
                       ).cast(LINK_SCHEMA)


def _units(store: Store) -> pl.DataFrame:
    return store.frame("SELECT code, name, type, parent_code, active_from, active_to FROM units")


def _code(text: str | None) -> str:
    return nfc((text or "").strip())


def _reason_problems(reason: str | None, entries: list) -> list[Problem]:
    return (([] if entries else [Problem("liên kết", "chưa chọn liên kết nào")])
            + ([] if (reason or "").strip() else [Problem("lý do", MSG_REASON)]))


def _share_range(old: str, new: str, share: float | None) -> list[Problem]:
    if share is None or 0 < share <= 1:
        return []
    return [Problem(f"liên kết {old} → {new}", "tỷ lệ chuyển sang đơn vị mới phải lớn hơn 0 và không quá 1",
                    str(share))]


def add_links(store: Store, actor, entries: list[LinkEntry], reason: str) -> LineageChange:
    """New links. Entered together for one old unit they divide it: equal parts unless shares are
    given (which must then sum to 1 with any link the old unit already has)."""
    acct = access.require(store, actor, access.MANAGE_UNITS)
    stored = _stored(store)
    problems = _reason_problems(reason, entries)
    groups: dict[str, list[LinkEntry]] = {}
    for e in entries:
        groups.setdefault(_code(e.old_code), []).append(e)
    has_default = set(stored.filter(pl.col("is_default"))["old_code"].to_list())
    rows = []
    for old, group in groups.items():
        for i, e in enumerate(group):
            new = _code(e.new_code)
            if e.effective_date is None:
                problems.append(Problem(f"liên kết {old} → {new}", "thiếu ngày hiệu lực của việc sắp xếp"))
            problems += _share_range(old, new, e.share)
            share = e.share if e.share is not None else 1 / len(group)
            basis = "entered" if e.share is not None else ("whole" if len(group) == 1 else "equal")
            if basis == "entered" and share == 1 and len(group) == 1:
                basis = "whole"
            default = e.is_default if e.is_default is not None else (i == 0 and old not in has_default)
            rows.append({"old_code": old, "new_code": new, "effective_date": e.effective_date, "share": share,
                         "share_basis": basis, "is_default": default, "source": ADMIN_SOURCE.format(acct.username),
                         "reason": (reason or "").strip()})
    added = pl.DataFrame(rows, schema=LINK_SCHEMA)
    proposed = pl.concat([stored, added])
    return _commit(store, acct, stored, proposed, problems, removed=[], written=added,
                   counts=(added.height, 0, 0), reason=reason)


def update_links(store: Store, actor, entries: list[LinkEntry], reason: str) -> LineageChange:
    """Existing links given a new share, default or date (what an entry leaves None is kept)."""
    acct = access.require(store, actor, access.MANAGE_UNITS)
    stored = _stored(store)
    problems = _reason_problems(reason, entries)
    by_pair = {(r["old_code"], r["new_code"]): r for r in stored.iter_rows(named=True)}
    changed = {}
    for e in entries:
        pair = (_code(e.old_code), _code(e.new_code))
        if pair not in by_pair:
            problems.append(Problem(f"liên kết {pair[0]} → {pair[1]}", "không có liên kết này để sửa"))
            continue
        problems += _share_range(*pair, e.share)
        row = dict(by_pair[pair])
        if e.share is not None and e.share != row["share"]:
            row["share"], row["share_basis"] = e.share, "entered"
        if e.is_default is not None:
            row["is_default"] = e.is_default
        if e.effective_date is not None:
            row["effective_date"] = e.effective_date
        row["source"], row["reason"] = ADMIN_SOURCE.format(acct.username), (reason or "").strip()
        changed[pair] = row
    written = pl.DataFrame(list(changed.values()), schema=LINK_SCHEMA)
    proposed = pl.concat([_without(stored, set(changed)), written])
    return _commit(store, acct, stored, proposed, problems, removed=list(changed), written=written,
                   counts=(0, written.height, 0), reason=reason)


def remove_links(store: Store, actor, pairs: list[tuple[str, str]], reason: str) -> LineageChange:
    """Links removed (the rest of a divided unit must still sum to 1)."""
    acct = access.require(store, actor, access.MANAGE_UNITS)
    stored = _stored(store)
    problems = _reason_problems(reason, pairs)
    known = set(zip(stored["old_code"].to_list(), stored["new_code"].to_list()))
    pairs = [(_code(o), _code(n)) for o, n in pairs]
    problems += [Problem(f"liên kết {o} → {n}", "không có liên kết này để xoá") for o, n in pairs
                 if (o, n) not in known]
    gone = set(pairs)
    proposed = _without(stored, gone)
    return _commit(store, acct, stored, proposed, problems, removed=sorted(gone & known),
                   written=stored.clear(), counts=(0, 0, len(gone & known)), reason=reason)


def _commit(store: Store, acct, stored: pl.DataFrame, proposed: pl.DataFrame, problems: list[Problem], *,
            removed: list[tuple[str, str]], written: pl.DataFrame, counts: tuple[int, int, int],
            reason: str) -> LineageChange:
    """Check the lineage that would result; refuse on any problem the stored one did not already
    have (an old import's problem does not block an unrelated entry); else write in one transaction."""
    units = _units(store)
    before = {str(p) for p in lineage_rules.check(units, stored).problems}
    after = lineage_rules.check(units, proposed)
    problems = problems + [p for p in after.problems if str(p) not in before]
    if problems:
        raise ValidationError(problems)
    touched = sorted({c for pair in removed for c in pair}
                     | set(written["old_code"].to_list()) | set(written["new_code"].to_list()))
    replaced = stored.filter(_mask(stored, set(removed)))
    with store.transaction() as cur:
        for o, n in removed:
            cur.execute("DELETE FROM unit_lineage WHERE old_code = $o AND new_code = $n", {"o": o, "n": n})
        if written.height:
            cur.register("entered_lineage", written)
            cur.execute(f"INSERT INTO unit_lineage ({', '.join(LINK_SCHEMA)}) "
                        f"SELECT {', '.join(LINK_SCHEMA)} FROM entered_lineage")
            cur.unregister("entered_lineage")
        audit.record(cur, acct, LINEAGE_EDIT, "unit_lineage:" + ",".join(touched),
                     before={"links": _as_json(replaced)},
                     after={"links": _as_json(written), "reason": reason.strip()})
        bump_data_version(cur, unit_codes=touched)
    return LineageChange(*counts, after.unaccounted)


def _mask(frame: pl.DataFrame, pairs: set[tuple[str, str]]) -> pl.Series:
    return pl.Series([(o, n) in pairs for o, n in zip(frame["old_code"], frame["new_code"])], dtype=pl.Boolean)


def _without(frame: pl.DataFrame, pairs: set[tuple[str, str]]) -> pl.DataFrame:
    return frame.filter(~_mask(frame, pairs))


def _as_json(frame: pl.DataFrame) -> list[dict]:
    return [{**r, "effective_date": str(r["effective_date"])} for r in
            frame.select("old_code", "new_code", "effective_date", "share", "share_basis", "is_default",
                         "source").iter_rows(named=True)]


def unaccounted(store: Store) -> pl.DataFrame:
    """The old units (communes, districts without communes) that ended with no successor, with
    the province each lies in: the list behind «every old commune accounted for». Kept per data
    version, like links()."""
    return _kept(cache_key(store, "unaccounted"), lambda: _unaccounted(store))


def _unaccounted(store: Store) -> pl.DataFrame:
    units = _units(store)
    found = lineage_rules.check(units, _stored(store)).unaccounted
    parent = dict(zip(units["code"].to_list(), units["parent_code"].to_list()))
    names = dict(zip(units["code"].to_list(), units["name"].to_list()))
    rows = []
    for p in found:
        top = p.value
        while parent.get(top):
            top = parent[top]
        rows.append({"province_code": top, "province_name": names.get(top, top), "code": p.value,
                     "name": names.get(p.value, p.value), "message": str(p)})
    return pl.DataFrame(rows, schema={"province_code": pl.String, "province_name": pl.String, "code": pl.String,
                                      "name": pl.String, "message": pl.String})


def parse_share(text: str | None) -> float | None:
    """A share as an administrator types it: «0,5», «0.5», «1/3», «50%»; empty: None (whole or equal parts)."""
    t = (text or "").strip().replace(" ", "")
    if not t:
        return None
    try:
        if t.endswith("%"):
            value = float(t[:-1].replace(",", ".")) / 100
        elif "/" in t:
            num, den = t.split("/", 1)
            value = float(num.replace(",", ".")) / float(den.replace(",", "."))
        else:
            value = float(t.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise ValidationError([Problem("tỷ lệ", f"«{text}» không phải là tỷ lệ (ví dụ 0,5 hoặc 1/3 hoặc 50%)",
                                       text)]) from None
    if not 0 < value <= 1:
        raise ValidationError([Problem("tỷ lệ", f"tỷ lệ «{text}» phải lớn hơn 0 và không quá 1", text)])
    return value
