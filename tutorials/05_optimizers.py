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
# # 05 · Optimizers
#
# **What you will learn.** The update rules of momentum, Nesterov, Adagrad, RMSprop, Adam and AdamW, written
# out and checked against PyTorch's definitions, and how they move on curved, narrow and saddle-shaped
# losses.
#
# **Why it matters.** The optimizer decides how fast, and whether, training converges; the lecture's
# pseudocode has bugs that this chapter makes visible.
#
# Plain gradient descent takes the same step size in every direction. On a loss that is steep one way
# and flat another it must use a step small enough for the steep direction, and then crawls along the
# flat one. The optimizers of this chapter fix that in two ways: **momentum** accumulates a velocity, and
# **adaptive** methods (Adagrad, RMSProp, Adam) scale each coordinate by the size of its recent
# gradients. We write each rule out, check it against `nets.optim` (PyTorch's rules and defaults), watch
# them on three 2-D landscapes, and correct the lecture's pseudocode where it goes wrong.
#
# Throughout, g_t = ∇L(w_{t−1}) is the gradient at the *current* weights and t = 1, 2, … counts steps.

# %%

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import nets
from nets import optim


def run(make_optimizer, loss_fn, start, steps):
    """Optimize a 2-D point with a nets optimizer; return the path (steps+1, 2) and the losses."""
    w = nets.tensor(np.array(start, dtype=np.float64), requires_grad=True)
    opt = make_optimizer([w])
    path, losses = [w.detach().numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(w)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        path.append(w.detach().numpy().copy())
    return np.array(path), np.array(losses)


# %% [markdown]
# ## The update rules (PyTorch's, which nets follows)
#
# | optimizer | state | update |
# |---|---|---|
# | SGD + momentum μ | b_t = μb_{t−1} + g_t (b₁ = g₁) | w_t = w_{t−1} − η b_t |
# | Nesterov | same b_t | w_t = w_{t−1} − η(g_t + μb_t) |
# | Adagrad | r_t = r_{t−1} + g_t² | w_t = w_{t−1} − η g_t/(√r_t + ε) |
# | RMSprop | r_t = αr_{t−1} + (1−α)g_t² | w_t = w_{t−1} − η g_t/(√r_t + ε) |
# | Adam | s_t = β₁s_{t−1} + (1−β₁)g_t, r_t = β₂r_{t−1} + (1−β₂)g_t² | w_t = w_{t−1} − η ŝ_t/(√r̂_t + ε) |
# | AdamW | as Adam | first w ← w_{t−1}(1 − ηλ), then the Adam step |
#
# Adam corrects the zero start of its averages: ŝ_t = s_t/(1−β₁ᵗ), r̂_t = r_t/(1−β₂ᵗ).
#
# Defaults: SGD lr=1e-3; Adagrad lr=1e-2, eps=1e-10; RMSprop lr=1e-2, alpha=0.99, eps=1e-8;
# Adam lr=1e-3, betas=(0.9, 0.999), eps=1e-8; AdamW the same with weight_decay=1e-2. Every state starts
# at zero. Here Adam is written out in numpy and compared with `nets.optim.Adam` over 50 steps on a
# quadratic.

# %%
A = np.diag([1.0, 10.0])


def quad(w):
    return 0.5 * (w * nets.tensor(np.diag(A)) * w).sum()


def adam_by_hand(w, steps, lr=1e-2, b1=0.9, b2=0.999, eps=1e-8):
    s, r = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = A @ w                         # g_t = ∇L(w_{t−1})
        s = b1 * s + (1 - b1) * g         # '=' — not '+=' (E1)
        r = b2 * r + (1 - b2) * g ** 2
        w = w - lr * (s / (1 - b1 ** t)) / (np.sqrt(r / (1 - b2 ** t)) + eps)
    return w


start = np.array([1.0, 1.0])
path, _ = run(lambda p: optim.Adam(p, lr=1e-2), quad, start, 50)
assert np.allclose(path[-1], adam_by_hand(start, 50), atol=1e-14)
defaults = optim.Adam([nets.zeros(1, requires_grad=True)]).defaults
print("Adam defaults:", {k: defaults[k] for k in ("lr", "betas", "eps", "weight_decay", "amsgrad")})
assert defaults["betas"] == (0.9, 0.999) and defaults["eps"] == 1e-8 and defaults["lr"] == 1e-3

# %% [markdown]
# The same check for Adagrad (with its `lr_decay`: η̃_t = η/(1 + (t − 1)·lr_decay); ε sits *outside* the
# square root), RMSprop, SGD with PyTorch's L2 `weight_decay` (λw added to g before the momentum) and
# dampening τ (b_t = μb_{t−1} + (1 − τ)g_t after the first step).

# %%
def by_hand(rule, w, steps):
    state = {"r": np.zeros_like(w), "b": None}
    for t in range(1, steps + 1):
        w = rule(w, A @ w, t, state)
    return w


def adagrad_rule(w, g, t, st, lr=0.5, lr_decay=0.01, eps=1e-10):
    st["r"] = st["r"] + g ** 2
    return w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(st["r"]) + eps)


