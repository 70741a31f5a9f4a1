"""Chapter 04 · Gradient descent: solutions."""

import numpy as np

H = np.diag([1.0, 4.0])          # L(w) = ½ wᵀHw
W0 = np.array([1.0, 1.0])


def exercise_1():
    """Warm-up: the largest stable learning rate for L(w) = ½wᵀHw with H = diag(1, 4)."""
    return 2 / np.linalg.eigvalsh(H).max()


def check_1(eta):
    assert abs(eta - 0.5) < 1e-12


def _gd(eta, steps=50, mu=0.0):
    w, v = W0.copy(), np.zeros(2)
    for _ in range(steps):
        v = mu * v + H @ w                 # PyTorch's momentum buffer (μ = 0: plain GD)
        w = w - eta * v
    return np.linalg.norm(w)


def exercise_2():
    """From w = (1, 1), run 50 steps of gradient descent on that L at η = 0.45 and at η = 0.55; return
    both final distances ‖w‖ to the minimum."""
    return _gd(0.45), _gd(0.55)


def check_2(answer):
    below, above = answer
    assert below < 1e-2 and above > 10


def exercise_3():
    """Challenge: momentum μ moves the edge to η < 2(1 + μ)/λ_max. With μ = 0.5 (edge 0.75), run 200
    steps of SGD with momentum on the same L at η = 0.7 and at η = 0.8; return both final ‖w‖."""
    return _gd(0.7, 200, mu=0.5), _gd(0.8, 200, mu=0.5)


def check_3(answer):
    below, above = answer
    assert below < 1e-3, "η = 0.7 > 2/λ_max, yet with μ = 0.5 it converges"
    assert above > 1e3
