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

import numpy as np

from .core import Primitive, register


def _reduced(m, c, x):
    """An adjoint contribution summed back to its operand's shape (undoing broadcasting)."""
    return m.sum_to(c, m.shape(x))


def _derive_jvp(partials):
    def jvp(m, ts, xs, y, **params):
        """ẏ = Σᵢ ẋᵢ · dᵢ (broadcast to y's shape); a partial ±1 adds or subtracts ẋᵢ itself."""
        out = None
        for t, d in zip(ts, partials):
            if t is None:
                continue
            if type(d) is int:
                out = (t if d == 1 else -t) if out is None else (out + t if d == 1 else out - t)
            else:
                term = t * d(m, *xs, y, **params)
                out = term if out is None else out + term
        if out is not None and not (type(out) is np.ndarray and type(y) is np.ndarray and out.shape == y.shape) \
                and m.shape(out) != m.shape(y):  # (arrays of one shape, the usual case, checked first)
            out = m.broadcast_to(out, m.shape(y))  # the tangent of an input that was broadcast
        return out

    return jvp


def _derive_vjp(partials):
    def vjp(m, g, xs, y, needs, **params):
        """x̄ᵢ = sum_to(ȳ · dᵢ, shape of xᵢ); a partial ±1 hands ±ȳ on."""
        out = []
        for x, d, need in zip(xs, partials, needs):
            if not need:
                out.append(None)
            elif type(d) is int:
                out.append(_reduced(m, g if d == 1 else -g, x))
            else:
                out.append(_reduced(m, g * d(m, *xs, y, **params), x))
        return out

    return vjp


def elementwise(name: str, impl, partials: tuple, display: str) -> Primitive:
    """Declare and register an elementwise primitive from its value and its partials."""
    return register(Primitive(name, impl, _derive_jvp(partials), _derive_vjp(partials), display,
                              partials=partials, arity=len(partials)))


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
relu = elementwise("relu", lambda m, x: m.relu(x), (lambda m, x, y: m.heaviside(y, 0),), "relu({0})")  # y > 0 iff x > 0
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
