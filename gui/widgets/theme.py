"""Light and dark looks: a Qt palette, a small style sheet, plot colours and
the colour maps used for activations and kernels.

Colour-map conventions (the same in both themes, so a learner can rely on them):

* non-negative values (ReLU / pooling outputs, the network input): ``inferno``,
  black = 0, bright yellow = the layer's largest value;
* signed values (convolution outputs, kernels, dense layers before ReLU): a
  diverging map, blue = negative, grey = 0, red = positive, with levels
  symmetric about 0. Both ends are saturated, and the grey of 0 is darker
  than the light theme's white panels and lighter than the dark theme's, so a
  map of zeros still shows where it is.

The levels of every map are shown next to it on a colour bar
(:mod:`gui.widgets.colour_bar`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")


@dataclass(frozen=True)
class Theme:
    name: str
    window: str        # window background
    surface: str       # panel background
    surface_alt: str   # plot background inside panels
    border: str
    text: str
    muted: str         # secondary text
    accent: str        # the predicted digit, selections
    bar: str           # the other probability bars
    negative: str      # diverging map, negative end
    negative_mid: str  # diverging map at -MID_STOP of the largest magnitude
    neutral: str       # diverging map, zero
    positive_mid: str  # diverging map at +MID_STOP
    positive: str      # diverging map, positive end
    canvas_border: str
    banner: str        # background of the warning banner
    banner_text: str
    dark: bool

    def qcolor(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    # ------------------------------------------------------------ colour maps
    # All maps are *index* lookup tables for :func:`to_indices`: ``(256, 4)``
    # uint8 RGBA, entry 0 fully transparent (gaps, NaN), entries 1..255 the ramp.
    def sequential_lut(self) -> np.ndarray:
        """For values in [0, max]: ``inferno``."""
        return _index_lut(("inferno",))

    def diverging_lut(self) -> np.ndarray:
        """For values in [-m, m]: negative colour, neutral at 0, positive colour,
        through a vivid colour at ``±MID_STOP * m`` (so a value a quarter of
        the largest is clearly tinted, not greyish)."""
        return _index_lut((self.negative, self.negative_mid, self.neutral, self.positive_mid,
                           self.positive), (0.0, 0.5 - MID_STOP / 2, 0.5, 0.5 + MID_STOP / 2, 1.0))

    def gray_lut(self) -> np.ndarray:
        """Black to white, like the network input."""
        return _index_lut(("#000000", "#ffffff"))


#: Where the diverging map reaches its vivid middle colours, as a fraction of
#: the largest magnitude.
MID_STOP = 0.25


@lru_cache(maxsize=None)
def _index_lut(spec: tuple[str, ...], stops: tuple[float, ...] | None = None) -> np.ndarray:
    """A named pyqtgraph map (one name) or a ramp through the colours of
    ``spec`` at ``stops`` in [0, 1] (evenly spaced by default)."""
    if len(spec) == 1:
        cmap = pg.colormap.get(spec[0])
    else:
        cmap = pg.ColorMap(np.array(stops if stops else np.linspace(0.0, 1.0, len(spec))),
                           [QColor(c) for c in spec])
    ramp = cmap.getLookupTable(0.0, 1.0, 255, alpha=False)  # (255, 3)
    lut = np.zeros((256, 4), dtype=np.uint8)
    lut[1:, :3] = ramp
    lut[1:, 3] = 255
    lut.flags.writeable = False
    return lut


def to_indices(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Float array -> uint8 indices into an index LUT: ``levels[0]`` -> 1,
    ``levels[1]`` -> 255 (clipped), NaN -> 0 (transparent). Display only."""
    lo, hi = float(levels[0]), float(levels[1])
    scale = 254.0 / (hi - lo) if hi > lo else 0.0
    with np.errstate(over="ignore", invalid="ignore"):     # huge values: clipped below
        t = np.subtract(values, lo, dtype=np.float32)
        t *= scale
    np.clip(t, 0.0, 254.0, out=t)
    t += 1.5
    nan = np.isnan(t)
    if nan.any():
        t[nan] = 0.0
    return t.astype(np.uint8)


LIGHT = Theme(
    name="light", window="#eef0f3", surface="#ffffff", surface_alt="#f7f8fa",
    border="#d5d9e0", text="#1d2127", muted="#5f6773", accent="#1f6feb", bar="#a9b6c8",
    negative="#1b46b4", negative_mid="#5b8ff0", neutral="#b4b9c1", positive_mid="#ef7a60",
    positive="#c0200f", canvas_border="#8a94a3",
    banner="#fff4d1", banner_text="#5c4400", dark=False,
)
DARK = Theme(
    name="dark", window="#1b1d21", surface="#25282d", surface_alt="#1f2226",
    border="#3a3f47", text="#e3e6eb", muted="#9aa2ad", accent="#58a6ff", bar="#566170",
    negative="#5c9dff", negative_mid="#2f6ee0", neutral="#4d525b", positive_mid="#d9472b",
    positive="#ff7a55", canvas_border="#5b6470",
    banner="#4a3b12", banner_text="#ffe7a3", dark=True,
)


