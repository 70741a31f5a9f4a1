"""Forward mode: dual numbers x + ẋε with ε² = 0.

Applying a primitive to duals applies its forward (jvp) rule, so ``f(Dual(x, ẋ))`` returns
``Dual(f(x), f'(x)·ẋ)``: one pass gives one directional derivative. A tangent with one extra leading
axis (shape ``(k, *x.shape)``) carries k directions through the same pass.
"""

from __future__ import annotations

import numpy as np

from .backends import NUMPY
from .operators import Operators
from .primitives import Primitive, Tracer, choose_backend
from .primitives.core import evaluate

_new = object.__new__


class Dual(Tracer, Operators):
    """A value with its tangent: ``Dual(value, tangent)``."""

    __slots__ = ("primal", "tangent")

    def __init__(self, primal, tangent):
        self.primal = primal
        self.tangent = tangent

    @classmethod
    def _apply(cls, prim: Primitive, args: tuple, params: dict):
        xs = []
        ts = []
        # The common case, decided in the same loop: numpy values, every tangent an array shaped like its
        # value (no batch axis), constants that are arrays or Python numbers. Then the backend is numpy and
        # the jvp applies directly; anything else (tracers inside, batched tangents) takes the general path.
        simple = True
        for a in args:
            if type(a) is cls:
                x = a.primal
                t = a.tangent
                if simple and not (type(t) is np.ndarray and type(x) is np.ndarray and t.ndim == x.ndim):
                    simple = False
            else:
                x = a
                t = None
                if simple and not (type(x) is np.ndarray or type(x) is float or type(x) is int):
                    simple = False
            xs.append(x)
            ts.append(t)
        if not simple:
            return cls._apply_general(prim, xs, ts, params)
        y = evaluate(prim, NUMPY, xs, params)
        # (one operand at least is a Dual, or this method would not have been called)
        t = prim.jvp(NUMPY, ts, xs, y, **params)
        if t is None:
            return y
        d = _new(cls)  # (slots set here rather than by __init__: this runs once per operation)
        d.primal = y
        d.tangent = t
        return d

    @classmethod
    def _apply_general(cls, prim: Primitive, xs: list, ts: list, params: dict):
        m = choose_backend(xs)
        y = evaluate(prim, m, xs, params)
        t = tangent_rule(prim, ts, xs, y, params)  # (None when no operand carries a tangent)
        return y if t is None else cls(y, t)

    def _primal(self):
        return self.primal

    @property
    def value(self):
        return self.primal

    def __repr__(self) -> str:
        return f"Dual({self.primal!r}, {self.tangent!r})"


def is_batched(t, x) -> bool:
    return t is not None and np.ndim(t) == np.ndim(x) + 1 and np.ndim(t) > 0


def _ndim(v) -> int:
    return v.ndim if type(v) is np.ndarray else np.ndim(v)


def tangent_rule(prim: Primitive, ts, xs, y, params):
    """``prim``'s jvp; a batch of tangents (one leading axis more than the value) is mapped over."""
    live = []
    batched = False
    for t, x in zip(ts, xs):
        if t is not None:
            live.append(t)
            if not batched and _ndim(t) == _ndim(x) + 1:
                batched = True
    if batched:
        k = next(np.shape(t)[0] for t, x in zip(ts, xs) if is_batched(t, x))
        rows = [tangent_rule(prim, [None if t is None else (t[i] if is_batched(t, x) else t) for t, x in zip(ts, xs)],
                             xs, y, params) for i in range(k)]
        if all(r is None for r in rows):
            return None
        return np.stack([np.zeros(np.shape(y)) if r is None else r for r in rows])
    if not live:
        return None
    return prim.jvp(choose_backend([*xs, *live]), ts, xs, y, **params)
