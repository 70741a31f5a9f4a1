"""trace-tools: the teaching tools on the course's example f(x₁, x₂) = x₁x₂ + exp(x₁x₂) − sin(x₂) at
(1.5, 0.5): time to build the trace, render its graph to ``.dot`` text, print the primal/tangent/adjoint
tables and compare every differentiation method (``compare`` times each method itself, repeats=1 here).
The first call of each is reported too (the target applies to both).

There is no peer: the point is that each answers "instantly", taken here as within 100 ms (the delay a
person notices) — ``compare`` includes SymPy's exact answer and so gets 1 s.
"""

from __future__ import annotations

import time

from .harness import Row, interleave

TEXT = "x1*x2 + exp(x1*x2) - sin(x2)"
POINT = (1.5, 0.5)


def run(repeats: int = 5) -> list[Row]:
    import autodiff as ad

    def f(x1, x2):
        return x1 * x2 + ad.exp(x1 * x2) - ad.sin(x2)

    t = ad.trace(f, *POINT)
    cases = {
        "build (trace)": lambda: ad.trace(f, *POINT),
        "render to .dot (adjoint view)": lambda: ad.render(t, show="adjoint").source,
        "tables (primal, tangent, adjoint)": lambda: [str(tab) for tab in ad.trace_tables(t)],
        "compare (6 methods, with SymPy)": lambda: ad.compare(f, *POINT, repeats=1),
        "parse text + trace": lambda: ad.trace(ad.parse(TEXT), *POINT),
    }
    first = {}
    for name, fn in cases.items():  # the first call is what a person waits for (SymPy's answer is then cached)
        t0 = time.perf_counter()
        fn()
        first[name] = time.perf_counter() - t0
    timings = interleave(cases, repeats, warmup=0)
    rows = []
    for name, tm in timings.items():
        limit = 1000.0 if name.startswith("compare") else 100.0
        worst = max(first[name], tm.median) * 1e3
        rows.append(Row("trace-tools", name, "autodiff-dojo", "ms", tm.median * 1e3, tm.low * 1e3, tm.high * 1e3,
                        target=f"≤ {limit:g} ms", met=worst <= limit, note=f"first call {first[name] * 1e3:.1f} ms"))
    return rows
