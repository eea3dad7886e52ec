"""Is this even a digit? How unlike the training digits an input looks to
the network, from class-conditional distances in its own features.

:func:`fit_novelty` measures, on training digits, each *stage*'s features
(every ReLU's output and the logits; maps as their channel means, see
:mod:`engine.nn.novelty_stats`): per class the mean, and one covariance
shared by all classes (shrunk towards its average variance by
``shrinkage``). An input's distance at a stage is the Mahalanobis distance
to the nearest class mean; each stage's distance is divided by its 99th
percentile on held-out training digits, the largest ratio over the stages
is taken, and that is divided by its own 99th percentile. So:

* ``novelty(model, x) <= 1`` - as typical as 99 % of the training digits;
* ``> 1`` (:data:`UNFAMILIAR`) - less typical than 99 % of them: the GUI can
  say "this doesn't look like a digit I know" (about 1 % of real digits
  also do: the threshold is a choice, see the README for measured rates).

The statistics are attached to the model and saved in its file; they stop
applying once the weights change (:attr:`engine.nn.model.Model.novelty_stats`).
Scoring one input is a forward pass up to the logits plus a few small
matrix products (well under a millisecond for the bundled model).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..nn.layers import ReLU
from ..nn.model import Model
from ..nn.novelty_stats import (MAX_STAGE_FEATURES, MAX_WHITENER_VALUES, NoveltyStats,
                                stage_width, weights_fingerprint)
from .input_gradients import ForwardTrace, as_batch

UNFAMILIAR = 1.0
QUANTILE = 0.99


class NoveltyUnavailable(ValueError):
    """The model has no novelty statistics that fit its current weights."""


def default_stages(model: Model) -> list[int]:
    """Layer indices of the stages: every ReLU and the last layer (the logits),
    without stages wider than :data:`MAX_STAGE_FEATURES` (cost cap), and
    dropping the widest while the whiteners would exceed their cap."""
    shapes = [shape for _, shape in model.layer_shapes()]
    last = len(model.layers) - 1
    stages = [i for i, layer in enumerate(model.layers)
              if (isinstance(layer, ReLU) or i == last) and stage_width(shapes[i]) <= MAX_STAGE_FEATURES]
    while sum(stage_width(shapes[i]) ** 2 for i in stages) > MAX_WHITENER_VALUES:
        stages.remove(max(stages, key=lambda i: stage_width(shapes[i])))
    return stages


def stage_features(model: Model, x: np.ndarray, stages: list[int] | tuple[int, ...],
                   batch: int = 256) -> list[np.ndarray]:
    """Per stage ``(N, D_s)`` float64 features of ``x: (N, C, H, W)`` (or one
    ``(C, H, W)``): a map's channel means, a vector as is."""
    xb = as_batch(model, x)
    out: list[list[np.ndarray]] = [[] for _ in stages]
    for start in range(0, len(xb), batch):
        trace = ForwardTrace(model, xb[start:start + batch], upto=max(stages))
        for k, i in enumerate(stages):
            h = trace.outputs[i]
            out[k].append(h.mean(axis=(2, 3), dtype=np.float64) if h.ndim == 4
                          else h.astype(np.float64))
    return [np.concatenate(parts) for parts in out]


def _distances(features: np.ndarray, means: np.ndarray, whitener: np.ndarray) -> np.ndarray:
    """``(N,)`` Mahalanobis distance of each row of ``features (N, D)`` to the
    nearest row of ``means (K, D)``, with ``whitener (D, D)``."""
    z = features @ whitener
    mz = means @ whitener
    d2 = (z * z).sum(axis=1)[:, None] - 2.0 * z @ mz.T + (mz * mz).sum(axis=1)[None]
    return np.sqrt(np.maximum(d2.min(axis=1), 0.0))


def _stage_ratios(stats: NoveltyStats, features: list[np.ndarray]) -> np.ndarray:
    """``(N,)`` max over stages of distance / that stage's scale."""
    ratios = [_distances(f, m, w) / s for f, m, w, s in
              zip(features, stats.means, stats.whiteners, stats.scales)]
    return np.max(ratios, axis=0)


