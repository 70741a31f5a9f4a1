"""Chapter 02 · Activations: solutions."""

import math

import numpy as np

import autodiff as ad


def exercise_1():
    """Warm-up: where is σ'(z) largest, and how large is it? (autodiff on a grid)"""
    z = np.linspace(-6, 6, 1201)
    d = np.array([ad.grad(ad.sigmoid)(float(v)) for v in z])
    return float(z[np.argmax(d)]), float(d.max())


def check_1(answer):
    z_max, value = answer
    assert abs(z_max) < 1e-9 and abs(value - 0.25) < 1e-12


def exercise_2():
    """A log-sigmoid that never overflows: log σ(z) = −softplus(−z) = −(max(−z, 0) + log(1 + e^{−|z|}))."""
    def log_sigmoid(z):
        z = np.asarray(z, dtype=float)
        return -(np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))))
    return log_sigmoid


def check_2(log_sigmoid):
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 40.0, 1000.0])
    with np.errstate(over="ignore", divide="ignore"):
        out = log_sigmoid(z)
    assert np.all(np.isfinite(out))
    assert abs(out[0] + 1000) < 1e-9 and abs(out[3] - math.log(0.5)) < 1e-15 and out[-1] <= 0
    middle = slice(1, 6)
    assert np.allclose(out[middle], np.log(1 / (1 + np.exp(-z[middle]))), rtol=1e-12, atol=1e-15)


def exercise_3():
    """Challenge: GELU's derivative Φ(z) + zφ(z), written by hand, against autodiff; the largest gap."""
    def gelu(z):
        return 0.5 * z * (1 + ad.erf(z / math.sqrt(2)))

    def by_hand(z):
        phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        return 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * phi
    zs = np.linspace(-5, 5, 101)
    return max(abs(by_hand(float(z)) - ad.grad(gelu)(float(z))) for z in zs)


def check_3(gap):
    assert 0 <= gap < 1e-12
