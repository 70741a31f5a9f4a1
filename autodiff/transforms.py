"""Function transformations, as in JAX: ``jvp``, ``jacfwd``, ``vjp``, ``grad``, ``value_and_grad``, ``jacrev``,
``hvp`` and ``hessian``.

Each call opens a level of its own (:func:`~autodiff.primitives.new_level`): a :class:`~autodiff.forward.Forward`
level for the forward-mode ones, a :class:`~autodiff.reverse.Recorder` for the reverse-mode ones. The
function runs on that level's tracers; values of outer levels that it closes over are constants there.
So the transformations nest in any order and depth: ``grad(grad(f))`` is reverse over reverse,
``jacfwd(grad(f))`` forward over reverse. A reverse sweep runs after its level has closed, so the rules it
applies to outer tracers are recorded by the outer levels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import pytree
from .forward import Dual, check_tangent, forward_level, zero
from .primitives import Tracer, new_level, primal
from .reverse import Node, backward, check_seed, recorder, unit_seed, zeros_like
from .trace import as_input


def _name(f: Callable) -> str:
    return getattr(f, "__name__", "f")


def _argnums(argnums, n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError("argnums is empty: name at least one argument to differentiate by")
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool) or not -n <= a < n:
            raise ValueError(f"argnums {argnums!r} does not fit a call with {n} positional arguments")
    return tuple(a % n for a in nums)


# --- forward mode --------------------------------------------------------------------------------------------
def _split(o, level):
    """(primal, tangent) of one output of a jvp'd function."""
    if isinstance(o, Dual) and o.level is level:
        return o.primal, o.tangent
    return o, zero(primal(o))  # the output does not depend on the inputs: tangent zero


def jvp(f: Callable, primals: Sequence, tangents: Sequence):
    """``(f(*primals), ∂f·tangents)``: one forward pass with dual numbers."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"got {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    with new_level(lambda depth: forward_level(depth, "jvp", f)) as level:
        duals = [Dual(as_input(x), check_tangent(t, x, f"argument {i + 1}"), level)
                 for i, (x, t) in enumerate(zip(primals, tangents))]
        out = f(*duals)
    if isinstance(out, (tuple, list)):
        pairs = [_split(o, level) for o in out]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    return _split(out, level)


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by forward mode, one dual pass per input entry; shape ``out.shape + x.shape``.

    With a tuple ``argnums`` each output gives a tuple of blocks, one per argument; a function returning a
    tuple gives a tuple over its outputs (JAX's nesting: ``result[output][argument]``).
    """

    def jac(*args):
        nums = _argnums(argnums, len(args))
        args = [as_input(a) for a in args]
        per_arg = []  # per argument: [block for each output]
        multiple = False
        for num in nums:
            x = args[num]
            columns = []
            out = None
            for i in range(max(int(np.size(primal(x))), 1)):
                tangents = [zero(primal(a)) for a in args]
                tangents[num] = _basis(x, i) if np.size(primal(x)) else zero(primal(x))
                out, t = jvp(f, args, tangents)
                multiple = isinstance(out, tuple)
                columns.append(t if multiple else (t,))
            outs = out if multiple else (out,)
            if not np.size(primal(x)):
                columns = []
            per_arg.append([_stack_columns([c[k] for c in columns], outs[k], x) for k in range(len(outs))])

        def block(k):
            return per_arg[0][k] if isinstance(argnums, int) else tuple(b[k] for b in per_arg)

        return tuple(block(k) for k in range(len(per_arg[0]))) if multiple else block(0)

    jac.__name__ = f"jacfwd({_name(f)})"
    return jac


def _basis(x, i: int):
    """The i-th unit vector shaped like ``x`` (1.0 for a number)."""
    if np.ndim(primal(x)) == 0:
        return 1.0
    e = np.zeros(np.shape(primal(x)))
    e.flat[i] = 1.0
    return e


