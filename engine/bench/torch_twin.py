"""The same measurements in PyTorch, when it is importable (never a dependency)."""
from __future__ import annotations

import numpy as np

from ..nn import presets
from ..training.parallel import default_workers
from .timing import BATCHES, median_time
from .torch_layers import torch_net


def torch_training_step(torch, model, x: np.ndarray, y: np.ndarray):
    """A callable running one PyTorch training step (forward, cross-entropy,
    backward, SGD 0.01 with momentum 0.9) of a twin of ``model`` (fresh
    weights) on ``x: (N, C, H, W)`` float32 and ``y: (N,)``."""
    torch.manual_seed(0)
    net = torch_net(model)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def step():
        opt.zero_grad()
        loss_fn(net(tx), ty).backward()
        opt.step()
    return step


def torch_numbers(repeats: int = 7, steps: int = 10, train: bool = True) -> dict | None:
    """The same measurements in PyTorch (CPU, all cores), or None if not installed.

    ``train=False`` skips the training rows (:mod:`engine.bench.side_by_side`
    times those interleaved with ours)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(default_workers())
    rng = np.random.default_rng(0)
    model = presets.build("bench", rng)
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "train_images_per_s": {}}
    for batch in BATCHES if train else ():
        step = torch_training_step(torch, model, rng.random((batch, 1, 28, 28), dtype=np.float32),
                                   rng.integers(0, 10, batch))
        for _ in range(5):
            step()
        out["train_images_per_s"][str(batch)] = batch / median_time(step, repeats, steps)
    x1 = torch.rand(1, 1, 28, 28)
    torch.manual_seed(0)
    layers = list(torch_net(model))

    def forward_keep():
        h, acts = x1, []
        for layer in layers:
            h = layer(h)
            acts.append(h)
        return acts
    with torch.no_grad():
        for _ in range(20):
            forward_keep()
        out["forward_ms_batch1"] = 1e3 * median_time(forward_keep, repeats, 200)
    return out
