"""Command line entry point: ``cnn-playground`` / ``python -m gui``.

::

    cnn-playground                        # the bundled pretrained model
    cnn-playground --model my_model.npz   # another model file
    cnn-playground --theme dark
    cnn-playground --screenshot out.png   # draw an example, save a picture, exit

Usage errors (a size that is not WIDTHxHEIGHT or out of range, a missing
model file, a picture path that cannot be written or does not end in .png)
exit 2 before any window opens; a ``--screenshot`` whose ``--model`` cannot
be used exits 1 with one line (never a picture of another model).
"""
from __future__ import annotations

import argparse
import os
import time
import sys
import tempfile

from engine.system.command_line import existing_file, output_file, run_command, size_wh

SCREENSHOT_SIZE = (1240, 760)
"""Window size for ``--screenshot``: what the window opens at on a 1280x800 screen."""
MIN_SIZE, MAX_SIZE = (980, 640), (4096, 4096)   # the window's minimum; a 64 MB picture


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnn-playground",
        description="Draw a digit and watch a pure-NumPy CNN classify it live, "
                    "with what every layer sees.")
    parser.add_argument("--model", metavar="PATH", type=existing_file,
                        help="model file (.npz) to open instead of the bundled one")
    parser.add_argument("--theme", choices=("light", "dark"),
                        help="colour theme (default: the one used last time)")
    parser.add_argument("--screenshot", metavar="PATH.png", type=output_file(".png"),
                        help="draw an example digit, save a PNG of the window to PATH and exit "
                             "(renders offscreen; no display needed)")
    parser.add_argument("--digit", type=int, choices=range(10), default=3, metavar="D",
                        help="example digit drawn for --screenshot (default: 3)")
    parser.add_argument("--size", type=size_wh(*MIN_SIZE, *MAX_SIZE), default=SCREENSHOT_SIZE,
                        metavar="WxH", help=f"window size for --screenshot, {MIN_SIZE[0]}x"
                                            f"{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]} "
                                            f"(default: {SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:       # usage errors and --help: argparse printed them
        return int(exc.code or 0)
    if args.screenshot:
        # Render without a display (and without flashing a window on one).
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return run_command(lambda: _screenshot(args), parser)
    return _run_app(args)


def _application():
    from PySide6.QtWidgets import QApplication

    from .window.main_window import APP_NAME
    from .workers.gui_thread_gc import install
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "cnn-playground"])
    install(app)      # cycles are collected between events, in this thread only
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("cnn-playground")
    app.setApplicationDisplayName(APP_NAME)
    return app


def _screenshot(args) -> int:
    _application()
    from .state.settings import AppSettings
    from .state.startup import load_usable_model
    from .window.main_window import MainWindow
    model = load_usable_model(args.model)   # the asked-for model or an error: never another's picture
    with tempfile.TemporaryDirectory(prefix="cnn-playground-") as tmp:
        # fresh settings: the picture must not depend on (or change) the user's preferences
        settings = AppSettings(os.path.join(tmp, "settings.ini"))
        window = MainWindow(model=model, settings=settings, theme=args.theme or "light")
        try:
            ok = save_screenshot(window, args.screenshot, digit=args.digit, size=args.size)
        finally:
            window.close()
    if not ok:
        raise OSError(f"could not write {args.screenshot}")
    print(f"saved {args.screenshot}")
    return 0


def _run_app(args) -> int:
    app = _application()
    from .window.main_window import MainWindow
    window = MainWindow(model_path=args.model, theme=args.theme)
    window.show()
    window.canvas.setFocus()
    return app.exec()


def save_screenshot(window, path, digit: int = 3, size=SCREENSHOT_SIZE) -> bool:
    """Draw example ``digit``, pick an interesting feature map for the
    inspector, render ``window`` at ``size`` and save it as PNG."""
    from PySide6.QtWidgets import QApplication

    window.resize(*size)
    window.show()
    for _ in range(3):
        QApplication.processEvents()
    window.draw_example(digit)
    window.controller.update_now()            # warm-up: the first run pays one-off costs
    result = window.controller.update_now()
    _select_showcase_map(window, result)
    deadline = time.perf_counter() + 10.0      # "what it wants" is computed off the GUI thread
    while time.perf_counter() < deadline and window.why.inspect.wants.busy:
        QApplication.processEvents()
        time.sleep(0.005)
    for _ in range(3):
        QApplication.processEvents()
    return window.grab().save(os.fspath(path), "PNG")


def _select_showcase_map(window, result) -> None:
    """Inspect, in the first layer with non-negative feature maps (the first
    ReLU after a convolution), the map with the most structure (largest
    spread of values: a feature found in some places only)."""
    if result.empty:
        return
    signs = window.model.output_signs()
    for layer in window.model.layers:
        act = result.activations.get(layer.name)
        if not signs[layer.name] and act is not None and act.ndim == 3:
            channel = int(act.reshape(len(act), -1).std(axis=1).argmax())
            window.activations_view.select_map(layer.name, channel)
            return


__all__ = ["main", "save_screenshot"]
