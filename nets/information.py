"""Information theory on discrete distributions: entropy, cross-entropy, KL divergence, perplexity,
mutual information.

Every function takes ``base`` (2 for bits, the default; ``math.e`` or ``"e"`` for nats). The convention
0·log 0 = 0 holds throughout. Distributions are the last axis of an array-like, so a batch of
distributions gives a batch of values.
"""

from __future__ import annotations

import math

import numpy as np

from autodiff.reverse import Node

__all__ = ["entropy", "binary_entropy", "cross_entropy", "kl_divergence", "perplexity", "mutual_information"]

_TOL = 1e-6


def _log_base(base) -> float:
    """ln(base), so that log_base(x) = ln(x) / ln(base)."""
    if base == "e":
        return 1.0
    if isinstance(base, str) or not base > 0 or base == 1:
        raise ValueError(f"base must be a positive number other than 1 (2 for bits, math.e for nats), "
                         f"got {base!r}")
    return math.log(base)


def _distribution(p, name: str) -> np.ndarray:
    """Check that the last axis of ``p`` is a probability distribution (non-negative, sums to 1)."""
    p = np.asarray(p.value if isinstance(p, Node) else p, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one outcome along its last axis, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite non-negative probabilities")
    total = p.sum(axis=-1)
    if not np.allclose(total, 1.0, atol=_TOL, rtol=0):
        raise ValueError(f"{name} must sum to 1 along its last axis, got sum(s) {np.round(total, 8)}")
    return p


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·ln(y) with 0·ln(anything) = 0."""
    out = np.zeros(np.broadcast(x, y).shape)
    mask = np.broadcast_to(x != 0, out.shape)
    xb, yb = np.broadcast_to(x, out.shape), np.broadcast_to(y, out.shape)
    with np.errstate(divide="ignore"):
        out[mask] = xb[mask] * np.log(yb[mask])
    return out


def _result(values: np.ndarray):
    values = values + 0.0  # −Σ 0·log 0 is −0.0; report a certain outcome's entropy as 0.0
    return float(values) if values.ndim == 0 else values


def entropy(p, base=2):
    """H(p) = −Σ_k p_k log p_k, in [0, log K]: 0 for a point mass, log K for the uniform distribution."""
    p = _distribution(p, "p")
    return _result(-_xlogy(p, p).sum(axis=-1) / _log_base(base))


def binary_entropy(theta, base=2):
    """H(θ) = −θ log θ − (1−θ) log(1−θ), the entropy of a coin with P(heads) = θ ∈ [0, 1]; H(½) = 1 bit."""
    theta = np.asarray(theta.value if isinstance(theta, Node) else theta, dtype=np.float64)
    if not np.all(np.isfinite(theta)) or np.any((theta < 0) | (theta > 1)):
        raise ValueError("theta must lie in [0, 1]")
    h = -(_xlogy(theta, theta) + _xlogy(1 - theta, 1 - theta)) / _log_base(base)
    return _result(h)


def cross_entropy(p, q, base=2):
    """H(p, q) = −Σ_k p_k log q_k ≥ H(p); +∞ where some q_k = 0 < p_k."""
    p, q = _distribution(p, "p"), _distribution(q, "q")
    _same_outcomes(p, q)
    return _result(-_xlogy(p, q).sum(axis=-1) / _log_base(base))


def kl_divergence(p, q, base=2):
    """KL(p‖q) = Σ_k p_k log(p_k / q_k) = H(p, q) − H(p) ≥ 0; zero iff p = q; +∞ where q_k = 0 < p_k."""
    p, q = _distribution(p, "p"), _distribution(q, "q")
    _same_outcomes(p, q)
    return _result((_xlogy(p, p) - _xlogy(p, q)).sum(axis=-1) / _log_base(base))


def perplexity(p, base=2):
    """PPL = base^H(p), H taken in the same base (so the value does not depend on it); uniform over K: K."""
    return _result(np.power(_base_value(base), np.asarray(entropy(p, base))))


def mutual_information(joint, base=2):
    """I(X;Y) = KL(P(X,Y) ‖ P(X)P(Y)) = H(X) − H(X|Y) ≥ 0 from a joint table P[x, y] summing to 1."""
    joint = np.asarray(joint.value if isinstance(joint, Node) else joint, dtype=np.float64)
    if joint.ndim != 2:
        raise ValueError(f"joint must be a 2-D table P[x, y], got shape {joint.shape}")
    _distribution(joint.reshape(-1), "joint")
    px, py = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    mi = (_xlogy(joint, joint) - _xlogy(joint, px * py)).sum() / _log_base(base)
    return max(float(mi), 0.0)  # round-off can leave a tiny negative value for independent variables


def _base_value(base) -> float:
    _log_base(base)
    return math.e if base == "e" else float(base)


def _same_outcomes(p: np.ndarray, q: np.ndarray) -> None:
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p and q must have the same number of outcomes, got shapes {p.shape} and {q.shape}")
