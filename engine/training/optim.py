"""Optimisers updating a model's parameters in place from its gradients.

Gradients are those of the mean batch loss (see :mod:`engine.nn.functional`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The learning rate each optimiser starts from unless told otherwise.
DEFAULT_LR = {"sgd": 0.05, "adam": 0.001}
OPTIMIZERS = tuple(DEFAULT_LR)


def default_lr(optimizer: str) -> float:
    """A learning rate that trains the presets well with ``optimizer``."""
    try:
        return DEFAULT_LR[optimizer]
    except KeyError:
        raise ValueError(f"unknown optimizer {optimizer!r} (choose sgd or adam)") from None


class Optimizer:
    """Base: ``step(params, grads, lr)`` with dicts of same-named arrays."""

    def __init__(self, lr: float):
        self.lr = float(lr)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
             lr: float | None = None) -> None:
        """Update ``params`` in place; ``lr`` (if given) is the rate from now on."""
        if lr is not None:
            self.lr = float(lr)
        self._update(params, grads)

    def _update(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that a checkpoint must keep to resume exactly."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        for k, v in state.items():
            getattr(self, "_" + k.split(".", 1)[0])[k.split(".", 1)[1]] = v.copy()


class SGD(Optimizer):
    """SGD with (heavy-ball) momentum and L2 weight decay on weights (not biases).

    ``v = momentum * v - lr * (g + wd * w)``; ``w += v``.
    """

    def __init__(self, lr: float = DEFAULT_LR["sgd"], momentum: float = 0.9,
                 weight_decay: float = 0.0):
        super().__init__(lr)
        self.momentum, self.weight_decay = float(momentum), float(weight_decay)
        self._velocity: dict[str, np.ndarray] = {}
        self._scratch: dict[str, np.ndarray] = {}   # -lr * (g + wd * w), never handed out

    def _update(self, params, grads):
        # In place, without temporaries: the update runs between the parallel
        # parts of every training step, so each pass over memory counts.
        for name, w in params.items():
            g = grads[name]
            step = self._scratch.get(name)
            if step is None or step.shape != w.shape or step.dtype != w.dtype:
                step = self._scratch[name] = np.empty_like(w)
            if self.weight_decay and w.ndim > 1:
                np.multiply(w, self.weight_decay, out=step)
                step += g
                step *= -self.lr
            else:
                np.multiply(g, -self.lr, out=step)
            if self.momentum:
                v = self._velocity.get(name)
                if v is None:
                    v = self._velocity[name] = np.zeros_like(w)
                v *= self.momentum
                v += step
                w += v
            else:
                w += step

    def state(self):
        return {f"velocity.{k}": v for k, v in self._velocity.items()}


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; decoupled weight decay (AdamW) on weights."""

    def __init__(self, lr: float = DEFAULT_LR["adam"], beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.weight_decay = float(weight_decay)
        self.t = 0
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}

    def _update(self, params, grads):
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        step = self.lr * np.sqrt(c2) / c1
        for name, w in params.items():
            g = grads[name]
            m = self._m.setdefault(name, np.zeros_like(w))
            v = self._v.setdefault(name, np.zeros_like(w))
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * (g * g)
            if self.weight_decay and w.ndim > 1:
                w -= (self.lr * self.weight_decay) * w
            w -= (step * m) / (np.sqrt(v) + self.eps)

    def state(self):
        out = {f"m.{k}": v for k, v in self._m.items()}
        out.update({f"v.{k}": v for k, v in self._v.items()})
        out["t.step"] = np.array(self.t)
        return out

    def load_state(self, state):
        for k, v in state.items():
            kind, name = k.split(".", 1)
            if kind == "t":
                self.t = int(v)
            else:
                getattr(self, "_" + kind)[name] = v.copy()


@dataclass(frozen=True)
class OptimizerConfig:
    """Which optimiser and its hyper-parameters."""
    name: str = "sgd"            # "sgd" or "adam"
    lr: float = DEFAULT_LR["sgd"]
    momentum: float = 0.9        # SGD only
    weight_decay: float = 5e-4

    def build(self) -> Optimizer:
        if self.name == "sgd":
            return SGD(self.lr, self.momentum, self.weight_decay)
        if self.name == "adam":
            return Adam(self.lr, weight_decay=self.weight_decay)
        raise ValueError(f"unknown optimizer {self.name!r} (choose sgd or adam)")
