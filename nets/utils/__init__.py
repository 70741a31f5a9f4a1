"""``nets.utils.data``: PyTorch's ``torch.utils.data`` path to :mod:`nets.data`."""

from . import data

__all__ = ["data"]
