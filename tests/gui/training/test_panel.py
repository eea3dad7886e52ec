"""The training panel, alone and in the main window: start, progress and the
loss plot, pause/resume, stop, closing mid-run, live weights on the canvas,
"use this model", saving, and the MNIST download with cancel."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

import engine
from engine.data.dataset import Dataset
from engine.nn.metadata import ModelCard
from engine.training.config import TrainConfig
from engine.training.evaluate import evaluate
from gui.state.app_state import AppState
from gui.training.panel import TrainingPanel
from gui.training.run_controller import RunState

STOP_BOUND_S = 0.2


@pytest.fixture(scope="module")
def small_data(mnist_data):
    """6,000 training and 1,000 test images (subsets of these keep runs to seconds)."""
    return Dataset(mnist_data.train_images[:6000], mnist_data.train_labels[:6000],
                   mnist_data.test_images[:1000], mnist_data.test_labels[:1000])


def quick(panel: TrainingPanel, epochs=1, subset=2000, preset="tiny", fresh=True, **kw):
    cfg = dict(epochs=epochs, batch_size=32, augment=False, subset=subset, eval_subset=500,
               lr=0.05)
    cfg.update(kw)
    panel.settings.set_config(TrainConfig(**cfg), preset=preset, fresh=fresh)


@pytest.fixture
def panel(qtbot, small_data):
    p = TrainingPanel(AppState(engine.load_model()), data=small_data)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    yield p
    assert p.shutdown(10_000)
    assert not p.is_training()


@pytest.fixture
def window(make_window, small_data):
    """The main window (bundled model), its training panel given the small dataset."""
    w = make_window()
    panel = w.training_panel
    panel.set_data(small_data)
    yield w
    panel.shutdown(10_000)


def loss_curve_points(panel) -> int:
    plot = panel.findChild(pg.PlotWidget, "lossPlot")
    assert plot is not None
    x, _ = panel.plots.batch_loss_curve.getData()
    return 0 if x is None else len(x)


def button(widget, name) -> QPushButton:
    b = widget.findChild(QPushButton, name)
    assert b is not None, name
    return b


def test_start_shows_progress_and_fills_the_loss_plot(qtbot, panel):
    quick(panel, epochs=2, subset=1500)
    form, box = panel.settings, panel.run_box
    start, stop = button(panel, "startTrainingButton"), button(panel, "stopTrainingButton")
    assert start.isEnabled() and not stop.isEnabled()
    received = []
    panel.run.sigProgress.connect(received.extend)
    with qtbot.waitSignal(panel.sigTrainingStarted, timeout=2000):
        qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    assert panel.is_training() and panel.run.state in (RunState.RUNNING, RunState.LOADING)
    # settings that cannot change mid-run are disabled; stop and pause are not
    for w in (start, form.epochs_spin, form.batch_spin, form.lr_spin, form.optimizer_combo,
              form.preset_combo, form.subset_spin, form.augment_check, form.fresh_radio):
        assert not w.isEnabled()
    assert stop.isEnabled() and box.pause_button.isEnabled()
    qtbot.waitUntil(lambda: panel.run.steps_received > 0, timeout=20_000)
    qtbot.waitUntil(lambda: loss_curve_points(panel) > 0, timeout=5000)
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000) as finished:
        pass
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=5000)
    assert panel.run.state is RunState.FINISHED
    report = finished.args[0]
    assert report.reason == "completed" and report.steps == 2 * 47
    assert panel.run.steps_received == report.steps == len(received)
    assert panel.run.progress_batches < report.steps  # coalesced
    assert panel.plots.step_count == report.steps
    qtbot.waitUntil(lambda: loss_curve_points(panel) == report.steps, timeout=5000)
    # the curve holds exactly the reported steps: position in epochs and batch loss
    x, loss = panel.plots.loss_points()
    np.testing.assert_allclose(x, [r.epoch_fraction for r in received])
    np.testing.assert_allclose(loss, [r.loss for r in received], rtol=1e-9)
    curve_x, curve_y = panel.plots.batch_loss_curve.getData()
    np.testing.assert_allclose(curve_x, x)
    np.testing.assert_allclose(curve_y, np.log10([r.loss for r in received]), rtol=1e-9)
    assert [r.step for r in received] == list(range(1, report.steps + 1))
    assert panel.plots.epoch_count == 2
    qtbot.waitUntil(lambda: not panel.plots.pending, timeout=5000)
    epochs_x, epochs_acc = panel.plots.test_acc_curve.getData()
    np.testing.assert_allclose(epochs_x, [1, 2])
    assert epochs_acc[-1] == pytest.approx(report.test_accuracy)
    assert box.progress.value() == box.progress.maximum()
    # settings are back; the trained model is in use, can be saved, and the
    # model open before can come back
    assert start.isEnabled() and form.epochs_spin.isEnabled() and not stop.isEnabled()
    assert panel.trained_model is not None and panel.state.current_model is panel.trained_model
    assert box.save_button.isEnabled() and box.back_button.isEnabled()
    assert not box.use_button.isEnabled()                     # in use already
    assert box.status.text().startswith("Finished after 94 steps (2 epochs, ")
    assert ModelCard.read(panel.trained_model.metadata).trained_in_app


def test_pause_stops_progress_and_resume_continues(qtbot, panel):
    quick(panel, epochs=50, subset=6000)
    panel.start_training()
    pause = panel.run_box.pause_button
    qtbot.waitUntil(lambda: panel.run.steps_received >= 3, timeout=20_000)
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert panel.paused and pause.text() == "Resume" and panel.run.state is RunState.PAUSED
    assert button(panel, "stopTrainingButton").isEnabled()
    qtbot.wait(200)  # the step in flight may still report
    held = panel.run.steps_received
    qtbot.wait(500)
    assert panel.run.steps_received == held
    qtbot.mouseClick(pause, Qt.MouseButton.LeftButton)
    assert not panel.paused and pause.text() == "Pause" and panel.run.state is RunState.RUNNING
    qtbot.waitUntil(lambda: panel.run.steps_received > held + 3, timeout=10_000)


def test_stop_button_ends_the_run_within_the_bound(qtbot, panel, small_data):
    quick(panel, epochs=50, subset=6000, preset="bench")
    panel.start_training()
    qtbot.waitUntil(lambda: panel.run.steps_received >= 5, timeout=20_000)
    measured = []
    panel.sigTrainedModelUpdated.connect(measured.append)   # armed before the run ends
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=5000) as finished:
        qtbot.mouseClick(button(panel, "stopTrainingButton"), Qt.MouseButton.LeftButton)
        assert not button(panel, "stopTrainingButton").isEnabled()  # stopping
        assert panel.run.state is RunState.STOPPING
    assert not panel.is_training()                 # announced once the thread has ended
    assert panel.run.worker_stop_latency_s < STOP_BOUND_S  # request -> run over, in the worker
    assert panel.run.last_stop_latency_s < 1.0     # click -> report shown (event loop included)
    assert finished.args[0].reason == "stopped"
    # the weights so far are kept, and measured on the whole test set
    assert panel.trained_model is not None and panel.state.current_model is panel.trained_model
    assert panel.run_box.back_button.isEnabled()
    report = finished.args[0]
    fraction = f"{report.steps / panel.run.plan.steps_per_epoch:.1f}"
    assert panel.run_box.status.text().startswith(
        f"Stopped after {report.steps} steps ({fraction} epochs, ")
    assert "epoch(s)" not in panel.run_box.status.text()
    qtbot.waitUntil(lambda: bool(measured), timeout=30_000)
    assert measured == [panel.trained_model]
    accuracy = ModelCard.read(panel.trained_model.metadata).test_accuracy
    expected = evaluate(panel.trained_model, small_data.test_images, small_data.test_labels)
    assert accuracy == pytest.approx(expected.accuracy, abs=1e-9)


def test_evaluate_current_waits_for_the_trained_models_measurement(qtbot, panel, small_data):
    """While the stopped run's model is being measured, "Evaluate current model"
    is disabled, so the measurement cannot be replaced by another model's result."""
    quick(panel, epochs=50, subset=6000, preset="bench")
    panel.start_training()
    qtbot.waitUntil(lambda: panel.run.steps_received >= 3, timeout=20_000)
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=5000):
        panel.stop_training()
    evaluate_button = button(panel, "evaluateButton")
    assert panel.evaluation_view.busy and not evaluate_button.isEnabled()
    with qtbot.waitSignal(panel.sigTrainedModelUpdated, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: evaluate_button.isEnabled(), timeout=5000)
    own = evaluate(panel.trained_model, small_data.test_images, small_data.test_labels).accuracy
    assert ModelCard.read(panel.trained_model.metadata).test_accuracy == pytest.approx(own)
    # back to the bundled model: its evaluation runs, and changes nothing of the trained one
    qtbot.mouseClick(panel.run_box.back_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.evaluation_view.sigEvaluated, timeout=30_000) as done:
        qtbot.mouseClick(evaluate_button, Qt.MouseButton.LeftButton)
    assert done.args[0].accuracy > 0.98
    assert ModelCard.read(panel.trained_model.metadata).test_accuracy == pytest.approx(own)