def rmsprop_rule(w, g, t, st, lr=0.01, alpha=0.99, eps=1e-8):
    st["r"] = alpha * st["r"] + (1 - alpha) * g ** 2
    return w - lr * g / (np.sqrt(st["r"]) + eps)


def sgd_rule(w, g, t, st, lr=0.05, mu=0.9, tau=0.1, wd=0.01):
    g = g + wd * w
    st["b"] = g if st["b"] is None else mu * st["b"] + (1 - tau) * g
    return w - lr * st["b"]


for name, make, rule in [
    ("Adagrad", lambda p: optim.Adagrad(p, lr=0.5, lr_decay=0.01), adagrad_rule),
    ("RMSprop", lambda p: optim.RMSprop(p, lr=0.01), rmsprop_rule),
    ("SGD", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), sgd_rule),
]:
    path, _ = run(make, quad, start, 30)
    assert np.allclose(path[-1], by_hand(rule, start.copy(), 30), atol=1e-13), name
print("Adagrad, RMSprop and SGD (momentum, dampening, weight decay) match their written-out rules")

# %% [markdown]
# ### Three more options, stepped by hand
#
# * **Nesterov** (`SGD(nesterov=True)`): the buffer is b_t = μb_{t−1} + g_t as before, but the step uses
#   the gradient *plus* the buffer's next push, w_t = w_{t−1} − η(g_t + μb_t) — a look ahead.
# * **Adagrad's `initial_accumulator_value`** v₀ starts r at v₀ instead of 0, which damps the very
#   first steps (r₁ = v₀ + g₁² rather than g₁²).
# * **RMSprop's `momentum` and `centered`**: centring also keeps an average of g, ḡ_t = αḡ_{t−1} +
#   (1 − α)g_t, and divides by √(r_t − ḡ_t²) + ε, an estimate of the gradient's *standard deviation*;
#   momentum μ accumulates the scaled step, m_t = μm_{t−1} + g_t/(√· + ε), and moves w by ηm_t.

# %%
def nesterov_rule(w, g, t, st, lr=0.05, mu=0.9):
    st["b"] = g if st["b"] is None else mu * st["b"] + g
    return w - lr * (g + mu * st["b"])


def adagrad_v0_rule(w, g, t, st, lr=0.5, v0=0.3, eps=1e-10):
    st["r"] = (st["r"] if t > 1 else np.full_like(w, v0)) + g ** 2
    return w - lr * g / (np.sqrt(st["r"]) + eps)


def rmsprop_centered_rule(w, g, t, st, lr=0.01, alpha=0.99, eps=1e-8, mu=0.5):
    st["r"] = alpha * st["r"] + (1 - alpha) * g ** 2
    st["g"] = alpha * st.get("g", np.zeros_like(w)) + (1 - alpha) * g
    step = g / (np.sqrt(st["r"] - st["g"] ** 2) + eps)
    st["m"] = mu * st.get("m", np.zeros_like(w)) + step
    return w - lr * st["m"]


for name, make, rule in [
    ("SGD nesterov", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), nesterov_rule),
    ("Adagrad v0", lambda p: optim.Adagrad(p, lr=0.5, initial_accumulator_value=0.3), adagrad_v0_rule),
    ("RMSprop centered", lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True), rmsprop_centered_rule),
]:
    path, _ = run(make, quad, start, 30)
    assert np.allclose(path[-1], by_hand(rule, start.copy(), 30), atol=1e-12), name
print("Nesterov, Adagrad(initial_accumulator_value) and RMSprop(momentum, centered) match by hand")

# %% [markdown]
# ### Two slips in the lecture's names and defaults (E3, E4)
#
# The class is `RMSprop` (lower-case p) in PyTorch and here; `optim.RMSProp` raises AttributeError.
# Adam's β₂ default is **0.999** (the paper's and PyTorch's), not 0.99; RMSprop's α default is 0.99
# (Hinton's lecture used 0.9).

