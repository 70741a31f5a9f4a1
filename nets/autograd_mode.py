"""Whether operations on tensors are recorded: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Under ``no_grad`` a tensor operation computes its value and records nothing (no parents, no primitive):
evaluation and optimizer updates cost only the numpy work.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class _Mode:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


MODE = _Mode()  # read by Tensor._apply on every operation


def is_grad_enabled() -> bool:
    """True when tensor operations are recorded for ``backward()``."""
    return MODE.enabled


class _Switch:
    """Base of no_grad / enable_grad: a context manager that is also a decorator."""

    mode = True

    def __enter__(self) -> None:
        self.prev = MODE.enabled
        MODE.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        MODE.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = MODE.enabled
            MODE.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                MODE.enabled = prev

        return wrapper


class set_grad_enabled(_Switch):
    """Turn recording on or off: as a call (``set_grad_enabled(False)``), a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = MODE.enabled
        self.mode = bool(mode)
        MODE.enabled = self.mode

    def __enter__(self) -> None:
        MODE.enabled = self.mode  # prev was taken at construction, when the call switched the mode

    def __call__(self, fn: Callable) -> Callable:
        MODE.enabled = self.prev  # used as a decorator: the construction must not change the mode
        return super().__call__(fn)


class no_grad(_Switch):
    """Record nothing inside ``with nets.no_grad():`` (or in a function decorated ``@nets.no_grad()``)."""

    mode = False


class enable_grad(_Switch):
    """Record again inside a ``no_grad`` region."""

    mode = True
