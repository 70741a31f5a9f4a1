"""Reverse mode: how a node is recorded, ordered and swept.

**Recording.** A :class:`Node` is a value in a computation graph: the value, the primitive that produced
it, its parents (nodes of the same level, or constants kept inline) and the primitive's constant
parameters. Nodes belong to a level (see :mod:`autodiff.primitives.core`):

* a :class:`Recorder` level is opened by ``grad``, ``vjp``, ``jacrev`` and ``trace``; applying a primitive
  to its nodes records a new node and writes it on the level's *tape*, the evaluation trace v1…vn in
  evaluation order (a Wengert list);
* the :data:`EAGER` level holds the nodes made outside any transformation (``nets.Tensor`` and
  ``Node(...)`` made by hand). It has no tape, like PyTorch: a graph is found from its output by a
  depth-first walk (:func:`toposort`).

**Sweeping.** The adjoint of a variable is v̄ᵢ = ∂f/∂vᵢ = Σ_{children j} v̄ⱼ · ∂vⱼ/∂vᵢ. Starting from
ȳ = 1 at the output and visiting the nodes in reverse evaluation order, each node hands its adjoint to
its parents through its primitive's vjp rule; one sweep gives the derivative with respect to every
input (:func:`backward`). ``grad``, ``vjp``, ``Trace.reverse()`` and ``nets.Tensor.backward()`` all call it.
The rules compute on the values stored in the nodes; where those are tracers of outer levels (a
derivative inside a derivative) the rules are recorded by those levels in turn, which is how higher
derivatives compose.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from .backends import NUMPY
from .primitives import GENERIC, REGISTRY, Level, Primitive, Tracer, apply, choose_backend, example, primal
from .primitives.core import evaluate
from .primitives.nn import ce_value_and_local

# What reverse mode alone needs of some primitives: an intermediate result of the forward pass that the
# reverse rule would otherwise compute again. RESIDUALS[prim](m, *xs, **params) gives (value, saved); the
# node keeps ``saved`` and the sweep hands it to the rule as ``saved=``.
RESIDUALS = {REGISTRY["softmax_cross_entropy"]: ce_value_and_local}
_GETITEM = REGISTRY["getitem"]


def evaluate_saving(prim: Primitive, xs: list, params: dict, plain: bool = False) -> tuple:
    """(value, saved) for a node being recorded: with the residual when the values are plain arrays.
    ``plain``: no value is a tracer (the eager level, below every other), so the rule is evaluated directly."""
    keep = RESIDUALS.get(prim)
    if keep is not None:
        if plain or not any(isinstance(x, Tracer) for x in xs):
            return keep(NUMPY, *xs, **params)
        if all(x.opaque for x in xs if isinstance(x, Tracer)):
            # values of a program being staged, and nothing else: the program computes the residual as well
            return keep(GENERIC, *xs, **params)
    return (evaluate(prim, choose_backend(xs), xs, params) if plain else apply(prim, xs, params)), None


class _GradMode(threading.local):
    enabled = True  # each thread starts recording (the class attribute until the thread sets its own)


_GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    """Whether the eager level records (per thread; ``nets.no_grad()`` switches it off)."""
    return _GRAD_MODE.enabled


def set_grad_enabled(mode: bool) -> None:
    _GRAD_MODE.enabled = bool(mode)


_NO_PARAMS: dict = {}  # shared and never changed


class Node(Tracer):
    """A value in a computation graph. Leaves (inputs) have ``prim is None``.

    ``Node(value)`` made by hand belongs to the eager level: operations on it are recorded until the
    graph is swept with :func:`backward`.
    """

    __slots__ = ("value", "prim", "parents", "params", "level", "name", "saved")

    def __init__(self, value, prim: Primitive | None = None, parents: tuple = (), params: dict | None = None,
                 name: str | None = None, level: Level | None = None):
        self.value = value
        self.prim = prim
        self.parents = parents
        self.params = params
        self.name = name
        self.level = EAGER if level is None else level
        self.saved = None  # what the recording level kept for the sweep (RESIDUALS; fast.py's local partials)

    requires_grad = True  # (nets.Tensor makes this a per-tensor flag)

    @classmethod
    def _result(cls, value, prim: Primitive | None, args: tuple, params: dict, saved) -> Node:
        """The eager level's result of ``prim`` (see :class:`Eager`): a node recording it, or a new leaf
        when ``prim`` is None (nothing recorded)."""
        node = cls(value, prim, args, params) if prim is not None else cls(value)
        node.saved = saved
        return node

    def _primal(self):
        return self.value

    def __repr__(self) -> str:
        what = "input" if self.prim is None else self.prim.name
        label = f" {self.name}" if self.name else ""
        return f"Node({what}{label}, value={self.value!r})"


Node.kind = Node  # the class whose ``_result`` makes eager results from it (nets.Tensor for tensors)


class Recorder(Level):
    """A reverse-mode level: each primitive applied to its nodes becomes a node on its ``tape``.

    The tape is for whoever opened the level to take before it closes: the level lets go of it then, so
    that the nodes (which refer to their level) form no reference cycle, and the graph is freed as soon as
    its last user drops it rather than at the garbage collector's next pass.
    """

    __slots__ = ("tape",)

    def __init__(self, depth: int, what: str, fn=None):
        super().__init__(depth, what, fn)
        self.tape: list[Node] = []

    def process(self, prim: Primitive, args: tuple, params: dict) -> Node:
        xs = []
        plain = True  # no value is a tracer (of an outer level): the rule is evaluated directly
        for a in args:
            if isinstance(a, Tracer):
                if a.level is self:
                    a = a.value
                if isinstance(a, Tracer):
                    plain = False
            xs.append(a)
        value, saved = evaluate_saving(prim, xs, params, plain)
        node = Node(value, prim, args, params, level=self)
        node.saved = saved
        self.tape.append(node)
        return node

    def close(self) -> None:
        super().close()
        self.tape = None


def recorder(depth: int, what: str, fn=None) -> Recorder:
    """The reverse-mode level that ``grad``, ``vjp``, ``jacrev`` and ``trace`` open: :class:`Recorder`, or its
    speed-only variant for Python floats (autodiff/fast.py) unless ``AUTODIFF_REFERENCE=1``."""
    return (_fast.ScalarRecorder if _fast.ENABLED else Recorder)(depth, what, fn)


class Eager(Level):
    """The level of nodes made outside any transformation (depth 0, below every other level).

    An operation on them records a node when some operand ``requires_grad`` and grad mode is on (per
    thread); the node's class decides what the result looks like (``nets.Tensor`` adds PyTorch's dtype
    rules through ``_result``). Values of other kinds of node cannot be mixed in one operation.
    """

    __slots__ = ()

    def process(self, prim: Primitive, args: tuple, params: dict):
        kind = None
        record = False
        xs = []
        for a in args:
            if isinstance(a, Tracer) and a.level is self:
                xs.append(a.value)
                if a.kind is not kind:
                    if kind is not None:
                        raise TypeError(f"{prim.name}: cannot combine a {kind.__name__} with a {a.kind.__name__}; "
                                        "use one kind of traced value per computation")
                    kind = a.kind
                if a.requires_grad:
                    record = True
            else:
                xs.append(a)
        # (the eager level is below every other: its values are plain numbers and arrays)
        if record and _GRAD_MODE.enabled:
            value, saved = evaluate_saving(prim, xs, params, plain=True)
            return kind._result(value, prim, args, params, saved)
        return kind._result(evaluate(prim, choose_backend(xs), xs, params), None, args, params, None)


EAGER = Eager(0, "the eager graph")  # an interpreter with no state: one for every thread


# --- ordering -------------------------------------------------------------------------------------------
def toposort(outputs: Sequence, leaves: bool = True) -> list[Node]:
    """Every node of the outputs' level that they depend on, in an evaluation order (parents before
    children), by an iterative depth-first walk: no recursion limit. ``leaves=False`` leaves out the
    inputs, where a sweep has nothing to do."""
    order: list[Node] = []
    done: set = set()
    for out in outputs:
        if not isinstance(out, Node) or out in done:
            continue
        level = out.level
        done.add(out)
        stack = [out]
        while stack:
            node = stack[-1]
            for p in node.parents:  # (a node has few parents: looking again on return is cheap)
                if isinstance(p, Node) and p.level is level and p not in done:
                    done.add(p)
                    if p.prim is None:
                        if leaves:
                            order.append(p)
                        continue
                    stack.append(p)
                    break
            else:  # every parent is placed: so is this node
                stack.pop()
                order.append(node)
    return order


# --- sweeping -------------------------------------------------------------------------------------------
def backward(outputs: Sequence[Node], seeds: Sequence, tape: list[Node] | None = None, retain: bool = False,
             free: bool = False, create_graph: bool = False) -> dict:
    """Propagate ``seeds`` (one adjoint per output) back through the graph.

    Returns ``{node: adjoint}`` for the leaves (and for every node when ``retain`` is true); an
    intermediate adjoint is dropped once it has been passed on, so memory follows the graph's width.
    ``tape``: the nodes in evaluation order, when the level recorded them (else they are sorted).
    ``free``: the graph will not be used again (``grad``), so each node's value is dropped once its rule
    has run: every rule still to come belongs to an ancestor and reads only older values.
    ``create_graph`` (eager graphs, PyTorch's name): the rules are applied to the nodes themselves rather than
    to their values, so the eager level records the sweep too and the adjoints are nodes that can be
    differentiated again (a second derivative without a transformation level).
    """
    adj: dict = {}
    for o, s in zip(outputs, seeds):
        adj[o] = s if o not in adj else adj[o] + s
    fast = _fast.ENABLED and not create_graph
    if fast and tape is not None and _fast.sweep_scalars(tape, adj, retain):
        return adj
    owned: set = set()  # (fast.py: the nodes whose adjoint buffer the sweep made, so may add into in place)
    take = adj.get if retain else adj.pop
    for node in reversed(tape if tape is not None else toposort(outputs, leaves=False)):
        prim = node.prim
        if prim is None:
            continue  # an input: its adjoint stays in adj
        g = take(node, None)
        if g is None:
            continue  # the outputs do not depend on this node
        if fast and prim is _GETITEM and _fast.add_indexed(node, g, adj, owned):
            contributions = ()  # (added into the operand's adjoint already)
        else:
            contributions = _contributions(node, g, fast, create_graph)
        if free:
            node.value = node.saved = None
        for p, c in zip(node.parents, contributions):
            if c is not None:
                old = adj.get(p)
                if old is None:
                    adj[p] = c
                elif fast:
                    _fast.add_into(adj, owned, p, old, c)
                else:
                    adj[p] = old + c
    return adj


def _contributions(node: Node, g, fast: bool, create_graph: bool = False) -> list:
    """The node's vjp rule applied to its adjoint ``g``: one contribution per parent (None for constants).
    With ``create_graph`` the rule reads the nodes (its operations are recorded), else their values."""
    prim = node.prim
    level = node.level
    xs = []
    needs = []
    for p in node.parents:
        own = isinstance(p, Node) and p.level is level
        xs.append(p.value if own and not create_graph else p)
        needs.append(own)
    y = node if create_graph else node.value
    params = node.params or _NO_PARAMS
    if prim in RESIDUALS and node.saved is not None and not create_graph:
        params = {**params, "saved": node.saved}
    m = choose_backend((g, *xs))
    if fast and prim.elementwise and m is NUMPY:
        special = _fast.elementwise_vjp(prim, g, xs, y, needs, params, node.parents)
        if special is not None:
            return special
    return prim.vjp(m, g, xs, y, needs, **params)


# --- the adjoint sweep of a trace (Trace.reverse) ------------------------------------------------------------
def zeros_like(v):
    v = example(v)
    return 0.0 if isinstance(v, (int, float)) else np.zeros_like(v, dtype=np.result_type(v, float))


def unit_seed(value):
    """The adjoint 1 of a scalar output, in the output's own type (a float32 loss seeds float32 adjoints)."""
    value = example(value)
    if isinstance(value, (int, float)):
        return 1.0
    if isinstance(value, np.generic) or type(value) is np.ndarray and value.ndim == 0:
        return value.dtype.type(1)
    return np.ones_like(value)


def check_seed(seed, value, what: str):
    if np.shape(primal(seed)) != np.shape(primal(value)):
        raise ValueError(f"{what} has shape {np.shape(primal(seed))}, but the value it seeds has shape "
                         f"{np.shape(primal(value))}")
    return seed


def output_seeds(outputs: Sequence, seed) -> list:
    """One adjoint per output: ``seed`` checked against the outputs' shapes (1 for a scalar when ``None``)."""
    if seed is None:
        for o in outputs:
            if np.ndim(primal(o.value)) != 0:
                raise ValueError(f"an output has shape {np.shape(primal(o.value))}: give a seed (an adjoint of that "
                                 "shape) to choose which combination of outputs to differentiate")
        return [unit_seed(o.value) for o in outputs]
    if len(outputs) > 1 and not isinstance(seed, (list, tuple)):
        raise ValueError(f"this trace has {len(outputs)} outputs: give a seed per output (a list of adjoints), "
                         "e.g. [1.0, 0.0] to differentiate the first")
    seeds = list(seed) if len(outputs) > 1 else [seed]
    if len(seeds) != len(outputs):
        raise ValueError(f"got {len(seeds)} seeds for {len(outputs)} outputs; give one adjoint per output")
    return [check_seed(s, o.value, f"the seed for output {i + 1}") for i, (s, o) in enumerate(zip(seeds, outputs))]


class Adjoints:
    """The result of an adjoint sweep: ``adjoints[v]`` for every variable, and the input ``gradient``."""

    def __init__(self, trace, adjoints: dict, seed):
        self.trace = trace
        self.seed = seed
        self.by_variable = {v: adjoints[v.node] if v.node in adjoints else zeros_like(v.value) for v in trace.nodes}

    def __getitem__(self, key):
        from .trace import Variable

        return self.by_variable[key if isinstance(key, Variable) else self.trace.variable(key)]

    @property
    def adjoints(self) -> list:
        """Every variable's adjoint v̄ᵢ, in trace order."""
        return [self.by_variable[v] for v in self.trace.nodes]

    @property
    def gradient(self):
        """The adjoints of the inputs: a tuple, or a single value for a one-input trace."""
        g = tuple(self.by_variable[v] for v in self.trace.inputs)
        return g if len(g) != 1 else g[0]

    def __repr__(self) -> str:
        from .trace import format_value

        return "Adjoints(" + ", ".join(f"{v.name}̄={format_value(a)}" for v, a in self.by_variable.items()) + ")"


def adjoint_sweep(trace, seed=None) -> Adjoints:
    outputs = [v.node for v in trace.outputs]
    seeds = output_seeds(outputs, seed)
    order = [v.node for v in trace.nodes]
    return Adjoints(trace, backward(outputs, seeds, tape=order, retain=True), seeds)


from . import fast as _fast  # noqa: E402 - the speed-only paths build on the classes above
