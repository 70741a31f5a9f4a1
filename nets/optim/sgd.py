"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay
(``torch.optim.SGD``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _non_negative

__all__ = ["SGD"]


class SGD(Optimizer):
    """g ← ∇ (negated if maximize) + λw;  b₁ = g, b_t = μb_{t−1} + (1−τ)g;  d = g + μb_t (nesterov) or b_t;
    w ← w − ηd.  Defaults as PyTorch: lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False.

    Momentum is PyTorch's form (velocity in gradient units, scaled by the current lr), which equals the
    textbook v ← μv − ηg, w ← w + v only while the learning rate is constant.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        _non_negative(group, "lr", "learning rate")
        _non_negative(group, "momentum", "momentum value")
        _non_negative(group, "weight_decay", "weight_decay value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, group: dict, params: list) -> None:
        lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        states = self.state
        for p in params:
            w, g = p.value, p.grad.value  # (the arrays behind .data: this loop is a hot path)
            if maximize:
                g = -g
            if wd != 0:
                g = g + wd * w  # a new array: never write into the stored gradient
            if mu != 0:
                state = states.get(p)
                if state is None:
                    state = states[p] = {}
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(g, dtype=w.dtype, copy=True)
                else:
                    buf *= mu
                    buf += g if tau == 0 else (1 - tau) * g  # (no temporary array in the usual case)
                g = g + mu * buf if nesterov else buf
            w -= lr * g
