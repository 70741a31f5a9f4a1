"""``nets.save(obj, path)`` / ``nets.load(path)``: checkpoints as NumPy ``.npz`` archives, without pickle.

A checkpoint holds nested dicts, lists and tuples of numbers, strings, None, booleans, numpy arrays and
tensors (state dicts of models, optimizers and schedulers, an epoch counter, a configuration). The
structure is stored as a JSON header (``__nets_checkpoint__``) that refers to the arrays by name, so
loading never executes code. The file is written to a temporary file in the same directory and renamed
over the target, so an interrupted save leaves either the old checkpoint or the new one, never a torn file.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from typing import Any

import numpy as np

from .tensor import Tensor, from_numpy

__all__ = ["save", "load", "CheckpointError", "FORMAT", "VERSION"]

FORMAT = "nets-checkpoint"
VERSION = 1
_HEADER = "__nets_checkpoint__"


class CheckpointError(ValueError):
    """The file is not a readable nets checkpoint (foreign, corrupt, truncated or from a newer version)."""


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> dict:
    if isinstance(obj, np.generic):  # before the Python types: np.float64 is a float subclass
        if obj.dtype.kind in "OV":
            raise TypeError(f"nets.save cannot store the {obj.dtype} value at {where}: it needs pickle")
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(obj)
        return {"t": "scalar", "k": key}
    if obj is None or isinstance(obj, (bool, str)):
        return {"t": "value", "v": obj}
    if isinstance(obj, int):
        return {"t": "value", "v": int(obj)}
    if isinstance(obj, float):
        return {"t": "float", "v": float.__repr__(obj)}  # keeps inf, nan and every bit of the value
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = obj.value
        return {"t": "tensor", "k": key, "requires_grad": bool(obj.requires_grad)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "OV":
            raise TypeError(f"nets.save cannot store the {obj.dtype} array at {where}: object arrays need pickle")
        key = f"a{len(arrays)}"
        arrays[key] = obj  # (np.ascontiguousarray would turn a 0-d array into 1-d)
        return {"t": "array", "k": key}
    if isinstance(obj, dict):
        return {"t": "dict", "items": [[_encode(k, arrays, f"{where} key"), _encode(v, arrays, f"{where}[{k!r}]")]
                                       for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"t": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                "items": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(f"nets.save cannot store {type(obj).__name__} at {where}: a checkpoint holds dicts, lists, "
                    "tuples, numbers, strings, None, numpy arrays and tensors (no pickle is used)")


def _decode(node: dict, z, path: str):
    t = node["t"]
    if t == "value":
        return node["v"]
    if t == "float":
        return float(node["v"])
    if t in ("array", "scalar", "tensor"):
        key = node["k"]
        if key not in z.files:
            raise CheckpointError(f"{path!r} is corrupt: its header refers to a missing array {key!r}")
        arr = z[key]
        if t == "scalar":
            return arr[()]
        if t == "tensor":
            return from_numpy(arr).requires_grad_(node.get("requires_grad", False))
        return arr
    if t == "dict":
        out = {}
        for k, v in node["items"]:
            key = _decode(k, z, path)
            out[tuple(key) if isinstance(key, list) else key] = _decode(v, z, path)
        return out
    if t in ("list", "tuple"):
        items = [_decode(v, z, path) for v in node["items"]]
        return tuple(items) if t == "tuple" else items
    raise CheckpointError(f"{path!r} is corrupt: unknown entry type {t!r} in its header")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of arrays, tensors, numbers, strings, None) to ``path``
    atomically as a compressed ``.npz`` archive readable by :func:`load` (and by ``numpy.load``)."""
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, arrays, "the root")  # everything is checked before the disk is touched
    header = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    arrays[_HEADER] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path!r}: the directory {directory!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".nets-save-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read a checkpoint written by :func:`save`. ``map_location`` is accepted for PyTorch compatibility
    (everything lives on the CPU); ``weights_only`` must be a bool and loading is always weights-only, since
    no code is ever unpickled. Raises :class:`CheckpointError` for a foreign, corrupt or truncated file."""
    if not isinstance(weights_only, bool):
        raise TypeError(f"weights_only must be a bool, got {weights_only!r} ({type(weights_only).__name__})")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path!r} is not a nets checkpoint: it is not an .npz (zip) archive "
                              "(truncated, or a different file format)")
    try:
        with np.load(path, allow_pickle=False) as z:
            if _HEADER not in z.files:
                names = ", ".join(sorted(z.files)[:5])
                raise CheckpointError(f"{path!r} is an .npz archive but not a nets checkpoint (it has no "
                                      f"{_HEADER!r} header; arrays: {names})")
            try:
                header = json.loads(z[_HEADER].tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise CheckpointError(f"{path!r} is corrupt: its header is not valid JSON ({e})") from None
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise CheckpointError(f"{path!r} is not a nets checkpoint (header format {header.get('format')!r})"
                                      if isinstance(header, dict) else f"{path!r} has a malformed header")
            if header.get("version") != VERSION:
                raise CheckpointError(f"{path!r} is a nets checkpoint of version {header.get('version')!r}; this "
                                      f"nets reads version {VERSION}")
            return _decode(header["root"], z, path)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as e:
        raise CheckpointError(f"{path!r} is corrupt or truncated: {type(e).__name__}: {e}") from None
