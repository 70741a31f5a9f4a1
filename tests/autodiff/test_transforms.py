"""jvp, jacfwd, vjp, grad, value_and_grad, jacrev, hvp and hessian."""

import sys

import numpy as np
import pytest
import sympy as sp

import autodiff as ad

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4))


def vector_f(x):
    return ad.tanh(A @ x) * ad.sum(x * x)


def test_jacobians_forward_reverse_numeric_agree():
    x = RNG.normal(size=4)
    jf, jr = ad.jacfwd(vector_f)(x), ad.jacrev(vector_f)(x)
    assert jf.shape == jr.shape == (3, 4)
    np.testing.assert_allclose(jf, jr, atol=1e-12)
    np.testing.assert_allclose(jr, ad.numeric.jacobian(vector_f, x), atol=1e-8)


def test_grad_argnums_like_jax():
    def f(x, y, z):
        return x * y * y + z

    assert ad.grad(f)(1.0, 2.0, 3.0) == 4.0
    assert ad.grad(f, 1)(1.0, 2.0, 3.0) == 4.0
    assert ad.grad(f, (0, 2))(1.0, 2.0, 3.0) == (4.0, 1.0)
    assert ad.grad(f, (1,))(1.0, 2.0, 3.0) == (4.0,)
    value, g = ad.value_and_grad(f, -1)(1.0, 2.0, 3.0)
    assert value == 7.0 and g == 1.0
    with pytest.raises(ValueError, match="argnums"):
        ad.grad(f, 3)(1.0, 2.0, 3.0)


def test_vjp_and_jvp_are_transposes():
    x, u, w = RNG.normal(size=4), RNG.normal(size=4), RNG.normal(size=3)
    y, vjp_fn = ad.vjp(vector_f, x)
    (xbar,) = vjp_fn(w)
    y2, ydot = ad.jvp(vector_f, (x,), (u,))
    np.testing.assert_allclose(y, y2)
    assert np.dot(w, ydot) == pytest.approx(np.dot(xbar, u), rel=1e-12)


def test_vector_tangents_give_several_directional_derivatives_in_one_pass():
    x = RNG.normal(size=4)
    directions = np.eye(4)[:3]
    _, tangents = ad.jvp(vector_f, (x,), (directions,))
    assert tangents.shape == (3, 3)
    np.testing.assert_allclose(tangents, ad.jacfwd(vector_f)(x)[:, :3].T, atol=1e-12)
    # a trace sweep takes the same batched seed
    t = ad.trace(vector_f, x)
    np.testing.assert_allclose(t.forward(directions).output, tangents, atol=1e-12)


def test_dual_arithmetic():
    d = ad.Dual(2.0, 1.0)
    for f, df in [(lambda x: x * x, 4.0), (lambda x: 1 / x, -0.25), (lambda x: 3 - x, -1.0),
                  (lambda x: x ** 3, 12.0), (lambda x: 2 ** x, 4 * np.log(2)), (lambda x: -x / 4, -0.25)]:
        assert f(d).tangent == pytest.approx(df)


def test_hessian_matches_sympy():
    x, y = sp.symbols("x y")
    expr = x ** 3 * y + sp.exp(x * y) - sp.sin(y) * x
    exact = np.array(sp.hessian(expr, (x, y)).subs({x: 0.7, y: -0.4}).evalf(), dtype=float)

    def f(v):
        return v[0] ** 3 * v[1] + ad.exp(v[0] * v[1]) - ad.sin(v[1]) * v[0]

    np.testing.assert_allclose(ad.hessian(f)(np.array([0.7, -0.4])), exact, atol=1e-12)


def test_hessian_of_a_scalar_function_and_hvp():
    assert ad.hessian(lambda x: x ** 4)(2.0) == pytest.approx(48.0)
    M = RNG.normal(size=(4, 4))
    M = M + M.T

    def quad(x):
        return 0.5 * ad.sum(x * (M @ x)) + ad.sum(ad.tanh(x))

    x, v = RNG.normal(size=4), RNG.normal(size=4)
    H = M + np.diag(-2 * np.tanh(x) * (1 - np.tanh(x) ** 2))
    np.testing.assert_allclose(ad.hvp(quad, x, v), H @ v, atol=1e-12)
    np.testing.assert_allclose(ad.hessian(quad)(x), H, atol=1e-12)


def test_hessian_is_not_finite_differences():
    # x**2 has Hessian exactly 2 everywhere: finite differences would not be exact at x = 1e8.
    assert ad.hessian(lambda x: x * x)(1e8) == 2.0


def test_a_100000_node_chain_sweeps_without_recursion():
    n = 100_000
    limit = sys.getrecursionlimit()

    def chain(x):
        for _ in range(n):
            x = x * 1.0
        return ad.sin(x)

    t = ad.trace(chain, 0.3)
    assert len(t) == n + 2
    assert t.reverse().gradient == pytest.approx(np.cos(0.3))
    assert t.forward().output == pytest.approx(np.cos(0.3))
    assert ad.grad(chain)(0.3) == pytest.approx(np.cos(0.3))
    assert sys.getrecursionlimit() == limit
