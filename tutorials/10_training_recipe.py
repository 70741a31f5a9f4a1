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
# # 10 · A training recipe
#
# **What you will learn.** The habits that make training work in practice: overfit one batch before
# anything else, check gradients against finite differences, find where a NaN comes from and stop it with
# gradient clipping, sweep the learning rate instead of guessing it, compare optimizers fairly (each at
# its own best rate), and see why reverse mode costs memory. Along the way, two pictures: a model's
# decision boundary as it learns, and the size of each layer's gradient.
#
# **Why it matters.** A network that "does not learn" rarely says why. Each step here rules out one
# cause cheaply, in seconds, before you spend hours on a full run.

# %%
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import nets
from nets import nn, optim
from nets.data import DataLoader, StandardScaler, TensorDataset, load_digits, make_moons, train_test_split
from nets.models import MLP
from nets.nn.utils import clip_grad_norm_
from nets.train import fit

nets.manual_seed(0)
X, y = load_digits(return_X_y=True)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
scaler = StandardScaler().fit(X_tr)
X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)
train_ds = TensorDataset(nets.tensor(X_tr, dtype=nets.float32), nets.tensor(y_tr))
val_loader = DataLoader(TensorDataset(nets.tensor(X_va, dtype=nets.float32), nets.tensor(y_va)), batch_size=512)

# %% [markdown]
# ## 1. Overfit one batch first
#
# Take 32 training images and train on them alone. A correct model, loss and training loop drive the
# loss on those 32 to almost zero within a few hundred steps; if yours cannot, something between the
# data and the update is broken, and no amount of tuning will fix it. Here the same loop is also run
# with a common bug: a softmax layer at the end of the model, although `CrossEntropyLoss` expects logits
# and applies its own. The probabilities it then receives lie in [0, 1], so the loss can never fall below
# −log(e/(e + 9)) = log(1 + 9/e) ≈ 1.46 — the one-batch test shows it at once.

# %%
xb, yb = nets.tensor(X_tr[:32], dtype=nets.float32), nets.tensor(y_tr[:32])


def overfit(double_softmax=False, steps=150):
    nets.manual_seed(0)
    model = MLP([64, 64, 10])
    if double_softmax:
        model = nn.Sequential(model, nn.Softmax(dim=1))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


one_batch = overfit()
buggy = overfit(double_softmax=True)
floor = np.log(1 + 9 / np.e)
print(f"one batch: loss {one_batch[0]:.3f} → {one_batch[-1]:.2e} in {len(one_batch)} steps;"
      f" with the extra softmax: → {buggy[-1]:.3f} (its floor log(1 + 9/e) = {floor:.3f})")
assert one_batch[-1] < 1e-3
assert buggy[-1] > floor - 1e-6

# %% [markdown]
# ## 2. Check the gradients
#
# Backpropagation bugs produce gradients that are *almost* right, and training then half-works. The test
# is cheap: nudge single weights by ±h and compare the central difference (L(w + h) − L(w − h))/2h with
# the gradient backpropagation gave. In float64 with h = 10⁻⁶ they should agree to 10⁻⁶ relative or
# better; a real bug shows as 10⁻² or worse.

# %%
nets.manual_seed(0)
net64 = MLP([64, 16, 10]).double()
x64, y64 = nets.tensor(X_tr[:16]), nets.tensor(y_tr[:16])
loss_fn = nn.CrossEntropyLoss()
net64.zero_grad()
loss_fn(net64(x64), y64).backward()
rng = np.random.default_rng(0)
worst = 0.0
for p in net64.parameters():
    for _ in range(5):
        idx = tuple(rng.integers(0, s) for s in p.shape)
        with nets.no_grad():
            old = p.data[idx]
            p.data[idx] = old + 1e-6
            up = loss_fn(net64(x64), y64).item()
            p.data[idx] = old - 1e-6
            down = loss_fn(net64(x64), y64).item()
            p.data[idx] = old
        numeric, backprop = (up - down) / 2e-6, p.grad.numpy()[idx]
        worst = max(worst, abs(numeric - backprop) / max(abs(numeric), abs(backprop), 1e-8))
print(f"largest relative difference over 20 weights: {worst:.1e}")
assert worst < 1e-5

# %% [markdown]
# ## 3. Find the NaN, then stop it by clipping
#
# Train the digits MLP with plain SGD at a learning rate that is far too large, η = 5. Record the gradient norm at
# every step: it grows, the loss overflows, and from then on every number is NaN. The first non-finite
# loss tells you *when*; the gradient norms just before tell you *why* (the updates exploded).
#
# Gradient-norm clipping rescales the whole gradient whenever its norm exceeds a threshold c,
# g ← g·c/‖g‖, so no single step can be larger than η·c. With c = 0.1 the same learning rate trains.

