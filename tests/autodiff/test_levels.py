"""Levels: nested derivatives in every order and depth with closures over outer variables (no perturbation
confusion), per-thread recording, traced values that refuse to become silent constants."""

from __future__ import annotations

import itertools
import math
import threading

import numpy as np
import pytest
import sympy as sp

import autodiff as ad
import nets

# --- one derivative, three ways -----------------------------------------------------------------------
# Each takes a scalar function and a point and returns f'(point): forward mode (jvp with tangent 1), reverse
# mode (grad), and a vector-Jacobian product with cotangent 1.
DERIVATIVES = {
    "jvp": lambda f, x: ad.jvp(f, (x,), (1.0,))[1],
    "grad": lambda f, x: ad.grad(f)(x),
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0)[0],
}
KINDS = list(DERIVATIVES)


def test_the_issue_examples_of_perturbation_confusion():
    assert ad.jvp(lambda x: ad.jvp(lambda y: x * y, (1.0,), (1.0,))[1], (1.0,), (1.0,)) == (1.0, 1.0)
    assert ad.grad(lambda x: ad.grad(lambda y: x * y)(1.0))(1.0) == 1.0
    # the operand order does not decide which level handles a product
    assert ad.grad(lambda x: ad.jvp(lambda y: y * x, (1.0,), (1.0,))[1])(3.0) == 1.0
    assert ad.grad(lambda x: ad.jvp(lambda y: x * y, (1.0,), (1.0,))[1])(3.0) == 1.0


@pytest.mark.parametrize("outer,inner", list(itertools.product(KINDS, KINDS)))
def test_depth_two_with_a_closure(outer, inner):
    # F(x, y) = sin(x y) + x² y: ∂²F/∂x∂y = cos(xy) − xy sin(xy) + 2x
    def F(x, y):
        return ad.sin(x * y) + x * x * y

    x0, y0 = 0.7, -1.3

    def dF_dy(x):
        return DERIVATIVES[inner](lambda y: F(x, y), y0)  # closes over x, a value of the outer level

    got = DERIVATIVES[outer](dF_dy, x0)
    u = x0 * y0
    assert got == pytest.approx(math.cos(u) - u * math.sin(u) + 2 * x0, rel=1e-13)


@pytest.mark.parametrize("kinds", list(itertools.product(KINDS, KINDS, KINDS)), ids="-".join)
def test_depth_three_with_closures(kinds):
    # F = xyz + sin(xyz): ∂³F/∂x∂y∂z = 1 + cos u − 3u sin u − u² cos u with u = xyz
    first, second, third = (DERIVATIVES[k] for k in kinds)
    x0, y0, z0 = 0.4, 1.1, -0.9

    def F(x, y, z):
        return x * y * z + ad.sin(x * y * z)

    got = first(lambda x: second(lambda y: third(lambda z: F(x, y, z), z0), y0), x0)
    u = x0 * y0 * z0
    assert got == pytest.approx(1 + math.cos(u) - 3 * u * math.sin(u) - u * u * math.cos(u), rel=1e-12)


ARRAY_OUTER = {
    "grad": lambda h, x: ad.grad(h)(x),
    "jacfwd": lambda h, x: ad.jacfwd(h)(x),
    "vjp": lambda h, x: ad.vjp(h, x)[1](1.0)[0],
    "jacrev": lambda h, x: ad.jacrev(h)(x),
}
ARRAY_INNER = {  # the directional derivative of g at y0 along w
    "jvp": lambda g, y0, w: ad.jvp(g, (y0,), (w,))[1],
    "grad": lambda g, y0, w: ad.sum(ad.grad(g)(y0) * w),
    "vjp": lambda g, y0, w: ad.sum(ad.vjp(g, y0)[1](1.0)[0] * w),
}


@pytest.mark.parametrize("outer,inner", list(itertools.product(ARRAY_OUTER, ARRAY_INNER)))
def test_depth_two_on_arrays(outer, inner):
    # h(x) = Σ_j w_j ∂/∂y_j Σ sin(x∘y) at y0 = Σ w x cos(x y0); ∇h = w cos(x y0) − w x y0 sin(x y0)
    rng = np.random.default_rng(3)
    x0, y0, w = rng.normal(size=4), rng.normal(size=4), rng.normal(size=4)

    def h(x):
        return ARRAY_INNER[inner](lambda y: ad.sum(ad.sin(x * y)), y0, w)

    got = ARRAY_OUTER[outer](h, x0)
    expected = w * np.cos(x0 * y0) - w * x0 * y0 * np.sin(x0 * y0)
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=1e-12, atol=1e-14)


def test_hessians_reverse_over_reverse_forward_over_reverse_and_sympy_agree():
    a, b = sp.symbols("a b")
    expr = a ** 3 * b + sp.exp(a * b) - sp.sin(b) * a
    point = {a: 0.7, b: -0.4}
    exact = np.array(sp.hessian(expr, (a, b)).subs(point).evalf(), dtype=float)

    def f(v):
        return v[0] ** 3 * v[1] + ad.exp(v[0] * v[1]) - ad.sin(v[1]) * v[0]

    x = np.array([0.7, -0.4])
    forward_over_reverse = ad.hessian(f)(x)
    reverse_over_reverse = ad.jacrev(ad.grad(f))(x)
    reverse_over_forward = ad.jacrev(lambda v: ad.jacfwd(f)(v))(x)
    forward_over_forward = ad.jacfwd(ad.jacfwd(f))(x)
    for h in (forward_over_reverse, reverse_over_reverse, reverse_over_forward, forward_over_forward):
        np.testing.assert_allclose(h, exact, rtol=1e-12, atol=1e-12)


