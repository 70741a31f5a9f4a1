"""Finite differences, Richardson extrapolation, the complex step and gradcheck."""

import numpy as np
import pytest

import autodiff as ad
from autodiff import numeric


def f(x):
    return np.exp(x) * np.sin(3 * x)


def df(x):
    return np.exp(x) * (np.sin(3 * x) + 3 * np.cos(3 * x))


@pytest.mark.parametrize("scheme, tol", [("forward", 1e-6), ("backward", 1e-6), ("central", 1e-9),
                                         ("richardson", 1e-11), ("complex", 1e-14)])
def test_each_scheme_reaches_its_expected_accuracy(scheme, tol):
    for x in (0.3, -1.2, 2.5):
        assert numeric.derivative(f, x, scheme=scheme) == pytest.approx(df(x), rel=tol, abs=tol)


def test_errors_shrink_at_the_schemes_orders():
    x = 0.7
    errors = {s: [abs(numeric.derivative(f, x, s, h) - df(x)) for h in (1e-2, 1e-3)]
              for s in ("forward", "central", "richardson")}
    # one decade of h: O(h) loses ~1 digit-ratio 10, O(h²) ~100, O(h⁴) ~10⁴
    assert 5 < errors["forward"][0] / errors["forward"][1] < 20
    assert 50 < errors["central"][0] / errors["central"][1] < 200
    assert errors["richardson"][0] / errors["richardson"][1] > 3000


def test_default_steps_are_scaled_and_representable():
    eps = np.finfo(float).eps
    assert numeric.default_step(0.0, "forward") == pytest.approx(np.sqrt(eps))
    assert numeric.default_step(1e6, "central") == pytest.approx(eps ** (1 / 3) * 1e6, rel=1e-6)
    for x in (0.1, 3.7, 1e5):
        h = numeric.default_step(x, "central")
        assert (x + h) - x == h


def test_grad_and_jacobian_shapes():
    def g(x, y):
        return np.sum(x ** 2) * y

    gx, gy = numeric.grad(g, np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(gx, [6.0, 12.0], rtol=1e-9)
    assert gy == pytest.approx(5.0, rel=1e-9)
    J = numeric.jacobian(lambda x: np.array([x[0] * x[1], np.sin(x[0])]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(J, [[2.0, 1.0], [np.cos(1.0), 0.0]], atol=1e-9)


def test_gradcheck_reports_the_worst_entry():
    x = np.array([0.5, -1.0, 2.0])
    ok = ad.gradcheck(lambda x: ad.sum(ad.sin(x) * x), x)
    assert ok and ok.max_abs_error < 1e-8
    assert "passed" in repr(ok)

    # a primitive-free "wrong" derivative: a function whose autodiff is deliberately cut off by a constant
    def broken(x):
        return ad.sum(x * ad.getitem(x, 0)) + float(np.sum(ad.primitives.primal(x) ** 3))

    bad = ad.gradcheck(broken, x)
    assert not bad and "FAILED" in repr(bad)
    assert bad.worst[0] == 0
    with pytest.raises(ad.numeric.GradcheckError):
        ad.gradcheck(broken, x, raise_on_failure=True)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown finite-difference scheme"):
        numeric.derivative(f, 1.0, scheme="sideways")
    with pytest.raises(ValueError, match="non-finite"):
        numeric.grad(lambda x: x, np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="scalar output"):
        numeric.grad(lambda x: x * 2, np.ones(2))
    with pytest.raises(ValueError, match="positive"):
        numeric.derivative(f, 1.0, h=-1e-3)
