"""The dtypes, as numpy dtype objects under PyTorch's names, and the default floating dtype.

As in PyTorch, Python floats (and lists of them) become the default dtype, float32; numpy arrays keep
their dtype; integers become int64 and booleans bool.
"""

from __future__ import annotations

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

_DEFAULT = [float32]


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32 unless changed)."""
    return _DEFAULT[0]


def set_default_dtype(dtype) -> None:
    """Make Python floats become ``dtype`` (float32 or float64)."""
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"the default dtype must be a floating dtype, got {d}")
    _DEFAULT[0] = d


def as_dtype(dtype) -> np.dtype:
    """``dtype`` (a nets/numpy dtype, a Python type or a name) as a numpy dtype."""
    if dtype is float:
        return _DEFAULT[0]
    if dtype is int:
        return int64
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r}") from None


def name(dtype) -> str:
    """PyTorch's spelling, e.g. ``nets.float32``."""
    d = np.dtype(dtype)
    return "nets." + ("bool" if d == bool_ else d.name)


_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool"}


def torch_name(dtype) -> str:
    """PyTorch's scalar-type name, as its error messages print it (``Float``, ``Double``, ``Long`` …)."""
    d = np.dtype(dtype)
    return _TORCH_NAMES.get(d.name, d.name)
