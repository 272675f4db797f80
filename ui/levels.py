"""One ordered palette for the levels everywhere: best green to worst red, the worst strongest."""

from __future__ import annotations

NOT_RATED = "Không xếp loại"
# from the best level to the worst (4 levels use all of them; fewer take the ends and the middle)
_STEPS = ["#1b7837", "#7fbc41", "#f1a340", "#d6604d", "#b2182b"]
NOT_RATED_COLOR = "#9e9e9e"


def level_colors(levels: list[str]) -> dict[str, str]:
    """Colour of each level (best first) and of «Không xếp loại»."""
    n = len(levels)
    if n == 1:
        picks = [_STEPS[0]]
    else:
        picks = [_STEPS[round(i * (len(_STEPS) - 1) / (n - 1))] if n <= len(_STEPS) else _STEPS[-1]
                 for i in range(n)]
        if n == 4:  # the usual Tốt, Khá, Trung bình, Yếu: Yếu the deepest red
            picks = [_STEPS[0], _STEPS[1], _STEPS[2], _STEPS[4]]
    return {**dict(zip(levels, picks)), NOT_RATED: NOT_RATED_COLOR}
