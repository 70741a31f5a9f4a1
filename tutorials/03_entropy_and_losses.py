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
# # 03 · Entropy, cross-entropy, KL divergence, perplexity, mutual information
#
# **What you will learn.** Entropy, cross-entropy, KL divergence, perplexity and mutual information, the
# exact conventions of the losses built from them, and why logistic regression is trained with cross-entropy
# rather than squared error.
#
# **Why it matters.** The loss is what training minimizes; knowing what it measures, and how it is
# normalized, explains both good and bad training curves.
#
# The classification losses of chapter 01 carry names from information theory. This chapter builds the
# vocabulary with `nets.information`, draws the binary-entropy curve, explains why the logistic loss is
# called *cross*-entropy, and answers "could we train logistic regression with MSE instead?" by
# looking at the loss surface.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
from nets import information as info
from nets import nn
from nets.nn import functional as F

# %% [markdown]
# ## Entropy: average surprise
#
# For a distribution p over K outcomes, H(p) = −Σₖ pₖ log₂ pₖ bits (use ln for nats), with 0·log 0 = 0.
# It lies between 0 (one outcome is certain: a delta) and log₂ K (every outcome equally likely: the
# uniform distribution) — the answer to quiz 7.

# %%
K = 8
uniform = np.full(K, 1 / K)
delta = np.eye(K)[3]
skewed = np.array([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.0078125])
for name, p in [("uniform", uniform), ("delta", delta), ("skewed", skewed)]:
    print(f"{name:8s} H = {info.entropy(p):.4f} bits = {info.entropy(p, base=math.e):.4f} nats")
assert info.entropy(uniform) == 3.0 and info.entropy(delta) == 0.0
assert 0 < info.entropy(skewed) < math.log2(K)
assert abs(info.entropy(uniform, base=math.e) - math.log(K)) < 1e-15

# random distributions never beat the uniform one
rng = np.random.default_rng(0)
random_ps = rng.dirichlet(np.ones(K), size=1000)
assert np.all(info.entropy(random_ps) <= math.log2(K) + 1e-12)

# %% [markdown]
# ## Binary entropy (quiz 3)
#
# A coin with P(heads) = θ has H(θ) = −θ log₂ θ − (1 − θ) log₂(1 − θ): an arch that is 0 at θ = 0 and
# θ = 1 (no uncertainty) and peaks at exactly 1 bit for a fair coin.

# %%
theta = np.linspace(0, 1, 501)
h = info.binary_entropy(theta)
fig, ax = plt.subplots(figsize=(5.5, 3.8))
ax.plot(theta, h, label="H(θ)")
ax.plot([0.5], [1.0], "ro", label="maximum: a fair coin")
ax.annotate("H(0.5) = 1 bit", (0.5, 1.0), xytext=(0.55, 0.8), arrowprops={"arrowstyle": "->"})
ax.set_xlabel("θ = P(heads)")
ax.set_ylabel("H(θ) [bits]")
ax.set_title("Binary entropy of a coin")
ax.legend(loc="lower center", fontsize=8)
fig.tight_layout()
savefig(fig, "03_binary_entropy.png")
assert h[0] == 0 and h[-1] == 0 and h[250] == 1.0 and theta[np.argmax(h)] == 0.5
assert np.allclose(h, h[::-1])                                   # symmetric about ½

# %% [markdown]
# ## Cross-entropy and KL divergence
#
# Coding samples of p with a code built for q costs H(p, q) = −Σ pₖ log qₖ bits on average. The
# excess over the best possible, H(p), is the Kullback–Leibler divergence
#
# $$\mathrm{KL}(p\,\|\,q) = \sum_k p_k \log\frac{p_k}{q_k} = H(p, q) - H(p) \ge 0,$$
#
# zero only when q = p (Gibbs' inequality), not symmetric, and infinite when q gives probability 0 to
# something p can produce.

# %%
p = np.array([0.7, 0.2, 0.1])
q = np.array([0.4, 0.4, 0.2])
H_p, H_pq, H_qp = info.entropy(p), info.cross_entropy(p, q), info.cross_entropy(q, p)
kl_pq, kl_qp = info.kl_divergence(p, q), info.kl_divergence(q, p)
print(f"H(p) = {H_p:.4f}, H(p,q) = {H_pq:.4f}, KL(p‖q) = {kl_pq:.4f}, KL(q‖p) = {kl_qp:.4f}")
assert abs(kl_pq - (H_pq - H_p)) < 1e-12 and H_pq >= H_p
assert kl_pq > 0 and info.kl_divergence(p, p) == 0
assert abs(kl_pq - kl_qp) > 0.01                               # not symmetric
assert info.kl_divergence(p, np.array([0.5, 0.5, 0.0])) == math.inf

