import numpy as np
import pytest

import nets
from nets import nn
from nets.data import DataLoader, Dataset, TensorDataset
from nets.models import MLP, LogisticRegression
from nets.optim import SGD, Adam
from nets.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, OneCycleLR, ReduceLROnPlateau, StepLR
from nets.train import (
    Callback,
    EarlyStopping,
    History,
    ModelCheckpoint,
    NonFiniteLossError,
    evaluate,
    fit,
    load_checkpoint,
    save_checkpoint,
)


def _sample_data(n=400, d=3, seed=0):
    """The course exercise's classification data: two Gaussians around ±1, labelled 1 and 0."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, d)) + np.where(y[:, None] == 1, 1.0, -1.0)
    return X.astype(np.float32), y


class SampleDataset(Dataset):
    """The exercise's dataset: float32 features, labels as a column (N, 1)."""

    def __init__(self, X, y):
        self.X = X.astype(np.float32)
        self.y = y.astype(np.float32).reshape(-1, 1)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


def test_the_course_training_loop_runs_unchanged():
    """The lecture's PyTorch loop with its syntax errors fixed (`train dataset`, `loss fn`) and the names it
    leaves undefined supplied, with `nets` in place of `torch`."""
    from nets.data import DataLoader
    from nets.models import LogisticRegression
    from nets.optim import SGD
    from nets.optim.lr_scheduler import ExponentialLR

    nets.manual_seed(0)
    X_train, y_train = _sample_data()
    d, n_epochs = X_train.shape[1], 10

    # ---- the lecture's code from here on ----
    # Load the dataset.
    train_dataset = SampleDataset(X_train, y_train)
    # Preparing your data for training with DataLoaders.
    batch_size = 64
    train_dataloader = DataLoader(train_dataset, batch_size=batch_size, shuffle=True)
    # Define the model class.
    model = LogisticRegression(num_features=d)
    # Loss function.
    loss_fn = nn.BCELoss()
    # Optimizer.
    optimizer = SGD(model.parameters(), lr=0.01, momentum=0.9)
    # Learning rate scheduler.
    scheduler = ExponentialLR(optimizer, gamma=0.9)

    # Run for a few epochs.
    for epoch in range(n_epochs):  # noqa: B007 - the lecture's loop variable
        # Iterate through the DataLoader to access mini-batches.
        for batch, (input, target) in enumerate(train_dataloader):  # noqa: B007, A001
            # Prediction.
            output = model(input)
            # Compute loss.
            loss = loss_fn(output, target)
            # Compute gradient.
            loss.backward()
            # Gradient descent.
            optimizer.step()
            # Prevent gradient accumulation
            optimizer.zero_grad()
        # Adjust learning rate
        scheduler.step()
    # ---- end of the lecture's code ----

    assert scheduler.get_last_lr()[0] == pytest.approx(0.01 * 0.9 ** n_epochs)
    model.eval()
    with nets.no_grad():
        accuracy = ((model(nets.tensor(X_train)).numpy()[:, 0] >= 0.5) == y_train).mean()
    assert accuracy > 0.95


def _manual_loop(model, loss_fn, optimizer, scheduler, loader, epochs):
    for _ in range(epochs):
        for x, y in loader:
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        scheduler.step()


def test_fit_is_the_course_loop():
    """fit() and the hand-written loop give bit-identical weights from the same start."""
    X, y = _sample_data()
    ds = TensorDataset(X, y.astype(np.float32).reshape(-1, 1))
    results = []
    for use_fit in (False, True):
        model = LogisticRegression(3, generator=nets.Generator().manual_seed(1))
        opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
        sched = ExponentialLR(opt, 0.8)
        loader = DataLoader(ds, batch_size=32, shuffle=True, generator=nets.Generator().manual_seed(2))
        if use_fit:
            history = fit(model, nn.BCELoss(), opt, loader, 5, scheduler=sched, progress=False)
            np.testing.assert_allclose(history["lr"], 0.05 * 0.8 ** np.arange(5), rtol=1e-12)
        else:
            _manual_loop(model, nn.BCELoss(), opt, sched, loader, 5)
        results.append(model.state_dict())
    for k in results[0]:
        np.testing.assert_array_equal(results[0][k], results[1][k])


