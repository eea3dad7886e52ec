"""What an architecture may ask for: the caps that every model file (and any
architecture built from an untrusted description) is checked against before
anything is allocated. One place, so the layers' config checks, the
architecture check and the model-file reader agree."""
from __future__ import annotations

MAX_LAYERS = 64
MAX_DIM = 4096                      # channels, output features
MAX_IN_FEATURES = 1 << 20           # inputs of a dense layer
MAX_KERNEL = 31                     # kernel / pooling window side, stride, padding
MAX_INPUT_CHANNELS = 16
MAX_INPUT_SIDE = 512
MAX_PARAMS = 10_000_000             # parameters in total (float64: 80 MB)
MAX_ACTIVATION = 1 << 22            # values per sample after any layer
MAX_NAME_LENGTH = 64                # characters of a layer name
MAX_METADATA_DEPTH = 32             # nesting of the JSON metadata
MAX_SEED = 2**63 - 1
