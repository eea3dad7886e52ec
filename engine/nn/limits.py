"""What an architecture may ask for: the caps that every model file (and any
architecture built from an untrusted description) is checked against before
anything is allocated. One place, so the layers' config checks, the
architecture check and the model-file reader agree.

The cost caps are what the app can serve interactively on 2 cores: one
drawing update runs a forward pass of one image on the GUI thread (250
million multiply-adds take ~8 ms here), every layer's output is drawn, and
the views show one bar, row and column per class.
"""
from __future__ import annotations

MAX_LAYERS = 64
MAX_DIM = 4096                      # channels, output features
MAX_IN_FEATURES = 1 << 20           # inputs of a dense layer
MAX_KERNEL = 31                     # kernel / pooling window side, stride, padding
MAX_INPUT_CHANNELS = 16
MAX_INPUT_SIDE = 512
MAX_PARAMS = 10_000_000             # parameters in total (float64: 80 MB)
MAX_ACTIVATION = 1 << 22            # values per sample after any layer
MAX_ACTIVATIONS = 1 << 22           # values per sample of all layers together (all are drawn)
MAX_MACS = 250_000_000              # multiply-adds of one image's forward pass
MAX_WORKSPACE = 1 << 23             # temporary values per sample of any layer (im2col: 32 MB)
MIN_CLASSES, MAX_CLASSES = 2, 100   # class scores of the last layer
MAX_TRAIN_BYTES = 2 << 30           # memory of one training step (a batch), estimated
MAX_NAME_LENGTH = 64                # characters of a layer name
MAX_METADATA_DEPTH = 32             # nesting of the JSON metadata
MAX_SEED = 2**63 - 1
