"""``BatchNorm1d`` and ``LayerNorm`` with PyTorch's parameters, buffers and defaults."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _wrap
from . import functional as F
from .module import Module
from .parameter import Parameter


class BatchNorm1d(Module):
    """Per-channel normalization of (N, C) or (N, C, L) input (``bias=False`` drops β).

    Training: x̂ = (x − μ_B)/√(σ²_B + eps) with the batch mean and biased variance, then γx̂ + β, and the
    running statistics move by ``momentum`` (running_var with the unbiased variance). Eval: the running
    statistics replace the batch's (unless ``track_running_stats=False``). Buffers: running_mean (0),
    running_var (1), num_batches_tracked.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=None, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats, self.use_bias = affine, track_running_stats, affine and bias
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _wrap(np.zeros(num_features, dtype=d)))
            self.register_buffer("running_var", _wrap(np.ones(num_features, dtype=d)))
            self.register_buffer("num_batches_tracked", _wrap(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.value[...] = 0
            self.running_var.value[...] = 1
            self.num_batches_tracked.value[...] = 0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        shape = input.shape
        if len(shape) not in (2, 3) or shape[1] != self.num_features:
            raise F.ShapeError(f"BatchNorm1d({self.num_features}) expects input of shape (N, {self.num_features}) "
                               f"or (N, {self.num_features}, L), got {tuple(shape)}")
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(input, self.running_mean if self.track_running_stats else None,
                            self.running_var if self.track_running_stats else None, self.weight, self.bias,
                            training=use_batch, momentum=self.momentum, eps=self.eps,
                            num_batches_tracked=self.num_batches_tracked if self.training else None)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.use_bias}, track_running_stats={self.track_running_stats}")


class LayerNorm(Module):
    """Normalize each example over its last dimensions (``normalized_shape``), biased variance, then
    γx̂ + β with γ, β per feature (``elementwise_affine``; ``bias=False`` drops β). Same in train and eval."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype=None) -> None:
        super().__init__()
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = ns, eps, elementwise_affine
        self.use_bias = elementwise_affine and bias
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(ns, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(ns, dtype=d))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.use_bias}")
