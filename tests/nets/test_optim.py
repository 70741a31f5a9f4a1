"""Every optimizer and option against its update rule written out here in numpy, for many steps."""

import math

import numpy as np
import pytest

import nets
from nets.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

STEPS = 60
W0 = np.array([1.5, -0.7, 0.3, 2.0, -1.2])
A = np.diag([1.0, 0.5, 2.0, 0.1, 1.3])


def grad_fn(w):
    """A gradient that changes sign and size along the path (quadratic plus a sine)."""
    return A @ (w - 0.25) + 0.3 * np.sin(3 * w)


def run(make_opt, steps=STEPS):
    """Trajectory of the optimizer under grad_fn, gradients handed in as .grad tensors."""
    p = nets.tensor(W0.copy(), requires_grad=True)
    opt = make_opt([p])
    path = []
    for _ in range(steps):
        p.grad = nets.tensor(grad_fn(p.data.numpy()))
        opt.step()
        path.append(p.data.numpy().copy())
    return np.array(path)


# -- reference rules (the formulas from the course notes / PyTorch docs, written independently) ----------

def ref_sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    w, b, path = W0.copy(), None, []
    for _ in range(STEPS):
        g = grad_fn(w)
        if maximize:
            g = -g
        g = g + weight_decay * w
        if momentum:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        w = w - lr * g
        path.append(w)
    return np.array(path)


def ref_adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                maximize=False):
    w, path = W0.copy(), []
    r = np.full_like(w, initial_accumulator_value)
    for t in range(1, STEPS + 1):
        g = grad_fn(w) * (-1 if maximize else 1) + weight_decay * w
        r = r + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(r) + eps)
        path.append(w)
    return np.array(path)


def ref_rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False):
    w, path = W0.copy(), []
    r, m, b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for _ in range(STEPS):
        g = grad_fn(w) * (-1 if maximize else 1) + weight_decay * w
        r = alpha * r + (1 - alpha) * g ** 2
        if centered:
            m = alpha * m + (1 - alpha) * g
            denom = np.sqrt(r - m ** 2) + eps
        else:
            denom = np.sqrt(r) + eps
        if momentum > 0:
            b = momentum * b + g / denom
            w = w - lr * b
        else:
            w = w - lr * g / denom
        path.append(w)
    return np.array(path)


def ref_adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
             decoupled=False):
    b1, b2 = betas
    w, path = W0.copy(), []
    s, r, rmax = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t in range(1, STEPS + 1):
        g = grad_fn(w) * (-1 if maximize else 1)
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        s = b1 * s + (1 - b1) * g
        r = b2 * r + (1 - b2) * g * g
        rmax = np.maximum(rmax, r)
        s_hat = s / (1 - b1 ** t)
        r_hat = (rmax if amsgrad else r) / (1 - b2 ** t)
        w = w - lr * s_hat / (np.sqrt(r_hat) + eps)
        path.append(w)
    return np.array(path)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kw", [
    {}, dict(lr=0.05), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, momentum=0.5, weight_decay=0.1, nesterov=True), dict(lr=0.05, maximize=True),
    dict(lr=0.02, momentum=0.8, dampening=0.1, weight_decay=0.05, maximize=True),
])
def test_sgd_matches_rule(kw):
    close(run(lambda ps: SGD(ps, **kw)), ref_sgd(**kw))


@pytest.mark.parametrize("kw", [
    {}, dict(lr=0.3), dict(lr=0.3, lr_decay=0.05), dict(lr=0.3, weight_decay=0.2),
    dict(lr=0.3, initial_accumulator_value=0.5), dict(lr=0.3, eps=1e-3), dict(lr=0.3, maximize=True),
    dict(lr=0.3, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1, eps=1e-6),
])
def test_adagrad_matches_rule(kw):
    close(run(lambda ps: Adagrad(ps, **kw)), ref_adagrad(**kw))