# %%
def train_steps(lr, clip=None, steps=60):
    nets.manual_seed(0)
    model = MLP([64, 128, 128, 10])
    opt = optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(train_ds, batch_size=64, shuffle=True, generator=nets.Generator().manual_seed(0))
    losses, norms = [], []
    while len(losses) < steps:
        for xb_, yb_ in loader:
            opt.zero_grad()
            with np.errstate(all="ignore"):
                loss = nn.CrossEntropyLoss()(model(xb_), yb_)
                loss.backward()
                norm = clip_grad_norm_(model.parameters(), max_norm=clip if clip else float("inf")).item()
                opt.step()
            losses.append(loss.item())
            norms.append(norm)
            if len(losses) == steps:
                break
    return np.array(losses), np.array(norms)


loss_big, norm_big = train_steps(lr=5.0)
loss_clip, norm_clip = train_steps(lr=5.0, clip=0.1)
first_bad = int(np.argmax(~np.isfinite(loss_big)))
print(f"η = 5: first non-finite loss at step {first_bad}; gradient norms just before:"
      f" {np.round(norm_big[max(0, first_bad - 4):first_bad], 1)}")
print(f"η = 5 with clipping at 0.1: loss {loss_clip[0]:.2f} → {loss_clip[-1]:.3f}, all finite")
assert not np.all(np.isfinite(loss_big)) and np.all(np.isfinite(loss_clip)) and loss_clip[-1] < 0.5

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
steps_axis = np.arange(len(loss_big))
axes[0].semilogy(steps_axis, np.where(np.isfinite(loss_big), loss_big, np.nan), label="no clipping")
axes[0].semilogy(steps_axis, loss_clip, label="clipped at ‖g‖ ≤ 0.1")
axes[0].axvline(first_bad, color="grey", ls=":", label=f"first NaN (step {first_bad})")
axes[0].set_ylabel("training loss (cross-entropy, nats)")
axes[0].set_title("Loss")
axes[1].semilogy(steps_axis, np.where(np.isfinite(norm_big), norm_big, np.nan), label="no clipping")
axes[1].semilogy(steps_axis, norm_clip, label="clipped (norm before clipping)")
axes[1].axvline(first_bad, color="grey", ls=":", label=f"first NaN (step {first_bad})")
axes[1].set_ylabel("gradient norm ‖g‖")
axes[1].set_title("Gradient norm")
for ax in axes:
    ax.set_xlabel("step")
    ax.legend(fontsize=8)
fig.suptitle("SGD at η = 5 on digits: exploding updates, and clipping")
fig.tight_layout()
savefig(fig, "10_nan_and_clipping.png")

# %% [markdown]
# ## 4. Sweep the learning rate
#
# The learning rate matters more than any other setting, and its good range is easy to find: train
# briefly at rates spaced by factors of about 3 and compare the validation loss. Too small learns
# slowly, too large is unstable; the best is usually a little below the largest rate that still works.

# %%
def run(make_opt, epochs=6, seed=0):
    nets.manual_seed(seed)
    model = MLP([64, 64, 10])
    loader = DataLoader(train_ds, batch_size=64, shuffle=True, generator=nets.Generator().manual_seed(seed))
    with np.errstate(all="ignore"):
        try:
            return fit(model, nn.CrossEntropyLoss(), make_opt(model.parameters()), loader, epochs=epochs,
                       val_loader=val_loader, metrics=["accuracy"], progress=False)
        except (FloatingPointError, RuntimeError, ValueError):    # fit stops on a NaN loss
            return None


def final_val_loss(history):
    return float("inf") if history is None else history["val_loss"][-1]


sweep_lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]
adam_sweep = {lr: final_val_loss(run(lambda p, lr=lr: optim.Adam(p, lr=lr))) for lr in sweep_lrs}
best_adam = min(adam_sweep, key=adam_sweep.get)
print("Adam, validation loss after 6 epochs:", {lr: round(v, 3) for lr, v in adam_sweep.items()})
print("best learning rate:", best_adam)
assert adam_sweep[1e-4] > 2 * adam_sweep[best_adam]            # too small is slow
assert 1e-3 <= best_adam <= 3e-2

# %% [markdown]
# ## 5. Six optimizers, each at its own best rate
#
# Comparing optimizers at one shared learning rate mostly measures which one that rate suits. The fair
# comparison — the course exercises' third problem — gives each its own small sweep and then compares
# the learning curves at each one's best rate.

