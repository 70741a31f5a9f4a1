"""The speed-only paths of autodiff/fast.py give what the reference path gives, case by case.

(CI also runs the whole suite with AUTODIFF_REFERENCE=1.) Each test computes a result twice, with the
paths on and off, and compares the numbers and dtypes; none looks at which path ran.
"""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import fast

from .test_composite import SUITE


def both(compute):
    """``compute()`` with the speed-only paths on, then off."""
    saved = fast.ENABLED
    try:
        fast.ENABLED = True
        on = compute()
        fast.ENABLED = False
        off = compute()
    finally:
        fast.ENABLED = saved
    return on, off


def assert_same(on, off, inputs=np.float64):
    """Equal dtypes and values, up to the rounding of adding the same contributions in another order
    (x̄[index] += ȳ adds into a buffer where the reference adds whole arrays, ẋ·(d₀ + d₁) sums the partials
    first): a few units in the last place of the result's precision, or of the inputs' where lower."""
    on, off = (on if isinstance(on, tuple) else (on,)), (off if isinstance(off, tuple) else (off,))
    assert len(on) == len(off)
    for a, b in zip(on, off):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        ulp = 4 * max(np.finfo(b.dtype if b.dtype.kind == "f" else np.float64).eps, np.finfo(inputs).eps)
        np.testing.assert_allclose(a, b, rtol=ulp, atol=ulp * float(np.max(np.abs(b), initial=0.0)))


@pytest.mark.parametrize("f, point", SUITE, ids=[f"f{i}" for i in range(len(SUITE))])
def test_scalar_tapes(f, point):
    nums = tuple(range(len(point)))
    assert_same(*both(lambda: ad.grad(f, nums)(*point)))
    assert_same(*both(lambda: ad.trace(f, *point).reverse().gradient))
    assert_same(*both(lambda: ad.jacrev(f, nums)(*point)))


def test_scalar_tapes_nested_and_with_constants():
    def f(x):
        return ad.grad(lambda y: x * y * y + 3.0 * ad.sin(y))(x) * x

    assert_same(*both(lambda: ad.grad(f)(0.7)))
    assert_same(*both(lambda: ad.hessian(lambda x: x ** 4 - 2.0 * x)(1.3)))


def rosenbrock(x):
    return ad.sum(100.0 * (x[1:] - x[:-1] * x[:-1]) ** 2 + (1.0 - x[:-1]) ** 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [10, 5000])  # (uniform adjoints take arrays of fast.UNIFORM_MIN_SIZE and more)
def test_uniform_adjoints_and_indexed_adjoints(n, dtype):
    x = np.linspace(-1.5, 1.5, n).astype(dtype)
    assert_same(*both(lambda: ad.grad(rosenbrock)(x)))
    assert_same(*both(lambda: ad.grad(lambda v: ad.mean(ad.exp(v) * 3.0 - v / 2.0))(x)))
    assert_same(*both(lambda: ad.grad(lambda v: ad.sum(ad.sin(v)) * 2.5)(x)))


@pytest.mark.parametrize("index", [np.array([0, 3, 3, 1]), np.array([True, False, True, True, False] * 2),
                                   (slice(None, None, 2),), (np.array([1, 1]), slice(1, 3))],
                         ids=["repeated integers", "mask", "strided slice", "mixed"])
def test_indexed_adjoints_accumulate(index):
    x = np.arange(20.0).reshape(10, 2) / 7 if isinstance(index, tuple) and len(index) == 2 else np.arange(10.0) / 7

    def f(v):
        return ad.sum(ad.sin(v[index]) * v[index]) + ad.sum(v[1:] * 2.0) + ad.sum(v[index] ** 2)

    assert_same(*both(lambda: ad.grad(f)(x)))


