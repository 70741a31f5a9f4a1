"""``nets.autograd``, PyTorch's ``torch.autograd``: ``grad`` (gradients of outputs with respect to chosen tensors,
optionally recorded for higher derivatives), ``functional`` (Jacobians, Hessians and products with them of a
function of tensors) and the grad-mode switches.

Every derivative comes from the one reverse sweep (``autodiff.reverse.backward``); ``create_graph=True``
records that sweep on the eager level, so its results can be differentiated again.
"""

from __future__ import annotations

from ..autograd_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ..tensor import grad
from . import functional

__all__ = ["grad", "functional", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]
