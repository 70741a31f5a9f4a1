"""The functions behind the layers and losses (``nets.nn.functional``, usually imported as ``F``).

Each one applies registered primitives (``autodiff.primitives``, including the fused ones in
``autodiff.primitives.nn``), so gradients come from the one reverse sweep. Shapes follow PyTorch:
a batch dimension first, classes (channels) in dimension 1.

The functions an MLP uses (``linear``, the activations, ``softmax``, ``log_softmax``, ``dropout``, ``mse_loss``,
``cross_entropy``, ``nll_loss``) also take autodiff tracers (the values that ``autodiff.grad``, ``jvp`` … pass, e.g.
through ``nets.func.functional_call``) and then return the tracer the engine gives: they read shapes and dtypes
only, never values, except the class indices and class weights of the classification losses, which are constants
(read from a tracer of ``grad``/``jvp``, whose value is at hand).
"""

from __future__ import annotations

import numpy as np

from autodiff.forward import Dual
from autodiff.primitives import REGISTRY, ShapeError, Tracer, apply
from autodiff.reverse import Node

from .. import dtypes as _dt
from ..random import Generator, rng
from ..tensor import Tensor, _value, _wrap, as_tensor

_P = REGISTRY
_REDUCTIONS = ("mean", "sum", "none")
_NO_PARAMS: dict = {}


def _t(x) -> Tensor:
    """A tensor or a tracer as it is; arrays, numbers and lists as a tensor."""
    return x if isinstance(x, Tracer) else as_tensor(x)


def _apply(name: str, args: tuple, **params) -> Tensor:
    return Tensor._apply(_P[name], args, params)


# --- what the functions need of a tracer: shapes and dtypes, and structural primitives ---------------------------
def _reshape(x, shape: tuple):
    """``x.reshape(shape)`` for a tensor or a tracer (the ``reshape`` primitive)."""
    if isinstance(x, Tensor):
        return x.reshape(shape)
    return apply(_P["reshape"], (x,), {"shape": tuple(shape)})


def _permute(x, axes: tuple):
    if isinstance(x, Tensor):
        return x.permute(axes)
    return apply(_P["transpose"], (x,), {"axes": tuple(axes)})


def _sum(x, dim=None):
    if isinstance(x, Tensor):
        return x.sum(dim)
    return apply(_P["sum"], (x,), {"axis": dim, "keepdims": False})


def _mean(x):
    if isinstance(x, Tensor):
        return x.mean()
    d = _dt.dtype_of(x)
    if d is not None and d.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_dt.torch_name(d)}")
    return apply(_P["mean"], (x,), {"axis": None, "keepdims": False})


def _mean_keep(x, axes: tuple):
    if isinstance(x, Tensor):
        return x.mean(axes, keepdim=True)
    return apply(_P["mean"], (x,), {"axis": axes, "keepdims": True})


def _sqrt(x):
    return x.sqrt() if isinstance(x, Tensor) else apply(_P["sqrt"], (x,), _NO_PARAMS)


def _flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Dimensions ``start_dim`` … ``end_dim`` of ``x`` (a tensor or a tracer) as one (``torch.flatten``)."""
    if isinstance(x, Tensor):
        return x.flatten(start_dim, end_dim)
    s = tuple(np.shape(x))
    if not s:
        return _reshape(x, (1,))
    a, b = start_dim % len(s), end_dim % len(s)
    return _reshape(x, s[:a] + (int(np.prod(s[a:b + 1], dtype=np.int64)),) + s[b + 1:])


def _reruns(x) -> bool:
    """Whether ``x`` is a tensor, an array or a value of levels that run the Python code again at every call
    (``grad``, ``vjp``, ``jvp``: Node and Dual), so that a value drawn now (a dropout mask) is drawn anew at every
    call. A staged value (of a level that records a program to run later) is not."""
    while isinstance(x, Tracer) and not isinstance(x, Tensor):
        if not isinstance(x, (Node, Dual)):
            return False
        x = x._primal()
    return True


def _constant(x, what: str) -> np.ndarray:
    """The values of an input that enters as a constant (class indices, class weights): an array, a list or a
    tensor, or a tracer of ``grad``/``jvp`` whose value is at hand. A staged value has none: an error that says so."""
    if isinstance(x, Tracer) and not isinstance(x, Tensor):
        if not _reruns(x):
            raise TypeError(f"{what} is a staged value, but its values are needed when the function is traced (they "
                            "are constants of the computation, not differentiated); pass them as an array or a tensor "
                            "(closed over or given as a static argument) rather than as a traced argument")
        while isinstance(x, Tracer) and not isinstance(x, Tensor):
            x = x._primal()
    return np.asarray(_value(x))


# --- linear --------------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x Wᵀ + b, x of shape (…, in_features), W (out_features, in_features), b (out_features,)."""
    xs, ws = np.shape(_value(input)), np.shape(_value(weight))
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ShapeError(f"linear: input of shape {tuple(xs)} does not fit weight of shape {tuple(ws)}: the "
                         f"last input dimension must be in_features = {ws[1] if len(ws) == 2 else '?'}")
    _dt.check_linear(input, weight, bias)
    if bias is None:
        return _apply("linear", (input, weight))
    if np.shape(_value(bias)) != (ws[0],):
        raise ShapeError(f"linear: bias has shape {tuple(np.shape(_value(bias)))}, expected ({ws[0]},)")
    return _apply("linear", (input, weight, bias))


