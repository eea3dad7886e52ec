"""Teach it your handwriting: the personal sample set, corrections at the
prediction, the "My handwriting" view and fine-tuning on it (the maths is in
:mod:`engine.personal`)."""
