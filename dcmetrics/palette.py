"""One ordered palette for the levels, used by every chart, table and document: the best level
green, the worst the strongest red, the levels between ordered from green to red.

The core owns it (documents and exports are built here, without Streamlit); ui.levels re-exports it."""

from __future__ import annotations

NOT_RATED = "Không xếp loại"
NOT_RATED_COLOR = "#9e9e9e"

# best to worst (ColorBrewer PRGn/RdYlGn-like steps chosen so that each is redder than the one before)
_STOPS = ("#1b7837", "#7fbc41", "#f1a340", "#d6604d", "#b2182b")
# the usual profiles have four levels (Tốt, Khá, Trung bình, Yếu): skip the light red so that
# «Yếu» is the deep red and «Trung bình» the orange, never a pale colour for the worst level
_BY_COUNT = {
    1: ("#1b7837",),
    2: ("#1b7837", "#b2182b"),
    3: ("#1b7837", "#f1a340", "#b2182b"),
    4: ("#1b7837", "#7fbc41", "#f1a340", "#b2182b"),
    5: _STOPS,
}


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def _along(t: float) -> str:
    """The colour at t in [0, 1] on the path through the stops (linear in RGB between two stops)."""
    pos = t * (len(_STOPS) - 1)
    i = min(int(pos), len(_STOPS) - 2)
    f = pos - i
    a, b = _rgb(_STOPS[i]), _rgb(_STOPS[i + 1])
    return _hex([x + (y - x) * f for x, y in zip(a, b)])


def level_steps(n: int) -> list[str]:
    """n colours, best first: a fixed table up to five levels, evenly along the stops beyond."""
    if n <= 0:
        return []
    if n in _BY_COUNT:
        return list(_BY_COUNT[n])
    return [_along(i / (n - 1)) for i in range(n)]


def level_colors(levels: list[str]) -> dict[str, str]:
    """Colour of each level (best first) and of «Không xếp loại»."""
    return {**dict(zip(levels, level_steps(len(levels)))), NOT_RATED: NOT_RATED_COLOR}


def redness(hex_color: str) -> int:
    """Red minus green: grows along the palette from the best level to the worst (for tests and checks)."""
    r, g, _ = _rgb(hex_color)
    return r - g
