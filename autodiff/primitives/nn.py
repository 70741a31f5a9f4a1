"""Fused primitives for neural networks: the operations a network applies at every step.

Each could be written as a chain of the basic primitives, but as one primitive it is one node in the
graph, one numpy expression forward and one closed-form rule backward (faster, and exact for logits of
any size). As everywhere in the registry, the rules are functions of a backend ``m``.

=========================  ==============================================  ==================================
primitive                   value                                            reverse rule (ȳ = adjoint of y)
=========================  ==============================================  ==================================
linear(x, W[, b])           y = x Wᵀ + b  (x: (…, in), W: (out, in))         x̄ = ȳW, W̄ = ȳᵀx, b̄ = Σ ȳ
logsumexp(x, axis)          y = log Σ exp x  (max subtracted first)           x̄ = ȳ · softmax(x)
log_softmax(x, axis)        y = x − logsumexp(x)                             x̄ = ȳ − exp(y) Σ ȳ
softmax(x, axis)            y = exp x / Σ exp x                              x̄ = y (ȳ − Σ ȳ y)
nll_loss(p, coef, red)      rows r = −Σ_c coef·p  (then Σ unless 'none')     p̄ = −ȳ·coef
softmax_cross_entropy       rows r = −Σ_c coef·log_softmax(z)                z̄ = ȳ (softmax(z)·Σ_c coef − coef)
softplus(x, β, threshold)   log(1 + e^{βx})/β, x where βx > threshold        σ(βx) (1 above the threshold)
gelu(x, approximate)        x Φ(x) or its tanh approximation                 Φ(x) + x φ(x) (or the tanh form's)
leaky_relu(x, slope)        x if x > 0 else slope·x                          1 or slope
prelu(x, a)                 x if x > 0 else a·x                              (1 or a, 0 or x)
clamp(x, min, max)          min(max(x, lo), hi)                              1 where lo ≤ x ≤ hi (PyTorch)
binary_cross_entropy(p, t)  −[t·max(log p, −100) + (1−t)·max(log(1−p), −100)]
bce_with_logits(a, t, w)    (1−t)a + (1 + (w−1)t)·softplus(−a)
huber(x, t, δ)              ½d² if |d| < δ else δ(|d| − ½δ), d = x − t       clip(d, −δ, δ)
cast(x, dtype)              x as another dtype                               ȳ cast back
=========================  ==============================================  ==================================

``coef`` (a constant (N, C) array) carries the targets of the classification losses: row i holds the
weights given to each class's log-probability (one-hot times class weight, label smoothing, 1/N or
1/Σw for the mean, zero for ignored rows), so that one rule serves class indices, weights, smoothing,
ignore_index and every reduction.
"""

from __future__ import annotations

import math

import numpy as np

from .core import Primitive, register
from .elementwise import elementwise
from .indicators import indicator


def _shift(m, x, axis):
    """The (constant) row maximum to subtract before exponentiating; 0 where it is not finite (an indicator:
    computed directly on arrays, a row of a program being staged)."""
    return indicator("max_shift", m.primal(x), axis=axis)


def _t(m, w):
    """The transpose of a weight matrix (``.T`` on an array is cheaper than the backend's swapaxes)."""
    return w.T if type(w) is np.ndarray and w.ndim == 2 else m.swap_last(w)


# --- linear layer -----------------------------------------------------------------------------------
def _linear(m, x, w, *b):
    y = m.matmul(x, _t(m, w))
    if not b:
        return y
    bias = b[0]
    if type(y) is np.ndarray and (type(bias) is np.ndarray and bias.dtype is y.dtype
                                  or y.dtype == np.result_type(y, bias)):
        y += bias  # the product is a fresh array: add the bias in place, saving an allocation and a pass
        return y
    return y + b[0]


def _linear_jvp(m, ts, xs, y):
    x, w = xs[0], xs[1]
    out = None
    if ts[0] is not None:
        out = m.matmul(ts[0], m.swap_last(w))
    if ts[1] is not None:
        term = m.matmul(x, m.swap_last(ts[1]))
        out = term if out is None else out + term
    if len(ts) > 2 and ts[2] is not None:
        term = m.broadcast_to(ts[2], m.shape(y))
        out = term if out is None else out + term
    return out


