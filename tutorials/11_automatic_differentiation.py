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
# # 11 · Automatic differentiation
#
# The whole course rests on one idea: a program is a graph of primitive operations, and a derivative
# of the program is assembled from the derivatives of those primitives by the chain rule. This chapter
# takes the course's running example
#
# $$f(x_1, x_2) = x_1 x_2 + e^{x_1 x_2} - \sin x_2$$
#
# and differentiates it in every way the course names: by hand, by finite differences, symbolically and
# automatically (forward and reverse mode). Along the way we draw its graph, print its three traces,
# correct the lecture's slip in the reverse sweep, watch finite differences fail for tiny steps, watch
# symbolic derivatives swell, and measure why reverse mode is the one networks use.

# %%
import math
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import autodiff as ad
from autodiff import tables

OUT = Path("out/tutorials")
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The evaluation trace
#
# Written the way the course numbers it, the function has two inputs and five intermediate variables:
# v₁ = x₁, v₂ = x₂, v₃ = v₁v₂, v₄ = sin v₂, v₅ = exp v₃, v₆ = v₃ − v₄, v₇ = v₅ + v₆ = f.
# `autodiff.trace` runs the Python function on traced inputs and numbers every primitive in the order it
# was evaluated. Writing `x1 * x2` once and reusing it is what makes v₃ a single node with two children.


# %%
def f(x1, x2):
    v3 = x1 * x2
    v4 = ad.sin(x2)
    v5 = ad.exp(v3)
    v6 = v3 - v4
    return v5 + v6


t = ad.trace(f, 1.0, 2.0)
primal = tables.primal_table(t)
print(primal)

expected_primal = [1, 2, 2, 0.909297426826, 7.389056098931, 1.090702573174, 8.479758672105]
for v, want in zip(t.nodes, expected_primal):
    assert abs(v.value - want) < 1e-11, (v.name, v.value, want)
assert len(t.nodes) == 7 and t.num_operations == 5

# %% [markdown]
# The graph has an edge from every parent to every child. Its edges are exactly the course's eight:

# %%
g = t.to_networkx()
edges = sorted(g.edges())
print(edges)
assert edges == sorted([("v1", "v3"), ("v2", "v3"), ("v2", "v4"), ("v3", "v5"), ("v3", "v6"),
                        ("v4", "v6"), ("v5", "v7"), ("v6", "v7")])

# %% [markdown]
# ## 2. Forward mode: the tangent trace
#
# Forward mode carries, next to every value vᵢ, its tangent v̇ᵢ = ∂vᵢ/∂(seed direction), using
# v̇ᵢ = Σ_parents v̇ⱼ ∂vᵢ/∂vⱼ. The seed (ẋ₁, ẋ₂) = (1, 0) gives ∂f/∂x₁ at the output, the seed (0, 1)
# gives ∂f/∂x₂: **one sweep per input**. The equations below are not typed in by hand; the table
# derives each row from the primitive's rule in the registry.

# %%
tangent = tables.tangent_table(t)
print(tangent)
tv = tangent.values
assert abs(tv["v̇7"][0] - 16.778112197861) < 1e-11
assert abs(tv["v̇7"][1] - 8.805202935478) < 1e-11
assert abs(tv["v̇4"][1] - (-0.416146836547)) < 1e-11
assert tangent.equations["v̇3"] == "v̇1·v2 + v1·v̇2"

# %% [markdown]
# ## 3. Reverse mode: the adjoint trace
#
# Reverse mode runs the graph once forwards (keeping every vᵢ), then once backwards carrying the adjoint
# v̄ᵢ = ∂f/∂vᵢ = Σ_children v̄ⱼ ∂vⱼ/∂vᵢ, starting from v̄₇ = 1. A single backward sweep delivers
# ∂f/∂x₁ = v̄₁ **and** ∂f/∂x₂ = v̄₂.

# %%
adjoint = tables.adjoint_table(t)
print(adjoint)
av = adjoint.values
assert abs(av["v̄1"][0] - 16.778112197861) < 1e-11
assert abs(av["v̄2"][0] - 8.805202935478) < 1e-11
assert abs(av["v̄3"][0] - 8.389056098931) < 1e-11
assert av["v̄4"][0] == -1.0
print("v̄3 =", adjoint.equations["v̄3"], "  v̄2 =", adjoint.equations["v̄2"])

# %% [markdown]
# ### The lecture's slip in v̄₂ (E10)
#
# v₂ has two children, v₃ = v₁v₂ and v₄ = sin v₂, so its adjoint must collect one term from each:
# **v̄₂ = v̄₃·v₁ + v̄₄·cos v₂**. The reverse-mode slide writes v̄₂ = v̄₂·v₁ + v̄₄·cos v₂ instead, an
# equation that refers to itself. Evaluated as a program (v̄₂ starts at 0) it silently returns the
# contribution of sin alone:

