"""Forward mode, reverse mode and SymPy agree to 1e-10 on a suite of composite functions."""

import numpy as np
import pytest

import autodiff as ad
from autodiff.primitives import REGISTRY

# (function, point): scalar functions of one to four inputs, smooth at the point.
SUITE = [
    (lambda x: x * x * x - 2 * x, (1.3,)),
    (lambda x: ad.exp(ad.sin(x)) / (1 + x * x), (0.7,)),
    (lambda x: ad.log(1 + ad.exp(x)), (-2.0,)),
    (lambda x: ad.sqrt(x * x + 1) * ad.tanh(x), (0.4,)),
    (lambda x: ad.sigmoid(3 * x - 1) ** 2, (0.2,)),
    (lambda x: x ** 3.5 + 2 ** x, (1.7,)),
    (lambda x: x ** x, (1.9,)),
    (lambda x: ad.erf(x / 2) * ad.cos(x), (0.9,)),
    (lambda x: ad.tan(x) - x, (0.6,)),
    (lambda x: ad.relu(x - 0.5) + ad.abs(x - 3), (1.2,)),
    (lambda x1, x2: x1 * x2 + ad.exp(x1 * x2) - ad.sin(x2), (1.5, 0.5)),
    (lambda x, y: x / y - y / x, (1.3, 2.1)),
    (lambda x, y: ad.maximum(x, y) * ad.minimum(x, 2 * y), (1.5, 0.4)),
    (lambda x, y: (x - y) ** 2 + ad.log(x * y), (2.0, 0.7)),
    (lambda x, y: 100 * (y - x * x) ** 2 + (1 - x) ** 2, (-1.2, 1.0)),
    (lambda x, y: ad.sin(x) * ad.cos(y) + ad.cos(x) * ad.sin(y), (0.3, 1.1)),
    (lambda x, y: ad.exp(-(x * x + y * y) / 2), (0.5, -0.8)),
    (lambda x, y: ad.sqrt(x * x + y * y), (3.0, 4.0)),
    (lambda x, y: ad.tanh(x * y) ** 3, (0.4, 0.9)),
    (lambda x, y: x ** y, (1.7, 2.3)),
    (lambda x, y: ad.sigmoid(x) * (1 - ad.sigmoid(y)), (0.2, -1.5)),
    (lambda x, y: ad.log(ad.exp(x) + ad.exp(y)), (1.0, 2.0)),
    (lambda x, y, z: x * y * z + x / z, (1.1, 2.2, 0.3)),
    (lambda x, y, z: ad.sin(x + y * z) * ad.exp(-z), (0.1, 0.2, 0.3)),
    (lambda x, y, z: (x + y + z) ** 2 / (1 + x * x), (0.5, -0.5, 2.0)),
    (lambda x, y, z: ad.erf(x) + ad.erf(y) * ad.erf(z), (0.3, 0.6, -0.9)),
    (lambda x, y, z: ad.sqrt(ad.exp(x) + y * y + ad.abs(z)), (0.2, 0.4, -1.5)),
    (lambda x, y, z: ad.tanh(x) * ad.sigmoid(y) - ad.relu(z) * x, (0.7, -0.3, 1.2)),
    (lambda a, b, c, d: (a * d - b * c) / (a * a + b * b + c * c + d * d), (1.0, 2.0, 3.0, 4.0)),
    (lambda a, b, c, d: ad.log(a) + ad.log(b) * ad.log(c) - d ** 3, (2.0, 3.0, 4.0, 0.5)),
    (lambda a, b, c, d: ad.sin(a * b) * ad.cos(c * d) + ad.exp(a - d), (0.3, 0.4, 0.5, 0.6)),
    (lambda a, b, c, d: ad.maximum(a * b, c) + ad.minimum(c, d * d), (1.5, 2.0, 0.5, 0.4)),
]


def _shared(f):
    """A function that reuses an intermediate many times (a deep, shared graph)."""

    def g(x, y):
        h = x
        for _ in range(6):
            h = ad.sin(h * y) + h
        return h

    return g


SUITE.append((_shared(None), (0.3, 0.8)))


@pytest.mark.parametrize("f, point", SUITE, ids=[f"f{i}" for i in range(len(SUITE))])
def test_forward_reverse_and_sympy_agree(f, point):
    t = ad.trace(f, *point)
    reverse = np.atleast_1d(t.reverse().gradient)
    forward = np.array([t.forward(v.label).output for v in t.inputs])
    symbolic = np.atleast_1d(ad.symbolic.evaluate(ad.symbolic.gradient(t), ad.symbolic.symbols(t), point))
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(symbolic, reverse, rtol=1e-10, atol=1e-10)
    # and the Dual-number path, without a trace
    for i in range(len(point)):
        seed = [0.0] * len(point)
        seed[i] = 1.0
        assert ad.jvp(f, point, seed)[1] == pytest.approx(reverse[i], rel=1e-10, abs=1e-10)


def test_the_suite_exercises_every_scalar_primitive():
    used = {v.primitive.name for f, point in SUITE for v in ad.trace(f, *point).nodes if v.primitive}
    scalar = {name for name, p in REGISTRY.items() if p.impl.__module__ == "autodiff.primitives.elementwise"}
    assert scalar - used == {"where"}  # (where takes its condition as a parameter: tested in test_primitives)
