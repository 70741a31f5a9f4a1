"""Forward mode: the tangent sweep over a trace, and ``jvp`` / ``jacfwd`` on functions.

A tangent is v̇ᵢ = Σ_{parents j} v̇ⱼ · ∂vᵢ/∂vⱼ: seeding the inputs with a direction (1, 0) gives ∂f/∂x1 at
every node in one pass, so a gradient of n inputs takes n passes. Both the sweep and :class:`Dual` apply
the registry's jvp rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .dual import Dual, tangent_rule
from .primitives import primal
from .trace import Trace, Variable, as_input, format_value


def _unit(value):
    return 1.0 if np.ndim(value) == 0 else np.ones_like(value, dtype=float)


def _zero(value):
    return 0.0 if np.ndim(value) == 0 else np.zeros_like(value, dtype=float)


def _check_tangent(t, value, name: str):
    t = as_input(t)
    ts, vs = np.shape(t), np.shape(primal(value))
    if ts != vs and not (len(ts) == len(vs) + 1 and ts[1:] == vs):
        raise ValueError(f"the tangent for {name} has shape {ts}; expected {vs} (or (k, *{vs}) for k directions)")
    return t


def input_seeds(trace: Trace, seed) -> list:
    """One tangent per input from ``seed``: a sequence, a ``{label: tangent}`` dict, or an input's label
    (a unit tangent on that input, zero elsewhere). ``None`` is allowed for a one-input trace."""
    inputs = trace.inputs
    if seed is None:
        if len(inputs) != 1:
            raise ValueError(f"this trace has {len(inputs)} inputs ({', '.join(trace.input_names)}): give a seed, "
                             "one tangent per input, or the name of the input to differentiate by")
        seed = [_unit(inputs[0].value)]
    elif isinstance(seed, str):
        target = trace.variable(seed)
        if target not in inputs:
            raise ValueError(f"{seed!r} is not an input; inputs are {', '.join(trace.input_names)}")
        seed = [_unit(v.value) if v is target else _zero(v.value) for v in inputs]
    elif isinstance(seed, dict):
        unknown = set(seed) - set(trace.input_names)
        if unknown:
            raise ValueError(f"unknown input(s) {', '.join(map(str, unknown))} in the seed; inputs are "
                             f"{', '.join(trace.input_names)}")
        seed = [seed.get(v.label, _zero(v.value)) for v in inputs]
    else:
        seed = list(seed) if isinstance(seed, (list, tuple)) or np.ndim(seed) > 0 and len(inputs) > 1 else [seed]
        if len(seed) != len(inputs):
            raise ValueError(f"got {len(seed)} seed tangents for {len(inputs)} inputs "
                             f"({', '.join(trace.input_names)}); give one per input")
    return [_check_tangent(t, v.value, v.label) for t, v in zip(seed, inputs)]


class Tangents:
    """The result of a tangent sweep: ``tangents[v]`` for every variable and the ``output`` tangent."""

    def __init__(self, trace: Trace, tangents: dict, seed: list):
        self.trace = trace
        self.seed = seed
        self.by_variable = tangents

    def __getitem__(self, key):
        return self.by_variable[key if isinstance(key, Variable) else self.trace.variable(key)]

    @property
    def tangents(self) -> list:
        return [self.by_variable[v] for v in self.trace.nodes]

    @property
    def output(self):
        t = tuple(self.by_variable[v] for v in self.trace.outputs)
        return t if self.trace.multiple_outputs else t[0]

    def __repr__(self) -> str:
        return "Tangents(" + ", ".join(f"{v.name}̇={format_value(t)}" for v, t in self.by_variable.items()) + ")"


def tangent_sweep(trace: Trace, seed=None) -> Tangents:
    seeds = input_seeds(trace, seed)
    tangents: dict[Variable, object] = dict(zip(trace.inputs, seeds))
    for v in trace.nodes[len(trace.inputs):]:
        ts = [tangents[p] if isinstance(p, Variable) else None for p in v.parents]
        xs = [p.value if isinstance(p, Variable) else p for p in v.parents]
        t = tangent_rule(v.primitive, ts, xs, v.value, v.params)
        tangents[v] = _zero(v.value) if t is None else t
    return Tangents(trace, tangents, seeds)


def jvp(f: Callable, primals: Sequence, tangents: Sequence):
    """``(f(*primals), ∂f·tangents)``: one forward pass with dual numbers."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"got {len(primals)} primals but {len(tangents)} tangents; give one tangent per primal")
    duals = [Dual(as_input(x), _check_tangent(t, x, f"argument {i + 1}"))
             for i, (x, t) in enumerate(zip(primals, tangents))]
    out = f(*duals)
    if isinstance(out, (tuple, list)):
        return tuple(_split(o)[0] for o in out), tuple(_split(o)[1] for o in out)
    return _split(out)


def _split(o):
    if isinstance(o, Dual):
        return o.primal, o.tangent
    return o, _zero(o)  # the output does not depend on the inputs


def jacfwd(f: Callable, argnums: int = 0) -> Callable:
    """The Jacobian by forward mode, one dual pass per input entry; shape ``out.shape + x.shape``."""

    def jac(*args):
        x = as_input(args[argnums])
        cols = []
        for i in range(int(np.size(x))):
            e = np.zeros(np.shape(x))
            e.flat[i] = 1.0
            tangents = [_zero(a) for a in args]
            tangents[argnums] = e if np.ndim(x) else 1.0
            out, t = jvp(f, [as_input(a) for a in args], tangents)
            cols.append(np.asarray(t, dtype=float))
        y = np.stack(cols, axis=-1)
        return np.reshape(y, np.shape(out) + np.shape(x))

    return jac
