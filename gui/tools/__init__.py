"""Tools run as ``python -m gui.tools.<name>``: benchmarks (``bench_latency``,
``bench_training``), the scripted new user (``walkthrough``), the long soak
(``soak``), and real mouse input (:mod:`gui.tools.mouse`) shared with the tests."""
