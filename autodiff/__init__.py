"""autodiff: record a function's evaluation trace and differentiate it four ways.

>>> import autodiff as ad
>>> t = ad.trace(lambda x1, x2: x1 * x2 + ad.exp(x1 * x2) - ad.sin(x2), 1.5, 0.5)
>>> t.reverse().gradient            # reverse mode: one sweep, whole gradient
>>> t.forward("x1").output         # forward mode: one sweep per input
>>> ad.numeric.grad(t, 1.5, 0.5)   # finite differences
>>> t.to_sympy()                    # symbolic
>>> step = ad.jit(ad.grad(f))       # staged: recorded once into a program, then run (print(step.trace(x)))
"""

from . import allocator, numeric, symbolic, tables
from .compare import compare
from .explorer import explore
from .forward import Dual
from .functions import (
    abs,
    absolute,
    broadcast_to,
    concatenate,
    cos,
    dot,
    erf,
    exp,
    getitem,
    log,
    matmul,
    max,
    maximum,
    mean,
    minimum,
    pow,
    power,
    relu,
    reshape,
    sigmoid,
    sin,
    sqrt,
    sum,
    tan,
    tanh,
    transpose,
    where,
)
from .numeric import gradcheck
from .parse import ParseError, parse
from .primitives import REGISTRY, ConcretizationError, EscapedTracerError, Primitive, ShapeError
from .render import render, render_steps
from .reverse import Node
from .staging import StagingError, jit
from .tables import adjoint_table, primal_table, tangent_table, trace_tables
from .trace import Trace, Variable, trace
from .transforms import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp

__all__ = [
    "Dual", "Node", "Primitive", "REGISTRY", "ShapeError", "ConcretizationError", "EscapedTracerError", "Trace",
    "Variable", "trace", "jit", "StagingError",
    "jvp", "jacfwd", "vjp", "grad", "value_and_grad", "jacrev", "hvp", "hessian", "gradcheck",
    "allocator", "numeric", "symbolic",
    "compare", "explore", "parse", "ParseError", "render", "render_steps", "tables", "primal_table", "tangent_table",
    "adjoint_table", "trace_tables",
    "abs", "absolute", "broadcast_to", "concatenate", "cos", "dot", "erf", "exp", "getitem", "log", "matmul",
    "max", "maximum", "mean", "minimum", "pow", "power", "relu", "reshape", "sigmoid", "sin", "sqrt", "sum",
    "tan", "tanh", "transpose", "where",
]
