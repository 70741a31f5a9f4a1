"""What a primitive is, the registry that holds them all, and ``bind``, which applies one.

A :class:`Primitive` carries everything any part of the toolkit knows about one operation:

* ``impl(m, *xs, **params)``       - its value, written against a backend ``m``;
* ``jvp(m, ts, xs, y, **params)``  - forward rule: input tangents ``ts`` (None = zero) -> output tangent;
* ``vjp(m, g, xs, y, needs, **params)`` - reverse rule: output adjoint ``g`` -> one adjoint per input
  (``None`` where ``needs[i]`` is false), each already reduced to that input's shape. An elementwise
  primitive applied to one node twice (x·x) is recorded with ``needs = [True, SAME]``, and its derived rule
  returns the node's whole adjoint ȳ·(d₀ + d₁) in the first slot (:data:`SAME` is false to every other
  rule);
* ``partials``                     - for elementwise primitives, the local derivatives ∂y/∂x_i, each a
  function ``(m, *xs, y, **params)`` or a constant; ``jvp`` and ``vjp`` are derived from them;
* ``display``                      - how a trace row prints, e.g. ``"{0}·{1}"`` or ``"sin({0})"``;
* ``fwd(m, *xs, **params)``        - optional: ``(y, saved)``, the value together with an intermediate
  result that the reverse rule would otherwise recompute. A recorded node keeps ``saved`` until the
  sweep has used it and hands it to ``vjp`` as ``saved=``; ``vjp`` must still work without it
  (``saved=None``: other backends, tables, nested differentiation);
* ``local(*xs, y)``                - elementwise primitives only (which have no ``fwd``), derived from
  ``partials``: the partials' values on Python floats, as a tuple. A node recorded on Python floats keeps
  them as its ``saved``, and the sweep over a tape of such nodes (``grad``, ``vjp``, ``jacrev``) hands each
  parent ȳ·dᵢ directly (the scalar path: no rule to call, no backend to choose).

The SymPy form is not a separate field: it is ``impl`` run with the SymPy backend.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends import MATH, NUMPY, Backend


class _SameNode:
    """``needs[1]`` of an elementwise node whose two operands are one node (see ``vjp`` above)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "SAME"


SAME = _SameNode()


def mark_repeated(prim: Primitive, args: tuple, needs: list) -> None:
    """For x·x (an elementwise primitive applied to one node twice), set ``needs[1] = SAME``."""
    if len(args) == 2 and args[0] is args[1] and needs[0] and prim.elementwise:
        needs[1] = SAME


class ShapeError(ValueError):
    """Inputs whose shapes cannot be combined by an operation (the shapes are in the message)."""


class Tracer:
    """Base of the values that intercept primitives: graph nodes and dual numbers."""

    __slots__ = ()

    @classmethod
    def _apply(cls, prim: Primitive, args: tuple, params: dict) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class Primitive:
    """One operation, declared once. See the module docstring for the meaning of each rule."""

    __slots__ = ("name", "impl", "jvp", "vjp", "partials", "display", "elementwise", "linear", "arity", "fwd",
                 "local")

    def __init__(self, name: str, impl: Callable, jvp: Callable, vjp: Callable, display: str,
                 partials: tuple | None = None, linear: bool = False, arity: int | None = None,
                 fwd: Callable | None = None, local: Callable | None = None):
        self.name = name
        self.impl = impl
        self.jvp = jvp
        self.vjp = vjp
        self.partials = partials
        self.display = display
        self.elementwise = partials is not None
        self.linear = linear  # linear in its (traced) inputs: the jvp is the primitive applied to tangents
        self.arity = arity
        self.fwd = fwd
        self.local = local

    def __call__(self, *args, **params):
        return bind(self, *args, **params)

    def format(self, args: list[str], params: dict | None = None) -> str:
        """The right-hand side of a trace row, e.g. ``"v1·v2"``, from the operands' printed names."""
        params = {**self.defaults(), **(params or {})}  # a display may name a parameter left at its default
        shown = {k: format_param(v) for k, v in params.items()}
        axis = params.get("axis")
        shown["axis_kw"] = "" if axis is None else f", axis={axis}"
        shown["args"] = ", ".join(args)
        return self.display.format(*args, **shown)

    def defaults(self) -> dict:
        """The keyword parameters of ``impl`` that have default values."""
        return {k: p.default for k, p in inspect.signature(self.impl).parameters.items()
                if p.default is not p.empty}

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def format_param(v) -> str:
    """A constant parameter as it prints in a trace row (indices as Python writes them)."""
    if isinstance(v, tuple) and v and any(isinstance(i, (slice, type(Ellipsis), type(None))) for i in v):
        return ", ".join(format_param(i) for i in v)
    if isinstance(v, slice):
        parts = ["" if p is None else str(p) for p in (v.start, v.stop, v.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if v.step is not None else "")
    if v is Ellipsis:
        return "..."
    if isinstance(v, type):  # a dtype such as np.float32
        return v.__name__
    if hasattr(v, "shape") and getattr(v, "ndim", 0) > 0:
        return f"<{'×'.join(map(str, v.shape))} array>" if v.size > 6 else str(v.tolist())
    return str(v)


REGISTRY: dict[str, Primitive] = {}


def register(prim: Primitive) -> Primitive:
    if prim.name in REGISTRY:
        raise ValueError(f"primitive {prim.name!r} is already registered")
    REGISTRY[prim.name] = prim
    return prim


def get(name: str) -> Primitive:
    """The registered primitive called ``name``."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown primitive {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


GENERIC = Backend(name="generic")  # filled in by primitives/__init__.py once every primitive exists


def choose_backend(values) -> Backend:
    """GENERIC if any value is a tracer, MATH if all are Python numbers, else NUMPY."""
    kind = MATH
    for v in values:
        t = type(v)
        if t is np.ndarray:
            kind = NUMPY
        elif t is float or t is int or t is bool:
            continue
        elif isinstance(v, Tracer):
            return GENERIC
        else:
            kind = NUMPY
    return kind


def evaluate(prim: Primitive, m: Backend, values, params: dict):
    """``prim.impl`` with numpy's shape errors turned into a :class:`ShapeError` that names the shapes."""
    try:
        return prim.impl(m, *values, **params)
    except ValueError as e:
        if isinstance(e, ShapeError) or m.name == "sympy":
            raise
        shapes = ", ".join(str(m.shape(v)) if not isinstance(v, (list, tuple)) else
                           "[" + ", ".join(str(NUMPY.shape(m.primal(u))) for u in v) + "]" for v in values)
        raise ShapeError(f"{prim.name}: cannot combine inputs of shapes {shapes} ({e})") from None


def evaluate_saving(prim: Primitive, m: Backend, values, params: dict) -> tuple:
    """``(y, saved)`` for a node being recorded: ``prim.fwd`` on numpy (keeping its residual), else ``prim.impl``
    and no residual. The rules are called directly; only a failure goes through :func:`evaluate`, which raises
    the ShapeError that names the shapes."""
    try:
        if m is NUMPY and prim.fwd is not None:
            return prim.fwd(m, *values, **params)
        return prim.impl(m, *values, **params), None
    except ValueError:
        return evaluate(prim, m, values, params), None


def bind(prim: Primitive, *args, **params):
    """Apply ``prim``: on tracers the outermost tracer type decides; on plain values just compute."""
    for a in args:
        if isinstance(a, Tracer):
            return type(a)._apply(prim, args, params)
    return evaluate(prim, choose_backend(args), args, params)
