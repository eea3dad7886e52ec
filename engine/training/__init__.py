"""Training: the run's configuration, the reports the trainer yields,
optimisers, learning-rate schedules, data parallelism over cores,
evaluation, and the trainer itself."""
