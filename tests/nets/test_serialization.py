import json
import math
import os

import numpy as np
import pytest

import nets
from nets import serialization
from nets.models import MLP
from nets.serialization import CheckpointError


def test_round_trip_of_every_supported_value(tmp_path):
    obj = {
        "ints": {0: 1, 1: -2 ** 70}, "floats": [0.1, math.inf, -math.inf, 1e-310], "nan": math.nan,
        "flags": (True, False, None), "text": "µ-law ✓", "nested": [{"a": (1, [2, (3,)])}],
        "f32": np.arange(6, dtype=np.float32).reshape(2, 3), "i64": np.array([1, 2], np.int64),
        "bool": np.array([True, False]), "zero_d": np.array(3.5), "empty": np.zeros((0, 4)),
        "np_scalar": np.float64(2.5), "np_int": np.int32(7),
        "tensor": nets.tensor([1.0, 2.0], requires_grad=True), (1, 2): "tuple key",
    }
    path = tmp_path / "ck.npz"
    nets.save(obj, path)
    back = nets.load(path)
    assert back["ints"] == {0: 1, 1: -2 ** 70} and back["flags"] == (True, False, None)
    assert back["floats"] == [0.1, math.inf, -math.inf, 1e-310] and math.isnan(back["nan"])
    assert back["text"] == "µ-law ✓" and back["nested"] == [{"a": (1, [2, (3,)])}] and back[(1, 2)] == "tuple key"
    for key in ("f32", "i64", "bool", "zero_d", "empty"):
        assert back[key].dtype == obj[key].dtype and back[key].shape == obj[key].shape
        np.testing.assert_array_equal(back[key], obj[key])
    assert back["np_scalar"] == 2.5 and back["np_scalar"].dtype == np.float64 and back["np_int"].dtype == np.int32
    assert isinstance(back["tensor"], nets.Tensor) and back["tensor"].requires_grad
    assert back["tensor"].tolist() == [1.0, 2.0]


def test_readable_by_numpy_without_pickle(tmp_path):
    path = tmp_path / "ck.npz"
    nets.save({"w": np.ones(3)}, path)
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(z["__nets_checkpoint__"].tobytes())
        assert header["format"] == "nets-checkpoint" and header["version"] == 1
        np.testing.assert_array_equal(z[header["root"]["items"][0][1]["k"]], np.ones(3))


def test_model_state_dict_round_trip(tmp_path):
    nets.manual_seed(0)
    a, b = MLP([4, 8, 3], norm="batch"), MLP([4, 8, 3], norm="batch")
    a(nets.randn(16, 4))  # move BatchNorm's running statistics away from their initial values
    nets.save({"model": a.state_dict(), "epoch": 3}, tmp_path / "m.npz")
    ck = nets.load(tmp_path / "m.npz")
    b.load_state_dict(ck["model"])
    a.eval()
    b.eval()
    x = nets.randn(5, 4)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    assert ck["epoch"] == 3


def test_unsupported_objects_fail_before_touching_the_disk(tmp_path):
    path = tmp_path / "ck.npz"
    nets.save({"ok": 1}, path)
    before = path.read_bytes()
    for bad in ({"f": lambda: 0}, {"o": np.array([object()])}, {"s": {1, 2}}, {"c": 1j}):
        with pytest.raises(TypeError, match="cannot store"):
            nets.save(bad, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck.npz"]


def test_interrupted_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    nets.save({"version": "old"}, path)

    def torn_write(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt  # the process is interrupted in the middle of writing

    monkeypatch.setattr(serialization.np, "savez_compressed", torn_write)
    with pytest.raises(KeyboardInterrupt):
        nets.save({"version": "new"}, path)
    monkeypatch.undo()
    assert nets.load(path) == {"version": "old"}
    assert os.listdir(tmp_path) == ["ck.npz"]  # no temporary file left behind
    nets.save({"version": "new"}, path)
    assert nets.load(path) == {"version": "new"}


def test_corrupt_and_foreign_files(tmp_path):
    good = tmp_path / "good.npz"
    nets.save({"w": np.arange(1000.0)}, good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated|corrupt"):
        nets.load(truncated)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(os.urandom(200))
    with pytest.raises(CheckpointError, match="not an .npz"):
        nets.load(garbage)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(2))
    with pytest.raises(CheckpointError, match="not a nets checkpoint.*weights"):
        nets.load(foreign)
    wrong_format = tmp_path / "other.npz"
    np.savez(wrong_format, __nets_checkpoint__=np.frombuffer(b'{"format": "x", "version": 1}', np.uint8))
    with pytest.raises(CheckpointError, match="not a nets checkpoint"):
        nets.load(wrong_format)
    future = tmp_path / "future.npz"
    np.savez(future, __nets_checkpoint__=np.frombuffer(
        b'{"format": "nets-checkpoint", "version": 99, "root": {"t": "value", "v": 1}}', np.uint8))
    with pytest.raises(CheckpointError, match="version 99"):
        nets.load(future)
    bad_json = tmp_path / "badjson.npz"
    np.savez(bad_json, __nets_checkpoint__=np.frombuffer(b"{not json", np.uint8))
    with pytest.raises(CheckpointError, match="not valid JSON"):
        nets.load(bad_json)
    missing_array = tmp_path / "missing.npz"
    np.savez(missing_array, __nets_checkpoint__=np.frombuffer(
        b'{"format": "nets-checkpoint", "version": 1, "root": {"t": "array", "k": "a0"}}', np.uint8))
    with pytest.raises(CheckpointError, match="missing array 'a0'"):
        nets.load(missing_array)
    with pytest.raises(FileNotFoundError):
        nets.load(tmp_path / "absent.npz")
    assert isinstance(CheckpointError("x"), ValueError)


def test_load_arguments_like_pytorch(tmp_path):
    path = tmp_path / "ck.npz"
    nets.save({"a": 1}, path)
    assert nets.load(path, map_location="cpu", weights_only=True) == {"a": 1}
    with pytest.raises(TypeError, match="weights_only must be a bool"):
        nets.load(path, weights_only="True")  # the string the course's exercise passes
    with pytest.raises(FileNotFoundError, match="directory"):
        nets.save({"a": 1}, tmp_path / "no" / "such" / "dir.npz")
