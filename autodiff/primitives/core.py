"""What a primitive is, the registry that holds them all, and ``bind``, which applies one.

A :class:`Primitive` carries what every interpreter of the toolkit shares about one operation:

* ``impl(m, *xs, **params)``       - its value, written against a backend ``m``;
* ``jvp(m, ts, xs, y, **params)``  - forward rule: input tangents ``ts`` (None = zero) -> output tangent;
* ``vjp(m, g, xs, y, needs, **params)`` - reverse rule: output adjoint ``g`` -> one adjoint per input
  (``None`` where ``needs[i]`` is false), each already reduced to that input's shape;
* ``partials``                     - for elementwise primitives, the local derivatives ∂y/∂x_i, each a
  function ``(m, *xs, y, **params)`` or a constant; ``jvp`` and ``vjp`` are derived from them;
* ``display``                      - how a trace row prints, e.g. ``"{0}·{1}"`` or ``"sin({0})"``.

The SymPy form is not a separate field: it is ``impl`` run with the SymPy backend.

**Levels** (as in JAX's Autodidax). Every application of a primitive, Python's operators included, goes
through :func:`bind`. Each active transformation (a ``jvp``, ``grad``, ``vjp``, ``trace`` call) is a
:class:`Level` with a depth; the values it follows are :class:`Tracer` objects that know their level.
``bind`` hands the primitive to the deepest level among its arguments, whose interpreter computes the
value by binding the primitive again on the values underneath (so outer levels see it next) and adds
what its own mode needs (a tangent, a recorded node). To that level, tracers of outer levels are
constants. This is what makes nested derivatives right in any order: an inner ``jvp`` never mistakes an
outer perturbation for its own. Levels are numbered on a per-thread stack, so two threads never meet.
"""

from __future__ import annotations

import inspect
import operator
import threading
from collections.abc import Callable

import numpy as np

from ..backends import MATH, NUMPY, Backend


class ShapeError(ValueError):
    """Inputs whose shapes cannot be combined by an operation (the shapes are in the message)."""


class Primitive:
    """One operation, declared once. See the module docstring for the meaning of each rule."""

    __slots__ = ("name", "impl", "jvp", "vjp", "partials", "display", "elementwise", "linear", "arity",
                 "differentiable")

    def __init__(self, name: str, impl: Callable, jvp: Callable, vjp: Callable, display: str,
                 partials: tuple | None = None, linear: bool = False, arity: int | None = None,
                 differentiable: bool = True):
        self.name = name
        self.impl = impl
        self.jvp = jvp
        self.vjp = vjp
        self.partials = partials
        self.display = display
        self.elementwise = partials is not None
        self.linear = linear  # linear in its (traced) inputs: the jvp is the primitive applied to tangents
        self.arity = arity
        # False for the piecewise-constant indicators (comparisons, masks): zero derivative, no rules to check
        self.differentiable = differentiable

    def __call__(self, *args, **params):
        return apply(self, args, params)

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
    if isinstance(v, tuple) and v and any(isinstance(i, (slice, type(Ellipsis), type(None), str)) for i in v):
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


# --- levels ------------------------------------------------------------------------------------------
class Level:
    """One active transformation: an interpreter for the primitives applied to its tracers.

    ``depth`` orders levels (deeper = started later, inside the others); ``what`` and ``fn`` say which call
    made it (``grad`` of ``f``), for error messages. Subclasses define :meth:`process`.
    """

    __slots__ = ("depth", "what", "fn", "active")

    def __init__(self, depth: float, what: str, fn: Callable | None = None):
        self.depth = depth
        self.what = what
        self.fn = fn
        self.active = True

    @property
    def name(self) -> str:
        """E.g. ``"grad(loss)"``."""
        return self.what if self.fn is None else f"{self.what}({getattr(self.fn, '__name__', 'f')})"

    def process(self, prim: Primitive, args: tuple, params: dict):  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """The transformation has returned: nothing more is applied at this level."""
        self.active = False

    def __repr__(self) -> str:
        return f"<level {self.depth}: {self.name}>"


