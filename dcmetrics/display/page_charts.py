"""The landing pages' charts (overview, trends) as SVG from the frames the core gives them
(dashboard.overview, trends.trends): pages only place the string."""

from __future__ import annotations

import polars as pl

from dcmetrics.display.charts import Bars, Heat, Lines, Stacked, bars_svg, heat_svg, lines_svg, stacked_svg
from dcmetrics.fmt import fmt_num


def level_bars(levels: pl.DataFrame, year: int, colors: dict[str, str]) -> str:
    """Units per level this year, beside last year's when there were any (Overview.levels)."""
    cats = levels["level"].to_list()
    series = [(f"Năm {year}", levels["count"].to_list())]
    if levels["prev_count"].sum():
        series.append((f"Năm {year - 1}", levels["prev_count"].to_list()))
    title = f"Số đơn vị được xếp loại, năm {year}" + (f" (nhạt: năm {year - 1})" if len(series) > 1 else "")
    return bars_svg(Bars(title, cats, series, [colors[c] for c in cats]))


def area_stacks(by_area: pl.DataFrame, order: list[str], colors: dict[str, str]) -> str:
    """Each area's units by level, as shares of its units (Overview.by_area: area_name, level, count),
    areas in the frame's (Vietnamese) order; every area is drawn."""
    counts: dict[str, dict[str, int]] = {}
    for area, level, k in by_area.select("area_name", "level", "count").iter_rows():
        counts.setdefault(area, {})[level] = k
    shown = [lv for lv in order if any(c.get(lv) for c in counts.values())]
    n = len(counts)
    return stacked_svg(Stacked(f"Tỷ lệ đơn vị theo mức độ của {fmt_num(n, 0)} địa bàn (số trên thanh: số đơn vị)",
                               list(counts.items()), shown, colors), max_rows=n)


def version_marks(versions: pl.DataFrame, years: list[int]) -> tuple[tuple[int, str], ...]:
    """A mark before each year scored with another version than the year before (Trends.versions)."""
    return tuple((years.index(v["year"]), f"Đổi bộ tiêu chí: {v['previous_version']} → {v['version']}")
                 for v in versions.filter(pl.col("changed")).iter_rows(named=True) if v["year"] in years)


def lines(frame: pl.DataFrame, key: str | None, value: str, years: list[int], versions: pl.DataFrame,
          title: str, y_label: str, order: list[str] | None = None, width: int = 620) -> str:
    """One line per `key` value (or one line when key is None) of `value` over `years`; a year
    without a row leaves a gap."""
    if key is None:
        by_year = dict(zip(frame["year"].to_list(), frame[value].to_list()))
        series = [("Bình quân", [by_year.get(y) for y in years])]
    else:
        names = order or list(dict.fromkeys(frame[key].to_list()))
        got: dict[str, dict[int, float]] = {}
        for name, y, v in frame.select(key, "year", value).iter_rows():
            got.setdefault(name, {})[y] = v
        series = [(name, [got.get(name, {}).get(y) for y in years]) for name in names if name in got]
    return lines_svg(Lines(title, [str(y) for y in years], series, y_label, version_marks(versions, years)), width)


def group_heat(shares: pl.DataFrame, title: str) -> str:
    """exports.group_shares' frame (label, one share column per group) as a heat map."""
    columns = [c for c in shares.columns if c != "label"]
    rows = shares.select(pl.concat_list(columns).alias("v"))["v"].to_list() if columns else [[] for _ in range(shares.height)]
    return heat_svg(Heat(title, shares["label"].to_list(), columns, rows))
