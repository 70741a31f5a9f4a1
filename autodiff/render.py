"""Draw a trace as its computation graph (graphviz), optionally with tangents, adjoints and local partials.

``render(trace)`` returns a ``graphviz.Digraph`` laid out left to right like the course's diagrams: a node
per variable (name, operation, value; arrays show their shape), inputs, intermediates and outputs in
different shapes and colours, an edge from each parent to its child. ``show="tangent"`` adds v̇ for one
seed, ``show="adjoint"`` adds v̄, and the edges carry the local partial ∂vj/∂vi (derived from the
registry's rules, with its value). ``render_steps`` yields one picture per step of a sweep.

Writing images needs the ``dot`` program; ``.dot`` source is written without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import graphviz
import numpy as np

from . import notation as N
from .primitives import choose_backend, primal
from .tables import adjoint_name, as_trace, local_partial, tangent_name, value_text
from .trace import Trace, Variable

SHOWS = ("primal", "tangent", "adjoint")
IMAGE_FORMATS = ("svg", "png", "pdf")
SOURCE_SUFFIXES = (".dot", ".gv")
INSTALL_HINT = ("the 'dot' program of Graphviz is needed to write images; install it (Debian/Ubuntu: "
                "sudo apt-get install graphviz; macOS: brew install graphviz; conda: conda install graphviz; "
                "Windows: https://graphviz.org/download/) or write a .dot file instead")

_STYLE = {
    "input": {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbeafe", "color": "#1d4ed8"},
    "intermediate": {"shape": "ellipse", "style": "filled", "fillcolor": "#f8fafc", "color": "#475569"},
    "output": {"shape": "box", "style": "filled,bold", "fillcolor": "#fde68a", "color": "#b45309",
               "peripheries": "2"},
}
_HIGHLIGHT = {"color": "#dc2626", "penwidth": "3", "fillcolor": "#fee2e2"}
_PENDING = "#94a3b8"


class GraphvizNotFoundError(RuntimeError):
    """Raised when an image is requested but the ``dot`` program is not installed."""


def layout_program() -> str | None:
    """The program that lays graphs out: Graphviz's ``dot``, else the pip-installable ``graphviz-pure``
    (a port of dot that writes SVG and PNG, for users who cannot install system packages), else None."""
    if shutil.which("dot"):
        return "dot"
    beside_python = Path(sys.executable).parent / "graphviz-pure"  # a venv's bin/ need not be on PATH
    return shutil.which("graphviz-pure") or (str(beside_python) if beside_python.exists() else None)


def dot_available() -> bool:
    """Whether some layout program can write images."""
    return layout_program() is not None


def pipe(graph: graphviz.Digraph, fmt: str) -> bytes:
    """The graph laid out as ``fmt`` (svg, png or pdf) by :func:`layout_program`."""
    program = layout_program()
    if program is None:
        raise GraphvizNotFoundError(INSTALL_HINT)
    if program == "dot":
        try:
            return graph.pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(INSTALL_HINT) from None
    if fmt not in ("svg", "png"):
        raise GraphvizNotFoundError(f"graphviz-pure writes svg and png, not {fmt}; {INSTALL_HINT}")
    done = subprocess.run([program, f"-T{fmt}"], input=graph.source.encode("utf-8"), capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"graphviz-pure failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


def _kind(trace: Trace, v: Variable) -> str:
    if v in trace.outputs:
        return "output"
    return "input" if v.is_input else "intermediate"


def _value(value, digits: int) -> str:
    v = primal(value)
    if np.ndim(v) > 0:
        return "shape " + "×".join(map(str, np.shape(v)))
    return value_text(v, digits)


def _partial_value(v: Variable, position: int):
    """The numeric local partial ∂v/∂(parent at position), from the primitive's partials."""
    d = v.primitive.partials[position]
    if type(d) is int:
        return float(d)
    xs = [p.value if isinstance(p, Variable) else p for p in v.parents]
    return d(choose_backend([*xs, v.value]), *xs, v.value, **v.params)


def _sweep_values(trace: Trace, show: str, seed, wrt):
    if show == "tangent":
        if seed is None:
            seed = wrt if wrt is not None else trace.input_names[0]
        return trace.forward(seed), seed
    if show == "adjoint":
        return (trace.reverse() if seed is None else trace.reverse(seed)), seed
    return None, None


