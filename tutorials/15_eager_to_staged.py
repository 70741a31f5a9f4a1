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
# # 15 · From eager to staged
#
# **What you will learn.** Two ways to run the same derivative. *Eager* autodiff, the kind chapters 12 and 13
# built, writes a fresh tape of the computation on every call and walks it backwards. *Staged* autodiff
# writes the computation down once, as a small program of numbered equations, and afterwards only runs that
# program. You will see the reverse sweep become ordinary rows of such a program, why an `if` on a value
# cannot be part of it, small rewrites that make a program shorter and lighter, and a digits network
# trained both ways to the same numbers.
#
# **Why it matters.** In a training loop the *same* function is differentiated thousands of times with
# different numbers. Recording its tape every time repeats work whose result never changes: which operations
# run, in which order, with which shapes. Staging is how JAX's `jit`, `torch.compile` and TensorFlow's
# `tf.function` remove that repetition, and the limits you meet here are the limits you will meet there.

# %%
import time
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import autodiff as ad
import nets
from autodiff import staging
from autodiff.primitives import choose_backend  # which array library computes a primitive's operands
from nets import nn, optim
from nets.data import load_digits
from nets.func import functional_call
from nets.nn import functional as F

# %% [markdown]
# ## 1. A tape every call, or a program once
#
# Take the course's function again, f(x₁, x₂) = x₁x₂ + exp(x₁x₂) − sin x₂, at (1.5, 0.5). Tracing it
# runs the Python code on values that remember each operation; the result is the tape, one row per
# operation:

# %%
runs = {"f": 0}  # how often the Python body of f is executed


def f(x1, x2):
    runs["f"] += 1
    v3 = x1 * x2
    v4 = ad.sin(x2)
    v5 = ad.exp(v3)
    v6 = v3 - v4
    return v5 + v6


tape = ad.trace(f, 1.5, 0.5)
print(tape.table())
assert tape.num_operations == 5
assert abs(tape.output - 2.387574478008) < 1e-12

# %% [markdown]
# Eager differentiation builds that tape again on every call: the Python body of `f` runs each time,
# and each operation pays for bookkeeping (a node, its parents, its backward rule) before any arithmetic.
# Count the runs: three gradients, three executions of `f`.

# %%
runs["f"] = 0
eager_grad = ad.grad(f, argnums=(0, 1))
for point in [(1.5, 0.5), (2.0, 5.0), (0.1, 0.2)]:
    eager_grad(*point)
print("eager: the body of f ran", runs["f"], "times for 3 gradients")
assert runs["f"] == 3

# %% [markdown]
# `ad.jit(f)` works differently. On its first call it runs `f` on *placeholders*: values that know their
# shape and type but not their number. Each operation applied to a placeholder is written down as an
# equation instead of being computed for good. The equations are the program; later calls feed new numbers
# through it without running `f` at all. Only a call with differently shaped arguments (here an array
# instead of a number) stages a second program, because a program is written for one shape.

# %%
runs["f"] = 0
staged_f = ad.jit(f)
values = [staged_f(*point) for point in [(1.5, 0.5), (2.0, 5.0), (0.1, 0.2)]]
print("staged: the body of f ran", runs["f"], "time for 3 calls")
assert runs["f"] == 1
assert values[0] == tape.output                                    # the same number as the tape's
staged_f(np.array([1.5, 2.0]), np.array([0.5, 5.0]))              # new shapes: staged again
print("after a call with arrays:", runs["f"], "runs")
assert runs["f"] == 2

program = staged_f.program(1.5, 0.5)
print(program)
assert len(program) == 5                                           # the same five operations as the tape

# %% [markdown]
# The program reads like the tape without its values: inputs, equations in evaluation order, outputs.
# Staging works for a gradient as well, `ad.jit(ad.grad(f))`; the next section looks inside that program.
# First, what the repetition costs: the gradient taken eagerly and the staged gradient, each called many
# times (the times depend on the machine; they are printed, not checked).

# %%
def per_call(fn, args, repeats=5, number=300):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / number)
    return best