# %%
assert not hasattr(optim, "RMSProp") and hasattr(optim, "RMSprop")
assert optim.RMSprop([nets.zeros(1, requires_grad=True)]).defaults["alpha"] == 0.99

# %% [markdown]
# ## Momentum multiplies the step by 1/(1 − μ) (quiz 9)
#
# Under a constant gradient g the velocity b_t = g(1 + μ + μ² + … + μ^{t−1}) → g/(1 − μ): the step grows to
# η/(1 − μ) — ten times η for μ = 0.9. It needs μ < 1 (the lecture's "0 ≤ μ ≤ 1" includes μ = 1, where
# the series diverges). A gradient that flips sign every step is instead *damped*: the velocity settles at
# ±g/(1 + μ), and consecutive steps cancel.

# %%
def momentum_steps(gradients, mu=0.9, lr=0.1):
    w = nets.tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w], lr=lr, momentum=mu)
    steps = []
    for g in gradients:
        before = w.item()
        w.grad = nets.tensor(np.array([g]))
        opt.step()
        steps.append(before - w.item())
    return np.array(steps)


constant = momentum_steps([1.0] * 100)
flipping = momentum_steps([(-1.0) ** t for t in range(100)])
print(f"constant gradient: last step {constant[-1]:.6f} = η/(1−μ) = {0.1 / 0.1:.6f}")
print(f"flipping gradient: last step {flipping[-1]:+.6f} (η/(1+μ) = {0.1 / 1.9:.6f}); two steps sum to"
      f" {flipping[-1] + flipping[-2]:+.1e}")
assert abs(constant[-1] - 1.0) < 1e-4
assert abs(abs(flipping[-1]) - 0.1 / 1.9) < 1e-4 and abs(flipping[-1] + flipping[-2]) < 1e-4

# %% [markdown]
# ### The lecture's momentum is another form (E6)
#
# The lecture writes v ← μv − η g, w ← w + v and then calls `optim.SGD(momentum=0.9)`. PyTorch keeps the
# velocity in gradient units and multiplies by the *current* η: b ← μb + g, w ← w − ηb. With a constant η
# the two are identical (v = −ηb). Under a schedule they differ: PyTorch rescales the whole velocity when
# η changes, the lecture's form keeps the old η inside v.

# %%
def lecture_momentum(gradient_fn, w, lrs, mu=0.9):
    v = np.zeros_like(w)
    for lr in lrs:
        v = mu * v - lr * gradient_fn(w)
        w = w + v
    return w


for name, gamma in [("constant η", 1.0), ("η halved every 5 steps", 0.5)]:
    w = nets.tensor(start.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.05, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=5, gamma=gamma)
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        quad(w).backward()
        opt.step()
        sched.step()
    gap = np.abs(w.detach().numpy() - lecture_momentum(lambda u: A @ u, start.copy(), lrs)).max()
    print(f"{name:24s} |PyTorch form − lecture form| = {gap:.1e}")
    assert (gap < 1e-14) if gamma == 1.0 else (gap > 1e-3)

# %% [markdown]
# ## The lecture's Adam and RMSProp pseudocode (E1, E2, E5)
#
# The slides accumulate with `+=`: `s += beta1*s + (1-beta1)*dw`. That computes s ← (1 + β₁)s + (1 − β₁)g,
# which adds the old average to itself every step: s grows like (1.9)ᵗ and r like (1.999)ᵗ, so ŝ/√r̂
# grows like (1.9/√1.999)ᵗ ≈ 1.34ᵗ and the weights fly off. (The slides also never initialise s and r
# to 0 nor define t, and they write the accumulators with ∇L(wᵗ) while updating wᵗ from ∇L(wᵗ⁻¹) — a
# circular definition; the gradient must be g_t = ∇L(w_{t−1}), E5.)

# %%
def adam_plus_equals(w, steps, lr=1e-2, b1=0.9, b2=0.999, eps=1e-8):
    s, r = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = A @ w
        s += b1 * s + (1 - b1) * g                 # the slide's line
        r += b2 * r + (1 - b2) * g ** 2
        w = w - lr * (s / (1 - b1 ** t)) / (np.sqrt(r / (1 - b2 ** t)) + eps)
        if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
            return w, t
    return w, steps


def rmsprop_plus_equals(w, steps, lr=1e-2, alpha=0.99, eps=1e-8):
    r = np.zeros_like(w)
    for _ in range(steps):
        g = A @ w
        r += alpha * r + (1 - alpha) * g ** 2      # r ← (1 + α)r + …
        w = w - lr * g / (np.sqrt(r) + eps)
    return w, r


