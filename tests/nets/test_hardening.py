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
    print(f"fuzz: {len(PEAKS)} hostile files, peak traced memory {max(PEAKS):,} bytes (bound {3 * FUZZ_LIMIT:,})")


# -- item 3: load_state_dict checks everything first; saves clean up after killed saves ------------------------

def test_load_state_dict_changes_nothing_when_a_later_value_fails_to_convert():
    model = nets.models.MLP([3, 4, 2])
    before = {k: v.clone() for k, v in model.state_dict().items()}  # (state_dict() shares memory, as PyTorch's)
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


# -- item 2: `nets evaluate` checks the checkpoint's configuration ------------------------------------------------

@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    from nets.__main__ import main

    out = tmp_path_factory.mktemp("small")
    assert main(["train", "--dataset", "moons", "--hidden", "4", "--epochs", "1", "--out", str(out),
                 "--no-progress", "--no-plot"]) == 0
    return out / "checkpoint.npz"


def _with_config(src, dst, change) -> str:
    ckpt = nets.load(src)
    cfg = ckpt["extra"]["config"]
    changed = change(cfg)  # edits cfg in place, or returns what replaces it
    ckpt["extra"]["config"] = changed if isinstance(changed, list) else cfg
    nets.save(ckpt, dst)
    return str(dst)


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and captured.out == "", captured
    return lines[0]


@pytest.mark.parametrize("change, message", [
    (lambda c: c.pop("dtype"), "missing dtype"),
    (lambda c: c.update(evil="rm -rf /"), "unexpected evil"),
    (lambda c: c.update(dtype="float16"), "--dtype is 'float16'; expected one of float32, float64"),
    (lambda c: c.update(activation="__import__('os')"), "--activation is"),
    (lambda c: c.update(model="transformer"), "--model is 'transformer'"),
    (lambda c: c.update(val_fraction=5), "--val-fraction: expected a number in [0, 1), got 5.0"),
    (lambda c: c.update(hidden=128), "--hidden is 128, not a non-empty list"),
    (lambda c: c.update(hidden=[4, -2]), "--hidden: expected a positive integer, got -2"),
    (lambda c: c.update(seed="0"), "--seed is '0', not a number"),
    (lambda c: c.update(epochs=True), "--epochs is True, not a number"),
    (lambda c: c.update(lr=float("nan")), "--lr: expected a positive number, got nan"),
    (lambda c: c.update(weight_decay=-1.0), "--weight-decay must be >= 0"),
    (lambda c: c.update(early_stopping=3, val_fraction=0.0), "--early-stopping needs a validation split"),
    (lambda c: [1, 2], "it is a list, not a dict"),
])
def test_evaluate_checks_the_configuration_like_train_checks_arguments(small_run, tmp_path, capsys, change, message):
    from nets.__main__ import main

    path = _with_config(small_run, tmp_path / "bad.npz", change)
    assert main(["evaluate", path]) == 2
    line = _one_error_line(capsys)
    assert line.startswith("nets evaluate: error:") and "bad training configuration" in line and message in line


