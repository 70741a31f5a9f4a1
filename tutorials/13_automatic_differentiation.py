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
# # 13 · Automatic differentiation
#
# **What you will learn.** The course's example differentiated every way the course names — evaluation
# trace, forward mode (tangents), reverse mode (adjoints), finite differences, symbolic — and what each
# costs.
#
# **Why it matters.** This is the theory under `loss.backward()`, and the reason reverse mode is used to
# train networks.
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
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _figures import OUT, reverse_sweep_frames, savefig, show  # tutorials/_figures.py

import autodiff as ad
from autodiff import tables
from autodiff.render import _partial_value  # the number ∂vⱼ/∂vᵢ on an edge, from the primitive's rule

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
# The graph has an edge from every parent to every child. Its edges are exactly the course's eight, and
# the output node is the variable v₇ = v₅ + v₆ = f (the notes site's graph labels it "f = v₅ + v₆" without
# naming v₇, E22):

# %%
g = t.to_networkx()
edges = sorted(g.edges())
print(edges)
assert edges == sorted([("v1", "v3"), ("v2", "v3"), ("v2", "v4"), ("v3", "v5"), ("v3", "v6"),
                        ("v4", "v6"), ("v5", "v7"), ("v6", "v7")])
assert [v.name for v in t.outputs] == ["v7"]

# %% [markdown]
# Here is the graph drawn: inputs on the left, the output on the right, each node with its expression
# and value.

# %%
svg_path = t.render(OUT / "13_graph.svg")
show(svg_path)
svg = Path(svg_path).read_text(encoding="utf-8")
assert all(f"v{i}" in svg for i in range(1, 8)) and "exp" in svg and "sin" in svg

# %% [markdown]
# The same formula typed as text (as the `autodiff` command takes it) gives the same trace, numbered the
# same way: `x1*x2` is computed once, and the sum is formed as the course forms it — v₆ = v₃ − v₄ first,
# then v₇ = v₅ + v₆.

# %%
parsed = ad.parse("x1*x2 + exp(x1*x2) - sin(x2)")
t_parsed = ad.trace(parsed, 1.0, 2.0)
print(t_parsed.table())
assert [v.expression() for v in t_parsed.nodes] == [v.expression() for v in t.nodes]   # v₁ … v₇ alike
assert np.allclose(t_parsed.reverse().gradient, t.reverse().gradient, rtol=1e-15)

# %% [markdown]
# ## 2. Forward mode: the tangent trace
#
# Forward mode carries, next to every value vᵢ, its tangent v̇ᵢ = ∂vᵢ/∂(seed direction), using
# v̇ᵢ = Σ_parents v̇ⱼ ∂vᵢ/∂vⱼ. The seed (ẋ₁, ẋ₂) = (1, 0) gives ∂f/∂x₁ at the output, the seed (0, 1)
# gives ∂f/∂x₂: **one sweep per input**. The equations below are not typed in by hand; the table
# derives each row from each operation's own derivative rule.

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
# Watch the sweep step by step. The arrows now point **backwards**, from a child vⱼ to its parent vᵢ, and
# each carries one term of the sum above: the child's adjoint times the local partial, v̄ⱼ·∂vⱼ/∂vᵢ. A
# node's adjoint is the sum of the terms that arrive at it, and it is complete (green) once every child
# has sent its term. Follow v₃: it receives 1 from v₆ and 7.389 from v₅, so v̄₃ = 8.389; only then can it
# pass v̄₃·v₂ and v̄₃·v₁ on to its own parents.

# %%
messages = reverse_sweep_frames(t, "13_reverse_sweep.png", _partial_value)
sweep_result = t.reverse()
received = {}
for m in messages:
    received[m["to"]] = received.get(m["to"], 0.0) + m["contribution"]
assert all(abs(total - sweep_result[name]) < 1e-12 for name, total in received.items())   # v̄ᵢ = Σ terms in
print("terms arriving at v3:", [round(m["contribution"], 4) for m in messages if m["to"] == "v3"])

# %% [markdown]
# The whole adjoint graph in one picture: every node with its adjoint, every edge with its local partial.

# %%
adj_path = t.render(OUT / "13_graph_adjoint.svg", show="adjoint")
show(adj_path)
assert "8.38906" in Path(adj_path).read_text(encoding="utf-8")

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