class _PerThread(threading.local):
    def __init__(self) -> None:  # (run once in each thread that uses it)
        self.stack: list[Level] = []


_THREAD = _PerThread()


def level_stack() -> list[Level]:
    """This thread's active transformation levels, outermost first."""
    return _THREAD.stack


class new_level:
    """``with new_level(make) as level:`` pushes ``make(depth)`` on this thread's stack for the block and
    closes it at the end (a class rather than a generator: it opens once per transformation call)."""

    __slots__ = ("make", "level")

    def __init__(self, make: Callable[[int], Level]):
        self.make = make

    def __enter__(self) -> Level:
        stack = _THREAD.stack
        self.level = self.make(len(stack) + 1)
        stack.append(self.level)
        return self.level

    def __exit__(self, *exc) -> None:
        _THREAD.stack.pop()
        self.level.close()


class EscapedTracerError(RuntimeError):
    """A traced value was used after the transformation that made it had returned."""


def apply(prim: Primitive, args: tuple, params: dict):
    """Apply ``prim`` to ``args``: the deepest level among the tracers interprets it; without tracers,
    just compute. (:func:`bind` with the arguments as a tuple and the parameters as a dict.)"""
    top = None
    for a in args:
        if isinstance(a, Tracer):
            level = a.level
            if level is top:
                continue
            if top is None or level.depth > top.depth:
                top = level
            elif level.depth == top.depth:
                raise EscapedTracerError(
                    f"{prim.name}: a value traced by {level.name} meets one traced by {top.name}; one of them "
                    "escaped the call that made it (return traced values instead of storing them)")
    if params:
        top = _deepest_param(params, top)  # (an index or a condition computed by a program being staged)
    if top is None:
        return evaluate(prim, choose_backend(args), args, params)
    if not top.active:
        raise EscapedTracerError(f"{prim.name}: a value traced by {top.name} was used after {top.name} returned; "
                                 "return traced values from the function instead of storing them")
    return top.process(prim, args, params)


def _deepest_param(params: dict, top: Level | None) -> Level | None:
    """The deepest of ``top`` and the levels of tracers among the parameters (a staged value can be a
    parameter: ``where``'s condition, an index)."""
    for v in params.values():
        for x in (v if type(v) is tuple else (v,)):
            if isinstance(x, Tracer) and (top is None or x.level.depth > top.depth):
                top = x.level
    return top


def bind(prim: Primitive, *args, **params):
    """Apply ``prim`` to ``args`` through the levels (see the module docstring)."""
    return apply(prim, args, params)


# --- tracers -----------------------------------------------------------------------------------------
_NO_PARAMS: dict = {}  # shared and never mutated


class ConcretizationError(TypeError):
    """A traced value was turned into a plain Python number, which would silently drop its derivative."""


def _concrete(x: Tracer, what: str, convert=None):
    """``convert`` of the value of an eager node (made outside any transformation, as a PyTorch tensor is);
    for a value traced by a transformation, the error that says what to do instead."""
    if convert is not None and x.level.depth == 0:
        return convert(_primal(x))
    bottom = _primal(x)
    if isinstance(bottom, Tracer):  # a staged value (autodiff.staging): it has no value yet
        bottom._needs_value(what)
    raise ConcretizationError(
        f"{what} of a value traced by {x.level.name}: the result would be a constant and its derivative would "
        "be lost. Use autodiff's functions on traced values (ad.sin, ad.exp, ad.log, ad.sqrt, ad.maximum ... "
        "instead of math.* or numpy), ad.where(cond, a, b) for a choice by value; comparisons (x > 0) work")


