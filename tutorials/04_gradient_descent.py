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
# # 04 · Gradient descent
#
# **What you will learn.** Batch, stochastic and mini-batch gradient descent, how batch size and learning
# rate trade off, the largest stable learning rate η < 2/λ_max, and what kind of point gradient descent can
# stop at.
#
# **Why it matters.** Every optimizer is gradient descent with refinements; the stability limit tells you
# when a learning rate is simply too large.
#
# Training means finding ŵ = argmin_w L(w). Gradient descent walks downhill:
#
# $$w^t = w^{t-1} - \eta\, \nabla L(w^{t-1}).$$
#
# It comes in three flavours that differ only in how much data each step looks at: **batch** gradient
# descent (all N examples per step), **stochastic** gradient descent (one example per step) and
# **mini-batch** SGD (B examples, typically 32–256, reshuffled every epoch). With a `DataLoader` they
# are the same loop with `batch_size = N`, `1` and `B`. An *epoch* is one full pass over the data.
#
# We also look at where gradient descent can stop (stationary points, with Hessians from
# `autodiff.hessian`), and at the largest learning rate that does not blow up: η < 2/λ_max.

# %%

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
from nets.data import DataLoader, TensorDataset, make_linear_regression

# %% [markdown]
# ## One problem for all three
#
# A linear regression with three features, a bias, and noise of standard deviation 0.1. As in the
# course's exercises the bias is a column of ones appended **last**. The loss is the course's
# L = (1/2B) Σ (xᵢᵀw − yᵢ)² over a batch, and its gradient comes from reverse-mode autodiff.

# %%
N, d = 256, 3
X_raw, y, w_true = make_linear_regression(n_samples=N, n_features=d, noise=0.1, bias=0.5, seed=0)
X = np.hstack([X_raw, np.ones((N, 1))])            # design matrix, bias column last
w_star = np.linalg.lstsq(X, y, rcond=None)[0]       # the exact minimizer, for reference


def loss(w, Xb, yb):
    r = Xb @ w - yb
    return ad.sum(r * r) / (2 * len(yb))


grad = ad.grad(loss)                                 # ∇_w L, one reverse sweep
full_loss = float(loss(w_star, X, y))
print("true weights", w_true, "+ bias 0.5;  least squares", w_star.round(3), " L(w*) =", round(full_loss, 5))
assert np.allclose(grad(w_star, X, y), 0, atol=1e-12)   # the minimizer is a stationary point


def train(batch_size, lr, epochs, seed=0, dedented=False):
    """Mini-batch SGD with a DataLoader; returns the full-data loss after every epoch (and at start)."""
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True,
                        generator=nets.Generator().manual_seed(seed))
    w = np.zeros(d + 1)
    history = [float(loss(w, X, y))]
    for _ in range(epochs):
        for xb, yb in loader:
            g = grad(w, xb.numpy(), yb.numpy())
            if not dedented:
                w = w - lr * g                        # one update per batch: correct
        if dedented:
            w = w - lr * g                            # the lecture's slide (E7): one update per epoch
        history.append(float(loss(w, X, y)))
    return np.array(history), w


# %% [markdown]
# ## Batch, stochastic and mini-batch
#
# The same learning rate η = 0.05 and 15 epochs each. Batch GD takes 15 steps; mini-batch (B = 32) takes
# 15·8 = 120; SGD takes 15·256 = 3,840 steps, each on one example. Batch GD makes too few steps; SGD makes
# plenty, but each gradient is so noisy that with a constant η it ends up jittering at a "noise floor"
# around the minimum; mini-batches sit in between and win here. (Batch GD's exact gradient does allow a
# much larger η: with η = 0.5 it gets within 10⁻⁸ of the minimum in the same 15 steps — see the
# learning-rate figure in the next section but one.)

# %%
EPOCHS = 15
runs = {f"{name} (B = {B})": train(B, 0.05, EPOCHS)
        for name, B in [("batch GD", N), ("mini-batch SGD", 32), ("SGD", 1)]}
fig, ax = plt.subplots(figsize=(6.5, 4))
for name, (hist, _) in runs.items():
    ax.semilogy(hist - full_loss + 1e-12, "o-", ms=3, label=name)
ax.set_xlabel("epoch (one pass over the 256 examples)")
ax.set_ylabel("excess loss L(w) − L(w*) on all data")
ax.set_title("Three flavours of gradient descent (η = 0.05)")
ax.legend(fontsize=8)
fig.tight_layout()
savefig(fig, "04_gd_flavours.png")

for name, (hist, w) in runs.items():
    print(f"{name:26s} final excess loss {hist[-1] - full_loss:.2e}   |w − w*| = {np.linalg.norm(w - w_star):.4f}")
excess = {name.split(" (")[0]: hist[-1] - full_loss for name, (hist, _) in runs.items()}
assert excess["mini-batch SGD"] < 1e-5
assert excess["batch GD"] > 100 * excess["mini-batch SGD"]   # too few steps
assert excess["SGD"] > 10 * excess["mini-batch SGD"]         # too much gradient noise at constant η

