"""Layers and activations: values against numpy closed forms, gradients (inputs and parameters) against
Richardson differences in float64; BatchNorm's running statistics, Dropout's statistics, Linear's init."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nets
from nets import nn

ERF = np.vectorize(math.erf)


def check_layer(grads_ok, module, x):
    """Gradient w.r.t. the input, and w.r.t. every parameter, against differences."""
    module.double()
    grads_ok(lambda t: module(t), x)
    for p in list(module.parameters()):
        grads_ok(lambda w, p=p: _with_param(module, p, w, lambda: module(nets.tensor(x))), p.data.numpy().copy())


def _with_param(module, p, w, run):
    # Swap the Parameter object for a plain tensor that requires grad, so its .grad is the one checked.
    for m in module.modules():
        for k, q in list(m._parameters.items()):
            if q is p:
                m._parameters[k] = w
                try:
                    return run()
                finally:
                    m._parameters[k] = p
    raise KeyError("parameter not found")


X = np.array([[0.3, -1.2, 0.8, 0.1], [1.5, -0.4, -2.1, 0.7], [-0.6, 0.9, 0.2, -1.3]])


# --- Linear ------------------------------------------------------------------------------------------------
def test_linear_value_and_gradients(grads_ok):
    nets.manual_seed(0)
    layer = nn.Linear(4, 3).double()
    w, b = layer.weight.data.numpy(), layer.bias.data.numpy()
    np.testing.assert_allclose(layer(nets.tensor(X)).data.numpy(), X @ w.T + b, atol=1e-15)
    check_layer(grads_ok, layer, X)
    layer.zero_grad()
    layer(nets.tensor(X)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data.numpy(), np.ones((3, 1)) * X.sum(0), atol=1e-14)
    np.testing.assert_allclose(layer.bias.grad.data.numpy(), np.full(3, 3.0))


def test_linear_without_bias_and_batched_input(grads_ok):
    layer = nn.Linear(4, 2, bias=False, dtype=nets.float64)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x3 = np.stack([X, X[::-1]])
    np.testing.assert_allclose(layer(nets.tensor(x3)).data.numpy(), x3 @ layer.weight.data.numpy().T)
    check_layer(grads_ok, layer, x3)


def test_linear_default_initialization_is_pytorchs():
    nets.manual_seed(1)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == nets.float32 and np.abs(p.data.numpy()).max() <= bound
    assert np.abs(layer.weight.data.numpy()).max() > 0.99 * bound
    assert abs(layer.weight.data.numpy().std() - bound / math.sqrt(3)) < 0.01 * bound  # U(−a, a) has std a/√3
    g = nets.Generator().manual_seed(4)
    a, b = nn.Linear(3, 2, generator=g), nn.Linear(3, 2, generator=nets.Generator().manual_seed(4))
    np.testing.assert_array_equal(a.weight.data.numpy(), b.weight.data.numpy())


def test_linear_rejects_wrong_feature_size():
    layer = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"in_features=4.*shape \(2, 5\).*must be 4"):
        layer(nets.ones(2, 5))
    assert layer.weight.grad is None


# --- activations --------------------------------------------------------------------------------------------
def _sig(x):
    return 1 / (1 + np.exp(-x))


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(), lambda x: np.where(x > 0, x, 0.01 * x)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), _sig),
    (nn.Tanh(), np.tanh),
    (nn.GELU(), lambda x: 0.5 * x * (1 + ERF(x / math.sqrt(2)))),
    (nn.GELU(approximate="tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softplus(beta=2.0, threshold=1.0), lambda x: np.where(2 * x > 1, x, np.log1p(np.exp(2 * x)) / 2)),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.Softmax(dim=0), lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.Identity(), lambda x: x),
    (nn.PReLU(), lambda x: np.where(x > 0, x, 0.25 * x)),
    (nn.PReLU(num_parameters=4, init=0.125), lambda x: np.where(x > 0, x, 0.125 * x)),
]


@pytest.mark.parametrize("module,closed_form", ACTIVATIONS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_values_and_gradients(module, closed_form, grads_ok):
    module.double()
    np.testing.assert_allclose(module(nets.tensor(X)).data.numpy(), closed_form(X), atol=1e-15, rtol=1e-14)
    check_layer(grads_ok, module, X)


def test_prelu_learns_its_slope_per_channel():
    m = nn.PReLU(num_parameters=4).double()
    m.zero_grad()
    m(nets.tensor(X)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.data.numpy(), np.minimum(X, 0).sum(0))
    with pytest.raises(ValueError, match="4 parameters.*3 channels"):
        m(nets.ones(2, 3, dtype=nets.float64))


def test_gelu_matches_the_course_numbers():
    one = nets.tensor([1.0], dtype=nets.float64)
    assert abs(nn.GELU()(one).item() - 0.8413447) < 1e-7
    assert abs(nn.GELU("tanh")(one).item() - 0.8411920) < 1e-7


def test_activations_are_finite_for_huge_inputs():
    z = nets.tensor([[-1e4, 0.0, 1e4]], dtype=nets.float64)
    for m in (nn.Sigmoid(), nn.Softplus(), nn.Softmax(1), nn.LogSoftmax(1), nn.Tanh(), nn.GELU()):
        assert np.isfinite(m(z).data.numpy()).all(), m
    np.testing.assert_array_equal(nn.Sigmoid()(z).data.numpy(), [[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(nn.LogSoftmax(1)(z).data.numpy(), [[-2e4, -1e4, 0.0]])


# --- normalization ------------------------------------------------------------------------------------------
def test_batchnorm_training_output_and_gradients(grads_ok):
    bn = nn.BatchNorm1d(4).double()
    with nets.no_grad():
        bn.weight.data[:] = [1.0, 2.0, 0.5, -1.0]
        bn.bias.data[:] = [0.0, 0.1, -0.2, 0.3]
    mu, var = X.mean(0), X.var(0)
    expected = (X - mu) / np.sqrt(var + 1e-5) * bn.weight.data.numpy() + bn.bias.data.numpy()
    np.testing.assert_allclose(bn(nets.tensor(X)).data.numpy(), expected, atol=1e-14)
    check_layer(grads_ok, bn, X)


def test_batchnorm_running_statistics_and_eval():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, momentum=0.2).double()
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(4):
        x = rng.normal(2.0, 3.0, (8, 3))
        bn(nets.tensor(x))
        rm = 0.8 * rm + 0.2 * x.mean(0)
        rv = 0.8 * rv + 0.2 * x.var(0, ddof=1)  # the running variance is the unbiased one
    np.testing.assert_allclose(bn.running_mean.data.numpy(), rm, rtol=1e-14)
    np.testing.assert_allclose(bn.running_var.data.numpy(), rv, rtol=1e-14)
    assert bn.num_batches_tracked.item() == 4
    bn.eval()
    x = rng.normal(size=(5, 3))
    out = bn(nets.tensor(x)).data.numpy()
    np.testing.assert_allclose(out, (x - rm) / np.sqrt(rv + 1e-5), atol=1e-14)
    np.testing.assert_allclose(bn.running_mean.data.numpy(), rm, rtol=1e-14)  # eval leaves the statistics alone
    np.testing.assert_allclose(bn(nets.tensor(x[:1])).data.numpy(), out[:1])  # one example is fine in eval


def test_batchnorm_cumulative_average_and_no_tracking():
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(2, momentum=None).double()
    xs = [rng.normal(size=(6, 2)) for _ in range(3)]
    for x in xs:
        bn(nets.tensor(x))
    np.testing.assert_allclose(bn.running_mean.data.numpy(), np.mean([x.mean(0) for x in xs], axis=0), rtol=1e-13)
    plain = nn.BatchNorm1d(2, affine=False, track_running_stats=False).double().eval()
    assert plain.running_mean is None and list(plain.parameters()) == []
    x = xs[0]
    np.testing.assert_allclose(plain(nets.tensor(x)).data.numpy(), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5),
                               atol=1e-14)


def test_batchnorm_three_dimensional_input():
    x = np.random.default_rng(2).normal(size=(4, 3, 5))
    bn = nn.BatchNorm1d(3).double()
    mu, var = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
    np.testing.assert_allclose(bn(nets.tensor(x)).data.numpy(), (x - mu) / np.sqrt(var + 1e-5), atol=1e-14)
    np.testing.assert_allclose(bn.running_var.data.numpy(), 0.9 + 0.1 * x.var((0, 2), ddof=1), rtol=1e-14)


def test_batchnorm_errors():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(nets.ones(1, 3))
    with pytest.raises(ValueError, match=r"\(N, 3\).*\(4, 2\)"):
        bn(nets.ones(4, 2))
    assert bn.num_batches_tracked.item() == 0


def test_layernorm_value_and_gradients(grads_ok):
    ln = nn.LayerNorm(4).double()
    with nets.no_grad():
        ln.weight.data[:] = [1.0, -2.0, 0.5, 1.5]
        ln.bias.data[:] = [0.1, 0.0, -0.3, 0.2]
    mu, var = X.mean(1, keepdims=True), X.var(1, keepdims=True)
    expected = (X - mu) / np.sqrt(var + 1e-5) * ln.weight.data.numpy() + ln.bias.data.numpy()
    np.testing.assert_allclose(ln(nets.tensor(X)).data.numpy(), expected, atol=1e-14)
    check_layer(grads_ok, ln, X)
    ln.eval()
    expected = (X - mu) / np.sqrt(var + 1e-5) * ln.weight.data.numpy() + ln.bias.data.numpy()
    np.testing.assert_allclose(ln(nets.tensor(X)).data.numpy(), expected, atol=1e-14)
    ln2 = nn.LayerNorm([3, 4], elementwise_affine=False).double()
    x = np.stack([X, 2 * X])
    m2, v2 = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(ln2(nets.tensor(x)).data.numpy(), (x - m2) / np.sqrt(v2 + 1e-5), atol=1e-14)
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(5,\)"):
        nn.LayerNorm(5)(nets.ones(3, 4))


# --- dropout -------------------------------------------------------------------------------------------------
def test_dropout_statistics_under_a_fixed_seed():
    x = nets.ones(200, 500)
    d = nn.Dropout(0.3, generator=nets.Generator().manual_seed(0))
    y = d(x).data.numpy()
    zero = (y == 0).mean()
    assert abs(zero - 0.3) < 0.005  # 100 000 draws: 5 standard deviations is 0.0072
    assert set(np.unique(y).tolist()) == {0.0, np.float32(1 / 0.7).item()}
    assert abs(y.mean() - 1.0) < 0.01
    again = nn.Dropout(0.3, generator=nets.Generator().manual_seed(0))(x).data.numpy()
    np.testing.assert_array_equal(y, again)
    nets.manual_seed(9)
    a = nn.Dropout(0.5)(x).data.numpy()
    nets.manual_seed(9)
    np.testing.assert_array_equal(a, nn.Dropout(0.5)(x).data.numpy())


def test_dropout_is_the_identity_in_eval_and_scales_the_gradient():
    x = nets.tensor(np.ones((4, 5)), requires_grad=True)
    d = nn.Dropout(0.4)
    d.eval()
    assert d(x) is x
    d.train()
    y = d(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data.numpy(), y.data.numpy())  # d(mask·x/(1−p))/dx = mask/(1−p)
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).data.numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


# --- modules ------------------------------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
        self.bn = nn.BatchNorm1d(3)
        self.heads = nn.ModuleList([nn.Linear(3, 2), nn.Linear(3, 1)])

    def forward(self, x):
        h = self.bn(self.layers(x))
        return self.heads[0](h), self.heads[1](h)


def test_module_traversal_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "bn.weight",
                     "bn.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    assert list(net.state_dict()) == names[:6] + ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"] \
        + names[6:]
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "BatchNorm1d", "ModuleList"]
    assert len(list(net.modules())) == 9
    assert len(net.layers) == 3 and isinstance(net.layers[-1], nn.Linear)
    assert isinstance(net.layers[:2], nn.Sequential) and len(net.layers[:2]) == 2
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_shared_parameters_appear_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2


def test_repr_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.1), nn.Linear(3, 1, bias=False))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        "  (3): Linear(in_features=3, out_features=1, bias=False)\n"
        ")")
    assert repr(nn.BatchNorm1d(4)) == (
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)")
    assert repr(nn.LayerNorm(3)) == "LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)"


def test_dtype_conversion_and_zero_grad():
    net = Net()
    net.double()
    assert all(p.dtype == nets.float64 for p in net.parameters())
    assert net.bn.num_batches_tracked.dtype == nets.int64
    out = net(nets.randn(6, 4, dtype=nets.float64))
    (out[0].sum() + out[1].sum()).backward()
    assert all(p.grad is not None and p.grad.dtype == nets.float64 for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data.numpy() == 0) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.float()
    assert all(p.dtype == nets.float32 for p in net.parameters())


def test_state_dict_round_trip_and_sharing():
    a, b = Net(), Net()
    a(nets.randn(8, 4))  # move a's running statistics
    sd = a.state_dict()
    assert all(isinstance(v, nets.Tensor) and not v.requires_grad and v.is_leaf for v in sd.values())
    with nets.no_grad():
        sd["layers.0.weight"][0, 0] = 123.0  # detached, sharing memory (as PyTorch): the model changes too
    assert a.layers[0].weight.data.numpy()[0, 0] == 123.0
    weight = b.layers[0].weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.layers[0].weight is weight  # loaded in place
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va, vb, err_msg=k)


def test_load_state_dict_errors_name_keys_and_change_nothing():
    net = Net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    sd = net.state_dict()
    sd["layers.0.weight"] = np.zeros((7, 7))
    sd["extra.weight"] = np.zeros(1)
    del sd["bn.bias"]
    sd["layers.0.bias"] = sd["layers.0.bias"] + 1  # a valid change that must not be applied either
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert "'bn.bias'" in msg and "'extra.weight'" in msg and "(7, 7)" in msg and "(5, 4)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    del sd["layers.0.weight"]
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["layers.0.weight", "bn.bias"] and result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(net.layers[0].bias.data.numpy(), before["layers.0.bias"] + 1)


def test_module_registration_rules():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(nets.ones(2))

    with pytest.raises(AttributeError, match="super"):
        Broken()
    m = nn.Module()
    m.register_buffer("stat", nets.zeros(2))
    m.register_buffer("tmp", nets.zeros(1), persistent=False)
    m.w = nn.Parameter(nets.ones(3))
    assert list(m.state_dict()) == ["w", "stat"] and [n for n, _ in m.named_buffers()] == ["stat", "tmp"]
    with pytest.raises(TypeError, match="Parameter"):
        m.w = nets.ones(3)
    with pytest.raises(NotImplementedError):
        m(nets.ones(1))
    f = nn.Flatten()
    assert f(nets.ones(2, 3, 4)).shape == (2, 12)
    assert nn.Flatten(0)(nets.ones(2, 3)).shape == (6,)


# --- end to end: a 2-layer MLP trained with plain gradient steps ---------------------------------------------
def test_two_layer_mlp_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    x[y == 1] += 0.5  # a margin
    x[y == 0] -= 0.5
    nets.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = nets.tensor(x, dtype=nets.float32), nets.tensor(y)
    first = None
    for _ in range(300):
        loss = loss_fn(model(xt), yt)
        first = loss.item() if first is None else first
        model.zero_grad()
        loss.backward()
        with nets.no_grad():
            for p in model.parameters():
                p.data -= 0.5 * p.grad.data.numpy()
    final = loss_fn(model(xt), yt).item()
    assert first > 0.3 and final < 0.02
    assert (model(xt).argmax(1).data.numpy() == y).all()
