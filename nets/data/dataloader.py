"""``DataLoader``: batches of a dataset, reshuffled every epoch, with PyTorch's default collation.

Batch gradient descent, stochastic gradient descent and mini-batch SGD are ``batch_size = N``, ``1`` and
``B``. A ``TensorDataset`` (or a ``Subset`` of one) with the default collation takes a fast path: each batch
is one numpy fancy-indexing per tensor instead of stacking examples one by one.
"""

from __future__ import annotations

import collections.abc as abc
import math
from collections.abc import Callable, Iterator

import numpy as np

from ..random import Generator, rng
from ..tensor import Tensor, from_numpy
from .dataset import Dataset, Subset, TensorDataset

__all__ = ["DataLoader", "default_collate", "default_convert"]

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


def default_collate(batch: list):
    """Stack a list of examples into a batch: tensors and numpy arrays are stacked along a new first axis,
    Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor; strings stay a list;
    dicts are collated key by key, tuples and lists position by position (returned as lists, as in PyTorch,
    namedtuples as their own type)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) != 1:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got shapes {sorted(shapes)}")
        return from_numpy(np.stack([b.value for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUS":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return from_numpy(np.stack(batch))
    if isinstance(elem, np.generic):
        return from_numpy(np.array(batch))
    if isinstance(elem, bool):
        return from_numpy(np.array(batch, dtype=bool))
    if isinstance(elem, float):
        return from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        if len({len(e) for e in batch}) != 1:
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(_COLLATE_ERROR.format(type(elem).__name__))


def default_convert(data):
    """Convert one example without batching: numpy arrays and numbers become tensors, containers recurse."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUS":
        return from_numpy(data)
    if isinstance(data, np.generic):
        return from_numpy(np.asarray(data))
    if isinstance(data, abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


def _tensor_arrays(dataset) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """(arrays, index map) if ``dataset`` is a TensorDataset, possibly inside Subsets, else None."""
    index_map = None
    while isinstance(dataset, Subset):
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if type(dataset) is TensorDataset:
        return [t.value for t in dataset.tensors], index_map
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (``None``: one example at a time, unbatched).

    ``shuffle=True`` draws a fresh permutation at the start of every epoch (from ``generator``, else from the
    default generator that ``nets.manual_seed`` seeds); ``drop_last`` drops a final incomplete batch;
    ``collate_fn`` turns a list of examples into a batch (default: :func:`default_collate`).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: Generator | None = None,
                 collate_fn: Callable[[list], object] | None = None):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a nets.Generator, not {type(generator).__name__}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        try:
            len(dataset)
        except TypeError:
            raise TypeError(f"dataset must define __len__ and __getitem__, got {type(dataset).__name__}") from None
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self._fast = collate_fn is None and batch_size is not None and _tensor_arrays(dataset) is not None

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        return rng(self.generator).permutation(n) if self.shuffle else np.arange(n)

    def __iter__(self) -> Iterator:
        order = self._order()
        n = order.size
        if self.batch_size is None:
            for i in order:
                yield default_convert(self.dataset[int(i)])
            return
        bs = self.batch_size
        stop = n - n % bs if self.drop_last else n
        if self._fast:
            arrays, index_map = _tensor_arrays(self.dataset)
            if index_map is not None:
                order = index_map[order]
            for start in range(0, stop, bs):
                idx = order[start:start + bs]
                yield [from_numpy(a[idx]) for a in arrays]
            return
        collate = self.collate_fn or default_collate
        for start in range(0, stop, bs):
            yield collate([self.dataset[int(i)] for i in order[start:start + bs]])

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
