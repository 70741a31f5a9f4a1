"""The `autodiff` command: output, files, formats, and one clear line (status 2) for bad input."""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autodiff.__main__ import main

COURSE = "x1*x2 + exp(x1*x2) - sin(x2)"
ROOT = Path(__file__).resolve().parents[2]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="the dot program is not installed")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_the_three_traces_and_the_comparison(capsys):
    status, out, err = run(capsys, COURSE, "--at", "x1=1.5", "x2=0.5", "--repeats", "1")
    assert status == 0 and err == ""
    for title in ("Primal trace", "Tangent trace (forward mode)", "Adjoint trace (reverse mode)", "Gradient of f"):
        assert title in out
    for row in ("v3 = v1·v2", "v̇3 = v̇1·v2 + v1·v̇2", "v̄3 = v̄5·v5 + v̄6", "v̄2 = v̄3·v1 + v̄4·cos(v2)"):
        assert row in out
    for method in ("forward mode", "reverse mode", "forward differences", "central differences", "complex step",
                   "sympy"):
        assert method in out
    assert "3.7979174630286" in out and "1.5585000083063" in out


def test_an_expression_starting_with_minus(capsys):
    status, out, _ = run(capsys, " -x*y", "--at", "x=1", "y=2", "--no-compare")
    assert status == 0 and "v̄1 = −v̄3" in out


def test_wrt_and_formats(capsys):
    status, out, _ = run(capsys, "x*y", "--at", "x=2", "y=3", "--wrt", "y", "--no-compare", "--format", "markdown")
    assert status == 0 and "| v̇3 |" in out and "∂/∂y" in out and "∂/∂x" not in out and "Gradient" not in out
    status, out, _ = run(capsys, "x*y", "--at", "x=2", "y=3", "--format", "latex", "--repeats", "1")
    assert status == 0 and out.count("\\begin{tabular}") == 4 and "\\bar{v}_{3}" in out
    status, out, _ = run(capsys, "x*y", "--at", "x=2", "y=3", "--format", "html", "--repeats", "1")
    assert status == 0 and out.startswith("<!DOCTYPE html>") and out.count("<table") == 4


@needs_dot
def test_out_writes_graphs_and_tables(capsys, tmp_path):
    status, out, _ = run(capsys, COURSE, "--at", "x1=1.5", "x2=0.5", "--out", str(tmp_path), "--repeats", "1")
    assert status == 0 and "wrote" in out
    for show in ("primal", "tangent", "adjoint"):
        root = ET.parse(tmp_path / f"{show}.svg").getroot()
        text = " ".join(root.itertext())
        for i in range(1, 8):
            assert f"v{i} = " in text
    expected = {"txt": "v̄3 = v̄5·v5 + v̄6", "md": "| v̄3 | v̄5·v5 + v̄6 |",
                "tex": r"$\bar{v}_{3}$ & $\bar{v}_{5} \cdot v_{5} + \bar{v}_{6}$",
                "html": "v̄<sub>5</sub>·v<sub>5</sub> + v̄<sub>6</sub>"}
    for ext, row in expected.items():
        assert row in (tmp_path / f"traces.{ext}").read_text(encoding="utf-8"), ext


@needs_dot
def test_render_and_steps(capsys, tmp_path):
    status, out, _ = run(capsys, "sin(x)*y", "--at", "x=1", "y=2", "--render", str(tmp_path / "g.png"),
                         "--show", "adjoint", "--steps", str(tmp_path / "steps"), "--no-compare")
    assert status == 0
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    steps = sorted(p.name for p in (tmp_path / "steps").iterdir())
    assert steps == [f"forward_step_{i}.svg" for i in (1, 2, 3)] + [f"reverse_step_{i}.svg" for i in (1, 2, 3, 4)]


def test_without_dot(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "empty" / "python"))  # nor graphviz-pure
    status, _, err = run(capsys, "x*y", "--at", "x=1", "y=2", "--out", str(tmp_path / "o"), "--no-compare")
    assert status == 0 and (tmp_path / "o" / "adjoint.dot").exists() and "install Graphviz" in err
    status, _, err = run(capsys, "x*y", "--at", "x=1", "y=2", "--render", str(tmp_path / "g.svg"), "--no-compare")
    assert status == 1 and err.count("\n") == 1 and "apt-get install graphviz" in err


@pytest.mark.parametrize("argv, message", [
    (["x +", "--at", "x=1"], "cannot read the expression: invalid syntax"),
    (["__import__('os').system('echo hi')", "--at", "x=1"], "cannot read the expression"),
    (["x*y", "--at", "x=1"], "no value for y"),
    (["x*y"], "no value for x, y"),
    (["x", "--at", "x=1", "z=2"], "z is not a variable of the expression"),
    (["x", "--at", "x=abc"], "'abc', is not a number"),
    (["x", "--at", "x=inf"], "must be a finite number"),
    (["x", "--at", "x"], "--at expects NAME=VALUE"),
    (["x", "--at", "x=1", "x=2"], "x is given twice"),
    (["x", "--at", "x=1", "--format", "pdf"], "unknown format 'pdf'"),
    (["x", "--at", "x=1", "--show", "gradient"], "unknown --show 'gradient'"),
    (["x", "--at", "x=1", "--wrt", "q"], "--wrt q: not a variable"),
    (["x", "--at", "x=1", "--render", "g.bmp"], "cannot tell the image format"),
    (["x", "--at", "x=1", "--bogus"], "unrecognized arguments: --bogus"),
    (["2 + 3"], "has no variables"),
    (["x", "--at", "x=1", "--repeats", "0"], "--repeats must be at least 1"),
    ([], "the following arguments are required: expression"),
    (["-x*y", "--at", "x=1", "y=2"], "needs a leading space"),
])
def test_bad_input_is_one_line_and_status_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("autodiff: error: ") and message in err
    assert "Traceback" not in err


def test_python_dash_m_runs_the_demo_line(tmp_path):
    # The Makefile's demo invocation, as a real process (checks `python -m autodiff` and the exit status).
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "autodiff", COURSE, "--at", "x1=1.5", "x2=0.5",
                           "--out", str(tmp_path / "demo"), "--repeats", "1"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Adjoint trace" in proc.stdout and "central differences" in proc.stdout
    assert len(list((tmp_path / "demo").iterdir())) >= 7
    bad = subprocess.run([sys.executable, "-m", "autodiff", "x +"], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
