"""Command line: ``python -m engine train | evaluate | novelty | download |
summary | export-onnx``.

Exit status: 0 done; 2 a usage error (the parser checks every argument, and
``train`` checks its output file (and with ``--checkpoints`` the run file
beside it), its starting model and its batch size against the network
before loading any data); 1 any failure at run time
(one line on stderr, never a traceback); 3 training diverged; 130
interrupted.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from . import load_model
from .data.dataset import Dataset
from .data.mnist import ENV_VAR, check_mnist_model, ensure_mnist, load_mnist
from .explain.novelty import fit_novelty
from .explain.novelty_check import check_novelty
from .nn import presets
from .export.onnx_export import DEFAULT_OPSET, export_onnx, onnxruntime_difference
from .nn.architecture import describe_architecture, format_table
from .nn.metadata import record_test_accuracy, record_training
from .system.atomic import writable_target
from .system.command_line import (UsageError, existing_file, float_in, folder_path, int_in,
                                  output_file, run_command, strict_json)
from .training.config import LIMITS, MAX_CLI_LR, TrainConfig
from .training.checkpoints import CheckpointWatcher
from .training.evaluate import evaluate
from .training.optim import OPTIMIZERS, default_lr
from .training.reports import EpochReport, FinishedReport, StepReport
from .training.run_file import run_path_for, save_run
from .training.run_record import RunRecorder
from .training.schedules import SCHEDULES
from .training.trainer import Trainer


def _progress_line(text: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r" + text[:120].ljust(120))
    else:
        sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _bar(fraction: float, width: int = 24) -> str:
    done = int(round(fraction * width))
    return "[" + "#" * done + "." * (width - done) + "]"


def _limited(name: str):
    lo, hi = LIMITS[name]
    return int_in(lo, hi)


def add_data_dir_option(p: argparse.ArgumentParser, download_option: bool = True) -> None:
    p.add_argument("--data-dir", type=folder_path, default=None,
                   help=f"folder with the MNIST IDX files (default: ${ENV_VAR}, "
                        f"else the per-user cache, downloading there if needed)")
    if download_option:
        p.add_argument("--no-download", action="store_true",
                       help="fail instead of downloading MNIST")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model on MNIST and save it")
    t.add_argument("--preset", default="playground", choices=sorted(presets.PRESETS),
                   help="architecture preset (default: playground)")
    t.add_argument("--init", type=existing_file, default=None,
                   help="start from this model file instead")
    t.add_argument("--epochs", type=_limited("epochs"), default=10)
    t.add_argument("--batch-size", type=_limited("batch_size"), default=64)
    t.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS)
    t.add_argument("--lr", type=float_in(0.0, MAX_CLI_LR, lo_open=True), default=None,
                   help="learning rate (default " + ", ".join(
                       f"{default_lr(o):g} {o}" for o in OPTIMIZERS) + ")")
    t.add_argument("--momentum", type=float_in(*LIMITS["momentum"]), default=0.9)
    t.add_argument("--weight-decay", type=float_in(*LIMITS["weight_decay"]), default=5e-4)
    t.add_argument("--schedule", default="cosine", choices=SCHEDULES)
    t.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                   help="random shifts, rotations, scale, shear and stroke thickness (default on)")
    t.add_argument("--subset", type=_limited("subset"), default=None,
                   help="train on this many random images")
    t.add_argument("--seed", type=_limited("seed"), default=0)
    t.add_argument("--pen-mix", type=float_in(0.0, 10.0), default=0.0, metavar="FRACTION",
                   help="add FRACTION x the training set of MNIST training digits re-drawn as "
                        "pen drawings, half of the 0, 1, 2, 4, 7, 9 among them in a style MNIST "
                        "lacks (engine.data.style_mix; default 0: none)")
    t.add_argument("--workers", type=_limited("workers"), default=None,
                   help="threads (default: cores)")
    t.add_argument("--out", type=output_file(), default=Path("model.npz"),
                   help="where to save the model (written atomically after every epoch)")
    t.add_argument("--checkpoints", action="store_true",
                   help="also save the run (curves, settings and checkpoints of the weights at "
                        "steps 0, 1, 2, 5, 10, 20, 50, ... and every epoch's end; at most 100 MB "
                        "of them) beside --out as OUT-STEM.run.npz (engine.load_run reads it)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    add_data_dir_option(t)
    e = sub.add_parser("evaluate", help="accuracy, per-class accuracy and confusion matrix")
    e.add_argument("--model", type=existing_file, default=None,
                   help="model file (default: the bundled one)")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    add_data_dir_option(e)
    n = sub.add_parser("novelty", help="fit novelty statistics (\"is this even a digit?\") on "
                                       "the MNIST training digits and add them to a model file")
    n.add_argument("--model", type=existing_file, required=True, help="the model file")
    n.add_argument("--out", type=output_file(), default=None,
                   help="where to save the model with its statistics (default: over --model; "
                        "written atomically, the weights unchanged)")
    n.add_argument("--pen-mix", type=float_in(0.0, 10.0), default=0.0,
                   help="also fit on this fraction of pen-redrawn training digits, as "
                        "train --pen-mix adds them (so their styles are not unfamiliar)")
    n.add_argument("--json", action="store_true", help="print one JSON object")
    add_data_dir_option(n)
    d = sub.add_parser("download", help="download MNIST into the data folder")
    add_data_dir_option(d, download_option=False)
    s = sub.add_parser("summary", help="the architecture table: layer, output shape, parameters, "
                                       "multiply-adds and activation memory per image; totals last")
    s.add_argument("model", type=model_or_preset, metavar="MODEL",
                   help="a model file, or a preset name: " + ", ".join(sorted(presets.PRESETS)))
    s.add_argument("--json", action="store_true", help="print one JSON object")
    o = sub.add_parser("export-onnx", help="export a model file to ONNX (needs the optional "
                                           "onnx package)")
    o.add_argument("model", type=existing_file, metavar="MODEL", help="the model file")
    o.add_argument("out", type=output_file(".onnx"), metavar="OUT.onnx",
                   help="where to write the ONNX file (atomically)")
    o.add_argument("--opset", type=int_in(13, 21), default=DEFAULT_OPSET,
                   help=f"ONNX opset (default {DEFAULT_OPSET})")
    o.add_argument("--probabilities", action="store_true",
                   help="add a second output with the softmax of the logits")
    return parser


def model_or_preset(text: str):
    """A preset name (when no file of that name exists) or an existing model file."""
    if text in presets.PRESETS and not Path(text).exists():
        return text
    try:
        return existing_file(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (nor is it a preset: "
                                         f"{', '.join(sorted(presets.PRESETS))})") from None


def cmd_train(args, command: str) -> int:
    """``command``: the command line that ran it (recorded in the model's metadata)."""
    lr = args.lr if args.lr is not None else default_lr(args.optimizer)
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                         lr=lr, momentum=args.momentum, weight_decay=args.weight_decay,
                         schedule=args.schedule, augment=args.augment, seed=args.seed,
                         subset=args.subset, workers=args.workers)
    config.validate()
    if args.init:
        model = load_model(args.init)
        check_mnist_model(model, f"--init {args.init.name}")
    else:
        model = presets.build(args.preset, np.random.default_rng(args.seed))
    try:      # before any data is loaded: a batch that could never fit is a usage error
        Trainer.check_batch(model, args.batch_size)
    except ValueError as exc:
        raise UsageError(f"argument --batch-size: {exc}") from None
    run_path = _checked_run_path(args.out) if args.checkpoints else None
    data = Dataset.from_mnist(load_mnist(args.data_dir, download=not args.no_download,
                                         progress=True))
    if args.pen_mix:
        from .data.style_mix import with_pen_digits
        data, _ = with_pen_digits(data, args.pen_mix, seed=args.seed)
    recorder = RunRecorder(model, config, _run_label(args, lr), CheckpointWatcher(),
                           pen_mix=args.pen_mix) if run_path is not None else None
    trainer = Trainer(model, data, config, watchers=recorder.watchers if recorder else ())
    history, finished, last_print = [], None, 0.0
    for report in trainer.run():
        if recorder is not None:
            recorder.observe(report)
        if isinstance(report, StepReport):
            now = time.perf_counter()
            if not args.quiet and (now - last_print > 0.25 or report.step == report.total_steps):
                last_print = now
                _progress_line(f"epoch {report.epoch}/{config.epochs} "
                               f"{_bar(report.step / report.total_steps)} loss {report.loss:.4f} "
                               f"acc {report.accuracy:.3f} lr {report.lr:.4g} "
                               f"{report.images_per_s:.0f} img/s eta {report.eta_s:.0f}s")
        elif isinstance(report, EpochReport):
            history.append(report)
            if not args.quiet:
                _progress_line(f"epoch {report.epoch}/{report.epochs}: train loss "
                               f"{report.train_loss:.4f} acc {report.train_accuracy:.4f} | test loss "
                               f"{report.test_loss:.4f} acc {report.test_accuracy:.4f} "
                               f"({report.elapsed_s:.0f}s)")
                sys.stderr.write("\n")
            settings = {**config.as_record(), "pen_mix": args.pen_mix}
            record_training(model.metadata, settings=settings, epochs=report.epoch,
                            command=command)
            record_test_accuracy(model.metadata, report.test_accuracy)
            model.save(args.out)  # checkpoint: atomic, a valid model after every epoch
        elif isinstance(report, FinishedReport):
            finished = report
    summary = _summary(finished, history, model, config, args.out)
    if recorder is not None:
        run = recorder.result()
        save_run(run, run_path)
        summary.update(run=str(run_path), checkpoints=len(run.checkpoints))
        if not args.quiet:
            sys.stderr.write(f"saved the run with {len(run.checkpoints)} checkpoints to "
                             f"{run_path}\n")
    print(strict_json(summary, indent=2))
    if finished.reason == "diverged":
        print(f"error: {finished.message}", file=sys.stderr)
        return 3
    return 0


