"""Indicators: comparisons, sign, the step function, masks, and the constants that rules read off values.

These functions are piecewise constant, so their derivative is zero wherever it exists: a derivative rule
uses them as constants (relu'(x) = [x > 0]) and no rule differentiates them. They are primitives all the
same so that a staged program (:mod:`autodiff.staging`) computes them from the values of each call, rather
than keeping the ones of the call that staged it. :func:`indicator` applies one to the values under any
differentiating tracers: outside ``jit`` it is just the numpy (or float) function.
"""

from __future__ import annotations

import numpy as np

from ..backends import NUMPY
from .core import REGISTRY, Primitive, _primal, apply, register


def _no_tangent(m, ts, xs, y, **params):
    return None


def _no_adjoint(m, g, xs, y, needs, **params):
    return [None] * len(xs)


def _indicator(name: str, impl, display: str) -> Primitive:
    return register(Primitive(name, impl, _no_tangent, _no_adjoint, display, differentiable=False))


def indicator(name: str, *args, **params):
    """The indicator ``name`` of the values inside ``args`` (through any derivative levels): a constant to
    them, and a recorded operation of a program being staged."""
    return apply(REGISTRY[name], tuple(_primal(a) for a in args), params)


# --- comparisons and logic (a staged value's operators bind these) -------------------------------------
_indicator("lt", lambda m, a, b: a < b, "{0} < {1}")
_indicator("le", lambda m, a, b: a <= b, "{0} ≤ {1}")
_indicator("gt", lambda m, a, b: a > b, "{0} > {1}")
_indicator("ge", lambda m, a, b: a >= b, "{0} ≥ {1}")
_indicator("eq", lambda m, a, b: a == b, "{0} == {1}")
_indicator("ne", lambda m, a, b: a != b, "{0} != {1}")
_indicator("logical_and", lambda m, a, b: a & b, "{0} ∧ {1}")
_indicator("logical_or", lambda m, a, b: a | b, "{0} ∨ {1}")
_indicator("logical_not", lambda m, a: ~a if not isinstance(a, bool) else not a, "¬{0}")

# --- what derivative rules read off values (on a program's staged values too) ----------------------
_indicator("sign", lambda m, x: m.sign(x), "sign({0})")
_indicator("heaviside", lambda m, z, at0: m.heaviside(z, at0), "H({0}, {1})")  # 1 for z > 0, at0 at 0
_indicator("mask", lambda m, cond, when=True: m.mask(cond, when), "[{0}]")


def max_shift(m, x, axis=None):
    """The row maximum of ``x`` (dimensions kept), 0 where it is not finite: what a stable softmax subtracts
    before exponentiating (any constant gives the same result; this one avoids overflow)."""
    c = NUMPY.max(np.asarray(x), axis=axis, keepdims=True)
    # (logical_and.reduce is ndarray.all without its Python wrapper. A single isfinite(Σc) would be one
    # call fewer but can warn where this does not: a sum that overflows, or +inf and −inf in two rows.)
    if np.logical_and.reduce(np.isfinite(c), axis=None):
        return c
    return np.where(np.isfinite(c), c, 0).astype(c.dtype, copy=False)


def _max_weights(m, x, y, axis=None):
    """Where ``y = max(x, axis)`` is attained, 1/(number of ties); elsewhere 0: how a maximum's adjoint and
    tangent are shared among tied entries."""
    from .structural import _kept_shape

    xv, yv = np.asarray(x), np.asarray(y)
    hit = xv == (yv if axis is None else np.reshape(yv, _kept_shape(xv.shape, axis)))
    return hit / np.sum(hit, axis=axis, keepdims=True).astype(xv.dtype if xv.dtype.kind == "f" else float)


_indicator("max_shift", max_shift, "shift({0}{axis_kw})")
_indicator("max_weights", _max_weights, "argmax_weights({0}, {1}{axis_kw})")