staged_grad = ad.jit(ad.grad(f, argnums=(0, 1)))
eager_us = per_call(eager_grad, (1.5, 0.5)) * 1e6
staged_us = per_call(staged_grad, (1.5, 0.5)) * 1e6
print(f"gradient of f: eager {eager_us:.1f} µs per call, staged {staged_us:.1f} µs per call")

# %% [markdown]
# ## 2. The backward pass is a program too
#
# What did `ad.jit(ad.grad(f))` stage? When `grad` runs inside `jit`, the reverse sweep's own arithmetic —
# every v̄ⱼ·∂vⱼ/∂vᵢ of chapter 13 — is applied to placeholders as well, so it is written down as equations
# just like the forward operations. The backward pass stops being something the library *does* and becomes
# rows of the program. `.trace(...)` evaluates the program at a point and prints it as a numbered table:

# %%
grad_trace = staged_grad.trace(1.5, 0.5)
print(grad_trace.table())

# %% [markdown]
# Read it from the top. v₃ = v₁v₂ and v₄ = exp v₃ are the forward rows the gradient needs. Then the
# backward rows: v₅ = 1 + v₄ is the adjoint of v₃ (one from the subtraction, e^{x₁x₂} from the exponential),
# v₆ and v₇ bring in −cos x₂ for sin's branch, v₈ = v₅·v₂ is ∂f/∂x₁, and v₁₀ adds v₉ = v₅·v₁ to −cos x₂
# for ∂f/∂x₂. That is exactly the closed form ∂f/∂x₁ = x₂(1 + e^{x₁x₂}),
# ∂f/∂x₂ = x₁(1 + e^{x₁x₂}) − cos x₂. Something is missing, too: the program never computes sin x₂ or
# f itself, because the gradient does not need them (section 4 explains who removed them).

# %%
g1, g2 = staged_grad(1.5, 0.5)
e = np.exp(1.5 * 0.5)
closed = (0.5 * (1 + e), 1.5 * (1 + e) - np.cos(0.5))
print("staged:", (g1, g2), " eager:", eager_grad(1.5, 0.5), " closed form:", closed)
assert (g1, g2) == eager_grad(1.5, 0.5)
assert np.allclose((g1, g2), closed, rtol=1e-15)
assert abs(g1 - 1.558500008306) < 1e-12 and abs(g2 - 3.797917463029) < 1e-12
rows = [v.expression() for v in grad_trace.nodes]
assert rows == ["x1", "x2", "v1·v2", "exp(v3)", "1 + v4", "cos(v2)", "−v6", "v5·v2", "v5·v1", "v7 + v9"]
assert not any("sin" in r for r in rows)                           # f's sin branch is not needed
assert [v.name for v in grad_trace.outputs] == ["v8", "v10"]

# %% [markdown]
# The staged trace is a trace like any other: it can be swept backwards itself. Here the forward-only
# program of `f` reproduces the gradient by its own reverse sweep, to the last bit:

# %%
forward_trace = staged_f.trace(1.5, 0.5)
assert forward_trace.reverse().gradient == (g1, g2)

# %% [markdown]
# ## 3. What a program cannot hold: decisions about values
#
# A program is written once and then run for *every* later input. So while it is being written, a
# placeholder has no number, and a question about its number has no answer yet. `if x > 0:` asks exactly
# such a question: the answer would decide which rows get written, and it could differ from one later call
# to the next. Staging refuses and names the line:

# %%
def absolute(x):
    if x > 0:
        return x
    return -x


try:
    ad.jit(absolute)(-2.0)
    raise AssertionError("staging should have refused")
except ad.StagingError as err:
    message = str(err)
print(message)
assert "if x > 0:" in message and "ad.where" in message

# %% [markdown]
# The way out is to keep both branches in the program and choose between them by value, elementwise, at
# run time: `ad.where(condition, a, b)`. The comparison itself becomes a row (v₂ = v₁ > 0), whose value the
# program recomputes on every run:

