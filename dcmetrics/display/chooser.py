"""Choosing one unit out of many: the options a unit box offers.

Up to `ALL_UNITS` units the box lists them all (the browser's own type-to-search suffices). Above
that, sending every unit's label on each rerun costs more than the page (about a third of the
unit page's rerun at national size, 40,000 labels), so the box lists the units matching a search
over names and codes (diacritics ignored, as the tables' search), at most `MATCHES`, and always
the unit already chosen, so a link to it keeps working."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from dcmetrics.display.window import fold, fold_expr
from dcmetrics.fmt import fmt_num

# Both are the software's defaults (no text sets them).
ALL_UNITS = 2_000
MATCHES = 500


@dataclass(frozen=True)
class Options:
    codes: list[str]          # in the table's order, the chosen unit first if the search left it out
    labels: dict[str, str]    # code -> «Tên (mã)»
    searchable: bool          # the page shows a search box (more than ALL_UNITS units)
    matched: int              # units the search kept
    total: int

    def caption(self) -> str:
        if not self.searchable:
            return ""
        if self.matched == self.total:
            return (f"Có {fmt_num(self.total)} đơn vị: ô chọn liệt kê {fmt_num(min(self.total, MATCHES))} đơn vị "
                    "đầu tiên; gõ tên hoặc mã vào ô tìm để thu hẹp.")
        if self.matched == 0:
            return f"Không có đơn vị nào khớp từ tìm kiếm trong {fmt_num(self.total)} đơn vị."
        shown = min(self.matched, MATCHES)
        more = "" if shown == self.matched else f", liệt kê {fmt_num(shown)} đơn vị đầu"
        return f"Tìm thấy {fmt_num(self.matched)} trong {fmt_num(self.total)} đơn vị{more}."


def unit_options(table: pl.DataFrame, query: str = "", chosen: str | Sequence[str] | None = None) -> Options:
    """The options for `table` (unit_code, unit_name; already in display order). `chosen`: the
    unit, or the units of a multiple choice, already chosen: always listed, before the matches."""
    total = table.height
    if total <= ALL_UNITS:
        found = table
        searchable = False
    else:
        searchable = True
        found = table
        words = fold(query or "").split()
        if words:
            # the code folded too: the query is, and codes may hold letters («SN004030042»)
            hay = pl.concat_str([fold_expr(pl.col("unit_name")).fill_null(""), fold_expr(pl.col("unit_code"))],
                                separator=" ")
            found = table.filter(pl.all_horizontal([hay.str.contains(w, literal=True) for w in words]))
    matched = found.height
    shown = found.head(MATCHES) if searchable else found
    keep = [chosen] if isinstance(chosen, str) else list(chosen or ())
    if missing := set(keep) - set(shown["unit_code"]):
        extra = table.filter(pl.col("unit_code").is_in(sorted(missing)))
        shown = pl.concat([extra.select(shown.columns), shown]) if extra.height else shown
    sub = shown.select("unit_code", "unit_name")
    labels = {c: f"{n} ({c})" for c, n in sub.iter_rows()}
    return Options(list(labels), labels, searchable, matched, total)
