"""The one place for paths that exist only for speed. ``AUTODIFF_REFERENCE=1`` switches them all off.

Each path here computes what the reference path computes (the tests run the whole suite both ways, and
``tests/autodiff/test_fast.py`` compares them case by case); what it pays is measured in
``benchmarks/README.md``.

**Scalar tapes** (:class:`ScalarRecorder`, :func:`sweep_scalars`). A function of Python floats (the course's
examples, micrograd-style code) records one node per arithmetic operation, and its cost is Python's
bookkeeping, not arithmetic. Here such a node is recorded with its *local partials* ∂vⱼ/∂vᵢ, evaluated on
floats while the value is computed, and the sweep over a tape of such nodes is the course's adjoint table
itself: v̄ᵢ += v̄ⱼ · ∂vⱼ/∂vᵢ, one or two products per node, with no rule to call and no backend to choose.

**Dual numbers of arrays** (:class:`ArrayForward`). Where every operand is a numpy array or a Python
number and every tangent an array shaped like its value, the jvp rule runs on the numpy backend directly,
without choosing a backend or looking for a batch of tangents, for each operation.

**Uniform adjoints** (:func:`uniform_vjp`). Below a ``sum`` (a loss, the Rosenbrock function) the adjoint
is one number ȳ₀ broadcast to an array (a view with zero strides). For an elementwise node, ȳ·dᵢ is then
ȳ₀·dᵢ: a constant partial keeps the adjoint one number (no pass over the array), and ȳ₀ = 1 hands dᵢ on
as it is.

**Repeated operands** (:func:`repeated_vjp`, and in :class:`ArrayForward`). An elementwise primitive applied
to one value twice (``a * a``, ``a + a``) has the derivative ȳ·(d₀ + d₁) with respect to it: one product
instead of two and a sum, in both modes.

**Staged results written in place** (:func:`in_place`). A staged program knows, before it runs, which
arrays it made are read for the last time by an equation (``autodiff.staging.buffer_plan``); an
elementwise equation writes its result into such an array (numpy's ``out=``) instead of a new one.

**Adjoints added in place** (:func:`add_into`, :func:`add_indexed`). The reference sweep adds each
contribution into a node's adjoint as a new array. Here the sweep adds into a buffer it made itself, in
place, and the adjoint of ``x[index]`` goes straight into the buffer of x's adjoint (x̄[index] += ȳ)
instead of being written out as a zero array with ȳ at ``index`` first: slices of one array (``x[1:]``,
``x[:-1]``) cost one pass each instead of three.
"""

from __future__ import annotations

import inspect
import os

import numpy as np

from .backends import MATH, NUMPY
from .forward import Dual, Forward
from .primitives import REGISTRY, Tracer
from .primitives.core import evaluate
from .reverse import Node, Recorder

# Read once, when autodiff is imported: the switch for the whole process (the tests also set it directly).
ENABLED: bool = os.environ.get("AUTODIFF_REFERENCE", "").strip() not in ("1", "true", "yes")


def _local(prim):
    """The partials of an elementwise primitive as one function of floats (None for other primitives),
    written out for one and two operands (it runs once for every scalar operation recorded)."""
    fn = None
    partials = prim.partials
    if partials is not None and not _required_params(prim):
        if len(partials) == 1:
            (d,) = partials
            fn = (lambda x, y, c=(d,): c) if type(d) is int else (lambda x, y: (d(MATH, x, y),))
        elif len(partials) == 2:
            d0, d1 = partials
            if type(d0) is int and type(d1) is int:
                fn = lambda a, b, y, c=(d0, d1): c  # noqa: E731
            elif type(d0) is int:
                fn = lambda a, b, y: (d0, d1(MATH, a, b, y))  # noqa: E731
            elif type(d1) is int:
                fn = lambda a, b, y: (d0(MATH, a, b, y), d1)  # noqa: E731
            else:
                fn = lambda a, b, y: (d0(MATH, a, b, y), d1(MATH, a, b, y))  # noqa: E731
    return fn