# %%
families = {
    "SGD": lambda lr: lambda p: optim.SGD(p, lr=lr),
    "SGD + momentum 0.9": lambda lr: lambda p: optim.SGD(p, lr=lr, momentum=0.9),
    "Adagrad": lambda lr: lambda p: optim.Adagrad(p, lr=lr),
    "RMSprop": lambda lr: lambda p: optim.RMSprop(p, lr=lr),
    "Adam": lambda lr: lambda p: optim.Adam(p, lr=lr),
    "AdamW (λ = 0.01)": lambda lr: lambda p: optim.AdamW(p, lr=lr),
}
grids = {"SGD": [0.1, 0.3, 1.0], "SGD + momentum 0.9": [0.003, 0.01, 0.03], "Adagrad": [0.01, 0.03, 0.1],
         "RMSprop": [3e-4, 1e-3, 3e-3], "Adam": [1e-3, 3e-3, 1e-2], "AdamW (λ = 0.01)": [1e-3, 3e-3, 1e-2]}
best = {}
for name, make in families.items():
    runs = {lr: run(make(lr)) for lr in grids[name]}
    lr_best = min(runs, key=lambda lr: final_val_loss(runs[lr]))
    best[name] = (lr_best, runs[lr_best])
    print(f"{name:20s} best lr {lr_best:<7g} validation loss {final_val_loss(runs[lr_best]):.3f},"
          f" accuracy {runs[lr_best]['val_accuracy'][-1]:.3f}")

fig, ax = plt.subplots(figsize=(7.5, 4.5))
for name, (lr_best, h) in best.items():
    ax.plot(h.epochs, h["val_loss"], "o-", ms=3, label=f"{name}, η = {lr_best:g}")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("validation loss (cross-entropy, nats)")
ax.set_title("Six optimizers on digits (MLP 64-64-10, batch 64), each at its best η")
ax.legend(fontsize=8)
fig.tight_layout()
savefig(fig, "10_six_optimizers.png")
assert all(h["val_accuracy"][-1] > 0.9 for _, h in best.values())
print("Adam and AdamW nearly coincide: with λ = 0.01 and η = 0.01 the decay takes 10⁻⁴ of each weight per step")
assert final_val_loss(best["SGD"][1]) > min(final_val_loss(h) for _, h in best.values())

# %% [markdown]
# ## 6. Watch a decision boundary form
#
# On the two-moons data, a logistic regression can only draw a straight line, whatever it is trained
# for; an MLP bends its boundary around the moons as training goes on. Below, each model's predicted
# class regions after 1, 10 and 100 epochs.

# %%
Xm, ym = make_moons(n_samples=300, noise=0.15, seed=0)
moons = TensorDataset(nets.tensor(Xm, dtype=nets.float32), nets.tensor(ym))
gx, gy = np.meshgrid(np.linspace(-1.6, 2.6, 120), np.linspace(-1.1, 1.6, 100))
grid = nets.tensor(np.c_[gx.ravel(), gy.ravel()], dtype=nets.float32)
snapshots = (1, 10, 100)
models = {"logistic regression": lambda: MLP([2, 2]), "MLP 2-32-32-2 (ReLU)": lambda: MLP([2, 32, 32, 2])}
fig, axes = plt.subplots(2, 3, figsize=(13, 7), sharex=True, sharey=True)
accuracy = {}
for row, (name, make) in zip(axes, models.items()):
    nets.manual_seed(0)
    model = make()
    opt = optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(moons, batch_size=32, shuffle=True, generator=nets.Generator().manual_seed(0))
    done = 0
    for ax, epoch in zip(row, snapshots):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=epoch - done, progress=False)
        done = epoch
        with nets.no_grad():
            regions = model(grid).numpy().argmax(axis=1).reshape(gx.shape)
            accuracy[name, epoch] = float((model(moons.tensors[0]).numpy().argmax(1) == ym).mean())
        ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5], colors=["#cfe0f5", "#f8d5c8"])
        for cls, colour in ((0, "C0"), (1, "C3")):
            ax.scatter(*Xm[ym == cls].T, s=8, color=colour, label=f"class {cls}")
        ax.set_title(f"{name}\nafter {epoch} epoch{'s' if epoch > 1 else ''}: accuracy {accuracy[name, epoch]:.2f}",
                     fontsize=9)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
axes[0, 0].legend(fontsize=8, loc="lower left")
fig.suptitle("Decision regions during training on two moons (shaded: the predicted class)")
fig.tight_layout()
savefig(fig, "10_decision_boundaries.png")
assert accuracy["logistic regression", 100] < 0.9 < accuracy["MLP 2-32-32-2 (ReLU)", 100]

# %% [markdown]
# ## 7. Each layer's gradient: activation and initialization
#
# A deep network learns only if every layer receives a usable gradient. Histograms of the per-layer
# gradient norms, one batch, eight hidden layers: with sigmoid units each layer back multiplies the
# gradient by at most ¼ and the first layer gets a millionth of the last layer's gradient; ReLU with
# PyTorch's default initialization still shrinks it layer by layer (to about 2 %); ReLU with Kaiming
# initialization keeps it within a small factor from the last layer to the first.

