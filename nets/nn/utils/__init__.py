"""Utilities on parameters: gradient clipping (``torch.nn.utils`` names)."""

from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
