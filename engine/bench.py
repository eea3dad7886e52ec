"""Benchmarks: ``python -m engine.bench [--json] [--time-to-accuracy 0.99]``.

* training throughput (forward + backward + SGD-momentum update, float32) of
  the benchmark network at batch 64 and 128, in images/s;
* single-image forward latency with every activation kept, in ms;
* the same for PyTorch if it is importable (never a dependency), and ratios;
* optionally the wall time to reach a test accuracy on MNIST from scratch.

Times are medians over several repeats: machines here are shared and noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

from . import presets
from .optim import SGD
from .parallel import DataParallel, default_workers
from .runtime import blas_threads, keep_freed_memory

BATCHES = (64, 128)


def _median_time(fn, repeats: int, inner: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def numpy_train_throughput(batch: int, repeats: int = 7, steps: int = 10, workers: int | None = None) -> float:
    """Images/s of full training steps on the benchmark net (random data)."""
    rng = np.random.default_rng(0)
    model = presets.build("bench", rng)
    opt = SGD(lr=0.01, momentum=0.9)
    x = rng.random((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    params, grads = model.named_params(), model.named_grads()
    keep_freed_memory()
    with blas_threads(1), DataParallel(model, workers) as parallel:
        def step():
            parallel.loss_and_grads(x, y)
            opt.step(params, grads)
        for _ in range(5):
            step()
        return batch / _median_time(step, repeats, steps)


def numpy_forward_ms(repeats: int = 7, inner: int = 200) -> float:
    """Milliseconds for one image through the benchmark net, all activations kept."""
    rng = np.random.default_rng(0)
    model = presets.build("bench", rng).eval()
    x = rng.random((1, 1, 28, 28), dtype=np.float32)
    with blas_threads(1):
        for _ in range(20):
            model.forward(x, keep_activations=True)
        return 1e3 * _median_time(lambda: model.forward(x, keep_activations=True), repeats, inner)


def input_pipeline_ms(repeats: int = 7) -> dict:
    """Milliseconds for ``to_model_input`` on a 560x560 drawing and for one
    augmented batch of 128 (both run on every prediction / training step)."""
    from .augment import augment_batch
    from .preprocess import to_model_input
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:560, :560]
    ring = np.abs(np.hypot(yy - 280, xx - 260) - 150) < 20               # a drawn "0"
    canvas = (ring * 255).astype(np.uint8)
    batch = rng.random((128, 1, 28, 28), dtype=np.float32) ** 8
    with blas_threads(1):  # as in the app and the trainer: small GEMMs lose with 2 threads
        return {"preprocess_560_ms": 1e3 * _median_time(lambda: to_model_input(canvas), repeats, 50),
                "augment_batch128_ms": 1e3 * _median_time(lambda: augment_batch(batch, rng), repeats, 10)}


def torch_numbers(repeats: int = 7, steps: int = 10) -> dict | None:
    """The same measurements in PyTorch (CPU, all cores), or None if not installed."""
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
    for batch in BATCHES:
        x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))

        def step():
            opt.zero_grad()
            loss_fn(net(x), y).backward()
            opt.step()
        for _ in range(5):
            step()
        out["train_images_per_s"][str(batch)] = batch / _median_time(step, repeats, steps)
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
        out["forward_ms_batch1"] = 1e3 * _median_time(forward_keep, repeats, 200)
    return out


def time_to_accuracy(target: float, data_dir=None, preset: str = "bench", batch_size: int = 64,
                     lr: float = 0.05, epochs: int = 3, seed: int = 0, eval_every: int = 100) -> dict:
    """Train ``preset`` from scratch on MNIST; every ``eval_every`` steps after the
    first half epoch evaluate on the full test set; stop at ``target``.

    Reports the training wall time (evaluation pauses excluded) and the total.
    """
    from .evaluate import evaluate
    from .mnist import load_mnist
    from .train import Dataset, StepReport, TrainConfig, Trainer
    data = Dataset.from_mnist(load_mnist(data_dir, download=True, progress=True))
    model = presets.build(preset, np.random.default_rng(seed))
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, schedule="cosine",
                         augment=False, seed=seed, weight_decay=5e-4)
    trainer = Trainer(model, data, config)
    eval_time, reached, accuracy, steps = 0.0, None, None, 0
    t0 = time.perf_counter()
    for report in trainer.run():
        if not isinstance(report, StepReport):
            continue
        steps = report.step
        if report.step % eval_every == 0 and report.epoch_fraction >= 0.5:
            te = time.perf_counter()
            accuracy = evaluate(model, data.test_images, data.test_labels).accuracy
            eval_time += time.perf_counter() - te
            if accuracy >= target:
                reached = time.perf_counter() - t0 - eval_time
                trainer.request_stop()
                break
    total = time.perf_counter() - t0
    return {"target": target, "reached": reached is not None, "train_seconds": reached,
            "wall_seconds_with_evaluation": total, "test_accuracy": accuracy, "steps": steps,
            "epochs": steps / trainer.steps_per_epoch, "preset": preset, "batch_size": batch_size,
            "lr": lr, "schedule": f"cosine over {epochs} epochs", "seed": seed}


def run(include_torch: bool = True) -> dict:
    result = {
        "network": "conv(1->16,5x5,pad2)-relu-pool2-conv(16->32,5x5)-relu-pool2-fc(800->128)-relu-fc(128->10)",
        "dtype": "float32",
        "workers": default_workers(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "processor": platform.processor() or platform.machine()},
        "train_images_per_s": {str(b): numpy_train_throughput(b) for b in BATCHES},
        "forward_ms_batch1": numpy_forward_ms(),
        "input_pipeline": input_pipeline_ms(),
    }
    torch_result = torch_numbers() if include_torch else None
    if torch_result:
        result["torch"] = torch_result
        result["ratio_vs_torch"] = {
            "train_" + b: result["train_images_per_s"][b] / torch_result["train_images_per_s"][b]
            for b in result["train_images_per_s"]}
        result["ratio_vs_torch"]["forward_batch1_speedup"] = \
            torch_result["forward_ms_batch1"] / result["forward_ms_batch1"]
    return result


def format_table(r: dict) -> str:
    t = r.get("torch")
    lines = [f"benchmark net, float32, {r['workers']} worker thread(s), numpy {r['machine']['numpy']}",
             f"{'measurement':<34}{'numpy engine':>14}" + (f"{'torch ' + t['version']:>18}{'ratio':>8}" if t else "")]
    for b, v in r["train_images_per_s"].items():
        row = f"{'train images/s, batch ' + b:<34}{v:>14.0f}"
        if t:
            row += f"{t['train_images_per_s'][b]:>18.0f}{r['ratio_vs_torch']['train_' + b]:>8.2f}"
        lines.append(row)
    row = f"{'forward ms, batch 1, activations':<34}{r['forward_ms_batch1']:>14.3f}"
    if t:
        row += f"{t['forward_ms_batch1']:>18.3f}{r['ratio_vs_torch']['forward_batch1_speedup']:>8.2f}"
    lines.append(row)
    if t:
        lines.append("(ratio: numpy / torch throughput; for latency, torch ms / numpy ms)")
    ip = r["input_pipeline"]
    lines.append(f"{'preprocess a 560x560 drawing, ms':<34}{ip['preprocess_560_ms']:>14.3f}")
    lines.append(f"{'augment a batch of 128, ms':<34}{ip['augment_batch128_ms']:>14.3f}")
    tta = r.get("time_to_accuracy")
    if tta:
        if tta["reached"]:
            lines.append(f"time to {tta['target']:.2%} test accuracy: {tta['train_seconds']:.1f} s of training "
                         f"({tta['epochs']:.2f} epochs, {tta['wall_seconds_with_evaluation']:.1f} s with evaluations)")
        else:
            lines.append(f"did not reach {tta['target']:.2%} (last {tta['test_accuracy']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    p.add_argument("--time-to-accuracy", type=float, metavar="ACC", default=None,
                   help="also train from scratch on MNIST until this test accuracy (e.g. 0.99)")
    p.add_argument("--data-dir", default=None, help="MNIST folder (default: $CNN_PLAYGROUND_DATA or cache)")
    p.add_argument("--preset", default="bench", help="architecture for --time-to-accuracy")
    args = p.parse_args(argv)
    result = run(include_torch=not args.no_torch)
    if args.time_to_accuracy is not None:
        result["time_to_accuracy"] = time_to_accuracy(args.time_to_accuracy, args.data_dir, args.preset)
    print(json.dumps(result) if args.json else format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
