"""A program: inputs, equations ``out = prim(operands; params)`` in evaluation order, outputs."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..primitives import Primitive


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


def forget_examples(program: Program) -> None:
    """Replace the examples of the program's variables by arrays of one element broadcast to their shape: the
    shapes and dtypes stay, the staging call's values (every intermediate array) are let go."""
    variables = [*program.inputs, *(e.out for e in program.eqns)]
    for v in variables:
        if type(v.example) is np.ndarray and v.example.size > 1:
            v.example = np.broadcast_to(np.zeros((), v.example.dtype), v.example.shape)