# --- activations -----------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0); derivative 0 at 0. ``inplace=True`` changes a tensor ``input`` itself (``relu_``); a tracer (of
    ``grad``, ``jvp`` …) cannot be changed, so it gives the result as a new value, as if out of place."""
    if inplace and isinstance(input, Tensor):
        return input.relu_()
    return _apply("relu", (input,))


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """The rows ``weight[input]``; the row ``padding_idx`` is looked up but receives no gradient (PyTorch)."""
    idx = np.asarray(_value(input))
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_dt.torch_name(idx.dtype)} instead")
    out = _t(weight)[idx]
    if padding_idx is not None and out.requires_grad:
        pad = (idx == padding_idx % np.shape(_value(weight))[0])[..., None]
        out = Tensor._apply(_P["where"], (out.value, out), {"cond": np.broadcast_to(pad, out.value.shape)})
    return out


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x if x > 0 else negative_slope·x."""
    return _apply("leaky_relu", (input,), negative_slope=float(negative_slope))


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x if x > 0 else a·x, with a learned ``weight`` of one value or one per channel (dimension 1)."""
    dx, dw = np.asarray(_value(input)).dtype, np.asarray(_value(weight)).dtype
    if dx != dw:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_dt.torch_name(dx)} and {_dt.torch_name(dw)}")
    w = weight
    n = int(np.size(_value(weight)))
    x_shape = np.shape(_value(input))
    if n > 1:
        channels = x_shape[1] if len(x_shape) >= 2 else (x_shape[0] if x_shape else 1)
        if channels != n:
            raise ShapeError(f"prelu: {n} parameters but the input of shape {tuple(x_shape)} has {channels} "
                             "channels (dimension 1)")
        if len(x_shape) >= 2:
            w = _t(weight).reshape((1, n) + (1,) * (len(x_shape) - 2))
    return _apply("prelu", (input, w))


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """σ(x) = 1/(1 + e^{−x}), finite for any x."""
    return _apply("sigmoid", (input,))


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return _apply("tanh", (input,))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x·Φ(x) = ½x(1 + erf(x/√2)); ``approximate='tanh'``: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return _apply("gelu", (input,), approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + e^{βx})/β, and x itself where βx > threshold."""
    return _apply("softplus", (input,), beta=float(beta), threshold=float(threshold))


