"""The ``autodiff`` command: the traces and the method comparison of one expression at one point.

    autodiff "x1*x2 + exp(x1*x2) - sin(x2)" --at x1=1.5 x2=0.5
    autodiff "x*y" --at x=2 y=3 --wrt x --format markdown --render graph.svg --show adjoint
    autodiff "x1*x2 + exp(x1*x2) - sin(x2)" --at x1=1.5 x2=0.5 --out out/demo

Bad input (an expression that cannot be read, missing or extra variables, a value that is not a number,
an unknown format) prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .compare import compare, point_notes
from .explorer import write_html
from .parse import CONSTANTS, ParseError, parse
from .primitives import ShapeError
from .render import SHOWS, GraphvizNotFoundError, dot_available, render, write, write_steps
from .tables import Table, adjoint_table, latex_text, primal_table, tangent_table
from .trace import Trace, trace

FORMATS = ("text", "markdown", "latex", "html")
PROG = "autodiff"
MAX_REPEATS = 100  # timing runs per method; each method also stops timing after compare.TIMING_SECONDS


class UsageError(Exception):
    """Bad input on the command line (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    argv: Sequence[str] = ()

    def error(self, message: str):  # one line, not argparse's usage block
        known = {o for a in self._actions for o in a.option_strings}
        if "expression" in message and any(a.startswith("-") and a.split("=")[0] not in known for a in self.argv):
            message += " (an expression that starts with '-' needs a leading space: \" -x*y\", or -- before it)"
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Trace an expression, differentiate it four ways and compare.",
                epilog='example: autodiff "x1*x2 + exp(x1*x2) - sin(x2)" --at x1=1.5 x2=0.5')
    p.add_argument("expression", help="e.g. \"x1*x2 + exp(x1*x2) - sin(x2)\" (numbers, variables, + - * / **, "
                                      "functions such as exp, log or ln, log10, sin, cos, sinh, cosh, tanh, sqrt; "
                                      "the constants pi and e, unless given a value with --at)")
    p.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE", help="the point, one value per variable")
    p.add_argument("--wrt", nargs="+", metavar="NAME",
                   help="inputs to seed the tangent trace with (default: every input)")
    p.add_argument("--format", default="text", help=f"table format: {', '.join(FORMATS)} (default text)")
    p.add_argument("--render", metavar="FILE", help="write the graph (.svg, .png, .pdf or .dot)")
    p.add_argument("--show", default=None,
                   help=f"what the --render graph shows: {', '.join(SHOWS)} (default primal)")
    p.add_argument("--steps", metavar="DIR", help="write one SVG per step of the forward and reverse sweeps")
    p.add_argument("--out", metavar="DIR", help="write the three graphs (SVG) and the tables into DIR")
    p.add_argument("--html", metavar="FILE", help="write the interactive explorer page (one self-contained file)")
    p.add_argument("--no-compare", action="store_true", help="skip the method comparison")
    p.add_argument("--no-cse", action="store_true", help="do not share repeated subexpressions")
    p.add_argument("--repeats", type=int, default=5,
                   help=f"timing repeats for the comparison, 1 to {MAX_REPEATS} (default 5)")
    p.add_argument("--digits", type=int, default=14, help="significant digits in the tables (default 14)")
    return p


def _point(assignments: Sequence[str], variables: Sequence[str]) -> list[float]:
    values: dict[str, float] = {}
    for a in assignments:
        name, eq, text = a.partition("=")
        name, text = name.strip(), text.strip()
        if not eq or not name:
            raise UsageError(f"--at expects NAME=VALUE, got {a!r}")
        if name in values:
            raise UsageError(f"{name} is given twice in --at")
        if name not in variables:
            raise UsageError(f"{name} is not a variable of the expression (its variables: "
                             f"{', '.join(variables) or 'none'})")
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"the value of {name}, {text!r}, is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"the value of {name} must be a finite number, got {text!r}")
        values[name] = value
    missing = [v for v in variables if v not in values]
    if missing:
        raise UsageError(f"no value for {', '.join(missing)}; give it with --at "
                         + " ".join(f"{v}=…" for v in missing))
    return [values[v] for v in variables]


def _check_options(args) -> None:
    if args.format not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}; choose one of {', '.join(FORMATS)}")
    if args.show is not None and args.show not in SHOWS:
        raise UsageError(f"unknown --show {args.show!r}; choose one of {', '.join(SHOWS)}")
    if args.render:
        suffix = Path(args.render).suffix.lower()
        if suffix not in (".svg", ".png", ".pdf", ".dot", ".gv"):
            raise UsageError(f"cannot tell the image format of {args.render!r}; use .svg, .png, .pdf or .dot")
    if args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}")
    if args.repeats > MAX_REPEATS:
        raise UsageError(f"--repeats must be at most {MAX_REPEATS}, got {args.repeats}")
    for option, path in (("--out", args.out), ("--steps", args.steps),
                         ("--render", args.render and os.path.dirname(args.render)),
                         ("--html", args.html and os.path.dirname(args.html))):
        if path:
            _check_writable(option, path)
    if not 1 <= args.digits <= 17:
        raise UsageError(f"--digits must be between 1 and 17, got {args.digits}")


def reader_left() -> int:
    """The exit status when the command's output was piped to a reader that left (``| head``): not an error to
    report. Standard output goes to /dev/null, so that flushing it at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def folder_problem(directory: str) -> str | None:
    """Why ``directory`` could not be created or written into, or None (checked by making and dropping a
    temporary file in its nearest existing ancestor, so nothing is left behind). Both commands use it."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        return "exists and is not a directory"
    existing = os.path.abspath(directory)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"cannot be created: {existing!r} is not a directory"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        return f"is not writable: cannot create a file in {existing!r} ({e.strerror or e})"
    return None


