"""The vocabularies in which primitive rules are written.

Every value rule and derivative rule in :mod:`autodiff.primitives` is a plain Python function of a
*backend* ``m`` and its inputs, e.g. ``lambda m, x: m.sin(x)`` and ``lambda m, x, y: m.cos(x)``.
Handing the same rule a different backend interprets it differently:

* ``MATH``   - Python floats, through the ``math`` module (fast scalar traces);
* ``NUMPY``  - numpy arrays (and complex numbers, for the complex step);
* ``SYMPY``  - SymPy expressions (the symbolic form of a trace);
* ``GENERIC`` (built in :mod:`autodiff.primitives`) - traced nodes and dual numbers, so that the
  derivative rules are themselves differentiable (Hessians by forward-over-reverse).

This is what lets each derivative be written exactly once.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import sympy as sp

_erf_ufunc = np.frompyfunc(math.erf, 1, 1)


def _erf_by_math(x):
    """erf elementwise through ``math.erf``: numpy has no erf, and scipy (vectorised C) is optional."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        raise TypeError("erf is not defined here for complex input")
    r = np.asarray(_erf_ufunc(x), dtype=np.result_type(x.dtype, np.float32))
    return r[()] if r.ndim == 0 else r  # a 0-d input gives a numpy scalar, as a ufunc would


try:
    from scipy.special import erf as _np_erf  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _np_erf = _erf_by_math


class Backend(SimpleNamespace):
    """A named set of functions that rules call as ``m.exp(x)``, ``m.sum(x, axis)`` ..."""

    def __repr__(self) -> str:
        return f"<backend {self.name}>"


# ----------------------------------------------------------------------------------------- numpy
def _np_sigmoid(x):
    # Never exponentiate a positive number: exact and finite for |x| up to the float range.
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype if x.dtype.kind in "fc" else float)


def _np_heaviside(z, at0):
    if type(z) is not np.ndarray:
        z = np.asarray(z)
    dtype = z.dtype if z.dtype.kind == "f" else np.float64
    # A comparison is an order of magnitude faster than np.heaviside (relu's partial on every step).
    out = (z > 0).astype(dtype)
    return out + (z == 0).astype(dtype) * at0 if at0 else out


def _weak(fn):
    """``fn`` that answers a Python number with a Python float.

    numpy returns a float64 *scalar* for ``np.log(2)``; unlike a Python float it takes part in type
    promotion and would turn a float32 adjoint into float64 (PyTorch likewise lets 0-d values adapt).
    """

    def f(*args):
        r = fn(*args)
        return float(r) if type(r) is np.float64 and all(type(a) is float or type(a) is int for a in args) else r

    f.__name__ = getattr(fn, "__name__", "f")
    return f


def _np_shape(x) -> tuple:
    return x.shape if type(x) is np.ndarray else np.shape(x)  # (np.shape's dispatch costs more than the lookup)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``x.shape``."""
    xs = x.shape if type(x) is np.ndarray else np.shape(x)
    if xs == shape or xs == tuple(shape):
        return x
    if not shape:
        return np.sum(x)
    lead = len(xs) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and xs[i + lead] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(shape)


def _is_basic(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice, type(None), type(Ellipsis))) and not isinstance(i, bool) for i in parts)


def _np_index_add(g, index, shape):
    """A zero array of ``shape`` with ``g`` added at ``index`` (the adjoint of ``x[index]``)."""
    out = np.zeros(shape, dtype=np.result_type(g))
    if _is_basic(index):
        out[index] = g  # basic indexing selects each element at most once: no accumulation needed
    else:
        np.add.at(out, index, g)  # integer arrays may repeat an element; each occurrence adds
    return out


def _row_reduce(ufunc):
    """``ufunc.reduce``; over the last axis of a tall, narrow matrix (logits: many rows, few classes) it
    reduces a transposed copy instead: numpy reduces short rows one at a time, 4-8× slower at 256 × 10."""

    def reduce(x, axis=None, keepdims=False):
        if (type(x) is np.ndarray and x.ndim == 2 and (axis == -1 or axis == 1) and x.shape[1] <= 16
                and x.shape[0] >= 64):
            r = ufunc.reduce(np.ascontiguousarray(x.T), axis=0)
            return r[:, None] if keepdims else r
        return ufunc.reduce(x, axis=axis, keepdims=keepdims)

    return reduce


