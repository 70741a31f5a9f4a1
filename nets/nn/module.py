"""``Module``: the base of every layer and network, as in PyTorch.

Assigning a :class:`Parameter` or a ``Module`` to an attribute registers it, so ``parameters()``,
``named_parameters()``, ``state_dict()`` and ``train()``/``eval()`` reach every sub-module. State-dict keys
are PyTorch's (``"0.weight"``, ``"layers.1.bias"``, ``"bn.running_mean"``), so weights move between
``nets`` and PyTorch as ``{k: torch.from_numpy(v)}`` and back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class: subclasses set parameters and sub-modules in ``__init__`` and define ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- registration --------------------------------------------------------------------------------
    def _check_init(self) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}.__init__ must call super().__init__() before assigning "
                                 "parameters or sub-modules")

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            self._check_init()
            self._discard(name)
            d["_parameters"][name] = value
        elif isinstance(value, Module):
            self._check_init()
            self._discard(name)
            d["_modules"][name] = value
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} "
                                "(expected a nets.nn.Parameter or None)")
            d["_parameters"][name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r} (expected a Tensor or None)")
            d["_buffers"][name] = value
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to sub-module {name!r} (expected a Module)")
            d["_modules"][name] = None
        else:
            object.__setattr__(self, name, value)

    def _discard(self, name: str) -> None:
        d = self.__dict__
        d.pop(name, None)
        for table in ("_parameters", "_buffers", "_modules"):
            d[table].pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            t = d.get(table)
            if t is not None and name in t:
                return t[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for table in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(table, {}):
                del self.__dict__[table][name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_init()
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"parameter {name!r} must be a nets.nn.Parameter or None, not {type(param).__name__}")
        self._discard(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep ``tensor`` as state: in ``state_dict`` (unless not persistent), moved by ``to()``, not learned."""
        self._check_init()
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"buffer {name!r} must be a Tensor or None, not {type(tensor).__name__}")
        self._discard(name)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        self._check_init()
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{name!r} must be a Module or None, not {type(module).__name__}")
        self._discard(name)
        self._modules[name] = module

    register_module = add_module

    # --- traversal ------------------------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs with PyTorch's dotted names; a shared parameter appears once."""
        seen: set = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mprefix, m in modules:
            for name, p in m._parameters.items():
                if p is None or (remove_duplicate and id(p) in seen):
                    continue
                seen.add(id(p))
                yield (f"{mprefix}.{name}" if mprefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        seen: set = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mprefix, m in modules:
            for name, b in m._buffers.items():
                if b is None or id(b) in seen:
                    continue
                seen.add(id(b))
                yield (f"{mprefix}.{name}" if mprefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first), then on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and gradients --------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.value[...] = 0

    # --- dtype -----------------------------------------------------------------------------------------
    def to(self, *args, **kwargs) -> Module:
        """``to(dtype)`` converts every floating parameter and buffer in place; ``to("cpu")`` is a no-op."""
        dtype = kwargs.get("dtype")
        if "device" in kwargs:
            _dt.check_device(kwargs["device"])
        for a in args:
            if _dt.is_device(a):
                _dt.check_device(a)
            else:
                dtype = a
        if dtype is not None:
            d = _dt.as_dtype(dtype)
            if d.kind != "f":
                raise TypeError(f"Module.to() only accepts floating dtypes, got {d}")
            for t in [*self.parameters(), *self.buffers()]:
                if t.value.dtype.kind == "f":
                    t.value = t.value.astype(d)
                    if t.grad is not None:
                        t.grad.value = t.grad.value.astype(d)
        return self

    def double(self) -> Module:
        return self.to(_dt.float64)

    def float(self) -> Module:
        return self.to(_dt.float32)

    def cpu(self) -> Module:
        return self

    def cuda(self, device=None) -> Module:
        _dt.check_device("cuda")
        return self

    # --- state -----------------------------------------------------------------------------------------
    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """Every parameter and persistent buffer under PyTorch's key names, as PyTorch: detached tensors that share
        the module's memory (copy them, ``{k: v.clone() ...}``, to keep a snapshot), or the parameters themselves
        with ``keep_vars``."""
        out = OrderedDict() if destination is None else destination
        for mprefix, m in self.named_modules(prefix=prefix.rstrip(".")):
            base = f"{mprefix}." if mprefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars else p.detach()
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[base + name] = b if keep_vars else b.detach()
        return out

    def _state_tensors(self) -> OrderedDict:
        return self.state_dict(keep_vars=True)

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays into the parameters and buffers (same keys and shapes as ``state_dict()``).

        Everything is checked first: with ``strict`` a missing or unexpected key is an error, and a shape
        mismatch always is; nothing changes unless every check passes.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a mapping of names to arrays, not {type(state_dict).__name__}")
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        updates = []
        for k, t in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            arr = np.asarray(v.value if isinstance(v, Tensor) else (v.detach().cpu().numpy() if hasattr(v, "detach")
                                                                      else v))
            if arr.shape != t.value.shape:
                problems.append(f"{k!r}: the checkpoint has shape {tuple(arr.shape)}, the model has "
                                f"{tuple(t.value.shape)}")
                continue
            try:  # converted now, so that a value that cannot be converted fails before anything changes
                arr = arr.astype(t.value.dtype, casting="unsafe")
            except (TypeError, ValueError) as e:
                problems.append(f"{k!r}: the checkpoint's {arr.dtype} values cannot be converted to "
                                f"{t.value.dtype} ({e})")
                continue
            updates.append((t, arr))
        if problems:
            raise RuntimeError(f"error loading state_dict into {type(self).__name__}: " + "; ".join(problems))
        for t, arr in updates:
            # In place, so that optimizers holding these parameters keep working.
            if t.value.flags.writeable:
                np.copyto(t.value, arr)
                t._vbox[0] += 1  # changed in place (PyTorch copies under no_grad, which counts a version)
            else:
                t.value = arr
        return IncompatibleKeys(missing, unexpected)

    # --- printing --------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, m in self._modules.items():
            text = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        head = type(self).__name__ + "("
        if not self._modules:
            return head + extra + ")"
        return head + "\n" + "\n".join("  " + ln for ln in lines) + "\n)"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))
