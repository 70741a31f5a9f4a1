"""The optimizer base class: parameter groups with per-group options, state per parameter, zero_grad, and
state dicts, as in ``torch.optim.Optimizer``.

A subclass supplies ``defaults`` (its options) and ``_update(group, params)``, which applies one step to the
parameters of a group that have a gradient. Updates work on ``p.value`` (the numpy array behind ``p.data``) in
place: the step is a hot path and must not build graph nodes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autodiff.reverse import Node

from ..autograd_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _Required:
    """Marks an option that has no default and must be given (like ``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class. ``params`` is an iterable of tensors or of dicts ``{"params": [...], <option>: value}``
    (parameter groups, each overriding ``defaults`` for its own parameters)."""

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        if isinstance(params, Node):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- groups ------------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing options take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("param_group must have a 'params' entry")
        if isinstance(params, Node):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Node):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if p.prim is not None:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = {k: v for k, v in param_group.items() if k != "params"}
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        self._check_options(group)
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if existing & {id(p) for p in params}:
            raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        self.param_groups.append(group)
        self._init_group_state(group)

    def _check_options(self, group: dict) -> None:
        """Raise ValueError for invalid option values (subclasses check their own)."""

    def _init_group_state(self, group: dict) -> None:
        """Create state that exists from construction on (Adagrad's accumulator); most create it lazily."""

    # -- stepping ----------------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear gradients: ``p.grad = None`` (the default, as in PyTorch ≥ 2.0) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.value[...] = 0

    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a gradient. ``closure`` re-evaluates the model and returns
        the loss (it is called first, with gradients enabled); its loss is returned."""
        loss = None
        if closure is not None:
            with enable_grad():  # as in PyTorch: the closure computes gradients even under no_grad()
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update(group, params)
                for p in params:  # changed in place: a graph that saved the old value must not use it (PyTorch)
                    p._vbox[0] += 1
        return loss

    def _update(self, group: dict, params: list) -> None:
        raise NotImplementedError

    # -- state dicts -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"state": {index: {name: value}}, "param_groups": [{option: value, "params": [index, ...]}]}``,
        parameters numbered in group order, as in PyTorch. Arrays are copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and per-parameter state saved by :meth:`state_dict` from an optimizer over
        parameters of the same shapes in the same group structure. Floating state takes each parameter's
        dtype."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"an optimizer state dict has exactly the keys ['param_groups', 'state'], got {keys}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} saved, {len(self.param_groups)} in the optimizer)")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {i} has {len(saved['params'])} saved parameters and "
                                 f"{len(group['params'])} in the optimizer")
        by_index = {i: p for saved, group in zip(saved_groups, self.param_groups)
                    for i, p in zip(saved["params"], group["params"])}
        new_state: dict = {}
        for key, entry in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"loaded state dict has state for parameter {key}, which no group contains")
            restored = {}
            for name, value in entry.items():
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    if value.shape != p.value.shape:
                        raise ValueError(f"state {name!r} of parameter {key} has shape {value.shape}, "
                                         f"but the parameter has shape {p.value.shape}")
                    value = value.astype(p.value.dtype) if np.issubdtype(value.dtype, np.floating) else value.copy()
                elif isinstance(value, np.ndarray):  # a 0-d array (a step counter read back from a file)
                    value = value.item()
                restored[name] = value
            new_state[p] = restored
        # Everything checked: now change state.
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        lines.append(")")
        return "\n".join(lines)


def _non_negative(group: dict, key: str, label: str) -> None:
    """PyTorch's check and message for an option that must be >= 0."""
    if not 0.0 <= group[key]:
        raise ValueError(f"Invalid {label}: {group[key]}")
