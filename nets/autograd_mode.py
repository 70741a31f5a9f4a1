"""Whether operations on tensors are recorded: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Under ``no_grad`` a tensor operation computes its value and records nothing (no parents, no primitive):
evaluation and optimizer updates cost only the numpy work. As in PyTorch the mode belongs to the thread
that sets it: ``no_grad()`` in one thread leaves every other thread recording. The switch itself is the eager
level's (``autodiff.reverse.set_grad_enabled``), which records tensor operations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from autodiff import reverse as _reverse


def is_grad_enabled() -> bool:
    """True when tensor operations are recorded for ``backward()`` in this thread."""
    return _reverse.is_grad_enabled()


_set = _reverse.set_grad_enabled


class _Switch:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    mode = True

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set(self.mode)

    def __exit__(self, *exc: Any) -> None:
        _set(self.prev)

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = is_grad_enabled()
            _set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(prev)

        return wrapper


class set_grad_enabled(_Switch):
    """Turn recording on or off: as a call (``set_grad_enabled(False)``), a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self) -> None:
        _set(self.mode)  # prev was taken at construction, when the call switched the mode

    def __call__(self, fn: Callable) -> Callable:
        _set(self.prev)  # used as a decorator: the construction must not change the mode
        return super().__call__(fn)


class no_grad(_Switch):
    """Record nothing inside ``with nets.no_grad():`` (or in a function decorated ``@nets.no_grad()``)."""

    mode = False


class enable_grad(_Switch):
    """Record again inside a ``no_grad`` region."""

    mode = True


class inference_mode(_Switch):
    """``torch.inference_mode``: here the same as ``no_grad`` (nothing is recorded); ``inference_mode(False)``
    records as usual."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode
