"""``Embedding``: a lookup table of vectors, ``weight[indices]`` (one ``getitem``, so the gradient of each row is
the sum of the adjoints of the positions that looked it up)."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..random import Generator, rng
from ..tensor import Tensor, _value
from . import functional as F
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, padding_idx=None)``: weight (num, dim) drawn from N(0, 1), as
    PyTorch; the row ``padding_idx`` starts at zero and receives no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm=None, norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight=None, _freeze: bool = False, dtype=None, generator: Generator | None = None) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("nets.nn.Embedding: max_norm, scale_grad_by_freq and sparse are not provided")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        if _weight is None:
            w = rng(generator).standard_normal((num_embeddings, embedding_dim)).astype(d)
            if padding_idx is not None:
                w[padding_idx] = 0
        else:
            w = np.asarray(_value(_weight))
        self.weight = Parameter(w, requires_grad=not _freeze)

    def forward(self, input) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    @classmethod
    def from_pretrained(cls, embeddings, freeze: bool = True, padding_idx: int | None = None) -> Embedding:
        rows, cols = np.shape(_value(embeddings))
        return cls(rows, cols, padding_idx=padding_idx, _weight=np.array(_value(embeddings)), _freeze=freeze)
