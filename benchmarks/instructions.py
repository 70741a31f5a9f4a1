"""Instruction counts instead of times: ``python -m benchmarks --instructions`` (``make bench-instructions``).

On a shared machine the same epoch takes 16 ms in one run and 42 ms in the next, a spread far wider than the
5-10 % margins of the targets. Callgrind (valgrind) counts the instructions the process executes, which the
machine's load does not change: a repeated run gives the same counts to within a fraction of a percent.

How one call is counted. The whole benchmark process runs under callgrind with collection off
(``--collect-atstart=no``), switched on only inside libffi's ``ffi_call`` (``--toggle-collect``), and a
profile dumped each time ``ffi_call`` returns (``--dump-after``). The harness calls each measured function
through a ctypes callback (Python → ctypes → ``ffi_call`` → the function), so each dump holds exactly that
call's instructions: imports, set-up, data and the harness's own bookkeeping are never counted, and one
process measures every framework (PyTorch's import alone is 5 billion instructions, two minutes under
callgrind).

What a count does not see: time in the kernel (page faults, which is what ``autodiff/allocator.py`` is
about) and how many instructions run per cycle. The interpreter runs fewer per cycle than numpy's loops, so a
Python-heavy framework's time ratio is larger than its instruction ratio (mlp-small batch 32: 1.24× numpy in
instructions, about 1.5× in time). The counts judge the work each framework does; the times stay the targets.
"""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ENV = "BENCH_CALLGRIND_OUT"  # set in the counted process: where callgrind writes its dumps
WORKLOADS = ("mlp-small", "scalar-chain", "cheap-gradient")  # the ones whose targets are ratios of work
_REGION = ctypes.CFUNCTYPE(None)


class Counter:
    """Counts the instructions of calls, in a process run by :func:`launch` (under callgrind)."""

    def __init__(self, out_file: str):
        self.out_file = out_file

    def _parts(self) -> list[int]:
        found = []
        for path in glob.glob(glob.escape(self.out_file) + ".*"):
            suffix = path.rsplit(".", 1)[1]
            if suffix.isdigit():
                found.append(int(suffix))
        return sorted(found)

    def per_call(self, fn: Callable[[], object], number: int = 1) -> float:
        """Instructions per call of ``fn``, over ``number`` calls counted as one region."""
        errors: list[BaseException] = []

        def region() -> None:
            try:
                for _ in range(number):
                    fn()
            except BaseException as e:  # a ctypes callback cannot raise: carry the error out
                errors.append(e)

        before = self._parts()
        _REGION(region)()
        if errors:
            raise errors[0]
        new = [n for n in self._parts() if n not in before]
        if len(new) != 1:
            raise RuntimeError(f"expected one callgrind dump for the counted call, found {len(new)}: is the process "
                               f"running under callgrind with ffi_call toggled (see {__name__}), and does the "
                               "measured code itself call through ctypes?")
        return summary(f"{self.out_file}.{new[0]}") / number


def summary(path: str) -> int:
    """The total instruction count (``summary:`` line) of one callgrind dump."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise ValueError(f"{path} is not a callgrind dump (no 'summary:' line)")


def active() -> Counter | None:
    """The counter of this process when it was started by :func:`launch`, else None (timing)."""
    out = os.environ.get(ENV)
    return Counter(out) if out else None


def launch(args: list[str]) -> int:
    """Run ``python -m benchmarks ARGS`` under callgrind, counting only the measured calls."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed: `make bench-instructions` installs it as root with apt-get, or run "
              "`sudo apt-get install valgrind` (Debian/Ubuntu), then try again", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        out_file = str(Path(tmp) / "callgrind.out")
        cmd = [valgrind, "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=ffi_call",
               "--dump-after=ffi_call", f"--callgrind-out-file={out_file}", f"--log-file={tmp}/valgrind.log",
               sys.executable, "-m", "benchmarks", *args]
        # A fixed hash seed: string hashing takes part in every dict lookup, and the counts should repeat.
        env = dict(os.environ, **{ENV: out_file, "PYTHONHASHSEED": "0"})
        code = subprocess.run(cmd, env=env).returncode
        if code != 0:
            log = Path(tmp) / "valgrind.log"
            if log.exists():
                print(log.read_text()[-2000:], file=sys.stderr)
        return code
