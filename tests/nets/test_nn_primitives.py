"""The fused network primitives (autodiff/primitives/nn.py): values against numpy closed forms, both
derivative rules against Richardson differences (float64, 1e-10), dtype, and finiteness at 1e4."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autodiff as ad
from autodiff.primitives import REGISTRY as P
from autodiff.primitives import primal

RNG = np.random.default_rng(7)


def _away_from_zero(shape, rng=RNG):
    x = rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return x


def _coef(n, c, rng=RNG):
    return rng.uniform(0.0, 1.0, (n, c))


# (name, function of arrays, arrays): each is gradchecked in reverse and forward mode.
CASES = [
    ("linear xWb", lambda x, w, b: P["linear"](x, w, b), [RNG.normal(size=(4, 3)), RNG.normal(size=(5, 3)),
                                                          RNG.normal(size=5)]),
    ("linear no bias", lambda x, w: P["linear"](x, w), [RNG.normal(size=(2, 3)), RNG.normal(size=(4, 3))]),
    ("linear 1-d x", lambda x, w, b: P["linear"](x, w, b), [RNG.normal(size=3), RNG.normal(size=(2, 3)),
                                                            RNG.normal(size=2)]),
    ("linear 3-d x", lambda x, w, b: P["linear"](x, w, b), [RNG.normal(size=(2, 2, 3)), RNG.normal(size=(4, 3)),
                                                            RNG.normal(size=4)]),
    ("logsumexp", lambda x: P["logsumexp"](x, axis=-1), [RNG.normal(size=(3, 4))]),
    ("logsumexp axis0 keep", lambda x: P["logsumexp"](x, axis=0, keepdims=True), [RNG.normal(size=(3, 4))]),
    ("log_softmax", lambda x: P["log_softmax"](x, axis=-1), [RNG.normal(size=(3, 4))]),
    ("log_softmax axis0", lambda x: P["log_softmax"](x, axis=0), [RNG.normal(size=(3, 4))]),
    ("softmax", lambda x: P["softmax"](x, axis=1), [RNG.normal(size=(2, 5))]),
    ("nll_loss none", lambda x: P["nll_loss"](x, coef=_c1(x), reduction="none"), [RNG.normal(size=(3, 4))]),
    ("nll_loss mean", lambda x: P["nll_loss"](x, coef=_c1(x), reduction="mean"), [RNG.normal(size=(3, 4))]),
    ("cross_entropy sum", lambda x: P["softmax_cross_entropy"](x, coef=_c1(x), reduction="sum"),
     [RNG.normal(size=(3, 4))]),
    ("cross_entropy none", lambda x: P["softmax_cross_entropy"](x, coef=_c1(x), reduction="none"),
     [RNG.normal(size=(3, 4))]),
    ("softplus", lambda x: P["softplus"](x, beta=1.0, threshold=20.0), [RNG.normal(size=6)]),
    ("softplus beta", lambda x: P["softplus"](x, beta=2.0, threshold=3.0), [np.array([-2.0, 0.3, 1.0, 2.5, 4.0])]),
    ("gelu", lambda x: P["gelu"](x, approximate="none"), [RNG.normal(size=6)]),
    ("gelu tanh", lambda x: P["gelu"](x, approximate="tanh"), [RNG.normal(size=6)]),
    ("leaky_relu", lambda x: P["leaky_relu"](x, negative_slope=0.1), [_away_from_zero(6)]),
    ("prelu", lambda x, a: P["prelu"](x, a), [_away_from_zero((3, 2)), np.array([0.25, -0.5])]),
    ("clamp", lambda x: P["clamp"](x, min=-0.5, max=0.7), [np.array([-1.0, -0.3, 0.1, 0.6, 1.2])]),
    ("clamp min", lambda x: P["clamp"](x, min=0.0, max=None), [np.array([-1.0, 0.3, 2.0])]),
    ("bce", lambda p, t: P["binary_cross_entropy"](p, t), [RNG.uniform(0.1, 0.9, 5), RNG.uniform(0, 1, 5)]),
    ("bce logits", lambda a, t, w: P["binary_cross_entropy_with_logits"](a, t, w),
     [RNG.normal(size=(3, 2)) * 3, RNG.uniform(0, 1, (3, 2)), np.array([0.5, 2.0])]),
    ("huber", lambda x, t: P["huber"](x, t, delta=0.8), [np.array([-2.0, -0.3, 0.2, 1.5]), np.zeros(4) + 0.1]),
    ("cast", lambda x: P["cast"](x, dtype=np.dtype(np.float64)) * x, [RNG.normal(size=3)]),
]
_C1 = _coef(3, 4)


def _c1(x):
    return _C1.astype(np.asarray(primal(x)).dtype)


@pytest.mark.parametrize("name,f,args", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_rules_match_differences(name, f, args, mode):
    result = ad.gradcheck(f, *args, scheme="richardson", atol=1e-10, rtol=1e-8, mode=mode)
    assert result, result


def _np_log_softmax(x, axis=-1):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def test_values_against_closed_forms():
    x = RNG.normal(size=(4, 3))
    w = RNG.normal(size=(5, 3))
    b = RNG.normal(size=5)
    np.testing.assert_allclose(P["linear"](x, w, b), x @ w.T + b, atol=1e-14)
    np.testing.assert_allclose(P["logsumexp"](x, axis=1), np.log(np.exp(x).sum(1)), atol=1e-14)
    np.testing.assert_allclose(P["log_softmax"](x, axis=1), np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True)),
                               atol=1e-14)
    np.testing.assert_allclose(P["softmax"](x, axis=0), np.exp(x) / np.exp(x).sum(0), atol=1e-15)
    c = _coef(4, 3)
    np.testing.assert_allclose(P["softmax_cross_entropy"](x, coef=c, reduction="none"),
                               -(c * _np_log_softmax(x)).sum(1), atol=1e-14)
    np.testing.assert_allclose(P["nll_loss"](x, coef=c, reduction="sum"), -(c * x).sum(), atol=1e-14)
    v = np.array([-30.0, -1.0, 0.0, 2.0, 25.0])
    np.testing.assert_allclose(P["softplus"](v), np.where(v > 20, v, np.log1p(np.exp(v))), atol=1e-15)
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(P["gelu"](v), 0.5 * v * (1 + erf(v / math.sqrt(2))), atol=1e-14)
    np.testing.assert_allclose(P["leaky_relu"](v, negative_slope=0.2), np.where(v > 0, v, 0.2 * v))
    np.testing.assert_allclose(P["clamp"](v, min=-1.0, max=1.0), np.clip(v, -1, 1))
    p, t = np.array([0.2, 0.7]), np.array([1.0, 0.0])
    np.testing.assert_allclose(P["binary_cross_entropy"](p, t), -(t * np.log(p) + (1 - t) * np.log(1 - p)))
    a = np.array([-3.0, 0.5])
    sig = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(P["binary_cross_entropy_with_logits"](a, t, 2.0),
                               -(2.0 * t * np.log(sig) + (1 - t) * np.log(1 - sig)), atol=1e-14)
    d = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(P["huber"](d, 0.0, delta=1.0), np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5))


def test_gelu_course_values():
    assert abs(P["gelu"](1.0) - 0.8413447460685429) < 1e-15
    assert abs(P["gelu"](1.0, approximate="tanh") - 0.8411919906082768) < 1e-15


def test_finite_and_exact_for_logits_of_1e4():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    np.testing.assert_array_equal(P["log_softmax"](z, axis=1)[0], [0.0, -1e4, -2e4])
    np.testing.assert_allclose(P["log_softmax"](z, axis=1)[1], np.full(3, -np.log(3)), rtol=1e-15)
    np.testing.assert_array_equal(P["softmax"](z, axis=1)[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(P["logsumexp"](z, axis=1), [1e4, -1e4 + np.log(3)], rtol=1e-15)
    onehot = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(P["softmax_cross_entropy"](z, coef=onehot, reduction="none"), [1e4, np.log(3)])
    assert P["softplus"](np.array(-1e4)) == 0.0 and P["softplus"](np.array(1e4)) == 1e4
    a = np.array([1e4, -1e4, 1e4])
    t = np.array([0.0, 1.0, 1.0])
    np.testing.assert_array_equal(P["binary_cross_entropy_with_logits"](a, t, 1.0), [1e4, 1e4, 0.0])
    # and the reverse rules stay finite there
    _, back = ad.vjp(lambda x: P["softmax_cross_entropy"](x, coef=onehot, reduction="sum"), z)
    g = back(1.0)[0]
    np.testing.assert_array_equal(g[0], [1.0, -1.0, 0.0])
    _, back = ad.vjp(lambda x: P["binary_cross_entropy_with_logits"](x, t, 1.0), a)
    np.testing.assert_array_equal(back(np.ones(3))[0], [1.0, -1.0, 0.0])


@pytest.mark.parametrize("name,f,args", [c for c in CASES if c[0] != "cast"],  # (cast changes the dtype)
                         ids=[c[0] for c in CASES if c[0] != "cast"])
def test_float32_stays_float32(name, f, args):
    args32 = [np.asarray(a, dtype=np.float32) for a in args]
    y, back = ad.vjp(f, *args32)
    assert np.asarray(y).dtype == np.float32, name
    grads = back(np.ones(np.shape(y), dtype=np.float32) if np.ndim(y) else np.float32(1.0))
    for g in grads:
        assert np.asarray(g).dtype == np.float32, name


def test_rules_are_differentiable_again():
    # The Hessian of logsumexp is diag(p) − ppᵀ: forward-over-reverse through the fused rules.
    x = RNG.normal(size=4)
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(ad.hessian(lambda v: P["logsumexp"](v, axis=-1))(x), np.diag(p) - np.outer(p, p),
                               atol=1e-12)
    c = _coef(1, 4)
    h = ad.hessian(lambda v: P["softmax_cross_entropy"](ad.reshape(v, (1, 4)), coef=c, reduction="sum"))(x)
    np.testing.assert_allclose(h, c.sum() * (np.diag(p) - np.outer(p, p)), atol=1e-12)


def test_cast_rule_returns_adjoint_in_input_dtype():
    x = np.arange(3, dtype=np.float32)
    y, back = ad.vjp(lambda v: P["cast"](v, dtype=np.dtype(np.float64)) * 2.0, x)
    assert y.dtype == np.float64
    (g,) = back(np.ones(3))
    assert g.dtype == np.float32 and np.all(g == 2)
