"""The ``nets`` command: train a model on a bundled or synthetic dataset, and evaluate a checkpoint.

    nets train --dataset digits --model mlp --hidden 128 64 --optimizer adam --lr 1e-3 --epochs 20 \\
               --batch-size 64 --schedule cosine --early-stopping 5 --out out/run
    nets evaluate out/run/checkpoint.npz

``train`` splits the data (stratified, fixed seed), standardizes it with statistics of the training split
only, trains with a progress bar, prints the validation metrics and writes ``history.png``,
``checkpoint.npz`` and ``summary.json`` into ``--out``. ``evaluate`` rebuilds the same split from the
checkpoint's configuration (checked as strictly as ``train`` checks its arguments; the Musk file is the one
given with ``--data-path``, never one the checkpoint names) and reports the metrics. Every error is one line
on stderr, never a traceback: status 2 for bad input, a bad path or a full disk, 1 when training diverges
(then no checkpoint is written).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from autodiff.__main__ import folder_problem, reader_left

DATASETS = ("digits", "breast_cancer", "moons", "spirals", "blobs", "regression", "musk")
MODELS = ("mlp", "logistic", "softmax", "linear")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("none", "cosine", "step", "exponential", "linear", "warmup-cosine", "onecycle", "plateau")


class UsageError(Exception):
    """A problem with the command line or its inputs: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line instead of usage + message
        raise UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


def _number(cast, accept, wanted: str):
    """An argparse type: ``cast`` the text and require ``accept(value)``; errors say what was ``wanted``."""

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}")
        return value

    return parse


_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_non_negative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
_positive_float = _number(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
_fraction = _number(float, lambda v: 0 <= v < 1, "a number in [0, 1)")


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: …)" to every option whose help does not state its default already."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if "default" in (action.help or "") or action.nargs == 0:  # flags are off unless given
            return action.help or ""
        return super()._get_help_string(action)


