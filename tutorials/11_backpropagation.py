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
# # 11 · Backpropagation by hand
#
# **What you will learn.** Backpropagation as the course writes it: the δ of each unit, the rule δ_j =
# h'(a_j)Σ_k w_kj δ_k, and why a weight's gradient is δ at its output end times the activation at its input
# end.
#
# **Why it matters.** This is what `backward()` does for a network, and deriving it once makes gradient bugs
# and vanishing gradients understandable.
#
# Backpropagation is reverse-mode differentiation specialised to layered networks. Before trusting a
# library with it, we compute the gradients of a small network ourselves — with nothing but numpy and
# the δ ("error") messages of the course — and check every number against `nets`, whose gradients come
# from the general reverse-mode engine of chapter 13.
#
# ## The notation
#
# Unit j receives a_j = Σᵢ w_ji z_i (its *pre-activation*) and sends z_j = h(a_j). Define
# δ_j = ∂Lₙ/∂a_j. Because a_j depends on w_ji only through the term w_ji z_i,
#
# $$\frac{\partial L_n}{\partial w_{ji}} = \delta_j\, z_i$$
#
# — the error at the weight's output end times the activation at its input end. (The weight from unit i
# to unit j is w_**ji**; the lecture's text calls it w_ij while its formula uses w_ji, E19. PyTorch's and
# nets' `Linear.weight` has shape (out, in), so `weight[j, i]` *is* w_ji.)
#
# * **Output units.** For the three "matching" pairs — identity output with ½-squared error, sigmoid
#   with binary cross-entropy, softmax with cross-entropy — the output error is simply
#   δ_k = y_k − t_k (prediction minus target).
# * **Hidden units.** By the chain rule through every unit k that j feeds:
#   δ_j = h'(a_j) Σ_k w_kj δ_k.
# * **Order.** Forward pass (store every a and z), output δ, δs backwards layer by layer, then every
#   weight gradient δ_j z_i.

# %%

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
from nets import nn

nets.manual_seed(0)

# %% [markdown]
# ## A 4 → 5 → 3 network
#
# tanh hidden units (h' = 1 − tanh²), a linear output layer, a batch of 6 examples, float64 throughout
# so that the comparison can be tight. Losses are summed over the batch, so that each example's δ adds
# into the weight gradient.

# %%
N_IN, N_HID, N_OUT, BATCH = 4, 5, 3, 6
net = nn.Sequential(nn.Linear(N_IN, N_HID), nn.Tanh(), nn.Linear(N_HID, N_OUT)).double()
X = nets.randn(BATCH, N_IN, dtype=nets.float64)
W1, b1 = net[0].weight.detach().numpy(), net[0].bias.detach().numpy()    # W1[j, i] = w_ji
W2, b2 = net[2].weight.detach().numpy(), net[2].bias.detach().numpy()
x = X.numpy()


def by_hand(output_fn, targets):
    """Forward pass, output δ = y − t, hidden δ = h'(a)·(W2ᵀ δ), gradients δ_j z_i (summed over examples)."""
    a1 = x @ W1.T + b1                 # hidden pre-activations a_j
    z1 = np.tanh(a1)                   # hidden activations z_j
    a2 = z1 @ W2.T + b2                # output pre-activations a_k
    y = output_fn(a2)                  # outputs y_k
    delta2 = y - targets               # output δ_k
    delta1 = (1 - z1 ** 2) * (delta2 @ W2)   # hidden δ_j = h'(a_j) Σ_k w_kj δ_k
    return {"0.weight": delta1.T @ x, "0.bias": delta1.sum(0),
            "2.weight": delta2.T @ z1, "2.bias": delta2.sum(0)}, delta2, delta1


def by_nets(loss_fn, targets):
    net.zero_grad()
    loss = loss_fn(net(X), targets)
    loss.backward()
    return {name: p.grad.numpy() for name, p in net.named_parameters()}, loss


# %% [markdown]
# ## Pair 1: identity output, ½-squared error
#
# L = ½ Σₙ Σ_k (y_nk − t_nk)², the course's form; nets offers it as `nn.HalfMSELoss` (PyTorch's
# `MSELoss` has no ½, which would double every δ).

# %%
T_reg = np.random.default_rng(1).normal(size=(BATCH, N_OUT))
hand, d_out, d_hid = by_hand(lambda a: a, T_reg)
auto, loss = by_nets(nn.HalfMSELoss(reduction="sum"), nets.tensor(T_reg))
for name in hand:
    err = np.abs(hand[name] - auto[name]).max()
    print(f"{name:9s} max |by hand − nets| = {err:.1e}")
    assert err < 1e-12
print("output δ of the first example:", d_out[0].round(4), " hidden δ:", d_hid[0].round(4))

