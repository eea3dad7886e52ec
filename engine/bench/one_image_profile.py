"""Where one image's time goes, per layer and pass:
``python -m engine.bench.profile --one-image``.

The drawing's live prediction and every explanation run one image at a time
(``N == 1``). For one network (``--preset``) each layer is timed on its own,
on one thread, the way those paths run it:

* **forward**: ``layer.forward`` in evaluation mode, every layer's output kept
  (:meth:`engine.nn.model.Model.forward` with ``keep_activations=True``, what
  ``engine.bench``'s "forward ms, batch 1" row times as a whole);
* **backward to the input**: ``layer.pure_backward`` after ``pure_forward``
  (:class:`engine.explain.input_gradients.ForwardTrace`, what the
  explanations differentiate; no weight gradients).

When PyTorch is importable (never a dependency) the same layers run with its
own kernels on the same shapes (:func:`engine.bench.torch_layers.torch_twins`
with ``input_grad_only``), one thread. Every callable is timed interleaved
(:func:`engine.bench.timing.one_thread_ms`) and reported in microseconds:
at this size a layer costs a few NumPy calls, so the rows show how much of
a layer is its arithmetic and how much the calls around it.
"""
from __future__ import annotations

import numpy as np

from ..nn import presets
from .timing import one_thread_ms
from .torch_layers import torch_twins

#: The row every layer sums into (the whole pass as the model runs it is timed too).
TOTAL = "sum of the layers"


def numpy_one_image(model, image: np.ndarray | None = None) -> list[tuple[str, object, object]]:
    """``[(layer name, forward(), backward to the input()), ...]`` of ``model``
    (put in evaluation mode) on ``image`` ``(1, C, H, W)`` float32 (default: a
    random one). Each layer runs on the previous layer's output, and each
    backward on a random gradient shaped like its layer's output."""
    model.eval()
    rng = np.random.default_rng(0)
    h = rng.random((1,) + tuple(model.input_shape), dtype=np.float32) if image is None else image
    out = []
    for layer in model.layers:
        y, memo = layer.pure_forward(h)
        g = rng.standard_normal(y.shape).astype(y.dtype)

        def forward(layer=layer, h=h):
            return layer.forward(h)

        def backward(layer=layer, g=g, memo=memo):
            return layer.pure_backward(g, memo)
        out.append((layer.name, forward, backward))
        h = y
    return out


def one_image_rows(preset: str, rounds: int = 15, inner: int = 200
                   ) -> list[tuple[str, float, float, float, float]]:
    """``[(layer, numpy fwd, numpy bwd, torch fwd, torch bwd), ...]`` in µs,
    then the :data:`TOTAL` row (torch columns NaN without PyTorch)."""
    model = presets.build(preset, np.random.default_rng(0))
    steps = numpy_one_image(model)
    twins = torch_twins(model, 1, input_grad_only=True)
    fns = []
    for name, fwd, bwd in steps:
        fns += [fwd, bwd]
        if twins is not None:
            fns += list(twins[name])
    ms = one_thread_ms(fns, rounds, inner, torch_too=twins is not None)
    per = 2 if twins is None else 4
    rows = []
    for k, (name, _, _) in enumerate(steps):
        v = [1e3 * t for t in ms[k * per:(k + 1) * per]] + [float("nan")] * (4 - per)
        rows.append((name, *v))
    rows.append((TOTAL, *(sum(r[i] for r in rows) for i in range(1, 5))))
    return rows


def format_one_image(preset: str, rounds: int = 15) -> str:
    """The per-layer table of one image as Markdown."""
    lines = [f"### {preset} net, one image (one thread)", "",
             "| layer | numpy fwd µs | numpy bwd to input µs | torch fwd µs | torch bwd to input µs |",
             "|---|---|---|---|---|"]
    for name, f, b, tf, tb in one_image_rows(preset, rounds):
        label = f"**{name}**" if name == TOTAL else name
        lines.append(f"| {label} | {f:.1f} | {b:.1f} | {tf:.1f} | {tb:.1f} |")
    lines += ["", "(forward: evaluation mode, every output kept; backward: the input "
              "gradient only, as the explanations run it)"]
    return "\n".join(lines)
