"""compare: every method against SymPy's exact gradient; the step sweep's U curve; the scaling study."""

import itertools
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autodiff as ad
from autodiff.compare import METHODS, Comparison, scaling, step_sweep

EXACT_METHODS = ("forward mode", "reverse mode", "sympy", "complex step")
FIVE = "x1*x2*x3 + sin(x4)*exp(x5) - log(x1 + x5**2) + sqrt(x2*x4)/x3"
FIVE_AT = (0.7, 1.3, 2.1, 0.4, -0.6)


def course_gradient(x1, x2):
    e = np.exp(x1 * x2)
    return np.array([x2 * (1 + e), x1 * (1 + e) - np.cos(x2)])


def five_gradient(x1, x2, x3, x4, x5):
    r = np.sqrt(x2 * x4)
    return np.array([x2 * x3 - 1 / (x1 + x5**2), x1 * x3 + x4 / (2 * r * x3), x1 * x2 - r / x3**2,
                     np.cos(x4) * np.exp(x5) + x2 / (2 * r * x3), np.sin(x4) * np.exp(x5) - 2 * x5 / (x1 + x5**2)])


def check_tolerances(c: Comparison, reference: np.ndarray):
    np.testing.assert_allclose(c.exact, reference, rtol=1e-14, atol=1e-14)
    for a, b in itertools.combinations(EXACT_METHODS, 2):
        assert np.max(np.abs(c[a].gradient - c[b].gradient)) <= 1e-12, (a, b)
    for m in EXACT_METHODS:
        assert c[m].max_abs_error <= 1e-12
    assert c["central differences"].max_abs_error <= 1e-8
    assert c["forward differences"].max_abs_error <= 1e-6
    # ... and the finite differences really are approximations: the error column is not a formality
    assert c["forward differences"].max_abs_error > 1e-12


def test_course_example():
    c = ad.compare(ad.parse("x1*x2 + exp(x1*x2) - sin(x2)"), 1.5, 0.5, repeats=1)
    assert c.methods == ["forward mode", "reverse mode", "forward differences", "central differences",
                         "complex step", "sympy"]
    check_tolerances(c, course_gradient(1.5, 0.5))
    assert c.value == pytest.approx(1.5 * 0.5 + np.exp(0.75) - np.sin(0.5), rel=1e-15)
    assert c["forward differences"].cost == "3 evaluations" and c["central differences"].cost == "4 evaluations"
    assert c["forward mode"].cost.startswith("2 forward passes") and "1 reverse sweep" in c["reverse mode"].cost
    assert all(r.time > 0 for r in c.results)


def test_five_inputs_with_every_method():
    c = ad.compare(FIVE, *FIVE_AT, methods=METHODS, repeats=1)
    check_tolerances(c, five_gradient(*FIVE_AT))
    assert c["richardson"].max_abs_error <= 1e-10
    assert c["forward mode"].cost.startswith("5 forward passes")
    assert c["forward differences"].cost == "6 evaluations" and c["central differences"].cost == "10 evaluations"


def test_a_function_and_a_trace_are_accepted():
    def f(a, b):
        return a * ad.exp(-b * b) + ad.tanh(a / b)

    c1 = ad.compare(f, 0.4, 1.2, repeats=1)
    c2 = ad.compare(ad.trace(f, 9.0, 9.0), 0.4, 1.2, repeats=1, methods=["reverse mode", "sympy"])
    assert c1.inputs == ["a", "b"]
    np.testing.assert_allclose(c1["reverse mode"].gradient, c2["reverse mode"].gradient, rtol=0, atol=0)
    np.testing.assert_allclose(c1.exact, ad.numeric.grad(f, 0.4, 1.2, scheme="richardson"), rtol=1e-9)


def test_complex_step_on_a_non_analytic_function_shows_its_error():
    c = ad.compare("abs(x) * x", 0.5, repeats=1)
    assert c["reverse mode"].max_abs_error == 0
    assert c["complex step"].max_abs_error > 0.1  # |x| is not analytic: Im|x + ih| / h is not the slope


def test_outputs():
    c = ad.compare("x*y + sin(x)", 1.0, 2.0, repeats=1)
    text = c.table()
    for m in c.methods:
        assert m in text and m in c.to_markdown() and m in c.to_latex()
    ET.fromstring(c.to_html())
    assert c._repr_html_() == c.to_html() and str(c) == text
    assert "\\toprule" in c.to_latex()
    with pytest.raises(ValueError, match="unknown table format"):
        c.format("rtf")
    with pytest.raises(KeyError, match="no method"):
        c["magic"]


def test_bad_input():
    with pytest.raises(TypeError, match="real numbers"):
        ad.compare(lambda x: ad.sum(x), np.ones(3))
    with pytest.raises(TypeError, match="one scalar output"):
        ad.compare(lambda x: (x, x), 1.0)
    with pytest.raises(ValueError, match="unknown method"):
        ad.compare("x", 1.0, methods=["guessing"])


def test_step_sweep_is_u_shaped(tmp_path):
    sweep = ad.compare.step_sweep("x1*x2 + exp(x1*x2) - sin(x2)", (1.5, 0.5), path=tmp_path / "sweep.png")
    assert sweep.h[0] == 1e-1 and sweep.h[-1] == pytest.approx(1e-16) and len(sweep.h) == 16
    assert sweep.exact == pytest.approx(course_gradient(1.5, 0.5)[0], rel=1e-15)
    for scheme, err in sweep.errors.items():
        k = int(np.argmin(err))
        assert 0 < k < len(err) - 1, scheme
        assert np.all(np.diff(np.log(err[: k // 2 + 1])) < 0), scheme  # truncation error falls with h ...
        assert err[0] > 100 * err[k] and err[-1] > 100 * err[k], scheme  # ... and round-off rises again
    assert 1e-10 <= sweep.best_step("forward") <= 1e-6 and 1e-7 <= sweep.best_step("central") <= 1e-3
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert "central" in sweep.table()


def test_step_sweep_of_one_variable_and_complex_step():
    sweep = step_sweep(lambda x: ad.exp(x) * ad.sin(x), 0.8, schemes=("central", "complex"))
    assert sweep.errors["complex"][-1] <= 1e-15  # no subtraction, no round-off growth
    assert sweep.errors["central"][-1] > 1e-3
    with pytest.raises(ValueError, match="unknown scheme"):
        step_sweep("x", 1.0, schemes=("sideways",))
    with pytest.raises(ValueError, match="wrt"):
        step_sweep("x*y", (1.0, 2.0), wrt=2)


def test_scaling_study(tmp_path):
    study = ad.compare.scaling(sizes=(1, 4, 16), repeats=1, path=tmp_path / "scaling.png")
    assert study.sizes == [1, 4, 16]
    for data in (study.many_inputs, study.many_outputs):
        assert set(data) == {"forward", "reverse"} and all(len(v) == 3 and min(v) > 0 for v in data.values())
    assert study.max_disagreement <= 1e-12  # both modes computed the same Jacobians
    assert "Rⁿ→R forward" in study.table() and study.to_markdown().count("\n") == 4
    assert (tmp_path / "scaling.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="positive"):
        scaling(sizes=(0,))


def test_compare_is_callable_with_attached_studies():
    assert callable(ad.compare) and ad.compare.step_sweep is step_sweep and ad.compare.scaling is scaling
