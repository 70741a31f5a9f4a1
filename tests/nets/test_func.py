"""``nets.func.functional_call`` (PyTorch's ``torch.func.functional_call``) and the layers an MLP uses, run on autodiff
tracers: autodiff's ``grad``, ``vjp`` and ``jvp`` of a loss as a function of the weights give the numbers of the eager
``loss.backward()``."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff
import nets
import nets.nn.functional as F
from autodiff.forward import Dual
from nets import nn
from nets.func import functional_call

RNG = np.random.default_rng(18)
TOL = dict(atol=1e-12, rtol=0)


# --- functional_call: the swap and its undoing ---------------------------------------------------------------
def _linear(n_in=3, n_out=2):
    nets.manual_seed(0)
    return nn.Linear(n_in, n_out, dtype=nets.float64)


def _snapshot(model):
    return [(name, p, p.value.copy()) for name, p in model.named_parameters()] + \
           [(name, b, b.value.copy()) for name, b in model.named_buffers()]


def _unchanged(model, snap):
    now = _snapshot(model)
    assert [n for n, _, _ in now] == [n for n, _, _ in snap]
    for (_, p, v), (_, p0, v0) in zip(now, snap):
        assert p is p0  # the same Parameter objects
        np.testing.assert_array_equal(v, v0)
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_the_given_values_replace_the_parameters_for_the_call_only():
    m = _linear()
    snap = _snapshot(m)
    x = RNG.standard_normal((4, 3))
    w, b = np.zeros((2, 3)), np.ones(2)
    out = functional_call(m, {"weight": w, "bias": b}, (x,))
    np.testing.assert_array_equal(out.numpy(), np.ones((4, 2)))
    _unchanged(m, snap)
    np.testing.assert_array_equal(functional_call(m, {"weight": nets.tensor(w)}, x).detach().numpy(),  # not a tuple
                                  np.broadcast_to(m.bias.detach().numpy(), (4, 2)))
    _unchanged(m, snap)
    np.testing.assert_allclose(functional_call(m, {}, (), {"input": nets.tensor(x)}).detach().numpy(),
                               m(nets.tensor(x)).detach().numpy())


def test_the_module_is_restored_when_the_call_raises():
    m = _linear()
    snap = _snapshot(m)
    with pytest.raises(nets.nn.functional.ShapeError):
        functional_call(m, {"weight": np.zeros((2, 3))}, (np.ones((4, 5)),))  # wrong input width
    _unchanged(m, snap)

    class Boom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = _linear()

        def forward(self, x):
            assert self.lin.weight is not None and not isinstance(self.lin.weight, nn.Parameter)
            raise ValueError("boom")

    model = Boom()
    snap = _snapshot(model)
    with pytest.raises(ValueError, match="boom"):
        functional_call(model, {"lin.weight": np.zeros((2, 3)), "lin.bias": np.zeros(2)}, (np.ones((1, 3)),))
    _unchanged(model, snap)
    # a key naming no sub-module: an error, and the keys swapped before it are swapped back
    with pytest.raises(AttributeError, match="Boom has no attribute `nope`"):
        functional_call(model, {"lin.weight": np.zeros((2, 3)), "nope.weight": np.zeros(1)}, (np.ones((1, 3)),))
    _unchanged(model, snap)


def test_strict_names_missing_and_unexpected_keys_as_pytorch_does():
    m = _linear()
    x = np.ones((1, 3))
    with pytest.raises(RuntimeError) as e:
        functional_call(m, {"weight": np.zeros((2, 3)), "foo": np.zeros(1)}, (x,), strict=True)
    assert str(e.value) == ("Error(s) in reparametrizing for Linear:\n\tUnexpected key(s): 'foo'.\n"
                            "\tMissing key(s): 'bias'.")
    with pytest.raises(RuntimeError, match=r"Missing key\(s\): 'bias', 'weight'\.$"):
        functional_call(m, {}, (x,), strict=True)
    out = functional_call(m, {"weight": np.zeros((2, 3)), "bias": np.zeros(2)}, (x,), strict=True)
    np.testing.assert_array_equal(out.numpy(), np.zeros((1, 2)))


def test_a_key_that_names_no_tensor_is_an_attribute_for_the_call_when_not_strict():
    class UsesExtra(nn.Module):
        def forward(self, x):
            return x * self.scale

    m = UsesExtra()
    out = functional_call(m, {"scale": np.array(3.0)}, (nets.tensor([1.0, 2.0], dtype=nets.float64),))
    np.testing.assert_array_equal(out.numpy(), [3.0, 6.0])
    assert not hasattr(m, "scale")


def test_several_dicts_and_their_errors():
    m = _linear()
    x = RNG.standard_normal((2, 3))
    w, b = RNG.standard_normal((2, 3)), RNG.standard_normal(2)
    out = functional_call(m, ({"weight": w}, {"bias": b}), (x,))
    np.testing.assert_allclose(out.numpy(), x @ w.T + b, **TOL)
    with pytest.raises(ValueError, match=r"\['weight'\] appeared in multiple dictionaries; behavior of functional "
                                         "call is ambiguous"):
        functional_call(m, ({"weight": w}, {"weight": w, "bias": b}), (x,))
    with pytest.raises(ValueError, match="Expected all elements of parameter_and_buffer_dicts to be dictionaries"):
        functional_call(m, ({"weight": w}, [("bias", b)]), (x,))
    with pytest.raises(TypeError, match="not an instance of nets.Tensor, numpy.ndarray or an autodiff tracer"):
        functional_call(m, {"weight": [[0.0] * 3] * 2}, (x,))
    assert isinstance(m.weight, nn.Parameter)


def test_buffers_batchnorm_running_statistics():
    nets.manual_seed(0)
    bn = nn.BatchNorm1d(3, dtype=nets.float64)
    snap = _snapshot(bn)
    x = RNG.standard_normal((5, 3))
    mean, var = RNG.standard_normal(3), RNG.random(3) + 0.5
    bn.eval()
    out = functional_call(bn, {"running_mean": mean, "running_var": var}, (nets.tensor(x),))
    np.testing.assert_allclose(out.detach().numpy(), (x - mean) / np.sqrt(var + bn.eps), atol=1e-12)
    _unchanged(bn, snap)
    # training: the running statistics given are the ones updated (in place, as PyTorch), not the module's
    bn.train()
    given = {"running_mean": nets.zeros(3, dtype=nets.float64), "running_var": nets.ones(3, dtype=nets.float64),
             "num_batches_tracked": nets.tensor(np.array(0, dtype=np.int64))}
    functional_call(bn, given, (nets.tensor(x),))
    np.testing.assert_allclose(given["running_mean"].numpy(), 0.1 * x.mean(0), atol=1e-12)
    np.testing.assert_allclose(given["running_var"].numpy(), 0.9 + 0.1 * x.var(0, ddof=1), atol=1e-12)
    assert given["num_batches_tracked"].item() == 1
    _unchanged(bn, snap)


def test_a_value_the_module_replaces_is_written_back_to_the_dict():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("count", nets.zeros((), dtype=nets.float64))

        def forward(self, x):
            self.count = self.count + 1
            return x

    m = Counter()
    before = m.count
    given = {"count": nets.zeros((), dtype=nets.float64)}
    functional_call(m, given, (nets.ones(1),))
    assert m.count is before and m.count.item() == 0.0
    assert given["count"].item() == 1.0
    several = ({"count": nets.zeros((), dtype=nets.float64)},)
    functional_call(m, several, (nets.ones(1),))
    assert several[0]["count"].item() == 0.0  # (a merged copy was updated, as PyTorch)


def test_tied_weights():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = _linear(2, 2)
            self.b = _linear(2, 2)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.a(x) + self.b(x)

    m = Tied()
    x = RNG.standard_normal((3, 2))
    w = RNG.standard_normal((2, 2))
    ba, bb = m.a.bias.detach().numpy(), m.b.bias.detach().numpy()
    out = functional_call(m, {"a.weight": w}, (x,))
    np.testing.assert_allclose(out.detach().numpy(), 2 * x @ w.T + ba + bb, atol=1e-12)
    out = functional_call(m, {"a.weight": w}, (x,), tie_weights=False)
    np.testing.assert_allclose(out.detach().numpy(), x @ w.T + x @ m.a.weight.detach().numpy().T + ba + bb,
                               atol=1e-12)
    with pytest.raises(ValueError, match=r"functional_call got multiple values for keys \['a.weight', 'b.weight'\], "
                                         "which are tied. Consider using tie_weights=False"):
        functional_call(m, {"a.weight": w, "b.weight": w.copy()}, (x,))
    functional_call(m, {"a.weight": w, "b.weight": w}, (x,))  # the same value twice is fine
    functional_call(m, {"a.weight": w, "a.bias": ba, "b.bias": bb}, (x,), strict=True)  # b.weight comes by the tie
    assert m.b.weight is m.a.weight and isinstance(m.a.weight, nn.Parameter)


# --- the layers on tracers: autodiff's transformations against the eager sweep ------------------------------
def _mlp(*hidden_layers, n_in=64, n_out=10):
    nets.manual_seed(1)
    return nn.Sequential(nn.Linear(n_in, 16, dtype=nets.float64), *hidden_layers,
                         nn.Linear(16, n_out, dtype=nets.float64))


def _weights(model):
    names = [n for n, _ in model.named_parameters()]
    return names, [p.detach().numpy().copy() for p in model.parameters()]


def _eager_grads(model, loss_of_output, x):
    model.zero_grad()
    loss = loss_of_output(model(nets.tensor(x)))
    loss.backward()
    return float(loss.item()), [p.grad.numpy().copy() for p in model.parameters()]


X = RNG.standard_normal((32, 64))
Y = RNG.integers(0, 10, 32)


@pytest.mark.parametrize("x_kind", ["array", "tensor"])
def test_grad_of_cross_entropy_through_functional_call_is_the_eager_gradient(x_kind):
    model = _mlp(nn.ReLU())
    names, ws = _weights(model)
    x = X if x_kind == "array" else nets.tensor(X)

    def loss(W1, b1, W2, b2):
        out = functional_call(model, dict(zip(names, (W1, b1, W2, b2))), (x,))
        if x_kind == "array":
            assert isinstance(out, autodiff.Node) and not isinstance(out, nets.Tensor)  # the engine's tracer
        return F.cross_entropy(out, Y)

    value, grads = autodiff.value_and_grad(loss, argnums=(0, 1, 2, 3))(*ws)
    expected_value, expected = _eager_grads(model, lambda out: F.cross_entropy(out, nets.tensor(Y)), X)
    assert float(np.asarray(autodiff.primitives.primal(value))) == pytest.approx(expected_value, abs=1e-12)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(np.asarray(g), e, **TOL)
    assert all(isinstance(p, nn.Parameter) for p in model.parameters())


def test_jvp_of_cross_entropy_is_the_eager_directional_derivative():
    model = _mlp(nn.ReLU())
    names, ws = _weights(model)
    tangents = [RNG.standard_normal(w.shape) for w in ws]

    def loss(W1, b1, W2, b2):
        return F.cross_entropy(functional_call(model, dict(zip(names, (W1, b1, W2, b2))), (X,)), Y)

    value, tangent = autodiff.jvp(loss, ws, tangents)
    expected_value, expected = _eager_grads(model, lambda out: F.cross_entropy(out, nets.tensor(Y)), X)
    assert float(np.asarray(value)) == pytest.approx(expected_value, abs=1e-12)
    assert float(np.asarray(tangent)) == pytest.approx(sum(float((e * t).sum()) for e, t in zip(expected, tangents)),
                                                      abs=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_reductions_and_a_traced_integer_target(reduction):
    model = _mlp(nn.Tanh())
    names, ws = _weights(model)
    ybar = RNG.standard_normal(32) if reduction == "none" else np.float64(1.0)

    def loss(W1, b1, W2, b2, y):
        out = functional_call(model, dict(zip(names, (W1, b1, W2, b2))), (X,))
        return F.cross_entropy(out, y, reduction=reduction)

    _, vjp_fn = autodiff.vjp(loss, *ws, Y)  # the target is a tracer of ints here
    grads = vjp_fn(ybar)[:4]
    model.zero_grad()
    out = F.cross_entropy(model(nets.tensor(X)), nets.tensor(Y), reduction=reduction)
    out.backward(nets.tensor(ybar) if reduction == "none" else None)
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(np.asarray(g), p.grad.numpy(), **TOL)
    # and a dual of ints as the target (jvp: its tangent is zero)
    tangents = [RNG.standard_normal(w.shape) for w in ws]
    _, t = autodiff.jvp(lambda *a: (loss(*a) * ybar if reduction == "none" else loss(*a)),
                        (*ws, Y), (*tangents, np.zeros_like(Y)))
    expected = sum(float((p.grad.numpy() * tt).sum()) for p, tt in zip(model.parameters(), tangents))
    assert float(np.sum(np.asarray(t))) == pytest.approx(expected, abs=1e-12)


def test_mse_loss_through_functional_call():
    model = _mlp(nn.Sigmoid(), n_out=3)
    names, ws = _weights(model)
    target = RNG.standard_normal((32, 3))

    def loss(*w):
        return F.mse_loss(functional_call(model, dict(zip(names, w)), (X,)), target)

    grads = autodiff.grad(loss, argnums=(0, 1, 2, 3))(*ws)
    _, expected = _eager_grads(model, lambda out: F.mse_loss(out, nets.tensor(target)), X)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(np.asarray(g), e, **TOL)
    tangents = [RNG.standard_normal(w.shape) for w in ws]
    _, t = autodiff.jvp(loss, ws, tangents)
    assert float(t) == pytest.approx(sum(float((e * tt).sum()) for e, tt in zip(expected, tangents)), abs=1e-12)


def test_nll_loss_of_log_softmax_and_softmax_through_functional_call():
    model = _mlp(nn.GELU(), nn.LeakyReLU(0.1))
    names, ws = _weights(model)
    probs = RNG.random((32, 10))

    def nll(*w):
        return F.nll_loss(F.log_softmax(functional_call(model, dict(zip(names, w)), (X,)), dim=1), Y)

    def soft(*w):
        return F.mse_loss(F.softmax(functional_call(model, dict(zip(names, w)), (X,)), dim=1), probs, reduction="sum")

    for f, eager in ((nll, lambda out: F.nll_loss(F.log_softmax(out, dim=1), nets.tensor(Y))),
                     (soft, lambda out: F.mse_loss(F.softmax(out, dim=1), nets.tensor(probs), reduction="sum"))):
        grads = autodiff.grad(f, argnums=(0, 1, 2, 3))(*ws)
        _, expected = _eager_grads(model, eager, X)
        for g, e in zip(grads, expected):
            np.testing.assert_allclose(np.asarray(g), e, **TOL)
        tangents = [RNG.standard_normal(w.shape) for w in ws]
        _, t = autodiff.jvp(f, ws, tangents)
        assert float(t) == pytest.approx(sum(float((e * tt).sum()) for e, tt in zip(expected, tangents)), abs=1e-12)


@pytest.mark.parametrize("train", [False, True])
def test_flatten_and_dropout_on_tracers(train):
    gen = nets.Generator()
    nets.manual_seed(2)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16, dtype=nets.float64), nn.ReLU(inplace=True),
                          nn.Dropout(0.3, generator=gen), nn.Linear(16, 10, dtype=nets.float64))
    model.train(train)
    names, ws = _weights(model)
    images = X.reshape(32, 8, 8)

    def loss(*w):
        gen.manual_seed(7)
        return F.cross_entropy(functional_call(model, dict(zip(names, w)), (images,)), Y)

    grads = autodiff.grad(loss, argnums=(0, 1, 2, 3))(*ws)
    gen.manual_seed(7)
    _, expected = _eager_grads(model, lambda out: F.cross_entropy(out, nets.tensor(Y)), images)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(np.asarray(g), e, **TOL)


def test_dtype_checks_read_metadata_and_keep_pytorch_errors():
    model = _mlp(nn.ReLU())
    names, ws = _weights(model)
    w32 = [w.astype(np.float32) for w in ws]
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        autodiff.grad(lambda *w: F.cross_entropy(functional_call(model, dict(zip(names, w)), (X,)), Y),
                      argnums=(0, 1, 2, 3))(*w32)
    with pytest.raises(RuntimeError, match="the derivative for 'weight' is not implemented"):
        autodiff.grad(lambda c: F.cross_entropy(model(nets.tensor(X)).detach().numpy(), Y, weight=c))(np.ones(10))
    with pytest.raises(TypeError, match="target must hold class indices"):
        autodiff.grad(lambda *w: F.nll_loss(functional_call(model, dict(zip(names, w)), (X,)), Y * 1.0),
                      argnums=(0, 1, 2, 3))(*ws)


def test_eager_dual_as_a_replacement_value():
    m = _linear()
    x = RNG.standard_normal((4, 3))
    w, t = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    _, tangent = autodiff.jvp(lambda W: functional_call(m, {"weight": W}, (x,)), (w,), (t,))
    np.testing.assert_allclose(np.asarray(tangent), x @ t.T, **TOL)
    assert not isinstance(tangent, Dual)


# --- parity with torch.func.functional_call (skipped without torch) ------------------------------------------
def test_parity_with_torch_func_functional_call():
    torch = pytest.importorskip("torch")
    model = _mlp(nn.ReLU())
    names, ws = _weights(model)
    tmodel = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10)).double()
    tparams = {n: torch.tensor(w) for n, w in zip(names, ws)}
    tx, ty = torch.tensor(X), torch.tensor(Y)

    def tloss(params):
        return torch.nn.functional.cross_entropy(torch.func.functional_call(tmodel, params, (tx,)), ty)

    tgrads = torch.func.grad(tloss)(tparams)
    grads = autodiff.grad(lambda *w: F.cross_entropy(functional_call(model, dict(zip(names, w)), (X,)), Y),
                          argnums=(0, 1, 2, 3))(*ws)
    for n, g in zip(names, grads):
        np.testing.assert_allclose(np.asarray(g), tgrads[n].numpy(), atol=1e-12, rtol=1e-10)
    # the same strict error
    with pytest.raises(RuntimeError) as theirs:
        torch.func.functional_call(tmodel, {"0.weight": tparams["0.weight"], "x": tx}, (tx,), strict=True)
    with pytest.raises(RuntimeError) as ours:
        functional_call(model, {"0.weight": ws[0], "x": X}, (X,), strict=True)
    assert str(ours.value) == str(theirs.value)
