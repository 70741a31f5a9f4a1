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
# # 07 · Normalization: batch norm and layer norm
#
# **What you will learn.** What batch norm and layer norm compute, over which axes, how they behave in
# training and evaluation, and what normalization does (and does not) do for a deep network.
#
# **Why it matters.** Normalization layers are in almost every modern network; their train/eval difference
# is a classic source of bugs.
#
# A layer's inputs shift as the layers before it learn. Normalization layers re-centre and re-scale the
# pre-activations so that each layer sees inputs of a steady scale, and then let the network choose its
# own scale back with a learned γ and shift β. The two common kinds differ in **what is averaged over
# what**:
#
# | | batch norm | layer norm |
# |---|---|---|
# | statistics over | the batch, for each feature i | the features, for each example n |
# | μ, σ² | μᵢ = (1/B)Σₙ a_{ni}, σᵢ² = (1/B)Σₙ (a_{ni} − μᵢ)² | μₙ = (1/M)Σᵢ a_{ni}, σₙ² = (1/M)Σᵢ (a_{ni} − μₙ)² |
# | γ, β | per feature | per feature (**not** per example) |
# | training vs evaluation | batch statistics vs running averages | identical |
# | depends on the other examples | yes | no |
#
# In both, â = (a − μ)/√(σ² + ε) and the output is γ·â + β, with the *biased* variance (divide by B or M).

# %%

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import nets
from nets import nn, optim
from nets.data import DataLoader, StandardScaler, TensorDataset, load_digits, train_test_split
from nets.models import MLP
from nets.train import fit

nets.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Batch norm, checked against the formulas
#
# `BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)` as in PyTorch.
# In training mode it normalizes with the batch's statistics and moves its running statistics:
# running = (1 − m)·running + m·batch, where the running variance uses the **unbiased** batch variance
# (× B/(B − 1)). The running mean starts at 0 and the running variance at 1.

# %%
B, C = 16, 4
bn = nn.BatchNorm1d(C, dtype=nets.float64)
with nets.no_grad():
    bn.weight.data[...] = [1.0, 2.0, 0.5, 1.5]
    bn.bias.data[...] = [0.0, -1.0, 1.0, 0.5]
running_mean, running_var = np.zeros(C), np.ones(C)
for _ in range(5):
    a = rng.normal(loc=[3.0, -2.0, 0.0, 10.0], scale=[1.0, 5.0, 0.1, 2.0], size=(B, C))
    out = bn(nets.tensor(a)).detach().numpy()
    mu, var = a.mean(axis=0), a.var(axis=0)                   # per feature, biased
    expected = (a - mu) / np.sqrt(var + 1e-5) * bn.weight.detach().numpy() + bn.bias.detach().numpy()
    assert np.allclose(out, expected, atol=1e-12)
    running_mean = 0.9 * running_mean + 0.1 * mu
    running_var = 0.9 * running_var + 0.1 * var * B / (B - 1)
assert np.allclose(bn.running_mean.numpy(), running_mean, atol=1e-12)
assert np.allclose(bn.running_var.numpy(), running_var, atol=1e-12)
print("running mean", bn.running_mean.numpy().round(3), " running var", bn.running_var.numpy().round(3))

# %% [markdown]
# In evaluation mode the running statistics replace the batch's, so an example's output no longer
# depends on which other examples share its batch — and a single example can be evaluated at all.
# (In training, a batch with one value per channel has no variance, and is an error.)

# %%
bn.eval()
x_one = nets.tensor(a[:1])
eval_out = bn(x_one).detach().numpy()
gamma, beta = bn.weight.detach().numpy(), bn.bias.detach().numpy()
assert np.allclose(eval_out, (a[:1] - running_mean) / np.sqrt(running_var + 1e-5) * gamma + beta, atol=1e-12)
bn.train()
try:
    bn(x_one)
except ValueError as e:
    print("training mode, batch of one:", e)
else:
    raise AssertionError("BatchNorm1d accepted one value per channel in training")

# %% [markdown]
# Two variants: `momentum=None` makes the running statistics a plain cumulative average of all batches
# seen, and `track_running_stats=False` keeps none, so evaluation also uses the batch's statistics.

