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
# # 14 · The quiz
#
# The course's fourteen quiz questions. Try each one before you look: write your answer down, and for the
# questions with a number in them, compute it. In the notebook (`make notebooks`) every answer is hidden
# under its question — a short answer in words, then a cell that *checks* the answer with the toolkit;
# open them one at a time. The chapter named in each answer tells the longer story.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
from nets import information as info
from nets import nn, optim
from nets.nn.utils import clip_grad_norm_
from nets.optim import lr_scheduler as sch

nets.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## Q1 · Compute the gradients of the linear- and logistic-regression losses, and the analytic solution

# %% [markdown] tags=["answer"]
# Linear regression, L = ½‖y − Xw‖²: ∇L = Xᵀ(Xw − y). Logistic regression, L = BCE summed: because
# σ' = σ(1 − σ), ∇L = Xᵀ(σ(Xw) − y) — the same form with σ applied to the prediction. Setting the linear
# gradient to zero gives the normal equations XᵀXw = Xᵀy, so ŵ = (XᵀX)⁻¹Xᵀy when X has full column rank.
# (Chapter 01.)

# %% tags=["answer"]
X = np.hstack([rng.normal(size=(50, 3)), np.ones((50, 1))])
y_reg = X @ np.array([1.0, -2.0, 0.5, 0.3]) + 0.1 * rng.normal(size=50)
y_bin = (X[:, 0] + 0.3 * rng.normal(size=50) > 0).astype(float)
w = rng.normal(size=4)
assert np.allclose(ad.grad(lambda v: ad.sum((X @ v - y_reg) ** 2) / 2)(w), X.T @ (X @ w - y_reg))
bce = ad.grad(lambda v: -ad.sum(y_bin * ad.log(ad.sigmoid(X @ v)) + (1 - y_bin) * ad.log(1 - ad.sigmoid(X @ v))))
assert np.allclose(bce(w), X.T @ (1 / (1 + np.exp(-X @ w)) - y_bin))
w_hat = np.linalg.solve(X.T @ X, X.T @ y_reg)
assert np.allclose(w_hat, np.linalg.lstsq(X, y_reg, rcond=None)[0])
print("Q1 ✓  ŵ =", w_hat.round(3))

# %% [markdown]
# ## Q2 · Why gradient descent rather than the closed form?

# %% [markdown] tags=["answer"]
# The closed form costs O(Nd² + d³) time and O(d²) memory; XᵀX may be singular or badly conditioned
# (its condition number is the square of X's); it needs all the data at once; and nonlinear models —
# logistic regression, every network — have no closed form at all. A gradient step costs O(Bd) and
# streams. (Chapter 01.)

# %% tags=["answer"]
V = np.vander(np.linspace(0, 1, 30), 6, increasing=True)
assert np.isclose(np.linalg.cond(V.T @ V), np.linalg.cond(V) ** 2, rtol=1e-2)
print(f"Q2 ✓  cond(X) = {np.linalg.cond(V):.1e}, cond(XᵀX) = {np.linalg.cond(V.T @ V):.1e}")

# %% [markdown]
# ## Q3 · Plot the sigmoid and the binary entropy

# %% [markdown] tags=["answer"]
# The sigmoid is an S-curve from 0 to 1 passing through ½ at z = 0 (slope ¼ there). The binary entropy
# is an arch, 0 at θ = 0 and θ = 1, peaking at 1 bit at θ = ½. (Chapters 02 and 03.)

# %% tags=["answer"]
z = np.linspace(-8, 8, 401)
theta = np.linspace(0, 1, 401)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].plot(z, ad.sigmoid(z), label="σ(z) = 1/(1 + e^{−z})")
axes[0].plot(0, 0.5, "ro", label="σ(0) = ½, slope ¼")
axes[0].set_title("The sigmoid")
axes[0].set_xlabel("z (a logit)")
axes[0].set_ylabel("σ(z), a probability")
axes[1].plot(theta, info.binary_entropy(theta), label="H(θ)")
axes[1].plot(0.5, 1.0, "ro", label="H(½) = 1 bit")
axes[1].set_title("The binary entropy")
axes[1].set_xlabel("θ = P(y = 1)")
axes[1].set_ylabel("H(θ) in bits")
for ax in axes:
    ax.legend(fontsize=8, loc="lower right" if ax is axes[0] else "lower center")