@pytest.mark.parametrize("kw", [
    {}, dict(lr=0.01, alpha=0.9), dict(lr=0.01, eps=1e-3), dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, momentum=0.9), dict(lr=0.01, centered=True), dict(lr=0.01, centered=True, momentum=0.5),
    dict(lr=0.01, maximize=True), dict(lr=0.005, alpha=0.95, weight_decay=0.05, momentum=0.3, centered=True),
])
def test_rmsprop_matches_rule(kw):
    close(run(lambda ps: RMSprop(ps, **kw)), ref_rmsprop(**kw))


@pytest.mark.parametrize("kw", [
    {}, dict(lr=0.05), dict(lr=0.05, betas=(0.8, 0.95)), dict(lr=0.05, eps=1e-3),
    dict(lr=0.05, weight_decay=0.1), dict(lr=0.05, amsgrad=True), dict(lr=0.05, maximize=True),
    dict(lr=0.05, betas=(0.0, 0.5), weight_decay=0.01, amsgrad=True),
])
def test_adam_matches_rule(kw):
    close(run(lambda ps: Adam(ps, **kw)), ref_adam(**kw))


@pytest.mark.parametrize("kw", [
    {}, dict(lr=0.05), dict(lr=0.05, weight_decay=0.3), dict(lr=0.05, weight_decay=0.0),
    dict(lr=0.05, amsgrad=True, betas=(0.85, 0.99)), dict(lr=0.05, maximize=True, weight_decay=0.1),
])
def test_adamw_matches_rule(kw):
    ref_kw = dict(kw)
    ref_kw.setdefault("weight_decay", 1e-2)
    close(run(lambda ps: AdamW(ps, **kw)), ref_adam(decoupled=True, **ref_kw))


def test_defaults_are_pytorchs():
    p = [nets.tensor([1.0], requires_grad=True)]
    assert SGD(p).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                                   maximize=False)
    assert Adagrad(p).defaults == dict(lr=1e-2, lr_decay=0, eps=1e-10, weight_decay=0,
                                       initial_accumulator_value=0, maximize=False)
    assert RMSprop(p).defaults == dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                                       centered=False, maximize=False)
    assert Adam(p).defaults == dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                                    maximize=False)
    assert AdamW(p).defaults["weight_decay"] == 1e-2


def test_adamw_decay_is_not_adam_l2():
    """Decoupled decay differs from L2 through the gradient (the adaptive denominator rescales the latter)."""
    a = run(lambda ps: AdamW(ps, lr=0.05, weight_decay=0.3))
    b = run(lambda ps: Adam(ps, lr=0.05, weight_decay=0.3))
    assert np.abs(a - b).max() > 1e-3


def test_momentum_constant_gradient_geometric_series():
    """A constant gradient g with momentum μ: the step tends to η·g/(1−μ) (10× for μ = 0.9)."""
    p = nets.tensor([0.0], dtype=nets.float64, requires_grad=True)
    opt = SGD([p], lr=0.1, momentum=0.9)
    for _ in range(400):
        before = p.data.numpy().copy()
        p.grad = nets.tensor([1.0], dtype=nets.float64)
        opt.step()
    assert (before - p.data.numpy())[0] == pytest.approx(0.1 / (1 - 0.9), rel=1e-12)


def test_updates_in_place_and_keep_dtype():
    p = nets.tensor(np.ones(3, np.float32), requires_grad=True)
    data = p.data.numpy()
    opt = Adam([p], lr=0.1)
    p.grad = nets.tensor(np.ones(3, np.float32))
    opt.step()
    assert p.data.numpy() is data and p.data.numpy().dtype == np.float32
    assert opt.state[p]["exp_avg"].dtype == np.float32
    assert p.grad.data.numpy().tolist() == [1.0, 1.0, 1.0]  # the stored gradient is not modified