def _linear_vjp(m, g, xs, y, needs):
    x, w = xs[0], xs[1]
    if type(g) is np.ndarray and g.ndim == 2 and type(x) is np.ndarray and x.ndim == 2:
        # a batch of rows, the usual case: x̄ = ȳW, W̄ = ȳᵀx, b̄ = Σ_rows ȳ
        return [g @ w if needs[0] else None, g.T @ x if needs[1] else None,
                *((np.add.reduce(g, axis=0) if needs[2] else None,) if len(xs) > 2 else ())]
    out = [None] * len(xs)
    if needs[0]:
        out[0] = m.matmul(g, w)
    gs = _shape(m, g)
    if needs[1]:
        xsh = _shape(m, x)
        if len(gs) == 1:  # a single example: the outer product ȳ xᵀ
            out[1] = m.matmul(m.reshape(g, (gs[0], 1)), m.reshape(x, (1, xsh[0])))
        else:  # every leading axis is a batch axis: flatten them and contract
            g2 = g if len(gs) == 2 else m.reshape(g, (-1, gs[-1]))
            x2 = x if len(xsh) == 2 else m.reshape(x, (-1, xsh[-1]))
            out[1] = m.matmul(_t(m, g2), x2)
    if len(xs) > 2 and needs[2]:
        out[2] = g if len(gs) == 1 else m.sum(g, axis=0 if len(gs) == 2 else tuple(range(len(gs) - 1)))
    return out


def _shape(m, v) -> tuple:
    return v.shape if type(v) is np.ndarray else m.shape(v)


linear = register(Primitive("linear", _linear, _linear_jvp, _linear_vjp, "linear({args})"))


# --- log-sum-exp, log-softmax, softmax ----------------------------------------------------------------
def _keep(m, v, shape, axis, keepdims):
    """A reduced value with its reduced axis restored (size 1), so that it broadcasts against x."""
    if keepdims:
        return v
    kept = list(shape)
    kept[axis] = 1
    return m.reshape(v, tuple(kept))


def _logsumexp(m, x, axis=-1, keepdims=False):
    c = _shift(m, x, axis)
    y = m.log(m.sum(m.exp(x - c), axis=axis, keepdims=True)) + c
    return y if keepdims else m.reshape(y, tuple(n for i, n in enumerate(m.shape(y)) if i != axis % len(m.shape(y))))


def _logsumexp_jvp(m, ts, xs, y, axis=-1, keepdims=False):
    if ts[0] is None:
        return None
    p = m.exp(xs[0] - _keep(m, y, m.shape(xs[0]), axis, keepdims))
    return m.sum(p * ts[0], axis=axis, keepdims=keepdims)


def _logsumexp_vjp(m, g, xs, y, needs, axis=-1, keepdims=False):
    shape = m.shape(xs[0])
    p = m.exp(xs[0] - _keep(m, y, shape, axis, keepdims))
    return [_keep(m, g, shape, axis, keepdims) * p]


logsumexp = register(Primitive("logsumexp", _logsumexp, _logsumexp_jvp, _logsumexp_vjp,
                               "logsumexp({0}, axis={axis})", arity=1))


def _log_softmax_parts(m, x, axis=-1):
    """log softmax(x), with exp(x − c) and its sum along ``axis`` (softmax = their ratio)."""
    s = x - _shift(m, x, axis)
    e = m.exp(s)
    total = m.sum(e, axis=axis, keepdims=True)
    return s - m.log(total), e, total


def _log_softmax(m, x, axis=-1):
    return _log_softmax_parts(m, x, axis)[0]


log_softmax = register(Primitive(
    "log_softmax", _log_softmax,
    lambda m, ts, xs, y, axis=-1: None if ts[0] is None else
    ts[0] - m.sum(m.exp(y) * ts[0], axis=axis, keepdims=True),
    lambda m, g, xs, y, needs, axis=-1: [g - m.exp(y) * m.sum(g, axis=axis, keepdims=True)],
    "log_softmax({0}, axis={axis})", arity=1))


def _softmax(m, x, axis=-1):
    e = m.exp(x - _shift(m, x, axis))
    return e / m.sum(e, axis=axis, keepdims=True)


