"""Trajectories of nets.optim equal torch.optim's in float64 (skipped when PyTorch is not installed)."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nets  # noqa: E402
from nets import optim  # noqa: E402
from nets.optim import lr_scheduler as S  # noqa: E402

STEPS = 80
rng = np.random.default_rng(0)
W0 = rng.normal(size=(3, 4))
A = rng.normal(size=(4, 4))
A = A @ A.T / 4 + 0.1 * np.eye(4)


def grad_fn(w):
    return (w - 0.3) @ A + 0.2 * np.cos(2 * w)


CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.2)),
    ("Adagrad", dict(lr=0.2, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.3, eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.02)),
    ("RMSprop", dict(lr=0.01, centered=True, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True, betas=(0.9, 0.98), eps=1e-9)),
]


@pytest.mark.parametrize("name, kw", CONFIGS)
def test_optimizer_trajectory_matches_torch(name, kw):
    p = nets.tensor(W0.copy(), requires_grad=True)
    q = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
    ours, theirs = getattr(optim, name)([p], **kw), getattr(torch.optim, name)([q], **kw)
    sign = -1.0 if kw.get("maximize") else 1.0  # maximize −f, so that the path stays bounded
    for _ in range(STEPS):
        p.grad = nets.tensor(sign * grad_fn(p.data.numpy()))
        q.grad = torch.tensor(sign * grad_fn(q.detach().numpy()), dtype=torch.float64)
        ours.step()
        theirs.step()
        np.testing.assert_allclose(p.data.numpy(), q.detach().numpy(), rtol=0, atol=1e-9)


def test_backward_gradients_drive_the_same_trajectory():
    """End to end: the loss's gradient from nets' engine and from torch.autograd, Adam on both."""
    x = rng.normal(size=(16, 3))
    y = rng.normal(size=(16, 4))
    p = nets.tensor(W0.copy(), requires_grad=True)
    q = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
    xo, yo = nets.tensor(x), nets.tensor(y)
    xt, yt = torch.tensor(x), torch.tensor(y)
    ours, theirs = optim.Adam([p], lr=0.01), torch.optim.Adam([q], lr=0.01)
    for _ in range(50):
        ((xo @ p - yo) ** 2).mean().backward()
        ((xt @ q - yt) ** 2).mean().backward()
        ours.step()
        theirs.step()
        ours.zero_grad()
        theirs.zero_grad()
    np.testing.assert_allclose(p.data.numpy(), q.detach().numpy(), rtol=0, atol=1e-9)


SCHEDULES = [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 7, 7, 15], gamma=0.3)),
    ("ConstantLR", dict(factor=0.25, total_iters=6)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("LinearLR", dict(start_factor=0.05, end_factor=0.8, total_iters=9)),
    ("PolynomialLR", dict(total_iters=12, power=1.7)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=40)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=40, anneal_strategy="linear", three_phase=True, pct_start=0.25)),
    ("LambdaLR", dict(lr_lambda=lambda t: 0.97 ** t / (1 + 0.1 * t))),
    ("MultiplicativeLR", dict(lr_lambda=lambda t: 0.95)),
]


def _torch_and_ours(optimizer_name="SGD", **opt_kw):
    p = nets.tensor([1.0], requires_grad=True)
    q = torch.tensor([1.0], requires_grad=True)
    return getattr(optim, optimizer_name)([p], **opt_kw), getattr(torch.optim, optimizer_name)([q], **opt_kw)


def _run(ours_s, theirs_s, ours_o, theirs_o, n):
    for _ in range(n):
        assert ours_s.get_last_lr()[0] == pytest.approx(theirs_s.get_last_lr()[0], rel=1e-12, abs=1e-15)
        for key in ("momentum", "betas"):
            if key in theirs_o.param_groups[0]:
                assert ours_o.param_groups[0][key] == pytest.approx(theirs_o.param_groups[0][key], rel=1e-12)
        ours_o.step()
        theirs_o.step()
        ours_s.step()
        theirs_s.step()


@pytest.mark.parametrize("name, kw", SCHEDULES)
def test_schedule_matches_torch(name, kw):
    ours_o, theirs_o = _torch_and_ours(lr=0.1, momentum=0.9)
    ours_s = getattr(S, name)(ours_o, **kw)
    theirs_s = getattr(torch.optim.lr_scheduler, name)(theirs_o, **kw)
    _run(ours_s, theirs_s, ours_o, theirs_o, 40)


def test_one_cycle_with_adam_cycles_beta1_like_torch():
    ours_o, theirs_o = _torch_and_ours("Adam", lr=0.01)
    _run(S.OneCycleLR(ours_o, max_lr=0.1, total_steps=30), torch.optim.lr_scheduler.OneCycleLR(
        theirs_o, max_lr=0.1, total_steps=30), ours_o, theirs_o, 30)


def test_sequential_matches_torch():
    ours_o, theirs_o = _torch_and_ours(lr=0.1, momentum=0.9)
    TS = torch.optim.lr_scheduler
    ours = S.SequentialLR(ours_o, [S.LinearLR(ours_o, 0.01, 1.0, 5), S.CosineAnnealingLR(ours_o, 20, 0.01),
                                   S.ExponentialLR(ours_o, 0.9)], milestones=[5, 25])
    theirs = TS.SequentialLR(theirs_o, [TS.LinearLR(theirs_o, 0.01, 1.0, 5), TS.CosineAnnealingLR(theirs_o, 20, 0.01),
                                        TS.ExponentialLR(theirs_o, 0.9)], milestones=[5, 25])
    _run(ours, theirs, ours_o, theirs_o, 40)


def test_reduce_on_plateau_matches_torch():
    ours_o, theirs_o = _torch_and_ours(lr=1.0)
    kw = dict(factor=0.5, patience=2, cooldown=1, min_lr=0.05, threshold=0.01)
    ours, theirs = S.ReduceLROnPlateau(ours_o, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_o, **kw)
    metrics = np.r_[np.linspace(1, 0.5, 10), np.full(30, 0.5), np.linspace(0.5, 0.4, 10)]
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        assert ours.get_last_lr() == theirs.get_last_lr()


def test_optimizer_state_dict_layout_matches_torch():
    ours_o, theirs_o = _torch_and_ours("Adam", lr=0.01, amsgrad=True)
    for o in (ours_o, theirs_o):
        o.param_groups[0]["params"][0].grad = (nets.tensor([1.0]) if o is ours_o else torch.tensor([1.0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            o.step()
    a, b = ours_o.state_dict(), theirs_o.state_dict()
    assert set(a["state"][0]) == set(b["state"][0])
    ours_keys = set(a["param_groups"][0])
    assert {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "params"} <= ours_keys
    assert ours_keys <= set(b["param_groups"][0])


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    from nets.nn.utils import clip_grad_norm_

    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    ours = [nets.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = nets.tensor(g.copy())
        q.grad = torch.tensor(g.copy())
    total_ours = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert total_ours.item() == pytest.approx(total_theirs.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-15)
