"""The README's pictures of the teaching, backprop and building tabs,
rendered offscreen at the default window size (1240x760) with fresh
settings and an empty personal set::

    CNN_PLAYGROUND_DATA=../shared/datasets/mnist .venv/bin/python -m gui.tools.feature_pictures

* ``handwriting-light.png`` - a synthetic writer's 30 digits (crossed 7s,
  flagged 1s, slashed 0s ...) in *My handwriting* after "Fine-tune" and
  "Keep the new model", with the before/after numbers;
* ``onestep-dark.png`` - a drawn 7 trained one step as 1 in *One step*;
* ``build-light.png`` - the *Build* tab on the bench network after conv2's
  kernel was made too large (the explanation, Train disabled).

Buttons are clicked with real mouse events. Prints the files written.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .pictures import mnist_dataset, picture_window, pictures_main, save_picture
from .session import click, click_tab, pump, wait_until

def _handwriting(out: Path, folder: str, data) -> Path:
    from engine.data.writer_styles import synthetic_writer
    window = picture_window("light", folder)
    try:
        lab = window.why.personal
        window.training_panel.set_data(data)
        drawn = synthetic_writer(3, styles="all").samples(per_digit=3, seed=1)
        for image, label, strokes in zip(drawn.images, drawn.labels, drawn.strokes):
            lab.samples.add(image, int(label), strokes)
        click_tab(window.tabs, lab.tab)
        click(lab.tab.fine_tune.start_button)
        wait_until(lambda: lab.report is not None, 300, "the fine-tune")
        click(lab.tab.fine_tune.keep_button)
        return save_picture(window, out / "handwriting-light.png")
    finally:
        window.close()


def _one_step(out: Path, folder: str) -> Path:
    window = picture_window("dark", folder)
    try:
        lab = window.why.backprop
        window.draw_example(7)
        window.current_result()
        click_tab(window.tabs, lab.tab)
        controls = lab.tab.controls
        click(controls.digit_buttons[1])
        click(controls.train_button)
        wait_until(lambda: controls.undo_button.isEnabled(), 60, "the step")
        return save_picture(window, out / "onestep-dark.png")
    finally:
        window.close()


def _build(out: Path, folder: str) -> Path:
    window = picture_window("light", folder)
    try:
        editor = window.why.build.editor
        click_tab(window.tabs, editor)
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        editor.load_preset("bench")
        row = editor.list.rows[[layer["name"] for layer in editor.layers].index("conv2")]
        spin = row.spins["kernel_size"]
        editor.scroll.ensureWidgetVisible(spin)
        QTest.mouseClick(spin, Qt.MouseButton.LeftButton)       # type 15 into conv2's kernel
        spin.selectAll()
        QTest.keyClicks(spin, "15")
        QTest.keyClick(spin, Qt.Key.Key_Return)
        wait_until(lambda: not editor.check.valid, 10, "the explanation")
        return save_picture(window, out / "build-light.png")
    finally:
        window.close()


def render(out: Path, data_dir: str | None) -> list[Path]:
    """Write the three pictures into ``out``; return their paths."""
    data = mnist_dataset(data_dir)
    with tempfile.TemporaryDirectory(prefix="feature-pictures-") as folder:
        os.environ["CNN_PLAYGROUND_PERSONAL"] = os.path.join(folder, "personal-set.npz")
        written = [_handwriting(out, folder, data), _one_step(out, folder), _build(out, folder)]
    pump(0.1)
    return written


def main(argv: list[str] | None = None) -> int:
    return pictures_main(argv, __doc__.split("\n\n")[0], render)


if __name__ == "__main__":
    sys.exit(main())
