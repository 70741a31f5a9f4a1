"""One training epoch of an MLP (Linear-ReLU-…-Linear, cross-entropy, SGD with momentum) per framework.

All frameworks start from the same float32 weights (PyTorch's default initialization drawn by numpy with a
fixed seed), see the same batches in the same order (sliced once, before timing: data loading is not what
is measured), and update with the same rule (PyTorch's momentum form: b ← μb + g, w ← w − ηb).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FRAMEWORKS = ("autodiff-dojo", "pytorch", "numpy", "autograd")
STAGED = "autodiff-dojo staged"  # autodiff.jit of the loss's value and gradient (mlp-small's extra rows)
_MODULE = {"pytorch": "torch", "autograd": "autograd"}


def init_weights(sizes: tuple[int, ...], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer, W (out, in) and b (out,) drawn from U(−1/√in, 1/√in) as PyTorch does, float32."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return layers


def batches(X: np.ndarray, y: np.ndarray, batch: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The epoch's minibatches in one fixed shuffled order (the last one may be smaller)."""
    order = np.random.default_rng(seed).permutation(len(X))
    return [(np.ascontiguousarray(X[order[i:i + batch]]), y[order[i:i + batch]]) for i in range(0, len(X), batch)]


def trainer(framework: str, sizes: tuple[int, ...], data: list, lr: float = 0.1, momentum: float = 0.9,
            seed: int = 0) -> Callable[[], float]:
    """A function running one epoch over ``data`` and returning the last batch's loss."""
    weights = init_weights(sizes, seed)
    return {"autodiff-dojo": _nets, "pytorch": _torch, "numpy": _numpy, "autograd": _autograd,
            STAGED: _staged}[framework](weights, data, lr, momentum)


def _nets(weights, data, lr, momentum):
    import nets
    import nets.nn.functional as F
    from nets import nn

    layers = []
    for i, (W, b) in enumerate(weights):
        lin = nn.Linear(W.shape[1], W.shape[0])
        lin.weight.data[...] = W
        lin.bias.data[...] = b
        layers += [lin, nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = nn.Sequential(*layers)
    opt = nets.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    tensors = [(nets.from_numpy(x), nets.from_numpy(y)) for x, y in data]

    def epoch() -> float:
        for x, y in tensors:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return float(loss.item())

    return epoch


def _staged(weights, data, lr, momentum):
    """The step staged by autodiff.jit: ``loss, grads = step(params, x, coef)`` runs a program (forward and
    backward, staged once per batch shape), then the update in place as the numpy trainer does it."""
    import autodiff as ad
    from autodiff.primitives import REGISTRY

    linear, cross_entropy = REGISTRY["linear"], REGISTRY["softmax_cross_entropy"]
    params = {f"{k}{i}": a.copy() for i, (W, b) in enumerate(weights) for k, a in (("W", W), ("b", b))}
    n_layers = len(weights)

    def loss_fn(p, x, coef):
        h = x
        for i in range(n_layers):
            h = linear(h, p[f"W{i}"], p[f"b{i}"])
            if i < n_layers - 1:
                h = ad.relu(h)
        return cross_entropy(h, coef=coef, reduction="mean")

    step = ad.jit(ad.value_and_grad(loss_fn))
    n_classes = len(weights[-1][1])
    # the class coefficients of a mean cross-entropy: one-hot rows divided by the batch size (nets builds the
    # same matrix from class indices)
    batches = [(x, np.eye(n_classes, dtype=x.dtype)[y] / x.dtype.type(len(y))) for x, y in data]
    bufs: dict = {}

    def epoch() -> float:
        for x, coef in batches:
            loss, grads = step(params, x, coef)
            for k, g in grads.items():
                b = bufs.get(k)
                if b is None:
                    bufs[k] = b = g.copy()
                else:
                    b *= momentum
                    b += g
                params[k] -= lr * b
        return float(loss)

    return epoch


def _torch(weights, data, lr, momentum):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    layers = []
    for i, (W, b) in enumerate(weights):
        lin = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, nn.ReLU()] if i < len(weights) - 1 else [lin]
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    tensors = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
    loss_fn = nn.functional.cross_entropy

    def epoch() -> float:
        for x, y in tensors:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return float(loss.item())

    return epoch


def _numpy(weights, data, lr, momentum):
    """Forward and backward written out by hand: what numpy itself costs, with no autodiff at all."""
    params = [a.copy() for W, b in weights for a in (W, b)]
    bufs = [None] * len(params)
    n_layers = len(weights)

    def step(x, y):
        acts = [x]  # inputs of each layer (after ReLU)
        h = x
        for i in range(n_layers):
            W, b = params[2 * i], params[2 * i + 1]
            h = h @ W.T
            h += b
            if i < n_layers - 1:
                np.maximum(h, 0, out=h)
                acts.append(h)
        # softmax cross-entropy, mean over rows
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.log(s).mean() - z[rows, y].mean())
        g = e / s
        g[rows, y] -= 1
        g /= len(y)
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            a = acts[i]
            grads[2 * i] = g.T @ a
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = g @ params[2 * i]
                g *= a > 0
        for k, (p, gk) in enumerate(zip(params, grads)):
            if bufs[k] is None:
                bufs[k] = gk.copy()
            else:
                bufs[k] *= momentum
                bufs[k] += gk
            p -= lr * bufs[k]
        return loss

    def epoch() -> float:
        for x, y in data:
            loss = step(x, y)
        return loss

    return epoch


def _autograd(weights, data, lr, momentum):
    import autograd.numpy as anp
    from autograd import value_and_grad
    from autograd.scipy.special import logsumexp

    params = [a.copy() for W, b in weights for a in (W, b)]
    bufs = [None] * len(params)
    n_layers = len(weights)

    def loss_fn(ps, x, y):
        h = x
        for i in range(n_layers):
            h = anp.dot(h, ps[2 * i].T) + ps[2 * i + 1]
            if i < n_layers - 1:
                h = anp.maximum(h, 0)
        logp = h - logsumexp(h, axis=1, keepdims=True)
        return -anp.mean(logp[np.arange(len(y)), y])

    vg = value_and_grad(loss_fn)

    def epoch() -> float:
        for x, y in data:
            loss, grads = vg(params, x, y)
            for k, (p, gk) in enumerate(zip(params, grads)):
                if bufs[k] is None:
                    bufs[k] = np.array(gk, dtype=p.dtype)
                else:
                    bufs[k] *= momentum
                    bufs[k] += gk
                p -= lr * bufs[k]
        return float(loss)

    return epoch


def usable(framework: str) -> bool:
    from .harness import available

    return framework not in _MODULE or available(_MODULE[framework])
