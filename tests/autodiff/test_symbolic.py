"""The symbolic form of a trace, exact derivatives and expression swell."""

import numpy as np
import pytest
import sympy as sp

import autodiff as ad
from autodiff import symbolic

from .conftest import course_f


def test_to_sympy_uses_the_parameter_names():
    expr = ad.trace(course_f, 1.5, 0.5).to_sympy()
    x1, x2 = sp.symbols("x1 x2", real=True)
    assert sp.simplify(expr - (x1 * x2 + sp.exp(x1 * x2) - sp.sin(x2))) == 0


def test_every_scalar_primitive_has_a_sympy_form():
    def g(x, y):
        return (ad.tan(x) + ad.tanh(y) + ad.sigmoid(x * y) + ad.erf(x) + ad.sqrt(y) + ad.log(y) + ad.cos(x)
                + x ** y + ad.maximum(x, y) + ad.minimum(x, y) + ad.relu(x) + ad.abs(y) - x / y)

    t = ad.trace(g, 0.4, 1.3)
    expr = t.to_sympy()
    value = float(expr.subs(dict(zip(symbolic.symbols(t), (0.4, 1.3)))).evalf())
    assert value == pytest.approx(t.output, rel=1e-13)
    grads = symbolic.evaluate(symbolic.gradient(t), symbolic.symbols(t), (0.4, 1.3))
    np.testing.assert_allclose(grads, t.reverse().gradient, rtol=1e-12)


def test_jacobian_and_lambdify_round_trip():
    t = ad.trace(lambda x, y: (x * y, ad.sin(x) + y), 0.3, 2.0)
    J = symbolic.jacobian(t)
    fn = symbolic.lambdify(J, symbolic.symbols(t))
    np.testing.assert_allclose(np.array(fn(0.3, 2.0), dtype=float), [[2.0, 0.3], [np.cos(0.3), 1.0]])


def test_array_traces_are_refused_with_a_reason():
    t = ad.trace(lambda x: ad.sum(x * x), np.ones(3))
    with pytest.raises(TypeError, match="scalar"):
        t.to_sympy()


def test_expression_swell_grows_faster_than_the_trace():
    rows = symbolic.swell_study(5)
    trace_ops = [r["trace_operations"] for r in rows]
    grad_ops = [r["gradient_operations"] for r in rows]
    cse_ops = [r["gradient_operations_cse"] for r in rows]
    assert trace_ops == [3, 6, 9, 12, 15]  # linear in depth
    assert all(b > 2 * a for a, b in zip(grad_ops[1:], grad_ops[2:]))  # the derivative swells
    assert all(c < g for c, g in zip(cse_ops[1:], grad_ops[1:]))  # CSE recovers much of it
    assert grad_ops[-1] > 10 * trace_ops[-1]


def test_swell_figure_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "swell.png"
    fig = symbolic.swell_figure(symbolic.swell_study(3), path=str(path))
    assert path.stat().st_size > 1000
    assert len(fig.axes[0].lines) == 4
