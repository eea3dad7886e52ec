"""A sequential model: a list of layers plus its JSON architecture description.

``x: (N, C, H, W)`` float32 in [0, 1] -> logits ``(N, classes)``.
"""
from __future__ import annotations

import contextlib
import copy
import os
from collections import Counter
from typing import Iterator

import numpy as np

from . import functional as F
from .architecture import FORMAT_NAME, FORMAT_VERSION, describe_architecture, format_table
from .fused_run import backward_after, forward_fused
from .layers import LAYER_TYPES, Layer
from .model_file import save_model
from .novelty_stats import NoveltyStats, expected_shapes


def param_dtype(layers: list[Layer]) -> np.dtype:
    """The dtype of the first parameter of ``layers`` (a model's inputs are cast
    to it), float32 if they have none. Cheaper than building ``named_params()``."""
    for layer in layers:
        for value in layer.params.values():
            return value.dtype
    return np.dtype(np.float32)


def output_shapes(layers: list[Layer], input_shape: tuple[int, ...]
                  ) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``((name, output shape of one sample), ...)`` of ``layers`` applied in
    order to one sample of ``input_shape``; ``ValueError`` where a layer
    does not fit what comes before it."""
    shape, out = tuple(input_shape), []
    for layer in layers:
        shape = layer.output_shape(shape)
        out.append((layer.name, shape))
    return tuple(out)


class Model:
    """Sequential CNN.

    :param layers: layers applied in order; unnamed ones get ``conv1``,
        ``relu1``, ``pool1``, ... by kind.
    :param input_shape: one sample's shape, ``(C, H, W)``
    :param metadata: JSON-able facts about the model (e.g. test accuracy,
        the command that trained it); saved with it.
    :param source: the file it was loaded from (or last saved to), if any
    """

    def __init__(self, layers: list[Layer], input_shape=(1, 28, 28), metadata: dict | None = None,
                 source: str | None = None):
        self.layers = list(layers)
        self.input_shape = tuple(int(v) for v in input_shape)
        self.metadata = dict(metadata or {})
        self.source = source
        self._novelty: NoveltyStats | None = None
        self._name_layers()
        self._shapes_key: tuple = ()
        self.layer_shapes()  # validates the stack
        if self.layers:
            self.layers[0].set_input_gradient(False)

    # ---------------------------------------------------------------- structure
    def _name_layers(self) -> None:
        counts: Counter[str] = Counter()
        seen = set()
        for layer in self.layers:
            if layer.auto_named:  # no name given: number it by kind
                counts[layer.kind] += 1
                layer.assign_name(layer.kind if not layer.numbered and counts[layer.kind] == 1
                                  else f"{layer.kind}{counts[layer.kind]}")
            if layer.name in seen:
                raise ValueError(f"duplicate layer name {layer.name!r}")
            seen.add(layer.name)

    def layer_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """``[(name, output shape of one sample), ...]`` for every layer
        (inferred again only when the list of layers or the input shape changed)."""
        key = (self.input_shape, tuple(map(id, self.layers)))
        if key != self._shapes_key:
            self._shapes, self._shapes_key = output_shapes(self.layers, self.input_shape), key
        return list(self._shapes)

    @property
    def num_classes(self) -> int:
        return self.layer_shapes()[-1][1][0]

    def config(self) -> dict:
        """JSON-able architecture: enough, with the weights, to rebuild the model."""
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                "input_shape": list(self.input_shape),
                "layers": [layer.config() for layer in self.layers],
                "metadata": self.metadata}

    @classmethod
    def from_config(cls, cfg: dict, rng: np.random.Generator | None = None,
                    source: str | None = None) -> "Model":
        """Build a freshly initialised model from :meth:`config` output."""
        rng = rng if rng is not None else np.random.default_rng(0)
        layers = []
        for lc in cfg["layers"]:
            layer_cls = LAYER_TYPES[lc["type"]]
            layers.append(layer_cls.from_config(lc, rng=rng))
        return cls(layers, input_shape=cfg["input_shape"], metadata=cfg.get("metadata"),
                   source=source)

    def named_params(self) -> dict[str, np.ndarray]:
        """``{"conv1.K": array, "conv1.b": array, ...}`` (live arrays, not copies)."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.params.items()}

    def named_grads(self) -> dict[str, np.ndarray]:
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.grads.items()}

    def named_buffers(self) -> dict[str, np.ndarray]:
        """``{"bn1.running_mean": array, ...}``: saved, untrained state (live arrays)."""
        return {f"{l.name}.{k}": v for l in self.layers for k, v in l.buffers.items()}

    def num_params(self) -> int:
        return int(sum(v.size for v in self.named_params().values()))

    def get_weights(self) -> dict[str, np.ndarray]:
        """A copy of every parameter array by name, and of every buffer
        (batch norm's running statistics) if the model has any."""
        return {k: v.copy() for k, v in {**self.named_params(), **self.named_buffers()}.items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy ``weights`` (every parameter, same names and shapes; buffers
        optional, those left out keep their values) into the model in place."""
        params, buffers = self.named_params(), self.named_buffers()
        wrong = (set(params) - set(weights)) | (set(weights) - set(params) - set(buffers))
        if wrong:
            raise ValueError(f"weights do not match the model: {sorted(wrong)}")
        targets = {**params, **buffers}
        for k, v in weights.items():
            if v.shape != targets[k].shape:
                raise ValueError(f"{k}: shape {v.shape} != {targets[k].shape}")
        for k, v in weights.items():
            np.copyto(targets[k], v)

    def clone(self, keep_source: bool = True) -> "Model":
        """An independent copy (weights, architecture, metadata); with
        ``keep_source=False`` it does not claim to be the file this one came from."""
        twin = Model.from_config(copy.deepcopy(self.config()),
                                 source=self.source if keep_source else None)
        for mine, theirs in zip(self.layers, twin.layers):
            theirs.load_params(mine.params)
            theirs.load_buffers(mine.buffers)
        twin.set_novelty_stats(self.novelty_stats)
        return twin

    def load_params(self, weights: dict[str, np.ndarray]) -> None:
        """Use copies of ``weights`` (``{"conv1.K": array, ...}``, exactly this
        model's names and shapes) as the parameters, in their own dtype."""
        expected = set(self.named_params())
        if set(weights) != expected:
            raise ValueError(f"weights do not match the model: {sorted(set(weights) ^ expected)}")
        for layer in self.layers:
            layer.load_params({k: weights[f"{layer.name}.{k}"] for k in layer.params})

    def load_buffers(self, buffers: dict[str, np.ndarray]) -> None:
        """Use copies of ``buffers`` (``{"bn1.running_mean": array, ...}``,
        exactly this model's names and shapes) as the buffers."""
        expected = set(self.named_buffers())
        if set(buffers) != expected:
            raise ValueError(f"buffers do not match the model: {sorted(set(buffers) ^ expected)}")
        for layer in self.layers:
            layer.load_buffers({k: buffers[f"{layer.name}.{k}"] for k in layer.buffers})

    # ----------------------------------------------------------- novelty stats
    @property
    def novelty_stats(self) -> NoveltyStats | None:
        """The statistics :func:`engine.explain.novelty` scores inputs with
        (fitted by :func:`engine.explain.fit_novelty`, saved in the model file),
        or None: never fitted, or the weights changed since (e.g. trained)."""
        stats = self._novelty
        return stats if stats is not None and stats.matches(self.named_params()) else None

    def set_novelty_stats(self, stats: NoveltyStats | None) -> None:
        """Attach ``stats`` (None: drop them); ``ValueError`` if their shapes do
        not fit this model's layers, classes and parameters."""
        if stats is not None:
            shapes = [shape for _, shape in self.layer_shapes()]
            want = expected_shapes(np.array(stats.layers), shapes, self.num_classes,
                                   len(self.named_params()))
            got = {k: v.shape for k, v in stats.to_arrays().items()}
            if got != want:
                raise ValueError(f"novelty statistics do not fit this model: {got} != {want}")
        self._novelty = stats

    # ------------------------------------------------------------- introspection
    def output_signs(self) -> dict[str, bool]:
        """``{layer name: True if its output can be negative}`` (the input image is >= 0)."""
        signed, out = False, {}
        for layer in self.layers:
            signed = layer.output_signed(signed)
            out[layer.name] = signed
        return out

    def kernel_behind(self, layer_name: str, channel: int):
        """``(conv layer name, kernel (C_in, k1, k2), bias)`` of the convolution
        whose output channel ``channel`` became channel ``channel`` of
        ``layer_name`` (walking back through layers that keep channels), or None."""
        names = [layer.name for layer in self.layers]
        if layer_name not in names:
            return None
        for layer in reversed(self.layers[:names.index(layer_name) + 1]):
            if layer.has_kernels:
                if not 0 <= channel < layer.output_shape(self._input_of(layer))[0]:
                    return None
                return (layer.name, *layer.kernel_of(channel))
            if not layer.keeps_channels:
                return None
        return None

    def _input_of(self, layer: Layer) -> tuple[int, ...]:
        """One sample's input shape of ``layer``."""
        shapes = dict(self.layer_shapes())
        i = self.layers.index(layer)
        return self.input_shape if i == 0 else shapes[self.layers[i - 1].name]

    def explain_layer(self, index: int) -> str:
        """What layer ``index`` computes, in a sentence or two."""
        shapes = self.layer_shapes()
        inp = self.input_shape if index == 0 else shapes[index - 1][1]
        return self.layers[index].explain(inp, shapes[index][1], index == len(self.layers) - 1)

    def summary(self) -> str:
        """The table of :func:`engine.nn.architecture.format_table` (per layer: output
        shape, parameters, multiply-adds, activation memory; totals last)."""
        first = next(iter(self.named_params().values()), None)
        itemsize = 4 if first is None else first.dtype.itemsize
        return format_table(describe_architecture(self.config(), serviceable=False), itemsize)

    # ------------------------------------------------------------------ running
    def train(self, mode: bool = True) -> "Model":
        """Training mode caches what backward needs (and enables dropout)."""
        for layer in self.layers:
            layer.set_training(mode)
        return self

    def eval(self) -> "Model":
        return self.train(False)

    @contextlib.contextmanager
    def evaluating(self) -> Iterator["Model"]:
        """Evaluation mode (no dropout, no caches) inside the ``with`` block;
        the mode it had is restored after it."""
        was_training = self.layers[0].training if self.layers else False
        self.eval()
        try:
            yield self
        finally:
            self.train(was_training)

    def forward(self, x: np.ndarray, keep_activations: bool = False):
        """Logits for ``x: (N, C, H, W)``.

        :return: ``logits (N, classes)``, or with ``keep_activations=True``
            ``(logits, {layer name: output})`` in layer order.

        Without ``keep_activations`` a ReLU right before a max pool with
        non-overlapping windows runs fused into the pool (on the pooled
        array; same values and gradients, see :mod:`engine.nn.fused_run`).
        """
        x = self._check_input(x)
        if not keep_activations:
            return forward_fused(self.layers, x)
        acts = {}
        for layer in self.layers:
            x = layer.forward(x)
            acts[layer.name] = x
        return x, acts

    def backward(self, dlogits: np.ndarray) -> None:
        """Back-propagate ``dlogits: (N, classes)`` (per-sample gradient) and fill grads."""
        backward_after(self.layers, dlogits)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``x: (N, 1, 28, 28)`` float32 in [0, 1] -> class probabilities ``(N, 10)``."""
        with self.evaluating():
            return F.softmax(self.forward(x))

    def probe_inputs(self) -> np.ndarray:
        """A few inputs of this model's shape, ``(4, C, H, W)`` in [0, 1]: blank,
        full, a checkerboard and a fixed random image (for :meth:`outputs_are_finite`)."""
        c, h, w = self.input_shape
        yy, xx = np.mgrid[:h, :w]
        noise = np.random.default_rng(0).random((c, h, w), dtype=np.float32)
        board = np.broadcast_to(((yy + xx) % 2).astype(np.float32), (c, h, w))
        return np.stack([np.zeros((c, h, w), np.float32), np.ones((c, h, w), np.float32),
                         board, noise])

    def outputs_are_finite(self) -> bool:
        """True if the logits of :meth:`probe_inputs` are all finite numbers.
        Finite weights can still overflow (e.g. 1e37): such a model cannot predict."""
        with np.errstate(all="ignore"), self.evaluating():
            return bool(np.all(np.isfinite(self.forward(self.probe_inputs()))))

    def predict(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Predicted class ``(N,)`` int64, evaluated in batches."""
        return np.concatenate([self.predict_proba(x[i:i + batch_size]).argmax(axis=1)
                               for i in range(0, len(x), batch_size)]) if len(x) else \
            np.zeros(0, dtype=np.int64)

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim == len(self.input_shape):
            x = x[None]
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"input shape {x.shape[1:]} does not match the model's {self.input_shape}")
        return x.astype(param_dtype(self.layers), copy=False)

    # --------------------------------------------------------------------- files
    def save(self, path) -> None:
        """Write weights and architecture to ``path`` (.npz) atomically; the
        model's :attr:`source` is ``path`` from then on."""
        save_model(self, path)
        self.source = os.fspath(path)

    # ----------------------------------------------------------------- training
    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """One forward + backward pass in training mode; fills every layer's grads.

        :param x: ``(N, C, H, W)``; :param labels: ``(N,)`` ints in ``[0, classes)``
        :return: ``(mean loss, number of correct predictions)``
        """
        self.train()
        logits = self.forward(x)
        onehot = np.zeros_like(logits)
        onehot[np.arange(len(labels)), labels] = 1
        loss, dy = F.cross_entropy_loss(logits, onehot)
        self.backward(dy)
        return loss, int((logits.argmax(axis=1) == labels).sum())

    def shared_replica(self) -> "Model":
        """A model sharing this one's parameter arrays, with its own caches and grads."""
        return Model([layer.shared_copy() for layer in self.layers], self.input_shape, self.metadata)
