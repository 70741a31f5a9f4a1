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


def sum(x, dim=None, keepdim: bool = False, dtype=None, *, axis=None) -> Tensor:  # noqa: A001
    return _t(x).sum(dim, keepdim, dtype=dtype, axis=axis)


def mean(x, dim=None, keepdim: bool = False, dtype=None, *, axis=None) -> Tensor:
    return _t(x).mean(dim, keepdim, dtype=dtype, axis=axis)


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


_NOTHING = object()


def where(condition, input=_NOTHING, other=_NOTHING):  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (the condition is not differentiated);
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``."""
    if input is _NOTHING and other is _NOTHING:
        return _t(condition).nonzero(as_tuple=True)
    return Tensor._apply(_P["where"], (_t(input), other), {"cond": np.asarray(_value(condition), dtype=bool)})


def nonzero(x, as_tuple: bool = False):
    return _t(x).nonzero(as_tuple=as_tuple)


def bmm(input, mat2) -> Tensor:  # noqa: A002
    return _t(input).bmm(mat2)


def dot(input, other) -> Tensor:  # noqa: A002
    return _t(input).dot(other)


def gather(input, dim: int, index) -> Tensor:  # noqa: A002
    return _t(input).gather(dim, index)


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):  # noqa: A002
    return _t(input).sort(dim, descending, stable)


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:  # noqa: A002
    return _t(input).argsort(dim, descending, stable)


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    return _t(input).topk(k, dim, largest, sorted)


def chunk(input, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    return _t(input).chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim: int = 0) -> tuple:
    return _t(tensor).split(split_size_or_sections, dim)


def cumsum(input, dim: int, dtype=None) -> Tensor:  # noqa: A002
    return _t(input).cumsum(dim, dtype=dtype)


def prod(input, dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    return _t(input).prod(dim, keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    return _t(input).norm(p, dim, keepdim, dtype=dtype)


def sign(x) -> Tensor:
    return _t(x).sign()


def round(x, decimals: int = 0) -> Tensor:  # noqa: A001
    return _t(x).round(decimals=decimals)


def floor(x) -> Tensor:
    return _t(x).floor()


def ceil(x) -> Tensor:
    return _t(x).ceil()


def log1p(x) -> Tensor:
    return _t(x).log1p()


def expm1(x) -> Tensor:
    return _t(x).expm1()


def isnan(x) -> Tensor:
    return _t(x).isnan()


def isinf(x) -> Tensor:
    return _t(x).isinf()


def isfinite(x) -> Tensor:
    return _t(x).isfinite()


def neg(x) -> Tensor:
    return _t(x).neg()


def tan(x) -> Tensor:
    return Tensor._apply(_P["tan"], (_t(x),), {})


def repeat_interleave(x, repeats: int, dim: int | None = None) -> Tensor:
    x = _t(x)
    if dim is None:
        x, dim = x.reshape(-1), 0
    n = x.shape[dim]
    idx = [slice(None)] * x.ndim
    idx[dim] = np.repeat(np.arange(n), repeats)
    return x[tuple(idx)]


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
