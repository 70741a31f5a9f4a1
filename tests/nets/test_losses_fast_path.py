"""Classification losses on plain class indices take a compact coefficient (ClassIndices) instead of a
dense one-hot matrix: the values and gradients must equal those of the dense matrix it stands for."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nets
import nets.nn.functional as F
from autodiff.backends import NUMPY
from autodiff.primitives import REGISTRY
from autodiff.primitives.core import format_param
from autodiff.primitives.nn import ClassIndices
from nets import nn
from nets.tensor import Tensor

RTOL = {np.float32: 1e-6, np.float64: 1e-12}
# 1 row; short rows; tall batches (≥ 64 rows of ≤ 16 classes take the transposed row reductions)
SHAPES = [(1, 4), (7, 3), (32, 10), (64, 10), (200, 7)]
REDUCTIONS = ["mean", "sum", "none"]


def _close(actual, expected, dtype):
    """Equal to ``dtype``'s precision, relative to the largest entry (a gradient's entries are ~p/N)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == dtype and actual.shape == expected.shape
    rtol = RTOL[dtype]
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * max(np.abs(expected).max(), 1e-30))


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * 3).astype(dtype)
    t = rng.integers(0, shape[1], shape[0])
    return z, t


def _scale(n, reduction):
    return 1.0 / n if reduction == "mean" else 1.0


def _log_softmax(z):
    z = z.astype(np.float64)
    s = z - z.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def _value_and_grad(fn, z, seed=None):
    """fn(tensor) and the gradient of Σ seed·fn (seed 1 for a scalar) with respect to the tensor."""
    x = nets.tensor(z, requires_grad=True)
    out = fn(x)
    out.backward(None if seed is None else nets.tensor(seed.astype(z.dtype)))
    return out.data, x.grad.data


def _dense_primitive(name, z, t, reduction):
    """The primitive applied with the dense matrix the compact coefficient stands for."""
    coef = ClassIndices(t, z.shape[1], _scale(len(t), reduction), z.dtype).dense()
    return lambda x: Tensor._apply(REGISTRY[name], (x,), {"coef": coef, "reduction": reduction})


def test_plain_class_indices_give_the_compact_coefficient():
    z, t = _data((5, 4), np.float32)
    coef = F._class_coef("cross_entropy", t, 4, (5,), z.dtype, None, -100, 0.0, "mean")
    assert type(coef) is ClassIndices
    assert coef.shape == (5, 4) and coef.ndim == 2 and coef.size == 20 and coef.dtype == np.float32
    dense = np.zeros((5, 4), np.float32)
    dense[np.arange(5), t] = np.float32(1 / 5)
    np.testing.assert_array_equal(coef.dense(), dense)
    np.testing.assert_array_equal(np.asarray(coef), dense)
    assert np.asarray(coef, dtype=np.float64).dtype == np.float64
    # weights, smoothing and ignored rows keep the dense matrix
    assert type(F._class_coef("x", t, 4, (5,), z.dtype, np.ones(4), -100, 0.0, "mean")) is np.ndarray
    assert type(F._class_coef("x", t, 4, (5,), z.dtype, None, -100, 0.1, "mean")) is np.ndarray
    assert type(F._class_coef("x", t, 4, (5,), z.dtype, None, int(t[0]), 0.0, "mean")) is np.ndarray


def test_the_compact_coefficient_prints_as_a_matrix():
    big = ClassIndices(np.array([0, 2, 1]), 3, 1.0, np.float64)
    assert format_param(big) == "<3×3 array>"
    small = ClassIndices(np.array([1, 0]), 3, 0.5, np.float64)
    assert format_param(small) == "[[0.0, 0.5, 0.0], [0.5, 0.0, 0.0]]"
    assert "n_classes=3" in repr(small)


# each loss: its functional form, its primitive, its closed-form rows (float64) from logits z and targets t,
# and whether the closed-form check needs an absolute tolerance (nll's rows are the inputs, some near 0)
LOSSES = {
    "cross_entropy": (F.cross_entropy, "softmax_cross_entropy",
                      lambda z, t: -_log_softmax(z)[np.arange(len(t)), t], False),
    "nll_loss": (F.nll_loss, "nll_loss", lambda z, t: -z.astype(np.float64)[np.arange(len(t)), t], True),
}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_loss_matches_the_dense_coefficient(shape, reduction, dtype, loss):
    functional, primitive, closed_form, absolute = LOSSES[loss]
    z, t = _data(shape, dtype)
    seed = np.random.default_rng(1).standard_normal(shape[0]) if reduction == "none" else None
    value, grad = _value_and_grad(lambda x: functional(x, nets.tensor(t), reduction=reduction), z, seed)
    dense_value, dense_grad = _value_and_grad(_dense_primitive(primitive, z, t, reduction), z, seed)
    _close(value, dense_value, dtype)
    _close(grad, dense_grad, dtype)
    rows = closed_form(z, t)
    expected = rows if reduction == "none" else rows.sum() * _scale(shape[0], reduction)
    np.testing.assert_allclose(value, expected, rtol=10 * RTOL[dtype], atol=RTOL[dtype] if absolute else 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["softmax_cross_entropy", "nll_loss"])