# %% [markdown]
# ## The lecture's mini-batch slide (E7)
#
# On the mini-batch slide the update `w = w - lr*dw` is indented one level too little: it sits in the
# epoch loop, after the batch loop. The program then computes every batch's gradient, throws all but the
# last away, and makes one step per epoch from a single batch. The notes site has it right.

# %%
hist_ok, _ = train(32, 0.1, EPOCHS)
hist_bad, _ = train(32, 0.1, EPOCHS, dedented=True)
print(f"after {EPOCHS} epochs: update per batch {hist_ok[-1] - full_loss:.2e},"
      f" update per epoch (E7) {hist_bad[-1] - full_loss:.2e}")
assert hist_bad[-1] - full_loss > 100 * (hist_ok[-1] - full_loss)

# %% [markdown]
# ## Batch size
#
# Smaller batches give noisier gradients; the noise keeps SGD jittering around the minimum unless the
# learning rate shrinks. Here the learning rate is fixed at 0.05 and only B changes.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
for B in (1, 8, 32, N):
    hist, _ = train(B, 0.05, 10)
    ax.semilogy(hist - full_loss + 1e-12, "o-", ms=3, label=f"B = {B}")
ax.set_title("Batch size at a fixed learning rate (η = 0.05)")
ax.set_xlabel("epoch")
ax.set_ylabel("excess loss L(w) − L(w*)")
ax.legend()
fig.tight_layout()
savefig(fig, "04_batch_size.png")

# %% [markdown]
# ## How large may η be? η < 2/λ_max
#
# On a quadratic, L(w) = L(w*) + ½(w − w*)ᵀH(w − w*), and a gradient step maps the error e = w − w* to
# (I − ηH)e. Along the Hessian's eigenvector with eigenvalue λ the error is multiplied by (1 − ηλ) each
# step, so gradient descent converges only if |1 − ηλ| < 1 for every λ, i.e. **η < 2/λ_max**.
# `autodiff.hessian` gives H; here H = XᵀX/N.

# %%
H = ad.hessian(lambda w: loss(w, X, y))(np.zeros(d + 1))
assert np.allclose(H, X.T @ X / N, atol=1e-12)
lam_max = np.linalg.eigvalsh(H).max()
eta_crit = 2 / lam_max
print(f"λ_max = {lam_max:.4f}  →  critical learning rate 2/λ_max = {eta_crit:.4f}")

# %% [markdown]
# Now batch gradient descent at learning rates chosen *from* that number: well below it, at 90 % of it,
# and 30 % past it. Past the edge the error along the top eigenvector is multiplied by |1 − ηλ_max| =
# 1.6 every step, so within 30 steps the loss has grown by orders of magnitude.

# %%
steps = 30
rates = {"η = 0.05": 0.05, "η = 0.5": 0.5, "η = 0.9 · 2/λ_max": 0.9 * eta_crit, "η = 1.3 · 2/λ_max": 1.3 * eta_crit}
curves = {name: train(N, lr, steps)[0] - full_loss for name, lr in rates.items()}
fig, ax = plt.subplots(figsize=(7, 4.2))
for name, excess_loss in curves.items():
    ax.semilogy(np.maximum(excess_loss, 1e-16), "o-", ms=3, label=f"{name} ({rates[name]:.3g})")
ax.set_xlabel("step (batch GD: one step per epoch)")
ax.set_ylabel("excess loss L(w) − L(w*)")
ax.set_title(f"Stable below 2/λ_max = {eta_crit:.3f}, divergent above it")
ax.legend(fontsize=8)
fig.tight_layout()
savefig(fig, "04_learning_rate.png")
for name, excess_loss in curves.items():
    print(f"{name:18s}: excess loss after 15 steps {excess_loss[15]:.1e}, after {steps}: {excess_loss[-1]:.1e}")
assert curves["η = 0.5"][15] < 1e-8                                   # the claim in the section above
assert curves["η = 0.9 · 2/λ_max"][-1] < 1e-6
assert curves["η = 1.3 · 2/λ_max"][-1] > 100 * curves["η = 1.3 · 2/λ_max"][0]   # diverges, visibly

# %% [markdown]
# ### The course exercise's default learning rate is past the edge (E28)
#
# The exercise's numpy linear regression uses the *sum* gradient Xᵀ(Xw − y), lr = 10⁻³ decayed as
# lr/(1 + 0.1·epoch), and N = 700 training points with features drawn from N(1, I). The sum gradient has
# Hessian XᵀX, whose largest eigenvalue is ≈ N(d + 1) ≈ 3,000 here, so η·λ_max > 2 and the first epochs
# **diverge**. It recovers only because the decaying rate eventually drops below 2/λ_max — by which
# point the loss has grown by orders of magnitude.

# %%
rng = np.random.default_rng(1)
Xd = np.hstack([rng.normal(1.0, 1.0, size=(700, 3)), np.ones((700, 1))])
yd = Xd[:, :3] @ rng.random(3) + 0.1 + 0.1 * rng.normal(size=700)
lam_sum = np.linalg.eigvalsh(Xd.T @ Xd).max()
print(f"η·λ_max(XᵀX) = {1e-3 * lam_sum:.2f}  (> 2: unstable)")
assert 1e-3 * lam_sum > 2

