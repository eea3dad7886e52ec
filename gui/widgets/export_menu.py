"""A right-click menu that saves what a widget shows: "Save picture as PNG…"
(the widget as drawn on screen, ``QWidget.grab()``, in device pixels) and,
when it holds pyqtgraph plots, "Save as SVG…" (the plot under the mouse, else
the first one, as vector graphics through ``pyqtgraph.exporters.SVGExporter``).
Callers may add entries of their own (e.g. the training curves as CSV).

Where to save is asked through an :data:`AskPath` (by default the app's Save
dialog, :func:`gui.widgets.file_dialogs.ask_save_path`), so tests can answer
without a modal dialog. A failed save shows one error box with the reason.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QMenu, QWidget

from .file_dialogs import PICTURE_FILTER, SVG_FILTER, ask_save_path, show_error
from .plain_text import plain_mnemonic

#: ``(parent, dialog title, proposed file name, file filter) -> chosen path or None``.
AskPath = Callable[[QWidget, str, str, str], "str | None"]
#: An extra menu entry: ``(text, action)``.
MenuEntry = tuple[str, Callable[[], None]]

PNG_TEXT = "Save picture as PNG\u2026"
SVG_TEXT = "Save as SVG\u2026"


def ask_in_documents(parent: QWidget, title: str, name: str, file_filter: str) -> str | None:
    """The default :data:`AskPath`: the app's Save dialog, starting in the documents folder."""
    return ask_save_path(parent, title, None, name, file_filter)


def file_stem(name: str) -> str:
    """``name`` (a panel title, maybe from a model file) as a safe file name
    stem: letters, digits, ``-`` and ``_`` only, at most 60 characters."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")[:60]
    return stem or "picture"


def plots_in(widget: QWidget) -> list[pg.PlotWidget]:
    """The pyqtgraph plots ``widget`` is or holds, in creation order."""
    found = widget.findChildren(pg.PlotWidget)
    return ([widget] if isinstance(widget, pg.PlotWidget) else []) + list(found)


def plot_at(widget: QWidget, pos: QPoint) -> pg.PlotWidget | None:
    """The plot at ``pos`` (widget coordinates), else the first plot of ``widget``."""
    child = widget.childAt(pos)
    while child is not None and child is not widget:
        if isinstance(child, pg.PlotWidget):
            return child
        child = child.parentWidget()
    plots = plots_in(widget)
    return plots[0] if plots else None


def save_png(widget: QWidget, path: str) -> bool:
    """Write ``widget`` as drawn (``grab()``) to ``path`` as PNG; an error box
    if that fails. True when written."""
    if widget.grab().save(path, "PNG"):
        return True
    show_error(widget, "Picture not saved", f"Could not write the picture to\n{path}")
    return False


def save_svg(plot: pg.PlotWidget, path: str) -> bool:
    """Write ``plot``'s plot item to ``path`` as SVG; an error box if that
    fails. True when written.

    pyqtgraph's ``SVGExporter`` fails on the paths recent Qt versions write
    (``ValueError`` in its coordinate fix-up, pyqtgraph issue 3485; it fails
    before writing anything): the plot is then drawn with Qt's own
    ``QSvgGenerator`` (vector too, the plot as shown on screen)."""
    try:
        pyqtgraph.exporters.SVGExporter(plot.getPlotItem()).export(fileName=path)
        return True
    except ValueError:
        pass
    except OSError as exc:
        show_error(plot, "Picture not saved", f"Could not write the picture to\n{path}\n\n{exc}")
        return False
    return render_svg(plot, path)


def render_svg(widget: QWidget, path: str) -> bool:
    """Draw ``widget`` into an SVG file at ``path`` (``QSvgGenerator``; view
    box in widget pixels); an error box if the file cannot be written."""
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(widget.size())
    generator.setViewBox(QRect(QPoint(0, 0), widget.size()))
    painter = QPainter()
    if not painter.begin(generator):
        show_error(widget, "Picture not saved", f"Could not write the picture to\n{path}")
        return False
    try:
        widget.render(painter)
    finally:
        painter.end()
    return True


def build_export_menu(widget: QWidget, pos: QPoint, name: str, ask_path: AskPath,
                      extra: Sequence[MenuEntry] = ()) -> QMenu:
    """The menu for a right-click at ``pos`` (widget coordinates) on ``widget``:
    PNG of the whole widget, SVG of the plot there (if it holds plots), then
    ``extra``. ``name`` proposes the file names."""
    menu = QMenu(widget)
    menu.setObjectName("exportMenu")
    stem = file_stem(name)

    def png() -> None:
        path = ask_path(widget, "Save picture as PNG", stem + ".png", PICTURE_FILTER)
        if path:
            save_png(widget, path)
    menu.addAction(PNG_TEXT, png)
    plot = plot_at(widget, pos)
    if plot is not None:
        def svg() -> None:
            path = ask_path(widget, "Save as SVG", stem + ".svg", SVG_FILTER)
            if path:
                save_svg(plot, path)
        menu.addAction(SVG_TEXT, svg)
    if extra:
        menu.addSeparator()
        for text, action in extra:
            menu.addAction(plain_mnemonic(text), action)
    return menu


def install_export_menu(widget: QWidget, name: str, ask_path: AskPath | None = None,
                        extra: Sequence[MenuEntry] = ()) -> None:
    """Give ``widget`` the export menu on a right-click (see :func:`build_export_menu`);
    ``ask_path`` defaults to :func:`ask_in_documents`. The menu pops up without
    blocking and is deleted when it closes."""
    ask = ask_path or ask_in_documents

    def show(pos: QPoint) -> None:
        menu = build_export_menu(widget, pos, name, ask, extra)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(widget.mapToGlobal(pos))
    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    widget.customContextMenuRequested.connect(show)
