"""The PyTorch twin of the time-to-accuracy run (PyTorch is never a dependency).

Same network and initial weights (our seeded weights copied in), same
recipe (:class:`~engine.bench.time_to_accuracy.TtaRecipe`: batch, SGD with
momentum, weight decay on weights only, warm-up then cosine, no
augmentation), same input scaling, the same seeded order of the training
images, and the same stopwatch (:class:`~engine.bench.time_to_accuracy.AccuracyProbe`:
the full test set every ``eval_every`` steps after half an epoch, evaluation
time excluded). PyTorch runs on as many threads as our trainer has workers.
"""
from __future__ import annotations

import numpy as np

from ..data.dataset import Dataset, images_to_input
from ..nn import presets
from ..nn.layers import Conv2D, Dense
from ..training.parallel import default_workers
from .time_to_accuracy import AccuracyProbe, TtaRecipe, load_data
from .torch_layers import torch_net

EVAL_CHUNK = 2000     # test images per forward pass when evaluating


def torch_twin_of(model, torch):
    """``torch.nn.Sequential`` with ``model``'s layers and a copy of its weights.

    Our kernels are ``(in, out, kh, kw)`` and dense weights ``(in, out)``;
    PyTorch's are ``(out, in, kh, kw)`` and ``(out, in)``.
    """
    net = torch_net(model)
    with torch.no_grad():
        for ours, theirs in zip(model.layers, net):
            if isinstance(ours, Conv2D):
                theirs.weight.copy_(torch.from_numpy(
                    np.ascontiguousarray(ours.params["K"].transpose(1, 0, 2, 3))))
            elif isinstance(ours, Dense):
                theirs.weight.copy_(torch.from_numpy(np.ascontiguousarray(ours.params["W"].T)))
            else:
                continue
            theirs.bias.copy_(torch.from_numpy(ours.params["b"]))
    return net


def torch_time_to_accuracy(target: float, data_dir=None, preset: str = "bench", *,
                           recipe: TtaRecipe | None = None, data: Dataset | None = None,
                           threads: int | None = None) -> dict | None:
    """Train ``recipe`` in PyTorch until the test accuracy reaches ``target``;
    the same fields as :func:`engine.bench.time_to_accuracy.time_to_accuracy`
    plus ``version`` and ``threads``, or None if PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    recipe = recipe or TtaRecipe(preset=preset)
    data = data if data is not None else load_data(data_dir)
    torch.set_num_threads(threads or default_workers())
    torch.manual_seed(recipe.seed)
    net = torch_twin_of(presets.build(recipe.preset, np.random.default_rng(recipe.seed)), torch)
    params = list(net.parameters())
    opt = torch.optim.SGD([{"params": [p for p in params if p.ndim > 1],
                            "weight_decay": recipe.weight_decay},
                           {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}],
                          lr=recipe.lr, momentum=recipe.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()
    images, labels = data.train_images, np.asarray(data.train_labels).astype(np.int64)
    n = len(labels)
    steps_per_epoch, schedule = recipe.steps_per_epoch(n), recipe.schedule(n)
    test_x = torch.from_numpy(images_to_input(data.test_images))
    test_y = torch.from_numpy(np.asarray(data.test_labels).astype(np.int64))

    def accuracy() -> float:
        net.eval()
        with torch.no_grad():
            correct = sum(int((net(test_x[i:i + EVAL_CHUNK]).argmax(1)
                               == test_y[i:i + EVAL_CHUNK]).sum())
                          for i in range(0, len(test_y), EVAL_CHUNK))
        net.train()
        return correct / len(test_y)

    rng = np.random.default_rng(recipe.seed)      # the order our trainer draws
    probe = AccuracyProbe(target, recipe.eval_every, steps_per_epoch, accuracy)
    net.train()
    step = 0
    for _ in range(recipe.epochs):
        order = rng.permutation(n)
        for b in range(steps_per_epoch):
            idx = order[b * recipe.batch_size:(b + 1) * recipe.batch_size]
            x = torch.from_numpy(images_to_input(images[idx]))
            y = torch.from_numpy(labels[idx])
            for group in opt.param_groups:
                group["lr"] = schedule(step)
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()
            step += 1
            if probe.after_step(step):
                return _result(probe, recipe, torch)
    return _result(probe, recipe, torch)


def _result(probe: AccuracyProbe, recipe: TtaRecipe, torch) -> dict:
    return probe.result() | recipe.record() | {"version": torch.__version__,
                                               "threads": torch.get_num_threads()}