def _required_params(prim) -> bool:
    """Whether the primitive cannot be applied without a parameter (where's condition): never on this path,
    which takes none."""
    extra = list(inspect.signature(prim.impl).parameters.values())[1 + len(prim.partials):]
    return any(p.default is p.empty for p in extra)


_LOCALS = {prim: _local(prim) for prim in REGISTRY.values()}  # built once: read-only afterwards


class ScalarNode(Node):
    """A node recorded on Python floats, with its local partials ∂self/∂parent (one per parent)."""

    __slots__ = ("partials",)


class ScalarRecorder(Recorder):
    """A reverse-mode level that records Python-float operations with their local partials (used in place
    of :class:`~autodiff.reverse.Recorder` while this module is enabled); anything else it records as the
    reference does."""

    __slots__ = ()

    def process(self, prim, args: tuple, params: dict):
        # (written out for one and two operands: this runs once for every scalar operation)
        a = args[0]
        x = a.value if isinstance(a, Tracer) and a.level is self else a
        if (type(x) is float or type(x) is int) and not params:
            local = _LOCALS[prim] if prim in _LOCALS else _local(prim)
            if local is not None:
                try:
                    if len(args) == 1:
                        value = prim.impl(MATH, x)
                        partials = local(x, value)
                    else:
                        b = args[1]
                        y = b.value if isinstance(b, Tracer) and b.level is self else b
                        if type(y) is not float and type(y) is not int:
                            return Recorder.process(self, prim, args, params)
                        value = prim.impl(MATH, x, y)
                        partials = local(x, y, value)
                except (ValueError, TypeError, ArithmeticError):
                    return Recorder.process(self, prim, args, params)  # the reference path explains it
                node = object.__new__(ScalarNode)
                node.value = value
                node.saved = None
                node.partials = partials
                node.prim = prim
                node.parents = args
                node.params = params
                node.name = None
                node.level = self
                self.tape.append(node)
                return node
        return Recorder.process(self, prim, args, params)


def sweep_scalars(tape: list, adj: dict, retain: bool) -> bool:
    """The sweep over a tape whose nodes all carry local partials, with Python-float seeds; False (and
    nothing done) for any other tape."""
    for s in adj.values():
        if type(s) is not float:
            return False
    for node in tape:
        if type(node) is not ScalarNode:
            return False
    take = adj.get if retain else adj.pop
    get = adj.get
    for node in reversed(tape):
        g = take(node, None)
        if g is None:
            continue
        level = node.level
        parents = node.parents
        partials = node.partials
        # (one or two operands, indexed rather than zipped: this runs once for every node)
        p = parents[0]
        if isinstance(p, Tracer) and p.level is level:
            old = get(p)
            adj[p] = g * partials[0] if old is None else old + g * partials[0]
        if len(parents) == 2:
            p = parents[1]
            if isinstance(p, Tracer) and p.level is level:
                old = get(p)
                adj[p] = g * partials[1] if old is None else old + g * partials[1]
    return True


class ArrayForward(Forward):
    """A forward-mode level that applies the jvp rules of arrays directly (used in place of
    :class:`~autodiff.forward.Forward` while this module is enabled); anything else goes the reference way."""

    __slots__ = ()

    def process(self, prim, args: tuple, params: dict):
        xs = []
        ts = []
        for a in args:
            if isinstance(a, Tracer):
                if a.level is not self:
                    return Forward.process(self, prim, args, params)
                x = a.primal
                t = a.tangent
                if type(x) is not np.ndarray or type(t) is not np.ndarray or t.ndim != x.ndim:
                    return Forward.process(self, prim, args, params)
            else:
                x = a
                t = None
                if type(x) is not np.ndarray and type(x) is not float and type(x) is not int:
                    return Forward.process(self, prim, args, params)
            xs.append(x)
            ts.append(t)
        y = evaluate(prim, NUMPY, xs, params)
        if len(args) == 2 and args[0] is args[1] and prim.elementwise:  # x·x, x + x: ẋ·(d₀ + d₁), one product
            d0, d1 = (_partial_value(d, xs, y, params) for d in prim.partials)
            t = _times(d0 + d1, ts[0])
        else:
            t = prim.jvp(NUMPY, ts, xs, y, **params)
        if t is None:
            return y
        d = object.__new__(Dual)
        d.primal = y
        d.tangent = t
        d.level = self
        return d


