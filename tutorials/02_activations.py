# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Activation functions
#
# **What you will learn.** What each of the course's activation functions looks like, what its derivative
# is, and which one to use where (sigmoid, tanh, ReLU, Leaky ReLU and pReLU, GELU, softmax).
#
# **Why it matters.** The derivative of the activation multiplies every gradient that flows back through a
# layer; a poor choice makes deep networks stop learning.
#
# Without a nonlinearity between them, stacked linear layers collapse into one linear map. The
# activation g in H = g(XW + b) is what lets a multilayer perceptron bend. This chapter plots the
# course's activations next to their derivatives — and the derivatives are not typed in: `autodiff`
# computes them from the primitives, and we check them against the textbook formulas.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
import nets.nn.functional as F
from nets import nn

z = np.linspace(-4.0, 4.0, 801)


def derivative(act, points):
    """Elementwise derivative of an elementwise function: the gradient of Σ act(z)."""
    return ad.grad(lambda u: ad.sum(act(u)))(points)


# %% [markdown]
# ## The activations, written with autodiff's primitives
#
# * sigmoid σ(z) = 1/(1 + e^{−z}), with σ' = σ(1 − σ)
# * tanh(z) = (1 − e^{−2z})/(1 + e^{−2z}) = 2σ(2z) − 1, with tanh' = 1 − tanh²
# * ReLU(z) = max(z, 0); its derivative at 0 is taken to be 0 (as PyTorch does)
# * Leaky ReLU / pReLU: max(z, 0) + α·min(z, 0)
# * GELU(z) = z·Φ(z) = ½z(1 + erf(z/√2)) (exact), and the tanh approximation
#   ½z(1 + tanh(√(2/π)(z + 0.044715z³)))

# %%
SQRT2 = math.sqrt(2.0)


def leaky_relu(u, alpha=0.01):
    return ad.maximum(u, 0.0) + alpha * ad.minimum(u, 0.0)


def gelu(u):
    return 0.5 * u * (1.0 + ad.erf(u / SQRT2))


def gelu_tanh(u):
    return 0.5 * u * (1.0 + ad.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u ** 3)))


def gelu_sigmoid(u):
    return u * ad.sigmoid(1.702 * u)


activations = {
    "sigmoid": ad.sigmoid,
    "tanh": ad.tanh,
    "ReLU": ad.relu,
    "Leaky ReLU (α=0.1, for visibility)": lambda u: leaky_relu(u, 0.1),
    "GELU (exact)": gelu,
    "GELU (tanh approx.)": gelu_tanh,
}

fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
for ax, (name, act) in zip(axes.flat, activations.items()):
    ax.plot(z, act(z), label="g(z)")
    ax.plot(z, derivative(act, z), "--", label="g'(z) by autodiff")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_title(name)
    ax.legend(fontsize=8)
for ax in axes[1]:
    ax.set_xlabel("pre-activation z")
for ax in axes[:, 0]:
    ax.set_ylabel("g(z) and g'(z)")
fig.suptitle("Activations and their derivatives (reverse-mode autodiff)")
fig.tight_layout()
savefig(fig, "02_activations.png")

# %% [markdown]
# ## Checking the derivatives against the formulas
#
# Sigmoid's derivative peaks at z = 0 with value ¼ — which is why deep stacks of sigmoids make
# gradients shrink: each layer multiplies the signal by at most 0.25.

# %%
s = ad.sigmoid(z)
ds = derivative(ad.sigmoid, z)
assert np.allclose(ds, s * (1 - s), atol=1e-15)
assert abs(ds.max() - 0.25) < 1e-15 and z[np.argmax(ds)] == 0.0
assert np.allclose(ad.sigmoid(-z), 1 - s, atol=1e-15)              # σ(−z) = 1 − σ(z)

th = ad.tanh(z)
assert np.allclose(derivative(ad.tanh, z), 1 - th ** 2, atol=1e-15)
assert np.allclose(th, 2 * ad.sigmoid(2 * z) - 1, atol=1e-15)     # tanh is a rescaled sigmoid

relu_grad = derivative(ad.relu, np.array([-1.0, 0.0, 1.0]))
print("ReLU' at (−1, 0, 1):", relu_grad)
assert relu_grad.tolist() == [0.0, 0.0, 1.0]                      # ReLU'(0) := 0

phi = np.exp(-z ** 2 / 2) / math.sqrt(2 * math.pi)
Phi = 0.5 * (1 + np.vectorize(math.erf)(z / SQRT2))
assert np.allclose(derivative(gelu, z), Phi + z * phi, atol=1e-14)   # GELU' = Φ + zφ

# %% [markdown]
# A sigmoid written naively as 1/(1 + exp(−z)) overflows for z = −1000 (exp(1000) = inf); the
# library's sigmoid is computed in a form that never exponentiates a large positive number.

