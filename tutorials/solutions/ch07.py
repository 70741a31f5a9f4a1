"""Chapter 07 · Normalization: solutions."""

import numpy as np

import nets
from nets import nn

BATCH = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [6.0, 0.0]])


def exercise_1():
    """Warm-up: batch norm by hand (γ = 1, β = 0, ε = 1e-5, training mode) of the batch
    BATCH = [[1, 10], [2, 20], [3, 30], [6, 0]]."""
    mu, var = BATCH.mean(axis=0), BATCH.var(axis=0)
    return (BATCH - mu) / np.sqrt(var + 1e-5)


def check_1(out):
    expected = nn.BatchNorm1d(2, dtype=nets.float64)(nets.tensor(BATCH)).detach().numpy()
    assert np.allclose(out, expected, atol=1e-12)


def exercise_2():
    """The running variance of a fresh BatchNorm1d(2) after the batches BATCH, 2·BATCH and BATCH + 1
    (momentum 0.1; mind which variance the running average uses)."""
    running = np.ones(2)
    for b in (BATCH, 2 * BATCH, BATCH + 1):
        running = 0.9 * running + 0.1 * b.var(axis=0, ddof=1)      # the unbiased variance
    return running


def check_2(running):
    bn = nn.BatchNorm1d(2, dtype=nets.float64)
    for b in (BATCH, 2 * BATCH, BATCH + 1):
        bn(nets.tensor(b))
    assert np.allclose(running, bn.running_var.numpy(), atol=1e-12)


def exercise_3():
    """Challenge: in evaluation mode batch norm is an affine map y = a·x + c per feature. Train a
    BatchNorm1d(2) with γ = (2, 0.5), β = (1, −1) on BATCH once, switch it to eval, and return
    (layer, a, c)."""
    bn = nn.BatchNorm1d(2, dtype=nets.float64)
    with nets.no_grad():
        bn.weight.data[...] = [2.0, 0.5]
        bn.bias.data[...] = [1.0, -1.0]
    bn(nets.tensor(BATCH))
    mean, var = bn.running_mean.numpy(), bn.running_var.numpy()
    a = np.array([2.0, 0.5]) / np.sqrt(var + 1e-5)
    return bn.eval(), a, np.array([1.0, -1.0]) - a * mean


def check_3(answer):
    bn, a, c = answer
    x = np.random.default_rng(7).normal(size=(5, 2))
    assert not bn.training
    assert np.allclose(bn(nets.tensor(x)).detach().numpy(), a * x + c, atol=1e-12)
