# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · The training loop
#
# **What you will learn.** The complete training loop with its easily forgotten parts (train/eval modes,
# no_grad, validation, saving), how to evaluate a classifier properly, and how to do the course's Musk
# homework end to end.
#
# **Why it matters.** This is the loop you will write for every project; most silent training bugs live in
# the parts the lecture's slide leaves out.
#
# Every chapter so far has been a piece of one loop:
#
# ```
# for each epoch:
#     for each mini-batch (x, y):
#         output = model(x); loss = loss_fn(output, y)     # forward
#         loss.backward()                                  # reverse sweep: gradients into .grad
#         optimizer.step()                                 # update
#         optimizer.zero_grad()                            # clear .grad for the next batch
#     scheduler.step()                                     # once per epoch
# ```
#
# We first write the course's PyTorch loop out in full — with `nets` in place of `torch`, and with the
# pieces the lecture's slide leaves out — then hand the same job to `nets.train.fit`, and finish with the
# homework-style task: a classifier on a real dataset, evaluated properly.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import musk_like  # tutorials/musk_like.py: data in the Musk file's format
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import nets
from nets import metrics, nn, optim
from nets.data import (
    DataLoader,
    Dataset,
    StandardScaler,
    TensorDataset,
    load_breast_cancer,
    load_digits,
    load_musk,
    train_test_split,
)
from nets.models import MLP
from nets.train import fit

nets.manual_seed(0)

# %% [markdown]
# ## 1. The course's loop, written out
#
# The slide's version does not run as printed: `train dataset` and `loss fn` are syntax errors,
# `SampleDataset`, `d` and `n_epochs` are never defined, and it never switches between `train()` and
# `eval()` (E17). Below is a complete version: a `Dataset` (`__len__`, `__getitem__`), a `DataLoader`
# that reshuffles every epoch, an `nn.Module` (`__init__` calling `super().__init__()`, `forward`), the
# loss, the optimizer and the scheduler — plus a validation split, evaluation under `no_grad()` in
# `eval()` mode, and saving/loading the `state_dict`.

# %%
class SampleDataset(Dataset):
    """Two Gaussian classes in d dimensions, means −1 (label 0) and +1 (label 1); float32, y of shape (N, 1)."""

    def __init__(self, n, d, seed):
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 2, n)
        self.X = (rng.normal(size=(n, d)) + np.where(labels[:, None] == 1, 1.0, -1.0)).astype(np.float32)
        self.y = labels.astype(np.float32).reshape(-1, 1)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return nets.tensor(self.X[i]), nets.tensor(self.y[i])


