"""Chapter 10 · A training recipe: solutions."""

import math
import tracemalloc

import numpy as np

import nets
from nets import nn
from nets.models import MLP
from nets.nn.utils import clip_grad_norm_


def exercise_1():
    """Warm-up: clip the gradient g = (3, 4) to norm at most 1 by hand."""
    g = np.array([3.0, 4.0])
    norm = np.linalg.norm(g)
    return g * min(1.0, 1.0 / norm)


def check_1(clipped):
    p = nets.tensor([0.0, 0.0], dtype=nets.float64, requires_grad=True)
    p.grad = nets.tensor([3.0, 4.0], dtype=nets.float64)
    clip_grad_norm_([p], max_norm=1.0)
    assert np.allclose(clipped, p.grad.numpy(), atol=1e-7) and np.allclose(clipped, [0.6, 0.8], atol=1e-7)


def exercise_2():
    """The floor of the double-softmax bug with K = 10 classes: the smallest cross-entropy a model can
    reach when CrossEntropyLoss receives probabilities in [0, 1] instead of logits."""
    return math.log(1 + 9 / math.e)


def check_2(floor):
    best_inputs = nets.tensor(np.eye(10)[:1])                   # probability 1 on the true class, 0 elsewhere
    assert abs(floor - nn.CrossEntropyLoss()(best_inputs, nets.tensor([0])).item()) < 1e-6


def _peak_mib(depth):
    nets.manual_seed(0)
    model = MLP([256] + [256] * depth + [10])
    x = nets.randn(256, 256)
    tracemalloc.start()
    out = model(x).sum()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del out
    return peak / 2 ** 20


def exercise_3():
    """Challenge: how much memory does each extra hidden layer (256 units, batch 256, float32) add to the
    recorded graph? Measure the slope in MiB per layer, and explain it: 256·256·4 bytes is 0.25 MiB, and
    each layer keeps two such arrays — the Linear layer's output and the ReLU's output."""
    return (_peak_mib(12) - _peak_mib(4)) / 8


def check_3(mib_per_layer):
    assert abs(mib_per_layer - 2 * 256 * 256 * 4 / 2 ** 20) < 0.05
