"""engine.training.dynamics: on a tiny run the statistics of every sampled
step equal hand computations from the weights and gradients a plain
recording watcher saw, the sampled steps are the configured ones, and the
watcher changes nothing about the run (nor the model it probes)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.nn.layers import (BatchNorm2D, Conv2D, Dense, Dropout, Flatten, LeakyReLU,
                              MaxPool2D, ReLU)
from engine.nn.model import Model
from engine.training.config import TrainConfig
from engine.training.dynamics import DynamicsConfig, DynamicsWatcher, relu_after
from engine.training.dynamics_report import DynamicsReport
from engine.training.reports import RunPlan, StepReport
from engine.training.trainer import Trainer
from engine.training.watchers import RunWatcher

LR = 0.05
CONFIG = DynamicsConfig(every=3, first_steps=2, bins=24, weight_span=2.0)


@pytest.fixture(scope="module")
def tiny_data(mnist_data):
    return Dataset(mnist_data.train_images[:256], mnist_data.train_labels[:256],
                   mnist_data.test_images[:100], mnist_data.test_labels[:100])


class Recorder(RunWatcher):
    """Copies of the weights at the start and after every step, and of every step's grads."""

    def __init__(self):
        self.weights: dict[int, dict[str, np.ndarray]] = {}
        self.grads: dict[int, dict[str, np.ndarray]] = {}

    def at_start(self, model, plan):
        self.weights[0] = model.get_weights()
        return ()

    def after_step(self, model, report):
        self.weights[report.step] = model.get_weights()
        self.grads[report.step] = {k: g.copy() for k, g in model.named_grads().items()}
        return ()


def _sgd(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=64, lr=LR, optimizer="sgd", momentum=0.0, weight_decay=0.0,
                schedule="constant", augment=False, workers=1, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def _tiny_with_dead_channels() -> Model:
    """The tiny preset whose conv1 channels 0-2 can never fire (bias -20 on
    inputs in [0, 1]), so the dead fractions are not trivially 0."""
    model = presets.build("tiny", np.random.default_rng(0))
    model.layers[0].params["b"][:3] = -20.0
    return model


@pytest.fixture(scope="module")
def tiny_run(tiny_data):
    model = _tiny_with_dead_channels()
    watcher = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(5), CONFIG)
    recorder = Recorder()
    reports = list(Trainer(model, tiny_data, _sgd(), watchers=[recorder, watcher]).run())
    return model, watcher, recorder, reports


def test_the_sampled_steps_are_the_configured_ones(tiny_run):
    _, watcher, _, reports = tiny_run
    samples = [r for r in reports if isinstance(r, DynamicsReport)]
    # 256 images / 64 = 4 steps per epoch, 2 epochs: steps 1, 2, then every 3rd, and the last
    assert [r.step for r in samples] == [1, 2, 3, 6, 8] == CONFIG.sampled_steps(8)
    assert watcher.reports == tuple(samples)
    assert len(watcher.losses) == 8
    assert [r.epoch_fraction for r in samples] == [0.25, 0.5, 0.75, 1.5, 2.0]
    assert [layer.layer for layer in samples[0].layers] == ["conv1", "conv2", "fc1"]
    assert [layer.param for layer in samples[0].layers] == ["conv1.K", "conv2.K", "fc1.W"]


def test_each_report_follows_the_step_report_it_describes(tiny_run):
    _, watcher, _, reports = tiny_run
    for i, r in enumerate(reports):
        if isinstance(r, DynamicsReport):
            assert reports[i - 1].step == r.step and reports[i - 1].loss == r.loss
            assert watcher.losses[r.step - 1] == r.loss


def test_histograms_equal_numpy_histograms_over_fixed_edges(tiny_run):
    _, watcher, recorder, _ = tiny_run
    for report in watcher.reports:
        w_after, grads = recorder.weights[report.step], recorder.grads[report.step]
        for layer in report.layers:
            top = float(np.abs(recorder.weights[0][layer.param]).max())
            edges = np.linspace(-2.0 * top, 2.0 * top, 25)
            np.testing.assert_allclose(layer.weight_edges, edges, rtol=1e-12)
            w = w_after[layer.param]
            expected, _ = np.histogram(np.clip(w, edges[0], edges[-1]), edges)
            assert np.array_equal(layer.weight_counts, expected)
            assert layer.weight_counts.sum() == w.size
            with np.errstate(divide="ignore"):
                logs = np.log10(np.abs(grads[layer.param]))
            g_edges = np.linspace(-10.0, 0.0, 25)
            np.testing.assert_allclose(layer.grad_edges, g_edges, rtol=1e-12)
            expected, _ = np.histogram(np.clip(logs, -10.0, 0.0), g_edges)
            assert np.array_equal(layer.grad_counts, expected)
            assert layer.grad_counts.sum() == w.size
    dead_kernels = watcher.reports[-1].layers[0]
    assert dead_kernels.grad_counts[0] >= 3 * 9    # the dead channels' zero gradients: first bin


