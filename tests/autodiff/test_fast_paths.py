"""The engine's shortcuts (see autodiff/primitives/elementwise.py and reverse.py) against closed forms.

* an adjoint that is one number broadcast (what ``sum`` hands back) is kept as that number;
* a partial that is a fresh temporary is scaled in place, and never an operand or a value of the trace;
* terms of a jvp that share one tangent (x·x) are combined before the product;
* a sub's negative sign is folded into the tangent's sum.
"""

import math

import numpy as np
import pytest

import autodiff as ad
from autodiff.backends import sum_to
from autodiff.reverse import adjoint_sweep


def _x(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_adjoint_through_scalings_and_squares(dtype):
    x = _x(7, dtype=dtype)
    g = ad.grad(lambda x: ad.sum(100.0 * (x * x - 1.0) ** 2 + 3.0 * x))(x)
    expected = 400.0 * (x * x - 1.0) * x + 3.0
    assert g.dtype == dtype
    np.testing.assert_allclose(g, expected, rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_gradient_of_a_linear_function_is_an_owned_array():
    x = _x(5)
    g = ad.grad(lambda x: ad.sum(3.0 * x))(x)  # the adjoint is uniform all the way down
    np.testing.assert_array_equal(g, np.full(5, 3.0))
    assert g.flags.writeable and g.flags.owndata
    g[0] = 0.0  # the user's to change


@pytest.mark.parametrize("shapes", [((3, 1), (3, 4)), ((4,), (3, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1))])
def test_uniform_adjoint_with_broadcast_operands(shapes):
    a, b = _x(shapes[0], 1), _x(shapes[1], 2)
    ga, gb = ad.grad(lambda a, b: ad.sum(a * b - 2.0 * a), argnums=(0, 1))(a, b)
    full = np.broadcast_shapes(np.shape(a), np.shape(b))
    ones = np.ones(full)
    # ∂/∂a Σ(ab − 2a) = Σ over the broadcast axes of (b − 2); ∂/∂b = Σ over its broadcast axes of a
    expect_a = sum_to(ones * (b - 2.0), np.shape(a))
    expect_b = sum_to(ones * a, np.shape(b))
    np.testing.assert_allclose(ga, expect_a, rtol=1e-13)
    np.testing.assert_allclose(gb, expect_b, rtol=1e-13)
    assert np.shape(ga) == np.shape(a) and np.shape(gb) == np.shape(b)


def test_scaling_in_place_never_touches_trace_values():
    # exp's partial is its own value y and mul's partials are its operands: neither may be scaled in place.
    x = _x(6)
    t = ad.trace(lambda x: ad.sum(5.0 * ad.exp(x) + 2.0 * (x * x)), x)
    before = [np.array(v.value, copy=True) for v in t.nodes]
    adjoints = adjoint_sweep(t)
    for v, old in zip(t.nodes, before):
        np.testing.assert_array_equal(v.value, old)
    np.testing.assert_allclose(adjoints.gradient, 5.0 * np.exp(x) + 4.0 * x, rtol=1e-13)


def test_uniform_adjoint_of_a_mean_and_a_sum_over_an_axis():
    x = _x((3, 4))
    g = ad.grad(lambda x: ad.mean(ad.sum(7.0 * x, axis=0) * 2.0))(x)
    np.testing.assert_allclose(g, np.full((3, 4), 14.0 / 4), rtol=1e-14)


@pytest.mark.parametrize("f, df", [
    (lambda x: x * x, lambda x: 2 * x),
    (lambda x: x + x, lambda x: 2 + 0 * x),
    (lambda x: x - x, lambda x: 0 * x),
    (lambda x: x / x, lambda x: 0 * x),
    (lambda x: ad.maximum(x, x), lambda x: 1 + 0 * x),
])
def test_jvp_with_one_tangent_on_both_operands(f, df):
    x, v = _x(5, 3), _x(5, 4)
    y, t = ad.jvp(f, (x,), (v,))
    np.testing.assert_allclose(t, df(x) * v, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(y, f(x), rtol=1e-15)


def test_jvp_of_differences_folds_the_sign():
    x, y, u, w = _x(4, 5), _x(4, 6), _x(4, 7), _x(4, 8)
    _, t = ad.jvp(lambda x, y: (x - y) - (1.0 - x * y), (x, y), (u, w))
    np.testing.assert_allclose(t, (u - w) + (u * y + x * w), rtol=1e-13)


def test_rosenbrock_gradient_and_jvp_in_float32():
    # the benchmark's function: every shortcut above at once
    x = _x(1001, 9, np.float32) - 1.0
    v = _x(1001, 10, np.float32)

    def rosen(x):
        a, b = x[:-1], x[1:]
        return ad.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)

    x64 = x.astype(np.float64)
    a, b = x64[:-1], x64[1:]
    expected = np.zeros_like(x64)
    expected[:-1] = -400.0 * (b - a * a) * a - 2.0 * (1.0 - a)
    expected[1:] += 200.0 * (b - a * a)
    g = ad.grad(rosen)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, expected, rtol=2e-4, atol=2e-3)
    _, t = ad.jvp(rosen, (x,), (v,))
    assert t.dtype == np.float32
    np.testing.assert_allclose(t, expected @ v.astype(np.float64), rtol=1e-4)


def test_saved_residual_is_used_once_and_matches_the_recomputed_rule():
    from autodiff.backends import NUMPY
    from autodiff.graph import Node
    from autodiff.primitives import REGISTRY
    from autodiff.reverse import backward

    ce = REGISTRY["softmax_cross_entropy"]
    rng = np.random.default_rng(11)
    z = rng.standard_normal((70, 10))  # tall and narrow: the transposed row reductions are taken too
    coef = np.zeros((70, 10))
    coef[np.arange(70), rng.integers(0, 10, 70)] = 1 / 70
    x = Node(z, name="z")
    loss = ce(x, coef=coef, reduction="mean")
    assert loss.saved is not None  # the forward pass kept the local gradient
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss.value, -np.sum(coef * np.log(p)), rtol=1e-13)
    expected = p * coef.sum(axis=1, keepdims=True) - coef
    recomputed = ce.vjp(NUMPY, 1.0, [z], loss.value, [True], coef=coef, reduction="mean")[0]
    np.testing.assert_allclose(recomputed, expected, rtol=1e-12, atol=1e-15)
    grad = backward([loss], [1.0])[x]
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)
    assert loss.saved is None  # released by the sweep that used it


