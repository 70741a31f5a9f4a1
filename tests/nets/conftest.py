"""Shared checks for the nets tests: gradients of tensor functions against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import nets
from autodiff import numeric


def _forward(f, arrays, i, fixed):
    """f as a function of its i-th array alone, evaluated in numpy without recording."""

    def g(a):
        args = [nets.tensor(x) for x in fixed]
        args[i] = nets.tensor(a)
        with nets.no_grad():
            return np.asarray(f(*args).data, dtype=float)

    return g


def check_grads(f, *arrays, atol: float = 1e-10, rtol: float = 1e-8, seed: int = 0) -> list[np.ndarray]:
    """Compare ``.backward()`` gradients of f(*tensors) with Richardson-extrapolated central differences.

    Arrays are float64; a non-scalar output is contracted with a fixed random adjoint ȳ, so the check
    covers the vector-Jacobian product ȳᵀJ. Returns the analytic gradients.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    xs = [nets.tensor(a, requires_grad=True) for a in arrays]
    out = f(*xs)
    ybar = np.random.default_rng(seed).standard_normal(out.shape) if out.ndim else np.float64(1.0)
    out.backward(nets.tensor(ybar) if out.ndim else None)
    grads = []
    for i, (x, a) in enumerate(zip(xs, arrays)):
        jac = numeric.jacobian(_forward(f, arrays, i, arrays), a, scheme="richardson")
        expected = np.tensordot(ybar, jac.reshape(out.shape + a.shape), axes=out.ndim) if out.ndim else \
            jac.reshape(a.shape)
        assert x.grad is not None, f"argument {i} received no gradient"
        got = x.grad.data
        assert got.shape == a.shape
        np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg=f"gradient of argument {i}")
        grads.append(got)
    return grads


@pytest.fixture
def grads_ok():
    return check_grads


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
