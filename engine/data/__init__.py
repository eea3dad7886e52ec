"""Data: MNIST (locating, verifying, downloading, reading), the labelled
:class:`~engine.data.dataset.Dataset`, drawing preprocessing (a canvas ->
a 28x28 network input), training-time augmentation, and pen strokes
(:mod:`~engine.data.pen_strokes` traces MNIST digits into strokes,
:mod:`~engine.data.pen_render` draws strokes with a round pen like the canvas)."""
