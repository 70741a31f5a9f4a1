"""``nets.linalg``: vector norms (``torch.linalg.norm`` and ``vector_norm``), from the registered primitives."""

from __future__ import annotations

from .tensor import Tensor, _vector_norm, as_tensor


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """(Σ|x|ᵒʳᵈ)^(1/ord) over all entries or ``dim``; inf, −inf and 0 as PyTorch."""
    x = _t(x) if dtype is None else _t(x).to(dtype)
    return _vector_norm(x, ord, dim, keepdim)


def norm(x, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The 2-norm of the flattened tensor by default, or the vector ``ord``-norm; matrix norms other than
    Frobenius ('fro', the default for 2-D with ``ord`` given as 'fro') are not provided."""
    x = _t(x) if dtype is None else _t(x).to(dtype)
    if ord is None or ord == "fro":
        return _vector_norm(x, 2, dim, keepdim)
    if isinstance(ord, str) or x.ndim == 2 and dim is None or isinstance(dim, (tuple, list)) and len(dim) == 2:
        raise NotImplementedError(f"nets.linalg.norm: the matrix norm ord={ord!r} is not provided; use ord=None "
                                  "(Frobenius) or vector_norm")
    return _vector_norm(x, ord, dim, keepdim)