# --- operands recorded by the forward pass -------------------------------------------------------------
def test_recorded_operands_give_the_same_adjoints_as_gathering_them():
    from autodiff.backends import NUMPY
    from autodiff.graph import Node
    from autodiff.primitives import REGISTRY
    from autodiff.reverse import backward

    a, b = Node(_x((3, 4), 1), name="a"), Node(_x(4, 2), name="b")
    c = _x((3, 4), 3)
    y = ad.sum(ad.exp(a * b) / (c + a))  # constants inline, a broadcast operand, a node used twice
    m, values, needs = y.parents[0].operands
    assert m is NUMPY and needs == [True, True]
    recorded = backward([y], [1.0], retain=True)
    # the same graph rebuilt with Node(...) directly: no operands, the sweep gathers them from the parents
    mul, exp, add, div, total = (REGISTRY[n] for n in ("mul", "exp", "add", "div", "sum"))
    a2, b2 = Node(a.value), Node(b.value)
    ab = Node(mul.impl(NUMPY, a2.value, b2.value), mul, (a2, b2), {})
    e = Node(exp.impl(NUMPY, ab.value), exp, (ab,), {})
    s = Node(add.impl(NUMPY, c, a2.value), add, (c, a2), {})
    q = Node(div.impl(NUMPY, e.value, s.value), div, (e, s), {})
    y2 = Node(total.impl(NUMPY, q.value), total, (q,), dict(y.params))
    assert y2.operands is None and y2.value == pytest.approx(y.value, rel=1e-15)
    gathered = backward([y2], [1.0], retain=True)
    for old, new in ((a, a2), (b, b2)):
        np.testing.assert_allclose(recorded[old], gathered[new], rtol=1e-14)
    av, bv = a.value, b.value
    expected_a = bv * np.exp(av * bv) / (c + av) - np.exp(av * bv) / (c + av) ** 2
    np.testing.assert_allclose(recorded[a], expected_a, rtol=1e-13)


