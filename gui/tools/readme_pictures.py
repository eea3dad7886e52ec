"""The README's pictures of the window: the Activations tab with an example
digit and the Training tab after a short run, in the light and dark themes.

    CNN_PLAYGROUND_DATA=../shared/datasets/mnist .venv/bin/python -m gui.tools.readme_pictures --out assets/screenshots

Renders offscreen at the default window size (1240x760) with fresh settings;
the Training pictures train the "Quick look" recipe first (a few seconds) so
the curves, the run's verdict and the trained model in use are shown.
Prints the files written.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .pictures import pictures_main
from .session import application, click_tab, pump, wait_until

SIZE = (1240, 760)
THEMES = ("light", "dark")


def render(out: Path, data_dir: str | None) -> list[Path]:
    """Write ``activations-<theme>.png`` and ``training-<theme>.png`` into ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from engine.data.dataset import Dataset
    from engine.data.mnist import load_mnist

    from ..app import save_screenshot
    from ..state.settings import AppSettings
    from ..window.main_window import MainWindow
    app = application()
    mnist = load_mnist(data_dir, download=False, progress=False)
    data = Dataset(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels)
    written = []
    with tempfile.TemporaryDirectory(prefix="readme-pictures-") as tmp:
        for theme in THEMES:
            window = MainWindow(settings=AppSettings(os.path.join(tmp, f"{theme}.ini")),
                                theme=theme)
            try:
                path = out / f"activations-{theme}.png"
                if not save_screenshot(window, path, digit=7, size=SIZE):
                    raise OSError(f"could not write {path}")
                written.append(path)
                panel = window.training_panel
                panel.set_data(data)
                click_tab(window.tabs, panel)
                panel.settings.apply_recipe("quick")
                panel.start_training()
                wait_until(lambda: not panel.is_training(), 300, "the run to end")
                wait_until(lambda: not panel.evaluation_view.busy, 120, "the evaluation")
                pump(0.5)
                path = out / f"training-{theme}.png"
                if not window.grab().save(str(path), "PNG"):
                    raise OSError(f"could not write {path}")
                written.append(path)
            finally:
                window.close()
                pump(0.1)
    app.processEvents()
    return written


def main(argv: list[str] | None = None) -> int:
    return pictures_main(argv, __doc__.split("\n\n")[0], render)


if __name__ == "__main__":
    sys.exit(main())
