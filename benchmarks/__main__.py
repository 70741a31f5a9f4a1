"""``python -m benchmarks --out out/bench``: run every workload, print the table, write results.json/.md.

``--instructions`` counts instructions under callgrind instead of timing (benchmarks/instructions.py).
Run it with one BLAS thread (``make bench`` sets OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
MKL_NUM_THREADS=1) so that every framework computes on the same single core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from . import cheap_gradient, instructions, mlp_small, mlp_wide, scalar_chain, trace_tools
from .harness import Row, counting
from .report import markdown

WORKLOADS = {"mlp-small": mlp_small.run, "mlp-wide": mlp_wide.run, "scalar-chain": scalar_chain.run,
             "cheap-gradient": cheap_gradient.run, "trace-tools": trace_tools.run}


def _versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
           "cpus": os.cpu_count()}
    for name in ("torch", "autograd", "micrograd"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "installed")
        except ImportError:
            out[name] = "missing"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        out[var] = os.environ.get(var, "unset")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="directory for results.json and results.md (default out/bench, or "
                        "out/bench-instructions with --instructions)")
    parser.add_argument("--only", nargs="+", choices=list(WORKLOADS), help="run only these workloads")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of timing "
                             f"({', '.join(instructions.WORKLOADS)})")
    args = parser.parse_args(argv)
    if args.instructions and not counting():  # start the counted run: this same command under callgrind
        only = args.only or list(instructions.WORKLOADS)
        unsupported = [w for w in only if w not in instructions.WORKLOADS]
        if unsupported:
            parser.error(f"--instructions counts {', '.join(instructions.WORKLOADS)}; not {', '.join(unsupported)}")
        return instructions.launch(["--instructions", "--out", args.out or "out/bench-instructions", "--only", *only])
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        print("note: OPENBLAS_NUM_THREADS is not 1; small matrices are slower with threaded BLAS on a busy "
              "machine (make bench sets it)", file=sys.stderr)
    from autodiff import allocator

    allocator.keep_freed_memory()  # large arrays: freed pages kept for the next call (autodiff/allocator.py)
    out = Path(args.out or "out/bench")
    out.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    started = time.perf_counter()
    for name in args.only or WORKLOADS:
        t = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += WORKLOADS[name]()
        print(f"  {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    env = _versions()
    env["measure"] = "instructions (callgrind)" if counting() else "time"
    env["total_seconds"] = round(time.perf_counter() - started, 1)
    env["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (out / "results.json").write_text(json.dumps({"environment": env, "rows": [r.as_dict() for r in rows]},
                                                 indent=1, ensure_ascii=False) + "\n")
    table = markdown(rows, env)
    (out / "results.md").write_text(table)
    print(table)
    print(f"wrote {out / 'results.json'} and {out / 'results.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
