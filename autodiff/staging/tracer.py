"""The staging level: :class:`Staged` values, which know their shape and dtype but not their numbers, and the
:class:`Stager` level, which writes each primitive applied to them down as an equation (:func:`stage`)."""

from __future__ import annotations

import linecache
import os
import sys
from collections.abc import Callable

import numpy as np

from .. import pytree
from ..primitives import Level, Primitive, Tracer, choose_backend, new_level
from ..primitives.core import evaluate, example
from ..primitives.indicators import indicator
from .program import Eqn, Program, Var, _aval


class StagingError(TypeError):
    """A program being staged needed a value (Python control flow on a staged value, float(), numpy)."""


_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autodiff/
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