#: The default learning rate of each optimizer (PyTorch's, and 0.1 for plain SGD).
DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nets", description="Train and evaluate small networks with nets.")
    sub = parser.add_subparsers(dest="command", metavar="{train,evaluate}", parser_class=_Parser)
    sub.required = True
    t = sub.add_parser("train", help="train a model and write a checkpoint, a plot and a summary",
                       description="Train a model on a bundled or synthetic dataset.", formatter_class=_Help)
    t.add_argument("--dataset", choices=DATASETS, default="digits", help="the data to train on")
    t.add_argument("--data-path", help="the Musk clean2.data file (for --dataset musk; default: none)")
    t.add_argument("--model", choices=MODELS, default="mlp",
                   help="mlp, or logistic/softmax regression (classification), linear (regression)")
    t.add_argument("--hidden", type=_positive_int, nargs="+", default=[128, 64], metavar="N",
                   help="hidden layer sizes of the MLP (default: 128 64)")
    t.add_argument("--activation", default="relu", help="activation of the MLP's hidden layers",
                   choices=("relu", "leaky_relu", "prelu", "sigmoid", "tanh", "gelu", "gelu_tanh", "softplus"))
    t.add_argument("--norm", choices=("none", "batch", "layer"), default="none",
                   help="normalization after each hidden layer of the MLP")
    t.add_argument("--dropout", type=_fraction, default=0.0, help="dropout after each hidden layer of the MLP")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="the optimizer")
    t.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (default: " + ", ".join(f"{v:g} for {k}" for k, v in DEFAULT_LR.items()) + ")")
    t.add_argument("--momentum", type=_fraction, default=0.9, help="momentum of sgd")
    t.add_argument("--weight-decay", type=float, default=None, help="L2 penalty (default: 0; 0.01 for adamw)")
    t.add_argument("--epochs", type=_positive_int, default=20, help="passes over the training split")
    t.add_argument("--batch-size", type=_positive_int, default=64, help="examples per optimizer step")
    t.add_argument("--schedule", choices=SCHEDULES, default="none", help="learning-rate schedule")
    t.add_argument("--early-stopping", type=_non_negative_int, default=0, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a lower validation loss and keep the best weights "
                        "(default: 0, off)")
    t.add_argument("--clip-grad-norm", type=_positive_float, default=None,
                   help="clip the gradients' global norm to this (default: no clipping)")
    t.add_argument("--val-fraction", type=_fraction, default=0.2, help="share of the data held out for validation")
    t.add_argument("--seed", type=_non_negative_int, default=0, help="seed of the split, the weights and the batches")
    t.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="floating-point type")
    t.add_argument("--out", default="out/run", help="output directory")
    t.add_argument("--no-progress", action="store_true", help="no progress bar or per-epoch lines")
    t.add_argument("--no-plot", action="store_true", help="do not write history.png")
    e = sub.add_parser("evaluate", help="evaluate a checkpoint written by 'nets train'",
                       description="Evaluate a checkpoint on the split it was trained with.", formatter_class=_Help)
    e.add_argument("checkpoint")
    e.add_argument("--split", choices=("val", "train"), default="val", help="which split to evaluate on")
    e.add_argument("--data-path", help="the Musk clean2.data file, for a checkpoint trained on --dataset musk "
                                       "(a checkpoint never names the file to read; default: none)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    return parser


#: The command-line options that make up a run's configuration (stored in its checkpoint).
_NOT_CONFIG = ("command", "no_progress", "no_plot", "out", "help")


def _config_actions() -> dict[str, argparse.Action]:
    """The train command's options that make up a configuration, by destination."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices["train"]._actions if a.dest not in _NOT_CONFIG}


def _config_value(action: argparse.Action, value, element: bool = False):
    """``value`` checked as the command line checks the option's text; raises ValueError saying why."""
    option = action.option_strings[0]
    if value is None and action.default is None:
        return None
    if action.nargs == "+" and not element:
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{option} is {value!r}, not a non-empty list")
        return [_config_value(action, v, element=True) for v in value]
    if action.choices is not None:
        if not isinstance(value, str) or value not in action.choices:
            raise ValueError(f"{option} is {value!r}; expected one of {', '.join(action.choices)}")
        return value
    if action.type is None:
        if not isinstance(value, str):
            raise ValueError(f"{option} is {value!r}, not text")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{option} is {value!r}, not a number")
    try:
        return action.type(repr(value))  # the same check as the option's text on the command line
    except (argparse.ArgumentTypeError, ValueError) as e:
        raise ValueError(f"{option}: {e}") from None


def _config_from_checkpoint(raw, path: str) -> dict:
    """The checkpoint's training configuration, checked as strictly as 'nets train' checks its arguments."""
    where = f"nets evaluate: error: {path!r} holds a bad training configuration"
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: it is a {type(raw).__name__}, not a dict")
    actions = _config_actions()
    missing, unexpected = sorted(actions.keys() - raw.keys()), sorted(map(str, raw.keys() - actions.keys()))
    if missing or unexpected:
        raise UsageError(f"{where}: " + "; ".join(
            part for part in (missing and f"missing {', '.join(missing)}",
                              unexpected and f"unexpected {', '.join(unexpected)[:200]}") if part))
    try:
        cfg = {key: _config_value(action, raw[key]) for key, action in actions.items()}
        _check_config(cfg)
    except ValueError as e:
        raise UsageError(f"{where}: {e}") from None
    return cfg


def _check_config(cfg: dict) -> None:
    """The checks across options that argparse cannot make (ValueError naming the option)."""
    wd = cfg["weight_decay"]
    if wd is not None and not (math.isfinite(wd) and wd >= 0):
        raise ValueError(f"--weight-decay must be >= 0, got {wd}")
    if cfg["early_stopping"] and cfg["val_fraction"] == 0:
        raise ValueError("--early-stopping needs a validation split (--val-fraction > 0)")


def _linear_parameters(cfg: dict, d: int, k: int) -> int:
    """The weights and biases of the model's linear layers (a lower bound of its state's size)."""
    out = max(k, 1) if k != 2 or cfg["model"] != "logistic" else 1
    sizes = [d, *cfg["hidden"], out] if cfg["model"] == "mlp" else [d, out]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on this system
        return None


def _check_model_size(cfg: dict, d: int, k: int) -> None:
    """Refuse, before allocating, a model whose training cannot fit in this machine's memory."""
    params = _linear_parameters(cfg, d, k)
    need = 4 * params * np.dtype(cfg["dtype"]).itemsize  # weights, gradients and two optimizer moments
    memory = _physical_memory()
    if memory is not None and need > memory:
        raise UsageError(f"nets train: error: this model has {params:,} parameters: training it needs about "
                         f"{_gigabytes(need)} (weights, gradients and optimizer state in {cfg['dtype']}), more "
                         f"than this machine's {_gigabytes(memory)} of memory; use smaller --hidden sizes")


def _gigabytes(n: int) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.1f} MB"


