"""One step of backpropagation on one drawing, with everything it computed.

::

    trace = one_step(model, x, label=1, lr=0.05)     # the model's weights change
    trace.loss_before, trace.loss_after              # cross-entropy, nats
    trace.probs_before, trace.probs_after            # (classes,)
    trace.activation_grads["relu1"]                  # dL/d(relu1's output), (32, 28, 28)
    trace.param_grads["conv1.K"], trace.updates["conv1.K"]
    trace.undo(model)                                # the weights as they were, bit for bit

The step is plain SGD on a batch of one: the forward pass in training mode
(the layers keep what their backward needs) but with dropout off, so the
step is deterministic and what the learner sees is what the network
computed; the softmax cross-entropy gradient ``softmax - one-hot`` at the
logits; every layer's explicit ``backward`` (the same functions training
uses), which fills the parameter gradients and returns the gradient of each
layer's input; then :class:`~engine.training.optim.SGD` applies
``v = momentum * v - lr * g; w += v`` (``momentum=0``: ``w -= lr * g``; no
weight decay). Pass the previous trace's ``optimizer`` to continue with its
velocity. The model's weights change in place (its parameter arrays are
updated, so a view that shows them sees the step).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..nn import functional as F
from ..nn.layers import Dropout
from ..nn.model import Model
from .optim import SGD


@dataclass
class StepTrace:
    """What one step did (arrays are copies; shapes for one sample).

    :ivar label: the class the drawing was trained as
    :ivar lr, momentum: the step's learning rate and momentum
    :ivar loss_before, loss_after: cross-entropy of ``label`` (nats)
    :ivar probs_before, probs_after: ``(classes,)`` softmax probabilities
        (evaluation mode) before and after the step
    :ivar activations: ``{layer name: output}`` of the forward pass, e.g.
        ``(C, H, W)`` or ``(F,)``
    :ivar activation_grads: ``{layer name: dL/d output}``, same shapes
    :ivar input_grad: ``dL/d input``, ``(C, H, W)``
    :ivar param_grads: ``{"conv1.K": dL/dK, ...}``, shaped like the parameters
    :ivar updates: ``{"conv1.K": applied change}`` (new minus old weights)
    :ivar before: the weights before the step (for :meth:`undo`)
    :ivar optimizer: the SGD with its velocity (pass it to the next step)
    """

    label: int
    lr: float
    momentum: float
    loss_before: float
    loss_after: float
    probs_before: np.ndarray
    probs_after: np.ndarray
    activations: dict[str, np.ndarray]
    activation_grads: dict[str, np.ndarray]
    input_grad: np.ndarray
    param_grads: dict[str, np.ndarray]
    updates: dict[str, np.ndarray]
    before: dict[str, np.ndarray] = field(repr=False)
    optimizer: SGD = field(repr=False)

    def undo(self, model: Model) -> None:
        """Put the weights of ``model`` back as they were before the step."""
        params = model.named_params()
        for name, old in self.before.items():
            params[name][...] = old


def label_loss(probs: np.ndarray, label: int) -> float:
    """The cross-entropy (nats) of class ``label`` under the probabilities
    ``probs`` (``(classes,)``): ``-log p[label]``, the loss one step on that
    label starts from (what the "One step" tab shows before a step)."""
    if not 0 <= label < len(probs):
        raise ValueError(f"label must be in [0, {len(probs)}), got {label}")
    return float(-np.log(max(float(probs[label]), 1e-45)))


def one_step(model: Model, x: np.ndarray, label: int, lr: float, *, momentum: float = 0.0,
             optimizer: SGD | None = None) -> StepTrace:
    """Train ``model`` for one SGD step on one input and say what happened.

    :param x: one input ``(C, H, W)`` (e.g. ``(1, 28, 28)`` from
        :func:`engine.data.preprocess.to_model_input`) or ``(1, C, H, W)``
    :param label: the class to learn, ``0 <= label < model.num_classes``
    :param lr: learning rate, > 0
    :param momentum: heavy-ball momentum in [0, 1) (ignored with ``optimizer``)
    :param optimizer: continue with this SGD (and its velocity), e.g. the
        previous trace's ``optimizer``; its ``lr`` becomes ``lr``
    :return: a :class:`StepTrace`; the model's weights have changed by ``updates``
    """
    label = int(label)
    if not 0 <= label < model.num_classes:
        raise ValueError(f"label must be in [0, {model.num_classes}), got {label}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {lr}")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    x = np.asarray(x)
    batch = x if x.ndim == len(model.input_shape) + 1 else x[None]
    if batch.shape != (1, *model.input_shape):
        raise ValueError(f"expected one input of shape {model.input_shape}, got {x.shape}")
    probs_before = model.predict_proba(batch)[0]

    # a replica shares the weights but has its own caches and gradients
    replica = model.shared_replica().train()
    for layer in replica.layers:
        if isinstance(layer, Dropout):
            layer.set_training(False)          # deterministic: the step the learner sees
    replica.layers[0].set_input_gradient(True)
    logits, acts = replica.forward(batch, keep_activations=True)
    onehot = np.zeros_like(logits)
    onehot[0, label] = 1.0
    _, g = F.cross_entropy_loss(logits, onehot)          # softmax - one-hot, (1, classes)
    act_grads = {}
    for layer in reversed(replica.layers):
        act_grads[layer.name] = np.array(g[0])
        g = layer.backward(g)
    grads = {k: v.copy() for k, v in replica.named_grads().items()}

    params = model.named_params()
    before = {k: v.copy() for k, v in params.items()}
    sgd = optimizer if optimizer is not None else SGD(lr, momentum=momentum)
    sgd.step(params, grads, lr)
    updates = {k: params[k] - before[k] for k in params}
    probs_after = model.predict_proba(batch)[0]
    return StepTrace(label, float(lr), sgd.momentum, label_loss(probs_before, label),
                     label_loss(probs_after, label), probs_before, probs_after,
                     {k: np.array(v[0]) for k, v in acts.items()}, act_grads,
                     np.array(g[0]), grads, updates, before, sgd)


__all__ = ["StepTrace", "one_step"]