def test_start_is_disabled_while_mnist_loads_for_an_evaluation(qtbot, mnist_data):
    panel = TrainingPanel(AppState(engine.load_model()), data_dir=str(mnist_data.source))
    qtbot.addWidget(panel)
    panel.show()
    start = button(panel, "startTrainingButton")
    assert start.isEnabled()
    panel.evaluate_current_model()                 # loads MNIST off the GUI thread first
    assert panel.data.loading and not start.isEnabled()
    assert panel.start_training() is False
    with qtbot.waitSignal(panel.evaluation_view.sigEvaluated, timeout=60_000):
        pass
    assert start.isEnabled() and not panel.is_training()
    assert panel.shutdown(10_000)


def test_closing_the_window_mid_run_leaves_no_running_thread(qtbot, window):
    panel = window.training_panel
    previous = window.model
    quick(panel, epochs=50, subset=6000, preset="bench")
    panel.start_training()
    qtbot.waitUntil(lambda: panel.run.steps_received >= 3, timeout=20_000)
    assert window.is_training()
    window.close()
    assert not window.is_training() and panel.run.state is RunState.FINISHED
    assert not [t for t in threading.enumerate() if t.name.startswith(("engine-", "training"))]
    assert window.model is previous  # the live model was put back


def test_live_weights_drive_the_canvas_while_training_from_scratch(qtbot, window):
    panel = window.training_panel
    bundled = window.model
    window.draw_example(3)
    before = window.current_probabilities()
    quick(panel, epochs=3, subset=6000, preset="tiny", fresh=True, lr=0.05)
    seen = []
    window.state.sigWeightsChanged.connect(lambda: seen.append(window.current_probabilities()))
    panel.start_training()
    assert window.model is window.state.live_model  # the canvas follows the training weights
    assert "training: live weights" in window.model_status.text()
    assert window.model.metadata["preset"] == "tiny"
    untrained = window.current_probabilities()  # the fresh weights' answer, before any step
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=30_000)
    # (compared with the untrained answer, not with the first snapshot: on a fast
    # run the first snapshot, ~200 ms in, may already be as sure as the last)
    qtbot.waitUntil(lambda: not np.allclose(seen[-1], untrained, atol=0.02), timeout=30_000)
    assert not np.allclose(seen[0], before)  # not the bundled model's answer
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=5000)
    # the network just trained stays in use, and the status bar says which
    assert window.model is panel.trained_model and window.state.previous_model is bundled
    assert "training" not in window.model_status.text()
    assert "tiny" in window.model_status.text()
    # "Back to previous model" brings the bundled model back; "Use this model" the trained one
    qtbot.mouseClick(panel.run_box.back_button, Qt.MouseButton.LeftButton)
    assert window.model is bundled and not panel.run_box.back_button.isEnabled()
    np.testing.assert_allclose(window.current_probabilities(), before, atol=1e-6)
    qtbot.mouseClick(panel.run_box.use_button, Qt.MouseButton.LeftButton)
    assert window.model is panel.trained_model and not panel.run_box.use_button.isEnabled()
    assert np.argmax(window.current_probabilities()) == 3
    qtbot.waitUntil(lambda: "test accuracy" in window.model_status.text()
                    and "unknown" not in window.model_status.text(), timeout=30_000)
    assert "tiny" in window.model_status.text()