def test_in_place_sums_never_touch_values_or_other_adjoints():
    x = np.linspace(0.1, 2.0, 6)
    y = np.linspace(-1.0, 1.0, 6)

    def f(a, b):
        s = a * b  # the adjoint of a and of b is handed the other value itself
        return ad.sum(s + s * a + a * b + ad.exp(a))

    before = (x.copy(), y.copy())
    assert_same(*both(lambda: ad.grad(f, (0, 1))(x, y)))
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(y, before[1])
    t = ad.trace(f, x, y)
    on, off = both(lambda: tuple(t.reverse().adjoints))
    assert_same(on, off)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_jvps(dtype):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 3)).astype(dtype)
    w = rng.normal(size=3).astype(dtype)

    def f(v):
        return ad.tanh(v * w + 1.0) @ w - ad.sum(ad.max(v, axis=0)) + ad.sum(v[1:] ** 2)

    assert_same(*both(lambda: ad.jvp(f, (x,), (np.ones_like(x),))))
    batch = rng.normal(size=(2, 4, 3)).astype(dtype)  # two directions: the reference handles the batch
    assert_same(*both(lambda: ad.jvp(f, (x,), (batch,))))
    assert_same(*both(lambda: ad.jacfwd(rosenbrock)(np.linspace(-1, 1, 6).astype(dtype))))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_value_as_both_operands(name, dtype):
    prim = ad.REGISTRY[name]
    x = np.linspace(0.5, 2.0, 7).astype(dtype)

    def f(v):
        a = ad.sin(v) + 1.5  # one node, used twice below
        return ad.sum(prim(a, a) * v)

    assert_same(*both(lambda: ad.grad(f)(x)))
    assert_same(*both(lambda: ad.jvp(f, (x,), (np.ones_like(x),))))
    assert_same(*both(lambda: ad.hessian(lambda v: ad.sum(prim(v, v)))(x[:3])), inputs=dtype)


def test_speed_paths_step_aside_inside_another_transformation():
    # forward over reverse at arrays above fast.UNIFORM_MIN_SIZE: the sweep's values are dual numbers there
    x = np.linspace(-1.0, 1.0, 5000)
    v = np.cos(np.arange(5000.0))
    assert_same(*both(lambda: ad.hvp(lambda z: ad.sum(ad.sin(z) * 2.0), x, v)))
    np.testing.assert_allclose(ad.hvp(lambda z: ad.sum(ad.sin(z) * 2.0), x, v), -2.0 * np.sin(x) * v, rtol=1e-14)
    a = x[:10]
    assert_same(*both(lambda: ad.hvp(rosenbrock, a, v[:10])))


# --- staged results written in place (staging.Runner with fast.in_place) -------------------------------------
def _staged_programs():
    rng = np.random.default_rng(7)
    x32 = rng.uniform(-1.5, 1.5, 2 * fast.IN_PLACE_MIN_SIZE).astype(np.float32)  # (large enough to write in place)

    def rosen(x):
        a, b = x[:-1], x[1:]
        return ad.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)

    def chain(x, W):
        h = x
        for _ in range(4):
            h = ad.tanh(W @ h) * h + ad.exp(-h * h) - h / 3
        return ad.sum(ad.maximum(h, 0.1) * h)

    W = rng.standard_normal((6, 6)) / 3
    x = rng.standard_normal((6, fast.IN_PLACE_MIN_SIZE // 4))  # a batch of columns: W @ h is (6, n)
    return [(ad.grad(rosen), (x32,)), (lambda x, v: ad.jvp(rosen, (x,), (v,)), (x32, np.ones_like(x32))),
            (ad.grad(chain, (0, 1)), (x, W)), (chain, (x, W))]


@pytest.mark.parametrize("case", range(4))
def test_staged_results_written_in_place_equal_the_reference_run(case):
    from autodiff import pytree, staging

    f, args = _staged_programs()[case]
    program = ad.jit(f).program(*args)
    leaves, _ = pytree.flatten(args)
    on, off = both(lambda: staging.Runner(program)(leaves))
    for a, b in zip(on, off):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(a, b)  # the same operations on the same values: bit for bit
    again, _ = both(lambda: staging.Runner(program)(leaves))  # buffers the first run wrote in are not reused
    for a, b in zip(again, off):
        np.testing.assert_array_equal(a, b)
