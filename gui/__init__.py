"""The desktop playground: draw a digit, watch the NumPy CNN classify it live
and see what every layer sees.

Split by what a person sees, one concern per file:

* :mod:`gui.canvas` – the drawing area (vector strokes, undo/redo, eraser)
* :mod:`gui.model_controller` – owns the model; preprocessing + forward pass,
  throttled to at most one run per event-loop turn / frame
* :mod:`gui.prediction_view` – big predicted digit, confidence, ten bars
* :mod:`gui.input_view` – the 28x28 image the network receives
* :mod:`gui.activations_view` – one panel per layer (tiled feature maps, strips)
* :mod:`gui.inspector_view` – one feature map enlarged beside its kernel
* :mod:`gui.kernel_view` – every convolution kernel
* :mod:`gui.main_window` – puts it together: menus, toolbar, status bar
* :mod:`gui.app` – command line entry point (``cnn-playground``), screenshots
* helpers: :mod:`gui.widgets` (panel frame, image view, bars),
  :mod:`gui.tiles` (tiling maps), :mod:`gui.layer_info` (layer explanations),
  :mod:`gui.theme`, :mod:`gui.settings`, :mod:`gui.examples` (example digits),
  :mod:`gui.bench_latency` (``python -m gui.bench_latency``)

The GUI does no maths beyond display (tiling maps, colour normalisation);
everything else comes from :mod:`engine`.
"""
