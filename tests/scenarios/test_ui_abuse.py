"""UI abuse: what a careless (or fast, or impatient) user does to the window.

* Start / Stop clicked 50 times in a row: every run ends, nothing leaks (Python
  threads, OS threads, QThreads), the last run's model still predicts.
* Closing the window mid-epoch, and while paused: ``close()`` returns within
  2 s, no thread is left running, no stray (half-written) file appears.
* Opening a model file (valid, and corrupt) while training: no crash; a corrupt
  file is reported and the current model kept; whatever happens, the
  prediction shown is the current model's prediction of the drawing.
* Mouse abuse on the canvas: hundreds of moves without the event loop running,
  presses outside the canvas, zero-length clicks, right-button drags, the
  window resized mid-stroke, a release lost outside the window.

After every abuse the window's probabilities must be None (nothing drawn) or
equal the current model's prediction on
``engine.preprocess.to_model_input(canvas.to_array())``.
All offscreen; no modal dialog can block (tests/gui/conftest.py records them).
"""
from __future__ import annotations

import gc
import math
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QStandardPaths, Qt, QThread
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from engine import save_model
from engine.data.dataset import Dataset, images_to_input
from engine.data.preprocess import to_model_input
from engine.nn import presets
from engine.nn.metadata import ModelCard
from engine.training.config import TrainConfig
from gui.tools.mouse import move, press, release, to_widget
from gui.training.run_controller import RunState

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_THREADS = ("engine-slice", "engine-eval")
CLOSE_BOUND_S = 2.0


# ------------------------------------------------------------------ helpers
def os_threads() -> int:
    """Native threads of this process (catches QThreads, which Python does not list)."""
    return len(os.listdir("/proc/self/task"))


def engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(ENGINE_THREADS)]


def running_qthreads() -> list[QThread]:
    main = QThread.currentThread()
    return [o for o in gc.get_objects()
            if isinstance(o, QThread) and o is not main and _is_running(o)]


def _is_running(thread: QThread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # C++ object already deleted
        return False


def button(widget, name) -> QPushButton:
    b = widget.findChild(QPushButton, name)
    assert b is not None, name
    return b


def configure(panel, epochs=1, subset=None, preset="tiny", eval_subset=None, **kw):
    cfg = dict(epochs=epochs, batch_size=32, augment=False, subset=subset,
               eval_subset=eval_subset, lr=0.05)
    cfg.update(kw)
    panel.settings.set_config(TrainConfig(**cfg), preset=preset, fresh=True)


def assert_consistent(window) -> np.ndarray | None:
    """The window's probabilities == a fresh prediction of its model on the canvas image."""
    probs = window.current_probabilities()
    image = window.canvas.to_array()
    assert image.dtype == np.uint8 and image.ndim == 2 and image.shape[0] == image.shape[1]
    x = to_model_input(image)
    if x is None:
        assert probs is None, "nothing drawn (per to_model_input), yet probabilities are shown"
        return None
    assert probs is not None, "a drawing is there, yet no probabilities are shown"
    assert probs.shape == (window.model.num_classes,)
    assert np.all(np.isfinite(probs)) and math.isclose(float(probs.sum()), 1.0, abs_tol=1e-5)
    expected = window.model.predict_proba(x[None])[0]
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-5)
    return probs


def file_snapshot(*roots: Path) -> set[Path]:
    skip = {".venv", ".git", "__pycache__", ".pytest_cache", "node_modules"}
    out = set()
    for root in roots:
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip]
            out.update(Path(dirpath) / f for f in filenames)
    return out


def tmp_entries() -> set[str]:
    return set(os.listdir(tempfile.gettempdir()))


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def few_images(mnist_data):
    """400 training and 200 test images: a run needs no disk access and a few ms a step."""
    return Dataset(mnist_data.train_images[:400], mnist_data.train_labels[:400],
                   mnist_data.test_images[:200], mnist_data.test_labels[:200])


@pytest.fixture(scope="module")
def some_images(mnist_data):
    """3,000 training images: one epoch of the bench net is several seconds here."""
    return Dataset(mnist_data.train_images[:3000], mnist_data.train_labels[:3000],
                   mnist_data.test_images[:500], mnist_data.test_labels[:500])


@pytest.fixture
def trainer_window(make_window):
    """The main window (bundled model; it attaches the training panel itself)."""
    w = make_window()
    yield w
    assert w.training_panel.shutdown(10_000)
    assert not w.training_panel.is_training()


@pytest.fixture
def failures(trainer_window):
    seen = []
    trainer_window.training_panel.sigTrainingFailed.connect(seen.append)
    return seen