def _check_writable(out: str) -> None:
    """Fail now, not after training, if --out cannot hold the results (nothing is left behind)."""
    problem = folder_problem(out)
    if problem is not None:
        raise UsageError(f"nets train: error: --out {out!r} {problem}")


# -- data and models -----------------------------------------------------------------------------------

def _load_dataset(cfg: dict):
    from nets import data

    name, seed = cfg["dataset"], cfg["seed"]
    if name == "digits":
        return data.load_digits(return_X_y=True)
    if name == "breast_cancer":
        return data.load_breast_cancer(return_X_y=True)
    if name == "moons":
        return data.make_moons(1000, noise=0.2, seed=seed)
    if name == "spirals":
        return data.make_spirals(1000, n_classes=3, noise=0.05, turns=1.0, seed=seed)
    if name == "blobs":
        return data.make_blobs(1000, centers=4, cluster_std=1.5, seed=seed)
    if name == "regression":
        X, y, _ = data.make_linear_regression(1000, n_features=5, noise=0.1, bias=0.5, seed=seed)
        return X, y
    if name == "musk":
        if not cfg.get("data_path"):
            raise UsageError("nets train: error: --dataset musk needs --data-path pointing to clean2.data "
                             "(UCI Musk version 2)")
        bunch = data.load_musk(cfg["data_path"])
        return bunch.data, bunch.target
    raise UsageError(f"nets: error: unknown dataset {name!r}")


def _prepare(cfg: dict):
    """(train, val) TensorDatasets, the fitted scaler, the number of classes (0 for regression)."""
    from nets import data

    X, y = _load_dataset(cfg)
    regression = cfg["dataset"] == "regression"
    k = 0 if regression else int(y.max()) + 1
    if cfg["val_fraction"] > 0:
        Xtr, Xva, ytr, yva = data.train_test_split(X, y, test_size=cfg["val_fraction"],
                                                   stratify=None if regression else y, seed=cfg["seed"])
    else:
        Xtr, Xva, ytr, yva = X, X[:0], y, y[:0]
    scaler = data.StandardScaler().fit(Xtr)  # statistics of the training split only
    dtype = np.dtype(cfg["dtype"])

    def targets(v):
        if regression or cfg["model"] == "logistic":
            return v.astype(dtype).reshape(-1, 1)
        return v.astype(np.int64)

    train = data.TensorDataset(scaler.transform(Xtr).astype(dtype), targets(ytr))
    val = data.TensorDataset(scaler.transform(Xva).astype(dtype), targets(yva)) if len(Xva) else None
    return train, val, scaler, k


