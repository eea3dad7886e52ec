"""``python -m gui`` – same as the ``cnn-playground`` command."""
from .app import main

raise SystemExit(main())