class Probe(nn.Module):
    """Records, for every forward pass, whether it ran in training mode and with gradients enabled."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, nets.is_grad_enabled()))
        return self.linear(x)


def test_validation_runs_in_eval_mode_without_gradients():
    X, y = _sample_data(64)
    ds = TensorDataset(X, y.astype(np.float32).reshape(-1, 1))
    model = Probe()
    fit(model, nn.BCEWithLogitsLoss(), SGD(model.parameters(), lr=0.1), DataLoader(ds, batch_size=32), 2,
        val_loader=DataLoader(ds, batch_size=64), progress=False)
    # Per epoch: two training batches (train mode, grad on), one validation batch (eval mode, grad off).
    assert model.calls == [(True, True), (True, True), (False, False)] * 2
    assert model.training


def test_history_metrics_and_evaluate():
    X, y = _sample_data(200, seed=3)
    ds = TensorDataset(X, y.astype(np.float32).reshape(-1, 1))
    nets.manual_seed(0)
    model = LogisticRegression(3, logits=True)
    h = fit(model, nn.BCEWithLogitsLoss(), Adam(model.parameters(), lr=0.05), DataLoader(ds, batch_size=50), 3,
            val_loader=DataLoader(ds, batch_size=64), metrics=["accuracy", "f1", "roc_auc"], progress=False)
    assert h.epochs == [1, 2, 3] and len(h) == 3
    assert set(h.keys()) == {"loss", "accuracy", "f1", "roc_auc", "val_loss", "val_accuracy", "val_f1",
                             "val_roc_auc", "lr"}
    model.eval()
    with nets.no_grad():
        logits = model(nets.tensor(X)).numpy()[:, 0]
    # Logits are thresholded at 0 (the loss takes logits); the validation loss is the mean BCE.
    assert h["val_accuracy"][-1] == pytest.approx(((logits >= 0) == y).mean())
    p = 1 / (1 + np.exp(-logits))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert h["val_loss"][-1] == pytest.approx(bce, rel=1e-5)
    logs = evaluate(model, nn.BCEWithLogitsLoss(), DataLoader(ds, batch_size=7), ["accuracy", "roc_auc"])
    assert logs["loss"] == pytest.approx(bce, rel=1e-5) and logs["accuracy"] == h["val_accuracy"][-1]
    assert h.best("val_accuracy")[1] == max(h["val_accuracy"])
    assert h.best("val_loss") == (int(np.argmin(h["val_loss"])) + 1, min(h["val_loss"]))


def test_progress_false_is_silent_and_true_reports(capfd):
    X, y = _sample_data(64)
    ds = TensorDataset(X, y.astype(np.float32).reshape(-1, 1))
    model = LogisticRegression(3)
    fit(model, nn.BCELoss(), SGD(model.parameters(), lr=0.1), DataLoader(ds, batch_size=16), 2, progress=False)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    fit(model, nn.BCELoss(), SGD(model.parameters(), lr=0.1), DataLoader(ds, batch_size=16), 2, progress=True)
    out, err = capfd.readouterr()
    assert "epoch 1/2" in err and "epoch 2/2  loss" in err


def _overfitting_setup():
    """Training data are separable; 35 % of the validation labels are flipped. Starting from wrong weights,
    the validation loss first falls, then rises as the weights grow and the model turns overconfident."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32).reshape(-1, 1)
    train = TensorDataset(X, y)
    val = TensorDataset(X, np.where(rng.random((64, 1)) < 0.35, 1 - y, y).astype(np.float32))
    return DataLoader(train, batch_size=64), DataLoader(val, batch_size=64)


class Snapshots(Callback):
    def on_train_begin(self, trainer):
        self.weights = {}

    def on_epoch_end(self, trainer, epoch, logs):
        self.weights[epoch] = {k: v.clone() for k, v in trainer.model.state_dict().items()}  # (shared memory)


def test_early_stopping_restores_best_weights():
    train_loader, val_loader = _overfitting_setup()
    model = LogisticRegression(2, logits=True, generator=nets.Generator().manual_seed(0))
    with nets.no_grad():
        model.linear.weight.data[...] = [[-1.0, 0.0]]  # start wrong, so validation first improves
        model.linear.bias.data[...] = 0.0
    snaps = Snapshots()
    stopper = EarlyStopping("val_loss", patience=3, restore_best_weights=True)
    h = fit(model, nn.BCEWithLogitsLoss(), SGD(model.parameters(), lr=0.5), train_loader, 50,
            val_loader=val_loader, callbacks=[snaps, stopper], progress=False)
    best_epoch, _ = h.best("val_loss")
    assert 1 < best_epoch < len(h) < 50  # it improved, then got worse, then stopped
    assert stopper.stopped_epoch == best_epoch + 3 == h.epochs[-1]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snaps.weights[best_epoch][k])
    assert not np.array_equal(snaps.weights[h.epochs[-1]]["linear.weight"], model.state_dict()["linear.weight"])


def test_early_stopping_needs_the_monitored_value():
    train_loader, _ = _overfitting_setup()
    model = LogisticRegression(2, logits=True)
    with pytest.raises(KeyError, match="val_loss.*pass a val_loader"):
        fit(model, nn.BCEWithLogitsLoss(), SGD(model.parameters(), lr=0.1), train_loader, 2,
            callbacks=[EarlyStopping()], progress=False)