class LogisticRegression(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.linear = nn.Linear(d, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        return self.sigmoid(self.linear(x))


def test(model, loader, loss_fn):
    """Mean loss and accuracy, in eval mode and without recording a graph."""
    model.eval()
    total, correct, count = 0.0, 0, 0
    with nets.no_grad():
        for x, y in loader:
            p = model(x)
            total += loss_fn(p, y).item() * len(y)
            correct += int(((p.numpy() >= 0.5) == y.numpy()).sum())
            count += len(y)
    return total / count, correct / count


d, n_epochs = 2, 10
train_loader = DataLoader(SampleDataset(2000, d, seed=0), batch_size=32, shuffle=True)
val_loader = DataLoader(SampleDataset(500, d, seed=1), batch_size=256)
model = LogisticRegression(d)
loss_fn = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)

for epoch in range(1, n_epochs + 1):
    lr_this_epoch = optimizer.param_groups[0]["lr"]      # the rate every step of this epoch uses
    model.train()
    for x, y in train_loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    scheduler.step()                                     # after the epoch: sets the rate for the next one
    val_loss, val_acc = test(model, val_loader, loss_fn)
    if epoch in (1, 2, n_epochs):
        print(f"epoch {epoch:2d} trained at lr {lr_this_epoch:.2e}; validation loss {val_loss:.4f},"
              f" accuracy {val_acc:.3f}; next epoch's lr {scheduler.get_last_lr()[0]:.2e}")
assert val_acc > 0.9 and val_loss < 0.3
assert abs(lr_this_epoch - 1e-3 * 0.9 ** (n_epochs - 1)) < 1e-15     # epoch 10 used η⁰·γ⁹, not γ¹⁰

with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "model.npz"
    nets.save(model.state_dict(), path)
    reloaded = LogisticRegression(d)
    reloaded.load_state_dict(nets.load(path))
assert test(reloaded, val_loader, loss_fn) == (val_loss, val_acc)
print("state_dict keys:", list(model.state_dict()), "— saved, reloaded, same validation numbers")

# %% [markdown]
# ## 2. Why `zero_grad()`? (quiz 14)
#
# `backward()` **adds** into `.grad`; it never overwrites. That is deliberate — it lets several backward
# passes accumulate into one update (gradient accumulation over small batches) — but it means that
# without `zero_grad()` every step would use the sum of all gradients so far. (`zero_grad()` sets the
# gradients to `None` by default, as PyTorch ≥ 2.0 does.)

# %%
w = nets.tensor([1.0, -2.0], dtype=nets.float64, requires_grad=True)
for _ in range(3):
    (w * w).sum().backward()                 # ∇ = 2w each time
print("after three backward() calls without zeroing:", w.grad.numpy(), "= 3 × 2w")
assert np.array_equal(w.grad.numpy(), 3 * 2 * w.detach().numpy())
opt = optim.SGD([w], lr=0.1)
opt.zero_grad()
assert w.grad is None

# gradient accumulation: two half-batches, then one step, equals one full batch
X_acc, y_acc = nets.randn(8, 3, dtype=nets.float64), nets.randn(8, 1, dtype=nets.float64)
lin = nn.Linear(3, 1, dtype=nets.float64)
nn.MSELoss(reduction="sum")(lin(X_acc), y_acc).backward()
full = lin.weight.grad.numpy().copy()
lin.zero_grad()
for half in (slice(0, 4), slice(4, 8)):
    nn.MSELoss(reduction="sum")(lin(X_acc[half]), y_acc[half]).backward()
assert np.allclose(lin.weight.grad.numpy(), full, atol=1e-12)

# %% [markdown]
# ## 3. The same, with `nets.train.fit`
#
# `fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=..., scheduler=..., metrics=...,
# callbacks=...)` runs exactly that loop (training mode for the batches, `eval()` and `no_grad()` for
# validation, the scheduler after each epoch) and returns a `History` of the per-epoch numbers, including
# the learning rate each epoch *trained* at.

# %%
nets.manual_seed(0)
model2 = LogisticRegression(d)
opt2 = optim.SGD(model2.parameters(), lr=1e-3, momentum=0.9)
history = fit(model2, nn.BCELoss(), opt2, train_loader, epochs=n_epochs, val_loader=val_loader,
              scheduler=optim.lr_scheduler.ExponentialLR(opt2, gamma=0.9), metrics=["accuracy"], progress=False)
print(history)
assert history["val_accuracy"][-1] > 0.9
assert np.allclose(history["lr"], 1e-3 * 0.9 ** np.arange(n_epochs))   # the rate used in each epoch

# %% [markdown]
# ## 4. The homework: a classifier on a real dataset
#
# The bundled Breast Cancer Wisconsin (Diagnostic) data: 569 tumours, 30 features computed from cell
# nuclei, labelled malignant or benign. We treat **malignant as the positive class** (missing one is the
# costly error, so recall matters), hold out a stratified 25 % test split, standardize with statistics of
# the training split only, and train logistic regression on the logits with `BCEWithLogitsLoss`.

# %%
bunch = load_breast_cancer()
X, y = bunch.data, (bunch.target == 0).astype(np.int64)    # 1 = malignant
print(bunch.citation.splitlines()[0])
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
X_tr, X_va, y_tr, y_va = train_test_split(X_tr, y_tr, test_size=0.2, stratify=y_tr, seed=1)
scaler = StandardScaler().fit(X_tr)
X_tr, X_va, X_te = scaler.transform(X_tr), scaler.transform(X_va), scaler.transform(X_te)


def loader(X_, y_, shuffle=False, batch_size=32):
    ds = TensorDataset(nets.tensor(X_, dtype=nets.float32), nets.tensor(y_.reshape(-1, 1), dtype=nets.float32))
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle)


nets.manual_seed(0)
clf = nets.models.LogisticRegression(30, logits=True)
hist_bc = fit(clf, nn.BCEWithLogitsLoss(), optim.Adam(clf.parameters(), lr=1e-2), loader(X_tr, y_tr, True),
              epochs=30, val_loader=loader(X_va, y_va), metrics=["accuracy", "roc_auc"], progress=False)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
