"""Chapter 05 · Optimizers: solutions (exercise 3 is the exercises' bonus problem, AdamW as an Optimizer)."""

import numpy as np

import nets
from nets import optim


def exercise_1():
    """Warm-up: Adam's very first step for the gradient g = (0.001, −5) with η = 0.01 (bias-corrected)."""
    g, lr, b1, b2, eps = np.array([0.001, -5.0]), 0.01, 0.9, 0.999, 1e-8
    s_hat = (1 - b1) * g / (1 - b1)
    r_hat = (1 - b2) * g ** 2 / (1 - b2)
    return -lr * s_hat / (np.sqrt(r_hat) + eps)


def check_1(step):
    assert np.allclose(step, [-0.01, 0.01], rtol=1e-4), "the first step is ≈ η·sign(g), whatever |g| is"


A = np.diag([1.0, 10.0])


def _quad_grad(w):
    return A @ w


def exercise_2():
    """AdamW by hand in numpy: 20 steps (η = 0.05, λ = 0.1) on L = ½wᵀAw, A = diag(1, 10), from w = (1, 1);
    the decay first, then the Adam step. Return the final w."""
    w, s, r = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2)
    lr, b1, b2, eps, wd = 0.05, 0.9, 0.999, 1e-8, 0.1
    for t in range(1, 21):
        g = _quad_grad(w)
        w = w * (1 - lr * wd)
        s = b1 * s + (1 - b1) * g
        r = b2 * r + (1 - b2) * g ** 2
        w = w - lr * (s / (1 - b1 ** t)) / (np.sqrt(r / (1 - b2 ** t)) + eps)
    return w


def _run(make, steps=20):
    w = nets.tensor([1.0, 1.0], dtype=nets.float64, requires_grad=True)
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (w * nets.tensor(np.diag(A)) * w).sum()).backward()
        opt.step()
    return w.detach().numpy()


def check_2(w):
    assert np.allclose(w, _run(lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1)), atol=1e-12)


def exercise_3():
    """Challenge (the exercises' bonus): write AdamW as a subclass of ``nets.optim.Optimizer`` (a
    ``step()`` that loops over ``self.param_groups`` and keeps its state in ``self.state``); return the
    class. The check runs it beside ``optim.AdamW``."""
    class MyAdamW(optim.Optimizer):
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
            super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

        def step(self, closure=None):
            for group in self.param_groups:
                lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.numpy()
                    state = self.state.setdefault(p, {"t": 0, "s": np.zeros_like(g), "r": np.zeros_like(g)})
                    state["t"] += 1
                    t = state["t"]
                    p.data *= 1 - lr * wd                                  # decoupled decay, first
                    state["s"] = b1 * state["s"] + (1 - b1) * g
                    state["r"] = b2 * state["r"] + (1 - b2) * g ** 2
                    s_hat, r_hat = state["s"] / (1 - b1 ** t), state["r"] / (1 - b2 ** t)
                    p.data -= lr * s_hat / (np.sqrt(r_hat) + eps)
    return MyAdamW


def check_3(MyAdamW):
    assert issubclass(MyAdamW, optim.Optimizer)
    ours = _run(lambda p: MyAdamW(p, lr=0.05, weight_decay=0.1), steps=30)
    assert np.allclose(ours, _run(lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1), steps=30), atol=1e-12)