def softmax(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """exp(x)/Σ exp(x) along ``dim`` (the maximum is subtracted first)."""
    return _apply("softmax", (input,), axis=dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """x − logsumexp(x) along ``dim``: exact and finite for any logits."""
    return _apply("log_softmax", (input,), axis=dim)


def logsumexp(input: Tensor, dim: int, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _apply("logsumexp", (input,), axis=dim, keepdims=keepdim)


# --- regularization and normalization ---------------------------------------------------------------
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,  # noqa: A002
            generator: Generator | None = None) -> Tensor:
    """Inverted dropout: zero each entry with probability p and scale the rest by 1/(1 − p); identity
    when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return input
    if not _reruns(input):
        raise TypeError("dropout in training mode on a staged value: the random mask drawn while tracing would be "
                        "the same at every call of the staged function; call model.eval() (or training=False), or "
                        "draw the mask outside and pass it in")
    d = _dt.dtype_of(_value(input))
    dtype = d if d is not None and d.kind == "f" else np.dtype(np.float32)
    shape = np.shape(_value(input))
    if p == 1.0:
        mask = np.zeros(shape, dtype=dtype)
    else:
        mask = (rng(generator).random(shape) >= p).astype(dtype) * dtype.type(1.0 / (1.0 - p))
    return input * mask


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float | None = 0.1, eps: float = 1e-5,
               num_batches_tracked: Tensor | None = None) -> Tensor:
    """Normalize each channel (dimension 1) of (N, C) or (N, C, L) input.

    Training: batch mean and biased variance; running = (1 − m)·running + m·batch, with the unbiased
    variance (× n/(n − 1)); ``momentum=None`` gives the cumulative average. Otherwise the running
    statistics are used.
    """
    x = _t(input)
    _dt.check_norm_params(x, weight, bias, running_mean, running_var)
    shape = x.shape
    if len(shape) not in (2, 3):
        raise ShapeError(f"batch_norm expects input of shape (N, C) or (N, C, L), got {tuple(shape)}")
    axes = (0,) if len(shape) == 2 else (0, 2)
    bshape = (1, shape[1]) + (1,) * (len(shape) - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        n = shape[0] * (shape[2] if len(shape) == 3 else 1)
        if training and n <= 1:
            raise ValueError(f"batch_norm needs more than one value per channel when training, got input of "
                             f"shape {tuple(shape)}")
        mean = _mean_keep(x, axes)
        d = x - mean
        var = _mean_keep(d * d, axes)
        xhat = d / _sqrt(var + eps)
        if training and running_mean is not None and running_var is not None:
            # Running statistics are state, not part of the graph: update the arrays in place.
            if not all(isinstance(t, Tensor) for t in (running_mean, running_var)):
                raise TypeError("batch_norm in training mode updates the running statistics in place, so they must "
                                "be tensors, not traced values; use eval mode, or pass tensors for the buffers")
            if num_batches_tracked is not None:
                num_batches_tracked.value += 1
            m = (1.0 / float(num_batches_tracked.value)) if momentum is None else momentum
            bm = _constant(mean, "batch_norm: the batch mean").reshape(shape[1])
            bv = _constant(var, "batch_norm: the batch variance").reshape(shape[1]) * (n / (n - 1))
            rm, rv = running_mean.value, running_var.value
            rm *= 1 - m
            rm += (m * bm).astype(rm.dtype, copy=False)
            rv *= 1 - m
            rv += (m * bv).astype(rv.dtype, copy=False)
    elif isinstance(running_mean, Tensor) and isinstance(running_var, Tensor):
        rm = running_mean.value.reshape(bshape)
        rv = running_var.value.reshape(bshape)
        xhat = (x - rm) * (1.0 / np.sqrt(rv + eps)).astype(rv.dtype, copy=False)
    else:  # traced running statistics (nets.func.functional_call): the same formula, differentiated through them
        xhat = (x - _reshape(running_mean, bshape)) / _sqrt(_reshape(running_var, bshape) + eps)
    if weight is not None:
        xhat = xhat * _reshape(_t(weight), bshape)
    if bias is not None:
        xhat = xhat + _reshape(_t(bias), bshape)
    return xhat


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the last dimensions (``normalized_shape``) of each example: mean and biased
    variance per example, then γ·x̂ + β with γ, β per feature."""
    x = _t(input)
    _dt.check_norm_params(x, weight, bias)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if tuple(x.shape[-k:]) != ns or x.ndim < k:
        raise ShapeError(f"layer_norm: input of shape {tuple(x.shape)} does not end in normalized_shape {ns}")
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axes, keepdim=True)
    d = x - mean
    var = (d * d).mean(axes, keepdim=True)
    out = d / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


# --- losses ----------------------------------------------------------------------------------------------
def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(repr(r) for r in _REDUCTIONS)}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return _mean(loss)
    if reduction == "sum":
        return _sum(loss)
    return loss


