"""Parity with PyTorch for the everyday API of issue 15: in-place operations and their rules (the leaf error,
version counters), graph freeing at backward(), dtypes and casts, and the smaller functions.

Each scenario is written once against a module ``lib`` (``nets`` or ``torch``) and run on both with the same
random inputs, in float32 and float64: both give the same numbers, or both raise and the messages begin alike.
Skipped where torch is not installed."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nets  # noqa: E402

DTYPES = ["float32", "float64"]
TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-12)}


def _arrays(seed: int, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _plain(v):
    if isinstance(v, (nets.Tensor, torch.Tensor)):
        return v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v.detach().data)
    if isinstance(v, (tuple, list)):
        return [_plain(u) for u in v]
    return v


def _outcome(scenario, lib, dtype):
    try:
        return "ok", _plain(scenario(lib, getattr(lib, dtype)))
    except (RuntimeError, TypeError, ValueError) as e:  # the error classes PyTorch raises here
        return "error", str(e)


def _compare(ours, theirs, dtype):
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _compare(o, t, dtype)
    elif isinstance(theirs, np.ndarray):
        assert np.asarray(ours).shape == theirs.shape
        np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), theirs.astype(np.float64), **TOL[dtype])
    else:
        assert ours == theirs


def check(scenario, dtype, prefix_chars: int = 60):
    """Run ``scenario`` with nets and with torch: the same values, or errors whose messages begin the same."""
    ours, theirs = _outcome(scenario, nets, dtype), _outcome(scenario, torch, dtype)
    assert ours[0] == theirs[0], f"nets: {ours}, torch: {theirs}"
    if ours[0] == "error":
        assert ours[1][:prefix_chars] == theirs[1][:prefix_chars], f"nets: {ours[1]!r}\ntorch: {theirs[1]!r}"
    else:
        _compare(ours[1], theirs[1], dtype)
    return ours


# --- in-place operations ---------------------------------------------------------------------------------
def manual_sgd(lib, dt):
    """The textbook update `p -= lr * p.grad` under no_grad, then `p.grad.zero_()`."""
    xs, w0 = _arrays(0, (8, 3), (3,))
    x, w = lib.tensor(xs, dtype=dt), lib.tensor(w0, dtype=dt, requires_grad=True)
    out = []
    for _ in range(3):
        loss = ((x @ w) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        out += [loss, w.detach().clone()]
    return out + [w._version]


def inplace_methods_under_no_grad(lib, dt):
    a, b = _arrays(1, (4, 3), (3,))
    t = lib.tensor(a, dtype=dt)
    u = lib.tensor(b, dtype=dt)
    t += u
    t *= 2.0
    t /= 3.0
    t -= u
    t.add_(u, alpha=0.5).sub_(1.0).mul_(u).div_(2.0).clamp_(-0.5, 0.7)
    t.abs_()
    t.exp_()
    t.sqrt_()
    s = t.clone()
    s.fill_(2.5)
    z = t.clone().zero_()
    c = lib.zeros(4, 3, dtype=dt).copy_(u)
    t[1] = 3.0
    t[2, 0] = -1.0
    return [t, s, z, c, t._version]


def leaf_that_requires_grad_changed_in_place(lib, dt):
    w = lib.tensor(_arrays(2, (3,))[0], dtype=dt, requires_grad=True)
    w += 1


def leaf_method_in_place(lib, dt):
    w = lib.tensor(_arrays(2, (3,))[0], dtype=dt, requires_grad=True)
    w.mul_(2)


def leaf_item_assignment(lib, dt):
    w = lib.tensor(_arrays(2, (3,))[0], dtype=dt, requires_grad=True)
    w[0] = 1.0


def saved_then_modified(lib, dt):
    x = lib.tensor(_arrays(3, (3,))[0], dtype=dt, requires_grad=True)
    a = x * 1
    c = a * a
    a.add_(1)
    c.sum().backward()


def constant_saved_then_modified(lib, dt):
    c0, w0 = _arrays(4, (3,), (3,))
    c, w = lib.tensor(c0, dtype=dt), lib.tensor(w0, dtype=dt, requires_grad=True)
    loss = (w * c).sum()
    c.mul_(2)
    loss.backward()


def view_of_constant_modified(lib, dt):
    c0, w0 = _arrays(5, (3,), (3,))
    c, w = lib.tensor(c0, dtype=dt), lib.tensor(w0, dtype=dt, requires_grad=True)
    loss = (w * c).sum()
    c.view(3).add_(1)
    loss.backward()


def detached_alias_modified(lib, dt):
    x = lib.tensor(_arrays(6, (3,))[0], dtype=dt, requires_grad=True)
    y = x.exp()
    y.detach().mul_(2)
    y.sum().backward()


def parameter_stepped_before_backward(lib, dt):
    xs, w0 = _arrays(7, (4, 3), (3, 2))
    w = lib.tensor(w0, dtype=dt, requires_grad=True)
    loss = (lib.tensor(xs, dtype=dt) @ w).pow(2).sum() + (w * w).sum()  # w * w saves w
    opt = lib.optim.SGD([w], lr=0.1)
    w.grad = lib.ones_like(w)
    opt.step()
    loss.backward()


def output_saved_by_exp_modified(lib, dt):
    x = lib.tensor(_arrays(8, (3,))[0], dtype=dt, requires_grad=True)
    y = x.exp()
    with lib.no_grad():
        y.mul_(2)
    y.sum().backward()


def output_not_saved_modified(lib, dt):
    x = lib.tensor(_arrays(9, (3,))[0], dtype=dt, requires_grad=True)
    y = x.sin()
    with lib.no_grad():
        y.mul_(2)
    y.sum().backward()
    return [y, x.grad]


def input_of_exp_modified(lib, dt):
    """exp's rule reads only its output (PyTorch saves only that too), so its input may change."""
    x = lib.tensor(_arrays(17, (3,))[0], dtype=dt, requires_grad=True)
    h = x * 1
    y = h.exp().tanh().sigmoid().sqrt()
    with lib.no_grad():
        h.mul_(2)
    y.sum().backward()
    return [y, x.grad]


