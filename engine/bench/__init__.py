"""Benchmarks: ``python -m engine.bench [--json] [--explain] [--personal] [--dynamics] [--time-to-accuracy 0.99 [--tta-repeats N]]``.

* training throughput (forward + backward + SGD-momentum update, float32) of
  the benchmark and the playground network at batch 64 and 128, in images/s,
  and the share of it the real training loop keeps;
* seconds to score 10,000 images;
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
from .side_by_side import evaluation_pair, trainer_loop_share, training_pair
from .timing import BATCHES
from .torch_twin import torch_numbers

__all__ = ["run", "format_table", "main", "numpy_train_throughput", "numpy_forward_ms",
           "input_pipeline_ms", "torch_numbers", "time_to_accuracy", "compare_time_to_accuracy",
           "explain_ms", "personal_numbers", "dynamics_cost", "training_pair", "evaluation_pair",
           "trainer_loop_share"]


def run(include_torch: bool = True, repeats: int = 7) -> dict:
    """Every measurement as one JSON-able dict; ``repeats``: medians over this
    many timings (1 for a quick smoke run). Training and evaluation are timed
    interleaved with PyTorch's (:mod:`engine.bench.side_by_side`)."""
    result = {
        "network": "conv(1->16,5x5,pad2)-relu-pool2-conv(16->32,5x5)-relu-pool2-fc(800->128)-relu-fc(128->10)",
        "dtype": "float32",
        "workers": default_workers(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "processor": platform.processor() or platform.machine()},
    }
    theirs: dict = {}
    for preset, key in (("bench", "train_images_per_s"),
                        ("playground", "playground_train_images_per_s")):
        pairs = {str(b): training_pair(preset, b, repeats, include_torch=include_torch)
                 for b in BATCHES}
        result[key] = {b: p["numpy"] for b, p in pairs.items()}
        if all(p["torch"] for p in pairs.values()):
            theirs[key] = {b: p["torch"] for b, p in pairs.items()}
    scoring = evaluation_pair(max(1, min(repeats, 3)), include_torch)
    result["evaluate_10000_s"] = scoring["numpy"]
    if scoring["torch"]:
        theirs["evaluate_10000_s"] = scoring["torch"]
    result["forward_ms_batch1"] = numpy_forward_ms(repeats=repeats)
    result["input_grad_ms_batch1"] = numpy_input_grad_ms(repeats=repeats)
    result["input_pipeline"] = input_pipeline_ms(repeats=repeats)
    result["trainer_loop"] = trainer_loop_share(steps=150 if repeats > 1 else 20,
                                                repeats=3 if repeats > 1 else 1)
    torch_result = torch_numbers(repeats=repeats, train=False) if include_torch else None
    if torch_result and "train_images_per_s" in theirs:
        torch_result.update(theirs)
        result["torch"] = torch_result
        ratio = {}
        for key, prefix in (("train_images_per_s", "train_"),
                            ("playground_train_images_per_s", "playground_train_")):
            for b, v in result[key].items():
                if key in torch_result:
                    ratio[prefix + b] = v / torch_result[key][b]
        ratio["forward_batch1_speedup"] = torch_result["forward_ms_batch1"] / result["forward_ms_batch1"]
        if "evaluate_10000_s" in torch_result:
            ratio["evaluate_speedup"] = torch_result["evaluate_10000_s"] / result["evaluate_10000_s"]
        result["ratio_vs_torch"] = ratio
    return result


def _row(label: str, ours: float, fmt: str, t: dict | None, theirs=None, ratio=None) -> str:
    row = f"{label:<44}{ours:>14{fmt}}"
    if t and theirs is not None:
        row += f"{theirs:>18{fmt}}" + (f"{ratio:>8.2f}" if ratio is not None else "")
    return row


def format_table(r: dict) -> str:
    t = r.get("torch")
    ratios = r.get("ratio_vs_torch", {})
    lines = [f"float32, {r['workers']} slices (training: one process each, PyTorch: as many "
             f"threads), numpy {r['machine']['numpy']}; timed interleaved with PyTorch",
             f"{'measurement':<44}{'numpy engine':>14}" + (f"{'torch ' + t['version']:>18}{'ratio':>8}" if t else "")]
    for key, prefix, net in (("train_images_per_s", "train_", "bench"),
                             ("playground_train_images_per_s", "playground_train_", "playground")):
        for b, v in r.get(key, {}).items():
            lines.append(_row(f"{net} net: train images/s, batch {b}", v, ".0f", t,
                              (t or {}).get(key, {}).get(b), ratios.get(prefix + b)))
    if "evaluate_10000_s" in r:
        lines.append(_row("evaluate 10,000 images, s", r["evaluate_10000_s"], ".3f", t,
                          (t or {}).get("evaluate_10000_s"), ratios.get("evaluate_speedup")))
    lines.append(_row("forward ms, batch 1, activations", r["forward_ms_batch1"], ".3f", t,
                      (t or {}).get("forward_ms_batch1"), ratios.get("forward_batch1_speedup")))
    if "input_grad_ms_batch1" in r:
        lines.append(f"{'backward to the input ms, batch 1':<44}{r['input_grad_ms_batch1']:>14.3f}")
    if t:
        lines.append("(ratio: numpy / torch throughput; for times, torch / numpy: above 1 = numpy faster)")
    loop = r.get("trainer_loop")
    if loop:
        lines.append(f"the training loop (Trainer.run, {loop['preset']} net, batch {loop['batch']}): "
                     f"{loop['loop_images_per_s']:.0f} images/s = {loop['share']:.0%} of the bare "
                     f"step's {loop['step_images_per_s']:.0f}")
    ip = r["input_pipeline"]
    lines.append(f"{'preprocess a 560x560 drawing, ms':<44}{ip['preprocess_560_ms']:>14.3f}")
    lines.append(f"{'augment a batch of 128, ms':<44}{ip['augment_batch128_ms']:>14.3f}")
    ex = r.get("explain")
    if ex:
        lines.append(f"{'explanations of one drawing, ms':<44}{'numpy engine':>14}{'target':>10}")
        for name, target in ex["targets"].items():
            lines.append(f"{'  ' + name.replace('_', ' '):<44}{ex[name]:>14.2f}{target:>10.0f}")
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