fig.tight_layout()
savefig(fig, "14_sigmoid_and_binary_entropy.png")
assert ad.sigmoid(0.0) == 0.5 and ad.grad(ad.sigmoid)(0.0) == 0.25
assert info.binary_entropy(0.5) == 1.0 and info.binary_entropy(0.0) == info.binary_entropy(1.0) == 0.0
print("Q3 ✓")

# %% [markdown]
# ## Q4 · Why is it called cross-entropy?

# %% [markdown] tags=["answer"]
# For one example, the loss is the cross-entropy H(p, q) = −Σₖ pₖ log qₖ between the target distribution p
# (one-hot on the true class) and the model's predicted distribution q. Since a one-hot p has H(p) = 0,
# H(p, q) = KL(p‖q): minimizing it pulls q onto p, and it equals the negative log-likelihood.
# (Chapter 03.)

# %% tags=["answer"]
logits = rng.normal(size=5)
label = 3
q = np.exp(logits - logits.max())
q /= q.sum()
p = np.eye(5)[label]
ce_nets = nn.CrossEntropyLoss()(nets.tensor(logits[None]), nets.tensor([label])).item()
assert abs(ce_nets - info.cross_entropy(p, q, base=math.e)) < 1e-6
assert abs(info.cross_entropy(p, q) - info.kl_divergence(p, q)) < 1e-12
assert abs(ce_nets + math.log(q[label])) < 1e-6
print("Q4 ✓  CE = H(p, q) = KL(p‖q) = −log q_true =", round(ce_nets, 5))

# %% [markdown]
# ## Q5 · Can MSE be used for logistic regression?

# %% [markdown] tags=["answer"]
# It can be minimized, but (σ(wᵀx) − y)² is not convex in w, and its gradient 2(μ − y)·μ(1 − μ)·x
# vanishes when the model is confidently wrong (μ ≈ 1 − y), so learning stalls exactly when it should be
# fastest. BCE is convex with gradient (μ − y)x. (Chapter 03.)

# %% tags=["answer"]
xs = rng.normal(size=30)
ys = (xs > 0).astype(float)
mse_curv = [float(ad.hessian(lambda v: ad.mean((ad.sigmoid(v * xs) - ys) ** 2))(v)) for v in np.linspace(-10, 10, 81)]
bce_curv = [float(ad.hessian(lambda v: -ad.mean(ys * ad.log(ad.sigmoid(v * xs))
                                               + (1 - ys) * ad.log(1 - ad.sigmoid(v * xs))))(v))
            for v in np.linspace(-10, 10, 81)]
assert min(mse_curv) < 0 <= min(bce_curv)
assert abs(ad.grad(lambda v: (ad.sigmoid(v) - 0.0) ** 2)(9.0)) < 1e-3      # confident and wrong: tiny gradient
print("Q5 ✓  MSE curvature goes negative; BCE's never does")

# %% [markdown]
# ## Q6 · Leaky ReLU versus pReLU

# %% [markdown] tags=["answer"]
# Both are max(z, 0) + α·min(z, 0). Leaky ReLU's α is a fixed hyperparameter (0.01 by default); pReLU's α
# is a learned parameter (initialised to 0.25, one per layer or one per channel). (Chapter 02.)

# %% tags=["answer"]
leaky, prelu = nn.LeakyReLU(), nn.PReLU()
assert leaky.negative_slope == 0.01 and len(list(leaky.parameters())) == 0
(alpha,) = prelu.parameters()
assert alpha.requires_grad and alpha.detach().numpy().tolist() == [0.25]
assert len(list(nn.PReLU(num_parameters=8).parameters())[0].detach().numpy()) == 8
out = prelu(nets.tensor([-2.0, 3.0])).sum()
out.backward()
assert alpha.grad.numpy().tolist() == [-2.0]                                    # ∂/∂α = min(z, 0)
print("Q6 ✓")

# %% [markdown]
# ## Q7 · Which distribution has maximum, and which minimum, entropy?

# %% [markdown] tags=["answer"]
# Over K outcomes the uniform distribution has the maximum, log₂ K bits; a point mass (all probability on
# one outcome) has the minimum, 0. (Chapter 03.)

# %% tags=["answer"]
K = 6
assert abs(info.entropy(np.full(K, 1 / K)) - math.log2(K)) < 1e-12 and info.entropy(np.eye(K)[2]) == 0
assert np.all(info.entropy(rng.dirichlet(np.ones(K), size=200)) < math.log2(K))
print("Q7 ✓")

