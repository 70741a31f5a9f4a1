"""Chapter 08 · Regularization: solutions."""

import numpy as np

import nets
from nets import nn, optim


def exercise_1():
    """Warm-up: with Dropout(p=0.2), what factor multiplies the surviving units in training?"""
    return 1 / (1 - 0.2)


def check_1(scale):
    drop = nn.Dropout(p=0.2)
    y = drop(nets.ones(10_000, dtype=nets.float64)).numpy()
    assert abs(scale - 1.25) < 1e-12 and np.allclose(y[y != 0], scale)


VAL_LOSSES = [0.90, 0.70, 0.61, 0.58, 0.59, 0.57, 0.60, 0.62, 0.63, 0.65, 0.70]


def exercise_2():
    """Early stopping by hand with patience 3 on the validation losses VAL_LOSSES = (0.90, 0.70, 0.61,
    0.58, 0.59, 0.57, 0.60, 0.62, 0.63, 0.65, 0.70), epochs counted from 1: return the best epoch and the
    epoch after which training stops."""
    best, best_epoch = float("inf"), 0
    for epoch, loss in enumerate(VAL_LOSSES, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= 3:
            return best_epoch, epoch
    return best_epoch, len(VAL_LOSSES)


def check_2(answer):
    assert tuple(answer) == (6, 9)


def exercise_3():
    """Challenge: L2 weight decay as a cure. For L(w) = ‖Xw − y‖²/(2N), SGD with weight_decay=λ converges to
    the ridge solution (XᵀX/N + λI)⁻¹Xᵀy/N, whose norm is smaller than least squares'. Return both."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 8))
    y = X @ rng.normal(size=8) + 0.5 * rng.normal(size=30)
    lam = 0.3
    ridge = np.linalg.solve(X.T @ X / 30 + lam * np.eye(8), X.T @ y / 30)
    w = nets.tensor(np.zeros(8), dtype=nets.float64, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, weight_decay=lam)
    Xt, yt = nets.tensor(X), nets.tensor(y)
    for _ in range(3000):
        opt.zero_grad()
        (((Xt @ w - yt) ** 2).sum() / 60).backward()
        opt.step()
    return X, y, ridge, w.detach().numpy()


def check_3(answer):
    X, y, ridge, w_sgd = answer
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    assert np.allclose(w_sgd, ridge, atol=1e-8)
    assert np.linalg.norm(ridge) < np.linalg.norm(ols)