def _stack_columns(cols: list, out, x):
    """∂out/∂x from the tangents of x's unit directions, shaped ``out.shape + x.shape``."""
    shape = np.shape(primal(out)) + np.shape(primal(x))
    if not cols:
        return np.zeros(shape)
    if any(isinstance(c, Tracer) for c in cols):  # inside another transformation: stay differentiable
        from .functions import concatenate, reshape

        flat = [reshape(c, np.shape(primal(out)) + (1,)) for c in cols]
        return reshape(concatenate(flat, axis=-1) if len(flat) > 1 else flat[0], shape)
    return np.reshape(np.stack([np.asarray(c, dtype=float) for c in cols], axis=-1), shape)


# --- reverse mode -------------------------------------------------------------------------------------------
def _record(f: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...], what: str):
    """``(input nodes, f's output, level, tape)``: ``f`` called on a new reverse level's nodes for the
    arguments ``nums``. The level is closed on return: what happens next (the sweeps) is seen by outer
    levels."""
    with new_level(lambda depth: recorder(depth, what, f)) as level:
        nodes = {i: _Inputs(args[i], f"x{i + 1}", level) for i in nums}
        out = f(*[nodes[i].tree if i in nodes else a for i, a in enumerate(args)], **kwargs)
        tape = level.tape
    return nodes, out, level, tape


class _Inputs:
    """The input nodes made for one argument: ``tree`` is what the function receives (a node, or a dict,
    list or tuple of nodes for an argument that is such a container of arrays), ``leaves`` the nodes."""

    __slots__ = ("tree", "leaves", "structure")

    def __init__(self, arg, name: str, level):
        if pytree.is_container(arg):
            values, self.structure = pytree.flatten(arg)
            self.leaves = [Node(as_input(v), name=f"{name}[{i}]", level=level) for i, v in enumerate(values)]
            self.tree = pytree.unflatten(self.structure, self.leaves)
        else:
            self.structure = pytree.LEAF
            self.leaves = [Node(as_input(arg), name=name, level=level)]
            self.tree = self.leaves[0]

    def gather(self, pick):
        """``pick(node)`` for each input node, in the argument's own nesting."""
        return pytree.unflatten(self.structure, [pick(n) for n in self.leaves])



def _check_output(f, out, what: str):
    if not isinstance(out, Tracer) and not isinstance(out, (int, float, complex, np.number, np.ndarray)):
        raise TypeError(f"{what}: {_name(f)} returned a {type(out).__name__}; return a number or an array")
    if not isinstance(out, Tracer):
        raise TypeError(f"{what}: {_name(f)} returned a {type(out).__name__} that does not depend on the "
                        "differentiated arguments; return a value computed from them")


def _sweep(out, level, tape, seed, nodes: dict, nums, free: bool = False) -> tuple:
    """The adjoints of the inputs ``nums`` for one seed (zeros for those the output does not depend on);
    ``free``: the last sweep of this graph, which drops the intermediate values as it goes."""
    if not (isinstance(out, Node) and out.level is level):  # a constant to this level (an outer value)
        return tuple(nodes[i].gather(lambda n: zeros_like(n.value)) for i in nums)
    adj = backward([out], [seed], tape=tape, free=free)
    return tuple(nodes[i].gather(lambda n: _owned(adj.get(n), n.value)) for i in nums)


def _owned(a, value):
    """An input's adjoint as handed to the user: zeros if the output does not depend on it, and an array
    of its own (not a read-only broadcast view, which is what the adjoint of a sum can be)."""
    if a is None:
        return zeros_like(value)
    return np.array(a) if type(a) is np.ndarray and not a.flags.writeable else a


