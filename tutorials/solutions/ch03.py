"""Chapter 03 · Entropy and losses: solutions."""

import math

import numpy as np

import nets
from nets import nn

DIE = np.array([0.5, 0.1, 0.1, 0.1, 0.1, 0.1])


def exercise_1():
    """Warm-up: the entropy of a loaded die (one face has probability ½) in bits, and its perplexity."""
    h = -np.sum(DIE * np.log2(DIE))
    return h, 2 ** h


def check_1(answer):
    h, ppl = answer
    assert abs(h - (0.5 + 0.5 * math.log2(10))) < 1e-12          # = 2.161 bits
    assert abs(ppl - 2 ** h) < 1e-12 and 1 < ppl < 6              # fewer effective faces than 6


P3 = np.array([0.7, 0.2, 0.1])
Q3 = np.array([0.2, 0.3, 0.5])


def exercise_2():
    """KL(p‖q) and KL(q‖p) in nats for p = P3 = (0.7, 0.2, 0.1) and q = Q3 = (0.2, 0.3, 0.5)."""
    return float(np.sum(P3 * np.log(P3 / Q3))), float(np.sum(Q3 * np.log(Q3 / P3)))


def check_2(answer):
    pq, qp = answer
    assert pq > 0 and qp > 0 and abs(pq - qp) > 0.01, "both positive, and not equal: KL is not symmetric"
    assert abs(pq - 0.6349) < 1e-4 and abs(qp - 0.6758) < 1e-4


LOGITS = np.array([2.0, -1.0, 0.5, 0.0])


def exercise_3():
    """Challenge: the cross-entropy of LOGITS = (2, −1, 0.5, 0) for class 2 with label smoothing ε = 0.1,
    by hand: the target is (1 − ε)·one-hot + ε/K."""
    log_p = LOGITS - np.log(np.sum(np.exp(LOGITS)))
    target = 0.9 * np.eye(4)[2] + 0.1 / 4
    return float(-(target * log_p).sum())


def check_3(value):
    loss = nn.CrossEntropyLoss(label_smoothing=0.1)(nets.tensor(LOGITS[None]), nets.tensor([2])).item()
    assert abs(value - loss) < 1e-6
