"""The reverse-mode module itself: the eager graph (nodes made by hand), its order, and sweeps that record
themselves (create_graph) so that they can be differentiated again."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff.reverse import backward, set_grad_enabled, toposort


def test_toposort_puts_parents_before_children_and_can_leave_out_inputs():
    a, b = ad.Node(2.0, name="a"), ad.Node(3.0, name="b")
    c = a * b
    d = ad.sin(c) + c * a
    order = toposort([d])
    assert set(order) >= {a, b, c, d} and order[-1] is d
    for node in order:
        for p in node.parents:
            if isinstance(p, ad.Node):
                assert order.index(p) < order.index(node)
    assert all(n.prim is not None for n in toposort([d], leaves=False))


def test_a_second_derivative_by_recording_the_sweep():
    x = ad.Node(1.5)
    y = x * x * x + ad.sin(x)
    first = backward([y], [1.0], create_graph=True)[x]
    assert isinstance(first, ad.Node) and float(first) == pytest.approx(3 * 1.5 ** 2 + np.cos(1.5), rel=1e-15)
    second = backward([first], [1.0])[x]
    assert float(second) == pytest.approx(6 * 1.5 - np.sin(1.5), rel=1e-15)


def test_a_hessian_vector_product_on_arrays_by_recording_the_sweep():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 3))
    x0, v = rng.normal(size=3), rng.normal(size=3)
    x = ad.Node(x0)
    y = ad.sum(ad.tanh(a @ x) ** 2)  # ∇y = 2 Aᵀ(t(1 − t²)), t = tanh(Ax)
    g = backward([y], [1.0], create_graph=True)[x]
    hv = backward([ad.sum(g * v)], [1.0])[x]
    t = np.tanh(a @ x0)
    hessian = 2 * a.T @ np.diag((1 - t ** 2) ** 2 - 2 * t ** 2 * (1 - t ** 2)) @ a
    np.testing.assert_allclose(np.asarray(ad.primitives.primal(hv)), hessian @ v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hessian @ v, ad.hvp(lambda z: ad.sum(ad.tanh(a @ z) ** 2), x0, v), rtol=1e-12)


def test_without_grad_mode_nothing_is_recorded():
    x = ad.Node(2.0)
    set_grad_enabled(False)
    try:
        y = x * x
    finally:
        set_grad_enabled(True)
    assert y.prim is None and y.value == 4.0
    assert (x * x).prim is not None
