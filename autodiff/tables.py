"""The primal, tangent and adjoint traces as the course writes them, in text, Markdown, LaTeX and HTML.

Every equation is *derived*: the registry's rules are run on the :data:`~autodiff.notation.NOTATION`
backend with symbolic names, so the rows

    v̇3 = v̇1·v2 + v1·v̇2          (mul's partials: ∂/∂a = b, ∂/∂b = a)
    v̄3 = v̄5·v5 + v̄6              (exp's partial is its output v5; add passes v̄6 on)

come from the same lines of code that compute the derivatives. Tangents are v̇i = Σ_parents v̇j·∂vi/∂vj
(elementwise primitives through their partials, the others through their jvp rule); adjoints are
v̄i = Σ_children (vjp rule of the child applied to v̄child). The numbers are those of
``trace.forward(seed)`` and ``trace.reverse()``.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from . import notation as N
from .primitives import primal
from .trace import Trace, Variable

DOT, BAR = "\u0307", "\u0304"  # combining dot / bar: v̇, v̄
_YBAR = "\u0233"  # ȳ, the seed of an output


# --- names ------------------------------------------------------------------------------------------
def tangent_name(v: Variable) -> str:
    return f"v{DOT}{v.index}"


def adjoint_name(v: Variable) -> str:
    return f"v{BAR}{v.index}"


def _decorated_label(label: str, mark: str) -> str:
    """x1 → ẋ1: the mark on the first letter (composed into one character where Unicode has one)."""
    return unicodedata.normalize("NFC", label[0] + mark + label[1:]) if label else mark


def _sym(v: Variable) -> N.Sym:
    return N.name(v.name, np.shape(primal(v.value)), v.value)


def _operands(v: Variable) -> list:
    return [_sym(p) if isinstance(p, Variable) else p for p in v.parents]


# --- equations from the rules -------------------------------------------------------------------------
def local_partial(v: Variable, position: int, operands: list | None = None) -> N.Sym | None:
    """∂v/∂(parent at ``position``) as a formula, for elementwise primitives (None for the others)."""
    prim = v.primitive
    if prim is None or not prim.elementwise:
        return None
    d = prim.partials[position]
    if type(d) is int:
        return N.num(d)
    xs = _operands(v) if operands is None else operands
    return N.lift(d(N.NOTATION, *xs, _sym(v), **v.params))


def tangent_expression(v: Variable) -> N.Sym:
    """v̇ in terms of the parents' tangents: Σ_j v̇j·∂v/∂vj (the product written as the course does)."""
    xs = _operands(v)
    if v.primitive.elementwise:
        out = N.num(0)
        y = _sym(v)
        for i, p in enumerate(v.parents):
            if not isinstance(p, Variable):
                continue
            t = N.name(tangent_name(p), xs[i].shape)
            d = local_partial(v, i, xs)
            # v̇1·v2 + v1·v̇2: a partial that is an earlier operand stays on the left, as in the product rule.
            earlier = any(d is xs[j] for j in range(i))
            term = N.mul(d, t) if earlier else N.mul(t, d)
            if term.shape != y.shape and not N.is_zero(term):
                term = N.NOTATION.broadcast_to(term, y.shape)
            out = N.add(out, term)
        return out
    ts = [N.name(tangent_name(p), np.shape(primal(p.value))) if isinstance(p, Variable) else None
          for p in v.parents]
    out = v.primitive.jvp(N.NOTATION, ts, xs, _sym(v), **v.params)
    return N.num(0) if out is None else N.lift(out)


def _children(trace: Trace) -> dict:
    kids: dict = {v: [] for v in trace.nodes}
    for c in trace.nodes:
        for k, p in enumerate(c.parents):
            if isinstance(p, Variable):
                kids[p].append((c, k))
    return kids


def adjoint_contributions(child: Variable) -> list:
    """The child's vjp rule applied to v̄child: one formula per parent position (None for constants)."""
    needs = [isinstance(p, Variable) for p in child.parents]
    g = N.name(adjoint_name(child), np.shape(primal(child.value)))
    out = child.primitive.vjp(N.NOTATION, g, _operands(child), _sym(child), needs, **child.params)
    return [None if c is None else N.lift(c) for c in out]