class Tracer:
    """A value that intercepts primitives: a graph node or a dual number. It knows its ``level``.

    Python's operators bind the registered primitives (``x * y`` is ``bind(mul, x, y)``). Comparisons look at
    the values, so Python control flow follows them and a trace records the branch taken; turning a traced
    value into a Python number (``float``, ``int``, ``bool``, ``math.*``) raises :class:`ConcretizationError`.
    """

    __slots__ = ()
    level: Level
    opaque = False  # True for staged values, which have no value to look at (autodiff.staging)

    def _primal(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def __add__(self, other):
        return apply(_P["add"], (self, other), _NO_PARAMS)

    def __radd__(self, other):
        return apply(_P["add"], (other, self), _NO_PARAMS)

    def __sub__(self, other):
        return apply(_P["sub"], (self, other), _NO_PARAMS)

    def __rsub__(self, other):
        return apply(_P["sub"], (other, self), _NO_PARAMS)

    def __mul__(self, other):
        return apply(_P["mul"], (self, other), _NO_PARAMS)

    def __rmul__(self, other):
        return apply(_P["mul"], (other, self), _NO_PARAMS)

    def __truediv__(self, other):
        return apply(_P["div"], (self, other), _NO_PARAMS)

    def __rtruediv__(self, other):
        return apply(_P["div"], (other, self), _NO_PARAMS)

    def __pow__(self, other):
        return apply(_P["pow"], (self, other), _NO_PARAMS)

    def __rpow__(self, other):
        return apply(_P["pow"], (other, self), _NO_PARAMS)

    def __matmul__(self, other):
        return apply(_P["matmul"], (self, other), _NO_PARAMS)

    def __rmatmul__(self, other):
        return apply(_P["matmul"], (other, self), _NO_PARAMS)

    def __neg__(self):
        return apply(_P["neg"], (self,), _NO_PARAMS)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply(_P["abs"], (self,), _NO_PARAMS)

    def __getitem__(self, index):
        return apply(_P["getitem"], (self,), {"index": plain_index(index)})

    def __lt__(self, other):
        return _primal(self) < _primal(other)

    def __le__(self, other):
        return _primal(self) <= _primal(other)

    def __gt__(self, other):
        return _primal(self) > _primal(other)

    def __ge__(self, other):
        return _primal(self) >= _primal(other)

    def __bool__(self):
        return _concrete(self, "bool()", bool)

    def __float__(self):
        return _concrete(self, "float()", float)

    def __int__(self):
        return _concrete(self, "int()", int)

    def __index__(self):
        return _concrete(self, "an integer index", operator.index)

    def __complex__(self):
        return _concrete(self, "complex()", complex)

    def __array__(self, dtype=None, copy=None):
        return _concrete(self, "a numpy array", lambda v: np.asarray(v, dtype=dtype))

    # ndarray ⊕ tracer: numpy asks us first. Its operators come back as the primitives; other numpy
    # functions would compute on plain numbers and lose the derivative, so they raise instead.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = _UFUNC_PRIMITIVES.get(ufunc.__name__)
        if name is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            return apply(_P[name], inputs, _NO_PARAMS)
        if ufunc.__name__ in _COMPARISONS and method == "__call__" and not kwargs:
            return ufunc(*(_primal(x) for x in inputs))
        tracer = next(x for x in inputs if isinstance(x, Tracer))
        _concrete(tracer, f"numpy's {ufunc.__name__}")

    @property
    def shape(self) -> tuple:
        return getattr(_primal(self), "shape", ())

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(example(self))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def T(self):
        return apply(_P["transpose"], (self,), {"axes": None})

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar")
        return self.shape[0]


_P = REGISTRY
_UFUNC_PRIMITIVES = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
                     "power": "pow", "matmul": "matmul"}
_COMPARISONS = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}


def _primal(x):
    """The plain number or array inside any nesting of tracers, or the staged value there (a value of a
    program being staged by ``jit`` is not known yet: it stands for the value of every later call)."""
    while isinstance(x, Tracer) and not x.opaque:
        x = x._primal()
    return x


def example(x):
    """A value shaped and typed like ``x`` (for a staged value, that of the call that staged it): for zeros,
    seeds and shapes, never for the value itself."""
    x = _primal(x)
    return x.example if isinstance(x, Tracer) else x


def plain_index(index):
    """An index with any traced integer arrays in it replaced by their values (indices are constants)."""
    if isinstance(index, tuple):
        return tuple(_primal(i) for i in index)
    return _primal(index)
