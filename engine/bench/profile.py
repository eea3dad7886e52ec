"""Where a training step's time goes, per layer and pass: ``python -m engine.bench.profile``.

For one network (``--preset``, default the benchmark net) and batch size,
each layer's forward pass and backward pass (input and weight gradients
together, as the layer computes them) is timed on its own, on one thread,
at the *slice* size a training worker sees (``batch / workers``): that is
the work each core does in :class:`engine.training.parallel.DataParallel`.
Layers run as training runs them: a ReLU fused into the max pool after it
(:meth:`engine.nn.model.Model.forward`) is one row, ``relu1+pool1``.

When PyTorch is importable (never a dependency) the same layers are timed
with PyTorch's own kernels on the same shapes, one thread at the slice size
(:mod:`engine.bench.torch_layers`), so each row compares the same work per
core. All rows are timed *interleaved* (round after round, every callable
once per round) and reported as medians in milliseconds, so that load from
other processes on a shared machine hits both columns alike.

Then the whole step is split into its parts: forward + backward of the
slices on their threads, one slice alone, the optimiser update, and what
the threads cost beyond one slice (near 0 on an idle machine, large when
another process holds a core), beside PyTorch's whole step on as many threads.

With ``--one-image``, one image instead: each layer's forward pass (evaluation
mode, every output kept) and its backward pass to the input, as the live
prediction and the explanations run them (:mod:`engine.bench.one_image_profile`).
"""
from __future__ import annotations

import argparse

import numpy as np

from ..nn import presets
from ..nn.fused_run import fuses_with_next
from ..system.runtime import blas_threads, keep_freed_memory
from ..training.optim import SGD
from ..training.parallel import DataParallel, default_workers
from .one_image_profile import format_one_image
from .timing import interleaved_ms, one_thread_ms
from .torch_layers import torch_net, torch_twins


def numpy_steps(model, n: int) -> list[tuple[str, object, object]]:
    """``[(row name, forward(), backward()), ...]`` of ``model`` (training mode)
    on ``n`` random images, with the inputs and output gradients each step
    sees in training (their memory layouts included: the gradients are those
    the layers above pass down)."""
    rng = np.random.default_rng(0)
    model.train()
    steps, i, layers = [], 0, model.layers
    while i < len(layers):                          # the model's own fusion rule
        if fuses_with_next(layers, i):
            nxt = layers[i + 1]
            steps.append((f"{layers[i].name}+{nxt.name}", nxt.forward_relu, nxt.backward))
            i += 2
        else:
            steps.append((layers[i].name, layers[i].forward, layers[i].backward))
            i += 1
    h, inputs = rng.random((n,) + model.input_shape, dtype=np.float32), []
    for _, fwd, _ in steps:
        inputs.append(h)
        h = fwd(h)
    grads, g = [], rng.standard_normal(h.shape).astype(h.dtype)
    for _, _, bwd in reversed(steps):               # the gradients training passes down,
        grads.append(g)                             # in the memory layouts it produces
        g = bwd(g)
    out = []
    for (name, fwd, bwd), h, g in zip(steps, inputs, reversed(grads)):
        def forward(fwd=fwd, h=h):
            return fwd(h)

        def backward(fwd=fwd, bwd=bwd, h=h, g=g):
            fwd(h)                                  # its caches: the backward pass reads them
            return bwd(g)
        out.append((name, forward, backward))
    return out


def layer_rows(preset: str, n: int, rounds: int = 15) -> list[tuple[str, float, float, float, float]]:
    """``[(row, numpy fwd, numpy fwd+bwd, torch fwd, torch bwd), ...]`` ms for a
    slice of ``n`` (torch columns NaN without PyTorch)."""
    model = presets.build(preset, np.random.default_rng(0))
    steps = numpy_steps(model, n)
    twins = torch_twins(model, n)
    fns, slots = [], []
    for name, fwd, bwd in steps:
        fns += [fwd, bwd]
        if twins is not None:
            parts = [twins[p] for p in name.split("+")]
            fns += [lambda parts=parts: [f() for f, _ in parts],
                    lambda parts=parts: [b() for _, b in parts]]
        slots.append(name)
    ms = one_thread_ms(fns, rounds, 10, torch_too=twins is not None)
    rows, per = [], 4 if twins is not None else 2
    for k, name in enumerate(slots):
        v = ms[k * per:(k + 1) * per] + [float("nan")] * (4 - per)
        rows.append((name, v[0], max(0.0, v[1] - v[0]), v[2], v[3]))   # bwd = (fwd+bwd) - fwd
    return rows


