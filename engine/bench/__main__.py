"""``python -m engine.bench``: the speed table (see :mod:`engine.bench`)."""
import sys

from . import main

sys.exit(main())