def test_with_real_backward_and_zero_grad():
    w = nets.tensor(np.array([3.0, -2.0]), requires_grad=True)
    opt = SGD([w], lr=0.1)
    for _ in range(100):
        loss = (w * w).sum()
        loss.backward()
        opt.step()
        opt.zero_grad()
        assert w.grad is None
    np.testing.assert_allclose(w.data.numpy(), np.array([3.0, -2.0]) * 0.8 ** 100, rtol=1e-10)
    loss = (w * w).sum()
    loss.backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and np.all(w.grad.data.numpy() == 0)


def test_parameters_without_gradient_are_skipped():
    a, b = nets.tensor([1.0], requires_grad=True), nets.tensor([1.0], requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    a.grad = nets.tensor([1.0])
    opt.step()
    assert b.data.numpy()[0] == 1.0 and b not in opt.state and a.data.numpy()[0] != 1.0


def test_param_groups_use_their_own_options():
    a = nets.tensor(W0.copy(), requires_grad=True)
    b = nets.tensor(W0.copy(), requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.05, "momentum": 0.9}], lr=1e-3)
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 0.05]
    pa, pb = [], []
    for _ in range(STEPS):
        a.grad, b.grad = nets.tensor(grad_fn(a.data.numpy())), nets.tensor(grad_fn(b.data.numpy()))
        opt.step()
        pa.append(a.data.numpy().copy())
        pb.append(b.data.numpy().copy())
    close(np.array(pa), ref_sgd())
    close(np.array(pb), ref_sgd(lr=0.05, momentum=0.9))


def test_add_param_group():
    a, b = nets.tensor([1.0], requires_grad=True), nets.tensor([2.0], requires_grad=True)
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        opt.add_param_group({"params": [nets.tensor([0.0], requires_grad=True)], "betas": (0.9, 1.0)})
    assert len(opt.param_groups) == 2


def test_step_closure_returns_loss():
    w = nets.tensor([2.0], dtype=nets.float64, requires_grad=True)
    opt = SGD([w], lr=0.25)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        calls.append(1)
        return loss

    loss = opt.step(closure)
    assert calls == [1] and loss.item() == 4.0 and w.data.numpy()[0] == pytest.approx(1.0)
    with nets.no_grad():  # the closure still records its graph
        opt.step(closure)
    assert calls == [1, 1] and w.data.numpy()[0] == pytest.approx(0.5)


@pytest.mark.parametrize("make, match", [
    (lambda p: SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda p: Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: Adagrad(p, eps=-1), "Invalid epsilon value: -1"),
    (lambda p: RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda p: RMSprop(p, eps=-1e-8), "Invalid epsilon value"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), r"Invalid beta parameter at index 0: 1.0"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), r"Invalid beta parameter at index 1: -0.1"),
    (lambda p: AdamW(p, weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (lambda p: Adam(p, lr=-1e-3), "Invalid learning rate"),
])
def test_invalid_options(make, match):
    with pytest.raises(ValueError, match=match):
        make([nets.tensor([1.0], requires_grad=True)])


