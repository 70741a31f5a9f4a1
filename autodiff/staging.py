"""Staging: ``jit(f)`` records ``f`` once per signature into a *program*, then runs the program.

A program is an evaluation trace without its values: inputs, then equations ``vᵢ = prim(operands)`` in
evaluation order, then outputs. Recording it is one more level on the stack (see
:mod:`autodiff.primitives.core`): the :class:`Stager` level's tracers are :class:`Staged` values, and each
primitive applied to them becomes an equation. Because the derivative levels hand the operations of their
rules to the levels outside them, ``jit(grad(f))`` records the reverse sweep as equations too: the backward
pass becomes program.

A staged value stands for the value of *every* later call, so it has none to look at: ``x > 0`` gives a
staged boolean, and ``if x > 0:``, ``float(x)`` or ``np.asarray(x)`` raise :class:`StagingError` naming the
line (use ``ad.where``). The signature — the arguments' nesting, shapes and dtypes — picks the program;
a new signature stages again.

Programs go through small passes, each a function from a program to a program (:func:`simplify`,
:func:`eliminate_common_subexpressions`, :func:`eliminate_dead_code`; :func:`optimize` runs the three). The
:class:`Runner` drops each value after its last use (:func:`last_uses`); where ``autodiff/fast.py`` is on,
it also writes an elementwise result into the array of an operand read there for the last time
(:func:`buffer_plan`).
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
from collections.abc import Callable

import numpy as np

from . import pytree
from .primitives import REGISTRY, Level, Primitive, Tracer, apply, choose_backend, new_level, primal
from .primitives.core import evaluate, example
from .primitives.indicators import indicator


class StagingError(TypeError):
    """A program being staged needed a value (Python control flow on a staged value, float(), numpy)."""


# --- values of a program being staged ------------------------------------------------------------------
class Var:
    """A variable of a program: ``example`` is its value in the call that staged it (for its shape and type
    only: a later call gives it another value)."""

    __slots__ = ("example",)

    def __init__(self, example):
        self.example = example

    def __repr__(self) -> str:
        return f"Var{_aval(self.example)}"


def _aval(v) -> str:
    if isinstance(v, np.ndarray):
        return f"({v.dtype}{list(v.shape)})"
    return f"({type(v).__name__})"


class Eqn:
    """``out = prim(*args, **params)``: ``args`` holds :class:`Var` objects or constants; a parameter may
    hold a Var too (an index or a condition computed by the program)."""

    __slots__ = ("prim", "args", "params", "out")

    def __init__(self, prim: Primitive, args: tuple, params: dict, out: Var):
        self.prim = prim
        self.args = args
        self.params = params
        self.out = out

    def reads(self) -> list[Var]:
        """The variables this equation reads, operands and parameters."""
        found = [a for a in self.args if type(a) is Var]
        for v in self.params.values():
            if type(v) is Var:
                found.append(v)
            elif type(v) is tuple:
                found += [i for i in v if type(i) is Var]
        return found


def map_params(params: dict, f: Callable) -> dict:
    """``params`` with ``f`` applied to each Var in them (a parameter's value, or an item of a tuple: an
    index); the same dict when nothing changes."""
    out = None
    for k, v in params.items():
        if type(v) is Var:
            v = f(v)
        elif type(v) is tuple and any(type(i) is Var for i in v):
            v = tuple(f(i) if type(i) is Var else i for i in v)
        else:
            continue
        if out is None:
            out = dict(params)
        out[k] = v
    return params if out is None else out


class Program:
    """``inputs`` (Vars), ``eqns`` (in evaluation order), ``outputs`` (Vars or constants). ``closure``: the
    program holds values traced by outer levels (a function closing over them), so it is run through the
    levels and never reused."""

    __slots__ = ("inputs", "eqns", "outputs", "closure")

    def __init__(self, inputs: list, eqns: list, outputs: list, closure: bool = False):
        self.inputs = inputs
        self.eqns = eqns
        self.outputs = outputs
        self.closure = closure

    def __len__(self) -> int:
        return len(self.eqns)

    def __str__(self) -> str:
        names = {v: f"v{i + 1}" for i, v in enumerate(self.inputs)}

        def show(a) -> str:
            return names.get(a, "?") if type(a) is Var else _short(a)

        lines = [f"inputs: {', '.join(names[v] + _aval(v.example) for v in self.inputs)}"]
        for e in self.eqns:
            names[e.out] = f"v{len(names) + 1}"
            shown = map_params(e.params, lambda v: _Name(show(v)))
            lines.append(f"{names[e.out]} = {e.prim.format([show(a) for a in e.args], shown)}")
        lines.append(f"outputs: {', '.join(show(o) for o in self.outputs)}")
        return "\n".join(lines)


class _Name(str):
    """A variable's name standing where a parameter's value would print."""

    __slots__ = ()


def _short(v) -> str:
    """A constant as a program prints it: a number as itself, a large array by its shape."""
    if isinstance(v, np.generic):
        return repr(v.item())
    return f"<{'×'.join(map(str, v.shape))} array>" if isinstance(v, np.ndarray) and v.size > 6 else repr(v)


_HERE = os.path.dirname(os.path.abspath(__file__))
_LIBRARIES = (_HERE, os.path.join(os.path.dirname(_HERE), "nets"), os.path.dirname(np.__file__))


def _user_line() -> str:
    """Where the user's code asked for a value: the innermost frame outside autodiff and nets."""
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_LIBRARIES):
        f = f.f_back
    if f is None:
        return "(line unknown)"
    text = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}, line {f.f_lineno}: {text}"


