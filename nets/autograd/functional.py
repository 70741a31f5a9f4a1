"""PyTorch's ``torch.autograd.functional``: derivatives of a function of tensors, built on ``autograd.grad``.

``inputs`` is a tensor or a tuple of tensors (the result follows the same structure, as in PyTorch); the
function returns a tensor (or, for ``jacobian``/``vjp``/``jvp``, a tuple of tensors).
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ops as _ops
from .. import tensor as _t


def _as_tuple(x) -> tuple[bool, tuple]:
    return (True, tuple(x)) if isinstance(x, (tuple, list)) else (False, (x,))


def _prepared(inputs) -> tuple[bool, tuple]:
    """The inputs as new leaves that require grad (so the caller's tensors are left alone)."""
    is_tuple, xs = _as_tuple(inputs)
    return is_tuple, tuple(_t.as_tensor(x).detach().requires_grad_(True) for x in xs)


def _grads(out, xs, grad_outputs, create_graph: bool) -> tuple:
    """d(Σ grad_outputs·out)/dx for each x (zeros where out does not depend on x)."""
    if not out.requires_grad:
        return tuple(_t.zeros_like(x) for x in xs)
    return _t.grad(out, xs, grad_outputs, retain_graph=True, create_graph=create_graph, materialize_grads=True)


def _detached(x, create_graph: bool):
    return x if create_graph else x.detach()


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·J)``: the vector-Jacobian product by one reverse sweep."""
    is_tuple, xs = _prepared(inputs)
    out = func(*xs)
    grads = _grads(out, xs, v, create_graph)
    result = tuple(_detached(g, create_graph) for g in grads)
    return _detached(out, create_graph), (result if is_tuple else result[0])


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """J[i][j] = ∂func(inputs)ᵢ/∂inputsⱼ, shape out.shape + input.shape, one reverse sweep per output entry."""
    is_tuple, xs = _prepared(inputs)
    outputs = func(*xs)
    out_tuple, outs = _as_tuple(outputs)
    blocks = []
    for out in outs:
        rows = [[] for _ in xs]
        flat = out.reshape(-1)
        for k in range(flat.numel()):
            for j, g in enumerate(_grads(flat[k], xs, None, create_graph)):
                rows[j].append(g.reshape(-1))
        per_input = tuple(_detached(_ops.stack(r).reshape(tuple(out.shape) + tuple(x.shape)) if r else
                                    _t.zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype), create_graph)
                          for r, x in zip(rows, xs))
        blocks.append(per_input if is_tuple else per_input[0])
    return tuple(blocks) if out_tuple else blocks[0]


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient (reverse over reverse)."""
    is_tuple, _ = _as_tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        g = _t.grad(out, xs, create_graph=True, materialize_grads=True)
        return g if is_tuple else g[0]

    return jacobian(gradient, inputs, create_graph=create_graph)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H·v)``: reverse over reverse, d(∇f·v)/dx."""
    is_tuple, xs = _prepared(inputs)
    _, vs = _as_tuple(v)
    out = func(*xs)
    grads = _t.grad(out, xs, create_graph=True, materialize_grads=True)
    dot = sum((g * _t.as_tensor(w)).sum() for g, w in zip(grads, vs))
    result = tuple(_detached(h, create_graph) for h in _grads(dot, xs, None, create_graph))
    return _detached(out, create_graph), (result if is_tuple else result[0])


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J·v)`` by the double-vjp trick, as PyTorch computes it: J·v = d(uᵀJ·v)/du."""
    is_tuple, xs = _prepared(inputs)
    _, vs = _as_tuple(v)
    out = func(*xs)
    u = _t.zeros_like(out).requires_grad_(True)
    grads = _t.grad(out, xs, u, create_graph=True, materialize_grads=True)  # uᵀJ, as a function of u
    dot = sum((g * _t.as_tensor(w)).sum() for g, w in zip(grads, vs))
    (jv,) = _grads(dot, (u,), None, create_graph)
    return _detached(out, create_graph), _detached(jv, create_graph)
