"""What the README picture tools share: a window with fresh settings at the
default size, saving it as a PNG, MNIST as a dataset, and the command line
(``--out`` folder, ``--data`` MNIST folder) that runs a ``render`` offscreen."""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Callable

from engine.system.command_line import folder_path, run_command

from .session import application, data_folder, pump

SIZE = (1240, 760)


def picture_window(theme: str, folder: str):
    """A shown :class:`~gui.window.main_window.MainWindow` at :data:`SIZE` in
    ``theme``, its settings in a file of ``folder``."""
    from ..state.settings import AppSettings
    from ..window.main_window import MainWindow
    window = MainWindow(settings=AppSettings(os.path.join(folder, f"{theme}.ini")), theme=theme)
    window.resize(*SIZE)
    window.show()
    pump(0.3)
    return window


def save_picture(window, path: Path, settle_s: float = 0.4) -> Path:
    """Let the views settle for ``settle_s``, then write ``window`` to ``path`` (PNG)."""
    pump(settle_s)
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def mnist_dataset(data_dir: str | None):
    """MNIST from ``data_dir`` (never downloaded) as a :class:`~engine.data.dataset.Dataset`."""
    from engine.data.dataset import Dataset
    from engine.data.mnist import load_mnist
    mnist = load_mnist(data_dir, download=False, progress=False)
    return Dataset(mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels)


def pictures_main(argv: list[str] | None, description: str,
                  render: Callable[[Path, str | None], list[Path]]) -> int:
    """Parse ``--out`` and ``--data``, run ``render(out, data_dir)`` offscreen
    and print the files it wrote."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=folder_path, default=Path("assets/screenshots"),
                        help="folder for the PNG files (default: assets/screenshots)")
    parser.add_argument("--data", default=None, help="folder of the MNIST IDX files")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)

    def work() -> int:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = application()
        Path(args.out).mkdir(parents=True, exist_ok=True)
        for path in render(Path(args.out), data_folder(args.data)):
            print(path)
        app.processEvents()
        return 0
    return run_command(work, parser)