# %% [markdown]
# ## Q8 · The most used optimizer and its typical settings

# %% [markdown] tags=["answer"]
# Adam, or AdamW (Adam with decoupled weight decay): lr 1e-3, β = (0.9, 0.999), ε = 1e-8, and for AdamW
# weight decay 0.01 — PyTorch's defaults. Large-language-model pre-training typically uses β₂ = 0.95,
# weight decay 0.1 and gradient-norm clipping at 1.0. (The lecture's "β₂ = 0.99" works but is not the
# default.) (Chapter 05.)

# %% tags=["answer"]
params = [nets.tensor(rng.normal(size=10), dtype=nets.float64, requires_grad=True)]
dflt = optim.AdamW(params).defaults
assert (dflt["lr"], dflt["betas"], dflt["eps"], dflt["weight_decay"]) == (1e-3, (0.9, 0.999), 1e-8, 1e-2)
llm = optim.AdamW(params, lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
(100 * params[0] ** 2).sum().backward()
norm_before = clip_grad_norm_(params, max_norm=1.0).item()
assert norm_before > 1 and abs(np.linalg.norm(params[0].grad.numpy()) - 1.0) < 1e-5
llm.step()
print(f"Q8 ✓  gradient norm {norm_before:.1f} clipped to 1.0 before the AdamW step")

# %% [markdown]
# ## Q9 · How does momentum change the effective learning rate?

# %% [markdown] tags=["answer"]
# Under a steady gradient the velocity sums a geometric series: η(1 + μ + μ² + …) = η/(1 − μ), for μ < 1 —
# ten times η at μ = 0.9. Components whose gradient keeps flipping sign cancel instead of adding up.
# (Chapter 05.)

# %% tags=["answer"]
w9 = nets.tensor([0.0], dtype=nets.float64, requires_grad=True)
opt9 = optim.SGD([w9], lr=0.01, momentum=0.9)
for _ in range(200):
    before = w9.item()
    w9.grad = nets.tensor([1.0], dtype=nets.float64)
    opt9.step()
assert abs((before - w9.item()) - 0.01 / (1 - 0.9)) < 1e-9
print("Q9 ✓  step → η/(1−μ) =", round(before - w9.item(), 6))

# %% [markdown]
# ## Q10 · The optimizer of *Attention Is All You Need*

# %% [markdown] tags=["answer"]
# Adam with β₁ = 0.9, β₂ = 0.98, ε = 10⁻⁹, and the rate
# lrate = d_model^{−0.5}·min(step^{−0.5}, step·warmup_steps^{−1.5}) with warmup_steps = 4000, steps counted
# from 1: a linear rise for 4000 steps, then decay ∝ 1/√step. The paper also uses label smoothing 0.1 and
# dropout 0.1. (Chapter 06.)

# %% tags=["answer"]
p10 = [nets.zeros(1, requires_grad=True)]
adam = optim.Adam(p10, lr=1.0, betas=(0.9, 0.98), eps=1e-9)
transformer = sch.TransformerLR(adam, d_model=512, warmup_steps=4000)
rates = []
for _ in range(16000):
    rates.append(adam.param_groups[0]["lr"])
    transformer.step()
rates = np.array(rates)
assert int(np.argmax(rates)) + 1 == 4000
assert abs(rates[15999] / rates[3999] - 0.5) < 1e-12                        # 4× the steps → ½ the rate
assert abs(rates[1999] / rates[999] - 2.0) < 1e-12                          # linear during warm-up
smooth = nn.CrossEntropyLoss(label_smoothing=0.1)(nets.tensor(logits[None]), nets.tensor([label])).item()
log_q = np.log(q)
assert abs(smooth - (-(0.9 * log_q[label] + 0.1 * log_q.mean()))) < 1e-5    # target (1−ε)·onehot + ε/K
assert nn.Dropout(p=0.1).p == 0.1
print(f"Q10 ✓  peak lrate {rates.max():.2e} at step 4000")

# %% [markdown]
# ## Q11 · The optimizers of GPT-3 and LLaMA

# %% [markdown] tags=["answer"]
# * **GPT-3**: Adam with β₁ = 0.9, β₂ = 0.95, ε = 10⁻⁸; gradient-norm clipping at 1.0; linear warm-up
#   over the first 375M tokens, then cosine decay to 10 % of the peak over 260B tokens, held there after;
#   weight decay 0.1 (decoupled, i.e. AdamW); batch size ramped up from 32k tokens over the first 4–12B
#   tokens; peak learning rate from 6·10⁻⁴ (125M parameters) down to 0.6·10⁻⁴ (175B).
# * **LLaMA-1**: AdamW, β₁ = 0.9, β₂ = 0.95; cosine schedule ending at 10 % of the peak; weight decay 0.1;
#   clipping 1.0; 2,000 warm-up steps; peak 3·10⁻⁴ (7B, 13B) or 1.5·10⁻⁴ (33B, 65B); batches of 4M tokens.
#   **Llama 2**: the same with ε = 10⁻⁵.
#
# The LLaMA-7B schedule, scaled down to 10,000 steps with its 2,000 warm-up steps:

# %% tags=["answer"]
def llama_multiplier(step, warmup=2000, total=10000, floor=0.1):
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / (total - warmup))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


