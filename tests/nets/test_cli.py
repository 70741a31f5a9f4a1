"""The `nets` command: the demo runs reach the promised accuracy, runs are repeatable, bad arguments exit 2."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import nets
from nets.__main__ import main

DEMO = ["train", "--dataset", "digits", "--model", "mlp", "--hidden", "128", "64", "--optimizer", "adam",
        "--lr", "1e-3", "--epochs", "20", "--batch-size", "64", "--schedule", "cosine", "--early-stopping", "5"]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits")
    assert main([*DEMO, "--out", str(out), "--no-progress"]) == 0
    return out


def test_demo_digits_mlp_reaches_95_percent(digits_run, capsys):
    summary = json.loads((digits_run / "summary.json").read_text())
    assert summary["metrics"]["accuracy"] >= 0.95
    assert summary["split"] == "validation" and summary["config"]["hidden"] == [128, 64]
    assert (digits_run / "history.png").read_bytes()[:4] == b"\x89PNG"
    ckpt = nets.load(digits_run / "checkpoint.npz")
    assert ckpt["epoch"] == summary["epochs_run"] and set(ckpt["model"]) >= {"0.weight", "4.bias"}


def test_evaluate_reproduces_the_validation_metrics(digits_run, capsys):
    summary = json.loads((digits_run / "summary.json").read_text())
    capsys.readouterr()
    assert main(["evaluate", str(digits_run / "checkpoint.npz"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["accuracy"] == summary["metrics"]["accuracy"]
    assert result["metrics"]["loss"] == pytest.approx(summary["metrics"]["loss"], rel=1e-6)
    assert main(["evaluate", str(digits_run / "checkpoint.npz")]) == 0
    text = capsys.readouterr().out
    assert "confusion matrix" in text and "accuracy" in text


def test_same_seed_gives_identical_weights(digits_run, tmp_path):
    assert main([*DEMO, "--out", str(tmp_path), "--no-progress", "--no-plot"]) == 0
    assert not (tmp_path / "history.png").exists()
    a, b = nets.load(digits_run / "checkpoint.npz")["model"], nets.load(tmp_path / "checkpoint.npz")["model"]
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_logistic_regression_on_breast_cancer(tmp_path, capsys):
    args = ["train", "--dataset", "breast_cancer", "--model", "logistic", "--optimizer", "sgd", "--lr", "0.1",
            "--epochs", "20", "--out", str(tmp_path), "--no-progress", "--no-plot"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("validation loss")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metrics"]["accuracy"] >= 0.95 and summary["metrics"]["roc_auc"] >= 0.98


@pytest.mark.parametrize("extra", [
    ["--dataset", "moons", "--hidden", "16", "--epochs", "3", "--schedule", "onecycle", "--optimizer", "sgd"],
    ["--dataset", "regression", "--model", "linear", "--epochs", "3", "--optimizer", "adamw",
     "--schedule", "warmup-cosine", "--lr", "0.05"],
    ["--dataset", "spirals", "--model", "softmax", "--epochs", "2", "--optimizer", "rmsprop", "--schedule", "plateau",
     "--val-fraction", "0"],
    ["--dataset", "blobs", "--hidden", "8", "8", "--norm", "batch", "--dropout", "0.1", "--epochs", "2",
     "--optimizer", "adagrad", "--schedule", "step", "--dtype", "float64", "--clip-grad-norm", "1.0"],
])
def test_other_datasets_models_and_options(tmp_path, extra, capsys):
    assert main(["train", *extra, "--out", str(tmp_path), "--no-progress", "--no-plot"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert np.isfinite(summary["metrics"]["loss"])


def test_musk_from_a_user_file(tmp_path, capsys):
    rng = np.random.default_rng(0)
    lines = []
    for i in range(60):
        musk = i % 3 == 0
        feats = rng.integers(-50, 50, 166) + (30 if musk else 0)
        lines.append(",".join([f"{'MUSK' if musk else 'NON-MUSK'}-{i // 4}", f"c{i}", *map(str, feats),
                               "1." if musk else "0."]))
    path = tmp_path / "clean2.data"
    path.write_text("\n".join(lines))
    assert main(["train", "--dataset", "musk", "--data-path", str(path), "--hidden", "16", "--epochs", "3",
                 "--out", str(tmp_path / "run"), "--no-progress", "--no-plot"]) == 0


@pytest.mark.parametrize("argv, message", [
    (["train", "--lr", "-1"], "argument --lr: expected a positive number, got -1"),
    (["train", "--lr", "fast"], "argument --lr: expected a positive number, got 'fast'"),
    (["train", "--epochs", "0"], "argument --epochs: expected a positive integer, got 0"),
    (["train", "--hidden"], "argument --hidden: expected at least one argument"),
    (["train", "--dataset", "mnist"], "argument --dataset: invalid choice: 'mnist'"),
    (["train", "--dropout", "1.5"], "argument --dropout: expected a number in [0, 1), got 1.5"),
    (["train", "--model", "linear"], "--model linear is for regression"),
    (["train", "--model", "logistic"], "--model logistic needs two classes"),
    (["train", "--dataset", "musk"], "--dataset musk needs --data-path"),
    (["train", "--weight-decay", "-0.1"], "--weight-decay must be >= 0"),
    (["train", "--early-stopping", "3", "--val-fraction", "0"], "--early-stopping needs a validation split"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["evaluate", "/no/such/checkpoint.npz"], "no checkpoint file"),
    ([], "the following arguments are required"),
])
def test_bad_arguments_one_line_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("nets") and captured.out == ""


def test_evaluate_rejects_foreign_and_corrupt_files(tmp_path, capsys):
    foreign = tmp_path / "weights.npz"
    np.savez(foreign, w=np.ones(3))
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04garbage")
    plain = tmp_path / "plain.npz"
    nets.save({"model": {}}, plain)
    for path, message in ((foreign, "not a nets checkpoint"), (corrupt, "not an .npz"),
                          (plain, "not a checkpoint written by 'nets train'")):
        assert main(["evaluate", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0]


def test_console_entry_point_as_module(tmp_path):
    """`python -m nets` is the same command (the `nets` script calls the same main)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "nets", "train", "--epochs", "0"], capture_output=True, text=True,
                          cwd=tmp_path, env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--epochs" in done.stderr