# %%
staged_abs = ad.jit(lambda x: ad.where(x > 0, x, -x))
print(staged_abs.program(np.array([-2.0, 3.0])))
assert np.array_equal(staged_abs(np.array([-2.0, 3.0])), [2.0, 3.0])
assert np.array_equal(staged_abs(np.array([5.0, -0.5])), [5.0, 0.5])      # the same program, other signs
assert "v2 = v1 > 0" in str(staged_abs.program(np.array([-2.0, 3.0])))

# %% [markdown]
# Questions about *shapes* are fine (a placeholder knows its shape, and a new shape gets a new program).
# But the other side of "written once" can surprise: anything `f` reads that is not an argument is frozen
# into the program as a constant. Below, `scale` changes after the first call; the program staged for
# numbers keeps the old value, and only a new program (for an array argument) sees the new one. That is why
# every batch of a training loop must enter a staged step as an argument.

# %%
scale = 2.0
scaled = ad.jit(lambda x: scale * x)
first = scaled(1.0)
scale = 3.0
print("after scale = 3:", scaled(1.0), "for a number,", scaled(np.array([1.0])), "for an array")
assert first == 2.0 and scaled(1.0) == 2.0 and scaled(np.array([1.0]))[0] == 3.0

# %% [markdown]
# ## 4. Rewriting the program
#
# Because the program is data, it can be rewritten before it runs. Each rewrite (a *pass*) takes a
# program and returns a program that computes the same outputs. `ad.jit(f, optimize=False)` keeps the
# program exactly as staged; by default three passes run on it (simplification, common subexpressions,
# dead code), and the runner adds two savings of memory. Here is the raw gradient program of f:

# %%
raw = ad.jit(ad.grad(f, argnums=(0, 1)), optimize=False).program(1.5, 0.5)
print(raw)

# %% [markdown]
# ### Simplification
#
# A reverse sweep starts from the seed ȳ = 1. The sum at the end of f passes that 1 on unchanged, and the
# exponential's rule multiplies what it receives by e^{v₃}: the row `1.0·v5`, which computes nothing.
# *Simplification* replaces such rows (x·1, x + 0, x − 0, x/1) by their operand, writes x·(−1) as −x,
# and computes rows whose operands are all constants while it rewrites.

# %%
simplified = staging.simplify(raw)
kept = {e.out for e in simplified.eqns}
removed = [line for e, line in zip(raw.eqns, str(raw).splitlines()[1:]) if e.out not in kept]
print("removed:", removed)
print(simplified)
print(f"rows: raw {len(raw)}, simplified {len(simplified)}")
assert (len(raw), len(simplified)) == (12, 11)
assert removed == ["v8 = 1.0·v5"] and " 1.0·" not in str(simplified)
assert "-1.0·v" in str(raw) and "= −v" in str(simplified)         # the subtraction's −1, as a negation

# %% [markdown]
# ### Dead-code elimination
#
# The gradient's outputs are the two partial derivatives; the value f = v₇ and the rows only it needed
# (sin x₂ and the sum) feed no output. Walking backwards from the outputs and keeping only what they read
# removes them. The same pass cleans up after a careless function, such as one that computes a value it
# never returns:

# %%
optimized = staging.eliminate_dead_code(simplified)
print(optimized)
print(f"rows: after dead-code elimination {len(optimized)}")
assert len(optimized) == 8 and "sin" not in str(optimized)


def careless(x):
    unused = ad.exp(x) * ad.sin(x)  # noqa: F841  (computed, never returned)
    return x * x


careless_raw = ad.jit(careless, optimize=False).program(2.0)
careless_clean = staging.eliminate_dead_code(careless_raw)
print(f"careless: {len(careless_raw)} rows, {len(careless_clean)} after the pass")
assert (len(careless_raw), len(careless_clean)) == (4, 1)

# %% [markdown]
# Rewrites must not change the answer, not even in the last bit. Run all three versions of the gradient
# program on large arrays and compare bit for bit (`np.array_equal`, not `allclose`):

# %%
def f_sum(x1, x2):
    return ad.sum(f(x1, x2))