# ===================================================================== 1. start/stop x 50
def test_start_stop_fifty_times_leaks_nothing(qtbot, trainer_window, few_images, failures):
    window = trainer_window
    panel = window.training_panel
    panel.set_data(few_images)
    configure(panel, epochs=3, subset=400, eval_subset=200, preset="tiny")
    start, stop = button(panel, "startTrainingButton"), button(panel, "stopTrainingButton")

    def one_run(wait_for_steps: bool):
        assert start.isEnabled(), panel.run_box.status.text()
        qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
        assert panel.is_training() and stop.isEnabled()
        if wait_for_steps:
            qtbot.waitUntil(lambda: panel.run.steps_received >= 2, timeout=10_000)
        qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not panel.is_training(), timeout=5000)
        assert panel.run.state is RunState.FINISHED
        assert [t for t in running_qthreads() if t.objectName() == "training"] == []
        report = panel.finished_report
        assert report is not None, "the run ended without a FinishedReport"
        assert report.reason in ("stopped", "completed"), report
        return report

    one_run(True)  # warm-up: Qt and the engine create their lazy one-off threads here
    qtbot.waitUntil(lambda: not panel.evaluation_view.busy and not engine_threads(), timeout=10_000)
    threads_before = set(threading.enumerate())
    tasks_before = os_threads()

    reasons = []
    for i in range(50):
        reasons.append(one_run(wait_for_steps=(i % 10 == 9)).reason)
    assert reasons.count("stopped") >= 45, reasons
    last = panel.finished_report
    assert last.steps >= 2

    assert not panel.is_training() and not window.is_training()
    assert panel.run.state is RunState.FINISHED and window.state.live_model is None
    assert failures == []
    # the final evaluations started after each stop end too (or were cancelled)
    qtbot.waitUntil(lambda: not panel.evaluation_view.busy, timeout=20_000)
    assert panel.evaluation_view.shutdown(10_000)
    qtbot.waitUntil(lambda: not engine_threads(), timeout=5000)
    qtbot.waitUntil(lambda: os_threads() <= tasks_before, timeout=5000)
    leaked = [t for t in set(threading.enumerate()) - threads_before
              if t.is_alive() and not isinstance(t, threading._DummyThread)]
    assert leaked == []
    # explanations of the last weights (what a map wants) may still finish
    qtbot.waitUntil(lambda: running_qthreads() == [], timeout=5000)

    # the last run's model still predicts, and the window can use it
    model = panel.trained_model
    assert model is not None and ModelCard.read(model.metadata).trained_in_app
    probs = model.predict_proba(images_to_input(few_images.test_images[:64]))
    assert probs.shape == (64, 10) and np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert window.model is model and panel.run_box.back_button.isEnabled()  # kept in use
    qtbot.mouseClick(panel.run_box.back_button, Qt.MouseButton.LeftButton)
    assert window.model is not model and panel.run_box.use_button.isEnabled()
    qtbot.mouseClick(panel.run_box.use_button, Qt.MouseButton.LeftButton)
    assert window.model is model
    window.draw_example(3)
    assert assert_consistent(window) is not None
    # and a 52nd run still starts and finishes normally
    configure(panel, epochs=1, subset=200, eval_subset=200, preset="tiny")
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=30_000) as finished:
        assert panel.start_training()
    assert finished.args[0].reason == "completed"
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=5000)


