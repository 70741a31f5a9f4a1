"""Random numbers: a :class:`Generator` per stream and a default one that ``nets.manual_seed`` resets.

Every random operation in ``nets`` (``randn``, ``rand``, initializers, dropout, shuffling) takes an
optional ``generator`` and otherwise draws from the default generator, so one ``manual_seed(s)`` makes a
whole run reproducible. The stream is numpy's PCG64 (numbers differ from PyTorch's, seeds work alike).
"""

from __future__ import annotations

import numpy as np

from .dtypes import check_device

DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so that an unseeded run is still repeatable


class Generator:
    """A random stream. ``Generator().manual_seed(0)`` (chainable) restarts it from a seed."""

    def __init__(self, device: str = "cpu", seed: int | None = None) -> None:
        if device != "cpu":
            raise ValueError(f"nets runs on the CPU only; got device {device!r}")
        self.manual_seed(DEFAULT_SEED if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (a non-negative int); returns the generator."""
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"a seed must be a non-negative integer, got {seed}")
        self._seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Reseed from fresh operating-system entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy % (2**63))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        """The stream's full state (a dict), for ``set_state``."""
        return {"seed": self._seed, "bit_generator": self.numpy.bit_generator.state}

    def set_state(self, state: dict) -> Generator:
        if not isinstance(state, dict) or "bit_generator" not in state:
            raise ValueError("set_state expects a dict returned by Generator.get_state()")
        self._seed = state.get("seed", self._seed)
        self.numpy.bit_generator.state = state["bit_generator"]
        return self

    def __repr__(self) -> str:
        return f"<nets.Generator seed={self._seed}>"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and return it), as ``torch.manual_seed``."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The numpy stream to draw from: ``generator``'s, else the default generator's."""
    if generator is None:
        return default_generator.numpy
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a nets.Generator, not {type(generator).__name__}")
    return generator.numpy


# --------------------------------------------------------------------------------- random tensors
def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _float(dtype):
    from . import dtypes

    d = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"random floats need a floating dtype, got {d}")
    return d


def randn(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False):
    """Standard normal samples of shape ``size``."""
    if device is not None:
        check_device(device)
    from .tensor import _make

    d = _float(dtype)
    v = rng(generator).standard_normal(_size(size), dtype=d if d in (np.float32, np.float64) else np.float64)
    return _make(v.astype(d, copy=False), requires_grad)


def rand(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False):
    """Uniform samples on [0, 1) of shape ``size``."""
    if device is not None:
        check_device(device)
    from .tensor import _make

    d = _float(dtype)
    v = rng(generator).random(_size(size), dtype=d if d in (np.float32, np.float64) else np.float64)
    return _make(v.astype(d, copy=False), requires_grad)


def randint(low: int, high: int | None = None, size=(), generator: Generator | None = None, dtype=None, device=None):
    """Integers uniform on [low, high) (int64), like ``torch.randint``."""
    if device is not None:
        check_device(device)
    from .tensor import _make

    if high is None:
        low, high = 0, low
    v = rng(generator).integers(low, high, size=tuple(size), dtype=np.int64)
    return _make(v if dtype is None else v.astype(dtype), False)


def randperm(n: int, generator: Generator | None = None, dtype=None, device=None):
    """A random permutation of 0 … n−1 (int64)."""
    if device is not None:
        check_device(device)
    from .tensor import _make

    v = rng(generator).permutation(int(n)).astype(np.int64)
    return _make(v if dtype is None else v.astype(dtype), False)


def randn_like(x, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False):
    if device is not None:
        check_device(device)
    return randn(*x.shape, generator=generator, dtype=dtype or x.dtype, requires_grad=requires_grad)


def rand_like(x, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False):
    if device is not None:
        check_device(device)
    return rand(*x.shape, generator=generator, dtype=dtype or x.dtype, requires_grad=requires_grad)


def bernoulli(p, generator: Generator | None = None):
    """1 with probability ``p`` (a tensor of probabilities), else 0; same shape and dtype as ``p``."""
    from .tensor import _make, _value

    pv = np.asarray(_value(p))
    return _make((rng(generator).random(pv.shape) < pv).astype(pv.dtype), False)
