"""The symbolic way: a trace as SymPy expressions, exact derivatives, and expression swell.

Each node's SymPy form is its primitive's value rule run with the SymPy backend, so the conversion needs
no table of its own. Differentiating the expression gives exact derivatives; counting their operations
with and without common-subexpression elimination shows *expression swell*, the reason automatic
differentiation works on the trace rather than on the formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp

from .backends import SYMPY


def _symbols(trace) -> list[sp.Symbol]:
    syms = []
    for v in trace.inputs:
        if np.ndim(v.value) != 0:
            raise TypeError(f"the symbolic form covers scalar inputs; input {v.label!r} has shape "
                            f"{np.shape(v.value)}")
        syms.append(sp.Symbol(v.label, real=True))
    return syms


def trace_to_sympy(trace, simplify: bool = False):
    """One expression per output (a single expression for a one-output trace), inputs as symbols."""
    exprs = {}
    for v, s in zip(trace.inputs, _symbols(trace)):
        exprs[v] = s
    for v in trace.nodes[len(trace.inputs):]:
        if not v.primitive.elementwise:
            raise TypeError(f"{v.name} = {v.expression()} uses {v.primitive.name!r}, which has no scalar "
                            "symbolic form; the symbolic method covers scalar functions")
        args = [exprs[p] if p in exprs else sp.nsimplify(p) if isinstance(p, (int, float)) else p
                for p in v.parents]
        exprs[v] = v.primitive.impl(SYMPY, *args, **v.params)
    outs = [sp.simplify(exprs[o]) if simplify else exprs[o] for o in trace.outputs]
    return tuple(outs) if trace.multiple_outputs else outs[0]


def symbols(trace) -> list[sp.Symbol]:
    """The input symbols of ``trace`` (named after its inputs)."""
    return _symbols(trace)


def _as_trace(f_or_trace, args):
    from .trace import Trace, trace

    return f_or_trace if isinstance(f_or_trace, Trace) else trace(f_or_trace, *args)


def to_sympy(f_or_trace, *args, simplify: bool = False):
    """The SymPy form of a trace, or of a function traced at ``args``."""
    return trace_to_sympy(_as_trace(f_or_trace, args), simplify=simplify)


def gradient(f_or_trace, *args, simplify: bool = False) -> list:
    """The exact gradient of a one-output trace: one SymPy expression per input."""
    t = _as_trace(f_or_trace, args)
    if t.multiple_outputs:
        raise TypeError("gradient needs one output; use symbolic.jacobian")
    expr = trace_to_sympy(t)
    grads = [sp.diff(expr, s) for s in _symbols(t)]
    return [sp.simplify(g) for g in grads] if simplify else grads


def jacobian(f_or_trace, *args) -> sp.Matrix:
    """The exact Jacobian: rows are outputs, columns inputs."""
    t = _as_trace(f_or_trace, args)
    exprs = trace_to_sympy(t)
    exprs = list(exprs) if isinstance(exprs, tuple) else [exprs]
    return sp.Matrix(exprs).jacobian(_symbols(t))


def lambdify(exprs, syms: Sequence[sp.Symbol]) -> Callable:
    """A numpy function of ``syms`` computing ``exprs`` (a SymPy-generated function, not user text)."""
    return sp.lambdify(list(syms), exprs, modules="numpy")


def evaluate(exprs, syms: Sequence[sp.Symbol], values: Sequence[float]):
    """Exact expressions evaluated in float64 at a point."""
    f = lambdify(exprs, syms)
    out = f(*values)
    return [float(v) for v in out] if isinstance(out, (list, tuple)) else float(out)


def count_ops(exprs) -> int:
    """Arithmetic operations in an expression (or a list of them), each shared subtree counted each time."""
    exprs = exprs if isinstance(exprs, (list, tuple)) else [exprs]
    return int(sum(sp.count_ops(e) for e in exprs))


def count_ops_cse(exprs) -> int:
    """Operations after common-subexpression elimination (each shared subtree computed once)."""
    exprs = list(exprs) if isinstance(exprs, (list, tuple)) else [exprs]
    replacements, reduced = sp.cse(exprs)
    return int(sum(sp.count_ops(r) for _, r in replacements) + sum(sp.count_ops(e) for e in reduced))


def swell(f_or_trace, *args) -> dict:
    """Operation counts: the trace, the expression, its gradient, and the gradient after CSE."""
    t = _as_trace(f_or_trace, args)
    expr = trace_to_sympy(t)
    grads = gradient(t)
    return {"trace_operations": t.num_operations, "expression_operations": count_ops(expr),
            "gradient_operations": count_ops(grads), "gradient_operations_cse": count_ops_cse(grads)}


def logistic_map(n: int) -> Callable:
    """l_{k+1} = 4·l_k·(1 − l_k), n times: the classic example of expression swell."""

    def f(x):
        for _ in range(n):
            x = 4 * x * (1 - x)
        return x

    f.__name__ = f"logistic_map_{n}"
    return f


def swell_study(max_depth: int = 6, point: float = 0.3) -> list[dict]:
    """Expression swell of the iterated logistic map for depths 1…max_depth (rows of :func:`swell`)."""
    rows = []
    for n in range(1, max_depth + 1):
        row = swell(logistic_map(n), point)
        row["depth"] = n
        rows.append(row)
    return rows


def swell_figure(rows: list[dict] | None = None, path: str | None = None):
    """Plot operation counts against depth (log scale): trace, expression, gradient, gradient after CSE.

    Needs matplotlib (the ``plot`` extra). Returns the figure; writes it to ``path`` when given.
    """
    try:
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("swell_figure needs matplotlib: pip install 'autodiff-dojo[plot]'") from e
    rows = swell_study() if rows is None else rows
    depth = [r["depth"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in [("trace_operations", "trace (autodiff works on this)"),
                       ("expression_operations", "expression"),
                       ("gradient_operations", "symbolic gradient"),
                       ("gradient_operations_cse", "symbolic gradient after CSE")]:
        ax.plot(depth, [r[key] for r in rows], marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("depth n of the logistic map l ← 4l(1 − l)")
    ax.set_ylabel("operations")
    ax.set_title("Expression swell")
    ax.legend()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
