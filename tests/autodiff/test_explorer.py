"""The explorer page without a browser: self-contained, its numbers are the sweeps', its equations are the
tables', and it is built for any trace (arrays, several outputs, no `dot`). tests/browser/ clicks through it."""

import json
import re
import shutil
import sys

import numpy as np
import pytest

import autodiff as ad
from autodiff import explorer
from autodiff.__main__ import main
from autodiff.parse import FUNCTIONS
from autodiff.render import dot_available
from autodiff.tables import adjoint_table, tangent_table

COURSE = "x1*x2 + exp(x1*x2) - sin(x2)"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the dot program is not installed")


@pytest.fixture
def course():
    return ad.trace(ad.parse(COURSE), 1.5, 0.5)


def _payload(page: str) -> dict:
    m = re.search(r'<script type="application/json" class="adx-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_the_page_is_self_contained(course, tmp_path):
    page = course.to_html(tmp_path / "page.html")
    assert page == (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<script") == 3  # data, the explorer, focus
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "nothing is fetched"
    assert "@import" not in page and "url(" not in page
    if dot_available():
        assert page.count("<svg") == 2  # the forward and the reverse drawing


def test_every_number_is_the_sweeps(course):
    d = explorer.data(course)
    adjoints = course.reverse()
    for v in course.nodes:
        assert d["primal"][v.name][1] == repr(float(v.value))
        assert d["adjoint"][v.name][1] == repr(float(adjoints[v]))
        for x in course.input_names:
            assert d["tangent"][x][v.name][1] == repr(float(course.forward(x)[v]))
    assert [s["var"] for s in d["reverse"]] == [f"v{i}" for i in range(7, 0, -1)]
    assert [s["var"] for s in d["forward"]["x1"]] == [f"v{i}" for i in range(1, 8)]


def test_the_equations_are_the_tables_with_numbers(course):
    d = explorer.data(course)
    text = {s["var"]: re.sub(r"<[^>]+>", "", s["eq"]) for s in d["reverse"]}
    assert text["v2"] == "v̄2 = v̄3·v1 + v̄4·cos(v2) = 3.117·1.5 + (−1)·0.8776 = 3.798"  # the row
    assert text["v7"] == "v̄7 = 1" and text["v6"] == "v̄6 = v̄7 = 1" and text["v4"] == "v̄4 = −v̄6 = −1"
    for lhs, formula in adjoint_table(course).equations.items():
        var = "v" + lhs[-1]
        assert text[var].startswith(f"{lhs} = {formula}")
    forward = {s["var"]: re.sub(r"<[^>]+>", "", s["eq"]) for s in d["forward"]["x2"]}
    assert forward["v3"] == "v̇3 = v̇1·v2 + v1·v̇2 = 0·0.5 + 1.5·1 = 1.5"
    for lhs, formula in tangent_table(course, "x2").equations.items():
        if not lhs.endswith(("1", "2")):
            assert forward["v" + lhs[-1]].startswith(f"{lhs} = {formula}")
    primal = {s["var"]: re.sub(r"<[^>]+>", "", s["primal"]) for s in d["forward"]["x1"]}
    assert primal["v4"] == "v4 = sin(v2) = sin(0.5) = 0.4794"


def test_reverse_edges_carry_their_contributions(course):
    steps = {s["var"]: s for s in explorer.data(course)["reverse"]}
    assert steps["v2"]["labels"] == {"e-v3-1": "v̄3·v1 = 4.676", "e-v4-0": "v̄4·cos(v2) = −0.8776"}
    assert steps["v3"]["edges"] == ["e-v5-0", "e-v6-0"]  # v3 hears back from v5 and v6
    assert steps["v7"]["edges"] == []  # the seed


@needs_dot
def test_the_graph_has_an_id_per_node_and_edge(course):
    html = explorer.fragment(course)
    uid = _payload(html)["uid"]
    for mode in "fr":
        for v in course.nodes:
            assert f'id="{uid}{mode}&#45;n&#45;{v.name}"' in html
        assert html.count(f'id="{uid}{mode}&#45;e&#45;') == 8  # v1→v3, v2→v3, v2→v4, v3→v5, v3→v6, v5→v6, v6→v7, v4→v7


def test_the_command_writes_the_page(tmp_path, capsys):
    path = tmp_path / "out" / "explorer.html"
    assert main([COURSE, "--at", "x1=1.5", "x2=0.5", "--no-compare", "--html", str(path)]) == 0
    assert f"wrote {path.parent}/: explorer.html" in capsys.readouterr().out
    page = path.read_text(encoding="utf-8")
    assert "f(x1, x2) = x1*x2 + exp(x1*x2) - sin(x2) at x1 = 1.5, x2 = 0.5" in page
    assert _payload(page)["inputs"] == ["x1", "x2"]


def test_a_python_function_arrays_and_several_outputs():
    def f(w, x):
        h = ad.tanh(ad.matmul(w, x))
        return ad.sum(h * h), ad.mean(h)

    e = ad.explore(f, np.ones((2, 3)) * 0.1, np.arange(3.0))
    d = explorer.data(e.trace)
    assert e.title.startswith("f(w, x) at w = array(2, 3)")
    assert len(d["reverse"]) == len(e.trace.nodes) and d["reverse"][-1]["var"] == "v1"
    grad_w = e.trace.reverse([1.0, 0.0])[e.trace.inputs[0]]
    assert np.allclose(grad_w, ad.grad(lambda w: f(w, np.arange(3.0))[0])(np.ones((2, 3)) * 0.1))
    assert "<table" in e._repr_html_()


def test_without_dot_the_tables_still_step(course, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "empty" / "python"))
    assert not dot_available()
    html = course._repr_html_()
    assert "<svg" not in html and "sudo apt-get install graphviz" in html and 'adx-adjoint"' in html


def test_explore_reads_text_and_refuses_a_point_for_a_trace(course):
    e = ad.explore("x*y", 2.0, 3.0)
    assert e.trace.reverse().gradient == (3.0, 2.0) and e.title == "f(x, y) = x*y at x = 2, y = 3"
    assert ad.explore(course).trace is course
    with pytest.raises(TypeError, match="takes no input values"):
        ad.explore(course, 1.0)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_the_parser_accepts(name):
    """Each step's equation ends in the sweep's value, for every function the parser knows."""
    two = name in ("pow", "maximum", "minimum", "max", "min")
    text = f"{name}(x, y) * x - y / x" if two else f"{name}(x * y) + x ** 2 - 3 / y"
    t = ad.trace(ad.parse(text), 0.7, 1.3)
    d = explorer.data(t)
    sweeps = {"reverse": t.reverse(), **{x: t.forward(x) for x in t.input_names}}
    for key, sweep in sweeps.items():
        steps = d["reverse"] if key == "reverse" else d["forward"][key]
        assert len(steps) == len(t.nodes)
        for step in steps:
            shown = re.sub(r"<[^>]+>", "", step["eq"]).rsplit(" = ", 1)[-1].replace("\u2212", "-")
            assert float(shown) == pytest.approx(float(sweep[step["var"]]), rel=1e-3, abs=1e-12), step["eq"]
