"""Novelty statistics: what a model's features look like on its training
digits, stored in its model file so that :func:`engine.explain.novelty`
can tell how unlike them an input is.

One *stage* per chosen layer (by default every ReLU and the logits): the
layer's output as a feature vector of ``D`` values (a ``(C, H, W)`` map
gives its ``C`` channel means, a vector itself), with class-conditional
Gaussian statistics and one shared covariance (Lee et al. 2018)::

    distance_s(x) = min_k || (f_s(x) - mean_s[k]) @ whitener_s ||     (Mahalanobis)
    novelty(x)    = max_s (distance_s(x) / scales[s]) / scales[S]

``scales[s]`` is a quantile of stage ``s``'s distances on held-out training
digits and ``scales[S]`` that of the max, so novelty 1.0 is as unusual as
the most unusual 1 % of training digits.

In a model file the statistics are five extra arrays (names without a dot,
so they can never clash with a parameter ``layer.key``)::

    novelty_layers       (S,) int64        stage layer indices, increasing
    novelty_means        (K, sum D) float64  class means, stages side by side
    novelty_whiteners    (sum D**2,) float64  each stage's (D, D) whitener, flattened
    novelty_scales       (S + 1,) float64   > 0
    novelty_fingerprint  (P, 2) float64     per parameter array: sum, sum of squares

The fingerprint ties the statistics to the weights they were fitted on:
once the weights change (training) they no longer apply and are ignored.
Sizes are capped (:data:`MAX_STAGE_FEATURES`, :data:`MAX_WHITENER_VALUES`)
so a hostile file cannot make loading or scoring expensive.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .limits import MAX_LAYERS

NOVELTY_KEYS = ("novelty_layers", "novelty_means", "novelty_whiteners", "novelty_scales",
                "novelty_fingerprint")
MAX_STAGE_FEATURES = 1024           # values of one stage's feature vector
MAX_WHITENER_VALUES = 1 << 21       # all stages' whitener entries together (16 MB float64)
FINGERPRINT_RTOL = 1e-6             # tolerances of a fingerprint match (sums are float64:
FINGERPRINT_ATOL = 1e-9             # another machine's summation order differs by ~1e-12)


def stage_width(output_shape: tuple[int, ...]) -> int:
    """Feature values a layer output of one sample's ``output_shape`` gives:
    its channels for maps ``(C, H, W)``, its length for a vector ``(F,)``."""
    return int(output_shape[0])


def weights_fingerprint(params: Mapping[str, np.ndarray]) -> np.ndarray:
    """``(P, 2)`` float64: ``(sum, sum of squares)`` of each parameter array,
    in the model's parameter order (about 0.2 ms for 258 k parameters)."""
    rows = [(float(np.sum(v, dtype=np.float64)), float(np.vdot(v, v))) for v in params.values()]
    return np.array(rows, dtype=np.float64).reshape(len(rows), 2)


def expected_shapes(layers: np.ndarray, output_shapes: list[tuple[int, ...]], num_classes: int,
                    num_params: int) -> dict[str, tuple[int, ...]]:
    """Array shapes that stage layers ``layers`` imply for a model whose layers
    output ``output_shapes`` (one sample each); ``ValueError`` if the layers
    are not increasing valid indices or a size is over its cap."""
    idx = [int(v) for v in np.asarray(layers).reshape(-1)]
    if not 1 <= len(idx) <= min(MAX_LAYERS, len(output_shapes)):
        raise ValueError(f"novelty statistics for {len(idx)} layers")
    if any(b <= a for a, b in zip(idx, idx[1:])) or idx[0] < 0 or idx[-1] >= len(output_shapes):
        raise ValueError(f"novelty layers {idx} are not increasing layer indices")
    widths = [stage_width(output_shapes[i]) for i in idx]
    if max(widths) > MAX_STAGE_FEATURES:
        raise ValueError(f"novelty stage of {max(widths)} features (limit {MAX_STAGE_FEATURES})")
    squares = sum(w * w for w in widths)
    if squares > MAX_WHITENER_VALUES:
        raise ValueError(f"novelty whiteners of {squares} values (limit {MAX_WHITENER_VALUES})")
    return {"novelty_layers": (len(idx),), "novelty_means": (num_classes, sum(widths)),
            "novelty_whiteners": (squares,), "novelty_scales": (len(idx) + 1,),
            "novelty_fingerprint": (num_params, 2)}