n = 10**6
rng = np.random.default_rng(0)
x1, x2 = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
big_raw = ad.jit(ad.grad(f_sum, argnums=(0, 1)), optimize=False).program(x1, x2)
versions = {"raw": big_raw, "simplified": staging.simplify(big_raw), "optimized": staging.optimize(big_raw)}
results = {name: staging.Runner(p)([x1, x2]) for name, p in versions.items()}
for name, p in versions.items():
    print(f"{name:10s} {len(p):2d} rows")
    assert all(np.array_equal(a, b) for a, b in zip(results[name], results["raw"]))
assert all(np.array_equal(a, b) for a, b in zip(results["raw"], ad.grad(f_sum, argnums=(0, 1))(x1, x2)))

# %% [markdown]
# ### Freeing each value after its last use
#
# An eager reverse sweep must keep every forward value until the sweep is over (chapter 10 measured that
# memory). A program knows in advance which row reads each value last, so the runner can drop a value right
# there. `staging.last_uses` lists, for each row, the values read for the last time:

# %%
program = versions["optimized"]
dead = staging.last_uses(program)
names = {v: f"v{i + 1}" for i, v in enumerate(program.inputs + [e.out for e in program.eqns])}
for line, gone in zip(str(program).splitlines()[1:], dead):
    print(f"{line:32s} frees {', '.join(names[v] for v in gone) or '–'}")

# %% [markdown]
# How much does that save? A runner is short enough to write here in full: walk the rows, look up each
# operand, apply the primitive's implementation, store the result, and (if asked) drop what `last_uses`
# says is dead. Measure the peak memory each run allocates with `tracemalloc` (numpy reports its arrays
# to it), in units of one array of 10⁶ doubles. The peak can be predicted, too: count the arrays alive
# after each row, before that row's dead values are dropped.

# %%
def run(program, leaves, free: bool):
    env = dict(zip(program.inputs, leaves))

    def value(a):
        return env[a] if isinstance(a, staging.Var) else a

    for eqn, gone in zip(program.eqns, staging.last_uses(program)):
        operands = [value(a) for a in eqn.args]
        env[eqn.out] = eqn.prim.impl(choose_backend(operands), *operands, **eqn.params)   # numpy, here
        if free:
            for v in gone:
                del env[v]
    return [value(o) for o in program.outputs]


def peak_bytes(run):
    tracemalloc.start()
    out = run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, peak


def predicted_peak(program, free: bool):
    alive, peak = set(), 0
    for eqn, gone in zip(program.eqns, staging.last_uses(program)):
        alive.add(eqn.out)
        peak = max(peak, len(alive))
        if free:
            alive -= set(gone)
    return peak


one_array = x1.nbytes
kept_out, kept_peak = peak_bytes(lambda: run(program, [x1, x2], free=False))
freed_out, freed_peak = peak_bytes(lambda: run(program, [x1, x2], free=True))
library_out, library_peak = peak_bytes(lambda: staging.Runner(program)([x1, x2]))
memory = {"keeping everything": kept_peak / one_array, "freeing at last use": freed_peak / one_array,
          "staging.Runner": library_peak / one_array}
for label, arrays in memory.items():
    print(f"{label:20s} peak {arrays:.2f} arrays = {arrays * one_array / 2**20:.0f} MiB")
assert all(np.array_equal(a, b) and np.array_equal(a, c) for a, b, c in zip(freed_out, kept_out, library_out))
assert abs(memory["freeing at last use"] - predicted_peak(program, free=True)) < 0.1
assert abs(memory["keeping everything"] - predicted_peak(program, free=False)) < 0.1
assert (predicted_peak(program, free=True), predicted_peak(program, free=False)) == (4, 8)
assert memory["staging.Runner"] < memory["freeing at last use"] + 0.1
constants = [a for eqn in program.eqns for a in eqn.args if isinstance(a, np.ndarray)]
assert not any(c.size == n for c in constants)    # no constant of the arrays' size (see below)