def _checked_run_path(out: Path) -> Path:
    """Where ``--checkpoints`` saves the run (:func:`run_path_for`), checked like ``--out``."""
    path = run_path_for(out)
    try:
        writable_target(path)
    except OSError as exc:
        raise UsageError(f"argument --checkpoints: cannot write {str(path)!r}: "
                         f"{exc.strerror or exc}") from None
    return path


def _run_label(args, lr: float) -> str:
    """E.g. ``"tiny, sgd lr 0.05, seed 0"`` (the file name for ``--init``)."""
    start = args.init.name if args.init else args.preset
    return f"{start}, {args.optimizer} lr {lr:g}, seed {args.seed}"


def _summary(finished, history, model, config, out) -> dict:
    return {"result": finished.reason, "message": finished.message,
            "test_accuracy": finished.test_accuracy, "steps": finished.steps,
            "epochs_completed": finished.epochs_completed,
            "wall_time_s": round(finished.elapsed_s, 1), "out": str(out) if history else None,
            "parameters": model.num_params(), "config": config.as_record(),
            "history": [{"epoch": h.epoch, "train_loss": round(h.train_loss, 5),
                         "train_accuracy": round(h.train_accuracy, 5),
                         "test_loss": round(h.test_loss, 5),
                         "test_accuracy": round(h.test_accuracy, 5),
                         "elapsed_s": round(h.elapsed_s, 1)} for h in history]}


