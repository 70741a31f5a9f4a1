"""The course's models: linear, logistic and softmax regression, and the multilayer perceptron.

Each is a :class:`nets.nn.Module` built from ``nn.Linear``, so state dicts use PyTorch's key names
(``linear.weight``, ``linear.bias`` for the regressions; ``0.weight``, ``0.bias``, … for the MLP, which is
a ``Sequential``) and the same architecture in PyTorch can load them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import nn
from .autograd_mode import no_grad
from .nn import functional as F
from .random import Generator
from .tensor import Tensor, as_tensor

__all__ = ["LinearRegression", "LogisticRegression", "SoftmaxRegression", "MLP"]


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class LinearRegression(nn.Module):
    """ŷ = Xwᵀ + b: ``forward`` maps (N, num_features) to (N, num_outputs). Train it with ``MSELoss`` by
    gradient descent, or solve it exactly with :meth:`fit_closed_form`."""

    def __init__(self, num_features: int, num_outputs: int = 1, bias: bool = True, dtype=None,
                 generator: Generator | None = None):
        super().__init__()
        self.linear = nn.Linear(_count(num_features, "num_features"), _count(num_outputs, "num_outputs"),
                                bias=bias, dtype=dtype, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x)

    def fit_closed_form(self, X, y, rcond: float | None = None) -> LinearRegression:
        """Set w, b to the least-squares solution of min ‖[X 1][w; b] − y‖² with ``np.linalg.lstsq`` (an
        SVD, well-conditioned; XᵀX is never formed or inverted). The bias is the appended ones column (last).
        If [X 1] lacks full column rank the minimizer is not unique and this gives the one of least norm;
        ``rank_`` and ``singular_values_`` record the design matrix's rank and singular values."""
        X = np.asarray(X.value if isinstance(X, Tensor) else X, dtype=np.float64)
        y = np.asarray(y.value if isinstance(y, Tensor) else y, dtype=np.float64)
        n, d = X.shape if X.ndim == 2 else (None, None)
        if X.ndim != 2 or d != self.linear.in_features:
            raise ValueError(f"X must have shape (N, {self.linear.in_features}), got {X.shape}")
        k = self.linear.out_features
        if y.shape not in ((n,), (n, k)) or (y.ndim == 1 and k != 1):
            raise ValueError(f"y must have shape ({n},) or ({n}, {k}) to match X, got {y.shape}")
        design = np.hstack([X, np.ones((n, 1))]) if self.linear.bias is not None else X
        coef, _, rank, sv = np.linalg.lstsq(design, y.reshape(n, -1), rcond=rcond)
        self.rank_, self.singular_values_ = int(rank), sv
        w = self.linear.weight
        with no_grad():
            w.value[...] = coef[:d].T.astype(w.value.dtype)
            if self.linear.bias is not None:
                self.linear.bias.value[...] = coef[d].astype(w.value.dtype)
        return self


class LogisticRegression(nn.Module):
    """p(y = 1 | x) = σ(wᵀx + b). ``forward`` returns the probabilities (N, 1) for ``BCELoss``, as in the
    course; with ``logits=True`` it returns wᵀx + b for the numerically safer ``BCEWithLogitsLoss``.
    ``predict`` gives 1 where p ≥ 0.5 (wᵀx + b ≥ 0)."""

    def __init__(self, num_features: int, logits: bool = False, dtype=None, generator: Generator | None = None):
        super().__init__()
        self.linear = nn.Linear(_count(num_features, "num_features"), 1, dtype=dtype, generator=generator)
        self.logits = bool(logits)

    def forward(self, x: Tensor) -> Tensor:
        z = self.linear(x)
        return z if self.logits else F.sigmoid(z)

    def predict_proba(self, x) -> Tensor:
        with no_grad():
            return F.sigmoid(self.linear(as_tensor(x)))

    def predict(self, x) -> Tensor:
        with no_grad():
            return (self.linear(as_tensor(x)) >= 0).long().reshape(-1)

    def extra_repr(self) -> str:
        return "logits=True" if self.logits else ""


class SoftmaxRegression(nn.Module):
    """p(y = k | x) = softmax(Wx + b)_k. ``forward`` returns the logits (N, num_classes) for
    ``CrossEntropyLoss`` (which applies log-softmax itself); ``predict_proba`` the probabilities."""

    def __init__(self, num_features: int, num_classes: int, dtype=None, generator: Generator | None = None):
        super().__init__()
        if _count(num_classes, "num_classes") < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.linear = nn.Linear(_count(num_features, "num_features"), num_classes, dtype=dtype, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x)

    def predict_proba(self, x) -> Tensor:
        with no_grad():
            return F.softmax(self.linear(as_tensor(x)), dim=-1)

    def predict(self, x) -> Tensor:
        with no_grad():
            return self.linear(as_tensor(x)).argmax(dim=-1)


_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "prelu": nn.PReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
    "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU(approximate="tanh"), "softplus": nn.Softplus,
}


class MLP(nn.Sequential):
    """A multilayer perceptron ``sizes = [d_in, h_1, …, h_L, d_out]``: each hidden layer is
    Linear → [BatchNorm1d | LayerNorm] → activation → [Dropout], and the output layer is a plain Linear
    (no activation: the loss supplies the link, e.g. CrossEntropyLoss on the logits).

    ``activation`` is a name (relu, leaky_relu, prelu, sigmoid, tanh, gelu, gelu_tanh, softplus) or a
    function returning a module; ``norm`` is None, 'batch' or 'layer'; ``dropout`` is the drop probability
    after each hidden activation (inputs and outputs are never dropped here). ``generator`` draws the
    initial weights; dropout masks come from the default generator (``nets.manual_seed``).
    """

    def __init__(self, sizes: Sequence[int], activation: str | Callable[[], nn.Module] = "relu",
                 norm: str | None = None, dropout: float = 0.0, dtype=None, generator: Generator | None = None):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least the input and output sizes, got {sizes}")
        sizes = [_count(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(_ACTIVATIONS)} "
                                 "or a function returning a Module")
            make_act = _ACTIVATIONS[activation]
        elif callable(activation):
            make_act = activation
        else:
            raise TypeError(f"activation must be a name or a callable, got {type(activation).__name__}")
        if norm not in (None, "batch", "layer"):
            raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout}")
        layers: list[nn.Module] = []
        for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(nn.Linear(fan_in, fan_out, dtype=dtype, generator=generator))
            if norm == "batch":
                layers.append(nn.BatchNorm1d(fan_out, dtype=dtype))
            elif norm == "layer":
                layers.append(nn.LayerNorm(fan_out, dtype=dtype))
            act = make_act()
            if not isinstance(act, nn.Module):
                raise TypeError(f"activation factory returned {type(act).__name__}, not a Module")
            layers.append(act)
            if dropout > 0:
                layers.append(nn.Dropout(dropout))  # masks from the default generator, which checkpoints save
        layers.append(nn.Linear(sizes[-2], sizes[-1], dtype=dtype, generator=generator))
        super().__init__(*layers)
        self.sizes = sizes

    def predict(self, x) -> Tensor:
        """The arg-max class of the outputs, in eval mode (restoring the previous mode)."""
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                return self(as_tensor(x)).argmax(dim=-1)
        finally:
            self.train(was_training)

