"""Learning-rate schedules (``torch.optim.lr_scheduler``), plus the course's linear, power and exponential
schedules and the Transformer paper's warm-up / inverse-square-root schedule.

A scheduler sets ``group["lr"]`` of its optimizer's parameter groups. Construction applies the rate for
``last_epoch = 0``; each ``step()`` advances ``last_epoch`` by one and applies the next rate. Call it once per
epoch (or per batch, for per-step schedules) **after** that period's ``optimizer.step()`` calls. The rates
follow PyTorch's recursive formulas, so the sequences are PyTorch's.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence

from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "ExponentialLR",
    "LinearLR", "PolynomialLR", "CosineAnnealingLR", "SequentialLR", "ReduceLROnPlateau", "OneCycleLR",
    "LinearInterpolationLR", "PowerLR", "ExponentialDecayLR", "TransformerLR",
]


class LRScheduler:
    """Base class: ``base_lrs`` are the groups' ``initial_lr``; subclasses implement ``get_lr()`` (the rates
    for the current ``last_epoch``, possibly from the current ones) and may implement
    ``_get_closed_form_lr()`` (the rates straight from ``base_lrs``)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an "
                                   "optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    _is_initial = False  # True only while the constructor applies the rate for period 0

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one period (or, with ``epoch``, jump to it using the closed form where there is one)."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Everything but the optimizer (and functions, which cannot be saved)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v)
                and k != "_is_initial"}

    def load_state_dict(self, state_dict: dict) -> None:
        unknown = set(state_dict) - set(self.state_dict())
        if unknown:
            raise ValueError(f"{type(self).__name__}.load_state_dict got unexpected keys {sorted(unknown)}")
        self.__dict__.update(state_dict)
        if "_last_lr" in state_dict:
            self._last_lr = list(state_dict["_last_lr"])
        if "base_lrs" in state_dict:
            self.base_lrs = list(state_dict["base_lrs"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self.get_last_lr()})"


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    """One value per parameter group, from a scalar or a sequence of the right length."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return list(value)
    return [value] * n


def _lambdas_per_group(lr_lambda, optimizer: Optimizer) -> list:
    """One function for every parameter group, or a list with one per group (as PyTorch checks)."""
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
        lambdas = list(lr_lambda)
    else:
        lambdas = [lr_lambda] * n
    for f in lambdas:
        if not callable(f):
            raise TypeError(f"lr_lambda must be callable, got {type(f).__name__}")
    return lambdas


class LambdaLR(LRScheduler):
    """η_t = η₀ · λ(t), one function λ for all groups or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable],
                 last_epoch: int = -1):
        self.lr_lambdas = _lambdas_per_group(lr_lambda, optimizer)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict:
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class MultiplicativeLR(LRScheduler):
    """η_t = η_{t−1} · λ(t) for t ≥ 1."""

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        self.lr_lambdas = _lambdas_per_group(lr_lambda, optimizer)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if not self._is_initial:
            return [g["lr"] * f(self.last_epoch) for g, f in zip(groups, self.lr_lambdas)]
        return [g["lr"] for g in groups]

    def state_dict(self) -> dict:
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class StepLR(LRScheduler):
    """η_t = η₀ · γ^⌊t/step_size⌋ (the staircase form of exponential decay); default gamma=0.1."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [g["lr"] for g in groups]
        return [g["lr"] * self.gamma for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """η_t = η₀ · γ^(number of milestones ≤ t); default gamma=0.1."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = dict(Counter(int(m) for m in milestones))
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch not in self.milestones:
            return [g["lr"] for g in groups]
        return [g["lr"] * self.gamma ** self.milestones[self.last_epoch] for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        ms = sorted(Counter(self.milestones).elements())
        return [base * self.gamma ** bisect_right(ms, self.last_epoch) for base in self.base_lrs]

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        # Keys come back as strings from a file; milestones are epochs.
        self.milestones = {int(k): int(v) for k, v in self.milestones.items()}


class ConstantLR(LRScheduler):
    """η_t = η₀ · factor for t < total_iters, then η₀; defaults factor=1/3, total_iters=5."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.factor for g in groups]
        if self.last_epoch != self.total_iters:
            return [g["lr"] for g in groups]
        return [g["lr"] * (1.0 / self.factor) for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """η_t = η₀ · γ^t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [g["lr"] for g in groups]
        return [g["lr"] * self.gamma for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class LinearLR(LRScheduler):
    """η_t = η₀ · (s + (e − s)·min(t, T)/T): the factor moves linearly from s = start_factor to
    e = end_factor over T = total_iters periods, then stays. Defaults 1/3, 1.0, 5."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return [g["lr"] for g in groups]
        s, e = self.start_factor, self.end_factor
        ratio = 1.0 + (e - s) / (self.total_iters * s + (self.last_epoch - 1) * (e - s))
        return [g["lr"] * ratio for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        s, e = self.start_factor, self.end_factor
        return [base * (s + (e - s) * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """η_t = η₀ · (1 − min(t, T)/T)^power; defaults total_iters=5, power=1."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial or self.last_epoch > self.total_iters:
            return [g["lr"] for g in groups]
        t, n = self.last_epoch, self.total_iters
        factor = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [g["lr"] * factor for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + ½(η₀ − η_min)(1 + cos(πt/T_max)) (computed recursively, as PyTorch does; past T_max the
    recursion continues along the cosine, rising again)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if T_max <= 0:
            raise ValueError(f"T_max must be a positive number of periods, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups, t, T, lo = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return [g["lr"] for g in groups]
        if self._step_count == 1 and t > 0:
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [g["lr"] + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for base, g in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (g["lr"] - lo) + lo for g in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i−1]`` and ``milestones[i]`` (e.g. warm-up, then decay);
    each later scheduler starts from its own period 0 at its milestone."""

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1):
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler")
        for i, s in enumerate(schedulers):
            if not hasattr(s, "optimizer"):
                raise TypeError(f"SequentialLR does not support `ReduceLROnPlateau` or non-schedulers; "
                                f"got {type(s).__name__} at index {i}")
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires "
                                 f"additional kwargs to be specified when calling `step`, but got one at index {i}")
            if s.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but got "
                                 f"scheduler {type(s).__name__} at index {i} with a different optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Constructing each scheduler already stepped it once: restore the initial rates, undo those steps,
        # and let only the first scheduler take its initial step.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:
            s.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self, epoch: int | None = None) -> None:
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)  # start the next scheduler at its own period 0 (closed form)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        inner = state_dict.pop("_schedulers")
        if len(inner) != len(self._schedulers):
            raise ValueError(f"SequentialLR state dict holds {len(inner)} schedulers, this one has "
                             f"{len(self._schedulers)}")
        self.__dict__.update(state_dict)
        self._milestones = list(self._milestones)
        self._last_lr = list(self._last_lr)
        for s, sd in zip(self._schedulers, inner):
            s.load_state_dict(sd)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` once the monitored metric has not improved for more than ``patience``
    calls of ``step(metric)``, then wait ``cooldown`` calls. Improvement: below best·(1 − threshold)
    ('rel', 'min'), below best − threshold ('abs', 'min'), mirrored for 'max'. Defaults as PyTorch:
    mode='min', factor=0.1, patience=10, threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0.0, eps: float = 1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr, self.min_lrs = None, list(min_lr)
        else:
            self.default_min_lr, self.min_lrs = min_lr, [min_lr] * n
        self.optimizer = optimizer
        self.mode, self.factor, self.patience, self.threshold = mode, factor, patience, threshold
        self.threshold_mode, self.cooldown, self.eps = threshold_mode, cooldown, eps
        self.cooldown_counter = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: float, epoch: int | None = None) -> None:
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            groups = self.optimizer.param_groups
            if len(groups) != len(self.min_lrs):
                if self.default_min_lr is None:
                    raise RuntimeError(f"the optimizer has {len(groups)} parameter groups but ReduceLROnPlateau "
                                       f"was given {len(self.min_lrs)} min_lrs; set min_lrs to match")
                self.min_lrs = [self.default_min_lr] * len(groups)
            for group, floor in zip(groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def load_state_dict(self, state_dict: dict) -> None:
        unknown = set(state_dict) - set(self.state_dict())
        if unknown:
            raise ValueError(f"ReduceLROnPlateau.load_state_dict got unexpected keys {sorted(unknown)}")
        self.__dict__.update(state_dict)
        self.min_lrs, self._last_lr = list(self.min_lrs), list(self._last_lr)


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch: the rate rises from max_lr/div_factor to max_lr over
    pct_start of the steps, then anneals to max_lr/(div_factor·final_div_factor) ('cos' or 'linear');
    momentum (or Adam's β₁) moves inversely between max_momentum and base_momentum. three_phase adds a
    symmetric descent before the final annealing. Defaults as PyTorch."""

    def __init__(self, optimizer: Optimizer, max_lr, total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        n = self.total_steps
        up = float(pct_start * n) - 1
        if three_phase:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * n) - 2, start_lr="max_lr", end_lr="initial_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum"),
                dict(end_step=n - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum"),
            ]
        else:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=n - 1, start_lr="max_lr", end_lr="min_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum"),
            ]
        self.anneal_strategy = anneal_strategy
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        self.cycle_momentum = cycle_momentum
        self.use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and not self.use_beta1:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            max_ms = _per_group("max_momentum", optimizer, max_momentum)
            base_ms = _per_group("base_momentum", optimizer, base_momentum)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                for group, m_max, m_base in zip(optimizer.param_groups, max_ms, base_ms):
                    if self.use_beta1:
                        group["betas"] = (m_max, *group["betas"][1:])
                    else:
                        group["momentum"] = m_max
                    group["max_momentum"], group["base_momentum"] = m_max, m_base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


# -- the course's schedules ------------------------------------------------------------------------------

class LinearInterpolationLR(LambdaLR):
    """The course's linear schedule: η_t = (1 − t/K)·η₀ + (t/K)·η_K for t ≤ K, then held at η_K
    (``final_lr`` = η_K, ``total_iters`` = K). Equals ``LinearLR(1, η_K/η₀, K)``."""

    def __init__(self, optimizer: Optimizer, final_lr: float, total_iters: int, last_epoch: int = -1):
        if final_lr < 0:
            raise ValueError(f"final_lr must be >= 0, got {final_lr}")
        if not isinstance(total_iters, int) or total_iters <= 0:
            raise ValueError(f"total_iters must be a positive integer, got {total_iters!r}")
        self.final_lr, self.total_iters = final_lr, total_iters
        n = len(optimizer.param_groups)
        super().__init__(optimizer, [self._factor_for(i) for i in range(n)], last_epoch)

    def _factor_for(self, i: int) -> Callable[[int], float]:
        def factor(t: int) -> float:
            base = self.base_lrs[i]
            frac = min(t, self.total_iters) / self.total_iters
            return ((1 - frac) * base + frac * self.final_lr) / base if base else 0.0
        return factor


class PowerLR(LambdaLR):
    """The course's power schedule: η_t = η₀·(1 + t/s)^c with c < 0 (decay) and step scale s > 0. With
    c = −1, s = 1/decay it is η₀/(1 + decay·t)."""

    def __init__(self, optimizer: Optimizer, c: float, s: float, last_epoch: int = -1):
        if not c < 0:
            raise ValueError(f"the power c must be negative for a decaying schedule, got c={c}")
        if not s > 0:
            raise ValueError(f"the step scale s must be positive, got s={s}")
        self.c, self.s = c, s
        super().__init__(optimizer, lambda t: (1 + t / self.s) ** self.c, last_epoch)


class ExponentialDecayLR(LambdaLR):
    """The course's exponential schedule: η_t = η₀·c^(t/s) with 0 < c < 1 and step scale s > 0.
    s = 1 gives ``ExponentialLR(gamma=c)``; ``StepLR(s, c)`` is its staircase c^⌊t/s⌋."""

    def __init__(self, optimizer: Optimizer, c: float, s: float = 1.0, last_epoch: int = -1):
        if not 0 < c < 1:
            raise ValueError(f"the decay base c must lie in (0, 1), got c={c}")
        if not s > 0:
            raise ValueError(f"the step scale s must be positive, got s={s}")
        self.c, self.s = c, s
        super().__init__(optimizer, lambda t: self.c ** (t / self.s), last_epoch)


class TransformerLR(LambdaLR):
    """The Transformer paper's schedule (Vaswani et al. 2017), stepped once per optimizer step:
    η_t = η₀ · d_model^−½ · min(n^−½, n·warmup^−³ᐟ²) with n = t + 1 (steps counted from 1): a linear rise
    for ``warmup_steps`` steps, then decay ∝ 1/√n. With the optimizer's lr = 1 this is the paper's lrate
    (d_model=512, warmup_steps=4000)."""

    def __init__(self, optimizer: Optimizer, d_model: int, warmup_steps: int = 4000, last_epoch: int = -1):
        if not d_model > 0:
            raise ValueError(f"d_model must be positive, got {d_model}")
        if not isinstance(warmup_steps, int) or warmup_steps <= 0:
            raise ValueError(f"warmup_steps must be a positive integer, got {warmup_steps!r}")
        self.d_model, self.warmup_steps = d_model, warmup_steps
        super().__init__(optimizer, self._factor, last_epoch)

    def _factor(self, t: int) -> float:
        n = t + 1
        return self.d_model ** -0.5 * min(n ** -0.5, n * self.warmup_steps ** -1.5)
