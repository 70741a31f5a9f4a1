"""Reverse mode: the adjoint sweep, and the functions built on it.

The adjoint of a variable is v̄ᵢ = ∂f/∂vᵢ = Σ_{children j} v̄ⱼ · ∂vⱼ/∂vᵢ. Starting from ȳ = 1 at the output
and visiting the nodes in reverse evaluation order, each node hands its adjoint to its parents through
its primitive's vjp rule; one sweep gives the derivative with respect to every input. The same sweep
is ``nets.Tensor.backward()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .backends import MATH, NUMPY, Scatter
from .graph import Node, Tape, gather, start_tape, stop_tape, toposort
from .primitives import Tracer, choose_backend, primal
from .trace import Trace, Variable, as_input, format_value

_NO_PARAMS: dict = {}


def backward(outputs: Sequence[Node], seeds: Sequence, retain: bool = False, release: bool = False,
             tape: Tape | None = None) -> dict:
    """Propagate ``seeds`` (one adjoint per output) back through the graph.

    Returns ``{node: adjoint}`` for the leaves (and for every node when ``retain`` is true). An
    intermediate adjoint is dropped as soon as it has been passed on, so memory stays bounded by the
    graph's width rather than its length.

    ``release=True`` is for a graph that only the caller holds and will not use again (``grad``): each
    node's value and operands are dropped as soon as its rule has run, since every later rule belongs to
    an ancestor and reads only older values. Intermediate arrays then return to the allocator during the
    sweep, still in cache, for the adjoints allocated next (Rosenbrock at n = 10⁵: about 7 % faster).

    ``tape``: a complete :class:`~autodiff.graph.Tape` holding the graph (``None`` otherwise), which
    saves sorting it; nodes on it that the outputs do not depend on get no adjoint and are skipped. A
    tape holds scalars only: with Python-float seeds it is swept by :func:`_scalar_sweep`.
    """
    adj: dict = {}
    owned: set = set()  # nodes whose adjoint buffer the sweep allocated itself (safe to add into in place)
    for o, s in zip(outputs, seeds):
        adj[o] = s if o not in adj else adj[o] + s
    if tape is not None and all(type(s) is float for s in adj.values()):
        _scalar_sweep(tape, adj, retain)
        return adj
    get, pop = adj.get, adj.pop
    for node in reversed(tape if tape is not None else toposort(outputs, leaves=False)):
        prim = node.prim
        if prim is None:
            continue
        g = get(node) if retain else pop(node, None)
        if g is None:
            continue
        parents = node.parents
        m, xs, needs = node.operands or gather(parents)
        # The forward pass's backend serves the adjoint too, unless the adjoint is not a Python float at a
        # node recorded on Python numbers, or a tracer (a sweep seeded with dual numbers) at an array node.
        if m is MATH and type(g) is not float or m is NUMPY and type(g) is not np.ndarray and isinstance(g, Tracer):
            m = choose_backend((g, *xs))
        params = node.params
        if prim.fwd is not None:
            contributions = prim.vjp(m, g, xs, node.value, needs, saved=node.saved, **(params or _NO_PARAMS))
            if not retain:
                node.saved = None  # used: release it now rather than with the graph
        elif params:
            contributions = prim.vjp(m, g, xs, node.value, needs, **params)
        else:
            contributions = prim.vjp(m, g, xs, node.value, needs)
        if release:
            node.operands = node.value = None  # (its children ran before it and released their operands)
        for p, c in zip(parents, contributions):
            if c is None:
                continue
            old = get(p)
            if type(c) is Scatter:
                _scatter_into(adj, owned, p, old, c)
            else:
                adj[p] = c if old is None else old + c
    return adj


def _scalar_sweep(tape: Tape, adj: dict, retain: bool) -> None:
    """The sweep over a tape, whose nodes are all scalars recorded with their local partials
    (Primitive.local) and whose adjoints are Python floats: x̄ᵢ += ȳ·dᵢ, one or two operands per node.

    The hot loop of ``grad`` on scalar code: the partials were computed while recording, so there is no
    rule to call and no backend to choose. (Operands are indexed rather than zipped: 11 % faster.)
    """
    get = adj.get
    take = adj.get if retain else adj.pop
    for node in reversed(tape):
        g = take(node, None)
        if g is None:
            continue  # the outputs do not depend on this node
        saved = node.saved
        parents = node.parents
        p = parents[0]
        if isinstance(p, Node):
            old = get(p)
            adj[p] = g * saved[0] if old is None else old + g * saved[0]
        if len(parents) == 2:
            p = parents[1]
            if isinstance(p, Node):
                old = get(p)
                adj[p] = g * saved[1] if old is None else old + g * saved[1]


def _scatter_into(adj: dict, owned: set, p, old, c: Scatter) -> None:
    """Add an indexed adjoint to p's: in place where the sweep owns p's buffer (and its dtype is wide
    enough), else into a fresh buffer that it then owns."""
    if old is not None and p in owned and np.result_type(old, c.g) == old.dtype:
        c.add_into(old)
        return
    if old is None:
        buffer = c.dense()
    else:
        buffer = np.array(old, dtype=np.result_type(old, c.g), copy=True)
        c.add_into(buffer)
    adj[p] = buffer
    owned.add(p)


def _zeros_like(v):
    v = primal(v)
    return 0.0 if isinstance(v, (int, float)) else np.zeros_like(v, dtype=np.result_type(v, float))


def _result(adj: dict, node: Node):
    """An input's adjoint as handed to the user: zeros if the output does not depend on it, and an array
    of its own (not a read-only broadcast view, which is what the adjoint of a sum can be)."""
    a = adj.get(node)
    if a is None:
        return _zeros_like(node.value)
    return np.array(a) if type(a) is np.ndarray and not a.flags.writeable else a


def unit_seed(value):
    """The adjoint 1 of a scalar output, in the output's own type (a float32 loss seeds float32 adjoints)."""
    value = primal(value)
    if isinstance(value, (int, float)):
        return 1.0
    if isinstance(value, np.generic) or type(value) is np.ndarray and value.ndim == 0:
        return value.dtype.type(1)
    return np.ones_like(value)


