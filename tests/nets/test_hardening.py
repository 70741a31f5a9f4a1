"""Issue 17, items 1-4 and 6-8: hostile checkpoints, the configuration that `nets evaluate` trusts,
atomic and permission-keeping saves, `load_musk` on bad files, non-finite weights, honest labels and help.
The command-line side (items 5, exit status and one line) is in test_cli_errors.py."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nets
from nets import serialization
from nets.serialization import CheckpointError

# -- building hostile files ------------------------------------------------------------------------------


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def npy_declaring(shape, descr: str = "<f8", data: bytes = b"") -> bytes:
    """A .npy entry whose header declares ``shape`` whatever ``data`` holds."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue() + data


def header(root, **fields) -> bytes:
    doc = {"format": serialization.FORMAT, "version": serialization.VERSION, "root": root, **fields}
    return npy(np.frombuffer(json.dumps(doc).encode(), np.uint8))


def write_npz(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name + ".npy", data)


def load_peak(path, **kw):
    """(result or exception, peak bytes traced while loading)."""
    tracemalloc.start()
    try:
        try:
            result = nets.load(path, **kw)
        except Exception as e:  # noqa: BLE001 - the caller asserts which
            result = e
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- item 1: checkpoints that used to escape CheckpointError ------------------------------------------------

@pytest.mark.parametrize("root, message", [
    (5, "not an object"),
    ([{"t": "value", "v": 1}], "not an object"),
    ({"t": "dict", "items": 5}, "items of a int, not a list"),
    ({"t": "list", "items": {"a": 1}}, "items of a dict"),
    ({"t": "dict", "items": [[{"t": "value", "v": 1}]]}, "not a \\[key, value\\] pair"),
    ({"t": "dict", "items": [[{"t": "dict", "items": []}, {"t": "value", "v": 1}]]}, "cannot be a key"),
    ({"t": "value", "v": [1, 2]}, "'value' entry"),
    ({"t": "float", "v": 1.5}, "'float' entry"),
    ({"t": "float", "v": "one"}, "'float' entry"),
    ({"t": "array", "k": 7}, "not by a string"),
    ({"t": "tensor", "k": "a0", "requires_grad": "yes"}, "requires_grad"),
    ({"t": "exe", "v": "rm -rf"}, "unknown entry type"),
])
def test_malformed_header_schema_is_a_checkpoint_error(tmp_path, root, message):
    path = tmp_path / "bad.npz"
    write_npz(path, {"__nets_checkpoint__": header(root), "a0": npy(np.zeros(2))})
    with pytest.raises(CheckpointError, match=message):
        nets.load(path)


@pytest.mark.parametrize("doc", [[1, 2], "nets-checkpoint", None, {"format": "nets-checkpoint", "version": 1}])
def test_header_that_is_not_an_object_or_has_no_root(tmp_path, doc):
    path = tmp_path / "bad.npz"
    write_npz(path, {"__nets_checkpoint__": npy(np.frombuffer(json.dumps(doc).encode(), np.uint8))})
    with pytest.raises(CheckpointError, match="malformed header|no 'root'"):
        nets.load(path)


@pytest.mark.parametrize("depth, message", [(150, "nests deeper than 100 levels"),
                                             (900, "not valid JSON \\(RecursionError")])
def test_deep_nesting_is_refused_on_load_and_on_save(tmp_path, depth, message):
    text = '{"t": "list", "items": [' * depth + '{"t": "value", "v": 1}' + "]}" * depth
    doc = f'{{"format": "nets-checkpoint", "version": 1, "root": {text}}}'
    path = tmp_path / "deep.npz"
    write_npz(path, {"__nets_checkpoint__": npy(np.frombuffer(doc.encode(), np.uint8))})
    with pytest.raises(CheckpointError, match=message):
        nets.load(path)
    deep: list = [1]
    for _ in range(150):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper than 100 levels"):
        nets.save(deep, tmp_path / "never.npz")
    assert not (tmp_path / "never.npz").exists()


