"""Chapter 11 · Backpropagation: solutions."""

import numpy as np

import autodiff as ad
import nets
from nets import nn


def exercise_1():
    """Warm-up: the output δ = ∂L/∂a for a sigmoid output with binary cross-entropy, at a = 0.3, t = 1."""
    return 1 / (1 + np.exp(-0.3)) - 1.0


def check_1(delta):
    loss = lambda a: -ad.log(ad.sigmoid(a))                              # noqa: E731 (t = 1)
    assert abs(delta - ad.grad(loss)(0.3)) < 1e-14


W1 = np.array([[0.5, -0.3], [0.8, 0.2]])      # hidden (2) × input (2): w_ji
W2 = np.array([[1.5, -2.0]])                  # output (1) × hidden (2)
X = np.array([0.4, -0.7])
T = 0.25


def exercise_2():
    """The hidden δ_j = h'(a_j)Σ_k w_kj δ_k of a 2 → 2 (tanh) → 1 (identity) network with loss ½(y − t)²,
    weights W1 = [[0.5, −0.3], [0.8, 0.2]] and W2 = [[1.5, −2]], input X = (0.4, −0.7), target T = 0.25."""
    a1 = W1 @ X
    z1 = np.tanh(a1)
    y = W2 @ z1
    delta_out = y - T
    return (1 - z1 ** 2) * (W2.T @ delta_out)


def check_2(delta_hidden):
    def loss(a1):
        return 0.5 * ad.sum((ad.matmul(W2, ad.tanh(a1)) - T) ** 2)
    assert np.allclose(delta_hidden, ad.grad(loss)(W1 @ X), atol=1e-14)


def exercise_3():
    """Challenge: for a batch, ∂L/∂W = Δᵀ Z (each row of Δ the δ's of one example, each row of Z its
    inputs). Compute it for a Linear layer with a summed ½-squared error."""
    rng = np.random.default_rng(5)
    Z, Tb = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    layer = nn.Linear(4, 3, dtype=nets.float64)
    W, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    delta = Z @ W.T + b - Tb
    return layer, Z, Tb, delta.T @ Z


def check_3(answer):
    layer, Z, Tb, grad_w = answer
    (0.5 * ((layer(nets.tensor(Z)) - nets.tensor(Tb)) ** 2).sum()).backward()
    assert np.allclose(grad_w, layer.weight.grad.numpy(), atol=1e-12)
