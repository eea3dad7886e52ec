"""The training settings form: TrainConfig -> widgets -> TrainConfig round
trip, and which controls are enabled when."""
from __future__ import annotations

import pytest

from engine.training.config import TrainConfig
from gui.training.settings_form import FULL_TEST_SET, TrainingSettingsForm


@pytest.fixture
def form(qtbot):
    f = TrainingSettingsForm()
    qtbot.addWidget(f)
    return f


@pytest.mark.parametrize("config", [
    TrainConfig(epochs=3, batch_size=32, optimizer="adam", lr=0.002, weight_decay=0.0,
                schedule="step", augment=False, seed=7, subset=1200, eval_subset=500),
    TrainConfig(epochs=1, batch_size=256, optimizer="sgd", lr=0.1, momentum=0.5,
                schedule="constant", augment=True, seed=0, subset=None, eval_subset=None),
])
def test_config_round_trip(form, config):
    form.set_config(config, preset="bench", fresh=True)
    back = form.config()
    for field in ("epochs", "batch_size", "optimizer", "schedule", "augment", "seed", "subset",
                  "eval_subset", "weight_decay"):
        assert getattr(back, field) == getattr(config, field), field
    assert back.lr == pytest.approx(config.lr)
    if config.optimizer == "sgd":
        assert back.momentum == pytest.approx(config.momentum)
    assert form.preset() == "bench" and form.start_fresh()


def test_full_test_set_means_no_eval_subset(form):
    form.test_spin.setValue(FULL_TEST_SET)
    assert form.config().eval_subset is None
    form.test_spin.setValue(800)
    assert form.config().eval_subset == 800


def test_enabled_controls_follow_the_choices(form):
    assert not form.current_radio.isEnabled() and form.fresh_radio.isChecked()
    form.set_current_model("playground")
    assert form.current_radio.isEnabled() and "playground" in form.current_radio.text()
    form.current_radio.setChecked(True)
    assert not form.preset_combo.isEnabled() and not form.start_fresh()
    form.full_radio.setChecked(True)
    assert not form.subset_spin.isEnabled()
    form.set_locked(True)
    assert not any(w.isEnabled() for w in (form.epochs_spin, form.lr_spin, form.fresh_radio,
                                            form.augment_check, form.seed_spin))
    form.set_locked(False)
    assert form.epochs_spin.isEnabled() and not form.subset_spin.isEnabled()
    form.set_current_model(None)                 # nothing to continue from any more
    assert form.fresh_radio.isChecked() and not form.current_radio.isEnabled()


def test_changes_are_announced(qtbot, form):
    with qtbot.waitSignal(form.sigChanged, timeout=1000):
        form.full_radio.setChecked(True)