@pytest.mark.parametrize("shape, descr", [((10**12,), "<f8"), ((10**6, 10**6), "<f4"), ((-1,), "<f8"),
                                          ((3,), "|O"), ((2,), "|V8")])
def test_array_declaring_a_shape_its_entry_does_not_hold(tmp_path, shape, descr):
    path = tmp_path / "liar.npz"
    write_npz(path, {"__nets_checkpoint__": header({"t": "array", "k": "a0"}),
                     "a0": npy_declaring(shape, descr, b"\0" * 24)})
    result, peak = load_peak(path)
    assert isinstance(result, CheckpointError), result
    assert peak < 2 << 20


def test_an_array_referenced_twice_is_read_once_at_most(tmp_path):
    path = tmp_path / "twice.npz"
    ref = {"t": "array", "k": "a0"}
    write_npz(path, {"__nets_checkpoint__": header({"t": "list", "items": [ref] * 1000}), "a0": npy(np.zeros(10**5))})
    with pytest.raises(CheckpointError, match="refers to the array 'a0' twice"):
        nets.load(path)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """288 MiB of zeros (over the default limit) in a 0.3 MB file, as a valid-looking checkpoint entry."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    n = 18 << 24
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__nets_checkpoint__.npy", header({"t": "array", "k": "a0"}))
        with zf.open("a0.npy", "w", force_zip64=True) as f:
            f.write(npy_declaring((n,), "|u1"))
            zeros = bytes(1 << 24)
            for _ in range(n >> 24):
                f.write(zeros)
    return path


def test_an_entry_that_inflates_past_the_limit_is_refused_before_reading(zip_bomb):
    assert zip_bomb.stat().st_size < 1 << 20
    result, peak = load_peak(zip_bomb)
    assert isinstance(result, CheckpointError) and "over the limit" in str(result) and "max_bytes" in str(result)
    assert peak < 2 << 20  # it used to inflate the whole entry (and copy it): 3 GB for a 1.5 GB bomb


def test_the_limit_is_configurable(tmp_path):
    path = tmp_path / "ck.npz"
    nets.save({"w": np.ones(1000), "b": np.ones(10)}, path)
    with pytest.raises(CheckpointError, match="over the limit"):
        nets.load(path, max_bytes=4000)
    assert nets.load(path, max_bytes=10_000)["w"].shape == (1000,)
    for bad in (-1, 1.5, True, "big"):
        with pytest.raises(ValueError, match="max_bytes"):
            nets.load(path, max_bytes=bad)


def test_entries_lying_about_their_size_or_compression(tmp_path):
    path = tmp_path / "ck.npz"
    nets.save({"w": np.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a0.npy")
    # The central directory's record of a0.npy: its uncompressed size is at byte 24, its name at byte 46.
    at = data.index(b"a0.npy", data.index(b"PK\x01\x02")) - 46 + 24
    assert int.from_bytes(data[at:at + 4], "little") == info.file_size
    data[at:at + 4] = (50 << 20).to_bytes(4, "little")  # claims 50 MB; the data inflates to 8 kB
    liar = tmp_path / "liar.npz"
    liar.write_bytes(bytes(data))
    result, peak = load_peak(liar)
    assert isinstance(result, CheckpointError), result
    assert peak < 2 << 20


def test_loading_stays_correct_for_real_checkpoints(tmp_path):
    model = nets.models.MLP([4, 8, 3])
    opt = nets.optim.Adam(model.parameters())
    path = tmp_path / "ck.npz"
    nets.train.save_checkpoint(path, model, opt, epoch=3, extra={"config": {"hidden": [8], "lr": 1e-3},
                                                                 ("a", 1): (np.float32(2.5), float("nan"))})
    ckpt = nets.load(path)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(ckpt["model"][k], v)
    assert ckpt["epoch"] == 3 and ckpt["extra"]["config"] == {"hidden": [8], "lr": 1e-3}
    value = ckpt["extra"][("a", 1)]
    assert value[0] == np.float32(2.5) and value[0].dtype == np.float32 and np.isnan(value[1])
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    nets.save({"f": fortran, "s": np.array(["ab", "c"]), "e": np.zeros((0, 3))}, path)
    back = nets.load(path)
    np.testing.assert_array_equal(back["f"], fortran)
    assert back["s"].tolist() == ["ab", "c"] and back["e"].shape == (0, 3)


# -- the fuzz test: random corrupt and hostile checkpoints --------------------------------------------------

FUZZ_LIMIT = 1 << 20  # max_bytes for the fuzzed loads: a hostile file may make nets.load use about this much


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["value", "float", "array", "scalar", "tensor", "dict", "list", "tuple", "t", "k", "v",
                       "items", "a0", "a1", "a2", "nan", "1e999"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["t", "k", "v", "items", "requires_grad", "format", "version", "root"]), inner, max_size=4),
    max_leaves=25)
hostile_shapes = st.lists(st.sampled_from([0, 1, 3, 10**6, 2**31, 2**62, -1, 10**12]), max_size=3)
hostile_descr = st.sampled_from(["<f8", "<f4", "|u1", "<i8", "|b1", "|O", "<U10", "|S3", "|V4", ">f8", "<c16"])


@st.composite
def hostile_files(draw, valid: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "header", "entry", "bomb"]))
    if kind == "truncate":
        return valid[:draw(st.integers(0, len(valid) - 1))]
    if kind == "flip":
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if kind == "header":
            doc = draw(json_values | st.fixed_dictionaries({"format": st.just("nets-checkpoint"),
                                                            "version": st.just(1), "root": json_values}))
            zf.writestr("__nets_checkpoint__.npy", npy(np.frombuffer(json.dumps(doc).encode(), np.uint8)))
            zf.writestr("a0.npy", npy(np.arange(3.0)))
            zf.writestr("a1.npy", npy(np.float64(2.0)))
        else:
            zf.writestr("__nets_checkpoint__.npy", header({"t": "list", "items": [{"t": "array", "k": "a0"},
                                                                                  {"t": "scalar", "k": "a1"}]}))
            if kind == "entry":
                data = draw(st.binary(max_size=64))
                zf.writestr("a0.npy", npy_declaring(draw(hostile_shapes), draw(hostile_descr), data))
            else:  # a real entry over the fuzz limit, small once compressed
                with zf.open("a0.npy", "w", force_zip64=True) as f:
                    size = draw(st.sampled_from([FUZZ_LIMIT + 1, 2 * FUZZ_LIMIT, 8 * FUZZ_LIMIT]))
                    f.write(npy_declaring((size,), "|u1"))
                    f.write(bytes(size))
            zf.writestr("a1.npy", npy(np.float64(2.0)))
    return buf.getvalue()


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


PEAKS: list[int] = []


def test_fuzz_hostile_checkpoints_raise_only_checkpoint_error_within_a_memory_bound(fuzz_dir):
    model = nets.models.MLP([5, 6, 2], generator=nets.Generator().manual_seed(0))
    nets.save({"model": model.state_dict(), "epoch": 2, "lr": 0.1, "names": ("a", None, True),
               "extra": {"scalar": np.int64(3), "t": nets.tensor([1.0, 2.0], requires_grad=True)}},
              fuzz_dir / "valid.npz")
    assert nets.load(fuzz_dir / "valid.npz")["epoch"] == 2
    valid = (fuzz_dir / "valid.npz").read_bytes()

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
              database=None)
    @given(hostile_files(valid))
    def check(data: bytes):
        path = fuzz_dir / "fuzzed.npz"
        path.write_bytes(data)
        result, peak = load_peak(path, max_bytes=FUZZ_LIMIT)
        PEAKS.append(peak)
        # A flip in a field that nothing checks (a timestamp) still loads: that is fine, crashing is not.
        assert not isinstance(result, Exception) or type(result) is CheckpointError, repr(result)
        assert peak < 3 * FUZZ_LIMIT, f"loading took {peak:,} bytes"

    check()
    assert len(PEAKS) >= 100


# -- item 3: load_state_dict checks everything first; saves clean up after killed saves ------------------------

def test_load_state_dict_changes_nothing_when_a_later_value_fails_to_convert():
    model = nets.models.MLP([3, 4, 2])
    before = {k: v.copy() for k, v in model.state_dict().items()}
    state = {k: np.full_like(v, 7.0) for k, v in before.items()}
    last = list(state)[-1]
    state[last] = np.array(["x"] * state[last].size).reshape(state[last].shape)  # cannot become float
    with pytest.raises(RuntimeError, match=f"{last!r}.*cannot be converted"):
        model.load_state_dict(state)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_a_killed_save_leaves_a_temporary_file_that_the_next_save_removes(tmp_path):
    path = tmp_path / "ck.npz"
    code = ("import os, signal, numpy as np, nets\n"
            "from nets import serialization\n"
            "def killed(f, **arrays):\n"
            "    f.write(b'PK half a zip'); f.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
            "serialization.np.savez_compressed = killed\n"
            f"nets.save({{'w': np.ones(3)}}, {str(path)!r})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9
    stale = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(stale) == 1 and stale[0].startswith(".nets-save-ck.npz.")
    other = tmp_path / ".nets-save-other.npz.1.x.tmp"  # another target's file is not touched
    other.write_bytes(b"")
    nets.save({"w": np.ones(3)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted([".nets-save-other.npz.1.x.tmp", "ck.npz"])


def test_checkpoints_get_the_permissions_of_other_files(tmp_path):
    old = os.umask(0o022)
    try:
        nets.save({"a": 1}, tmp_path / "ck.npz")
        (tmp_path / "other.json").write_text("{}")
    finally:
        os.umask(old)
    assert (tmp_path / "ck.npz").stat().st_mode & 0o777 == (tmp_path / "other.json").stat().st_mode & 0o777 == 0o644


# -- item 4: load_musk on bad files --------------------------------------------------------------------------

def musk_line(name="MUSK-1", conf="1_1", value="1", label="1") -> str:
    return ",".join([name, conf, *[value] * 166, label])


def test_musk_rejects_over_long_fields_naming_the_line(tmp_path):
    path = tmp_path / "clean2.data"
    path.write_text(musk_line() + "\n" + musk_line(value="1" * 200_000) + "\n")
    with pytest.raises(ValueError, match="line 2 cannot be read as CSV: field larger than field limit"):
        nets.data.load_musk(path)


def test_musk_truncated_gzip_names_the_line(tmp_path):
    path = tmp_path / "clean2.data.gz"
    full = gzip.compress(("\n".join(musk_line(conf=f"1_{i}") for i in range(300)) + "\n").encode())
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(ValueError, match=r"truncated or corrupt gzip file: it breaks off at line (\d+)") as e:
        nets.data.load_musk(path)
    assert 1 < int(e.value.args[0].split("line ")[1].split()[0]) < 300


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "1e999"])
def test_musk_refuses_non_finite_features_unless_asked(tmp_path, value):
    path = tmp_path / "clean2.data"
    lines = [musk_line(conf="a"), musk_line(conf="b")]
    lines[1] = lines[1].replace(",1,", f",{value},", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="line 2.*f1.*not finite"):
        nets.data.load_musk(path)
    X, _ = nets.data.load_musk(path, return_X_y=True, allow_nonfinite=True)
    assert not np.isfinite(X[1, 0]) and np.isfinite(X[0]).all()


def test_musk_non_numeric_value_names_the_line_and_column(tmp_path):
    path = tmp_path / "clean2.data"
    path.write_text(musk_line() + "\n" + musk_line().replace(",1,", ",1_0,", 1) + "\n")
    with pytest.raises(ValueError, match="line 2: column f1 is '1_0', not a number"):
        nets.data.load_musk(path)


def test_musk_utf8_bom_is_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "clean2.data"
    path.write_bytes(b"\xef\xbb\xbf" + (musk_line(name="MUSK-211") + "\n").encode())
    bunch = nets.data.load_musk(path)
    assert bunch.groups.tolist() == ["MUSK-211"]
