"""The desktop playground: draw a digit, watch the NumPy CNN classify it live
and see what every layer sees.

Rooms, by what a person sees or what a part does:

* :mod:`gui.window` - the main window: layout, menus and toolbar (from one
  action table), the quick guide;
* :mod:`gui.state` - the application state (current and live model), the
  drawing -> prediction pipeline, model facts for the status bar, preferences;
* :mod:`gui.drawing` - the canvas and its strokes;
* :mod:`gui.inspect` - what the network sees: prediction, network input,
  per-layer activations, the inspector, kernels;
* :mod:`gui.training` - the Training tab: settings, data, the run's state
  machine, curves, evaluation;
* :mod:`gui.widgets` - shared building blocks (panels, image views, bars,
  themes, file dialogs);
* :mod:`gui.workers` - background work on threads (training, one-off calls,
  the MNIST download);
* :mod:`gui.tools` - benchmarks, the new-user walkthrough, the soak test and
  real mouse input for scripts and tests.

The GUI does no maths beyond display (tiling maps, colour normalisation);
everything else comes from :mod:`engine`. :mod:`gui.app` is the command line
entry point (``cnn-playground``).
"""
from engine.system.moved_modules import install as _keep_old_import_paths

_keep_old_import_paths({
    "gui.main_window": "gui.window.main_window", "gui.training_panel": "gui.training.panel",
    "gui.canvas": "gui.drawing.canvas", "gui.examples": "gui.drawing.examples",
    "gui.settings": "gui.state.settings", "gui.model_controller": "gui.state.prediction",
    "gui.prediction_view": "gui.inspect.prediction_view", "gui.input_view": "gui.inspect.input_view",
    "gui.activations_view": "gui.inspect.activations_view",
    "gui.inspector_view": "gui.inspect.inspector_view", "gui.kernel_view": "gui.inspect.kernel_view",
    "gui.training_plots": "gui.training.plots", "gui.evaluation_view": "gui.training.evaluation_view",
    "gui.training_worker": "gui.workers.training_worker", "gui.theme": "gui.widgets.theme",
    "gui.data_download": "gui.workers.download_job", "gui.bench_latency": "gui.tools.bench_latency",
    "gui.bench_training": "gui.tools.bench_training",
})
