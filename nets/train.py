"""The training loop, made reusable: ``fit`` runs the course's loop

    for each epoch:
        for each mini-batch (x, y):  output = model(x); loss = loss_fn(output, y)
                                     loss.backward(); optimizer.step(); optimizer.zero_grad()
        scheduler.step()             # once per epoch, after that epoch's optimizer steps

and adds what the lecture leaves out: validation under ``no_grad()`` in ``eval()`` mode, metrics, a
progress bar, callbacks (early stopping that restores the best weights, checkpoints), a check that stops
on a NaN or infinite loss, and a :class:`History` that plots itself. ``save_checkpoint`` /
``load_checkpoint`` store and restore everything needed to resume a run exactly (model, optimizer,
scheduler, history, random streams).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from . import metrics as _metrics
from .autograd_mode import no_grad
from .nn import BCEWithLogitsLoss, Module
from .nn.utils import clip_grad_norm_
from .optim import Optimizer
from .optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from .random import Generator, default_generator
from .serialization import load, save
from .tensor import Tensor

__all__ = ["fit", "evaluate", "History", "Callback", "EarlyStopping", "ModelCheckpoint", "NonFiniteLossError",
           "save_checkpoint", "load_checkpoint"]


class NonFiniteLossError(FloatingPointError):
    """The loss, the validation loss or a weight became NaN or infinite; the message names the epoch (and the
    step or the parameter)."""


_ADVICE = ". Lower the learning rate, clip gradients (clip_grad_norm=...), or check the inputs for NaN/inf"


def _check_weights(model: Module, params: list, epoch: int) -> None:
    if all(np.isfinite(p.value).all() for p in params):
        return
    names = {id(p): name for name, p in model.named_parameters()}
    bad = next(p for p in params if not np.isfinite(p.value).all())
    raise NonFiniteLossError(f"the weights became NaN or infinite by the end of epoch {epoch} (parameter "
                             f"{names.get(id(bad), '?')!r})" + _ADVICE)


# -- history -------------------------------------------------------------------------------------------

class History:
    """Per-epoch values: ``history["loss"]``, ``history["val_accuracy"]``, … (lists, one entry per epoch,
    for the epochs in ``history.epochs``)."""

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.history: dict[str, list[float]] = {}

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        for key in self.history.keys() - logs.keys():  # a value missing this epoch
            self.history[key].append(math.nan)
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * len(self.epochs)).append(float(value))
        self.epochs.append(int(epoch))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"no {key!r} in the history; it has {sorted(self.history)}")
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epochs)

    def keys(self):
        return self.history.keys()

    def best(self, monitor: str = "val_loss", mode: str = "auto") -> tuple[int, float]:
        """(epoch, value) of the best value of ``monitor`` (lowest, or highest for mode='max')."""
        values = np.asarray(self[monitor], dtype=np.float64)
        mode = _resolve_mode(mode, monitor)
        i = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
        return self.epochs[i], float(values[i])

    def state_dict(self) -> dict:
        return {"epochs": list(self.epochs), "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state: dict) -> None:
        if set(state) != {"epochs", "history"}:
            raise ValueError(f"a History state has the keys ['epochs', 'history'], got {sorted(state)}")
        self.epochs = [int(e) for e in state["epochs"]]
        self.history = {k: [float(x) for x in v] for k, v in state["history"].items()}

    def plot(self, path: str | os.PathLike | None = None, title: str | None = None):
        """Loss curves (train and validation) and one panel per other metric (and the learning rate), against
        the epoch. Saved to ``path`` if given (any matplotlib format, e.g. .png or .svg). Uses matplotlib's
        object API with the Agg canvas, so it works without a display. Returns the Figure."""
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib "
                              "(or the 'plot' extra of autodiff-dojo)") from None
        if not self.epochs:
            raise ValueError("the history is empty: nothing to plot")
        names = []
        for key in self.history:
            base = key[4:] if key.startswith("val_") else key
            if base not in names:
                names.append(base)
        names.sort(key=lambda n: (n != "loss", n == "lr"))
        fig = Figure(figsize=(4.2 * len(names), 3.4), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names):
            for key, label, style in ((name, "train", "-"), (f"val_{name}", "validation", "--")):
                if key in self.history:
                    ax.plot(self.epochs, self.history[key], style, marker="o", markersize=3,
                            label=label if name != "lr" else "learning rate")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            if name == "lr":
                ax.set_title("learning rate")
            else:
                ax.set_title(name)
                ax.legend()
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        if path is not None:
            fig.savefig(os.fspath(path), dpi=110)
        return fig

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epochs)}, keys={list(self.history)})"


# -- metrics on whole epochs -------------------------------------------------------------------------

def _resolve_mode(mode: str, monitor: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    higher_is_better = ("acc", "auc", "f1", "precision", "recall")
    return "max" if any(word in monitor for word in higher_is_better) else "min"


def _labels_and_scores(output: np.ndarray, target: np.ndarray, logits: bool):
    """Predicted labels, a score for the positive class (binary only) and the true labels."""
    y = target.reshape(-1) if target.ndim > 1 and target.shape[-1] == 1 else target
    if output.ndim == 2 and output.shape[1] > 1:
        pred = output.argmax(axis=1)
        score = output[:, 1] - output[:, 0] if output.shape[1] == 2 else None
    else:
        score = output.reshape(-1)
        pred = (score >= (0.0 if logits else 0.5)).astype(np.int64)
    if y.dtype.kind == "f":
        y = np.rint(y).astype(np.int64)
    return pred, score, y


def _metric_function(name: str, logits: bool) -> Callable[[np.ndarray, np.ndarray], float]:
    def classification(fn):
        def metric(output, target):
            pred, _, y = _labels_and_scores(output, target, logits)
            binary = set(np.unique(y).tolist()) <= {0, 1} and set(np.unique(pred).tolist()) <= {0, 1}
            if fn is _metrics.accuracy:
                return fn(y, pred)
            return fn(y, pred, average="binary" if binary else "macro")
        return metric

    def roc_auc(output, target):
        _, score, y = _labels_and_scores(output, target, logits)
        if score is None:
            raise ValueError("roc_auc needs a binary problem (one output column, or two)")
        return _metrics.roc_auc_score(y, score)

    table = {
        "accuracy": classification(_metrics.accuracy), "precision": classification(_metrics.precision),
        "recall": classification(_metrics.recall), "f1": classification(_metrics.f1_score), "roc_auc": roc_auc,
        "mse": lambda o, t: float(np.mean((o.reshape(t.shape) - t) ** 2)),
        "mae": lambda o, t: float(np.mean(np.abs(o.reshape(t.shape) - t))),
    }
    if name not in table:
        raise ValueError(f"unknown metric {name!r}; expected one of {sorted(table)} or a function "
                         "(outputs, targets) -> float on numpy arrays")
    return table[name]


def _resolve_metrics(metrics: Iterable, loss_fn) -> list[tuple[str, Callable]]:
    logits = isinstance(loss_fn, BCEWithLogitsLoss)  # otherwise a single output column is a probability
    out = []
    for m in metrics:
        if isinstance(m, str):
            out.append((m, _metric_function(m, logits)))
        elif callable(m):
            out.append((getattr(m, "__name__", "metric"), m))
        else:
            raise TypeError(f"a metric is a name or a function, got {type(m).__name__}")
    return out


def _numpy(x) -> np.ndarray:
    return x.value if isinstance(x, Tensor) else np.asarray(x)


def _split_batch(batch, where: str):
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError(f"{where}: a batch must be a pair (inputs, targets), got {type(batch).__name__}"
                    + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else ""))


def evaluate(model: Module, loss_fn: Callable, loader: Iterable, metrics: Sequence = ()) -> dict[str, float]:
    """Mean loss and metrics over ``loader`` with gradients off and the model in eval mode (its previous
    mode is restored). The loss is averaged per example (batch losses weighted by batch size)."""
    resolved = _resolve_metrics(metrics, loss_fn)
    was_training = model.training
    model.eval()
    total, count, outputs, targets = 0.0, 0, [], []
    try:
        with no_grad():
            for batch in loader:
                x, y = _split_batch(batch, "evaluate")
                out = model(x)
                n = len(_numpy(x))
                total += float(loss_fn(out, y).item()) * n
                count += n
                if resolved:
                    outputs.append(_numpy(out))
                    targets.append(_numpy(y))
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate got an empty loader")
    return _summary(total / count, resolved, outputs, targets)


def _summary(mean_loss: float, resolved, outputs: list, targets: list) -> dict:
    """An epoch's logs: the mean loss and each metric over all of the epoch's outputs and targets."""
    logs = {"loss": mean_loss}
    if resolved:
        o, t = np.concatenate(outputs), np.concatenate(targets)
        for name, fn in resolved:
            logs[name] = float(fn(o, t))
    return logs


# -- callbacks -----------------------------------------------------------------------------------------

class Trainer:
    """What callbacks see: the objects being trained and a ``stop_training`` flag they may set."""

    def __init__(self, model, optimizer, scheduler, train_loader, history):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.train_loader, self.history = train_loader, history
        self.stop_training = False
        self.epoch = 0


class Callback:
    """Hooks called by :func:`fit`; override any of them."""

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, trainer: Trainer) -> None:
        pass


def _monitored(logs: dict, monitor: str, who: str) -> float:
    if monitor not in logs:
        raise KeyError(f"{who} monitors {monitor!r}, but this epoch's logs have {sorted(logs)}"
                       + ("; pass a val_loader to fit, or monitor 'loss'" if monitor.startswith("val_") else ""))
    return logs[monitor]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs. With
    ``restore_best_weights`` the model ends training with the weights of its best epoch."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, mode: str = "auto",
                 restore_best_weights: bool = False):
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be a non-negative integer, got {patience!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.monitor, self.patience, self.min_delta = monitor, patience, float(min_delta)
        self.mode = _resolve_mode(mode, monitor)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, trainer: Trainer) -> None:
        self.wait, self.best_epoch, self.best_weights, self.stopped_epoch = 0, None, None, None
        self.best = math.inf if self.mode == "min" else -math.inf

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                # (state_dict() shares the parameters' memory, as PyTorch's: keep copies)
                self.best_weights = {k: v.clone() for k, v in trainer.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                self.stopped_epoch = epoch

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)


class ModelCheckpoint(Callback):
    """Save a checkpoint (see :func:`save_checkpoint`) after each epoch, or only when ``monitor`` improves
    (``save_best_only``). ``path`` may contain ``{epoch}`` and log names, e.g. ``"ckpt-{epoch:03d}.npz"``."""

    def __init__(self, path: str | os.PathLike, monitor: str = "val_loss", save_best_only: bool = False,
                 mode: str = "auto"):
        self.path, self.monitor, self.save_best_only = os.fspath(path), monitor, save_best_only
        self.mode = _resolve_mode(mode, monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_saved: str | None = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best_only:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                return
            self.best = value
        path = self.path.format(epoch=epoch, **logs)
        save_checkpoint(path, trainer.model, trainer.optimizer, trainer.scheduler, epoch=epoch,
                        history=trainer.history, train_loader=trainer.train_loader)
        self.last_saved = path


# -- checkpoints ---------------------------------------------------------------------------------------

def _module_generators(model: Module, get_state: bool) -> dict:
    """Generators that modules hold themselves (e.g. ``Dropout(generator=g)``), by module name."""
    out = {}
    for name, module in model.named_modules():
        gen = getattr(module, "generator", None)
        if isinstance(gen, Generator):
            out[name or "."] = gen.get_state() if get_state else gen
    return out


def save_checkpoint(path: str | os.PathLike, model: Module, optimizer: Optimizer | None = None,
                    scheduler=None, epoch: int | None = None, history: History | None = None,
                    train_loader=None, extra: dict | None = None) -> None:
    """Save everything needed to resume: model, optimizer and scheduler state dicts, the number of completed
    epochs, the history, the random streams (the default generator, the loader's and any that modules
    hold), and ``extra``."""
    rng = {"default": default_generator.get_state(), "modules": _module_generators(model, get_state=True)}
    gen = getattr(train_loader, "generator", None)
    if gen is not None:
        rng["loader"] = gen.get_state()
    save({
        "kind": "nets.train checkpoint",
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "history": history.state_dict() if history is not None else None,
        "rng": rng,
        "extra": extra or {},
    }, path)


def load_checkpoint(path: str | os.PathLike, model: Module | None = None, optimizer: Optimizer | None = None,
                    scheduler=None, train_loader=None, history: History | None = None,
                    restore_rng: bool = True) -> dict:
    """Load a checkpoint from :func:`save_checkpoint` and restore the given objects from it (each only if
    passed). Returns the checkpoint dict; resume with ``fit(..., initial_epoch=ckpt["epoch"])``."""
    ckpt = load(path)
    if not isinstance(ckpt, dict) or ckpt.get("kind") != "nets.train checkpoint":
        raise ValueError(f"{os.fspath(path)!r} is a nets file but not a training checkpoint from save_checkpoint")
    for obj, key in ((optimizer, "optimizer"), (scheduler, "scheduler"), (history, "history")):
        if obj is not None and ckpt[key] is None:
            raise ValueError(f"the checkpoint {os.fspath(path)!r} holds no {key} state")
    if model is not None:
        model.load_state_dict(ckpt["model"])
    if optimizer is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(ckpt["scheduler"])
    if history is not None:
        history.load_state_dict(ckpt["history"])
    if restore_rng:
        default_generator.set_state(ckpt["rng"]["default"])
        if model is not None:
            gens = _module_generators(model, get_state=False)
            for name, state in ckpt["rng"].get("modules", {}).items():
                if name in gens:
                    gens[name].set_state(state)
        gen = getattr(train_loader, "generator", None)
        if gen is not None and "loader" in ckpt["rng"]:
            gen.set_state(ckpt["rng"]["loader"])
    return ckpt


# -- the loop ------------------------------------------------------------------------------------------

def _progress_bar(loader, total: int | None, desc: str, enabled: bool):
    if not enabled:
        return loader, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return loader, None
    bar = tqdm(loader, total=total, desc=desc, leave=False, file=sys.stderr, dynamic_ncols=True)
    return bar, bar


def _format_logs(logs: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.4g}" for k, v in logs.items())


def fit(model: Module, loss_fn: Callable, optimizer: Optimizer, train_loader: Iterable, epochs: int,
        val_loader: Iterable | None = None, scheduler=None, metrics: Sequence = (),
        callbacks: Sequence[Callback] = (), progress: bool = True, scheduler_interval: str = "epoch",
        initial_epoch: int = 0, history: History | None = None, clip_grad_norm: float | None = None) -> History:
    """Train ``model`` for epochs ``initial_epoch + 1 … epochs`` and return the :class:`History`.

    Per batch: forward, loss, backward, ``optimizer.step()``, ``optimizer.zero_grad()`` (gradients are also
    cleared once before the first batch, so stale gradients never leak into the first step); optionally the
    gradients' global norm is clipped to ``clip_grad_norm`` before the step. The scheduler steps once per
    epoch after the optimizer steps (``scheduler_interval='step'``: after every optimizer step, for
    OneCycleLR or warm-up schedules); ``ReduceLROnPlateau`` is stepped with the validation loss (the
    training loss without a ``val_loader``). Logged per epoch: ``loss`` (mean over examples), each metric,
    ``val_``-prefixed values from :func:`evaluate`, and ``lr`` (the rate used in that epoch).
    ``metrics`` holds names ('accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'mse', 'mae') or functions
    ``(outputs, targets) -> float`` on numpy arrays. ``progress`` shows a tqdm bar with the running loss and
    a line per epoch on stderr; ``progress=False`` prints nothing. A NaN or infinite loss raises
    :class:`NonFiniteLossError` naming the epoch and step, before that step's update; so do NaN or infinite
    weights at the end of an epoch and a NaN or infinite validation loss.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a nets.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a nets.optim.Optimizer, got {type(optimizer).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if not 0 <= initial_epoch <= epochs:
        raise ValueError(f"initial_epoch must lie in [0, epochs={epochs}], got {initial_epoch}")
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
    if scheduler is not None and not isinstance(scheduler, LRScheduler):
        raise TypeError(f"scheduler must be a nets.optim.lr_scheduler scheduler, got {type(scheduler).__name__}")
    if isinstance(scheduler, ReduceLROnPlateau) and scheduler_interval == "step":
        raise ValueError("ReduceLROnPlateau needs a metric per epoch; use scheduler_interval='epoch'")
    resolved = _resolve_metrics(metrics, loss_fn)
    callbacks = list(callbacks)
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be nets.train.Callback instances, got {type(cb).__name__}")
    history = History() if history is None else history
    trainer = Trainer(model, optimizer, scheduler, train_loader, history)
    try:
        total = len(train_loader)
    except TypeError:
        total = None
    params = [p for g in optimizer.param_groups for p in g["params"]]

    for cb in callbacks:
        cb.on_train_begin(trainer)
    optimizer.zero_grad()
    try:
        for epoch in range(initial_epoch + 1, epochs + 1):
            trainer.epoch = epoch
            model.train()
            lr = optimizer.param_groups[0]["lr"]
            loss_sum, count, outputs, targets = 0.0, 0, [], []
            batches, bar = _progress_bar(train_loader, total, f"epoch {epoch}/{epochs}", progress)
            for step, batch in enumerate(batches, start=1):
                x, y = _split_batch(batch, "fit")
                output = model(x)
                loss = loss_fn(output, y)
                value = float(loss.item())
                if not math.isfinite(value):
                    if bar is not None:
                        bar.close()  # so that the error's message stands on a line of its own
                    raise NonFiniteLossError(
                        f"the loss became {value} at epoch {epoch}, step {step}"
                        f"{f' of {total}' if total else ''}; the weights were not updated with it" + _ADVICE)
                loss.backward()
                if clip_grad_norm is not None:
                    clip_grad_norm_(params, clip_grad_norm)
                optimizer.step()
                optimizer.zero_grad()
                if scheduler is not None and scheduler_interval == "step":
                    scheduler.step()
                n = len(_numpy(x))
                loss_sum += value * n
                count += n
                if resolved:
                    outputs.append(_numpy(output).copy())
                    targets.append(_numpy(y))
                if bar is not None:
                    bar.set_postfix(loss=f"{loss_sum / count:.4f}", refresh=False)
            if bar is not None:
                bar.close()
            if count == 0:
                raise ValueError("the training loader yielded no batches")
            _check_weights(model, params, epoch)  # the last step's update is seen by no loss of this epoch
            logs = _summary(loss_sum / count, resolved, outputs, targets)
            if val_loader is not None:
                logs.update({f"val_{k}": v for k, v in evaluate(model, loss_fn, val_loader, metrics).items()})
                if not math.isfinite(logs["val_loss"]):
                    raise NonFiniteLossError(
                        f"the validation loss became {logs['val_loss']} at epoch {epoch}" + _ADVICE)
            logs["lr"] = float(lr)
            if scheduler is not None and scheduler_interval == "epoch":
                if isinstance(scheduler, ReduceLROnPlateau):
                    scheduler.step(logs["val_loss" if val_loader is not None else "loss"])
                else:
                    scheduler.step()
            history.append(epoch, logs)
            if progress:
                print(f"epoch {epoch}/{epochs}  {_format_logs(logs)}", file=sys.stderr)
            for cb in callbacks:
                cb.on_epoch_end(trainer, epoch, logs)
            if trainer.stop_training:
                if progress:
                    print(f"stopping early after epoch {epoch}", file=sys.stderr)
                break
    finally:
        for cb in callbacks:
            cb.on_train_end(trainer)
    return history