def test_adjoint_of_another_kind_than_the_recorded_backend():
    # recorded on Python floats (sum takes parameters, so not the scalar path), seeded with a 0-d array
    y, vjp_fn = ad.vjp(lambda x: ad.sum(x * 3.0, axis=None), 2.0)
    assert y == 6.0
    (g,) = vjp_fn(np.array(0.5))
    assert np.shape(g) == () and g == 1.5
    # recorded on dual numbers (forward-over-reverse): the sweep keeps the backend that handles them
    x = _x(5)
    np.testing.assert_allclose(ad.hvp(lambda x: ad.sum(x * x * x), x, np.ones(5)), 6.0 * x, rtol=1e-14)


def test_release_frees_intermediate_values_and_keeps_the_gradient():
    import gc
    import weakref

    from autodiff.graph import Node, toposort
    from autodiff.reverse import backward

    x = _x(6)
    inp = Node(x, name="x")
    mid = ad.sin(inp) * inp  # a node whose array nothing but the graph holds
    out = ad.sum(mid * mid + ad.exp(-inp))
    kept = backward([out], [1.0], retain=True)[inp]
    freed = weakref.ref(mid.value)
    released = backward([out], [1.0], release=True)
    gc.collect()
    np.testing.assert_array_equal(released[inp], kept)
    expected = 2 * (np.sin(x) * x) * (np.cos(x) * x + np.sin(x)) - np.exp(-x)
    np.testing.assert_allclose(kept, expected, rtol=1e-13)
    assert freed() is None  # the intermediate array went back during the sweep
    assert all(n.value is None and n.operands is None for n in toposort([out], leaves=False))
    assert inp.value is x  # inputs are never released
    # grad and value_and_grad release their own graph; the value they return is the output's
    value, g = ad.value_and_grad(lambda v: ad.sum((ad.sin(v) * v) ** 2 + ad.exp(-v)))(x)
    assert value == pytest.approx(float(np.sum((np.sin(x) * x) ** 2 + np.exp(-x))), rel=1e-14)
    np.testing.assert_allclose(g, expected, rtol=1e-13)


# --- the tape: grad walks the recorded evaluation trace of a scalar function backward -------------------
def _no_sort(monkeypatch):
    import autodiff.reverse as reverse

    def refuse(*args, **kwargs):
        raise AssertionError("the sweep sorted the graph although the tape was complete")

    monkeypatch.setattr(reverse, "toposort", refuse)


def test_grad_of_scalars_walks_the_tape_without_sorting(monkeypatch):
    _no_sort(monkeypatch)

    def f(x, y):
        ad.exp(x) * 3.0  # recorded on the tape, but the output does not depend on it: skipped
        v = x * y
        return v + ad.exp(v) - ad.sin(y) + ad.relu(x - y) * x

    x, y = 1.5, 0.5
    gx, gy = ad.grad(f, argnums=(0, 1))(x, y)
    e = math.exp(x * y)
    assert gx == pytest.approx(y + y * e + (2 * x - y), rel=1e-14)
    assert gy == pytest.approx(x + x * e - math.cos(y) - x, rel=1e-14)


