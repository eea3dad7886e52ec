"""The training dynamics, live: per layer, how the weights and gradients are
spread over the run (heat maps), the update size relative to the weights,
the gradient norm and the share of dead units, with a teacher's warnings.
Display only: the numbers come from :mod:`engine.training.dynamics_report`."""
