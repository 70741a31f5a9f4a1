"""Chapter 09 · The training loop: solutions."""

import numpy as np

import nets
from nets import metrics, nn, optim

CM = np.array([[50, 10], [5, 35]])      # rows: true negative, positive; columns: predicted


def exercise_1():
    """Warm-up: precision, recall and F1 of the positive class from the confusion matrix
    CM = [[50, 10], [5, 35]] (rows: true negative, positive; columns: predicted)."""
    (tn, fp), (fn, tp) = CM
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return precision, recall, 2 * precision * recall / (precision + recall)


def check_1(answer):
    y_true = np.repeat([0, 0, 1, 1], CM.ravel())
    y_pred = np.repeat([0, 1, 0, 1], CM.ravel())
    expected = (metrics.precision(y_true, y_pred), metrics.recall(y_true, y_pred), metrics.f1_score(y_true, y_pred))
    assert np.allclose(answer, expected, atol=1e-12)


def exercise_2():
    """Gradient accumulation with a *mean* loss: two half-batches accumulate twice the full batch's mean
    gradient, so each half's loss must be scaled by this factor."""
    return 0.5


def check_2(scale):
    rng = np.random.default_rng(4)
    X, y = nets.tensor(rng.normal(size=(8, 3))), nets.tensor(rng.normal(size=(8, 1)))
    lin = nn.Linear(3, 1, dtype=nets.float64)
    nn.MSELoss()(lin(X), y).backward()
    full = lin.weight.grad.numpy().copy()
    lin.zero_grad()
    for half in (slice(0, 4), slice(4, 8)):
        (scale * nn.MSELoss()(lin(X[half]), y[half])).backward()
    assert np.allclose(lin.weight.grad.numpy(), full, atol=1e-12)


def exercise_3():
    """Challenge: a loop with ExponentialLR(γ = 0.8) that records the learning rate each epoch *trained*
    at (read it before scheduler.step(), not after)."""
    w = nets.tensor([1.0], dtype=nets.float64, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma=0.8)
    used = []
    for _ in range(5):
        used.append(opt.param_groups[0]["lr"])
        for _ in range(3):                       # three "batches"
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        scheduler.step()
    return used


def check_3(used):
    assert np.allclose(used, 0.1 * 0.8 ** np.arange(5), rtol=1e-12), "epoch k trains at η⁰·γᵏ (k from 0)"
