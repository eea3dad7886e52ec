"""Named training recipes for learners: what to train (architecture, data,
epochs, settings) with the time and accuracy measured on a 2-core laptop
CPU (``python -m engine train`` with the same settings; the app's live views
add about 10 %).

==================  =====================================  ========  ==========
recipe              what                                   time      test acc.
==================  =====================================  ========  ==========
quick look          tiny net, 10,000 images, 1 epoch       ~2 s      ~96 %
watch it learn      bench net, 60,000 images, 2 epochs,    30-40 s   ~99.2 %
                    augmented (the default)
good model          playground net, 60,000 images,         ~2.2 min  ~99.5 %
                    5 epochs, augmented
==================  =====================================  ========  ==========
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import TrainConfig


@dataclass(frozen=True)
class Recipe:
    """A named run: ``preset`` trained from fresh weights with ``config``.

    :ivar expected: what to expect here, e.g. ``"about 30-40 s · ~99 % test accuracy"``
    """
    key: str
    title: str
    preset: str
    config: TrainConfig
    expected: str
    note: str


RECIPES: tuple[Recipe, ...] = (
    Recipe("quick", "Quick look", "tiny",
           TrainConfig(epochs=1, subset=10_000, augment=False),
           "a few seconds · ~96 % test accuracy",
           "A tiny network on 10,000 images: over almost at once."),
    Recipe("watch", "Watch it learn", "bench",
           TrainConfig(epochs=2, augment=True),
           "about 30-40 s · ~99 % test accuracy",
           "A classic small CNN on all 60,000 images, twice: long enough to watch the "
           "maps and your drawing's answer change, and good at reading drawings."),
    Recipe("good", "Good model", "playground",
           TrainConfig(epochs=5, augment=True),
           "about 2.5 min · ~99.5 % test accuracy",
           "The bundled model's network, 5 epochs with augmentation."),
)
DEFAULT_RECIPE = "watch"


def recipe(key: str) -> Recipe:
    """The recipe named ``key``; ``KeyError`` if there is none."""
    for r in RECIPES:
        if r.key == key:
            return r
    raise KeyError(key)
