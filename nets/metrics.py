"""Classification metrics: accuracy, precision, recall, F1, confusion matrix, ROC AUC.

Inputs may be numpy arrays, lists or ``nets`` tensors. Labels are integers (or booleans); where a
prediction has one more axis than the labels (logits or probabilities of shape (N, K)), the predicted
class is its argmax over the last axis.
"""

from __future__ import annotations

import numpy as np

from autodiff.reverse import Node

__all__ = ["accuracy", "precision", "recall", "f1_score", "confusion_matrix", "roc_auc_score"]

_AVERAGES = ("binary", "macro", "micro", "weighted")


def _array(x, name: str) -> np.ndarray:
    a = np.asarray(x.value if isinstance(x, Node) else x)
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    return a


def _labels(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Flatten both to 1-D label vectors of the same length (argmax of scores if y_pred has an extra axis)."""
    t, p = _array(y_true, "y_true"), _array(y_pred, "y_pred")
    if p.ndim == t.ndim + 1:
        p = p.argmax(axis=-1)
    t, p = t.reshape(-1), p.reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must hold the same number of labels, "
                         f"got {t.shape[0]} and {p.shape[0]}")
    return t, p


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the labels: (1/N) Σ [ŷ_i = y_i]."""
    t, p = _labels(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """C[i, j] = number of examples with true class i predicted as class j (classes 0..K−1)."""
    t, p = _labels(y_true, y_pred)
    t, p = _as_class_indices(t, "y_true"), _as_class_indices(p, "y_pred")
    k = int(max(t.max(), p.max())) + 1 if num_classes is None else int(num_classes)
    if t.max() >= k or p.max() >= k:
        raise ValueError(f"labels must lie in [0, {k - 1}] for num_classes={k}, "
                         f"got max {max(t.max(), p.max())}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def precision(y_true, y_pred, average: str = "binary", pos_label: int = 1) -> float:
    """TP / (TP + FP): of the examples predicted positive, the fraction that are positive (0 if none)."""
    return _prf(y_true, y_pred, average, pos_label)[0]


def recall(y_true, y_pred, average: str = "binary", pos_label: int = 1) -> float:
    """TP / (TP + FN): of the positive examples, the fraction predicted positive (0 if none)."""
    return _prf(y_true, y_pred, average, pos_label)[1]


def f1_score(y_true, y_pred, average: str = "binary", pos_label: int = 1) -> float:
    """F1 = 2·P·R / (P + R), the harmonic mean of precision and recall (0 if both are 0)."""
    return _prf(y_true, y_pred, average, pos_label)[2]


def roc_auc_score(y_true, y_score) -> float:
    """Area under the ROC curve for binary labels: P(score of a random positive > score of a random
    negative), ties counting ½ (the Mann–Whitney U statistic divided by n₊·n₋)."""
    t, s = _array(y_true, "y_true").reshape(-1), _array(y_score, "y_score").astype(np.float64).reshape(-1)
    if t.shape != s.shape:
        raise ValueError(f"y_true and y_score must have the same length, got {t.shape[0]} and {s.shape[0]}")
    classes = np.unique(t)
    if not set(classes.tolist()) <= {0, 1}:
        raise ValueError(f"roc_auc_score needs binary labels 0/1, got classes {classes.tolist()}")
    pos = t == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc_score is undefined when y_true holds only one class")
    ranks = _average_ranks(s)
    u = ranks[pos].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..N of x, tied values sharing the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    # Start of each run of equal values, and the mean rank over that run.
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], x.size]
    mean_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def _as_class_indices(a: np.ndarray, name: str) -> np.ndarray:
    if a.dtype == bool:
        return a.astype(np.int64)
    if not np.issubdtype(a.dtype, np.integer):
        if not np.all(np.mod(a, 1) == 0):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values")
        a = a.astype(np.int64)
    if a.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0, got {a.min()}")
    return a.astype(np.int64)


def _prf(y_true, y_pred, average: str, pos_label: int) -> tuple[float, float, float]:
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    t, p = _labels(y_true, y_pred)
    t, p = _as_class_indices(t, "y_true"), _as_class_indices(p, "y_pred")
    if average == "binary":
        classes = np.union1d(t, p)
        if not set(classes.tolist()) <= {0, 1} or pos_label not in (0, 1):
            raise ValueError(f"average='binary' needs labels 0/1, got classes {classes.tolist()}; "
                             "use average='macro', 'micro' or 'weighted' for more classes")
        tp = np.sum((p == pos_label) & (t == pos_label))
        fp = np.sum((p == pos_label) & (t != pos_label))
        fn = np.sum((p != pos_label) & (t == pos_label))
        return _ratios(tp, fp, fn)
    cm = confusion_matrix(t, p)
    tp = np.diag(cm).astype(np.float64)
    fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    if average == "micro":
        return _ratios(tp.sum(), fp.sum(), fn.sum())
    present = cm.sum(axis=1) + cm.sum(axis=0) > 0  # classes that occur in labels or predictions
    per_class = np.array([_ratios(*c) for c in zip(tp, fp, fn)])[present]
    if average == "macro":
        return tuple(float(v) for v in per_class.mean(axis=0))
    support = cm.sum(axis=1)[present].astype(np.float64)
    return tuple(float(v) for v in (per_class * support[:, None]).sum(axis=0) / support.sum())


def _ratios(tp, fp, fn) -> tuple[float, float, float]:
    prec = tp / (tp + fp) if tp + fp > 0 else 0.0
    rec = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return float(prec), float(rec), float(f1)
