"""Datasets that need no network: two bundled real tables, synthetic generators, and a reader for the
UCI Musk (version 2) file.

Bundled (in ``nets/data/files``, CC BY 4.0, see the README and LICENSE there):
``load_digits`` — 1,797 8×8 handwritten digits, 10 classes (UCI Optical Recognition of Handwritten Digits,
test part); ``load_breast_cancer`` — 569 × 30 Breast Cancer Wisconsin (Diagnostic), 0 = malignant,
1 = benign.

Generators return float64 features and int64 labels (float64 targets for regression); ``seed`` (an int)
or ``generator`` (a ``nets.Generator``) makes them reproducible, and without either they draw from the
default generator that ``nets.manual_seed`` seeds.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import zlib
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..random import Generator, rng

__all__ = ["Bunch", "load_digits", "load_breast_cancer", "load_musk", "make_linear_regression", "make_moons",
           "make_spirals", "make_blobs", "MUSK_FIELDS"]

DIGITS_CITATION = ("Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits. "
                   "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49 (CC BY 4.0)")
BREAST_CANCER_CITATION = ("Wolberg, W., Mangasarian, O., Street, N. & Street, W. (1995). Breast Cancer Wisconsin "
                          "(Diagnostic). UCI Machine Learning Repository. https://doi.org/10.24432/C5DW2B "
                          "(CC BY 4.0)")
MUSK_CITATION = ("Chapman, D. & Jain, A. (1994). Musk (Version 2). UCI Machine Learning Repository. "
                 "https://doi.org/10.24432/C51608 (CC BY 4.0); Dietterich, T. G., Lathrop, R. H. & Lozano-Perez, "
                 "T. (1997). Solving the multiple-instance problem with axis-parallel rectangles.")

#: Number of comma-separated fields on a line of clean2.data: molecule, conformation, f1..f166, class.
MUSK_FIELDS = 169


@dataclass
class Bunch:
    """A loaded dataset: ``data`` (N, d) features, ``target`` (N,) labels, names, and where it came from.
    ``X, y = bunch`` unpacks the two arrays."""

    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    citation: str
    images: np.ndarray | None = None
    groups: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter((self.data, self.target))


def _open_bundled(name: str) -> dict[str, np.ndarray]:
    path = resources.files("nets.data").joinpath("files", name)
    with path.open("rb") as f, np.load(io.BytesIO(f.read()), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_digits(return_X_y: bool = False):
    """The 1,797 8×8 digit images: ``data`` (1797, 64) float64 pixel counts 0..16, ``images`` (1797, 8, 8),
    ``target`` (1797,) int64 digits 0..9 (about 180 of each)."""
    z = _open_bundled("digits.npz")
    X, y = z["data"].astype(np.float64), z["target"].astype(np.int64)
    if return_X_y:
        return X, y
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Bunch(X, y, names, [str(s) for s in z["target_names"]], DIGITS_CITATION, images=X.reshape(-1, 8, 8))


def load_breast_cancer(return_X_y: bool = False):
    """Breast Cancer Wisconsin (Diagnostic): ``data`` (569, 30) float64 (mean, standard error and worst value
    of ten cell-nucleus measurements), ``target`` (569,) int64, 0 = malignant (212), 1 = benign (357)."""
    z = _open_bundled("breast_cancer.npz")
    X, y = z["data"].astype(np.float64), z["target"].astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(X, y, [str(s) for s in z["feature_names"]], [str(s) for s in z["target_names"]],
                 BREAST_CANCER_CITATION)


def load_musk(path: str | os.PathLike, return_X_y: bool = False, allow_nonfinite: bool = False):
    """Read the UCI Musk (version 2) table ``clean2.data`` (or a gzip of it) that you downloaded.

    Each line: ``molecule_name, conformation_name, f1, …, f166, class`` with no header (169 fields);
    6,598 conformations of 102 molecules in the full file. Returns ``data`` (N, 166) float64, ``target``
    (N,) int64 (1 = musk), ``groups`` (N,) the molecule names (split by molecule, since conformations of one
    molecule are near-duplicates) and ``extra["conformation_names"]``. A NaN or infinite feature is an
    error unless ``allow_nonfinite``; every error names the line. A UTF-8 byte-order mark is skipped.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no Musk data file at {path!r}; download 'Musk (Version 2)' from the UCI "
                                "repository (dataset 75) and pass the path of clean2.data")
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x9d":
        raise ValueError(f"{path!r} is compressed with Unix 'compress' (.Z), which Python cannot read; "
                         "decompress it first (uncompress clean2.data.Z, or gzip -d) and pass clean2.data")
    opener = gzip.open if head == b"\x1f\x8b" else open
    molecules, conformations, rows, labels = [], [], [], []
    reader = None
    try:
        # utf-8-sig: a byte-order mark that an editor wrote is not part of the first molecule's name
        with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            for fields in reader:
                lineno = reader.line_num
                if not fields or all(not s.strip() for s in fields):
                    continue
                if len(fields) != MUSK_FIELDS:
                    raise ValueError(f"{path!r} line {lineno} has {len(fields)} fields; a Musk clean2.data line "
                                     f"has {MUSK_FIELDS} (molecule_name, conformation_name, f1..f166, class)")
                values = []
                for i, s in enumerate(fields[2:]):
                    column = f"f{i + 1}" if i < 166 else "class"
                    value = _number(s)
                    if value is None:
                        raise ValueError(f"{path!r} line {lineno}: column {column} is {_shown(s)}, not a number")
                    if not math.isfinite(value) and not allow_nonfinite:
                        raise ValueError(f"{path!r} line {lineno}: column {column} is {_shown(s)}, which is not "
                                         "finite (pass allow_nonfinite=True to keep NaN and infinite features)")
                    values.append(value)
                if values[-1] not in (0.0, 1.0):
                    raise ValueError(f"{path!r} line {lineno}: class is {_shown(fields[-1])}; expected 1 (musk) "
                                     "or 0 (non-musk)")
                molecules.append(fields[0].strip())
                conformations.append(fields[1].strip())
                rows.append(values[:-1])
                labels.append(int(values[-1]))
    except UnicodeDecodeError:
        raise ValueError(f"{path!r} is not a text file; expected the Musk clean2.data CSV") from None
    except csv.Error as e:  # e.g. a field over csv's size limit; the reader has counted the bad line
        raise ValueError(f"{path!r} line {reader.line_num if reader else 1} cannot be read as CSV: {e}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:  # the line being read is the one after those counted
        raise ValueError(f"{path!r} is a truncated or corrupt gzip file: it breaks off at line "
                         f"{reader.line_num + 1 if reader else 1} ({e})") from None
    if not rows:
        raise ValueError(f"{path!r} holds no data lines; expected the Musk clean2.data CSV")
    X, y = np.array(rows, dtype=np.float64), np.array(labels, dtype=np.int64)
    if return_X_y:
        return X, y
    return Bunch(X, y, [f"f{i}" for i in range(1, 167)], ["non-musk", "musk"], MUSK_CITATION,
                 groups=np.array(molecules), extra={"conformation_names": np.array(conformations)})


def _number(s: str) -> float | None:
    """The field as a float, or None: Python's float() also reads '1_000', which a CSV number never is."""
    if "_" in s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _shown(s: str) -> str:
    return repr(s) if len(s) <= 40 else repr(s[:37] + "...") + f" ({len(s):,} characters)"


def _stream(seed: int | None, generator: Generator | None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("pass either seed or generator, not both")
    return np.random.default_rng(seed) if seed is not None else rng(generator)


def _check_count(n_samples: int, minimum: int = 1) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}")


def make_linear_regression(n_samples: int = 100, n_features: int = 1, noise: float = 0.1, bias: float = 0.0,
                           weights=None, seed: int | None = None, generator: Generator | None = None):
    """y = Xw + b + ε with X ~ N(0, I), ε ~ N(0, noise²), w ~ U[0, 1)^d unless given.
    Returns ``(X (N, d), y (N,), w (d,))``."""
    _check_count(n_samples)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    r = _stream(seed, generator)
    w = r.random(n_features) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape != (n_features,):
        raise ValueError(f"weights must have shape ({n_features},), got {w.shape}")
    X = r.standard_normal((n_samples, n_features))
    y = X @ w + bias + noise * r.standard_normal(n_samples)
    return X, y, w


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: int | None = None,
               generator: Generator | None = None):
    """Two interleaved half circles: class 0 on (cos t, sin t), class 1 on (1 − cos t, ½ − sin t),
    t ∈ [0, π], plus N(0, noise²) jitter. Returns ``(X (N, 2), y (N,))``, shuffled."""
    _check_count(n_samples, 2)
    r = _stream(seed, generator)
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.vstack([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.r_[np.zeros(n0, np.int64), np.ones(n1, np.int64)]
    X = X + noise * r.standard_normal(X.shape)
    order = r.permutation(n_samples)
    return X[order], y[order]


def make_spirals(n_samples: int = 100, n_classes: int = 2, noise: float = 0.0, turns: float = 1.0,
                 seed: int | None = None, generator: Generator | None = None):
    """``n_classes`` interleaved spiral arms: arm k at radius r ∈ [0, 1] and angle 2π·turns·r + 2πk/K,
    plus N(0, noise²) jitter. Returns ``(X (N, 2), y (N,))``, shuffled."""
    _check_count(n_samples, n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    r = _stream(seed, generator)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    X, y = [], []
    for k, m in enumerate(counts):
        radius = np.linspace(0.0, 1.0, m)
        angle = 2 * np.pi * turns * radius + 2 * np.pi * k / n_classes
        X.append(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
        y.append(np.full(m, k, np.int64))
    X, y = np.vstack(X), np.concatenate(y)
    X = X + noise * r.standard_normal(X.shape)
    order = r.permutation(n_samples)
    return X[order], y[order]


def make_blobs(n_samples: int = 100, centers=3, n_features: int = 2, cluster_std: float = 1.0,
               center_box: tuple[float, float] = (-10.0, 10.0), seed: int | None = None,
               generator: Generator | None = None):
    """Isotropic Gaussian clusters N(c_k, cluster_std²·I) around ``centers`` (a count, drawn uniformly in
    ``center_box``, or a (K, d) array), as equal in size as possible. Returns ``(X (N, d), y (N,))``,
    shuffled."""
    _check_count(n_samples)
    r = _stream(seed, generator)
    if isinstance(centers, (int, np.integer)):
        if centers < 1:
            raise ValueError(f"centers must be >= 1, got {centers}")
        c = r.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError(f"centers must be a count or a (K, d) array, got shape {c.shape}")
    k = c.shape[0]
    counts = [n_samples // k + (i < n_samples % k) for i in range(k)]
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X = c[y] + cluster_std * r.standard_normal((n_samples, c.shape[1]))
    order = r.permutation(n_samples)
    return X[order], y[order]
