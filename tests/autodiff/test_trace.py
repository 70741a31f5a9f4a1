"""Building, reading, re-evaluating and exporting evaluation traces."""

import numpy as np
import pytest

import autodiff as ad

from .conftest import course_f


def test_constants_stay_inside_rows():
    t = ad.trace(lambda x: 2 * x + 1, 3.0)
    assert len(t) == 3
    assert [v.expression() for v in t.nodes] == ["x", "2·v1", "v2 + 1"]
    assert t.output == 7.0


def test_names_come_from_the_signature_and_keywords():
    def g(alpha, beta):
        return alpha * beta

    assert ad.trace(g, 2.0, 3.0).input_names == ["alpha", "beta"]
    t = ad.trace(g, 2.0, beta=3.0)
    assert t.input_names == ["alpha", "beta"] and t.output == 6.0
    assert ad.trace(lambda *xs: xs[0] * xs[1], 1.0, 2.0).input_names == ["x1", "x2"]


def test_re_evaluation_does_not_call_the_function_again():
    calls = []

    def f(x1, x2):
        calls.append(1)
        return course_f(x1, x2)

    t = ad.trace(f, 1.5, 0.5)
    t2 = t.at(2.0, 5.0)
    assert len(calls) == 1
    assert t2.output == pytest.approx(course_f(2.0, 5.0))
    assert t(x1=1.0, x2=2.0) == pytest.approx(8.479758672105)
    assert [v.expression() for v in t2.nodes] == [v.expression() for v in t.nodes]
    with pytest.raises(TypeError, match="expected 2 input values"):
        t.at(1.0)
    with pytest.raises(TypeError, match="unexpected input"):
        t.at(1.0, x3=2.0)


def test_control_flow_records_the_branch_taken():
    def f(x):
        return x * x if x > 0 else -x

    assert ad.trace(f, 2.0).nodes[-1].primitive.name == "mul"
    assert ad.trace(f, -2.0).nodes[-1].primitive.name == "neg"
    assert ad.grad(f)(-2.0) == -1.0 and ad.grad(f)(3.0) == 6.0


def test_multiple_outputs_and_array_values():
    x = np.array([1.0, 2.0, 3.0])
    t = ad.trace(lambda x, y: (ad.sum(x * y), x * 2), x, 4.0)
    assert t.multiple_outputs and len(t.outputs) == 2
    assert t.output[0] == 24.0
    np.testing.assert_array_equal(t.output[1], [2.0, 4.0, 6.0])
    a = t.reverse((1.0, np.ones(3)))
    np.testing.assert_allclose(a.gradient[0], 4.0 + 2.0)
    assert a.gradient[1] == pytest.approx(6.0)
    assert "array(3,)" in str(t)


def test_unused_input_gets_zero_adjoint():
    t = ad.trace(lambda x, y: x * 3, 1.0, np.ones(2))
    g = t.reverse().gradient
    assert g[0] == 3.0
    np.testing.assert_array_equal(g[1], [0.0, 0.0])


def test_print_shows_the_primal_table():
    text = str(ad.trace(course_f, 1.5, 0.5))
    for row in ["v1 = x1", "v3 = v1·v2", "v4 = sin(v2)", "v7 = v5 + v6"]:
        assert row in text
    assert "output" in text


def test_networkx_export_carries_values_and_ops():
    g = ad.trace(course_f, 1.5, 0.5).to_networkx()
    assert g.nodes["v5"]["op"] == "exp"
    assert g.nodes["v1"]["op"] == "input" and g.nodes["v1"]["label"] == "x1"
    assert g.nodes["v7"]["output"] is True
    assert g.nodes["v3"]["value"] == pytest.approx(0.75)


def test_same_parent_twice_is_one_edge_with_two_positions():
    g = ad.trace(lambda x: x * x, 3.0).to_networkx()
    assert g.edges["v1", "v2"]["positions"] == [0, 1]
    assert ad.grad(lambda x: x * x)(3.0) == 6.0


def test_from_outputs_traces_an_existing_graph():
    a, b = ad.Node(2.0, name="a"), ad.Node(3.0, name="b")
    out = ad.exp(a * b) + a
    t = ad.Trace.from_outputs(out)
    assert t.input_names == ["a", "b"]
    assert t.reverse().gradient[0] == pytest.approx(3 * np.exp(6.0) + 1)


def test_variable_lookup_errors_name_the_range():
    t = ad.trace(course_f, 1.5, 0.5)
    assert t["x2"] is t["v2"]
    with pytest.raises(KeyError, match="v1…v7"):
        t["v9"]


def test_rows_print_parameters_left_at_their_defaults_and_dtypes():
    from autodiff.primitives import REGISTRY
    from autodiff.primitives.core import format_param

    assert REGISTRY["sum"].format(["v1"], {}) == "sum(v1)"
    assert REGISTRY["sum"].format(["v1"], {"axis": 1}) == "sum(v1, axis=1)"
    # network primitives whose display names a parameter that callers may leave at its default
    for name in ("log_softmax", "leaky_relu"):
        if name in REGISTRY:
            assert REGISTRY[name].format(["v1"], {}).count("v1") == 1
    assert format_param(np.float32) == "float32"
    assert format_param(np.dtype("float64")) == "float64"
