"""A backend whose values are formulas: the registry's rules, run on names, print as trace equations.

The derivative rules in :mod:`autodiff.primitives` are functions of a backend ``m``. Handing them
:data:`NOTATION` and :class:`Sym` names instead of numbers makes them *write* their formula:

>>> d = REGISTRY["mul"].partials[1]            # ∂(a·b)/∂b = a
>>> str(name("v̄3") * d(NOTATION, name("v1"), name("v2"), name("v3")))
'v̄3·v1'

so the tangent and adjoint tables (and the graph's edge labels) are derived from the registry, never
written by hand. Expressions simplify as they are built (0 terms vanish, 1·a = a, (−1)·a = −a, numeric
factors move to the front, a·(1/b) = a/b) and print with the fewest parentheses their precedence needs.
"""

from __future__ import annotations

import math

import numpy as np

from .backends import NUMPY, Backend
from .primitives.core import format_param

# Precedence, loosest first: a parenthesis is needed where a looser expression sits inside a tighter one.
ADD, NEG, MUL, POW, ATOM = 10, 20, 30, 40, 100
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


class Sym:
    """A symbolic expression: ``kind`` with ``args``, the ``shape`` of its value and, for names, the value."""

    __slots__ = ("kind", "args", "shape", "value")
    __array_ufunc__ = None  # numpy defers to our operators: array * Sym builds a product

    def __init__(self, kind: str, args: tuple, shape: tuple = (), value=None):
        self.kind = kind
        self.args = args
        self.shape = tuple(shape)
        self.value = value

    @property
    def prec(self) -> int:
        return _PREC[self.kind]

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return add(self, other, -1)

    def __rsub__(self, other):
        return add(other, self, -1)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __neg__(self):
        return neg(self)

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __matmul__(self, other):
        return _matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul(other, self)

    def __str__(self) -> str:
        return show(self)

    def __repr__(self) -> str:
        return f"Sym({show(self)!r})"


_PREC = {"num": ATOM, "name": ATOM, "call": ATOM, "post": ATOM, "neg": NEG, "add": ADD, "mul": MUL,
         "div": MUL, "pow": POW, "infix": MUL}


# --- building ---------------------------------------------------------------------------------------
def name(text: str, shape: tuple = (), value=None) -> Sym:
    """A named quantity (``v3``, ``v̄5``); ``value`` is what ``m.primal`` answers for it."""
    return Sym("name", (text,), shape, value)


def num(value) -> Sym:
    """A constant; negative scalars become ``neg(num)`` so that signs print and simplify uniformly."""
    if np.ndim(value) == 0 and np.isreal(value) and float(np.real(value)) < 0:
        return Sym("neg", (Sym("num", (-value,)),))
    return Sym("num", (value,), np.shape(value))


def lift(x) -> Sym:
    return x if isinstance(x, Sym) else num(x)


def _scalar(x: Sym):
    """The number a constant scalar stands for, else None."""
    if x.kind == "num" and np.ndim(x.args[0]) == 0:
        return x.args[0]
    if x.kind == "neg" and x.args[0].kind == "num" and np.ndim(x.args[0].args[0]) == 0:
        return -x.args[0].args[0]
    return None


def is_zero(x) -> bool:
    x = lift(x)
    return x.kind == "num" and bool(np.all(np.asarray(x.args[0]) == 0))


def is_one(x) -> bool:
    x = lift(x)
    return x.kind == "num" and np.ndim(x.args[0]) == 0 and x.args[0] == 1


def _broadcast(*shapes) -> tuple:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return shapes[0]


def add(a, b, sign: int = 1) -> Sym:
    """a + b (or a − b for ``sign=-1``), flattening sums and dropping zero terms."""
    a, b = lift(a), lift(b)
    terms = []
    for s, x in ((1, a), (sign, b)):
        if is_zero(x):
            continue
        if x.kind == "add":
            terms.extend((s * si, xi) for si, xi in x.args)
        elif x.kind == "neg":
            terms.append((-s, x.args[0]))
        else:
            terms.append((s, x))
    shape = _broadcast(a.shape, b.shape)
    if not terms:
        return Sym("num", (0,), shape)
    if len(terms) == 1:
        s, x = terms[0]
        return x if s > 0 else neg(x)
    return Sym("add", tuple(terms), shape)


