"""Background work: a worker on a QThread (training, one-off calls such as
evaluation and loading MNIST) and the MNIST download."""