def cmd_evaluate(args) -> int:
    model = load_model(args.model)
    check_mnist_model(model, "the model")
    data = load_mnist(args.data_dir, download=not args.no_download, progress=True)
    t = time.perf_counter()
    result = evaluate(model, data.test_images, data.test_labels)
    elapsed = time.perf_counter() - t
    if args.json:
        out = result.summary()
        out.update(model=str(model.source), seconds=round(elapsed, 2))
        print(strict_json(out))
        return 0
    print(f"model: {model.source}")
    print(f"test accuracy: {result.accuracy:.4%}  (loss {result.loss:.4f}, "
          f"{len(result.labels)} images, {elapsed:.1f}s)")
    print("per class:  " + "  ".join(f"{d}:{a:.3%}" for d, a in enumerate(result.per_class_accuracy)
                                     if np.isfinite(a)))     # classes with test images
    print("confusion matrix (rows: true digit, columns: predicted):")
    print("      " + "".join(f"{d:>6}" for d in range(result.confusion.shape[1])))
    for d, row in enumerate(result.confusion):
        print(f"{d:>6}" + "".join(f"{v:>6}" for v in row))
    return 0


def cmd_novelty(args) -> int:
    model = load_model(args.model)
    check_mnist_model(model, "the model")
    data = load_mnist(args.data_dir, download=not args.no_download, progress=True)
    t = time.perf_counter()
    if args.pen_mix:
        from .data.style_mix import with_pen_digits
        data, _ = with_pen_digits(data, args.pen_mix, seed=0)
    stats = fit_novelty(model, data.train_images, data.train_labels,
                        progress=None if args.json else
                        lambda done, total: _progress_line(f"fitting {_bar(done / total)} "
                                                           f"{done}/{total} training digits"))
    fit_s = time.perf_counter() - t
    checks = [check_novelty(model, data.test_images, split).as_dict()
              for split in ("tuning", "evaluation")]
    out = args.out or args.model
    model.save(out)
    summary = {"model": str(out), "stages": [model.layers[i].name for i in stats.layers],
               "fit_seconds": round(fit_s, 1), "checks": checks}
    if args.json:
        print(strict_json(summary))
        return 0
    sys.stderr.write("\n")
    print(f"novelty statistics added to {out} (stages {', '.join(summary['stages'])}; "
          f"{fit_s:.0f} s)")
    for check in checks:
        print(f"{check['split']}: AUROC {check['auroc']:.4f} ({check['non_digits']} non-digits "
              f"vs {check['digits']} MNIST test digits); flagged as unfamiliar: "
              f"{check['non_digits_flagged']['all']:.1%} of non-digits, "
              f"{check['digits_flagged']:.1%} of digits")
        print("  AUROC by kind: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                check["auroc_by_kind"].items()))
    return 0


def cmd_download(args) -> int:
    folder = ensure_mnist(args.data_dir, download=True, progress=True)
    print(f"MNIST is ready in {folder}")
    return 0


def cmd_summary(args) -> int:
    if isinstance(args.model, str):
        model = presets.build(args.model, np.random.default_rng(0))
    else:
        model = load_model(args.model)
    itemsize = next(iter(model.named_params().values())).dtype.itemsize
    summary = describe_architecture(model.config(), serviceable=False)
    if args.json:
        print(strict_json({"model": str(args.model), **summary.as_dict(itemsize)}))
    else:
        print(format_table(summary, itemsize))
    return 0


def cmd_export_onnx(args) -> int:
    model = load_model(args.model)
    t = time.perf_counter()
    size = export_onnx(model, args.out, opset=args.opset, probabilities=args.probabilities)
    elapsed = time.perf_counter() - t
    print(f"wrote {args.out} ({size / 2**20:.1f} MB, opset {args.opset}) in {elapsed:.2f} s")
    diff = onnxruntime_difference(model, args.out, model.probe_inputs())
    if diff is not None:
        print(f"onnxruntime check: largest logit difference {diff:.2g} on "
              f"{len(model.probe_inputs())} probe images")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:       # usage errors and --help: argparse printed them
        return int(exc.code or 0)
    command = "python -m engine " + " ".join(shlex.quote(a) for a in argv)
    handlers = {"train": lambda: cmd_train(args, command), "evaluate": lambda: cmd_evaluate(args),
                "novelty": lambda: cmd_novelty(args), "download": lambda: cmd_download(args),
                "summary": lambda: cmd_summary(args), "export-onnx": lambda: cmd_export_onnx(args)}
    return run_command(handlers[args.command], parser)


if __name__ == "__main__":
    sys.exit(main())
