"""mlp-wide: synthetic 20,000 × 256 input, MLP 256-512-512-10, batch 1024, float32: seconds per epoch,
and the peak resident memory of a process that trains with one framework only.

Times are measured in this process, interleaved. Memory is measured in a fresh subprocess per framework
(``python -m benchmarks.mlp_wide FRAMEWORK``), so that one framework's allocations cannot raise another's
peak: the subprocess imports only its framework, builds the data, trains two epochs and reports its peak
RSS (``VmHWM``), and also the RSS before training, so the table can show what training itself adds.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import numpy as np

from . import mlp
from .harness import Row, check, interleave, missing, rows_from

SIZES = (256, 512, 512, 10)
N, BATCH = 20_000, 1024


def data() -> list:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], N)
    return mlp.batches(X, y, BATCH)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # VmHWM is this process image's own peak; ru_maxrss would include the parent's peak from before exec.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux (macOS: bytes)


def peak_memory(framework: str) -> dict:
    """Run the subprocess for ``framework``; {"peak_mb", "before_mb"} or {"error"}."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.mlp_wide", framework], capture_output=True,
                          text=True, env=env, timeout=300)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(repeats: int = 5) -> list[Row]:
    batches = data()
    cases = {fw: mlp.trainer(fw, SIZES, batches) for fw in mlp.FRAMEWORKS if mlp.usable(fw)}
    timings = interleave(cases, repeats, warmup=1)
    del cases
    rows = rows_from("mlp-wide", "batch 1024", "s/epoch", timings)
    check(rows[0], {"numpy": 1.1, "pytorch": 1.1}, "≤ 1.1× numpy and PyTorch")
    rows += [missing("mlp-wide", "batch 1024", fw, "s/epoch") for fw in mlp.FRAMEWORKS if fw not in timings]

    mem = {fw: peak_memory(fw) for fw in mlp.FRAMEWORKS if mlp.usable(fw)}
    mem_rows = []
    for fw in ["autodiff-dojo"] + [f for f in mem if f != "autodiff-dojo"]:
        m = mem[fw]
        if "error" in m:
            mem_rows.append(Row("mlp-wide", "peak RSS", fw, "MB", None, note=f"failed: {m['error']}"))
            continue
        mem_rows.append(Row("mlp-wide", "peak RSS", fw, "MB", m["peak_mb"],
                            note=f"{m['before_mb']:.0f} MB before training, +{m['peak_mb'] - m['before_mb']:.0f} MB "
                                 "while training"))
    mine = mem_rows[0]
    if mine.median is not None:
        for r in mem_rows[1:]:
            if r.median is not None:
                mine.ratios[r.framework] = mine.median / r.median
        check(mine, {"pytorch": 1.0}, "≤ PyTorch's")
    return rows + mem_rows


def _child(framework: str) -> None:
    """Subprocess entry: import one framework, build the data, train two epochs, print peak RSS as JSON."""
    batches = data()
    epoch = mlp.trainer(framework, SIZES, batches)  # imports the framework
    before = _rss_mb()
    epoch()
    epoch()
    print(json.dumps({"peak_mb": _peak_mb(), "before_mb": before}))


if __name__ == "__main__":
    _child(sys.argv[1])
