"""Shape arithmetic shared by the functions, the layers and the architecture
check: window sizes given as an int or a pair, and the output size of a
sliding window (convolution or pooling), floor convention as PyTorch::

    Ho = 1 + (H + 2*p - k) // s
"""
from __future__ import annotations

import numpy as np


def as_pair(value) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 5)`` / ``[3, 5]`` -> ``(3, 5)``."""
    if np.ndim(value) == 0:
        return int(value), int(value)
    a, b = value
    return int(a), int(b)


def conv_output_size(size: int, kernel: int, pad: int, stride: int) -> int:
    """``1 + (size + 2*pad - kernel) // stride``; raises ``ValueError`` if no window fits."""
    if stride < 1 or pad < 0 or kernel < 1:
        raise ValueError(f"need kernel >= 1, stride >= 1, pad >= 0; got {kernel}, {stride}, {pad}")
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(f"kernel {kernel} does not fit input {size} with padding {pad}")
    return 1 + span // stride