# %% [markdown]
# Half the memory, the same bits. The peak with freeing (4 arrays) includes the two outputs, which have to
# exist at the end anyway. The library's runner goes one step further, as production compilers do: when a
# row reads an array for the last time and its result has the same shape and type, the result is written
# into that array's memory instead of a new one (`staging.buffer_plan` finds those rows before the first
# run). That lowers the peak a little more and, above all, saves allocating a fresh array per row.
#
# One more saving hides in the constants. The sum's backward rule spreads the seed 1 to the shape of its
# input, an array of 10⁶ ones, and rules then compute with it (−1 everywhere, for instance). Made while the
# program is staged, such arrays would become constants kept for every run; simplification notices that
# all their entries are one number and keeps just the number.
#
# ## 5. Training the digits network, eager and staged
#
# Now the real use: a training step. To stage it we need the loss as a *function of the parameters*:
# f(θ, x, y) rather than a module that holds θ inside. Written by hand with autodiff's functions, an MLP
# 64-128-64-10 with ReLU and the cross-entropy (through log-sum-exp) looks like this. The parameters are a
# dict of arrays, and the labels come as one-hot rows y, so that the loss is −Σ y·log softmax.

# %%
X, labels = load_digits(return_X_y=True)
X = ((X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)).astype(np.float32)
Y = np.eye(10, dtype=np.float32)[labels]              # one-hot: the labels as numbers the program reads


def mlp_loss(params, x, y):
    h = ad.relu(x @ ad.transpose(params["0.weight"]) + params["0.bias"])
    h = ad.relu(h @ ad.transpose(params["2.weight"]) + params["2.bias"])
    logits = h @ ad.transpose(params["4.weight"]) + params["4.bias"]
    top = ad.max(logits, axis=1, keepdims=True)
    log_norm = top + ad.log(ad.sum(ad.exp(logits - top), axis=1, keepdims=True))
    return -ad.sum(y * (logits - log_norm)) / x.shape[0]


def make_model():
    nets.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


model = make_model()
params = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
print({name: p.shape for name, p in params.items()})

# %% [markdown]
# With a module already written, `nets.func.functional_call(model, params, (x,))` does the same job: it
# runs `model(x)` with the given arrays in place of the model's parameters (PyTorch has it as
# `torch.func.functional_call`). `F.cross_entropy` takes the class indices themselves: staged, it turns
# them into its one-hot rows with comparison rows (label = class), recomputed for every batch. Both losses
# agree, and so do their staged gradients:

# %%
def loss_fn(params, x, y):
    return F.cross_entropy(functional_call(model, params, (x,)), y)


hand_step = ad.jit(ad.value_and_grad(mlp_loss))
step = ad.jit(ad.value_and_grad(loss_fn))
loss_hand, grads_hand = hand_step(params, X[:32], Y[:32])
loss, grads = step(params, X[:32], labels[:32])
print(f"loss at the start: by hand {loss_hand:.6f}, through functional_call {loss:.6f}")
assert abs(loss - loss_hand) < 1e-6 and abs(loss - np.log(10)) < 0.1      # about log 10: a guess
assert all(np.allclose(grads[k], grads_hand[k], atol=1e-6) for k in params)
eager = F.cross_entropy(model(nets.tensor(X[:32])), nets.tensor(labels[:32]))
eager.backward()
assert abs(eager.item() - loss) < 1e-6
assert all(np.allclose(p.grad.numpy(), grads[k], atol=1e-6) for k, p in model.named_parameters())

# %% [markdown]
# Here is the whole staged step for a batch of 4 — the forward pass, the loss and the backward pass of a
# three-layer network as one table (inputs labelled by their names):

# %%
step_trace = step.trace(params, X[:4], labels[:4], names=["params", "x", "y"])
print(step_trace.table())
assert len(step_trace.outputs) == 7                                 # the loss and six gradients
loss_row = step_trace.outputs[0]
assert all(loss_row.index < g.index for g in step_trace.outputs[1:])  # the loss, then the backward rows
assert 30 <= len(step_trace.nodes) <= 50

# %% [markdown]
# Now train both ways from the same initial weights on the same batches: SGD with learning rate 0.1 and
# momentum 0.9, batch 32. The eager loop is the course's loop; the staged loop calls the staged step and
# applies PyTorch's momentum update (buffer ← 0.9·buffer + g, θ ← θ − 0.1·buffer) with numpy.

