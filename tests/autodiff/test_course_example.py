"""The course's worked example f(x1, x2) = x1·x2 + exp(x1·x2) − sin(x2), every way."""

import numpy as np
import pytest

import autodiff as ad

from .conftest import course_f, course_grad

POINT = (1.5, 0.5)


def test_trace_has_the_seven_course_variables():
    t = ad.trace(course_f, *POINT)
    assert [v.name for v in t.nodes] == [f"v{i}" for i in range(1, 8)]
    assert [v.expression() for v in t.nodes] == ["x1", "x2", "v1·v2", "sin(v2)", "exp(v3)", "v3 − v4", "v5 + v6"]
    assert t.input_names == ["x1", "x2"]
    assert t.outputs == [t.nodes[-1]]


def test_graph_edges_are_the_course_edges():
    edges = set(ad.trace(course_f, *POINT).to_networkx().edges)
    assert edges == {("v1", "v3"), ("v2", "v3"), ("v2", "v4"), ("v3", "v5"), ("v3", "v6"), ("v4", "v6"),
                     ("v5", "v7"), ("v6", "v7")}


def test_forward_reverse_and_sympy_match_the_closed_form():
    exact = course_grad(*POINT)
    t = ad.trace(course_f, *POINT)
    reverse = t.reverse().gradient
    forward = (t.forward("x1").output, t.forward("x2").output)
    grads = ad.symbolic.gradient(t)
    symbolic = ad.symbolic.evaluate(grads, ad.symbolic.symbols(t), POINT)
    for got in (reverse, forward, symbolic, ad.grad(course_f, (0, 1))(*POINT)):
        np.testing.assert_allclose(got, exact, rtol=0, atol=1e-12)


def test_sympy_derivatives_are_the_course_formulas():
    import sympy as sp

    t = ad.trace(course_f, *POINT)
    x1, x2 = ad.symbolic.symbols(t)
    d1, d2 = ad.symbolic.gradient(t)
    assert sp.simplify(d1 - (x2 + x2 * sp.exp(x1 * x2))) == 0
    assert sp.simplify(d2 - (x1 + x1 * sp.exp(x1 * x2) - sp.cos(x2))) == 0


def test_finite_differences_and_complex_step():
    exact = course_grad(*POINT)
    np.testing.assert_allclose(ad.numeric.grad(course_f, *POINT, scheme="central"), exact, rtol=0, atol=1e-7)
    np.testing.assert_allclose(ad.numeric.grad(course_f, *POINT, scheme="complex"), exact, rtol=0, atol=1e-13)


@pytest.mark.parametrize("seed, column", [((1.0, 0.0), 0), ((0.0, 1.0), 1)])
def test_tangent_table_values_at_1_2(seed, column):
    # CURRICULUM §13: the tangent rows at (1, 2).
    expected = {
        0: [1, 0, 2, 0, 14.778112197861, 2, 16.778112197861],
        1: [0, 1, 1, -0.416146836547, 7.389056098931, 1.416146836547, 8.805202935478],
    }[column]
    tangents = ad.trace(course_f, 1.0, 2.0).forward(seed).tangents
    np.testing.assert_allclose(tangents, expected, atol=5e-13)


def test_primal_and_adjoint_table_values_at_1_2():
    t = ad.trace(course_f, 1.0, 2.0)
    primal = [1, 2, 2, 0.909297426826, 7.389056098931, 1.090702573174, 8.479758672105]
    np.testing.assert_allclose([v.value for v in t.nodes], primal, atol=5e-13)
    adjoints = t.reverse().adjoints
    np.testing.assert_allclose(adjoints, [16.778112197861, 8.805202935478, 8.389056098931, -1, 1, 1, 1], atol=5e-13)


def test_corrected_adjoint_of_v2_not_the_lectures_self_reference():
    # v̄2 = v̄3·v1 + v̄4·cos(v2); the lecture's v̄2 = v̄2·v1 + … started from 0 would give −cos 2 ≈ 0.416.
    t = ad.trace(course_f, 1.0, 2.0)
    a = t.reverse()
    v1, v2 = t["v1"].value, t["v2"].value
    assert a["v2"] == pytest.approx(a["v3"] * v1 + a["v4"] * np.cos(v2), abs=1e-12)
    assert a["v2"] == pytest.approx(8.805202935478, abs=1e-11)
    assert abs(a["v2"] - (-np.cos(2.0))) > 8


def test_values_at_2_5():
    t = ad.trace(course_f, 2.0, 5.0)
    assert t.output == pytest.approx(22037.4247190814, rel=1e-14)
    g = t.reverse()
    np.testing.assert_allclose(g.gradient, (110137.328974034, 44054.647927428), rtol=1e-13)
    assert g["v3"] == pytest.approx(22027.4657948067, rel=1e-13)
