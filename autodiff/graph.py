"""Graph nodes: calling a function on nodes records every primitive it applies.

A :class:`Node` holds a value, the primitive that produced it, its parents (other nodes, or constants
kept inline) and the primitive's constant parameters (an axis, a shape, an index). Nodes are numbered in
creation order, which is always an evaluation (topological) order of the graph.

While ``grad``, ``vjp`` or ``jacrev`` traces a function, the nodes are also written to a :class:`Tape` in
the order they are created: the evaluation trace v1…vn itself (a Wengert list), which the reverse sweep
then walks backward with no topological sort. Only traces of Python numbers keep their tape (see :class:`Tape`).

A node recorded on arrays also keeps its ``operands``: the backend its primitive ran on, the values it
was applied to, and which of them are nodes. The reverse sweep would otherwise gather the same three
from the parents again, one node at a time; here they come for free from the forward pass.
"""

from __future__ import annotations

from itertools import count
from operator import attrgetter

import numpy as np

from .backends import MATH, NUMPY
from .operators import Operators
from .primitives import GENERIC, Primitive, Tracer
from .primitives.core import evaluate_saving, mark_repeated


class Tape(list):
    """The nodes recorded while a function is traced, in creation order, which is an evaluation order.

    Only scalar nodes (Python numbers, the fast path of :meth:`Node._apply`) are written. Any other node
    recorded meanwhile (arrays, tracers, one built with ``Node(...)``) makes every active tape incomplete,
    and the sweep sorts the graph instead: for long traces of scalars the sort is a fifth of a gradient's
    cost, for array traces it is negligible, and a tape of arrays would keep each intermediate array that
    the function discards alive until the sweep.
    """

    __slots__ = ("complete",)
    __eq__ = object.__eq__  # one tape is not another that holds the same nodes (grad inside grad)
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __init__(self):
        super().__init__()
        self.complete = True


_TAPES: list[Tape] = []  # the tapes being recorded, innermost last (grad inside grad records into both)


def start_tape() -> Tape:
    """Record every node created from now on (until :func:`stop_tape`) into a new tape."""
    tape = Tape()
    _TAPES.append(tape)
    return tape


def stop_tape(tape: Tape) -> None:
    if tape in _TAPES:  # (not there once made incomplete)
        _TAPES.remove(tape)


def _tapes_incomplete() -> None:
    for tape in _TAPES:
        tape.complete = False
        tape.clear()  # (its nodes are no use now: let them go)
    _TAPES.clear()


_ids = count(1)
_next_id = _ids.__next__
_NUMBERS = frozenset((float, int, bool))
_new = object.__new__
_ndarray = np.ndarray


class Node(Tracer, Operators):
    """A value in a computation graph. Leaves (inputs) have ``prim is None``."""

    __slots__ = ("value", "prim", "parents", "params", "id", "name", "saved", "operands")

    def __init__(self, value, prim: Primitive | None = None, parents: tuple = (), params: dict | None = None,
                 name: str | None = None):
        self.value = value
        self.prim = prim
        self.parents = parents
        self.params = params
        self.id = _next_id()
        self.name = name
        self.saved = None  # what prim.fwd, or prim.local on floats, kept for the reverse rule (primitives.core)
        self.operands = None  # (backend, values, needs) when recorded by _apply; None: gathered when needed
        if _TAPES and prim is not None:
            _tapes_incomplete()

    @classmethod
    def _apply(cls, prim: Primitive, args: tuple, params: dict) -> Node:
        # The hot path of tracing. Python numbers take the scalar path: the value through the MATH backend
        # and the local partials with it, so that the sweep over a tape need only multiply (Primitive.local).
        saved = None
        if not params and prim.local is not None:
            try:  # anything unusual falls through to the general path below, which explains it
                if len(args) == 2:
                    a, b = args
                    x = a.value if isinstance(a, Node) else a
                    y = b.value if isinstance(b, Node) else b
                    if type(x) in _NUMBERS and type(y) in _NUMBERS:
                        value = prim.impl(MATH, x, y)
                        saved = prim.local(x, y, value)
                elif len(args) == 1:
                    a = args[0]
                    x = a.value if isinstance(a, Node) else a
                    if type(x) in _NUMBERS:
                        value = prim.impl(MATH, x)
                        saved = prim.local(x, value)
            except (ValueError, TypeError, ArithmeticError):
                saved = None
        if saved is not None:
            operands = None
        else:
            if _TAPES:
                _tapes_incomplete()
            operands = m, values, needs = gather(args)
            mark_repeated(prim, args, needs)  # x·x: one adjoint ȳ·(d₀ + d₁) for the node (primitives.core)
            value, saved = evaluate_saving(prim, m, values, params)
        node = _new(cls)  # (attributes set here rather than by __init__: this runs once per operation)
        node.value = value
        node.prim = prim
        node.parents = args
        node.params = params
        node.id = _next_id()
        node.name = None
        node.saved = saved
        node.operands = operands
        if _TAPES:
            for tape in _TAPES:
                tape.append(node)
        return node

    def _primal(self):
        return self.value

    def __repr__(self) -> str:
        what = "input" if self.prim is None else self.prim.name
        label = f" {self.name}" if self.name else ""
        return f"Node({what}{label}, value={self.value!r})"


def gather(args) -> tuple:
    """(backend, values, needs) for a primitive applied to ``args``: each operand's value, whether it is
    a node (so needs an adjoint), and the backend for them all (MATH for Python numbers only, GENERIC if
    any value is itself a tracer, else NUMPY)."""
    values = []
    needs = []
    m = MATH
    for a in args:
        if isinstance(a, Node):
            v = a.value
            needs.append(True)
        else:
            v = a
            needs.append(False)
        values.append(v)
        t = type(v)
        if t is _ndarray:  # (the usual case first)
            if m is MATH:
                m = NUMPY
        elif t is not float and t is not int and t is not bool:
            if isinstance(v, Tracer):
                m = GENERIC
            elif m is MATH:
                m = NUMPY
    return m, values, needs


def toposort(outputs, leaves: bool = True) -> list[Node]:
    """Every node the outputs depend on, in evaluation order (iterative: no recursion limit).

    ``leaves=False`` leaves out the inputs (nodes with no primitive) that the outputs do not include:
    the reverse sweep has nothing to do at them.
    """
    stack = [o for o in outputs if isinstance(o, Node)]
    seen = set(stack)
    order = []
    push, mark, visit = stack.append, seen.add, order.append
    while stack:
        node = stack.pop()
        visit(node)
        for p in node.parents:
            if isinstance(p, Node) and p not in seen:
                mark(p)
                if leaves or p.prim is not None:
                    push(p)
    order.sort(key=attrgetter("id"))
    return order