# %%
cum = nn.BatchNorm1d(C, momentum=None, dtype=nets.float64)
batches = [rng.normal(size=(B, C)) for _ in range(4)]
for batch in batches:
    cum(nets.tensor(batch))
assert np.allclose(cum.running_mean.numpy(), np.mean([b.mean(axis=0) for b in batches], axis=0), atol=1e-12)
assert np.allclose(cum.running_var.numpy(), np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0), atol=1e-12)
no_stats = nn.BatchNorm1d(C, track_running_stats=False, affine=False, dtype=nets.float64).eval()
b0 = batches[0]
assert np.allclose(no_stats(nets.tensor(b0)).numpy(), (b0 - b0.mean(0)) / np.sqrt(b0.var(0) + 1e-5), atol=1e-12)

# %% [markdown]
# ## 2. Layer norm, checked against the formulas — and the lecture's two slips (E8, E9)
#
# `LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True)` normalizes each example over its M
# features. The lecture's variance subtracts μᵢ (batch norm's per-feature mean) where it needs μₙ (this
# example's mean), and it indexes γ and β by the example n; they belong to the features, γᵢ and βᵢ —
# a layer must not have parameters per *example*, whose number changes with the batch. (The lecture's
# `nn.LayerNorm(enormalized_shape)` is a typo for `normalized_shape`; and layer normalization is due to
# Ba, Kiros and Hinton (2016) — the notes site's "J. L. Bao" misspells the first author, E23.)

# %%
M = 6
ln = nn.LayerNorm(M, dtype=nets.float64)
assert ln.weight.shape == (M,) and ln.bias.shape == (M,)          # per feature
with nets.no_grad():
    ln.weight.data[...] = rng.uniform(0.5, 2.0, M)
    ln.bias.data[...] = rng.normal(size=M)
a = rng.normal(loc=5.0, scale=3.0, size=(B, M))
mu_n = a.mean(axis=1, keepdims=True)
var_n = ((a - mu_n) ** 2).mean(axis=1, keepdims=True)
g_ln, b_ln = ln.weight.detach().numpy(), ln.bias.detach().numpy()
expected = (a - mu_n) / np.sqrt(var_n + 1e-5) * g_ln + b_ln
out_train = ln(nets.tensor(a)).detach().numpy()
ln.eval()
out_eval = ln(nets.tensor(a)).detach().numpy()
ln.train()
assert np.allclose(out_train, expected, atol=1e-12) and np.array_equal(out_train, out_eval)

mu_i = a.mean(axis=0)                                              # the wrong mean (E8)
var_wrong = ((a - mu_i) ** 2).mean(axis=1, keepdims=True)
normalized_wrong = (a - mu_n) / np.sqrt(var_wrong + 1e-5)
normalized_right = (a - mu_n) / np.sqrt(var_n + 1e-5)
print("std per example with the right variance:", normalized_right.std(axis=1)[:4].round(4),
      "\n                    with the lecture's:   ", normalized_wrong.std(axis=1)[:4].round(4))
assert np.allclose(normalized_right.std(axis=1), 1, atol=1e-5)
assert np.abs(normalized_wrong.std(axis=1) - 1).max() > 0.05

# %% [markdown]
# ## 3. Batch dependence
#
# Change the *other* examples in a batch: batch norm's output for example 0 changes, layer norm's does
# not. That is why batch norm is weak for small batches and awkward for sequences, and why Transformers
# use layer norm.

# %%
bn2, ln2 = nn.BatchNorm1d(M, dtype=nets.float64), nn.LayerNorm(M, dtype=nets.float64)
batch1 = a.copy()
batch2 = a.copy()
batch2[1:] = rng.normal(loc=-3.0, scale=0.5, size=(B - 1, M))
bn_change = np.abs(bn2(nets.tensor(batch1)).detach().numpy()[0] - bn2(nets.tensor(batch2)).detach().numpy()[0]).max()
ln_change = np.abs(ln2(nets.tensor(batch1)).detach().numpy()[0] - ln2(nets.tensor(batch2)).detach().numpy()[0]).max()
print(f"example 0's output moves by {bn_change:.3f} under batch norm, {ln_change:.1e} under layer norm")
assert bn_change > 0.5 and ln_change == 0