UNIFORM_MIN_SIZE = 4096  # below this, checking costs more than the pass it saves (benchmarks/README.md)


def _partial_value(d, xs: list, y, params: dict):
    """One partial on numpy values: a constant ±1, or its function's value."""
    return d if type(d) is int else d(NUMPY, *xs, y, **params)


def elementwise_vjp(prim, g, xs: list, y, needs: list, params: dict, parents: tuple) -> list | None:
    """The contributions of an elementwise node by one of the two paths below; None: the reference's rule."""
    if type(g) is not np.ndarray:
        return None
    if len(parents) == 2 and parents[0] is parents[1]:
        return repeated_vjp(prim, g, xs, y, needs, params, parents)
    if g.ndim and not g.strides[-1]:
        return uniform_vjp(prim, g, xs, y, needs, params)
    return None


def repeated_vjp(prim, g, xs: list, y, needs: list, params: dict, parents: tuple) -> list | None:
    """x·x, x + x: an elementwise primitive applied to one node twice hands that node ȳ·(d₀ + d₁), one product
    where ȳ·d₀ + ȳ·d₁ would take two and a sum; None for any other node. (Values on the numpy backend.)"""
    if len(parents) != 2 or parents[0] is not parents[1] or not needs[0] or type(g) is not np.ndarray:
        return None
    d0, d1 = (_partial_value(d, xs, y, params) for d in prim.partials)
    return [NUMPY.sum_to(_times(d0 + d1, g), NUMPY.shape(xs[0])), None]


def _times(fresh, g):
    """fresh·g, in place when ``fresh`` is a new array that can hold the product (one allocation fewer)."""
    if type(fresh) is np.ndarray and type(g) is np.ndarray and fresh.shape == g.shape \
            and np.result_type(fresh, g) == fresh.dtype:
        fresh *= g
        return fresh
    return fresh * g


def uniform_vjp(prim, g, xs: list, y, needs: list, params: dict) -> list | None:
    """An elementwise node's contributions for an adjoint that is one number broadcast; None for any other.
    (Values on the numpy backend.)"""
    partials = prim.partials
    if partials is None or type(g) is not np.ndarray or not g.ndim or g.strides[-1] or g.size < UNIFORM_MIN_SIZE \
            or any(g.strides) or g.dtype.kind != "f":
        return None
    g0 = g.flat[0]
    out = []
    for x, d, need in zip(xs, partials, needs):
        if not need:
            out.append(None)
            continue
        dv = _partial_value(d, xs, y, params)
        if type(dv) is not np.ndarray or not dv.ndim:
            c = NUMPY.broadcast_to(g0 * dv, g.shape)  # still one number
        elif g0 == 1 and dv.dtype == np.result_type(g, dv) and dv.shape == g.shape:
            c = dv
        else:
            c = dv * g0
        out.append(NUMPY.sum_to(c, NUMPY.shape(x)))
    return out


def add_into(adj: dict, owned: set, p, old, c) -> None:
    """adj[p] = old + c: into ``old`` in place when the sweep made that buffer (and it can hold the sum)."""
    if p in owned and type(c) is np.ndarray and old.shape == np.broadcast_shapes(old.shape, c.shape) \
            and np.result_type(old, c) == old.dtype:
        old += c
    else:
        total = old + c
        adj[p] = total
        if type(total) is np.ndarray:
            owned.add(p)


