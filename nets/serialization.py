"""``nets.save(obj, path)`` / ``nets.load(path)``: checkpoints as NumPy ``.npz`` archives, without pickle.

A checkpoint holds nested dicts, lists and tuples of numbers, strings, None, booleans, numpy arrays and
tensors (state dicts of models, optimizers and schedulers, an epoch counter, a configuration). The
structure is stored as a JSON header (``__nets_checkpoint__``) that refers to the arrays by name, so
loading never executes code. The file is written to a temporary file in the same directory and renamed
over the target, so an interrupted save leaves either the old checkpoint or the new one, never a torn file;
the next save of the same target removes temporary files that a killed save left behind.

Loading treats the file as hostile: the header's schema, its size and depth, and every array's declared
and uncompressed size are checked against limits before anything is allocated, and anything wrong raises
:class:`CheckpointError`.
"""

from __future__ import annotations

import glob
import json
import math
import os
import struct
import tempfile
import zipfile
import zlib
from typing import Any

import numpy as np

from .tensor import Tensor, from_numpy

__all__ = ["save", "load", "CheckpointError", "FORMAT", "VERSION", "MAX_BYTES", "MAX_HEADER_BYTES", "MAX_DEPTH"]

FORMAT = "nets-checkpoint"
VERSION = 1
_HEADER = "__nets_checkpoint__"
#: Default of ``load(..., max_bytes=)``: the arrays and the header together, uncompressed (256 MiB holds
#: about 20 million float32 parameters with Adam's two moments, far beyond what nets trains in a course).
MAX_BYTES = 1 << 28
#: The JSON header (a state dict spends about 60 bytes per entry).
MAX_HEADER_BYTES = 1 << 24
#: Levels of nested dicts, lists and tuples (a training checkpoint has about five).
MAX_DEPTH = 100
_CHUNK = 1 << 22