def test_invalid_params():
    w = nets.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        SGD(w)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([])
    with pytest.raises(TypeError, match="ordered collections"):
        SGD({w})
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        SGD([np.ones(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([w * 2])
    with pytest.raises(ValueError, match="duplicate"):
        SGD([w, w])
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Optimizer([w], {"lr": __import__("nets.optim.optimizer", fromlist=["required"]).required})


def test_state_dict_round_trip_resumes_identically():
    kw = dict(lr=0.05, amsgrad=True, weight_decay=0.01)
    full = run(lambda ps: Adam(ps, **kw), steps=40)
    p = nets.tensor(W0.copy(), requires_grad=True)
    opt = Adam([p], **kw)
    for _ in range(15):
        p.grad = nets.tensor(grad_fn(p.data.numpy()))
        opt.step()
    saved_w, saved = p.data.numpy().copy(), opt.state_dict()
    assert saved["param_groups"][0]["params"] == [0] and set(saved["state"][0]) == {
        "step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    for _ in range(5):  # wander off, then restore into a fresh optimizer
        p.grad = nets.tensor(grad_fn(p.data.numpy()))
        opt.step()
    q = nets.tensor(saved_w, requires_grad=True)
    opt2 = Adam([q], lr=999.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.05
    for _ in range(25):
        q.grad = nets.tensor(grad_fn(q.data.numpy()))
        opt2.step()
    np.testing.assert_array_equal(q.data.numpy(), full[-1])


def test_state_dict_is_a_snapshot_and_load_checks_structure():
    a = nets.tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([a], lr=0.1, momentum=0.9)
    a.grad = nets.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    opt.step()
    assert sd["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]
    other = SGD([nets.tensor([1.0], requires_grad=True), nets.tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        other.load_state_dict(sd)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="shape"):
        SGD([nets.tensor([1.0, 2.0, 3.0], requires_grad=True)], momentum=0.9).load_state_dict(sd)
    with pytest.raises(ValueError, match="keys"):
        opt.load_state_dict({"state": {}})


def test_repr_lists_groups():
    text = repr(SGD([nets.tensor([1.0], requires_grad=True)], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in text


def test_transformer_paper_optimizer_settings_are_accepted():
    # Adam with β₂ = 0.98, ε = 1e-9 (Vaswani et al.); β₂ = 0.95 for LLM pre-training.
    p = [nets.tensor([1.0], requires_grad=True)]
    assert Adam(p, betas=(0.9, 0.98), eps=1e-9).defaults["eps"] == 1e-9
    assert math.isclose(AdamW(p, betas=(0.9, 0.95), weight_decay=0.1).defaults["weight_decay"], 0.1)


# -- gradient clipping (nets.nn.utils) ------------------------------------------------------------------

def _with_grads(*grads):
    ps = []
    for g in grads:
        p = nets.tensor(np.zeros_like(g), requires_grad=True)
        p.grad = nets.tensor(np.array(g, dtype=np.float64))
        ps.append(p)
    return ps


def test_clip_grad_norm_scales_all_gradients_together():
    from nets.nn.utils import clip_grad_norm_

    g1, g2 = np.array([3.0, 0.0]), np.array([[0.0, 4.0], [0.0, 12.0]])
    ps = _with_grads(g1, g2)
    total = clip_grad_norm_(ps, max_norm=1.3)
    assert total.item() == pytest.approx(13.0)  # sqrt(9 + 16 + 144)
    coef = 1.3 / (13.0 + 1e-6)
    np.testing.assert_allclose(ps[0].grad.data.numpy(), g1 * coef, rtol=1e-15)
    np.testing.assert_allclose(ps[1].grad.data.numpy(), g2 * coef, rtol=1e-15)
    small = _with_grads(np.array([0.3, 0.4]))
    assert clip_grad_norm_(small, 1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(small[0].grad.data.numpy(), [0.3, 0.4])  # under the limit: unchanged
    inf_norm = _with_grads(np.array([1.0, -5.0]), np.array([2.0]))
    assert clip_grad_norm_(inf_norm, 2.5, norm_type=math.inf).item() == 5.0
    np.testing.assert_allclose(inf_norm[0].grad.data.numpy(), np.array([1.0, -5.0]) * 2.5 / (5.0 + 1e-6))
    one_norm = _with_grads(np.array([1.0, -2.0]), np.array([3.0]))
    assert clip_grad_norm_(one_norm, 100.0, norm_type=1).item() == pytest.approx(6.0)
    assert clip_grad_norm_([nets.tensor([1.0], requires_grad=True)], 1.0).item() == 0.0  # no gradients


def test_clip_grad_norm_nonfinite():
    from nets.nn.utils import clip_grad_norm_

    ps = _with_grads(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(ps[0].grad.data.numpy(), [np.inf, 1.0])  # raised before any change


def test_clip_grad_value():
    from nets.nn.utils import clip_grad_value_

    ps = _with_grads(np.array([-3.0, 0.5, 2.0]))
    clip_grad_value_(ps[0], 1.0)
    np.testing.assert_array_equal(ps[0].grad.data.numpy(), [-1.0, 0.5, 1.0])
