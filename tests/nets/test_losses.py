"""Losses: values against numpy closed forms for every reduction, gradients with respect to inputs
(and targets, weights) against Richardson differences in float64, PyTorch's conventions, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import nets
import nets.nn.functional as F
from nets import nn

RNG = np.random.default_rng(11)
X = RNG.normal(size=(4, 3))
Y = RNG.normal(size=(4, 3))
P = RNG.uniform(0.05, 0.95, (4, 3))
T01 = RNG.uniform(0.0, 1.0, (4, 3))
LOGITS = RNG.normal(size=(5, 4)) * 2
CLASSES = np.array([0, 3, 1, 1, 2])
REDUCE = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}


def _log_softmax(z):
    s = z - z.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def _t(a):
    return nets.tensor(a)


# --- pointwise losses ----------------------------------------------------------------------------------------
POINTWISE = [
    ("mse", lambda r: nn.MSELoss(reduction=r), lambda x, y: (x - y) ** 2, X, Y),
    ("half_mse", lambda r: nn.HalfMSELoss(reduction=r), lambda x, y: 0.5 * (x - y) ** 2, X, Y),
    ("l1", lambda r: nn.L1Loss(reduction=r), lambda x, y: np.abs(x - y), X, Y),
    ("huber", lambda r: nn.HuberLoss(reduction=r), lambda x, y: np.where(np.abs(x - y) < 1, 0.5 * (x - y) ** 2,
                                                                         np.abs(x - y) - 0.5), X * 2, Y),
    ("huber_delta", lambda r: nn.HuberLoss(reduction=r, delta=0.3),
     lambda x, y: np.where(np.abs(x - y) < 0.3, 0.5 * (x - y) ** 2, 0.3 * (np.abs(x - y) - 0.15)), X, Y),
    ("bce", lambda r: nn.BCELoss(reduction=r), lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)), P, T01),
    ("bce_weight", lambda r: nn.BCELoss(weight=_t(np.array([1.0, 2.0, 0.5])), reduction=r),
     lambda p, t: -(t * np.log(p) + (1 - t) * np.log(1 - p)) * np.array([1.0, 2.0, 0.5]), P, T01),
    ("bce_logits", lambda r: nn.BCEWithLogitsLoss(reduction=r),
     lambda a, t: -(t * np.log(1 / (1 + np.exp(-a))) + (1 - t) * np.log(1 - 1 / (1 + np.exp(-a)))), X, T01),
    ("bce_logits_pos_weight", lambda r: nn.BCEWithLogitsLoss(reduction=r, pos_weight=_t(np.array([1.0, 3.0, 0.5]))),
     lambda a, t: -(np.array([1.0, 3.0, 0.5]) * t * np.log(1 / (1 + np.exp(-a)))
                    + (1 - t) * np.log(1 - 1 / (1 + np.exp(-a)))), X, T01),
    ("kl_div", lambda r: nn.KLDivLoss(reduction=r), lambda lq, y: y * (np.log(y) - lq), np.log(P), T01 + 0.1),
    ("kl_div_log_target", lambda r: nn.KLDivLoss(reduction=r, log_target=True),
     lambda lq, t: np.exp(t) * (t - lq), np.log(P), np.log(T01 + 0.1)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,make,closed,a,b", POINTWISE, ids=[c[0] for c in POINTWISE])
def test_pointwise_losses(name, make, closed, a, b, reduction, grads_ok):
    loss = make(reduction)
    np.testing.assert_allclose(loss(_t(a), _t(b)).data.numpy(), REDUCE[reduction](closed(a, b)), atol=1e-14, rtol=1e-13)
    grads_ok(lambda x, y: loss(x, y), a, b)  # gradients with respect to input and target


def test_half_mse_is_the_courses_form():
    # (1/2N)Σ(x − y)²: half of PyTorch's MSELoss, so its gradient is (1/N)(x − y)
    x = nets.tensor(X, requires_grad=True)
    loss = nn.HalfMSELoss()(x, _t(Y))
    assert abs(loss.item() - ((X - Y) ** 2).sum() / (2 * X.size)) < 1e-15
    loss.backward()
    np.testing.assert_allclose(x.grad.data.numpy(), (X - Y) / X.size, atol=1e-16)


def test_kl_div_batchmean_is_the_true_kl_and_zero_targets_count_zero(grads_ok):
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    q = np.array([[0.25, 0.25, 0.5], [0.2, 0.6, 0.2]])
    kl = np.array([np.sum(pi[pi > 0] * np.log(pi[pi > 0] / qi[pi > 0])) for pi, qi in zip(p, q)])
    got = nn.KLDivLoss(reduction="batchmean")(_t(np.log(q)), _t(p))
    assert abs(got.item() - kl.mean()) < 1e-15
    assert abs(nn.KLDivLoss()(_t(np.log(q)), _t(p)).item() - kl.sum() / p.size) < 1e-15
    grads_ok(lambda lq: F.kl_div(lq, _t(p), reduction="batchmean"), np.log(q))
    grads_ok(lambda lq, y: F.kl_div(lq, y, reduction="batchmean"), np.log(q), p + 0.1)


def test_bce_clamps_the_log_at_minus_100():
    p = _t(np.array([0.0, 1.0, 0.0, 1.0]))
    t = _t(np.array([1.0, 0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(nn.BCELoss(reduction="none")(p, t).data.numpy(), [100.0, 100.0, 0.0, 0.0])
    x = nets.tensor(np.array([0.0, 1.0]), requires_grad=True)
    nn.BCELoss(reduction="sum")(x, _t(np.array([1.0, 0.0]))).backward()
    assert np.isfinite(x.grad.data.numpy()).all()  # (p − y)/max(p(1 − p), 1e-12)
    np.testing.assert_array_equal(x.grad.data.numpy(), [-1e12, 1e12])


def test_bce_with_logits_is_stable_and_exact_for_huge_logits():
    a = _t(np.array([1e4, -1e4, 1e4, -1e4, 0.0]))
    t = _t(np.array([1.0, 0.0, 0.0, 1.0, 1.0]))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(reduction="none")(a, t).data.numpy(), [0, 0, 1e4, 1e4, np.log(2)],
                               rtol=1e-15)
    x = nets.tensor(np.array([2.0, -1.0]), requires_grad=True)
    nn.BCEWithLogitsLoss()(x, _t(np.array([1.0, 0.0]))).backward()
    np.testing.assert_allclose(x.grad.data.numpy(), (1 / (1 + np.exp(-np.array([2.0, -1.0]))) - [1, 0]) / 2, atol=1e-16)


# --- classification losses -------------------------------------------------------------------------------------
def _ce_closed(z, y, weight=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    n, c = z.shape
    w = np.ones(c) if weight is None else weight
    logp = _log_softmax(z)
    valid = y != ignore_index
    yy = np.where(valid, y, 0)
    nll = -w[yy] * logp[np.arange(n), yy] * valid
    smooth = -(logp * w).sum(1) * valid
    rows = (1 - smoothing) * nll + smoothing / c * smooth
    if reduction == "none":
        return rows
    if reduction == "sum":
        return rows.sum()
    return rows.sum() / (w[yy] * valid).sum()


CE_CASES = [
    dict(),
    dict(weight=np.array([1.0, 2.0, 0.5, 3.0])),
    dict(ignore_index=1),
    dict(label_smoothing=0.2),
    dict(weight=np.array([1.0, 2.0, 0.5, 3.0]), ignore_index=3, label_smoothing=0.1),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", CE_CASES, ids=["plain", "weight", "ignore", "smoothing", "all"])
def test_cross_entropy_with_class_indices(opts, reduction, grads_ok):
    kwargs = dict(opts)
    w = kwargs.pop("weight", None)
    loss = nn.CrossEntropyLoss(weight=None if w is None else _t(w), reduction=reduction, **kwargs)
    expected = _ce_closed(LOGITS, CLASSES, w, kwargs.get("ignore_index", -100), kwargs.get("label_smoothing", 0.0),
                          reduction)
    np.testing.assert_allclose(loss(_t(LOGITS), _t(CLASSES)).data.numpy(), expected, atol=1e-14, rtol=1e-13)
    grads_ok(lambda z: loss(z, _t(CLASSES)), LOGITS)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = nets.tensor(LOGITS, requires_grad=True)
    nn.CrossEntropyLoss()(z, _t(CLASSES)).backward()
    p = np.exp(_log_softmax(LOGITS))
    np.testing.assert_allclose(z.grad.data.numpy(), (p - np.eye(4)[CLASSES]) / 5, atol=1e-16)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_probabilities(reduction, grads_ok):
    q = RNG.dirichlet(np.ones(4), size=5)
    w = np.array([1.0, 2.0, 0.5, 3.0])
    loss = nn.CrossEntropyLoss(weight=_t(w), label_smoothing=0.1, reduction=reduction)
    rows = -(_log_softmax(LOGITS) * (0.9 * q + 0.1 / 4) * w).sum(1)
    expected = {"mean": rows.sum() / 5, "sum": rows.sum(), "none": rows}[reduction]
    np.testing.assert_allclose(loss(_t(LOGITS), _t(q)).data.numpy(), expected, atol=1e-14)
    grads_ok(lambda z, t: loss(z, t), LOGITS, q)  # targets are differentiable too


def test_cross_entropy_extra_dimensions_and_single_example(grads_ok):
    z = RNG.normal(size=(2, 3, 4))  # (N, C, d)
    y = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
    rows = -np.take_along_axis(_log_softmax(np.moveaxis(z, 1, -1)), y[..., None], -1)[..., 0]
    np.testing.assert_allclose(F.cross_entropy(_t(z), _t(y), reduction="none").data.numpy(), rows, atol=1e-14)
    np.testing.assert_allclose(F.cross_entropy(_t(z), _t(y)).item(), rows.mean(), atol=1e-14)
    grads_ok(lambda t: F.cross_entropy(t, _t(y)), z)
    v = LOGITS[0]
    assert abs(F.cross_entropy(_t(v), _t(np.array(2))).item() + _log_softmax(v)[2]) < 1e-14


def test_cross_entropy_every_row_ignored_or_no_rows_gives_nan_like_pytorch():
    out = nn.CrossEntropyLoss(ignore_index=1)(_t(LOGITS[:2]), _t(np.array([1, 1])))
    assert np.isnan(out.item())
    empty_logits, empty_target = nets.zeros(0, 3), nets.tensor(np.zeros(0, dtype=np.int64))
    assert np.isnan(nn.CrossEntropyLoss()(empty_logits, empty_target).item())
    assert np.isnan(nn.NLLLoss()(empty_logits, empty_target).item())
    assert nn.CrossEntropyLoss(reduction="sum")(empty_logits, empty_target).item() == 0.0


def test_cross_entropy_is_exact_for_logits_of_1e4():
    z = nets.tensor(np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]]), requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction="none")(z, _t(np.array([1, 2])))
    np.testing.assert_allclose(loss.data.numpy(), [2e4, np.log(3)], rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(z.grad.data.numpy()[0], [1.0, -1.0, 0.0])
    f32 = nn.CrossEntropyLoss()(nets.tensor([[1e4, 0.0]]), nets.tensor([1]))
    assert f32.dtype == nets.float32 and f32.item() == 1e4


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_on_log_softmax(reduction, grads_ok):
    w = np.array([1.0, 2.0, 0.5, 3.0])
    loss = nn.NLLLoss(weight=_t(w), ignore_index=1, reduction=reduction)
    logp = _log_softmax(LOGITS)
    valid = CLASSES != 1
    rows = -w[CLASSES] * logp[np.arange(5), CLASSES] * valid
    expected = {"mean": rows.sum() / (w[CLASSES] * valid).sum(), "sum": rows.sum(), "none": rows}[reduction]
    np.testing.assert_allclose(loss(_t(logp), _t(CLASSES)).data.numpy(), expected, atol=1e-14)
    grads_ok(lambda x: loss(x, _t(CLASSES)), logp)
    chained = nn.NLLLoss(reduction=reduction)(nn.LogSoftmax(1)(_t(LOGITS)), _t(CLASSES)).data.numpy()
    np.testing.assert_allclose(chained, nn.CrossEntropyLoss(reduction=reduction)(_t(LOGITS), _t(CLASSES)).data.numpy(),
                               atol=1e-14)


# --- bad input -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.L1Loss(), nn.HuberLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(),
                                  nn.KLDivLoss(), nn.HalfMSELoss()], ids=lambda m: type(m).__name__)
def test_mismatched_shapes_name_the_shapes(loss):
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 1\)"):
        loss(_t(P), _t(P[:, :1]))


def test_class_index_errors():
    with pytest.raises(IndexError, match="target 4 is out of range for 4 classes"):
        nn.CrossEntropyLoss()(_t(LOGITS), _t(np.array([0, 1, 2, 3, 4])))
    with pytest.raises(IndexError, match="target -1"):
        nn.NLLLoss()(_t(LOGITS), _t(np.array([0, -1, 2, 3, 0])))
    with pytest.raises(ValueError, match=r"target of class indices has shape \(4,\), expected \(5,\)"):
        nn.CrossEntropyLoss()(_t(LOGITS), _t(np.array([0, 1, 2, 3])))
    with pytest.raises(ValueError, match=r"weight has shape \(3,\), expected \(4,\)"):
        nn.CrossEntropyLoss(weight=nets.ones(3, dtype=nets.float64))(_t(LOGITS), _t(CLASSES))
    with pytest.raises(TypeError, match="class indices"):
        nn.NLLLoss()(_t(LOGITS), _t(LOGITS))


def test_other_bad_input():
    with pytest.raises(ValueError, match=r"probability in \[0, 1\]"):
        nn.BCELoss()(_t(np.array([1.5])), _t(np.array([1.0])))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(_t(X), _t(Y), reduction="avg")
    with pytest.raises(ValueError, match="pos_weight"):
        nn.BCEWithLogitsLoss(pos_weight=nets.ones(5))(_t(X), _t(T01))