sum_loss = ad.value_and_grad(lambda w: ad.sum((Xd @ w - yd) ** 2) / 2)
w = rng.random(4)
losses, rates = [], []
for epoch in range(60):
    lr = 1e-3 / (1 + 0.1 * epoch)
    value, g = sum_loss(w)
    losses.append(float(value))
    rates.append(lr)
    w = w - lr * g
first_stable = next(e for e, r in enumerate(rates) if r < 2 / lam_sum)
peak = int(np.argmax(losses))
print(f"loss grows ×{losses[peak] / losses[0]:.0f} until epoch {peak}; lr < 2/λ_max from epoch {first_stable};"
      f" final loss {losses[-1]:.3g}")
assert losses[peak] > 10 * losses[0] and peak >= first_stable - 1
assert losses[-1] < losses[0] / 10

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(losses)
ax.axvline(first_stable, color="grey", ls="--", label="lr/(1+0.1·epoch) < 2/λ_max")
ax.set_xlabel("epoch (one full-batch step each)")
ax.set_ylabel("loss ½‖Xw − y‖² (squared units of y)")
ax.set_title("The exercise's default: divergence, then recovery (E28)")
ax.legend()
fig.tight_layout()
savefig(fig, "04_stability.png")

# %% [markdown]
# ## Stationary points: minimum, maximum, saddle
#
# Gradient descent stops wherever ∇L = 0. The Hessian tells what kind of point that is: all
# eigenvalues positive → minimum, all negative → maximum, mixed signs → saddle.

# %%
surfaces = {
    "minimum: x² + y²": lambda p: p[0] ** 2 + p[1] ** 2,
    "maximum: −x² − y²": lambda p: -(p[0] ** 2) - p[1] ** 2,
    "saddle: x² − y²": lambda p: p[0] ** 2 - p[1] ** 2,
}
origin = np.zeros(2)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
gx, gy = np.meshgrid(np.linspace(-1, 1, 81), np.linspace(-1, 1, 81))
for ax, (name, fn) in zip(axes, surfaces.items()):
    gradient = ad.grad(fn)(origin)
    eig = np.linalg.eigvalsh(ad.hessian(fn)(origin))
    print(f"{name:20s} ∇ = {gradient}, Hessian eigenvalues {eig}")
    assert np.allclose(gradient, 0)
    filled = ax.contourf(gx, gy, fn(np.array([gx, gy])), levels=20, cmap="viridis")
    ax.plot(0, 0, "r*", ms=12, label="stationary point (0, 0)")
    ax.set_title(f"{name}\nHessian eigenvalues {eig.round(1).tolist()}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    fig.colorbar(filled, ax=ax, label="L(x, y)", shrink=0.85)
axes[0].legend(loc="lower left", fontsize=8)
fig.suptitle("Where ∇L = 0: the Hessian's eigenvalues tell the kind of point")
fig.tight_layout()
savefig(fig, "04_stationary_points.png")
assert np.all(np.linalg.eigvalsh(ad.hessian(surfaces["minimum: x² + y²"])(origin)) > 0)
assert np.all(np.linalg.eigvalsh(ad.hessian(surfaces["maximum: −x² − y²"])(origin)) < 0)
sad = np.linalg.eigvalsh(ad.hessian(surfaces["saddle: x² − y²"])(origin))
assert sad.min() < 0 < sad.max()

# %% [markdown]
# ### Sufficient is not necessary (E15)
#
# The lecture calls "∇L = 0 and a positive-definite Hessian" necessary **and** sufficient for a local
# minimum. It is sufficient only. L(w) = w⁴ has its minimum at 0, yet its Hessian there is 0 — not
# positive definite. The *necessary* second-order condition is a positive **semi**-definite Hessian,
# and that in turn is not sufficient: w³ also has zero gradient and zero Hessian at 0, but no minimum.

# %%
for name, fn in {"w⁴": lambda w: w ** 4, "w³": lambda w: w ** 3}.items():
    g0, h0 = ad.grad(fn)(0.0), ad.hessian(fn)(0.0)
    print(f"{name}: L'(0) = {g0}, L''(0) = {float(h0)};  L(±0.1) = {fn(-0.1):.4g}, {fn(0.1):.4g}")
    assert g0 == 0 and float(h0) == 0
assert (0.1 ** 4 > 0 and (-0.1) ** 4 > 0) and (-0.1) ** 3 < 0   # w⁴: a minimum; w³: not one


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch04 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# The largest stable learning rate for L(w) = ½wᵀHw with H = diag(1, 4).

# %% tags=["solution"]
from solutions.ch04 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# From w = (1, 1), run 50 steps of gradient descent on that L at η = 0.45 and at η = 0.55; return both final
# distances ‖w‖ to the minimum.

# %% tags=["solution"]
from solutions.ch04 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# Momentum μ moves the edge to η < 2(1 + μ)/λ_max. With μ = 0.5 (edge 0.75), run 200 steps of SGD with
# momentum on the same L at η = 0.7 and at η = 0.8; return both final ‖w‖.

# %% tags=["solution"]
from solutions.ch04 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
