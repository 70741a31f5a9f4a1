"""Passes: functions from a program to a program that computes the same outputs, bit for bit."""

from __future__ import annotations

import numpy as np

from ..primitives import REGISTRY, Tracer, choose_backend
from ..primitives.core import evaluate
from .program import Eqn, Program, Var, map_params

_MUL, _ADD, _SUB, _DIV = REGISTRY["mul"], REGISTRY["add"], REGISTRY["sub"], REGISTRY["div"]


def _is(c, k: float) -> bool:
    """Whether the constant ``c`` is the number ``k`` everywhere (a Python number or a numpy value)."""
    if isinstance(c, (Var, Tracer)):
        return False
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        return c == k
    return isinstance(c, (np.ndarray, np.generic)) and c.size > 0 and bool(np.all(c == k))


def _same_kind(a, b) -> bool:
    """Whether ``a`` can stand for ``b``: same type, shape and dtype (so replacing one by the other changes
    nothing downstream)."""
    if type(a) is not type(b):
        return False
    return not isinstance(a, np.ndarray) or (a.shape == b.shape and a.dtype == b.dtype)


def _identity_operand(e: Eqn):
    """The operand that ``e`` returns unchanged (x·1, 1·x, x+0, 0+x, x−0, x/1), or None."""
    p, args = e.prim, e.args
    if len(args) != 2 or e.params:
        return None
    a, b = args
    if p is _MUL:
        keep = a if _is(b, 1) else b if _is(a, 1) else None
    elif p is _ADD:
        keep = a if _is(b, 0) else b if _is(a, 0) else None
    elif p is _SUB or p is _DIV:
        keep = a if _is(b, 0 if p is _SUB else 1) else None
    else:
        return None
    if keep is None or type(keep) is not Var or not _same_kind(keep.example, e.out.example):
        return None
    return keep


_NEG = REGISTRY["neg"]


def _uniform_scalar(c, e: Eqn, args: tuple):
    """A constant array all of whose entries are one number, as that number (in the array's dtype) when the
    equation gives the same result with it; else ``c``. Seeds broadcast to an array's shape make such
    constants (−1 everywhere), which a program would otherwise keep, full size, for every run."""
    if not (type(c) is np.ndarray and c.size > 1 and e.prim.elementwise and not e.params):
        return c
    first = c.flat[0]
    if not np.all(c == first):
        return c
    scalar = c.dtype.type(first)
    values = [scalar if a is c else (a.example if type(a) is Var else a) for a in args]
    try:
        with np.errstate(all="ignore"):
            got = evaluate(e.prim, choose_backend(values), values, e.params)
    except (ValueError, TypeError, ArithmeticError):
        return c
    want = e.out.example
    same = type(got) is type(want) and np.shape(got) == np.shape(want) and np.result_type(got) == np.result_type(want)
    return scalar if same else c


def _negation(e: Eqn) -> Eqn:
    """``x·(−1)`` or ``(−1)·x`` as ``−x`` when that has the product's shape and dtype."""
    if e.prim is not _MUL or e.params:
        return e
    a, b = e.args
    x = a if _is(b, -1) else b if _is(a, -1) else None
    if type(x) is Var and _same_kind(x.example, e.out.example):
        return Eqn(_NEG, (x,), {}, e.out)
    return e


def simplify(program: Program) -> Program:
    """Constant folding and algebraic identities.

    * An equation whose operands are all constants is computed now; its value becomes a constant.
    * ``x·1``, ``1·x``, ``x+0``, ``0+x``, ``x−0`` and ``x/1`` are ``x`` (when the result has x's shape and
      dtype): the seed ȳ = 1 of a reverse sweep makes such rows. ``x·(−1)`` and ``(−1)·x`` are ``−x``.
    * A constant array holding one number everywhere (a seed broadcast to a shape) becomes that number.
    Later equations read the replacement instead. The results are unchanged, bit for bit.
    """
    replace: dict[Var, object] = {}

    def sub(a):
        return replace.get(a, a) if type(a) is Var else a

    eqns = []
    fold = not program.closure  # (a program with outer levels' values in it is run through the levels)
    for e in program.eqns:
        args = tuple(sub(a) for a in e.args)
        params = map_params(e.params, sub)
        e = Eqn(e.prim, args, params, e.out)
        if fold and not e.reads():
            replace[e.out] = evaluate(e.prim, choose_backend(args), args, params)
            continue
        e = Eqn(e.prim, tuple(_uniform_scalar(a, e, args) for a in args), params, e.out)
        keep = _identity_operand(e)
        if keep is not None:
            replace[e.out] = keep
            continue
        eqns.append(_negation(e))
    return Program(program.inputs, eqns, [sub(o) for o in program.outputs], program.closure)


