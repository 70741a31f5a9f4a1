"""Chapter 06 · Schedules and initialization: solutions."""

import math

import numpy as np

import nets
from nets import nn, optim
from nets.optim import lr_scheduler as sch


def _rates(make, epochs, lr0=0.1):
    p = [nets.zeros(1, requires_grad=True)]
    opt = optim.SGD(p, lr=lr0)
    scheduler = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        scheduler.step()
    return np.array(out)


def exercise_1():
    """Warm-up: the learning rate used in epoch 25 (counting from 0) under StepLR(step_size=10, gamma=0.5)
    from η⁰ = 0.1."""
    return 0.1 * 0.5 ** (25 // 10)


def check_1(lr):
    assert abs(lr - _rates(lambda o: sch.StepLR(o, step_size=10, gamma=0.5), 26)[25]) < 1e-15
    assert abs(lr - 0.025) < 1e-15


def exercise_2():
    """A multiplier for LambdaLR: linear warm-up over 5 epochs, then cosine from 1 down to 0 at epoch 50."""
    def multiplier(epoch, warmup=5, total=50):
        if epoch < warmup:
            return (epoch + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (epoch - warmup) / (total - warmup))))
    return multiplier


def check_2(multiplier):
    rates = _rates(lambda o: sch.LambdaLR(o, multiplier), 55)
    assert abs(rates[0] - 0.02) < 1e-15 and abs(rates[4] - 0.1) < 1e-15      # the warm-up reaches η⁰
    assert abs(rates[5] - 0.1) < 1e-15 and abs(rates[50]) < 1e-15            # then the cosine ends at 0
    assert np.all(np.diff(rates[5:51]) <= 1e-15)


def exercise_3():
    """Challenge: Xavier's uniform bound for a tanh layer with fan_in 300 and fan_out 100 (gain 5/3), and the
    standard deviation of weights drawn with it."""
    bound = 5 / 3 * math.sqrt(6 / (300 + 100))
    w = nn.init.xavier_uniform_(nets.empty(100, 300), gain=nn.init.calculate_gain("tanh")).detach().numpy()
    return bound, float(w.std())


def check_3(answer):
    bound, std = answer
    assert abs(bound - 0.2041241) < 1e-6
    assert abs(std - bound / math.sqrt(3)) < 0.01 * bound           # uniform on (−b, b): std = b/√3
