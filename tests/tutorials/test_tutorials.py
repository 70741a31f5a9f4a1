"""Every tutorial runs top to bottom as a script (headless); its own assertions check its claims."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    result = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, f"{path.name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def test_tutorials_are_jupytext_percent_scripts():
    for path in TUTORIALS:
        text = path.read_text(encoding="utf-8")
        assert "# %% [markdown]" in text and "\n# %%\n" in text, f"{path.name} is not in percent format"