# Gibbs' inequality on many random pairs
ps, qs = rng.dirichlet(np.ones(4), size=500), rng.dirichlet(np.ones(4), size=500)
assert np.all(info.kl_divergence(ps, qs) >= 0)

# %% [markdown]
# ## Perplexity
#
# Perplexity turns entropy back into a count: PPL = 2^H with H in bits, or e^H with H in nats — the base
# of the power must be the base of the logarithm (the lecture shows both forms side by side without
# saying so, E20). A uniform distribution over K outcomes has perplexity K: the model is "as confused as"
# a fair K-sided die. For a model q judged on data from p, use the cross-entropy: PPL = 2^{H(p,q)}.

# %%
print("PPL(uniform over 8) =", info.perplexity(uniform), "=", info.perplexity(uniform, base=math.e))
assert abs(info.perplexity(uniform) - K) < 1e-12 and abs(info.perplexity(uniform, base=math.e) - K) < 1e-12
ppl_bits = 2 ** info.cross_entropy(p, q)
ppl_nats = math.exp(info.cross_entropy(p, q, base=math.e))
mixed = 2 ** info.cross_entropy(p, q, base=math.e)             # wrong: nats in a base-2 power
print(f"PPL(p,q): 2^H_bits = {ppl_bits:.4f}, e^H_nats = {ppl_nats:.4f}, mismatched 2^H_nats = {mixed:.4f}")
assert abs(ppl_bits - ppl_nats) < 1e-12 and abs(mixed - ppl_bits) > 0.1

# %% [markdown]
# ## Mutual information
#
# I(X; Y) = KL(P(X, Y) ‖ P(X)P(Y)) = H(X) − H(X | Y): how many bits knowing Y saves about X. It is ≥ 0,
# and zero exactly when X and Y are independent.

# %%
independent = np.outer([0.3, 0.7], [0.2, 0.5, 0.3])
copy = np.diag([0.25, 0.25, 0.5])                   # Y = X
noisy = np.array([[0.4, 0.1], [0.1, 0.4]])          # Y = X with probability 0.8
for name, joint in [("independent", independent), ("Y = X", copy), ("noisy copy", noisy)]:
    print(f"{name:12s} I(X;Y) = {info.mutual_information(joint):.4f} bits")
assert info.mutual_information(independent) < 1e-12
assert abs(info.mutual_information(copy) - info.entropy(copy.sum(axis=1))) < 1e-12   # = H(X)
# I = H(X) − H(X|Y), with H(X|Y) = Σ_y P(y) H(X | Y=y)
py = noisy.sum(axis=0)
h_x_given_y = sum(py[j] * info.entropy(noisy[:, j] / py[j]) for j in range(2))
assert abs(info.mutual_information(noisy) - (info.entropy(noisy.sum(axis=1)) - h_x_given_y)) < 1e-12
assert abs(info.mutual_information(noisy) - (1 - info.binary_entropy(0.8))) < 1e-12

# %% [markdown]
# ## Why "cross-entropy"? (quiz 4)
#
# For one example with label y ∈ {0, 1} and predicted probability μ = σ(wᵀx), the loss term
# −[y log μ + (1 − y) log(1 − μ)] is exactly H(p, q) (in nats) between the target distribution
# p = (1 − y, y) — a delta on the true class — and the model's distribution q = (1 − μ, μ). Because a
# delta has H(p) = 0, the cross-entropy *equals* KL(p‖q): minimizing it pulls the model's distribution
# onto the data's, and it is also the negative log-likelihood.

# %%
for y_, mu in [(1, 0.9), (0, 0.9), (1, 0.5)]:
    bce_term = -(y_ * math.log(mu) + (1 - y_) * math.log(1 - mu))
    target, model = np.array([1 - y_, y_], float), np.array([1 - mu, mu])
    ce = info.cross_entropy(target, model, base=math.e)
    kl = info.kl_divergence(target, model, base=math.e)
    print(f"y = {y_}, μ = {mu}: BCE term {bce_term:.5f} = H(p,q) {ce:.5f} = KL(p‖q) {kl:.5f}")
    assert abs(bce_term - ce) < 1e-12 and abs(ce - kl) < 1e-12

