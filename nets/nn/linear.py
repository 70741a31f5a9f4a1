"""``Linear``: y = x Wᵀ + b, one fused primitive (``linear``) in the graph."""

from __future__ import annotations

import math

import numpy as np

from autodiff.primitives import REGISTRY

from .. import dtypes as _dt
from ..random import Generator
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_LINEAR = REGISTRY["linear"]
_NO_PARAMS: dict = {}


class Linear(Module):
    """``Linear(in_features, out_features, bias=True)``: weight (out, in) and bias (out,).

    PyTorch's initialization: weight by ``kaiming_uniform_(a=√5)`` and bias by U(−1/√in, 1/√in), so both
    are U(−1/√in_features, 1/√in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None,
                 generator: Generator | None = None) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear needs non-negative sizes, got in_features={in_features}, "
                             f"out_features={out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=d))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: Generator | None = None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        shape = input.value.shape if isinstance(input, Tensor) else np.shape(input)
        if not shape or shape[-1] != self.in_features:
            raise F.ShapeError(f"Linear(in_features={self.in_features}, out_features={self.out_features}) got input "
                               f"of shape {tuple(shape)}: its last dimension must be {self.in_features}")
        params = self._parameters
        bias = params["bias"]
        w = params["weight"]
        # (dtypes from metadata only: under nets.func.functional_call the parameters may be autodiff tracers)
        wd = w.value.dtype if isinstance(w, Tensor) else _dt.dtype_of(w)
        xd = input.value.dtype if isinstance(input, Tensor) else _dt.dtype_of(input)
        if xd is not None and xd != wd or bias is not None and (
                bias.value.dtype if isinstance(bias, Tensor) else _dt.dtype_of(bias)) != wd:
            _dt.check_linear(input, w, bias)
        if bias is None:
            return Tensor._apply(_LINEAR, (input, w), _NO_PARAMS)
        return Tensor._apply(_LINEAR, (input, w, bias), _NO_PARAMS)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
