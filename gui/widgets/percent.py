"""Percentages as the views write them: rounded, except that a value below
1 never reads "100" and a value above 0 never reads "0" (a 99.6 % digit is
not perfect; a 0.2 % runner-up is not impossible)."""
from __future__ import annotations

import math


def percent(fraction: float, decimals: int = 0, sign: bool = True) -> str:
    """``0.996`` -> ``"99.6%"`` (``decimals=1``) or ``"99%"`` (``decimals=0``);
    ``0.002`` -> ``"<1%"``; ``sign=False`` leaves out the ``%``. NaN -> ``"–"``."""
    if not math.isfinite(fraction):
        return "–"
    step = 10.0 ** -decimals
    shown = round(fraction * 100, decimals)
    if shown >= 100 and fraction < 1:
        shown = 100 - step
    suffix = "%" if sign else ""
    if shown <= 0 < fraction:
        return f"<{step:.{decimals}f}{suffix}"
    return f"{shown:.{decimals}f}{suffix}"