# %% [markdown]
# ### Which axes are averaged: a picture
#
# Lay a batch out as a table, examples down, features across. Batch norm takes the mean and variance
# down each **column** (one pair per feature); layer norm takes them along each **row** (one pair per
# example). For a sequence batch of shape (N, C, L), batch norm averages over N *and* L for each channel C.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
table = rng.normal(size=(6, 5))
for ax, kind in zip(axes, ("batch norm", "layer norm")):
    ax.imshow(table, cmap="Greys", alpha=0.25, aspect="auto")
    if kind == "batch norm":
        ax.add_patch(plt.Rectangle((1.5, -0.5), 1, 6, fill=False, ec="C0", lw=3))
        ax.set_title("batch norm: μᵢ, σᵢ² down a column\n(over the batch, one pair per feature i)", color="C0")
    else:
        ax.add_patch(plt.Rectangle((-0.5, 1.5), 5, 1, fill=False, ec="C1", lw=3))
        ax.set_title("layer norm: μₙ, σₙ² along a row\n(over the features, one pair per example n)", color="C1")
    ax.set_xticks(range(5), [f"{i + 1}" for i in range(5)])
    ax.set_yticks(range(6), [f"{n + 1}" for n in range(6)])
    ax.set_xlabel("feature i")
    ax.set_ylabel("example n in the batch")
fig.suptitle("What each normalization averages over (one highlighted group of numbers)")
fig.tight_layout()
savefig(fig, "07_norm_axes.png")

# %% [markdown]
# Both layers also take the shapes PyTorch's do. `BatchNorm1d(C)` accepts a batch of sequences (N, C, L)
# and averages each channel over N and L together; `LayerNorm(M, bias=False)` keeps the per-feature γ but
# drops β.

# %%
seq = rng.normal(loc=2.0, size=(4, 3, 7))                       # N = 4 sequences, C = 3 channels, L = 7
bn_seq = nn.BatchNorm1d(3, dtype=nets.float64)
out_seq = bn_seq(nets.tensor(seq)).detach().numpy()
mu_c, var_c = seq.mean(axis=(0, 2), keepdims=True), seq.var(axis=(0, 2), keepdims=True)
assert np.allclose(out_seq, (seq - mu_c) / np.sqrt(var_c + 1e-5), atol=1e-12)
ln_nobias = nn.LayerNorm(M, bias=False)
assert ln_nobias.bias is None and [n for n, _ in ln_nobias.named_parameters()] == ["weight"]

# %% [markdown]
# ## 4. Deep ReLU networks: initialization first, then normalization
#
# A common story says a deep network "needs" normalization to train. Take an MLP with six hidden ReLU
# layers of 64 units on the bundled digits (8×8 images, 10 classes), SGD with momentum, 5 epochs, and
# change **one thing at a time**.
#
# **Experiment A: the initialization.** No normalization anywhere. With PyTorch's default `Linear`
# initialization, U(−1/√fan_in, 1/√fan_in), each layer multiplies a ReLU signal's mean square by about
# fan_in · 1/(3·fan_in) · ½ = 1/6, so six layers shrink its size about √(6⁶) ≈ 15-fold: the network's
# output is nearly constant and the loss sits at ln 10, the loss of guessing uniformly. With Kaiming
# initialization (variance 2/fan_in, which keeps a ReLU signal's size from layer to layer) the *same*
# network trains well, normalization or not.

# %%
X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
train_ds = TensorDataset(nets.tensor(X_train, dtype=nets.float32), nets.tensor(y_train))
val_loader = DataLoader(TensorDataset(nets.tensor(X_val, dtype=nets.float32), nets.tensor(y_val)), batch_size=512)


def run(norm, init, lr, epochs=5):
    """Train the 6-hidden-layer MLP; return per-epoch training losses (nan once it has diverged) and the
    final validation accuracy."""
    nets.manual_seed(0)
    model = MLP([64] + [64] * 6 + [10], activation="relu", norm=norm)
    if init == "kaiming":
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = DataLoader(train_ds, batch_size=64, shuffle=True, generator=nets.Generator().manual_seed(0))
    losses, accuracy = [], float("nan")
    for _ in range(epochs):
        try:
            with np.errstate(over="ignore", invalid="ignore"):          # the diverging run overflows
                h = fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=1, val_loader=val_loader,
                        metrics=["accuracy"], progress=False)
        except (FloatingPointError, RuntimeError, ValueError):   # fit stops on a NaN loss
            losses += [float("nan")] * (epochs - len(losses))
            return losses, float("nan")
        losses.append(h["loss"][-1])
        accuracy = h["val_accuracy"][-1]
    return losses, accuracy