# %% [markdown]
# ## The losses as nets (and PyTorch) define them
#
# The course writes its losses as **sums** over examples; PyTorch's default is the **mean**
# (`reduction="mean"`; `"sum"` and `"none"` are the alternatives), which changes the gradient's scale but
# not the minimizer (E11, chapter 01).
#
# * `BCELoss` takes probabilities μ and clamps each log at ≥ −100, so μ = 0 for a positive example costs
#   100 rather than infinity.
# * `BCEWithLogitsLoss` takes the logit a and computes max(a, 0) − a·y + log(1 + e^{−|a|}), which never
#   overflows; `pos_weight` multiplies the positive term (for rare positives).
# * `CrossEntropyLoss` takes **logits** (it applies log-softmax itself) and targets as class indices or as
#   probabilities; `weight` weights classes, `ignore_index = −100` skips examples, `label_smoothing` mixes
#   the one-hot target with the uniform distribution.
# * `KLDivLoss` takes *log*-probabilities as input and probabilities as target; only
#   `reduction="batchmean"` (sum divided by the batch size) is the true KL divergence per example.

# %%
y_t = np.array([1.0, 0.0, 1.0, 1.0])
a_t = np.array([2.0, -1.0, 0.5, -30.0])
mu_t = 1 / (1 + np.exp(-a_t))
bce_sum = -(y_t * np.log(mu_t) + (1 - y_t) * np.log(1 - mu_t)).sum()
losses = {r: nn.BCEWithLogitsLoss(reduction=r)(nets.tensor(a_t), nets.tensor(y_t)) for r in ("sum", "mean", "none")}
assert abs(losses["sum"].item() - bce_sum) < 1e-9 and abs(losses["mean"].item() - bce_sum / 4) < 1e-9
assert losses["none"].shape == (4,)
stable = np.maximum(a_t, 0) - a_t * y_t + np.log1p(np.exp(-np.abs(a_t)))
assert np.allclose(losses["none"].numpy(), stable, atol=1e-12)
weighted = nn.BCEWithLogitsLoss(pos_weight=nets.tensor([3.0]), reduction="sum")(nets.tensor(a_t), nets.tensor(y_t))
assert abs(weighted.item() - (-(3 * y_t * np.log(mu_t) + (1 - y_t) * np.log(1 - mu_t))).sum()) < 1e-9
assert nn.BCELoss()(nets.tensor([0.0], dtype=nets.float64), nets.tensor([1.0], dtype=nets.float64)).item() == 100.0

logits_t = rng.normal(size=(4, 3))
classes = np.array([2, 0, 1, -100])                       # the last example is ignored
log_p = logits_t - np.log(np.exp(logits_t).sum(axis=1, keepdims=True))
ce = nn.CrossEntropyLoss()(nets.tensor(logits_t), nets.tensor(classes)).item()
assert abs(ce - (-log_p[[0, 1, 2], [2, 0, 1]].mean())) < 1e-12
soft_targets = rng.dirichlet(np.ones(3), size=4)
ce_soft = nn.CrossEntropyLoss()(nets.tensor(logits_t), nets.tensor(soft_targets)).item()
assert abs(ce_soft - (-(soft_targets * log_p).sum(axis=1).mean())) < 1e-12

kl = nn.KLDivLoss(reduction="batchmean")(F.log_softmax(nets.tensor(logits_t), dim=1), nets.tensor(soft_targets))
true_kl = info.kl_divergence(soft_targets, np.exp(log_p), base=math.e).mean()
assert abs(kl.item() - true_kl) < 1e-12
print(f"BCE sum {bce_sum:.4f} = {losses['sum'].item():.4f}; CE (ignoring one example) {ce:.4f};"
      f" KLDivLoss(batchmean) {kl.item():.4f} = mean KL {true_kl:.4f}")

# %% [markdown]
# `CrossEntropyLoss(weight=w)` gives class c the weight w_c, for a rare class that matters more. With
# the default mean, the weighted losses are divided by the sum of the weights used, not by N:
# L = Σᵢ w_{yᵢ}·(−log p_{i,yᵢ}) / Σᵢ w_{yᵢ}.

# %%
logits_w = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-1.0, 0.0, 3.0], [1.0, 1.0, 1.0]])
labels_w = np.array([0, 1, 2, 1])
class_w = np.array([1.0, 4.0, 0.5])
log_p = logits_w - np.log(np.exp(logits_w).sum(axis=1, keepdims=True))
nll = -log_p[np.arange(4), labels_w]
by_formula = (class_w[labels_w] * nll).sum() / class_w[labels_w].sum()
weighted_ce = nn.CrossEntropyLoss(weight=nets.tensor(class_w))(nets.tensor(logits_w), nets.tensor(labels_w)).item()
print(f"weighted cross-entropy {weighted_ce:.6f} (formula {by_formula:.6f}, unweighted {nll.mean():.6f})")
assert abs(weighted_ce - by_formula) < 1e-12

