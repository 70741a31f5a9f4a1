"""The math functions users call: ``autodiff.sin(x)``, ``autodiff.sum(x, axis=0)`` …

Each is one :func:`~autodiff.primitives.bind` of a registered primitive, so it accepts plain numbers and
numpy arrays (computed directly) and traced values (handed to the level that traces them: recorded as a
node, or its forward rule applied to a dual number).
"""

from __future__ import annotations

from .primitives import REGISTRY, bind, plain_index, primal

_P = REGISTRY


def exp(x):
    """eˣ."""
    return bind(_P["exp"], x)


def log(x):
    """Natural logarithm (log 0 = −inf, its derivative 1/x)."""
    return bind(_P["log"], x)


def sqrt(x):
    """√x, derivative 1/(2√x)."""
    return bind(_P["sqrt"], x)


def sin(x):
    return bind(_P["sin"], x)


def cos(x):
    return bind(_P["cos"], x)


def tan(x):
    return bind(_P["tan"], x)


def tanh(x):
    """tanh x, derivative 1 − tanh² x."""
    return bind(_P["tanh"], x)


def sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ), computed without overflow; σ' = σ(1 − σ)."""
    return bind(_P["sigmoid"], x)


def relu(x):
    """max(x, 0); relu'(0) is taken as 0."""
    return bind(_P["relu"], x)


def absolute(x):
    """|x|; its derivative at 0 is taken as 0."""
    return bind(_P["abs"], x)


def erf(x):
    """The error function, derivative (2/√π)·e^(−x²)."""
    return bind(_P["erf"], x)


def maximum(a, b):
    """Elementwise maximum; tied inputs share the adjoint equally."""
    return bind(_P["maximum"], a, b)


def minimum(a, b):
    """Elementwise minimum; tied inputs share the adjoint equally."""
    return bind(_P["minimum"], a, b)


def power(a, b):
    return bind(_P["pow"], a, b)


def where(cond, a, b):
    """``a`` where ``cond`` holds, else ``b``; the condition is a constant (not differentiated)."""
    return bind(_P["where"], a, b, cond=primal(cond))


def sum(x, axis=None, keepdims: bool = False):  # noqa: A001 - numpy's name
    return bind(_P["sum"], x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False):
    return bind(_P["mean"], x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False):  # noqa: A001
    """The largest entry (over ``axis``); ties share the adjoint equally."""
    return bind(_P["max"], x, axis=axis, keepdims=keepdims)


def reshape(x, shape):
    return bind(_P["reshape"], x, shape=tuple(shape) if not isinstance(shape, int) else (shape,))


def transpose(x, axes=None):
    return bind(_P["transpose"], x, axes=None if axes is None else tuple(axes))


def broadcast_to(x, shape):
    return bind(_P["broadcast_to"], x, shape=tuple(shape))


def concatenate(xs, axis: int = 0):
    return bind(_P["concatenate"], *xs, axis=axis)


def matmul(a, b):
    return bind(_P["matmul"], a, b)


def getitem(x, index):
    return bind(_P["getitem"], x, index=plain_index(index))


# numpy's spellings
abs = absolute  # noqa: A001
pow = power  # noqa: A001
dot = matmul
