"""``nets.func``: PyTorch's ``torch.func.functional_call``, which makes a module a function of its parameters.

``functional_call(model, {"0.weight": W, ...}, (x,))`` is ``model(x)`` computed with ``W`` in place of the
parameter ``0.weight``: f(θ, x) rather than f_θ(x). The values may be tensors, numpy arrays or autodiff tracers, so
autodiff's transformations differentiate a network with respect to its weights::

    loss = lambda p: F.cross_entropy(functional_call(model, p_dict(p), (x,)), y)
    autodiff.grad(loss)(...)        # the same numbers as loss.backward() puts in the parameters' .grad

The module is left exactly as it was (the same Parameter objects), also when the call raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from autodiff.primitives import Tracer

from .nn.module import Module
from .tensor import Tensor, from_numpy

__all__ = ["functional_call"]

_MISSING = object()  # a key that named no attribute before the call (it is removed again afterwards)


def functional_call(module: Module, parameter_and_buffer_dicts: dict[str, Any] | Sequence[dict[str, Any]],
                    args: Any = None, kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with its parameters and buffers replaced by the given values for the call.

    ``parameter_and_buffer_dicts``: ``{dotted name: value}``, or a sequence of such dicts with distinct keys; a value
    is a tensor, a numpy array (used as a tensor sharing its memory) or an autodiff tracer (from ``grad``, ``jvp`` …).
    ``args``: one value or a tuple of them. ``tie_weights``: a value given for one of several names of the same
    tensor replaces it under all of them (different values for tied names are an error). ``strict``: every
    parameter and buffer must be given, and nothing else. As in PyTorch, a name that fits no parameter or buffer
    but whose module exists is set as a plain attribute for the call; afterwards every name holds its original
    object again, and a value the module replaced during the call (``self.b = self.b + 1``) is written back to the
    dict (the single dict given, not a merged copy).
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence) and not isinstance(parameter_and_buffer_dicts, str):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts: dict[str, int] = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    if not isinstance(module, Module):
        raise TypeError(f"functional_call expects a nets.nn.Module, not {type(module).__name__}")
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrize(module, values, tie_weights, strict):
        return module(*args, **kwargs)


# --- the swap ------------------------------------------------------------------------------------------------
def _named_tensors(module: Module, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted name, tensor) of parameters and buffers, tied ones under each of their names (PyTorch's
    ``remove_duplicate=False``)."""
    for name, p in module._parameters.items():
        if p is not None:
            yield prefix + name, p
    for name, b in module._buffers.items():
        if b is not None:
            yield prefix + name, b
    for name, m in module._modules.items():
        if m is not None:
            yield from _named_tensors(m, f"{prefix}{name}.")


def _untie(module: Module, values: dict) -> dict:
    """``values`` with each given value also under the other names of the same tensor (PyTorch's
    ``_untie_named_tensors_map``); different values for one tied tensor are an error."""
    names_of: dict[int, set] = {}
    for name, t in _named_tensors(module):
        names_of.setdefault(id(t), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    given = [name for name in values if name in tied]
    for name in given:
        names = tied[name]
        if len(names.intersection(given)) > 1 and len({id(values[n]) for n in names if n in values}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, which are tied. "
                             "Consider using tie_weights=False")
    untied = dict(values)
    for name in given:
        for other in tied[name]:
            untied[other] = values[name]
    return untied


def _submodule(module: Module, path: str) -> Module:
    m = module
    for attr in path.split(".") if path else ():
        try:
            sub = getattr(m, attr)
        except AttributeError:
            raise AttributeError(f"{type(m).__name__} has no attribute `{attr}`") from None
        if not isinstance(sub, Module):
            raise TypeError(f"submodule `{path}`: {sub!r} is not an instance of nets.nn.Module")
        m = sub
    return m


def _as_value(v):
    """A replacement value as the layers take it: tensors and tracers as they are, arrays as tensors sharing their
    memory (so that in-place changes reach the caller's array, as PyTorch's reach the caller's tensor)."""
    if v is None or v is _MISSING or isinstance(v, Tracer):  # (nets.Tensor is a tracer of the eager level)
        return v
    if isinstance(v, np.ndarray):
        return from_numpy(v)
    if isinstance(v, np.generic):
        return from_numpy(np.asarray(v))
    raise TypeError(f"{v!r} is not an instance of nets.Tensor, numpy.ndarray or an autodiff tracer; functional_call "
                    "replaces parameters and buffers with one of these")


def _swap(module: Module, name: str, value):
    """Put ``value`` in the slot ``name`` (dotted) and return what was there (``_MISSING``: nothing)."""
    path, _, attr = name.rpartition(".")
    m = _submodule(module, path)
    if not attr:
        raise KeyError('tensor name can\'t be empty string ""')
    d = m.__dict__
    for table in ("_parameters", "_buffers"):
        slots = d[table]
        if attr in slots:
            old = slots[attr]
            if value is _MISSING:
                del slots[attr]
            else:
                slots[attr] = value  # (directly: a tracer is not a Parameter, which setattr would insist on)
            return old
    if hasattr(m, attr):
        old = getattr(m, attr)
        if old is not None and not isinstance(old, (Tensor, Tracer, np.ndarray)):
            raise TypeError(f"attribute `{attr}`: {old!r} is not a tensor, so functional_call cannot replace it")
    else:
        old = _MISSING
    if value is not _MISSING:
        setattr(m, attr, value)
    elif hasattr(m, attr):
        delattr(m, attr)
    return old


def _swap_all(module: Module, values: dict) -> dict:
    """Swap every value in; on an error, swap back what was done and raise."""
    originals: dict = {}
    try:
        for name, v in values.items():
            originals[name] = _swap(module, name, v)
    except Exception:
        for name, old in originals.items():
            _swap(module, name, old)
        raise
    return originals


@contextmanager
def _reparametrize(module: Module, values: dict, tie_weights: bool, strict: bool):
    untied = _untie(module, values) if tie_weights else values
    if strict:
        valid = {name for name, _ in _named_tensors(module)}
        missing, unexpected = sorted(valid - set(untied)), sorted(set(untied) - valid)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(type(module).__name__,
                                                                                "\n\t".join(msgs)))
    converted: dict = {}  # id of a given value -> the value the layers get (one per object, so ties stay ties)
    swapped_in = {}
    for name, v in untied.items():
        if id(v) not in converted:
            converted[id(v)] = _as_value(v)
        swapped_in[name] = converted[id(v)]
    originals: dict = {}
    try:
        originals = _swap_all(module, swapped_in)
        yield
    finally:
        now = _swap_all(module, originals)
        # A module that replaced a value during the call (self.b = self.b + 1): the new value goes back to the dict.
        for name in values:
            if name in now and now[name] is not swapped_in[name]:
                values[name] = now[name]
