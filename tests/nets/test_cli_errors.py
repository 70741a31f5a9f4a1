"""Issue 17, item 5: a user of `nets` never sees a traceback: bad input, a bad path or a full disk is one
line on stderr and exit status 2 (1 for a failure inside training); a broken pipe ends quietly."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nets
from nets.__main__ import main

QUICK = ["--dataset", "moons", "--hidden", "4", "--epochs", "1", "--no-progress", "--no-plot"]
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "a_file").write_text("x")
    (d / "garbage.npz").write_bytes(b"PK\x03\x04" + os.urandom(100))
    (d / "empty.data").write_text("")
    (d / "clean2.data.gz").write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(50))
    np.savez(d / "foreign.npz", w=np.ones(2))
    nets.save({"model": {}, "extra": {"config": "rm -rf /"}}, d / "evil_config.npz")
    assert main(["train", *QUICK, "--out", str(d / "run")]) == 0
    return d


BAD = [
    (["train", "--hidden", "100000", "100000"], "training it needs about"),
    (["train", "--out", "{d}/a_file"], "exists and is not a directory"),
    (["train", "--out", "{d}/a_file/run"], "cannot be created"),
    (["train", "--dataset", "musk", "--data-path", "{d}"], "is not a file"),
    (["train", "--dataset", "musk", "--data-path", "{d}/empty.data"], "holds no data lines"),
    (["train", "--dataset", "musk", "--data-path", "{d}/clean2.data.gz"], "corrupt gzip"),
    (["train", "--lr", "inf"], "expected a positive number"),
    (["train", "--seed", "-3"], "expected a non-negative integer"),
    (["train", "--weight-decay", "nan"], "--weight-decay must be >= 0"),
    (["evaluate", "{d}"], "no checkpoint file"),
    (["evaluate", "{d}/garbage.npz"], "not an .npz"),
    (["evaluate", "{d}/foreign.npz"], "not a nets checkpoint"),
    (["evaluate", "{d}/evil_config.npz"], "bad training configuration"),
    (["evaluate", "{d}/a_file", "--split", "test"], "invalid choice: 'test'"),
    (["predict"], "invalid choice: 'predict'"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_status_2(files, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(files)
    assert main([a.replace("{d}", str(files)) for a in argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("nets"), captured.err


def test_unwritable_out_fails_before_training(tmp_path, capsys, monkeypatch):
    trained = []
    monkeypatch.setattr(nets.train, "fit", lambda *a, **k: trained.append(1))
    assert main(["train", *QUICK, "--out", "/proc/self/no-such-dir/run"]) == 2
    assert "is not writable" in capsys.readouterr().err and trained == []


def test_a_full_disk_is_one_line(tmp_path, capsys, monkeypatch):
    def full(f, **arrays):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(nets.serialization.np, "savez_compressed", full)
    assert main(["train", *QUICK, "--out", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["nets train: error: No space left on device"]
    assert os.listdir(tmp_path) == []  # the temporary file is gone, no checkpoint was written


def test_no_runtime_warning_before_the_non_finite_loss_error(tmp_path, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = main(["train", "--dataset", "regression", "--model", "linear", "--optimizer", "sgd", "--lr", "1e30",
                       "--epochs", "3", "--out", str(tmp_path), "--no-progress", "--no-plot"])
    assert status == 1
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "loss became" in lines[0]


def _run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "nets", *args], capture_output=True, text=True, env=ENV, **kw)


def test_a_real_process_prints_no_traceback(files):
    done = _run("evaluate", str(files / "evil_config.npz"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_broken_pipe_ends_quietly(files):
    proc = subprocess.Popen([sys.executable, "-m", "nets", "evaluate", str(files / "run" / "checkpoint.npz")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    proc.stdout.close()  # the reader leaves before anything is written, as `| head -c 0` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert err == "" and proc.returncode == 1
