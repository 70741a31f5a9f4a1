"""cheap-gradient: vectorized Rosenbrock f(x) = Σᵢ 100 (x_{i+1} − x_i²)² + (1 − x_i)², f: Rⁿ → R, float32,
for n = 10, 1,000 and 100,000.

Reported: the time of the reverse-mode gradient ∇f(x) and of the forward-mode directional derivative
∇f(x)·v (jvp), each divided by the time of evaluating f in plain numpy. Theory (the cheap-gradient
principle) says both are a small constant multiple of f's cost, whatever n.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from .harness import Row, available, calibrate, counting, interleave, judge, missing, unit

SIZES = (10, 1_000, 100_000)
TARGETS = {"gradient": 4.0, "jvp": 3.0}  # at n = 100,000
STAGED_TARGETS = {(100_000, "gradient"): 2.5, (100_000, "jvp"): 2.5, (10, "gradient"): 5.0}  # issue 18


def rosen(x, np=np):
    a, b = x[:-1], x[1:]
    return np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


def _project(x, v):
    import autodiff as ad

    f = lambda x: rosen(x, ad)  # noqa: E731 - the same expression, with autodiff's functions
    g = ad.grad(f)
    staged_g = ad.jit(g)
    staged_jvp = ad.jit(lambda x, v: ad.jvp(f, (x,), (v,)))
    return {"gradient": lambda: g(x), "jvp": lambda: ad.jvp(f, (x,), (v,)),
            "staged gradient": lambda: staged_g(x), "staged jvp": lambda: staged_jvp(x, v)}


def _torch(x, v):
    import torch
    from torch.func import jvp

    torch.set_num_threads(1)
    xt, vt = torch.from_numpy(x), torch.from_numpy(v)

    def gradient():
        xg = xt.detach().requires_grad_(True)
        rosen(xg, torch).backward()
        return xg.grad

    return {"gradient": gradient, "jvp": lambda: jvp(lambda x: rosen(x, torch), (xt,), (vt,))}


def _autograd(x, v):
    import autograd.numpy as anp
    from autograd import grad, make_jvp

    f = lambda x: rosen(x, anp)  # noqa: E731
    g = grad(f)
    return {"gradient": lambda: g(x), "jvp": lambda: make_jvp(f)(x)(v)}


PEERS = {"pytorch": ("torch", _torch), "autograd": ("autograd", _autograd)}


def measure(n: int, repeats: int, variant: str, target: bool, peers: bool = True) -> list[Row]:
    """Rows for one size: numpy f in µs, then each framework's gradient and jvp as multiples of it."""
    rng = np.random.default_rng(n)
    x = rng.uniform(-1.5, 1.5, n).astype(np.float32)
    v = rng.standard_normal(n).astype(np.float32)
    makers = {"autodiff-dojo": _project}
    if peers:
        makers.update({name: make for name, (mod, make) in PEERS.items() if available(mod)})
    cases = {"numpy f": lambda: rosen(x)}
    for name, make in makers.items():
        for what, fn in make(x, v).items():
            cases[f"{name} {what}"] = fn
    number = {name: calibrate(fn) for name, fn in cases.items()}
    t = interleave(cases, repeats, number, warmup=1)
    base = t["numpy f"].median
    f = t["numpy f"]
    metric, scale = unit("µs", 1e6)
    rows = [Row("cheap-gradient", variant, "numpy f", metric, base * scale, f.low * scale, f.high * scale)]
    for what in ("gradient", "jvp"):
        mine = None
        for name in makers:
            tm = t[f"{name} {what}"]
            row = Row("cheap-gradient", variant, f"{name} {what}", "× numpy f", tm.median / base,
                      tm.low / base, tm.high / base, note=f"{tm.median * scale:,.{0 if counting() else 1}f} {metric}")
            if mine is None:
                mine = row
            else:
                mine.ratios[name] = mine.median / row.median
            rows.append(row)
        if target:
            judge(mine, f"≤ {TARGETS[what]:g}× numpy f", mine.median <= TARGETS[what])
        if peers:
            rows += [missing("cheap-gradient", variant, f"{p} {what}", "× numpy f") for p in PEERS if p not in makers]
    for what in ("gradient", "jvp"):  # autodiff.jit: staged once (in the warm-up), then the program runs
        tm = t[f"autodiff-dojo staged {what}"]
        row = Row("cheap-gradient", variant, f"autodiff-dojo staged {what}", "× numpy f", tm.median / base,
                  tm.low / base, tm.high / base, note=f"{tm.median * scale:,.{0 if counting() else 1}f} {metric}")
        limit = STAGED_TARGETS.get((n, what))
        if limit is not None:
            judge(row, f"≤ {limit:g}× numpy f", row.median <= limit)
        rows.append(row)
    return rows


# A user's fresh process, which imports no peer: PyTorch's import would raise glibc's malloc thresholds
# itself and hide the difference. The first row calls autodiff.allocator.keep_freed_memory() as the
# benchmarks do, the second keeps glibc's defaults (each call faults fresh pages in again, benchmarks/README.md).
GLIBC_DEFAULTS = {"BENCH_GLIBC_MALLOC_DEFAULTS": "1"}


def _fresh_process(n: int, repeats: int, variant: str, env_extra: dict) -> list[Row]:
    env = dict(os.environ, **env_extra)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.cheap_gradient", str(n), str(repeats), variant],
                          capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        err = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        return [Row("cheap-gradient", variant, "all", "× numpy f", None, note=f"failed: {err}")]
    return [Row(**r) for r in json.loads(proc.stdout.strip().splitlines()[-1])]


def run(repeats: int = 15) -> list[Row]:
    rows: list[Row] = []
    for n in SIZES:
        rows += measure(n, repeats, f"n = {n:,}", target=n == SIZES[-1])
    if counting():  # the fresh-process rows are about page faults, which instruction counts do not see
        return rows
    n = SIZES[-1]
    rows += _fresh_process(n, repeats, f"n = {n:,}, fresh process, no peer imported", {})
    rows += _fresh_process(n, repeats, f"n = {n:,}, fresh process, no peer imported, glibc's malloc defaults",
                           GLIBC_DEFAULTS)
    return rows


if __name__ == "__main__":
    if os.environ.get("BENCH_GLIBC_MALLOC_DEFAULTS") != "1":
        from autodiff import allocator

        allocator.keep_freed_memory()
    print(json.dumps([r.as_dict() for r in measure(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], False,
                                                   peers=False)]))
