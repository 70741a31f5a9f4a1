"""The malloc policy of autodiff/allocator.py: an explicit call, never a side effect of the import."""

import os
import platform
import subprocess
import sys

import pytest

glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

# A gradient of a 100,000-element function frees ~6 MB at the end of each call: with the policy the next call
# reuses those pages, with glibc's defaults it faults them in again (about 1,500 faults per call).
FAULTS = """
import resource, sys, numpy as np, autodiff as ad
if sys.argv[1] == "keep":
    assert ad.allocator.keep_freed_memory()
x = np.linspace(-1, 1, 100_000).astype(np.float32)
g = ad.grad(lambda x: ad.sum(100.0 * (x[1:] - x[:-1] * x[:-1]) ** 2 + (1.0 - x[:-1]) ** 2))
for _ in range(3): g(x)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20): g(x)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def _faults(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True,
                         env=os.environ.copy())
    return float(out.stdout.strip())


@pytest.mark.skipif(not glibc, reason="page-fault counts are a glibc/Linux matter")
def test_the_policy_is_an_explicit_call_and_reuses_pages():
    """With the call, repeated gradients reuse their pages; a bare import changes nothing in the process."""
    kept, untouched = _faults("keep"), _faults("import only")
    assert kept < 50, f"{kept} page faults per gradient with the policy"
    # importing autodiff alone leaves glibc's defaults: the pages are faulted in again on every call
    assert untouched > 10 * max(kept, 1.0), f"{untouched} faults per gradient after a bare import, {kept} with it"