softmax = register(Primitive(
    "softmax", _softmax,
    lambda m, ts, xs, y, axis=-1: None if ts[0] is None else
    y * (ts[0] - m.sum(y * ts[0], axis=axis, keepdims=True)),
    lambda m, g, xs, y, needs, axis=-1: [y * (g - m.sum(g * y, axis=axis, keepdims=True))],
    "softmax({0}, axis={axis})", arity=1))


# --- classification losses on a coefficient matrix -----------------------------------------------------
def _weighted_rows(m, v, coef, reduction):
    """−Σ_c coef·v per row, or its total over all rows (one full reduction instead of two)."""
    return -m.sum(v * coef, axis=-1) if reduction == "none" else -m.sum(v * coef)


def _row_adjoint(m, g, reduction, n_rows):
    """The adjoint of each row's loss, as a column that broadcasts over the classes."""
    return m.reshape(g, (n_rows, 1)) if reduction == "none" else g


def _nll(m, logp, coef, reduction="mean"):
    return _weighted_rows(m, logp, coef, reduction)


nll_loss = register(Primitive(
    "nll_loss", _nll,
    lambda m, ts, xs, y, coef, reduction="mean": None if ts[0] is None else _nll(m, ts[0], coef, reduction),
    lambda m, g, xs, y, needs, coef, reduction="mean": [_row_adjoint(m, -g, reduction, m.shape(coef)[0]) * coef],
    "nll({0}, reduction={reduction})", linear=True, arity=1))


def _ce(m, z, coef, reduction="mean"):
    return _weighted_rows(m, _log_softmax(m, z, -1), coef, reduction)


def _ce_jvp(m, ts, xs, y, coef, reduction="mean"):
    # Σ_c ż_c·(p_c Σ_c' coef_c' − coef_c) per row: (Σ coef)(Σ p·ż) − Σ coef·ż
    if ts[0] is None:
        return None
    p = _softmax(m, xs[0], -1)
    t = ts[0]
    rows = m.sum(coef, axis=-1) * m.sum(p * t, axis=-1) + _weighted_rows(m, t, coef, "none")
    return rows if reduction == "none" else m.sum(rows)


def _ce_local_gradient(m, p, coef):
    """∂(−Σ_c coef·log softmax)/∂z = softmax(z)·Σ_c coef − coef, row by row (p = softmax(z))."""
    return p * m.sum(coef, axis=-1, keepdims=True) - coef


def _ce_vjp(m, g, xs, y, needs, coef, reduction="mean", saved=None):
    # saved: the local gradient, when the reverse mode kept it from the forward pass (ce_value_and_local)
    local = _ce_local_gradient(m, _softmax(m, xs[0], -1), coef) if saved is None else saved
    return [_row_adjoint(m, g, reduction, m.shape(coef)[0]) * local]


def ce_value_and_local(m, z, coef, reduction="mean"):
    """(the loss, its local gradient): the forward pass has exp(z − c) and its row sums at hand, so the local
    gradient costs three cheap operations here, against recomputing the softmax in the backward pass."""
    logp, e, total = _log_softmax_parts(m, z, -1)
    return _weighted_rows(m, logp, coef, reduction), _ce_local_gradient(m, e / total, coef)


softmax_cross_entropy = register(Primitive("softmax_cross_entropy", _ce, _ce_jvp, _ce_vjp,
                                           "cross_entropy({0}, reduction={reduction})", arity=1))


# --- activations ---------------------------------------------------------------------------------------
def _softplus(m, x, beta=1.0, threshold=20.0):
    bx = x * beta
    # max(βx, 0) + log(1 + e^{−|βx|}) never exponentiates a positive number.
    soft = (m.relu(bx) + m.log(1 + m.exp(-m.abs(bx)))) / beta
    return m.where(m.primal(bx) > threshold, x, soft)


softplus = elementwise(
    "softplus", _softplus,
    (lambda m, x, y, beta=1.0, threshold=20.0: m.where(m.primal(x * beta) > threshold, 1.0, m.sigmoid(x * beta)),),
    "softplus({0})")

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_K = math.sqrt(2 / math.pi)
_TANH_C = 0.044715


def _gelu(m, x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + m.tanh(_TANH_K * (x + _TANH_C * x * x * x)))
    return 0.5 * x * (1 + m.erf(x * _SQRT_HALF))