def test_model_checkpoint_best_only(tmp_path):
    train_loader, val_loader = _overfitting_setup()
    model = LogisticRegression(2, logits=True)
    with nets.no_grad():
        model.linear.weight.data[...] = [[-1.0, 0.0]]
    ck = ModelCheckpoint(tmp_path / "best.npz", save_best_only=True)
    every = ModelCheckpoint(str(tmp_path / "e{epoch:02d}.npz"))
    h = fit(model, nn.BCEWithLogitsLoss(), SGD(model.parameters(), lr=0.5), train_loader, 8,
            val_loader=val_loader, callbacks=[ck, every], progress=False)
    best_epoch, _ = h.best("val_loss")
    saved = nets.load(tmp_path / "best.npz")
    assert saved["epoch"] == best_epoch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz"] + [f"e{i:02d}.npz" for i in range(1, 9)]
    final = nets.load(tmp_path / "e08.npz")
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(final["model"][k], v)


def _resumable_run(tmp_path, epochs_first, epochs_total, resume):
    """MLP with dropout, Adam and a cosine schedule on shuffled mini-batches."""
    X, y = _sample_data(120, seed=5)
    ds = TensorDataset(X, y)
    nets.manual_seed(123)
    model = MLP([3, 16, 2], dropout=0.3, generator=nets.Generator().manual_seed(7))
    opt = Adam(model.parameters(), lr=0.01)
    sched = CosineAnnealingLR(opt, T_max=epochs_total)
    loader = DataLoader(ds, batch_size=16, shuffle=True, generator=nets.Generator().manual_seed(9))
    history = History()
    if resume:
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs_first, scheduler=sched, history=history,
            progress=False)
        save_checkpoint(tmp_path / "ck.npz", model, opt, sched, epoch=epochs_first, history=history,
                        train_loader=loader)
        nets.manual_seed(999)  # disturb every random stream before resuming in fresh objects
        model = MLP([3, 16, 2], dropout=0.3, generator=nets.Generator().manual_seed(55))
        opt = Adam(model.parameters(), lr=0.5)
        sched = CosineAnnealingLR(opt, T_max=epochs_total)
        loader = DataLoader(ds, batch_size=16, shuffle=True, generator=nets.Generator().manual_seed(56))
        history = History()
        ck = load_checkpoint(tmp_path / "ck.npz", model, opt, sched, train_loader=loader, history=history)
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs_total, scheduler=sched, history=history,
            initial_epoch=ck["epoch"], progress=False)
    else:
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs_total, scheduler=sched, history=history,
            progress=False)
    return model.state_dict(), opt.state_dict(), history


def test_checkpoint_resume_equals_uninterrupted_training(tmp_path):
    w_full, opt_full, h_full = _resumable_run(tmp_path, 3, 6, resume=False)
    w_res, opt_res, h_res = _resumable_run(tmp_path, 3, 6, resume=True)
    for k in w_full:
        np.testing.assert_array_equal(w_full[k], w_res[k])
    for i, state in opt_full["state"].items():
        for name, value in state.items():
            np.testing.assert_array_equal(value, opt_res["state"][i][name])
    assert opt_full["param_groups"][0]["lr"] == opt_res["param_groups"][0]["lr"]
    assert h_full.epochs == h_res.epochs == [1, 2, 3, 4, 5, 6]
    assert h_full["loss"] == h_res["loss"] and h_full["lr"] == h_res["lr"]


def test_load_checkpoint_errors(tmp_path):
    nets.save({"model": {}}, tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "plain.npz", LogisticRegression(2))
    model = LogisticRegression(2)
    save_checkpoint(tmp_path / "ck.npz", model)
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(tmp_path / "ck.npz", model, SGD(model.parameters(), lr=0.1))
    with pytest.raises(RuntimeError, match="shape"):
        load_checkpoint(tmp_path / "ck.npz", LogisticRegression(3))


def test_same_seed_same_weights_twice():
    def run():
        X, y = _sample_data(100, seed=8)
        nets.manual_seed(4)
        model = MLP([3, 8, 2], dropout=0.2)
        loader = DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True)
        fit(model, nn.CrossEntropyLoss(), Adam(model.parameters()), loader, 3, progress=False)
        return model.state_dict()

    a, b = run(), run()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


class NaNAtBatch(Dataset):
    def __init__(self, bad_index):
        self.X, self.y = _sample_data(40)
        self.X[bad_index] = np.nan

    def __len__(self):
        return 40

    def __getitem__(self, i):
        return self.X[i], np.float32(self.y[i])


