"""The trace explorer: one self-contained HTML page that steps through the forward and reverse sweeps.

``write_html(trace, "explorer.html")`` (also ``Trace.to_html``, ``autodiff EXPR --at … --html FILE`` and
``explore(f, *args)``) writes a page with the computation graph (inline SVG laid out by Graphviz's ``dot``
when the page is built), the primal, tangent and adjoint tables, and controls: previous, next, a slider,
play/pause, forward or reverse mode, and the input the forward sweep is seeded with. Each step highlights
the variable being computed and the edges it reads, fills its table row and shows its equation with the
numbers substituted; in reverse mode the arrows point back, and each edge carries its contribution
v̄ⱼ·∂vⱼ/∂vᵢ. Arrow keys step, space plays. No server, network or CDN: the page's small script only shows
what Python wrote into it, and every number is the trace's own (``trace.forward``, ``trace.reverse``).
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import graphviz
import numpy as np

from . import notation as N
from .primitives import primal
from .render import _STYLE, GraphvizNotFoundError, _kind, _partial_value, pipe
from .tables import (
    DOT,
    _decorated_label,
    adjoint_contributions,
    adjoint_expressions,
    adjoint_name,
    as_trace,
    html_math,
    local_partial,
    tangent_expression,
    tangent_name,
    value_text,
)
from .trace import Trace, Variable

TABLE_DIGITS = 10  # significant digits in the tables
EQUATION_DIGITS = 4  # in the substituted equations and on the graph
_ids = itertools.count(1)
_HERE = Path(__file__).resolve().parent


# --- numbers ---------------------------------------------------------------------------------------------
def _is_scalar(x) -> bool:
    x = primal(x)
    return np.ndim(x) == 0 and not isinstance(x, (bool, np.bool_)) and not np.iscomplexobj(x)


def _text(x, digits: int) -> str:
    """A value as shown: −1 with a real minus sign; arrays by value_text (small lists or their shape)."""
    return value_text(x, digits).replace("-", "\u2212") if _is_scalar(x) else value_text(x, digits)


def _exact(x) -> str | None:
    """The value as Python writes a float (``repr``), for tests and screen readers; None for arrays."""
    return repr(float(primal(x))) if _is_scalar(x) else None


def _factor(x) -> str:
    s = _text(x, EQUATION_DIGITS)
    return f"({s})" if s.startswith("\u2212") else s


_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
    "√": math.sqrt, "erf": math.erf, "|": abs, "σ": lambda z: 1.0 / (1.0 + math.exp(-z)),
}


def _evaluate(x: N.Sym, values: dict) -> float | None:
    """A formula of primal values as a number (None where it is not a plain scalar formula)."""
    k, a = x.kind, x.args
    try:
        if k == "num":
            return float(a[0]) if np.ndim(a[0]) == 0 else None
        if k == "name":
            v = values.get(a[0], x.value)
            return float(primal(v)) if v is not None and _is_scalar(v) else None
        parts = [_evaluate(t, values) for t in (a[1] if k == "call" else [s for _, s in a] if k == "add" else a)]
        if any(p is None for p in parts):
            return None
        if k == "call":
            return _FUNCTIONS[a[0]](*parts) if a[0] in _FUNCTIONS and len(parts) == 1 and not a[2] else None
        if k == "neg":
            return -parts[0]
        if k == "add":
            return sum(s * p for (s, _), p in zip(a, parts))
        if k == "mul":
            return math.prod(parts)
        if k == "div":
            return parts[0] / parts[1]
        if k == "pow":
            return parts[0] ** parts[1]
    except (ArithmeticError, ValueError, KeyError):
        return None
    return None


def _names(x: N.Sym) -> set:
    if x.kind == "name":
        return {x.args[0]}
    if x.kind == "num":
        return set()
    kids = x.args[1] if x.kind == "call" else [s for _, s in x.args] if x.kind == "add" else \
        [t for t in x.args if isinstance(t, N.Sym)]
    return set().union(*(_names(t) for t in kids)) if kids else set()


def _substitute(x: N.Sym, values: dict, primals: dict) -> N.Sym:
    """``x`` with every name replaced by its number, and each function of primal values by its value
    (cos(v2) → 0.8776, as the course writes v̄4·cos v2 = (−1)·0.8776)."""
    k, a = x.kind, x.args
    if k == "name":
        if a[0] in values:
            return N.name(_factor(values[a[0]]))
        if a[0] in primals:
            return N.name(_factor(primals[a[0]]))
        if x.value is not None:
            return x  # a named constant such as π
        raise KeyError(a[0])
    if k == "num":
        return x
    if k in ("call", "pow") and _names(x) <= set(primals) | {"π"}:
        v = _evaluate(x, primals)
        if v is not None:
            return N.name(_factor(v))
    if k == "call":
        return N.Sym(k, (a[0], tuple(_substitute(t, values, primals) for t in a[1]), a[2]), x.shape)
    if k == "add":
        return N.Sym(k, tuple((s, _substitute(t, values, primals)) for s, t in a), x.shape)
    if k == "post":
        return N.Sym(k, (_substitute(a[0], values, primals), a[1]), x.shape)
    if k == "infix":
        return N.Sym(k, (_substitute(a[0], values, primals), a[1], _substitute(a[2], values, primals)), x.shape)
    return N.Sym(k, tuple(_substitute(t, values, primals) for t in a), x.shape)


def _numbers(x: N.Sym, values: dict, primals: dict) -> str | None:
    """The formula with numbers in it, or None (arrays, or a name without a value)."""
    if any(not _is_scalar(v) for v in values.values()):
        return None
    try:
        s = N.show(_substitute(x, values, primals))
    except KeyError:
        return None
    return s[1:-1] if re.fullmatch(r"\(\u2212[^()]*\)", s) else s


def _html(text: str) -> str:
    """:func:`html_math` (x1 → x<sub>1</sub>), then marks composed where Unicode can (x + ̇ → ẋ, b + ̇ → ḃ)."""
    return unicodedata.normalize("NFC", html_math(text))


def _equation(lhs: str, formula: str, numbers: str | None, value) -> str:
    """``lhs = formula = numbers = value`` in HTML, leaving out repeats (v̄6 = v̄7 = 1, not = 1 = 1)."""
    result = _text(value, EQUATION_DIGITS)
    parts = [_html(lhs), _html(formula)]
    if numbers is not None and numbers != formula and numbers != result:
        parts.append(html.escape(numbers))
    if formula != result:
        parts.append(f'<b class="adx-result">{html.escape(result)}</b>')
    return " = ".join(parts)


# --- the steps ---------------------------------------------------------------------------------------------
def _edges(trace: Trace) -> list[tuple[Variable, int, Variable]]:
    """(parent, position, child) for every operand that is a variable."""
    return [(p, k, c) for c in trace.nodes for k, p in enumerate(c.parents) if isinstance(p, Variable)]


def _edge_id(child: Variable, k: int) -> str:
    return f"e-{child.name}-{k}"


def _partial(child: Variable, k: int):
    """The local partial ∂child/∂(operand k) as a number, for elementwise scalar rows (else None)."""
    if child.primitive is None or not child.primitive.elementwise or not _is_scalar(child.value):
        return None
    try:
        d = _partial_value(child, k)
    except (ArithmeticError, ValueError, TypeError):
        return None
    return d if _is_scalar(d) else None


def _edge_text(formula: N.Sym, value) -> str:
    text = N.show(formula)
    return text if value is None else f"{text} = {_text(value, EQUATION_DIGITS)}"


def _primal_values(trace: Trace) -> dict:
    return {v.name: v.value for v in trace.nodes}


def _forward_steps(trace: Trace, seed: str) -> tuple[list[dict], object]:
    sweep = trace.forward(seed)
    primals = _primal_values(trace)
    tangents = {tangent_name(v): sweep[v] for v in trace.nodes}
    steps = []
    for v in trace.nodes:
        t = sweep[v]
        if v.is_input:
            dotted = N.name(v.label[:1] + DOT + v.label[1:])  # ẋ1, composed in _html
            eq = _equation(tangent_name(v), N.show(dotted), None, t)
            primal_eq = _equation(v.name, v.label, None, v.value)
            steps.append({"var": v.name, "edges": [], "labels": {}, "eq": eq, "primal": primal_eq})
            continue
        formula = tangent_expression(v)
        numbers = _numbers(formula, tangents, primals)
        names = (lambda p: _factor(p.value) if isinstance(p, Variable) else _factor(p)) \
            if all(_is_scalar(p.value if isinstance(p, Variable) else p) for p in v.parents) else None
        primal_numbers = v.expression(names) if names and v.primitive.elementwise else None
        primal_eq = _equation(v.name, v.expression(), primal_numbers, v.value)
        labels = {}
        for k, p in enumerate(v.parents):
            if isinstance(p, Variable):
                d = _partial(v, k)
                value = None if d is None or not _is_scalar(sweep[p]) else sweep[p] * d
                partial = local_partial(v, k) or N.name(f"∂{v.name}/∂{p.name}")
                tangent = N.name(tangent_name(p))
                # v1·v̇2, as the tables write it: a partial that is an earlier operand stays on the left
                earlier = any(isinstance(q, Variable) and N.show(partial) == q.name for q in v.parents[:k])
                term = N.mul(partial, tangent) if earlier else N.mul(tangent, partial)
                labels[_edge_id(v, k)] = _edge_text(term, value)
        steps.append({"var": v.name, "edges": list(labels), "labels": labels,
                      "eq": _equation(tangent_name(v), N.show(formula), numbers, t), "primal": primal_eq})
    return steps, sweep


def _reverse_seed(trace: Trace):
    """ȳ = 1 for a scalar output; ones of the output's shape otherwise (one per output)."""
    seeds = [1.0 if np.ndim(primal(o.value)) == 0 else np.ones_like(primal(o.value), dtype=float)
             for o in trace.outputs]
    return seeds if trace.multiple_outputs else seeds[0]


