"""The ways of differentiating one function at one point, side by side; the finite-difference step
sweep; and the forward-versus-reverse scaling study.

``compare(f, 1.5, 0.5)`` runs forward mode (one dual-number pass per input), reverse mode (one trace and
one adjoint sweep), forward and central differences, Richardson extrapolation, the complex step and SymPy,
and reports each gradient, its error against SymPy's exact answer (evaluated to 30 digits), the median
wall time of ``repeats`` runs and the cost. Errors: *abs* = max_i |g_i − exact_i|, *rel* = abs / max_i
|exact_i|.

``compare.step_sweep(f, x)`` shows the finite-difference error as the step h goes from 1e-1 to 1e-16:
truncation error (∝ h for forward, h² for central) falls, then round-off (∝ ε/h) rises — the U curve.
``compare.scaling()`` times both modes for f: Rⁿ → R (forward needs n passes, reverse one) and
f: R → Rᵐ (forward one pass, reverse m).
"""

from __future__ import annotations

import html
import signal
import statistics
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from . import numeric, symbolic
from .primitives import primal
from .tables import latex_text, value_text
from .trace import Trace, trace
from .transforms import grad, jacfwd, jacrev, jvp

#: The SymPy method's budget. A trace of more operations is not differentiated symbolically (a product of
#: 150 sums took 104 s, a tower of 150 powers overflowed SymPy's recursion), and on the main thread a timer
#: stops differentiation and evaluation after SYMPY_SECONDS. Past either, the SymPy row says it was skipped
#: and the other methods still run (without an exact reference).
SYMPY_MAX_OPERATIONS = 200
SYMPY_SECONDS = 5.0
#: Each method's timing runs stop once they have taken this long, however many repeats were asked for.
TIMING_SECONDS = 2.0
#: Where a primitive is not differentiable, and the convention the AD methods use there.
KINKS = {"relu": "relu'(0) = 0", "abs": "|x|'(0) = sign(0) = 0",
         "maximum": "max(a, b) at a = b passes half of the adjoint to each",
         "minimum": "min(a, b) at a = b passes half of the adjoint to each"}

METHODS = ("forward mode", "reverse mode", "forward differences", "central differences", "richardson",
           "complex step", "sympy")
_DEFAULT_METHODS = ("forward mode", "reverse mode", "forward differences", "central differences",
                    "complex step", "sympy")


@dataclass
class MethodResult:
    """One method's answer: ``gradient`` (one entry per input), its errors, time (s) and cost."""

    method: str
    gradient: np.ndarray
    max_abs_error: float
    max_rel_error: float
    time: float
    cost: str
    note: str = ""