def test_save_trained_model(qtbot, panel, tmp_path):
    quick(panel, epochs=1, subset=500)
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000):
        panel.start_training()
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=5000)
    path = tmp_path / "trained.npz"
    assert panel.save_trained_model(path)
    loaded = engine.load_model(path)
    assert ModelCard.read(loaded.metadata).trained_in_app
    assert loaded.metadata["training"]["subset"] == 500
    for k, v in panel.trained_model.named_params().items():
        np.testing.assert_array_equal(loaded.named_params()[k], v)
    assert [p.name for p in tmp_path.iterdir()] == ["trained.npz"]  # no temp files left


def test_start_from_current_weights_continues_the_current_model(qtbot, panel):
    quick(panel, epochs=1, subset=320, fresh=False, lr=0.001)
    assert panel.settings.current_radio.isChecked() and not panel.settings.preset_combo.isEnabled()
    current = panel.state.current_model
    before = current.get_weights()
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000) as finished:
        panel.start_training()
    trained = panel.trained_model
    assert trained is not current
    assert trained.config()["layers"] == current.config()["layers"]
    assert all(np.array_equal(before[k], v) for k, v in current.get_weights().items())  # untouched
    assert finished.args[0].test_accuracy > 0.95  # it kept what the bundled model knew
    assert "model.npz" in trained.metadata["started_from"]


