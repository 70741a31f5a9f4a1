"""Timing helpers shared by every workload: interleaved repeats, medians and spreads, result rows.

Every workload hands :func:`interleave` a dict ``{framework: callable}``; one repeat calls each framework
once in turn (so a slow moment of the machine hits all of them alike) and the summary keeps the median
and the spread (min..max) of the repeats. A callable may run an inner loop of ``number`` calls; times are
always reported per call.

Under ``python -m benchmarks --instructions`` the same workloads are counted instead of timed
(:mod:`benchmarks.instructions`): each case is called once more after its warm-up and its instructions per
call take the place of the seconds; :func:`unit` renames the metric accordingly.
"""

from __future__ import annotations

import gc
import importlib
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from . import instructions

COUNTER = instructions.active()  # None: times (the usual run); else instruction counts under callgrind
PEERS = ("torch", "autograd", "micrograd")


def available(module: str) -> bool:
    """Whether a peer library can be imported (a missing peer is reported, never an error)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


@dataclass
class Timing:
    """Seconds per call over the repeats: the median and the spread."""

    median: float
    low: float
    high: float
    samples: list[float] = field(default_factory=list)


def calibrate(fn: Callable[[], object], budget: float = 0.02) -> int:
    """How many calls of ``fn`` fill about ``budget`` seconds (at least 1)."""
    t = time.perf_counter()
    fn()
    once = time.perf_counter() - t
    return max(1, int(budget / max(once, 1e-7)))


def interleave(cases: dict[str, Callable[[], object]], repeats: int, number: dict[str, int] | None = None,
               warmup: int = 1) -> dict[str, Timing]:
    """Time each case ``repeats`` times, interleaved; ``number[name]`` calls per sample (default 1).

    The garbage collector runs between samples, so one framework's garbage is not collected on another's
    clock, and stays enabled inside them: a user's program pays for its cyclic garbage too (``timeit``
    switches it off, which flatters libraries whose nodes form reference cycles). What exists before the
    first sample (every peer's imported modules, the data, the models) is frozen out of the collector's
    reach (``gc.freeze``): otherwise each full collection would walk PyTorch's and SymPy's objects too and
    charge every framework for the others' imports (it made the scalar chain ~30 % slower for all).
    """
    number = number or {}
    for fn in cases.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeats if COUNTER is None else 1):  # a count repeats exactly: one sample
            for name, fn in cases.items():
                k = number.get(name, 1)
                gc.collect()
                if COUNTER is not None:
                    samples[name].append(COUNTER.per_call(fn, k))
                    continue
                t = time.perf_counter()
                for _ in range(k):
                    fn()
                samples[name].append((time.perf_counter() - t) / k)
    finally:
        gc.unfreeze()
    return {name: Timing(statistics.median(s), min(s), max(s), s) for name, s in samples.items()}


@dataclass
class Row:
    """One line of the results table: a measured quantity for one framework, with its ratios to the peers."""

    workload: str
    variant: str
    framework: str
    metric: str  # e.g. "s/epoch", "µs/op", "× numpy f"
    median: float | None
    low: float | None = None
    high: float | None = None
    ratios: dict[str, float] = field(default_factory=dict)  # project / peer
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def missing(workload: str, variant: str, framework: str, metric: str) -> Row:
    return Row(workload, variant, framework, unit(metric, 1.0)[0], None, note="missing (not installed)")


_TIME_UNITS = {"s": 1.0, "ms": 1e3, "µs": 1e6}


def counting() -> bool:
    """Whether this run counts instructions (``--instructions``) rather than timing."""
    return COUNTER is not None


def unit(metric: str, scale: float) -> tuple[str, float]:
    """The metric and scale to report a measurement in: a time such as ``("ms/epoch", 1e3)`` unchanged when
    timing; when counting, instructions per the same thing (``("instructions/epoch", 1.0)``)."""
    prefix, slash, per = metric.partition("/")
    if COUNTER is None or prefix not in _TIME_UNITS:
        return metric, scale
    return "instructions" + slash + per, scale / _TIME_UNITS[prefix]


def rows_from(workload: str, variant: str, metric: str, timings: dict[str, Timing], project: str = "autodiff-dojo",
              scale: float = 1.0) -> list[Row]:
    """Rows for every framework timed, the project's first, with the project's ratio to each peer."""
    metric, scale = unit(metric, scale)
    mine = timings[project].median
    rows = []
    for name in [project] + [n for n in timings if n != project]:
        t = timings[name]
        rows.append(Row(workload, variant, name, metric, t.median * scale, t.low * scale, t.high * scale))
        if name != project:
            rows[0].ratios[name] = mine / t.median
    return rows


def judge(row: Row, text: str, met: bool | None) -> None:
    """Give ``row`` its target and verdict. Instruction counts get the target's text and no verdict: the
    targets are times, and a count informs without judging (instructions.py)."""
    if COUNTER is not None:
        row.target, row.met = text + " (in time)", None
    else:
        row.target, row.met = text, met


def check(row: Row, limits: dict[str, float], text: str) -> None:
    """Mark ``row`` met when its ratio to every named peer is within the limit (peers missing are skipped)."""
    absent = [p for p in limits if p not in row.ratios]
    verdicts = [row.ratios[p] <= lim for p, lim in limits.items() if p in row.ratios]
    judge(row, text + (f" ({', '.join(absent)} missing: not checked)" if absent else ""),
          all(verdicts) if verdicts else None)