# `autodiff.compare` runs the automatic and numerical methods and SymPy on one function at one point
# and reports each gradient, its error against SymPy's exact answer, the time and the cost.

# %%
x = (1.0, 2.0)
exact = np.array(manual_gradient(*x))
comparison = ad.compare(f, *x)
print(comparison.table())
assert np.allclose(comparison.exact, exact, rtol=1e-15)
for method in ("forward mode", "reverse mode", "sympy", "complex step"):
    assert comparison[method].max_abs_error < 1e-12, method
assert comparison["central differences"].max_abs_error < 1e-8
assert 1e-9 < comparison["forward differences"].max_abs_error < 1e-5   # O(h): visibly worse
print("SymPy's gradient:", ad.symbolic.gradient(t))

# %% [markdown]
# ## 5. Finite differences: the step-size dilemma
#
# The forward difference (f(x+h) − f(x))/h has truncation error ≈ (h/2)|f''| and round-off error
# ≈ ε|f|/h (ε ≈ 2.2·10⁻¹⁶), so the total error is U-shaped in h, smallest near h ≈ √ε ≈ 10⁻⁸. The central
# difference cancels the h term: truncation O(h²), best near h ≈ ∛ε ≈ 10⁻⁵, reaching about 10⁻¹⁰.

# %%
sweep = ad.compare.step_sweep(f, x, wrt=0)
print(sweep.table())
fig, ax = plt.subplots(figsize=(7, 4.5))
for scheme, marker in (("forward", "o"), ("central", "s")):
    ax.loglog(sweep.h, np.maximum(sweep.errors[scheme], 1e-17), marker=marker, ms=4,
              label=f"{scheme} difference (measured)")
h_ref = sweep.h
i_f, i_c = 2, 2                                    # anchor each reference line on a measured point
ax.loglog(h_ref, sweep.errors["forward"][i_f] * h_ref / h_ref[i_f], "--", color="C0", alpha=0.6,
          label="slope 1: truncation O(h)")
ax.loglog(h_ref, sweep.errors["central"][i_c] * (h_ref / h_ref[i_c]) ** 2, "--", color="C1", alpha=0.6,
          label="slope 2: truncation O(h²)")
eps = np.finfo(float).eps
ax.loglog(h_ref, eps * abs(t.output) / h_ref, ":", color="grey", label="round-off ≈ ε·|f|/h")
ax.set_ylim(1e-13, 1e2)
ax.invert_xaxis()
ax.set_xlabel("step h (dimensionless, same units as x₁)")
ax.set_ylabel("|error| of ∂f/∂x₁ at (1, 2)")
ax.set_title("Finite differences: truncation falls with h, round-off rises")
ax.legend(fontsize=8, loc="lower left")
savefig(fig, "13_finite_difference_error.png")
for scheme, e in sweep.errors.items():
    best = int(np.argmin(e))
    print(f"{scheme}: best h = {sweep.h[best]:.0e}, error {e[best]:.1e}")
    assert e[best] < e[0] and e[best] < e[-1]          # the U shape: falls, then rises
assert sweep.best_step("forward") < sweep.best_step("central")   # central's optimum is at a larger h
assert 1e-10 < sweep.best_step("forward") < 1e-6 and 1e-7 < sweep.best_step("central") < 1e-3
assert sweep.errors["central"].min() < 1e-9 and sweep.errors["forward"].min() < 1e-6

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
savefig(ad.symbolic.swell_figure(rows), "13_expression_swell.png")
assert rows[-1]["gradient_operations"] > 10 * rows[-1]["trace_operations"]
assert rows[-1]["gradient_operations_cse"] < rows[-1]["gradient_operations"]

# %% [markdown]
# ## 7. Why reverse mode: one output, many parameters
#
# A network's loss is one number that depends on many parameters. Forward mode needs one sweep per
# input (n sweeps for the gradient); reverse mode needs one sweep for the whole gradient, whatever n is,
# at the price of storing the trace. When a function has many *outputs* and few inputs the roles swap.
# `compare.scaling` times the full Jacobian both ways for f(x) = Σ sin(xᵢ)·xᵢ (ℝⁿ → ℝ) and for
# f(s) = s·sin(s·c) (ℝ → ℝᵐ). (Times depend on the machine; the shape of the curves is the lesson.)

