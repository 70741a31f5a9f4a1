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
           output_not_saved_modified, differentiable_inplace_on_intermediates,
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
