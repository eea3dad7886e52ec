"""The README's pictures of watching a network learn, rendered offscreen at
the default window size (1240x760) with fresh settings::

    CNN_PLAYGROUND_DATA=../shared/datasets/mnist .venv/bin/python -m gui.tools.learn_pictures

* ``timemachine-light.png`` - a fresh bench net trained for one epoch on
  12,000 images, the time machine back at step 20: the Kernels tab shows the
  first layer's kernels as they were then, the curves' cursor marks the step;
* ``dynamics-dark.png`` - the Dynamics tab of a second run with a learning
  rate too high (0.3): dead units and the teacher's warnings;
* ``runs-light.png`` - the Runs tab comparing the two runs;
* ``stepmode-dark.png`` - a drawn 7 trained one step as 1, walked through:
  the backward pass at the first max-pooling layer, its formula in numbers.

Buttons, tabs and the slider are driven with real mouse and key events.
Prints the files written.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .pictures import mnist_dataset, picture_window, pictures_main, save_picture
from .session import click, click_tab, pump, wait_until

def _train(window, lr: float) -> None:
    from engine.training.config import TrainConfig
    panel = window.training_panel
    panel.settings.set_config(TrainConfig(epochs=1, batch_size=64, subset=12_000, lr=lr, seed=0))
    click_tab(window.tabs, panel)
    click(panel.run_box.start_button)
    wait_until(lambda: not panel.is_training(), 600, "the run")
    pump(0.5)


def _runs(out: Path, folder: str, data) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    window = picture_window("light", folder)
    try:
        window.training_panel.set_data(data)
        window.draw_example(7)
        _train(window, 0.05)
        lab = window.runs
        bar = lab.time_machine.bar
        bar.slider.setFocus()
        QTest.keyClick(bar.slider, Qt.Key.Key_Home)
        steps = [c.step for c in lab.time_machine.checkpoints]
        for _ in range(steps.index(20) if 20 in steps else 3):
            QTest.keyClick(bar.slider, Qt.Key.Key_Right)
        click_tab(window.tabs, window.kernel_view)
        written = [save_picture(window, out / "timemachine-light.png", 0.5)]
        click(bar.now_button)
        _train(window, 0.3)
        panel = window.training_panel
        click_tab(panel.view_tabs, lab.runs_view)
        written.append(save_picture(window, out / "runs-light.png", 0.5))
        window.set_theme("dark")
        click_tab(panel.view_tabs, lab.dynamics_view)
        written.append(save_picture(window, out / "dynamics-dark.png", 0.5))
        return written
    finally:
        window.close()


def _step_mode(out: Path, folder: str) -> Path:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
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
        click(controls.walk_button)
        walk = lab.tab.walk
        wait_until(lambda: walk.next_button.isEnabled(), 10, "the walk")
        for _ in range(40):
            if "pool1" in walk.title.text() and "ackward" in walk.title.text():
                break
            QTest.mouseClick(walk.next_button, Qt.MouseButton.LeftButton)
            pump(0.02)
        return save_picture(window, out / "stepmode-dark.png", 0.5)
    finally:
        window.close()


def render(out: Path, data_dir: str | None) -> list[Path]:
    """Write the four pictures into ``out``; return their paths."""
    data = mnist_dataset(data_dir)
    with tempfile.TemporaryDirectory(prefix="learn-pictures-") as folder:
        os.environ["CNN_PLAYGROUND_PERSONAL"] = os.path.join(folder, "personal-set.npz")
        written = _runs(out, folder, data) + [_step_mode(out, folder)]
    pump(0.1)
    return written


def main(argv: list[str] | None = None) -> int:
    return pictures_main(argv, __doc__.split("\n\n")[0], render)


if __name__ == "__main__":
    sys.exit(main())