def _adjoint_formulas(trace: Trace) -> dict:
    """v̄ᵢ as the adjoint table writes it: seeded with 1 (a scalar output) or with ȳ (the others)."""
    seed = _reverse_seed(trace)
    return adjoint_expressions(trace, None if not trace.multiple_outputs and np.ndim(seed) == 0 else seed)


def _reverse_steps(trace: Trace) -> tuple[list[dict], object]:
    seed = _reverse_seed(trace)
    sweep = trace.reverse(seed)
    exprs = _adjoint_formulas(trace)
    primals = _primal_values(trace)
    adjoints = {adjoint_name(v): sweep[v] for v in trace.nodes}
    if trace.multiple_outputs:
        adjoints.update({f"\u0233{i + 1}": s for i, s in enumerate(seed)})
    elif np.ndim(seed) > 0:
        adjoints["\u0233"] = seed
    kids: dict = {v: [] for v in trace.nodes}
    for p, k, c in _edges(trace):
        kids[p].append((c, k))
    contributions = {c: adjoint_contributions(c) for c in trace.nodes if not c.is_input}
    steps = []
    for v in reversed(trace.nodes):
        labels = {}
        for c, k in kids[v]:
            d = _partial(c, k)
            value = None if d is None or not _is_scalar(sweep[c]) else sweep[c] * d
            formula = contributions[c][k]
            labels[_edge_id(c, k)] = _edge_text(formula, value) if formula is not None else ""
        formula = exprs[v]
        numbers = _numbers(formula, adjoints, primals)
        steps.append({"var": v.name, "edges": list(labels), "labels": labels,
                      "eq": _equation(adjoint_name(v), N.show(formula), numbers, sweep[v])})
    return steps, sweep


