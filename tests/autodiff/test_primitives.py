"""Every primitive's rules against central differences at hypothesis-drawn points (and shapes)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff as ad
from autodiff.primitives import REGISTRY

FAST = settings(max_examples=15, deadline=None)

# name -> (function, sampler of one value in the domain where the rule is smooth)
_away_from_zero = st.floats(0.1, 4.0).flatmap(lambda a: st.sampled_from([a, -a]))
UNARY = {
    "neg": (lambda x: -x, st.floats(-5, 5)),
    "exp": (ad.exp, st.floats(-4, 4)),
    "log": (ad.log, st.floats(0.1, 10)),
    "sqrt": (ad.sqrt, st.floats(0.1, 10)),
    "sin": (ad.sin, st.floats(-5, 5)),
    "cos": (ad.cos, st.floats(-5, 5)),
    "tan": (ad.tan, st.floats(-1.3, 1.3)),
    "tanh": (ad.tanh, st.floats(-4, 4)),
    "sigmoid": (ad.sigmoid, st.floats(-6, 6)),
    "erf": (ad.erf, st.floats(-3, 3)),
    "relu": (ad.relu, _away_from_zero),
    "abs": (ad.abs, _away_from_zero),
}
BINARY = {
    "add": (lambda a, b: a + b, st.floats(-5, 5), st.floats(-5, 5)),
    "sub": (lambda a, b: a - b, st.floats(-5, 5), st.floats(-5, 5)),
    "mul": (lambda a, b: a * b, st.floats(-5, 5), st.floats(-5, 5)),
    "div": (lambda a, b: a / b, st.floats(-5, 5), st.floats(0.3, 5)),
    "pow": (lambda a, b: a**b, st.floats(0.2, 3), st.floats(-2, 2)),
    "maximum": (ad.maximum, st.floats(-5, 5), st.floats(-5, 5)),
    "minimum": (ad.minimum, st.floats(-5, 5), st.floats(-5, 5)),
}


def _ok(f, *args):
    result = ad.gradcheck(f, *args, atol=1e-6, rtol=1e-6)
    assert result, result
    forward = ad.gradcheck(f, *args, atol=1e-6, rtol=1e-6, mode="forward")
    assert forward, forward


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_scalar(name):
    f, values = UNARY[name]

    @FAST
    @given(values)
    def check(x):
        _ok(f, x)

    check()


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_array(name):
    f, values = UNARY[name]

    @FAST
    @given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=3), elements=values))
    def check(x):
        _ok(lambda x: f(x) * 1.0, x)

    check()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_with_broadcasting(name):
    f, left, right = BINARY[name]

    @FAST
    @given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3), st.data())
    def check(shapes, data):
        sa, sb = shapes.input_shapes
        a = data.draw(hnp.arrays(np.float64, sa, elements=left))
        b = data.draw(hnp.arrays(np.float64, sb, elements=right))
        if name in ("maximum", "minimum"):
            # stay well away from ties, where the derivative jumps (central differences straddle it
            # within a step of about 1e-5)
            assume(np.all(np.abs(np.subtract(a, b)) > 1e-3))
        _ok(f, a, b)

    check()


def test_where_with_broadcast_condition():
    rng = np.random.default_rng(1)
    cond = rng.random((3, 1)) > 0.5
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    _ok(lambda a, b: ad.where(cond, a * a, ad.sin(b)), a, b)


REDUCTIONS = [ad.sum, ad.mean, ad.max]


@pytest.mark.parametrize("reduce", REDUCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, False)])
def test_reductions(reduce, axis, keepdims):
    x = np.random.default_rng(2).normal(size=(2, 3, 4))
    _ok(lambda x: reduce(x * x, axis=axis, keepdims=keepdims), x)


def test_max_splits_ties_equally():
    g = ad.grad(lambda x: ad.max(x))(np.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])


@settings(max_examples=10, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_shape_primitives(shape):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape) / 7 - 0.3
    _ok(lambda x: ad.reshape(ad.sin(x), (-1,)), x)
    _ok(lambda x: ad.transpose(x * x), x)
    _ok(lambda x: ad.broadcast_to(x, (2,) + shape) * 1.5, x)
    if len(shape) >= 2:
        axes = tuple(reversed(range(len(shape))))[::-1][1:] + (0,)
        _ok(lambda x: ad.transpose(ad.exp(x), axes), x)


def test_sum_to_and_index_add_are_the_transposes_of_broadcast_and_getitem():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 4))
    _ok(lambda x: REGISTRY["sum_to"](x * x, shape=(1, 4)), x)
    _ok(lambda g: REGISTRY["index_add"](ad.sin(g), index=(np.array([0, 2, 0]),), shape=(3, 4)), x)


@pytest.mark.parametrize("index", [1, (slice(None), 2), (slice(0, 2), slice(1, None, 2)), ([0, 2, 0],),
                                   (np.array([1, 1]), np.array([0, 3])), (Ellipsis, None, 1)],
                         ids=str)
def test_indexing(index):
    x = np.random.default_rng(4).normal(size=(3, 4))
    _ok(lambda x: ad.exp(x)[index], x)


def test_concatenate():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    _ok(lambda a, b: ad.concatenate([a * a, b, ad.sin(a)], axis=0), a, b)
    _ok(lambda a, b: ad.concatenate([a, (b.T @ b[:, :2]).T * 0.1], axis=1) * 1.0, a, b)
    # a constant among the pieces
    _ok(lambda a: ad.concatenate([a, np.ones((1, 3))]) * 2.0, a)


@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                                    ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_shapes(sa, sb):
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    _ok(lambda a, b: ad.matmul(a, b) * 1.0, a, b)


def _network_cases_primitives() -> set:
    """The primitives that the gradchecked cases of tests/nets/test_nn_primitives.py apply (read from their
    traces, so a case counts for what it really computes)."""
    path = Path(__file__).resolve().parents[1] / "nets" / "test_nn_primitives.py"
    spec = importlib.util.spec_from_file_location("_nn_primitive_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {v.primitive.name for _, f, args in module.CASES for v in ad.trace(f, *args).nodes if v.primitive}


def test_every_registered_primitive_is_gradchecked():
    here = set(UNARY) | set(BINARY) | {"where", "sum", "mean", "max", "reshape", "transpose", "broadcast_to",
                                       "sum_to", "index_add", "getitem", "concatenate", "matmul"}
    differentiable = {name for name, p in REGISTRY.items() if p.differentiable}  # (indicators: no derivative)
    missing = differentiable - here - _network_cases_primitives()
    assert not missing, f"primitives without a gradcheck test: {sorted(missing)}"


# --- conventions where a derivative does not exist -----------------------------------------------------
def test_relu_and_abs_have_zero_derivative_at_zero():
    for f in (ad.relu, ad.abs):
        assert ad.grad(f)(0.0) == 0.0
        assert ad.jvp(f, (0.0,), (1.0,))[1] == 0.0
        np.testing.assert_array_equal(ad.grad(lambda x, f=f: ad.sum(f(x)))(np.zeros(3)), np.zeros(3))


def test_maximum_and_minimum_split_ties():
    assert ad.grad(ad.maximum, (0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert ad.grad(ad.minimum, (0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert ad.grad(ad.maximum, (0, 1))(3.0, 2.0) == (1.0, 0.0)


def test_log_and_sqrt_at_zero_follow_ieee():
    with np.errstate(divide="ignore"):
        assert ad.log(0.0) == -np.inf
        assert ad.grad(ad.log)(0.0) == np.inf
        assert ad.grad(ad.sqrt)(0.0) == np.inf
        assert ad.grad(lambda x: ad.sum(ad.log(x)))(np.array([0.0, 2.0]))[0] == np.inf


def test_sigmoid_is_finite_and_exact_for_huge_inputs():
    for x in (1e4, -1e4, 745.0, -745.0):
        assert np.isfinite(ad.sigmoid(x)) and np.isfinite(ad.grad(ad.sigmoid)(x))
    np.testing.assert_array_equal(ad.sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])
    assert ad.sigmoid(-30.0) == pytest.approx(np.exp(-30.0) / (1 + np.exp(-30.0)), rel=1e-15)


def test_math_functions_accept_numbers_arrays_nodes_and_duals():
    assert ad.sin(0.5) == pytest.approx(np.sin(0.5))
    np.testing.assert_allclose(ad.exp(np.array([0.0, 1.0])), [1.0, np.e])
    d = ad.sin(ad.Dual(0.5, 1.0))
    assert d.primal == pytest.approx(np.sin(0.5)) and d.tangent == pytest.approx(np.cos(0.5))
    n = ad.sin(ad.Node(0.5))
    assert isinstance(n, ad.Node) and n.prim is REGISTRY["sin"]


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs", "erf"])
def test_float32_stays_float32(name):
    x = np.linspace(0.1, 1.0, 6, dtype=np.float32).reshape(2, 3)
    f = getattr(ad, name)
    assert f(x).dtype == np.float32
    assert ad.grad(lambda x: ad.sum(f(x) * 2 + x**2 / 3 + 2**x))(x).dtype == np.float32