def test_grad_of_scalars_inside_grad_keeps_both_tapes_apart(monkeypatch):
    _no_sort(monkeypatch)

    def outer(x):
        inner = ad.grad(lambda t: t * t * 3.0)(2.0)  # its nodes go on both tapes, which then hold the same
        return x * inner + x * x

    assert ad.grad(outer)(5.0) == pytest.approx(12.0 + 10.0, rel=1e-14)


def test_a_node_recorded_before_the_trace_is_not_needed_on_the_tape(monkeypatch):
    _no_sort(monkeypatch)
    from autodiff.graph import Node

    earlier = ad.sin(Node(0.3)) * 2.0  # from another graph: it cannot depend on grad's new inputs
    assert ad.grad(lambda x: x * earlier + x * x)(1.25) == pytest.approx(2 * math.sin(0.3) + 2.5, rel=1e-14)


def test_any_other_node_makes_the_tape_incomplete_and_the_sweep_sorts():
    from autodiff import graph
    from autodiff.primitives import REGISTRY

    x = _x(4)
    # an array node in a trace that starts with scalars
    g = ad.grad(lambda v, s: ad.sum(v * s) * s, argnums=(0, 1))(x, 2.0)
    np.testing.assert_allclose(g[0], 4.0 * np.ones(4), rtol=1e-14)
    assert g[1] == pytest.approx(4.0 * float(np.sum(x)), rel=1e-14)
    # a node built directly with Node(...) inside the function
    mul = REGISTRY["mul"]

    def f(t):
        u = t * 3.0
        w = graph.Node(mul.impl(graph.MATH, u.value, u.value), mul, (u, u), {})
        return w + t

    assert ad.grad(f)(0.5) == pytest.approx(2 * 9 * 0.5 + 1, rel=1e-14)
    # grad inside grad: the inner nodes hold outer nodes, so both sweeps sort
    assert ad.grad(ad.grad(lambda t: t * t * t))(2.0) == pytest.approx(12.0, rel=1e-14)
    tape = graph.start_tape()
    graph.Node(1.0, mul, (), {})
    assert not tape.complete and len(tape) == 0
    graph.stop_tape(tape)
    assert graph._TAPES == []


def test_vjp_and_jacrev_of_scalars_walk_the_tape(monkeypatch):
    _no_sort(monkeypatch)

    def f(x, y):
        return ad.sin(x * y) + x / y

    x, y = 0.7, 1.3
    dx, dy = math.cos(x * y) * y + 1 / y, math.cos(x * y) * x - x / y**2
    value, pullback = ad.vjp(f, x, y)
    assert value == pytest.approx(math.sin(x * y) + x / y, rel=1e-15)
    for _ in range(2):  # the pullback sweeps the same tape again: the graph is left as it was
        gx, gy = pullback(2.0)
        assert gx == pytest.approx(2.0 * dx, rel=1e-14) and gy == pytest.approx(2.0 * dy, rel=1e-14)
    assert ad.jacrev(f)(x, y) == pytest.approx(dx, rel=1e-14)


def test_a_cotangent_that_is_not_a_python_float_takes_the_general_sweep():
    value, pullback = ad.vjp(lambda x: x * x * 3.0, 0.5)
    g = pullback(np.float64(2.0))[0]  # a numpy scalar: the sweep computes in numpy's types
    assert g == pytest.approx(6.0, rel=1e-15) and isinstance(g, np.float64)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "exp", "log", "sin", "tanh", "relu", "maximum"])
def test_the_tape_sweep_gives_the_general_rule(name):
    from autodiff import graph
    from autodiff.backends import MATH
    from autodiff.primitives import REGISTRY
    from autodiff.reverse import backward

    prim = REGISTRY[name]
    rng = np.random.default_rng(len(name) + 1)
    for _ in range(5):
        xs = [float(v) for v in rng.uniform(0.2, 0.9, prim.arity)]
        nodes = [graph.Node(v, name=f"x{i}") for i, v in enumerate(xs)]
        tape = graph.start_tape()
        y = prim(*nodes)
        graph.stop_tape(tape)
        assert tape.complete and list(tape) == [y]
        adj = backward([y], [0.75], tape=tape)
        expected = prim.vjp(MATH, 0.75, xs, y.value, [True] * len(xs))
        for node, e in zip(nodes, expected):
            assert adj[node] == e and type(adj[node]) is float