def _build_model(cfg: dict, d: int, k: int):
    import nets
    from nets import models

    dtype = getattr(nets, cfg["dtype"])
    gen = nets.Generator().manual_seed(cfg["seed"])
    name = cfg["model"]
    if k == 0:  # regression
        if name == "linear":
            return models.LinearRegression(d, dtype=dtype, generator=gen), nets.nn.MSELoss()
        if name == "mlp":
            return models.MLP([d, *cfg["hidden"], 1], cfg["activation"], _norm(cfg), cfg["dropout"], dtype=dtype,
                              generator=gen), nets.nn.MSELoss()
        raise UsageError(f"nets train: error: --model {name} is a classifier; --dataset regression needs "
                         "--model linear or mlp")
    if name == "linear":
        raise UsageError(f"nets train: error: --model linear is for regression; --dataset {cfg['dataset']} is a "
                         "classification dataset (use mlp, logistic or softmax)")
    if name == "logistic":
        if k != 2:
            raise UsageError(f"nets train: error: --model logistic needs two classes; --dataset {cfg['dataset']} "
                             f"has {k} (use softmax or mlp)")
        return models.LogisticRegression(d, logits=True, dtype=dtype, generator=gen), nets.nn.BCEWithLogitsLoss()
    if name == "softmax":
        return models.SoftmaxRegression(d, k, dtype=dtype, generator=gen), nets.nn.CrossEntropyLoss()
    if name == "mlp":
        return (models.MLP([d, *cfg["hidden"], k], cfg["activation"], _norm(cfg), cfg["dropout"], dtype=dtype,
                           generator=gen), nets.nn.CrossEntropyLoss())
    raise UsageError(f"nets: error: unknown model {name!r}; choose one of {', '.join(MODELS)}")


def _norm(cfg: dict):
    return None if cfg["norm"] == "none" else cfg["norm"]


def _metric_names(k: int) -> list[str]:
    if k == 0:
        return ["mse"]
    return ["accuracy", "f1", "roc_auc"] if k == 2 else ["accuracy", "f1"]


def _optimizer(cfg: dict, params):
    from nets import optim

    name, wd = cfg["optimizer"], cfg["weight_decay"]
    lr = DEFAULT_LR[name] if cfg["lr"] is None else cfg["lr"]
    kw = {} if wd is None else {"weight_decay": wd}
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=cfg["momentum"], **kw)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, **kw)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, **kw)
    cls = optim.Adam if name == "adam" else optim.AdamW
    return cls(params, lr=lr, **kw)


def _applied(cfg: dict, opt) -> dict:
    """The settings that took effect: the optimizer's real learning rate and weight decay, and no options
    of a model or optimizer that was not used."""
    out = dict(cfg, lr=opt.defaults["lr"], weight_decay=opt.defaults.get("weight_decay", 0.0))
    if cfg["model"] != "mlp":
        for key in ("hidden", "activation", "norm", "dropout"):
            del out[key]
    if cfg["optimizer"] != "sgd":
        del out["momentum"]
    if cfg["dataset"] != "musk":
        del out["data_path"]
    return out