w_bad, t_bad = adam_plus_equals(start.copy(), 200)
w_good = adam_by_hand(start.copy(), 200)
print(f"Adam with '=':  |w| after 200 steps = {np.abs(w_good).max():.3g}")
print(f"Adam with '+=': |w| = {np.abs(w_bad).max():.3g} after {t_bad} steps — diverged")
assert np.abs(w_good).max() < 0.5 and np.abs(w_bad).max() > 1e6
_, r_bad = rmsprop_plus_equals(start.copy(), 100)
print(f"RMSProp with '+=': r = {r_bad.max():.3g} after 100 steps (its steps shrink to nothing: it stalls)")
assert r_bad.max() > 1e25

# %% [markdown]
# ## AdamW: decoupled weight decay (E12)
#
# Adam's `weight_decay` adds λw to the gradient (an L2 penalty), which then passes through the adaptive
# scaling — weights with large gradient history are barely decayed. AdamW shrinks the weights directly,
# **before** the Adam step and outside it: w ← w_{t−1}(1 − ηλ), then w ← w − η ŝ/(√r̂ + ε). The
# lecture's "wᵗ ← wᵗ − ηλwᵗ" leaves the order and the index ambiguous. (PyTorch multiplies λ by the current
# lr; the AdamW paper scales λ only by the schedule's multiplier.) One step of each, checked:

# %%
w0 = np.array([2.0, -3.0])
lr, lam = 0.1, 0.1
g1 = A @ w0
adam_step = lr * (g1 * 0.1 / 0.1) / (np.sqrt(g1 ** 2 * 0.001 / 0.001) + 1e-8)   # first step: ŝ = g, r̂ = g²
p_w, _ = run(lambda p: optim.AdamW(p, lr=lr, weight_decay=lam), quad, w0, 1)
assert np.allclose(p_w[1], w0 * (1 - lr * lam) - adam_step, atol=1e-12)
gl = g1 + lam * w0                                                           # coupled: decay inside g
p_l2, _ = run(lambda p: optim.Adam(p, lr=lr, weight_decay=lam), quad, w0, 1)
assert np.allclose(p_l2[1], w0 - lr * np.sign(gl), atol=1e-7)
print("AdamW:", p_w[1].round(6), "  Adam + L2:", p_l2[1].round(6))

# %% [markdown]
# ## Trajectories on three landscapes
#
# * **Rosenbrock** (1 − x)² + 100(y − x²)²: a curved, flat-bottomed valley; minimum at (1, 1).
# * **Narrow valley** ½(x² + 50y²): condition number 50; minimum at the origin.
# * **Saddle** x² − y² (+ a quartic wall so it is bounded below): starting almost on the ridge y ≈ 0,
#   a good optimizer must escape along y.

# %%
def rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def valley(w):
    return 0.5 * (w[0] ** 2 + 50 * w[1] ** 2)


def saddle(w):
    return w[0] ** 2 - w[1] ** 2 + 0.25 * w[1] ** 4


landscapes = {
    "Rosenbrock": (rosenbrock, (-1.5, 2.0), 400, (-2, 2, -1, 3)),
    "narrow valley": (valley, (-4.5, 0.8), 100, (-5, 5, -1.2, 1.2)),
    "saddle": (saddle, (-1.5, 1e-3), 60, (-2, 2, -2.2, 2.2)),
}
optimizers = {
    "Rosenbrock": {
        "SGD": lambda p: optim.SGD(p, lr=1e-3),
        "momentum 0.9": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
        "Nesterov": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
        "Adagrad": lambda p: optim.Adagrad(p, lr=0.5),
        "RMSprop": lambda p: optim.RMSprop(p, lr=1e-2),
        "Adam": lambda p: optim.Adam(p, lr=0.1),
    },
    "narrow valley": {
        "SGD": lambda p: optim.SGD(p, lr=0.02),
        "momentum 0.9": lambda p: optim.SGD(p, lr=0.02, momentum=0.9),
        "Nesterov": lambda p: optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True),
        "Adagrad": lambda p: optim.Adagrad(p, lr=1.0),
        "RMSprop": lambda p: optim.RMSprop(p, lr=0.1),
        "Adam": lambda p: optim.Adam(p, lr=0.3),
    },
    "saddle": {
        "SGD": lambda p: optim.SGD(p, lr=0.05),
        "momentum 0.9": lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
        "Nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
        "Adagrad": lambda p: optim.Adagrad(p, lr=0.3),
        "RMSprop": lambda p: optim.RMSprop(p, lr=0.05),
        "Adam": lambda p: optim.Adam(p, lr=0.1),
    },
}