@dataclass
class Comparison:
    """All methods at one point; ``exact`` is SymPy's gradient evaluated to 30 significant digits."""

    inputs: list[str]
    point: tuple
    value: float
    exact: np.ndarray
    results: list[MethodResult] = field(default_factory=list)
    name: str = "f"
    #: What the numbers do not say by themselves: f undefined at the point, a kink, SymPy skipped.
    notes: list[str] = field(default_factory=list)
    #: Whether the errors are measured (False: no exact reference, or a kink makes them meaningless).
    errors_counted: bool = True

    def __getitem__(self, method: str) -> MethodResult:
        for r in self.results:
            if r.method == method:
                return r
        raise KeyError(f"no method {method!r} in this comparison; it has {', '.join(self.methods)}")

    @property
    def methods(self) -> list[str]:
        return [r.method for r in self.results]

    def _rows(self, digits: int) -> tuple[list[str], list[list[str]]]:
        header = ["method", *(f"∂f/∂{n}" for n in self.inputs), "max abs error", "max rel error", "time",
                  "cost"]
        rows = []
        for r in self.results:
            grads = [value_text(g, digits) for g in r.gradient]
            errors = ["reference"] * 2 if r.method == "sympy" and not r.note and self.errors_counted else \
                [_err(r.max_abs_error), _err(r.max_rel_error)]
            rows.append([r.method, *grads, *errors, _time(r.time), r.cost + (f" ({r.note})" if r.note else "")])
        return header, rows

    def _title(self, digits: int = 14) -> str:
        at = ", ".join(f"{n} = {value_text(x, min(digits, 12))}" for n, x in zip(self.inputs, self.point))
        against = "errors against SymPy's exact" if self.errors_counted else "errors not measured (see the notes)"
        return f"Gradient of {self.name} at {at} (f = {value_text(self.value, digits)}), {against}"

    def _notes(self) -> list[str]:
        return [f"note: {n}" for n in self.notes]

    def table(self, digits: int = 14) -> str:
        """Plain-text table, one row per method, then the notes."""
        header, rows = self._rows(digits)
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        right = set(range(1, len(header) - 1))

        def line(cells):
            return "   ".join(c.rjust(w) if i in right else c.ljust(w)
                              for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        out = [self._title(digits), line(header), "─" * len(line(header))]
        return "\n".join(out + [line(r) for r in rows] + self._notes())

    def to_markdown(self, digits: int = 14) -> str:
        header, rows = self._rows(digits)
        align = [":--"] + ["--:"] * (len(header) - 2) + [":--"]
        lines = [f"**{self._title(digits)}**", "", "| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
        notes = ["", *(f"- {n}" for n in self._notes())] if self.notes else []
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows] + notes)

    def to_latex(self, digits: int = 14) -> str:
        """A booktabs ``tabular`` (needs ``\\usepackage{booktabs}``), then the notes as paragraphs."""
        header, rows = self._rows(digits)
        spec = "l" + "r" * (len(header) - 2) + "l"
        lines = [f"% {self._title(digits)}", f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                 " & ".join(latex_text(h) for h in header) + " \\\\", "\\midrule"]
        lines += [" & ".join(latex_text(c) for c in r) + " \\\\" for r in rows]
        return "\n".join(lines + ["\\bottomrule", "\\end{tabular}"] + [f"\n{latex_text(n)}" for n in self._notes()])

    def to_html(self, digits: int = 14) -> str:
        header, rows = self._rows(digits)
        out = [f'<table class="autodiff-compare"><caption>{html.escape(self._title(digits))}</caption><thead><tr>'
               + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead><tbody>"]
        for r in rows:
            out.append("<tr>" + "".join(f'<td style="text-align:{"left" if i in (0, len(r) - 1) else "right"}">'
                                        f"{html.escape(c)}</td>" for i, c in enumerate(r)) + "</tr>")
        return "\n".join(out + ["</tbody></table>"] + [f"<p>{html.escape(n)}</p>" for n in self._notes()])

    def _repr_html_(self) -> str:
        return self.to_html()

    def format(self, fmt: str = "text", digits: int = 14) -> str:
        """The table as ``"text"``, ``"markdown"``, ``"latex"`` or ``"html"``, numbers to ``digits`` figures."""
        fns = {"text": self.table, "markdown": self.to_markdown, "latex": self.to_latex, "html": self.to_html}
        if fmt not in fns:
            raise ValueError(f"unknown table format {fmt!r}; choose text, markdown, latex or html")
        return fns[fmt](digits)

    def __str__(self) -> str:
        return self.table()


def _err(e: float) -> str:
    return "—" if np.isnan(e) else ("0" if e == 0 else f"{e:.1e}")


def _time(t: float) -> str:
    if np.isnan(t):
        return "—"
    return f"{t * 1e6:.0f} µs" if t < 1e-3 else f"{t * 1e3:.1f} ms"


def _timed(fn: Callable, repeats: int, budget: float | None = None):
    """(last result, median seconds over ``repeats`` runs, or fewer once they have taken ``budget`` s,
    default :data:`TIMING_SECONDS`)."""
    budget = TIMING_SECONDS if budget is None else budget
    times, out = [], None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if sum(times) > budget:
            break
    return out, statistics.median(times)


class _OverBudget(Exception):
    """SymPy ran past its time budget."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_OverBudget` in the block after ``seconds``: on the main thread of a Unix process, and
    only when no other interval timer is running (which this would clobber); elsewhere it does nothing."""
    if (threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer")
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield
        return

    def stop(signum, frame):
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def point_notes(t: Trace) -> list[str]:
    """What a trace's point makes of its numbers: f not defined there, or a primitive at a kink."""
    notes = []
    value = primal(t.output) if not t.multiple_outputs else None
    if value is not None and np.ndim(value) == 0 and not np.isfinite(np.real(value)):
        at = ", ".join(f"{v.label} = {value_text(v.value, 12)}" for v in t.inputs)
        notes.append(f"f is not defined at {at} (f = {value_text(value)}): the point is outside its domain, or f "
                     "overflows there")
    for v in t.nodes[len(t.inputs):]:
        name = v.primitive.name if v.primitive is not None else None
        if name not in KINKS:
            continue
        args = [np.real(primal(p.value if hasattr(p, "value") else p)) for p in v.parents]
        if np.ndim(args[0]) != 0 or any(np.ndim(a) != 0 for a in args):
            continue
        if (args[0] == 0) if name in ("relu", "abs") else (args[0] == args[1]):
            notes.append(f"{v.expression()} is not differentiable here ({v.name} is at its kink); the AD methods "
                         f"use the convention {KINKS[name]}, so their difference from SymPy is not an error")
    return notes


def _symbolic_reference(t: Trace) -> tuple[list | None, np.ndarray, str]:
    """(SymPy's gradient expressions, their exact values, "") or (None, NaNs, why they were skipped)."""
    n = len(t.inputs)
    skipped = f"skipped: expression too large for symbolic differentiation ({t.num_operations} operations)"
    if t.num_operations > SYMPY_MAX_OPERATIONS:
        return None, np.full(n, np.nan), skipped
    try:
        with _time_limit(SYMPY_SECONDS), np.errstate(all="ignore"):
            exprs, exact = exact_gradient(t)
    except (_OverBudget, RecursionError):
        return None, np.full(n, np.nan), skipped
    except (ArithmeticError, LookupError, NotImplementedError) as e:  # SymPy's own failure at this point
        return None, np.full(n, np.nan), f"failed: {type(e).__name__}: {e}"
    return exprs, exact, ""


def _scalar_point(args) -> tuple[float, ...]:
    point = []
    for i, a in enumerate(args):
        a = primal(a)
        if isinstance(a, (bool, np.bool_)) or np.ndim(a) != 0 or not np.isrealobj(a):
            raise TypeError(f"compare needs real numbers as inputs (SymPy is the reference); argument {i + 1} "
                            f"is {type(a).__name__} of shape {np.shape(a)}")
        point.append(float(a))
    return tuple(point)


def exact_gradient(t: Trace, digits: int = 30) -> tuple[list, np.ndarray]:
    """SymPy's gradient expressions and their values at the trace's point to ``digits`` digits."""
    exprs = symbolic.gradient(t)
    subs = {s: sp.Float(float(v.value), digits + 5) for s, v in zip(symbolic.symbols(t), t.inputs)}
    values = []
    for e in exprs:
        v = complex(sp.N(e.subs(subs), digits)) if e.free_symbols else complex(e)
        values.append(v.real if v.imag == 0 else float("nan"))  # outside the real domain: no real answer
    return exprs, np.array(values, dtype=float)


def compare(f: Callable | str, *args, methods: Sequence[str] | None = None, repeats: int = 5) -> Comparison:
    """Every method's gradient of a scalar ``f`` at ``args`` (real numbers) against SymPy's exact answer.

    ``f`` may be a function, a :class:`Trace` (its recorded graph is re-evaluated) or expression text.
    ``methods`` picks from :data:`METHODS` (default: all but Richardson); ``repeats`` runs are timed.
    """
    if isinstance(f, str):
        from .parse import parse

        f = parse(f)
    if isinstance(f, Trace):
        args = args or tuple(v.value for v in f.inputs)
        fn = f
        name = getattr(f.fn, "__name__", "f") if f.fn else "f"
    else:
        fn = f
        name = getattr(f, "__name__", "f")
    methods = tuple(_DEFAULT_METHODS if methods is None else methods)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown method {m!r}; choose from {', '.join(METHODS)}")
    point = _scalar_point(args)
    with np.errstate(all="ignore"):  # a point outside the domain is reported in the notes, not as warnings
        t = fn.at(*point) if isinstance(fn, Trace) else trace(fn, *point)
    if t.multiple_outputs or np.ndim(primal(t.output)) != 0:
        raise TypeError("compare needs a function with one scalar output (a gradient to compare)")
    names = t.input_names
    n = len(point)
    exprs, exact, skipped = _symbolic_reference(t)  # the error columns need it, with or without SymPy's row
    notes = point_notes(t)
    kink = any("not differentiable" in note for note in notes)
    if skipped:
        notes.append(f"SymPy: {skipped}; no exact reference, so no errors are shown")
    defined = bool(np.isfinite(primal(t.output)))  # outside the domain a derivative means nothing either
    counted = defined and not skipped and not kink and bool(np.all(np.isfinite(exact)))
    if defined and not skipped and not kink and not counted:
        notes.append("SymPy's exact gradient is not a finite real number here, so no errors are shown")
    scale = float(np.max(np.abs(exact))) if exact.size and counted else 0.0
    comparison = Comparison(names, point, float(primal(t.output)), exact, name=name, notes=notes,
                            errors_counted=counted)

    def unit(i):
        return tuple(1.0 if j == i else 0.0 for j in range(n))

    runners = {
        "forward mode": (lambda: [jvp(fn, point, unit(i))[1] for i in range(n)],
                         f"{n} forward pass{'es' if n != 1 else ''} (dual numbers)"),
        "reverse mode": (lambda: grad(fn, tuple(range(n)))(*point), "1 forward + 1 reverse sweep"),
        "forward differences": (lambda: _as_tuple(numeric.grad(fn, *point, scheme="forward"), n),
                                f"{n + 1} evaluations"),
        "central differences": (lambda: _as_tuple(numeric.grad(fn, *point, scheme="central"), n),
                                f"{2 * n} evaluations"),
        "richardson": (lambda: _as_tuple(numeric.grad(fn, *point, scheme="richardson"), n),
                       f"{4 * n} evaluations"),
        "complex step": (lambda: _as_tuple(numeric.grad(fn, *point, scheme="complex"), n),
                         f"{n} complex evaluation{'s' if n != 1 else ''}"),
        "sympy": (lambda: _sympy_gradient(fn, point), None),
    }
    for m in methods:
        run, cost = runners[m]
        note = ""
        if m == "sympy" and skipped:
            comparison.results.append(MethodResult(m, np.full(n, np.nan), np.nan, np.nan, np.nan, skipped))
            continue
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings(), \
                    _time_limit(SYMPY_SECONDS) if m == "sympy" else nullcontext():
                warnings.simplefilter("ignore", np.exceptions.ComplexWarning)  # a complex value shows as nan
                g, seconds = _timed(run, repeats)
                if m == "sympy":
                    cost = (f"differentiate + lambdify: {symbolic.count_ops(exprs)} operations "
                            f"({symbolic.count_ops_cse(exprs)} after CSE)")
            g = np.array([float(np.real(primal(x))) for x in g])
        except (_OverBudget, RecursionError):
            comparison.results.append(MethodResult(m, np.full(n, np.nan), np.nan, np.nan, np.nan, skipped or (
                f"skipped: expression too large for symbolic differentiation ({t.num_operations} operations)")))
            continue
        except (TypeError, ValueError, ArithmeticError, LookupError, NotImplementedError) as e:
            # e.g. a non-analytic function in the complex step, or SymPy's printer on zoo (complex infinity)
            g, seconds, note = np.full(n, np.nan), float("nan"), f"failed: {type(e).__name__}: {e}"
        if m == "sympy":
            cost = cost or "differentiate + lambdify"
            if not note:
                g = exact.copy()  # SymPy is the reference: its row shows the exact values, no error against itself
        if counted:
            err = float(np.max(np.abs(g - exact))) if n else 0.0
            rel = err / scale if scale else (0.0 if err == 0 else float("inf"))
        else:
            err = rel = float("nan")
        comparison.results.append(MethodResult(m, g, err, rel, seconds, cost, note))
    return comparison


def _as_tuple(g, n: int) -> tuple:
    return (g,) if n == 1 else tuple(g)


def _sympy_gradient(fn, point) -> list[float]:
    # What a SymPy user does: build the expression, differentiate, compile with lambdify, evaluate.
    t = fn.at(*point) if isinstance(fn, Trace) else trace(fn, *point)
    exprs = symbolic.gradient(t)
    out = symbolic.lambdify(exprs, symbolic.symbols(t))(*point)
    return [float(v) for v in out]


# --- the step sweep -----------------------------------------------------------------------------------
@dataclass
class StepSweep:
    """Finite-difference errors over step sizes ``h`` for one partial derivative."""

    h: np.ndarray
    errors: dict  # scheme -> array of |estimate − exact|
    exact: float
    x: tuple
    wrt: str

    def best_step(self, scheme: str = "central") -> float:
        """The step with the smallest error."""
        return float(self.h[int(np.argmin(self.errors[scheme]))])

    def table(self) -> str:
        schemes = list(self.errors)
        lines = ["h        " + "".join(f"{s:>22}" for s in schemes)]
        for i, h in enumerate(self.h):
            lines.append(f"{h:<9.0e}" + "".join(f"{self.errors[s][i]:>22.3e}" for s in schemes))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def plot(self, path=None, ax=None):
        """Log-log error curves (matplotlib, no display needed); saved to ``path`` if given."""
        fig, ax = _axes(ax)
        floor = np.finfo(float).eps * max(abs(self.exact), 1e-300) / 10
        for s, err in self.errors.items():
            ax.loglog(self.h, np.maximum(err, floor), marker="o", ms=3, label=s)
        eps = np.finfo(float).eps
        ax.loglog(self.h, np.minimum(eps / self.h * max(1.0, abs(self.exact)), 1e3), ":", color="grey",
                  label="round-off ε/h")
        ax.set_xlabel("step h")
        ax.set_ylabel(f"|error| of ∂f/∂{self.wrt}")
        ax.set_title("finite differences: truncation falls with h, round-off rises")
        ax.invert_xaxis()
        ax.legend()
        if path is not None:
            fig.savefig(path, bbox_inches="tight")
        return fig


def _axes(ax):
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install matplotlib (or autodiff-dojo[plot])") from None
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=(6.4, 4.2))  # a bare Figure needs no GUI backend (Agg-safe)
    return fig, fig.add_subplot()


def step_sweep(f: Callable | str, x, wrt: int = 0, steps: Sequence[float] | None = None,
               schemes: Sequence[str] = ("forward", "central"), path=None) -> StepSweep:
    """|finite difference − exact| of ∂f/∂x_wrt for h = 1e-1 … 1e-16 (``x`` a number or a tuple of them).

    The exact value is SymPy's. With ``path`` the plot is saved there (needs matplotlib).
    """
    if isinstance(f, str):
        from .parse import parse

        f = parse(f)
    point = _scalar_point(x if isinstance(x, (tuple, list)) else (x,))
    if not 0 <= wrt < len(point):
        raise ValueError(f"wrt={wrt} does not pick one of the {len(point)} inputs")
    for s in schemes:
        if s not in numeric.SCHEMES:
            raise ValueError(f"unknown scheme {s!r}; choose from {', '.join(numeric.SCHEMES)}")
    t = trace(f, *point)
    _, exact = exact_gradient(t)
    hs = np.array(steps if steps is not None else [10.0 ** -k for k in range(1, 17)], dtype=float)

    def g(xi):
        p = list(point)
        p[wrt] = xi
        return f(*p)

    errors = {s: np.array([abs(float(np.real(numeric.derivative(g, point[wrt], scheme=s, h=h)))
                               - exact[wrt]) for h in hs]) for s in schemes}
    sweep = StepSweep(hs, errors, float(exact[wrt]), point, t.input_names[wrt])
    if path is not None:
        sweep.plot(path)
    return sweep


# --- forward versus reverse scaling ---------------------------------------------------------------------
@dataclass
class Scaling:
    """Median times (s) of forward and reverse mode for f: Rⁿ → R and f: R → Rᵐ."""

    sizes: list[int]
    many_inputs: dict  # "forward"/"reverse" -> times, f: R^n -> R
    many_outputs: dict  # f: R -> R^m
    max_disagreement: float  # largest |Jacobian(forward) − Jacobian(reverse)| seen

    def table(self) -> str:
        head = (f"{'n or m':>6}   {'Rⁿ→R forward':>14} {'Rⁿ→R reverse':>14}   "
                f"{'R→Rᵐ forward':>14} {'R→Rᵐ reverse':>14}")
        lines = [head, "─" * len(head)]
        for i, s in enumerate(self.sizes):
            lines.append(f"{s:>6}   {_time(self.many_inputs['forward'][i]):>14} "
                         f"{_time(self.many_inputs['reverse'][i]):>14}   "
                         f"{_time(self.many_outputs['forward'][i]):>14} {_time(self.many_outputs['reverse'][i]):>14}")
        lines.append("forward mode: one pass per input; reverse mode: one sweep per output")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = ["| n or m | Rⁿ→R forward | Rⁿ→R reverse | R→Rᵐ forward | R→Rᵐ reverse |", "|--:|--:|--:|--:|--:|"]
        for i, s in enumerate(self.sizes):
            lines.append(f"| {s} | {_time(self.many_inputs['forward'][i])} | {_time(self.many_inputs['reverse'][i])} "
                         f"| {_time(self.many_outputs['forward'][i])} | {_time(self.many_outputs['reverse'][i])} |")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def plot(self, path=None):
        """Two log-log panels: time against n (many inputs) and against m (many outputs)."""
        _, _ = _axes(None)
        from matplotlib.figure import Figure

        fig = Figure(figsize=(9, 3.8))
        axes = fig.subplots(1, 2)
        for ax, data, what in ((axes[0], self.many_inputs, "f: Rⁿ → R, inputs n"),
                               (axes[1], self.many_outputs, "f: R → Rᵐ, outputs m")):
            for mode, style in (("forward", "o-"), ("reverse", "s-")):
                ax.loglog(self.sizes, data[mode], style, ms=4, label=f"{mode} mode")
            ax.set_xlabel(what)
            ax.set_ylabel("time for the Jacobian (s)")
            ax.legend()
        fig.suptitle("forward mode grows with the inputs, reverse mode with the outputs")
        if path is not None:
            fig.savefig(path, bbox_inches="tight")
        return fig


def _many_inputs(x):
    from .functions import sin, sum

    return sum(sin(x) * x)


def _many_outputs(c):
    def h(s):
        from .functions import sin

        return sin(s * c) * s

    return h


def scaling(sizes: Sequence[int] = (1, 2, 4, 8, 16, 32, 64), repeats: int = 3, path=None) -> Scaling:
    """Time ``jacfwd`` and ``jacrev`` on Σ sin(xᵢ)·xᵢ (Rⁿ → R) and s·sin(s·c) (R → Rᵐ) for each size.

    Forward mode needs one pass per input, reverse mode one sweep per output. With ``path`` the plot is saved.
    """
    sizes = [int(s) for s in sizes]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"sizes must be positive integers, got {sizes}")
    ins = {"forward": [], "reverse": []}
    outs = {"forward": [], "reverse": []}
    worst = 0.0
    for n in sizes:
        x = np.linspace(0.1, 1.0, n)
        jf, tf = _timed(lambda x=x: jacfwd(_many_inputs)(x), repeats)
        jr, tr = _timed(lambda x=x: jacrev(_many_inputs)(x), repeats)
        ins["forward"].append(tf)
        ins["reverse"].append(tr)
        h = _many_outputs(np.linspace(0.5, 2.0, n))
        kf, uf = _timed(lambda h=h: jacfwd(h)(0.7), repeats)
        kr, ur = _timed(lambda h=h: jacrev(h)(0.7), repeats)
        outs["forward"].append(uf)
        outs["reverse"].append(ur)
        worst = max(worst, float(np.max(np.abs(jf - jr))), float(np.max(np.abs(kf - kr))))
    study = Scaling(sizes, ins, outs, worst)
    if path is not None:
        study.plot(path)
    return study


compare.step_sweep = step_sweep  # autodiff.compare(...) is the function; these ride along on it
compare.scaling = scaling
compare.Comparison = Comparison
compare.METHODS = METHODS