def differentiable_inplace_on_intermediates(lib, dt):
    x0, b0, r0 = _arrays(10, (5,), (5,), (5,))
    x = lib.tensor(x0, dtype=dt, requires_grad=True)
    b = lib.tensor(b0, dtype=dt, requires_grad=True)
    r = lib.tensor(r0, dtype=dt, requires_grad=True)
    h = x * 1.5
    early = h + 1  # recorded before the changes: its gradient follows h as it was
    h += r  # a residual connection
    h.mul_(b)
    h.clamp_(-1.0, 1.0)
    h.exp_()
    h.pow_(2)
    h.relu_()
    h[0] = 0.25 * b[1]  # an assigned value that requires grad
    (h.sum() + (early * early).sum()).backward()
    return [h, x.grad, b.grad, r.grad, h.is_leaf]


def differentiable_inplace_gradients(lib, dt):
    x0, b0, r0 = _arrays(16, (6,), (6,), (6,))
    x = lib.tensor(x0, dtype=dt, requires_grad=True)
    b = lib.tensor(b0, dtype=dt, requires_grad=True)
    r = lib.tensor(r0, dtype=dt, requires_grad=True)
    h = x * 1.5
    early = h * h  # saved h before the changes below: h's old value is what it reads (no change to h is read)
    h = h.sin() + 0.5
    h += r
    h.mul_(b)
    h.clamp_(-1.0, 1.0)
    h.pow_(2)
    h.sin_()
    h[1:3] = 0.25 * b[:2]
    h.masked_fill_(h > 0.2, 0.2)
    h.div_(r.abs() + 1)
    h.relu_()
    (h.sum() + early.sum()).backward()
    return [h, x.grad, b.grad, r.grad, h.is_leaf, h._version]


def inplace_on_a_leaf_without_grad_joins_the_graph(lib, dt):
    x = lib.tensor(_arrays(11, (3,))[0], dtype=dt, requires_grad=True)
    a = lib.zeros(3, dtype=dt)
    a.add_(x * x)
    a.sum().backward()
    return [a, a.requires_grad, a.is_leaf, x.grad]


def input_of_relu_modified(lib, dt):
    # relu saves its result, not its input (its derivative is [y > 0]): changing the input afterwards is fine
    a = lib.tensor(_arrays(17, (5,))[0], dtype=dt, requires_grad=True)
    x = a * 1.0
    y = lib.relu(x)
    x.add_(1)
    (y * y).sum().backward()
    return [y, a.grad]


