"""Classification losses on class indices: values against closed forms, gradients against the closed form
softmax − one-hot, in float32 and float64, and the range checks of the targets."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nets
import nets.nn.functional as F
from nets import nn

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


# each loss: its functional form, its primitive, its closed-form rows (float64) from logits z and targets t,
# and whether the closed-form check needs an absolute tolerance (nll's rows are the inputs, some near 0)
LOSSES = {
    "cross_entropy": (F.cross_entropy, "softmax_cross_entropy",
                      lambda z, t: -_log_softmax(z)[np.arange(len(t)), t], False),
    "nll_loss": (F.nll_loss, "nll_loss", lambda z, t: -z.astype(np.float64)[np.arange(len(t)), t], True),
}


def _closed_form_grad(loss, z, t, reduction, seed):
    """d(Σ seed·rows)/dz: cross-entropy's softmax − one-hot, nll's −one-hot, per row, times the row's seed."""
    z64 = z.astype(np.float64)
    onehot = np.zeros(z.shape)
    onehot[np.arange(len(t)), t] = 1.0
    local = np.exp(_log_softmax(z64)) - onehot if loss == "cross_entropy" else -onehot
    rows_seed = seed if seed is not None else np.full(len(t), _scale(len(t), reduction))
    return local * rows_seed[:, None]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_loss_and_gradient_match_the_closed_forms(shape, reduction, dtype, loss):
    functional, _, closed_form, absolute = LOSSES[loss]
    z, t = _data(shape, dtype)
    seed = np.random.default_rng(1).standard_normal(shape[0]) if reduction == "none" else None
    value, grad = _value_and_grad(lambda x: functional(x, nets.tensor(t), reduction=reduction), z, seed)
    assert value.dtype == dtype and grad.dtype == dtype
    rows = closed_form(z, t)
    expected = rows if reduction == "none" else rows.sum() * _scale(shape[0], reduction)
    np.testing.assert_allclose(value, expected, rtol=10 * RTOL[dtype], atol=RTOL[dtype] if absolute else 0)
    expected_grad = _closed_form_grad(loss, z, t, reduction, None if seed is None else seed.astype(dtype))
    np.testing.assert_allclose(grad, expected_grad, rtol=10 * RTOL[dtype],
                               atol=10 * RTOL[dtype] * np.abs(expected_grad).max())


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