class CheckpointError(ValueError):
    """The file is not a readable nets checkpoint (foreign, corrupt, truncated or from a newer version)."""


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str, depth: int = 0) -> dict:
    if depth > MAX_DEPTH:  # load refuses deeper files, so save never writes one
        raise ValueError(f"nets.save cannot store {where}: it is nested deeper than {MAX_DEPTH} levels")
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
        return {"t": "dict", "items": [[_encode(k, arrays, f"{where} key", depth + 1),
                                        _encode(v, arrays, f"{where}[{k!r}]", depth + 1)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"t": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                "items": [_encode(v, arrays, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)]}
    raise TypeError(f"nets.save cannot store {type(obj).__name__} at {where}: a checkpoint holds dicts, lists, "
                    "tuples, numbers, strings, None, numpy arrays and tensors (no pickle is used)")


class _Arrays:
    """The archive's arrays, read on demand within a byte budget: each entry's declared sizes are checked
    before anything is allocated, and each array may be referenced once (so a small header cannot make
    a large array be read many times)."""

    def __init__(self, zf: zipfile.ZipFile, path: str, max_bytes: int):
        self.zf, self.path, self.max_bytes, self.left = zf, path, max_bytes, max_bytes
        self.entries = {info.filename: info for info in zf.infolist()}
        self.used: set[str] = set()

    def corrupt(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.path!r} is corrupt: {what}")

    def get(self, key: Any) -> np.ndarray:
        if not isinstance(key, str):
            raise self.corrupt(f"its header names an array by {_kind(key)}, not by a string")
        if key in self.used:
            raise self.corrupt(f"its header refers to the array {key!r} twice")
        info = self.entries.get(key + ".npy")
        if info is None:
            raise self.corrupt(f"its header refers to a missing array {key!r}")
        self.used.add(key)
        return self.read(info, key)

    def read(self, info: zipfile.ZipInfo, key: str, limit: int | None = None) -> np.ndarray:
        """The array stored in ``info``, after checking its declared sizes against the budget."""
        if info.flag_bits & 0x1:
            raise self.corrupt(f"the entry {key!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.corrupt(f"the entry {key!r} uses zip compression method {info.compress_type}; "
                               "checkpoints use deflate")
        limit = self.left if limit is None else min(limit, self.left)
        if info.file_size > limit:
            raise CheckpointError(
                f"{self.path!r}: the entry {key!r} declares {info.file_size:,} bytes uncompressed, over the "
                f"{'header limit' if key == _HEADER else 'limit'} of {limit:,} bytes left of max_bytes="
                f"{self.max_bytes:,} (pass a larger max_bytes to nets.load if you trust the file)")
        with self.zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise self.corrupt(f"the array {key!r} is in .npy format version {version}; expected 1.0 or 2.0")
            if dtype.hasobject or dtype.kind == "V":
                raise self.corrupt(f"the array {key!r} has dtype {dtype}, which a checkpoint never holds")
            if any(n < 0 for n in shape):
                raise self.corrupt(f"the array {key!r} declares the negative shape {shape}")
            nbytes = math.prod(shape) * dtype.itemsize
            stored = info.file_size - f.tell()
            if nbytes != stored:
                raise self.corrupt(f"the array {key!r} declares shape {shape} of {dtype} ({nbytes:,} bytes) but "
                                   f"its entry holds {stored:,} bytes")
            buf = np.empty(nbytes, dtype=np.uint8)
            view, pos = memoryview(buf), 0
            while pos < nbytes:  # in chunks: the peak stays one array plus one chunk
                chunk = f.read(min(_CHUNK, nbytes - pos))
                if not chunk:
                    raise self.corrupt(f"the array {key!r} ends early")
                view[pos:pos + len(chunk)] = chunk
                pos += len(chunk)
            if f.read(1):
                raise self.corrupt(f"the array {key!r} has data after its end")
        self.left -= info.file_size
        arr = buf.view(dtype) if dtype.itemsize else np.empty(0, dtype)
        return arr.reshape(shape, order="F" if fortran else "C")


def _short(x: Any) -> str:
    text = repr(x)  # a hostile header's values can be long: a message stays one readable line
    return text if len(text) <= 80 else text[:77] + "..."


def _kind(x: Any) -> str:
    return "null" if x is None else f"a {type(x).__name__}"


def _decode(node: Any, arrays: _Arrays, depth: int = 0) -> Any:
    """The value that the header node describes; every node's schema is checked on the way."""
    if depth > MAX_DEPTH:
        raise arrays.corrupt(f"its header nests deeper than {MAX_DEPTH} levels")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise arrays.corrupt(f"an entry of its header is {_kind(node)}, not an object with a type 't'")
    t = node["t"]
    if t == "value":
        v = node.get("v")
        if v is not None and not isinstance(v, (bool, int, str)):
            raise arrays.corrupt(f"a 'value' entry of its header holds {_kind(v)}")
        return v
    if t == "float":
        v = node.get("v")
        try:
            return float(v) if isinstance(v, str) else float("invalid")
        except ValueError:
            raise arrays.corrupt(f"a 'float' entry of its header holds {v!r}, not a number's text") from None
    if t in ("array", "scalar", "tensor"):
        arr = arrays.get(node.get("k"))
        if t == "scalar":
            if arr.ndim != 0:
                raise arrays.corrupt(f"the scalar {node['k']!r} has shape {arr.shape}")
            return arr[()]
        if t == "tensor":
            requires_grad = node.get("requires_grad", False)
            if not isinstance(requires_grad, bool):
                raise arrays.corrupt(f"the tensor {node['k']!r} has requires_grad {requires_grad!r}")
            return from_numpy(arr).requires_grad_(requires_grad)
        return arr
    if t in ("dict", "list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise arrays.corrupt(f"a {t!r} entry of its header has items of {_kind(items)}, not a list")
        if t != "dict":
            values = [_decode(v, arrays, depth + 1) for v in items]
            return tuple(values) if t == "tuple" else values
        out = {}
        for pair in items:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise arrays.corrupt("a 'dict' entry of its header has an item that is not a [key, value] pair")
            key = _decode(pair[0], arrays, depth + 1)
            key = tuple(key) if isinstance(key, list) else key
            try:
                hash(key)
            except TypeError:
                raise arrays.corrupt(f"a dict key in its header is {_kind(key)}, which cannot be a key") from None
            out[key] = _decode(pair[1], arrays, depth + 1)
        return out
    raise arrays.corrupt(f"unknown entry type {t!r} in its header")

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
    prefix = f".nets-save-{os.path.basename(path)}."
    _remove_stale_temporaries(directory, prefix)
    # The writer's process id is in the name, so that a later save can tell a killed save's file.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f"{prefix}{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
            f.flush()
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a checkpoint gets what open() would give
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    try:  # Linux tells it without changing it (which another thread could notice)
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def _remove_stale_temporaries(directory: str, prefix: str) -> None:
    """Remove temporary files of the same target whose writing process no longer exists."""
    for tmp in glob.glob(os.path.join(glob.escape(directory), glob.escape(prefix) + "*.tmp")):
        pid = os.path.basename(tmp)[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue  # a save in progress here or elsewhere keeps its file
        try:
            os.unlink(tmp)
        except OSError:
            pass  # removed by another save meanwhile, or not ours to remove: harmless either way


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists but belongs to someone else, or cannot be asked: keep its file
    return True


def load(path: str | os.PathLike, map_location: Any = None, weights_only: bool = True, *,
         max_bytes: int | None = None) -> Any:
    """Read a checkpoint written by :func:`save`. ``map_location`` is accepted for PyTorch compatibility
    (everything lives on the CPU); ``weights_only`` must be a bool and loading is always weights-only, since
    no code is ever unpickled.

    Every size is checked before it is allocated: the arrays and the header together may hold at most
    ``max_bytes`` uncompressed (default :data:`MAX_BYTES`, 256 MiB), the header at most
    :data:`MAX_HEADER_BYTES` and :data:`MAX_DEPTH` levels of nesting. Raises :class:`CheckpointError` for a
    foreign, corrupt, truncated or oversized file, and OSError if the file cannot be read.
    """
    if not isinstance(weights_only, bool):
        raise TypeError(f"weights_only must be a bool, got {weights_only!r} ({type(weights_only).__name__})")
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"max_bytes must be a non-negative integer, got {max_bytes!r}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    with open(path, "rb") as file:  # an unreadable file is an OSError, not a corrupt checkpoint
        if not zipfile.is_zipfile(file):
            raise CheckpointError(f"{path!r} is not a nets checkpoint: it is not an .npz (zip) archive "
                                  "(truncated, or a different file format)")
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as zf:
                return _load(zf, path, max_bytes)
        except CheckpointError:
            raise
        # What a corrupt archive, a corrupt .npy entry or an unreadable value raises (RecursionError and
        # MemoryError only from parsing a hostile .npy header: every allocation of data is checked first).
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, TypeError, RuntimeError,
                NotImplementedError, OverflowError, RecursionError, MemoryError, struct.error) as e:
            raise CheckpointError(f"{path!r} is corrupt or truncated: {type(e).__name__}: {e}") from None


def _load(zf: zipfile.ZipFile, path: str, max_bytes: int) -> Any:
    arrays = _Arrays(zf, path, max_bytes)
    info = arrays.entries.get(_HEADER + ".npy")
    if info is None:
        names = ", ".join(sorted(name.removesuffix(".npy") for name in arrays.entries)[:5])
        raise CheckpointError(f"{path!r} is an .npz archive but not a nets checkpoint (it has no "
                              f"{_HEADER!r} header; arrays: {names})")
    raw = arrays.read(info, _HEADER, limit=MAX_HEADER_BYTES)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise arrays.corrupt(f"its header is a {raw.dtype} array of shape {raw.shape}, not bytes")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:  # ValueError: also ints of > 4300 digits
        raise CheckpointError(f"{path!r} is corrupt: its header is not valid JSON ({type(e).__name__}: "
                              f"{str(e)[:200]})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path!r} has a malformed header: {_kind(header)}, not a JSON object")
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path!r} is not a nets checkpoint (header format {_short(header.get('format'))})")
    if type(header.get("version")) is not int or header["version"] != VERSION:  # not True or 1.0
        raise CheckpointError(f"{path!r} is a nets checkpoint of version {_short(header.get('version'))}; "
                              f"this nets reads version {VERSION}")
    if "root" not in header:
        raise arrays.corrupt("its header has no 'root'")
    return _decode(header["root"], arrays)