# %%
a = t.reverse()
v1, v2 = t["v1"].value, t["v2"].value
bar3, bar4 = a["v3"], a["v4"]

bar2_lecture = 0.0                                       # the accumulator starts at zero...
bar2_lecture = bar2_lecture * v1 + bar4 * math.cos(v2)   # ...and the slide multiplies it by v1
bar2_correct = bar3 * v1 + bar4 * math.cos(v2)
print(f"lecture's v̄2 = {bar2_lecture:.6f}   corrected v̄2 = {bar2_correct:.6f}   autodiff: {a['v2']:.6f}")
assert abs(bar2_lecture - 0.416146836547) < 1e-11         # = −cos 2: wrong
assert abs(bar2_correct - a["v2"]) < 1e-12                # = 8.805…: right

# %% [markdown]
# ### The closed form, and the second point (2, 5)
#
# By hand: ∂f/∂x₁ = x₂(1 + e^{x₁x₂}) and ∂f/∂x₂ = x₁(1 + e^{x₁x₂}) − cos x₂. At (2, 5) the numbers are
# large (e¹⁰ ≈ 22026), which makes a good test of relative accuracy.

# %%
def manual_gradient(x1, x2):
    e = math.exp(x1 * x2)
    return x2 * (1 + e), x1 * (1 + e) - math.cos(x2)


t25 = t.at(2.0, 5.0)                 # the same graph at a new point, without re-tracing
g25 = t25.reverse().gradient
print("f(2,5) =", t25.output, " ∇f =", g25, " v̄3 =", t25.reverse()["v3"])
assert abs(t25.output - 22037.4247190814) < 1e-9
assert np.allclose(g25, (110137.328974034, 44054.647927428), rtol=1e-13)
assert np.allclose(g25, manual_gradient(2.0, 5.0), rtol=1e-14)
assert abs(t25.reverse()["v3"] - 22027.4657948067) < 1e-9

# %% [markdown]
# ## 4. The four ways, side by side
#
# | method | how | cost for ∇f, f: ℝⁿ → ℝ | accuracy |
# |---|---|---|---|
# | manual | derive by hand, code it | one careful person-hour per model change | exact if no mistakes |
# | finite differences | (f(x + h eᵢ) − f(x − h eᵢ))/2h | 2n evaluations (central) | truncation + round-off error |
# | symbolic | SymPy differentiates the expression | expression may swell | exact |
# | automatic | chain rule over the trace | forward: n sweeps, reverse: 1 sweep | exact to rounding |
#
# Symbolic differentiation is exact and gives a readable formula that can be simplified, but it needs
# one closed-form expression (no loops or branches) and the formula can grow explosively (section 6).
# Automatic differentiation is exact to machine precision and follows control flow, but forward mode
# needs a sweep per input, reverse mode must store the whole trace (memory), and each primitive needs a
# derivative rule — the two cells the lecture's comparison table left empty (E16).

# %%
x = (1.0, 2.0)
exact = np.array(manual_gradient(*x))
results = {
    "manual": exact,
    "forward difference": np.array(ad.numeric.grad(t, *x, scheme="forward")),
    "central difference": np.array(ad.numeric.grad(t, *x, scheme="central")),
    "complex step": np.array(ad.numeric.grad(t, *x, scheme="complex")),
    "symbolic (SymPy)": np.array(ad.symbolic.evaluate(ad.symbolic.gradient(t), ad.symbolic.symbols(t), x),
                                 dtype=float),
    "forward mode": np.array([t.forward("x1").output, t.forward("x2").output]),
    "reverse mode": np.array(t.reverse().gradient),
}
for name, value in results.items():
    print(f"{name:20s} {value[0]:.15f} {value[1]:.15f}   max error {np.max(np.abs(value - exact)):.1e}")
assert np.max(np.abs(results["forward mode"] - exact)) < 1e-12
assert np.max(np.abs(results["reverse mode"] - exact)) < 1e-12
assert np.max(np.abs(results["symbolic (SymPy)"] - exact)) < 1e-12
assert np.max(np.abs(results["central difference"] - exact)) < 1e-8
assert 1e-9 < np.max(np.abs(results["forward difference"] - exact)) < 1e-5   # O(h): visibly worse
print(ad.symbolic.gradient(t))

# %% [markdown]
# ## 5. Finite differences: the step-size dilemma
#
# The forward difference (f(x+h) − f(x))/h has truncation error ≈ (h/2)|f''| and round-off error
# ≈ ε|f|/h (ε ≈ 2.2·10⁻¹⁶), so the total error is U-shaped in h, smallest near h ≈ √ε ≈ 10⁻⁸. The central
# difference cancels the h term: truncation O(h²), best near h ≈ ∛ε ≈ 10⁻⁵, reaching about 10⁻¹⁰.

