"""Graph nodes: calling a function on nodes records every primitive it applies.

A :class:`Node` holds a value, the primitive that produced it, its parents (other nodes, or constants
kept inline) and the primitive's constant parameters (an axis, a shape, an index). Nodes are numbered in
creation order, which is always an evaluation (topological) order of the graph.
"""

from __future__ import annotations

from itertools import count
from operator import attrgetter

from .operators import Operators
from .primitives import Primitive, Tracer, choose_backend
from .primitives.core import evaluate

_ids = count(1)


class Node(Tracer, Operators):
    """A value in a computation graph. Leaves (inputs) have ``prim is None``."""

    __slots__ = ("value", "prim", "parents", "params", "id", "name")

    def __init__(self, value, prim: Primitive | None = None, parents: tuple = (), params: dict | None = None,
                 name: str | None = None):
        self.value = value
        self.prim = prim
        self.parents = parents
        self.params = params
        self.id = next(_ids)
        self.name = name

    @classmethod
    def _apply(cls, prim: Primitive, args: tuple, params: dict) -> Node:
        values = [a.value if isinstance(a, Node) else a for a in args]
        return cls(evaluate(prim, choose_backend(values), values, params), prim, args, params)

    def _primal(self):
        return self.value

    def __repr__(self) -> str:
        what = "input" if self.prim is None else self.prim.name
        label = f" {self.name}" if self.name else ""
        return f"Node({what}{label}, value={self.value!r})"


def toposort(outputs) -> list[Node]:
    """Every node the outputs depend on, in evaluation order (iterative: no recursion limit)."""
    seen: set = set()
    stack = [o for o in outputs if isinstance(o, Node)]
    order = []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for p in node.parents:
            if isinstance(p, Node) and p not in seen:
                stack.append(p)
    order.sort(key=attrgetter("id"))
    return order