def _check_writable(option: str, directory: str) -> None:
    """Fail before any work if ``directory`` cannot be created or written."""
    problem = folder_problem(directory)
    if problem is not None:
        raise UsageError(f"{option} {directory!r} {problem}")


def _document(parts: list[str], fmt: str, heading: str) -> str:
    if fmt == "html":
        body = "\n".join(parts)
        return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>autodiff</title><style>"
                "table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 10px}"
                "caption{font-weight:bold;text-align:left}</style></head>\n"
                f"<body><h1>{_escape(heading)}</h1>\n{body}\n</body></html>")
    if fmt == "latex":
        return f"% {latex_text(heading)}\n% needs \\usepackage{{booktabs}}\n\n" + "\n\n".join(parts)
    if fmt == "markdown":
        return f"## {heading}\n\n" + "\n\n".join(parts)
    return heading + "\n\n" + "\n\n".join(parts)


def _escape(s: str) -> str:
    import html

    return html.escape(s)


def _tables(t: Trace, args) -> list[Table]:
    return [primal_table(t, args.digits), tangent_table(t, args.wrt, args.digits), adjoint_table(t, None, args.digits)]


def run(argv: Sequence[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    parser.argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    _check_options(args)
    given = {a.partition("=")[0].strip() for a in args.at}  # `--at e=2` makes e a variable, not Euler's number
    try:
        f = parse(args.expression, cse=not args.no_cse, constants=[c for c in CONSTANTS if c not in given])
    except ParseError as e:
        raise UsageError(f"cannot read the expression: {e}") from None
    if not f.variables:
        raise UsageError("the expression has no variables; nothing to differentiate")
    point = _point(args.at, f.variables)
    if args.wrt:
        for w in args.wrt:
            if w not in f.variables:
                raise UsageError(f"--wrt {w}: not a variable of the expression (its variables: "
                                 f"{', '.join(f.variables)})")
    if args.show is not None and not args.render:
        print(f"{PROG}: note: --show picks what --render draws; without --render it has no effect", file=sys.stderr)
    show = args.show or "primal"
    with np.errstate(all="ignore"):  # a point outside the domain is said in a note, not in numpy's warnings
        t = trace(f, *point)
        heading = f"f({', '.join(f.variables)}) = {args.expression.strip()} at " + \
            ", ".join(f"{v} = {x:g}" for v, x in zip(f.variables, point))
        tables = _tables(t, args)
        comparison = None if args.no_compare else compare(f, *point, repeats=args.repeats)
    parts = [tb.format(args.format) for tb in tables]
    if comparison is not None:
        parts.append(comparison.format(args.format, args.digits))  # it carries the notes itself
    else:
        parts += [_note(n, args.format) for n in point_notes(t)]
    print(_document(parts, args.format, heading), file=out)

    written: list[Path] = []
    if args.render:
        written.append(write(render(t, show, wrt=args.wrt[0] if args.wrt else None), args.render))
    if args.steps:
        fmt = "svg" if dot_available() else "dot"
        for sweep in ("forward", "reverse"):
            written += write_steps(t, args.steps, sweep, fmt=fmt, wrt=args.wrt[0] if args.wrt else None)
    if args.html:
        written.append(write_html(t, args.html, heading))
    if args.out:
        written += _write_out(t, tables, comparison, Path(args.out), heading, args.wrt[0] if args.wrt else None,
                              args.digits)
    if written:  # on stderr unless text, so that a Markdown/LaTeX/HTML document on stdout stays clean
        folders: dict[Path, list[str]] = {}
        for p in written:
            folders.setdefault(p.parent, []).append(p.name)
        lines = [f"wrote {folder}/: {', '.join(names)}" for folder, names in folders.items()]
        print("\n" + "\n".join(lines), file=out if args.format == "text" else sys.stderr)
    return 0


def _note(text: str, fmt: str) -> str:
    if fmt == "html":
        return f"<p>note: {_escape(text)}</p>"
    if fmt == "latex":
        return latex_text(f"note: {text}")
    return f"note: {text}"


def _write_out(t: Trace, tables: list[Table], comparison, directory: Path, heading: str, wrt,
               digits: int = 14) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".svg" if dot_available() else ".dot"
    paths = []
    for show in SHOWS:
        paths.append(write(render(t, show, wrt=wrt), directory / f"{show}{suffix}"))
    if suffix == ".dot":
        print(f"note: {GraphvizNotFoundError.__name__}: the graphs are .dot sources; "
              "install Graphviz for SVG (Debian/Ubuntu: sudo apt-get install graphviz)", file=sys.stderr)
    for fmt, ext in (("text", "txt"), ("markdown", "md"), ("latex", "tex"), ("html", "html")):
        parts = [tb.format(fmt) for tb in tables] + ([comparison.format(fmt, digits)] if comparison is not None
                                                     else [_note(n, fmt) for n in point_notes(t)])
        path = directory / f"traces.{ext}"
        path.write_text(_document(parts, fmt, heading) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status (2 for bad input or a path that cannot be
    written, 1 without Graphviz). Every error is one line on stderr, never a traceback."""
    try:
        return run(argv)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except (ParseError, ShapeError, ValueError, TypeError, KeyError, ArithmeticError) as e:
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except GraphvizNotFoundError as e:
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `autodiff ... | head`
        return reader_left()
    except OSError as e:  # a directory that cannot be created, a full disk, a permission
        where = f": {e.filename}" if e.filename else ""
        print(f"{PROG}: error: cannot write{where}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split()) or type(e).__name__


if __name__ == "__main__":
    sys.exit(main())
