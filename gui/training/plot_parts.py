"""Building blocks of the training curves: an append-only array, a y range
that moves in coarse steps, a log axis labelled 1-2-5, an axis labelled in
percent, cheap curve items and colour blending."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg


class GrowingArray:
    """A 1-D float array with amortised O(1) appends (capacity doubles).

    ``view()`` returns the filled part without copying."""

    def __init__(self, capacity: int = 1024, dtype=np.float64):
        self._data = np.empty(capacity, dtype)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=self._data.dtype).ravel()
        need = self._n + len(values)
        if need > len(self._data):
            cap = len(self._data)
            while cap < need:
                cap *= 2
            grown = np.empty(cap, self._data.dtype)
            grown[:self._n] = self._data[:self._n]
            self._data = grown
        self._data[self._n:need] = values
        self._n = need

    def view(self) -> np.ndarray:
        return self._data[:self._n]

    def clear(self) -> None:
        self._n = 0

    @property
    def capacity(self) -> int:
        return len(self._data)


class LogAxis(pg.AxisItem):
    """A log-mode axis that labels only the 1, 2 and 5 ticks of each decade
    (pyqtgraph labels 1..9, which piles up on short plots)."""

    def logTickStrings(self, values, scale, spacing):
        """Plain numbers ("0.1", "2", "10", "20"), never powers like "10¹"."""
        out = []
        for v in values:
            mantissa = 10 ** (float(v) % 1.0)
            keep = min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-3
            out.append(f"{10 ** float(v):.3g}" if keep else "")
        return out


class PercentAxis(pg.AxisItem):
    """An axis for fractions (0..1) labelled in percent: 0.9 -> "90 %"
    (decimals only when the ticks are closer than 1 %)."""

    def tickStrings(self, values, scale, spacing):
        step = abs(spacing * scale) * 100
        decimals = 0 if step >= 1 or step <= 0 else min(3, math.ceil(-math.log10(step)))
        # (+ 0.0 turns -0.0 into 0.0: never "-0 %")
        return [f"{float(v) * scale * 100 + 0.0:.{decimals}f} %" for v in values]


def make_curve(plot: pg.PlotItem, color, width: float = 1.0,
               downsample: bool = False) -> pg.PlotDataItem:
    """A curve drawn the cheap way: opaque pen, no antialiasing (a translucent or
    antialiased 2-px line costs 3-4x more to paint in Qt's raster engine)."""
    item = plot.plot(pen=pg.mkPen(color, width=width), antialias=False)
    if downsample:  # raw per-step curves: keep 100k points cheap
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        # pyqtgraph's auto mode keeps ~5 bins per pixel (10 vertices with "peak");
        # one bin per pixel (its min and max) looks the same and paints ~4x faster
        item.opts["autoDownsampleFactor"] = 1.0
    return item


def thin_slice(n: int, max_points: int) -> slice:
    """A slice keeping at most ~``max_points`` of ``n`` evenly spaced points
    (for smooth curves: their wide pens are the costly part of a redraw)."""
    return slice(None, None, max(1, math.ceil(n / max_points)))


def blend(color, background, amount: float) -> tuple:
    """``color`` mixed into ``background`` (an opaque stand-in for transparency)."""
    bg = pg.mkColor(background)
    bg = (bg.red(), bg.green(), bg.blue())
    return tuple(int(round(amount * c + (1 - amount) * b)) for c, b in zip(color, bg))


class SteppedRange:
    """A y range that only changes in coarse steps (so the axes, the costliest
    part of a plot to paint, are redrawn rarely)."""

    def __init__(self, step: float, floor: float | None = None, ceil: float | None = None):
        self.step, self.floor, self.ceil = step, floor, ceil
        self.reset()

    def reset(self) -> None:
        self.lo, self.hi = math.inf, -math.inf
        self.shown: tuple[float, float] | None = None

    def mark_shown(self, target: tuple[float, float]) -> None:
        """``target`` is the range the plot shows now."""
        self.shown = target

    def include(self, values) -> None:
        values = np.asarray(values, float)
        values = values[np.isfinite(values)]
        if len(values):
            self.lo = min(self.lo, float(values.min()))
            self.hi = max(self.hi, float(values.max()))

    def target(self) -> tuple[float, float] | None:
        if not math.isfinite(self.lo):
            return None
        lo = math.floor(self.lo / self.step) * self.step
        hi = math.ceil(self.hi / self.step) * self.step
        if self.floor is not None:
            lo = max(lo, self.floor)
        if self.ceil is not None:
            hi = min(hi, self.ceil)
        if hi - lo < self.step:
            hi = lo + self.step
        return lo, hi
