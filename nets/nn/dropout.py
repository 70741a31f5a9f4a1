"""``Dropout``: inverted dropout in training (survivors scaled by 1/(1 − p)), identity in eval."""

from __future__ import annotations

from ..random import Generator
from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each entry with probability ``p`` (0.5) while training; ``generator`` fixes the masks."""

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be between 0 and 1, got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