def _np_broadcast_to(x, shape):
    """``np.broadcast_to``; a single number takes a direct zero-stride view (a third of the time: the
    adjoint of every ``sum`` is one)."""
    a = np.asarray(x)
    if a.ndim == 0:
        view = np.ndarray(shape, a.dtype, buffer=a, strides=(0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(a, shape)


def _np_swap_last(x):
    return np.swapaxes(x, -1, -2)


NUMPY = Backend(
    name="numpy",
    exp=_weak(np.exp), log=_weak(np.log), sqrt=_weak(np.sqrt), sin=_weak(np.sin), cos=_weak(np.cos),
    tan=_weak(np.tan), tanh=_weak(np.tanh),
    sigmoid=_np_sigmoid, erf=_np_erf, abs=np.abs, sign=np.sign, heaviside=_np_heaviside,
    maximum=np.maximum, minimum=np.minimum, where=np.where, pi=math.pi, two_over_sqrt_pi=2 / math.sqrt(math.pi),
    # the ufuncs' reduce directly: np.sum/np.max add a dispatch layer that costs more than a small reduction
    sum=_row_reduce(np.add),
    mean=lambda x, axis=None, keepdims=False: np.mean(x, axis=axis, keepdims=keepdims),
    max=_row_reduce(np.maximum),
    relu=lambda x: np.maximum(x, 0),
    mask=lambda cond, when=True: np.asarray(cond, dtype=bool) if when else ~np.asarray(cond, dtype=bool),
    reshape=lambda x, shape: np.reshape(x, shape),
    transpose=lambda x, axes=None: np.transpose(x, axes),
    swap_last=_np_swap_last,
    broadcast_to=_np_broadcast_to,
    sum_to=sum_to,
    matmul=np.matmul,
    getitem=lambda x, index: x[index],
    index_add=_np_index_add,
    concatenate=lambda xs, axis=0: np.concatenate(xs, axis=axis),
    shape=_np_shape,
    primal=lambda x: x,
)


# ------------------------------------------------------------------------------------------ math
def _float_fallback(math_fn, np_fn):
    """``math_fn`` on floats, with numpy's answer (inf, nan) where ``math`` would raise."""

    def f(x):
        try:
            return math_fn(x)
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            with np.errstate(all="ignore"):
                return complex(np_fn(x)) if isinstance(x, complex) else float(np_fn(np.float64(x)))

    f.__name__ = math_fn.__name__
    return f


def _math_sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _math_heaviside(z, at0):
    return 1.0 if z > 0 else (float(at0) if z == 0 else 0.0)


def _math_sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0 * x)


def _math_maximum(a, b):
    # like numpy: a NaN in either argument propagates (a + b is NaN exactly when neither comparison holds)
    return a if a >= b else (b if b > a else a + b)


def _math_minimum(a, b):
    return a if a <= b else (b if b < a else a + b)


def _math_where(c, a, b):
    return a if c else b


def _math_sum(x, axis=None, keepdims=False):
    return x


MATH = Backend(
    name="math",
    exp=_float_fallback(math.exp, np.exp), log=_float_fallback(math.log, np.log),
    sqrt=_float_fallback(math.sqrt, np.sqrt), sin=_float_fallback(math.sin, np.sin),
    cos=_float_fallback(math.cos, np.cos), tan=math.tan, tanh=math.tanh, sigmoid=_math_sigmoid,
    erf=math.erf, abs=abs, sign=_math_sign, heaviside=_math_heaviside,
    maximum=_math_maximum, minimum=_math_minimum,
    where=_math_where, pi=math.pi, two_over_sqrt_pi=2 / math.sqrt(math.pi),
    sum=_math_sum, mean=_math_sum, max=_math_sum,
    relu=lambda x: x if not x <= 0 else 0.0,
    mask=lambda cond, when=True: bool(cond) is when,
    sum_to=lambda x, shape: x,
    shape=lambda x: (),
    primal=lambda x: x,
)
# The structural operations on a Python float are the numpy ones (they return numpy scalars/arrays).
for _name in ("reshape", "transpose", "swap_last", "broadcast_to", "matmul", "getitem", "index_add", "concatenate"):
    setattr(MATH, _name, getattr(NUMPY, _name))


def _math_pow(x, y):
    try:
        r = x**y
    except (ZeroDivisionError, OverflowError):
        r = None
    if r is None or type(r) is complex and not isinstance(x, complex):
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(x), np.float64(y)))
    return r


def _math_div(x, y):
    try:
        return x / y
    except ZeroDivisionError:
        with np.errstate(all="ignore"):
            return float(np.divide(np.float64(x), np.float64(y)))


MATH.pow = _math_pow
MATH.div = _math_div
NUMPY.pow = _weak(lambda x, y: x**y)  # the operator takes numpy's fast path for x**2, x**0.5 …
NUMPY.div = _weak(np.divide)


# ----------------------------------------------------------------------------------------- sympy
def _sp_sigmoid(x):
    return 1 / (1 + sp.exp(-x))


SYMPY = Backend(
    name="sympy",
    exp=sp.exp, log=sp.log, sqrt=sp.sqrt, sin=sp.sin, cos=sp.cos, tan=sp.tan, tanh=sp.tanh,
    sigmoid=_sp_sigmoid, erf=sp.erf, abs=sp.Abs, sign=sp.sign,
    heaviside=lambda z, at0: sp.Heaviside(z, sp.nsimplify(at0)), relu=lambda x: sp.Max(x, 0),
    mask=lambda cond, when=True: sp.Piecewise((1, cond), (0, True)) if when else sp.Piecewise((0, cond), (1, True)),
    maximum=sp.Max, minimum=sp.Min, where=lambda c, a, b: sp.Piecewise((a, c), (b, True)), pi=sp.pi,
    two_over_sqrt_pi=2 / sp.sqrt(sp.pi),
    pow=lambda x, y: x**y, div=lambda x, y: x / y,
    sum_to=lambda x, shape: x, shape=lambda x: (), primal=lambda x: x,
)


def backend_of(values) -> Backend:
    """MATH when every value is a Python number, NUMPY for arrays; GENERIC is chosen by the caller."""
    for v in values:
        t = type(v)
        if t is not float and t is not int and t is not bool:
            return NUMPY
    return MATH