def integer_tensor_plus_float(lib, dt):
    t = lib.tensor([1, 2])
    t += 1.5


def float32_plus_float64_stays_float32(lib, dt):
    t = lib.ones(3)
    t += lib.ones(3, dtype=dt) * 0.25
    return [t, str(t.dtype).split(".")[-1]]


def inplace_broadcast_mismatch(lib, dt):
    t = lib.ones(3, dtype=dt)
    t += lib.ones(2, 3, dtype=dt)


INPLACE = [manual_sgd, inplace_methods_under_no_grad, leaf_that_requires_grad_changed_in_place, leaf_method_in_place,
           leaf_item_assignment, saved_then_modified, constant_saved_then_modified, view_of_constant_modified,
           detached_alias_modified, parameter_stepped_before_backward, output_saved_by_exp_modified,
           output_not_saved_modified, input_of_exp_modified, input_of_relu_modified,
           differentiable_inplace_on_intermediates,
           differentiable_inplace_gradients, inplace_on_a_leaf_without_grad_joins_the_graph, integer_tensor_plus_float,
           float32_plus_float64_stays_float32, inplace_broadcast_mismatch]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scenario", INPLACE, ids=lambda f: f.__name__)
def test_inplace_operations_follow_pytorch(scenario, dtype):
    check(scenario, dtype)


def test_the_errors_are_the_ones_pytorch_raises():
    assert check(leaf_method_in_place, "float32")[1] == ("a leaf Variable that requires grad is being used in an "
                                                         "in-place operation.")
    for scenario in (saved_then_modified, constant_saved_then_modified, view_of_constant_modified,
                     detached_alias_modified, parameter_stepped_before_backward, output_saved_by_exp_modified):
        assert check(scenario, "float64")[1].startswith("one of the variables needed for gradient computation has "
                                                        "been modified by an inplace operation")


