"""autodiff.jit: staged programs give the eager results, compose with every transformation, stage again for
a new signature, refuse value-dependent control flow, and their passes keep results identical."""

import threading
import tracemalloc

import numpy as np
import pytest

import autodiff as ad
from autodiff import staging
from tests.autodiff.test_composite import SUITE

IDS = [f"f{i}" for i in range(len(SUITE))]


def _other_point(point):
    """A second point in the same domain (positive stays positive), to replay the staged program at."""
    return tuple(p * 0.8 + (0.05 if p > 0 else -0.05) for p in point)


def _close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=tol, atol=tol)


@pytest.mark.parametrize("f, point", SUITE, ids=IDS)
def test_jit_equals_eager_for_the_composite_suite(f, point):
    nums = tuple(range(len(point)))
    jf, jg, gj = ad.jit(f), ad.jit(ad.grad(f, nums)), ad.grad(ad.jit(f), nums)

    def jvp_first(*x):
        return ad.jvp(f, x, (1.0,) + (0.0,) * (len(x) - 1))

    jj = ad.jit(jvp_first)
    for x in (point, _other_point(point)):  # the second call replays the program staged at the first
        _close(jf(*x), f(*x))
        _close(jg(*x), ad.grad(f, nums)(*x))
        _close(gj(*x), ad.grad(f, nums)(*x))
        _close(jj(*x), jvp_first(*x))


@pytest.mark.parametrize("f, point", SUITE, ids=IDS)
def test_the_passes_keep_results_identical(f, point):
    g = ad.grad(f, tuple(range(len(point))))
    raw = ad.jit(g, optimize=False).program(*point)
    leaves = [float(p) for p in point]
    want = staging.Runner(raw)(leaves)
    for p in (staging.simplify(raw), staging.eliminate_common_subexpressions(raw), staging.eliminate_dead_code(raw),
              staging.optimize(raw)):
        assert len(p) <= len(raw)
        got = staging.Runner(p)(leaves)
        assert [np.asarray(a).tobytes() for a in got] == [np.asarray(b).tobytes() for b in want]


BRANCHES = [  # functions whose derivative depends on which side of a kink the point is
    (lambda x: ad.relu(x) * x, [(1.5,), (-1.5,)]),
    (lambda x: ad.abs(x - 1) ** 2, [(2.0,), (0.5,)]),
    (lambda x, y: ad.maximum(x, y) * x, [(2.0, 1.0), (1.0, 2.0)]),
    (lambda x, y: ad.minimum(x * y, 1.0), [(0.5, 0.5), (2.0, 3.0)]),
    (lambda x: ad.where(x > 0, x * x, -x), [(3.0,), (-3.0,)]),
]


@pytest.mark.parametrize("f, points", BRANCHES)
def test_a_program_recomputes_which_branch_each_call_takes(f, points):
    nums = tuple(range(len(points[0])))
    jg = ad.jit(ad.grad(f, nums))
    for x in points + points:
        _close(jg(*x), ad.grad(f, nums)(*x))
        _close(ad.jit(f)(*x), f(*x))


def test_arrays_max_indexing_and_where_with_staged_conditions():
    rng = np.random.default_rng(0)

    def f(x, W, labels):
        h = ad.tanh(W @ x)
        picked = h[labels]  # an index computed from an input
        return ad.sum(ad.where(h > 0, h * h, 0.1 * h)) + ad.max(x) + ad.sum(picked) * ad.mean(x)

    jf, jg = ad.jit(f), ad.jit(ad.grad(f, (0, 1)))
    shown = str(jf.program(np.ones(5), np.ones((4, 5)), np.array([0, 1, 2])))
    assert "v6 = v5[v3]" in shown and "where(v7, " in shown and "Var" not in shown  # computed parameters by name
    for _ in range(3):
        x, W = rng.standard_normal(5), rng.standard_normal((4, 5))
        labels = rng.integers(0, 4, size=3)
        _close(jf(x, W, labels), f(x, W, labels))
        for a, b in zip(jg(x, W, labels), ad.grad(f, (0, 1))(x, W, labels)):
            _close(a, b)