minima = {"Rosenbrock": [(1.0, 1.0)], "narrow valley": [(0.0, 0.0)],
          "saddle": [(0.0, np.sqrt(2.0)), (0.0, -np.sqrt(2.0))]}       # the saddle's two minima, L = −1
lowest = {"Rosenbrock": 0.0, "narrow valley": 0.0, "saddle": -1.0}
results = {}
for name, (fn, start_pt, steps, (x0, x1, y0, y1)) in landscapes.items():
    fig = plt.figure(figsize=(16, 6.4))
    grid = fig.add_gridspec(2, 4, width_ratios=[1, 1, 1, 1.25])
    gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    zz = fn(np.array([gx, gy]))
    levels = np.logspace(-1, 3.5, 25) if name == "Rosenbrock" else 30
    loss_ax = fig.add_subplot(grid[:, 3])
    for k, (opt_name, make) in enumerate(optimizers[name].items()):
        path, losses = run(make, fn, start_pt, steps)
        results[name, opt_name] = (path, losses)
        ax = fig.add_subplot(grid[k // 3, k % 3])
        ax.contour(gx, gy, zz, levels=levels, cmap="Greys", linewidths=0.5)
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, color=f"C{k}", label="path")
        ax.plot(*start_pt, "ko", ms=5, label="start")
        ax.plot(*np.array(minima[name]).T, "r*", ms=12, label="minimum")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(opt_name, fontsize=10)
        ax.set_xlabel("w₁")
        ax.set_ylabel("w₂")
        if k == 0:
            ax.legend(fontsize=7, loc="lower right")
        loss_ax.semilogy(np.maximum(np.array(losses) - lowest[name], 1e-16), color=f"C{k}", label=opt_name)
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel("L(w) − L(minimum)")
    loss_ax.set_title("loss against step")
    loss_ax.legend(fontsize=8)
    fig.suptitle(f"Six optimizers, {name} landscape: {steps} steps from the black dot")
    fig.tight_layout()
    savefig(fig, f"05_trajectories_{name.replace(' ', '_').lower()}.png")

for (name, opt_name), (path, losses) in results.items():
    print(f"{name:14s} {opt_name:13s} final point {path[-1].round(3)}  loss {losses[-1]:.3g}")

# %% [markdown]
# What the pictures show, as checks:
#
# * In the narrow valley plain SGD must keep η < 2/50 and therefore crawls along x; momentum crosses the
#   valley in far fewer steps.
# * Adam and RMSprop take steps of roughly η in *every* coordinate, so they leave the saddle's ridge at
#   once, where SGD's step along y is proportional to the tiny y itself.
# * On Rosenbrock, momentum and Adam make it along the curved valley floor much further than SGD.

# %%
def final_loss(name, opt_name):
    return results[name, opt_name][1][-1]


def distance(name, opt_name, target):
    return np.linalg.norm(results[name, opt_name][0][-1] - np.array(target))


assert final_loss("narrow valley", "momentum 0.9") < 1e-2 * final_loss("narrow valley", "SGD")
assert final_loss("narrow valley", "SGD") > 1e-2                       # still crawling
y_at_10 = {o: abs(results["saddle", o][0][10][1]) for o in ("SGD", "Adam", "RMSprop")}
print("|y| after 10 steps on the saddle:", {k: round(v, 4) for k, v in y_at_10.items()})
assert y_at_10["Adam"] > 100 * y_at_10["SGD"] and y_at_10["RMSprop"] > 100 * y_at_10["SGD"]
assert final_loss("saddle", "Adam") < -0.9                              # found a minimum at y = ±√2 (L = −1)
assert distance("Rosenbrock", "momentum 0.9", (1, 1)) < distance("Rosenbrock", "SGD", (1, 1))
assert distance("Rosenbrock", "Adam", (1, 1)) < distance("Rosenbrock", "SGD", (1, 1))


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch05 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Adam's very first step for the gradient g = (0.001, −5) with η = 0.01 (bias-corrected).

# %% tags=["solution"]
from solutions.ch05 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# AdamW by hand in numpy: 20 steps (η = 0.05, λ = 0.1) on L = ½wᵀAw, A = diag(1, 10), from w = (1, 1); the
# decay first, then the Adam step. Return the final w.

# %% tags=["solution"]
from solutions.ch05 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# Write AdamW as a subclass of ``nets.optim.Optimizer`` (a ``step()`` that loops over ``self.param_groups``
# and keeps its state in ``self.state``); return the class. The check runs it beside ``optim.AdamW``.

# %% tags=["solution"]
from solutions.ch05 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
