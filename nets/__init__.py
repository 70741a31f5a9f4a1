"""nets: PyTorch-style networks on autodiff's reverse-mode engine.

>>> import nets
>>> x = nets.tensor([[1.0, 2.0]], requires_grad=True)
>>> loss = (x * x).sum()
>>> loss.backward()          # autodiff.reverse.backward: the one adjoint sweep
>>> x.grad
tensor([[2., 4.]])

``nets.nn`` holds modules, layers, losses and initializers; ``nets.optim``, ``nets.data``,
``nets.train``, ``nets.func`` (``functional_call``) … are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import autograd, dtypes, nn
from .autograd_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import (
    bool_,
    device,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .ops import (
    abs,
    allclose,
    amax,
    argmax,
    argmin,
    argsort,
    bmm,
    cat,
    ceil,
    chunk,
    clamp,
    clip,
    concatenate,
    cos,
    cumsum,
    dot,
    equal,
    erf,
    exp,
    expm1,
    flatten,
    floor,
    gather,
    isclose,
    isfinite,
    isinf,
    isnan,
    log,
    log1p,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    neg,
    nonzero,
    norm,
    numel,
    permute,
    pow,
    prod,
    relu,
    repeat_interleave,
    reshape,
    round,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sum,
    tan,
    tanh,
    topk,
    transpose,
    unsqueeze,
    var,
    where,
)
from .random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from .tensor import (
    Size,
    Tensor,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)

bool = bool_  # noqa: A001 - PyTorch's name for the dtype
float = float32  # noqa: A001 - PyTorch's aliases: torch.float is float32, torch.int int32, torch.long int64
int = int32  # noqa: A001

__all__ = [  # noqa: RUF022
    "autograd",
    "Generator", "Tensor", "abs", "allclose", "amax", "arange", "argmax", "argmin", "as_tensor",
    "bernoulli", "bool", "bool_", "cat", "clamp", "clip", "concatenate", "cos", "default_generator",
    "double", "dtypes", "empty", "empty_like", "enable_grad", "equal", "erf", "exp", "eye", "flatten",
    "float16", "float32", "float64", "from_numpy", "full", "full_like", "get_default_dtype",
    "get_rng_state", "half", "initial_seed", "int16", "int32", "int64", "int8", "is_grad_enabled",
    "is_tensor", "isclose", "linspace", "log", "log_softmax", "logsumexp", "long", "manual_seed",
    "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "nn", "no_grad", "numel", "ones",
    "ones_like", "permute", "pow", "rand", "rand_like", "randint", "randn", "randn_like", "randperm",
    "relu", "reshape", "seed", "set_default_dtype", "set_grad_enabled", "set_rng_state", "short",
    "sigmoid", "sin", "softmax", "sqrt", "square", "squeeze", "stack", "std", "sum", "tanh", "tensor",
    "transpose", "uint8", "unsqueeze", "var", "where", "zeros", "zeros_like",
    "Size", "argsort", "bmm", "ceil", "chunk", "cuda", "cumsum", "device", "dot", "expm1", "float", "floor", "gather",
    "inference_mode", "int", "isfinite", "isinf", "isnan", "linalg", "log1p", "neg", "nonzero", "norm", "prod",
    "repeat_interleave", "round", "sign", "sort", "split", "tan", "topk", "utils", "func",
]

# Subpackages that build on this one, imported on first use (PEP 562) so that `import nets` stays
# light and works while they are being written.
_LAZY_MODULES = ("optim", "data", "models", "train", "metrics", "information", "serialization", "utils", "cuda",
                 "linalg", "func")
_LAZY_NAMES = {"save": "serialization", "load": "serialization"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES))
