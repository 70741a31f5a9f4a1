"""Functions on tensors under PyTorch's names (``nets.exp(x)``, ``nets.cat([...])``, ``nets.where(...)``).

Each applies one registered primitive (through the tensor methods), so they are recorded and
differentiated like the operators.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autodiff.primitives import REGISTRY

from .tensor import Tensor, _value, _wrap, as_tensor

_P = REGISTRY


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def exp(x) -> Tensor:
    return _t(x).exp()


def log(x) -> Tensor:
    return _t(x).log()


def sqrt(x) -> Tensor:
    return _t(x).sqrt()


def abs(x) -> Tensor:  # noqa: A001 - PyTorch's name
    return _t(x).abs()


def sin(x) -> Tensor:
    return _t(x).sin()


def cos(x) -> Tensor:
    return _t(x).cos()


def tanh(x) -> Tensor:
    return _t(x).tanh()


def sigmoid(x) -> Tensor:
    return _t(x).sigmoid()


def relu(x) -> Tensor:
    return _t(x).relu()


def erf(x) -> Tensor:
    return _t(x).erf()


def square(x) -> Tensor:
    return _t(x).square()


def pow(x, exponent) -> Tensor:  # noqa: A001
    return _t(x).pow(exponent)


def clamp(x, min=None, max=None) -> Tensor:  # noqa: A002
    return _t(x).clamp(min, max)


clip = clamp


def sum(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _t(x).sum(dim, keepdim)


def mean(x, dim=None, keepdim: bool = False) -> Tensor:
    return _t(x).mean(dim, keepdim)


def var(x, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None) -> Tensor:
    return _t(x).var(dim, unbiased, keepdim, correction=correction)


def std(x, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None) -> Tensor:
    return _t(x).std(dim, unbiased, keepdim, correction=correction)


def max(x, dim=None, keepdim: bool = False):  # noqa: A001
    return _t(x).max(dim, keepdim)


def min(x, dim=None, keepdim: bool = False):  # noqa: A001
    return _t(x).min(dim, keepdim)


def amax(x, dim=None, keepdim: bool = False) -> Tensor:
    return _t(x).amax(dim, keepdim)


def argmax(x, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _t(x).argmax(dim, keepdim)


def argmin(x, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return _t(x).argmin(dim, keepdim)


def logsumexp(x, dim: int, keepdim: bool = False) -> Tensor:
    return _t(x).logsumexp(dim, keepdim)


def softmax(x, dim: int) -> Tensor:
    return _t(x).softmax(dim)


def log_softmax(x, dim: int) -> Tensor:
    return _t(x).log_softmax(dim)


def matmul(a, b) -> Tensor:
    return _t(a).matmul(b)


mm = matmul


def maximum(a, b) -> Tensor:
    return Tensor._apply(_P["maximum"], (a, b), {})


def minimum(a, b) -> Tensor:
    return Tensor._apply(_P["minimum"], (a, b), {})


def where(condition, input, other) -> Tensor:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (the condition is not differentiated)."""
    return Tensor._apply(_P["where"], (_t(input), other), {"cond": np.asarray(_value(condition), dtype=bool)})


def reshape(x, shape) -> Tensor:
    return _t(x).reshape(shape)


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _t(x).flatten(start_dim, end_dim)


def squeeze(x, dim: int | None = None) -> Tensor:
    return _t(x).squeeze(dim)


def unsqueeze(x, dim: int) -> Tensor:
    return _t(x).unsqueeze(dim)


def transpose(x, dim0: int, dim1: int) -> Tensor:
    return _t(x).transpose(dim0, dim1)


def permute(x, dims) -> Tensor:
    return _t(x).permute(dims)


def cat(tensors: Sequence, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise ValueError("cat needs at least one tensor")
    return Tensor._apply(_P["concatenate"], tuple(tensors), {"axis": dim})


concatenate = cat


def stack(tensors: Sequence, dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack expects tensors of one shape, got {sorted(shapes)}")
    return cat([t.unsqueeze(dim) for t in tensors], dim=dim)


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(_value(a), _value(b), rtol=rtol, atol=atol))


def isclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> Tensor:
    return _wrap(np.isclose(_value(a), _value(b), rtol=rtol, atol=atol))


def equal(a, b) -> bool:
    va, vb = np.asarray(_value(a)), np.asarray(_value(b))
    return va.shape == vb.shape and bool(np.array_equal(va, vb))


def numel(x) -> int:
    return _t(x).numel()