# --- the graph ---------------------------------------------------------------------------------------------
def _graph(trace: Trace, uid: str, third: dict, reverse: bool) -> graphviz.Digraph:
    """The graph with an id on every node and edge; ``third`` is the node's last line (v̇ or v̄, as wide as
    its widest value, which the page replaces step by step). In reverse mode the arrows point back."""
    g = graphviz.Digraph("trace", graph_attr={"rankdir": "LR", "fontname": "Helvetica", "nodesep": "0.35",
                                              "ranksep": "0.9", "bgcolor": "transparent"},
                         node_attr={"fontname": "Helvetica", "fontsize": "12"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#64748b"})
    prefix = f"{uid}{'r' if reverse else 'f'}-"  # ids unique in the page: the two drawings share names
    for v in trace.nodes:
        first = f"{v.name} = {v.label}" if v.is_input else f"{v.name} = {v.expression()}"
        value = value_text(v.value, 6) if np.ndim(primal(v.value)) == 0 else \
            "shape " + "×".join(map(str, np.shape(primal(v.value))))
        g.node(v.name, "\n".join([first, value, third[v.name]]), id=f"{prefix}n-{v.name}", **_STYLE[_kind(trace, v)])
    for p, k, c in _edges(trace):
        d = local_partial(c, k)
        label = N.show(d) if d is not None else ""
        g.edge(p.name, c.name, id=prefix + _edge_id(c, k), label=label, **({"dir": "back"} if reverse else {}))
    return g


def _svg(graph: graphviz.Digraph) -> str:
    text = pipe(graph, "svg").decode("utf-8")
    text = text[text.index("<svg"):]
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


# --- the page ----------------------------------------------------------------------------------------------
def _widest(texts) -> str:
    return max(texts, key=len)


def data(trace: Trace, uid: str = "adx") -> dict:
    """Everything the page shows, as JSON-ready data: the steps of each sweep and the table cells."""
    trace = as_trace(trace)
    forward, tangent_cells, node_tangent = {}, {}, {}
    for x in trace.inputs:
        steps, sweep = _forward_steps(trace, x.label)
        forward[x.label] = steps
        tangent_cells[x.label] = {v.name: [_text(sweep[v], TABLE_DIGITS), _exact(sweep[v])] for v in trace.nodes}
        node_tangent[x.label] = {v.name: f"{tangent_name(v)} = {_text(sweep[v], 6)}" for v in trace.nodes}
    reverse, adj = _reverse_steps(trace)
    return {
        "uid": uid,
        "inputs": [x.label for x in trace.inputs],
        "forward": forward,
        "reverse": reverse,
        "primal": {v.name: [_text(v.value, TABLE_DIGITS), _exact(v.value)] for v in trace.nodes},
        "tangent": tangent_cells,
        "adjoint": {v.name: [_text(adj[v], TABLE_DIGITS), _exact(adj[v])] for v in trace.nodes},
        "node_tangent": node_tangent,
        "node_adjoint": {v.name: f"{adjoint_name(v)} = {_text(adj[v], 6)}" for v in trace.nodes},
    }


def _graphs(trace: Trace, uid: str, d: dict) -> tuple[str, str, str]:
    """The forward and reverse SVGs, or a note saying why there are none."""
    names = [v.name for v in trace.nodes]
    widest_t = {n: _widest([d["node_tangent"][x][n] for x in d["inputs"]]) for n in names}
    try:
        fwd = _svg(_graph(trace, uid, widest_t, reverse=False))
        rev = _svg(_graph(trace, uid, d["node_adjoint"], reverse=True))
    except GraphvizNotFoundError:
        return "", "", ("The graph needs Graphviz's dot program when the page is built "
                        "(Debian/Ubuntu: sudo apt-get install graphviz); the tables below still step.")
    return fwd, rev, ""


def _rows(trace: Trace, kind: str) -> str:
    """The table's rows, values empty (the script fills them step by step); adjoints from the last back."""
    adjoints = _adjoint_formulas(trace) if kind == "adjoint" else {}
    rows = []
    nodes = list(reversed(trace.nodes)) if kind == "adjoint" else trace.nodes
    for v in nodes:
        shown = html.escape(_text(v.value, TABLE_DIGITS)) if kind == "primal" else ""  # (without the script too)
        if kind == "primal":
            lhs, rhs = v.name, (v.label if v.is_input else v.expression())
        elif kind == "tangent":
            lhs = tangent_name(v)
            rhs = v.label[:1] + DOT + v.label[1:] if v.is_input else N.show(tangent_expression(v))
        else:
            lhs, rhs = adjoint_name(v), N.show(adjoints[v])
        rows.append(f'<tr data-var="{v.name}"><th scope="row">{_html(lhs)}</th>'
                    f'<td class="adx-expr">= {_html(rhs)}</td><td class="adx-num">{shown}</td></tr>')
    return "\n".join(rows)


def fragment(trace: Trace, title: str | None = None) -> str:
    """The explorer as an HTML fragment (a ``<div>`` with its style and script), for a page or Jupyter."""
    trace = as_trace(trace)
    uid = f"adx{os.getpid():x}{next(_ids)}"
    d = data(trace, uid)
    fwd, rev, note = _graphs(trace, uid, d)
    options = "".join(f'<option value="{html.escape(x)}">{html.escape(_decorated_label(x, DOT))} = 1 '
                      f'(∂/∂{html.escape(x)})</option>' for x in d["inputs"])
    payload = json.dumps(d, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    heading = f'<h2 class="adx-title">{html.escape(title)}</h2>' if title else ""
    return f"""<div class="adx" id="{uid}" tabindex="0" aria-label="trace explorer">
<style>{_asset("explorer.css")}</style>{heading}
<div class="adx-controls" role="toolbar" aria-label="step through the sweep">
<button type="button" class="adx-prev" title="previous step (←)" aria-label="previous step">◀ prev</button>
<button type="button" class="adx-play" title="play or pause (space)" aria-label="play">▶ play</button>
<button type="button" class="adx-next" title="next step (→)" aria-label="next step">next ▶</button>
<input type="range" class="adx-slider" min="1" max="1" value="1" aria-label="step">
<span class="adx-counter" aria-live="polite"></span>
<fieldset class="adx-mode"><legend>mode</legend>
<label><input type="radio" name="{uid}-mode" value="forward" checked> forward (tangents)</label>
<label><input type="radio" name="{uid}-mode" value="reverse"> reverse (adjoints)</label></fieldset>
<label class="adx-seedlabel">seed <select class="adx-seed" aria-label="seeded input">{options}</select></label>
</div>
<div class="adx-equation" aria-live="polite"><div class="adx-eq"></div><div class="adx-eq2"></div></div>
<div class="adx-graph">{'<p class="adx-note">' + html.escape(note) + '</p>' if note else ''}
<div class="adx-svg adx-svg-forward">{fwd}</div><div class="adx-svg adx-svg-reverse" hidden>{rev}</div></div>
<div class="adx-tables">
<table class="adx-table adx-primal"><caption>Primal trace</caption><tbody>{_rows(trace, "primal")}</tbody></table>
<table class="adx-table adx-tangent"><caption>Tangent trace (forward mode) <span class="adx-seedname"></span>
</caption><tbody>{_rows(trace, "tangent")}</tbody></table>
<table class="adx-table adx-adjoint"><caption>Adjoint trace (reverse mode)</caption>
<tbody>{_rows(trace, "adjoint")}</tbody></table></div>
<p class="adx-help">← → step · space play/pause · Home/End first/last · every number is the library's own sweep</p>
<script type="application/json" class="adx-data">{payload}</script>
<script>{_asset("explorer.js")}
adxInit(document.getElementById("{uid}"));</script>
</div>"""


def _asset(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def page(trace: Trace, title: str | None = None) -> str:
    """A whole HTML document holding the explorer: open it from disk, no server or network needed."""
    trace = as_trace(trace)
    title = title or repr(trace)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"  # no request for /favicon.ico
            f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,Helvetica,Arial,sans-serif;"
            "margin:1.5em;color:#0f172a}</style></head>\n<body>\n"
            f"{fragment(trace, title)}\n"
            "<script>document.querySelector('.adx').focus({preventScroll: true});</script>\n</body></html>\n")


def write_html(trace: Trace, path: str | os.PathLike, title: str | None = None) -> Path:
    """Write :func:`page` to ``path`` (its folder is created); returns the path."""
    path = Path(path)
    text = page(trace, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


class Explorer:
    """A trace's explorer: shown inline by Jupyter, ``save(path)`` writes the page."""

    def __init__(self, trace: Trace, title: str | None = None):
        self.trace = trace
        self.title = title

    def html(self) -> str:
        """The whole page."""
        return page(self.trace, self.title)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path``."""
        return write_html(self.trace, path, self.title)

    def _repr_html_(self) -> str:
        return fragment(self.trace, self.title)

    def __repr__(self) -> str:
        return f"<Explorer of {self.trace!r}>"


def explore(f: Callable | str | Trace, *args, **kwargs) -> Explorer:
    """The explorer of ``f`` traced at ``args``: a Python function, an expression for :func:`autodiff.parse`
    (``explore("x1*x2 + exp(x1*x2) - sin(x2)", 1.5, 0.5)``) or a :class:`Trace` (no arguments)."""
    from .parse import parse
    from .trace import trace

    if isinstance(f, Trace):
        if args or kwargs:
            raise TypeError("explore(trace) takes no input values; use trace.at(...) for a new point")
        return Explorer(f)
    text = f if isinstance(f, str) else None
    fn = parse(f) if text is not None else f
    t = trace(fn, *args, **kwargs)
    where = ", ".join(f"{n} = {_text(v.value, 6)}" for n, v in zip(t.input_names, t.inputs))
    call = f"{'f' if text else getattr(fn, '__name__', 'f')}({', '.join(t.input_names)})"
    return Explorer(t, f"{call} = {text.strip()} at {where}" if text else f"{call} at {where}")