def test_norms_and_update_ratios_equal_hand_computations(tiny_run):
    _, watcher, recorder, _ = tiny_run
    for report in watcher.reports:
        s = report.step
        for layer in report.layers:
            w = recorder.weights[s][layer.param].astype(np.float64)
            before = recorder.weights[s - 1][layer.param].astype(np.float64)
            g = recorder.grads[s][layer.param].astype(np.float64)
            assert layer.weight_norm == pytest.approx(np.linalg.norm(w), rel=1e-5)
            assert layer.grad_norm == pytest.approx(np.linalg.norm(g), rel=1e-5)
            by_weights = np.linalg.norm(w - before) / np.linalg.norm(before)
            assert layer.update_ratio == pytest.approx(by_weights, rel=1e-5)
            # plain SGD: w_s - w_(s-1) = -lr * g (float32 rounding of the subtraction aside)
            assert layer.update_ratio == pytest.approx(LR * np.linalg.norm(g)
                                                       / np.linalg.norm(before), rel=2e-3)


def test_dead_fractions_equal_a_direct_count_on_the_probe(tiny_run):
    model, watcher, recorder, _ = tiny_run
    twin = model.clone()
    for report in watcher.reports:
        twin.set_weights(recorder.weights[report.step])
        with twin.evaluating():
            _, acts = twin.forward(watcher.probe, keep_activations=True)
        by_layer = {layer.layer: layer.dead_fraction for layer in report.layers}
        for layer, relu in (("conv1", "relu1"), ("conv2", "relu2")):
            silent = np.all(acts[relu] <= 0, axis=0)           # (C, H, W) units
            assert by_layer[layer] == pytest.approx(silent.mean(), abs=1e-12)
        assert by_layer["fc1"] is None                        # no ReLU after the last layer
        assert by_layer["conv1"] >= 3 / 8                     # the three channels set dead


def test_the_probe_is_fixed_training_images(tiny_data):
    a = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(7), CONFIG)
    b = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(7), CONFIG)
    assert a.probe.shape == (256, 1, 28, 28) and a.probe.dtype == np.float32
    assert np.array_equal(a.probe, b.probe)
    train = tiny_data.train_images.reshape(256, -1)
    probe = np.rint(a.probe.reshape(len(a.probe), -1) * 255).astype(np.uint8)
    assert all((train == row).all(axis=1).any() for row in probe[:20])
    small = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(7),
                                         DynamicsConfig(probe_size=32))
    assert small.probe.shape == (32, 1, 28, 28)


def test_the_watcher_leaves_the_run_unchanged_bit_for_bit(tiny_data):
    """Momentum, weight decay, augmentation and two worker threads: every
    random stream and every weight is the same with and without the watcher."""
    config = TrainConfig(epochs=2, batch_size=64, lr=0.05, augment=True, workers=2, seed=1)
    plain = presets.build("tiny", np.random.default_rng(0))
    watched = presets.build("tiny", np.random.default_rng(0))
    list(Trainer(plain, tiny_data, config).run())
    watcher = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(0),
                                           DynamicsConfig(every=1))
    list(Trainer(watched, tiny_data, config, watchers=[watcher]).run())
    assert len(watcher.reports) == 8
    for name, w in plain.get_weights().items():
        assert np.array_equal(w, watched.get_weights()[name]), name


def _bn_dropout_model() -> Model:
    rng = np.random.default_rng(2)
    return Model([Conv2D(1, 4, 3, padding=1, rng=rng), BatchNorm2D(4), ReLU(), MaxPool2D(2),
                  Flatten(), Dense(4 * 14 * 14, 16, rng=rng), Dropout(0.5, seed=3), ReLU(),
                  Dense(16, 12, rng=rng), LeakyReLU(), Dense(12, 10, rng=rng)])


def test_the_relu_after_a_layer_is_found_through_batch_norm_and_dropout():
    model = _bn_dropout_model()
    found = {layer.name: relu_after(model.layers, i) for i, layer in enumerate(model.layers)
             if layer.params}
    assert found == {"conv1": "relu1", "bn1": "relu1", "fc1": "relu2", "fc2": None, "fc3": None}


