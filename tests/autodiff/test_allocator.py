"""The malloc policy applied at import (autodiff/allocator.py): set on glibc, and the opt-out is honoured."""

import os
import platform
import subprocess
import sys

import pytest

from autodiff import allocator

glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not glibc, reason="the thresholds exist only in glibc's malloc")
def test_thresholds_are_set_on_glibc():
    assert allocator.keep_freed_memory() is True
    assert allocator.TRIM_THRESHOLD == 2 * allocator.MMAP_THRESHOLD == 64 * 1024 * 1024


def test_opt_out_by_environment(monkeypatch):
    monkeypatch.setenv("AUTODIFF_KEEP_FREED_MEMORY", "0")
    assert allocator.apply_default() is False
    monkeypatch.setenv("AUTODIFF_KEEP_FREED_MEMORY", "1")
    assert allocator.apply_default() is glibc


@pytest.mark.skipif(not glibc, reason="page-fault counts are a glibc/Linux matter")
def test_repeated_gradients_reuse_their_pages():
    # A gradient of a 100,000-element function frees ~6 MB at the end of each call: with the policy the next
    # call reuses those pages, with glibc's defaults it faults them in again (about 1,500 faults per call).
    code = """
import resource, numpy as np, autodiff as ad
x = np.linspace(-1, 1, 100_000).astype(np.float32)
g = ad.grad(lambda x: ad.sum(100.0 * (x[1:] - x[:-1] * x[:-1]) ** 2 + (1.0 - x[:-1]) ** 2))
for _ in range(3): g(x)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20): g(x)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""
    def faults(env_value: str) -> float:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "AUTODIFF_KEEP_FREED_MEMORY": env_value})
        return float(out.stdout.strip())

    kept, default = faults("1"), faults("0")
    assert kept < 50, f"{kept} page faults per gradient with the policy ({default} with glibc's defaults)"
