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

import argparse
import os
import sys
import tempfile
from pathlib import Path

from engine.system.command_line import folder_path, run_command

from .session import click, click_tab, data_folder, pump, wait_until

SIZE = (1240, 760)


def _window(theme: str, folder: str):
    from ..state.settings import AppSettings
    from ..window.main_window import MainWindow
    window = MainWindow(settings=AppSettings(os.path.join(folder, f"{theme}.ini")), theme=theme)
    window.resize(*SIZE)
    window.show()
    pump(0.3)
    return window


def _save(window, path: Path) -> Path:
    pump(0.4)
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def _handwriting(out: Path, folder: str, data) -> Path:
    from engine.data.writer_styles import synthetic_writer
    window = _window("light", folder)
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
        return _save(window, out / "handwriting-light.png")
    finally:
        window.close()


def _one_step(out: Path, folder: str) -> Path:
    window = _window("dark", folder)
    try:
        lab = window.why.backprop
        window.draw_example(7)
        window.current_result()
        click_tab(window.tabs, lab.tab)
        controls = lab.tab.controls
        click(controls.digit_buttons[1])
        click(controls.train_button)
        wait_until(lambda: controls.undo_button.isEnabled(), 60, "the step")
        return _save(window, out / "onestep-dark.png")
    finally:
        window.close()


def _build(out: Path, folder: str) -> Path:
    window = _window("light", folder)
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
        return _save(window, out / "build-light.png")
    finally:
        window.close()


def render(out: Path, data_dir: str | None) -> list[Path]:
    """Write the three pictures into ``out``; return their paths."""
    from engine.data.dataset import Dataset
    from engine.data.mnist import load_mnist
    mnist = load_mnist(data_dir, download=False, progress=False)
    data = Dataset(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels)
    with tempfile.TemporaryDirectory(prefix="feature-pictures-") as folder:
        os.environ["CNN_PLAYGROUND_PERSONAL"] = os.path.join(folder, "personal-set.npz")
        written = [_handwriting(out, folder, data), _one_step(out, folder), _build(out, folder)]
    pump(0.1)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=folder_path, default=Path("assets/screenshots"),
                        help="folder for the PNG files (default: assets/screenshots)")
    parser.add_argument("--data", default=None, help="folder of the MNIST IDX files")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)

    def work() -> int:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance() or QApplication(["cnn-playground"])
        Path(args.out).mkdir(parents=True, exist_ok=True)
        for path in render(Path(args.out), data_folder(args.data)):
            print(path)
        app.processEvents()
        return 0
    return run_command(work, parser)


if __name__ == "__main__":
    sys.exit(main())
