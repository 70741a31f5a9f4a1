"""Rendering: graphviz graphs of traces, step-by-step pictures, files by suffix, life without `dot`."""

import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autodiff as ad
from autodiff.render import (
    GraphvizNotFoundError,
    dot_available,
    render,
    render_steps,
    render_to,
    write,
    write_steps,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the dot program is not installed")


@pytest.fixture
def course():
    return ad.trace(ad.parse("x1*x2 + exp(x1*x2) - sin(x2)"), 1.5, 0.5)


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "empty" / "python"))  # no graphviz-pure beside it
    assert not dot_available()


def _graphviz_pure():
    found = shutil.which("graphviz-pure")
    beside = Path(sys.executable).parent / "graphviz-pure"
    return found or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(_graphviz_pure() is None, reason="graphviz-pure is not installed")
def test_graphviz_pure_draws_when_dot_is_missing(monkeypatch, tmp_path, course):
    program = _graphviz_pure()
    monkeypatch.setenv("PATH", str(Path(program).parent))
    monkeypatch.setattr("shutil.which", lambda name: program if name == "graphviz-pure" else None)
    from autodiff.render import layout_program

    assert layout_program() == program
    text = svg_text(course.render(tmp_path / "g.svg", show="adjoint"))
    for v in course.nodes:
        assert f"{v.name} = " in text
    assert (course.render(tmp_path / "g.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(GraphvizNotFoundError, match="svg and png"):
        course.render(tmp_path / "g.pdf")


def svg_text(path) -> str:
    root = ET.parse(path).getroot()  # well-formed XML
    assert root.tag.endswith("svg")
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


def test_digraph_structure(course):
    g = render(course)
    assert isinstance(g, graphviz.Digraph)
    src = g.source
    assert "rankdir=LR" in src
    for v in course.nodes:
        assert f"{v.name} [label=" in src
    edges = {(p.name, v.name) for v in course.nodes for p in v.parents if isinstance(p, ad.Variable)}
    for a, b in edges:
        assert f"{a} -> {b}" in src
    assert len(edges) == 8  # the course's graph has eight edges
    # inputs, intermediates and the output look different
    assert src.count('fillcolor="#dbeafe"') == 2 and src.count('fillcolor="#fde68a"') == 1
    assert "peripheries=2" in src


@needs_dot
@pytest.mark.parametrize("show", ["primal", "tangent", "adjoint"])
def test_svg_parses_and_names_every_variable(course, tmp_path, show):
    path = course.render(tmp_path / f"{show}.svg", show=show)
    text = svg_text(path)
    for v in course.nodes:
        assert f"{v.name} = " in text
    assert "x1" in text and "x2" in text
    if show == "adjoint":
        sweep = course.reverse()
        assert "v̄3 = 3.117" in text and f"v̄2 = {sweep['v2']:.6g}" in text
        assert "cos(v2) = 0.877583" in text  # the edge v2 → v4 carries ∂v4/∂v2
    if show == "tangent":
        assert "v̇7 = 1.5585" in text  # seed x1 by default


def test_tangent_and_adjoint_labels_use_the_sweeps(course):
    src = render(course, "tangent", wrt="x2").source
    assert f"v̇7 = {course.forward('x2').output:.6g}" in src
    src = render(course, "adjoint").source
    assert "v̄1 = 1.5585" in src
    assert 'label="v5 = 2.117"' in src  # exp's partial is its output v5
    assert render(course, "primal", partials=True).source.count("label=") > render(course).source.count("label=")


def test_array_nodes_show_their_shape():
    t = ad.trace(lambda W, x: ad.sum(ad.tanh(W @ x)), np.ones((2, 3)), np.ones(3))
    src = render(t, "adjoint").source
    assert "shape 2×3" in src and "shape 3" in src and "v3 = v1 @ v2" in src


def test_steps_reverse_flow_backwards(course):
    steps = list(render_steps(course, "reverse"))
    assert len(steps) == len(course.nodes)
    first, last = steps[0].source, steps[-1].source
    assert first.count("= ?") == len(course.nodes) - 1 and "= ?" not in last
    order = [v.name for v in reversed(course.nodes)]
    for g, name in zip(steps, order):
        assert f'{name} [label=' in g.source
        highlighted = [stmt for stmt in g.body if 'color="#dc2626"' in stmt and "->" not in stmt]
        assert len(highlighted) == 1 and highlighted[0].strip().startswith(name)
    forward = list(render_steps(course, "forward", wrt="x2"))
    assert len(forward) == len(course.nodes) - 1  # the seeded inputs, then one picture per operation
    with pytest.raises(ValueError, match="sweep"):
        list(render_steps(course, "sideways"))


@needs_dot
def test_files_by_suffix(course, tmp_path):
    assert course.render(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert course.render(tmp_path / "g.pdf", show="adjoint").read_bytes()[:4] == b"%PDF"
    assert course.render(tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")
    paths = write_steps(course, tmp_path / "steps", "reverse")
    assert len(paths) == 7 and all(p.suffix == ".svg" for p in paths)
    for p in paths:
        svg_text(p)
    with pytest.raises(ValueError, match="cannot tell the format"):
        course.render(tmp_path / "g.jpeg2")


def test_without_dot_source_still_works_and_images_say_how_to_install(course, tmp_path, no_dot):
    path = render_to(course, tmp_path / "graph.dot", "adjoint")
    assert "v̄3" in path.read_text(encoding="utf-8")
    for suffix in (".svg", ".png", ".pdf"):
        with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
            course.render(tmp_path / f"graph{suffix}")
        assert not (tmp_path / f"graph{suffix}").exists()
    assert course._repr_svg_() is None
    bundle = course._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "<table" in bundle["text/html"]


@needs_dot
def test_jupyter_displays_the_graph(course):
    svg = course._repr_svg_()
    ET.fromstring(svg)
    bundle = course._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg and "<svg" in bundle["text/html"] and "Trace" in bundle["text/plain"]


def test_bad_arguments(course, tmp_path):
    with pytest.raises(ValueError, match="show must be one of"):
        render(course, "gradient")
    with pytest.raises(ValueError, match="not an input"):
        render(course, "tangent", wrt="v3")
    with pytest.raises(ValueError, match="unknown image format"):
        write_steps(course, tmp_path, fmt="gif")
    with pytest.raises(ValueError, match="cannot tell the format"):
        write(render(course), tmp_path / "noext")


def test_an_existing_graph_is_traced_from_its_outputs():
    from autodiff.reverse import Node

    x = Node(1.5, name="x")
    y = ad.sin(x) * x
    assert "v3 = v2·v1" in render(y).source
    assert len(list(render_steps(y, "reverse"))) == 3
    assert ad.adjoint_table(y).equations["v̄1"] == "v̄2·cos(v1) + v̄3·v2"
