"""Model ▸ Export to ONNX… writes the shown model off the GUI thread; the file
runs in ONNX Runtime (when installed) like our forward pass; without the
onnx package the command says how to install it; a failed write says why."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from gui.window.onnx_wiring import suggested_onnx_name

HAVE_ONNX = importlib.util.find_spec("onnx") is not None


def test_the_action_is_in_the_model_menu(window):
    assert window.export_onnx_action.text() == "&Export to ONNX…"
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    model_menu = next(m for m in menus if m.title() == "&Model")
    assert window.export_onnx_action in model_menu.actions()


def test_suggested_names_are_file_safe():
    assert suggested_onnx_name("model.npz") == "model.onnx"
    assert suggested_onnx_name("bench trained here (not saved)") == "bench-trained.onnx"
    assert suggested_onnx_name("bench trained here in run 2 (not saved)") == \
        "bench-trained-run-2.onnx"
    assert suggested_onnx_name("<img src=x>/../..") == "img-src-x-.onnx" or \
        "/" not in suggested_onnx_name("<img src=x>/../..")


@pytest.mark.skipif(not HAVE_ONNX, reason="the optional onnx package is not installed")
def test_export_writes_a_file_that_computes_like_the_model(qtbot, window, tmp_path):
    path = tmp_path / "shown.onnx"
    lab = window.why.onnx
    assert lab.export(str(path))
    assert not lab.export(str(tmp_path / "again.onnx"))      # one export at a time
    qtbot.waitUntil(lambda: lab.job is None, timeout=30_000)
    assert path.stat().st_size > 10_000
    assert "Exported shown.onnx" in window.statusBar().currentMessage()
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).random((5, 1, 28, 28), dtype=np.float32)
    logits = session.run(None, {session.get_inputs()[0].name: x})[0]
    with window.state.shown_model.evaluating() as model:
        ours = model.forward(x)
    np.testing.assert_allclose(logits, ours, atol=1e-4)


@pytest.mark.skipif(not HAVE_ONNX, reason="the optional onnx package is not installed")
def test_an_export_into_a_missing_folder_says_why(qtbot, window, tmp_path):
    shown = []
    window.sigErrorShown.connect(lambda title, text: shown.append((title, text)))
    assert window.why.onnx.export(str(tmp_path / "no" / "such" / "folder" / "m.onnx"))
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    assert shown[0][0] == "Could not export to ONNX" and "m.onnx" in shown[0][1]


def test_without_onnx_it_says_how_to_install(qtbot, window, monkeypatch, no_modal_dialogs):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnx" else real(name, *a))
    assert not window.why.onnx.export("/tmp/never-written.onnx")
    assert no_modal_dialogs and "pip install" in no_modal_dialogs[-1][2]