axes[0].plot(hist_bc.epochs, hist_bc["loss"], "o-", ms=3, label="training")
axes[0].plot(hist_bc.epochs, hist_bc["val_loss"], "s-", ms=3, label="validation")
axes[0].set_ylabel("binary cross-entropy (nats per tumour)")
axes[0].set_title("Loss")
axes[1].plot(hist_bc.epochs, hist_bc["val_accuracy"], "o-", ms=3, label="accuracy")
axes[1].plot(hist_bc.epochs, hist_bc["val_roc_auc"], "s-", ms=3, label="ROC AUC")
axes[1].set_ylabel("score on the validation split (0–1)")
axes[1].set_title("Validation metrics")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()
fig.suptitle("Logistic regression on breast cancer (Adam, constant η = 0.01)")
fig.tight_layout()
savefig(fig, "09_breast_cancer_history.png")

y_hat = clf.predict(nets.tensor(X_te, dtype=nets.float32)).numpy()
scores = clf.predict_proba(nets.tensor(X_te, dtype=nets.float32)).numpy().ravel()
report = {
    "accuracy": metrics.accuracy(y_te, y_hat),
    "precision": metrics.precision(y_te, y_hat),
    "recall": metrics.recall(y_te, y_hat),
    "F1": metrics.f1_score(y_te, y_hat),
    "ROC AUC": metrics.roc_auc_score(y_te, scores),
}
cm = metrics.confusion_matrix(y_te, y_hat)
print(f"test split: {len(y_te)} tumours, {y_te.sum()} malignant")
for name, value in report.items():
    print(f"  {name:9s} {value:.3f}")
print("confusion matrix (rows: true benign, malignant; columns: predicted):\n", cm)
assert report["accuracy"] >= 0.95 and report["recall"] >= 0.9 and report["ROC AUC"] >= 0.98
tn, fp, fn, tp = cm.ravel()
assert abs(report["precision"] - tp / (tp + fp)) < 1e-12 and abs(report["recall"] - tp / (tp + fn)) < 1e-12
assert abs(report["accuracy"] - (tp + tn) / cm.sum()) < 1e-12

# %% [markdown]
# Precision is TP/(TP + FP) — of the tumours called malignant, the share that are; recall is TP/(TP + FN) —
# of the malignant tumours, the share that were found. (The notes site's metrics page opens its *recall*
# section with "Precision is …", E23.) A few slips in the course's exercise code are worth avoiding too:
# its numpy logistic `fit` runs `num_epochs + 1` iterations, its `predict` uses `> 0.5` while the torch test
# uses `≥ 0.5` (nets uses ≥ 0.5, i.e. logit ≥ 0, everywhere), `log(0)` is unguarded (the logits form above
# never takes it), `load(..., weights_only="True")` passes a string for a boolean, the linear-regression
# stub names its method `pred` where the solution calls it `predict`, and the torch stub's `__init__`s
# never call `super().__init__()` (E25–E27).

# %% [markdown]
# Two of those slips can be seen in a few lines. A module whose `__init__` forgets `super().__init__()`
# fails as soon as it assigns a layer — the base class has not yet set up the registry of parameters
# that the assignment needs (E26). And the linear-regression stub's `pred` is not the `predict` that
# its solution, and the test that would call it, expect (E25).

# %%
class ForgotSuper(nn.Module):
    def __init__(self):
        self.linear = nn.Linear(2, 1)       # no super().__init__() first


try:
    ForgotSuper()
except AttributeError as e:
    print("E26:", e)
else:
    raise AssertionError("a module without super().__init__() was accepted")


class StubLinearRegression:                 # the stub's spelling
    def pred(self, X):
        return X.sum(axis=1)


assert not hasattr(StubLinearRegression(), "predict")    # a caller of .predict() gets AttributeError (E25)

# %% [markdown]
# The same recipe on the bundled handwritten digits (10 classes) with an MLP, cosine schedule and a
# confusion matrix per class:

# %%
Xd, yd = load_digits(return_X_y=True)
Xd_tr, Xd_te, yd_tr, yd_te = train_test_split(Xd, yd, test_size=0.25, stratify=yd, seed=0)
sc = StandardScaler().fit(Xd_tr)
Xd_tr, Xd_te = sc.transform(Xd_tr), sc.transform(Xd_te)
nets.manual_seed(0)
mlp = MLP([64, 128, 64, 10])
opt_d = optim.Adam(mlp.parameters(), lr=3e-3)
digits_train = DataLoader(TensorDataset(nets.tensor(Xd_tr, dtype=nets.float32), nets.tensor(yd_tr)),
                          batch_size=64, shuffle=True)
