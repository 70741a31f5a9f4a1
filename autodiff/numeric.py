"""Finite differences and the complex step: derivatives from function values alone.

With machine epsilon ε ≈ 2.2e-16, the default step for each scheme balances truncation against
round-off error and is scaled to the size of the entry, h = c·max(1, |x|):

=============  =======================================  ==========  =========================
scheme          formula                                 error       default c
=============  =======================================  ==========  =========================
forward         (f(x+h) − f(x)) / h                      O(h)        √ε ≈ 1.5e-8
backward        (f(x) − f(x−h)) / h                      O(h)        √ε
central         (f(x+h) − f(x−h)) / 2h                   O(h²)       ∛ε ≈ 6.1e-6
richardson      (4·C(h/2) − C(h)) / 3, C = central       O(h⁴)       ε^(1/5) ≈ 7.4e-4
complex         Im f(x + ih) / h                         O(h²)       1e-20 (no cancellation)
=============  =======================================  ==========  =========================

The complex step needs f to be analytic and written with operations that accept complex numbers.
A gradient costs n+1 evaluations (forward, backward), 2n (central), 4n (richardson) or n (complex).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .primitives import primal

EPS = float(np.finfo(float).eps)
SCHEMES = ("forward", "backward", "central", "richardson", "complex")
_BASE = {"forward": EPS ** 0.5, "backward": EPS ** 0.5, "central": EPS ** (1 / 3), "richardson": EPS ** 0.2}
COST = {"forward": "n+1 evaluations", "backward": "n+1 evaluations", "central": "2n evaluations",
        "richardson": "4n evaluations", "complex": "n evaluations (complex)"}


def default_step(x: float, scheme: str = "central") -> float:
    """The step used when none is given (see the module table)."""
    _check_scheme(scheme)
    if scheme == "complex":
        return 1e-20
    h = _BASE[scheme] * max(1.0, abs(float(x)))
    return float((x + h) - x)  # a step that x + h represents exactly


def _check_scheme(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown finite-difference scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")


def _as_float_args(args) -> list:
    out = []
    for i, a in enumerate(args):
        a = primal(a)
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, float, np.number, np.ndarray, list, tuple)):
            raise TypeError(f"argument {i + 1} must be a number or an array, not {type(a).__name__}")
        arr = np.asarray(a, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"argument {i + 1} has non-finite entries; finite differences need a finite point")
        out.append(float(arr) if arr.ndim == 0 else arr)
    return out


def _evaluate(f, args, i, j, value):
    a = list(args)
    if np.ndim(args[i]) == 0:
        a[i] = value
    else:
        x = np.array(args[i], dtype=complex if isinstance(value, complex) else float)
        x.flat[j] = value
        a[i] = x
    return np.asarray(primal(f(*a)))


def _partial(f, args, i, j, scheme, h):
    x = float(np.asarray(args[i]).flat[j]) if np.ndim(args[i]) else float(args[i])
    step = default_step(x, scheme) if h is None else float(h)
    if step <= 0:
        raise ValueError(f"the step must be positive, got {step}")
    if scheme == "complex":
        return np.imag(_evaluate(f, args, i, j, complex(x, step))) / step
    if scheme == "forward":
        return (_evaluate(f, args, i, j, x + step) - _evaluate(f, args, i, j, x)) / step
    if scheme == "backward":
        return (_evaluate(f, args, i, j, x) - _evaluate(f, args, i, j, x - step)) / step

    def central(s):
        return (_evaluate(f, args, i, j, x + s) - _evaluate(f, args, i, j, x - s)) / (2 * s)

    if scheme == "central":
        return central(step)
    return (4 * central(step / 2) - central(step)) / 3


def derivative(f: Callable, x: float, scheme: str = "central", h: float | None = None):
    """df/dx of a function of one number."""
    _check_scheme(scheme)
    (x,) = _as_float_args([x])
    return _partial(f, [x], 0, 0, scheme, h)[()]


def jacobian(f: Callable, *args, argnum: int = 0, scheme: str = "central", h: float | None = None) -> np.ndarray:
    """∂f/∂args[argnum] by finite differences, shape ``f(x).shape + x.shape``."""
    _check_scheme(scheme)
    args = _as_float_args(args)
    x = args[argnum]
    cols = [_partial(f, args, argnum, j, scheme, h) for j in range(int(np.size(x)))]
    y_shape = np.shape(cols[0]) if cols else ()
    return np.reshape(np.stack(cols, axis=-1) if cols else np.zeros(y_shape + (0,)), y_shape + np.shape(x))


def grad(f: Callable, *args, scheme: str = "central", h: float | None = None):
    """∇f for a scalar-valued f: one array per argument (a single one for one argument)."""
    _check_scheme(scheme)
    args = _as_float_args(args)
    out = np.asarray(primal(f(*args)))
    if out.ndim != 0:
        raise TypeError(f"numeric.grad needs a scalar output, got shape {out.shape}; use numeric.jacobian")
    grads = tuple(jacobian(f, *args, argnum=i, scheme=scheme, h=h) for i in range(len(args)))
    grads = tuple(float(g) if np.ndim(g) == 0 else g for g in grads)
    return grads[0] if len(grads) == 1 else grads


class GradcheckResult:
    """The comparison of autodiff's Jacobians with finite differences; true when every entry agrees."""

    def __init__(self, ok, max_abs_error, max_rel_error, worst, analytic, numeric, scheme):
        self.ok = ok
        self.max_abs_error = max_abs_error
        self.max_rel_error = max_rel_error
        self.worst = worst  # (argument number, index within it)
        self.analytic = analytic
        self.numeric = numeric
        self.scheme = scheme

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        arg, index = self.worst
        return (f"gradcheck {verdict} ({self.scheme} differences): max abs error {self.max_abs_error:.3g}, "
                f"max rel error {self.max_rel_error:.3g}, worst at argument {arg + 1} entry {index}")


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_failure=True)`` when autodiff and finite differences disagree."""


def gradcheck(f: Callable, *args, scheme: str = "central", h: float | None = None, atol: float = 1e-6,
              rtol: float = 1e-5, mode: str = "reverse", raise_on_failure: bool = False) -> GradcheckResult:
    """Compare autodiff's Jacobian (``mode`` "reverse" or "forward") of f at ``args`` with finite differences.

    An entry passes when |analytic − numeric| ≤ atol + rtol·|numeric|; the result reports the worst one.
    """
    from .transforms import jacfwd, jacrev

    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    args = _as_float_args(args)
    jac = jacrev if mode == "reverse" else jacfwd
    worst, worst_excess, max_abs, max_rel = (0, ()), -np.inf, 0.0, 0.0
    analytic, numeric = [], []
    for i in range(len(args)):
        a = np.asarray(jac(f, i)(*args), dtype=float)
        n = np.asarray(jacobian(f, *args, argnum=i, scheme=scheme, h=h), dtype=float)
        if a.shape != n.shape:
            raise ValueError(f"argument {i + 1}: autodiff Jacobian has shape {a.shape}, numeric {n.shape}")
        analytic.append(a)
        numeric.append(n)
        if a.size == 0:
            continue
        err = np.abs(a - n)
        excess = err - (atol + rtol * np.abs(n))
        k = int(np.nanargmax(np.where(np.isnan(excess), np.inf, excess)))
        if excess.flat[k] > worst_excess or np.isnan(excess.flat[k]):
            worst_excess = np.inf if np.isnan(excess.flat[k]) else excess.flat[k]
            worst = (i, np.unravel_index(k, a.shape) if a.ndim else ())
        max_abs = max(max_abs, float(np.nanmax(err)) if not np.isnan(err).all() else np.inf)
        max_rel = max(max_rel, float(np.nanmax(err / np.maximum(np.abs(n), 1e-300))))
        if np.isnan(err).any():
            max_abs = np.inf
    ok = bool(worst_excess <= 0)
    result = GradcheckResult(ok, max_abs, max_rel, worst, analytic, numeric, scheme)
    if raise_on_failure and not ok:
        raise GradcheckError(repr(result))
    return result
