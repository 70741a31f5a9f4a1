"""nets.Tensor: creation and dtypes, operators and methods with their gradients, backward semantics,
no_grad, randomness, and the autodiff tools on a tensor graph."""

from __future__ import annotations

import numpy as np
import pytest

import autodiff
import nets
from autodiff.reverse import Node
from autodiff.trace import Trace
from nets import nn


# --- creation and dtypes -------------------------------------------------------------------------------
def test_dtypes_follow_pytorch():
    assert nets.tensor(1.0).dtype == nets.float32
    assert nets.tensor([1.0, 2.0]).dtype == nets.float32
    assert nets.tensor([1, 2]).dtype == nets.int64
    assert nets.tensor(True).dtype == nets.bool
    assert nets.tensor(np.array([1.0, 2.0])).dtype == nets.float64
    assert nets.tensor(np.array([1.0], dtype=np.float32)).dtype == nets.float32
    assert nets.tensor([1, 2], dtype=nets.float64).dtype == nets.float64
    assert nets.zeros(2, 3).dtype == nets.float32 and nets.zeros(2, 3).shape == (2, 3)
    assert nets.ones((2, 3), dtype=nets.float64).dtype == nets.float64
    assert nets.arange(3).dtype == nets.int64 and nets.arange(0.0, 1.0, 0.5).dtype == nets.float32
    assert nets.randn(2, 2).dtype == nets.float32 and nets.rand(3, dtype=nets.float64).dtype == nets.float64
    assert nets.zeros_like(nets.tensor(np.ones(2))).dtype == nets.float64
    assert nets.full((2,), 3.0).dtype == nets.float32
    assert (nets.arange(3) * 2.5).dtype == nets.float32  # an int tensor times a Python float: default dtype


def test_tensor_copies_and_from_numpy_shares():
    a = np.zeros(3)
    t = nets.tensor(a)
    a[0] = 1
    assert t.data.numpy()[0] == 0
    s = nets.from_numpy(a)
    a[1] = 2
    assert s.data.numpy()[1] == 2


def test_requires_grad_only_for_floats():
    with pytest.raises(TypeError, match="floating"):
        nets.tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("op", [
    lambda x, w: x + 1.5, lambda x, w: 2.0 - x, lambda x, w: x * 3, lambda x, w: 1 / (x + 3),
    lambda x, w: x ** 2, lambda x, w: 2.0 ** x, lambda x, w: x.exp(), lambda x, w: (x + 3).log(),
    lambda x, w: (x + 3).sqrt(), lambda x, w: x.tanh(), lambda x, w: x.sigmoid(), lambda x, w: x.relu(),
    lambda x, w: x.abs(), lambda x, w: x.sum(0), lambda x, w: x.mean(1), lambda x, w: x.max(),
    lambda x, w: x.max(1)[0], lambda x, w: x @ w, lambda x, w: x.softmax(1), lambda x, w: x.log_softmax(1),
    lambda x, w: x.clamp(-0.5, 0.5), lambda x, w: x[0, 1:], lambda x, w: x.reshape(-1), lambda x, w: x.T,
    lambda x, w: x.var(0), lambda x, w: nets.cat([x, x], 0), lambda x, w: x * np.float32(2),
], ids=lambda f: "")
def test_float32_stays_float32(op):
    x = nets.tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype=nets.float32, requires_grad=True)
    w = nets.tensor(np.ones((3, 2)), dtype=nets.float32, requires_grad=True)
    y = op(x, w)
    assert y.dtype == nets.float32
    y.sum().backward()
    assert x.grad.dtype == nets.float32


# --- operators and methods: values and gradients -------------------------------------------------------
def test_arithmetic_with_scalars_on_both_sides(grads_ok, rng):
    a = rng.uniform(0.5, 2.0, (2, 3))
    g = grads_ok(lambda x: (2 - x) * 3 + 1 / x - x / 4 + x ** 3 + 2 ** x + (-x), a)[0]
    np.testing.assert_allclose(g.shape, a.shape)
    x = nets.tensor(a, requires_grad=True)
    y = ((2 - x) * 3 + 1 / x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data.numpy(), -3 - 1 / a**2, rtol=1e-14)


def test_broadcasting_gradients_sum_back(grads_ok, rng):
    a, b = rng.normal(size=(3, 1)), rng.normal(size=(1, 4))
    ga, gb = grads_ok(lambda x, y: x * y + x - y, a, b)
    assert ga.shape == (3, 1) and gb.shape == (1, 4)
    x, y = nets.tensor(a, requires_grad=True), nets.tensor(b, requires_grad=True)
    (x * y).sum().backward()
    np.testing.assert_allclose(x.grad.data.numpy(), np.full((3, 1), b.sum()))
    np.testing.assert_allclose(y.grad.data.numpy(), np.full((1, 4), a.sum()))