def test_probing_changes_neither_mode_nor_buffers_nor_dropout_stream():
    model = _bn_dropout_model()
    model.layers[1].buffers["running_mean"][:] = [0.1, -0.2, 0.3, 0.0]
    model.train()
    probe = np.random.default_rng(4).random((100, 1, 28, 28), dtype=np.float32)
    watcher = DynamicsWatcher(probe, DynamicsConfig(probe_chunk=30, workers=2))
    list(watcher.at_start(model, RunPlan(10, 10, 1, 640, 100, 64)))
    state = model.get_weights()
    dropout_state = model.layers[6].rng.bit_generator.state
    dead = watcher.dead_fractions(model)
    assert set(dead) == {"relu1", "relu2"} and all(0.0 <= v <= 1.0 for v in dead.values())
    assert all(layer.training for layer in model.layers)
    assert model.layers[6].rng.bit_generator.state == dropout_state
    for name, value in model.get_weights().items():
        assert np.array_equal(value, state[name]), name
    with model.evaluating():                                   # the same count, by hand
        _, acts = model.forward(probe, keep_activations=True)
    assert dead["relu1"] == pytest.approx(np.all(acts["relu1"] <= 0, axis=0).mean())
    assert dead["relu2"] == pytest.approx(np.all(acts["relu2"] <= 0, axis=0).mean())


def test_values_beyond_the_edges_go_to_the_end_bins():
    model = presets.build("tiny", np.random.default_rng(0))
    watcher = DynamicsWatcher(np.zeros((4, 1, 28, 28), np.float32), DynamicsConfig(bins=10))
    list(watcher.at_start(model, RunPlan(4, 4, 1, 256, 100, 64)))
    kernel = model.layers[0].params["K"]
    top = float(np.abs(kernel).max())
    kernel.flat[:5] = 100.0 * top
    kernel.flat[5:8] = -100.0 * top
    report = watcher.sample(model, StepReport(1, 4, 1, 0.25, 2.3, 0.1, LR, 100.0, 1.0))
    counts = report.layers[0].weight_counts
    assert counts[-1] >= 5 and counts[0] >= 3 and counts.sum() == kernel.size


def test_bad_settings_and_probes_are_refused():
    with pytest.raises(ValueError):
        DynamicsConfig(every=0).validate()
    with pytest.raises(ValueError):
        DynamicsWatcher(np.zeros((0, 1, 28, 28), np.float32))
    watcher = DynamicsWatcher(np.zeros((2, 1, 14, 14), np.float32))
    with pytest.raises(ValueError, match="probe"):
        watcher.at_start(presets.build("tiny", np.random.default_rng(0)),
                         RunPlan(4, 4, 1, 256, 100, 64))


def _budget_run(tiny_data, budget: float, every: int = 2):
    model = presets.build("tiny", np.random.default_rng(0))
    probe = np.asarray(tiny_data.train_images[:64], np.float32)[:, None] / 255.0
    watcher = DynamicsWatcher(probe, DynamicsConfig(every=every, first_steps=2, budget=budget))
    recorder = Recorder()
    list(Trainer(model, tiny_data, _sgd(epochs=6, batch_size=16), watchers=[watcher, recorder]).run())
    return model, watcher, recorder


def test_a_time_budget_spaces_samples_by_their_cost_and_keeps_them_exact(tiny_data):
    """With a budget the sampled steps follow the time the samples cost (a
    tiny budget samples little beyond the first and the last steps, a whole
    one samples every ``every`` steps); each sample is still exact."""
    _, lavish, recorder = _budget_run(tiny_data, budget=1.0)
    _, frugal, _ = _budget_run(tiny_data, budget=1e-6)
    total = 6 * 16
    for watcher in (lavish, frugal):
        steps = [r.step for r in watcher.reports]
        assert steps[:2] == [1, 2] and steps[-1] == total
        assert all(b - a >= 2 for a, b in zip(steps[1:-2], steps[2:-1]))
    assert len(frugal.reports) <= 4 < len(lavish.reports)
    for report in lavish.reports[2:-1]:          # exact like the fixed schedule's
        before, after = recorder.weights[report.step - 1], recorder.weights[report.step]
        for layer in report.layers:
            want = np.linalg.norm(after[layer.param] - before[layer.param]) / \
                np.linalg.norm(before[layer.param])
            assert layer.update_ratio == pytest.approx(want, rel=1e-5)


def test_a_budget_outside_0_to_1_is_refused():
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="budget"):
            DynamicsConfig(budget=bad).validate()


def test_the_apps_budgeted_probe_takes_one_thread_and_counts_as_the_threads_do(tiny_data,
                                                                             monkeypatch):
    """The app's sampling runs its probe in the training thread: a budget of
    wall time is then the CPU time it takes from the training's processes."""
    from engine.training import dynamics
    config = DynamicsConfig.budgeted(1000)
    watcher = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(7), config)
    spread = DynamicsWatcher.from_dataset(tiny_data, np.random.default_rng(7),
                                          DynamicsConfig(probe_size=config.probe_size, workers=2))
    model = presets.build("tiny", np.random.default_rng(0))
    for w in (watcher, spread):
        list(w.at_start(model, RunPlan(10, 10, 1, 256, 100, 32, False)))
    expected = spread.dead_fractions(model)

    def no_pool(*args, **kwargs):
        raise AssertionError("the budgeted probe started threads")
    monkeypatch.setattr(dynamics, "ThreadPoolExecutor", no_pool)
    assert watcher.dead_fractions(model) == expected and expected
