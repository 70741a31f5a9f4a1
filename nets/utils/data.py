"""``torch.utils.data`` under PyTorch's path: the same objects as :mod:`nets.data`."""

from ..data import *  # noqa: F403
from ..data import __all__  # noqa: F401
