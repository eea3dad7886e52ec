""""What would make this a 7?": small changes to the input, found by gradient
steps in input space, that make the network answer a chosen class (or just
any other class: an adversarial example).

Each step moves the image along the gradient of the objective, scaled to an
L2 length of ``strength`` (in pixel-intensity units, pixels in [0, 1]) and
optionally blurred by ``smooth`` pixels first (so the change looks like
strokes rather than speckle), then clips it back into [0, 1]. It stops as
soon as the goal is met, so the change stays as small as this greedy walk
can make it:

* targeted (``target`` a class): ascend ``log p(target)`` until
  ``p(target) >= goal``;
* untargeted (``target=None``): descend ``log p(start class)`` until the
  predicted class is another one.

Cost: one forward and backward pass per step (about 1 ms for the bundled
model), ``steps + 1`` passes at most.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..nn import functional as F
from ..nn.model import Model
from .filters import blur
from .input_gradients import ForwardTrace, as_batch, class_objective


@dataclass(frozen=True)
class MorphResult:
    """A walk from the input to an image the network reads differently.

    :ivar image: the final input, shaped like ``x`` (e.g. ``(1, 28, 28)``),
        float32 in [0, 1]
    :ivar path: ``(S + 1, C, H, W)`` float32, ``path[0]`` is ``x`` and
        ``path[-1]`` is ``image``; ``S <= steps`` (it stops at the goal)
    :ivar probs: ``(S + 1, classes)`` float64 class probabilities along the path
    :ivar target: the class aimed at (None: untargeted)
    :ivar start_class: the class predicted for ``x``
    :ivar final_class: the class predicted for ``image``
    :ivar reached: the goal was met (``p(target) >= goal``; untargeted: the
        predicted class changed)
    """
    image: np.ndarray
    path: np.ndarray
    probs: np.ndarray
    target: int | None
    start_class: int
    final_class: int
    reached: bool

    @property
    def target_prob(self) -> np.ndarray:
        """``(S + 1,)`` probability of the target along the path (untargeted:
        of the start class, which falls)."""
        return self.probs[:, self.start_class if self.target is None else self.target]

    @property
    def change(self) -> float:
        """L2 norm of ``image - path[0]`` (pixel-intensity units)."""
        return float(np.linalg.norm((self.path[-1] - self.path[0]).astype(np.float64)))


def morph(model: Model, x: np.ndarray, target: int | None, *, steps: int = 50,
          strength: float = 0.25, smooth: float = 1.0, goal: float = 0.95,
          progress: Callable[[int, int], object] | None = None) -> MorphResult:
    """Walk one input ``x: (C, H, W)`` towards class ``target`` (None: away from
    its predicted class), see the module docstring.

    :param steps: at most this many gradient steps
    :param strength: L2 length of each step (pixel-intensity units); larger
        gets there in fewer steps with a coarser change
    :param smooth: Gaussian blur (pixels) of each step; 0 = raw pixel gradient
        (the smallest, least digit-like change)
    :param goal: targeted: stop once ``p(target) >= goal``
    :param progress: called as ``progress(step, steps)`` after each step; if it
        returns False the walk stops there (e.g. the user cancelled)
    """
    z = as_batch(model, x)[:1].copy()
    k = model.num_classes
    if target is not None and not 0 <= int(target) < k:
        raise ValueError(f"target class must be in [0, {k}), got {target!r}")
    if steps < 0 or strength <= 0:
        raise ValueError(f"steps must be >= 0 and strength > 0, got {steps}, {strength}")
    path, probs = [z[0].copy()], []
    start = None
    for step in range(steps + 1):
        trace = ForwardTrace(model, z)
        p = F.softmax(trace.logits.astype(np.float64))[0]
        probs.append(p)
        if start is None:
            start = int(p.argmax())
        aim = start if target is None else int(target)
        done = p.argmax() != start if target is None else p[aim] >= goal
        if done or step == steps:
            break
        if progress is not None and step > 0 and progress(step, steps) is False:
            break
        _, dlogits = class_objective(trace.logits, np.array([aim]), "log_prob")
        g = trace.backward(len(model.layers) - 1, dlogits if target is not None else -dlogits)
        g = blur(g, smooth)
        norm = float(np.linalg.norm(g))
        if not np.isfinite(norm) or norm == 0.0:
            break
        np.clip(z + g * (strength / norm), 0.0, 1.0, out=z)
        path.append(z[0].copy())
    probs_arr = np.array(probs)
    final = int(probs_arr[-1].argmax())
    reached = final != start if target is None else bool(probs_arr[-1][int(target)] >= goal)
    return MorphResult(path[-1].reshape(np.shape(x)),
                       np.stack(path), probs_arr, None if target is None else int(target),
                       start, final, reached)


def adversarial(model: Model, x: np.ndarray, *, steps: int = 50, strength: float = 0.1,
                smooth: float = 0.0, progress: Callable[[int, int], object] | None = None
                ) -> MorphResult:
    """The smallest change (of this greedy walk) that flips the answer for one
    input ``x: (C, H, W)``: :func:`morph` with ``target=None``, small raw-pixel steps."""
    return morph(model, x, None, steps=steps, strength=strength, smooth=smooth,
                 progress=progress)
