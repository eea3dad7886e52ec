"""The Training tab: settings, data, the run's state machine, live curves and
the evaluation (confusion matrix, galleries)."""
