"""Data: MNIST (locating, verifying, downloading, reading), the labelled
:class:`~engine.data.dataset.Dataset`, drawing preprocessing (a canvas ->
a 28x28 network input) and training-time augmentation."""
