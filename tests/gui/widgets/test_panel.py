"""The titled panel frame: a long title (layer names come from model files)
never makes a panel, and so a row of panels, wider than the window."""
from __future__ import annotations

from gui.widgets.panel import TITLE_MAX_PX, Panel


def test_a_long_title_is_elided_and_never_widens_the_panel(qtbot):
    short, long = Panel("conv1", "32 maps · 28×28"), Panel("conv" + "x" * 3000, "32 maps · 28×28")
    for panel in (short, long):
        qtbot.addWidget(panel)
    assert short.title_label.text() == "conv1"
    assert "…" in long.title_label.text() and long.title_label.text().startswith("conv")
    assert long.minimumSizeHint().width() <= short.minimumSizeHint().width() + TITLE_MAX_PX
    assert long.sizeHint().width() < 400