def test_a_failing_function_leaves_no_tape_recording():
    from autodiff import graph

    def f(x):
        if (x * 2.0).value > 0:  # a node is on the tape when f fails
            raise RuntimeError("inside f")
        return x

    with pytest.raises(RuntimeError, match="inside f"):
        ad.grad(f)(1.0)
    assert graph._TAPES == []
    assert ad.grad(lambda x: x * x)(3.0) == pytest.approx(6.0)


def _binary_elementwise():
    from autodiff.primitives import REGISTRY

    return sorted(name for name, p in REGISTRY.items() if p.elementwise and p.arity == 2 and p.local is not None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", _binary_elementwise())
def test_one_node_as_both_operands_gets_the_summed_adjoint(name, dtype):
    from autodiff.graph import Node
    from autodiff.primitives import REGISTRY
    from autodiff.primitives.core import SAME
    from autodiff.reverse import backward

    prim = REGISTRY[name]
    rng = np.random.default_rng(len(name))
    x, w = rng.uniform(0.2, 0.9, (2, 3, 4)).astype(dtype)  # in every primitive's domain (log, a probability)
    for seed in (np.ones((3, 4), dtype), w, np.broadcast_to(dtype(0.5), (3, 4))):  # the last: one number
        a = Node(x)
        y = prim(a, a)
        assert y.operands[2] == [True, SAME]
        folded = backward([y], [seed])[a]
        # the same value on two distinct nodes: two adjoints, added
        b, c = Node(x), Node(x)
        z = prim(b, c)
        assert z.operands[2] == [True, True]
        two = backward([z], [seed])
        expected = np.asarray(two[b] + two[c])
        assert np.shape(folded) == x.shape and np.asarray(folded).dtype == expected.dtype
        np.testing.assert_allclose(folded, expected, rtol=1e-6 if dtype == np.float32 else 1e-14, atol=1e-7)


def test_one_node_as_both_operands_in_tables_tensors_and_hessians():
    import nets

    x = _x(4, 7)
    # every variable's adjoint in the trace: v1 = x, v2 = v1·v1, v3 = Σ v2 → v̄1 = 2x
    trace = ad.trace(lambda x: ad.sum(x * x), x)
    np.testing.assert_allclose(adjoint_sweep(trace).gradient, 2 * x, rtol=1e-15)
    t = nets.tensor(x.astype(np.float32), requires_grad=True)
    ((t * t) * nets.tensor(x.astype(np.float32))).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), 2 * x * x, rtol=1e-6)
    np.testing.assert_allclose(ad.hessian(lambda x: ad.sum(x * x * x))(x), np.diag(6 * x), rtol=1e-13)
    assert ad.grad(lambda h: h * h)(3.0) == 6.0


# --- the scalar path: nodes recorded on Python floats keep their local partials ------------------------
def _elementwise_on_floats():
    from autodiff.primitives import REGISTRY

    return sorted(name for name, p in REGISTRY.items() if p.local is not None)


