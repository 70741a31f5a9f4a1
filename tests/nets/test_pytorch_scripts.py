"""Ordinary PyTorch scripts (tests/nets/scripts/, written from PyTorch habits) run with only the import lines
changed to nets: every number they print agrees with PyTorch's to 1e-5 (float64), and the words match.
Skipped where torch is not installed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.py"))
NUMBER = re.compile(r"-?\d+\.?\d*(?:e[-+]?\d+)?")
IMPORTS = [("from torch.utils.data import", "from nets.utils.data import"), ("from torch import", "from nets import"),
           ("import torch.", "import nets."), ("import torch\n", "import nets as torch\n")]


def _run(source: str, tmp_path: Path) -> str:
    path = tmp_path / "script.py"
    path.write_text(source)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_pytorch_script_runs_with_nets_and_prints_the_same_numbers(script, tmp_path):
    source = script.read_text()
    ours = source
    for a, b in IMPORTS:
        ours = ours.replace(a, b)
    assert ours != source and "torch." in ours  # only the imports changed: the code still says torch
    theirs_out, ours_out = _run(source, tmp_path), _run(ours, tmp_path)
    assert NUMBER.sub("#", ours_out) == NUMBER.sub("#", theirs_out)
    a = np.array([float(v) for v in NUMBER.findall(ours_out)])
    b = np.array([float(v) for v in NUMBER.findall(theirs_out)])
    assert a.size > 0
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-8)
