"""The one place for paths that exist only for speed. ``AUTODIFF_REFERENCE=1`` switches them all off.

Each path here computes what the reference path computes (the tests run the whole suite both ways, and
``tests/autodiff/test_fast.py`` compares them case by case); what it pays is measured in
``benchmarks/README.md``.

**Scalar tapes.** A function of Python floats (the course's examples, micrograd-style code) records one
node per arithmetic operation, and its cost is Python's bookkeeping, not arithmetic. Here such a node is
recorded with its *local partials* ∂vⱼ/∂vᵢ, evaluated on floats while the value is computed, and the sweep
over a tape of such nodes is the course's adjoint table itself: v̄ᵢ += v̄ⱼ · ∂vⱼ/∂vᵢ, one or two products
per node, with no rule to call and no backend to choose.
"""

from __future__ import annotations

import os

from .backends import MATH
from .primitives import Tracer

ENABLED: bool = os.environ.get("AUTODIFF_REFERENCE", "").strip() not in ("1", "true", "yes")

_FLOATS = (float, int)
_LOCALS: dict = {}  # primitive -> function of (*xs, y) giving its partials on floats (None: not elementwise)


def _local(prim):
    """The partials of an elementwise primitive as one function of floats, built once per primitive."""
    try:
        return _LOCALS[prim]
    except KeyError:
        pass
    fn = None
    partials = prim.partials
    if partials is not None and len(partials) in (1, 2) and not _required_params(prim):
        def fn(*xy, _ds=partials):
            return tuple(d if type(d) is int else d(MATH, *xy) for d in _ds)
    _LOCALS[prim] = fn
    return fn


def _required_params(prim) -> bool:
    import inspect

    extra = list(inspect.signature(prim.impl).parameters.values())[1 + len(prim.partials):]
    return any(p.default is p.empty for p in extra)


def scalar_value_and_partials(prim, xs: list, params: dict):
    """``(value, local partials)`` for ``prim`` applied to Python floats; None for anything else."""
    if params:
        return None
    for x in xs:
        if type(x) not in _FLOATS:
            return None
    local = _local(prim)
    if local is None:
        return None
    try:
        value = prim.impl(MATH, *xs)
        return value, local(*xs, value)
    except (ValueError, TypeError, ArithmeticError):
        return None  # the reference path explains it


def sweep_scalars(tape: list, adj: dict, retain: bool) -> bool:
    """The sweep over a tape whose nodes all carry local partials, with Python-float seeds; False (and
    nothing done) for any other tape."""
    for s in adj.values():
        if type(s) is not float:
            return False
    for node in tape:
        if node.partials is None:
            return False
    take = adj.get if retain else adj.pop
    get = adj.get
    for node in reversed(tape):
        g = take(node, None)
        if g is None:
            continue
        level = node.level
        for p, d in zip(node.parents, node.partials):
            if isinstance(p, Tracer) and p.level is level:
                old = get(p)
                adj[p] = g * d if old is None else old + g * d
    return True
