"""Trace tables: the course's equations, derived from the registry, with the sweeps' numbers."""

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autodiff as ad
from autodiff import notation as N
from autodiff.tables import (
    adjoint_expressions,
    adjoint_table,
    latex_math,
    primal_table,
    tangent_expression,
    tangent_table,
    trace_tables,
)

from .conftest import course_f, course_grad


def test_course_tangent_and_adjoint_equations():
    t = ad.trace(course_f, 1.0, 2.0)
    tangent = tangent_table(t).equations
    assert tangent == {"v̇1": "ẋ1", "v̇2": "ẋ2", "v̇3": "v̇1·v2 + v1·v̇2", "v̇4": "v̇2·cos(v2)", "v̇5": "v̇3·v5",
                       "v̇6": "v̇3 − v̇4", "v̇7": "v̇5 + v̇6"}
    adjoint = adjoint_table(t).equations
    assert adjoint == {"v̄7": "1", "v̄6": "v̄7", "v̄5": "v̄7", "v̄4": "−v̄6", "v̄3": "v̄5·v5 + v̄6",
                       "v̄2": "v̄3·v1 + v̄4·cos(v2)", "v̄1": "v̄3·v2"}
    assert list(adjoint) == [f"v̄{i}" for i in range(7, 0, -1)]  # written from the output back


def test_course_numbers_at_1_2():
    # The course's table at (1, 2), and the closed form written here in numpy.
    t = ad.trace(course_f, 1.0, 2.0)
    primal = [v[0] for v in primal_table(t).values.values()]
    np.testing.assert_allclose(primal, [1, 2, 2, 0.909297426826, 7.389056098931, 1.090702573174, 8.479758672105],
                               rtol=0, atol=1e-12)
    tangents = np.array(list(tangent_table(t).values.values()))
    np.testing.assert_allclose(tangents[:, 0], [1, 0, 2, 0, 14.778112197861, 2, 16.778112197861], atol=1e-12)
    np.testing.assert_allclose(tangents[:, 1], [0, 1, 1, -0.416146836547, 7.389056098931, 1.416146836547,
                                                8.805202935478], atol=1e-12)
    adjoints = adjoint_table(t).values
    np.testing.assert_allclose([adjoints[f"v̄{i}"][0] for i in range(1, 8)],
                               [16.778112197861, 8.805202935478, 8.389056098931, -1, 1, 1, 1], atol=1e-12)
    np.testing.assert_allclose([adjoints["v̄1"][0], adjoints["v̄2"][0]], course_grad(1.0, 2.0),
                               rtol=1e-14)
    # The slide's error (v̄2 = v̄2·v1 + …, started from 0) would give 0.416; the derived row cannot refer to itself.
    assert "v̄2" not in adjoint_table(t).equations["v̄2"]


def test_course_numbers_at_2_5():
    t = ad.trace(course_f, 2.0, 5.0)
    adj = adjoint_table(t).values
    assert t.output == pytest.approx(22037.4247190814, abs=1e-9)
    assert adj["v̄1"][0] == pytest.approx(110137.328974034, abs=1e-8)
    assert adj["v̄2"][0] == pytest.approx(44054.647927428, abs=1e-8)
    assert adj["v̄3"][0] == pytest.approx(22027.4657948067, abs=1e-9)


def test_demo_expression_has_the_courses_rows_and_reverse_modes_numbers():
    t = ad.trace(ad.parse("x1*x2 + exp(x1*x2) - sin(x2)"), 1.5, 0.5)
    table = adjoint_table(t)
    assert table.equations["v̄3"] == "v̄5·v5 + v̄6"
    assert table.equations["v̄2"] == "v̄3·v1 + v̄4·cos(v2)"
    assert tangent_table(t).equations["v̇3"] == "v̇1·v2 + v1·v̇2"
    sweep = t.reverse()
    for v in t.nodes:
        assert table.values[f"v̄{v.index}"][0] == sweep[v]  # the sweep's own numbers, not recomputed
    np.testing.assert_allclose(t.reverse().gradient, course_grad(1.5, 0.5), rtol=0, atol=1e-12)
    # and the printed text carries them to 1e-12
    printed = {}
    for line in table.to_text().splitlines()[3:]:
        lhs, rest = line.split(" = ", 1)
        printed[lhs.strip()] = float(re.split(r"\s{3,}", rest.split("←")[0].strip())[-1])
    for v in t.nodes:
        assert printed[f"v̄{v.index}"] == pytest.approx(float(sweep[v]), rel=1e-12, abs=1e-12)


# --- the rows are formulas that compute the sweeps' numbers ----------------------------------------------
_FUNCS = {"exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
          "σ": lambda x: 1 / (1 + np.exp(-x)), "erf": np.vectorize(math.erf), "√": np.sqrt,
          "|": np.abs, "sign": np.sign, "H": lambda x: np.heaviside(x, 0.0), "relu": lambda x: np.maximum(x, 0)}


def evaluate(s: N.Sym, env: dict):
    """An independent reading of a formula (used to check that printing and simplifying kept its meaning)."""
    k, a = s.kind, s.args
    if k == "num":
        return a[0]
    if k == "name":
        return env[a[0]]
    if k == "neg":
        return -evaluate(a[0], env)
    if k == "add":
        return sum(sign * evaluate(x, env) for sign, x in a)
    if k == "mul":
        return math.prod(evaluate(x, env) for x in a)
    if k == "div":
        return evaluate(a[0], env) / evaluate(a[1], env)
    if k == "pow":
        return evaluate(a[0], env) ** evaluate(a[1], env)
    if k == "call":
        return _FUNCS[a[0]](*(evaluate(x, env) for x in a[1]))
    raise AssertionError(f"unexpected {k} in a scalar formula")