class Staged(Tracer):
    """A value of a program being staged: known by its shape and dtype, not by its value."""

    __slots__ = ("var", "level")
    opaque = True

    def __init__(self, var: Var, level: Stager):
        self.var = var
        self.level = level

    @property
    def example(self):
        return self.var.example

    @property
    def shape(self) -> tuple:
        return np.shape(self.var.example)

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(self.var.example)

    def _primal(self):
        return self

    def _needs_value(self, what: str):
        raise StagingError(
            f"{what} of a value staged by {self.level.name}: a staged program cannot depend on the values of "
            f"one call. At {_user_line()}. Use ad.where(condition, a, b) to choose by value, or call the "
            "function without jit")

    def __bool__(self):
        self._needs_value("Python control flow (if, while, and, or, bool())")

    def __float__(self):
        self._needs_value("float()")

    def __int__(self):
        self._needs_value("int()")

    def __index__(self):
        self._needs_value("an integer index")

    def __complex__(self):
        self._needs_value("complex()")

    def __array__(self, dtype=None, copy=None):
        self._needs_value("a numpy array (np.asarray, math.* or a numpy function)")

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar")
        return self.shape[0]

    # comparisons and logic are operations of the program (indicators: no derivative)
    def __lt__(self, other):
        return indicator("lt", self, other)

    def __le__(self, other):
        return indicator("le", self, other)

    def __gt__(self, other):
        return indicator("gt", self, other)

    def __ge__(self, other):
        return indicator("ge", self, other)

    def __eq__(self, other):  # elementwise, as for arrays (so a Staged value hashes by identity, set below)
        return indicator("eq", self, other)

    def __ne__(self, other):
        return indicator("ne", self, other)

    __hash__ = Tracer.__hash__

    def __and__(self, other):
        return indicator("logical_and", self, other)

    def __rand__(self, other):
        return indicator("logical_and", other, self)

    def __or__(self, other):
        return indicator("logical_or", self, other)

    def __ror__(self, other):
        return indicator("logical_or", other, self)

    def __invert__(self):
        return indicator("logical_not", self)

    _UFUNC_INDICATORS = {"less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge",
                         "equal": "eq", "not_equal": "ne",
                         "logical_and": "logical_and", "bitwise_and": "logical_and",
                         "logical_or": "logical_or", "bitwise_or": "logical_or"}

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = self._UFUNC_INDICATORS.get(ufunc.__name__)
        if name is not None and method == "__call__" and not kwargs:
            return indicator(name, *inputs)
        return Tracer.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)

    def __repr__(self) -> str:
        return f"Staged{_aval(self.var.example)}"


