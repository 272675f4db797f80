"""Charts as inline SVG, drawn in the core: the annual report's HTML and the landing pages show the
same blocks. A page that draws its charts this way loads no chart library in the browser: plotly's
4.7 MB of script took 1–2 s of a login on the machines we measured (docs/benchmarks.md, «svg»).
Every text from data is escaped; numbers are Vietnamese style; each bar and point has a <title>
(the browser's tooltip), and each chart an aria-label."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from dcmetrics.documents import esc
from dcmetrics.fmt import EMPTY, fmt_num, fmt_points

MAX_ROWS = 30  # bars of a stacked chart in the report (the pages pass their own)
VERSION_MARK = "#b45309"  # the dashed line where a profile's version changes
# lines told apart by colour (plotly's default sequence, which the pages used before)
SERIES_COLORS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880",
                 "#ff97ff", "#fecb52")


@dataclass(frozen=True)
class Bars:
    """Grouped vertical bars: one group per category, one bar per series (this year, last year)."""
    title: str
    categories: list[str]
    series: list[tuple[str, list[int]]]  # (series label, value per category)
    colors: list[str]                    # per category
    faded: tuple[int, ...] = (1,)        # series drawn lighter (the year before)


@dataclass(frozen=True)
class Stacked:
    """Horizontal bars, one per row, split by level (shares of the row's units)."""
    title: str
    rows: list[tuple[str, dict[str, int]]]
    order: list[str]
    colors: dict[str, str]


@dataclass(frozen=True)
class Lines:
    """Values over categories (years), one line per series; `marks`: (index of the first year
    scored with another version, its label), drawn as a dashed line before that year."""
    title: str
    x: list[str]
    series: list[tuple[str, list[float | None]]]
    y_label: str
    marks: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Heat:
    """A grid of shares (0–1 or None) coloured red (0) to green (1): rows × columns."""
    title: str
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]  # one list per row


# ColorBrewer RdYlGn, red (0 %) to green (100 %): the scale the ranking's heat map had in plotly
HEAT_STOPS = ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee08b", "#ffffbf", "#d9ef8b", "#a6d96a", "#66bd63",
              "#1a9850", "#006837")


def heat_color(share: float) -> str:
    t = min(max(share, 0.0), 1.0) * (len(HEAT_STOPS) - 1)
    i = min(int(t), len(HEAT_STOPS) - 2)
    a, b = ([int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in HEAT_STOPS[i:i + 2])
    return "#" + "".join(f"{round(x + (y - x) * (t - i)):02x}" for x, y in zip(a, b))


def _n(x) -> str:
    return fmt_num(x, 0) if x is not None else EMPTY


def faded(hex_color: str, keep: float = 0.45) -> str:
    rgb = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * keep):02x}" for c in rgb)


def _figure(title: str, w: int, h: int, parts: list[str], after: str = "") -> str:
    return (f'<figure><figcaption>{esc(title)}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
            f'aria-label="{esc(title)}">{"".join(parts)}</svg>{after}</figure>')


def bars_svg(b: Bars) -> str:
    w, h, pad, base_pad = 620, 230, 30, 40
    chart_h = h - base_pad - pad
    peak = max([v for _, vals in b.series for v in vals] + [1])
    group_w = (w - 2 * pad) / max(len(b.categories), 1)
    bar_w = min(48, group_w * 0.7 / max(len(b.series), 1))
    base = pad + chart_h
    parts = [f'<line x1="{pad - 5}" y1="{base}" x2="{w - pad}" y2="{base}" stroke="#000"/>']
    for ci, cat in enumerate(b.categories):
        gx = pad + ci * group_w + (group_w - bar_w * len(b.series)) / 2
        for si, (label, vals) in enumerate(b.series):
            v = vals[ci]
            bh = chart_h * v / peak
            color = faded(b.colors[ci]) if si in b.faded else b.colors[ci]
            x = gx + si * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{base - bh:.1f}" width="{bar_w - 3:.1f}" height="{bh:.1f}" '
                         f'fill="{color}"><title>{esc(cat)}, {esc(label)}: {esc(_n(v))}</title></rect>')
            parts.append(f'<text x="{x + (bar_w - 3) / 2:.1f}" y="{base - bh - 4:.1f}" font-size="12" '
                         f'text-anchor="middle">{esc(_n(v))}</text>')
        parts.append(f'<text x="{pad + ci * group_w + group_w / 2:.1f}" y="{base + 16}" font-size="13" '
                     f'font-weight="bold" text-anchor="middle">{esc(cat)}</text>')
    x = pad
    for si, (label, _) in enumerate(b.series):
        color = faded("#555555") if si in b.faded else "#555555"
        parts.append(f'<rect x="{x}" y="{h - 14}" width="12" height="10" fill="{color}"/>'
                     f'<text x="{x + 16}" y="{h - 5}" font-size="12">{esc(label)}</text>')
        x += 110
    return _figure(b.title, w, h, parts)


