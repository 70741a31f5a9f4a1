"""nets.autograd: grad (with create_graph, retain_graph, allow_unused), backward(create_graph=True) and
autograd.functional, against closed forms and against PyTorch (skipped without it)."""

from __future__ import annotations

import numpy as np
import pytest

import nets
from nets import nn

F = nets.autograd.functional


def test_second_derivative_by_create_graph_closed_form():
    x = nets.tensor([0.5, -1.2, 2.0], dtype=nets.float64, requires_grad=True)
    y = (x ** 3).sum()
    (g,) = nets.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * x.detach().numpy() ** 2, rtol=1e-15)
    (h,) = nets.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy(), rtol=1e-15)
    assert x.grad is None  # grad() leaves .grad alone


def test_backward_with_create_graph_gives_a_differentiable_grad():
    x = nets.tensor(1.5, dtype=nets.float64, requires_grad=True)
    (x ** 4).backward(create_graph=True)
    first = x.grad  # 4x³, with a history
    assert first.requires_grad and first.item() == pytest.approx(4 * 1.5 ** 3)
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(12 * 1.5 ** 2)


def test_grad_errors_are_pytorchs():
    x = nets.tensor([1.0, 2.0], requires_grad=True)
    unused = nets.tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        nets.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = nets.autograd.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="second time"):
        nets.autograd.grad(y, x)  # the graph was freed by the previous call
    with pytest.raises(RuntimeError, match="does not require grad"):
        nets.autograd.grad((x * 2).sum(), nets.tensor([1.0]))


def test_gradient_with_respect_to_an_intermediate_tensor():
    x = nets.tensor([1.0, 2.0, 3.0], dtype=nets.float64, requires_grad=True)
    h = x * 2.0
    y = (h ** 2).sum()
    gh, gx = nets.autograd.grad(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * h.detach().numpy())
    np.testing.assert_allclose(gx.numpy(), 8 * x.detach().numpy())


# --- against PyTorch (each test skips without it; the tests above run everywhere) -------------------------------
def _pair(dtype, seed=0):
    """The same small MLP in nets and in torch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    sizes = [(3, 5), (5, 4), (4, 1)]
    ws = [(rng.normal(size=(o, i)) / np.sqrt(i), rng.normal(size=o) * 0.1) for i, o in sizes]
    td = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 1)).to(td)
    ours = ours.double() if dtype == np.float64 else ours
    for k, (w, b) in enumerate(ws):
        ours[2 * k].weight.data.copy_(nets.tensor(w.astype(dtype)))
        ours[2 * k].bias.data.copy_(nets.tensor(b.astype(dtype)))
        with torch.no_grad():
            theirs[2 * k].weight.copy_(torch.tensor(w, dtype=td))
            theirs[2 * k].bias.copy_(torch.tensor(b, dtype=td))
    x = rng.normal(size=(6, 3)).astype(dtype)
    return ours, theirs, x, torch


TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-11, atol=1e-13)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_penalty_matches_pytorch(dtype):
    ours, theirs, x, torch = _pair(dtype)
    xa = nets.tensor(x, requires_grad=True)
    (gx,) = nets.autograd.grad(ours(xa).sum(), xa, create_graph=True)
    penalty = ((gx.norm(dim=1) - 1) ** 2).mean()
    penalty.backward()
    xt = torch.tensor(x, requires_grad=True)
    (gxt,) = torch.autograd.grad(theirs(xt).sum(), xt, create_graph=True)
    penalty_t = ((gxt.norm(dim=1) - 1) ** 2).mean()
    penalty_t.backward()
    assert penalty.item() == pytest.approx(penalty_t.item(), rel=TOL[dtype]["rtol"])
    for p, q in zip(ours.parameters(), theirs.parameters()):
        if q.grad is None:  # (the last bias: ∇ₓ does not depend on it, and PyTorch leaves its grad None)
            assert p.grad is None
            continue
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hessian_vector_product_on_an_mlp_matches_pytorch(dtype):
    ours, theirs, x, torch = _pair(dtype, seed=1)
    rng = np.random.default_rng(2)
    vs = [rng.normal(size=p.shape).astype(dtype) for p in ours.parameters()]
    loss = (ours(nets.tensor(x)) ** 2).mean()
    params = list(ours.parameters())
    grads = nets.autograd.grad(loss, params, create_graph=True)
    dot = sum((g * nets.tensor(v)).sum() for g, v in zip(grads, vs))
    hv = nets.autograd.grad(dot, params)
    loss_t = (theirs(torch.tensor(x)) ** 2).mean()
    params_t = list(theirs.parameters())
    grads_t = torch.autograd.grad(loss_t, params_t, create_graph=True)
    dot_t = sum((g * torch.tensor(v)).sum() for g, v in zip(grads_t, vs))
    hv_t = torch.autograd.grad(dot_t, params_t)
    for a, b in zip(hv, hv_t):
        np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL[dtype])


def test_autograd_functional_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([0.3, 0.7, -0.4])
    v = np.array([1.0, -2.0, 0.5])

    def f(z):
        return (z.tanh() ** 2).sum() + z[0] * z[1] * z[2]

    def g(z):
        return z.sin() * z.sum()

    tf = torch.autograd.functional
    pairs = [
        (F.hessian(f, nets.tensor(x)), tf.hessian(f, torch.tensor(x))),
        (F.hvp(f, nets.tensor(x), nets.tensor(v))[1], tf.hvp(f, torch.tensor(x), torch.tensor(v))[1]),
        (F.jacobian(g, nets.tensor(x)), tf.jacobian(g, torch.tensor(x))),
        (F.vjp(g, nets.tensor(x), nets.tensor(v))[1], tf.vjp(g, torch.tensor(x), torch.tensor(v))[1]),
        (F.jvp(g, nets.tensor(x), nets.tensor(v))[1], tf.jvp(g, torch.tensor(x), torch.tensor(v))[1]),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)
    both = F.jacobian(lambda a, b: a * b.sum(), (nets.tensor(x), nets.tensor(v)))
    both_t = tf.jacobian(lambda a, b: a * b.sum(), (torch.tensor(x), torch.tensor(v)))
    for ours, theirs in zip(both, both_t):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
