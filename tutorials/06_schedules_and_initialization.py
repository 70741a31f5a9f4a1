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
# # 06 · Learning-rate schedules and initialization
#
# **What you will learn.** The learning-rate schedules of the course and of current practice (warm-up,
# cosine, the Transformer's), when to step a scheduler, and how to initialize weights so that signals keep
# their size through many layers.
#
# **Why it matters.** A good schedule and a sensible initialization are often the difference between a
# network that trains and one that does not start.
#
# Two choices made before the first gradient step: how the learning rate will change over training,
# and where the weights start. Both are small lines of code with large effects.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import nets
from nets import nn, optim
from nets.optim import lr_scheduler as sch

nets.manual_seed(0)


def lr_curve(make_scheduler, epochs, lr0=0.1):
    """The learning rate used in each epoch: step the optimizer, then the scheduler, once per epoch."""
    p = nets.zeros(1, requires_grad=True)
    opt = optim.SGD([p], lr=lr0)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(epochs):
        rates.append(opt.param_groups[0]["lr"])
        p.grad = nets.ones(1)
        opt.step()            # ... all of the epoch's optimizer steps ...
        scheduler.step()      # ... then the scheduler, once per epoch
    return np.array(rates)


# %% [markdown]
# ## 1. The course's three schedules
#
# With t the epoch (or step) and η⁰ the initial rate:
#
# * **linear**: η^t = (1 − t/K)η⁰ + (t/K)η^K for t ≤ K, and then **held** at η^K (the lecture omits the
#   hold, E13). PyTorch: `LinearLR(start_factor=1, end_factor=η^K/η⁰, total_iters=K)`.
# * **power**: η^t = η⁰(1 + t/s)^c, which decays only for **c < 0** (the lecture gives no sign). With
#   c = −1 and s = 1/decay it is the course exercise's lr/(1 + decay·epoch). PyTorch: `LambdaLR`.
# * **exponential**: η^t = η⁰c^{t/s} with 0 < c < 1. PyTorch's `ExponentialLR(gamma)` is the case s = 1;
#   `StepLR(step_size=s, gamma=c)` is the staircase c^⌊t/s⌋.
#
# nets has the course's forms under their own names (`LinearInterpolationLR`, `PowerLR`,
# `ExponentialDecayLR`) and PyTorch's classes; we check that they agree with the formulas and with each
# other.

