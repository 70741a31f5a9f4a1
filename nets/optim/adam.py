"""Adam and AdamW (``torch.optim.Adam``, ``torch.optim.AdamW``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _non_negative

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """g ← ∇ (negated if maximize) + λw;  s_t = β₁s_{t−1} + (1−β₁)g;  r_t = β₂r_{t−1} + (1−β₂)g²;
    w ← w − η ŝ / (√r̂ + ε) with ŝ = s_t/(1−β₁ᵗ), r̂ = r_t/(1−β₂ᵗ) (amsgrad: r̂ from the running maximum of
    r_t).  s₀ = r₀ = 0 and t counts steps from 1.  Defaults as PyTorch: lr=1e-3, betas=(0.9, 0.999),
    eps=1e-8, weight_decay=0 (an L2 term added to the gradient), amsgrad=False."""

    _decoupled = False

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        _non_negative(group, "lr", "learning rate")
        _non_negative(group, "eps", "epsilon value")
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        _non_negative(group, "weight_decay", "weight_decay value")

    def _update(self, group: dict, params: list) -> None:
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        amsgrad = group["amsgrad"]
        for p in params:
            w, g = p.value, p.grad.value
            if group["maximize"]:
                g = -g
            if wd != 0:
                if self._decoupled:
                    w *= 1 - lr * wd  # AdamW: shrink the weights first, never through the gradient
                else:
                    g = g + wd * w
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0, "exp_avg": np.zeros_like(w), "exp_avg_sq": np.zeros_like(w)}
                if amsgrad:
                    state["max_exp_avg_sq"] = np.zeros_like(w)
            state["step"] += 1
            t = state["step"]
            s, r = state["exp_avg"], state["exp_avg_sq"]
            s += (1 - beta1) * (g - s)  # s ← β₁s + (1−β₁)g, as PyTorch's lerp computes it
            r *= beta2
            r += (1 - beta2) * (g * g)
            if amsgrad:
                r = np.maximum(state["max_exp_avg_sq"], r, out=state["max_exp_avg_sq"])
            step_size = lr / (1 - beta1 ** t)
            denom = np.sqrt(r) / math.sqrt(1 - beta2 ** t)
            denom += eps
            w -= step_size * (s / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): w ← w(1 − ηλ), then the Adam step on the
    plain gradient.  Defaults as PyTorch: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2."""

    _decoupled = True

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
