"""Chapter 13 · Automatic differentiation: solutions."""

import math

import numpy as np

import autodiff as ad


def course_f(x1, x2):
    v3 = x1 * x2
    v4 = ad.sin(x2)
    v5 = ad.exp(v3)
    v6 = v3 - v4
    return v5 + v6


def exercise_1():
    """Warm-up: the tangent trace at (2, 5) with seed (0, 1), by the tangent rules; return v̇₇."""
    x1, x2 = 2.0, 5.0
    d1, d2 = 0.0, 1.0
    d3 = d1 * x2 + x1 * d2
    d4 = d2 * math.cos(x2)
    d5 = d3 * math.exp(x1 * x2)
    d6 = d3 - d4
    return d5 + d6


def check_1(v7_dot):
    assert abs(v7_dot - 44054.647927428) < 1e-8
    assert abs(v7_dot - ad.trace(course_f, 2.0, 5.0).forward("x2").output) < 1e-8


def g(x1, x2):
    return x1 * ad.sin(x2) + x1 * x1


def exercise_2():
    """The adjoints of g(x₁, x₂) = x₁ sin x₂ + x₁² at (1, 0.5), by hand: v₃ = sin v₂, v₄ = v₁v₃,
    v₅ = v₁v₁, v₆ = v₄ + v₅. Return (v̄₁, v̄₂)."""
    x1, x2 = 1.0, 0.5
    bar6 = 1.0
    bar4, bar5 = bar6, bar6
    bar3 = bar4 * x1
    bar1 = bar4 * math.sin(x2) + bar5 * 2 * x1          # v₁ has two children: v₄ and v₅ (twice)
    bar2 = bar3 * math.cos(x2)
    return bar1, bar2


def check_2(gradient):
    assert np.allclose(gradient, ad.trace(g, 1.0, 0.5).reverse().gradient, atol=1e-14)


def exercise_3():
    """Challenge: the step h = 10⁻ᵏ (k = 1 … 12) with the smallest central-difference error for ∂f/∂x₁ of
    the course's f at (1, 2)."""
    exact = 2.0 * (1 + math.exp(2.0))
    f = lambda a: a * 2.0 + math.exp(a * 2.0) - math.sin(2.0)          # noqa: E731
    errors = {10.0 ** -k: abs((f(1 + 10.0 ** -k) - f(1 - 10.0 ** -k)) / (2 * 10.0 ** -k) - exact)
              for k in range(1, 13)}
    return min(errors, key=errors.get)


def check_3(h):
    assert 1e-7 <= h <= 1e-4, "round-off and truncation balance near ∛ε ≈ 10⁻⁵"


class TaggedDual:
    """a + bε_tag: a dual number whose ε belongs to one derivative call (its tag)."""

    def __init__(self, value, eps, tag):
        self.value, self.eps, self.tag = value, eps, tag

    def _parts(self, tag):
        """(value, ε-part) with respect to ``tag``: a number of another tag is a constant there."""
        return (self.value, self.eps) if self.tag == tag else (self, 0.0)

    def _combine(self, other, rule):
        tag = max(self.tag, other.tag) if isinstance(other, TaggedDual) else self.tag
        a, da = self._parts(tag)
        b, db = other._parts(tag) if isinstance(other, TaggedDual) else (other, 0.0)
        value, eps = rule(a, da, b, db)
        return TaggedDual(value, eps, tag)

    def __add__(self, other):
        return self._combine(other, lambda a, da, b, db: (a + b, da + db))

    __radd__ = __add__

    def __mul__(self, other):
        return self._combine(other, lambda a, da, b, db: (a * b, da * b + a * db))

    __rmul__ = __mul__


_TAGS = [0]


def tagged_derivative(f, x):
    """f'(x) with a fresh tag: deeper calls get larger tags, so the innermost ε is taken apart first."""
    _TAGS[0] += 1
    tag = _TAGS[0]
    out = f(TaggedDual(x, 1.0, tag))
    return out.eps if isinstance(out, TaggedDual) and out.tag == tag else 0.0


def exercise_4():
    """Challenge (section 8): give each derivative its own tag, so that d/dx [x · d/dy (x + y)] at x = 1, y = 1
    comes out right. Return that derivative."""
    return tagged_derivative(lambda x: x * tagged_derivative(lambda y: x + y, 1.0), 1.0)


def check_4(d):
    assert d == 1.0, f"{d}: perturbation confusion (the naive dual numbers give 2)"
    assert d == ad.jvp(lambda x: x * ad.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (1.0,), (1.0,))[1]
