"""What each speed-only path of autodiff/fast.py pays: ``python -m benchmarks.fast_paths``.

For each kind of path, the workload rows it serves are timed with the path on and off in turn (interleaved,
in one process; "off" means the reference path in its place, as with AUTODIFF_REFERENCE=1 for that kind
alone). A path stays only if it pays at least 5 % on one of those rows (benchmarks/README.md).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from autodiff import allocator, fast, forward, reverse, staging


@contextmanager
def _off(kind: str):
    """The reference path in place of one kind of fast path."""
    saved = {}

    def patch(obj, name, value):
        saved[(obj, name)] = getattr(obj, name)
        setattr(obj, name, value)

    if kind == "scalar tapes":
        patch(fast, "ScalarRecorder", reverse.Recorder)
    elif kind == "array duals":
        patch(fast, "ArrayForward", forward.Forward)
    elif kind == "repeated operands":
        patch(fast, "repeated_vjp", lambda *args: None)

        base = fast.ArrayForward

        class Forward(base):  # the jvp of a·a as two products
            def process(self, prim, args, params):
                if len(args) == 2 and args[0] is args[1]:
                    return forward.Forward.process(self, prim, args, params)
                return base.process(self, prim, args, params)

        patch(fast, "ArrayForward", Forward)
    elif kind == "uniform adjoints":
        patch(fast, "uniform_vjp", lambda *args: None)
    elif kind == "adjoints added in place":
        patch(fast, "add_indexed", lambda *args: False)

        def add(adj, owned, p, old, c):
            adj[p] = old + c

        patch(fast, "add_into", add)
    elif kind == "staged results written in place":
        patch(fast, "in_place", lambda eqn, into: None)
    else:
        raise ValueError(kind)
    try:
        yield
    finally:
        for (obj, name), value in saved.items():
            setattr(obj, name, value)


def _workloads() -> dict[str, Callable[[], object]]:
    import autodiff as ad
    from benchmarks import mlp, mlp_small

    def chain(h):
        for _ in range(2000):
            h = h * 1.0001 + ad.relu(h) * 0.001
        return h

    def rosen(x):  # as benchmarks/cheap_gradient.py writes it: a = x[:-1] once, so a·a is one node squared
        a, b = x[:-1], x[1:]
        return ad.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)

    x5 = np.linspace(-1, 1, 100_000).astype(np.float32)
    x3 = np.linspace(-1, 1, 1_000).astype(np.float32)
    x1 = np.linspace(-1, 1, 10).astype(np.float32)
    X, y = mlp_small.digits()
    epochs = {b: mlp.trainer("autodiff-dojo", (64, 128, 64, 10), mlp.batches(X, y, b)) for b in (32, 256)}
    grad_chain = ad.grad(chain)
    grad_rosen = ad.grad(rosen)

    def staged(f, *args):  # the program run by a runner built with the paths as they are now
        program = ad.jit(f).program(*args)
        runners = {}

        def run():
            key = fast.in_place  # (_off patches it: another runner)
            if key not in runners:
                runners[key] = staging.Runner(program)
            return runners[key](list(args))

        return run

    return {
        "staged Rosenbrock gradient, n = 1,000": staged(grad_rosen, x3),
        "staged Rosenbrock gradient, n = 100,000": staged(grad_rosen, x5),
        "staged Rosenbrock jvp, n = 100,000": staged(lambda x, v: ad.jvp(rosen, (x,), (v,)), x5, x5),
        "scalar chain (2,000 reps)": lambda: grad_chain(0.5),
        "Rosenbrock gradient, n = 10": lambda: grad_rosen(x1),
        "Rosenbrock gradient, n = 1,000": lambda: grad_rosen(x3),
        "Rosenbrock gradient, n = 100,000": lambda: grad_rosen(x5),
        "Rosenbrock jvp, n = 10": lambda: ad.jvp(rosen, (x1,), (x1,)),
        "Rosenbrock jvp, n = 100,000": lambda: ad.jvp(rosen, (x5,), (x5,)),
        "mlp-small epoch, batch 32": epochs[32],
        "mlp-small epoch, batch 256": epochs[256],
    }


ROWS = {
    "scalar tapes": ["scalar chain (2,000 reps)"],
    "array duals": ["Rosenbrock jvp, n = 10", "Rosenbrock jvp, n = 100,000"],
    "repeated operands": ["Rosenbrock gradient, n = 1,000", "Rosenbrock gradient, n = 100,000",
                          "Rosenbrock jvp, n = 100,000"],
    "uniform adjoints": ["Rosenbrock gradient, n = 10", "Rosenbrock gradient, n = 1,000",
                         "Rosenbrock gradient, n = 100,000", "mlp-small epoch, batch 256"],
    "adjoints added in place": ["Rosenbrock gradient, n = 1,000", "Rosenbrock gradient, n = 100,000",
                                "mlp-small epoch, batch 32", "mlp-small epoch, batch 256"],
    "staged results written in place": ["staged Rosenbrock gradient, n = 1,000",
                                        "staged Rosenbrock gradient, n = 100,000",
                                        "staged Rosenbrock jvp, n = 100,000"],
}


def _time(fn: Callable[[], object], budget: float = 0.05) -> float:
    """Seconds per call: the best of a few batches of calls filling about ``budget`` seconds."""
    fn()
    t = time.perf_counter()
    fn()
    n = max(1, int(budget / max(time.perf_counter() - t, 1e-7)))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best


def main(rounds: int = 7, kinds: tuple[str, ...] = ()) -> int:
    """Every kind of path, or only ``kinds`` (``python -m benchmarks.fast_paths "scalar tapes"``)."""
    allocator.keep_freed_memory()
    if not fast.ENABLED:
        print("AUTODIFF_REFERENCE=1 is set: nothing to compare", file=sys.stderr)
        return 2
    work = _workloads()
    print("| path | row | on / off (median of rounds; below 1: the path pays) | spread |")
    print("|---|---|---|---|")
    for kind, rows in ROWS.items():
        if kinds and kind not in kinds:
            continue
        for row in rows:
            ratios = []
            for _ in range(rounds):
                on = _time(work[row])
                with _off(kind):
                    off = _time(work[row])
                ratios.append(on / off)
            print(f"| {kind} | {row} | {statistics.median(ratios):.3f} | {min(ratios):.3f}–{max(ratios):.3f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(kinds=tuple(sys.argv[1:])))