def adjoint_expressions(trace: Trace, seed=None) -> dict:
    """``{variable: formula}``: v̄i = (seed, for an output) + Σ over children, in trace order."""
    kids = _children(trace)
    contrib = {c: adjoint_contributions(c) for c in trace.nodes if not c.is_input}
    seeds = _output_seed_syms(trace, seed)
    out = {}
    for v in trace.nodes:
        expr = seeds.get(v, N.num(0))
        for c, k in kids[v]:
            expr = N.add(expr, contrib[c][k])
        out[v] = expr
    return out


def _output_seed_syms(trace: Trace, seed) -> dict:
    seeds = {}
    if len(trace.outputs) == 1:
        s = 1.0 if seed is None else seed
        seeds[trace.outputs[0]] = N.num(s) if np.ndim(s) == 0 else N.name(_YBAR, np.shape(s))
    else:
        for i, o in enumerate(trace.outputs):
            seeds[o] = N.name(f"{_YBAR}{i + 1}", np.shape(primal(o.value)))
    return seeds


# --- the table object ---------------------------------------------------------------------------------
def value_text(v, digits: int = 14) -> str:
    """A scalar to ``digits`` significant figures; a small array as a list; a larger one as its shape."""
    v = primal(v)
    if np.ndim(v) == 0:
        if isinstance(v, (bool, np.bool_)):
            return str(v)
        x = complex(v) if np.iscomplexobj(v) else float(v)
        if isinstance(x, complex):
            return f"{x.real:.{digits}g}{x.imag:+.{digits}g}j"
        if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
            return str(int(x))
        return f"{x:.{digits}g}"
    a = np.asarray(v)
    if a.size <= 4 and a.ndim == 1:
        return "[" + ", ".join(value_text(e, 6) for e in a) + "]"
    return "array" + "(" + ", ".join(map(str, a.shape)) + ("," if a.ndim == 1 else "") + ")"


