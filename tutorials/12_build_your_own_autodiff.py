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
# # 12 · Build your own autodiff
#
# **What you will learn.** How reverse-mode automatic differentiation works inside, by writing it: a
# scalar `Value` that remembers how it was made, one backward rule per operation, a topological order
# of the graph, and a backward pass that adds up each variable's adjoint from its children. Then forward
# mode in a dozen lines, with dual numbers. Finally the course's example, where every adjoint and every
# tangent your code computes must equal the ones `autodiff` prints in its trace tables.
#
# **Why it matters.** Everything `nets` does when you call `loss.backward()` is this chapter, done on
# arrays instead of numbers. Once you have written it, the next chapter's traces read as a description of
# your own code.

# %%
import math

import autodiff as ad
from autodiff import tables

# %% [markdown]
# ## Step 1 · A number that remembers where it came from
#
# A `Value` holds its number (`data`), the adjoint that the backward pass will fill in (`grad`, that is
# ∂output/∂this value), the values it was computed from (`parents`), and a function `_backward` that
# passes its own adjoint on to its parents. Each operation creates the result *and* that function. For
# c = a·b the local partials are ∂c/∂a = b and ∂c/∂b = a, so c's rule adds c̄·b to ā and c̄·a to b̄.
#
# Note the `+=`: a value can be used by several children (in the course's example v₃ feeds both v₅ and
# v₆), and its adjoint is the **sum** of what each child sends back.

# %%
class Value:
    def __init__(self, data, parents=(), op="", name=""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.name = name
        self._backward = lambda: None

    def __repr__(self):
        return f"Value({self.name or self.op} = {self.data:.6g}, grad = {self.grad:.6g})"

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad                  # ∂(a + b)/∂a = 1
            other.grad += out.grad                 # ∂(a + b)/∂b = 1
        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "·")

        def _backward():
            self.grad += out.grad * other.data     # ∂(ab)/∂a = b
            other.grad += out.grad * self.data     # ∂(ab)/∂b = a
        out._backward = _backward
        return out


# %% [markdown]
# Try it on c = a·b + a at a = 3, b = 4 by calling the rules by hand, output first: c̄ = 1, then the sum
# passes 1 to both of its parents, then the product passes on its share. By hand, ∂c/∂a = b + 1 = 5 and
# ∂c/∂b = a = 3.

# %%
a, b = Value(3.0, name="a"), Value(4.0, name="b")
ab = a * b
c = ab + a
c.grad = 1.0
c._backward()         # the sum: ab̄ += 1, ā += 1
ab._backward()        # the product: ā += 1·4, b̄ += 1·3
print(a, b)
assert (a.grad, b.grad) == (5.0, 3.0)

# %% [markdown]
# ## Step 2 · The order of the backward pass
#
# Calling the rules by hand only works because we knew the order. The rule of a value may run only when
# its adjoint is complete, that is after *all* its children have run theirs. A topological order of the
# graph (every value after its parents) gives exactly that when walked backwards. A depth-first search
# produces one: visit the parents first, then append the value.

# %%
def topological_order(output):
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for p in v.parents:
                visit(p)
            order.append(v)
    visit(output)
    return order


def backward(output):
    order = topological_order(output)
    for v in order:
        v.grad = 0.0
    output.grad = 1.0                         # ∂output/∂output
    for v in reversed(order):                 # children before parents
        v._backward()


a, b = Value(3.0), Value(4.0)
c = a * b + a
backward(c)
assert (a.grad, b.grad) == (5.0, 3.0)
print("order:", [v.op or "input" for v in topological_order(c)])

# %% [markdown]
# ## Step 3 · The rest of the course's operations
#
# The course's function needs subtraction, exp and sin. Each is one forward formula and one local
# partial: ∂(a − b)/∂a = 1, ∂(a − b)/∂b = −1, (eᵃ)' = eᵃ (the output itself), (sin a)' = cos a.

# %%
def _sub(self, other):
    out = Value(self.data - other.data, (self, other), "−")

    def _backward():
        self.grad += out.grad
        other.grad -= out.grad
    out._backward = _backward
    return out


def exp(a):
    out = Value(math.exp(a.data), (a,), "exp")

    def _backward():
        a.grad += out.grad * out.data
    out._backward = _backward
    return out


def sin(a):
    out = Value(math.sin(a.data), (a,), "sin")

    def _backward():
        a.grad += out.grad * math.cos(a.data)
    out._backward = _backward
    return out


Value.__sub__ = _sub

# %% [markdown]
# ## Step 4 · The course's example, checked against the engine
#
# f(x₁, x₂) = x₁x₂ + exp(x₁x₂) − sin x₂ at (1, 2), written with the course's variables v₁ … v₇. One
# backward pass fills in every adjoint; each must equal the adjoint `autodiff` derives in its table.

# %%
def course_f(x1, x2, exp=exp, sin=sin):
    v3 = x1 * x2
    v4 = sin(x2)
    v5 = exp(v3)
    v6 = v3 - v4
    return v5 + v6, (x1, x2, v3, v4, v5, v6)


