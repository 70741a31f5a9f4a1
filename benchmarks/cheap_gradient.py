"""cheap-gradient: vectorized Rosenbrock f(x) = Σᵢ 100 (x_{i+1} − x_i²)² + (1 − x_i)², f: Rⁿ → R, float32,
for n = 10, 1,000 and 100,000.

Reported: the time of the reverse-mode gradient ∇f(x) and of the forward-mode directional derivative
∇f(x)·v (jvp), each divided by the time of evaluating f in plain numpy. Theory (the cheap-gradient
principle) says both are a small constant multiple of f's cost, whatever n.
"""

from __future__ import annotations

import numpy as np

from .harness import Row, available, calibrate, interleave, missing

SIZES = (10, 1_000, 100_000)
TARGETS = {"gradient": 4.0, "jvp": 3.0}  # at n = 100,000


def rosen(x, np=np):
    a, b = x[:-1], x[1:]
    return np.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


def _project(x, v):
    import autodiff as ad

    f = lambda x: rosen(x, ad)  # noqa: E731 - the same expression, with autodiff's functions
    g = ad.grad(f)
    return {"gradient": lambda: g(x), "jvp": lambda: ad.jvp(f, (x,), (v,))}


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


def run(repeats: int = 7) -> list[Row]:
    rows: list[Row] = []
    for n in SIZES:
        rng = np.random.default_rng(n)
        x = rng.uniform(-1.5, 1.5, n).astype(np.float32)
        v = rng.standard_normal(n).astype(np.float32)
        makers = {"autodiff-dojo": _project}
        makers.update({name: make for name, (mod, make) in PEERS.items() if available(mod)})
        cases = {"numpy f": lambda x=x: rosen(x)}
        for name, make in makers.items():
            for what, fn in make(x, v).items():
                cases[f"{name} {what}"] = fn
        number = {name: calibrate(fn) for name, fn in cases.items()}
        t = interleave(cases, repeats, number, warmup=1)
        base = t["numpy f"].median
        variant = f"n = {n:,}"
        rows.append(Row("cheap-gradient", variant, "numpy f", "µs", base * 1e6, t["numpy f"].low * 1e6,
                        t["numpy f"].high * 1e6))
        for what in ("gradient", "jvp"):
            mine = None
            for name in makers:
                tm = t[f"{name} {what}"]
                row = Row("cheap-gradient", variant, f"{name} {what}", "× numpy f", tm.median / base,
                          tm.low / base, tm.high / base, note=f"{tm.median * 1e6:.1f} µs")
                if mine is None:
                    mine = row
                else:
                    mine.ratios[name] = mine.median / row.median
                rows.append(row)
            if n == SIZES[-1]:
                mine.target = f"≤ {TARGETS[what]:g}× numpy f"
                mine.met = mine.median <= TARGETS[what]
            rows += [missing("cheap-gradient", variant, f"{p} {what}", "× numpy f") for p in PEERS if p not in makers]
    return rows
