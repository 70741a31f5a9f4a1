"""The one registry of primitive operations (see :mod:`.core` for what a primitive holds).

Importing this package declares every primitive (``elementwise``, ``structural``) and completes the
GENERIC backend, whose functions re-enter :func:`bind`, so that derivative rules applied to traced
values are recorded too (this is what makes higher derivatives work).
"""

from __future__ import annotations

import math

from ..backends import NUMPY
from . import elementwise as _elementwise
from . import indicators as _indicators
from . import nn as _nn
from . import structural as _structural
from .core import (
    GENERIC,
    REGISTRY,
    ConcretizationError,
    EscapedTracerError,
    Level,
    Primitive,
    ShapeError,
    Tracer,
    apply,
    bind,
    choose_backend,
    example,
    get,
    level_stack,
    new_level,
    plain_index,
    register,
)
from .core import _primal as primal
from .indicators import indicator


def _bound(prim):
    return lambda *args, **params: bind(prim, *args, **params)


def _constant(name):
    # Indicator functions (sign, step, masks) have zero derivative almost everywhere: computed on the values
    # under the derivative levels, they are constants there (and operations of a program being staged).
    return lambda *args, **params: indicator(name, *args, **params)


for _name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "abs", "relu",
              "maximum", "minimum", "pow", "div", "matmul"):
    setattr(GENERIC, _name, _bound(REGISTRY[_name]))
for _name in ("sign", "heaviside", "mask"):
    setattr(GENERIC, _name, _constant(_name))

GENERIC.pi = math.pi
GENERIC.two_over_sqrt_pi = 2 / math.sqrt(math.pi)
GENERIC.where = lambda cond, a, b: bind(REGISTRY["where"], a, b, cond=primal(cond))
GENERIC.sum = lambda x, axis=None, keepdims=False: bind(REGISTRY["sum"], x, axis=axis, keepdims=keepdims)
GENERIC.mean = lambda x, axis=None, keepdims=False: bind(REGISTRY["mean"], x, axis=axis, keepdims=keepdims)
GENERIC.max = lambda x, axis=None, keepdims=False: bind(REGISTRY["max"], x, axis=axis, keepdims=keepdims)
GENERIC.reshape = lambda x, shape: bind(REGISTRY["reshape"], x, shape=tuple(shape))
GENERIC.transpose = lambda x, axes=None: bind(REGISTRY["transpose"], x, axes=axes)
GENERIC.broadcast_to = lambda x, shape: bind(REGISTRY["broadcast_to"], x, shape=tuple(shape))
GENERIC.sum_to = lambda x, shape: (x if GENERIC.shape(x) == tuple(shape)
                                  else bind(REGISTRY["sum_to"], x, shape=tuple(shape)))
GENERIC.getitem = lambda x, index: bind(REGISTRY["getitem"], x, index=index)
GENERIC.index_add = lambda g, index, shape: bind(REGISTRY["index_add"], g, index=index, shape=tuple(shape))
GENERIC.concatenate = lambda xs, axis=0: bind(REGISTRY["concatenate"], *xs, axis=axis)
GENERIC.shape = lambda x: NUMPY.shape(primal(x))
GENERIC.primal = primal


def _swap_last(x):
    n = len(GENERIC.shape(x))
    axes = list(range(n))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return bind(REGISTRY["transpose"], x, axes=tuple(axes))


GENERIC.swap_last = _swap_last

__all__ = ["GENERIC", "REGISTRY", "ConcretizationError", "EscapedTracerError", "Level", "Primitive", "ShapeError",
           "Tracer", "apply", "bind", "choose_backend", "example", "get", "indicator", "level_stack", "new_level",
           "plain_index", "primal", "register"]
del _elementwise, _indicators, _nn, _structural
