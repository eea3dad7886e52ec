"""Text from a model file is never markup, anywhere in the window.

A model whose every string field (layer names, preset, notes, the command
that trained it, where it started from) and whose *file name* are hostile
markup is opened, drawn on and looked at in every tab; and models with such
names that the loader refuses are reported. Markup with an effect would show:
``<img src=probe>`` loads a 3000 x 3000 picture from the working folder,
``<img width=20000>`` / ``<table width=9000>`` widen what contains them,
``<h1 style=font-size:300px>`` makes it tall. None of that may happen: every
label is plain text, every tooltip escaped, no graphics text holds a tag, the
window keeps its size.
"""
from __future__ import annotations

import html
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsTextItem, QGraphicsView, QLabel, QWidget

from engine import Model
from engine.nn import presets
from gui.state.model_info import file_label
from gui.state.startup import initial_model

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]

LAYER_NAMES = ["<img src=probe>", "<img width=20000 height=20000>", "<b>relu</b>",
               "<table width=9000><tr><td>t</td></tr></table>", "<h1 style=font-size:300px>H</h1>",
               "<a href='file:///etc/passwd'>x</a>", "<style>*{font-size:400px}</style>",
               "&lt;entity&gt; <i>fc</i>"]
METADATA = {"preset": "<img src=probe> &Start", "notes": "<img width=20000>",
            "started_from": "<table width=9000><tr><td>t</td></tr></table>",
            "command": "<h1 style='font-size:300px'>train</h1>", "test_accuracy": 0.5}
FILE_NAMES = ["<img src=probe>.npz", "<img width=20000 height=20000>.npz", "<b>x<\\b>.npz",
              "model[*]x & <i>y.npz", "\ufdfd" * 60 + ".npz"]
TAGS = ("<img", "<table", "<h1", "<a ", "<style", "<b>", "<i>")


@pytest.fixture
def hostile_folder(tmp_path, monkeypatch):
    """The working folder holds ``probe``, a 3000 x 3000 picture (what
    ``<img src=probe>`` would load)."""
    picture = QImage(3000, 3000, QImage.Format.Format_RGB32)
    picture.fill(0xFF0000)
    assert picture.save(str(tmp_path / "probe"), "PNG")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def hostile_model(path) -> Model:
    cfg = presets.build("tiny", np.random.default_rng(0)).config()
    for layer, name in zip(cfg["layers"], LAYER_NAMES):
        layer["name"] = name
    cfg["metadata"] = dict(METADATA)
    model = Model.from_config(cfg, np.random.default_rng(1))
    model.save(path)
    return model


def assert_no_markup_took_effect(window, size):
    assert (window.width(), window.height()) == size
    assert window.minimumSizeHint().width() < 1600 and window.minimumSizeHint().height() < 1200
    for label in window.findChildren(QLabel):
        if "<" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
            assert label.sizeHint().width() < 1600 and label.sizeHint().height() < 400
    for widget in [window, *window.findChildren(QWidget)]:
        tip = widget.toolTip()
        assert not any(tag in tip for tag in TAGS), tip
    for view in window.findChildren(QGraphicsView):
        for item in view.items():
            if isinstance(item, QGraphicsTextItem):
                body = item.toHtml().split("<body", 1)[-1]
                assert not any(tag in body for tag in TAGS), item.toPlainText()
    for i in range(window.tabs.count()):
        assert not any(tag in window.tabs.tabToolTip(i) for tag in TAGS)


@pytest.mark.parametrize("file_name", FILE_NAMES)
def test_a_model_whose_every_text_is_markup_opens_as_plain_text(hostile_folder, make_window,
                                                                 tiny_model, qtbot, file_name):
    path = hostile_folder / file_name
    hostile_model(path)
    size = (1240, 760)
    window = make_window(tiny_model, size=size)
    assert window.open_model(str(path))
    window.draw_example(3)
    qtbot.waitUntil(lambda: window.prediction_view.probabilities() is not None, timeout=5000)
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(50)
        assert_no_markup_took_effect(window, size)
    status = window.model_status               # painted as plain text, whatever it holds
    assert file_label(path) in status.text()      # (its tooltip: escaped, plain_tooltip)
    assert file_label(path) in window.windowHandle().title()       # "[*]" shown as itself
    radio = window.training_panel.settings.current_radio
    assert "&Start" in radio.text().replace("&&", "&") and "&&Start" in radio.text()
    # shown literally: whole, or (too wide for a panel title) elided with the whole in its tooltip
    titles = [label.text() + "\n" + html.unescape(label.toolTip())
              for label in window.findChildren(QLabel)]
    for name in LAYER_NAMES[:4]:
        assert any(name in text for text in titles), name


REFUSED_NAMES = ["<img src=probe>.x", "a\n<img width=20000>", "\x1b[2J<b>clear</b>", "", " ",
                 "x" * 65]


@pytest.mark.parametrize("bad_name", REFUSED_NAMES)
def test_a_refused_hostile_model_is_reported_as_plain_text(hostile_folder, make_window, tiny_model,
                                                           no_modal_dialogs, bad_name):
    path = hostile_folder / "<img width=20000 height=20000>.npz"
    presets.build("tiny", np.random.default_rng(0)).save(path)
    with np.load(path, allow_pickle=False) as data:     # rename conv1 inside the file
        items = {k.replace("conv1.", f"{bad_name}."): data[k] for k in data.files}
    arch = json.loads(bytes(items["architecture"]).decode())
    arch["layers"][0]["name"] = bad_name
    items["architecture"] = np.frombuffer(json.dumps(arch).encode(), dtype=np.uint8)
    np.savez(path, **items)

    window = make_window(tiny_model, size=(1240, 760))
    assert not window.open_model(str(path))
    assert len(no_modal_dialogs) == 1 and no_modal_dialogs.formats == [Qt.TextFormat.PlainText]
    assert "<img width=20000 height=20000>.npz" in no_modal_dialogs[0][2]
    assert_no_markup_took_effect(window, (1240, 760))

    model, problem = initial_model(str(path))        # the startup banner says the same
    assert problem and "could not" in problem.lower() and "<img width=20000" in problem


def test_the_startup_banner_for_a_refused_file_is_plain_text(hostile_folder, make_window):
    path = hostile_folder / "<img src=probe>.npz"
    path.write_bytes(b"<img src=probe> not a model")
    window = make_window(None, model_path=str(path), size=(1240, 760))
    assert window.banner.isVisible() and window.banner.textFormat() == Qt.TextFormat.PlainText
    assert "<img src=probe>.npz" in window.banner.text()
    assert_no_markup_took_effect(window, (1240, 760))
