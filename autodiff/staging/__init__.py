"""Staging: ``jit(f)`` records ``f`` once per signature into a *program*, then runs the program.

A program is an evaluation trace without its values: inputs, then equations ``vᵢ = prim(operands)`` in
evaluation order, then outputs. Recording it is one more level on the stack (see
:mod:`autodiff.primitives.core`): the :class:`Stager` level's tracers are :class:`Staged` values, and each
primitive applied to them becomes an equation. Because the derivative levels hand the operations of their
rules to the levels outside them, ``jit(grad(f))`` records the reverse sweep as equations too: the backward
pass becomes program.

A staged value stands for the value of *every* later call, so it has none to look at: ``x > 0`` gives a
staged boolean, and ``if x > 0:``, ``float(x)`` or ``np.asarray(x)`` raise :class:`StagingError` naming the
line (use ``ad.where``). The signature — the arguments' nesting, shapes and dtypes — picks the program;
a new signature stages again.

Programs go through small passes, each a function from a program to a program (:func:`simplify`,
:func:`eliminate_common_subexpressions`, :func:`eliminate_dead_code`; :func:`optimize` runs the three). The
:class:`Runner` drops each value after its last use (:func:`last_uses`); where ``autodiff/fast.py`` is on,
it also writes an elementwise result into the array of an operand read there for the last time
(:func:`buffer_plan`).

Modules, in the order a call meets them: ``jitted.py`` (``jit``: the signature, the cache, the call),
``tracer.py`` (the staging level and its values), ``program.py`` (what a program is), ``passes.py`` and
``runner.py``.
"""

from .jitted import jit
from .passes import (
    buffer_plan,
    eliminate_common_subexpressions,
    eliminate_dead_code,
    last_uses,
    optimize,
    simplify,
)
from .program import Eqn, Program, Var, map_params
from .runner import Runner, run_bound
from .tracer import Staged, Stager, StagingError, signature, stage

__all__ = ["Eqn", "Program", "Runner", "Staged", "Stager", "StagingError", "Var", "buffer_plan",
           "eliminate_common_subexpressions", "eliminate_dead_code", "jit", "last_uses", "map_params", "optimize",
           "run_bound", "signature", "simplify", "stage"]