def add_indexed(node, g, adj: dict, owned: set) -> bool:
    """For a ``getitem`` node of arrays: its operand's adjoint x̄[index] += ȳ, in a buffer the sweep owns.
    False (nothing done) where the values are not arrays."""
    if type(g) is not np.ndarray:
        return False
    p = node.parents[0]
    if not (isinstance(p, Node) and p.level is node.level and type(p.value) is np.ndarray):
        return False
    x = p.value
    index = node.params["index"]
    buffer = adj.get(p)
    if buffer is None:
        adj[p] = _scattered(g, index, x.shape)
        owned.add(p)
        return True
    if p not in owned or buffer.dtype != np.result_type(buffer, g) or buffer.shape != x.shape:
        buffer = np.array(np.broadcast_to(buffer, x.shape), dtype=np.result_type(buffer, g))
        adj[p] = buffer
        owned.add(p)
    if _is_basic(index):
        buffer[index] += g  # each element selected at most once
    else:
        np.add.at(buffer, index, g)  # integer arrays may repeat an element: each occurrence adds
    return True


def _scattered(g, index, shape) -> np.ndarray:
    """A new array of ``shape``, ``g`` at ``index`` and zeros elsewhere (getitem's adjoint, index_add). For a
    run of the first axis (x[1:], x[:-1]) only the entries around the run are zeroed: one pass fewer."""
    run = index[0] if type(index) is tuple and len(index) == 1 else index
    if type(run) is slice and run.step in (None, 1) and shape:
        start, stop, _ = run.indices(shape[0])
        out = np.empty(shape, dtype=g.dtype)
        out[:start] = 0
        out[start:max(start, stop)] = g
        out[max(start, stop):] = 0
        return out
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice, type(None), type(Ellipsis))) and not isinstance(i, bool) for i in parts)


# --- staged results written in place (autodiff.staging.Runner) ----------------------------------------------
# the ufunc of an elementwise primitive, with the constants that follow its operands (relu(x) = max(x, 0))
UFUNCS = {REGISTRY[name]: (ufunc, extra) for name, ufunc, extra in (
    ("add", np.add, ()), ("sub", np.subtract, ()), ("mul", np.multiply, ()), ("div", np.divide, ()),
    ("neg", np.negative, ()), ("exp", np.exp, ()), ("log", np.log, ()), ("sqrt", np.sqrt, ()), ("sin", np.sin, ()),
    ("cos", np.cos, ()), ("tanh", np.tanh, ()), ("abs", np.abs, ()), ("maximum", np.maximum, ()),
    ("minimum", np.minimum, ()), ("relu", np.maximum, (0,)))}


IN_PLACE_MIN_SIZE = 16_384  # below this many entries, a ufunc's out= costs more than the allocation it saves


def in_place(eqn, into):
    """A step function ``(m, *operands, buffer)`` writing ``eqn``'s result into ``buffer`` (the array of the
    dead operand ``into``), or None for small arrays and where numpy's ufunc with ``out=`` would not give the
    reference result bit for bit on the staging call's values."""
    if into.example.size < IN_PLACE_MIN_SIZE:
        return None
    entry = UFUNCS.get(eqn.prim)
    if entry is None or eqn.params or entry[0].nin != len(eqn.args) + len(entry[1]):
        return None
    ufunc, extra = entry
    args = [getattr(a, "example", a) for a in eqn.args]  # (a Var's example; a constant itself)
    buffer = np.empty_like(into.example)
    try:
        with np.errstate(all="ignore"):
            got = ufunc(*args, *extra, out=buffer)
    except (TypeError, ValueError):
        return None
    want = eqn.out.example
    if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
        return None

    if extra:
        def write(m, *xs):
            return ufunc(*xs[:-1], *extra, out=xs[-1])
    else:
        def write(m, *xs):
            return ufunc(*xs[:-1], out=xs[-1])

    return write
