"""nn.init: gains, fans, bounds and standard deviations as in PyTorch; generators make it reproducible."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nets
from nets import nn
from nets.nn import init


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(2 / 6)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans():
    assert init._calculate_fan_in_and_fan_out(nets.empty(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(nets.empty(4, 2, 3)) == (6, 12)
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        init.xavier_uniform_(nets.empty(5))


def _big():
    return nets.empty(300, 200, dtype=nets.float64)


@pytest.mark.parametrize("fill,bound", [
    (lambda t, g: init.uniform_(t, -0.3, 0.2, generator=g), (-0.3, 0.2)),
    (lambda t, g: init.xavier_uniform_(t, generator=g), math.sqrt(6 / 500)),
    (lambda t, g: init.xavier_uniform_(t, gain=2.0, generator=g), 2 * math.sqrt(6 / 500)),
    (lambda t, g: init.kaiming_uniform_(t, generator=g), math.sqrt(2) * math.sqrt(3 / 200)),  # a = 0
    (lambda t, g: init.kaiming_uniform_(t, nonlinearity="relu", mode="fan_out", generator=g),
     math.sqrt(2) * math.sqrt(3 / 300)),
    (lambda t, g: init.kaiming_uniform_(t, a=math.sqrt(5), generator=g), 1 / math.sqrt(200)),
])
def test_uniform_initializers_fill_their_interval(fill, bound):
    lo, hi = bound if isinstance(bound, tuple) else (-bound, bound)
    t = fill(_big(), nets.Generator().manual_seed(0))
    v = t.data.numpy()
    assert v.min() >= lo and v.max() <= hi
    assert v.min() < lo + 0.01 * (hi - lo) and v.max() > hi - 0.01 * (hi - lo)
    assert abs(v.mean() - (lo + hi) / 2) < 0.01 * (hi - lo)
    assert abs(v.std() - (hi - lo) / math.sqrt(12)) < 0.01 * (hi - lo)


@pytest.mark.parametrize("fill,std", [
    (lambda t, g: init.normal_(t, 0.0, 0.3, generator=g), 0.3),
    (lambda t, g: init.xavier_normal_(t, generator=g), math.sqrt(2 / 500)),
    (lambda t, g: init.kaiming_normal_(t, nonlinearity="relu", generator=g), math.sqrt(2) / math.sqrt(200)),
    (lambda t, g: init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh", generator=g), 5 / 3 / math.sqrt(300)),
])
def test_normal_initializers_have_their_deviation(fill, std):
    v = fill(_big(), nets.Generator().manual_seed(1)).data.numpy()
    assert abs(v.std() - std) < 0.01 * std  # 60 000 draws: the standard error of the std is 0.3%
    assert abs(v.mean()) < 0.02 * std


def test_constants_and_in_place_semantics():
    p = nn.Parameter(nets.empty(2, 3))
    arr = p.data.numpy()
    assert init.constant_(p, 0.5) is p and p.data.numpy() is arr and np.all(arr == 0.5)
    assert np.all(init.zeros_(p).data.numpy() == 0) and np.all(init.ones_(p).data.numpy() == 1)
    np.testing.assert_array_equal(init.eye_(p).data.numpy(), np.eye(2, 3))
    assert p.grad is None and p.is_leaf and p.requires_grad  # no graph is recorded


def test_generators_make_initialization_reproducible():
    a = init.kaiming_normal_(nets.empty(4, 4), generator=nets.Generator().manual_seed(3)).data.numpy()
    b = init.kaiming_normal_(nets.empty(4, 4), generator=nets.Generator().manual_seed(3)).data.numpy()
    np.testing.assert_array_equal(a, b)
    nets.manual_seed(8)
    c = init.xavier_uniform_(nets.empty(3, 3)).data.numpy().copy()
    nets.manual_seed(8)
    np.testing.assert_array_equal(c, init.xavier_uniform_(nets.empty(3, 3)).data.numpy())
    assert a.dtype == np.float32
