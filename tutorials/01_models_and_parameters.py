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
# # 01 · Models and parameters
#
# **What you will learn.** How the three single-layer models (linear, logistic, softmax regression) are
# built, what their losses are and why, how to derive their gradients by hand, and when the closed form
# beats gradient descent.
#
# **Why it matters.** Every network in this course is these models stacked; their gradients, Xᵀ(prediction −
# target), reappear in every later chapter.
#
# A model is a function with adjustable numbers, its *parameters* w; training picks
# ŵ = argmin_w L(w) for a loss L measured on data. The three classic single-layer networks —
# linear, logistic and softmax regression — differ only in the output's link function and the loss
# that matches it. For each we derive the gradient by hand, then let `autodiff` and `nets` confirm it.
# At the end, stacking such layers with nonlinearities between them gives the multilayer perceptron.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
from nets import nn
from nets.data import make_blobs, make_linear_regression
from nets.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression

nets.manual_seed(0)

# %% [markdown]
# ## 1. Linear regression
#
# ### The model and its likelihood
#
# y = wᵀx + b. Folding the bias into w by appending a feature that is always 1 (the course's exercises
# put it **last**) gives y = wᵀx. Probabilistically, y | x ~ N(wᵀx, σ²), and the negative
# log-likelihood of N independent examples is
#
# $$\mathrm{NLL}(w) = \frac{N}{2}\log(2\pi\sigma^2) + \frac{1}{2\sigma^2}\sum_{i=1}^N (y_i - w^\top x_i)^2 .$$
#
# The first term does not depend on w, so maximizing the likelihood *is* least squares.

# %%
N, d = 200, 3
X_raw, y, w_true = make_linear_regression(n_samples=N, n_features=d, noise=0.3, bias=1.0, seed=0)
X = np.hstack([X_raw, np.ones((N, 1))])          # the design matrix X ∈ ℝ^{N×(d+1)}, bias column last
sigma = 0.3
w_try = np.array([0.5, 0.2, 0.1, 0.9])
mu = X @ w_try
gauss_logpdf = -0.5 * np.log(2 * math.pi * sigma ** 2) - (y - mu) ** 2 / (2 * sigma ** 2)
nll_formula = N / 2 * math.log(2 * math.pi * sigma ** 2) + ((y - mu) ** 2).sum() / (2 * sigma ** 2)
assert abs(-gauss_logpdf.sum() - nll_formula) < 1e-9

# %% [markdown]
# ### The design matrix, the gradient, the normal equations (quiz 1)
#
# With ŷ = Xw and L(w) = ½‖y − Xw‖², expanding gives L = ½(wᵀXᵀXw − 2wᵀXᵀy + yᵀy), so
#
# $$\nabla L = X^\top(Xw - y).$$
#
# Setting it to zero gives the *normal equations* XᵀXw = Xᵀy, hence ŵ = (XᵀX)⁻¹Xᵀy — unique only when X
# has full column rank (otherwise XᵀX is singular and infinitely many w fit equally well).

# %%
def half_sse(w):
    r = X @ w - y
    return ad.sum(r * r) / 2


g_auto = ad.grad(half_sse)(w_try)
g_hand = X.T @ (X @ w_try - y)
assert np.allclose(g_auto, g_hand, rtol=1e-13)

w_normal = np.linalg.solve(X.T @ X, X.T @ y)          # the textbook closed form
model_cf = LinearRegression(d, dtype=nets.float64).fit_closed_form(X_raw, y)   # least squares via SVD
w_cf = np.append(model_cf.linear.weight.detach().numpy().ravel(), model_cf.linear.bias.item())
print("true w, b:", w_true.round(3), 1.0, "  closed form:", w_cf.round(3))
assert np.allclose(w_normal, w_cf, atol=1e-10)
assert np.allclose(ad.grad(half_sse)(w_cf), 0, atol=1e-9)

# %% [markdown]
# ### Gradient descent reaches the same answer
#
# Now the same model trained with `nets`: a `LinearRegression` module, the mean-squared-error loss and
# plain SGD on the full batch.

# %%
model = LinearRegression(d, dtype=nets.float64)
optimizer = nets.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
Xt, yt = nets.tensor(X_raw), nets.tensor(y.reshape(-1, 1))
losses = []
for _ in range(300):
    loss = loss_fn(model(Xt), yt)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
w_gd = np.append(model.linear.weight.detach().numpy().ravel(), model.linear.bias.item())
print(f"gradient descent after 300 steps: {w_gd.round(6)};  |w_gd − w_closed| = {np.abs(w_gd - w_cf).max():.1e}")
assert np.abs(w_gd - w_cf).max() < 1e-6

fig, ax = plt.subplots(figsize=(5.5, 3.5))
ax.semilogy(np.array(losses) - losses[-1] + 1e-16)
ax.set_xlabel("step")
ax.set_ylabel("MSE − final MSE")
ax.set_title("Linear regression by gradient descent")
fig.tight_layout()
savefig(fig, "01_linear_regression_gd.png")

