"""Keeping freed array memory in the process, so that repeated sweeps over large arrays reuse their pages.

A gradient allocates every intermediate array of its trace, keeps them until the reverse sweep is done, and
frees them together; the next call does the same again. With glibc's default malloc, blocks of 128 kB and
more are fresh ``mmap``s, and once a freed block raises that threshold to its own size, the top of the heap is
handed back to the operating system whenever more than twice as much lies free there. Either way each call
touches new pages, and the page faults can cost more than the arithmetic: on a 2-core virtual machine the
gradient of a 100,000-element Rosenbrock function took 21× the time of evaluating it in numpy, and 3.3×
with the thresholds below (evaluating f itself is unaffected).

:func:`keep_freed_memory` sets the thresholds to the values glibc itself adopts after a program has freed
one 32 MB block (which is why the same code is fast in a process that has imported PyTorch): blocks below
32 MiB come from the heap, and its top is returned once 64 MiB lie free there. The cost is a process that
may hold up to 64 MiB of freed memory for reuse. It changes the whole process, so ``import autodiff``
never does it: a program that differentiates large arrays again and again calls it once, itself
(``autodiff.allocator.keep_freed_memory()``; the benchmarks do). On other C libraries it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1  # <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit systems
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # the ratio glibc's own adjustment keeps


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring); True if they were set."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or None).mallopt
    except (OSError, AttributeError, TypeError):  # no C library to load, or no mallopt in it: nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