def test_numpy_on_the_left_defers_to_tensor():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(y, nets.Tensor)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data.numpy(), [3.0, 4.0])


@pytest.mark.parametrize("f", [
    lambda x: x.sum(), lambda x: x.sum(dim=1, keepdim=True), lambda x: x.sum((0, 1)), lambda x: x.mean(0),
    lambda x: x.var(1), lambda x: x.std(0, unbiased=False), lambda x: x.amax(1), lambda x: x.min(),
    lambda x: x.max(dim=0).values, lambda x: x.min(1, keepdim=True)[0], lambda x: x.logsumexp(1),
    lambda x: x.exp(), lambda x: x.abs(), lambda x: x.sin() * x.cos(), lambda x: x.pow(3),
    lambda x: x.square(), lambda x: x.erf(), lambda x: x.neg(),
    lambda x: x.reshape(3, 2), lambda x: x.view(-1), lambda x: x.flatten(), lambda x: x.unsqueeze(1),
    lambda x: x.unsqueeze(0).squeeze(0), lambda x: x.permute(1, 0), lambda x: x.transpose(0, 1), lambda x: x.t(),
    lambda x: x.T, lambda x: x.expand(4, 2, 3), lambda x: x[1], lambda x: x[:, ::2], lambda x: x[..., -1],
    lambda x: x[[0, 0, 1]], lambda x: x[np.array([1, 0]), np.array([2, 2])], lambda x: x[x.data.numpy() > 0],
    lambda x: x[nets.tensor([1, 1])], lambda x: nets.stack([x, 2 * x], 1), lambda x: nets.cat([x, x[:1]], 0),
    lambda x: nets.where(x > 0, x, x * x), lambda x: x.masked_fill(x < 0, 0.5), lambda x: nets.maximum(x, 0.1 * x),
    lambda x: x.clamp(min=-0.3), lambda x: x.softmax(0), lambda x: x.log_softmax(-1), lambda x: x.clone(),
    lambda x: x.add(x, alpha=2).sub(1).mul(3).div(2),
])
def test_methods_gradients_match_differences(f, grads_ok):
    a = np.array([[0.3, -1.2, 0.8], [1.5, -0.4, -2.1]])
    grads_ok(f, a)


def test_casts_are_differentiable_and_grads_keep_the_leaf_dtype():
    x = nets.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x.float()
    assert y.dtype == nets.float32 and y.requires_grad
    (y * 3).sum().backward()
    assert x.grad.dtype == nets.float64
    np.testing.assert_array_equal(x.grad.data.numpy(), [3.0, 3.0])
    assert x.long().dtype == nets.int64 and not x.long().requires_grad


def test_max_along_a_dimension_returns_values_and_indices():
    x = nets.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.data.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.data.numpy(), [1, 0])
    assert indices.dtype == nets.int64
    values.sum().backward()  # the gradient goes to the returned index only (PyTorch's rule)
    np.testing.assert_array_equal(x.grad.data.numpy(), [[0, 1, 0], [1, 0, 0]])
    v, i = x.min(1, keepdim=True)
    assert v.shape == (2, 1) and i.shape == (2, 1)
    np.testing.assert_array_equal(x.argmax(1).data.numpy(), [1, 0])
    assert x.argmax().item() == 3 and nets.argmin(x).item() == 4


def test_full_max_splits_ties_like_pytorch():
    x = nets.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data.numpy(), [0, 0.5, 0.5])


def test_integer_array_index_accumulates_repeated_entries():
    x = nets.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data.numpy(), [3.0, 0.0, 1.0])


def test_comparisons_return_plain_boolean_tensors():
    x = nets.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r in (x == 2.0, x != 2, x < 2, x <= 2, x > 2, x >= x):
        assert isinstance(r, nets.Tensor) and r.dtype == nets.bool and not r.requires_grad and r.is_leaf
    np.testing.assert_array_equal((x > 1.5).data.numpy(), [False, True, True])
    assert bool((x == x).all())
    d = {x: 1}  # tensors hash by identity, so the engine can key dicts by them
    assert d[x] == 1 and x in {x}


