"""What the network sees: the prediction, the network input, every layer's
output, one map beside its kernel, and all kernels."""
