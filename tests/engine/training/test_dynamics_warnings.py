"""engine.training.dynamics_warnings: each teacher's warning comes from a
crafted series of reports made to show it (and not from a healthy series),
and from real tiny runs with a learning rate far too high or too low and
with a layer whose units are all dead."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training import dynamics_warnings as dw
from engine.training.config import TrainConfig
from engine.training.dynamics import DynamicsWatcher
from engine.training.dynamics_report import DynamicsReport, LayerDynamics
from engine.training.dynamics_warnings import UPDATE_RATIO_BAND, diagnose
from engine.training.reports import FinishedReport
from engine.training.trainer import Trainer

NAMES = ("conv1", "conv2", "fc1")
EDGES = np.linspace(-1.0, 1.0, 5)


def _layer(name: str, grad: float = 1.0, ratio: float = 1e-3,
           dead: float | None = 0.1) -> LayerDynamics:
    counts = np.array([1, 2, 2, 1], dtype=np.int64)
    return LayerDynamics(name, f"{name}.K", EDGES, counts, EDGES, counts, 3.0, grad, ratio, dead)


def _report(step: int, loss: float = 1.0, **per_layer) -> DynamicsReport:
    """``per_layer``: ``{layer name: dict of _layer keywords}``."""
    return DynamicsReport(step, step / 100, loss,
                          tuple(_layer(n, **per_layer.get(n, {})) for n in NAMES))


def _healthy(count: int = 12) -> list[DynamicsReport]:
    rng = np.random.default_rng(0)
    return [_report(10 * (i + 1), 2.0 / (1 + i), **{
        n: {"grad": float(rng.uniform(0.5, 2.0)), "ratio": float(rng.uniform(5e-4, 5e-3)),
            "dead": float(rng.uniform(0.0, 0.3)) if n != "fc1" else None} for n in NAMES})
        for i in range(count)]


def _jumping(count: int = 60, seed: int = 3) -> list[float]:
    """Losses that jump between ~1.5 and ~6 without a trend (a learning rate too high)."""
    rng = np.random.default_rng(seed)
    return [(1.5 if i % 2 else 6.0) * float(rng.uniform(0.8, 1.2)) for i in range(count)]


def _kinds(warnings) -> list[tuple[str, str | None]]:
    return [(w.kind, w.layer) for w in warnings]


def _plain_sentences(message: str) -> bool:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", message.strip()) if s]
    return 1 <= len(sentences) <= 2 and not re.search(r"[<>&]", message) and "\n" not in message


def test_a_healthy_run_gets_no_warning():
    reports = _healthy()
    losses = list(2.3 * np.exp(-np.arange(120) / 40) + 0.05 * np.random.default_rng(1).random(120))
    assert diagnose(reports, losses) == []
    assert diagnose(reports) == [] and diagnose([]) == [] and diagnose([], []) == []


def test_a_late_noisy_but_low_loss_is_not_oscillation():
    rng = np.random.default_rng(2)
    losses = list(np.abs(0.08 + 0.06 * rng.standard_normal(200)))   # spread ~75 %, flat
    assert diagnose(_healthy(), losses) == []


def test_exploding_gradients():
    reports = _healthy()
    reports.append(_report(130, conv2={"grad": 500.0}))
    warnings = diagnose(reports)
    assert _kinds(warnings) == [("exploding", "conv2")]
    assert warnings[0].step == 130 and "conv2" in warnings[0].message
    nan = _healthy(3) + [_report(40, fc1={"grad": math.nan})]
    assert _kinds(diagnose(nan)) == [("exploding", "fc1")]
    grown_slowly = _healthy(6) + [_report(70, conv2={"grad": 30.0})]     # 30x: not yet
    assert diagnose(grown_slowly) == []


def test_vanishing_gradients_only_when_sustained():
    tiny = {"conv1": {"grad": 1e-6}, "conv2": {"grad": 1e-6}}
    reports = _healthy(5) + [_report(100 + i, **tiny) for i in range(3)]
    warnings = diagnose(reports)
    assert _kinds(warnings) == [("vanishing", "conv1")]       # the input-most layer, once
    once = _healthy(5) + [_report(100, **tiny)]
    assert diagnose(once) == []


def test_dead_layers_only_when_sustained():
    reports = _healthy(5) + [_report(100 + i, conv2={"dead": 0.8}) for i in range(3)]
    warnings = diagnose(reports)
    assert _kinds(warnings) == [("dead", "conv2")] and "80%" in warnings[0].message
    flicker = _healthy(5) + [_report(100, conv2={"dead": 0.8}), _report(101),
                             _report(102, conv2={"dead": 0.8})]
    assert diagnose(flicker) == []


def test_learning_rate_too_high_from_the_update_ratio():
    big = {"fc1": {"ratio": 0.4}, "conv1": {"ratio": 0.2}}
    reports = _healthy(5) + [_report(100 + i, **big) for i in range(3)]
    warnings = diagnose(reports)
    assert _kinds(warnings) == [("lr_too_high", "fc1")] and "40%" in warnings[0].message
    assert diagnose(_healthy(5) + [_report(100, **big)]) == []


def test_learning_rate_too_high_from_an_oscillating_loss():
    rng = np.random.default_rng(3)
    losses = _jumping()
    warnings = diagnose(_healthy(), losses)
    assert _kinds(warnings) == [("lr_too_high", None)] and warnings[0].step == 60
    falling = list(np.linspace(3.0, 0.8, 60) * rng.uniform(0.6, 1.4, 60))  # noisy but learning
    assert diagnose(_healthy(), falling) == []
    assert diagnose(_healthy(), losses[:dw.MIN_LOSSES - 1]) == []           # too few to tell


def test_learning_rate_too_low():
    slow = {n: {"ratio": 3e-7} for n in NAMES}
    reports = _healthy(5) + [_report(100 + i, **slow) for i in range(3)]
    assert _kinds(diagnose(reports)) == [("lr_too_low", None)]
    one_moves = {**slow, "fc1": {"ratio": 1e-3}}
    assert diagnose(_healthy(5) + [_report(100 + i, **one_moves) for i in range(3)]) == []
    frozen = {n: {"ratio": 0.0, "grad": 0.0} for n in NAMES}    # no gradient: not the lr's fault
    assert diagnose(_healthy(5) + [_report(100 + i, **frozen) for i in range(3)]) == []


def test_every_message_is_one_or_two_plain_sentences():
    cases = [
        _healthy() + [_report(130, conv2={"grad": 500.0})],
        _healthy(3) + [_report(40, fc1={"grad": math.inf})],
        [_report(i, conv1={"grad": 1e-7}) for i in range(3)],
        [_report(i, conv1={"dead": 0.9}) for i in range(3)],
        [_report(i, conv1={"ratio": math.inf}) for i in range(3)],
        [_report(i, **{n: {"ratio": 1e-8} for n in NAMES}) for i in range(3)],
    ]
    seen = set()
    for reports in cases:
        for warning in diagnose(reports):
            seen.add(warning.kind)
            assert _plain_sentences(warning.message), warning.message
    loss = diagnose([], _jumping(seed=4))
    assert len(loss) == 1 and _plain_sentences(loss[0].message)
    assert seen == {"exploding", "vanishing", "dead", "lr_too_high", "lr_too_low"}


def test_the_band_is_around_the_rule_of_thumb():
    lo, hi = UPDATE_RATIO_BAND
    assert lo < 1e-3 < hi and dw.RATIO_TOO_LOW < lo and dw.RATIO_TOO_HIGH > hi


# ---------------------------------------------------------------- real runs
@pytest.fixture(scope="module")
def tiny_data(mnist_data):
    return Dataset(mnist_data.train_images[:512], mnist_data.train_labels[:512],
                   mnist_data.test_images[:100], mnist_data.test_labels[:100])


def _run(data: Dataset, lr: float, dead_bias: bool = False):
    """``(warnings after each report, finished report)`` of a tiny run with
    the default sampling (steps 1..3, then every 200th and the last)."""
    model = presets.build("tiny", np.random.default_rng(0))
    if dead_bias:
        model.layers[0].params["b"][:] = -20.0       # inputs are in [0, 1]: conv1 never fires
    watcher = DynamicsWatcher.from_dataset(data, np.random.default_rng(0))
    config = TrainConfig(epochs=2, batch_size=64, lr=lr, optimizer="sgd", momentum=0.0,
                         weight_decay=0.0, schedule="constant", augment=False, workers=1)
    timeline, finished = [], None
    for report in Trainer(model, data, config, watchers=[watcher]).run():
        if isinstance(report, DynamicsReport):
            timeline.append((report.step, diagnose(watcher.reports, watcher.losses)))
        if isinstance(report, FinishedReport):
            finished = report
    return timeline, finished


def test_a_far_too_high_learning_rate_is_named_before_the_run_diverges(tiny_data):
    timeline, finished = _run(tiny_data, lr=5.0)
    flagged = [step for step, warnings in timeline
               if any(w.kind == "lr_too_high" for w in warnings)]
    assert flagged, timeline
    if finished.reason == "diverged":
        assert flagged[0] <= finished.steps


def test_a_far_too_low_learning_rate_is_named(tiny_data):
    timeline, finished = _run(tiny_data, lr=1e-6)
    assert finished.reason == "completed"
    last = timeline[-1][1]
    assert ("lr_too_low", None) in _kinds(last)
    assert not any(w.kind == "lr_too_high" for w in last)


def test_a_dead_layer_is_named(tiny_data):
    timeline, _ = _run(tiny_data, lr=0.05, dead_bias=True)
    kinds = _kinds(timeline[-1][1])
    assert ("dead", "conv1") in kinds
    assert ("lr_too_low", None) not in kinds


def test_a_sane_real_run_gets_no_warning(tiny_data):
    timeline, finished = _run(tiny_data, lr=0.05)
    assert finished.reason == "completed"
    assert all(warnings == [] for _, warnings in timeline), timeline