def test_rosenbrock_float32_matches_the_reference_sweep():
    def rosen(x):
        a, b = x[:-1], x[1:]
        return ad.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)

    x = np.random.default_rng(1).uniform(-1.5, 1.5, 1000).astype(np.float32)
    got = ad.jit(ad.grad(rosen))(x)
    assert got.dtype == np.float32
    a, b = x[:-1].astype(np.float64), x[1:].astype(np.float64)  # the closed form, in float64
    want = np.zeros(1000)
    want[:-1] += -400 * a * (b - a * a) - 2 * (1 - a)
    want[1:] += 200 * (b - a * a)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-3)


def test_composition_in_every_order():
    def f(x, y):
        return ad.sin(x * y) + x * x * y

    x, y = 0.7, -1.3
    h = ad.hessian(f, (0, 1))(x, y)
    for got in (ad.jit(ad.hessian(f, (0, 1)))(x, y), ad.hessian(ad.jit(f), (0, 1))(x, y),
                ad.jit(ad.hessian(ad.jit(f), (0, 1)))(x, y)):
        _close(got, h)
    value, grads = ad.jit(ad.value_and_grad(f, (0, 1)))(x, y)
    _close(value, f(x, y))
    _close(grads, ad.grad(f, (0, 1))(x, y))
    _close(ad.jit(ad.jit(f))(x, y), f(x, y))
    cot = ad.jit(lambda x, y: ad.vjp(f, x, y)[1](2.0))(x, y)
    _close(cot, tuple(2 * g for g in ad.grad(f, (0, 1))(x, y)))
    _close(ad.jit(lambda x, v: ad.hvp(lambda z: f(z, y), x, v))(x, 1.0), h[0][0])


def test_a_jitted_function_closing_over_an_outer_traced_value():
    # grad's x is a constant of the staged program; the program is run through grad's level
    assert ad.grad(lambda x: ad.jit(lambda y: x * y)(2.0))(3.0) == pytest.approx(2.0)
    assert ad.grad(lambda x: ad.jit(lambda y: ad.sin(x * y))(2.0))(0.3) == pytest.approx(2 * np.cos(0.6))


def test_pytrees_of_parameters():
    rng = np.random.default_rng(2)
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)}
    x = rng.standard_normal((5, 4))

    def loss(p, x):
        return ad.mean((x @ p["W"].T + p["b"]) ** 2)

    step = ad.jit(ad.value_and_grad(loss))
    value, grads = step(params, x)
    assert set(grads) == {"W", "b"}
    r = x @ params["W"].T + params["b"]
    _close(value, np.mean(r ** 2))
    _close(grads["W"], 2 * r.T @ x / r.size)
    _close(grads["b"], 2 * r.sum(axis=0) / r.size)
    out = ad.jit(lambda p: {"double": [p["W"] * 2, p["b"]], "n": ad.sum(p["b"])})(params)
    _close(out["double"][0], 2 * params["W"])
    _close(out["n"], params["b"].sum())


def test_stages_once_per_signature():
    stagings = []

    def f(x):
        stagings.append(np.shape(x))  # runs only while staging: later calls run the program
        return ad.sum(x * x)

    jf = ad.jit(f)
    for x in (np.ones(3), np.full(3, 2.0), np.ones(4), np.ones(3), 2.0, 3.0, np.ones(3, np.float32)):
        assert jf(x) == pytest.approx(float(np.sum(np.asarray(x) ** 2)))
    assert stagings == [(3,), (4,), (), (3,)]


@pytest.mark.parametrize("body, what", [
    ("if x > 0:\n        return x\n    return -x", "Python control flow"),
    ("return x * float(x)", "float()"),
    ("return x * np.asarray(x)", "numpy array"),
    ("return x * int(x)", "int()"),
    ("while x < 10:\n        x = x * 2\n    return x", "Python control flow"),
])
def test_value_dependent_python_raises_and_names_the_line(body, what):
    namespace = {"np": np}
    source = f"def f(x):\n    {body}\n"
    exec(compile(source, "user_code.py", "exec"), namespace)  # noqa: S102 - a test's own source
    with pytest.raises(ad.StagingError) as e:
        ad.jit(namespace["f"])(1.5)
    assert what in str(e.value) and "user_code.py" in str(e.value) and "ad.where" in str(e.value)
    assert "jit(f)" in str(e.value)
    assert ad.jit(lambda x: ad.where(x > 0, x, -x))(-1.5) == 1.5  # the staged choice