# %%
E, lr0 = 60, 0.1
t = np.arange(E)
course = {
    "linear to 0.01 over K=40, then held": lr_curve(lambda o: sch.LinearInterpolationLR(o, 0.01, 40), E),
    "power c=−1, s=10": lr_curve(lambda o: sch.PowerLR(o, c=-1.0, s=10.0), E),
    "exponential c=0.5, s=10": lr_curve(lambda o: sch.ExponentialDecayLR(o, c=0.5, s=10.0), E),
    "StepLR(10, 0.5) (staircase)": lr_curve(lambda o: sch.StepLR(o, step_size=10, gamma=0.5), E),
}
lin = np.where(t <= 40, (1 - t / 40) * lr0 + (t / 40) * 0.01, 0.01)
assert np.allclose(course["linear to 0.01 over K=40, then held"], lin, rtol=1e-12)
assert np.allclose(lr_curve(lambda o: sch.LinearLR(o, 1.0, 0.1, 40), E), lin, rtol=1e-12)
assert np.allclose(course["power c=−1, s=10"], lr0 / (1 + 0.1 * t), rtol=1e-12)   # the dojo's lr/(1+decay·epoch)
assert np.allclose(course["exponential c=0.5, s=10"], lr0 * 0.5 ** (t / 10), rtol=1e-12)
assert np.allclose(course["StepLR(10, 0.5) (staircase)"], lr0 * 0.5 ** (t // 10), rtol=1e-12)
assert np.allclose(lr_curve(lambda o: sch.ExponentialLR(o, 0.9), E), lr0 * 0.9 ** t, rtol=1e-12)

for bad in [lambda o: sch.PowerLR(o, c=0.5, s=10.0), lambda o: sch.ExponentialDecayLR(o, c=1.5)]:
    try:
        lr_curve(bad, 1)
    except ValueError as e:
        print("rejected:", e)
    else:
        raise AssertionError("a growing schedule was accepted")

# %% [markdown]
# PyTorch's `LinearLR` has defaults of its own that are easy to trip over: `start_factor=1/3`,
# `end_factor=1.0`, `total_iters=5`. Left at them, it is a short *warm-up*: the rate starts at a third of
# η⁰ and climbs back to η⁰ over five epochs — not a decay.

# %%
warm = lr_curve(lambda o: sch.LinearLR(o), 8)
assert np.allclose(warm, lr0 * (1 / 3 + (2 / 3) * np.minimum(np.arange(8), 5) / 5), rtol=1e-12)
print("LinearLR with its defaults:", np.round(warm / lr0, 3), "× η⁰")

# %% [markdown]
# ## 2. Schedules in current use (quizzes 10 and 11)
#
# * **cosine**: η_t = η_min + ½(η_max − η_min)(1 + cos(πt/T)) (`CosineAnnealingLR`).
# * **linear warm-up, then cosine**: `SequentialLR([LinearLR(...), CosineAnnealingLR(...)], milestones)`.
# * **the Transformer's**: lrate = d_model^{−½}·min(n^{−½}, n·warmup^{−3/2}), steps counted from n = 1,
#   warmup = 4000 — a linear rise, then decay ∝ 1/√n (`TransformerLR`).
# * **GPT-3/LLaMA style**: linear warm-up, cosine decay to 10 % of the peak, then held at 10 %
#   (a `LambdaLR`).

# %%
T = 100
cosine = lr_curve(lambda o: sch.CosineAnnealingLR(o, T_max=T, eta_min=0.001), T)
assert np.allclose(cosine, 0.001 + 0.5 * (0.1 - 0.001) * (1 + np.cos(np.pi * np.arange(T) / T)), rtol=1e-10)
warm_cos = lr_curve(lambda o: sch.SequentialLR(o, [sch.LinearLR(o, start_factor=0.01, total_iters=10),
                                                  sch.CosineAnnealingLR(o, T_max=T - 10)], milestones=[10]), T)
assert abs(warm_cos[0] - 0.001) < 1e-12 and abs(warm_cos[10] - 0.1) < 1e-12 and warm_cos[-1] < 0.001


def gpt_style(step, warmup=10, decay_steps=80):
    """Multiplier: linear warm-up, cosine to 10 % of the peak, then held at 10 %."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / decay_steps)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


gpt = lr_curve(lambda o: sch.LambdaLR(o, gpt_style), T + 20)
assert abs(gpt.max() - 0.1) < 1e-12 and np.allclose(gpt[95:], 0.01)

steps = 20000
transformer = lr_curve(lambda o: sch.TransformerLR(o, d_model=512, warmup_steps=4000), steps, lr0=1.0)
n = np.arange(1, steps + 1)
assert np.allclose(transformer, 512 ** -0.5 * np.minimum(n ** -0.5, n * 4000 ** -1.5), rtol=1e-12)
peak = int(np.argmax(transformer)) + 1
print(f"Transformer schedule peaks at step {peak} with lrate {transformer.max():.2e}")
assert peak == 4000 and abs(transformer.max() - 512 ** -0.5 * 4000 ** -0.5) < 1e-15

fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for name, rates in course.items():
    axes[0].plot(rates, label=name)
axes[0].set_title("the course's schedules (η⁰ = 0.1)")
for name, rates in [("cosine", cosine), ("warm-up + cosine", warm_cos), ("warm-up, cosine to 10 %, hold", gpt)]:
    axes[1].plot(rates, label=name)
axes[1].set_title("cosine family")
axes[2].plot(n / 1000, transformer * 1e4, label="d_model^−0.5 · min(t^−0.5, t · 4000^−1.5)")
axes[2].axvline(4, color="grey", ls=":", label="end of warm-up (step 4,000)")
axes[2].set_title("Transformer (d_model = 512, warm-up 4000)")
axes[2].set_xlabel("step (thousands)")
axes[2].set_ylabel("learning rate (×10⁻⁴)")
axes[2].legend(fontsize=8)
for ax in axes[:2]:
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize=8)
fig.suptitle("Learning-rate schedules: the course's, the cosine family, the Transformer's")
fig.tight_layout()
savefig(fig, "06_schedules.png")

# %% [markdown]
# ### When to call `scheduler.step()`
#
# Once per epoch, **after** that epoch's `optimizer.step()` calls. Calling it first means the very first
# epoch already trains with the decayed rate and the initial rate is never used:

# %%
def first_update(scheduler_first):
    p = nets.zeros(1, dtype=nets.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    scheduler = sch.StepLR(opt, step_size=1, gamma=0.5)
    p.grad = nets.ones(1, dtype=nets.float64)
    if scheduler_first:
        scheduler.step()
    opt.step()
    return -p.item()


print("first update: correct order", first_update(False), "; scheduler first", first_update(True))
assert first_update(False) == 0.1 and first_update(True) == 0.05

# %% [markdown]
# ## 3. Initialization: break the symmetry
#
# If two hidden units start with identical weights they compute the same thing, receive the same
# gradient and stay identical forever: the layer behaves like a single unit. Random initialization
# breaks the tie. (In a single-layer convex model there are no hidden units and even all-zero weights are
# fine; the course's exercises start logistic regression from U[0, 1).)

# %%
X, y = nets.data.make_moons(n_samples=200, noise=0.1, seed=0)
Xt, yt = nets.tensor(X), nets.tensor(y)


def train_mlp(init, steps=400):
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    if init == "constant":
        for p in net.parameters():
            nn.init.constant_(p, 0.3)
    opt = optim.Adam(net.parameters(), lr=0.05)
    for _ in range(steps):
        loss = nn.CrossEntropyLoss()(net(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    accuracy = (net(Xt).argmax(dim=1).numpy() == y).mean()
    return net, loss.item(), accuracy


sym_net, sym_loss, sym_acc = train_mlp("constant")
rnd_net, rnd_loss, rnd_acc = train_mlp("random")
W1 = sym_net[0].weight.detach().numpy()
print(f"constant init: loss {sym_loss:.3f}, accuracy {sym_acc:.2f};"
      f" spread across hidden units {np.ptp(W1, axis=0).max():.1e}")
print(f"random init:   loss {rnd_loss:.3f}, accuracy {rnd_acc:.2f}")
assert np.ptp(W1, axis=0).max() < 1e-12            # all 8 hidden units are still one and the same
assert rnd_loss < sym_loss and rnd_acc > sym_acc

# %% [markdown]
# ## 4. The initializers
#
# The lecture draws weights from U[−ε, ε] or N(0, ε²). The named schemes choose ε from the layer's fan-in
# and fan-out so that signals keep their scale from layer to layer:
#
# * **Xavier/Glorot** (for tanh/sigmoid): U(−b, b) with b = gain·√(6/(fan_in + fan_out)).
# * **Kaiming/He** (for ReLU): U(−b, b) with b = gain·√(3/fan_in), gain = √2 for ReLU
#   (`calculate_gain`).
# * PyTorch's (and nets') `Linear` default: weight and bias both U(−1/√fan_in, 1/√fan_in) — this is
#   `kaiming_uniform_` with a = √5.

# %%
fan_in, fan_out = 400, 300
w = nets.empty(fan_out, fan_in)
checks = {
    "xavier_uniform_": (lambda t: nn.init.xavier_uniform_(t), math.sqrt(6 / (fan_in + fan_out))),
    "kaiming_uniform_ (relu)": (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"),
                                math.sqrt(2) * math.sqrt(3 / fan_in)),
    "Linear default": (lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(fan_in)),
}
for name, (init, bound) in checks.items():
    values = init(w).detach().numpy()
    print(f"{name:24s} bound {bound:.4f}, max |w| {np.abs(values).max():.4f}, std {values.std():.4f}"
          f" (uniform: bound/√3 = {bound / math.sqrt(3):.4f})")
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound
layer = nn.Linear(fan_in, fan_out)
assert np.abs(layer.weight.detach().numpy()).max() <= 1 / math.sqrt(fan_in)
assert np.abs(layer.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in)
assert abs(nn.init.calculate_gain("relu") - math.sqrt(2)) < 1e-15 and nn.init.calculate_gain("tanh") == 5 / 3

# %% [markdown]
# The plain fillers the lecture's U[−ε, ε] needs, and the two constant ones: `uniform_(t, a, b)`,
# `zeros_(t)` and `ones_(t)` (a bias is often zeroed, a normalization layer's γ starts at one).

# %%
u = nn.init.uniform_(nets.empty(2000), a=-0.05, b=0.05).detach().numpy()
assert -0.05 <= u.min() < -0.049 and 0.049 < u.max() <= 0.05
assert not nn.init.zeros_(nets.empty(3, 4)).detach().numpy().any()
assert (nn.init.ones_(nets.empty(5)).detach().numpy() == 1).all()

# %% [markdown]
# ### Why the scale matters: signals through 20 layers
#
# Push a batch through 20 layers of width 256 and watch the standard deviation of the activations. With
# ReLU and Kaiming it stays put; with a fixed small scale it dies out geometrically; Xavier suits tanh.

# %%
depth, width = 20, 256
x0 = nets.randn(512, width)


def activation_stds(init, activation):
    h, stds = x0, []
    with nets.no_grad():
        for _ in range(depth):
            lin = nn.Linear(width, width, bias=False)
            init(lin.weight)
            h = activation(lin(h))
            stds.append(float(h.numpy().std()))
    return np.array(stds)


setups = {
    "ReLU, Kaiming": (lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"), nn.ReLU()),
    "ReLU, N(0, 0.01²)": (lambda t: nn.init.normal_(t, std=0.01), nn.ReLU()),
    "tanh, Xavier": (lambda t: nn.init.xavier_normal_(t, gain=nn.init.calculate_gain("tanh")), nn.Tanh()),
    "tanh, N(0, 0.01²)": (lambda t: nn.init.normal_(t, std=0.01), nn.Tanh()),
}
stds = {name: activation_stds(*setup) for name, setup in setups.items()}
fig, ax = plt.subplots(figsize=(6, 4))
for name, s in stds.items():
    ax.semilogy(range(1, depth + 1), s, "o-", ms=3, label=name)
ax.set_xlabel("layer (of 20)")
ax.set_ylabel("standard deviation of the activations")
ax.set_xticks(range(2, 21, 2))
ax.set_title("Initialization scale through depth")
ax.legend(fontsize=8)
fig.tight_layout()
savefig(fig, "06_init_depth.png")
for name, s in stds.items():
    print(f"{name:20s} std at layer 1: {s[0]:.3g}, at layer {depth}: {s[-1]:.3g}")
assert 0.3 < stds["ReLU, Kaiming"][-1] / stds["ReLU, Kaiming"][0] < 3
assert stds["ReLU, N(0, 0.01²)"][-1] < 1e-12
assert stds["tanh, Xavier"][-1] > 0.1 and stds["tanh, N(0, 0.01²)"][-1] < 1e-12


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch06 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# The learning rate used in epoch 25 (counting from 0) under StepLR(step_size=10, gamma=0.5) from η⁰ = 0.1.

# %% tags=["solution"]
from solutions.ch06 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# A multiplier for LambdaLR: linear warm-up over 5 epochs, then cosine from 1 down to 0 at epoch 50.

# %% tags=["solution"]
from solutions.ch06 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# Xavier's uniform bound for a tanh layer with fan_in 300 and fan_out 100 (gain 5/3), and the standard
# deviation of weights drawn with it.

# %% tags=["solution"]
from solutions.ch06 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