def test_every_rule_agrees_with_the_dense_coefficient(name, reduction, dtype):
    """The reverse rule without the saved gradient, and the forward (tangent) rule, on either form."""
    prim = REGISTRY[name]
    z, t = _data((70, 6), dtype, seed=3)
    compact = ClassIndices(t, 6, _scale(70, reduction), dtype)
    dense = compact.dense()
    rng = np.random.default_rng(4)
    g = rng.standard_normal(70).astype(dtype) if reduction == "none" else dtype(1.5)
    tangent = rng.standard_normal(z.shape).astype(dtype)
    y = prim.impl(NUMPY, z, coef=compact, reduction=reduction)
    _close(y, prim.impl(NUMPY, z, coef=dense, reduction=reduction), dtype)
    (x_bar,) = prim.vjp(NUMPY, g, [z], y, [True], coef=compact, reduction=reduction)
    _close(x_bar, prim.vjp(NUMPY, g, [z], y, [True], coef=dense, reduction=reduction)[0], dtype)
    _close(prim.jvp(NUMPY, [tangent], [z], y, coef=compact, reduction=reduction),
           prim.jvp(NUMPY, [tangent], [z], y, coef=dense, reduction=reduction), dtype)


def test_traced_rules_use_the_dense_matrix():
    """On traced values (GENERIC: forward over reverse) the rules see the matrix itself."""
    z, t = _data((3, 4), np.float64, seed=5)
    compact = ClassIndices(t, 4, 1 / 3, np.float64)

    def loss(coef):
        return lambda v: REGISTRY["softmax_cross_entropy"](ad.reshape(v, (3, 4)), coef=coef, reduction="mean")

    np.testing.assert_allclose(ad.hessian(loss(compact))(z.ravel()), ad.hessian(loss(compact.dense()))(z.ravel()),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ad.grad(loss(compact))(z.ravel()), ad.grad(loss(compact.dense()))(z.ravel()),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_out_of_range_targets_still_raise(fn):
    z = nets.tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match="target 4 is out of range for 4 classes"):
        fn(z, nets.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="target -1 is out of range"):
        fn(z, nets.tensor([0, -1, 1]))
    with pytest.raises(IndexError, match="target -100 is out of range"):  # not ignored when ignore_index is not
        fn(z, nets.tensor([0, -100, 1]), ignore_index=0)


def test_ignored_rows_and_odd_targets_are_unchanged():
    z, t = _data((6, 4), np.float64, seed=7)
    lp = _log_softmax(z)
    t_ignored = t.copy()
    t_ignored[2] = -100
    keep = np.arange(6) != 2
    expected = -lp[np.arange(6)[keep], t[keep]].mean()
    np.testing.assert_allclose(F.cross_entropy(nets.tensor(z), nets.tensor(t_ignored)).data, expected, rtol=1e-13)
    # a strided target, a uint8 target, a single example of shape (C,) with a scalar target
    wide = np.stack([t, t]).T.copy()
    np.testing.assert_allclose(F.cross_entropy(nets.tensor(z), nets.tensor(wide[:, 0])).data,
                               -lp[np.arange(6), t].mean(), rtol=1e-13)
    np.testing.assert_allclose(F.cross_entropy(nets.tensor(z), t.astype(np.uint8)).data,
                               -lp[np.arange(6), t].mean(), rtol=1e-13)
    np.testing.assert_allclose(F.cross_entropy(nets.tensor(z[0]), nets.tensor(np.array(t[0]))).data,
                               -lp[0, t[0]], rtol=1e-13)


def test_a_network_loss_still_traces_and_prints():
    nets.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 4)).double()
    x = nets.tensor(np.array([[0.5, -1.0], [1.5, 0.2], [0.1, 0.3]]))
    loss = nn.CrossEntropyLoss()(model(x), nets.tensor([1, 0, 3]))
    trace = ad.Trace.from_outputs(loss)
    grads = trace.reverse().gradient
    loss.backward()
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(g, p.grad.data, atol=1e-15)
    assert "cross_entropy(" in str(trace.table())