def neg(x) -> Sym:
    x = lift(x)
    if x.kind == "neg":
        return x.args[0]
    if is_zero(x):
        return x
    if x.kind == "num" and np.ndim(x.args[0]) == 0:
        return num(-x.args[0])
    return Sym("neg", (x,), x.shape)


def _factors(x: Sym, numer: list, denom: list) -> tuple[float, int]:
    """Split ``x`` into numerator and denominator factors; return (numeric coefficient, sign)."""
    coef, sign = 1, 1
    if x.kind == "neg":
        sign, x = -1, x.args[0]
    c = _scalar(x)
    if c is not None:
        return coef * c, sign
    if x.kind == "mul":
        for f in x.args:
            cf, sf = _factors(f, numer, denom)
            coef, sign = coef * cf, sign * sf
    elif x.kind == "div":
        cf, sf = _factors(x.args[0], numer, denom)
        coef, sign = coef * cf, sign * sf
        denom.append(x.args[1])
    else:
        numer.append(x)
    return coef, sign


def _product(factors: list) -> Sym:
    if not factors:
        return Sym("num", (1,))
    if len(factors) == 1:
        return factors[0]
    return Sym("mul", tuple(factors), _broadcast(*(f.shape for f in factors)))


def mul(a, b) -> Sym:
    """a·b: signs and numeric factors gathered in front, 1s dropped, 0 absorbs, divisions merged."""
    a, b = lift(a), lift(b)
    shape = _broadcast(a.shape, b.shape)
    if is_zero(a) or is_zero(b):
        return Sym("num", (0,), shape)
    numer: list = []
    denom: list = []
    ca, sa = _factors(a, numer, denom)
    cb, sb = _factors(b, numer, denom)
    coef, sign = ca * cb, sa * sb
    if coef == 0:
        return Sym("num", (0,), shape)
    if np.isreal(coef) and coef < 0:
        coef, sign = -coef, -sign
    if coef != 1:
        numer.insert(0, Sym("num", (coef,)))
    out = _product(numer)
    if denom:
        out = Sym("div", (out, _product(denom)), shape)
    elif out.kind == "mul":
        out.shape = shape
    return neg(out) if sign < 0 else out


def div(a, b) -> Sym:
    """a/b, merged into one fraction with any product around it."""
    a, b = lift(a), lift(b)
    if is_one(b) or is_zero(a):
        return a
    ca, cb = _scalar(a), _scalar(b)
    if ca is not None and cb is not None and cb != 0:
        return num(ca / cb)
    sign = 1
    if b.kind == "neg":
        sign, b = -1, b.args[0]
    out = mul(a, Sym("div", (Sym("num", (1,)), b), b.shape))
    return neg(out) if sign < 0 else out


def power(a, b) -> Sym:
    a, b = lift(a), lift(b)
    if is_one(b):
        return a
    if is_zero(b):
        return Sym("num", (1,), a.shape)
    ca, cb = _scalar(a), _scalar(b)
    if ca is not None and cb is not None:
        return num(ca ** cb)
    return Sym("pow", (a, b), _broadcast(a.shape, b.shape))


def call(fname: str, *args, shape: tuple | None = None, extra: str = "") -> Sym:
    """``fname(args, extra)``; the shape is the first argument's unless given."""
    args = tuple(lift(a) for a in args)
    return Sym("call", (fname, args, extra), args[0].shape if shape is None else shape)


def post(x, suffix: str, shape: tuple) -> Sym:
    """A postfix form: ``xᵀ``, ``x[0:3]``."""
    return Sym("post", (lift(x), suffix), shape)


