"""The time machine: scrub through the checkpoints a run kept."""
