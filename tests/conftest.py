"""Test-wide set-up: Qt renders offscreen (set here, once, before anything
imports Qt) and the shared fixtures come from :mod:`tests.support`:

* :mod:`tests.support.data_fixtures` - ``mnist_data``, ``serve``;
* :mod:`tests.support.gui_fixtures` - a per-test settings file and recorded
  (never blocking) message boxes for every test, model fixtures,
  ``make_window`` / ``window``.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = ("tests.support.data_fixtures", "tests.support.gui_fixtures")