digits_test = DataLoader(TensorDataset(nets.tensor(Xd_te, dtype=nets.float32), nets.tensor(yd_te)), batch_size=512)
hist_d = fit(mlp, nn.CrossEntropyLoss(), opt_d, digits_train, epochs=10, val_loader=digits_test,
             scheduler=optim.lr_scheduler.CosineAnnealingLR(opt_d, T_max=10), metrics=["accuracy"],
             progress=False)
pred_d = mlp.predict(nets.tensor(Xd_te, dtype=nets.float32)).numpy()
cm_d = metrics.confusion_matrix(yd_te, pred_d, num_classes=10)
acc_d = metrics.accuracy(yd_te, pred_d)
print(f"digits: test accuracy {acc_d:.3f}, macro F1 {metrics.f1_score(yd_te, pred_d, average='macro'):.3f}")
assert acc_d >= 0.95 and np.trace(cm_d) == (pred_d == yd_te).sum()

fig, ax = plt.subplots(figsize=(5.5, 4.5))
ax.imshow(cm_d, cmap="Blues")
for i in range(10):
    for j in range(10):
        if cm_d[i, j]:
            ax.text(j, i, cm_d[i, j], ha="center", va="center", fontsize=7,
                    color="white" if cm_d[i, j] > cm_d.max() / 2 else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
fig.colorbar(ax.images[0], ax=ax, label="test images")
ax.set_title(f"digits MLP, test accuracy {acc_d:.3f}")
fig.tight_layout()
savefig(fig, "09_digits_confusion.png")

# %% [markdown]
# ## 5. The Musk homework, end to end
#
# The course's homework: predict whether a *new molecule* smells of musk, from UCI's *Musk (Version 2)*
# data. The real data set has 6,598 rows × 166 features: each row is one **conformation** (one 3-D
# shape) of a molecule, and there are 102 molecules, 39 of them musks — 1,017 musk conformations, about
# 15 %. Features f1–f162 are distances from the molecule's surface along fixed rays, in hundredths of an
# ångström around an arbitrary origin; f163–f166 describe an oxygen atom. The class belongs to the
# molecule: every conformation of a musk is labelled 1.
#
# **About the data used here.** The real file is not bundled and cannot be downloaded in this
# environment, so `tutorials/musk_like.py` *generates* a table in exactly its format and structure (102
# molecules, 39 musks, 6,598 conformations, 166 integer features, near-duplicate conformations within a
# molecule, a musk explained by only some of its shapes). The numbers are synthetic. If you have the real
# `clean2.data`, pass its path to `load_musk` below and every cell runs unchanged on it.

# %%
musk_dir = tempfile.TemporaryDirectory()
musk_path = musk_like.write(Path(musk_dir.name) / "clean2.data", seed=0)    # or: the real clean2.data
musk = load_musk(musk_path)
molecules = np.array(musk.groups)
n_molecules, n_musks = len(set(molecules)), len(set(molecules[musk.target == 1]))
print(f"{musk.data.shape[0]} conformations × {musk.data.shape[1]} features, {n_molecules} molecules"
      f" ({n_musks} musks), {musk.target.mean():.1%} positive rows")
assert musk.data.shape == (6598, 166) and (n_molecules, n_musks) == (102, 39) and musk.target.sum() == 1017

# %% [markdown]
# ### Split by molecule, or the test set leaks
#
# Conformations of one molecule are near-duplicates. Split the *rows* at random and nearly every test
# molecule also has conformations in the training set: the model is then tested on shapes it has almost
# seen, and the score says little about new molecules. The honest evaluation keeps each molecule on one
# side. With 102 molecules one split is noisy, so we use **5-fold cross-validation by molecule**: every
# molecule is tested exactly once, by a model that never saw any of its shapes.

# %%
def folds_by_group(groups, k, seed):
    names = np.random.default_rng(seed).permutation(sorted(set(groups)))
    fold_of = {name: i % k for i, name in enumerate(names)}
    return np.array([fold_of[g] for g in groups])


def folds_by_row(n, k, seed):
    return np.random.default_rng(seed).permutation(n) % k


def cross_validated_scores(fold, epochs=30):
    """Out-of-fold musk probabilities for every conformation: standardize on the training folds only,
    train a logistic regression with Adam, score the held-out fold."""
    scores = np.zeros(len(fold))
    for k in range(fold.max() + 1):
        tr, te = fold != k, fold == k
        sc = StandardScaler().fit(musk.data[tr])
        nets.manual_seed(0)
        model = nets.models.LogisticRegression(166, logits=True)
        opt = optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-3)
        train = DataLoader(TensorDataset(nets.tensor(sc.transform(musk.data[tr]), dtype=nets.float32),
                                         nets.tensor(musk.target[tr].reshape(-1, 1), dtype=nets.float32)),
                           batch_size=128, shuffle=True, generator=nets.Generator().manual_seed(k))
        fit(model, nn.BCEWithLogitsLoss(), opt, train, epochs=epochs, progress=False)
        scores[te] = model.predict_proba(nets.tensor(sc.transform(musk.data[te]), dtype=nets.float32)).numpy().ravel()
    return scores