@pytest.mark.parametrize("name", _elementwise_on_floats())
def test_scalar_path_partials_equal_the_general_rule(name):
    from autodiff.backends import MATH
    from autodiff.graph import Node
    from autodiff.primitives import REGISTRY
    from autodiff.reverse import backward

    prim = REGISTRY[name]
    rng = np.random.default_rng(len(name))
    for _ in range(5):
        xs = [float(v) for v in rng.uniform(0.2, 0.9, prim.arity)]  # in every domain (log, a probability)
        nodes = [Node(v, name=f"x{i}") for i, v in enumerate(xs)]
        y = prim(*nodes)
        assert type(y.value) is float and y.saved is not None, "recorded on the scalar path"
        g = 0.75
        adj = backward([y], [g])
        expected = prim.vjp(MATH, g, xs, y.value, [True] * len(xs))  # the rule the sweep would call
        for node, e in zip(nodes, expected):
            assert adj[node] == e and type(adj[node]) is float
        # and the same numbers as numpy's 0-d arrays, which never take the scalar path
        arrays = [Node(np.float64(v)) for v in xs]
        ya = prim(*arrays)
        assert ya.saved is None
        adj_a = backward([ya], [np.float64(g)])
        for node, a in zip(nodes, arrays):
            np.testing.assert_allclose(adj[node], adj_a[a], rtol=1e-15)


def test_scalar_path_gives_constants_no_adjoint_and_nests():
    from autodiff.graph import Node
    from autodiff.reverse import backward

    x = Node(0.5)
    y = 3.0 * x * x - ad.sin(x) / 2.0  # constants on both sides of the operators
    adj = backward([y], [1.0])
    assert set(adj) == {x}
    assert adj[x] == pytest.approx(6.0 * 0.5 - np.cos(0.5) / 2.0, rel=1e-15)
    # Hessians trace the rules on dual numbers: they never see the scalar path's saved floats
    assert ad.hessian(lambda x: 3.0 * x * x - ad.sin(x) / 2.0)(0.5) == pytest.approx(6.0 + np.sin(0.5) / 2.0)
    # a chain long enough to need the iterative sweep, differentiated exactly
    g = ad.grad(lambda h: _chain(h, 1000))(0.5)
    assert g == pytest.approx(1.0011 ** 1000, rel=1e-12)


def _chain(h, n):
    for _ in range(n):
        h = h * 1.0001 + ad.relu(h) * 0.001
    return h


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_without_scipy_matches_math_erf(dtype):
    # the fallback used when scipy is not installed (a 0-d input gives a scalar, the dtype is kept)
    import math

    from autodiff.backends import _erf_by_math

    x = np.linspace(-3, 3, 13).astype(dtype)
    y = _erf_by_math(x)
    assert y.dtype == dtype and y.shape == x.shape
    expected = [math.erf(v) for v in x.astype(np.float64)]
    np.testing.assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-15)
    s = _erf_by_math(np.float64(0.5))
    assert np.ndim(s) == 0 and s == math.erf(0.5)
    with pytest.raises(TypeError, match="complex"):
        _erf_by_math(np.array([1j]))


def _index_cases():
    """(shape, index) pairs that fit: leading-axis runs of every kind, and indices that are not runs."""
    indices = [slice(1, None), slice(None, -1), slice(2, 4), slice(3, 1), (slice(1, 3),), slice(None),
               slice(-3, None), slice(0, 100), slice(None, None, 2), (0,), (slice(None), 0), np.array([0, 0])]
    cases = []
    for shape in [(10,), (5, 3), (1,), (0,), (4, 2, 2)]:
        for index in indices:
            try:
                np.empty(shape)[index]
            except IndexError:
                continue
            cases.append(pytest.param(shape, index, id=f"{shape}-{index!r}"))
    return cases


@pytest.mark.parametrize("shape, index", _index_cases())
def test_slice_adjoint_zeroes_only_around_the_run(shape, index):
    # a leading-axis run is written with zeros only around it; every index gives the same dense adjoint
    from autodiff.backends import Scatter

    x = np.arange(float(np.prod(shape))).reshape(shape)
    g = np.full_like(x[index], 2.0)
    expected = np.zeros(shape)
    np.add.at(expected, index, g)
    dense = Scatter(g, index, shape).dense()
    assert dense.dtype == g.dtype
    np.testing.assert_array_equal(dense, expected)