def test_value_accessors():
    x = nets.tensor([[1.0, 2.0]], requires_grad=True)
    assert x.shape == (1, 2) and x.ndim == 2 and x.dim() == 2 and x.numel() == 2 and x.size(1) == 2
    assert x.T.shape == (2, 1) and len(x) == 1
    assert (x.sum() * 2).item() == 6.0 and isinstance((x.sum()).item(), float)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    d = x.detach()
    assert not d.requires_grad and d.numpy() is x.data.numpy()
    assert x.tolist() == [[1.0, 2.0]]
    assert float(nets.tensor(2.5)) == 2.5 and int(nets.tensor(3)) == 3
    assert f"{nets.tensor(0.123456):.3f}" == "0.123"
    assert repr(nets.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    with pytest.raises(ValueError, match="one-element"):
        x.item()


def test_data_is_the_shared_array_and_in_place_updates_work():
    p = nn.Parameter(nets.tensor([1.0, 2.0]))
    arr = p.data.numpy()
    p.data -= 0.5 * np.ones(2, dtype=np.float32)
    assert p.data.numpy() is arr and np.all(arr == [0.5, 1.5])
    p.data = np.zeros(2, dtype=np.float32)
    assert np.all(p.data.numpy() == 0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        p.add_(1.0)
    with nets.no_grad():
        p.add_(1.0).mul_(2.0)
    np.testing.assert_array_equal(p.data.numpy(), [2.0, 2.0])


# --- backward ------------------------------------------------------------------------------------------
def test_backward_accumulates_into_leaves_only():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y = h.sum()
    y.backward(retain_graph=True)
    y.backward()  # a second call through a retained graph adds, as in PyTorch
    np.testing.assert_array_equal(x.grad.data.numpy(), [4.0, 8.0])
    assert h.grad is None and not h.is_leaf and x.is_leaf
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()  # the second backward freed it


def test_every_grad_owns_a_writeable_array():
    a = nets.tensor([1.0, 2.0], requires_grad=True)
    b = nets.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add passes one adjoint array to both parents
    assert a.grad.data.numpy() is not b.grad.data.numpy()
    for t in (a, b):
        assert t.grad.data.numpy().flags.writeable and t.grad.data.numpy().flags.owndata
    a.grad.data += 1
    np.testing.assert_array_equal(b.grad.data.numpy(), [1.0, 1.0])
    c = nets.tensor([[1.0, 2.0]], requires_grad=True)
    c.sum().backward()  # the sum's adjoint is a read-only broadcast view
    assert c.grad.data.numpy().flags.writeable and c.grad.data.numpy().flags.owndata
    s = nets.tensor(2.0, requires_grad=True)
    s.backward()  # a leaf as its own output
    assert s.grad.item() == 1.0


def test_backward_with_an_explicit_gradient():
    x = nets.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(nets.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(x.grad.data.numpy(), [2.0, 0.0, 12.0])


def test_backward_errors():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2,\)"):
        (x * 2).backward(nets.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        nets.tensor([1.0]).sum().backward()
    assert x.grad is None  # nothing was accumulated by the failed calls


def test_parents_that_need_no_gradient_are_stored_as_constants():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    c = nets.tensor([3.0, 4.0])
    y = x * c
    assert y.parents[0] is x and isinstance(y.parents[1], np.ndarray)
    z = c * c
    assert z.is_leaf and z.parents == () and not z.requires_grad


def test_no_grad_records_nothing():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    with nets.no_grad():
        y = x * 2
        assert not nets.is_grad_enabled()
        with nets.enable_grad():
            assert (x * 2).requires_grad
    assert nets.is_grad_enabled()
    assert not y.requires_grad and y.prim is None and y.parents == ()

    @nets.no_grad()
    def f(t):
        return t * 3

    assert not f(x).requires_grad and nets.is_grad_enabled()
    nets.set_grad_enabled(False)
    try:
        assert not (x + 1).requires_grad
    finally:
        nets.set_grad_enabled(True)
    with nets.set_grad_enabled(False):
        assert not (x + 1).requires_grad
    assert (x + 1).requires_grad


def test_mixing_with_autodiff_nodes_is_a_clear_error():
    with pytest.raises(TypeError, match="Tensor"):
        nets.tensor([1.0], requires_grad=True) + Node(np.array([1.0]))


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        nets.ones(2, 3) @ nets.ones(4, 5)


# --- randomness ----------------------------------------------------------------------------------------
def test_manual_seed_and_generators_make_randomness_reproducible():
    nets.manual_seed(3)
    a = nets.randn(4)
    b = nets.rand(2, 2)
    nets.manual_seed(3)
    np.testing.assert_array_equal(a.data.numpy(), nets.randn(4).data.numpy())
    np.testing.assert_array_equal(b.data.numpy(), nets.rand(2, 2).data.numpy())
    g1, g2 = nets.Generator().manual_seed(5), nets.Generator().manual_seed(5)
    np.testing.assert_array_equal(nets.randn(3, generator=g1).data.numpy(), nets.randn(3, generator=g2).data.numpy())
    state = g1.get_state()
    first = nets.randperm(10, generator=g1).data.numpy()
    g1.set_state(state)
    np.testing.assert_array_equal(first, nets.randperm(10, generator=g1).data.numpy())
    assert sorted(first.tolist()) == list(range(10))
    r = nets.randint(0, 5, (100,), generator=g1).data.numpy()
    assert r.dtype == np.int64 and r.min() >= 0 and r.max() < 5
    u = nets.rand(1000, generator=g2).data.numpy()
    assert u.min() >= 0 and u.max() < 1


# --- the autodiff tools on a tensor graph ---------------------------------------------------------------
def _tiny_network_loss():
    nets.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2)).double()
    x = nets.tensor(np.array([[0.5, -1.0], [1.5, 0.2]]))
    y = nets.tensor([1, 0])
    return model, nn.CrossEntropyLoss()(model(x), y)


def test_trace_from_outputs_of_a_tiny_network():
    model, loss = _tiny_network_loss()
    trace = Trace.from_outputs(loss)
    params = list(model.parameters())
    assert [v.node for v in trace.inputs] == params  # leaves in creation order; data x is a constant
    assert [v.primitive.name for v in trace.nodes[len(params):]] == [
        "linear", "tanh", "linear", "softmax_cross_entropy"]
    grads = trace.reverse().gradient
    loss.backward()
    for g, p in zip(grads, params):
        np.testing.assert_allclose(g, p.grad.data.numpy(), atol=1e-15)
    assert "linear" in trace.table() if hasattr(trace, "table") else True


def test_render_and_table_a_tiny_network(tmp_path):
    from autodiff.render import render_to
    from autodiff.tables import adjoint_table, primal_table

    _, loss = _tiny_network_loss()
    source = autodiff.render(loss, show="adjoint").source  # a loss is traced from its outputs
    assert "linear" in source and "cross_entropy" in source and "v̄" in source
    trace = Trace.from_outputs(loss)
    path = render_to(trace, tmp_path / "net.dot")
    assert path.exists() and path.read_text().startswith("digraph")
    primal = str(primal_table(trace))
    assert "linear(array(2, 2), v1, v2)" in primal and "output" in primal
    assert "∂f/∂x1" in str(adjoint_table(trace))


def test_a_network_trace_labels_its_parameters_by_name():
    import autodiff as ad
    from nets import nn

    nets.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    loss = (model(nets.randn(4, 3)) ** 2).mean()
    t = ad.Trace.from_outputs(loss, names=dict(model.named_parameters()))
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= set(t.input_names)
    assert "0.weight" in ad.render(t).source
    grads = dict(zip(t.input_names, t.reverse().gradient))
    loss.backward()
    np.testing.assert_allclose(grads["2.bias"], model[2].bias.grad.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="not a traced value"):
        ad.Trace.from_outputs(loss, names={"w": np.ones(2)})


# --- in-place operations, version counters, graph freeing (also against torch in test_parity_pytorch_api.py) ----
def test_in_place_updates_change_the_tensor_and_count_versions():
    w = nets.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with nets.no_grad():
        w -= 0.5 * w.grad
    np.testing.assert_array_equal(w.data.numpy(), [0.0, 0.0])
    assert w._version == 1 and w.is_leaf and w.requires_grad
    w.grad.zero_()
    np.testing.assert_array_equal(w.grad.data.numpy(), [0.0, 0.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w += 1


def test_an_in_place_change_of_an_intermediate_is_differentiated_and_earlier_uses_keep_the_old_node():
    x = nets.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = x * 3.0
    before = h + 1.0  # recorded before the change: d/dx = 3
    h.mul_(x)  # h = 3x², d/dx = 6x
    h.exp_()  # h = exp(3x²), d/dx = 6x·exp(3x²)
    (h.sum() + before.sum()).backward()
    v = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    np.testing.assert_allclose(x.grad.data.numpy(), 6 * v * np.exp(3 * v * v) + 3, rtol=1e-6)
    assert not h.is_leaf and h._version == 2


def test_a_value_saved_for_backward_and_changed_since_is_an_error():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    c = nets.tensor([3.0, 4.0])
    y = (x * c).sum()  # saves c for x's gradient
    c.view(2).add_(1)  # through a view: the same version counter
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    assert x.grad is None


def test_backward_frees_the_graph_unless_retained():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_casts_convert():
    assert nets.ones(2).double().dtype == nets.float64 and nets.tensor([1, 2]).to(nets.float64).dtype == nets.float64
    assert nets.Tensor([1, 2]).dtype == nets.float32 and nets.ones(2).type(nets.float64).dtype == nets.float64
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        nets.ones(2, 2, dtype=nets.float64) @ nets.ones(2, 2)
    assert (nets.ones(2, dtype=nets.float64) * nets.ones(2)).dtype == nets.float64