def get_theme(name: str) -> Theme:
    """``"light"`` or ``"dark"``."""
    try:
        return {"light": LIGHT, "dark": DARK}[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; choose from {THEMES}") from None


def apply_to_app(app: QApplication, theme: Theme) -> None:
    """Fusion style, the palette and pyqtgraph's default colours.

    The style sheet (:func:`style_sheet`) is set per window: changing an
    application-wide style sheet re-polishes every widget of every window.
    Nothing is re-applied when it is already in place.
    """
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    pal = QPalette()
    c = theme.qcolor
    pal.setColor(QPalette.ColorRole.Window, c("window"))
    pal.setColor(QPalette.ColorRole.WindowText, c("text"))
    pal.setColor(QPalette.ColorRole.Base, c("surface"))
    pal.setColor(QPalette.ColorRole.AlternateBase, c("surface_alt"))
    pal.setColor(QPalette.ColorRole.Text, c("text"))
    pal.setColor(QPalette.ColorRole.Button, c("surface"))
    pal.setColor(QPalette.ColorRole.ButtonText, c("text"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, c("surface"))
    pal.setColor(QPalette.ColorRole.ToolTipText, c("text"))
    pal.setColor(QPalette.ColorRole.PlaceholderText, c("muted"))
    pal.setColor(QPalette.ColorRole.Highlight, c("accent"))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.Link, c("accent"))
    pal.setColor(QPalette.ColorRole.Mid, c("border"))
    pal.setColor(QPalette.ColorRole.Midlight, c("border"))
    pal.setColor(QPalette.ColorRole.Light, c("surface"))
    pal.setColor(QPalette.ColorRole.Dark, c("border"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, c("muted"))
    if app.palette() != pal:
        app.setPalette(pal)
    pg.setConfigOptions(background=theme.surface_alt, foreground=theme.muted, antialias=True)


def _tint(colour: str, alpha: int) -> str:
    """``colour`` (``#rrggbb``) as a style sheet ``rgba(...)`` with ``alpha`` (0-255)."""
    c = QColor(colour)
    return f"rgba({c.red()}, {c.green()}, {c.blue()}, {int(alpha)})"


def style_sheet(theme: Theme) -> str:
    """Window style sheet: panel frames, titles, tabs, tooltips, the digit rows' focus
    (a tint: their checked digit has the ring), radio buttons (an
    accent dot when checked: Fusion's grey dot is hard to see in the dark theme)."""
    t = theme
    return f"""
    QFrame#panel {{
        background: {t.surface}; border: 1px solid {t.border}; border-radius: 6px;
    }}
    #panelTitle {{ font-weight: 600; color: {t.text}; }}
    QLabel#hint {{ color: {t.muted}; }}
    QLabel#bigDigit {{ color: {t.accent}; }}
    QLabel#confidence {{ color: {t.text}; }}
    QLabel#placeholder {{ color: {t.muted}; }}
    QTabWidget::pane {{ border: 1px solid {t.border}; border-radius: 6px; top: -1px;
                        background: {t.window}; }}
    QTabBar::tab {{ padding: 5px 14px; border: 1px solid transparent;
                    border-top-left-radius: 5px; border-top-right-radius: 5px; color: {t.muted}; }}
    QTabBar::tab:selected {{ background: {t.window}; border-color: {t.border};
                             border-bottom-color: {t.window}; color: {t.text}; }}
    QScrollArea {{ border: 1px solid transparent; border-radius: 4px; background: transparent; }}
    QScrollArea[keyboardFocus="true"] {{ border-color: {t.accent}; }}
    QScrollArea > QWidget > QWidget {{ background: transparent; }}
    QToolBar {{ border: none; spacing: 4px; padding: 3px 6px; }}
    QToolTip {{ color: {t.text}; background: {t.surface}; border: 1px solid {t.border};
                padding: 4px; }}
    QStatusBar QLabel {{ color: {t.muted}; padding: 0 6px; }}
    QLabel#banner {{ background: {t.banner}; color: {t.banner_text}; padding: 6px 10px; }}
    QToolButton#teachDigit:focus, QToolButton#morphDigit:focus, QToolButton#stepDigit:focus {{
        background: {_tint(t.accent, 70)}; border-radius: 3px; }}
    QRadioButton::indicator {{ width: 12px; height: 12px; border-radius: 7px;
                               border: 1px solid {t.muted}; background: {t.surface}; }}
    QRadioButton::indicator:hover {{ border-color: {t.accent}; }}
    QRadioButton::indicator:checked {{
        border: 1px solid {t.accent};
        background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
                                    stop: 0 {t.accent}, stop: 0.55 {t.accent},
                                    stop: 0.65 {t.surface}, stop: 1 {t.surface}); }}
    QRadioButton::indicator:disabled {{ border-color: {t.border}; }}
    QRadioButton::indicator:checked:disabled {{
        border-color: {t.border};
        background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
                                    stop: 0 {t.muted}, stop: 0.55 {t.muted},
                                    stop: 0.65 {t.surface}, stop: 1 {t.surface}); }}
    """