# --- shapes -----------------------------------------------------------------------------------------
def _reduced_shape(shape: tuple, axis, keepdims: bool) -> tuple:
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _reshaped(shape: tuple, new) -> tuple:
    new = (new,) if isinstance(new, int) else tuple(new)
    if -1 in new:
        known = int(np.prod([n for n in new if n != -1], dtype=np.int64))
        total = int(np.prod(shape, dtype=np.int64))
        new = tuple(total // known if n == -1 and known else n for n in new)
    return new


def _matmul_shape(sa: tuple, sb: tuple) -> tuple:
    if not sa or not sb:
        return _broadcast(sa, sb)
    a = sa if len(sa) > 1 else (1,) + sa
    b = sb if len(sb) > 1 else sb + (1,)
    out = _broadcast(a[:-2], b[:-2]) + (a[-2], b[-1])
    if len(sa) == 1:
        out = out[:-2] + out[-1:]
    if len(sb) == 1:
        out = out[:-1]
    return out


def _index_shape(shape: tuple, index) -> tuple:
    # Indexing a zero-stride view costs nothing however large the shape is.
    return np.broadcast_to(np.zeros((), dtype=np.int8), shape)[index].shape


# --- the backend --------------------------------------------------------------------------------------
def _fn(fname: str):
    def f(x):
        x = lift(x)
        c = _scalar(x)
        if c is not None and hasattr(NUMPY, fname):
            return num(getattr(NUMPY, fname)(c))  # a function of a constant is a constant
        return call(fname, x)

    f.__name__ = fname
    return f


def _sqrt(x):
    x = lift(x)
    c = _scalar(x)
    return num(math.sqrt(c)) if c is not None and c >= 0 else Sym("call", ("√", (x,), ""), x.shape)


def _shape_text(shape) -> str:
    return str(tuple(shape))


def _axis_text(axis, keepdims) -> str:
    out = "" if axis is None else f", axis={axis}"
    return out + (", keepdims" if keepdims else "")


def _reduce(fname: str):
    def f(x, axis=None, keepdims=False):
        x = lift(x)
        if x.kind == "num":  # a reduction of a constant is a constant
            return num(getattr(NUMPY, fname)(x.args[0], axis=axis, keepdims=keepdims))
        if not x.shape:
            return x  # a reduction of a scalar is the scalar itself
        return call(fname, x, shape=_reduced_shape(x.shape, axis, keepdims), extra=_axis_text(axis, keepdims))

    return f


def _reshape(x, shape):
    x = lift(x)
    shape = _reshaped(x.shape, shape)
    if shape == x.shape:
        return x
    if x.kind == "call" and x.args[0] == "reshape":
        x = x.args[1][0]  # reshape(reshape(x, s), t) = reshape(x, t)
        if x.shape == shape:
            return x
    return call("reshape", x, shape=shape, extra=", " + _shape_text(shape))


def _transpose(x, axes=None):
    x = lift(x)
    if len(x.shape) < 2:
        return x
    shape = tuple(reversed(x.shape)) if axes is None else tuple(x.shape[a] for a in axes)
    if axes is None or list(axes) == [*range(len(x.shape) - 2), len(x.shape) - 1, len(x.shape) - 2]:
        if x.kind == "post" and x.args[1] == "ᵀ" and (axes is None or len(x.shape) == 2):
            return x.args[0]
        return post(x, "ᵀ", shape)
    return call("transpose", x, shape=shape, extra=f", {tuple(axes)}")


def _swap_last(x):
    x = lift(x)
    n = len(x.shape)
    return _transpose(x, tuple(range(n - 2)) + (n - 1, n - 2)) if n >= 2 else x


def _broadcast_to(x, shape):
    x = lift(x)
    shape = tuple(shape)
    if x.shape == shape or is_zero(x) and x.kind == "num":
        return x if x.shape == shape else Sym("num", (0,), shape)
    return call("broadcast", x, shape=shape, extra=", " + _shape_text(shape))


def _sum_to(x, shape):
    x = lift(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return call("sum_to", x, shape=shape, extra=", " + _shape_text(shape))


def _matmul(a, b):
    a, b = lift(a), lift(b)
    if is_zero(a) or is_zero(b):
        return Sym("num", (0,), _matmul_shape(a.shape, b.shape))
    return Sym("infix", (a, "@", b), _matmul_shape(a.shape, b.shape))


def _getitem(x, index):
    x = lift(x)
    return post(x, f"[{format_param(index)}]", _index_shape(x.shape, index))


def _index_add(g, index, shape):
    return call("scatter", g, shape=tuple(shape), extra=f", [{format_param(index)}], {_shape_text(shape)}")


def _concatenate(xs, axis=0):
    xs = [lift(x) for x in xs]
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    inner = ", ".join(show(x) for x in xs)
    return Sym("call", ("concat", (Sym("name", (f"[{inner}]",)),), f", axis={axis}"), tuple(shape))


def primal(x):
    """The number behind a name (None for a formula without one)."""
    if isinstance(x, Sym):
        if x.kind == "num":
            return x.args[0]
        return x.value
    return x


class _Notation(Backend):
    """Unknown functions print as calls, unknown constants as their value (new rules still render)."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        fallback = getattr(NUMPY, attr, None)
        if isinstance(fallback, (int, float)):
            return num(fallback)
        return lambda *args, **kwargs: call(attr, *args)


_PI = Sym("name", ("π",), (), math.pi)
NOTATION = _Notation(
    name="notation",
    exp=_fn("exp"), log=_fn("log"), sin=_fn("sin"), cos=_fn("cos"), tan=_fn("tan"), tanh=_fn("tanh"),
    sigmoid=_fn("σ"), erf=_fn("erf"), abs=lambda x: Sym("call", ("|", (lift(x),), "|"), lift(x).shape),
    sqrt=_sqrt, relu=_fn("relu"),
    sign=lambda x: call("sign", x), heaviside=lambda z, at0: call("H", z),
    mask=lambda cond, when=True: num(np.asarray(cond, dtype=bool) if when else ~np.asarray(cond, dtype=bool)),
    maximum=lambda a, b: call("max", a, b), minimum=lambda a, b: call("min", a, b),
    where=lambda c, a, b: call("where", num(c), a, b, shape=_broadcast(lift(a).shape, lift(b).shape)),
    pi=_PI, two_over_sqrt_pi=div(2, Sym("call", ("√", (_PI,), ""))),
    pow=power, div=div,
    sum=_reduce("sum"), mean=_reduce("mean"), max=_reduce("max"),
    reshape=_reshape, transpose=_transpose, swap_last=_swap_last, broadcast_to=_broadcast_to, sum_to=_sum_to,
    matmul=_matmul, getitem=_getitem, index_add=_index_add, concatenate=_concatenate,
    shape=lambda x: lift(x).shape, primal=primal,
)


# --- printing ---------------------------------------------------------------------------------------
def number_text(v, digits: int = 6) -> str:
    """A constant as it appears inside a formula: 2, 0.5, [1, 0, 1] (small arrays) or <3×4 array>."""
    if np.ndim(v) > 0:
        a = np.asarray(v)
        if a.size > 6:
            return f"<{'×'.join(map(str, a.shape))} array>"
        return "[" + ", ".join(number_text(x, digits) for x in a.ravel()) + "]"
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if np.iscomplexobj(v):
        return str(complex(v))
    x = float(v)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


def _wrap(x: Sym, tighter_than: int, strict: bool = True) -> str:
    s = show(x)
    p = x.prec
    return f"({s})" if (p < tighter_than if strict else p <= tighter_than) else s


def show(x: Sym) -> str:
    """The expression in the course's Unicode notation (v̇3 = v̇1·v2 + v1·v̇2)."""
    k, a = x.kind, x.args
    if k == "num":
        return number_text(a[0])
    if k == "name":
        return a[0]
    if k == "call":
        fname, args, extra = a
        if fname == "√":
            return "√" + _wrap(args[0], ATOM)
        if fname == "|":
            return f"|{show(args[0])}|"
        return f"{fname}({', '.join(show(y) for y in args)}{extra})"
    if k == "post":
        return _wrap(a[0], ATOM) + a[1]
    if k == "neg":
        return "−" + _wrap(a[0], MUL)
    if k == "add":
        parts = []
        for i, (s, t) in enumerate(a):
            text = _wrap(t, ADD, strict=False)
            parts.append(("−" if s < 0 else "") + text if i == 0 else (" − " if s < 0 else " + ") + text)
        return "".join(parts)
    if k == "mul":
        return "·".join(_wrap(f, MUL, strict=f.kind not in ("div", "infix")) for f in a)
    if k == "div":
        return _wrap(a[0], MUL) + "/" + _wrap(a[1], MUL, strict=False)
    if k == "infix":
        return f"{_wrap(a[0], MUL)} {a[1]} {_wrap(a[2], MUL, strict=False)}"
    if k == "pow":
        base, e = a
        c = _scalar(e)
        if c is not None and float(c) == int(c) and abs(c) < 100:
            return _wrap(base, POW, strict=False) + str(int(c)).translate(_SUPERSCRIPT)
        return _wrap(base, POW, strict=False) + "^" + _wrap(e, ATOM)
    raise ValueError(f"unknown expression kind {k!r}")  # pragma: no cover - every kind is printed above
