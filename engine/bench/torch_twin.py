"""The same measurements in PyTorch, when it is importable (never a dependency)."""
from __future__ import annotations

from ..training.parallel import default_workers
from .timing import BATCHES, median_time


def torch_numbers(repeats: int = 7, steps: int = 10, train: bool = True) -> dict | None:
    """The same measurements in PyTorch (CPU, all cores), or None if not installed.

    ``train=False`` skips the training rows (:mod:`engine.bench.side_by_side`
    times those interleaved with ours)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(default_workers())
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "train_images_per_s": {}}
    for batch in BATCHES if train else ():
        x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))

        def step():
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
        for _ in range(5):
            step()
        out["train_images_per_s"][str(batch)] = batch / median_time(step, repeats, steps)
    x1 = torch.rand(1, 1, 28, 28)
    layers = list(net)

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
