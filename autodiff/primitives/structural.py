"""Array primitives: reductions, shape changes, indexing, joining and the matrix product.

All but ``max`` and ``matmul`` are linear, so their forward rule is the primitive itself applied to the
tangent, and their reverse rule is the transposed linear map (reshape ↔ reshape back, broadcast ↔ sum,
index ↔ scatter-add, concatenate ↔ split). Rules are written against a backend ``m`` so that they are
differentiable again.
"""

from __future__ import annotations

import numpy as np

from .core import Primitive, register
from .indicators import indicator


def _kept_shape(shape: tuple, axis) -> tuple:
    """The shape a reduction over ``axis`` leaves with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(m, g, shape, axis, keepdims):
    """Undo a reduction's shape: put the reduced axes back (size 1) and broadcast to ``shape``."""
    if not keepdims and axis is not None:
        g = m.reshape(g, _kept_shape(shape, axis))
    return m.broadcast_to(g, shape)


def _count(shape, axis) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def structural(name, impl, jvp, vjp, display, linear=False, arity=None) -> Primitive:
    return register(Primitive(name, impl, jvp, vjp, display, linear=linear, arity=arity))


def _linear_jvp(impl):
    """The forward rule of a primitive that is linear in its only traced input."""
    return lambda m, ts, xs, y, **p: None if ts[0] is None else impl(m, ts[0], **p)


# --- reductions -----------------------------------------------------------------------------------
def _sum(m, x, axis=None, keepdims=False):
    return m.sum(x, axis=axis, keepdims=keepdims)


sum = structural(
    "sum", _sum, _linear_jvp(_sum),
    lambda m, g, xs, y, needs, axis=None, keepdims=False: [_expand(m, g, m.shape(xs[0]), axis, keepdims)],
    "sum({0}{axis_kw})", linear=True, arity=1)


def _mean(m, x, axis=None, keepdims=False):
    return m.mean(x, axis=axis, keepdims=keepdims)


mean = structural(
    "mean", _mean, _linear_jvp(_mean),
    lambda m, g, xs, y, needs, axis=None, keepdims=False: [
        _expand(m, g, m.shape(xs[0]), axis, keepdims) * (1.0 / _count(m.shape(xs[0]), axis))],
    "mean({0}{axis_kw})", linear=True, arity=1)


def _max_weights(m, x, y, axis):
    """Where the maximum is attained, 1/(number of ties); elsewhere 0 (a constant, not differentiated)."""
    return indicator("max_weights", m.primal(x), m.primal(y), axis=axis)


max = structural(
    "max", lambda m, x, axis=None, keepdims=False: m.max(x, axis=axis, keepdims=keepdims),
    lambda m, ts, xs, y, axis=None, keepdims=False:
        None if ts[0] is None else m.sum(ts[0] * _max_weights(m, xs[0], y, axis), axis=axis, keepdims=keepdims),
    lambda m, g, xs, y, needs, axis=None, keepdims=False: [
        _expand(m, g, m.shape(xs[0]), axis, keepdims) * _max_weights(m, xs[0], y, axis)],
    "max({0}{axis_kw})", arity=1)


# --- shape changes --------------------------------------------------------------------------------
def _reshape(m, x, shape):
    return m.reshape(x, shape)


reshape = structural("reshape", _reshape, _linear_jvp(_reshape),
                     lambda m, g, xs, y, needs, shape: [m.reshape(g, m.shape(xs[0]))],
                     "reshape({0}, {shape})", linear=True, arity=1)


def _transpose(m, x, axes=None):
    return m.transpose(x, axes)


transpose = structural(
    "transpose", _transpose, _linear_jvp(_transpose),
    lambda m, g, xs, y, needs, axes=None: [m.transpose(g, None if axes is None else tuple(np.argsort(axes)))],
    "{0}ᵀ", linear=True, arity=1)


def _broadcast_to(m, x, shape):
    return m.broadcast_to(x, shape)


def _sum_to(m, x, shape):
    return m.sum_to(x, shape)


