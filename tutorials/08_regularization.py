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
# # 08 · Regularization: dropout and early stopping
#
# **What you will learn.** How to recognize overfitting in the training and validation curves, and how
# dropout and early stopping counter it.
#
# **Why it matters.** A model is only useful on data it has not seen; these are the cheapest ways to keep it
# so.
#
# A network with far more parameters than training examples can memorize them: the training loss keeps
# falling while the loss on unseen data turns and rises. Two cheap remedies from the course:
#
# * **Dropout** — during training, zero each input or hidden unit at random with probability p (never the
#   outputs), so that no unit can rely on a particular partner.
# * **Early stopping** — watch the validation loss, keep the weights of its best epoch, and stop once it
#   has not improved for `patience` epochs.

# %%

import matplotlib.pyplot as plt
import numpy as np
from _figures import savefig  # tutorials/_figures.py

import nets
from nets import nn, optim
from nets.data import DataLoader, StandardScaler, TensorDataset, load_digits, train_test_split
from nets.models import MLP
from nets.train import EarlyStopping, evaluate, fit

nets.manual_seed(0)

# %% [markdown]
# ## 1. Dropout is *inverted* dropout (E14)
#
# `nn.Dropout(p=0.5)` zeros each entry with probability p during training and multiplies the survivors by
# 1/(1 − p), so the expected value of every unit is unchanged; in evaluation mode it is the identity. The
# lecture leaves out both the scaling and the evaluation rule. Without the scaling, a unit's average
# input during training is (1 − p) times what it receives at test time — the network is evaluated on a
# different scale from the one it learned.

# %%
drop = nn.Dropout(p=0.5)
x = nets.ones(100_000, dtype=nets.float64)
y_train = drop(x).numpy()
drop.eval()
y_eval = drop(x).numpy()
drop.train()
zero_fraction = (y_train == 0).mean()
print(f"training: {zero_fraction:.3f} zeroed, survivors = {np.unique(y_train[y_train != 0])},"
      f" mean {y_train.mean():.3f}")
assert abs(zero_fraction - 0.5) < 0.01 and np.all(y_train[y_train != 0] == 2.0)
assert abs(y_train.mean() - 1.0) < 0.02 and np.array_equal(y_eval, x.numpy())

unscaled_train_mean = ((y_train != 0) * 1.0).mean()        # the lecture's dropout: keep, but do not rescale
print(f"without the 1/(1−p) scaling the training-time mean is {unscaled_train_mean:.3f}, at test time 1.0")
assert abs(unscaled_train_mean - 0.5) < 0.01

# %% [markdown]
# ## 2. An overfitting setup
#
# 359 training images of handwritten digits (20 % of the bundled set), 500 validation images, an MLP with
# two hidden layers of 256 units (≈ 85,000 parameters, over 200 per training image), Adam for 60 epochs.
# One more ingredient makes memorizing plain to see: 30 % of the *training* labels are replaced by a
# wrong digit, as careless annotation might do (the validation labels stay clean). A network that learns
# the digits ignores the wrong labels; a network that memorizes learns them too, and pays on new images.

# %%
X, y = load_digits(return_X_y=True)
X_train, X_val, y_train_lbl, y_val_lbl = train_test_split(X, y, test_size=0.8, stratify=y, seed=0)
X_val, y_val_lbl = X_val[:500], y_val_lbl[:500]
noise_rng = np.random.default_rng(0)
wrong = noise_rng.random(len(y_train_lbl)) < 0.3
y_train_lbl = y_train_lbl.copy()
y_train_lbl[wrong] = (y_train_lbl[wrong] + noise_rng.integers(1, 10, wrong.sum())) % 10   # a different digit
scaler = StandardScaler().fit(X_train)            # statistics from the training split only
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
train_ds = TensorDataset(nets.tensor(X_train, dtype=nets.float32), nets.tensor(y_train_lbl))
val_loader = DataLoader(TensorDataset(nets.tensor(X_val, dtype=nets.float32), nets.tensor(y_val_lbl)),
                        batch_size=500)
print(f"{len(train_ds)} training examples, {wrong.sum()} of them with a wrong label")


def train(dropout, epochs=60, callbacks=()):
    nets.manual_seed(0)
    model = MLP([64, 256, 256, 10], dropout=dropout)
    loader = DataLoader(train_ds, batch_size=32, shuffle=True)
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), loader, epochs=epochs,
                  val_loader=val_loader, metrics=["accuracy"], callbacks=callbacks, progress=False)
    return model, history


plain_model, plain = train(dropout=0.0)
dropout_model, dropped = train(dropout=0.5)
best_epoch = int(np.argmin(plain["val_loss"])) + 1
print(f"no dropout: training loss {plain['loss'][-1]:.4f}; validation loss best {min(plain['val_loss']):.3f}"
      f" (epoch {best_epoch}), final {plain['val_loss'][-1]:.3f}")