def _check_seed(seed, value, what: str):
    if np.shape(primal(seed)) != np.shape(primal(value)):
        raise ValueError(f"{what} has shape {np.shape(primal(seed))}, but the value it seeds has shape "
                         f"{np.shape(primal(value))}")
    return seed


def _output_seeds(outputs: Sequence, seed) -> list:
    if seed is None:
        for o in outputs:
            if np.ndim(primal(o.value)) != 0:
                raise ValueError(f"an output has shape {np.shape(primal(o.value))}: give a seed (an adjoint of that "
                                 "shape) to choose which combination of outputs to differentiate")
        return [unit_seed(o.value) for o in outputs]
    seeds = list(seed) if len(outputs) > 1 else [seed]
    if len(seeds) != len(outputs):
        raise ValueError(f"got {len(seeds)} seeds for {len(outputs)} outputs; give one adjoint per output")
    return [_check_seed(s, o.value, f"the seed for output {i + 1}") for i, (s, o) in enumerate(zip(seeds, outputs))]


class Adjoints:
    """The result of an adjoint sweep: ``adjoints[v]`` for every variable, and the input ``gradient``."""

    def __init__(self, trace: Trace, adjoints: dict, seed):
        self.trace = trace
        self.seed = seed
        self.by_variable: dict[Variable, object] = {
            v: adjoints[v.node] if v.node in adjoints else _zeros_like(v.value) for v in trace.nodes}

    def __getitem__(self, key):
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
        return "Adjoints(" + ", ".join(f"{v.name}̄={format_value(a)}" for v, a in self.by_variable.items()) + ")"


def adjoint_sweep(trace: Trace, seed=None) -> Adjoints:
    outputs = [v.node for v in trace.outputs]
    seeds = _output_seeds(outputs, seed)
    return Adjoints(trace, backward(outputs, seeds, retain=True), seeds)


# --- function transformations ------------------------------------------------------------------------
def _argnums(argnums, n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -n <= a < n:
            raise ValueError(f"argnums {argnums!r} does not fit a call with {n} positional arguments")
    return tuple(a % n for a in nums)


def _call_traced(f: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...]):
    """``(input nodes, f's output, tape)``: ``f`` called on nodes for the arguments ``nums``, its
    evaluation trace recorded on a tape (``None`` unless complete: see :class:`~autodiff.graph.Tape`)."""
    nodes = {i: Node(as_input(args[i]), name=f"x{i + 1}") for i in nums}
    tape = start_tape()
    try:
        out = f(*[nodes.get(i, a) for i, a in enumerate(args)], **kwargs)
    finally:
        stop_tape(tape)
    return nodes, out, (tape if tape.complete else None)