# %%
LR, MOMENTUM = 0.1, 0.9
order = np.random.default_rng(0).permutation(len(X))


def batches(size):
    return [order[i:i + size] for i in range(0, len(X), size)]


def eager_epoch(model, opt, size):
    losses = []
    for idx in batches(size):
        opt.zero_grad()
        loss = F.cross_entropy(model(nets.tensor(X[idx])), nets.tensor(labels[idx]))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def staged_epoch(step, params, buffers, size):
    losses = []
    for idx in batches(size):
        loss, grads = step(params, X[idx], labels[idx])
        for k in params:
            buffers[k] = MOMENTUM * buffers[k] + grads[k]
            params[k] = params[k] - LR * buffers[k]
        losses.append(float(loss))
    return losses


def two_runs():
    """(eager model and optimizer, staged step, its parameters and momentum buffers), equal weights."""
    eager_model = make_model()
    opt = optim.SGD(eager_model.parameters(), lr=LR, momentum=MOMENTUM)
    staged_model = make_model()
    p = {k: v.detach().numpy().copy() for k, v in staged_model.named_parameters()}

    def loss_of(params, x, y):
        return F.cross_entropy(functional_call(staged_model, params, (x,)), y)

    return eager_model, opt, ad.jit(ad.value_and_grad(loss_of)), p, {k: np.zeros_like(v) for k, v in p.items()}


eager_model, opt, staged_step, p, buffers = two_runs()
eager_losses = eager_epoch(eager_model, opt, 32)
staged_losses = staged_epoch(staged_step, p, buffers, 32)
gap = np.max(np.abs(np.array(eager_losses) - np.array(staged_losses)))
weight_gap = max(np.abs(q.detach().numpy() - p[k]).max() for k, q in eager_model.named_parameters())
print(f"{len(eager_losses)} steps; last loss eager {eager_losses[-1]:.5f}, staged {staged_losses[-1]:.5f}")
print(f"largest loss difference over the epoch {gap:.1e}, largest weight difference {weight_gap:.1e}")
assert len(eager_losses) == 57
assert gap < 1e-5 and weight_gap < 1e-5                 # float32: equal up to rounding
assert np.mean(staged_losses[-10:]) < 0.5 * np.mean(staged_losses[:10])    # and it is learning

# %% [markdown]
# On this machine the two runs agree to the last bit: the program applies the same primitives, with the same
# rules, in the same order as the eager graph. (The check allows float32 rounding, which a different order of
# additions would bring.) Now the time per epoch, the best of three epochs for each, at batch 32 and at
# batch 256. Fewer, larger batches mean fewer steps, so less per-step overhead for staging to remove.

# %%
epoch_ms = {}
for size in (32, 256):
    eager_model, opt, staged_step, p, buffers = two_runs()
    staged_epoch(staged_step, p, buffers, size)           # stage (and warm up) before timing
    eager_epoch(eager_model, opt, size)
    timings = {"eager": [], "staged": []}
    for _ in range(3):
        start = time.perf_counter()
        eager_epoch(eager_model, opt, size)
        timings["eager"].append(time.perf_counter() - start)
        start = time.perf_counter()
        staged_epoch(staged_step, p, buffers, size)
        timings["staged"].append(time.perf_counter() - start)
    for mode, ts in timings.items():
        epoch_ms[mode, size] = 1e3 * min(ts)
    print(f"batch {size:3d}: eager {epoch_ms['eager', size]:6.1f} ms per epoch, "
          f"staged {epoch_ms['staged', size]:6.1f} ms per epoch")

# %% [markdown]
# ## 6. The two savings in one picture
#
# Left: the time per epoch from section 5 (measured on this machine, so your bars will differ). Right: the
# peak memory of the gradient program of section 4 on arrays of 10⁶ numbers.

