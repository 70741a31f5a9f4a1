"""Adagrad: per-coordinate learning rates from the running sum of squared gradients
(``torch.optim.Adagrad``)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import Optimizer, _non_negative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """g ← ∇ (negated if maximize) + λw;  r_t = r_{t−1} + g²;  η̃ = η / (1 + (t−1)·lr_decay);
    w ← w − η̃ g / (√r_t + ε)  (ε outside the root).  Defaults as PyTorch: lr=1e-2, lr_decay=0,
    weight_decay=0, initial_accumulator_value=0 (r₀), eps=1e-10."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        _non_negative(group, "lr", "learning rate")
        _non_negative(group, "lr_decay", "lr_decay value")
        _non_negative(group, "weight_decay", "weight_decay value")
        _non_negative(group, "initial_accumulator_value", "initial_accumulator_value value")
        _non_negative(group, "eps", "epsilon value")

    def _init_group_state(self, group: dict) -> None:
        # As in PyTorch, the accumulator exists from construction on (so it can start above zero).
        for p in group["params"]:
            self.state[p] = {"step": 0, "sum": np.full_like(p.value, group["initial_accumulator_value"])}

    def _update(self, group: dict, params: list) -> None:
        lr, lr_decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
        for p in params:
            w, g = p.value, p.grad.value
            if group["maximize"]:
                g = -g
            if wd != 0:
                g = g + wd * w
            state = self.state[p]
            state["step"] += 1
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            r = state["sum"]
            r += g * g
            w -= clr * g / (np.sqrt(r) + eps)