def _same_shape(what: str, input, target) -> None:  # noqa: A002
    si, st = np.shape(_value(input)), np.shape(_value(target))
    if si != st:
        raise ShapeError(f"{what}: input has shape {tuple(si)} but target has shape {tuple(st)}; they must match")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(x − y)², averaged ('mean', PyTorch's default: (1/N)Σ(x − y)², no ½), summed or kept per entry."""
    _check_reduction(reduction)
    _same_shape("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction)


def half_mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """The course's form ½(x − y)²: with 'mean' it is (1/2N)Σ(x − y)², with 'sum' ½Σ(x − y)².

    Its gradient is (1/N)(x − y) (or x − y summed): half of PyTorch's MSELoss, same minimizer.
    """
    return mse_loss(input, target, reduction) * 0.5


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """|x − y| (derivative sign(x − y), 0 where equal)."""
    _check_reduction(reduction)
    _same_shape("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:  # noqa: A002
    """½d² where |d| < δ, else δ(|d| − ½δ), d = x − y."""
    _check_reduction(reduction)
    _same_shape("huber_loss", input, target)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _reduce(_apply("huber", (input, target), delta=float(delta)), reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """−w[y log p + (1 − y) log(1 − p)] with each log clamped at −100 (as PyTorch); p are probabilities."""
    _check_reduction(reduction)
    _same_shape("binary_cross_entropy", input, target)
    p = np.asarray(_value(input))
    t = np.asarray(_value(target))
    if t.dtype != p.dtype:
        raise RuntimeError(f"Found dtype {_dt.torch_name(t.dtype)} but expected {_dt.torch_name(p.dtype)}")
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
        raise ValueError("binary_cross_entropy: every input must be a probability in [0, 1] (apply a sigmoid, "
                         "or use binary_cross_entropy_with_logits on logits)")
    loss = _apply("binary_cross_entropy", (input, target))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """BCE on logits a, computed stably: (1 − y)a + (1 + (w₊ − 1)y)·softplus(−a), then × weight.

    ``pos_weight`` w₊ multiplies the positive term (broadcast along the last dimension, one per class).
    """
    _check_reduction(reduction)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    pw = 1.0 if pos_weight is None else pos_weight
    if pos_weight is not None:
        sp, si = np.shape(_value(pos_weight)), np.shape(_value(input))
        try:
            np.broadcast_shapes(sp, si)
        except ValueError:
            raise ShapeError(f"binary_cross_entropy_with_logits: pos_weight of shape {tuple(sp)} does not "
                             f"broadcast to the input's shape {tuple(si)}") from None
    loss = _apply("binary_cross_entropy_with_logits", (input, target, pw))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _classes_last(x: Tensor, what: str) -> tuple[Tensor, tuple]:
    """Logits of shape (N, C, d1, …) as rows (N·d1·…, C); also the per-row shape to restore."""
    shape = x.shape
    if len(shape) == 0:
        raise ShapeError(f"{what}: input must have a class dimension, got a scalar")
    if len(shape) == 1:
        return _reshape(x, (1, shape[0])), ()
    if len(shape) == 2:
        return x, (shape[0],)
    perm = (0,) + tuple(range(2, len(shape))) + (1,)
    rest = (shape[0],) + tuple(shape[2:])
    return _reshape(_permute(x, perm), (int(np.prod(rest, dtype=np.int64)), shape[1])), rest


def _staged_class_coef(what: str, target, n_classes: int, rows_shape: tuple, dtype, weight, ignore_index: int,
                       label_smoothing: float, reduction: str):
    """The coefficient matrix of :func:`_class_coef` for class indices staged by ``autodiff.jit``, built from
    operations of the program: row i is w·[c = tᵢ] (mixed with ε/C·w for label smoothing) where tᵢ is not
    ``ignore_index``, over Σ wₜ for the mean. The indices cannot be range-checked before the program runs: a
    class out of range gives a row of zeros (PyTorch raises)."""
    from autodiff.primitives import primal

    t = primal(target)
    if tuple(t.shape) != tuple(rows_shape):
        raise ShapeError(f"{what}: target of class indices has shape {tuple(t.shape)}, expected {rows_shape} "
                         f"(the input's shape without the class dimension)")
    if t.dtype.kind not in "iu":
        raise TypeError(f"{what}: target must hold class indices (integers), got dtype {t.dtype}")
    if isinstance(weight, Tracer) and not isinstance(weight, Tensor):
        raise RuntimeError(f"{what}: the derivative for 'weight' is not implemented (class weights are constants, "
                           "as in PyTorch), so weight cannot be a traced value; pass an array or a tensor")
    w = np.ones(n_classes, dtype=dtype) if weight is None else np.asarray(_value(weight), dtype=dtype)
    t = _P["reshape"](t, shape=(-1, 1))
    one_hot = _P["where"](w[None, :], dtype.type(0), cond=t == np.arange(n_classes))  # (M, C): w_c·[c = tᵢ]
    ignores_a_class = 0 <= ignore_index < n_classes  # (else the ignored label's row is zero anyway)
    valid = t != ignore_index if ignores_a_class or label_smoothing else None  # (M, 1)
    coef = one_hot if valid is None else _P["where"](one_hot, dtype.type(0), cond=valid)
    weights = coef  # row i: w_{tᵢ} at its class, for the mean's divisor
    if label_smoothing:
        coef = coef * dtype.type(1.0 - label_smoothing) + _P["where"](
            (label_smoothing / n_classes) * w[None, :], dtype.type(0), cond=valid)
    if reduction == "mean":
        coef = coef / _P["sum"](weights)
    return coef


def _class_coef(what: str, target, n_classes: int, rows_shape: tuple, dtype, weight, ignore_index: int,
                label_smoothing: float, reduction: str) -> np.ndarray:
    """The (M, C) coefficient matrix of the fused classification primitives (see autodiff.primitives.nn)."""
    if isinstance(target, Tracer) and not isinstance(target, Tensor) and not _reruns(target):
        return _staged_class_coef(what, target, n_classes, rows_shape, dtype, weight, ignore_index, label_smoothing,
                                  reduction)
    t = _constant(target, f"{what}: the target")
    if t.shape != rows_shape:
        raise ShapeError(f"{what}: target of class indices has shape {tuple(t.shape)}, expected {rows_shape} "
                         f"(the input's shape without the class dimension)")
    t = t.reshape(-1).astype(np.int64, copy=False)
    rows = np.arange(t.size)
    if weight is None and not label_smoothing and t.size and 0 <= t.min() and t.max() < n_classes \
            and not (0 <= ignore_index < n_classes and (t == ignore_index).any()):
        # every row a valid class, nothing weighted or ignored: one-hot rows (times 1/M for the mean)
        coef = np.zeros((t.size, n_classes), dtype=dtype)
        coef[rows, t] = 1.0 / t.size if reduction == "mean" else 1.0
        return coef
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"{what}: target {int(t[bad][0])} is out of range for {n_classes} classes "
                         f"(valid: 0 … {n_classes - 1}, or ignore_index={ignore_index})")
    tt = np.where(valid, t, 0)
    if weight is None:
        w = np.ones(n_classes, dtype=dtype)
    else:
        if isinstance(weight, Tracer) and not isinstance(weight, Tensor):
            raise RuntimeError(f"{what}: the derivative for 'weight' is not implemented (class weights are constants, "
                               "as in PyTorch), so weight cannot be a traced value; pass an array or a tensor")
        w = np.asarray(_value(weight), dtype=dtype)
        if w.shape != (n_classes,):
            raise ShapeError(f"{what}: weight has shape {tuple(w.shape)}, expected ({n_classes},) (one per class)")
    wt = w[tt] * valid
    coef = np.zeros((t.size, n_classes), dtype=dtype)
    coef[rows, tt] = (1.0 - label_smoothing) * wt
    if label_smoothing:
        coef += (label_smoothing / n_classes) * valid[:, None] * w[None, :]
    if reduction == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            coef *= dtype.type(1.0) / wt.sum(dtype=dtype)  # 0/0 = nan when every row is ignored, as PyTorch
    return coef


def cross_entropy(input: Tensor, target, weight: Tensor | None = None, ignore_index: int = -100,  # noqa: A002
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) [or (C,), or (N, C, d1, …)] against class indices or probabilities.

    Indices: −w_y·log softmax(x)_y per row, with ε = label_smoothing mixing in (ε/C)·Σ_c −w_c log softmax_c;
    'mean' divides by Σ w_y over rows not equal to ``ignore_index``. Probabilities (float target of the
    input's shape): −Σ_c w_c·q_c·log softmax_c with q = (1 − ε)y + ε/C; 'mean' divides by N.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    x = _t(input)
    z, rows_shape = _classes_last(x, "cross_entropy")
    n_classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    td = _target_dtype(target, "cross_entropy")
    if td.kind == "f":  # class probabilities
        _same_shape("cross_entropy", input, target)
        tz, _ = _classes_last(_t(target), "cross_entropy")
        q = tz * (1.0 - label_smoothing) + label_smoothing / n_classes if label_smoothing else tz
        logp = _apply("log_softmax", (z,), axis=-1)
        terms = logp * q
        if weight is not None:
            terms = terms * weight
        rows = -_sum(terms, -1)
        if reduction == "none":
            return _reshape(rows, rows_shape)
        return _sum(rows) / max(z.shape[0], 1) if reduction == "mean" else _sum(rows)
    if td.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold class indices (integers) or probabilities (floats), "
                        f"got dtype {td}")
    coef = _class_coef("cross_entropy", target, n_classes, rows_shape, _dt.dtype_of(_value(x)), weight,
                       ignore_index, label_smoothing, reduction)
    out = _apply("softmax_cross_entropy", (z,), coef=coef, reduction=reduction)
    return _reshape(out, rows_shape) if reduction == "none" else _empty_mean(out, coef, reduction)


def _target_dtype(target, what: str) -> np.dtype:
    """The dtype of a target, from its metadata (the values of a list or number, which have none)."""
    d = _dt.dtype_of(_value(target))
    return _constant(target, f"{what}: the target").dtype if d is None else d


def _empty_mean(out: Tensor, coef: np.ndarray, reduction: str) -> Tensor:
    # The mean over no rows is 0/0 = nan (as PyTorch), which a coefficient matrix with no rows cannot carry.
    return out * np.nan if reduction == "mean" and coef.shape[0] == 0 else out


def nll_loss(input: Tensor, target, weight: Tensor | None = None, ignore_index: int = -100,  # noqa: A002
             reduction: str = "mean") -> Tensor:
    """−w_y·x_y per row of log-probabilities x; 'mean' divides by Σ w_y over rows not ignored."""
    _check_reduction(reduction)
    x = _t(input)
    z, rows_shape = _classes_last(x, "nll_loss")
    n_classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    td = _target_dtype(target, "nll_loss")
    if td.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold class indices (integers), got dtype {td}")
    coef = _class_coef("nll_loss", target, n_classes, rows_shape, _dt.dtype_of(_value(x)), weight, ignore_index, 0.0,
                       reduction)
    out = _apply("nll_loss", (z,), coef=coef, reduction=reduction)
    return _reshape(out, rows_shape) if reduction == "none" else _empty_mean(out, coef, reduction)


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False) -> Tensor:  # noqa: A002
    """KL divergence with ``input`` = log q: pointwise y·(log y − log q) (0 where y = 0), or with
    ``log_target`` e^{t}(t − log q). 'batchmean' (sum/N) is the true KL; 'mean' averages every entry."""
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"reduction must be 'mean', 'batchmean', 'sum' or 'none', got {reduction!r}")
    _same_shape("kl_div", input, target)
    if log_target:
        t = _t(target)
        point = t.exp() * (t - input)
    elif isinstance(target, Tensor) and target.requires_grad:
        positive = np.asarray(target.value > 0)
        safe = Tensor._apply(_P["where"], (target, 1.0), {"cond": positive})
        point = target * (safe.log() - input)
    else:
        y = np.asarray(_value(target))
        with np.errstate(divide="ignore", invalid="ignore"):
            ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0).astype(y.dtype, copy=False)
        point = ylogy - input * y
    if reduction == "batchmean":
        n = input.shape[0] if np.ndim(_value(input)) else 1
        return point.sum() / n
    return _reduce(point, reduction)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int) → one-hot rows (int64), as ``torch.nn.functional.one_hot``."""
    t = np.asarray(_value(tensor))
    if t.dtype.kind not in "iu":
        raise TypeError(f"one_hot expects integer class indices, got dtype {t.dtype}")
    n = int(t.max()) + 1 if num_classes < 0 else num_classes
    if t.size and (t.min() < 0 or t.max() >= n):
        raise IndexError(f"one_hot: class values must be in 0 … {n - 1}")
    return _wrap(np.eye(n, dtype=np.int64)[t])
