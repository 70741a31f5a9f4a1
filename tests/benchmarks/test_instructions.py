"""The instruction counter of ``python -m benchmarks --instructions`` (benchmarks/instructions.py).

The end-to-end test runs a small script under callgrind (a few seconds; skipped without valgrind) and
checks that a counted call's instructions scale with its work and that only the counted call is counted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import harness, instructions

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
from benchmarks.instructions import active

counter = active()
def loop(n):
    s = 0
    for i in range(n):
        s += i
    return s
def fails():
    raise ValueError("inside the counted call")
loop(1000)  # warm the interpreter up, outside any count
small = counter.per_call(lambda: loop(20_000))
large = counter.per_call(lambda: loop(40_000))
twice = counter.per_call(lambda: loop(20_000), number=2)
loop(400_000)  # between two counts: must be in neither
again = counter.per_call(lambda: loop(20_000))
try:
    counter.per_call(fails)
    raised = False
except ValueError:
    raised = True
print(small, large, twice, again, raised)
"""


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_counts_only_the_counted_call_and_scale_with_its_work(tmp_path):
    out_file = tmp_path / "callgrind.out"
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=ffi_call", "--dump-after=ffi_call",
           f"--callgrind-out-file={out_file}", f"--log-file={tmp_path / 'log'}", sys.executable, "-c", SCRIPT]
    env = dict(os.environ, **{instructions.ENV: str(out_file), "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr + (tmp_path / "log").read_text()
    small, large, twice, again, raised = proc.stdout.split()
    small, large, twice, again = float(small), float(large), float(twice), float(again)
    assert 100_000 < small < 10_000_000  # tens of instructions per iteration of a Python loop
    assert large / small == pytest.approx(2.0, rel=0.05)  # twice the iterations, twice the instructions
    assert twice == pytest.approx(small, rel=0.05)  # number=2 reports per call
    # the 400,000-iteration loop between two counts is in neither: one call counts the same before and after
    assert again == pytest.approx(small, rel=0.01)
    assert raised == "True"  # an error inside the counted call reaches the caller


def test_summary_reads_a_dump_and_rejects_other_files(tmp_path):
    dump = tmp_path / "callgrind.out.3"
    dump.write_text("# callgrind format\nversion: 1\nevents: Ir\nsummary: 391304\n\nfn=(1) main\n")
    assert instructions.summary(str(dump)) == 391304
    other = tmp_path / "notes.txt"
    other.write_text("not a dump\n")
    with pytest.raises(ValueError, match="not a callgrind dump"):
        instructions.summary(str(other))


def test_a_counter_needs_one_new_dump_per_call(tmp_path):
    counter = instructions.Counter(str(tmp_path / "callgrind.out"))  # no callgrind: nothing is dumped
    with pytest.raises(RuntimeError, match="expected one callgrind dump"):
        counter.per_call(lambda: None)


def test_units_are_times_when_timing_and_instructions_when_counting(monkeypatch):
    monkeypatch.setattr(harness, "COUNTER", None)
    assert harness.unit("ms/epoch", 1e3) == ("ms/epoch", 1e3)
    monkeypatch.setattr(harness, "COUNTER", instructions.Counter("unused"))
    assert harness.unit("ms/epoch", 1e3) == ("instructions/epoch", 1.0)
    assert harness.unit("µs/op", 1e6 / 8) == ("instructions/op", 1 / 8)
    assert harness.unit("µs", 1e6) == ("instructions", 1.0)
    assert harness.unit("× numpy f", 1.0) == ("× numpy f", 1.0)  # a ratio stays a ratio
    row = harness.Row("w", "v", "autodiff-dojo", "instructions/epoch", 2.0, ratios={"numpy": 3.0})
    harness.check(row, {"numpy": 2.0}, "≤ 2× numpy")
    assert row.met is None and row.target == "≤ 2× numpy (in time)"  # a count informs, never judges


def test_launch_explains_a_missing_valgrind(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert instructions.launch(["--only", "mlp-small"]) == 2
    assert "valgrind is not installed" in capsys.readouterr().err