# %%
def f_x1(x1):
    return f(x1, 2.0)


hs = np.logspace(-1, -15, 29)
err = {s: np.array([abs(ad.numeric.derivative(f_x1, 1.0, scheme=s, h=h) - exact[0]) for h in hs])
       for s in ("forward", "central")}
fig, ax = plt.subplots(figsize=(6, 4))
for s, e in err.items():
    ax.loglog(hs, np.maximum(e, 1e-17), "o-", ms=3, label=f"{s} difference")
ax.axvline(np.sqrt(np.finfo(float).eps), color="C0", ls=":", lw=1)
ax.axvline(np.cbrt(np.finfo(float).eps), color="C1", ls=":", lw=1)
ax.invert_xaxis()
ax.set_xlabel("step h")
ax.set_ylabel("|error| of ∂f/∂x₁ at (1, 2)")
ax.set_title("Truncation error falls, round-off error rises")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "11_finite_difference_error.png", dpi=110)
plt.close(fig)

for s, e in err.items():
    best = int(np.argmin(e))
    print(f"{s}: best h = {hs[best]:.0e}, error {e[best]:.1e}; at h=1e-1 {e[0]:.1e}; at h=1e-15 {e[-1]:.1e}")
    assert e[best] < e[0] and e[best] < e[-1]          # the U shape: falls, then rises
assert hs[np.argmin(err["forward"])] < hs[np.argmin(err["central"])]   # central's optimum is at larger h
assert err["central"].min() < 1e-9 and err["forward"].min() < 1e-6

# %% [markdown]
# ## 6. Expression swell
#
# Symbolic differentiation works on the expression, not on the trace. For the iterated logistic map
# l ← 4l(1 − l) the trace grows linearly with depth n, but the expression (each l written out in full)
# and its derivative grow much faster. Common-subexpression elimination recovers much of the loss —
# which is, in effect, what autodiff does by keeping the intermediate variables.

# %%
rows = ad.symbolic.swell_study(max_depth=5)
for r in rows:
    print(r)
fig = ad.symbolic.swell_figure(rows, path=str(OUT / "11_expression_swell.png"))
plt.close(fig)
assert rows[-1]["gradient_operations"] > 10 * rows[-1]["trace_operations"]
assert rows[-1]["gradient_operations_cse"] < rows[-1]["gradient_operations"]

# %% [markdown]
# ## 7. Why reverse mode: one output, many parameters
#
# A network's loss is one number that depends on many parameters. Forward mode needs one sweep per
# input (n sweeps for the gradient); reverse mode needs one sweep for the whole gradient, whatever n is,
# at the price of storing the trace. When a function has many *outputs* and few inputs the roles swap.
# Below, f(x) = Σ sin(xᵢ)·xᵢ₊₁ on n scalar inputs: the forward-mode gradient takes n sweeps.

# %%
def chain_sum(*xs):
    s = 0.0
    for a_, b_ in zip(xs[:-1], xs[1:]):
        s = s + ad.sin(a_) * b_
    return s


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


sizes = [2, 4, 8, 16, 32, 64]
fwd_times, rev_times = [], []
for n in sizes:
    xs = np.linspace(0.1, 1.0, n)
    tr = ad.trace(chain_sum, *xs)
    fwd = best_of(lambda tr=tr: [tr.forward(v.label).output for v in tr.inputs])
    rev = best_of(lambda tr=tr: tr.reverse().gradient)
    fwd_times.append(fwd)
    rev_times.append(rev)
    g_f = np.array([tr.forward(v.label).output for v in tr.inputs])
    assert np.allclose(g_f, tr.reverse().gradient, atol=1e-12)

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(sizes, fwd_times, "o-", label="forward mode (n sweeps)")
ax.loglog(sizes, rev_times, "s-", label="reverse mode (1 sweep)")
ax.set_xlabel("number of inputs n")
ax.set_ylabel("time for the full gradient [s]")
ax.set_title("Gradient of f: ℝⁿ → ℝ")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "11_forward_vs_reverse.png", dpi=110)
plt.close(fig)
ratio = fwd_times[-1] / rev_times[-1]
print(f"n = {sizes[-1]}: forward/reverse time ratio {ratio:.1f}")
assert ratio > 5      # grows roughly like n; a generous margin keeps timing noise out of the test

# %% [markdown]
# ## Summary
#
# * The trace (v₁…v₇) is the graph; forward mode pushes tangents along it once per input, reverse mode
#   pulls adjoints back once per output.
# * Corrected adjoint: v̄₂ = v̄₃·v₁ + v̄₄·cos v₂ (the lecture's self-referential version gives 0.416).
# * Finite differences are a check, not a method: their error is U-shaped in h.
# * Symbolic derivatives are exact but swell; autodiff keeps the shared subexpressions as variables.
# * For a scalar loss of many parameters, reverse mode's single sweep wins.