@dataclass(frozen=True, eq=False)
class NoveltyStats:
    """Fitted novelty statistics (see the module docstring).

    :ivar layers: stage layer indices, increasing
    :ivar means: per stage ``(K, D_s)`` float64 class means
    :ivar whiteners: per stage ``(D_s, D_s)`` float64, ``W`` with
        ``W @ W.T = inverse(shared covariance)``
    :ivar scales: ``(S + 1,)`` float64 > 0, see the module docstring
    :ivar fingerprint: ``(P, 2)`` float64, :func:`weights_fingerprint` of the
        weights they were fitted on
    """
    layers: tuple[int, ...]
    means: tuple[np.ndarray, ...]
    whiteners: tuple[np.ndarray, ...]
    scales: np.ndarray
    fingerprint: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The five model-file arrays (:data:`NOVELTY_KEYS`)."""
        return {"novelty_layers": np.array(self.layers, dtype=np.int64),
                "novelty_means": np.concatenate(self.means, axis=1).astype(np.float64),
                "novelty_whiteners": np.concatenate([w.ravel() for w in self.whiteners]
                                                    ).astype(np.float64),
                "novelty_scales": np.asarray(self.scales, np.float64),
                "novelty_fingerprint": np.asarray(self.fingerprint, np.float64)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], output_shapes: list[tuple[int, ...]],
                    num_classes: int, num_params: int) -> "NoveltyStats":
        """Check the five arrays against a model (its layers' one-sample output
        shapes, classes and parameter-array count) and split them per stage;
        ``ValueError`` naming the problem."""
        missing = [k for k in NOVELTY_KEYS if k not in arrays]
        if missing:
            raise ValueError(f"novelty statistics lack {missing}")
        layers = np.asarray(arrays["novelty_layers"])
        if layers.dtype.kind not in "iu":
            raise ValueError("novelty_layers is not an integer array")
        want = expected_shapes(layers, output_shapes, num_classes, num_params)
        for key in NOVELTY_KEYS:
            a = np.asarray(arrays[key])
            if a.shape != want[key]:
                raise ValueError(f"{key} has shape {a.shape}, expected {want[key]}")
            if key != "novelty_layers" and (a.dtype.kind != "f" or not np.all(np.isfinite(a))):
                raise ValueError(f"{key} is not an array of finite numbers")
        scales = np.asarray(arrays["novelty_scales"], np.float64)
        if np.any(scales <= 0):
            raise ValueError("novelty_scales must be positive")
        idx = tuple(int(v) for v in layers)
        widths = [stage_width(output_shapes[i]) for i in idx]
        cuts = np.cumsum([0] + widths)
        wcuts = np.cumsum([0] + [w * w for w in widths])
        means = np.asarray(arrays["novelty_means"], np.float64)
        flat = np.asarray(arrays["novelty_whiteners"], np.float64)
        return cls(idx, tuple(means[:, a:b].copy() for a, b in zip(cuts, cuts[1:])),
                   tuple(flat[a:b].reshape(w, w).copy() for a, b, w in zip(wcuts, wcuts[1:], widths)),
                   scales.copy(), np.asarray(arrays["novelty_fingerprint"], np.float64).copy())

    def matches(self, params: Mapping[str, np.ndarray]) -> bool:
        """True if ``params`` (``{name: array}`` in model order) are the weights
        these statistics were fitted on (fingerprint within :data:`FINGERPRINT_RTOL`)."""
        now = weights_fingerprint(params)
        return now.shape == self.fingerprint.shape and \
            bool(np.allclose(now, self.fingerprint, rtol=FINGERPRINT_RTOL, atol=FINGERPRINT_ATOL))
