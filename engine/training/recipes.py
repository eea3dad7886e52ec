"""Named training recipes for learners: what to train (architecture, data,
epochs, settings) with the time and accuracy measured on a 2-core laptop
CPU (``python -m engine train`` with the same settings; the app's live views
add about 10 %).

==================  =====================================  ========  ==========
recipe              what                                   time      test acc.
==================  =====================================  ========  ==========
quick look          tiny net, 10,000 images, 1 epoch       ~2 s      ~96 %
watch it learn      bench net, 60,000 images, 1 epoch,     ~12 s     ~99.0 %
                    augmented (the default)
good model          playground net, 60,000 images,         ~2.2 min  ~99.5 %
                    5 epochs, augmented
==================  =====================================  ========  ==========

The default (*watch it learn*) is the engine's default settings (SGD 0.05,
momentum 0.9, weight decay 5e-4, 100 warm-up steps then cosine to 0 over the
run, batch 64, augmentation on) for one epoch: 99.00-99.17 % test accuracy
over seeds 0-5 (mean 99.05 %). Measured alternatives, one epoch, 3-6 seeds
each: without augmentation 98.8-99.1 % whatever the learning rate (0.05,
0.1, 0.15), batch (32, 64, 128) or momentum (0.95: 98.4 %); augmented with a
peak of 0.1 (cosine, or a one-cycle linear warm-up over a quarter of the run
then linear decay) 98.9-99.2 %, a peak of 0.2 97.9-98.7 %. Two epochs (the
default before, ``epochs=2``) give ~99.2 %.
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
           TrainConfig(epochs=1, augment=True),
           "about 10-15 s · ~99 % test accuracy",
           "A classic small CNN on all 60,000 images, once: long enough to watch the "
           "maps and your drawing's answer change, and good at reading drawings "
           "(2 epochs: about twice the time, ~99.2 %)."),
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