y_rows = musk.target
scores_leaky = cross_validated_scores(folds_by_row(len(y_rows), 5, seed=0))
scores_grouped = cross_validated_scores(folds_by_group(molecules, 5, seed=0))

# %% [markdown]
# ### Precision and recall for a rare class
#
# With 15 % positives, accuracy flatters: calling everything "not musk" already scores 85 %. Rank the
# conformations by score instead and, for every threshold, ask two questions: of those flagged, how many
# are musks (precision), and of the musks, how many are flagged (recall)? The precision–recall curve
# traces both; its area, the **average precision** AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ, summarizes it. A random
# ranking has AP equal to the positive rate, 0.15 here.

# %%
def precision_recall(y, s):
    order = np.argsort(-s, kind="stable")
    hits = np.cumsum(y[order])
    precision = hits / np.arange(1, len(y) + 1)
    recall = hits / y.sum()
    return precision, recall


def average_precision(y, s):
    precision, recall = precision_recall(y, s)
    return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))


ap = {"rows split at random (leaky)": average_precision(y_rows, scores_leaky),
      "split by molecule": average_precision(y_rows, scores_grouped)}
acc_grouped = metrics.accuracy(y_rows, (scores_grouped >= 0.5).astype(int))
for name, value in ap.items():
    print(f"conformation-level average precision, {name}: {value:.3f}")
print(f"accuracy by molecule-split CV {acc_grouped:.3f}; always 'not musk' would score {1 - y_rows.mean():.3f}")
assert ap["rows split at random (leaky)"] > ap["split by molecule"] + 0.05     # the leak flatters the model
assert ap["split by molecule"] > 2 * y_rows.mean()                               # but the model does learn

# %% [markdown]
# ### Scoring molecules: the multiple-instance reading
#
# The question is about molecules, and a molecule is a musk if **any** of its shapes fits. So score each
# molecule by the highest score among its conformations, and evaluate the 102 molecules the same way.
# (The mean over conformations dilutes a musk whose fitting shapes are few.)

# %%
names_sorted = sorted(set(molecules))
mol_y = np.array([y_rows[molecules == m][0] for m in names_sorted])
mol_max = np.array([scores_grouped[molecules == m].max() for m in names_sorted])
mol_mean = np.array([scores_grouped[molecules == m].mean() for m in names_sorted])
mol_ap = {"max over conformations": average_precision(mol_y, mol_max),
          "mean over conformations": average_precision(mol_y, mol_mean)}
for name, value in mol_ap.items():
    print(f"molecule-level average precision, {name}: {value:.3f}"
          f"  (ROC AUC {metrics.roc_auc_score(mol_y, mol_max if 'max' in name else mol_mean):.3f})")
assert mol_ap["max over conformations"] > mol_ap["mean over conformations"]

fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
for name, s in (("rows split at random (leaky)", scores_leaky), ("split by molecule", scores_grouped)):
    p_, r_ = precision_recall(y_rows, s)
    axes[0].plot(r_, p_, label=f"{name}: AP {average_precision(y_rows, s):.2f}")
axes[0].axhline(y_rows.mean(), color="grey", ls=":", label=f"random ranking: AP {y_rows.mean():.2f}")
axes[0].set_title("Conformations (6,598)")
for name, s in (("max over conformations", mol_max), ("mean over conformations", mol_mean)):
    p_, r_ = precision_recall(mol_y, s)
    axes[1].plot(r_, p_, label=f"{name}: AP {average_precision(mol_y, s):.2f}")
