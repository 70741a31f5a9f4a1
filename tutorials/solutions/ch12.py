"""Chapter 12 · Build your own autodiff: solutions (each self-contained, as the student would write it)."""

import math
import random

import autodiff as ad


def exercise_1():
    """Warm-up: give dual numbers a division, (a + ȧε)/(b + ḃε) = a/b + (ȧb − aḃ)/b²·ε, and use it for the
    derivative of f(x) = x/(1 + x²) at x = 0.5. Return (f, f')."""
    class Dual:
        def __init__(self, value, tangent=0.0):
            self.value, self.tangent = value, tangent

        def __add__(self, other):
            return Dual(self.value + other.value, self.tangent + other.tangent)

        def __mul__(self, other):
            return Dual(self.value * other.value, self.tangent * other.value + self.value * other.tangent)

        def __truediv__(self, other):
            return Dual(self.value / other.value,
                        (self.tangent * other.value - self.value * other.tangent) / other.value ** 2)

    x = Dual(0.5, 1.0)
    y = x / (Dual(1.0) + x * x)
    return y.value, y.tangent


def check_1(answer):
    value, derivative = answer
    assert abs(value - 0.4) < 1e-15
    assert abs(derivative - ad.grad(lambda x: x / (1 + x * x))(0.5)) < 1e-14      # (1 − x²)/(1 + x²)² = 0.48


def exercise_2():
    """A minimal reverse-mode Value with +, · and tanh (d tanh a/da = 1 − tanh² a); return ∂/∂w and ∂/∂b of
    tanh(w·x + b) at w = 0.7, x = −1.2, b = 0.3."""
    class Value:
        def __init__(self, data, parents=()):
            self.data, self.grad, self.parents, self._backward = data, 0.0, parents, lambda: None

        def __add__(self, other):
            out = Value(self.data + other.data, (self, other))

            def _backward():
                self.grad += out.grad
                other.grad += out.grad
            out._backward = _backward
            return out

        def __mul__(self, other):
            out = Value(self.data * other.data, (self, other))

            def _backward():
                self.grad += out.grad * other.data
                other.grad += out.grad * self.data
            out._backward = _backward
            return out

        def tanh(self):
            out = Value(math.tanh(self.data), (self,))

            def _backward():
                self.grad += out.grad * (1 - out.data ** 2)
            out._backward = _backward
            return out

    w, x, b = Value(0.7), Value(-1.2), Value(0.3)
    out = (w * x + b).tanh()
    out.grad = 1.0
    for v in (out, out.parents[0], out.parents[0].parents[0]):     # tanh, then +, then ·: reverse order
        v._backward()
    return w.grad, b.grad


def check_2(answer):
    dw, db = answer
    expected = ad.grad(lambda w, b: ad.tanh(w * -1.2 + b), argnums=(0, 1))(0.7, 0.3)
    assert abs(dw - expected[0]) < 1e-14 and abs(db - expected[1]) < 1e-14


COURSE_GRAPH = {"v1": [], "v2": [], "v3": ["v1", "v2"], "v4": ["v2"], "v5": ["v3"], "v6": ["v3", "v4"],
                "v7": ["v5", "v6"]}


def exercise_3():
    """Challenge: write ``order(graph)`` — a topological order of a graph given as {node: [parents]}, every
    node after all its parents — without recursion (an explicit stack), and return the function."""
    def order(graph):
        result, state = [], {}
        for start in graph:
            stack = [(start, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    if state[node] != "finished":
                        state[node] = "finished"
                        result.append(node)
                    continue
                if state.get(node):
                    continue
                state[node] = "open"
                stack.append((node, True))
                stack.extend((p, False) for p in reversed(graph[node]) if not state.get(p))
        return result
    return order


def check_3(order):
    rng = random.Random(0)
    graphs = [COURSE_GRAPH]
    for _ in range(20):
        n = rng.randint(1, 30)
        graphs.append({f"n{i}": [f"n{j}" for j in range(i) if rng.random() < 0.2] for i in range(n)})
    graphs.append({f"n{i}": [f"n{i - 1}"] if i else [] for i in range(5000)})      # deep: no recursion limit
    for graph in graphs:
        result = order(graph)
        position = {node: k for k, node in enumerate(result)}
        assert sorted(result) == sorted(graph)
        assert all(position[p] < position[node] for node, parents in graph.items() for p in parents)