def test_errors_for_bad_arguments():
    with pytest.raises(TypeError, match="jit needs a function"):
        ad.jit(3)
    with pytest.raises(TypeError, match="numbers and numpy"):
        ad.jit(lambda s: s)("text")


def test_threads_share_a_jitted_function():
    jg = ad.jit(ad.grad(lambda x: ad.sum(ad.sin(x) * x)))
    errors = []

    def work(seed):
        x = np.random.default_rng(seed).standard_normal(6)
        for _ in range(200):
            if not np.allclose(jg(x), np.cos(x) * x + np.sin(x), rtol=1e-12):
                errors.append(seed)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# --- the passes, one by one ------------------------------------------------------------------------------
def test_simplify_removes_the_seed_products():
    def f(x1, x2):
        return x1 * x2 + ad.exp(x1 * x2) - ad.sin(x2)

    raw = ad.jit(ad.grad(f, (0, 1)), optimize=False).program(1.5, 0.5)
    simple = staging.simplify(raw)
    assert "= 1.0·v5" in str(raw) and "= 1.0·" not in str(simple)  # ȳ = 1 times a partial
    assert len(simple) == len(raw) - 3


def test_constant_folding_computes_equations_without_variables():
    x = staging.Var(2.0)
    c = staging.Var(3.0)
    program = staging.Program([x], [
        staging.Eqn(ad.REGISTRY["mul"], (2.0, 1.5), {}, c),  # constants only: folded
        staging.Eqn(ad.REGISTRY["add"], (x, c), {}, staging.Var(5.0)),
    ], [])
    program.outputs = [program.eqns[1].out]
    folded = staging.simplify(program)
    assert len(folded) == 1 and folded.eqns[0].args == (x, 3.0)
    assert staging.Runner(folded)([4.0]) == [7.0] == staging.Runner(program)([4.0])


def test_common_subexpressions_and_dead_code():
    def f(x):
        unused = ad.exp(x) * 3  # noqa: F841 - dead: no output depends on it
        return ad.sin(x) * ad.sin(x)

    raw = ad.jit(f, optimize=False).program(0.4)
    assert len(raw) == 5
    assert len(staging.eliminate_dead_code(raw)) == 3
    assert len(staging.eliminate_common_subexpressions(staging.eliminate_dead_code(raw))) == 2
    assert ad.jit(f)(0.4) == pytest.approx(np.sin(0.4) ** 2)


def _peak(run) -> tuple:
    tracemalloc.start()
    out = run()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, top


def test_last_uses_free_memory_during_the_run():
    def f(x):
        for _ in range(8):
            x = ad.sin(x) + x
        return ad.sum(x)

    x = np.linspace(0, 1, 200_000)
    for g, ratio in ((f, 3), (ad.grad(f), 1.5)):  # a reverse sweep keeps the forward values it reads
        program = ad.jit(g).program(x)
        assert sum(len(d) for d in staging.last_uses(program)) > 5
        freed, low = _peak(lambda p=program: staging.Runner(p)([x]))
        kept, high = _peak(lambda p=program: staging.run_bound(p, [x]))  # every value kept to the end
        np.testing.assert_array_equal(freed[0], kept[0])
        np.testing.assert_array_equal(freed[0], g(x))
        assert low * ratio < high


