"""Window geometry, theme and brush width persist through the (isolated) settings;
light and dark palettes; the layout fits a 1280x800 screen; tooltips everywhere."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QToolButton

from gui.window.main_window import MainWindow
from gui.state.settings import AppSettings
from gui.widgets.theme import DARK, LIGHT


def test_settings_file_comes_from_the_environment(isolated_settings):
    settings = AppSettings()
    settings.set_theme("dark")
    settings.sync()
    assert isolated_settings.exists()
    assert AppSettings(isolated_settings).theme() == "dark"


def test_geometry_theme_and_brush_are_remembered(qtbot, isolated_settings):
    first = MainWindow(theme="dark")
    qtbot.addWidget(first)
    first.show()
    first.resize(1111, 701)
    first.canvas.set_brush_width(33)
    qtbot.waitUntil(lambda: first.size() == QSize(1111, 701))
    first.close()
    assert isolated_settings.exists()

    assert AppSettings().geometry() == first.saveGeometry()
    second = MainWindow()                     # theme and size come from the settings
    qtbot.addWidget(second)
    second.show()
    # Qt keeps restored windows on screen: the offscreen test screen is only
    # 800 px wide, so the width may be clamped (to the window's minimum width)
    avail = QApplication.primaryScreen().availableGeometry().width()
    expected_width = 1111 if avail >= 1111 else second.minimumWidth()
    assert second.size() == QSize(expected_width, 701)
    assert second.theme_name() == "dark"
    assert second.canvas.brush_width() == 33


def test_corrupt_settings_fall_back_to_defaults(qtbot, isolated_settings):
    isolated_settings.write_text("[window]\ngeometry=@ByteArray(garbage)\n[view]\ntheme=purple\n"
                                 "[canvas]\nbrush_width=-4\n")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.theme_name() == "light" and window.canvas.brush_width() == 25


def test_dark_and_light_palettes(window, qtbot):
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window
    window.dark_action.trigger()
    assert window.theme_name() == "dark" and window.dark_action.isChecked()
    assert app.palette().color(QPalette.ColorRole.Window).name() == DARK.window
    assert window.prediction_view.plot.backgroundBrush().color().name() == DARK.surface
    assert window.settings.theme() == "dark"
    window.set_theme("light")
    assert app.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window
    assert not window.dark_action.isChecked()


def test_fits_a_1280_by_800_screen(window, qtbot):
    hint = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert hint.width() <= 1280 and hint.height() <= 760
    window.resize(1240, 760)
    qtbot.waitUntil(lambda: window.size() == QSize(1240, 760))
    assert window.canvas.width() >= 280 and window.canvas.height() >= 280
    # every layer of the bundled architecture is visible without scrolling
    assert not window.activations_view.scroll.verticalScrollBar().isVisible()


def test_canvas_grows_with_the_window(window, qtbot):
    window.resize(1000, 660)
    qtbot.waitUntil(lambda: window.size() == QSize(1000, 660))
    small = window.canvas.image_side()
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.canvas.image_side() > small)
    assert small >= 280


def test_every_control_and_panel_has_a_tooltip(window):
    for action in window.toolbar.actions():
        if not action.isSeparator() and action.text():
            assert action.toolTip() and action.toolTip() != action.text().replace("&", ""), \
                action.text()
    for button in window.toolbar.findChildren(QToolButton):
        if button.defaultAction() is None and button.text():
            assert button.toolTip(), button.text()
    assert window.brush_slider.toolTip()
    views = [window.canvas, window.input_view, window.prediction_view,
             window.activations_view.inspector, window.model_status, window.timing_status]
    views += list(window.activations_view.panels.values())
    views += list(window.kernel_view.panels.values())
    for widget in views:
        assert len(widget.toolTip()) > 20, widget
    for i in range(window.tabs.count()):
        assert window.tabs.tabToolTip(i)
