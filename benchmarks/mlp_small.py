"""mlp-small: the bundled digits (1,797 × 64, standardized), MLP 64-128-64-10 with ReLU, cross-entropy,
SGD lr 0.1 momentum 0.9, batch 32 and 256, float32: seconds per epoch after a warm-up epoch."""

from __future__ import annotations

import numpy as np

from . import mlp
from .harness import Row, check, interleave, missing, rows_from

SIZES = (64, 128, 64, 10)
TARGETS = {32: ({"pytorch": 0.5, "numpy": 2.0}, "≤ 0.5× PyTorch, ≤ 2× numpy"),
           256: ({"pytorch": 1.0, "numpy": 1.3}, "≤ 1.0× PyTorch, ≤ 1.3× numpy")}
STAGED_TARGETS = {32: 1.2, 256: 1.05}  # × numpy (issue 18)


def digits() -> tuple[np.ndarray, np.ndarray]:
    from nets.data.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)  # constant (all-zero) pixels stay 0
    return X.astype(np.float32), y


def run(repeats: int = 21) -> list[Row]:
    X, y = digits()
    rows: list[Row] = []
    for batch in (32, 256):
        data = mlp.batches(X, y, batch)
        cases = {fw: mlp.trainer(fw, SIZES, data) for fw in (*mlp.FRAMEWORKS, mlp.STAGED) if mlp.usable(fw)}
        timings = interleave(cases, repeats, warmup=1)
        variant = f"batch {batch}"
        new = rows_from("mlp-small", variant, "ms/epoch", timings, scale=1e3)
        check(new[0], *TARGETS[batch])
        new[0].ratios.pop(mlp.STAGED, None)  # (the staged step is the project's too, not a peer)
        staged = next(r for r in new if r.framework == mlp.STAGED)
        staged.ratios = {"numpy": timings[mlp.STAGED].median / timings["numpy"].median}
        check(staged, {"numpy": STAGED_TARGETS[batch]}, f"≤ {STAGED_TARGETS[batch]:g}× numpy")
        rows += new + [missing("mlp-small", variant, fw, "ms/epoch") for fw in mlp.FRAMEWORKS if fw not in cases]
    return rows
