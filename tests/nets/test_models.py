import numpy as np
import pytest

import nets
from nets import nn
from nets.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression
from nets.optim import SGD


def _regression_data(n=200, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=n)
    return X, y


def test_closed_form_is_least_squares():
    X, y = _regression_data()
    m = LinearRegression(3, dtype=nets.float64).fit_closed_form(X, y)
    w, b = m.linear.weight.data.numpy()[0], m.linear.bias.data.numpy()[0]
    ref = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[w, b], ref, rtol=1e-12, atol=1e-12)
    # The normal equations hold: the residual is orthogonal to every column of the design matrix.
    residual = X @ w + b - y
    np.testing.assert_allclose(np.c_[X, np.ones(len(X))].T @ residual, 0, atol=1e-10)
    assert m.rank_ == 4


def test_closed_form_and_gradient_descent_agree():
    X, y = _regression_data()
    exact = LinearRegression(3, dtype=nets.float64).fit_closed_form(X, y)
    nets.manual_seed(0)
    gd = LinearRegression(3, dtype=nets.float64)
    opt = SGD(gd.parameters(), lr=0.4)
    loss_fn = nn.MSELoss()
    Xt, yt = nets.tensor(X), nets.tensor(y.reshape(-1, 1))
    for _ in range(400):  # full-batch gradient descent on the mean squared error
        loss = loss_fn(gd(Xt), yt)
        loss.backward()
        opt.step()
        opt.zero_grad()
    np.testing.assert_allclose(gd.linear.weight.data.numpy(), exact.linear.weight.data.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(gd.linear.bias.data.numpy(), exact.linear.bias.data.numpy(), atol=1e-6, rtol=0)


def test_closed_form_rank_deficient_gives_minimum_norm():
    X, y = _regression_data()
    X = np.c_[X, X[:, 0]]  # a repeated column: XᵀX is singular, the minimizer is not unique
    m = LinearRegression(4, dtype=nets.float64).fit_closed_form(X, y)
    assert m.rank_ == 4  # of 5 columns with the bias
    w = m.linear.weight.data.numpy()[0]
    assert w[0] == pytest.approx(w[3], abs=1e-10)  # the minimum-norm solution splits the weight evenly


def test_closed_form_shape_errors():
    m = LinearRegression(3)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        m.fit_closed_form(np.ones((5, 2)), np.ones(5))
    with pytest.raises(ValueError, match="y must have shape"):
        m.fit_closed_form(np.ones((5, 3)), np.ones(4))


def test_logistic_regression_gradient_is_xt_residual():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, 30).astype(float)
    m = LogisticRegression(4, dtype=nets.float64)
    p = m(nets.tensor(X))
    assert p.shape == (30, 1)
    nn.BCELoss(reduction="sum")(p, nets.tensor(y[:, None])).backward()
    w, b = m.linear.weight.data.numpy()[0], m.linear.bias.data.numpy()[0]
    mu = 1 / (1 + np.exp(-(X @ w + b)))
    np.testing.assert_allclose(p.detach().numpy()[:, 0], mu, rtol=1e-12)
    np.testing.assert_allclose(m.linear.weight.grad.numpy()[0], X.T @ (mu - y), rtol=1e-10)
    np.testing.assert_allclose(m.linear.bias.grad.numpy()[0], (mu - y).sum(), rtol=1e-10)
    np.testing.assert_array_equal(m.predict(X).numpy(), (mu >= 0.5).astype(int))
    np.testing.assert_allclose(m.predict_proba(X).numpy()[:, 0], mu, rtol=1e-12)
    logit_model = LogisticRegression(4, logits=True, dtype=nets.float64)
    logit_model.load_state_dict(m.state_dict())
    np.testing.assert_allclose(logit_model(nets.tensor(X)).detach().numpy()[:, 0], X @ w + b, rtol=1e-12)


def test_softmax_regression_gradient_is_xt_residual():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(25, 3)), rng.integers(0, 4, 25)
    m = SoftmaxRegression(3, 4, dtype=nets.float64)
    logits = m(nets.tensor(X))
    nn.CrossEntropyLoss(reduction="sum")(logits, nets.tensor(y)).backward()
    W, b = m.linear.weight.data.numpy(), m.linear.bias.data.numpy()
    a = X @ W.T + b
    probs = np.exp(a - a.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    residual = probs - np.eye(4)[y]
    np.testing.assert_allclose(m.linear.weight.grad.numpy(), residual.T @ X, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.predict_proba(X).numpy(), probs, rtol=1e-12)
    np.testing.assert_array_equal(m.predict(X).numpy(), probs.argmax(1))
    with pytest.raises(ValueError, match="at least 2"):
        SoftmaxRegression(3, 1)


def test_mlp_layers_and_pytorch_key_names():
    m = MLP([5, 16, 8, 3], activation="tanh", norm="layer", dropout=0.2)
    kinds = [type(layer).__name__ for layer in m]
    assert kinds == ["Linear", "LayerNorm", "Tanh", "Dropout", "Linear", "LayerNorm", "Tanh", "Dropout", "Linear"]
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias", "5.weight",
                                    "5.bias", "8.weight", "8.bias"]
    assert [type(layer).__name__ for layer in MLP([2, 3])] == ["Linear"]
    assert isinstance(MLP([2, 4, 2], norm="batch")[1], nn.BatchNorm1d)
    assert MLP([2, 4, 2], activation=lambda: nn.LeakyReLU(0.2))[1].negative_slope == 0.2


def test_mlp_predict_uses_eval_mode_and_restores_it():
    nets.manual_seed(0)
    m = MLP([4, 32, 3], dropout=0.5)
    x = nets.randn(6, 4)
    p1, p2 = m.predict(x), m.predict(x)
    np.testing.assert_array_equal(p1.numpy(), p2.numpy())  # dropout is off in eval mode
    assert m.training


def test_same_seed_same_weights():
    a = MLP([3, 7, 2], generator=nets.Generator().manual_seed(4))
    b = MLP([3, 7, 2], generator=nets.Generator().manual_seed(4))
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb
        np.testing.assert_array_equal(va, vb)


@pytest.mark.parametrize("kw, match", [
    (dict(sizes=[3]), "at least the input and output"), (dict(sizes=[3, 0, 2]), r"sizes\[1\]"),
    (dict(sizes=[3, 2], activation="swish"), "unknown activation"), (dict(sizes=[3, 2], norm="group"), "norm"),
    (dict(sizes=[3, 2], dropout=1.0), "dropout"),
])
def test_mlp_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        MLP(**kw)


def test_mlp_state_dict_loads_into_pytorch():
    torch = pytest.importorskip("torch")
    m = MLP([4, 6, 3], dtype=nets.float64)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3)).double()
    tm.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in m.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_allclose(m(nets.tensor(x)).detach().numpy(), tm(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-12)
