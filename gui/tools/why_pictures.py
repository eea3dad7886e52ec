"""The README's pictures of the "Why?" lab, rendered offscreen at the default
window size (1240x760) with fresh settings::

    .venv/bin/python -m gui.tools.why_pictures --out assets/screenshots

* ``why-light.png`` - a drawn 4 with the Grad-CAM overlay on the canvas and
  the network input, a relu1 map inspected beside what it wants, and the
  arithmetic under the cursor with its receptive field outlined;
* ``morph-dark.png`` - the same 4 after "Make it a 9" has played (the
  preview, the rising 9 bar, "Put it on the canvas");
* ``unfamiliar-light.png`` - a drawn letter W: "This doesn't look like a
  digit I know", and the class the network picked shown as what it wants.

Everything is driven with real mouse and key events. Prints the files written.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.system.command_line import folder_path, run_command

from .pictures import picture_window, save_picture
from .session import application, click, pump, wait_until

LETTER_W = [(.1, .15), (.3, .85), (.5, .4), (.7, .85), (.9, .15)]


def _inspect_and_hover(window, layer: str, channel: int) -> None:
    """Select ``layer``'s map ``channel``, wait for what it wants, and hover
    its brightest position."""
    import numpy as np
    from PySide6.QtTest import QTest

    from .mouse import image_point
    inspector = window.activations_view.inspector
    window.activations_view.select_map(layer, channel)
    wait_until(lambda: inspector.array is not None and not window.why.inspect.wants.busy, 60,
               "what the map wants")
    r, c = np.unravel_index(int(np.argmax(inspector.array)), inspector.array.shape)
    QTest.mouseMove(inspector.map_view.viewport(), image_point(inspector.map_view, r + 0.5, c + 0.5))
    pump(0.3)


def render(out: Path, folder: str) -> list[Path]:
    """Write the three pictures into ``out``; return their paths."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from .mouse import draw_digit, drag, to_widget
    written = []
    window = picture_window("light", folder)
    try:
        draw_digit(window.canvas, 4)
        window.activateWindow()
        QTest.keyClick(window, Qt.Key.Key_W)                  # the overlay: Grad-CAM
        wait_until(lambda: window.why.saliency.current is not None, 30, "the overlay")
        _inspect_and_hover(window, "relu1", 3)
        written.append(save_picture(window, out / "why-light.png"))
    finally:
        window.close()
    window = picture_window("dark", folder)
    try:
        draw_digit(window.canvas, 4)
        row = window.left_column.morph_row
        wait_until(row.is_ready, 10, "the Make it a row")
        click(row.digit_buttons[9])
        morph = window.why.morph
        wait_until(lambda: not morph.busy and window.controller.previewing, 60, "the morph")
        written.append(save_picture(window, out / "morph-dark.png"))
    finally:
        window.close()
    window = picture_window("light", folder)
    try:
        points = [(LETTER_W[i][0] + (LETTER_W[i + 1][0] - LETTER_W[i][0]) * t / 10,
                   LETTER_W[i][1] + (LETTER_W[i + 1][1] - LETTER_W[i][1]) * t / 10)
                  for i in range(len(LETTER_W) - 1) for t in range(10)] + [LETTER_W[-1]]
        drag(window.canvas, to_widget(window.canvas, points))
        result = window.current_result()
        window.activations_view.select_map("fc2", int(result.top_class))
        wait_until(lambda: not window.why.inspect.wants.busy, 60, "what the class wants")
        written.append(save_picture(window, out / "unfamiliar-light.png"))
    finally:
        window.close()
    pump(0.1)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=folder_path, default=Path("assets/screenshots"),
                        help="folder for the PNG files (default: assets/screenshots)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)

    def work() -> int:
        import tempfile
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = application()
        Path(args.out).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="why-pictures-") as folder:
            for path in render(Path(args.out), folder):
                print(path)
        app.processEvents()
        return 0
    return run_command(work, parser)


if __name__ == "__main__":
    sys.exit(main())
