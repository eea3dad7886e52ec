"""Teaching the network a person's handwriting (no Qt).

* :mod:`engine.personal.sample_set` - :class:`PersonalSet`, an immutable set of
  the person's samples (the 28x28 input the network saw, the label, the pen
  strokes, a content id, the time added);
* :mod:`engine.personal.sample_file` - the validated, non-pickle ``.npz``
  file it is kept in (per-user data folder) and exported/imported as;
* :mod:`engine.personal.fine_tune` - :func:`fine_tune`: a new model that gets
  the person's digits right without forgetting MNIST;
* :mod:`engine.personal.measure` - honest before/after numbers
  (:class:`PersonalReport`): held-out personal accuracy, MNIST test accuracy.

Typical use (the GUI does this in a worker thread)::

    from engine.personal import PersonalSet, fine_tune, load_personal_set, save_personal_set
    samples = load_personal_set()                          # [] the first time
    samples = samples.add(to_model_input(canvas), 7, strokes)
    save_personal_set(samples)
    report = measure_personalisation(model, samples.images, samples.labels)
    new_model = report.model                               # keep it, or go back to model
"""
from __future__ import annotations

from .fine_tune import (PERSONAL_AUGMENT, FineTuneConfig, ReplayMissingError, fine_tune,
                        load_replay)
from .measure import (MNIST_COUNT, PersonalReport, load_mnist_test, measure_on_writer,
                      measure_personalisation, stratified_folds)
from .sample_file import (default_personal_path, import_personal_set, load_personal_set,
                          save_personal_set)
from .sample_set import (MAX_POINTS, MAX_POINTS_PER_SAMPLE, MAX_SAMPLES, MAX_STROKES_PER_SAMPLE,
                         PersonalSample, PersonalSet, PersonalSetError, content_id)

__all__ = [
    "FineTuneConfig", "MAX_POINTS", "MAX_POINTS_PER_SAMPLE", "MAX_SAMPLES",
    "MAX_STROKES_PER_SAMPLE", "MNIST_COUNT", "PERSONAL_AUGMENT", "PersonalReport",
    "PersonalSample", "PersonalSet", "PersonalSetError", "ReplayMissingError", "content_id",
    "default_personal_path", "fine_tune", "import_personal_set", "load_mnist_test",
    "load_personal_set", "load_replay", "measure_on_writer", "measure_personalisation",
    "save_personal_set", "stratified_folds",
]