# %%
def layer_gradient_norms(activation, kaiming, depth=8, width=64):
    nets.manual_seed(0)
    model = MLP([64] + [width] * depth + [10], activation=activation)
    if kaiming:
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
    nn.CrossEntropyLoss()(model(nets.tensor(X_tr[:256], dtype=nets.float32)), nets.tensor(y_tr[:256])).backward()
    return [np.linalg.norm(m.weight.grad.numpy()) for m in model.modules() if isinstance(m, nn.Linear)]


settings = {"sigmoid, default init": ("sigmoid", False), "ReLU, default init": ("relu", False),
            "ReLU, Kaiming init": ("relu", True)}
norms = {name: layer_gradient_norms(*args) for name, args in settings.items()}
fig, ax = plt.subplots(figsize=(8, 4.2))
width = 0.27
for k, (name, values) in enumerate(norms.items()):
    ax.bar(np.arange(len(values)) + (k - 1) * width, values, width=width, label=name)
ax.set_yscale("log")
ax.set_xticks(range(len(norms["ReLU, Kaiming init"])), [f"{i + 1}" for i in range(9)])
ax.set_xlabel("layer (1 = next to the input, 9 = output layer)")
ax.set_ylabel("‖∂L/∂W‖ for one batch of 256")
ax.set_title("Gradient norm per layer in an 8-hidden-layer MLP")
ax.legend(fontsize=8)
fig.tight_layout()
savefig(fig, "10_gradient_norms_per_layer.png")
for name, values in norms.items():
    print(f"{name:22s} first layer / last layer gradient norm: {values[0] / values[-1]:.1e}")
assert norms["sigmoid, default init"][0] / norms["sigmoid, default init"][-1] < 1e-3
assert norms["ReLU, Kaiming init"][0] / norms["ReLU, Kaiming init"][-1] > 5 * (
    norms["ReLU, default init"][0] / norms["ReLU, default init"][-1])

# %% [markdown]
# ## 8. The memory cost of reverse mode
#
# Reverse mode needs, on its way back, the values the forward pass computed — every layer's input
# activations. So training keeps them all alive until `backward()`, and its memory grows with the
# depth (and the batch size). Evaluation under `no_grad()` keeps nothing: each layer's output can be
# freed as soon as the next layer has used it. Below, the peak memory of one forward pass (measured with
# Python's `tracemalloc`) for MLPs of growing depth, 256 units wide, on a batch of 256.

# %%
def peak_forward_mib(depth, record_graph):
    nets.manual_seed(0)
    model = MLP([256] + [256] * depth + [10])
    xb_ = nets.randn(256, 256)
    tracemalloc.start()
    if record_graph:
        out = model(xb_).sum()
    else:
        with nets.no_grad():
            out = model(xb_).sum()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del out
    return peak / 2 ** 20


depths = [1, 2, 4, 8, 16]
with_graph = [peak_forward_mib(d, True) for d in depths]
without = [peak_forward_mib(d, False) for d in depths]
for d, a, b in zip(depths, with_graph, without):
    print(f"depth {d:2d}: peak {a:6.2f} MiB while recording the graph, {b:5.2f} MiB under no_grad")
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(depths, with_graph, "o-", label="training (graph recorded for backward)")
ax.plot(depths, without, "s-", label="evaluation under no_grad()")
ax.set_xlabel("number of hidden layers (256 units each)")
ax.set_ylabel("peak memory of one forward pass (MiB)")
ax.set_title("Reverse mode keeps every layer's activations")
ax.legend(fontsize=8)
fig.tight_layout()
savefig(fig, "10_memory_reverse_mode.png")
slope = (with_graph[-1] - with_graph[0]) / (depths[-1] - depths[0])
one_activation = 256 * 256 * 4 / 2 ** 20  # MiB: a 256 × 256 float32 array, what each layer must keep
assert slope > 0.8 * one_activation
assert with_graph[-1] > 3 * without[-1]


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch10 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Clip the gradient g = (3, 4) to norm at most 1 by hand.

# %% tags=["solution"]
from solutions.ch10 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# The floor of the double-softmax bug with K = 10 classes: the smallest cross-entropy a model can reach when
# CrossEntropyLoss receives probabilities in [0, 1] instead of logits.

# %% tags=["solution"]
from solutions.ch10 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# How much memory does each extra hidden layer (256 units, batch 256, float32) add to the recorded graph?
# Measure the slope in MiB per layer, and explain it: 256·256·4 bytes is 0.25 MiB, and each layer keeps two
# such arrays — the Linear layer's output and the ReLU's output.

# %% tags=["solution"]
from solutions.ch10 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