def _gelu_partial(m, x, y, approximate="none"):
    if approximate == "tanh":
        th = m.tanh(_TANH_K * (x + _TANH_C * x * x * x))
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * _TANH_K * (1 + 3 * _TANH_C * x * x)
    return 0.5 * (1 + m.erf(x * _SQRT_HALF)) + x * m.exp(-0.5 * x * x) * _INV_SQRT_2PI


gelu = elementwise("gelu", _gelu, (_gelu_partial,), "gelu({0})")


def _positive(m, x):
    return m.primal(x) > 0


leaky_relu = elementwise(
    "leaky_relu", lambda m, x, negative_slope=0.01: m.where(_positive(m, x), x, x * negative_slope),
    # slope + (1 − slope)·[x > 0], written with the step function so that the partial keeps x's dtype
    (lambda m, x, y, negative_slope=0.01: negative_slope + (1 - negative_slope) * m.heaviside(x, 0),),
    "leaky_relu({0}, {negative_slope})")

prelu = elementwise(
    "prelu", lambda m, x, a: m.where(_positive(m, x), x, a * x),
    (lambda m, x, a, y: m.where(_positive(m, x), 1.0, a), lambda m, x, a, y: m.where(_positive(m, x), 0.0, x)),
    "prelu({0}, {1})")


def _clamp(m, x, min=None, max=None):  # noqa: A002 - PyTorch's names
    if min is not None:
        x = m.maximum(x, min)
    if max is not None:
        x = m.minimum(x, max)
    return x


def _clamp_partial(m, x, y, min=None, max=None):  # noqa: A002
    v = m.primal(x)
    inside = True
    if min is not None:
        inside = v >= min
    if max is not None:
        inside = (v <= max) & inside
    return m.mask(inside)


clamp = elementwise("clamp", _clamp, (_clamp_partial,), "clamp({0}, {min}, {max})")


# --- pointwise losses ------------------------------------------------------------------------------------
def _clamped_log(m, p):
    with np.errstate(divide="ignore"):
        return m.maximum(m.log(p), -100.0)


def _bce(m, p, t):
    return -(t * _clamped_log(m, p) + (1 - t) * _clamped_log(m, 1 - p))


binary_cross_entropy = elementwise(
    "binary_cross_entropy", _bce,
    # PyTorch's rule: (p − t) / max(p(1 − p), 1e-12), finite at p = 0 and p = 1.
    (lambda m, p, t, y: (p - t) / m.maximum(p * (1 - p), 1e-12),
     lambda m, p, t, y: _clamped_log(m, 1 - p) - _clamped_log(m, p)),
    "bce({0}, {1})")


def _softplus_neg(m, a):
    """softplus(−a) = max(−a, 0) + log(1 + e^{−|a|}), finite for every a."""
    return m.relu(-a) + m.log(1 + m.exp(-m.abs(a)))


binary_cross_entropy_with_logits = elementwise(
    "binary_cross_entropy_with_logits",
    lambda m, a, t, w: (1 - t) * a + (1 + (w - 1) * t) * _softplus_neg(m, a),
    (lambda m, a, t, w, y: (1 - t) - (1 + (w - 1) * t) * m.sigmoid(-a),
     lambda m, a, t, w, y: (w - 1) * _softplus_neg(m, a) - a,
     lambda m, a, t, w, y: t * _softplus_neg(m, a)),
    "bce_logits({0}, {1}, {2})")


def _huber(m, x, t, delta=1.0):
    d = x - t
    ad = m.abs(d)
    return m.where(m.primal(ad) < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))


def _huber_partial(m, x, t, y, delta=1.0):
    return m.minimum(m.maximum(x - t, -delta), delta)


huber = elementwise("huber", _huber,
                    (_huber_partial, lambda m, x, t, y, delta=1.0: -_huber_partial(m, x, t, y, delta)),
                    "huber({0}, {1}, δ={delta})")


# --- dtype conversion -----------------------------------------------------------------------------------
cast = register(Primitive(
    "cast", lambda m, x, dtype: np.asarray(x).astype(dtype),
    lambda m, ts, xs, y, dtype: None if ts[0] is None else np.asarray(ts[0]).astype(dtype),
    lambda m, g, xs, y, needs, dtype: [np.asarray(g).astype(np.asarray(xs[0]).dtype)],
    "{0} as {dtype}", linear=True, arity=1))
