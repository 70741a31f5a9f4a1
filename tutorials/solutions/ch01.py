"""Chapter 01 · Models and parameters: solutions."""

import numpy as np

import autodiff as ad

X1 = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [4.0, 1.0]])   # bias column last
Y1 = np.array([1.0, 2.9, 5.1, 7.0, 8.9])


def exercise_1():
    """Warm-up: the least-squares line through the five points X1 (x, then the ones column) and Y1, from
    the normal equations XᵀXw = Xᵀy; return (slope, bias)."""
    return np.linalg.solve(X1.T @ X1, X1.T @ Y1)


def check_1(w):
    w = np.asarray(w, dtype=float)
    assert w.shape == (2,), "two numbers: the slope, then the bias"
    assert np.allclose(w, np.linalg.lstsq(X1, Y1, rcond=None)[0], atol=1e-10)


def exercise_2():
    """Write ``grad_softmax(W, X, Y)``, the softmax-regression gradient by hand, ∇_W = Xᵀ(softmax(XW) − Y)
    for one-hot Y, and return the function; the check compares it with autodiff on random data."""
    def grad_softmax(W, X, Y):
        A = X @ W
        P = np.exp(A - A.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        return X.T @ (P - Y)
    return grad_softmax


def check_2(grad_softmax):
    rng = np.random.default_rng(2)
    X, W = rng.normal(size=(20, 4)), rng.normal(size=(4, 3))
    Y = np.eye(3)[rng.integers(0, 3, 20)]

    def loss(W_):
        A = X @ W_
        return -ad.sum(Y * (A - ad.log(ad.sum(ad.exp(A), axis=1, keepdims=True))))
    assert np.allclose(grad_softmax(W, X, Y), ad.grad(loss)(W), atol=1e-10)


def exercise_3():
    """Challenge: repeat X1's x column, so that X has no full column rank, and return (X, w_a, w_b): two
    different weight vectors with exactly the same loss on Y1."""
    X = np.hstack([X1[:, :1], X1[:, :1], X1[:, 1:]])          # x, x again, ones
    w_a = np.linalg.lstsq(X, Y1, rcond=None)[0]
    w_b = w_a + 5.0 * np.array([1.0, -1.0, 0.0])               # a null-space direction of X
    return X, w_a, w_b


def check_3(answer):
    X, w_a, w_b = answer
    assert np.linalg.matrix_rank(X) < X.shape[1], "X must be rank-deficient"
    assert np.linalg.norm(w_a - w_b) > 1e-3, "the two solutions must differ"
    loss = [0.5 * np.sum((X @ w - Y1) ** 2) for w in (w_a, w_b)]
    assert abs(loss[0] - loss[1]) < 1e-9