class Stager(Level):
    """The staging level: each primitive applied to its values becomes an equation of the program."""

    __slots__ = ("eqns", "closure")

    def __init__(self, depth: int, what: str, fn=None):
        super().__init__(depth, what, fn)
        self.eqns: list[Eqn] = []
        self.closure = False

    def process(self, prim: Primitive, args: tuple, params: dict) -> Staged:
        operands = []
        values = []
        for a in args:
            if isinstance(a, Tracer):
                if a.level is self:
                    operands.append(a.var)
                    values.append(a.var.example)
                    continue
                self.closure = True  # a value traced by an outer level: a constant of this call only
                values.append(example(a))
            else:
                values.append(a)
            operands.append(a)
        concrete = params
        if params:
            params, concrete = self._params(params)
        var = Var(evaluate(prim, choose_backend(values), values, concrete))
        self.eqns.append(Eqn(prim, tuple(operands), params, var))
        return Staged(var, self)

    def _params(self, params: dict) -> tuple[dict, dict]:
        """(params as the program keeps them, with Vars; params with example values, to compute with)."""
        kept, concrete = {}, {}
        for k, v in params.items():
            if isinstance(v, tuple) and any(isinstance(i, Tracer) for i in v):
                kept[k] = tuple(self._param(i) for i in v)
                concrete[k] = tuple(example(i) for i in v)
            elif isinstance(v, Tracer):
                kept[k] = self._param(v)
                concrete[k] = example(v)
            else:
                kept[k] = concrete[k] = v
        return kept, concrete

    def _param(self, v):
        if isinstance(v, Staged) and v.level is self:
            return v.var
        if isinstance(v, Tracer):
            self.closure = True
        return v

    def close(self) -> None:
        super().close()
        self.eqns = None


# --- staging a function ----------------------------------------------------------------------------------
def stage(f: Callable, args: tuple, named: Callable | None = None) -> tuple[Program, object]:
    """``(program, output structure)`` of ``f`` called on staged values shaped like ``args`` (a pytree);
    ``named``: the function that errors name (``jit(named)``), if not ``f``."""
    leaves, structure = pytree.flatten(args)
    with new_level(lambda depth: Stager(depth, "jit", named or f)) as level:
        inputs = [Var(_leaf(v, i)) for i, v in enumerate(leaves)]
        out = f(*pytree.unflatten(structure, [Staged(v, level) for v in inputs]))
        eqns, closure = level.eqns, level.closure
    out_leaves, out_structure = pytree.flatten(out)
    outputs = []
    for o in out_leaves:
        if isinstance(o, Staged) and o.level is level:
            outputs.append(o.var)
        else:
            if isinstance(o, Tracer):
                closure = True
            outputs.append(o)
    return Program(inputs, eqns, outputs, closure), out_structure


def _leaf(v, i: int):
    """A staged input's example; numbers and arrays only (ints become floats, as the other transformations
    take them)."""
    if isinstance(v, Tracer):
        return example(v)
    t = type(v)
    if t is float or t is np.ndarray:
        return v
    if t is int:
        return float(v)
    if isinstance(v, (np.number, np.ndarray)):
        return v
    raise TypeError(f"jit: argument leaf {i + 1} is a {t.__name__}; a jitted function takes numbers and numpy "
                    "arrays, possibly in tuples, lists and dicts")


def signature(leaves: list) -> tuple:
    """What picks a program: each leaf's type, shape and dtype."""
    sig = []
    for v in leaves:
        t = type(v)
        if t is np.ndarray:
            sig.append((v.shape, v.dtype, v.flags.c_contiguous))  # (the layout fixes which results are views)
        elif t is float or t is int:
            sig.append(float)
        elif isinstance(v, np.generic):
            sig.append(v.dtype)
        else:
            sig.append(t)  # (an unsupported leaf: staging explains)
    return tuple(sig)


