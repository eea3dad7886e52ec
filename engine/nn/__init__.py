"""The network: stateless maths (:mod:`~engine.nn.functional`, im2col,
pooling kernels), layers that own parameters, the sequential model, its
architecture description and its file format, and the named presets."""
