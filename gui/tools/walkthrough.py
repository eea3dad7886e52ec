"""A new user's first session, scripted with real mouse clicks and strokes.

The stand-in for "a person tried it" on machines without a display (run it
on one with ``--show`` to watch). It does what issue 5 asks of a new user and
checks each step, saving a screenshot of the window at every stage:

1. launch the playground (the bundled model), open the Training tab;
2. pick all 60,000 MNIST images and fresh random weights, click Start;
3. while it trains, draw the ten example digits with the mouse every few
   seconds and note what the live network answers (it should improve);
   after ``--seconds``, if the run is not over,
4. click Stop; the trained model stays in use; "Back to previous model"
   brings the bundled one back; wait for the evaluation of the final
   weights, open the Evaluation tab and a confusion-matrix cell;
5. click "Save model..." (the file dialog answers with a path), then
   "Open..." the saved file: the status bar names it with its test accuracy
   and the drawing gets the same answer as from the trained network.

    .venv/bin/python -m gui.tools.walkthrough --out /tmp/walkthrough [--seconds 30]

MNIST comes from ``--data``, else ``$CNN_PLAYGROUND_DATA``, else
../shared/datasets/mnist. Prints one JSON summary; exit status 0 when every
check passed. ``walkthrough()`` is also run (shorter, on a subset) by
``tests/scenarios/test_walkthrough.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .mouse import draw_digit
from .session import SessionError as WalkthroughError
from .session import application
from .session import click as _click
from .session import click_tab as _click_tab
from .session import data_folder, pump, wait_until


def _draw_digits(window) -> list[dict]:
    """Clear, draw each example digit with mouse strokes, read the answer."""
    from PySide6.QtWidgets import QToolBar
    clear = next(w for bar in window.findChildren(QToolBar)
                 if (w := bar.widgetForAction(window.clear_action)) is not None)
    answers = []
    for digit in range(10):
        _click(clear)
        draw_digit(window.canvas, digit)
        p = window.current_probabilities()
        answers.append({"digit": digit, "answer": int(p.argmax()), "p_true": float(p[digit])})
    return answers


def _score(answers: list[dict]) -> dict:
    return {"correct": sum(a["answer"] == a["digit"] for a in answers),
            "mean_p_true": round(sum(a["p_true"] for a in answers) / len(answers), 3),
            "answers": "".join(str(a["answer"]) for a in answers)}  # for digits 0..9


def walkthrough(out_dir: str | os.PathLike, *, data_dir: str | None = None,
                seconds: float = 25.0, preset: str = "bench", epochs: int = 3,
                subset: int | None = None, draw_every_s: float = 6.0) -> dict:
    """Run the session; returns a summary dict and raises :class:`WalkthroughError`
    when a step fails. Screenshots go to ``out_dir``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if data_dir:
        os.environ["CNN_PLAYGROUND_DATA"] = str(data_dir)
    from unittest import mock

    from PySide6.QtWidgets import QFileDialog

    from engine.nn.metadata import ModelCard

    from ..state.settings import AppSettings
    from ..window.main_window import MainWindow

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = application()
    summary: dict = {"preset": preset, "epochs": epochs, "subset": subset, "stages": []}
    t0 = time.perf_counter()

    def shot(name: str) -> None:
        pump(0.1)
        path = out / f"{len(summary['stages']) + 1:02d}-{name}.png"
        window.grab().save(str(path))
        summary["stages"].append({"stage": name, "t_s": round(time.perf_counter() - t0, 1),
                                  "screenshot": str(path)})

    with tempfile.TemporaryDirectory(prefix="walkthrough-") as tmp:
        # ---- 1. launch with the bundled model
        window = MainWindow(settings=AppSettings(os.path.join(tmp, "settings.ini")), theme="light")
        try:
            window.resize(1240, 760)
            window.show()
            pump(0.3)
            bundled = window.model
            summary["launch_status"] = window.model_status.text()
            if "test accuracy" not in summary["launch_status"]:
                raise WalkthroughError("the status bar does not give the model's accuracy")
            summary["bundled_model"] = _score(_draw_digits(window))
            shot("launch")

            # ---- 2. full MNIST (or a subset), fresh weights, Start
            panel = window.training_panel
            _click_tab(window.tabs, panel)
            form = panel.settings
            if subset:
                _click(form.subset_radio)
                form.subset_spin.setValue(subset)
            else:
                _click(form.full_radio)
            _click(form.fresh_radio)
            form.preset_combo.setCurrentIndex(form.preset_combo.findData(preset))
            form.epochs_spin.setValue(epochs)
            if form.preset_combo.currentData() != preset:
                raise WalkthroughError(f"no preset {preset!r} in the architecture list")
            _click(panel.run_box.start_button)
            wait_until(lambda: panel.run.steps_received > 0, 120, "the first training steps")
            if window.model is not window.state.live_model:
                raise WalkthroughError("the canvas does not use the live training weights")
            shot("training-started")

            # ---- 3. draw while it trains; the answers should get better
            rounds = []
            t_train = time.perf_counter()
            while panel.is_training() and time.perf_counter() - t_train < seconds:
                answers = _draw_digits(window)
                rounds.append({"t_s": round(time.perf_counter() - t_train, 1),
                               "step": panel.run.steps_received, **_score(answers)})
                if len(rounds) == 1:
                    _click_tab(window.tabs, window.activations_view)
                    shot("drawing-while-training")
                    _click_tab(window.tabs, panel)
                pump(draw_every_s)
            summary["drawn_digits_while_training"] = rounds
            shot("curves")

            # ---- 4. Stop, evaluation of the final weights, a confusion cell
            if panel.is_training():
                _click(panel.run_box.stop_button)
            wait_until(lambda: not panel.is_training(), 10, "the run to end")
            report = panel.finished_report
            summary["finished"] = {"reason": report.reason, "steps": report.steps,
                                   "stop_latency_ms": None if panel.run.last_stop_latency_s is None
                                   else round(panel.run.last_stop_latency_s * 1e3, 1)}
            wait_until(lambda: ModelCard.read(panel.trained_model.metadata).test_accuracy is not None
                       and not panel.evaluation_view.busy, 120, "the final evaluation")
            accuracy = ModelCard.read(panel.trained_model.metadata).test_accuracy
            summary["test_accuracy"] = accuracy
            if window.model is not panel.trained_model:
                raise WalkthroughError("the trained model is not in use after the run")
            _click(panel.run_box.back_button)
            if window.model is not bundled:
                raise WalkthroughError("'Back to previous model' did not bring the bundled model back")
            _click_tab(panel.view_tabs, panel.evaluation_view)
            panel.evaluation_view.select_cell(4, 9)  # what a click on row 4, column 9 does
            shot("evaluation")

            # ---- 5. save, reopen: same answers as the trained network
            saved = Path(tmp) / "my-first-model.npz"
            with mock.patch.object(QFileDialog, "getSaveFileName",
                                   return_value=(str(saved), "")):
                _click(panel.run_box.save_button)
            if not saved.is_file():
                raise WalkthroughError("Save model... wrote no file")
            _click(panel.run_box.use_button)
            trained_answers = _draw_digits(window)
            with mock.patch.object(QFileDialog, "getOpenFileName",
                                   return_value=(str(saved), "")):
                window.open_action.trigger()
                pump(0.2)
            reopened = _draw_digits(window)
            summary["reopened_status"] = window.model_status.text()
            summary["trained_model"] = _score(trained_answers)
            summary["reopened_model"] = _score(reopened)
            if saved.name not in summary["reopened_status"] or \
                    f"{accuracy:.2%}" not in summary["reopened_status"]:
                raise WalkthroughError("the status bar does not name the reopened model and "
                                       f"its accuracy: {summary['reopened_status']!r}")
            if summary["reopened_model"]["answers"] != summary["trained_model"]["answers"]:
                raise WalkthroughError("the reopened model answers differently")
            shot("reopened")
        finally:
            window.close()
            pump(0.1)
            app.sendPostedEvents()
    summary["wall_s"] = round(time.perf_counter() - t0, 1)
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="walkthrough", help="folder for the screenshots")
    ap.add_argument("--data", default=None, help="folder of the MNIST IDX files")
    ap.add_argument("--seconds", type=float, default=25.0,
                    help="how long to draw while training before clicking Stop (default 25)")
    ap.add_argument("--preset", default="bench", choices=["tiny", "bench", "playground"])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--subset", type=int, default=None, help="train on this many images only")
    ap.add_argument("--show", action="store_true", help="on the real display, not offscreen")
    args = ap.parse_args(argv)
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        summary = walkthrough(args.out, data_dir=data_folder(args.data), seconds=args.seconds, preset=args.preset,
                              epochs=args.epochs, subset=args.subset)
    except WalkthroughError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
        return 1
    print(json.dumps({"ok": True, **summary}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
