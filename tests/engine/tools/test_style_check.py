"""``engine.tools.style_check``: the style test set is made from the test digits
as stated, and its accuracies are computed as the docstring says."""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.data.mnist import ENV_VAR
from engine.data.writer_styles import VARIANTS
from engine.tools import style_check as sc
from tests.support.data_fixtures import mnist_folder


class FixedModel:
    """Predicts ``answers`` for a set's images, keyed by the images' sums."""

    def __init__(self, answers: dict[float, int]):
        self.answers = answers

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((len(x), 10))
        out[np.arange(len(x)), [self.answers[float(v)] for v in x.reshape(len(x), -1).sum(1)]] = 1
        return out


def _set(name: str, labels: list[int], group=None, start: int = 0) -> sc.StyleSet:
    """Images whose sum is ``start + i`` (so a FixedModel can tell them apart)."""
    images = np.zeros((len(labels), 1, 28, 28), np.float32)
    images[:, 0, 0, 0] = start + np.arange(len(labels))
    return sc.StyleSet(name, images, np.asarray(labels, np.int64),
                       np.full(len(labels), -1) if group is None else np.asarray(group))


def test_accuracies_per_set_pooled_styles_and_the_worst_writer():
    sets = [_set(sc.PLAIN, [0, 1, 2, 3], start=0),
            _set("1 flag", [1, 1, 1, 1], start=10),
            _set("7 bar", [7, 7], start=20),
            _set(sc.WRITERS, [0, 1, 2, 3, 4, 5], group=[0, 0, 0, 1, 1, 1], start=30)]
    answers = {0.0: 0, 1.0: 1, 2.0: 9, 3.0: 3,                  # plain: 3 of 4
               10.0: 7, 11.0: 7, 12.0: 1, 13.0: 7,              # 1 flag: 1 of 4
               20.0: 7, 21.0: 7,                                # 7 bar: 2 of 2
               30.0: 0, 31.0: 1, 32.0: 2, 33.0: 3, 34.0: 0, 35.0: 0}   # writers 3/3, 1/3
    table = sc.accuracy_table({"m": FixedModel(answers)}, sets)
    assert table[sc.PLAIN] == {"n": 4, "m": 0.75}
    assert table["1 flag"] == {"n": 4, "m": 0.25} and table["7 bar"] == {"n": 2, "m": 1.0}
    assert table[sc.ALL_STYLES] == {"n": 6, "m": pytest.approx(3 / 6)}   # pooled, not averaged
    assert table[sc.WRITERS] == {"n": 6, "m": pytest.approx(4 / 6)}
    assert table[sc.WORST] == {"n": 3, "m": pytest.approx(1 / 3)}
    assert list(table)[-2:] == [sc.ALL_STYLES, sc.WORST]
    text = sc.format_table(table, ["m"])
    assert "25.00%" in text and "33.33%" in text


def test_the_style_test_set_is_made_from_the_given_digits_per_style(mnist_data):
    images, labels = mnist_data.test_images[:600], mnist_data.test_labels[:600]
    sets = sc.build_style_test(images, labels, n_plain=20, n_style=6, writers=2, per_digit=1)
    names = [s.name for s in sets]
    assert names == [sc.PLAIN] + [f"{d} {s}" for d, s in VARIANTS] + [sc.WRITERS]
    for s, (digit, _) in zip(sets[1:-1], VARIANTS):
        assert 4 <= len(s.labels) <= 6 and np.all(s.labels == digit)
        assert s.images.shape == (len(s.labels), 1, 28, 28) and s.images.max() <= 1.0
    writers = sets[-1]
    assert np.array_equal(np.bincount(writers.group), [10, 10])
    assert np.array_equal(writers.labels, np.tile(np.arange(10), 2))
    again = sc.build_style_test(images, labels, n_plain=20, n_style=6, writers=2, per_digit=1)
    assert all(np.array_equal(a.images, b.images) for a, b in zip(sets, again))


def test_the_command_line_prints_the_table_as_json(capsys, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(mnist_folder()))
    if not (mnist_folder() / "t10k-labels-idx1-ubyte.gz").exists():
        pytest.skip("MNIST not found")
    code = sc.main(["--n-plain", "10", "--n-style", "3", "--writers", "1", "--per-digit", "1",
                    "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["models"] == ["bundled"]
    table = out["table"]
    assert table[sc.MNIST]["n"] == 10000 and table[sc.MNIST]["bundled"] > 0.99
    assert table[sc.WORST]["n"] == 10 and set(table) >= {sc.PLAIN, sc.ALL_STYLES, "1 flag"}


def test_a_missing_model_file_is_one_line_and_exit_1(tmp_path, capsys):
    assert sc.main(["--model", str(tmp_path / "nope.npz"), "--n-plain", "1"]) == 1
    assert capsys.readouterr().err.startswith("error:")


def test_an_empty_set_is_null_in_the_json(capsys, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(mnist_folder()))
    if not (mnist_folder() / "t10k-labels-idx1-ubyte.gz").exists():
        pytest.skip("MNIST not found")
    assert sc.main(["--n-plain", "0", "--n-style", "1", "--writers", "0", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)["table"]
    assert table[sc.PLAIN] == {"n": 0, "bundled": None} and sc.WORST not in table
