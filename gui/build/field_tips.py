"""One sentence for each layer type and each setting a person edits in the
architecture editor (tooltips; plain text), and the short labels shown
next to the settings."""
from __future__ import annotations

LAYER_TIPS: dict[str, str] = {
    "Conv2D": "A convolution: slides small learned kernels over the maps, one output map per "
              "kernel.",
    "MaxPool2D": "Max pooling: keeps the strongest value of each window, so the maps shrink.",
    "AvgPool2D": "Average pooling: replaces each window by its mean, so the maps shrink and "
                 "get smoother.",
    "ReLU": "ReLU: keeps positive values and sets negative ones to zero.",
    "LeakyReLU": "Leaky ReLU: keeps positive values and scales negative ones by a small slope.",
    "Tanh": "Tanh: squashes every value into -1 ... 1.",
    "Sigmoid": "Sigmoid: squashes every value into 0 ... 1.",
    "BatchNorm2D": "Batch normalisation of maps: rescales each channel to mean 0 and variance 1 "
                   "over the batch, then by a learned scale and shift.",
    "BatchNorm1D": "Batch normalisation of features: rescales each feature over the batch, then "
                   "by a learned scale and shift.",
    "Flatten": "Flatten: lays the maps out as one long vector for the dense layers.",
    "Dense": "A dense (fully connected) layer: every output is a weighted sum of all inputs.",
    "Dropout": "Dropout: while training, zeroes a random part of the values, against "
               "overfitting; does nothing when predicting.",
}

#: ``{key: (label, tooltip)}``; a key may mean something else in another type
#: (``stride``): ``(type, key)`` entries win.
FIELD_TEXT: dict[object, tuple[str, str]] = {
    "out_channels": ("maps", "How many feature maps (kernels) this convolution makes."),
    "kernel_size": ("kernel", "Side of each square kernel in pixels: 3 or 5 are usual."),
    "padding": ("pad", "Rows and columns of zeros added around the maps; half the kernel "
                       "keeps their size."),
    "stride": ("stride", "Step between two kernel positions; 2 halves the maps' size."),
    ("MaxPool2D", "stride"): ("stride", "Step between two windows; the same as the window "
                                        "gives windows that do not overlap."),
    ("AvgPool2D", "stride"): ("stride", "Step between two windows; the same as the window "
                                        "gives windows that do not overlap."),
    ("MaxPool2D", "padding"): ("pad", "Rows and columns of zeros added around the maps "
                                      "before pooling."),
    ("AvgPool2D", "padding"): ("pad", "Rows and columns of zeros added around the maps "
                                      "before pooling (they count in the mean)."),
    "pool_size": ("window", "Side of each square pooling window in pixels: 2 halves the maps."),
    "out_features": ("units", "How many outputs (neurons); the last layer needs one per "
                              "class, 10 for digits."),
    "rate": ("rate", "Fraction of the values zeroed at each training step; 0.2-0.5 is usual."),
    "momentum": ("momentum", "How fast the running mean and variance used for predicting "
                             "follow the batches; 0.1 is usual."),
    "eps": ("eps", "A small number added to the variance so it never divides by zero."),
    "negative_slope": ("slope", "What negative values are multiplied by; 0.01 is usual, 0 "
                                "makes it a plain ReLU."),
}


def field_text(kind: str, key: str) -> tuple[str, str]:
    """``(label, tooltip)`` of setting ``key`` of a ``kind`` layer."""
    return FIELD_TEXT.get((kind, key)) or FIELD_TEXT.get(key) or (key, key.replace("_", " "))