def _require_node(f, out, what: str):
    if not isinstance(out, Node):
        name = getattr(f, "__name__", "the function")
        raise TypeError(f"{what}: {name} returned a {type(out).__name__} that does not depend on the "
                        "differentiated arguments; return a value computed from them")


def vjp(f: Callable, *primals, **kwargs):
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(ȳ)`` returns one adjoint per primal (a tuple)."""
    nums = tuple(range(len(primals)))
    nodes, out, tape = _call_traced(f, primals, kwargs, nums)
    multiple = isinstance(out, (tuple, list))
    outs = list(out) if multiple else [out]
    for o in outs:
        _require_node(f, o, "vjp")

    def vjp_fn(cotangent):
        seeds = [_check_seed(c, o.value, "the cotangent") for c, o in
                 zip(list(cotangent) if multiple else [cotangent], outs)]
        if len(seeds) != len(outs):
            raise ValueError(f"got {len(seeds)} cotangents for {len(outs)} outputs")
        adj = backward(outs, seeds, tape=tape)
        return tuple(_result(adj, nodes[i]) for i in nums)

    values = tuple(o.value for o in outs)
    return (values if multiple else values[0]), vjp_fn


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning ``(f(x), ∇f(x))``; the gradient is a tuple when ``argnums`` is a tuple.

    The graph it records is its own: the sweep drops each intermediate value that is not a Python number
    as soon as its rule has used it, so a node that ``f`` let escape may show ``value=None`` afterwards.
    To look at intermediate values, trace ``f`` (``autodiff.trace``).
    """

    def value_and_grad_f(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        nodes, out, tape = _call_traced(f, args, kwargs, nums)
        _require_node(f, out, "grad")
        if np.ndim(primal(out.value)) != 0:
            raise TypeError(f"grad needs a scalar output, but the function returned shape "
                            f"{np.shape(primal(out.value))}; use jacrev or vjp for vector outputs")
        value = out.value
        # The graph is ours alone: free it as we go.
        adj = backward([out], [unit_seed(value)], release=True, tape=tape)
        grads = tuple(_result(adj, nodes[i]) for i in nums)
        return value, (grads[0] if isinstance(argnums, int) else grads)

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """∇f by one reverse sweep. ``argnums`` picks the arguments (an int, or a tuple giving a tuple)."""
    vg = value_and_grad(f, argnums)

    def grad_f(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


def jacrev(f: Callable, argnums: int = 0) -> Callable:
    """The Jacobian by reverse mode: one trace, then one adjoint sweep per output entry.

    The result has shape ``out.shape + x.shape``.
    """

    def jac(*args, **kwargs):
        (num,) = _argnums(argnums, len(args))
        nodes, out, tape = _call_traced(f, args, kwargs, (num,))
        _require_node(f, out, "jacrev")
        x, y = nodes[num].value, primal(out.value)
        rows = []
        for j in range(int(np.size(y))):
            seed = np.zeros(np.shape(y))
            seed.flat[j] = 1.0
            adj = backward([out], [seed if np.ndim(y) else 1.0], tape=tape)
            rows.append(np.asarray(adj.get(nodes[num], _zeros_like(x)), dtype=float))
        return np.reshape(np.stack(rows), np.shape(y) + np.shape(x))

    return jac


def hvp(f: Callable, x, v):
    """The Hessian-vector product H(x)·v by forward-over-reverse: the directional derivative of ∇f along v."""
    from .forward import jvp

    return jvp(grad(f), (x,), (v,))[1]


def hessian(f: Callable) -> Callable:
    """The Hessian ∇²f(x), one forward-over-reverse pass per input entry; shape ``x.shape + x.shape``."""

    def hess(x):
        x = as_input(x)
        n = int(np.size(x))
        cols = []
        for i in range(n):
            e = np.zeros(np.shape(x))
            e.flat[i] = 1.0
            cols.append(np.asarray(primal(hvp(f, x, e if np.ndim(x) else 1.0)), dtype=float))
        return np.reshape(np.stack(cols, axis=-1), np.shape(x) + np.shape(x))

    return hess