axes[1].axhline(mol_y.mean(), color="grey", ls=":", label=f"random ranking: AP {mol_y.mean():.2f}")
axes[1].set_title("Molecules (102), split by molecule")
for ax in axes:
    ax.set_xlabel("recall (share of musks found)")
    ax.set_ylabel("precision (share of flagged that are musks)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="lower left")
fig.suptitle("Musk homework on Musk-like synthetic data: 5-fold cross-validation, logistic regression")
fig.tight_layout()
savefig(fig, "09_musk_precision_recall.png")
musk_dir.cleanup()

# %% [markdown]
# ## 6. The exercises' numpy logistic regression, done right — and tested
#
# The course's exercise repository gives students *stubs* to fill in, worked *solutions*, and a `tests/`
# folder whose README explains how to run pytest — but holds no test files, although its README promises
# them (and its requirements leave out `ucimlrepo`, which its Musk notebook imports; here `load_musk`
# reads a local file instead) (E29). Its numpy `LogisticRegression` has `fit(X, y, learning_rate,
# learning_rate_decay, learning_rate_decay_factor, num_epochs)`, `predict_proba(X)` and `predict(X,
# threshold)`: full-batch gradient descent on the summed negative log-likelihood, gradient Xᵀ(σ(Xw) − y),
# the bias as a last column of ones, weights started from U[0, 1), and the rate lr/(1 + decay·epoch).
# Written here with the slips of E27 avoided — exactly `num_epochs` updates, `≥ threshold` as in its torch
# test, and log(0) never taken — and then given the test the repository lacks.

# %%
class NumpyLogisticRegression:
    def fit(self, X, y, learning_rate=1e-3, learning_rate_decay=True, learning_rate_decay_factor=1.0,
            num_epochs=100, seed=0):
        Xb = np.hstack([X, np.ones((len(X), 1))])                  # bias column last
        self.weights_ = np.random.default_rng(seed).random(Xb.shape[1])   # U[0, 1)
        self.loss_train_ = []
        for epoch in range(num_epochs):                           # num_epochs updates, not num_epochs + 1
            lr = learning_rate / (1 + learning_rate_decay_factor * epoch) if learning_rate_decay else learning_rate
            z = Xb @ self.weights_
            # −log σ(z) = log(1 + e^{−z}) and −log(1 − σ(z)) = log(1 + e^{z}): no log(0), ever
            self.loss_train_.append(float(np.sum(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))))
            self.weights_ = self.weights_ - lr * Xb.T @ (1 / (1 + np.exp(-z)) - y)
        return self

    def predict_proba(self, X):
        return 1 / (1 + np.exp(-(np.hstack([X, np.ones((len(X), 1))]) @ self.weights_)))

    def predict(self, X, threshold=0.5):
        return (self.predict_proba(X) >= threshold).astype(int)   # ≥, as the torch test uses


def test_numpy_logistic_regression_separates_two_gaussians():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 1000)
    X = rng.normal(size=(1000, 3)) + np.where(labels[:, None] == 1, 1.0, -1.0)
    model = NumpyLogisticRegression().fit(X[:700], labels[:700], learning_rate=1e-3, num_epochs=100,
                                          learning_rate_decay_factor=0.1)
    assert len(model.loss_train_) == 100 and model.loss_train_[-1] < model.loss_train_[0]
    assert (model.predict(X[700:]) == labels[700:]).mean() > 0.9
    assert np.array_equal(model.predict(np.zeros((1, 3)), threshold=model.predict_proba(np.zeros((1, 3)))[0]), [1])


test_numpy_logistic_regression_separates_two_gaussians()                # pytest would collect it as it is
print("the exercises' logistic regression: fitted, and its test passes")

# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch09 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# Precision, recall and F1 of the positive class from the confusion matrix CM = [[50, 10], [5, 35]] (rows:
# true negative, positive; columns: predicted).

# %% tags=["solution"]
from solutions.ch09 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# Gradient accumulation with a *mean* loss: two half-batches accumulate twice the full batch's mean gradient,
# so each half's loss must be scaled by this factor.

# %% tags=["solution"]
from solutions.ch09 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# A loop with ExponentialLR(γ = 0.8) that records the learning rate each epoch *trained* at (read it before
# scheduler.step(), not after).

# %% tags=["solution"]
from solutions.ch09 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
