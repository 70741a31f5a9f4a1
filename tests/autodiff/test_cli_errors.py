"""Issue 17, items 5 and 9-12 for `autodiff`: bad input is one line and status 2, never a traceback; the
comparison's work is bounded; points outside the domain or at a kink are flagged; --digits and the LaTeX
output; the parser's help for what students type."""

from __future__ import annotations

import errno
import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import autodiff as ad
from autodiff.__main__ import main

compare_module = importlib.import_module("autodiff.compare")  # (autodiff.compare is also the function)

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
TOWER = "**".join(["x"] * 150)  # SymPy's recursion overflowed (a 3,000-line traceback)
PRODUCT = "*".join(f"(x+{i})" for i in range(1, 151))  # SymPy took 104 s


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "a_file").write_text("x")
    return d


BAD = [
    (["x^2", "--at", "x=1"], "use ** for powers"),
    (["x", "--at", "x=1", "--repeats", "1000000000"], "--repeats must be at most 100"),
    (["x", "--at", "x=1", "--repeats", "0"], "--repeats must be at least 1"),
    (["x", "--at", "x=1", "--repeats", "abc"], "invalid int value"),
    (["x", "--at", "x=1", "--digits", "0"], "--digits must be between 1 and 17"),
    (["x", "--at", "x=1", "--format", "pdf"], "unknown format 'pdf'"),
    (["x", "--at", "x=1", "--show", "everything", "--render", "g.svg"], "unknown --show"),
    (["x", "--at", "x=1", "--out", "{d}/a_file"], "exists and is not a directory"),
    (["x", "--at", "x=1", "--out", "{d}/a_file/out"], "cannot be created"),
    (["x", "--at", "x=1", "--steps", "{d}/a_file/steps"], "cannot be created"),
    (["x", "--at", "x=1", "--render", "{d}/a_file/g.svg"], "is not a directory"),
    (["x", "--at", "x=1", "--out", "/proc/no-such-dir"], "is not writable"),
    (["x", "--at", "x=nan"], "must be a finite number"),
    (["x", "--at", "x"], "--at expects NAME=VALUE"),
    (["x", "--at", "y=1"], "y is not a variable"),
    (["x", "--at", "x=1", "x=2"], "given twice"),
    (["x*y", "--at", "x=1"], "no value for y"),
    (["__import__('os').system('true')", "--at", "x=1"], "cannot read the expression"),
    (["x" * 3000, "--at", "x=1"], "characters long"),
    (["(" * 100 + "x" + ")" * 100, "--at", "x=1"], "nested more than"),
    (["sin(x, x)", "--at", "x=1"], "takes 1 argument"),
    (["2 + 3"], "no variables"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_and_status_2(d, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(d)
    assert main([a.replace("{d}", str(d)) for a in argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autodiff: error:") and message in lines[0], captured.err
    assert captured.out == ""  # nothing was printed or written before the error


def test_a_full_disk_is_one_line(tmp_path, capsys, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["x*y", "--at", "x=1", "y=2", "--no-compare", "--out", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("autodiff: error: cannot write") and "No space left" in lines[0]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "autodiff", *args], capture_output=True, text=True, env=ENV,
                          timeout=120)


def test_a_real_process_prints_no_traceback():
    for args in (["x^2", "--at", "x=1"], [TOWER, "--at", "x=0.5", "--no-compare", "--repeats", "101"]):
        done = _run(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr


def test_a_broken_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "autodiff", "x*y", "--at", "x=1", "y=2", "--no-compare"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    proc.stdout.close()  # the reader leaves before anything is written, as `| head -c 0` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert err == "" and proc.returncode == 1


# -- item 9: bounded work ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, operations", [(TOWER, 149), (PRODUCT, 299)])
def test_sympy_is_skipped_past_its_size_budget_and_the_others_still_run(capsys, text, operations):
    start = time.perf_counter()
    assert main([text, "--at", "x=0.5", "--repeats", "1"]) == 0
    assert time.perf_counter() - start < 20
    out = capsys.readouterr().out
    assert f"skipped: expression too large for symbolic differentiation ({operations} operations)" in out
    for method in ("forward mode", "reverse mode", "central differences", "complex step"):
        assert method in out
    c = ad.compare(text, 0.5, repeats=1)
    assert np.isfinite(c["reverse mode"].gradient).all() and np.isnan(c["sympy"].gradient).all()
    assert not c.errors_counted and "no exact reference" in c.notes[-1]


def test_sympy_is_stopped_by_its_time_budget(monkeypatch):
    monkeypatch.setattr(compare_module, "SYMPY_SECONDS", 0.05)
    start = time.perf_counter()
    c = ad.compare("*".join(f"(x+{i})" for i in range(1, 61)), 0.5, repeats=1)  # about 1 s of SymPy
    assert time.perf_counter() - start < 1.0
    assert c["sympy"].cost == "skipped: expression too large for symbolic differentiation (119 operations)"
    assert np.isfinite(c["forward mode"].gradient).all()


def test_timing_repeats_stop_after_the_time_budget(monkeypatch):
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.02)
        return 1

    monkeypatch.setattr(compare_module, "TIMING_SECONDS", 0.05)
    compare_module._timed(slow, 100, compare_module.TIMING_SECONDS)
    assert 2 <= len(calls) <= 4


# -- item 10: outside the domain, at a kink ------------------------------------------------------------------------

@pytest.mark.parametrize("text, at, value", [("log(x)", (-1.0,), "nan"), ("1/x", (0.0,), "inf")])
def test_a_point_outside_the_domain_is_flagged(text, at, value, capsys):
    c = ad.compare(text, *at, repeats=1)
    assert any(f"f is not defined at x = {at[0]:g} (f = {value})" in n for n in c.notes), c.notes
    assert not c.errors_counted and all(np.isnan(r.max_abs_error) for r in c.results)
    assert "errors not measured" in c.table()
    assert main([text, "--at", f"x={at[0]}", "--no-compare"]) == 0
    captured = capsys.readouterr()
    assert "f is not defined at x" in captured.out and captured.err == ""  # no numpy warnings either


@pytest.mark.parametrize("text, at, convention", [
    ("relu(x - 0.5)", (0.5,), "relu'(0) = 0"),
    ("abs(x)", (0.0,), "|x|'(0) = sign(0) = 0"),
    ("max(x, y)", (1.0, 1.0), "max(a, b) at a = b passes half of the adjoint to each"),
])
def test_a_kink_is_flagged_and_the_convention_is_not_an_error(text, at, convention):
    c = ad.compare(text, *at, repeats=1)
    note = next(n for n in c.notes if "not differentiable here" in n)
    assert f"the AD methods use the convention {convention}" in note
    assert all(np.isnan(r.max_abs_error) for r in c.results)
    away = ad.compare(text, *(a + 0.25 for a in at[:1]), *at[1:], repeats=1)  # off the kink: counted, no notes
    assert away.notes == [] and away.errors_counted and away["reverse mode"].max_abs_error <= 1e-15


def test_sympy_is_the_reference_and_shows_no_error_against_itself():
    c = ad.compare("x1*x2 + exp(x1*x2) - sin(x2)", 1.5, 0.5, repeats=1)
    assert c["sympy"].max_abs_error == 0 and np.array_equal(c["sympy"].gradient, c.exact)
    row = next(line for line in c.table().splitlines() if line.startswith("sympy"))
    assert row.count("reference") == 2


# -- item 11: --digits everywhere, LaTeX that compiles ---------------------------------------------------------------

def test_digits_applies_to_the_comparison_too(capsys):
    assert main(["x1*x2 + exp(x1*x2) - sin(x2)", "--at", "x1=1.5", "x2=0.5", "--digits", "4", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    comparison = out[out.index("Gradient of f"):]
    assert "1.559" in comparison and "1.5585000083063" not in out and "f = 2.388" in comparison


LATEX_CASES = [["x1*x2 + exp(x1*x2) - sin(x2)", "--at", "x1=1.5", "x2=0.5"],
               ["relu(x - 0.5) + sqrt(x) + sigmoid(x)*pi", "--at", "x=0.5"],
               ["max(x, y) + abs(x)", "--at", "x=1", "y=1"],
               ["log(x)", "--at", "x=-1"],
               ["x**2.5 / sinh(x) + log10(x) - e**x + x**-1", "--at", "x=0.7"],
               [TOWER, "--at", "x=0.5"]]


def test_latex_output_is_ascii_and_compiles_where_pdflatex_is_installed(tmp_path, capsys):
    for i, argv in enumerate(LATEX_CASES):
        assert main([*argv, "--format", "latex", "--repeats", "1"]) == 0
        source = capsys.readouterr().out
        bad = sorted({ch for ch in source if not ch.isascii()})
        assert bad == [], (argv[0][:40], bad)
        assert r"\dot{x}_{1}" in source if i == 0 else True
        if shutil.which("pdflatex"):
            doc = tmp_path / f"t{i}.tex"
            doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\usepackage{amsmath}"
                           "\\begin{document}\n" + source + "\n\\end{document}\n")
            done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                                  cwd=tmp_path, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout[-2000:]


# -- item 12: what students type ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["x^2", "x ^ y + 1", "sin(x)^2"])
def test_caret_says_use_double_star(text):
    with pytest.raises(ad.ParseError, match=r"use \*\* for powers"):
        ad.parse(text)


@pytest.mark.parametrize("text, expected", [
    ("ln(x)", lambda x: np.log(x)),
    ("log10(x)", lambda x: np.log10(x)),
    ("sinh(x)", lambda x: np.sinh(x)),
    ("cosh(x)", lambda x: np.cosh(x)),
    ("e**x", lambda x: np.exp(x)),
    ("sinh(cosh(log10(x))) * e", lambda x: np.sinh(np.cosh(np.log10(x))) * np.e),
])
def test_ln_log10_sinh_cosh_and_e_are_accepted(text, expected):
    f = ad.parse(text)
    assert f.variables == ("x",)
    for x in (0.3, 1.7):
        assert f(x) == pytest.approx(expected(x), rel=1e-14)
    c = ad.compare(text, 0.7, repeats=1)
    assert c.errors_counted and c["reverse mode"].max_rel_error <= 1e-14 and c["forward mode"].max_rel_error <= 1e-14


def test_nested_composites_stay_linear_in_size():
    start = time.perf_counter()
    f = ad.parse("sinh(" * 60 + "x" + ")" * 60)
    assert time.perf_counter() - start < 1 and len(f.ops) == 5 * 60  # it used to double at each level
    assert f(0.1) == pytest.approx(_sinh_n(0.1, 60), rel=1e-12)


def _sinh_n(x: float, n: int) -> float:
    for _ in range(n):
        x = np.sinh(x)
    return float(x)


def test_e_is_a_variable_when_given_with_at(capsys):
    assert main(["e*x", "--at", "x=1", "e=2", "--no-compare"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("f(e, x) = e*x at e = 2, x = 1")
    assert main(["e*x", "--at", "x=1", "--no-compare"]) == 0
    assert capsys.readouterr().out.startswith("f(x) = e*x at x = 1")
    assert ad.parse("e*x", constants=["pi"]).variables == ("e", "x")
    with pytest.raises(ValueError, match="unknown constants 'tau'"):
        ad.parse("x", constants=["tau"])


def test_show_without_render_says_it_has_no_effect(capsys):
    assert main(["x*y", "--at", "x=1", "y=2", "--no-compare", "--show", "adjoint"]) == 0
    err = capsys.readouterr().err
    assert err == "autodiff: note: --show picks what --render draws; without --render it has no effect\n"


def test_a_sympy_failure_is_a_failed_row_not_an_error(capsys):
    """SymPy's printer has no Python form for complex infinity (zoo): lambdify raised KeyError, which ended the
    command with "autodiff: error: 'ComplexInfinity'" (found by random expressions through main)."""
    text = "(erf(x) + y) / (sigmoid(2) + x / pi) / cosh(0 ** (x / 0))"
    assert main([text, "--at", "x=1", "y=-1", "--repeats", "1"]) == 0
    captured = capsys.readouterr()
    row = next(line for line in captured.out.splitlines() if line.startswith("sympy"))
    assert "failed: KeyError: 'ComplexInfinity'" in row and captured.err == ""
    assert "note: SymPy's exact gradient is not a finite real number here" in captured.out
