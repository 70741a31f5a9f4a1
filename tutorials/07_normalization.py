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
# ## 4. Effect on training a deeper network
#
# An MLP with six hidden ReLU layers of 64 units on the bundled handwritten digits (8×8 images,
# 10 classes), trained for 5 epochs with SGD + momentum from PyTorch's default initialization. Without
# normalization the signal shrinks through the layers and training barely starts in this budget; with
# either normalization it trains at once.

# %%
X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
train_ds = TensorDataset(nets.tensor(X_train, dtype=nets.float32), nets.tensor(y_train))
val_loader = DataLoader(TensorDataset(nets.tensor(X_val, dtype=nets.float32), nets.tensor(y_val)), batch_size=512)

histories = {}
for norm in (None, "batch", "layer"):
    nets.manual_seed(0)
    model = MLP([64] + [64] * 6 + [10], activation="relu", norm=norm)
    train_loader = DataLoader(train_ds, batch_size=64, shuffle=True, generator=nets.Generator().manual_seed(0))
    histories[norm] = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.02, momentum=0.9),
                          train_loader, epochs=5, val_loader=val_loader, metrics=["accuracy"], progress=False)

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for norm, h in histories.items():
    label = {None: "no normalization", "batch": "BatchNorm1d", "layer": "LayerNorm"}[norm]
    axes[0].plot(h.epochs, h["loss"], "o-", label=label)
    axes[1].plot(h.epochs, h["val_accuracy"], "o-", label=label)
axes[0].set_ylabel("training loss")
axes[1].set_ylabel("validation accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()
fig.suptitle("6 hidden ReLU layers on digits")
fig.tight_layout()
savefig(fig, "07_normalization_training.png")

for norm, h in histories.items():
    print(f"{str(norm):5s} final training loss {h['loss'][-1]:.3f}, validation accuracy {h['val_accuracy'][-1]:.3f}")
assert histories[None]["val_accuracy"][-1] < 0.5
assert histories["batch"]["val_accuracy"][-1] > 0.9 and histories["layer"]["val_accuracy"][-1] > 0.9
assert max(histories["batch"]["loss"][-1], histories["layer"]["loss"][-1]) < 0.3 * histories[None]["loss"][-1]
