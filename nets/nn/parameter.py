"""``Parameter``: a tensor that a :class:`~nets.nn.Module` registers as learnable when assigned to it."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _as_array


class Parameter(Tensor):
    """``Parameter(data, requires_grad=True)``: shares ``data``'s array (a tensor or an ndarray)."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            arr = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data.value
        elif isinstance(data, np.ndarray):
            arr = data
        else:
            arr = _as_array(data)
        super().__init__()
        self.value = arr  # share, as torch.nn.Parameter does
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

