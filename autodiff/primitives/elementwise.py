"""Elementwise primitives: each is its value and its local partial derivatives ∂y/∂x_i, nothing more.

Both differentiation rules follow from the partials d_i (with y the output):

* forward (jvp):  ẏ = Σ_i ẋ_i · d_i
* reverse (vjp):  x̄_i = sum_to(ȳ · d_i, shape of x_i)    (undoing numpy broadcasting)

A partial is a function ``(m, *xs, y, **params)`` written against a backend ``m`` (so the same line serves
floats, arrays, SymPy and nested differentiation), or the constant 1 or -1.

Conventions where the derivative does not exist (as in PyTorch): relu'(0) = 0, |x|'(0) = sign(0) = 0;
maximum/minimum split the adjoint equally between tied inputs; log'(0) = 1/0 = inf.
"""

from __future__ import annotations

import inspect
import sys

import numpy as np

from ..backends import MATH
from .core import SAME, Primitive, register


def _summed_partials(partials, m, xs, y, params):
    """d₀ + d₁: what one operand applied twice (x·x, x + x) is multiplied by, in either mode."""
    d0, d1 = (d if type(d) is int else d(m, *xs, y, **params) for d in partials)
    return d0 + d1


def _reduced(m, c, x):
    """An adjoint contribution summed back to its operand's shape (undoing broadcasting); only where the
    shapes differ, since most operands have the adjoint's own shape."""
    return c if type(x) is np.ndarray and type(c) is np.ndarray and c.shape == x.shape else m.sum_to(c, m.shape(x))


def _derive_jvp(partials):
    def jvp(m, ts, xs, y, **params):
        if len(ts) == 2 and ts[0] is ts[1] and ts[0] is not None:
            # One tangent on both operands (x·x, x + x): ẏ = ẋ·(d₀ + d₁), one product instead of two.
            out = ts[0] * _summed_partials(partials, m, xs, y, params)
        else:
            out = None
            for t, d in zip(ts, partials):
                if t is None:
                    continue
                if type(d) is int:
                    if out is not None:  # fold the sign into the sum: one pass instead of negating first
                        out = out + t if d == 1 else out - t
                        continue
                    term = t if d == 1 else -t
                else:
                    term = t * d(m, *xs, y, **params)
                out = term if out is None else out + term
        if out is not None and not (type(out) is np.ndarray and type(y) is np.ndarray and out.shape == y.shape) \
                and m.shape(out) != m.shape(y):
            out = m.broadcast_to(out, m.shape(y))  # a tangent of a broadcast input
        return out

    return jvp


def _uniform(g) -> bool:
    """Whether ``g`` is one number broadcast to an array (zero strides): the adjoint a ``sum`` hands back."""
    return type(g) is np.ndarray and g.ndim > 0 and not any(g.strides)


def _scaled(d, g0):
    """``d · g0`` for a uniform adjoint g0: nothing to do when g0 = 1, in place when nothing else holds d."""
    # (a numpy scalar of d's own dtype keeps it, the usual case; np.result_type costs a microsecond)
    keeps = getattr(g0, "dtype", None) is d.dtype or d.dtype == np.result_type(d, g0)
    if g0 == 1 and keeps:
        return d
    if keeps and sys.getrefcount(d) <= 3:  # a temporary: ours to overwrite
        d *= g0
        return d
    return d * g0


def _uniform_times(m, g, g0, d):
    """ȳ·d where the adjoint g is the one number g0 broadcast: a constant partial keeps it uniform.

    ``d`` is passed straight from the expression that made it, so that ``_scaled`` can tell a temporary.
    """
    if type(d) is np.ndarray and d.ndim:
        c = _scaled(d, g0)
        return c if c.shape == g.shape else m.broadcast_to(c, g.shape)
    return m.broadcast_to(g0 * d, g.shape)


def _derive_vjp(partials):
    def vjp(m, g, xs, y, needs, **params):
        if len(needs) == 2 and needs[1] is SAME:
            return [folded(m, g, xs, y, params), None]
        out = []
        if m is MATH:  # Python floats: nothing was broadcast, nothing to sum back
            for d, need in zip(partials, needs):
                out.append(None if not need else (g if d == 1 else -g) if type(d) is int
                           else g * d(m, *xs, y, **params))
            return out
        # An adjoint that is one number broadcast (below a sum) stays that number: multiplying the
        # zero-stride view itself would be a slow pass that builds an array of copies.
        g0 = g.flat[0] if _uniform(g) else None
        for x, d, need in zip(xs, partials, needs):
            if not need:
                out.append(None)
                continue
            if type(d) is int:
                c = g if d == 1 else (-g if g0 is None else m.broadcast_to(-g0, g.shape))
            elif g0 is None:
                c = g * d(m, *xs, y, **params)
            else:
                c = _uniform_times(m, g, g0, d(m, *xs, y, **params))
            out.append(_reduced(m, c, x))
        return out

    def folded(m, g, xs, y, params):
        # One node used as both operands (x·x): its adjoint ȳ·(d₀ + d₁) costs a sum and a product, where
        # ȳ·d₀ + ȳ·d₁ costs two products and a sum.
        if m is not MATH and _uniform(g):
            c = _uniform_times(m, g, g.flat[0], _summed_partials(partials, m, xs, y, params))
        else:
            c = g * _summed_partials(partials, m, xs, y, params)
        return _reduced(m, c, xs[0])

    return vjp


