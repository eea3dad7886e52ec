"""The view choices a person makes once and expects back at the next launch,
beside the window's size and place: "Normalise maps" (next to the theme on
the toolbar, which is remembered too) and the method the "Why?" overlay
shows when switched on (the overlay itself starts off: it costs a
computation per drawing). Restored when the window opens, saved as they
change. Only the window's public parts are used."""
from __future__ import annotations

from .window_geometry import restore_geometry


def restore_preferences(window) -> None:
    """Size, place and splitter (:func:`restore_geometry`), then the view
    choices; from now on each choice is saved when it changes."""
    settings = window.settings
    restore_geometry(window, window.splitter, settings)
    normalise = window.normalise_action
    if normalise.isChecked() != settings.normalise_maps():
        normalise.trigger()                      # as a click: the maps follow
    normalise.toggled.connect(settings.set_normalise_maps)
    overlay = window.why.saliency
    overlay.choose(settings.why_method(overlay.chosen))
    overlay.sigMethodChanged.connect(lambda _method: settings.set_why_method(overlay.chosen))