# %% [markdown]
# ## Pair 2: sigmoid outputs, binary cross-entropy
#
# Three independent yes/no outputs. `BCEWithLogitsLoss` takes the pre-activations a_k and applies the
# sigmoid inside, stably; its derivative with respect to a_k is σ(a_k) − t_k — the same δ = y − t.

# %%
T_bin = (np.random.default_rng(2).random((BATCH, N_OUT)) > 0.5).astype(float)
hand, d_out, _ = by_hand(lambda a: 1 / (1 + np.exp(-a)), T_bin)
auto, loss = by_nets(nn.BCEWithLogitsLoss(reduction="sum"), nets.tensor(T_bin))
for name in hand:
    assert np.abs(hand[name] - auto[name]).max() < 1e-12, name
print("BCE: all four gradients agree to 1e-12")

# %% [markdown]
# ## Pair 3: softmax outputs, cross-entropy
#
# One class out of three. `CrossEntropyLoss` takes logits and class indices; by hand the targets are the
# one-hot rows, and again δ_k = softmax(a)_k − t_k.

# %%
labels = np.array([0, 2, 1, 1, 0, 2])
T_cls = np.eye(N_OUT)[labels]


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


hand, d_out, _ = by_hand(softmax, T_cls)
auto, loss = by_nets(nn.CrossEntropyLoss(reduction="sum"), nets.tensor(labels))
for name in hand:
    assert np.abs(hand[name] - auto[name]).max() < 1e-12, name
print("CE: all four gradients agree to 1e-12; each example's output δ sums to",
      np.abs(d_out.sum(axis=1)).max().round(15))
assert np.allclose(d_out.sum(axis=1), 0)     # Σ_k (y_k − t_k) = 1 − 1

# %% [markdown]
# ## The δ of the output is ∂L/∂a — checked with autodiff directly
#
# The claim "δ_k = y_k − t_k" is a statement about ∂L/∂a_k. `autodiff.grad` can differentiate the loss
# with respect to the logits themselves, without any network:

# %%
a_out = np.random.default_rng(3).normal(size=(BATCH, N_OUT))
def cross_entropy_of_logits(a):
    log_probs = a - ad.log(ad.sum(ad.exp(a), axis=1, keepdims=True))
    return -ad.sum(T_cls * log_probs)


dL_da = ad.grad(cross_entropy_of_logits)(a_out)
assert np.allclose(dL_da, softmax(a_out) - T_cls, atol=1e-14)
print("∂CE/∂a = softmax(a) − t  ✓")

# %% [markdown]
# ## The δ messages, drawn with their numbers
#
# Here is the softmax network of pair 3 for its first example, drawn the way backpropagation runs. Each
# output unit k holds its δ_k = y_k − t_k. It sends the message w_kj·δ_k back along its edge to every
# hidden unit j (arrows point backwards; the thicker the arrow, the larger |w_kj·δ_k|). A hidden unit
# adds the three messages it receives and multiplies by its own slope h'(a_j) = 1 − z_j² to get δ_j;
# that is the whole rule. The numbers for hidden unit 1 are written out on the right.

# %%
hand, d_out, d_hid = by_hand(softmax, T_cls)
n = 0                                                     # the first example
z_in = x[n]
a_hid = x[n] @ W1.T + b1
z_hid = np.tanh(a_hid)
msgs = W2 * d_out[n][:, None]                             # msgs[k, j] = w_kj δ_k
assert np.allclose((1 - z_hid ** 2) * msgs.sum(axis=0), d_hid[n], atol=1e-15)

fig, (ax, text_ax) = plt.subplots(1, 2, figsize=(13, 5.6), gridspec_kw={"width_ratios": [2.3, 1]})
layers = {"in": (0.0, N_IN), "hid": (1.0, N_HID), "out": (2.0, N_OUT)}
pos = {(name, k): (x0, (size - 1) / 2 - k) for name, (x0, size) in layers.items() for k in range(size)}
biggest = np.abs(msgs).max()
for k in range(N_OUT):
    for j in range(N_HID):
        (x1_, y1_), (x0_, y0_) = pos["out", k], pos["hid", j]
        ax.annotate("", xy=(x0_ + 0.09, y0_), xytext=(x1_ - 0.09, y1_),
                    arrowprops=dict(arrowstyle="-|>", color="#c00" if msgs[k, j] > 0 else "#06c",
                                    lw=0.4 + 3.5 * abs(msgs[k, j]) / biggest, alpha=0.8))
for i in range(N_IN):
    for j in range(N_HID):
        (x1_, y1_), (x0_, y0_) = pos["hid", j], pos["in", i]
        ax.plot([x0_ + 0.09, x1_ - 0.09], [y0_, y1_], color="0.85", lw=0.8, zorder=0)