# --- passes ------------------------------------------------------------------------------------------------
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


# --- running a program ------------------------------------------------------------------------------------
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


# --- jit ------------------------------------------------------------------------------------------------
class jit:
    """``jit(f)``: ``f`` staged once per signature (nesting, shapes and dtypes of its arguments) into a
    program that later calls run without recording anything.

    Arguments are numbers and numpy arrays, possibly nested in tuples, lists and dicts; so are results.
    Inside a transformation (``grad(jit(f))``), the program runs through that transformation's level.
    ``jit(f).trace(*args)`` is the program as a :class:`~autodiff.trace.Trace` (v1…vn, printable);
    ``jit(f).program(*args)`` the program itself.
    """

    def __init__(self, f: Callable, optimize: bool = True):
        if not callable(f):
            raise TypeError(f"jit needs a function, got a {type(f).__name__}")
        self.f = f
        self.optimize = optimize
        self.__name__ = f"jit({getattr(f, '__name__', 'f')})"
        self.__doc__ = getattr(f, "__doc__", None)
        self._cache: dict = {}
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        if kwargs:  # (keyword arguments are arguments like the others: part of the signature)
            return self._call((args, kwargs), self._with_keywords)
        return self._call(args, self.f)

    def _with_keywords(self, args: tuple, kwargs: dict):
        return self.f(*args, **kwargs)

    def _call(self, args: tuple, fn: Callable):
        leaves, structure = pytree.flatten(args)
        for v in leaves:
            if isinstance(v, Tracer):
                return self._traced(args, leaves, fn)
        key = (fn is self.f, structure, signature(leaves))
        entry = self._cache.get(key)
        if entry is None:
            program, out_structure = stage(fn, args, self.f)
            if self.optimize:
                program = optimize(program)
            if program.closure:  # (its constants belong to this call: run through the levels, keep nothing)
                return pytree.unflatten(out_structure, run_bound(program, [_leaf(v, i) for i, v in enumerate(leaves)]))
            entry = (Runner(program), out_structure)
            with self._lock:
                self._cache[key] = entry
        runner, out_structure = entry
        return pytree.unflatten(out_structure, runner(leaves))

    def _traced(self, args: tuple, leaves: list, fn: Callable):
        """Called on traced values: inside an outer ``jit`` the function is staged into that program (its
        operations are that level's); under derivative levels the program runs through them."""
        for v in leaves:
            if isinstance(primal(v), Staged):
                return fn(*args)
        program, out_structure = self._program(args, fn)
        return pytree.unflatten(out_structure, run_bound(program, leaves))

    def _program(self, args: tuple, fn: Callable) -> tuple[Program, object]:
        leaves, structure = pytree.flatten(args)
        key = (fn is self.f, structure, signature([example(v) if isinstance(v, Tracer) else v for v in leaves]))
        entry = self._cache.get(key)
        if entry is not None:
            return entry[0].program, entry[1]
        program, out_structure = stage(fn, args, self.f)
        return (optimize(program) if self.optimize else program), out_structure

    def program(self, *args) -> Program:
        """The (optimized) program staged for arguments like ``args``."""
        return self._program(args, self.f)[0]

    def trace(self, *args, names: list[str] | None = None):
        """The program staged for ``args``, evaluated at ``args``, as a numbered :class:`~autodiff.trace.Trace`;
        inputs are labelled by ``names`` (one per argument; by default the function's parameter names), with
        the key or position of each leaf of a container (``params[w1]``)."""
        from .trace import _signature_names, trace_program

        leaves, _ = pytree.flatten(args)
        labels = []
        for name, arg in zip(names or _signature_names(self.f, len(args)), args):
            labels += pytree.leaf_names(arg, name)
        return trace_program(self.program(*args), [_leaf(v, i) for i, v in enumerate(leaves)], labels, self.f)

    def __repr__(self) -> str:
        return f"<{self.__name__}: {len(self._cache)} programs staged>"


from . import fast as _fast  # noqa: E402 - the speed-only paths build on the classes above