def test_hessian_and_jacobians_of_several_arguments():
    a, b = sp.symbols("a b")
    expr = a ** 2 * sp.sin(b) + a * b ** 3
    at = {a: 1.3, b: 0.6}
    exact = [[float(sp.diff(expr, p, q).subs(at)) for q in (a, b)] for p in (a, b)]

    def f(x, y):
        return x * x * ad.sin(y) + x * y ** 3

    h = ad.hessian(f, argnums=(0, 1))(1.3, 0.6)
    for i in range(2):
        for j in range(2):
            assert h[i][j] == pytest.approx(exact[i][j], rel=1e-13)
    assert ad.hessian(f, argnums=1)(1.3, 0.6) == pytest.approx(exact[1][1], rel=1e-13)
    grad_exact = [float(sp.diff(expr, p).subs(at)) for p in (a, b)]
    for jac in (ad.jacfwd, ad.jacrev):
        j = jac(f, argnums=(0, 1))(1.3, 0.6)
        assert [float(v) for v in j] == pytest.approx(grad_exact, rel=1e-13)


def test_an_inner_function_that_ignores_its_argument_has_derivative_zero():
    # the inner function returns an outer value: a constant to the inner level
    assert ad.grad(lambda x: ad.grad(lambda y: x * 1.0)(2.0) + x)(3.0) == 1.0
    assert ad.jvp(lambda x: ad.jvp(lambda y: x, (2.0,), (1.0,))[1], (3.0,), (1.0,)) == (0.0, 0.0)


# --- threads ---------------------------------------------------------------------------------------------
def _run_in_threads(workers):
    errors: list = []
    barrier = threading.Barrier(len(workers))

    def wrap(work):
        def run():
            barrier.wait()
            try:
                work()
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)

        return run

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_two_threads_differentiating_different_functions_get_the_reference_values():
    wrong: list = []
    xs = np.linspace(-2, 2, 1000)

    def first():
        g = ad.grad(lambda x: x * ad.sin(x) + x * x)  # x sin x + x²: sin x + x cos x + 2x
        for x in xs:
            x = float(x)
            if g(x) != pytest.approx(math.sin(x) + x * math.cos(x) + 2 * x, rel=1e-13, abs=1e-13):
                wrong.append(("first", x))

    def second():
        g = ad.grad(lambda x: ad.exp(0.5 * x) / (1.0 + x * x))  # d/dx e^{x/2}/(1+x²)
        for x in xs:
            x = float(x)
            e = math.exp(0.5 * x)
            expected = 0.5 * e / (1 + x * x) - e * 2 * x / (1 + x * x) ** 2
            if g(x) != pytest.approx(expected, rel=1e-13, abs=1e-13):
                wrong.append(("second", x))

    _run_in_threads([first, second])
    assert wrong == []


def test_no_grad_in_one_thread_leaves_another_recording():
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def quiet():
        with nets.no_grad():
            inside.set()
            w = nets.tensor([1.0, 2.0], requires_grad=True)
            seen["quiet"] = (w * 3.0).requires_grad
            done.wait(timeout=30)

    def recording():
        inside.wait(timeout=30)
        w = nets.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        seen["recording"] = y.requires_grad
        y.backward()
        seen["grad"] = w.grad.tolist()
        done.set()

    _run_in_threads([quiet, recording])
    assert seen == {"quiet": False, "recording": True, "grad": [2.0, 4.0]}
    assert nets.is_grad_enabled()


# --- traced values never become silent constants ------------------------------------------------------------
@pytest.mark.parametrize("convert", [math.sin, float, int, bool, math.exp, np.sin, np.asarray],
                         ids=["math.sin", "float", "int", "bool", "math.exp", "np.sin", "np.asarray"])
def test_converting_a_traced_value_raises_a_clear_error(convert):
    def f(x):
        return convert(x) * x

    with pytest.raises(ad.ConcretizationError, match=r"traced by grad\(f\).*ad\.sin"):
        ad.grad(f)(1.0)
    with pytest.raises(ad.ConcretizationError, match=r"traced by jvp\(f\)"):
        ad.jvp(f, (1.0,), (1.0,))
    with pytest.raises(ad.ConcretizationError, match=r"traced by trace\(f\)"):
        ad.trace(f, 1.0)


def test_control_flow_on_comparisons_still_follows_the_values():
    def f(x):
        return x * x if x > 0 else -x

    assert ad.grad(f)(3.0) == 6.0 and ad.grad(f)(-3.0) == -1.0
    assert ad.jvp(f, (3.0,), (1.0,)) == (9.0, 6.0)
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(ad.grad(lambda v: ad.sum(ad.where(v > 0, v * v, -v)))(x), [2.0, -1.0])


def test_a_tensor_outside_recorded_code_converts_as_in_pytorch():
    t = nets.tensor(0.5, requires_grad=True)
    assert math.sin(t) == pytest.approx(math.sin(0.5))
    assert float(t) == 0.5 and bool(t)


def test_a_traced_value_used_after_its_transformation_returned_is_refused():
    kept = []
    ad.grad(lambda x: kept.append(x) or x * x)(2.0)
    with pytest.raises(ad.EscapedTracerError, match=r"grad\(<lambda>\).*returned"):
        kept[0] * 2.0
