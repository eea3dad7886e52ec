"""engine.bench.one_image_profile: one image's time per layer and pass, the
way the live prediction and the explanations run each layer."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.bench import profile
from engine.bench.one_image_profile import TOTAL, numpy_one_image, one_image_rows
from engine.explain.input_gradients import ForwardTrace
from engine.nn import presets


def test_each_row_runs_its_layer_on_what_the_model_feeds_it():
    model = presets.build("tiny", np.random.default_rng(1))
    image = np.random.default_rng(2).random((1,) + model.input_shape, dtype=np.float32)
    steps = numpy_one_image(model, image)
    _, acts = model.forward(image, keep_activations=True)
    assert [name for name, _, _ in steps] == list(acts)
    trace = ForwardTrace(model, image)
    for (name, forward, backward), layer_input, out in zip(
            steps, [image] + trace.outputs[:-1], trace.outputs):
        np.testing.assert_allclose(forward(), acts[name], rtol=1e-5, atol=1e-6)
        assert backward().shape == layer_input.shape        # the gradient w.r.t. its input
        assert acts[name].shape == out.shape


def test_rows_time_every_layer_and_sum_them():
    model = presets.build("tiny", np.random.default_rng(0))
    rows = one_image_rows("tiny", rounds=1)
    assert [r[0] for r in rows] == [layer.name for layer in model.layers] + [TOTAL]
    for name, fwd, bwd, _, _ in rows:
        assert 0 < fwd < 1e5 and 0 < bwd < 1e5, name            # microseconds
    total = rows[-1]
    assert math.isclose(total[1], sum(r[1] for r in rows[:-1]))
    assert math.isclose(total[2], sum(r[2] for r in rows[:-1]))


@pytest.mark.parametrize("args", [["--one-image", "--batch", "64"], ["--rounds", "0"],
                                  ["--batch", "0"], ["--preset", "xyz", "--one-image"]])
def test_profile_usage_errors_exit_2(args):
    with pytest.raises(SystemExit) as exc:
        profile.main(args)
    assert exc.value.code == 2


def test_profile_prints_the_one_image_table(capsys):
    assert profile.main(["--one-image", "--preset", "tiny", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "one image" in out and TOTAL in out
    assert out.count("\n| ") >= len(presets.build("tiny", np.random.default_rng(0)).layers) + 1