broadcast_to = structural("broadcast_to", _broadcast_to, _linear_jvp(_broadcast_to),
                          lambda m, g, xs, y, needs, shape: [m.sum_to(g, m.shape(xs[0]))],
                          "broadcast({0}, {shape})", linear=True, arity=1)
sum_to = structural("sum_to", _sum_to, _linear_jvp(_sum_to),
                    lambda m, g, xs, y, needs, shape: [m.broadcast_to(g, m.shape(xs[0]))],
                    "sum_to({0}, {shape})", linear=True, arity=1)


# --- indexing and joining ---------------------------------------------------------------------------
def _getitem(m, x, index):
    return m.getitem(x, index)


def _index_add(m, g, index, shape):
    return m.index_add(g, index, shape)


getitem = structural("getitem", _getitem, _linear_jvp(_getitem),
                     lambda m, g, xs, y, needs, index: [m.index_add(g, index, m.shape(xs[0]))],
                     "{0}[{index}]", linear=True, arity=1)
index_add = structural("index_add", _index_add, _linear_jvp(_index_add),
                       lambda m, g, xs, y, needs, index, shape: [m.getitem(g, index)],
                       "scatter({0}, {index}, {shape})", linear=True, arity=1)


def _concat_jvp(m, ts, xs, y, axis=0):
    if all(t is None for t in ts):
        return None
    return m.concatenate([t if t is not None else x * 0 for t, x in zip(ts, xs)], axis=axis)


def _concat_vjp(m, g, xs, y, needs, axis=0):
    out, start = [], 0
    ndim = len(m.shape(y))
    for x, need in zip(xs, needs):
        n = m.shape(x)[axis]
        if need:
            index = [slice(None)] * ndim
            index[axis] = slice(start, start + n)
            out.append(m.getitem(g, tuple(index)))
        else:
            out.append(None)
        start += n
    return out


concatenate = structural("concatenate", lambda m, *xs, axis=0: m.concatenate(list(xs), axis=axis),
                         _concat_jvp, _concat_vjp, "concat({args}, axis={axis})", linear=True)


# --- matrix product -------------------------------------------------------------------------------
def _matmul_vjp(m, g, xs, y, needs):
    # Promote 1-D operands to matrices as numpy does, so that one pair of formulas covers every case:
    # Ā = Ḡ Bᵀ and B̄ = Aᵀ Ḡ, summed over broadcast batch axes.
    a, b = xs
    sa, sb, sy = m.shape(a), m.shape(b), m.shape(y)
    a2 = a if len(sa) > 1 else m.reshape(a, (1,) + sa)
    b2 = b if len(sb) > 1 else m.reshape(b, sb + (1,))
    if len(sa) == 1 and len(sb) == 1:
        g2 = m.reshape(g, (1, 1))
    elif len(sa) == 1:
        g2 = m.reshape(g, sy[:-1] + (1,) + sy[-1:])
    elif len(sb) == 1:
        g2 = m.reshape(g, sy + (1,))
    else:
        g2 = g
    ga = gb = None
    if needs[0]:
        ga = m.matmul(g2, m.swap_last(b2))
        ga = m.reshape(m.sum_to(ga, m.shape(a2)), sa) if len(sa) == 1 else m.sum_to(ga, sa)
    if needs[1]:
        gb = m.matmul(m.swap_last(a2), g2)
        gb = m.reshape(m.sum_to(gb, m.shape(b2)), sb) if len(sb) == 1 else m.sum_to(gb, sb)
    return [ga, gb]


def _matmul_jvp(m, ts, xs, y):
    ta, tb = ts
    a, b = xs
    out = None if ta is None else m.matmul(ta, b)
    if tb is not None:
        out = m.matmul(a, tb) if out is None else out + m.matmul(a, tb)
    return out


matmul = structural("matmul", lambda m, a, b: m.matmul(a, b), _matmul_jvp, _matmul_vjp, "{0} @ {1}", arity=2)
