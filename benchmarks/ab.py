"""Two commits side by side: ``python -m benchmarks.ab OLD NEW [--only W ...] [--rounds 3]``.

Each commit is exported (``git archive``) into a temporary folder, and the rounds alternate between them
(old, new, new, old, …) so that a slow moment of the machine hits both alike. Every round runs
``python -m benchmarks --only …`` on that commit's code with the same interpreter and packages. The report
gives, for each of the project's rows, the median over the rounds for each commit and the ratio new / old
(above 1: the new commit is slower; peak memory is a row too). Where a workload times hand-written numpy
too, the row also appears as a ratio to that run's numpy time, which a loaded machine disturbs less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export(ref: str, into: Path) -> str:
    """``ref``'s tree in ``into``; returns the commit's short hash."""
    sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return sha


def run_once(tree: Path, only: list[str], out: Path) -> dict:
    """One ``python -m benchmarks`` run of the code in ``tree``: ``{(workload, variant, framework): median}``."""
    env = dict(os.environ, PYTHONPATH=str(tree), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "benchmarks", "--out", str(out)] + (["--only", *only] if only else [])
    subprocess.run(cmd, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)
    rows = json.loads((out / "results.json").read_text())["rows"]
    numpy = {(r["workload"], r["variant"]): r["median"] for r in rows if r["framework"] == "numpy" and r["median"]}
    found = {}
    for r in rows:
        if r["median"] is None or not r["framework"].startswith("autodiff-dojo"):
            continue
        found[(r["workload"], r["variant"], r["framework"], r["metric"])] = r["median"]
        reference = numpy.get((r["workload"], r["variant"]))
        if reference and r["metric"] == next(x["metric"] for x in rows if x["framework"] == "numpy"
                                             and (x["workload"], x["variant"]) == (r["workload"], r["variant"])):
            # the same run's hand-written numpy: a ratio that a busy moment of the machine moves less
            found[(r["workload"], r["variant"], r["framework"], "× numpy, same run")] = r["median"] / reference
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the commit to compare against (e.g. main, a hash)")
    parser.add_argument("new", help="the commit under test (e.g. HEAD)")
    parser.add_argument("--only", nargs="+", default=[], help="workloads to run (default: all)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each commit (default 3)")
    parser.add_argument("--out", default="out/ab", help="where the report goes (default out/ab)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ab-") as tmp:
        trees = {}
        for label, ref in (("old", args.old), ("new", args.new)):
            trees[label] = (Path(tmp) / label, export(ref, Path(tmp) / label))
        results: dict[str, list[dict]] = {"old": [], "new": []}
        for k in range(args.rounds):
            for label in (("old", "new") if k % 2 == 0 else ("new", "old")):
                print(f"round {k + 1}/{args.rounds}: {label} ({trees[label][1]})", file=sys.stderr, flush=True)
                results[label].append(run_once(trees[label][0], args.only, Path(tmp) / f"{label}-{k}"))
    keys = [key for key in results["old"][0] if all(key in r for r in results["old"] + results["new"])]
    lines = [f"# {args.old} ({trees['old'][1]}) → {args.new} ({trees['new'][1]}), {args.rounds} rounds each", "",
             "| workload | variant | row | metric | old | new | new / old |", "|---|---|---|---|---|---|---|"]
    report = []
    for key in keys:
        old = statistics.median(r[key] for r in results["old"])
        new = statistics.median(r[key] for r in results["new"])
        ratio = new / old if old else float("nan")
        report.append({"row": list(key), "old": old, "new": new, "ratio": ratio})
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {old:.4g} | {new:.4g} | {ratio:.3f} |")
    text = "\n".join(lines) + "\n"
    (out / "ab.md").write_text(text)
    (out / "ab.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
