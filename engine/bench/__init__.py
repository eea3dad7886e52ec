"""Benchmarks: ``python -m engine.bench [--json] [--explain] [--personal] [--dynamics] [--time-to-accuracy 0.99 [--tta-repeats N]]``.

* training throughput (forward + backward + SGD-momentum update, float32) of
  the benchmark network at batch 64 and 128, in images/s;
* single-image forward latency with every activation kept, in ms;
* the same for PyTorch if it is importable (never a dependency), and ratios;
* optionally the wall time to reach a test accuracy on MNIST from scratch,
  beside PyTorch's on the same recipe when it is importable
  (:mod:`engine.bench.tta_compare`);
* with ``--explain``, the time of each explanation (:mod:`engine.explain`) of
  one drawing on the bundled model;
* with ``--personal``, the time of fine-tuning on 50 personal samples and
  its effect (:mod:`engine.bench.personal`);
* with ``--dynamics``, what collecting the training dynamics costs in
  training throughput (:mod:`engine.bench.dynamics`).

Times are medians over several repeats: machines here are shared and noisy.
"""
from __future__ import annotations

import argparse
import os
import platform

import numpy as np

from ..nn.presets import PRESETS
from ..system.command_line import float_in, folder_path, int_in, run_command, strict_json
from ..training.parallel import default_workers
from .dynamics import dynamics_cost, format_dynamics
from .explain import explain_ms
from .numpy_engine import input_pipeline_ms, numpy_forward_ms, numpy_train_throughput
from .numpy_engine import numpy_input_grad_ms
from .personal import format_personal, personal_numbers
from .time_to_accuracy import time_to_accuracy
from .tta_compare import compare_time_to_accuracy, format_time_to_accuracy
from .timing import BATCHES
from .torch_twin import torch_numbers

__all__ = ["run", "format_table", "main", "numpy_train_throughput", "numpy_forward_ms",
           "input_pipeline_ms", "torch_numbers", "time_to_accuracy", "compare_time_to_accuracy",
           "explain_ms", "personal_numbers", "dynamics_cost"]


def run(include_torch: bool = True, repeats: int = 7) -> dict:
    """Every measurement as one JSON-able dict; ``repeats``: medians over this
    many timings (1 for a quick smoke run)."""
    result = {
        "network": "conv(1->16,5x5,pad2)-relu-pool2-conv(16->32,5x5)-relu-pool2-fc(800->128)-relu-fc(128->10)",
        "dtype": "float32",
        "workers": default_workers(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "processor": platform.processor() or platform.machine()},
        "train_images_per_s": {str(b): numpy_train_throughput(b, repeats=repeats)
                               for b in BATCHES},
        "forward_ms_batch1": numpy_forward_ms(repeats=repeats),
        "input_grad_ms_batch1": numpy_input_grad_ms(repeats=repeats),
        "input_pipeline": input_pipeline_ms(repeats=repeats),
    }
    torch_result = torch_numbers(repeats=repeats) if include_torch else None
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
    if "input_grad_ms_batch1" in r:
        lines.append(f"{'backward to the input ms, batch 1':<34}{r['input_grad_ms_batch1']:>14.3f}")
    if t:
        lines.append("(ratio: numpy / torch throughput; for latency, torch ms / numpy ms)")
    ip = r["input_pipeline"]
    lines.append(f"{'preprocess a 560x560 drawing, ms':<34}{ip['preprocess_560_ms']:>14.3f}")
    lines.append(f"{'augment a batch of 128, ms':<34}{ip['augment_batch128_ms']:>14.3f}")
    ex = r.get("explain")
    if ex:
        lines.append(f"{'explanations of one drawing, ms':<34}{'numpy engine':>14}{'target':>10}")
        for name, target in ex["targets"].items():
            lines.append(f"{'  ' + name.replace('_', ' '):<34}{ex[name]:>14.2f}{target:>10.0f}")
    if r.get("personal"):
        lines += format_personal(r["personal"])
    if r.get("dynamics"):
        lines += format_dynamics(r["dynamics"])
    if r.get("time_to_accuracy"):
        lines += format_time_to_accuracy(r["time_to_accuracy"])
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    p.add_argument("--time-to-accuracy", type=float_in(0.0, 1.0, lo_open=True), metavar="ACC",
                   default=None,
                   help="also train from scratch on MNIST until this test accuracy (e.g. 0.99), "
                        "and PyTorch on the same recipe when it is importable (not with --no-torch)")
    p.add_argument("--tta-repeats", type=int_in(1, 100), default=1, metavar="N",
                   help="with --time-to-accuracy: N runs of each, alternating ours and "
                        "PyTorch's, reported as medians (default 1)")
    p.add_argument("--data-dir", type=folder_path, default=None, help="MNIST folder (default: $CNN_PLAYGROUND_DATA or cache)")
    p.add_argument("--preset", default="bench", choices=sorted(PRESETS),
                   help="architecture for --time-to-accuracy")
    p.add_argument("--explain", action="store_true",
                   help="also time the explanations (saliency, morph, unit pictures, novelty)")
    p.add_argument("--personal", action="store_true",
                   help="also time fine-tuning on 50 personal samples (needs MNIST)")
    p.add_argument("--dynamics", action="store_true",
                   help="also measure what collecting the training dynamics costs "
                        "(bench and playground presets, batch 64; a few minutes)")
    p.add_argument("--quick", action="store_true",
                   help="one timing per measurement instead of medians of 7 (a smoke run)")
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:       # usage errors and --help: argparse printed them
        return int(exc.code or 0)

    def bench() -> int:
        result = run(include_torch=not args.no_torch, repeats=1 if args.quick else 7)
        if args.explain:
            result["explain"] = explain_ms(repeats=1 if args.quick else 7)
        if args.personal:
            result["personal"] = personal_numbers(repeats=1 if args.quick else 2)
        if args.dynamics:
            result["dynamics"] = dynamics_cost(steps=30, pairs=1) if args.quick else dynamics_cost()
        if args.time_to_accuracy is not None:
            result["time_to_accuracy"] = compare_time_to_accuracy(
                args.time_to_accuracy, args.data_dir, args.preset, repeats=args.tta_repeats,
                include_torch=not args.no_torch)
        print(strict_json(result) if args.json else format_table(result))
        return 0
    return run_command(bench, p)