def _scheduler(cfg: dict, opt, steps_per_epoch: int):
    """(scheduler or None, interval)."""
    from nets.optim import lr_scheduler as S

    name, epochs = cfg["schedule"], cfg["epochs"]
    if name == "none":
        return None, "epoch"
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=epochs), "epoch"
    if name == "step":
        return S.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.1), "epoch"
    if name == "exponential":
        return S.ExponentialLR(opt, gamma=0.9), "epoch"
    if name == "linear":
        return S.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=epochs), "epoch"
    if name == "warmup-cosine":
        warm = max(1, epochs // 10)
        lr = opt.param_groups[0]["lr"]
        return S.SequentialLR(opt, [S.LinearLR(opt, 0.1, 1.0, warm),
                                    S.CosineAnnealingLR(opt, max(1, epochs - warm), eta_min=0.1 * lr)], [warm]), "epoch"
    if name == "onecycle":
        return S.OneCycleLR(opt, max_lr=opt.param_groups[0]["lr"], epochs=epochs,
                            steps_per_epoch=steps_per_epoch), "step"
    return S.ReduceLROnPlateau(opt, factor=0.5, patience=2), "epoch"


# -- commands ------------------------------------------------------------------------------------------

def _validate_train(args) -> None:
    try:
        _check_config({k: v for k, v in vars(args).items() if k not in _NOT_CONFIG})
    except ValueError as e:
        raise UsageError(f"nets train: error: {e}") from None
    if args.dataset == "musk" and not args.data_path:
        raise UsageError("nets train: error: --dataset musk needs --data-path pointing to clean2.data")
    if args.data_path and not os.path.isfile(args.data_path):
        raise UsageError(f"nets train: error: --data-path {args.data_path!r} is not a file")
    _check_writable(args.out)


def train_command(args) -> int:
    import nets
    from nets import data, train

    _validate_train(args)
    cfg = {k: v for k, v in vars(args).items() if k not in _NOT_CONFIG}
    nets.manual_seed(cfg["seed"])
    try:
        train_set, val_set, scaler, k = _prepare(cfg)
    except (OSError, ValueError) as e:
        raise UsageError(f"nets train: error: {e}") from None
    d = train_set.tensors[0].shape[1]
    _check_model_size(cfg, d, k)
    model, loss_fn = _build_model(cfg, d, k)
    opt = _optimizer(cfg, model.parameters())
    cfg = dict(cfg, lr=opt.defaults["lr"], weight_decay=opt.defaults.get("weight_decay", 0.0))
    loader_gen = nets.Generator().manual_seed(cfg["seed"] + 1)
    train_loader = data.DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, generator=loader_gen)
    val_loader = data.DataLoader(val_set, batch_size=512) if val_set is not None else None
    scheduler, interval = _scheduler(cfg, opt, len(train_loader))
    callbacks = []
    if cfg["early_stopping"]:
        callbacks.append(train.EarlyStopping("val_loss", patience=cfg["early_stopping"], restore_best_weights=True))
    progress = not args.no_progress
    if progress:
        print(f"training {type(model).__name__} on {cfg['dataset']}: {len(train_set)} train / "
              f"{len(val_set) if val_set else 0} validation examples, {d} features"
              + (f", {k} classes" if k else ""), file=sys.stderr)
    start = time.perf_counter()
    # Overflow on the way to a NaN loss is reported once, by fit's non-finite check, not by numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = train.fit(model, loss_fn, opt, train_loader, cfg["epochs"], val_loader=val_loader,
                            scheduler=scheduler, scheduler_interval=interval, metrics=_metric_names(k),
                            callbacks=callbacks, progress=progress, clip_grad_norm=cfg["clip_grad_norm"])
        seconds = time.perf_counter() - start
        final = (train.evaluate(model, loss_fn, val_loader, _metric_names(k)) if val_loader is not None
                 else train.evaluate(model, loss_fn, train_loader, _metric_names(k)))
    if not math.isfinite(final["loss"]):  # finite but huge weights after the last step: no checkpoint of them
        raise train.NonFiniteLossError(
            f"the {'validation' if val_loader is not None else 'training'} loss of the final weights is "
            f"{final['loss']}" + train._ADVICE)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.npz")
    plot_path = os.path.join(args.out, "history.png")
    summary_path = os.path.join(args.out, "summary.json")
    train.save_checkpoint(ckpt_path, model, opt, scheduler, epoch=history.epochs[-1], history=history,
                          train_loader=train_loader, extra={"config": cfg, "scaler": scaler.state_dict(),
                                                            "num_classes": k})
    if args.no_plot:
        plot_path = None
    else:
        try:
            history.plot(plot_path, title=f"{type(model).__name__} on {cfg['dataset']}")
        except ImportError as e:
            print(f"nets train: note: {e}; no plot written", file=sys.stderr)
            plot_path = None
    stopped = next((cb.stopped_epoch for cb in callbacks if getattr(cb, "stopped_epoch", None)), None)
    summary = {
        "config": _applied(cfg, opt), "epochs_run": len(history), "stopped_early_at": stopped,
        "seconds": round(seconds, 3), "split": "validation" if val_loader is not None else "train",
        "metrics": final, "history": history.state_dict(),
        "files": {"checkpoint": ckpt_path, "plot": plot_path, "summary": summary_path},
    }
    with open(summary_path, "w") as f:
        json.dump(summary, f, indent=2)
    which = "validation" if val_loader is not None else "training"
    print(f"{which} " + "  ".join(f"{name} {value:.4f}" for name, value in final.items()))
    print(f"wrote {ckpt_path}, {summary_path}" + (f", {plot_path}" if plot_path else ""))
    return 0