def vjp(f: Callable, *primals, **kwargs):
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(ȳ)`` returns one adjoint per primal (a tuple)."""
    nums = tuple(range(len(primals)))
    nodes, out, level, tape = _record(f, primals, kwargs, nums, "vjp")
    multiple = isinstance(out, (tuple, list))
    outs = list(out) if multiple else [out]
    for o in outs:
        _check_output(f, o, "vjp")

    def vjp_fn(cotangent):
        seeds = list(cotangent) if multiple else [cotangent]
        if len(seeds) != len(outs):
            raise ValueError(f"got {len(seeds)} cotangents for {len(outs)} outputs")
        seeds = [check_seed(c, _value(o, level), "the cotangent") for c, o in zip(seeds, outs)]
        mine = [(o, s) for o, s in zip(outs, seeds) if isinstance(o, Node) and o.level is level]
        if not mine:
            return tuple(nodes[i].gather(lambda n: zeros_like(n.value)) for i in nums)
        adj = backward([o for o, _ in mine], [s for _, s in mine], tape=tape)
        return tuple(nodes[i].gather(lambda n: _owned(adj.get(n), n.value)) for i in nums)

    values = tuple(_value(o, level) for o in outs)
    return (values if multiple else values[0]), vjp_fn


def _value(o, level):
    return o.value if isinstance(o, Node) and o.level is level else o


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning ``(f(x), ∇f(x))``; the gradient is a tuple when ``argnums`` is a tuple."""

    def value_and_grad_f(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        nodes, out, level, tape = _record(f, args, kwargs, nums, "grad")
        _check_output(f, out, "grad")
        value = _value(out, level)
        if np.ndim(primal(value)) != 0:
            raise TypeError(f"grad needs a scalar output, but the function returned shape "
                            f"{np.shape(primal(value))}; use jacrev or vjp for vector outputs")
        grads = _sweep(out, level, tape, unit_seed(value), nodes, nums, free=True)
        return value, (grads[0] if isinstance(argnums, int) else grads)

    value_and_grad_f.__name__ = f"value_and_grad({_name(f)})"
    value_and_grad_f.__wrapped__ = f  # (its parameters are f's: inspect.signature reads them there)
    return value_and_grad_f


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """∇f by one reverse sweep. ``argnums`` picks the arguments (an int, or a tuple giving a tuple)."""
    vg = value_and_grad(f, argnums)

    def grad_f(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({_name(f)})"
    grad_f.__wrapped__ = f
    return grad_f


def jacrev(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by reverse mode: one recording, then one adjoint sweep per output entry.

    The result has shape ``out.shape + x.shape`` (a tuple of them when ``argnums`` is a tuple).
    """

    def jac(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        nodes, out, level, tape = _record(f, args, kwargs, nums, "jacrev")
        _check_output(f, out, "jacrev")
        y = _value(out, level)
        rows = []
        for j in range(int(np.size(primal(y)))):
            seed = _basis(y, j)
            rows.append(_sweep(out, level, tape, seed, nodes, nums))
        blocks = []
        for k, num in enumerate(nums):
            if nodes[num].structure is not pytree.LEAF:
                raise TypeError(f"jacrev: argument {num + 1} is a container; give it as arrays (argnums)")
            blocks.append(_stack_rows([r[k] for r in rows], y, nodes[num].tree.value))
        return blocks[0] if isinstance(argnums, int) else tuple(blocks)

    jac.__name__ = f"jacrev({_name(f)})"
    return jac


def _stack_rows(rows: list, y, x):
    shape = np.shape(primal(y)) + np.shape(primal(x))
    if any(isinstance(r, Tracer) for r in rows):
        from .functions import concatenate, reshape

        flat = [reshape(r, (1,) + np.shape(primal(x))) for r in rows]
        return reshape(concatenate(flat, axis=0) if len(flat) > 1 else flat[0], shape)
    return np.reshape(np.stack([np.asarray(r, dtype=float) for r in rows]), shape)


def hvp(f: Callable, x, v):
    """The Hessian-vector product H(x)·v by forward-over-reverse: the directional derivative of ∇f along v."""
    return jvp(grad(f), (x,), (v,))[1]


def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian ∇²f by forward over reverse (``jacfwd(grad(f))``), shape ``x.shape + x.shape``; with a
    tuple ``argnums``, the nested tuple of blocks ``H[i][j]`` = ∂²f/∂xᵢ∂xⱼ, as JAX returns it."""
    nums = argnums if isinstance(argnums, int) else tuple(argnums)
    h = jacfwd(grad(f, nums), nums)
    h.__name__ = f"hessian({_name(f)})"
    return h
