"""Exact numbers for scoring: profile numbers and reported values are decimals with at most six
places (DECIMAL(18, 6) in the SQL chain), taken from the number as written, not its binary double."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

PLACES = 6
SIX = Decimal(1).scaleb(-PLACES)
LIMIT = Decimal(10) ** (18 - PLACES)  # DECIMAL(18, 6): 12 digits before the point


def dec(x: float | int | Decimal | None) -> Decimal | None:
    """`x` as the decimal it was written as (0.1, not 0.1000000000000000055…), at six places,
    half up; None for none or infinity (an open band, no cap)."""
    if x is None:
        return None
    if not isinstance(x, Decimal):
        if math.isinf(x):
            return None
        x = Decimal(repr(float(x)))
    return x.quantize(SIX, ROUND_HALF_UP)


def six(x: float | None) -> float | None:
    """A reported value kept as scoring keeps it (six places, half up), back as a float for storage."""
    d = dec(x)
    return None if d is None else float(d)