def evaluate_command(args) -> int:
    import nets
    from nets import data, metrics, train
    from nets.serialization import CheckpointError, load

    if not os.path.isfile(args.checkpoint):
        raise UsageError(f"nets evaluate: error: no checkpoint file at {args.checkpoint!r}")
    try:
        ckpt = load(args.checkpoint)
    except CheckpointError as e:
        raise UsageError(f"nets evaluate: error: {e}") from None
    extra = ckpt.get("extra") if isinstance(ckpt, dict) else None
    if not isinstance(extra, dict) or "config" not in extra or not isinstance(ckpt.get("model"), dict):
        raise UsageError(f"nets evaluate: error: {args.checkpoint!r} is a nets file but not a checkpoint written "
                         "by 'nets train' (it has no training configuration)")
    cfg = _config_from_checkpoint(extra["config"], args.checkpoint)
    # The data file is the one the user names now: a checkpoint never makes this command read a file.
    if cfg["dataset"] == "musk" and not args.data_path:
        raise UsageError(f"nets evaluate: error: {args.checkpoint!r} was trained on --dataset musk; pass the "
                         "Musk clean2.data file with --data-path")
    if cfg["dataset"] != "musk" and args.data_path:
        raise UsageError(f"nets evaluate: error: --data-path is for a checkpoint trained on --dataset musk; "
                         f"this one was trained on {cfg['dataset']}")
    if args.data_path and not os.path.isfile(args.data_path):
        raise UsageError(f"nets evaluate: error: --data-path {args.data_path!r} is not a file")
    cfg["data_path"] = args.data_path
    try:
        train_set, val_set, _, k = _prepare(cfg)
    except (OSError, ValueError) as e:
        raise UsageError(f"nets evaluate: error: {e}") from None
    d = train_set.tensors[0].shape[1]
    stored = sum((v.numel() if isinstance(v, nets.Tensor) else np.size(v)) for v in ckpt["model"].values()
                 if isinstance(v, (np.ndarray, nets.Tensor)))
    if _linear_parameters(cfg, d, k) > stored:  # checked before the model is allocated
        raise UsageError(f"nets evaluate: error: {args.checkpoint!r}: its configuration describes a model of at "
                         f"least {_linear_parameters(cfg, d, k):,} parameters, but it holds {stored:,} weights")
    model, loss_fn = _build_model(cfg, d, k)
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, TypeError) as e:
        raise UsageError(f"nets evaluate: error: {e}") from None
    split = args.split if val_set is not None else "train"
    dataset = val_set if split == "val" else train_set
    label = {"val": "validation split", "train": "training split"}[split]
    if split != args.split:
        label += ": the run had no validation split"
    loader = data.DataLoader(dataset, batch_size=512)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = train.evaluate(model, loss_fn, loader, _metric_names(k))
    if args.json:
        print(json.dumps({"split": split, "metrics": result}))
        return 0
    print(f"{cfg['model']} on {cfg['dataset']} ({label}, {len(dataset)} examples)")
    print("  ".join(f"{name} {value:.4f}" for name, value in result.items()))
    if k:
        model.eval()
        with nets.no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = model(dataset.tensors[0]).value
        y = dataset.tensors[1].value.reshape(-1).astype(np.int64)
        pred = (out.reshape(-1) >= 0).astype(np.int64) if out.shape[-1] == 1 else out.argmax(axis=1)
        print("confusion matrix (rows: true class, columns: predicted):")
        print(metrics.confusion_matrix(y, pred, num_classes=k))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (2: bad input, a bad path or a full disk; 1: training failed).
    Every error is one line on stderr, never a traceback."""
    parser = build_parser()
    prog = "nets"
    try:
        args = parser.parse_args(argv)
        prog = f"nets {args.command}"
        if args.command == "train":
            return train_command(args)
        return evaluate_command(args)
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return 2
    except FloatingPointError as e:  # NonFiniteLossError: the run diverged
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `nets evaluate ... | head`
        return reader_left()
    except OSError as e:  # a full disk, a file that vanished, a permission
        where = f": {e.filename!r}" if e.filename else ""
        print(f"{prog}: error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"{prog}: error: out of memory; use smaller --hidden sizes or --batch-size", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
