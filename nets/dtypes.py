"""The dtypes, as numpy dtype objects under PyTorch's names, and the default floating dtype.

As in PyTorch, Python floats (and lists of them) become the default dtype, float32; numpy arrays keep
their dtype; integers become int64 and booleans bool.
"""

from __future__ import annotations

import numpy as np

from autodiff.primitives import Tracer, primal

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


_C10_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int8": "signed char",
              "int16": "short int", "int32": "int", "int64": "long int", "uint8": "unsigned char", "bool": "bool"}


def dtype_of(x) -> np.dtype | None:
    """The dtype of an array, a tensor or any autodiff tracer, read from its metadata, never from its values (so it
    works on a value staged without one); None for Python numbers, which adapt to the other operand's dtype."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    if not isinstance(x, Tracer):
        return None
    if isinstance(primal(x), (int, float)) and not isinstance(primal(x), Tracer):
        return None  # (a traced Python number adapts as the number does)
    return np.dtype(x.dtype)


_dtype = dtype_of


def check_matmul(a, b) -> None:
    """PyTorch's error for a matrix product of two dtypes (it promotes elementwise operations, not these)."""
    da, db = _dtype(a), _dtype(b)
    if da is None or db is None or da == db:
        return
    na, nb = np.ndim(getattr(a, "value", a)), np.ndim(getattr(b, "value", b))
    A, B = torch_name(da), torch_name(db)
    if na == 1 and nb == 1:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {A} and {B}")
    if na >= 3 or nb >= 3:
        raise RuntimeError(f"expected scalar type {A} but found {B}")
    if na == 2 and nb == 1:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {B}, {A}, and {B}")
    raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C10_NAMES.get(da.name, da.name)} != "
                       f"{_C10_NAMES.get(db.name, db.name)}")


def check_linear(x, w, b=None) -> None:
    """PyTorch's errors for ``linear`` (x Wᵀ + b) on operands of different dtypes."""
    dx, dw = _dtype(x), _dtype(w)
    if b is None:
        if dx is not None and dw is not None and dx != dw:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C10_NAMES.get(dx.name)} != "
                               f"{_C10_NAMES.get(dw.name)}")
        return
    db = _dtype(b)
    if dx is not None and dw is not None and dx != dw:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {torch_name(dx)} and {torch_name(dw)}")
    if db is not None and dw is not None and db != dw:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {torch_name(db)} and {torch_name(dw)}")


def check_norm_params(x, *params) -> None:
    """PyTorch's errors for a normalization whose input and parameters have different dtypes."""
    dx = _dtype(x)
    ds = {d for d in map(_dtype, params) if d is not None}
    if ds and ds != {dx}:
        if dx == float32:
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of {torch_name(dx)}")
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


# --- devices: the CPU only, so that device boilerplate runs --------------------------------------------------
class device:  # noqa: N801 - PyTorch's name
    """``nets.device("cpu")``; any other device type is a clear error."""

    def __init__(self, type: str = "cpu", index: int | None = None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        kind, _, num = str(type).partition(":")
        self.type = kind
        self.index = int(num) if num else index
        check_device(self)

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + ("" if self.index is None else f", index={self.index}") + ")"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        return str(self) == str(other) or (isinstance(other, str) and other == self.type and self.index is None)

    def __hash__(self) -> int:
        return hash(str(self))


def is_device(x) -> bool:
    return isinstance(x, device) or isinstance(x, str) and x.partition(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu")


def check_device(d) -> None:
    kind = d.type if isinstance(d, device) else str(d).partition(":")[0]
    if kind != "cpu":
        raise RuntimeError(f"nets runs on the CPU only, so device {str(d)!r} is not available "
                           "(nets.cuda.is_available() is False); use 'cpu'")