def _as_inputs(model: Model, images: np.ndarray) -> np.ndarray:
    """MNIST-style ``(N, H, W)`` uint8 (0..255) or ``(N, C, H, W)`` float in [0, 1]
    -> ``(N, C, H, W)`` in the model's dtype."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / np.float32(255)
    if images.ndim == 3:
        images = images[:, None]
    return as_batch(model, images)


def fit_novelty(model: Model, images: np.ndarray, labels: np.ndarray, *,
                calibration: float = 0.1, shrinkage: float = 0.01, seed: int = 0,
                stages: list[int] | None = None,
                progress: Callable[[int, int], object] | None = None) -> NoveltyStats:
    """Fit novelty statistics on training digits and attach them to ``model``
    (saved with it from then on).

    :param images: ``(N, 28, 28)`` uint8 as MNIST stores them, or
        ``(N, 1, 28, 28)`` float in [0, 1]
    :param labels: ``(N,)`` int classes; every class needs at least 2 images
    :param calibration: fraction of the images (chosen with ``seed``) held out
        to set the scales (99th percentiles)
    :param shrinkage: covariance + ``shrinkage`` x (mean variance) x identity
    :param stages: stage layer indices (default :func:`default_stages`)
    :param progress: called as ``progress(done, total)`` images
    :return: the :class:`NoveltyStats` (also ``model.novelty_stats``)
    """
    x = _as_inputs(model, images)
    labels = np.asarray(labels).astype(np.int64)
    k = model.num_classes
    if len(labels) != len(x) or np.any((labels < 0) | (labels >= k)):
        raise ValueError("labels must be one class in [0, classes) per image")
    stages = default_stages(model) if stages is None else sorted(stages)
    order = np.random.default_rng(seed).permutation(len(x))
    n_cal = max(1, int(round(calibration * len(x))))
    fit_idx, cal_idx = np.sort(order[n_cal:]), np.sort(order[:n_cal])
    if np.any(np.bincount(labels[fit_idx], minlength=k) < 2):
        raise ValueError("every class needs at least 2 images to fit on")
    feats: list[list[np.ndarray]] = [[] for _ in stages]
    chunk = 2000
    for start in range(0, len(x), chunk):
        for s, f in enumerate(stage_features(model, x[start:start + chunk], stages)):
            feats[s].append(f)
        if progress is not None:
            progress(min(len(x), start + chunk), len(x))
    feats_all = [np.concatenate(f) for f in feats]
    means, whiteners = [], []
    for f in feats_all:
        fit, y = f[fit_idx], labels[fit_idx]
        mu = np.stack([fit[y == c].mean(axis=0) for c in range(k)])
        centred = fit - mu[y]
        cov = centred.T @ centred / len(fit)
        cov += shrinkage * max(float(np.trace(cov)) / len(cov), 1e-12) * np.eye(len(cov))
        vals, vecs = np.linalg.eigh(cov)
        means.append(mu)
        whiteners.append(vecs / np.sqrt(np.maximum(vals, 1e-12 * vals.max())))
    per_stage = [np.quantile(_distances(f[cal_idx], m, w), QUANTILE)
                 for f, m, w in zip(feats_all, means, whiteners)]
    partial = NoveltyStats(tuple(stages), tuple(means), tuple(whiteners),
                           np.array(per_stage + [1.0]), weights_fingerprint(model.named_params()))
    final = np.quantile(_stage_ratios(partial, [f[cal_idx] for f in feats_all]), QUANTILE)
    stats = NoveltyStats(partial.layers, partial.means, partial.whiteners,
                         np.array(per_stage + [final], np.float64), partial.fingerprint)
    model.set_novelty_stats(stats)
    return stats


def has_novelty(model: Model) -> bool:
    """True if :func:`novelty` can score inputs for ``model`` (statistics that
    fit its current weights)."""
    return model.novelty_stats is not None


def novelty_scores(model: Model, x: np.ndarray) -> np.ndarray:
    """``(N,)`` float64 novelty of inputs ``x: (N, C, H, W)`` (or MNIST-style
    ``(N, H, W)`` uint8); see the module docstring. Raises
    :class:`NoveltyUnavailable` without fitting statistics."""
    stats = model.novelty_stats
    if stats is None:
        raise NoveltyUnavailable("this model has no novelty statistics for its current weights "
                                 "(python -m engine novelty adds them to a model file)")
    features = stage_features(model, _as_inputs(model, x), stats.layers)
    return _stage_ratios(stats, features) / stats.scales[-1]


def novelty(model: Model, x: np.ndarray) -> float:
    """How unlike the training digits one input ``x: (C, H, W)`` (e.g.
    ``(1, 28, 28)`` from ``to_model_input``) is: 1.0 = as unusual as the most
    unusual 1 % of training digits, above :data:`UNFAMILIAR` (1.0) unfamiliar."""
    return float(novelty_scores(model, as_batch(model, x)[:1])[0])
