"""Parity with PyTorch (the optional ``parity`` extra): the same layers, activations, losses and state
dicts give the same numbers, values and gradients, in float64. Skipped where torch is not installed."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nets  # noqa: E402
import nets.nn.functional as F  # noqa: E402
from nets import nn  # noqa: E402

tnn = torch.nn
TF = torch.nn.functional
RNG = np.random.default_rng(5)
TOL = dict(atol=1e-12, rtol=1e-10)


def _pair(a, requires_grad=True):
    a = np.array(a, dtype=np.float64)  # a fresh contiguous copy
    return nets.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def _same(ours, theirs, **tol):
    np.testing.assert_allclose(np.asarray(ours.data.numpy() if isinstance(ours, nets.Tensor) else ours),
                               theirs.detach().numpy(), **(tol or TOL))


def _run(ours_fn, torch_fn, *arrays, targets=()):
    """Apply both, compare values, backprop the same adjoint, compare input gradients."""
    pairs = [_pair(a) for a in arrays]
    tpairs = [(nets.tensor(t), torch.tensor(t)) for t in targets]
    o = ours_fn(*[p[0] for p in pairs], *[t[0] for t in tpairs])
    t = torch_fn(*[p[1] for p in pairs], *[t[1] for t in tpairs])
    _same(o, t)
    seed = RNG.standard_normal(tuple(t.shape))
    o.backward(nets.tensor(seed) if o.ndim else None)
    t.backward(torch.tensor(seed) if t.dim() else None)
    for (a, b) in pairs:
        _same(a.grad, b.grad)


X = RNG.normal(size=(6, 4)) * 2
ACT = [
    (nn.ReLU(), tnn.ReLU()), (nn.LeakyReLU(), tnn.LeakyReLU()), (nn.LeakyReLU(0.3), tnn.LeakyReLU(0.3)),
    (nn.Sigmoid(), tnn.Sigmoid()), (nn.Tanh(), tnn.Tanh()), (nn.GELU(), tnn.GELU()),
    (nn.GELU("tanh"), tnn.GELU("tanh")), (nn.Softplus(), tnn.Softplus()),
    (nn.Softplus(beta=2, threshold=1.5), tnn.Softplus(beta=2, threshold=1.5)),
    (nn.Softmax(1), tnn.Softmax(1)), (nn.Softmax(0), tnn.Softmax(0)), (nn.LogSoftmax(1), tnn.LogSoftmax(1)),
    (nn.Identity(), tnn.Identity()), (nn.Flatten(0), tnn.Flatten(0)),
]


@pytest.mark.parametrize("ours,theirs", ACT, ids=lambda m: repr(m))
def test_activations(ours, theirs):
    _run(ours.double(), theirs.double(), X)
    big = np.array([[-1e4, -30.0, 0.0, 30.0, 1e4]])
    _run(ours, theirs, big)


def _copy_params(ours: nn.Module, theirs):
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})


@pytest.mark.parametrize("make", [
    lambda m: m.Linear(4, 3), lambda m: m.Linear(4, 2, bias=False), lambda m: m.PReLU(), lambda m: m.PReLU(4),
    lambda m: m.LayerNorm(4), lambda m: m.LayerNorm(4, elementwise_affine=False),
    lambda m: m.Sequential(m.Linear(4, 8), m.ReLU(), m.Linear(8, 3)),
])
def test_layers_values_and_all_gradients(make):
    nets.manual_seed(0)
    ours, theirs = make(nn).double(), make(tnn).double()
    with nets.no_grad():
        for p in ours.parameters():
            p.data += nets.randn(*p.shape, dtype=nets.float64).data.numpy() * 0.3  # not the initial constants
    _copy_params(ours, theirs)
    _run(ours, theirs, X)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        _same(p.grad, q.grad)


def test_batchnorm_training_steps_running_stats_and_eval():
    ours, theirs = nn.BatchNorm1d(4, momentum=0.3).double(), tnn.BatchNorm1d(4, momentum=0.3).double()
    for _ in range(3):
        x = RNG.normal(1.0, 2.0, (8, 4))
        _run(ours, theirs, x)
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, theirs.state_dict()[k].numpy(), **TOL, err_msg=k)
    for (_, p), q in zip(ours.named_parameters(), theirs.parameters()):
        _same(p.grad, q.grad)
    ours.eval(), theirs.eval()
    _run(ours, theirs, RNG.normal(size=(5, 4)))
    cum, tcum = nn.BatchNorm1d(3, momentum=None).double(), tnn.BatchNorm1d(3, momentum=None).double()
    for _ in range(3):
        _run(cum, tcum, RNG.normal(size=(4, 3, 5)))
    _same(cum.running_var, tcum.running_var)


def test_dropout_semantics():
    x = torch.ones(1000, dtype=torch.float64)
    y = tnn.Dropout(0.25)(x)
    ours = nn.Dropout(0.25)(nets.ones(1000, dtype=nets.float64)).data.numpy()
    assert set(np.unique(y.numpy())) == set(np.unique(ours))  # {0, 1/(1 − p)}
    ours_eval = nn.Dropout(0.25).eval()(nets.ones(3)).data.numpy().tolist()
    assert ours_eval == tnn.Dropout(0.25).eval()(torch.ones(3)).tolist()


P = RNG.uniform(0.05, 0.95, (6, 4))
T01 = RNG.uniform(0, 1, (6, 4))
CLS = np.array([0, 3, 1, 1, 2, 3])
W4 = np.array([1.0, 2.0, 0.5, 3.0])


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse", "l1", "huber", "bce", "bce_w", "bcel", "bcel_pw", "kl", "kl_log"])
def test_pointwise_losses(name, reduction):
    w, pw = torch.tensor(W4), torch.tensor(W4[::-1].copy())
    ours, theirs, a, b = {
        "mse": (nn.MSELoss(reduction=reduction), tnn.MSELoss(reduction=reduction), X, X[::-1]),
        "l1": (nn.L1Loss(reduction=reduction), tnn.L1Loss(reduction=reduction), X, X[::-1]),
        "huber": (nn.HuberLoss(reduction=reduction, delta=0.7), tnn.HuberLoss(reduction=reduction, delta=0.7),
                  X, X[::-1]),
        "bce": (nn.BCELoss(reduction=reduction), tnn.BCELoss(reduction=reduction), P, T01),
        "bce_w": (nn.BCELoss(weight=nets.tensor(W4), reduction=reduction),
                  tnn.BCELoss(weight=w, reduction=reduction), P, T01),
        "bcel": (nn.BCEWithLogitsLoss(reduction=reduction), tnn.BCEWithLogitsLoss(reduction=reduction), X, T01),
        "bcel_pw": (nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=nets.tensor(W4[::-1].copy())),
                    tnn.BCEWithLogitsLoss(reduction=reduction, pos_weight=pw), X, T01),
        "kl": (nn.KLDivLoss(reduction=reduction), tnn.KLDivLoss(reduction=reduction), np.log(P), T01),
        "kl_log": (nn.KLDivLoss(reduction=reduction, log_target=True),
                   tnn.KLDivLoss(reduction=reduction, log_target=True), np.log(P), np.log(T01)),
    }[name]
    _run(ours, theirs, a, b)  # gradients with respect to input and target


def test_kl_batchmean_and_bce_extremes():
    _run(nn.KLDivLoss(reduction="batchmean"), tnn.KLDivLoss(reduction="batchmean"), np.log(P), T01)
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    _same(nn.BCELoss(reduction="none")(nets.tensor(p), nets.tensor(t)),
          tnn.BCELoss(reduction="none")(torch.tensor(p), torch.tensor(t)))
    big = np.array([1e4, -1e4, 1e4, -1e4, 0.0])
    _same(nn.BCEWithLogitsLoss(reduction="none")(nets.tensor(big), nets.tensor(t)),
          tnn.BCEWithLogitsLoss(reduction="none")(torch.tensor(big), torch.tensor(t)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", [{}, {"weight": W4}, {"ignore_index": 1}, {"label_smoothing": 0.15},
                                  {"weight": W4, "ignore_index": 3, "label_smoothing": 0.1}],
                         ids=["plain", "weight", "ignore", "smoothing", "all"])
def test_cross_entropy_and_nll(opts, reduction):
    kw = dict(opts)
    w = kw.pop("weight", None)
    ours = nn.CrossEntropyLoss(weight=None if w is None else nets.tensor(w), reduction=reduction, **kw)
    theirs = tnn.CrossEntropyLoss(weight=None if w is None else torch.tensor(w), reduction=reduction, **kw)
    _run(ours, theirs, X, targets=(CLS,))
    probs = RNG.dirichlet(np.ones(4), size=6)
    if "ignore_index" not in kw:
        _run(ours, theirs, X, probs)  # probabilities as targets, differentiable
    kw.pop("label_smoothing", None)
    nll_ours = nn.NLLLoss(weight=None if w is None else nets.tensor(w), reduction=reduction, **kw)
    nll_theirs = tnn.NLLLoss(weight=None if w is None else torch.tensor(w), reduction=reduction, **kw)
    _run(nll_ours, nll_theirs, X, targets=(CLS,))


def test_cross_entropy_shapes_and_huge_logits():
    z = RNG.normal(size=(2, 3, 5))
    y = RNG.integers(0, 3, (2, 5))
    _run(lambda a, t: F.cross_entropy(a, t, label_smoothing=0.1),
         lambda a, t: TF.cross_entropy(a, t, label_smoothing=0.1), z, targets=(y,))
    _run(lambda a, t: F.cross_entropy(a, t), lambda a, t: TF.cross_entropy(a, t), X[0], targets=(np.array(2),))
    big = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4]])
    _run(nn.CrossEntropyLoss(), tnn.CrossEntropyLoss(), big, targets=(np.array([1, 2]),))


def test_init_gains_and_linear_defaults_agree():
    for nl, param in [("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                      ("selu", None), ("sigmoid", None)]:
        assert nn.init.calculate_gain(nl, param) == pytest.approx(tnn.init.calculate_gain(nl, param), rel=1e-15)
    t = torch.empty(50, 40)
    tnn.Linear(40, 50).reset_parameters()
    bound = 1 / np.sqrt(40)
    assert float(tnn.Linear(40, 50).weight.detach().abs().max()) <= bound
    assert float(np.abs(nn.Linear(40, 50).weight.data.numpy()).max()) <= bound
    assert t.shape == (50, 40)


def test_state_dicts_move_both_ways():
    def build(m):
        return m.Sequential(m.Linear(4, 6), m.BatchNorm1d(6), m.ReLU(), m.Linear(6, 2))

    ours, theirs = build(nn).double(), build(tnn).double()
    ours(nets.tensor(X))  # move the running statistics
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    ours.eval(), theirs.eval()
    _same(ours(nets.tensor(X)), theirs(torch.tensor(X)))
    back = build(nn).double()
    back.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    back.eval()
    _same(back(nets.tensor(X)), theirs(torch.tensor(X)))
    assert repr(build(nn)) == repr(build(tnn))
    for make in (lambda m: m.LayerNorm(3), lambda m: m.Softmax(1), lambda m: m.GELU("tanh"), lambda m: m.Softplus(),
                 lambda m: m.PReLU(), lambda m: m.Dropout(0.1), lambda m: m.Flatten(), lambda m: m.LeakyReLU(),
                 lambda m: m.CrossEntropyLoss(), lambda m: m.MSELoss(reduction="sum"), lambda m: m.Identity(),
                 lambda m: m.BatchNorm1d(3, affine=False), lambda m: m.Linear(2, 3, bias=False)):
        assert repr(make(nn)) == repr(make(tnn))


def test_tensor_semantics_agree():
    a = RNG.normal(size=(3, 4))
    for f in [lambda t: t.max(1)[0], lambda t: t.min(0)[1], lambda t: t.var(1), lambda t: t.std(),
              lambda t: t.sum((0, 1), keepdim=True), lambda t: t[[0, 2]][:, 1:].T, lambda t: t.clamp(-0.5, 0.5),
              lambda t: t.logsumexp(1), lambda t: (t > 0).sum(), lambda t: t.argmax(1)]:
        o, t = f(nets.tensor(a)), f(torch.tensor(a))
        np.testing.assert_allclose(np.asarray(o.data.numpy(), dtype=float), t.numpy().astype(float), **TOL)
    assert nets.tensor(1.5).dtype.name == str(torch.tensor(1.5).dtype).split(".")[1]
    assert (nets.arange(3) * 2.5).dtype.name == str((torch.arange(3) * 2.5).dtype).split(".")[1]