def _key(e: Eqn):
    """What makes two equations compute the same value: primitive, operands and parameters (constants
    compared by identity unless they are plain numbers); None if a parameter cannot be compared."""
    def part(a):
        if type(a) is Var or type(a) in (int, float, bool, str, type(None)):
            return a
        if isinstance(a, np.generic):  # a numpy number: by its type and value
            return ("number", a.dtype, a.item())
        if type(a) is tuple:
            return tuple(part(i) for i in a)
        if type(a) is slice:
            return ("slice", a.start, a.stop, a.step)
        return ("id", id(a))

    try:
        key = (e.prim, tuple(part(a) for a in e.args), tuple((k, part(v)) for k, v in sorted(e.params.items())))
        hash(key)
    except TypeError:
        return None
    return key


def eliminate_common_subexpressions(program: Program) -> Program:
    """An equation that repeats an earlier one (same primitive, operands and parameters) is dropped and its
    readers read the earlier result: ``a * a`` differentiates into two equal rows ȳ·a, one per operand."""
    replace: dict[Var, Var] = {}
    seen: dict = {}

    def sub(a):
        return replace.get(a, a) if type(a) is Var else a

    eqns = []
    for e in program.eqns:
        e = Eqn(e.prim, tuple(sub(a) for a in e.args), map_params(e.params, sub), e.out)
        key = _key(e)
        if key is not None and key in seen:
            replace[e.out] = seen[key]
            continue
        if key is not None:
            seen[key] = e.out
        eqns.append(e)
    return Program(program.inputs, eqns, [sub(o) for o in program.outputs], program.closure)


def eliminate_dead_code(program: Program) -> Program:
    """Only the equations that an output depends on (one pass backwards from the outputs)."""
    live = {o for o in program.outputs if type(o) is Var}
    kept = []
    for e in reversed(program.eqns):
        if e.out in live:
            kept.append(e)
            live.update(e.reads())
    kept.reverse()
    return Program(program.inputs, kept, program.outputs, program.closure)


def last_uses(program: Program) -> list[list[Var]]:
    """For each equation, the variables it reads for the last time (not outputs): the runner drops them
    there, so a value's memory is freed as soon as nothing will read it."""
    keep = {o for o in program.outputs if type(o) is Var}
    seen: set = set()
    dead: list[list[Var]] = []
    for e in reversed(program.eqns):
        here = []
        for v in e.reads():
            if v not in seen and v not in keep:
                here.append(v)
            seen.add(v)
        dead.append(here)
    dead.reverse()
    return dead


def buffer_plan(program: Program) -> list:
    """For each equation, an operand whose array can receive its result (None where there is none): one
    the program made itself (not an input, not a constant), read here for the last time, of the result's
    shape and dtype, and with no view of it (a slice, a reshape) read later. Found on the examples: for
    one signature, which results are views of which operands does not change."""
    base: dict[Var, Var | None] = {v: None for v in program.inputs}  # whose buffer a value lives in
    for e in program.eqns:
        out = e.out.example
        # a new array of its own (not a view, not read-only), or one that belongs to someone else
        base[e.out] = e.out if type(out) is np.ndarray and out.base is None and out.flags.writeable else None
        if type(out) is np.ndarray:
            for a in (*e.reads(), *e.args):
                if type(a) is Var and type(a.example) is np.ndarray and np.may_share_memory(out, a.example):
                    base[e.out] = base[a]  # a view of an operand (or the operand itself): the same buffer
                    break
                if type(a) is np.ndarray and np.may_share_memory(out, a):
                    base[e.out] = None  # a view of a constant: never written
                    break
    last: dict[Var, int] = {}  # the last equation reading each buffer
    for i, e in enumerate(program.eqns):
        for a in e.reads():
            if base[a] is not None:
                last[base[a]] = i
    for o in program.outputs:
        if type(o) is Var and base[o] is not None:
            last[base[o]] = len(program.eqns)  # (an output's buffer is the caller's)
    plan = []
    for i, e in enumerate(program.eqns):
        into = None
        out = e.out.example
        for a in e.args:
            if (type(a) is Var and base[a] is a and last.get(a) == i and type(out) is np.ndarray
                    and a.example.shape == out.shape and a.example.dtype == out.dtype):
                into = a
                break
        plan.append(into)
    return plan


def optimize(program: Program) -> Program:
    """The passes, in order: simplification, common subexpressions, then dead-code removal."""
    return eliminate_dead_code(eliminate_common_subexpressions(simplify(program)))
