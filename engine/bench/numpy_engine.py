"""Our engine's numbers: training throughput, single-image latency and the
input pipeline, in the configuration the app and the trainer use (BLAS held
to one thread per slice)."""
from __future__ import annotations

import numpy as np

from ..nn import presets
from ..system.runtime import blas_threads
from .side_by_side import training_pair
from .timing import median_time


def numpy_train_throughput(batch: int, repeats: int = 7, steps: int = 10, workers: int | None = None) -> float:
    """Images/s of full training steps on the benchmark net (random data; our
    side of :func:`engine.bench.side_by_side.training_pair`)."""
    return training_pair("bench", batch, repeats, steps, include_torch=False,
                         workers=workers)["numpy"]


def numpy_forward_ms(repeats: int = 7, inner: int = 200) -> float:
    """Milliseconds for one image through the benchmark net, all activations kept."""
    rng = np.random.default_rng(0)
    model = presets.build("bench", rng).eval()
    x = rng.random((1, 1, 28, 28), dtype=np.float32)
    with blas_threads(1):
        for _ in range(20):
            model.forward(x, keep_activations=True)
        return 1e3 * median_time(lambda: model.forward(x, keep_activations=True), repeats, inner)


def numpy_input_grad_ms(repeats: int = 7, inner: int = 200) -> float:
    """Milliseconds for one image's backward pass to the input through the
    benchmark net (the gradient of one logit w.r.t. the pixels, as the
    explanations run it: :class:`engine.explain.input_gradients.ForwardTrace`'s
    ``backward`` after one forward pass; the forward pass not included)."""
    from ..explain.input_gradients import ForwardTrace
    rng = np.random.default_rng(0)
    model = presets.build("bench", rng).eval()
    x = rng.random((1, 1, 28, 28), dtype=np.float32)
    dlogits = np.zeros((1, model.num_classes), np.float32)
    dlogits[0, 3] = 1.0
    last = len(model.layers) - 1
    with blas_threads(1):
        trace = ForwardTrace(model, x)
        for _ in range(20):
            trace.backward(last, dlogits)
        return 1e3 * median_time(lambda: trace.backward(last, dlogits), repeats, inner)


def input_pipeline_ms(repeats: int = 7) -> dict:
    """Milliseconds for ``to_model_input`` on a 560x560 drawing and for one
    augmented batch of 128 (both run on every prediction / training step)."""
    from ..data.augment import augment_batch
    from ..data.preprocess import to_model_input
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:560, :560]
    ring = np.abs(np.hypot(yy - 280, xx - 260) - 150) < 20               # a drawn "0"
    canvas = (ring * 255).astype(np.uint8)
    batch = rng.random((128, 1, 28, 28), dtype=np.float32) ** 8
    with blas_threads(1):  # as in the app and the trainer: small GEMMs lose with 2 threads
        return {"preprocess_560_ms": 1e3 * median_time(lambda: to_model_input(canvas), repeats, 50),
                "augment_batch128_ms": 1e3 * median_time(lambda: augment_batch(batch, rng), repeats, 10)}
