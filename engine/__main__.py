"""``python -m engine train | evaluate | download`` (see :mod:`engine.cli`)."""
import sys

from .cli import main

sys.exit(main())