# %%
with np.errstate(over="raise", invalid="raise"):   # overflow would be an error here
    extreme = ad.sigmoid(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
print(extreme)
assert extreme[0] == 0.0 and extreme[-1] == 1.0 and extreme[2] == 0.5
assert np.all(np.isfinite(derivative(ad.sigmoid, np.array([-1000.0, 1000.0]))))

# %% [markdown]
# ## GELU: exact versus its approximations
#
# GELU(1) = Φ(1) = 0.8413447 exactly; the tanh form gives 0.8411920. Across the line the tanh form stays
# within 4.7·10⁻⁴ of the exact curve (worst near z ≈ −2.70), while the cruder z·σ(1.702z) is off by up
# to 2·10⁻².

# %%
wide = np.linspace(-8, 8, 160001)
exact_g = gelu(wide)
err_tanh = np.abs(gelu_tanh(wide) - exact_g)
err_sig = np.abs(gelu_sigmoid(wide) - exact_g)
print(f"GELU(1): exact {gelu(1.0):.7f}, tanh {gelu_tanh(1.0):.7f}")
print(f"max |tanh − exact| = {err_tanh.max():.2e} at z = {wide[np.argmax(err_tanh)]:.2f}")
print(f"max |zσ(1.702z) − exact| = {err_sig.max():.2e}")
assert round(gelu(1.0), 7) == 0.8413447 and round(gelu_tanh(1.0), 7) == 0.8411920
assert 4.6e-4 < err_tanh.max() < 4.8e-4 and abs(wide[np.argmax(err_tanh)] + 2.70) < 0.02
assert 1.9e-2 < err_sig.max() < 2.1e-2

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(wide, err_tanh + 1e-18, label="tanh approximation")
ax.semilogy(wide, err_sig + 1e-18, label="z·σ(1.702 z)")
ax.set_xlabel("z")
ax.set_ylabel("|approx − exact GELU|")
ax.set_title("How far the two GELU approximations are from the exact GELU")
ax.legend()
fig.tight_layout()
savefig(fig, "02_gelu_approximations.png")

# %% [markdown]
# The layer `nn.GELU()` computes the exact form; `nn.GELU(approximate="tanh")` switches to the tanh
# formula, as PyTorch's option does. The two layers give exactly the two numbers above at z = 1.

# %%
z1 = nets.tensor([1.0], dtype=nets.float64)
assert round(float(nn.GELU()(z1).numpy()[0]), 7) == 0.8413447
assert round(float(nn.GELU(approximate="tanh")(z1).numpy()[0]), 7) == 0.8411920

# %% [markdown]
# ## Leaky ReLU versus pReLU (quiz 6)
#
# Both are max(z, 0) + α·min(z, 0). In **Leaky ReLU** α is a fixed hyperparameter (PyTorch:
# `LeakyReLU(negative_slope=0.01)`); in **pReLU** α is a *parameter* learned by gradient descent with
# the weights (PyTorch: `PReLU(num_parameters=1, init=0.25)`, optionally one α per channel). Learning α
# needs ∂g/∂α = min(z, 0), which autodiff supplies. Here we recover a slope of 0.3 from data, starting at
# PyTorch's 0.25.

# %%
rng = np.random.default_rng(0)
zs = rng.normal(size=200)
target = leaky_relu(zs, 0.3)


def prelu_loss(alpha):
    return ad.mean((leaky_relu(zs, alpha) - target) ** 2)


alpha = 0.25
loss_and_grad = ad.value_and_grad(prelu_loss)
for _ in range(200):
    value, g_alpha = loss_and_grad(alpha)
    alpha -= 2.0 * g_alpha
print(f"learned α = {alpha:.6f}, loss {value:.2e}")
assert abs(alpha - 0.3) < 1e-6

# %% [markdown]
# ## Softmax and log-softmax, computed stably
#
# softmax(a)ₖ = e^{aₖ}/Σⱼ e^{aⱼ} does not change when the same constant is subtracted from every aⱼ, so it
# is computed with the maximum subtracted first, and no exponential can overflow. Its logarithm is
# log-softmax(a)ₖ = aₖ − logsumexp(a), where logsumexp(a) = m + log Σⱼ e^{aⱼ − m} with m = maxⱼ aⱼ. The
# naive formula fails for logits of size 10³ already; nets' versions are exact at 10⁴.

# %%
big = np.array([[1e4, 0.0, -1e4], [3.0, 1.0, 0.2]])
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum(axis=1, keepdims=True)
stable = F.softmax(nets.tensor(big), dim=1).numpy()
log_stable = F.log_softmax(nets.tensor(big), dim=1).numpy()
print("naive softmax of [1e4, 0, −1e4]:", naive[0], "  nets:", stable[0], "  log-softmax:", log_stable[0])
assert np.isnan(naive[0]).any() and np.allclose(stable[0], [1, 0, 0])
assert np.allclose(log_stable[0], [0.0, -1e4, -2e4])
e = np.exp(big[1] - big[1].max())
assert np.allclose(stable[1], e / e.sum(), atol=1e-15) and np.allclose(stable.sum(axis=1), 1)

# %% [markdown]
# A note on the notes site (E24): its line labelled "Swish(z)" is actually the SwiGLU gate, and its GLU
# z ⊙ σ(wz + b) is non-standard — the usual GLU multiplies one linear projection of the input by the
# sigmoid of a *second* projection, (xW + b) ⊙ σ(xV + c).


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch02 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Where is σ'(z) largest, and how large is it? (autodiff on a grid)

# %% tags=["solution"]
from solutions.ch02 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# A log-sigmoid that never overflows: log σ(z) = −softplus(−z) = −(max(−z, 0) + log(1 + e^{−|z|})).

# %% tags=["solution"]
from solutions.ch02 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# GELU's derivative Φ(z) + zφ(z), written by hand, against autodiff; the largest gap.

# %% tags=["solution"]
from solutions.ch02 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