# %%
fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(11, 4.2))
width = 0.38
sizes = (32, 256)
for k, (mode, colour) in enumerate((("eager", "C0"), ("staged", "C1"))):
    xs = np.arange(len(sizes)) + (k - 0.5) * width
    bars = ax_time.bar(xs, [epoch_ms[mode, s] for s in sizes], width, color=colour, label=mode)
    ax_time.bar_label(bars, fmt="%.1f", fontsize=8)
ax_time.set_xticks(np.arange(len(sizes)), [f"batch {s}\n({len(batches(s))} steps)" for s in sizes])
ax_time.set_ylabel("time per epoch (ms, best of 3)")
ax_time.set_ylim(0, 1.15 * max(epoch_ms.values()))
ax_time.set_title("Digits MLP 64-128-64-10, SGD with momentum")
ax_time.legend()
labels_mem = list(memory)
mib = [memory[k] * one_array / 2**20 for k in labels_mem]
ticks = ["keeping everything", "freeing at last use", "freeing, and writing\ninto dead arrays (Runner)"]
bars = ax_mem.bar(ticks, mib, color=["C3", "C2", "C4"], width=0.5)
ax_mem.bar_label(bars, labels=[f"{m:.0f} MiB\n({memory[k]:.1f} arrays)" for m, k in zip(mib, labels_mem)],
                 fontsize=8)
ax_mem.set_ylabel("peak memory allocated by the run (MiB)")
ax_mem.set_ylim(0, max(mib) * 1.25)
ax_mem.set_title("Gradient program of f on 10⁶ points")
fig.suptitle("Staging: the tape is recorded once, and the program knows when a value is dead")
fig.tight_layout()
savefig(fig, "15_eager_vs_staged.png")

# %% [markdown]
# ## Exercises
#
# Three exercises. Try each before you open its solution (in the notebook the solution cell is collapsed).
# Each has a check: `from solutions.ch15 import check_N`, then `check_N(your_answer)` raises an
# AssertionError unless your answer is right.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Stage the derivative of h(x) = x·sin x at x = 1 without the passes (`optimize=False`), count its rows,
# simplify it and count again. Return the two counts.

# %% tags=["solution"]
from solutions.ch15 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# Staged without the common-subexpression pass (`solutions.ch15.without_cse`), the derivative of
# sin(x)·sin(x) computes sin x twice and cos x twice: the product rule visits both factors. Write that pass
# yourself: when two rows apply the same primitive with the same parameters to the same operands, keep the
# first and let later rows read it instead of the second. Return the rewritten program: it must give
# bit-identical results, and it has 4 rows instead of 7 (once sin and cos are shared, the two products of
# the product rule are the same row too). Compare with `staging.eliminate_common_subexpressions`. Why would
# this pass be wrong for a primitive that draws random numbers?

# %% tags=["solution"]
from solutions.ch15 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# Stage the *whole* training step of section 5, the momentum update included: a function of
# (parameters, momentum buffers, x, y) that returns (loss, new parameters, new buffers). Run five steps on
# the first five batches of 32 and return the parameters; they must match `nets.optim.SGD(lr=0.1,
# momentum=0.9)` run eagerly from the same weights.

# %% tags=["solution"]
from solutions.ch15 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())

# %% [markdown]
# ## Summary
#
# * Eager autodiff runs the Python function and records a tape on every call; staging records the
#   function once per shape into a program and then only runs the program.
# * Under `jit`, the reverse sweep's arithmetic is recorded too: the backward pass is rows of the program
#   (for the course's f, 8 rows compute both partial derivatives, and sin x₂ is not among them).
# * A program holds for every later input, so it cannot contain a decision about one input's value: use
#   `ad.where`, which keeps both branches and a comparison row. Values read from outside are frozen in.
# * Programs are data, and passes rewrite them without changing a bit of the result: simplification drops
#   the seed's 1·v rows, dead-code elimination drops what no output reads, and freeing at the last use
#   halved the peak memory of the gradient program (4 arrays instead of 8); writing results into dead
#   operands' memory lowers it a little more.
# * A training step is a function of the parameters; staged, it trains the digits MLP to the same losses
#   as the eager loop, with less Python work per step.
