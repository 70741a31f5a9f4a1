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
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from . import numeric, symbolic
from .primitives import primal
from .tables import latex_text, value_text
from .trace import Trace, trace
from .transforms import grad, jacfwd, jacrev, jvp

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
            rows.append([r.method, *grads, _err(r.max_abs_error), _err(r.max_rel_error), _time(r.time),
                         r.cost + (f" ({r.note})" if r.note else "")])
        return header, rows

    def _title(self) -> str:
        at = ", ".join(f"{n} = {value_text(x, 12)}" for n, x in zip(self.inputs, self.point))
        return f"Gradient of {self.name} at {at} (f = {value_text(self.value, 14)}), errors against SymPy's exact"

    def table(self, digits: int = 14) -> str:
        """Plain-text table, one row per method."""
        header, rows = self._rows(digits)
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        right = set(range(1, len(header) - 1))

        def line(cells):
            return "   ".join(c.rjust(w) if i in right else c.ljust(w)
                              for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        out = [self._title(), line(header), "─" * len(line(header))]
        return "\n".join(out + [line(r) for r in rows])

    def to_markdown(self, digits: int = 14) -> str:
        header, rows = self._rows(digits)
        align = [":--"] + ["--:"] * (len(header) - 2) + [":--"]
        lines = [f"**{self._title()}**", "", "| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])

    def to_latex(self, digits: int = 14) -> str:
        """A booktabs ``tabular`` (needs ``\\usepackage{booktabs}``)."""
        header, rows = self._rows(digits)
        spec = "l" + "r" * (len(header) - 2) + "l"
        lines = [f"% {self._title()}", f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                 " & ".join(latex_text(h) for h in header) + " \\\\", "\\midrule"]
        lines += [" & ".join(latex_text(c) for c in r) + " \\\\" for r in rows]
        return "\n".join(lines + ["\\bottomrule", "\\end{tabular}"])

    def to_html(self, digits: int = 14) -> str:
        header, rows = self._rows(digits)
        out = [f'<table class="autodiff-compare"><caption>{html.escape(self._title())}</caption><thead><tr>'
               + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead><tbody>"]
        for r in rows:
            out.append("<tr>" + "".join(f'<td style="text-align:{"left" if i in (0, len(r) - 1) else "right"}">'
                                        f"{html.escape(c)}</td>" for i, c in enumerate(r)) + "</tr>")
        return "\n".join(out + ["</tbody></table>"])

    def _repr_html_(self) -> str:
        return self.to_html()

    def format(self, fmt: str = "text") -> str:
        """The table as ``"text"``, ``"markdown"``, ``"latex"`` or ``"html"``."""
        fns = {"text": self.table, "markdown": self.to_markdown, "latex": self.to_latex, "html": self.to_html}
        if fmt not in fns:
            raise ValueError(f"unknown table format {fmt!r}; choose text, markdown, latex or html")
        return fns[fmt]()

    def __str__(self) -> str:
        return self.table()


def _err(e: float) -> str:
    return "—" if np.isnan(e) else ("0" if e == 0 else f"{e:.1e}")


def _time(t: float) -> str:
    return f"{t * 1e6:.0f} µs" if t < 1e-3 else f"{t * 1e3:.1f} ms"


def _timed(fn: Callable, repeats: int):
    """(last result, median seconds over ``repeats`` runs)."""
    times, out = [], None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


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
    t = fn.at(*point) if isinstance(fn, Trace) else trace(fn, *point)
    if t.multiple_outputs or np.ndim(primal(t.output)) != 0:
        raise TypeError("compare needs a function with one scalar output (a gradient to compare)")
    names = t.input_names
    n = len(point)
    exprs, exact = exact_gradient(t)
    scale = float(np.max(np.abs(exact))) if exact.size else 0.0
    comparison = Comparison(names, point, float(primal(t.output)), exact, name=name)

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
        try:
            with np.errstate(all="ignore"):  # nan/inf outside a function's domain show in the table
                g, seconds = _timed(run, repeats)
            g = np.array([float(np.real(primal(x))) for x in g])
        except (TypeError, ValueError, ArithmeticError) as e:  # e.g. a non-analytic function, complex step
            g, seconds, note = np.full(n, np.nan), float("nan"), f"failed: {e}"
        if m == "sympy":
            cost = (f"differentiate + lambdify: {symbolic.count_ops(exprs)} operations "
                    f"({symbolic.count_ops_cse(exprs)} after CSE)")
        err = float(np.max(np.abs(g - exact))) if n else 0.0
        rel = err / scale if scale else (0.0 if err == 0 else float("inf"))
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
