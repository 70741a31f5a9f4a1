"""RMSprop: divide the gradient by a running root-mean-square of recent gradients
(``torch.optim.RMSprop``; note the lower-case "prop")."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _non_negative

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """g ← ∇ (negated if maximize) + λw;  r_t = αr_{t−1} + (1−α)g²;  centered: m_t = αm_{t−1} + (1−α)g and
    the denominator is √(r_t − m_t²) + ε, otherwise √r_t + ε;  with momentum μ > 0: b_t = μb_{t−1} + g/denom,
    w ← w − ηb_t, otherwise w ← w − ηg/denom.  Defaults as PyTorch: lr=1e-2, alpha=0.99, eps=1e-8,
    weight_decay=0, momentum=0, centered=False."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        _non_negative(group, "lr", "learning rate")
        _non_negative(group, "eps", "epsilon value")
        _non_negative(group, "momentum", "momentum value")
        _non_negative(group, "weight_decay", "weight_decay value")
        _non_negative(group, "alpha", "alpha value")

    def _update(self, group: dict, params: list) -> None:
        lr, alpha, eps, wd, mu = group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"]
        for p in params:
            w, g = p.value, p.grad.value
            if group["maximize"]:
                g = -g
            if wd != 0:
                g = g + wd * w
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(w)}
                if mu > 0:
                    state["momentum_buffer"] = np.zeros_like(w)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(w)
            state["step"] += 1
            r = state["square_avg"]
            r *= alpha
            r += (1 - alpha) * (g * g)
            if group["centered"]:
                m = state["grad_avg"]
                m += (1 - alpha) * (g - m)  # m ← αm + (1−α)g, written as PyTorch's lerp
                denom = np.sqrt(r - m * m)
            else:
                denom = np.sqrt(r)
            denom += eps
            if mu > 0:
                buf = state["momentum_buffer"]
                buf *= mu
                buf += g / denom
                w -= lr * buf
            else:
                w -= lr * (g / denom)
