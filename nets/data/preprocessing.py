"""Preprocessing: standardization fitted on the training split only, train/test splits (optionally
stratified, or by group so that related examples never straddle the split), one-hot encoding."""

from __future__ import annotations

import numpy as np

from autodiff.reverse import Node

from ..random import Generator, rng

__all__ = ["StandardScaler", "train_test_split", "one_hot"]


def _array(x, name: str) -> np.ndarray:
    a = np.asarray(x.value if isinstance(x, Node) else x)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (examples × features), got shape {a.shape}")
    return a


class StandardScaler:
    """z = (x − μ)/σ per feature, with μ and σ (the population standard deviation) from ``fit`` — call it
    on the training split only, then ``transform`` validation and test data with the same μ, σ. Constant
    features get σ = 1 (they become 0, never NaN)."""

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X) -> StandardScaler:
        X = _array(X, "X")
        if X.shape[0] == 0:
            raise ValueError("cannot fit a StandardScaler on zero examples")
        mean, std = X.mean(axis=0), X.std(axis=0)
        self.mean_, self.scale_ = mean, np.where(std > 0, std, 1.0)
        return self

    def transform(self, X) -> np.ndarray:
        if self.mean_ is None:
            raise RuntimeError("this StandardScaler is not fitted yet; call fit(X_train) first")
        X = _array(X, "X")
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features, but the scaler was fitted on {self.mean_.shape[0]}")
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        if self.mean_ is None:
            raise RuntimeError("this StandardScaler is not fitted yet; call fit(X_train) first")
        return _array(Z, "Z") * self.scale_ + self.mean_

    def state_dict(self) -> dict:
        if self.mean_ is None:
            raise RuntimeError("this StandardScaler is not fitted yet")
        return {"mean": self.mean_.copy(), "scale": self.scale_.copy()}

    def load_state_dict(self, state: dict) -> None:
        if set(state) != {"mean", "scale"}:
            raise ValueError(f"a StandardScaler state has the keys ['mean', 'scale'], got {sorted(state)}")
        mean, scale = np.asarray(state["mean"], np.float64), np.asarray(state["scale"], np.float64)
        if mean.shape != scale.shape or mean.ndim != 1:
            raise ValueError(f"mean and scale must be 1-D of one length, got {mean.shape} and {scale.shape}")
        self.mean_, self.scale_ = mean, scale


def train_test_split(*arrays, test_size: float | int = 0.25, stratify=None, groups=None,
                     seed: int | None = None, generator: Generator | None = None) -> list[np.ndarray]:
    """Shuffle and split each array (same first dimension) into train and test parts:
    ``X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)``.

    ``test_size`` is a fraction in (0, 1) or a count. ``stratify`` (labels) keeps each class's share in both
    parts. ``groups`` keeps each group (e.g. a molecule's conformations) wholly on one side; the test part
    then holds about ``test_size`` of the groups.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    arrays = [np.asarray(a.value if isinstance(a, Node) else a) for a in arrays]
    n = arrays[0].shape[0]
    for a in arrays:
        if a.shape[0] != n:
            raise ValueError(f"all arrays must have the same first dimension, got {[a.shape for a in arrays]}")
    if stratify is not None and groups is not None:
        raise ValueError("pass stratify or groups, not both")
    if seed is not None and generator is not None:
        raise ValueError("pass either seed or generator, not both")
    r = np.random.default_rng(seed) if seed is not None else rng(generator)

    def count(m: int) -> int:
        k = int(round(test_size * m)) if isinstance(test_size, float) else int(test_size)
        if isinstance(test_size, float) and not 0 < test_size < 1:
            raise ValueError(f"test_size as a fraction must lie in (0, 1), got {test_size}")
        if not 0 < k < m:
            raise ValueError(f"test_size={test_size} leaves an empty train or test part of {m} items")
        return k

    if groups is not None:
        g = np.asarray(groups)
        if g.shape[0] != n:
            raise ValueError(f"groups has {g.shape[0]} entries for {n} examples")
        names = np.unique(g)
        test_groups = r.permutation(names)[:count(names.size)]
        test_mask = np.isin(g, test_groups)
    elif stratify is not None:
        labels = np.asarray(stratify)
        if labels.shape[0] != n:
            raise ValueError(f"stratify has {labels.shape[0]} labels for {n} examples")
        k = count(n)
        test_mask = np.zeros(n, bool)
        for c in np.unique(labels):
            idx = r.permutation(np.flatnonzero(labels == c))
            test_mask[idx[:int(round(k * idx.size / n))]] = True
    else:
        test_mask = np.zeros(n, bool)
        test_mask[r.permutation(n)[:count(n)]] = True
    train_idx = r.permutation(np.flatnonzero(~test_mask))
    test_idx = r.permutation(np.flatnonzero(test_mask))
    out = []
    for a in arrays:
        out += [a[train_idx], a[test_idx]]
    return out


def one_hot(labels, num_classes: int | None = None) -> np.ndarray:
    """Y[i, k] = 1 if labels[i] = k else 0, shape (N, K), float64."""
    y = np.asarray(labels.value if isinstance(labels, Node) else labels)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got shape {y.shape} and dtype {y.dtype}")
    k = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must lie in [0, {k - 1}], got range [{y.min()}, {y.max()}]")
    return np.eye(k)[y]