# %%
study = ad.compare.scaling(sizes=(1, 2, 4, 8, 16, 32, 64))
print(study)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
for ax, data, what, title in ((axes[0], study.many_inputs, "number of inputs n", "f: ℝⁿ → ℝ (a loss)"),
                              (axes[1], study.many_outputs, "number of outputs m", "f: ℝ → ℝᵐ")):
    for mode, style in (("forward", "o-"), ("reverse", "s-")):
        ax.loglog(study.sizes, np.array(data[mode]) * 1e6, style, ms=4, label=f"{mode} mode")
    ax.set_xticks(study.sizes, [str(n) for n in study.sizes])
    ax.set_xlabel(what)
    ax.set_title(title)
    ax.legend()
axes[0].set_ylabel("time for the whole Jacobian (µs)")
fig.suptitle("Forward mode's cost grows with the inputs, reverse mode's with the outputs")
fig.tight_layout()
savefig(fig, "13_forward_vs_reverse.png")
assert study.max_disagreement < 1e-12            # both modes give the same Jacobian

# The cost in sweeps, which is what the times reflect: n tangent sweeps against one adjoint sweep.
xs = np.linspace(0.1, 1.0, 16)
tr = ad.trace(lambda v: ad.sum(ad.sin(v) * v), xs)
jac_forward = np.array([tr.forward(np.eye(16)[i]).output for i in range(16)])   # 16 sweeps
jac_reverse = tr.reverse().gradient                                             # 1 sweep
assert np.allclose(jac_forward, jac_reverse, atol=1e-14)
assert np.allclose(jac_reverse, np.sin(xs) + xs * np.cos(xs), atol=1e-14)

# %% [markdown]
# ## 8. Derivatives of derivatives: nesting, and why each derivative needs a level
#
# **What you will learn.** A derivative taken *inside* another one (a Hessian, a gradient penalty, the
# derivative of an optimizer's step) is only right if each differentiation keeps its own perturbation
# apart. Mixing them up has a name, *perturbation confusion*, and it gives wrong numbers without any error.
#
# Take a function whose inner derivative closes over the outer variable:
#
# $$g(x) = x \cdot \frac{\partial}{\partial y}(x + y)\Big|_{y=1}.$$
#
# The inner derivative is 1 for every x, so g(x) = x and g'(x) = 1. Now do it with the dual numbers of
# section 2, written the simplest way: one ε for everything.

# %%
class NaiveDual:
    """a + bε with ε² = 0, and a single ε shared by every derivative being taken."""

    def __init__(self, value, eps):
        self.value, self.eps = value, eps

    def __add__(self, other):
        other = other if isinstance(other, NaiveDual) else NaiveDual(other, 0.0)
        return NaiveDual(self.value + other.value, self.eps + other.eps)

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, NaiveDual) else NaiveDual(other, 0.0)
        return NaiveDual(self.value * other.value, self.eps * other.value + self.value * other.eps)

    __rmul__ = __mul__


def naive_derivative(f, x):
    return f(NaiveDual(x, 1.0)).eps


naive = naive_derivative(lambda x: x * naive_derivative(lambda y: x + y, 1.0), 1.0)
print("naive dual numbers:", naive)  # 2.0: wrong
assert naive == 2.0

# %% [markdown]
# Where does the 2 come from? Inside, x + y adds x's ε (the outer perturbation, 1) to y's ε (the inner
# one, 1), and the inner derivative reads their sum as its own: ∂(x + y)/∂y = 2. The two perturbations are
# different infinitesimals, ε₁ for x and ε₂ for y, and ε₁ε₂ ≠ 0; one shared ε cannot tell them apart.
#
# The cure is to give every derivative call its own *level*. `autodiff` keeps a stack of active
# transformations, one level per `jvp`, `grad` or `vjp` call. A traced value remembers the level that made
# it, and each operation is handled by the deepest level among its operands; a value of an outer level is
# a constant there. So inside the inner `jvp`, x (level 1) is a constant and only y (level 2) carries the
# inner tangent:

# %%
from autodiff.primitives import level_stack  # noqa: E402