def test_evaluate_refuses_a_huge_hidden_layer_before_allocating(small_run, tmp_path, capsys):
    from nets.__main__ import main

    path = _with_config(small_run, tmp_path / "huge.npz", lambda c: c.update(hidden=[100000, 100000]))
    tracemalloc.start()
    try:
        status = main(["evaluate", path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 2 and peak < 50 << 20  # it used to allocate 37 GB
    assert "describes a model of at least 10,000,600,002 parameters, but it holds 22 weights" in _one_error_line(capsys)


def test_evaluate_never_reads_a_file_the_checkpoint_names(small_run, tmp_path, capsys, monkeypatch):
    from nets.__main__ import main

    secret = tmp_path / "secret.csv"
    secret.write_text("not for you\n")
    opened = []
    monkeypatch.setattr(nets.data, "load_musk", lambda path, **kw: opened.append(path))
    path = _with_config(small_run, tmp_path / "musk.npz", lambda c: c.update(dataset="musk", data_path=str(secret)))
    assert main(["evaluate", path]) == 2
    assert "was trained on --dataset musk; pass the Musk clean2.data file with --data-path" in _one_error_line(capsys)
    path = _with_config(small_run, tmp_path / "moons.npz", lambda c: c.update(data_path=str(secret)))
    assert main(["evaluate", path, "--json"]) == 0  # a moons run: the path in its configuration is not used
    assert json.loads(capsys.readouterr().out)["split"] == "val" and opened == []
    assert main(["evaluate", path, "--data-path", str(secret)]) == 2
    assert "--data-path is for a checkpoint trained on --dataset musk" in _one_error_line(capsys)


# -- item 6: non-finite weights after the last step and a non-finite validation loss -------------------------------

def test_weights_that_become_infinite_in_the_last_step_are_an_error():
    X = np.full((8, 1), 100.0, dtype=np.float32)
    y = np.full((8, 1), -100.0, dtype=np.float32)
    model = nets.models.LinearRegression(1, dtype=nets.float32)
    opt = nets.optim.SGD(model.parameters(), lr=1e37)
    loader = nets.data.DataLoader(nets.data.TensorDataset(X, y), batch_size=8)
    with np.errstate(all="ignore"), pytest.raises(nets.train.NonFiniteLossError,
                                                  match=r"weights became NaN or infinite by the end of epoch 1 "
                                                        r"\(parameter '.*weight'\)"):
        nets.train.fit(model, nets.nn.MSELoss(), opt, loader, 1, progress=False)


def test_a_non_finite_validation_loss_is_an_error():
    X, y = np.ones((8, 2)), np.zeros((8, 1))
    bad = X.copy()
    bad[0, 0] = np.inf
    model = nets.models.LinearRegression(2, dtype=nets.float64)
    loader = nets.data.DataLoader(nets.data.TensorDataset(X, y), batch_size=8)
    val = nets.data.DataLoader(nets.data.TensorDataset(bad, y), batch_size=8)
    with np.errstate(all="ignore"), pytest.raises(nets.train.NonFiniteLossError,
                                                  match="validation loss became (inf|nan) at epoch 1"):
        nets.train.fit(model, nets.nn.MSELoss(), nets.optim.SGD(model.parameters(), lr=0.01), loader, 2,
                       val_loader=val, progress=False)


@pytest.mark.parametrize("lr, message", [("1e39", "weights became NaN or infinite by the end of epoch 1"),
                                         ("1e38", "the training loss of the final weights is inf")])
def test_the_command_writes_no_checkpoint_for_weights_that_diverged(tmp_path, capsys, lr, message):
    from nets.__main__ import main

    status = main(["train", "--dataset", "regression", "--model", "linear", "--optimizer", "sgd", "--lr", lr,
                   "--epochs", "1", "--batch-size", "1000", "--val-fraction", "0", "--out", str(tmp_path / "run"),
                   "--no-progress", "--no-plot"])
    assert status == 1
    assert message in _one_error_line(capsys)
    assert not (tmp_path / "run" / "checkpoint.npz").exists()


# -- item 7: honest labels and a summary of the settings that applied ---------------------------------------------

def test_summary_records_only_the_settings_that_applied(tmp_path, capsys):
    from nets.__main__ import main

    assert main(["train", "--dataset", "breast_cancer", "--model", "logistic", "--epochs", "1", "--out",
                 str(tmp_path / "a"), "--no-progress", "--no-plot"]) == 0
    cfg = json.loads((tmp_path / "a" / "summary.json").read_text())["config"]
    assert not {"hidden", "activation", "norm", "dropout", "momentum", "data_path"} & cfg.keys()
    assert cfg["lr"] == 1e-3 and cfg["weight_decay"] == 0.0 and cfg["optimizer"] == "adam"
    assert main(["train", "--dataset", "moons", "--hidden", "4", "--optimizer", "sgd", "--epochs", "1", "--out",
                 str(tmp_path / "b"), "--no-progress", "--no-plot"]) == 0
    cfg = json.loads((tmp_path / "b" / "summary.json").read_text())["config"]
    assert cfg["lr"] == 0.1 and cfg["momentum"] == 0.9 and cfg["hidden"] == [4]


def test_evaluate_says_which_split_it_evaluated(tmp_path, capsys):
    from nets.__main__ import main

    assert main(["train", "--dataset", "moons", "--model", "logistic", "--epochs", "1", "--val-fraction", "0",
                 "--out", str(tmp_path), "--no-progress", "--no-plot"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "checkpoint.npz")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "val split" not in first and "training split: the run had no validation split, 1000 examples" in first
    assert main(["evaluate", str(tmp_path / "checkpoint.npz"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["split"] == "train"


# -- item 8: --help shows every default ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_help_shows_every_default(command, capsys):
    from nets.__main__ import build_parser, main

    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    text = text[text.index("options:"):]  # not the usage line
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    for action in sub._actions:
        if not action.option_strings or action.nargs == 0:  # positionals, flags and --help
            continue
        shown = " ".join(sub._get_formatter()._expand_help(action).split())
        assert shown in text, action.option_strings  # what --help printed for this option
        default = " ".join(map(str, action.default)) if isinstance(action.default, list) else str(action.default)
        assert "default: " in shown and (action.default is None or f"default: {default}" in shown), shown