def test_a_staged_program_as_a_trace():
    def f(x1, x2):
        return x1 * x2 + ad.exp(x1 * x2) - ad.sin(x2)

    t = ad.jit(ad.grad(f, (0, 1))).trace(1.5, 0.5)
    assert t.input_names == ["x1", "x2"]
    _close(t.output, ad.grad(f, (0, 1))(1.5, 0.5))
    table = str(t)
    assert "v3 = v1·v2" in table.replace("  ", " ") or "v1·v2" in table
    assert "exp(v3)" in table
    # the staged program is a trace like any other: it can be differentiated again (the Hessian's rows)
    h = ad.hessian(f, (0, 1))(1.5, 0.5)
    _close(t.forward("x1").output, (h[0][0], h[1][0]))
    params = {"w": np.ones(3), "b": 0.5}
    labelled = ad.jit(lambda p, x: ad.sum(p["w"] * x) + p["b"]).trace(params, np.arange(3.0))
    assert labelled.input_names == ["p[w]", "p[b]", "x"]


def test_outputs_are_the_callers_to_change():
    g = ad.jit(ad.grad(lambda x, y: ad.sum(y * y), (0, 1)))  # ∂/∂x is a constant zero array
    x, y = np.ones(3), np.arange(3.0)
    gx, gy = g(x, y)
    gx += 5
    gy += 5
    again = g(x, y)
    np.testing.assert_array_equal(again[0], np.zeros(3))
    np.testing.assert_array_equal(again[1], 2 * y)


def test_keyword_arguments_are_arguments():
    stagings = []

    def f(x, *, scale=1.0, shift):
        stagings.append(1)
        return ad.sum(x * scale) + shift

    jf = ad.jit(f)
    x = np.arange(3.0)
    assert jf(x, scale=2.0, shift=1.0) == 7.0
    assert jf(x, scale=3.0, shift=0.5) == 9.5  # new values, the same program
    assert jf(x, shift=1.0) == 4.0  # another structure: staged again
    assert len(stagings) == 2
    g = ad.jit(ad.grad(lambda x, w: ad.sum(w * x * x)))
    np.testing.assert_allclose(g(x, w=2.0), 4 * x)


def test_a_jitted_function_on_eager_tensors_records_for_backward():
    import nets

    def f(w, x):
        return ad.sum(ad.tanh(x @ w) * w[0])

    w0, x0 = np.random.default_rng(5).standard_normal((2, 3)), np.random.default_rng(6).standard_normal((4, 2))
    grads = []
    for fn in (f, ad.jit(f)):  # the program runs through the eager level, which records as PyTorch does
        w = nets.tensor(w0, requires_grad=True)
        fn(w, nets.tensor(x0)).backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-14)


def test_a_program_trace_tabulates_renders_and_explores_like_any_trace():
    def f(x1, x2):
        return x1 * x2 + ad.exp(x1 * x2) - ad.sin(x2)

    t = ad.jit(ad.grad(f, (0, 1))).trace(1.5, 0.5)
    assert "exp" in t.render().source and t.render().source.count("->") >= 10
    with pytest.raises(ValueError, match="a seed per output"):
        t.reverse()  # two outputs: which combination to differentiate is the caller's choice
    _close(t.reverse([1.0, 0.0]).gradient, ad.hessian(f, (0, 1))(1.5, 0.5)[0])
    assert "v̄" in ad.jit(f).trace(1.5, 0.5).render(show="adjoint").source
    primal, tangent, adjoint = ad.tables.trace_tables(t, wrt=["x1"], seed=[1.0, 0.0])
    assert "v4" in primal.to_text() and "v̇" in tangent.to_text() and "v̄" in adjoint.to_text()
    assert "<svg" in t.to_html() or "<html" in t.to_html().lower()
    nx = t.to_networkx()
    assert nx.number_of_nodes() == len(t.nodes)


def test_a_cached_program_keeps_no_intermediate_arrays():
    def f(x):
        for _ in range(10):
            x = ad.sin(x) * 1.5 + x  # ten intermediate arrays of 8 MB each
        return ad.sum(x)

    x = np.linspace(0, 1, 1_000_000)
    jf = ad.jit(ad.grad(f))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    g = jf(x)  # staged and cached
    kept = tracemalloc.get_traced_memory()[0] - before - g.nbytes
    tracemalloc.stop()
    assert kept < 2 * x.nbytes  # (the program and its constants; not the staging call's intermediates)
    np.testing.assert_allclose(jf(x * 0.5), ad.grad(f)(x * 0.5), rtol=1e-12)