def test_optimizer_choice_updates_learning_rate_and_momentum(panel):
    form = panel.settings
    assert form.momentum_spin.isEnabled()
    form.optimizer_combo.setCurrentIndex(form.optimizer_combo.findData("adam"))
    assert form.lr_spin.value() == pytest.approx(0.001)
    assert not form.momentum_spin.isEnabled()
    assert form.config().optimizer == "adam"
    form.optimizer_combo.setCurrentIndex(form.optimizer_combo.findData("sgd"))
    assert form.lr_spin.value() == pytest.approx(0.05)


def test_missing_mnist_offers_a_download_with_progress_and_cancel(qtbot, tmp_path, monkeypatch):
    import gui.workers.download_job as dd
    calls = []

    def fake_ensure(folder, download, progress, **kw):  # stands in for the network
        calls.append(folder)
        done = 0
        while True:
            done += 100_000
            progress(min(done, 9_912_422), 9_912_422, "train-images-idx3-ubyte.gz")
            threading.Event().wait(0.01)
    monkeypatch.setattr(dd, "ensure_mnist", fake_ensure)
    panel = TrainingPanel(data_dir=str(tmp_path))
    qtbot.addWidget(panel)
    panel.show()
    download = button(panel, "downloadButton")
    assert download.isVisible() and not button(panel, "startTrainingButton").isEnabled()
    assert str(tmp_path) in panel.data.label.text()
    qtbot.mouseClick(download, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.data.download_progress.value() > 0, timeout=5000)
    assert panel.data.download_progress.isVisible() and not download.isVisible()
    qtbot.mouseClick(button(panel, "cancelDownloadButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: download.isVisible(), timeout=5000)
    assert "cancelled" in panel.run_box.status.text()
    assert not panel.data.download_progress.isVisible()
    assert calls == [Path(tmp_path)]
    assert list(tmp_path.iterdir()) == []
    assert panel.shutdown(2000)


def test_a_finished_download_enables_training(qtbot, tmp_path, monkeypatch, mnist_data):
    import shutil

    import gui.workers.download_job as dd

    def fake_ensure(folder, download, progress, **kw):
        for f in Path(mnist_data.source).iterdir():
            if f.name.endswith(".gz"):
                progress(1, 1, f.name)
                shutil.copy(f, Path(folder) / f.name)
        return Path(folder)
    monkeypatch.setattr(dd, "ensure_mnist", fake_ensure)
    panel = TrainingPanel(data_dir=str(tmp_path))
    qtbot.addWidget(panel)
    start = panel.run_box.start_button
    assert not start.isEnabled()
    panel.data.start_download()
    qtbot.waitUntil(lambda: start.isEnabled(), timeout=10_000)
    assert "downloaded" in panel.run_box.status.text()
    assert not panel.data.download_button.isVisibleTo(panel)


def test_a_run_that_does_not_learn_says_so_and_what_to_try(qtbot, panel):
    quick(panel, epochs=1, subset=1500, lr=2.0)
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000) as finished:
        qtbot.mouseClick(button(panel, "startTrainingButton"), Qt.MouseButton.LeftButton)
    assert finished.args[0].reason in ("completed", "diverged")
    shown = panel.run_box.result_label.text()
    assert "isn't learning" in shown or "diverged" in shown.lower()
    assert "lower learning rate" in shown
    # a model at chance does not replace the working one; it can still be used
    assert panel.state.current_model is not panel.trained_model
    assert "stays in use" in shown and panel.run_box.use_button.isEnabled()
    quick(panel, epochs=1, subset=1500, lr=0.05)
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000):
        qtbot.mouseClick(button(panel, "startTrainingButton"), Qt.MouseButton.LeftButton)
    shown = panel.run_box.result_label.text()
    assert "learning" not in shown and "Epoch 1: test accuracy" in shown
    assert panel.state.current_model is panel.trained_model and "now in use" in shown
    qtbot.mouseClick(panel.run_box.back_button, Qt.MouseButton.LeftButton)
    assert "now in use" not in panel.run_box.result_label.text()      # no stale note