def _width(s: str) -> int:
    """Display width: combining marks (the dot in v̇, the bar in v̄) take no column."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in s)


def _pad(s: str, w: int, right: bool = False) -> str:
    gap = " " * (w - _width(s))
    return gap + s if right else s + gap


class Table:
    """One trace as rows ``lhs = expression | value…``; ``values`` keeps the numbers unformatted."""

    def __init__(self, title: str, value_headers: Sequence[str], rows: list, digits: int = 14):
        self.title = title
        self.value_headers = list(value_headers)
        self.rows = rows  # (lhs, expression, [values], note)
        self.digits = digits

    @property
    def values(self) -> dict:
        """``{lhs: [value per column]}`` (the numbers the sweeps computed)."""
        return {lhs: vals for lhs, _, vals, _ in self.rows}

    @property
    def equations(self) -> dict:
        """``{lhs: expression}``, e.g. ``{"v̄3": "v̄5·v5 + v̄6", …}``."""
        return {lhs: expr for lhs, expr, _, _ in self.rows}

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        notes = any(note for *_, note in self.rows)
        header = ["", "expression", *self.value_headers] + (["note"] if notes else [])
        body = [[lhs, expr, *(value_text(x, self.digits) for x in vals)] + ([note] if notes else [])
                for lhs, expr, vals, note in self.rows]
        return header, body

    def to_text(self) -> str:
        """Aligned Unicode text: ``v3 = v1·v2    0.75``."""
        header, body = self._cells()
        ncol = len(header)
        widths = [max(_width(r[i]) for r in [header, *body]) for i in range(ncol)]
        has_note = header[-1] == "note"
        lines = [self.title]
        head = _pad("", widths[0]) + "   " + _pad(header[1], widths[1])
        for i in range(2, ncol - has_note):
            head += "   " + _pad(header[i], widths[i], right=True)
        lines += [head.rstrip(), "─" * _width(head.rstrip())]
        for r in body:
            line = _pad(r[0], widths[0]) + " = " + _pad(r[1], widths[1])
            for i in range(2, ncol - has_note):
                line += "   " + _pad(r[i], widths[i], right=True)
            if has_note and r[-1]:
                line += "   ← " + r[-1]
            lines.append(line.rstrip())
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table (``|`` inside formulas escaped)."""
        header, body = self._cells()
        has_note = header[-1] == "note"
        align = [":--", ":--"] + ["--:"] * (len(header) - 2 - has_note) + [":--"] * has_note
        lines = [f"**{self.title}**", "", "| " + " | ".join([header[0] or "variable", *header[1:]]) + " |",
                 "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
        return "\n".join(lines)

    def to_latex(self) -> str:
        """A booktabs ``tabular`` (needs ``\\usepackage{booktabs}``), equations in math mode."""
        header, body = self._cells()
        has_note = header[-1] == "note"
        spec = "ll" + "r" * (len(header) - 2 - has_note) + ("l" if has_note else "")
        lines = [f"% {self.title}", f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                 " & ".join(latex_text(h) if i >= 2 else ("" if i == 0 else "expression")
                            for i, h in enumerate(header)) + " \\\\", "\\midrule"]
        for r in body:
            cells = [f"${latex_math(r[0])}$", f"${latex_math(r[1])}$"]
            cells += [f"${latex_number(c)}$" for c in r[2: len(r) - has_note]]
            if has_note:
                cells.append(latex_text(r[-1]))
            lines.append(" & ".join(cells) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML ``<table>`` with subscripted indices (also what Jupyter shows)."""
        header, body = self._cells()
        esc = html_math
        out = [f'<table class="autodiff-trace"><caption>{html.escape(self.title)}</caption>',
               "<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead><tbody>"]
        for r in body:
            cells = [f"<td>{esc(r[0])}</td>", f"<td>= {esc(r[1])}</td>"]
            cells += [f'<td style="text-align:right">{html.escape(c)}</td>' for c in r[2:]]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return self.to_html()

    def format(self, fmt: str = "text") -> str:
        """The table as ``"text"``, ``"markdown"``, ``"latex"`` or ``"html"``."""
        writers = {"text": self.to_text, "markdown": self.to_markdown, "latex": self.to_latex, "html": self.to_html}
        if fmt not in writers:
            raise ValueError(f"unknown table format {fmt!r}; choose text, markdown, latex or html")
        return writers[fmt]()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<Table {self.title!r}: {len(self.rows)} rows>"


# --- the three traces ---------------------------------------------------------------------------------
def as_trace(graph) -> Trace:
    """A :class:`Trace` as is; an existing graph (a node, e.g. a nets loss, or a list of them) traced from its
    outputs, its leaves becoming the inputs."""
    return graph if isinstance(graph, Trace) else Trace.from_outputs(graph)


def primal_table(trace: Trace, digits: int = 14) -> Table:
    """vi = expression (the primitive's display) and its value."""
    trace = as_trace(trace)
    outs = set(trace.outputs)
    rows = [(v.name, v.expression(), [v.value], "output" if v in outs else "") for v in trace.nodes]
    return Table("Primal trace", ["value"], rows, digits)


def _seeds(trace: Trace, wrt) -> list[tuple[str, object]]:
    """(column header, seed for trace.forward) pairs: one per input by default."""
    if wrt is None:
        return [(f"∂/∂{v.label}", v.label) for v in trace.inputs]
    if isinstance(wrt, (str, dict)):
        wrt = [wrt]
    out = []
    for w in wrt:
        if isinstance(w, str):
            trace.variable(w)  # a KeyError names the known variables
            if w not in trace.input_names:
                raise ValueError(f"{w!r} is not an input; inputs are {', '.join(trace.input_names)}")
            out.append((f"∂/∂{w}", w))
        else:
            out.append(("seed " + ", ".join(f"{k}={value_text(x, 6)}" for k, x in dict(w).items())
                        if isinstance(w, dict) else "seed", w))
    return out


def tangent_table(trace: Trace, wrt=None, digits: int = 14) -> Table:
    """Forward mode: a column of tangents per seed (``wrt``: input label(s) or seeds; default every input)."""
    trace = as_trace(trace)
    seeds = _seeds(trace, wrt)
    sweeps = [trace.forward(s) for _, s in seeds]
    outs = set(trace.outputs)
    rows = []
    for v in trace.nodes:
        expr = _decorated_label(v.label or v.name, DOT) if v.is_input else N.show(tangent_expression(v))
        rows.append((tangent_name(v), expr, [t[v] for t in sweeps], "output" if v in outs else ""))
    return Table("Tangent trace (forward mode)", [h for h, _ in seeds], rows, digits)


def adjoint_table(trace: Trace, seed=None, digits: int = 14) -> Table:
    """Reverse mode: v̄i from the last variable back to the first, one sweep."""
    trace = as_trace(trace)
    sweep = trace.reverse() if seed is None else trace.reverse(seed)
    exprs = adjoint_expressions(trace, seed)
    ins = set(trace.inputs)
    rows = []
    for v in reversed(trace.nodes):
        note = f"∂f/∂{v.label}" if v in ins else ""
        rows.append((adjoint_name(v), N.show(exprs[v]), [sweep[v]], note))
    return Table("Adjoint trace (reverse mode)", ["value"], rows, digits)


def trace_tables(trace: Trace, wrt=None, seed=None, digits: int = 14) -> list[Table]:
    """The primal, tangent and adjoint tables (the adjoint needs a scalar output or a ``seed``)."""
    trace = as_trace(trace)
    return [primal_table(trace, digits), tangent_table(trace, wrt, digits), adjoint_table(trace, seed, digits)]


# --- notation translators -------------------------------------------------------------------------------
_NAME = re.compile(r"(?<![A-Za-z0-9_.])([A-Za-z])([\u0307\u0304]?)(\d+)(?![A-Za-z0-9_])")
_ATOM = re.compile(r"-?(?:[A-Za-z][\u0307\u0304]?\d*|[\d.]+(?:e[+-]?\d+)?)")
_LATEX_FUNCS = {"exp", "log", "sin", "cos", "tan", "tanh", "max", "min"}
_SUPER = {ch: str(i) for i, ch in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}
_LATEX_ESCAPE = {"#": r"\#", "%": r"\%", "&": r"\&", "$": r"\$", "~": r"\~{}", "{": r"\{", "}": r"\}"}


def html_math(s: str) -> str:
    """Escaped HTML with subscripted indices: v̄3 → v̄<sub>3</sub>."""
    return _NAME.sub(lambda m: f"{m[1]}{m[2]}<sub>{m[3]}</sub>", html.escape(s))


_LATEX_TEXT = {"∂": r"$\partial$", "←": r"$\leftarrow$", "µ": r"$\mu$", "—": "---", "–": "--", "−": "-",
               "·": r"$\cdot$", "…": r"\ldots{}", "σ": r"$\sigma$", "π": r"$\pi$", "√": r"$\surd$", "─": "-",
               "×": r"$\times$", "|": r"$|$", "<": r"$<$", ">": r"$>$", "\\": r"$\backslash$", "^": r"\^{}",
               "_": r"\_", "ε": r"$\varepsilon$", "≈": r"$\approx$", "ᵀ": r"$^{\top}$"}


def latex_text(s: str) -> str:
    """Text for a LaTeX document in plain ASCII: ẋ → \\.{x}, v̄ → \\={v}, ∂ → $\\partial$, µ → $\\mu$; any other
    non-ASCII character is written as its Unicode name, so that the document always compiles."""
    out = []
    for ch in unicodedata.normalize("NFD", s):  # ẋ is x + a combining dot
        if ch in (DOT, BAR) and out:
            accent = r"\." if ch == DOT else r"\="  # the text-mode dot and macron accents
            out[-1] = "{" + accent + "{" + out[-1] + "}}"
        elif ch in _LATEX_TEXT or ch in _LATEX_ESCAPE:
            out.append(_LATEX_TEXT.get(ch) or _LATEX_ESCAPE[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(f"[{unicodedata.name(ch, hex(ord(ch))).lower()}]")
    return "".join(out)


def latex_number(s: str) -> str:
    m = re.fullmatch(r"(-?[\d.]+)e([+-]?)0*(\d+)", s)
    if m:
        return f"{m[1]} \\times 10^{{{'-' if m[2] == '-' else ''}{m[3]}}}"
    return s.replace("inf", r"\infty")


def _close(s: str, i: int) -> int:
    """Index of the parenthesis closing the one at ``s[i]``."""
    depth = 0
    for j in range(i, len(s)):
        depth += {"(": 1, ")": -1}.get(s[j], 0)
        if depth == 0:
            return j
    return len(s) - 1


def latex_math(s: str) -> str:
    """The course's Unicode notation as LaTeX math: v̄3·v1 → \\bar{v}_{3} \\cdot v_{1}, ẋ1 → \\dot{x}_{1},
    √(…) → \\sqrt{…}. The result is ASCII (any character without a LaTeX form is written by its name)."""
    s = unicodedata.normalize("NFD", s)  # ẋ (one code point) is x + a combining dot, as the names expect
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        m = _NAME.match(s, i) if (i == 0 or not (s[i - 1].isalnum() or s[i - 1] in "_.")) else None
        if m:
            mark = {DOT: r"\dot", BAR: r"\bar"}.get(m[2])
            out.append((f"{mark}{{{m[1]}}}" if mark else m[1]) + f"_{{{m[3]}}}")
            i = m.end()
            continue
        if ch in "√^" and i + 1 < len(s) and s[i + 1] == "(":
            j = _close(s, i + 1)
            inner = latex_math(s[i + 2:j])
            out.append(f"\\sqrt{{{inner}}}" if ch == "√" else f"^{{{inner}}}")
            i = j + 1
            continue
        if ch == "^" and i + 1 < len(s):  # an exponent without brackets (v1^v2, v1^2.5): one group
            m2 = _ATOM.match(s, i + 1)
            if m2:
                out.append(f"^{{{latex_math(m2[0])}}}")
                i = m2.end()
                continue
        if ch == "√":
            m2 = re.compile(r"[A-Za-z0-9.\u0307\u0304]+").match(s, i + 1)
            end = m2.end() if m2 else i + 1
            out.append(f"\\sqrt{{{latex_math(s[i + 1:end])}}}")
            i = end
            continue
        if ch.isalpha() and ch.isascii():
            j = i
            while j < len(s) and (s[j].isalnum() or s[j] == "_") and s[j].isascii():
                j += 1
            word = s[i:j]
            if j < len(s) and s[j] in (DOT, BAR):  # a decorated name without an index: ẋ, ȳ
                out.append(f"{chr(92)}{'dot' if s[j] == DOT else 'bar'}{{{word}}}")
                i = j + 1
                continue
            if word in _LATEX_FUNCS:
                out.append(f"\\{word} ")
            elif len(word) > 1 and j < len(s) and s[j] == "(":
                out.append(f"\\operatorname{{{word.replace('_', chr(92) + '_')}}}")
            else:
                out.append(word.replace("_", r"\_"))
            i = j
            continue
        if ch in _SUPER:
            j = i
            while j < len(s) and s[j] in _SUPER or (j < len(s) and s[j] == "⁻"):
                j += 1
            out.append("^{" + "".join(_SUPER.get(c, "-") for c in s[i:j]) + "}")
            i = j
            continue
        text = {"·": r" \cdot ", "−": "-", "σ": r"\sigma ", "π": r"\pi ", "ᵀ": r"^{\top}", "@": r" \, ",
                "∂": r"\partial ", "…": r"\ldots ", "×": r"\times ", "≈": r"\approx ", "ε": r"\varepsilon ",
                "←": r"\leftarrow "}.get(ch, _LATEX_ESCAPE.get(ch, ch))
        out.append(text if text.isascii() else f"\\text{{[{unicodedata.name(ch, hex(ord(ch))).lower()}]}}")
        i += 1
    return "".join(out)
