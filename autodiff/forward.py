"""Forward mode: dual numbers x + ẋε with ε² = 0, and the tangent sweep over a trace.

A tangent is v̇ᵢ = Σ_{parents j} v̇ⱼ · ∂vᵢ/∂vⱼ: seeding the inputs with a direction (1, 0) gives ∂f/∂x1 at
every node in one pass, so a gradient of n inputs takes n passes. ``jvp`` opens a :class:`Forward` level
whose tracers are :class:`Dual` numbers; applying a primitive to them applies its jvp rule. A tangent with
one extra leading axis (shape ``(k, *x.shape)``) carries k directions through the same pass.
"""

from __future__ import annotations

import numpy as np

from .primitives import Level, Primitive, Tracer, apply, choose_backend, example, primal


class Dual(Tracer):
    """A value with its tangent: ``Dual(value, tangent)``.

    Inside ``jvp`` each dual belongs to that call's level. One made by hand belongs to a level of its own
    (:data:`HAND_MADE`), for exploring dual numbers: ``(Dual(2.0, 1.0) ** 3).tangent`` is 12.
    """

    __slots__ = ("primal", "tangent", "level")

    def __init__(self, primal, tangent, level: Level | None = None):
        self.primal = primal
        self.tangent = tangent
        self.level = HAND_MADE if level is None else level

    def _primal(self):
        return self.primal

    @property
    def value(self):
        return self.primal

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"


class Forward(Level):
    """A forward-mode level: a primitive applied to its duals gives a dual (value, jvp rule's tangent)."""

    __slots__ = ()

    def process(self, prim: Primitive, args: tuple, params: dict):
        xs = []
        ts = []
        for a in args:
            if isinstance(a, Tracer) and a.level is self:
                xs.append(a.primal)
                ts.append(a.tangent)
            else:
                xs.append(a)  # a constant to this level (perhaps a tracer of an outer one)
                ts.append(None)
        y = apply(prim, xs, params)
        t = tangent_rule(prim, ts, xs, y, params)
        if t is None:
            return y
        return Dual(y, t, self)


HAND_MADE = Forward(0.5, "a hand-made Dual")  # between the eager level (0) and every transformation (1, 2, …)


def forward_level(depth: int, what: str, fn=None) -> Forward:
    """The forward-mode level that ``jvp`` opens: :class:`Forward`, or its speed-only variant for arrays
    (autodiff/fast.py) unless ``AUTODIFF_REFERENCE=1``."""
    return (_fast.ArrayForward if _fast.ENABLED else Forward)(depth, what, fn)


def _ndim(v) -> int:
    return v.ndim if type(v) is np.ndarray else np.ndim(primal(v))


def is_batched(t, x) -> bool:
    return t is not None and _ndim(t) == _ndim(x) + 1


def tangent_rule(prim: Primitive, ts, xs, y, params):
    """``prim``'s jvp (None when no operand carries a tangent); a batch of tangents (one leading axis more
    than the value) is mapped over, one direction at a time."""
    live = False
    batched = False
    for t, x in zip(ts, xs):
        if t is not None:
            live = True
            if _ndim(t) != _ndim(x):
                batched = True
    if not live:
        return None
    if batched:
        k = next(np.shape(primal(t))[0] for t, x in zip(ts, xs) if is_batched(t, x))
        rows = [tangent_rule(prim, [t[i] if is_batched(t, x) else t for t, x in zip(ts, xs)], xs, y, params)
                for i in range(k)]
        if all(r is None for r in rows):
            return None
        return np.stack([np.zeros(np.shape(primal(y))) if r is None else primal(r) for r in rows]) \
            if not any(isinstance(r, Tracer) for r in rows) else _stack_traced(rows, y)
    m = choose_backend([*xs, *(t for t in ts if t is not None)])
    return prim.jvp(m, ts, xs, y, **params)


def _stack_traced(rows, y):
    from .functions import concatenate, reshape

    shape = (1,) + np.shape(primal(y))
    return concatenate([reshape(0.0 * y if r is None else r, shape) for r in rows], axis=0)


