"""Image coordinates under the mouse -> the pixel read out (or none outside)."""
from __future__ import annotations

import pytest

from gui.widgets.image_view import pixel_under


@pytest.mark.parametrize("y, x, expected", [
    (0.0, 0.0, (0, 0)), (27.99, 27.99, (27, 27)), (14.5, 3.2, (14, 3)),
    (-0.01, 5.0, None), (5.0, -0.5, None), (28.0, 5.0, None), (5.0, 28.0, None),
])
def test_pixel_under(y, x, expected):
    assert pixel_under((28, 28), y, x) == expected


def test_pixel_under_a_wide_image():
    assert pixel_under((3, 200), 2.5, 150.0) == (2, 150)
    assert pixel_under((3, 200), 3.0, 150.0) is None


def test_the_same_picture_again_is_not_re_set(qtbot):
    """A weight snapshot re-shows the unchanged network input several times a
    second while training: the image item is only re-set (and repainted) when
    the picture, its levels' result or its colours changed, or it was cleared."""
    import numpy as np

    from gui.widgets.image_view import ImageView
    from gui.widgets.theme import LIGHT

    view = ImageView()
    qtbot.addWidget(view)
    changes = []
    view.item.sigImageChanged.connect(lambda: changes.append(1))
    picture = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28)
    view.set_image(picture, (0.0, 1.0), LIGHT.gray_lut())
    view.set_image(picture.copy(), (0.0, 1.0), LIGHT.gray_lut())
    assert len(changes) == 1
    changed = picture.copy()
    changed[3, 4] = 0.0
    view.set_image(changed, (0.0, 1.0), LIGHT.gray_lut())
    assert len(changes) == 2 and view.array is changed
    view.set_image(changed, (0.0, 2.0), LIGHT.gray_lut())       # other levels: other indices
    assert len(changes) == 3
    view.set_image(changed, (0.0, 2.0), LIGHT.sequential_lut())  # other colours
    assert len(changes) == 4
    view.clear_image()
    view.set_image(changed, (0.0, 2.0), LIGHT.sequential_lut())
    assert view.item.isVisible() and len(changes) == 5