print(f"dropout 0.5: training loss {dropped['loss'][-1]:.4f}; validation loss best {min(dropped['val_loss']):.3f},"
      f" final {dropped['val_loss'][-1]:.3f}")

# %% [markdown]
# Without dropout the training loss goes to almost zero — the network has learned every wrong label too —
# while the validation loss bottoms out around epoch 10 and then climbs by half again, and validation
# accuracy falls by more than ten points: overfitting. With dropout the training loss stays far higher
# (it cannot memorize the wrong labels with half its units missing) and the validation loss ends lower.

# %%
print(f"validation accuracy: no dropout best {max(plain['val_accuracy']):.3f}, final {plain['val_accuracy'][-1]:.3f};"
      f" dropout final {dropped['val_accuracy'][-1]:.3f}")
assert plain["loss"][-1] < 0.02                                       # memorized, wrong labels included
assert plain["val_loss"][-1] > 1.3 * min(plain["val_loss"])           # validation loss turned upwards, clearly
assert max(plain["val_accuracy"]) - plain["val_accuracy"][-1] > 0.1
assert best_epoch < 20
assert dropped["loss"][-1] > 10 * plain["loss"][-1]                   # cannot memorize...
assert dropped["val_loss"][-1] < 0.8 * plain["val_loss"][-1]          # ...and generalizes better

# %% [markdown]
# ## 3. Early stopping
#
# `EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)` stops 5 epochs after the
# last improvement and puts back the best epoch's weights. It needs a validation split — one of the
# things the lecture's training loop does not have.

# %%
stopper = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
es_model, es_history = train(dropout=0.0, callbacks=[stopper])
restored = evaluate(es_model, nn.CrossEntropyLoss(), val_loader)["loss"]
print(f"stopped after epoch {stopper.stopped_epoch}; best epoch {stopper.best_epoch} with validation loss "
      f"{stopper.best:.4f}; restored model's validation loss {restored:.4f}")
assert len(es_history) == stopper.stopped_epoch < 60
assert stopper.stopped_epoch == stopper.best_epoch + 5
assert abs(restored - stopper.best) < 1e-6
assert abs(restored - min(plain["val_loss"])) < 1e-6      # the same run, cut at its best epoch

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for name, h, color in [("no dropout", plain, "C0"), ("dropout 0.5", dropped, "C1")]:
    axes[0].plot(h.epochs, h["loss"], color=color, ls="--", label=f"{name}: training")
    axes[0].plot(h.epochs, h["val_loss"], color=color, label=f"{name}: validation")
    axes[1].plot(h.epochs, h["val_accuracy"], color=color, label=name)
axes[0].axvline(stopper.best_epoch, color="grey", ls=":", label="early stopping: best epoch")
axes[0].axvline(stopper.stopped_epoch, color="k", ls=":", label="early stopping: stopped")
axes[0].set_yscale("log")
axes[0].set_ylabel("cross-entropy (nats per image)")
axes[0].set_title("Loss: training (dashed) falls, validation (solid) turns up")
axes[1].set_ylabel("validation accuracy (fraction correct)")
axes[1].set_title("Accuracy on clean validation images")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend(fontsize=8)
fig.suptitle("359 digits, 30 % of their labels wrong: a 2×256 MLP memorizes; dropout and early stopping help")
fig.tight_layout()
savefig(fig, "08_regularization_curves.png")


# %% [markdown]
# ## Exercises
#
# Three exercises, from a warm-up to a challenge. Try each before you open its solution (in the
# notebook the solution cell is collapsed). Each has a check: `from solutions.ch08 import check_N`,
# then `check_N(your_answer)` raises an AssertionError unless your answer is right. Data named in
# capitals (`BATCH`, `H`, …) can be imported from there too.

# %% [markdown]
# ### Exercise 1 (warm-up)
#
# With Dropout(p=0.2), what factor multiplies the surviving units in training?

# %% tags=["solution"]
from solutions.ch08 import check_1, exercise_1  # noqa: E402

check_1(exercise_1())

# %% [markdown]
# ### Exercise 2 (practice)
#
# Early stopping by hand with patience 3 on the validation losses VAL_LOSSES = (0.90, 0.70, 0.61, 0.58, 0.59,
# 0.57, 0.60, 0.62, 0.63, 0.65, 0.70), epochs counted from 1: return the best epoch and the epoch after which
# training stops.

# %% tags=["solution"]
from solutions.ch08 import check_2, exercise_2  # noqa: E402

check_2(exercise_2())

# %% [markdown]
# ### Exercise 3 (challenge)
#
# L2 weight decay as a cure. For L(w) = ‖Xw − y‖²/(2N), SGD with weight_decay=λ converges to the ridge
# solution (XᵀX/N + λI)⁻¹Xᵀy/N, whose norm is smaller than least squares'. Return both.

# %% tags=["solution"]
from solutions.ch08 import check_3, exercise_3  # noqa: E402

check_3(exercise_3())