# %% [markdown]
# ## Can MSE train logistic regression? (quiz 5)
#
# It can be written down — L(w) = (1/N)Σ(σ(wᵀxᵢ) − yᵢ)² — and minimized, but it is a poor choice:
#
# 1. it is **not convex** in w, so gradient descent can stall on plateaus and the loss surface has
#    regions curving the wrong way;
# 2. its gradient carries the factor σ'(wᵀx) = μ(1 − μ), which vanishes when the model is confidently
#    **wrong** (μ ≈ 1 for a y = 0 example), exactly when a large correction is needed.
#
# BCE is convex in w with the clean gradient (μ − y)x. We check both claims with autodiff: the second
# derivative of the MSE loss along w goes negative, BCE's never does.

# %%
x_data = rng.normal(size=40)
y_data = (x_data + 0.5 * rng.normal(size=40) > 0).astype(float)


def mse_loss(w):
    mu = ad.sigmoid(w * x_data)
    return ad.mean((mu - y_data) ** 2)


def bce_loss(w):
    mu = ad.sigmoid(w * x_data)
    return -ad.mean(y_data * ad.log(mu) + (1 - y_data) * ad.log(1 - mu))


ws = np.linspace(-12, 12, 241)
curv_mse = np.array([float(ad.hessian(mse_loss)(w)) for w in ws])
curv_bce = np.array([float(ad.hessian(bce_loss)(w)) for w in ws])
print(f"min second derivative: MSE {curv_mse.min():.4f}, BCE {curv_bce.min():.4f}")
assert curv_mse.min() < 0 < curv_bce.min()

# the vanishing gradient on a confidently wrong example (x = 1, y = 0, w = 8: μ ≈ 0.9997)
g_mse = ad.grad(lambda w: (ad.sigmoid(w * 1.0) - 0.0) ** 2)(8.0)
g_bce = ad.grad(lambda w: -ad.log(1 - ad.sigmoid(w * 1.0)))(8.0)
print(f"confidently wrong example: |∂MSE/∂w| = {abs(g_mse):.2e}, |∂BCE/∂w| = {abs(g_bce):.4f} (= (μ − y)·x)")
assert abs(g_mse) < 1e-3 and abs(g_bce - ad.sigmoid(8.0)) < 1e-12

# the 2-D picture: weight and bias
W, B = np.meshgrid(np.linspace(-12, 12, 121), np.linspace(-12, 12, 121))
logits = W[..., None] * x_data + B[..., None]
mu_grid = 1 / (1 + np.exp(-logits))
mse_grid = ((mu_grid - y_data) ** 2).mean(-1)
bce_grid = -(y_data * np.log(np.clip(mu_grid, 1e-300, None))
             + (1 - y_data) * np.log(np.clip(1 - mu_grid, 1e-300, None))).mean(-1)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
axes[0].plot(ws, [float(mse_loss(w)) for w in ws], label="MSE (left axis)")
axes[0].set_ylabel("MSE (mean squared error)")
twin = axes[0].twinx()
twin.plot(ws, [float(bce_loss(w)) for w in ws], color="C1", label="BCE (right axis)")
twin.set_ylabel("BCE (nats per example)", color="C1")
axes[0].set_xlabel("weight w (the bias held at 0)")
axes[0].set_title("Along w: MSE flattens, BCE keeps its slope")
lines = axes[0].get_lines() + twin.get_lines()
axes[0].legend(lines, [line.get_label() for line in lines], loc="upper center", fontsize=8)
for ax, grid, name, unit in [(axes[1], mse_grid, "MSE", "MSE"), (axes[2], np.log(bce_grid), "BCE",
                                                                   "ln BCE (log scale, so its range fits)")]:
    cs = ax.contourf(W, B, grid, levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax, label=unit)
    ax.set_xlabel("weight w")
    ax.set_ylabel("bias b")
    ax.set_title(f"{name} over (w, b)")
fig.suptitle("Logistic regression on 40 points: mean squared error against binary cross-entropy")
fig.tight_layout()
savefig(fig, "03_mse_vs_bce_surface.png")


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch03 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# The entropy of a loaded die (one face has probability ½) in bits, and its perplexity.

# %% tags=["solution"]
from solutions.ch03 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# KL(p‖q) and KL(q‖p) in nats for p = P3 = (0.7, 0.2, 0.1) and q = Q3 = (0.2, 0.3, 0.5).

# %% tags=["solution"]
from solutions.ch03 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# The cross-entropy of LOGITS = (2, −1, 0.5, 0) for class 2 with label smoothing ε = 0.1, by hand: the target
# is (1 − ε)·one-hot + ε/K.

# %% tags=["solution"]
from solutions.ch03 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
