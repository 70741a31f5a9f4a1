"""The Markdown table of results: one line per framework and workload, the project's line carrying its
ratios to each peer (project / peer: below 1 means the project is faster) and its target."""

from __future__ import annotations

from .harness import Row


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    if x >= 1e5:  # instruction counts
        return f"{x / 1e6:.3g} M"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if x >= 0.01 else f"{x:.2g}"


def _verdict(row: Row) -> str:
    if row.met is None:
        return ""
    return "met" if row.met else "**missed**"


def markdown(rows: list[Row], env: dict) -> str:
    counted = env.get("measure", "time") != "time"
    title = "Instruction counts (callgrind; not times: see benchmarks/instructions.py)" if counted else "Benchmarks"
    lines = [
        f"{title}, {env.get('date', '')}: Python {env['python']}, numpy {env['numpy']}, torch {env['torch']}, "
        f"autograd {env['autograd']}, micrograd {env['micrograd']}; {env['cpus']} CPUs, "
        f"OPENBLAS_NUM_THREADS={env['OPENBLAS_NUM_THREADS']}; whole run {env.get('total_seconds', '?')} s.",
        "",
        "| workload | variant | framework | median | spread (min–max) | unit | ratio project/peer | target | |",
        "|---|---|---|---:|---|---|---|---|---|",
    ]
    for r in rows:
        spread = "" if r.low is None or r.low == r.high else f"{_num(r.low)}–{_num(r.high)}"  # (a count: one)
        ratios = ", ".join(f"{_num(v)}× {k}" for k, v in r.ratios.items())
        median = _num(r.median) if r.median is not None else r.note
        note = f" ({r.note})" if r.note and r.median is not None else ""
        lines.append(f"| {r.workload} | {r.variant} | {r.framework}{note} | {median} | {spread} | {r.metric} | "
                     f"{ratios} | {r.target} | {_verdict(r)} |")
    return "\n".join(lines) + "\n"