# %% [markdown]
# ### Which normalisation? (E11)
#
# The course writes the squared error three ways: a plain sum ½Σ (from the likelihood), (1/2N)Σ as
# "MSE", and PyTorch's `MSELoss`, the mean **without** the ½. The minimizer is the same, but the gradient
# — and therefore the usable learning rate — differs:
#
# | loss | gradient |
# |---|---|
# | ½‖Xw − y‖² | Xᵀ(Xw − y) |
# | (1/2N)‖Xw − y‖² (`nn.HalfMSELoss`, the course's) | (1/N)Xᵀ(Xw − y) |
# | (1/N)‖Xw − y‖² (`nn.MSELoss`, PyTorch's) | (2/N)Xᵀ(Xw − y) |
#
# A learning rate tuned for the mean is N (or 2N) times too large for the sum — see chapter 04's
# divergence example.

# %%
w_t = nets.tensor(w_try.reshape(1, -1), requires_grad=True)
Xfull = nets.tensor(X)
for loss_mod, scale in [(nn.HalfMSELoss(reduction="sum"), 1.0), (nn.HalfMSELoss(), 1 / N), (nn.MSELoss(), 2 / N)]:
    w_t.grad = None
    loss_mod(Xfull @ w_t.T, nets.tensor(y.reshape(-1, 1))).backward()
    assert np.allclose(w_t.grad.numpy().ravel(), scale * g_hand, rtol=1e-12), type(loss_mod).__name__
print("gradients scale as 1 : 1/N : 2/N for ½-sum, ½-mean and PyTorch's mean  ✓")

# %% [markdown]
# ### Why gradient descent, when a closed form exists? (quiz 2)
#
# * **Cost.** Forming XᵀX costs O(Nd²) and solving it O(d³); a gradient step costs O(Nd) — or O(Bd) on a
#   mini-batch. With millions of features the d³ alone is out of reach.
# * **Conditioning.** XᵀX squares the condition number of X, so solving the normal equations loses twice
#   as many digits as necessary; when columns are (nearly) dependent XᵀX is singular.
# * **Streaming.** Gradient descent can learn from data that never fits in memory at once.
# * **Generality.** Logistic regression, softmax regression and every network have no closed form.
#
# The conditioning point, measured: polynomial features x⁰…x⁷ on [0, 1] are nearly dependent.

# %%
t_grid = np.linspace(0, 1, 50)
V = np.vander(t_grid, 8, increasing=True)
w_exact = np.arange(1.0, 9.0)
target = V @ w_exact
print(f"cond(X) = {np.linalg.cond(V):.1e}, cond(XᵀX) = {np.linalg.cond(V.T @ V):.1e}")
err_normal = np.abs(np.linalg.solve(V.T @ V, V.T @ target) - w_exact).max()
err_lstsq = np.abs(np.linalg.lstsq(V, target, rcond=None)[0] - w_exact).max()
print(f"max error: normal equations {err_normal:.1e}, least squares (SVD) {err_lstsq:.1e}")
assert np.linalg.cond(V.T @ V) > 0.9 * np.linalg.cond(V) ** 2
assert err_normal > 100 * err_lstsq

# a duplicated column: no unique minimizer; lstsq returns the one of least norm
X_dup = np.hstack([X_raw, X_raw[:, :1]])                 # feature 1 twice
dup_model = LinearRegression(d + 1, dtype=nets.float64).fit_closed_form(X_dup, y)
print("rank of the design matrix with a repeated column:", dup_model.rank_, "of", d + 2, "columns")
print("its min-norm solution splits the weight:", dup_model.linear.weight.detach().numpy().round(3))
assert dup_model.rank_ == d + 1
w_dup = dup_model.linear.weight.detach().numpy().ravel()
assert abs(w_dup[0] - w_dup[-1]) < 1e-9 and abs(w_dup[0] + w_dup[-1] - w_cf[0]) < 1e-9

# %% [markdown]
# ## 2. Logistic regression
#
# For labels y ∈ {0, 1} (a set, not the interval [0, 1] as the lecture writes, E18):
# p(y = 1 | x) = σ(wᵀx) with σ(z) = 1/(1 + e^{−z}) (the notes' "1/(1 − e^{−z})" has the wrong sign, E21).
# The negative log-likelihood is binary cross-entropy,
#
# $$L(w) = -\sum_i \big[y_i \log \mu_i + (1-y_i)\log(1-\mu_i)\big],\quad \mu_i = \sigma(w^\top x_i).$$
#
# Using σ' = σ(1 − σ), the derivative of each term with respect to zᵢ = wᵀxᵢ collapses to μᵢ − yᵢ, so
#
# $$\nabla L = X^\top(\sigma(Xw) - y)$$
#
# — the same shape as linear regression's Xᵀ(Xw − y), with the prediction passed through σ.

# %%
Xb_raw, yb = make_blobs(n_samples=200, centers=np.array([[-1.0, -1.0], [1.0, 1.0]]), cluster_std=1.0, seed=1)
Xb = np.hstack([Xb_raw, np.ones((200, 1))])
w0 = np.array([0.3, -0.2, 0.1])