# ===================================================================== 2./3. close mid-run
@pytest.mark.parametrize("paused", [False, True], ids=["running", "paused"])
def test_closing_mid_epoch_is_prompt_and_leaves_nothing(qtbot, trainer_window, some_images,
                                                        failures, tmp_path, paused):
    window = trainer_window
    panel = window.training_panel
    panel.set_data(some_images)
    previous = window.model
    window.draw_example(7)
    configure(panel, epochs=5, subset=3000, eval_subset=500, preset="bench")
    qtbot.waitUntil(lambda: not engine_threads(), timeout=5000)
    tasks_before = os_threads()
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    roots = [tmp_path, REPO_ROOT] + ([Path(documents)] if documents else [])
    files_before = file_snapshot(*roots)
    tmp_before = tmp_entries()

    assert panel.start_training()
    qtbot.waitUntil(lambda: panel.run.steps_received >= 3, timeout=20_000)
    assert window.is_training() and window.model is window.state.live_model
    assert panel.run.last_epoch is None, "the epoch already ended: not mid-epoch"
    if paused:
        qtbot.mouseClick(panel.run_box.pause_button, Qt.MouseButton.LeftButton)
        assert panel.paused and panel.run_box.pause_button.text() == "Resume"
        qtbot.wait(150)  # the step in flight may still report
        held = panel.run.steps_received
        qtbot.wait(300)
        assert panel.run.steps_received == held, "still training while paused"

    t = time.perf_counter()
    window.close()
    elapsed = time.perf_counter() - t
    assert elapsed < CLOSE_BOUND_S, f"close() took {elapsed:.2f} s"
    assert not window.isVisible()
    assert not window.is_training() and panel.run.state is RunState.FINISHED
    assert panel.finished_report is not None and panel.finished_report.reason == "stopped"
    assert not engine_threads()
    assert running_qthreads() == []
    qtbot.waitUntil(lambda: os_threads() <= tasks_before, timeout=1000)
    assert window.model is previous  # the live model was put back
    assert failures == []
    # closing does not start new work (e.g. the final evaluation of the stopped run)
    qtbot.wait(200)
    assert not panel.evaluation_view.busy and not panel.is_training()

    # no stray or half-written file anywhere (the settings file is the only write)
    new = file_snapshot(*roots) - files_before
    assert {p.name for p in new} <= {"settings.ini"}, sorted(map(str, new))
    assert not [p for p in file_snapshot(tmp_path, REPO_ROOT / "assets")
                if p.name.endswith((".tmp", ".lock", ".part"))]
    stray = [n for n in tmp_entries() - tmp_before
             if n.endswith((".npz", ".tmp")) or "model" in n or "cnn-playground" in n]
    assert stray == []


# ===================================================================== 4. open while training
@pytest.mark.parametrize("kind", ["valid", "truncated", "garbage", "missing"])
def test_open_model_while_training(qtbot, trainer_window, some_images, failures, tmp_path,
                                   no_modal_dialogs, kind):
    window = trainer_window
    panel = window.training_panel
    panel.set_data(some_images)
    bundled = window.model
    valid = tmp_path / "valid.npz"
    save_model(presets.build("tiny", np.random.default_rng(7)), valid)
    path = {"valid": valid, "truncated": tmp_path / "truncated.npz",
            "garbage": tmp_path / "garbage.npz", "missing": tmp_path / "nothing.npz"}[kind]
    if kind == "truncated":
        path.write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    elif kind == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(4096))

    window.draw_example(5)
    configure(panel, epochs=20, subset=3000, eval_subset=500, preset="tiny", lr=0.05)
    assert panel.start_training()
    qtbot.waitUntil(lambda: panel.run.steps_received >= 3, timeout=20_000)
    live = window.state.live_model
    assert window.model is live
    assert_consistent(window)

    shown_before = len(no_modal_dialogs)
    ok = window.open_model(path)
    assert_consistent(window)  # right after the attempt
    if kind == "valid":  # opened at once; the run goes on unseen
        assert ok is True and len(no_modal_dialogs) == shown_before
        assert window.model is not live and window.model.source == str(valid)
        assert window.state.current_model is window.model and window.state.live_model is live
        assert "valid.npz" in window.model_status.text()
        assert "live weights" not in window.model_status.text()
        assert list(window.activations_view.panels)[:2] == ["conv1", "relu1"]
        expected_model = window.model
    else:
        assert ok is False
        assert len(no_modal_dialogs) == shown_before + 1
        kind_shown, title, text = no_modal_dialogs[-1]
        assert kind_shown == "critical" and path.name in text
        assert window.last_error is not None
        assert window.model is live  # the current model is kept
        expected_model = None

    # training goes on; live snapshots must not clobber an opened model, and the
    # shown prediction stays the current model's answer
    seen = panel.run.steps_received
    qtbot.waitUntil(lambda: panel.run.steps_received > seen + 5, timeout=20_000)
    qtbot.wait(300)  # at least one weight snapshot
    assert panel.is_training()
    assert_consistent(window)
    if expected_model is not None:
        assert window.model is expected_model
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=5000):
        panel.stop_training()
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=5000)
    assert_consistent(window)
    if expected_model is not None:
        assert window.model is expected_model  # not reverted to the pre-training model
    else:   # the run's model stays in use, the model open before it one click away
        assert window.model is panel.trained_model and window.state.previous_model is bundled
    assert failures == []