v1, v2 = Value(1.0), Value(2.0)
v7, (_, _, v3, v4, v5, v6) = course_f(v1, v2)
backward(v7)
ours = {f"v̄{i}": v.grad for i, v in enumerate((v1, v2, v3, v4, v5, v6, v7), start=1)}
print({k: round(g, 9) for k, g in ours.items()})

trace = ad.trace(lambda x1, x2: course_f(x1, x2, exp=ad.exp, sin=ad.sin)[0], 1.0, 2.0)
engine = tables.adjoint_table(trace)
print(engine)
for name, grad in ours.items():
    assert abs(grad - engine.values[name][0]) < 1e-12, name
assert abs(v1.grad - 16.778112197861) < 1e-11 and abs(v2.grad - 8.805202935478) < 1e-11

# %% [markdown]
# What if the product's rule wrote `=` instead of `+=`? v₂ has two children, v₃ = v₁v₂ and v₄ = sin v₂,
# and its adjoint needs both terms, v̄₃·v₁ + v̄₄·cos v₂. With `=` the product's rule, which runs last,
# overwrites the sine's term: v̄₂ comes out as 8.389 instead of 8.805. The lecture's reverse-mode slide
# (E10) makes the mirror-image slip and keeps only the sine's term, 0.416.

# %%
def mul_overwriting(self, other):
    out = Value(self.data * other.data, (self, other), "·")

    def _backward():
        self.grad = out.grad * other.data          # "=": forgets what other children sent
        other.grad = out.grad * self.data
    out._backward = _backward
    return out


Value.__mul__, correct_mul = mul_overwriting, Value.__mul__
w1, w2 = Value(1.0), Value(2.0)
wrong_out, _ = course_f(w1, w2)
backward(wrong_out)
Value.__mul__ = correct_mul
print(f"with '=' instead of '+=': ∂f/∂x₂ = {w2.grad:.6f} instead of {v2.grad:.6f}")
assert abs(w2.grad - v2.grad) > 0.4

# %% [markdown]
# ## Step 5 · Forward mode with dual numbers
#
# Forward mode carries, beside each value, its derivative along one chosen direction: a *dual number*
# a + ȧε with ε² = 0. Arithmetic on dual numbers is the chain rule: (a + ȧε)(b + ḃε) = ab + (ȧb + aḃ)ε,
# and f(a + ȧε) = f(a) + f'(a)ȧε. Seeding x₁ with derivative 1 and x₂ with 0 gives ∂f/∂x₁ in one pass;
# the other seed gives ∂f/∂x₂ — one pass per input, as the course says.

# %%
class Dual:
    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = float(value), float(tangent)

    def __add__(self, other):
        return Dual(self.value + other.value, self.tangent + other.tangent)

    def __sub__(self, other):
        return Dual(self.value - other.value, self.tangent - other.tangent)

    def __mul__(self, other):
        return Dual(self.value * other.value, self.tangent * other.value + self.value * other.tangent)


def dual_exp(a):
    return Dual(math.exp(a.value), math.exp(a.value) * a.tangent)


def dual_sin(a):
    return Dual(math.sin(a.value), math.cos(a.value) * a.tangent)


tangent_table = tables.tangent_table(trace)
for column, seed in enumerate([(1.0, 0.0), (0.0, 1.0)]):
    d1, d2 = Dual(1.0, seed[0]), Dual(2.0, seed[1])
    out, intermediates = course_f(d1, d2, exp=dual_exp, sin=dual_sin)
    for i, v in enumerate((*intermediates, out), start=1):
        assert abs(v.tangent - tangent_table.values[f"v̇{i}"][column]) < 1e-12, (i, column)
    print(f"seed {seed}: v̇₇ = {out.tangent:.12f}")
assert abs(course_f(Dual(1.0, 1.0), Dual(2.0), exp=dual_exp, sin=dual_sin)[0].tangent - 16.778112197861) < 1e-11

# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch12 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Give dual numbers a division, (a + ȧε)/(b + ḃε) = a/b + (ȧb − aḃ)/b²·ε, and use it for the derivative of
# f(x) = x/(1 + x²) at x = 0.5. Return (f, f').

# %% tags=["solution"]
from solutions.ch12 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# A minimal reverse-mode Value with +, · and tanh (d tanh a/da = 1 − tanh² a); return ∂/∂w and ∂/∂b of
# tanh(w·x + b) at w = 0.7, x = −1.2, b = 0.3.

# %% tags=["solution"]
from solutions.ch12 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# Write ``order(graph)`` — a topological order of a graph given as {node: [parents]}, every node after all its
# parents — without recursion (an explicit stack), and return the function.

# %% tags=["solution"]
from solutions.ch12 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())

# %% [markdown]
# ## Summary
#
# * Reverse mode = record the graph on the way forward, then run each operation's local rule in reverse
#   topological order, **adding** into the parents' adjoints.
# * Forward mode = carry (value, tangent) pairs; each operation applies the chain rule at once; one pass
#   per input direction.
# * Your `Value` and `Dual` reproduce, digit for digit, the adjoint and tangent tables of the next
#   chapter.
