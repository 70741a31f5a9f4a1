import numpy as np
import pytest

from nets import metrics


def _counts(t, p, c):
    tp = np.sum((p == c) & (t == c))
    fp = np.sum((p == c) & (t != c))
    fn = np.sum((p != c) & (t == c))
    return tp, fp, fn


def test_accuracy_labels_and_scores():
    t = np.array([0, 1, 2, 2, 1])
    assert metrics.accuracy(t, [0, 1, 1, 2, 0]) == pytest.approx(3 / 5)
    scores = np.eye(3)[[0, 1, 1, 2, 0]] + 0.1
    assert metrics.accuracy(t, scores) == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match="same number"):
        metrics.accuracy([0, 1], [0, 1, 1])


def test_confusion_matrix_against_loop():
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = np.zeros((4, 4), int)
    for a, b in zip(t, p):
        expected[a, b] += 1
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p), expected)
    assert metrics.confusion_matrix([0, 1], [1, 1], num_classes=3).shape == (3, 3)
    with pytest.raises(ValueError, match="num_classes"):
        metrics.confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_binary_precision_recall_f1():
    t = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    p = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    tp, fp, fn = 3, 1, 1
    assert metrics.precision(t, p) == pytest.approx(tp / (tp + fp))
    assert metrics.recall(t, p) == pytest.approx(tp / (tp + fn))
    pr, rc = tp / (tp + fp), tp / (tp + fn)
    assert metrics.f1_score(t, p) == pytest.approx(2 * pr * rc / (pr + rc))
    assert metrics.precision(t, p, pos_label=0) == pytest.approx(3 / 4)
    # No positive predictions: precision is 0 by convention, not a division error.
    assert metrics.precision([1, 0], [0, 0]) == 0.0 and metrics.f1_score([1, 0], [0, 0]) == 0.0


def test_multiclass_averages():
    rng = np.random.default_rng(2)
    t, p = rng.integers(0, 3, 100), rng.integers(0, 3, 100)
    per = []
    for c in range(3):
        tp, fp, fn = _counts(t, p, c)
        pr, rc = tp / (tp + fp), tp / (tp + fn)
        per.append((pr, rc, 2 * pr * rc / (pr + rc), np.sum(t == c)))
    per = np.array(per)
    assert metrics.f1_score(t, p, average="macro") == pytest.approx(per[:, 2].mean())
    assert metrics.precision(t, p, average="weighted") == pytest.approx(
        (per[:, 0] * per[:, 3]).sum() / per[:, 3].sum())
    # Micro-averaged precision, recall and F1 all equal accuracy for single-label problems.
    for f in (metrics.precision, metrics.recall, metrics.f1_score):
        assert f(t, p, average="micro") == pytest.approx(metrics.accuracy(t, p))
    with pytest.raises(ValueError, match="binary"):
        metrics.f1_score(t, p)
    with pytest.raises(ValueError, match="average"):
        metrics.f1_score(t, p, average="samples")


def test_roc_auc_against_pairwise_definition():
    rng = np.random.default_rng(3)
    t = rng.integers(0, 2, 60)
    s = np.round(rng.normal(size=60) + t, 1)  # rounding creates ties
    pos, neg = s[t == 1], s[t == 0]
    diff = pos[:, None] - neg[None, :]
    expected = ((diff > 0) + 0.5 * (diff == 0)).mean()
    assert metrics.roc_auc_score(t, s) == pytest.approx(expected, abs=1e-12)
    assert metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.roc_auc_score([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    with pytest.raises(ValueError, match="only one class"):
        metrics.roc_auc_score([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="binary"):
        metrics.roc_auc_score([0, 2], [0.2, 0.3])