def _derive_local(partials):
    """The partials evaluated on Python floats, as one tuple (what a scalar node keeps for the sweep).

    Written out for one and two operands, the only arities recorded on the scalar path (which takes no
    parameters), because this runs once for every scalar operation recorded.
    """
    if len(partials) == 1:
        (d,) = partials
        if type(d) is int:
            const = (d,)
            return lambda x, y: const
        return lambda x, y: (d(MATH, x, y),)
    if len(partials) != 2:
        return None
    d0, d1 = partials
    if type(d0) is int and type(d1) is int:
        const = (d0, d1)
        return lambda a, b, y: const
    if type(d0) is int:
        return lambda a, b, y: (d0, d1(MATH, a, b, y))
    if type(d1) is int:
        return lambda a, b, y: (d0(MATH, a, b, y), d1)
    return lambda a, b, y: (d0(MATH, a, b, y), d1(MATH, a, b, y))


def elementwise(name: str, impl, partials: tuple, display: str) -> Primitive:
    """Declare and register an elementwise primitive from its value and its partials."""
    extra = list(inspect.signature(impl).parameters.values())[1 + len(partials):]
    # (a primitive that cannot be applied without a parameter, like where's condition, is never recorded
    # on the scalar path, which takes none)
    local = None if any(p.default is p.empty for p in extra) else _derive_local(partials)
    return register(Primitive(name, impl, _derive_jvp(partials), _derive_vjp(partials), display,
                              partials=partials, arity=len(partials), local=local))


# --- arithmetic --------------------------------------------------------------------------------
add = elementwise("add", lambda m, a, b: a + b, (1, 1), "{0} + {1}")
sub = elementwise("sub", lambda m, a, b: a - b, (1, -1), "{0} − {1}")
mul = elementwise("mul", lambda m, a, b: a * b, (lambda m, a, b, y: b, lambda m, a, b, y: a), "{0}·{1}")
div = elementwise("div", lambda m, a, b: m.div(a, b),
                  (lambda m, a, b, y: m.div(1, b), lambda m, a, b, y: m.div(-y, b)), "{0}/{1}")


def _pow_base_partial(m, a, b, y):
    """∂(aᵇ)/∂a = b·aᵇ⁻¹; for the common square, 2·a (computing a¹ would be one more pass over an array)."""
    return 2 * a if (type(b) is int or type(b) is float) and b == 2 else b * m.pow(a, b - 1)


pow = elementwise("pow", lambda m, a, b: m.pow(a, b), (_pow_base_partial, lambda m, a, b, y: y * m.log(a)),
                  "{0}^{1}")
neg = elementwise("neg", lambda m, x: -x, (-1,), "−{0}")

# --- elementary functions ----------------------------------------------------------------------
exp = elementwise("exp", lambda m, x: m.exp(x), (lambda m, x, y: y,), "exp({0})")
log = elementwise("log", lambda m, x: m.log(x), (lambda m, x, y: m.div(1, x),), "log({0})")
sqrt = elementwise("sqrt", lambda m, x: m.sqrt(x), (lambda m, x, y: m.div(1, 2 * y),), "√{0}")
sin = elementwise("sin", lambda m, x: m.sin(x), (lambda m, x, y: m.cos(x),), "sin({0})")
cos = elementwise("cos", lambda m, x: m.cos(x), (lambda m, x, y: -m.sin(x),), "cos({0})")
tan = elementwise("tan", lambda m, x: m.tan(x), (lambda m, x, y: 1 + y * y,), "tan({0})")
tanh = elementwise("tanh", lambda m, x: m.tanh(x), (lambda m, x, y: 1 - y * y,), "tanh({0})")
sigmoid = elementwise("sigmoid", lambda m, x: m.sigmoid(x), (lambda m, x, y: y * (1 - y),), "σ({0})")
erf = elementwise("erf", lambda m, x: m.erf(x),
                  (lambda m, x, y: m.two_over_sqrt_pi * m.exp(-x * x),), "erf({0})")

# --- piecewise (the conventions above) ---------------------------------------------------------
relu = elementwise("relu", lambda m, x: m.relu(x), (lambda m, x, y: m.heaviside(x, 0),), "relu({0})")
abs = elementwise("abs", lambda m, x: m.abs(x), (lambda m, x, y: m.sign(x),), "|{0}|")
maximum = elementwise("maximum", lambda m, a, b: m.maximum(a, b),
                      (lambda m, a, b, y: m.heaviside(a - b, 0.5), lambda m, a, b, y: m.heaviside(b - a, 0.5)),
                      "max({0}, {1})")
minimum = elementwise("minimum", lambda m, a, b: m.minimum(a, b),
                      (lambda m, a, b, y: m.heaviside(b - a, 0.5), lambda m, a, b, y: m.heaviside(a - b, 0.5)),
                      "min({0}, {1})")
where = elementwise("where", lambda m, a, b, cond: m.where(cond, a, b),
                    (lambda m, a, b, y, cond: m.mask(cond), lambda m, a, b, y, cond: m.mask(cond, False)),
                    "where({cond}, {0}, {1})")