experiment_a = {init: run(None, init, lr=0.02) for init in ("default", "kaiming")}
for init, (losses, acc) in experiment_a.items():
    print(f"no normalization, {init:7s} init: final training loss {losses[-1]:.3f}, validation accuracy {acc:.3f}")
assert abs(experiment_a["default"][0][-1] - np.log(10)) < 0.05      # stuck at chance: ln 10
assert experiment_a["kaiming"][1] > 0.9                              # same net, better init: trains

# %% [markdown]
# **Experiment B: normalization.** Now start every network from Kaiming initialization, so that all of
# them *can* train, and raise the learning rate from 0.02 to 0.2. Without normalization the updates
# grow the activations layer after layer until the loss overflows (NaN) within the first epoch. Batch norm
# and layer norm re-scale every layer's pre-activations on each step, so the large step is harmless.
# That is what normalization buys: training that tolerates larger steps and poorer initial scales. (It
# also rescues the default initialization of experiment A — the third group of numbers below.)

# %%
experiment_b = {norm: run(norm, "kaiming", lr=0.2) for norm in (None, "batch", "layer")}
rescue = {norm: run(norm, "default", lr=0.02) for norm in ("batch", "layer")}
for norm, (losses, acc) in experiment_b.items():
    print(f"Kaiming init, η = 0.2, {str(norm):5s} norm: training losses {np.round(losses, 3)}, accuracy {acc:.3f}")
for norm, (losses, acc) in rescue.items():
    print(f"default init, η = 0.02, {norm} norm: final training loss {losses[-1]:.3f}, accuracy {acc:.3f}")
assert np.isnan(experiment_b[None][0][-1])                                  # diverged
assert experiment_b["batch"][1] > 0.85 and experiment_b["layer"][1] > 0.85   # trained
assert all(acc > 0.9 for _, acc in rescue.values())

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
epochs = np.arange(1, 6)
for init, (losses, _) in experiment_a.items():
    axes[0].plot(epochs, losses, "o-", label=f"{'PyTorch default' if init == 'default' else 'Kaiming'} init")
axes[0].axhline(np.log(10), color="grey", ls=":", label="ln 10: uniform guessing")
axes[0].set_title("A. No normalization, η = 0.02: only the initialization differs")
names = {None: "no normalization", "batch": "BatchNorm1d", "layer": "LayerNorm"}
for norm, (losses, _) in experiment_b.items():
    line, = axes[1].plot(epochs, losses, "o-", label=names[norm])
    diverged = np.isnan(losses)
    if diverged.any():
        axes[1].plot(epochs[diverged], [1.9] * int(diverged.sum()), "x", color=line.get_color(), ms=9,
                     label="no normalization: loss is NaN (diverged)")
axes[1].set_title("B. Kaiming init, η = 0.2: only the normalization differs")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (cross-entropy, nats)")
    ax.set_xticks(epochs)
    ax.legend(fontsize=8)
fig.suptitle("A 6-hidden-layer ReLU MLP on digits")
fig.tight_layout()
savefig(fig, "07_normalization_training.png")


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch07 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Batch norm by hand (γ = 1, β = 0, ε = 1e-5, training mode) of the batch BATCH = [[1, 10], [2, 20], [3, 30],
# [6, 0]].

# %% tags=["solution"]
from solutions.ch07 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# The running variance of a fresh BatchNorm1d(2) after the batches BATCH, 2·BATCH and BATCH + 1 (momentum 0.1;
# mind which variance the running average uses).

# %% tags=["solution"]
from solutions.ch07 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# In evaluation mode batch norm is an affine map y = a·x + c per feature. Train a BatchNorm1d(2) with γ = (2,
# 0.5), β = (1, −1) on BATCH once, switch it to eval, and return (layer, a, c).

# %% tags=["solution"]
from solutions.ch07 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
