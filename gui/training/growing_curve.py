"""A curve whose points are only ever appended, drawn as two pyqtgraph items
so that a redraw repaints a narrow strip of the plot instead of all of it.

Qt repaints the bounding rectangle of every item that changed, and every
item under that rectangle. One item holding a whole training curve spans the
whole plot, so each redraw repainted all of it (axes, epoch markers, the
other curves). Here the points so far are split in two:

* the *frozen* part, re-set only when the live part has grown past
  :data:`FOLD_SHARE` of the plot's x extent (a few times per run);
* the *live* part (``tail``): the last frozen point and everything after it,
  re-set on every redraw. Its rectangle is the strip where the curve grows.
  For a curve of a bounded number of points (thinned) it is a bare
  ``PlotCurveItem``: re-setting a ``PlotDataItem`` (its data checks,
  downsampling and signals) costs ~3x more for the same few points. A raw
  per-step curve keeps a downsampling ``PlotDataItem`` as its live part too:
  in a long run its live part holds thousands of points.

Measured on the training plots alone, a redraw's paint takes 0.66-0.75 ms
instead of 1.1-1.4 (loss), 0.44-0.49 instead of 0.58-0.74 (accuracy) and
0.34-0.40 instead of 0.41-0.51 (learning rate).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pyqtgraph as pg

#: The live part is folded into the frozen one once it spans this share of
#: the x extent (so ~16 full repaints per run, whatever its length).
FOLD_SHARE = 1 / 16


def thinned(x: np.ndarray, values: np.ndarray, max_points: int
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Every ``stride``-th point of a growing curve and its newest point:
    ``(x kept, values kept, how many of them are final)``.

    The stride is a power of two keeping ``max_points / 2`` to ``max_points``
    points; it only changes when the curve's length doubles, so in between
    the points kept so far stay the same (and a :class:`GrowingCurve` only
    redraws the end). The newest point, kept unless it falls on the stride,
    is not final: the next call may replace it.
    """
    n = len(x)
    stride = 1 if n <= max_points else 1 << math.ceil(math.log2(n / max_points))
    xs, vs = x[::stride], values[::stride]
    final = len(xs)
    if n and (n - 1) % stride:
        xs, vs = np.append(xs, x[-1]), np.append(vs, values[-1])
    return xs, vs, final


class GrowingCurve:
    """Two items of ``plot`` showing one curve, the live part added first
    (so it is the first of the plot's data items): the frozen part is made
    by ``make_item()`` (a ``PlotDataItem`` already added to ``plot``, e.g.
    with downsampling); the live part is a bare ``PlotCurveItem`` in the
    frozen part's pen, or with ``bare_tail=False`` made by ``make_item()``
    too.

    Feed it with :meth:`set_data` (the whole curve so far, each call the same
    points as the last plus new ones); :meth:`clear` for a new curve.
    ``getData()`` and ``setPen()`` act on the curve as a whole, like a
    ``PlotDataItem``'s.
    """

    def __init__(self, plot: pg.PlotItem, make_item: Callable[[], pg.PlotDataItem],
                 bare_tail: bool = True):
        if bare_tail:
            self.tail = pg.PlotCurveItem(antialias=False)
            plot.addItem(self.tail)
            self.frozen = make_item()
            self.tail.setPen(self.frozen.opts["pen"])
        else:
            self.tail, self.frozen = make_item(), make_item()
        self._frozen_n = 0          # points in the frozen part
        self._frozen_last_x = np.nan
        #: how often the frozen part was re-set (for tests and benchmarks)
        self.folds = 0

    def clear(self) -> None:
        """Show nothing (a new run)."""
        self._frozen_n = 0
        self._frozen_last_x = np.nan
        self.frozen.setData([], [])
        self.tail.setData([], [])

    def set_data(self, x: np.ndarray, y: np.ndarray, x_extent: float,
                 stable: int | None = None) -> None:
        """Show the points ``(x, y)`` (1-D, equal lengths, ``x`` increasing).

        :param x_extent: the plot's x extent in x units (e.g. the run's
            epochs); the live part folds into the frozen one once it spans
            :data:`FOLD_SHARE` of it
        :param stable: only the first ``stable`` points (default: all) are
            final; later ones may differ on the next call (e.g. a thinned
            curve's newest point), so they are never frozen
        """
        n = len(x)
        stable = n if stable is None else min(stable, n)
        k = self._frozen_n
        if n < k or (k and x[k - 1] != self._frozen_last_x):   # not the same curve any more
            self.clear()
            k = 0
        start = max(k - 1, 0)
        if stable - k >= 2 and x[stable - 1] - x[start] > FOLD_SHARE * max(x_extent, 1e-12):
            k = self._frozen_n = stable
            self._frozen_last_x = float(x[k - 1])
            self.frozen.setData(np.array(x[:k]), np.array(y[:k]))   # (copies: the views may be reused)
            self.folds += 1
            start = k - 1
        self.tail.setData(np.array(x[start:]), np.array(y[start:]))   # (copies, as above)

    def getData(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The points shown (the frozen part's after downsampling and
        clipping), both parts joined (their shared point once)."""
        fx, fy = self.frozen.getData()
        tx, ty = self.tail.getData()
        if fx is None or len(fx) == 0:
            return tx, ty
        if tx is None or len(tx) == 0:
            return fx, fy
        skip = 1 if tx[0] == fx[-1] else 0
        return np.concatenate([fx, tx[skip:]]), np.concatenate([fy, ty[skip:]])

    def setPen(self, *args, **kwargs) -> None:
        for item in (self.frozen, self.tail):
            item.setPen(*args, **kwargs)