p11 = [nets.zeros(1, requires_grad=True)]
adamw = optim.AdamW(p11, lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
llama = sch.LambdaLR(adamw, llama_multiplier)
lr11 = []
for _ in range(12000):
    lr11.append(adamw.param_groups[0]["lr"])
    llama.step()
lr11 = np.array(lr11)
assert abs(lr11.max() - 3e-4) < 1e-15 and int(np.argmax(lr11)) == 1999
assert np.allclose(lr11[10000:], 3e-5)                                        # held at 10 % of the peak
print("Q11 ✓")

# %% [markdown]
# ## Q12 · Forward or reverse mode?

# %% [markdown] tags=["answer"]
# Forward mode needs one pass per **input** (n passes for the gradient of f: ℝⁿ → ℝ); reverse mode needs
# one backward pass per **output** — one for a scalar loss — but must store the forward trace (memory).
# Forward mode wins when outputs far outnumber inputs. (Chapter 13.)

# %% tags=["answer"]
def five_inputs(a, b, c, d, e):
    return ad.sin(a * b) + ad.exp(c) * d - e * e


comparison = ad.compare(five_inputs, 0.1, 0.2, 0.3, 0.4, 0.5, methods=["forward mode", "reverse mode"])
print(comparison["forward mode"].cost, "|", comparison["reverse mode"].cost)
assert comparison["forward mode"].cost.startswith("5 ") and comparison["reverse mode"].cost.startswith("1 ")
assert np.allclose(comparison["forward mode"].gradient, comparison["reverse mode"].gradient, atol=1e-15)
print("Q12 ✓")

# %% [markdown]
# ## Q13 · Batch norm versus layer norm

# %% [markdown] tags=["answer"]
# Batch norm: statistics per feature over the batch, running averages for evaluation (train ≠ eval), weak
# for small batches and sequences. Layer norm: statistics per example over its features, independent of
# the batch, identical in training and evaluation; the Transformer standard. Both have per-feature γ and
# β. (Chapter 07.)

# %% tags=["answer"]
a13 = nets.tensor(rng.normal(3.0, 2.0, size=(32, 8)))
bn, ln = nn.BatchNorm1d(8, dtype=nets.float64), nn.LayerNorm(8, dtype=nets.float64)
bn_out, ln_out = bn(a13).detach().numpy(), ln(a13).detach().numpy()
assert np.allclose(bn_out.mean(axis=0), 0, atol=1e-12) and np.allclose(ln_out.mean(axis=1), 0, atol=1e-12)
bn.eval()
assert not np.allclose(bn(a13).detach().numpy(), bn_out)                  # eval uses running statistics
ln.eval()
assert np.array_equal(ln(a13).detach().numpy(), ln_out)                    # layer norm: no difference
assert bn.weight.shape == ln.weight.shape == (8,)
print("Q13 ✓")

# %% [markdown]
# ## Q14 · Why call `zero_grad()`?

# %% [markdown] tags=["answer"]
# `backward()` adds into `.grad`. That makes gradient accumulation possible, but without zeroing, each
# step would use the sum of every gradient computed so far. `zero_grad()` resets them (to `None` by
# default, as in PyTorch ≥ 2.0). (Chapter 09.)

# %% tags=["answer"]
w14 = nets.tensor([2.0], dtype=nets.float64, requires_grad=True)
opt14 = optim.SGD([w14], lr=0.1)
(w14 ** 2).sum().backward()
(w14 ** 2).sum().backward()
assert w14.grad.item() == 8.0                                                # 4 + 4, accumulated
opt14.zero_grad()
assert w14.grad is None
print("Q14 ✓")