# --- the tangent sweep of a trace (Trace.forward) ----------------------------------------------------------
def unit(value):
    value = example(value)  # (a staged value: its shape and dtype)
    return 1.0 if np.ndim(value) == 0 else np.ones_like(value, dtype=float)


def zero(value):
    value = example(value)
    return 0.0 if np.ndim(value) == 0 else np.zeros_like(value, dtype=float)


def check_tangent(t, value, name: str):
    if type(t) is np.ndarray and type(value) is np.ndarray and t.shape == value.shape:
        return t  # (the usual case, checked first: this runs for every input of every jvp)
    from .trace import as_input

    t = as_input(t)
    ts, vs = np.shape(primal(t)), np.shape(primal(value))
    if ts != vs and not (len(ts) == len(vs) + 1 and ts[1:] == vs):
        raise ValueError(f"the tangent for {name} has shape {ts}; expected {vs} (or (k, *{vs}) for k directions)")
    return t


def input_seeds(trace, seed) -> list:
    """One tangent per input from ``seed``: a sequence, a ``{label: tangent}`` dict, or an input's label
    (a unit tangent on that input, zero elsewhere). ``None`` is allowed for a one-input trace."""
    inputs = trace.inputs
    if seed is None:
        if len(inputs) != 1:
            raise ValueError(f"this trace has {len(inputs)} inputs ({', '.join(trace.input_names)}): give a seed, "
                             "one tangent per input, or the name of the input to differentiate by")
        seed = [unit(inputs[0].value)]
    elif isinstance(seed, str):
        target = trace.variable(seed)
        if target not in inputs:
            raise ValueError(f"{seed!r} is not an input; inputs are {', '.join(trace.input_names)}")
        seed = [unit(v.value) if v is target else zero(v.value) for v in inputs]
    elif isinstance(seed, dict):
        unknown = set(seed) - set(trace.input_names)
        if unknown:
            raise ValueError(f"unknown input(s) {', '.join(map(str, unknown))} in the seed; inputs are "
                             f"{', '.join(trace.input_names)}")
        seed = [seed.get(v.label, zero(v.value)) for v in inputs]
    else:
        seed = list(seed) if isinstance(seed, (list, tuple)) or np.ndim(seed) > 0 and len(inputs) > 1 else [seed]
        if len(seed) != len(inputs):
            raise ValueError(f"got {len(seed)} seed tangents for {len(inputs)} inputs "
                             f"({', '.join(trace.input_names)}); give one per input")
    return [check_tangent(t, v.value, v.label) for t, v in zip(seed, inputs)]


class Tangents:
    """The result of a tangent sweep: ``tangents[v]`` for every variable and the ``output`` tangent."""

    def __init__(self, trace, tangents: dict, seed: list):
        self.trace = trace
        self.seed = seed
        self.by_variable = tangents

    def __getitem__(self, key):
        from .trace import Variable

        return self.by_variable[key if isinstance(key, Variable) else self.trace.variable(key)]

    @property
    def tangents(self) -> list:
        return [self.by_variable[v] for v in self.trace.nodes]

    @property
    def output(self):
        t = tuple(self.by_variable[v] for v in self.trace.outputs)
        return t if self.trace.multiple_outputs else t[0]

    def __repr__(self) -> str:
        from .trace import format_value

        return "Tangents(" + ", ".join(f"{v.name}̇={format_value(t)}" for v, t in self.by_variable.items()) + ")"


def tangent_sweep(trace, seed=None) -> Tangents:
    """v̇ for every row of the trace, in evaluation order, by each row's jvp rule."""
    from .trace import Variable

    seeds = input_seeds(trace, seed)
    tangents: dict = dict(zip(trace.inputs, seeds))
    for v in trace.nodes[len(trace.inputs):]:
        ts = [tangents[p] if isinstance(p, Variable) else None for p in v.parents]
        xs = [p.value if isinstance(p, Variable) else p for p in v.parents]
        t = tangent_rule(v.primitive, ts, xs, v.value, v.params)
        tangents[v] = zero(v.value) if t is None else t
    return Tangents(trace, tangents, seeds)


from . import fast as _fast  # noqa: E402 - the speed-only paths build on the classes above