def scalar_zoo(a, b):
    c = a / b + ad.sigmoid(a) ** b - ad.tanh(a * b) + ad.sqrt(b) * ad.log(b)
    d = ad.erf(a) * ad.relu(b) + abs(a) - ad.cos(c) + ad.tan(a) / (1 + b * b) + ad.maximum(a, b)
    return c * d + 2 ** a - 3 * a ** 3


@pytest.mark.parametrize("point", [(0.3, 1.7), (-0.8, 2.5)])
def test_every_row_evaluates_to_the_sweeps_number(point):
    t = ad.trace(scalar_zoo, *point)
    env = {v.name: v.value for v in t.nodes} | {"π": math.pi}
    prims = {v.primitive.name for v in t.nodes if v.primitive}
    assert {"div", "sigmoid", "pow", "tanh", "sqrt", "log", "erf", "relu", "abs", "cos", "tan", "maximum",
            "neg"} - prims <= {"neg"}
    for seed in ("a", "b"):
        sweep = t.forward(seed)
        tenv = dict(env, **{f"v̇{v.index}": sweep[v] for v in t.nodes})
        for v in t.nodes[2:]:
            assert evaluate(tangent_expression(v), tenv) == pytest.approx(sweep[v], rel=1e-12, abs=1e-12), v
    sweep = t.reverse()
    aenv = dict(env, **{f"v̄{v.index}": sweep[v] for v in t.nodes})
    for v, expr in adjoint_expressions(t).items():
        assert evaluate(expr, aenv) == pytest.approx(sweep[v], rel=1e-12, abs=1e-12), v


def test_array_primitives_print_from_their_rules():
    def f(x, W):
        h = ad.tanh(W @ x)
        return ad.sum(h * h) + ad.max(x) + ad.mean(ad.reshape(x, (3, 1)).T) + ad.concatenate([x, h])[1]

    t = ad.trace(f, np.array([0.5, -1.0, 2.0]), np.arange(6.0).reshape(2, 3) / 10)
    tables = trace_tables(t, wrt=[{"x": np.ones(3), "W": np.zeros((2, 3))}])
    tangent, adjoint = tables[1].equations, tables[2].equations
    assert tangent["v̇3"] == "v̇2 @ v1 + v2 @ v̇1"
    assert "sum(v̇" in " ".join(tangent.values()) and "ᵀ" in " ".join(tangent.values())
    assert "ᵀ" in adjoint["v̄2"] and "@" in adjoint["v̄2"]
    assert "scatter(" in adjoint["v̄1"] or "scatter(" in " ".join(adjoint.values())
    sweep = t.reverse()
    for v in t.nodes:
        np.testing.assert_array_equal(tables[2].values[f"v̄{v.index}"][0], sweep[v])
    assert "array(2, 3)" in tables[0].to_text()


def test_multiple_outputs_are_seeded_by_name():
    t = ad.trace(lambda x: (ad.sin(x), x * x), 0.5)
    table = adjoint_table(t, seed=[1.0, 1.0])
    assert table.equations["v̄2"] == "ȳ1"
    assert table.equations["v̄1"] == "v̄2·cos(v1) + v̄3·v1 + v̄3·v1"  # x·x hands v̄3 back through both operands
    assert table.values["v̄1"][0] == pytest.approx(math.cos(0.5) + 1.0)


def test_formats():
    t = ad.trace(ad.parse("abs(x1)*x2 + exp(x1*x2) - sin(x2)/x1"), 1.5, 0.5)
    for table in trace_tables(t):
        md = table.to_markdown()
        rows = [r for r in md.splitlines() if r.startswith("|")]
        assert len({r.replace("\\|", "").count("|") for r in rows}) == 1  # every row has the same cells
        tex = table.to_latex()
        assert "\\toprule" in tex and "\\bottomrule" in tex and tex.count("{") == tex.count("}")
        html = table.to_html()
        ET.fromstring(html)  # well-formed
        assert table._repr_html_() == html
        assert table.format("text") == str(table)
        with pytest.raises(ValueError, match="unknown table format"):
            table.format("pdf")
    tex = adjoint_table(t).to_latex()
    assert r"\bar{v}_{3}" in tex and r"\cdot" in tex and r"\cos" in tex


def test_latex_of_the_notation():
    assert latex_math("v̄3·v1 + v̄4·cos(v2)") == r"\bar{v}_{3} \cdot v_{1} + \bar{v}_{4} \cdot \cos (v_{2})"
    assert latex_math("v̇2/(2·v3)") == r"\dot{v}_{2}/(2 \cdot v_{3})"
    assert latex_math("√(v1 + v2)") == r"\sqrt{v_{1} + v_{2}}"
    assert latex_math("v1²") == r"v_{1}^{2}"
    assert latex_math("v2ᵀ") == r"v_{2}^{\top}"
    assert latex_math("sum_to(v̄3, (2,))") == r"\operatorname{sum\_to}(\bar{v}_{3}, (2,))"


def test_notation_simplifies_as_it_builds():
    a, b = N.name("a"), N.name("b")
    assert str(1 * a) == "a" and str(a * 1) == "a" and str(0 * a + b) == "b"
    assert str(-1 * a) == "−a" and str(N.neg(N.neg(a))) == "a"
    assert str(a * (b + 1)) == "a·(b + 1)" and str(a - (b - a)) == "a − b + a"
    assert str(a * (1 / b)) == "a/b" and str(a * (-b / a)) == "−a·b/a"
    assert str(a * 2) == "2·a" and str(a ** 2) == "a²" and str(a ** (b - 1)) == "a^(b − 1)"
    assert str(-(a + b)) == "−(a + b)"