# ===================================================================== 5. mouse abuse
def test_mouse_abuse_on_the_canvas(qtbot, make_window, playground_model, no_modal_dialogs):
    window = make_window(playground_model)
    canvas = window.canvas
    assert assert_consistent(window) is None  # nothing drawn

    # zero-length clicks (press + release at one point), left and right
    c = to_widget(canvas, [(0.5, 0.5)])[0]
    for b in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
        press(canvas, c, b)
        release(canvas, c, b)
    assert not canvas.is_drawing()
    assert assert_consistent(window) is None  # a dot is not a digit

    # presses, moves and releases far outside the canvas (and the screen)
    for p, q in (((-50, -50), (-10, 5000)), ((100_000, -100_000), (-100_000, 100_000)),
                 ((canvas.width() + 5, canvas.height() + 5), (canvas.width() + 500, 3))):
        press(canvas, QPointF(*p))
        move(canvas, QPointF(*q))
        release(canvas, QPointF(*q))
    assert not canvas.is_drawing()
    assert_consistent(window)
    window.canvas.clear()
    assert assert_consistent(window) is None

    # hundreds of mouse events without the event loop running: a "1"-ish zigzag
    rect = canvas.square_rect()
    pts = [QPointF(rect.x() + rect.width() * (0.5 + 0.05 * math.sin(i / 7)),
                   rect.y() + rect.height() * (0.15 + 0.7 * i / 600)) for i in range(600)]
    press(canvas, pts[0])
    for p in pts[1:]:
        move(canvas, p)
    release(canvas, pts[-1])
    probs = assert_consistent(window)
    assert probs is not None
    strokes = canvas.strokes()
    assert len(strokes) == 1 and len(strokes[0].points) > 100

    # a right-button drag erases across it
    erase = to_widget(canvas, [(0.2, 0.5), (0.5, 0.5), (0.8, 0.5)])
    press(canvas, erase[0], Qt.MouseButton.RightButton)
    for p in erase[1:]:
        move(canvas, p, Qt.MouseButton.RightButton)
    release(canvas, erase[-1], Qt.MouseButton.RightButton)
    assert canvas.strokes()[-1].erase
    assert_consistent(window)

    # resize the window mid-stroke (both ways), checking the live prediction too
    side_before = canvas.image_side()
    stroke = [(0.3, 0.2), (0.7, 0.2), (0.4, 0.8)]
    press(canvas, to_widget(canvas, stroke[:1])[0])
    move(canvas, to_widget(canvas, stroke[1:2])[0])
    assert canvas.is_drawing()
    window.resize(900, 640)
    qtbot.waitUntil(lambda: canvas.image_side() != side_before, timeout=3000)
    assert canvas.is_drawing()
    assert_consistent(window)
    move(canvas, to_widget(canvas, stroke[2:])[0])
    window.resize(1500, 980)
    qtbot.wait(50)
    for t in np.linspace(0, 1, 40):
        move(canvas, to_widget(canvas, [(0.4 + 0.3 * t, 0.8)])[0])
    assert_consistent(window)
    release(canvas, to_widget(canvas, [(0.7, 0.8)])[0])
    assert not canvas.is_drawing()
    side = canvas.image_side()
    assert canvas.to_array().shape == (side, side)
    assert side == max(1, round(min(canvas.width(), canvas.height()) * canvas.devicePixelRatioF()))
    assert assert_consistent(window) is not None

    # a release lost outside the window: the next move comes without buttons
    press(canvas, to_widget(canvas, [(0.5, 0.3)])[0])
    move(canvas, to_widget(canvas, [(0.5, 0.6)])[0])
    move(canvas, QPointF(-30, -30), Qt.MouseButton.NoButton)
    assert not canvas.is_drawing()
    assert_consistent(window)

    # a second button pressed mid-stroke and released: the left stroke goes on
    a, b = to_widget(canvas, [(0.2, 0.2), (0.8, 0.8)])
    press(canvas, a, Qt.MouseButton.LeftButton)
    move(canvas, b, Qt.MouseButton.LeftButton)
    press(canvas, b, Qt.MouseButton.RightButton)
    release(canvas, b, Qt.MouseButton.RightButton)
    assert canvas.is_drawing()
    release(canvas, b, Qt.MouseButton.LeftButton)  # the stroke's own button ends it
    assert not canvas.is_drawing()
    assert_consistent(window)

    # events sent to the window itself at out-of-range points
    for p in (QPoint(-1, -1), QPoint(10**6, 10**6), QPoint(0, 0)):
        QTest.mousePress(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
        QTest.mouseRelease(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)

    # undo everything, redo, clear: still consistent, and blank means None
    while canvas.can_undo():
        canvas.undo()
        assert_consistent(window)
    assert assert_consistent(window) is None
    while canvas.can_redo():
        canvas.redo()
    assert assert_consistent(window) is not None
    canvas.clear()
    assert assert_consistent(window) is None
    assert no_modal_dialogs == []
