"""The quick guide (F1): how to draw, how to read the panels, and the keys
(generated from the action table, so they always match the menus)."""
from __future__ import annotations

from .actions import key_table_html

_GUIDE = """<h3>Draw a digit</h3>
<p>Draw with the left mouse button in the black square; the right button erases.
The prediction and every panel update while you draw.</p>
<h3>Read the panels</h3>
<p><b>Network input</b>: your drawing framed like an MNIST digit (28×28).
<b>Activations</b>: what each layer outputs — convolution maps (blue negative,
red positive), ReLU and pooling maps (bright = strong), dense layers as strips.
Hover anything to read its value; click a feature map to see it enlarged beside
the kernel that produced it. <b>Kernels</b>: the learned filters.
<b>Training</b>: train a network on MNIST and watch its curves; the evaluation
shows the confusion matrix and the most confident mistakes.</p>
<h3>Keys</h3>
"""


def about_html(app_name: str) -> str:
    """The About box (our own text only)."""
    return (f"<b>{app_name}</b><p>A convolutional network written in pure NumPy, classifying "
            f"your drawing live and showing what every layer sees.</p>")


def quick_guide_html() -> str:
    """The guide as rich text (our own text only: nothing from files)."""
    return _GUIDE + key_table_html()
