"""The evaluation trace: a recorded graph numbered v1…vn in evaluation order, inputs first.

``trace(f, 1.5, 0.5)`` calls ``f`` on two input nodes and returns a :class:`Trace`. For the course's
example ``f(x1, x2) = x1*x2 + exp(x1*x2) - sin(x2)`` (with ``v3 = x1*x2`` computed once) it reads

    v1 = x1, v2 = x2, v3 = v1·v2, v4 = sin(v2), v5 = exp(v3), v6 = v3 − v4, v7 = v5 + v6.

Constants (``2`` in ``2*x``) stay inside the row that uses them rather than being numbered.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .primitives import Primitive, Tracer, choose_backend, new_level, primal
from .primitives.core import evaluate
from .reverse import Node, recorder, toposort


class Variable:
    """One row of a trace: ``name = primitive(parents)`` with its value.

    ``parents`` holds the parent :class:`Variable` objects, or the constants themselves.
    """

    __slots__ = ("index", "name", "label", "primitive", "parents", "params", "value", "node", "shown")

    def __init__(self, index: int, node: Node, parents: tuple, label: str | None):
        self.index = index
        self.name = f"v{index}"
        self.label = label
        self.node = node
        self.primitive: Primitive | None = node.prim
        self.parents = parents
        self.params = dict(node.params or {})
        self.value = node.value
        self.shown = None  # parameters as printed, where they differ (a staged program's computed index)

    @property
    def is_input(self) -> bool:
        return self.primitive is None

    def expression(self, names: Callable[[Any], str] | None = None) -> str:
        """The right-hand side of this row, e.g. ``"v1·v2"``; an input shows its label."""
        if self.is_input:
            return self.label or self.name
        show = names or _default_name
        return self.primitive.format([show(p) for p in self.parents], self.shown or self.params)

    def __repr__(self) -> str:
        return f"<{self.name} = {self.expression()}: {format_value(self.value)}>"


def _default_name(p) -> str:
    return p.name if isinstance(p, Variable) else format_value(p)


def format_value(v, digits: int = 12) -> str:
    """Scalars to ``digits`` significant figures; arrays by their shape."""
    v = primal(v)
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if np.ndim(v) == 0:
        x = complex(v) if np.iscomplexobj(v) else float(v)
        if isinstance(x, complex):
            return f"{x.real:.{digits}g}{x.imag:+.{digits}g}j"
        if np.isfinite(x) and x == int(x) and abs(x) < 1e15:
            return str(int(x))
        return f"{x:.{digits}g}"
    return f"array{tuple(np.shape(v))}"


class Trace:
    """A numbered evaluation trace of a function at one point.

    Attributes: ``nodes`` (every :class:`Variable`, in evaluation order), ``inputs``, ``outputs``.
    """

    def __init__(self, outputs: Sequence[Node], inputs: Sequence[Node], labels: Sequence[str] | None = None,
                 multiple: bool | None = None, fn: Callable | None = None, tape: Sequence[Node] | None = None,
                 reads: dict | None = None):
        outputs = list(outputs)
        inputs = list(inputs)
        for i, o in enumerate(outputs):
            if not isinstance(o, Node):
                raise TypeError(
                    f"output {i} of the traced function is a {type(o).__name__} that does not depend on the "
                    "traced inputs; return values computed from the function's arguments")
        if tape is None:
            order = toposort(outputs)
        else:  # the order in which the nodes were recorded (the course numbers by it)
            needed = set(outputs)
            for node in reversed(tape):  # (a tape is in evaluation order: one pass back finds the ancestors)
                if node in needed:
                    level = node.level
                    for p in node.parents:
                        if isinstance(p, Node) and p.level is level:
                            needed.add(p)
                    if reads and node in reads:  # rows a parameter was computed by (a staged program)
                        needed.update(reads[node])
            order = [n for n in needed if n.prim is None] + [n for n in tape if n in needed and n.prim is not None]
        input_set = set(inputs)
        for node in order:
            if node.prim is None and node not in input_set:
                raise ValueError(
                    f"the outputs depend on a traced value that is not an input of this trace ({node!r}); "
                    "pass it as an argument or use a plain number")
        labels = list(labels) if labels is not None else [n.name or f"x{i + 1}" for i, n in enumerate(inputs)]
        self._index: dict[Node, Variable] = {}
        self.nodes: list[Variable] = []
        for node, label in zip(inputs, labels):
            self._add(node, (), label)
        for node in order:
            if node not in self._index:
                # (a node of another level is a constant here: the value of an outer variable)
                self._add(node, tuple(self._index[p] if isinstance(p, Node) and p.level is node.level else p
                                      for p in node.parents), None)
        self.inputs: list[Variable] = self.nodes[: len(inputs)]
        self.outputs: list[Variable] = [self._index[o] for o in outputs]
        self.multiple_outputs = len(outputs) != 1 if multiple is None else multiple
        self.fn = fn

    def _add(self, node: Node, parents: tuple, label: str | None) -> None:
        var = Variable(len(self.nodes) + 1, node, parents, label)
        self._index[node] = var
        self.nodes.append(var)

    # --- reading --------------------------------------------------------------------------------------
    @classmethod
    def from_outputs(cls, outputs, inputs: Sequence[Node] | None = None, names=None) -> Trace:
        """The trace of a graph that already exists (e.g. a nets loss): leaves become the inputs.

        ``names`` labels leaves: a mapping from label to node, such as ``dict(model.named_parameters())``
        (other leaves keep their own name, or are called x1, x2, … in order).
        """
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if inputs is None:
            inputs = [n for n in toposort(outputs) if n.prim is None]
        given = {}
        for label, node in dict(names or {}).items():
            if not isinstance(node, Node):
                raise TypeError(f"names[{label!r}] is a {type(node).__name__}, not a traced value")
            given[node] = str(label)
        labels = [given.get(n) or n.name or f"x{i + 1}" for i, n in enumerate(inputs)]
        return cls(outputs, inputs, labels, multiple=len(outputs) != 1)

    def variable(self, node_or_name) -> Variable:
        """The row for a node, or for a name like ``"v3"`` or an input label like ``"x1"``."""
        if isinstance(node_or_name, Node):
            return self._index[node_or_name]
        for v in self.nodes:
            if node_or_name in (v.name, v.label):
                return v
        raise KeyError(f"no variable {node_or_name!r} in this trace (it has v1…v{len(self.nodes)})")

    def __getitem__(self, name) -> Variable:
        return self.variable(name)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def input_names(self) -> list[str]:
        return [v.label for v in self.inputs]

    @property
    def output(self):
        """The output value (a tuple of values for a function with several outputs)."""
        values = tuple(v.value for v in self.outputs)
        return values if self.multiple_outputs else values[0]

    @property
    def num_operations(self) -> int:
        return len(self.nodes) - len(self.inputs)

    # --- evaluating again ---------------------------------------------------------------------------
    def at(self, *args, **kwargs) -> Trace:
        """The same graph evaluated at new input values, without calling the function again.

        Branches taken by Python control flow are the recorded ones.
        """
        values = _bind_inputs(self.input_names, args, kwargs)
        new: dict[Variable, Node] = {}
        for var, value in zip(self.inputs, values):
            _check_value(var.label, value)
            new[var] = Node(value, name=var.label)
        for var in self.nodes[len(self.inputs):]:
            parents = tuple(new[p] if isinstance(p, Variable) else p for p in var.parents)
            vals = [p.value if isinstance(p, Node) else p for p in parents]
            new[var] = Node(evaluate(var.primitive, choose_backend(vals), vals, var.params), var.primitive,
                            parents, var.node.params)
        return Trace([new[o] for o in self.outputs], [new[i] for i in self.inputs], self.input_names,
                     self.multiple_outputs, self.fn, tape=[new[v] for v in self.nodes])

    def __call__(self, *args, **kwargs):
        return self.at(*args, **kwargs).output

    # --- differentiating (see forward.py and reverse.py) ------------------------------------------------
    def forward(self, seed=None):
        """The tangent sweep for one seed (a tangent per input); returns a :class:`~autodiff.forward.Tangents`."""
        from .forward import tangent_sweep

        return tangent_sweep(self, seed)

    def reverse(self, seed=1.0):
        """The adjoint sweep from ``seed`` (an adjoint per output); returns :class:`~autodiff.reverse.Adjoints`."""
        from .reverse import adjoint_sweep

        return adjoint_sweep(self, seed)

    def to_sympy(self, simplify: bool = False):
        """One SymPy expression per output (a single expression for one output)."""
        from .symbolic import trace_to_sympy

        return trace_to_sympy(self, simplify=simplify)

    # --- exporting ------------------------------------------------------------------------------------
    def to_networkx(self):
        """A ``networkx.DiGraph``: a node per variable (attributes: label, op, value), edges parent → child."""
        import networkx as nx

        g = nx.DiGraph()
        for v in self.nodes:
            g.add_node(v.name, index=v.index, label=v.label or v.name, op=v.primitive.name if v.primitive else "input",
                       expression=v.expression(), value=v.value, output=v in self.outputs)
        for v in self.nodes:
            for k, p in enumerate(v.parents):
                if isinstance(p, Variable):
                    if g.has_edge(p.name, v.name):
                        g.edges[p.name, v.name]["positions"].append(k)
                    else:
                        g.add_edge(p.name, v.name, positions=[k])
        return g

    def table(self) -> str:
        """The primal trace as a plain-text table."""
        rows = []
        for v in self.nodes:
            rhs = v.expression()
            if v.is_input:
                rhs = v.label
            rows.append((v.name, rhs, format_value(v.value)))
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        outs = {v.name for v in self.outputs}
        lines = [f"{'':{w0}}   {'expression':{w1}}   value", "-" * (w0 + w1 + 20)]
        for name, rhs, val in rows:
            mark = "   ← output" if name in outs else ""
            lines.append(f"{name:{w0}} = {rhs:{w1}} = {val}{mark}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<Trace of {self.fn.__name__ if self.fn else 'a graph'}: {len(self.inputs)} inputs, " \
               f"{self.num_operations} operations, {len(self.outputs)} outputs>"

    # --- drawing (see render.py and tables.py) ----------------------------------------------------------
    def render(self, path=None, show: str = "primal", **kwargs):
        """The graph as a ``graphviz.Digraph``; with ``path``, written there (.svg/.png/.pdf/.dot by suffix)."""
        from .render import render, write

        graph = render(self, show, **kwargs)
        return graph if path is None else write(graph, path)

    def _repr_svg_(self):
        from .render import to_svg

        return to_svg(self)

    def _repr_html_(self, svg: str | None = None) -> str:
        # Jupyter prefers HTML to SVG: a trace shows as its explorer (autodiff/explorer.py).
        from .explorer import fragment

        return fragment(self)

    def to_html(self, path=None) -> str:
        """The explorer page (see :mod:`autodiff.explorer`); with ``path``, also written there."""
        from .explorer import page, write_html

        return page(self) if path is None else write_html(self, path).read_text(encoding="utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        svg = self._repr_svg_()
        bundle = {"text/plain": repr(self), "text/html": self._repr_html_(svg)}
        if svg:
            bundle["image/svg+xml"] = svg
        return bundle


def trace_program(program, leaves: list, labels: Sequence[str], fn: Callable | None = None) -> Trace:
    """A staged program (:mod:`autodiff.staging`) evaluated at ``leaves`` as a numbered trace: v1…vn are
    its inputs and equations. A parameter the program computes (an index, a condition) prints as its row;
    the trace keeps its value at ``leaves`` (so :meth:`Trace.at` reuses it, as it reuses a recorded branch)."""
    from .staging.program import Var, _Name, map_params

    nodes: dict = {}
    inputs = []
    for var, value, label in zip(program.inputs, leaves, labels):
        nodes[var] = Node(value, name=label)
        inputs.append(nodes[var])
    tape = []
    computed = {}  # node -> its equation, where a parameter is computed by the program
    for e in program.eqns:
        args = tuple(nodes[a] if type(a) is Var else a for a in e.args)
        vals = [a.value if type(a) is Node else a for a in args]
        params = map_params(e.params, lambda v: nodes[v].value)
        node = Node(evaluate(e.prim, choose_backend(vals), vals, params), e.prim, args, params)
        if params is not e.params:
            computed[node] = e
        nodes[e.out] = node
        tape.append(node)
    outputs = [nodes[o] if type(o) is Var else o for o in program.outputs]
    reads = {node: [nodes[v] for v in e.reads()] for node, e in computed.items()}
    t = Trace(outputs, inputs, labels, len(outputs) != 1, fn, tape=tape, reads=reads)
    for node, e in computed.items():
        if node in t._index:
            t._index[node].shown = map_params(e.params, lambda v: _Name(t._index[nodes[v]].name))
    return t


def _signature_names(f: Callable, n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    if len(names) < n:
        start = len(names)
        names += [f"x{i + 1}" for i in range(start, n)]
    return names[:n]


def _bind_inputs(names: list[str], args: tuple, kwargs: dict) -> list:
    if len(args) + len(kwargs) != len(names):
        raise TypeError(f"expected {len(names)} input values ({', '.join(names)}), got {len(args) + len(kwargs)}")
    extra = set(kwargs) - set(names[len(args):])
    if extra:
        raise TypeError(f"unexpected input(s) {', '.join(sorted(extra))}; inputs are {', '.join(names)}")
    values = list(args)
    for name in names[len(args):]:
        if name not in kwargs:
            raise TypeError(f"missing input {name!r}; inputs are {', '.join(names)}")
        values.append(kwargs[name])
    return values


def _check_value(name: str, value) -> None:
    t = type(value)
    if t is float or t is np.ndarray or isinstance(value, Tracer):  # (the usual cases first)
        return
    if isinstance(value, (bool, np.bool_)) or not (isinstance(value, (int, float, complex, np.number, np.ndarray))):
        raise TypeError(f"input {name!r} must be a number or a numpy array, not {type(value).__name__}")


def as_input(value):
    """Inputs are kept as they come: Python numbers stay floats (fast scalar path), lists become arrays."""
    if isinstance(value, (list, tuple)):
        return np.asarray(value, dtype=float)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def trace(f: Callable, *args, **kwargs) -> Trace:
    """Call ``f`` on traced inputs and return its numbered evaluation trace.

    Positional and keyword arguments are the inputs (numbers or arrays); inputs are labelled with ``f``'s
    parameter names. ``f`` may return one traced value or a tuple/list of them.
    """
    names = _signature_names(f, len(args)) + list(kwargs)
    values = [as_input(a) for a in args] + [as_input(v) for v in kwargs.values()]
    for name, value in zip(names, values):
        _check_value(name, value)
    with new_level(lambda depth: recorder(depth, "trace", f)) as level:
        inputs = [Node(v, name=n, level=level) for v, n in zip(values, names)]
        out = f(*inputs[: len(args)], **dict(zip(kwargs, inputs[len(args):])))
        tape = level.tape
    multiple = isinstance(out, (tuple, list))
    outs = list(out) if multiple else [out]
    if not outs:
        raise TypeError(f"{getattr(f, '__name__', 'the function')} returned an empty sequence; nothing to trace")
    for i, o in enumerate(outs):
        if not (isinstance(o, Node) and o.level is level):
            raise TypeError(
                f"output {i} of the traced function is a {type(o).__name__} that does not depend on the "
                "traced inputs; return values computed from the function's arguments")
    return Trace(outs, inputs, names, multiple, f, tape=tape)