def step_parts(preset: str, batch: int, rounds: int = 15) -> dict[str, float]:
    """Milliseconds of one training step and of its parts (see the module doc)."""
    rng = np.random.default_rng(0)
    model = presets.build(preset, rng)
    x = rng.random((batch,) + model.input_shape, dtype=np.float32)
    y = rng.integers(0, model.num_classes, batch)
    opt = SGD(lr=0.01, momentum=0.9, weight_decay=5e-4)
    params, grads = model.named_params(), model.named_grads()
    names = ["step", "loss_and_grads (threads)", "one slice, one thread", "optimiser update"]
    keep_freed_memory()
    with blas_threads(1), DataParallel(model) as parallel:
        k = parallel.workers
        part = x[: batch // k], y[: batch // k]
        replica = parallel.replicas[-1]

        def step():
            parallel.loss_and_grads(x, y)
            opt.step(params, grads)
        fns = [step, lambda: parallel.loss_and_grads(x, y),
               lambda: replica.loss_and_grads(*part), lambda: opt.step(params, grads)]
        tstep = _torch_step(model, batch, k)
        if tstep is not None:
            names.append(f"torch step, {k} threads")
            fns.append(tstep)
        out = dict(zip(names, interleaved_ms(fns, rounds, 5)))
    out["threads + averaging beyond one slice"] = \
        out["loss_and_grads (threads)"] - out["one slice, one thread"]
    return out


def _torch_step(model, batch: int, threads: int):
    net = torch_net(model)
    if net is None:
        return None
    import torch
    torch.set_num_threads(threads)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = torch.rand((batch,) + tuple(model.input_shape)), torch.randint(0, model.num_classes, (batch,))

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    return step


def format_profile(preset: str, batch: int, rounds: int = 15) -> str:
    """The per-layer table and the step's parts as Markdown."""
    workers = default_workers()
    n = max(1, batch // workers)
    rows = layer_rows(preset, n, rounds)
    lines = [f"### {preset} net, batch {batch} ({workers} workers: slices of {n}, one thread each)",
             "", "| layer | numpy fwd ms | numpy bwd ms | torch fwd ms | torch bwd ms | fwd ratio | bwd ratio |",
             "|---|---|---|---|---|---|---|"]
    tot = [0.0, 0.0, 0.0, 0.0]
    for name, *vals in rows:
        tot = [a + b for a, b in zip(tot, vals)]
        f, b, tf, tb = vals
        lines.append(f"| {name} | {f:.3f} | {b:.3f} | {tf:.3f} | {tb:.3f} | {f / tf:.2f} | {b / tb:.2f} |")
    f, b, tf, tb = tot
    lines.append(f"| **sum** | {f:.3f} | {b:.3f} | {tf:.3f} | {tb:.3f} | {f / tf:.2f} | {b / tb:.2f} |")
    lines += ["", "(ratio: numpy ms / torch ms, below 1 = numpy faster)", "",
              "| step part | ms |", "|---|---|"]
    for k, v in step_parts(preset, batch, rounds).items():
        lines.append(f"| {k} | {v:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.bench.profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="bench", choices=sorted(presets.PRESETS))
    p.add_argument("--batch", type=int, action="append", help="batch size (repeatable; default 64 and 128)")
    p.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds (medians)")
    p.add_argument("--one-image", action="store_true",
                   help="profile one image instead (forward with every output kept, and the "
                        "backward pass to the input): see engine.bench.one_image_profile")
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    if args.one_image:
        if args.batch:
            p.error("--one-image takes no --batch")
        print(format_one_image(args.preset, args.rounds))
        return 0
    if any(b < 1 for b in args.batch or []):
        p.error("--batch must be at least 1")
    for batch in args.batch or [64, 128]:
        print(format_profile(args.preset, batch, args.rounds))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
