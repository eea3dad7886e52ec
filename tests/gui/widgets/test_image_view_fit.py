"""A picture that hugs its height (the network input) shows the whole image
at every window size: when the view shrinks itself to the picture's height
inside a resize, its scene follows the size it ends with. At 1900×1150 the
network input used to show a cropped band of the digit."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("size", [(980, 640), (1240, 760), (1900, 1150)])
def test_the_network_input_shows_the_whole_picture(make_window, qtbot, playground_model, size):
    window = make_window(playground_model, size=size)
    window.draw_example(3)
    window.current_result()
    view = window.input_view.view
    qtbot.waitUntil(lambda: view.isVisible() and view.height() > 40)

    def picture_rect():
        return view.mapFromScene(view.item.sceneBoundingRect()).boundingRect()
    qtbot.waitUntil(lambda: view.rect().adjusted(-1, -1, 1, 1).contains(picture_rect()))
    shown = picture_rect()
    assert min(shown.width(), shown.height()) >= min(view.width(), view.height()) - 2
    picture = view.grab().toImage()                 # and what is drawn there is the digit
    centre = shown.center()
    ink = max(picture.pixelColor(x, y).lightness()
              for x in range(centre.x() - shown.width() // 4, centre.x() + shown.width() // 4)
              for y in range(centre.y() - shown.height() // 4, centre.y() + shown.height() // 4))
    assert ink > 200
    assert picture.pixelColor(shown.left() + 1, shown.top() + 1).lightness() < 40