# --- graph freeing ---------------------------------------------------------------------------------------
def second_backward(lib, dt):
    x = lib.tensor(_arrays(12, (3,))[0], dtype=dt, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def second_backward_by_a_scalar(lib, dt):
    x = lib.tensor(_arrays(12, (3,))[0], dtype=dt, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    y.backward()


def second_backward_through_a_shared_part(lib, dt):
    x = lib.tensor(_arrays(13, (3,))[0], dtype=dt, requires_grad=True)
    h = x.tanh()
    h.sum().backward()
    (h + 1).sum().backward()


def second_backward_retained(lib, dt):
    x = lib.tensor(_arrays(14, (4,))[0], dtype=dt, requires_grad=True)
    y = (x.sin() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    return [first, x.grad]


def second_backward_through_linear_operations(lib, dt):
    """PyTorch frees nothing in a node that saved nothing (sums, reshapes, additions): these run twice."""
    x = lib.tensor(_arrays(15, (2, 3))[0], dtype=dt, requires_grad=True)
    y = (x.reshape(3, 2)[1:] + 1).sum()
    y.backward()
    y.backward()
    return x.grad


FREEING = [second_backward, second_backward_by_a_scalar, second_backward_through_a_shared_part,
           second_backward_retained, second_backward_through_linear_operations]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scenario", FREEING, ids=lambda f: f.__name__)
def test_backward_frees_the_graph_as_pytorch(scenario, dtype):
    check(scenario, dtype)


def test_the_second_backward_error_is_pytorchs():
    assert check(second_backward, "float64")[1].startswith("Trying to backward through the graph a second time")


# --- dtypes ------------------------------------------------------------------------------------------------
def casts(lib, dt):
    x = lib.tensor(_arrays(20, (3,))[0], dtype=lib.float32)
    i = lib.tensor([1, 2, 3])
    out = [x.to(dt), x.double(), x.type(dt), i.to(dt), i.double(), i.float(), x.long(), x.int(), lib.Tensor([1, 2])]
    return out + [str(t.dtype).split(".")[-1] for t in out]


def cast_is_differentiable(lib, dt):
    x = lib.tensor(_arrays(21, (3,))[0], dtype=lib.float32, requires_grad=True)
    y = x.to(dt)
    (y * y).sum().backward()
    return [y, x.grad, str(x.grad.dtype).split(".")[-1]]


def aliases(lib, dt):
    return [str(d).split(".")[-1] for d in (lib.float, lib.int, lib.long, lib.double, lib.half, lib.short)] + [
        str(lib.tensor([1.5]).dtype).split(".")[-1], str(lib.tensor([1]).dtype).split(".")[-1],
        str(lib.Tensor(2, 3).dtype).split(".")[-1], list(lib.Tensor(2, 3).shape)]


def elementwise_promotes(lib, dt):
    a, b = _arrays(22, (2, 3), (2, 3))
    x, y = lib.tensor(a, dtype=lib.float64), lib.tensor(b, dtype=lib.float32)
    out = [x * y, x + y, y - x, x / y, lib.where(x > 0, x, y), lib.cat([x, y])]
    return out + [str(t.dtype).split(".")[-1] for t in out]


def _mixed(shape_a, shape_b, op):
    def scenario(lib, dt):
        a, b = _arrays(23, shape_a, shape_b)
        other = lib.float32 if dt == lib.float64 else lib.float64
        return op(lib, lib.tensor(a, dtype=dt), lib.tensor(b, dtype=other))

    scenario.__name__ = f"mixed_{op.__name__}_{len(shape_a)}d_{len(shape_b)}d"
    return scenario


def matmul(lib, a, b):
    return a @ b


def mm(lib, a, b):
    return a.mm(b)


def bmm(lib, a, b):
    return lib.bmm(a, b)


def dot(lib, a, b):
    return lib.dot(a, b)


def linear_layer(lib, a, b):
    layer = lib.nn.Linear(a.shape[-1], 2)
    return layer(a.to(b.dtype)) if a.dtype == b.dtype else layer.to(b.dtype)(a)


def functional_linear(lib, a, b):
    return lib.nn.functional.linear(a, b)


def functional_linear_bias(lib, a, b):
    return lib.nn.functional.linear(a, b, b[0])


def bce(lib, a, b):
    return lib.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid())


def layer_norm(lib, a, b):
    return lib.nn.LayerNorm(a.shape[-1]).to(b.dtype)(a)


def batch_norm(lib, a, b):
    return lib.nn.BatchNorm1d(a.shape[-1]).to(b.dtype)(a)


def batch_norm_eval(lib, a, b):
    return lib.nn.BatchNorm1d(a.shape[-1]).to(b.dtype).eval()(a)


DTYPE_SCENARIOS = [casts, cast_is_differentiable, aliases, elementwise_promotes,
                   _mixed((2, 3), (3, 2), matmul), _mixed((3,), (3,), matmul), _mixed((3,), (3, 2), matmul),
                   _mixed((2, 3), (3, 2), mm), _mixed((2, 2, 3), (2, 3, 2), bmm), _mixed((3,), (3,), dot),
                   _mixed((4, 3), (2, 3), linear_layer), _mixed((4, 3), (2, 3), functional_linear),
                   _mixed((4, 3), (3, 3), functional_linear_bias), _mixed((4, 3), (4, 3), bce),
                   _mixed((4, 3), (4, 3), layer_norm), _mixed((4, 3), (4, 3), batch_norm),
                   _mixed((4, 3), (4, 3), batch_norm_eval)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scenario", DTYPE_SCENARIOS, ids=lambda f: f.__name__)
def test_dtypes_follow_pytorch(scenario, dtype):
    check(scenario, dtype, prefix_chars=200)


def test_mixing_float32_and_float64_in_a_matrix_product_is_an_error():
    ours = check(_mixed((2, 3), (3, 2), matmul), "float64")
    assert ours[0] == "error" and "same dtype" in ours[1]


# --- the everyday API ----------------------------------------------------------------------------------------
def _x(lib, dt, seed=30, shape=(3, 4)):
    return lib.tensor(_arrays(seed, shape)[0], dtype=dt, requires_grad=True)


def _grad_of(lib, dt, f, shape=(3, 4), seed=30):
    """f(x) and the gradient of Σ f(x)·w for a random w."""
    x = _x(lib, dt, seed, shape)
    y = f(lib, x)
    w = lib.tensor(np.random.default_rng(seed + 1).standard_normal(tuple(y.shape)), dtype=y.dtype)
    (y * w).sum().backward()
    return [y, x.grad]


API = {
    "norm": lambda lib, x: x.norm(),
    "norm_dim": lambda lib, x: x.norm(dim=1),
    "norm_p1": lambda lib, x: x.norm(p=1, dim=0, keepdim=True),
    "torch_norm": lambda lib, x: lib.norm(x, dim=0),
    "linalg_norm": lambda lib, x: lib.linalg.norm(x),
    "linalg_vector_norm_inf": lambda lib, x: lib.linalg.vector_norm(x, ord=float("inf"), dim=1),
    "linalg_vector_norm_3": lambda lib, x: lib.linalg.vector_norm(x, ord=3),
    "norm_of_zero_rows": lambda lib, x: (x * (lib.arange(3, dtype=x.dtype) > 0).reshape(3, 1)).norm(dim=1),
    "norm_p3_of_zero_rows": lambda lib, x: (x * (lib.arange(3, dtype=x.dtype) > 0).reshape(3, 1)).norm(p=3, dim=1),
    "log1p": lambda lib, x: (x * x).log1p(),
    "gather": lambda lib, x: x.gather(1, lib.tensor([[0, 1], [3, 3], [2, 0]])),
    "gather_dim0": lambda lib, x: lib.gather(x, 0, lib.tensor([[0, 1, 2, 2], [2, 2, 0, 1]])),
    "repeat": lambda lib, x: x.repeat(2, 3),
    "repeat_new_dim": lambda lib, x: x.repeat(2, 1, 1),
    "chunk": lambda lib, x: lib.cat([c * (i + 1) for i, c in enumerate(x.chunk(3, dim=1))], dim=1),
    "split": lambda lib, x: lib.cat([c * (i + 1) for i, c in enumerate(x.split([1, 3], dim=1))], dim=1),
    "split_size": lambda lib, x: lib.cat([c * (i + 1) for i, c in enumerate(lib.split(x, 2))], dim=0),
    "sort": lambda lib, x: x.sort(dim=1).values,
    "sort_desc": lambda lib, x: lib.sort(x, dim=0, descending=True)[0],
    "topk": lambda lib, x: x.topk(2).values,
    "topk_smallest": lambda lib, x: lib.topk(x, 2, dim=0, largest=False)[0],
    "cumsum": lambda lib, x: x.cumsum(1),
    "cumsum_dim0": lambda lib, x: lib.cumsum(x, dim=0),
    "prod": lambda lib, x: x.prod(),
    "prod_dim": lambda lib, x: x.prod(1),
    "prod_keepdim": lambda lib, x: lib.prod(x, 0, keepdim=True),
    "sign": lambda lib, x: x.sign() * x,
    "round": lambda lib, x: (x * 3).round() + x,
    "mean_axis": lambda lib, x: x.mean(axis=0),
    "sum_axis": lambda lib, x: lib.sum(x, axis=1),
    "bmm": lambda lib, x: lib.bmm(x.reshape(3, 2, 2), x.reshape(3, 2, 2)),
    "exp_inplace_on_intermediate": lambda lib, x: (x * 1).exp_(),
    "select_where": lambda lib, x: lib.where(x > 0, x, x * x),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(API))
def test_everyday_api_values_and_gradients(name, dtype):
    f = API[name]

    def scenario(lib, dt):
        return _grad_of(lib, dt, f)

    check(scenario, dtype)


def indices_and_masks(lib, dt):
    x = _x(lib, dt)
    v, i = x.sort(dim=1)
    tv, ti = x.topk(3, dim=0)
    y = lib.tensor([[1.0, float("nan")], [float("inf"), -2.0]], dtype=dt)
    return [i, ti, lib.isnan(y), y.isfinite(), lib.where(x > 0.5), x.argsort(dim=0), x.size(), x.size(1),
            x.shape[0], x.numel(), x.sign().requires_grad]


def new_tensors(lib, dt):
    x = lib.tensor(_arrays(31, (2,))[0], dtype=dt)
    out = [x.new_zeros(2, 3), x.new_ones((3,)), x.new_tensor([1, 2]), x.new_full((2,), 7.0),
           x.new_zeros(2, dtype=lib.int64)]
    return out + [str(t.dtype).split(".")[-1] for t in out]


def devices(lib, dt):
    device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
    model = lib.nn.Linear(3, 2).to(device)
    x = lib.ones(4, 3).to(device)
    return [str(device), model(x).shape == (4, 2), x.to("cpu", dt).dtype == dt, x.cpu().device == device]


def inference_mode(lib, dt):
    x = _x(lib, dt)
    with lib.inference_mode():
        y = x * 2
    with lib.inference_mode(False):
        z = x * 2
    return [y.requires_grad, z.requires_grad]


def data_under_utils(lib, dt):
    from importlib import import_module

    data = import_module(lib.__name__ + ".utils.data")
    ds = data.TensorDataset(lib.arange(10, dtype=dt).reshape(5, 2), lib.arange(5))
    loader = data.DataLoader(ds, batch_size=2)
    return [b[0] for b in loader] + [len(ds)]


def embedding(lib, dt):
    lib.manual_seed(0)
    emb = lib.nn.Embedding(6, 3, padding_idx=1)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(_arrays(32, (6, 3))[0], dtype=emb.weight.dtype))
    idx = lib.tensor([[0, 1, 5], [5, 1, 2]])
    out = emb(idx)
    (out * lib.tensor(_arrays(33, (2, 3, 3))[0], dtype=out.dtype)).sum().backward()
    return [out, emb.weight.grad]


def flatten_identity(lib, dt):
    x = _x(lib, dt, shape=(2, 3, 4))
    net = lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Identity(), lib.nn.Linear(12, 2).to(dt))
    return [net[0](x).shape, lib.nn.Flatten(0)(x).shape]


def relu_inplace_module(lib, dt):
    x = _x(lib, dt)
    h = x * 2
    out = lib.nn.ReLU(inplace=True)(h)
    out.sum().backward()
    return [h, out is h, x.grad]


API_SCENARIOS = [indices_and_masks, new_tensors, devices, inference_mode, data_under_utils, embedding,
                 flatten_identity, relu_inplace_module]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scenario", API_SCENARIOS, ids=lambda f: f.__name__)
def test_everyday_api_follows_pytorch(scenario, dtype):
    check(scenario, dtype)


def test_asking_for_cuda_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CPU only"):
        nets.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        nets.device("cuda")


# --- .data and state_dict ---------------------------------------------------------------------------------------
def data_is_a_tensor_sharing_memory(lib, dt):
    w = lib.tensor(_arrays(40, (3,))[0], dtype=dt, requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.1 * w.grad.data
    w.grad.data.zero_()
    v = w.data.clone()
    v += 1
    return [w, w.grad, v, w.data.numel(), w.data.requires_grad, w.data.is_leaf, w._version]


def state_dict_holds_detached_tensors(lib, dt):
    lib.manual_seed(0)
    a, b = lib.nn.Linear(3, 2).to(dt), lib.nn.Linear(3, 2).to(dt)
    with lib.no_grad():
        a.weight.copy_(lib.tensor(_arrays(41, (2, 3))[0], dtype=dt))
    sd = a.state_dict()
    b.load_state_dict(sd)
    with lib.no_grad():
        sd["bias"].fill_(0.5)  # shares a's memory
    return [a.bias, b.weight, sd["weight"].requires_grad, sd["weight"].is_leaf, isinstance(sd["weight"], lib.Tensor)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scenario", [data_is_a_tensor_sharing_memory, state_dict_holds_detached_tensors],
                         ids=lambda f: f.__name__)
def test_data_and_state_dict_follow_pytorch(scenario, dtype):
    check(scenario, dtype)


def weights_loaded_before_backward(lib, dt):
    """load_state_dict changes the parameters in place: a graph that saved them cannot be used afterwards."""
    lib.manual_seed(0)
    a = lib.nn.Linear(3, 3).to(dt)
    x = lib.tensor(_arrays(42, (2, 3))[0], dtype=dt, requires_grad=True)
    loss = a(x).sum()
    a.load_state_dict({k: v.clone() * 2 for k, v in a.state_dict().items()})
    loss.backward()


@pytest.mark.parametrize("dtype", DTYPES)
def test_loading_weights_counts_a_version(dtype):
    assert check(weights_loaded_before_backward, dtype)[0] == "error"