def render(trace: Trace, show: str = "primal", seed=None, wrt: str | None = None, partials: bool | None = None,
           digits: int = 6, highlight: str | None = None, revealed=None, title: str | None = None
           ) -> graphviz.Digraph:
    """The computation graph of ``trace`` as a ``graphviz.Digraph``.

    ``show``: "primal" (values), "tangent" (adds v̇ for ``seed``/``wrt``, by default the first input) or
    "adjoint" (adds v̄ from ``seed``, by default 1). ``partials`` labels edges with ∂vj/∂vi (default: on for
    tangent and adjoint). ``highlight`` names a variable to mark; ``revealed`` (a set of names) limits the
    tangents/adjoints shown, for step-by-step pictures.
    """
    trace = as_trace(trace)  # an existing graph, e.g. a nets loss, is traced from its outputs
    if show not in SHOWS:
        raise ValueError(f"show must be one of {', '.join(SHOWS)}, got {show!r}")
    sweep, seed = _sweep_values(trace, show, seed, wrt)
    partials = show != "primal" if partials is None else partials
    g = graphviz.Digraph("trace", graph_attr={"rankdir": "LR", "fontname": "Helvetica", "nodesep": "0.35",
                                              "ranksep": "0.6"},
                         node_attr={"fontname": "Helvetica", "fontsize": "12"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#64748b"})
    if title is None and show == "tangent":
        if isinstance(seed, str):
            what = f"∂/∂{seed}"
        elif isinstance(seed, dict):
            what = "seed " + ", ".join(f"{k} = {_value(x, digits)}" for k, x in seed.items())
        else:
            what = "seed (" + ", ".join(_value(x, digits) for x in np.atleast_1d(seed)) + ")" \
                if np.ndim(seed) <= 1 and np.size(seed) <= 6 else "a given seed"
        title = f"tangents (forward mode), {what}"
    elif title is None and show == "adjoint":
        title = "adjoints (reverse mode)"
    if title:
        g.attr(label=title, labelloc="t", fontsize="14")
    for v in trace.nodes:
        lines = [f"{v.name} = {v.label}" if v.is_input else f"{v.name} = {v.expression()}",
                 _value(v.value, digits)]
        if sweep is not None:
            sym = tangent_name(v) if show == "tangent" else adjoint_name(v)
            shown = revealed is None or v.name in revealed
            lines.append(f"{sym} = {_value(sweep[v], digits) if shown else '?'}")
        attrs = dict(_STYLE[_kind(trace, v)])
        if revealed is not None and v.name not in revealed:
            attrs["fontcolor"] = _PENDING
        if highlight == v.name:
            attrs.update(_HIGHLIGHT)
        g.node(v.name, "\n".join(lines), **attrs)
    for v in trace.nodes:
        operands = None
        for k, p in enumerate(v.parents):
            if not isinstance(p, Variable):
                continue
            attrs = {}
            if partials and v.primitive.elementwise:
                if operands is None:
                    operands = [N.name(q.name, np.shape(primal(q.value)), q.value) if isinstance(q, Variable)
                                else q for q in v.parents]
                d = local_partial(v, k, operands)
                label = N.show(d)
                if N._scalar(d) is None:
                    label += f" = {_value(_partial_value(v, k), digits)}"
                attrs["label"] = label
            # The step's flow: tangents arrive along a node's in-edges, adjoints come back along its out-edges.
            if highlight is not None and highlight == (p.name if show == "adjoint" else v.name):
                attrs.update(color=_HIGHLIGHT["color"], penwidth="2")
            g.edge(p.name, v.name, **attrs)
    return g


def render_steps(trace: Trace, sweep: str = "reverse", seed=None, wrt: str | None = None,
                 digits: int = 6) -> Iterator[graphviz.Digraph]:
    """One picture per step of a sweep, the current variable highlighted.

    "forward": the inputs are seeded, then each operation's tangent in evaluation order. "reverse": the
    output is seeded, then each variable's adjoint is complete once every child has passed its share back,
    in reverse order.
    """
    if sweep not in ("forward", "reverse"):
        raise ValueError(f"sweep must be 'forward' or 'reverse', got {sweep!r}")
    trace = as_trace(trace)
    show = "tangent" if sweep == "forward" else "adjoint"
    if sweep == "forward":
        first = list(trace.inputs)
        rest = [v for v in trace.nodes if not v.is_input]
    else:
        first = list(dict.fromkeys(trace.outputs))
        rest = [v for v in reversed(trace.nodes) if v not in first]
    seeded = {v.name for v in first}
    total = len(rest) + 1
    step_title = "forward sweep" if sweep == "forward" else "reverse sweep"
    yield render(trace, show, seed, wrt, digits=digits, revealed=seeded,
                 highlight=first[0].name if len(first) == 1 else None, title=f"{step_title}, step 1/{total}: seed")
    revealed = set(seeded)
    for i, v in enumerate(rest, start=2):
        revealed.add(v.name)
        sym = tangent_name(v) if sweep == "forward" else adjoint_name(v)
        yield render(trace, show, seed, wrt, digits=digits, revealed=set(revealed), highlight=v.name,
                     title=f"{step_title}, step {i}/{total}: {sym}")


def write(graph: graphviz.Digraph, path: str | os.PathLike) -> Path:
    """Write ``graph`` to ``path``: ``.svg``, ``.png``, ``.pdf`` (need ``dot``) or ``.dot``/``.gv`` source."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SOURCE_SUFFIXES:
        data = graph.source.encode("utf-8")
    elif suffix.lstrip(".") in IMAGE_FORMATS:
        data = pipe(graph, suffix.lstrip("."))
    else:
        raise ValueError(f"cannot tell the format from {path.name!r}; use a name ending in .svg, .png, .pdf, "
                         ".dot or .gv")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def render_to(trace: Trace, path: str | os.PathLike, show: str = "primal", **kwargs) -> Path:
    """``render(trace, show, **kwargs)`` written to ``path`` (format from its suffix)."""
    return write(render(trace, show, **kwargs), path)


def write_steps(trace: Trace, directory: str | os.PathLike, sweep: str = "reverse", fmt: str = "svg",
                **kwargs) -> list[Path]:
    """Every step of :func:`render_steps` written as ``DIR/<sweep>_step_01.svg`` …; returns the paths."""
    if fmt not in IMAGE_FORMATS + ("dot",):
        raise ValueError(f"unknown image format {fmt!r}; choose one of {', '.join(IMAGE_FORMATS + ('dot',))}")
    graphs = list(render_steps(trace, sweep, **kwargs))
    width = len(str(len(graphs)))
    return [write(g, Path(directory) / f"{sweep}_step_{i:0{width}d}.{fmt}") for i, g in enumerate(graphs, 1)]


def to_svg(trace: Trace, show: str = "primal", **kwargs) -> str | None:
    """The SVG text of the graph, or None without ``dot`` (for Jupyter's display)."""
    try:
        return pipe(render(trace, show, **kwargs), "svg").decode("utf-8")
    except GraphvizNotFoundError:
        return None
