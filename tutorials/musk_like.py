"""Synthetic data in the exact format of UCI "Musk (Version 2)" (``clean2.data``), for the Musk homework.

The real file cannot be bundled or downloaded here, so this module *generates* a stand-in with the same
structure: 102 molecules (39 musks, 63 non-musks), 6,598 conformations in all (1,017 of musks, 5,581 of
non-musks, about 15.4 % positive), 166 integer features per conformation, and one headerless CSV line per
conformation — ``molecule_name, conformation_name, f1, …, f166, class`` — which ``nets.data.load_musk``
reads exactly as it reads the real file.

The numbers are made up. What is imitated is what matters for the homework: the conformations of one
molecule are near-duplicates of each other (so a split by rows leaks), the class is a property of the
*molecule*, and a musk's label is explained by only *some* of its conformations — a molecule is a musk if
at least one of its shapes fits (the multiple-instance reading). f1–f162 play the distances along rays (in
hundredths of an ångström, around an arbitrary origin) and f163–f166 the oxygen features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

N_MUSK, N_NON_MUSK = 39, 63
CONFORMATIONS_MUSK, CONFORMATIONS_NON_MUSK = 1017, 5581
N_FEATURES = 166


def _split_counts(total: int, parts: int, rng) -> np.ndarray:
    """``parts`` positive counts summing to ``total``, unequal as in the real data (a few molecules have
    hundreds of conformations, many have a handful)."""
    weights = rng.lognormal(mean=0.0, sigma=1.0, size=parts)
    counts = np.maximum(1, np.floor(weights / weights.sum() * total).astype(int))
    while counts.sum() < total:
        counts[rng.integers(parts)] += 1
    while counts.sum() > total:
        k = rng.integers(parts)
        if counts[k] > 1:
            counts[k] -= 1
    return counts


def generate(seed: int = 0):
    """Rows of a Musk-like table: (molecule names, conformation names, features (N, 166) int, labels (N,))."""
    rng = np.random.default_rng(seed)
    pattern = rng.normal(0, 60, N_FEATURES)            # the shape a musk's fitting conformation comes close to
    key = rng.choice(N_FEATURES, 24, replace=False)    # the features that decide the fit
    names, conformations, rows, labels = [], [], [], []
    for is_musk, n_molecules, total in ((1, N_MUSK, CONFORMATIONS_MUSK), (0, N_NON_MUSK, CONFORMATIONS_NON_MUSK)):
        counts = _split_counts(total, n_molecules, rng)
        for m, count in enumerate(counts):
            name = f"MUSK-{200 + m}" if is_musk else f"NON-MUSK-{300 + m}"
            prototype = rng.normal(0, 80, N_FEATURES)               # this molecule's typical shape
            shapes = prototype + rng.normal(0, 12, (count, N_FEATURES))
            if is_musk:                                              # some of its shapes fit the pattern
                fits = rng.random(count) < rng.uniform(0.3, 0.7)
                fits[rng.integers(count)] = True
                shapes[np.ix_(fits, key)] = pattern[key] + rng.normal(0, 15, (fits.sum(), key.size))
            for c, shape in enumerate(shapes):
                names.append(name)
                conformations.append(f"{name.replace('-', '_')}_{c // 4 + 1}+{c % 4 + 1}")
                rows.append(np.rint(shape).astype(int))
                labels.append(is_musk)
    return names, conformations, np.array(rows), np.array(labels)


def write(path: str | Path, seed: int = 0) -> Path:
    """Write the generated table as ``clean2.data`` would be: 169 comma-separated fields per line, no header."""
    path = Path(path)
    names, conformations, rows, labels = generate(seed)
    with path.open("w", encoding="utf-8") as f:
        for name, conf, row, label in zip(names, conformations, rows, labels):
            f.write(f"{name},{conf}," + ",".join(map(str, row)) + f",{float(label)}\n")
    return path