def bce_sum(w):
    m = ad.sigmoid(Xb @ w)
    return -ad.sum(yb * ad.log(m) + (1 - yb) * ad.log(1 - m))


g_hand = Xb.T @ (1 / (1 + np.exp(-Xb @ w0)) - yb)
assert np.allclose(ad.grad(bce_sum)(w0), g_hand, rtol=1e-12)

logreg = LogisticRegression(2, dtype=nets.float64)
with nets.no_grad():
    logreg.linear.weight.data[...] = w0[:2]
    logreg.linear.bias.data[...] = w0[2]
nn.BCELoss(reduction="sum")(logreg(nets.tensor(Xb_raw)), nets.tensor(yb.reshape(-1, 1).astype(Xb_raw.dtype))).backward()
g_nets = np.append(logreg.linear.weight.grad.numpy().ravel(), logreg.linear.bias.grad.numpy())
assert np.allclose(g_nets, g_hand, rtol=1e-12)
print("logistic regression: ∇ = Xᵀ(σ(Xw) − y) confirmed by autodiff and by nets")

# %% [markdown]
# ## 3. Softmax regression
#
# For K classes, W ∈ ℝ^{d×K}, a = Wᵀx and p = softmax(a). For a batch, P = softmax(XW) row by row (a
# matrix–matrix product followed by a row-wise softmax — not the "matrix-vector product" the lecture
# calls it, E18). With one-hot targets Y the NLL is the
# cross-entropy −Σᵢ Σⱼ Yᵢⱼ log Pᵢⱼ and
#
# $$\nabla_W L = X^\top(\mathrm{softmax}(XW) - Y).$$
#
# (nets and PyTorch store `Linear.weight` as (K, d), i.e. Wᵀ.)

# %%
Xs_raw, ys = make_blobs(n_samples=150, centers=3, n_features=4, seed=2)
Xs = np.hstack([Xs_raw, np.ones((150, 1))])
Y = np.eye(3)[ys]
W0 = np.random.default_rng(3).normal(scale=0.1, size=(5, 3))
A = Xs @ W0
P = np.exp(A - A.max(1, keepdims=True))
P /= P.sum(1, keepdims=True)
grad_hand = Xs.T @ (P - Y)

softreg = SoftmaxRegression(4, 3, dtype=nets.float64)
with nets.no_grad():
    softreg.linear.weight.data[...] = W0[:4].T
    softreg.linear.bias.data[...] = W0[4]
nn.CrossEntropyLoss(reduction="sum")(softreg(nets.tensor(Xs_raw)), nets.tensor(ys)).backward()
grad_nets = np.vstack([softreg.linear.weight.grad.numpy().T, softreg.linear.bias.grad.numpy()])
assert np.allclose(grad_nets, grad_hand, rtol=1e-12)
print("softmax regression: ∇_W = Xᵀ(softmax(XW) − Y) confirmed by nets")

# %% [markdown]
# ## 4. The multilayer perceptron
#
# Stacking: H¹ = g₁(XW¹ + b¹), H² = g₂(H¹W² + b²), O = H²W³ + b³. The output layer has **no**
# activation — the loss supplies the link (sigmoid inside `BCEWithLogitsLoss`, softmax inside
# `CrossEntropyLoss`). Every parameter is a weight matrix or a bias vector.

# %%
mlp = MLP([4, 16, 8, 3], activation="relu")
print(mlp)
n_params = sum(p.numel() for p in mlp.parameters())
assert n_params == (4 * 16 + 16) + (16 * 8 + 8) + (8 * 3 + 3)
assert isinstance(list(mlp.children())[-1], nn.Linear)        # no activation after the last layer
print("parameters:", n_params)

# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch01 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# The least-squares line through the five points X1 (x, then the ones column) and Y1, from the normal
# equations XᵀXw = Xᵀy; return (slope, bias).

# %% tags=["solution"]
from solutions.ch01 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# Write ``grad_softmax(W, X, Y)``, the softmax-regression gradient by hand, ∇_W = Xᵀ(softmax(XW) − Y) for
# one-hot Y, and return the function; the check compares it with autodiff on random data.

# %% tags=["solution"]
from solutions.ch01 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# Repeat X1's x column, so that X has no full column rank, and return (X, w_a, w_b): two different weight
# vectors with exactly the same loss on Y1.

# %% tags=["solution"]
from solutions.ch01 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())

# %% [markdown]
# ## Summary
#
# | model | parameters | output | loss (NLL) | gradient |
# |---|---|---|---|---|
# | linear regression | w ∈ ℝ^d | Xw | squared error | Xᵀ(Xw − y) |
# | logistic regression | w ∈ ℝ^d | σ(Xw) | binary cross-entropy | Xᵀ(σ(Xw) − y) |
# | softmax regression | W ∈ ℝ^{d×K} | softmax(XW) | cross-entropy | Xᵀ(softmax(XW) − Y) |
# | MLP | W¹, b¹, …, W³, b³ | H²W³ + b³ | any of the above | backpropagation (chapter 11) |