for i in range(N_IN):
    ax.text(*pos["in", i], f"z{i + 1}\n{z_in[i]:+.2f}", ha="center", va="center", fontsize=8,
            bbox=dict(boxstyle="round", fc="white", ec="0.4"))
for j in range(N_HID):
    ax.text(*pos["hid", j], f"hidden {j + 1}\nδ = {d_hid[n, j]:+.3f}", ha="center", va="center", fontsize=8,
            bbox=dict(boxstyle="round", fc="#fff3c4" if j == 0 else "white", ec="0.4"))
for k in range(N_OUT):
    ax.text(*pos["out", k], f"output {k + 1}\ny = {d_out[n, k] + T_cls[n, k]:.3f}, t = {T_cls[n, k]:.0f}"
            f"\nδ = {d_out[n, k]:+.3f}", ha="center", va="center", fontsize=8,
            bbox=dict(boxstyle="round", fc="#e8f0ff", ec="0.4"))
ax.set_xlim(-0.3, 2.35)
ax.set_ylim(-2.7, 2.7)
ax.set_xticks([0, 1, 2], ["inputs z_i", "hidden (tanh)", "outputs (softmax)"])
ax.set_yticks([])
for side in ("left", "right", "top"):
    ax.spines[side].set_visible(False)
ax.plot([], [], color="#c00", lw=2, label="message w_kj·δ_k > 0")
ax.plot([], [], color="#06c", lw=2, label="message w_kj·δ_k < 0")
ax.plot([], [], color="0.85", lw=1, label="forward edge (input → hidden)")
ax.legend(loc="lower center", fontsize=8, ncol=3, bbox_to_anchor=(0.5, -0.16))
ax.set_title("Backpropagation as messages: δ flows from the outputs back to the hidden layer")
lines = ["hidden unit 1 (highlighted):", ""]
lines += [f"  from output {k + 1}: w_{k + 1}1·δ_{k + 1} = ({W2[k, 0]:+.3f})·({d_out[n, k]:+.3f}) = {msgs[k, 0]:+.4f}"
          for k in range(N_OUT)]
lines += ["", f"  sum of messages          = {msgs[:, 0].sum():+.4f}",
          f"  h'(a_1) = 1 − tanh²(a_1)  = {1 - z_hid[0] ** 2:.4f}",
          f"  δ_1 = h'(a_1) · sum      = {d_hid[n, 0]:+.4f}", "",
          "and a weight's gradient is δ at its output end",
          "times z at its input end:",
          f"  ∂L/∂w_11 = δ_1·z_1 = {d_hid[n, 0]:+.4f}·{z_in[0]:+.4f} = {d_hid[n, 0] * z_in[0]:+.5f}"]
text_ax.text(0, 0.95, "\n".join(lines), va="top", family="monospace", fontsize=8.5)
text_ax.set_axis_off()
fig.tight_layout()
savefig(fig, "11_delta_messages.png")

# %% [markdown]
# The network's loss is an ordinary autodiff graph too: `Trace.from_outputs` numbers its operations
# like the course's example, and its reverse sweep gives the same weight gradients as the δ's.

# %%
net.zero_grad()
loss = nn.CrossEntropyLoss(reduction="sum")(net(X), nets.tensor(labels))
t = ad.Trace.from_outputs(loss, names=dict(net.named_parameters()))
print(t.table())
assert t.outputs[0].value == loss.item()
loss.backward(retain_graph=True)   # the trace sweeps the same graph again below: keep it (PyTorch frees it)
adjoints = t.reverse()
assert np.allclose(adjoints["0.weight"], net[0].weight.grad.numpy(), atol=1e-14)   # the same engine, the same numbers
assert np.allclose(adjoints["0.weight"], hand["0.weight"], atol=1e-12)              # and the same as the δ's

# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch11 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# The output δ = ∂L/∂a for a sigmoid output with binary cross-entropy, at a = 0.3, t = 1.

# %% tags=["solution"]
from solutions.ch11 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# The hidden δ_j = h'(a_j)Σ_k w_kj δ_k of a 2 → 2 (tanh) → 1 (identity) network with loss ½(y − t)², weights
# W1 = [[0.5, −0.3], [0.8, 0.2]] and W2 = [[1.5, −2]], input X = (0.4, −0.7), target T = 0.25.

# %% tags=["solution"]
from solutions.ch11 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# For a batch, ∂L/∂W = Δᵀ Z (each row of Δ the δ's of one example, each row of Z its inputs). Compute it for a
# Linear layer with a summed ½-squared error.

# %% tags=["solution"]
from solutions.ch11 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