def stacked_svg(s: Stacked, max_rows: int = MAX_ROWS, more: Callable[[int], str] | None = None) -> str:
    """`more(k)`: the note under a chart that left k rows out (none without it)."""
    rows = s.rows[:max_rows]
    w, label_w, bar_h, gap = 620, 230, 18, 6
    h = len(rows) * (bar_h + gap) + 30
    width = w - label_w - 10
    parts = []
    for i, (label, counts) in enumerate(rows):
        y = i * (bar_h + gap)
        short = label if len(label) <= 40 else label[:39] + "…"
        parts.append(f'<text x="0" y="{y + bar_h - 5}" font-size="12"><title>{esc(label)}</title>{esc(short)}</text>')
        total = sum(counts.get(lv, 0) for lv in s.order) or 1
        x = label_w
        for lv in s.order:
            k = counts.get(lv, 0)
            if not k:
                continue
            bw = width * k / total
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{bw:.1f}" height="{bar_h}" fill="{s.colors[lv]}">'
                         f'<title>{esc(label)}, {esc(lv)}: {esc(_n(k))}</title></rect>')
            if bw > 22:
                parts.append(f'<text x="{x + bw / 2:.1f}" y="{y + bar_h - 5}" font-size="11" fill="#fff" '
                             f'text-anchor="middle">{esc(_n(k))}</text>')
            x += bw
    x, y = label_w, len(rows) * (bar_h + gap) + 10
    for lv in s.order:
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="10" fill="{s.colors[lv]}"/>'
                     f'<text x="{x + 16}" y="{y + 9}" font-size="12">{esc(lv)}</text>')
        x += 16 + 8 * len(lv) + 14
    left = len(s.rows) - len(rows)
    note = f'<p class="note">{esc(more(left))}</p>' if left > 0 and more is not None else ""
    return _figure(s.title, w, h, parts, note)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round steps (1, 2 or 5 × 10^k) covering [lo, hi]."""
    span = max(hi - lo, 1e-9)
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = (lo // step) * step
    out = [round(start, 10)]
    while out[-1] < hi - step * 1e-9 or len(out) < 2:
        out.append(round(start + step * len(out), 10))
    return out


def lines_svg(c: Lines, w: int = 620) -> str:
    """`w`: the drawing's width in its own units, the width it is shown at (text stays 11–12 px)."""
    left, right, top = 48, 12, 26 + 12 * max(len(c.marks) - 1, 0)
    chart_h = 170
    values = [v for _, vals in c.series for v in vals if v is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1:  # a flat line still gets an axis a point high
        lo, hi = lo - 0.5, hi + 0.5
    ticks = _ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    step_x = (w - left - right) / max(len(c.x), 1)
    cols = 3 if w >= 560 else 2  # the legend's columns
    legend_rows = -(-len(c.series) // cols) if len(c.series) > 1 else 0
    h = top + chart_h + 34 + 16 * legend_rows

    def px(i: int) -> float:
        return left + step_x * (i + 0.5)

    def py(v: float) -> float:
        return top + chart_h - chart_h * (v - lo) / (hi - lo)

    decimals = 0 if ticks[1] - ticks[0] >= 1 else 1
    parts = [f'<text x="0" y="{top - 10}" font-size="11" fill="#555">{esc(c.y_label)}</text>']
    for t in ticks:
        parts.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{w - right}" y2="{py(t):.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{left - 6}" y="{py(t) + 4:.1f}" font-size="11" text-anchor="end" fill="#555">'
                     f'{esc(fmt_num(t, decimals))}</text>')
    base = top + chart_h
    for i, label in enumerate(c.x):
        parts.append(f'<text x="{px(i):.1f}" y="{base + 16}" font-size="12" text-anchor="middle">{esc(label)}</text>')
    for k, (i, label) in enumerate(c.marks):
        # marks of years next to each other: each label on a line of its own, right-aligned to its
        # mark when it would run past the chart's edge
        x = left + step_x * i
        y = 12 + 12 * k
        room = (w - right - x) > 6.2 * len(label)
        parts.append(f'<line x1="{x:.1f}" y1="{y - 9}" x2="{x:.1f}" y2="{base}" stroke="{VERSION_MARK}" '
                     f'stroke-dasharray="5,4"><title>{esc(label)}</title></line>'
                     f'<text x="{x + 4 if room else x - 4:.1f}" y="{y}" font-size="11" fill="{VERSION_MARK}" '
                     f'text-anchor="{"start" if room else "end"}">{esc(label)}</text>')
    for si, (label, vals) in enumerate(c.series):
        color = SERIES_COLORS[si % len(SERIES_COLORS)]
        run: list[str] = []
        for i, v in enumerate(vals):  # a year without a value breaks the line
            if v is None:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" stroke-width="2"/>')
                run = []
                continue
            run.append(f"{px(i):.1f},{py(v):.1f}")
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(vals):
            if v is not None:
                parts.append(f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="4" fill="{color}">'
                             f'<title>{esc(label)}, {esc(c.x[i])}: {esc(fmt_points(v))}</title></circle>')
    if legend_rows:
        col_w = (w - left) / cols
        fits = int((col_w - 22) / 6)  # characters of 11 px text in a column; the full name in the tooltip
        for si, (label, _) in enumerate(c.series):
            x, y = left + col_w * (si % cols), base + 34 + 16 * (si // cols)
            short = label if len(label) <= fits else label[:fits - 1] + "…"
            parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="12" height="4" '
                         f'fill="{SERIES_COLORS[si % len(SERIES_COLORS)]}"/>'
                         f'<text x="{x + 16:.1f}" y="{y - 4}" font-size="11"><title>{esc(label)}</title>'
                         f'{esc(short)}</text>')
    return _figure(c.title, w, h, parts)


def heat_svg(h: Heat, w: int = 900) -> str:
    """Each cell its share's colour and, where it fits, its percentage; a legend of the scale."""
    label_w, top, cell_h = 260, 24, 20
    cell_w = (w - label_w) / max(len(h.columns), 1)
    height = top + cell_h * len(h.rows) + 40
    parts = []
    for j, col in enumerate(h.columns):
        parts.append(f'<text x="{label_w + cell_w * (j + 0.5):.1f}" y="{top - 8}" font-size="12" '
                     f'text-anchor="middle">{esc(col)}</text>')
    for i, (label, vals) in enumerate(zip(h.rows, h.values)):
        y = top + cell_h * i
        short = label if len(label) <= 42 else label[:41] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + cell_h - 6}" font-size="11" text-anchor="end">'
                     f'<title>{esc(label)}</title>{esc(short)}</text>')
        for j, v in enumerate(vals):
            x = label_w + cell_w * j
            pct = EMPTY if v is None else f"{fmt_num(100 * v, 1)} %"
            fill = "#eeeeee" if v is None else heat_color(v)
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 1:.1f}" height="{cell_h - 1}" fill="{fill}">'
                         f'<title>{esc(label)}, {esc(h.columns[j])}: {esc(pct)}</title></rect>')
            if cell_w >= 44:
                dark = v is not None and (v < 0.2 or v > 0.85)
                parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h - 6}" font-size="10" '
                             f'text-anchor="middle" fill="{"#fff" if dark else "#222"}">{esc(pct)}</text>')
    y = top + cell_h * len(h.rows) + 14
    steps = 20
    for k in range(steps):
        parts.append(f'<rect x="{label_w + k * 12}" y="{y}" width="12" height="10" fill="{heat_color(k / (steps - 1))}"/>')
    parts.append(f'<text x="{label_w - 6}" y="{y + 9}" font-size="11" text-anchor="end">0 %</text>'
                 f'<text x="{label_w + steps * 12 + 6}" y="{y + 9}" font-size="11">100 % số điểm của nhóm</text>')
    return _figure(h.title, w, height, parts)