class RecordingSGD(SGD):
    """SGD that keeps a copy of the weights after every step."""

    def step(self, closure=None):
        out = super().step(closure)
        self.after.append([p.data.numpy().copy() for g in self.param_groups for p in g["params"]])
        return out


def test_nan_loss_stops_with_epoch_and_step():
    model = LogisticRegression(3)
    opt = RecordingSGD(model.parameters(), lr=0.1)
    opt.after = []
    X, y = _sample_data(40)
    X[25] = np.nan  # in the third batch of ten
    loader = DataLoader(TensorDataset(X, y.astype(np.float32).reshape(-1, 1)), batch_size=10)
    with pytest.raises(NonFiniteLossError, match=r"loss became nan at epoch 1, step 3 of 4"):
        fit(model, nn.BCELoss(), opt, loader, 3, progress=False)
    # Two steps were taken; the NaN batch never reached the weights.
    assert len(opt.after) == 2
    for p, kept in zip(model.parameters(), opt.after[-1]):
        np.testing.assert_array_equal(p.data.numpy(), kept)
    with pytest.raises(NonFiniteLossError, match=r"at epoch 3, step 3 of 4"):
        fit(model, nn.BCELoss(), opt, loader, 5, initial_epoch=2, progress=False)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_diverging_learning_rate_is_reported():
    X = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32) * 100
    y = X.sum(1, keepdims=True) ** 2
    model = nn.Linear(2, 1)
    with pytest.raises(NonFiniteLossError, match="at epoch .*, step .*Lower the learning rate"):
        fit(model, nn.MSELoss(), SGD(model.parameters(), lr=10.0), DataLoader(TensorDataset(X, y), batch_size=8),
            20, progress=False)


def test_per_step_schedule_and_plateau():
    X, y = _sample_data(64)
    ds = TensorDataset(X, y)
    model = MLP([3, 4, 2])
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.1, total_steps=4 * 3)
    h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(ds, batch_size=16), 3, scheduler=sched,
            scheduler_interval="step", progress=False)
    ref_opt = SGD([nets.tensor([0.0], requires_grad=True)], lr=0.1, momentum=0.9)
    ref = OneCycleLR(ref_opt, max_lr=0.1, total_steps=12)
    expected = []
    for i in range(12):
        if i % 4 == 0:
            expected.append(ref.get_last_lr()[0])
        ref_opt.step()
        ref.step()
    assert h["lr"] == pytest.approx(expected, rel=1e-12)
    opt = SGD(model.parameters(), lr=1.0)
    plateau = ReduceLROnPlateau(opt, patience=0, factor=0.5, threshold=10.0)  # never "improves" after epoch 1
    h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(ds, batch_size=16), 3, scheduler=plateau, progress=False)
    assert h["lr"] == [1.0, 0.5, 0.25]
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        fit(model, nn.CrossEntropyLoss(), opt, DataLoader(ds, batch_size=16), 1, scheduler=plateau,
            scheduler_interval="step", progress=False)


def test_step_lr_per_epoch_after_the_optimizer_steps():
    X, y = _sample_data(32)
    model = MLP([3, 2])
    opt = SGD(model.parameters(), lr=1.0)
    h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(TensorDataset(X, y), batch_size=8), 5,
            scheduler=StepLR(opt, 2, 0.1), progress=False)
    assert h["lr"] == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01])


def test_history_plot(tmp_path):
    h = History()
    for e in range(1, 6):
        h.append(e, {"loss": 1 / e, "accuracy": 0.5 + e / 20, "val_loss": 1.2 / e, "val_accuracy": 0.5, "lr": 0.1})
    fig = h.plot(tmp_path / "h.png", title="demo")
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy", "learning rate"]
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="empty"):
        History().plot()
    h2 = History()
    h2.load_state_dict(h.state_dict())
    assert h2.history == h.history and h2.epochs == h.epochs
    with pytest.raises(KeyError, match="no 'f1'"):
        h["f1"]


def test_fit_argument_errors():
    model = MLP([3, 2])
    loader = DataLoader(TensorDataset(*_sample_data(16)), batch_size=4)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, -1, progress=False)
    with pytest.raises(TypeError, match="optimizer"):
        fit(model, nn.CrossEntropyLoss(), "sgd", loader, 1, progress=False)
    with pytest.raises(ValueError, match="unknown metric 'acc'"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, 1, metrics=["acc"], progress=False)
    with pytest.raises(TypeError, match="Callback"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, 1, callbacks=[print], progress=False)
    with pytest.raises(TypeError, match="pair"):
        fit(model, nn.CrossEntropyLoss(), opt, DataLoader(TensorDataset(np.zeros((4, 3))), batch_size=2), 1,
            progress=False)