def inner(x):
    def h(y):
        print("  levels while h runs:", [level.name for level in level_stack()])
        return x + y

    return ad.jvp(h, (1.0,), (1.0,))[1]


value, derivative = ad.jvp(lambda x: x * inner(x), (1.0,), (1.0,))
print("g(1) =", value, " g'(1) =", derivative)
assert (value, derivative) == (1.0, 1.0)

# %% [markdown]
# The same holds for reverse mode inside reverse mode, and for any mix. Here is the Hessian of the
# course's f, taken four ways — forward over reverse (`ad.hessian`), reverse over reverse, reverse over
# forward and forward over forward — and compared with SymPy's exact second derivatives:

# %%
import sympy as sp  # noqa: E402


def f_vec(v):
    return f(v[0], v[1])


point = np.array([1.5, 0.5])
a, b = sp.symbols("x1 x2")
exact_h = np.array(sp.hessian(a * b + sp.exp(a * b) - sp.sin(b), (a, b)).subs({a: 1.5, b: 0.5}), dtype=float)
ways = {
    "forward over reverse": ad.hessian(f_vec)(point),
    "reverse over reverse": ad.jacrev(ad.grad(f_vec))(point),
    "reverse over forward": ad.jacrev(ad.jacfwd(f_vec))(point),
    "forward over forward": ad.jacfwd(ad.jacfwd(f_vec))(point),
}
for name, h in ways.items():
    print(f"{name:22s}", np.array2string(h, precision=10))
    np.testing.assert_allclose(h, exact_h, rtol=1e-12)
print(f"{'SymPy (exact)':22s}", np.array2string(exact_h, precision=10))

# %% [markdown]
# One more trap belongs here. A derivative is only followed through operations the library sees. Python's
# `math.sin` turns its argument into a plain float, and the derivative through it would silently be zero.
# Inside a transformation, `autodiff` refuses instead and says what to use:

# %%
import math as pymath  # noqa: E402

try:
    ad.grad(lambda x: pymath.sin(x) * x)(1.0)
except ad.ConcretizationError as e:
    print("ConcretizationError:", str(e)[:110], "…")
print("with ad.sin:", ad.grad(lambda x: ad.sin(x) * x)(1.0), "= sin 1 + cos 1 =", pymath.sin(1) + pymath.cos(1))


# %% [markdown]
# ## Exercises
#
# Four exercises, from a warm-up to two challenges. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch13 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# The tangent trace at (2, 5) with seed (0, 1), by the tangent rules; return v̇₇.

# %% tags=["solution"]
from solutions.ch13 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# The adjoints of g(x₁, x₂) = x₁ sin x₂ + x₁² at (1, 0.5), by hand: v₃ = sin v₂, v₄ = v₁v₃, v₅ = v₁v₁, v₆ = v₄
# + v₅. Return (v̄₁, v̄₂).

# %% tags=["solution"]
from solutions.ch13 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# The step h = 10⁻ᵏ (k = 1 … 12) with the smallest central-difference error for ∂f/∂x₁ of the course's f at
# (1, 2).

# %% tags=["solution"]
from solutions.ch13 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())

# %% [markdown]
# ### Exercise 4 (challenge, section 8)
#
# Mend `NaiveDual`: give each derivative call its own tag, so that an operation on numbers of two tags
# treats the outer one as a constant, and d/dx [x · d/dy (x + y)] at x = y = 1 comes out as 1.

# %% tags=["solution"]
from solutions.ch13 import check_4, exercise_4  # noqa: E402

check_4(exercise_4())

# %% [markdown]
# ## Summary
#
# * The trace (v₁…v₇) is the graph; forward mode pushes tangents along it once per input, reverse mode
#   pulls adjoints back once per output.
# * Corrected adjoint: v̄₂ = v̄₃·v₁ + v̄₄·cos v₂ (the lecture's self-referential version gives 0.416).
# * Finite differences are a check, not a method: their error is U-shaped in h.
# * Symbolic derivatives are exact but swell; autodiff keeps the shared subexpressions as variables.
# * For a scalar loss of many parameters, reverse mode's single sweep wins.
# * A derivative inside a derivative needs each perturbation kept apart (a level per call); one shared ε
#   gives d/dx [x · d/dy (x + y)] = 2 instead of 1. With levels, every nesting order gives the same Hessian.
