"""Running a program: on plain values by a compiled :class:`Runner`, or through the active levels."""

from __future__ import annotations

import numpy as np

from .. import fast as _fast
from ..primitives import apply, choose_backend
from .passes import buffer_plan, last_uses
from .program import Program, Var, map_params


class Runner:
    """A program compiled for repeated runs on plain values: equations become (impl, backend, slots)
    steps over a list of slots, and each value is dropped after its last use."""

    __slots__ = ("program", "steps", "template", "inputs", "outputs")

    def __init__(self, program: Program):
        self.program = program
        slot: dict[Var, int] = {}
        template: list = []

        def slot_of(a) -> int:
            if type(a) is Var:
                return slot[a]
            template.append(a)  # a constant: a slot filled once, in the template
            return len(template) - 1

        for v in program.inputs:
            slot[v] = len(template)
            template.append(None)
        steps = []
        plan = buffer_plan(program) if _fast.ENABLED else [None] * len(program.eqns)
        for e, dead, into in zip(program.eqns, last_uses(program), plan):
            args = tuple(slot_of(a) for a in e.args)
            impl = e.prim.impl
            writer = _fast.in_place(e, into) if into is not None else None
            if writer is not None:  # (fast.py: the result goes into a buffer that is dead after this step)
                impl, args = writer, args + (slot[into],)
            dynamic = tuple((k, slot_of(v)) if type(v) is Var else (k, tuple(
                (True, slot_of(i)) if type(i) is Var else (False, i) for i in v))
                for k, v in e.params.items() if type(v) is Var or (type(v) is tuple and any(
                    type(i) is Var for i in v)))
            slot[e.out] = len(template)
            template.append(None)
            m = choose_backend([a.example if type(a) is Var else a for a in e.args])
            steps.append((impl, m, args, e.params, dynamic, slot[e.out], tuple(slot[v] for v in dead)))
        self.steps = steps
        self.template = template
        self.inputs = tuple(slot[v] for v in program.inputs)
        self.outputs = tuple((True, slot[o]) if type(o) is Var else (False, o) for o in program.outputs)

    def __call__(self, leaves: list) -> list:
        env = self.template.copy()
        for s, v in zip(self.inputs, leaves):
            env[s] = v
        for impl, m, args, params, dynamic, out, dead in self.steps:
            if dynamic:
                params = _resolve(params, dynamic, env)
            n = len(args)  # (one and two operands written out: a list per step costs as much as a small op)
            if n == 2:
                env[out] = impl(m, env[args[0]], env[args[1]], **params)
            elif n == 1:
                env[out] = impl(m, env[args[0]], **params)
            else:
                env[out] = impl(m, *[env[s] for s in args], **params)
            for s in dead:
                env[s] = None
        # (a constant output is copied: the caller may change it, and the program keeps it for later runs)
        return [env[s] if var else (s.copy() if type(s) is np.ndarray else s) for var, s in self.outputs]


def _resolve(params: dict, dynamic: tuple, env: list) -> dict:
    params = dict(params)
    for k, s in dynamic:
        params[k] = env[s] if type(s) is int else tuple(env[i] if var else i for var, i in s)
    return params


def run_bound(program: Program, leaves: list) -> list:
    """The program run through :func:`~autodiff.primitives.apply`, equation by equation, so that the levels
    active now (a ``grad`` around the jitted function, an outer ``jit``) see every operation."""
    env: dict = dict(zip(program.inputs, leaves))

    def get(a):
        return env[a] if type(a) is Var else a

    for e in program.eqns:
        env[e.out] = apply(e.prim, tuple(get(a) for a in e.args), map_params(e.params, get))
    return [get(o) for o in program.outputs]
