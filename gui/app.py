"""Command line entry point: ``cnn-playground`` / ``python -m gui``.

::

    cnn-playground                        # the bundled pretrained model
    cnn-playground --model my_model.npz   # another model file
    cnn-playground --theme dark
    cnn-playground --screenshot out.png   # draw an example, save a picture, exit
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

SCREENSHOT_SIZE = (1240, 760)
"""Window size for ``--screenshot``: what the window opens at on a 1280x800 screen."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnn-playground",
        description="Draw a digit and watch a pure-NumPy CNN classify it live, "
                    "with what every layer sees.")
    parser.add_argument("--model", metavar="PATH",
                        help="model file (.npz) to open instead of the bundled one")
    parser.add_argument("--theme", choices=("light", "dark"),
                        help="colour theme (default: the one used last time)")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="draw an example digit, save a PNG of the window to PATH and exit "
                             "(renders offscreen; no display needed)")
    parser.add_argument("--digit", type=int, choices=range(10), default=3, metavar="D",
                        help="example digit drawn for --screenshot (default: 3)")
    parser.add_argument("--size", default=f"{SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]}",
                        metavar="WxH", help="window size for --screenshot (default: %(default)s)")
    return parser


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1240x760, got {text!r}") from None
    return w, h


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.screenshot:
        # Render without a display (and without flashing a window on one).
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from .window.main_window import APP_NAME, MainWindow
    from .state.settings import AppSettings

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "cnn-playground"])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("cnn-playground")
    app.setApplicationDisplayName(APP_NAME)

    if args.screenshot:
        with tempfile.TemporaryDirectory(prefix="cnn-playground-") as tmp:
            # fresh settings: the picture must not depend on (or change) the user's preferences
            settings = AppSettings(os.path.join(tmp, "settings.ini"))
            window = MainWindow(model_path=args.model, settings=settings,
                                theme=args.theme or "light")
            ok = save_screenshot(window, args.screenshot, digit=args.digit,
                                 size=_parse_size(args.size))
            window.close()
        if not ok:
            print(f"cnn-playground: could not write {args.screenshot}", file=sys.stderr)
            return 1
        print(f"saved {args.screenshot}")
        return 0

    window = MainWindow(model_path=args.model, theme=args.theme)
    window.show()
    window.canvas.setFocus()
    if window.startup_problem and args.model:
        from PySide6.QtCore import QTimer
        QTimer.singleShot(0, lambda: window.show_error("Could not open the model",
                                                       window.startup_problem))
    return app.exec()


def save_screenshot(window, path: str, digit: int = 3, size=SCREENSHOT_SIZE) -> bool:
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
    for _ in range(3):
        QApplication.processEvents()
    return window.grab().save(os.fspath(path))


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
