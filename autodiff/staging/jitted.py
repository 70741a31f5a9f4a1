"""``jit``: a function with its staged programs, one per signature."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .. import pytree
from ..primitives import Tracer, primal
from ..primitives.core import example
from .passes import optimize
from .program import Program, forget_examples
from .runner import Runner, run_bound
from .tracer import Staged, _leaf, signature, stage


class jit:
    """``jit(f)``: ``f`` staged once per signature (nesting, shapes and dtypes of its arguments) into a
    program that later calls run without recording anything.

    Arguments are numbers and numpy arrays, possibly nested in tuples, lists and dicts; so are results.
    Inside a transformation (``grad(jit(f))``), the program runs through that transformation's level.
    ``jit(f).trace(*args)`` is the program as a :class:`~autodiff.trace.Trace` (v1…vn, printable);
    ``jit(f).program(*args)`` the program itself.
    """

    def __init__(self, f: Callable, optimize: bool = True):
        if not callable(f):
            raise TypeError(f"jit needs a function, got a {type(f).__name__}")
        self.f = f
        self.optimize = optimize
        self.__name__ = f"jit({getattr(f, '__name__', 'f')})"
        self.__doc__ = getattr(f, "__doc__", None)
        self._cache: dict = {}
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        if kwargs:  # (keyword arguments are arguments like the others: part of the signature)
            return self._call((args, kwargs), self._with_keywords)
        return self._call(args, self.f)

    def _with_keywords(self, args: tuple, kwargs: dict):
        return self.f(*args, **kwargs)

    def _call(self, args: tuple, fn: Callable):
        leaves, structure = pytree.flatten(args)
        for v in leaves:
            if isinstance(v, Tracer):
                return self._traced(args, leaves, fn)
        key = (fn is self.f, structure, signature(leaves))
        entry = self._cache.get(key)
        if entry is None:
            program, out_structure = stage(fn, args, self.f)
            if self.optimize:
                program = optimize(program)
            if program.closure:  # (its constants belong to this call: run through the levels, keep nothing)
                return pytree.unflatten(out_structure, run_bound(program, [_leaf(v, i) for i, v in enumerate(leaves)]))
            entry = (Runner(program), out_structure)
            forget_examples(program)  # (a cached program keeps shapes and dtypes, not the first call's arrays)
            with self._lock:
                self._cache[key] = entry
        runner, out_structure = entry
        return pytree.unflatten(out_structure, runner(leaves))

    def _traced(self, args: tuple, leaves: list, fn: Callable):
        """Called on traced values: inside an outer ``jit`` the function is staged into that program (its
        operations are that level's); under derivative levels the program runs through them."""
        for v in leaves:
            if isinstance(primal(v), Staged):
                return fn(*args)
        program, out_structure = self._program(args, fn)
        return pytree.unflatten(out_structure, run_bound(program, leaves))

    def _program(self, args: tuple, fn: Callable) -> tuple[Program, object]:
        leaves, structure = pytree.flatten(args)
        key = (fn is self.f, structure, signature([example(v) if isinstance(v, Tracer) else v for v in leaves]))
        entry = self._cache.get(key)
        if entry is not None:
            return entry[0].program, entry[1]
        program, out_structure = stage(fn, args, self.f)
        return (optimize(program) if self.optimize else program), out_structure

    def program(self, *args) -> Program:
        """The (optimized) program staged for ``args``, its variables' examples being their values at ``args``."""
        program = stage(self.f, args, self.f)[0]
        return optimize(program) if self.optimize else program

    def trace(self, *args, names: list[str] | None = None):
        """The program staged for ``args``, evaluated at ``args``, as a numbered :class:`~autodiff.trace.Trace`;
        inputs are labelled by ``names`` (one per argument; by default the function's parameter names), with
        the key or position of each leaf of a container (``params[w1]``)."""
        from ..trace import _signature_names, trace_program

        leaves, _ = pytree.flatten(args)
        labels = []
        for name, arg in zip(names or _signature_names(self.f, len(args)), args):
            labels += pytree.leaf_names(arg, name)
        return trace_program(self.program(*args), [_leaf(v, i) for i, v in enumerate(leaves)], labels, self.f)

    def __repr__(self) -> str:
        return f"<{self.__name__}: {len(self._cache)} programs staged>"
