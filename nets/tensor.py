"""``Tensor``: a numpy array that is a node of autodiff's reverse-mode graph, with PyTorch's names.

Every operation on tensors binds a primitive from the one registry (``autodiff.primitives``). Tensors are
nodes of autodiff's eager level (``autodiff.reverse``), which records the primitive, its parents and its
parameters when some input requires a gradient; ``loss.backward()`` runs ``autodiff.reverse.backward``
(the one adjoint sweep) and accumulates each leaf's adjoint into its ``.grad``. This module adds only
PyTorch's face: ``requires_grad``, grad mode, the dtype rules and ``.grad`` on leaves. Inputs that need no
gradient are stored as plain arrays (constants), so the sweep never visits them; under
``nets.no_grad()`` (per thread, as in PyTorch) nothing is recorded at all.

dtypes follow PyTorch: Python floats become float32 (the default dtype), numpy arrays keep theirs, and
operations keep float32 as float32 (a Python number adapts to the tensor's dtype).
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from autodiff.primitives import REGISTRY, ShapeError, Tracer, apply, primal
from autodiff.reverse import EAGER, Node, is_grad_enabled
from autodiff.reverse import backward as _reverse_sweep
from autodiff.reverse import toposort as _toposort

from . import dtypes as _dt

_P = REGISTRY
_new = object.__new__
_F64 = np.dtype(np.float64)
_NO_PARAMS: dict = {}

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _as_array(data, dtype=None, copy: bool = True) -> np.ndarray:
    """``data`` as an ndarray with PyTorch's dtype inference (Python floats → the default dtype)."""
    if isinstance(data, Tensor):
        arr = np.array(data.value, copy=copy)
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, copy=copy)
    else:
        arr = np.array(primal(data) if isinstance(data, Tracer) else data)
        if arr.dtype == _F64:  # came from Python floats
            arr = arr.astype(_dt.get_default_dtype())
        elif arr.dtype.kind == "O":
            raise TypeError(f"cannot make a tensor from {type(data).__name__} data")
    if dtype is not None:
        arr = arr.astype(_dt.as_dtype(dtype), copy=False)
    return arr


def _wrap(value, requires_grad: bool = False) -> Tensor:
    """A leaf tensor around ``value`` (no copy, no checks): the fast constructor."""
    t = _new(Tensor)
    t.value = value
    t.prim = None
    t.parents = ()
    t.params = None
    t.name = None
    t.level = EAGER
    t.saved = None
    t.requires_grad = requires_grad
    t.grad = None
    t._vbox = [0, -1]
    t._rec = t._hist = None
    return t


def _value(x):
    return x.value if isinstance(x, Tensor) else x


_NOT_A_DTYPE = object()  # (np.dtype compares equal to None: float64 is numpy's default)


def _dtype_of(a):
    """The dtype of a tensor or numpy value; None for Python numbers (which adapt, as in PyTorch)."""
    v = a.value if isinstance(a, Tensor) else a
    return v.dtype if isinstance(v, (np.ndarray, np.generic)) else _NOT_A_DTYPE


def _dims(dim) -> int | tuple | None:
    if dim is None or isinstance(dim, int):
        return dim
    return tuple(dim)


def _axis(dim, axis):
    """``dim``, or numpy's name for it, ``axis`` (PyTorch accepts both)."""
    return dim if axis is None else axis


class Size(tuple):
    """A shape: a tuple, as ``torch.Size``."""

    __slots__ = ()

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"nets.Size({list(self)})"

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


def _vector_norm(x: Tensor, p, dim, keepdim: bool) -> Tensor:
    """(Σ|x|ᵖ)^(1/p) from primitives; max |x| for p = inf, min for −inf, the count of non-zeros for p = 0."""
    d = _dims(dim)
    if p == 2:
        return _root((x * x).sum(d, keepdim), 2)
    if p == 1:
        return x.abs().sum(d, keepdim)
    if p == float("inf"):
        return x.abs().amax(d, keepdim)
    if p == float("-inf"):
        return x.abs().amin(d, keepdim)
    if p == 0:
        return (x != 0).to(x.dtype).sum(d, keepdim)
    return _root((x.abs() ** p).sum(d, keepdim), p)


def _root(s: Tensor, p) -> Tensor:
    """s^(1/p), with PyTorch's zero gradient where s = 0 (the zero vector) instead of 0·∞: where zeros are
    present, the root is taken of where(s = 0, 1, s) and the result chosen by a second where."""
    zero = s.value == 0
    if not zero.any():
        return s.sqrt() if p == 2 else s ** (1.0 / p)
    safe = s._apply(_P["where"], (np.ones((), s.value.dtype), s), {"cond": zero})
    r = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return r._apply(_P["where"], (np.zeros((), s.value.dtype), r), {"cond": zero})


def _shape_arg(shape) -> tuple:
    """``reshape(2, 3)`` and ``reshape((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


class Tensor(Node):
    """An array-valued node. ``Tensor(data, dtype=None, requires_grad=False)`` copies ``data``."""

    # _vbox: the version counter [version, version of the last recorded in-place change], shared by the tensors
    # that share memory (views, detach()); _rec: what a recorded node read, ((position, box, version), …) with
    # position -1 for its own value; _hist: {version: the node this tensor was before an in-place change}.
    __slots__ = ("requires_grad", "grad", "_vbox", "_rec", "_hist")
    __hash__ = object.__hash__  # identity: the engine keys dicts by tensors; __eq__ is elementwise

    def __init__(self, *data, dtype=None, requires_grad: bool = False):
        """As ``torch.Tensor``: ``Tensor(data)`` copies ``data`` into the default floating dtype (float32), and
        ``Tensor(2, 3)`` is a tensor of that shape (zeros here, uninitialized in PyTorch)."""
        if data and all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) for n in data):
            arr = np.zeros(tuple(int(n) for n in data), dtype=_float_dtype(dtype))
        elif len(data) > 1:
            raise TypeError("Tensor() takes one data argument (a sequence or an array) or sizes")
        else:
            arr = _as_array(data[0] if data else [], _float_dtype(dtype))
        if requires_grad and arr.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, not {_dt.name(arr.dtype)}")
        self.value = arr
        self.prim = None
        self.parents = ()
        self.params = None
        self.name = None
        self.level = EAGER
        self.saved = None
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._vbox = [0, -1]
        self._rec = self._hist = None

    __array_ufunc__ = None  # ndarray ⊕ tensor: numpy defers to the tensor's operators
    _apply = staticmethod(apply)  # self._apply(prim, args, params): bind a primitive (autodiff.primitives)

    # --- PyTorch's face on the results of the eager level (autodiff.reverse.Eager) --------------------------
    @classmethod
    def _result(cls, value, prim, args: tuple, params: dict, saved) -> Tensor:
        """The tensor holding an operation's result (autodiff.reverse.Eager): recording ``prim`` (parents =
        the inputs that require grad, the others kept as constant arrays), or a new leaf when ``prim`` is
        None (no input requires grad, or grad mode is off)."""
        if type(value) is not np.ndarray:
            value = np.asarray(value)
        if value.dtype is _F64 and _dt._DEFAULT[0] is not _F64:
            # numpy turns int64 ⊕ Python float into float64; PyTorch gives the default dtype (a cast to float64
            # says what it wants).
            if not any(_dtype_of(a) == _F64 for a in args) and "dtype" not in params:
                value = value.astype(_dt._DEFAULT[0])
        t = _new(Tensor)
        t.value = value
        t.name = None
        t.level = EAGER
        t.grad = None
        t.saved = saved
        t.prim = prim
        t._hist = None
        box = None
        if value.base is not None:  # a view of an operand (reshape, indexing, transpose): one version counter
            for a in args:
                if isinstance(a, Tensor) and np.may_share_memory(value, a.value):
                    box = a._vbox
                    break
        t._vbox = box = [0, -1] if box is None else box
        if prim is None:
            t.parents = ()
            t.params = None
            t.requires_grad = False
            t._rec = None
        else:
            parents = []
            rec = []
            for i, a in enumerate(args):
                if isinstance(a, Tensor):
                    b = a._vbox
                    rec.append((i, b, b[0]))
                    parents.append(a if a.requires_grad else a.value)
                else:
                    parents.append(a)
            rec.append((-1, box, box[0]))
            t.parents = tuple(parents)
            t._rec = tuple(rec)
            t.params = params
            t.requires_grad = True
        return t

    # --- data, gradient and flags ---------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, with no history and not requiring grad (PyTorch's ``.data``: its
        in-place changes are not counted by this tensor's version counter, so backward() cannot detect them;
        ``detach()`` is the safe form). ``.numpy()`` or ``np.asarray`` give the array itself."""
        return _wrap(self.value)

    @data.setter
    def data(self, new) -> None:
        self.value = new.value if isinstance(new, Tensor) else np.asarray(new)

    @property
    def is_leaf(self) -> bool:
        return self.prim is None

    @property
    def grad_fn(self):
        """The primitive that produced this tensor (None for a leaf)."""
        return self.prim

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.prim is not None and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach()")
        if requires_grad and self.value.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, not {_dt.name(self.dtype)}")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same data as a new leaf that records nothing (sharing the version counter, as PyTorch's)."""
        t = _wrap(self.value)
        t._vbox = self._vbox
        return t

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was changed in place (PyTorch's version counter)."""
        return self._vbox[0]

    def detach_(self) -> Tensor:
        self.prim, self.parents, self.params, self.requires_grad = None, (), None, False
        return self

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` that requires it (one reverse sweep).

        A scalar (one-element) tensor needs no ``gradient``; otherwise ``gradient`` is the adjoint of
        ``self`` (same shape) and the leaves receive the vector-Jacobian product. As in PyTorch the graph is
        freed afterwards (a second backward through it raises) unless ``retain_graph=True``, and a value the
        sweep would read that was changed in place since it was recorded is an error, never a wrong gradient.
        ``create_graph=True`` records the sweep itself, so that the ``.grad`` tensors can be differentiated again
        (``retain_graph`` then defaults to True, as in PyTorch).
        """
        if not self.requires_grad:
            raise RuntimeError("this tensor does not require grad and has no recorded operation, so it has no "
                               "gradient; make an input requires_grad=True (and compute outside no_grad())")
        if retain_graph is None:
            retain_graph = create_graph
        seed = _seed(self, gradient, "gradient")
        order = _checked_order(self)
        adjoints = _reverse_sweep([self], [seed], tape=order, create_graph=create_graph)
        if not retain_graph:
            _free(order)
        handed_out: set = set()  # ids of the arrays already given to a leaf
        for node, g in adjoints.items():
            if node.prim is not None or not isinstance(node, Tensor) or not node.requires_grad:
                continue
            if isinstance(g, Tensor):  # create_graph: a gradient with a history of its own
                node.grad = g if node.grad is None else node.grad + g
                continue
            g = _owned_gradient(g, node.value, handed_out)
            grad = node.grad
            if grad is None:
                node.grad = _wrap(g)
            elif grad.requires_grad:  # (a gradient made by create_graph before: the sum is recorded too)
                node.grad = grad + _wrap(g)
            else:
                grad.value += g

    # --- conversions ------------------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("numpy() on a tensor that requires grad: call tensor.detach().numpy()")
        return self.value

    def item(self):
        if self.value.size != 1:
            raise ValueError(f"item() needs a one-element tensor, this one has shape {tuple(self.value.shape)}")
        return self.value.item()

    def tolist(self):
        return self.value.tolist()

    def __array__(self, dtype=None, copy=None):
        a = self.value
        return a if dtype is None else a.astype(dtype)

    def __float__(self) -> float:
        """``float(t)``, and so ``math.sin(t)``: as PyTorch, a warning when ``t`` requires grad (the result is a
        constant, so no gradient flows through what is computed from it)."""
        if self.requires_grad:
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                          "behavior. Consider using tensor.detach() first.", UserWarning, stacklevel=2)
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.value.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        return format(self.item(), spec) if spec and self.value.size == 1 else str(self)

    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)`` (differentiable cast); ``to("cpu")`` is a no-op."""
        dtype = kwargs.get("dtype")
        if "device" in kwargs:
            _dt.check_device(kwargs["device"])
        for a in args:
            if _dt.is_device(a):
                _dt.check_device(a)
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                dtype = a
        if dtype is None:
            return self
        d = _dt.as_dtype(dtype)
        if d == self.value.dtype:
            return self
        if d.kind not in "fc":  # (not differentiable: a new leaf, as PyTorch's)
            return _wrap(self.value.astype(d))
        return self._apply(_P["cast"], (self,), {"dtype": d})

    def cuda(self, *args, **kwargs) -> Tensor:
        _dt.check_device("cuda")
        return self

    def type(self, dtype=None):
        return _dt.name(self.dtype) if dtype is None else self.to(dtype)

    def float(self) -> Tensor:
        return self.to(_dt.float32)

    def double(self) -> Tensor:
        return self.to(_dt.float64)

    def half(self) -> Tensor:
        return self.to(_dt.float16)

    def long(self) -> Tensor:
        return self.to(_dt.int64)

    def int(self) -> Tensor:
        return self.to(_dt.int32)

    def bool(self) -> Tensor:
        return self.to(_dt.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        return self

    def contiguous(self) -> Tensor:
        return self

    def clone(self) -> Tensor:
        """A copy that stays in the graph (gradients flow back to ``self``)."""
        if self.requires_grad and is_grad_enabled():
            return self._apply(_P["reshape"], (self,), {"shape": self.value.shape})._own()
        return _wrap(np.array(self.value))

    def _own(self) -> Tensor:
        self.value = np.array(self.value)
        return self

    # --- shape -----------------------------------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def shape(self) -> Size:
        return Size(self.value.shape)

    @property
    def ndim(self) -> int:
        return self.value.ndim

    def size(self, dim: int | None = None):
        return Size(self.value.shape) if dim is None else self.value.shape[dim]

    def dim(self) -> int:
        return self.value.ndim

    def numel(self) -> int:
        return int(self.value.size)

    def __len__(self) -> int:
        if self.value.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.value.shape[0]

    def __iter__(self):
        if self.value.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.value.shape[0]))

    def reshape(self, *shape) -> Tensor:
        return self._apply(_P["reshape"], (self,), {"shape": _shape_arg(shape)})

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        s = self.value.shape
        if not s:
            return self.reshape(1)
        a, b = start_dim % len(s), end_dim % len(s)
        return self.reshape(s[:a] + (int(np.prod(s[a:b + 1], dtype=np.int64)),) + s[b + 1:])

    def squeeze(self, dim: int | None = None) -> Tensor:
        s = self.value.shape
        if dim is None:
            return self.reshape(tuple(n for n in s if n != 1))
        d = dim % max(len(s), 1)
        return self if not s or s[d] != 1 else self.reshape(s[:d] + s[d + 1:])

    def unsqueeze(self, dim: int) -> Tensor:
        s = self.value.shape
        d = dim % (len(s) + 1)
        return self.reshape(s[:d] + (1,) + s[d:])

    def permute(self, *dims) -> Tensor:
        return self._apply(_P["transpose"], (self,), {"axes": _shape_arg(dims)})

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        axes = list(range(self.value.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self._apply(_P["transpose"], (self,), {"axes": tuple(axes)})

    def t(self) -> Tensor:
        if self.value.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape {self.shape}")
        return self._apply(_P["transpose"], (self,), {"axes": None})

    @property
    def T(self) -> Tensor:
        return self._apply(_P["transpose"], (self,), {"axes": None})

    @property
    def mT(self) -> Tensor:
        return self.transpose(-2, -1)

    def expand(self, *sizes) -> Tensor:
        sizes = _shape_arg(sizes)
        s = (1,) * (len(sizes) - self.value.ndim) + self.value.shape
        target = tuple(n if k == -1 else k for n, k in zip(s, sizes))
        return self._apply(_P["broadcast_to"], (self,), {"shape": target})

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    # --- reductions -------------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim: bool = False, dtype=None, *, axis=None) -> Tensor:
        x = self if dtype is None else self.to(dtype)
        if dtype is None and x.value.dtype.kind in "bui":  # PyTorch sums integers and booleans in int64
            x = x.to(_dt.int64)
        return x._apply(_P["sum"], (x,), {"axis": _dims(_axis(dim, axis)), "keepdims": keepdim})

    def mean(self, dim=None, keepdim: bool = False, dtype=None, *, axis=None) -> Tensor:
        x = self if dtype is None else self.to(dtype)
        if x.value.dtype.kind not in "fc":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                               f"or complex dtype. Got: {_dt.torch_name(x.value.dtype)}")
        return x._apply(_P["mean"], (x,), {"axis": _dims(_axis(dim, axis)), "keepdims": keepdim})

    def prod(self, dim=None, keepdim: bool = False, dtype=None) -> Tensor:
        """The product of the entries (along ``dim``): a chain of products, so the gradient is exact at zeros."""
        x = self if dtype is None else self.to(dtype)
        if x.value.dtype.kind in "bui":
            x = x.to(_dt.int64)
        if not (x.requires_grad and is_grad_enabled()):
            return _wrap(np.asarray(np.prod(x.value, axis=dim, keepdims=keepdim)))
        if dim is None:
            x, d = x.reshape(-1), 0
        else:
            d = dim % x.value.ndim
        n = x.value.shape[d]
        out = x.select(d, 0) if n else _wrap(np.ones(x.value.shape[:d] + x.value.shape[d + 1:], x.value.dtype))
        for i in range(1, n):
            out = out * x.select(d, i)
        if keepdim:
            out = out.unsqueeze(d) if dim is not None else out.reshape((1,) * self.value.ndim)
        return out

    def select(self, dim: int, index: int) -> Tensor:
        idx = [slice(None)] * self.value.ndim
        idx[dim] = index
        return self[tuple(idx)]

    def cumsum(self, dim: int, dtype=None) -> Tensor:
        """Running sums along ``dim``: a product with a triangular matrix of ones, so that no new derivative is
        needed (O(n²) along ``dim``; plain numpy when nothing is recorded)."""
        x = self if dtype is None else self.to(dtype)
        if x.value.dtype.kind in "bui":
            x = x.to(_dt.int64)
        if not (x.requires_grad and is_grad_enabled()):
            return _wrap(np.cumsum(x.value, axis=dim))
        n = x.value.shape[dim]
        upper = np.triu(np.ones((n, n), dtype=x.value.dtype))
        return (x.transpose(dim, -1) @ upper).transpose(dim, -1)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
        """The vector p-norm of all entries (or along ``dim``): 2 ('fro'), 1, inf, -inf, 0 or any p."""
        return _vector_norm(self if dtype is None else self.to(dtype), 2 if p in ("fro", None) else p, dim, keepdim)

    def var(self, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None) -> Tensor:
        """Σ(x − mean)² / (n − correction); correction 1 (unbiased) by default, as PyTorch."""
        c = 1 if correction is None and unbiased is None else (correction if correction is not None else int(unbiased))
        d = self - self.mean(dim, keepdim=True)
        n = self.value.size if dim is None else int(np.prod([self.value.shape[a] for a in np.atleast_1d(dim)]))
        return (d * d).sum(dim, keepdim=keepdim) / max(n - c, 0)

    def std(self, dim=None, unbiased: bool | None = None, keepdim: bool = False, *, correction=None) -> Tensor:
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def _max_with_indices(self, dim: int, keepdim: bool, arg) -> ValuesIndices:
        v = self.value
        d = dim % v.ndim
        idx = arg(v, axis=d)
        # Gather the chosen entries with an integer index, so that the gradient goes to exactly those
        # entries (PyTorch's rule for max/min along a dimension).
        grids = list(np.indices(idx.shape, sparse=True))
        index = tuple(grids[:d]) + (idx,) + tuple(grids[d:])
        values = self._apply(_P["getitem"], (self,), {"index": index})
        if keepdim:
            values = values.unsqueeze(d)
            idx = np.expand_dims(idx, d)
        return ValuesIndices(values, _wrap(idx.astype(np.int64)))

    def max(self, dim=None, keepdim: bool = False):
        """The largest entry; ``max(dim)`` gives ``(values, indices)`` along ``dim``; ``max(other)`` is elementwise."""
        if isinstance(dim, Tensor):
            return self._apply(_P["maximum"], (self, dim), _NO_PARAMS)
        if dim is None:
            return self._apply(_P["max"], (self,), {"axis": None, "keepdims": False})
        return self._max_with_indices(dim, keepdim, np.argmax)

    def min(self, dim=None, keepdim: bool = False):
        if isinstance(dim, Tensor):
            return self._apply(_P["minimum"], (self, dim), _NO_PARAMS)
        if dim is None:
            n = -self
            return -n._apply(_P["max"], (n,), {"axis": None, "keepdims": False})
        return self._max_with_indices(dim, keepdim, np.argmin)

    def amax(self, dim=None, keepdim: bool = False) -> Tensor:
        return self._apply(_P["max"], (self,), {"axis": _dims(dim), "keepdims": keepdim})

    def amin(self, dim=None, keepdim: bool = False) -> Tensor:
        return -(-self).amax(dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        i = np.argmax(self.value, axis=dim, keepdims=keepdim) if dim is not None else np.argmax(self.value)
        return _wrap(np.asarray(i, dtype=np.int64))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        i = np.argmin(self.value, axis=dim, keepdims=keepdim) if dim is not None else np.argmin(self.value)
        return _wrap(np.asarray(i, dtype=np.int64))

    def logsumexp(self, dim, keepdim: bool = False) -> Tensor:
        return self._apply(_P["logsumexp"], (self,), {"axis": dim, "keepdims": keepdim})

    def all(self, dim=None) -> Tensor:
        return _wrap(np.asarray(np.all(self.value, axis=dim)))

    def any(self, dim=None) -> Tensor:
        return _wrap(np.asarray(np.any(self.value, axis=dim)))

    # --- indexing, splitting, sorting (each through getitem, so gradients flow) -------------------------
    def gather(self, dim: int, index) -> Tensor:
        """``out[i][j] = self[index[i][j]][j]`` for dim 0, and so on: PyTorch's gather."""
        idx = np.asarray(_value(index))
        if idx.ndim != self.value.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        if idx.dtype.kind not in "iu":
            raise RuntimeError("gather(): Expected dtype int64 for index")
        d = dim % max(self.value.ndim, 1)
        grids = list(np.indices(idx.shape, sparse=True))
        grids[d] = idx
        return self[tuple(grids)]

    def repeat(self, *sizes) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along dimension i (new leading dimensions when more sizes)."""
        sizes = _shape_arg(sizes)
        if len(sizes) < self.value.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                               "tensor")
        x = self.reshape((1,) * (len(sizes) - self.value.ndim) + tuple(self.value.shape))
        shape = x.value.shape
        index = np.ix_(*[np.arange(n * r) % n if n else np.arange(0) for n, r in zip(shape, sizes)])
        return x[index]

    def split(self, split_size_or_sections, dim: int = 0) -> tuple:
        n = self.value.shape[dim]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                                   f"at dimension {dim}), but got split_sizes={sizes}")
        out, start = [], 0
        for k in sizes:
            idx = [slice(None)] * self.value.ndim
            idx[dim] = slice(start, start + k)
            out.append(self[tuple(idx)])
            start += k
        return tuple(out)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        n = self.value.shape[dim]
        step = -(-n // chunks) if n else 1
        return self.split(step, dim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
        v = self.value
        idx = np.argsort(-v if descending else v, axis=dim, kind="stable")
        return ValuesIndices(self.gather(dim, idx), _wrap(idx.astype(np.int64)))

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        return self.sort(dim, descending, stable).indices

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
        v = self.value
        if not 0 <= k <= v.shape[dim]:
            raise RuntimeError("selected index k out of range")
        idx = np.take(np.argsort(-v if largest else v, axis=dim, kind="stable"), np.arange(k), axis=dim)
        return ValuesIndices(self.gather(dim, idx), _wrap(idx.astype(np.int64)))

    def nonzero(self, as_tuple: bool = False):
        found = np.nonzero(self.value)
        if as_tuple:
            return tuple(_wrap(i.astype(np.int64)) for i in found)
        return _wrap(np.stack(found, axis=1).astype(np.int64) if found else np.zeros((0, 0), np.int64))

    # --- new tensors like this one (its dtype unless given) ---------------------------------------------
    def new_zeros(self, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        return _make(np.zeros(_shape_arg(size), dtype=self.value.dtype if dtype is None else _dt.as_dtype(dtype)),
                     requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        return _make(np.ones(_shape_arg(size), dtype=self.value.dtype if dtype is None else _dt.as_dtype(dtype)),
                     requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad: bool = False) -> Tensor:
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
        return _make(np.full(tuple(size), _value(fill_value),
                             dtype=self.value.dtype if dtype is None else _dt.as_dtype(dtype)), requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad: bool = False) -> Tensor:
        return _make(_as_array(data, self.value.dtype if dtype is None else dtype), requires_grad)

    # --- piecewise-constant functions: zero gradient, as PyTorch's ----------------------------------------
    def _constant(self, values) -> Tensor:
        """``values`` as a function of this tensor whose derivative is zero (PyTorch records these, so the result
        requires grad): where with a false condition, whose rule passes nothing back."""
        values = np.asarray(values, dtype=self.value.dtype)
        if self.requires_grad and is_grad_enabled():
            return self._apply(_P["where"], (self, values), {"cond": np.zeros(self.value.shape, bool)})
        return _wrap(values)

    def sign(self) -> Tensor:
        return self._constant(np.sign(self.value))

    def round(self, decimals: int = 0) -> Tensor:
        return self._constant(np.round(self.value, decimals))

    def floor(self) -> Tensor:
        return self._constant(np.floor(self.value))

    def ceil(self) -> Tensor:
        return self._constant(np.ceil(self.value))

    def trunc(self) -> Tensor:
        return self._constant(np.trunc(self.value))

    def isnan(self) -> Tensor:
        return _wrap(np.isnan(self.value))

    def isinf(self) -> Tensor:
        return _wrap(np.isinf(self.value))

    def isfinite(self) -> Tensor:
        return _wrap(np.isfinite(self.value))

    def log1p(self) -> Tensor:
        """log(1 + x), as the log of a sum (PyTorch's log1p is more accurate for |x| ≪ 1)."""
        return (self + 1).log()

    def expm1(self) -> Tensor:
        return self.exp() - 1

    def reciprocal(self) -> Tensor:
        return 1 / self

    def rsqrt(self) -> Tensor:
        return 1 / self.sqrt()

    # --- elementwise functions --------------------------------------------------------------------------
    def _unary(self, name: str) -> Tensor:
        return self._apply(_P[name], (self,), _NO_PARAMS)

    def exp(self) -> Tensor:
        return self._apply(_P["exp"], (self,), _NO_PARAMS)

    def log(self) -> Tensor:
        return self._apply(_P["log"], (self,), _NO_PARAMS)

    def sqrt(self) -> Tensor:
        return self._apply(_P["sqrt"], (self,), _NO_PARAMS)

    def abs(self) -> Tensor:
        return self._apply(_P["abs"], (self,), _NO_PARAMS)

    def sin(self) -> Tensor:
        return self._unary("sin")

    def cos(self) -> Tensor:
        return self._unary("cos")

    def tanh(self) -> Tensor:
        return self._unary("tanh")

    def sigmoid(self) -> Tensor:
        return self._unary("sigmoid")

    def relu(self) -> Tensor:
        return self._apply(_P["relu"], (self,), _NO_PARAMS)

    def erf(self) -> Tensor:
        return self._unary("erf")

    def neg(self) -> Tensor:
        return self._apply(_P["neg"], (self,), _NO_PARAMS)

    def square(self) -> Tensor:
        return self * self

    def pow(self, exponent) -> Tensor:
        return self._apply(_P["pow"], (self, exponent), _NO_PARAMS)

    def clamp(self, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
        if min is None and max is None:
            raise ValueError("clamp needs at least one of min and max")
        return self._apply(_P["clamp"], (self,), {"min": _value(min), "max": _value(max)})

    clip = clamp

    def softmax(self, dim: int) -> Tensor:
        return self._apply(_P["softmax"], (self,), {"axis": dim})

    def log_softmax(self, dim: int) -> Tensor:
        return self._apply(_P["log_softmax"], (self,), {"axis": dim})

    def matmul(self, other) -> Tensor:
        _dt.check_matmul(self, other)
        return self._apply(_P["matmul"], (self, other), _NO_PARAMS)

    __matmul__ = mm = matmul

    def __rmatmul__(self, other) -> Tensor:
        _dt.check_matmul(other, self)
        return self._apply(_P["matmul"], (other, self), _NO_PARAMS)

    def dot(self, other) -> Tensor:
        _dt.check_matmul(self, other)
        return self._apply(_P["matmul"], (self, other), _NO_PARAMS)

    def bmm(self, other) -> Tensor:
        if self.value.ndim != 3 or np.ndim(_value(other)) != 3:
            raise RuntimeError("batch1 must be a 3D tensor" if self.value.ndim != 3 else "batch2 must be a 3D tensor")
        _dt.check_matmul(self, other)
        return self._apply(_P["matmul"], (self, other), _NO_PARAMS)

    def add(self, other, alpha=1) -> Tensor:
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1) -> Tensor:
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other) -> Tensor:
        return self * other

    def div(self, other) -> Tensor:
        return self / other

    def masked_fill(self, mask, value) -> Tensor:
        """``value`` where ``mask`` is true, else this tensor's entries."""
        return self._apply(_P["where"], (_value(value), self), {"cond": np.asarray(_value(mask), dtype=bool)})

    def __floordiv__(self, other) -> Tensor:
        return _wrap(np.asarray(self.value // _value(other)))

    def __mod__(self, other) -> Tensor:
        return _wrap(np.asarray(self.value % _value(other)))

    # --- comparisons: plain (non-differentiable) boolean tensors ----------------------------------------
    def __eq__(self, other):  # type: ignore[override]
        return _wrap(np.asarray(self.value == _value(other)))

    def __ne__(self, other):  # type: ignore[override]
        return _wrap(np.asarray(self.value != _value(other)))

    def __lt__(self, other):
        return _wrap(np.asarray(self.value < _value(other)))

    def __le__(self, other):
        return _wrap(np.asarray(self.value <= _value(other)))

    def __gt__(self, other):
        return _wrap(np.asarray(self.value > _value(other)))

    def __ge__(self, other):
        return _wrap(np.asarray(self.value >= _value(other)))

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self) -> Tensor:
        return _wrap(np.asarray(~self.value))

    def __and__(self, other) -> Tensor:
        return _wrap(np.asarray(self.value & _value(other)))

    def __or__(self, other) -> Tensor:
        return _wrap(np.asarray(self.value | _value(other)))

    # --- in-place operations (PyTorch's rules: see _inplace) --------------------------------------------
    def _inplace(self, compute) -> Tensor:
        """Change this tensor to ``compute(self)`` (an out-of-place result) in its own memory, as PyTorch's
        in-place operations: an error on a leaf that requires grad while recording; when the result is recorded
        (this tensor, or the other operand, requires grad), this tensor becomes that node, and the node it was
        lives on (with a copy of its old value, which PyTorch also keeps for in-place rules) for the operations
        recorded before; the version counter goes up, so a value saved for backward and changed since is
        detected at backward()."""
        if self.requires_grad and self.prim is None and is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        r = compute(self)
        if not isinstance(r, Tensor):
            r = _wrap(np.asarray(r))
        v = self.value
        rv = r.value
        if rv.shape != v.shape:
            raise RuntimeError(f"output with shape {list(v.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(v.shape, rv.shape))}")
        if rv.dtype != v.dtype and not np.can_cast(rv.dtype, v.dtype, "same_kind"):
            raise RuntimeError(f"result type {_dt.torch_name(rv.dtype)} can't be cast to the desired output type "
                               f"{_dt.torch_name(v.dtype)}")
        box = self._vbox
        if r.prim is not None:
            self._rebase(r)
        if not v.flags.writeable:
            self.value = v = np.array(v)
        np.copyto(v, rv, casting="unsafe")
        box[0] += 1
        if r.prim is not None:
            box[1] = box[0]
            self._rec = self._rec[:-1] + ((-1, box, box[0]),)
        return self

    def _rebase(self, r: Tensor) -> None:
        """This tensor takes the recorded result ``r``'s place in the graph; the node it was (with a copy of its
        value) takes its place among ``r``'s parents and in the history that backward() reroutes through."""
        version = self._vbox[0]
        old = _wrap(np.array(self.value), self.requires_grad)
        old.prim, old.parents, old.params, old.saved, old._vbox = self.prim, self.parents, self.params, self.saved, \
            [version, -1]
        # Its own entry stays on the live counter: a rule that reads its own output (exp, relu …) reads the value
        # that is now being changed (PyTorch saves the result itself, not a copy); rules that read their operand
        # read the copy (PyTorch saves the original self of an in-place operation).
        old._rec = self._rec
        old._hist = _IS_SNAPSHOT
        v = self.value
        moved = set()
        parents = list(r.parents)
        for i, p in enumerate(parents):
            if p is self or p is v:
                parents[i] = old if p is self else old.value
                moved.add(i)
        if self.requires_grad:
            hist = self._hist if self._hist is not None else {}
            hist[version] = old
            self._hist = hist
        self.prim, self.parents, self.params, self.saved = r.prim, tuple(parents), r.params, r.saved
        self._rec = tuple((i, old._vbox, ver) if i in moved else (i, b, ver) for i, b, ver in r._rec)
        self.requires_grad = True

    def _fill_with(self, values) -> Tensor:
        """In place: every entry from ``values`` (broadcast); a recorded result passes the gradient to
        ``values`` only (where with a false condition)."""
        return self._inplace(lambda x: x._apply(_P["where"], (x, values), {"cond": np.zeros(x.value.shape, bool)}))

    def zero_(self) -> Tensor:
        return self._fill_with(np.zeros((), self.value.dtype))

    def fill_(self, value) -> Tensor:
        return self._fill_with(value if isinstance(value, Tensor) else np.asarray(value, self.value.dtype))

    def copy_(self, src, non_blocking: bool = False) -> Tensor:
        s = src if isinstance(src, Tensor) else np.asarray(src)
        sv = _value(s)
        try:
            np.broadcast_shapes(np.shape(sv), self.value.shape)
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({self.value.shape}) must match the size of tensor b "
                               f"({np.shape(sv)})") from None
        return self._fill_with(s)

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
        from .random import rng

        return self._fill_with(rng(generator).uniform(a, b, self.value.shape).astype(self.value.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
        from .random import rng

        return self._fill_with(rng(generator).normal(mean, std, self.value.shape).astype(self.value.dtype))

    def add_(self, other, alpha=1) -> Tensor:
        return self._inplace(lambda x: x.add(other, alpha=alpha))

    def sub_(self, other, alpha=1) -> Tensor:
        return self._inplace(lambda x: x.sub(other, alpha=alpha))

    def mul_(self, other) -> Tensor:
        return self._inplace(lambda x: x * other)

    def div_(self, other) -> Tensor:
        return self._inplace(lambda x: x / other)

    def pow_(self, exponent) -> Tensor:
        return self._inplace(lambda x: x.pow(exponent))

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        return self._inplace(lambda x: x.clamp(min, max))

    clip_ = clamp_

    def masked_fill_(self, mask, value) -> Tensor:
        return self._inplace(lambda x: x.masked_fill(mask, value))

    def __iadd__(self, other) -> Tensor:
        return self._inplace(lambda x: x + other)

    def __isub__(self, other) -> Tensor:
        return self._inplace(lambda x: x - other)

    __imul__ = mul_
    __itruediv__ = div_
    __ipow__ = pow_

    def __setitem__(self, index, value) -> None:
        if self.requires_grad and self.prim is None and is_grad_enabled():
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        idx = _plain_index(index)
        if not (is_grad_enabled() and (self.requires_grad or isinstance(value, Tensor) and value.requires_grad)):
            v = self.value
            if not v.flags.writeable:
                self.value = v = np.array(v)
            v[idx] = _value(value)
            self._vbox[0] += 1
            return
        self._inplace(lambda x: _assigned(x, idx, value))

    # --- printing --------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        body = np.array2string(self.value, separator=", ", prefix="tensor(", threshold=1000)
        extras = []
        if self.value.dtype != _dt.get_default_dtype() and self.value.dtype.kind not in "ib" \
                or self.value.dtype.kind in "iu" and self.value.dtype != _dt.int64:
            extras.append(f"dtype={_dt.name(self.value.dtype)}")
        if self.prim is not None:
            extras.append(f"grad_fn=<{self.prim.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __str__ = __repr__


Tensor.kind = Tensor  # the eager level makes the results of tensor operations with Tensor._result


def _unary_inplace(name: str):
    def method(self) -> Tensor:
        return self._inplace(getattr(Tensor, name))

    method.__name__ = name + "_"
    method.__doc__ = f"``{name}`` in place (PyTorch's ``Tensor.{name}_``)."
    return method


for _name in ("exp", "log", "sqrt", "abs", "neg", "sin", "cos", "tanh", "sigmoid", "relu", "erf", "square"):
    setattr(Tensor, _name + "_", _unary_inplace(_name))


def _assigned(x: Tensor, idx, value) -> Tensor:
    """``x`` with ``x[idx] = value``, from primitives (so that a gradient reaches ``value`` and the rest of ``x``):
    where(mask, value scattered to idx, x)."""
    v = x.value
    mask = np.zeros(v.shape, bool)
    mask[idx] = True
    selected = v[idx].shape
    if int(mask.sum()) != int(np.prod(selected, dtype=np.int64)):
        raise RuntimeError("nets: an assignment that records a gradient cannot repeat an index")
    if isinstance(value, Tensor) and value.requires_grad:
        placed = Tensor._apply(_P["index_add"], (value.expand(selected),), {"index": idx, "shape": v.shape})
    else:
        placed = np.zeros(v.shape, v.dtype)
        placed[idx] = _value(value)
    return Tensor._apply(_P["where"], (placed, x), {"cond": mask})


# --- the graph at backward(): versions checked, history rerouted, freed afterwards --------------------------
_FREED = object()  # a node's ``saved`` once backward() has freed it
_IS_SNAPSHOT: dict = {}  # the ``_hist`` of a node that a tensor was before an in-place change (never filled)
_SECOND_TIME = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
                "a second time or if you need to access saved tensors after calling backward.")
# The primitives whose rules read their own output (PyTorch saves the result of these too)
_READS_OUTPUT = {"exp", "sqrt", "tan", "tanh", "sigmoid", "div", "pow", "softmax", "log_softmax", "logsumexp", "max",
                 "relu"}
# … and read nothing else (y' = y, 1/2y, 1+y², 1−y², y(1−y), [y > 0])
_ONLY_OUTPUT = {"exp", "sqrt", "tan", "tanh", "sigmoid", "relu"}
_PAIRS = (_P["mul"], _P["matmul"], _P["linear"])  # the rule for one operand reads only the other
def _reads_no_value(prim) -> bool:
    """Whether the primitive's rule reads no value (linear primitives and ±1 partials): nothing to save or free
    (PyTorch frees nothing in these nodes either, so a second backward through them works)."""
    return bool(prim.linear or prim.partials is not None and all(type(d) is int for d in prim.partials))


_LINEAR = {prim: _reads_no_value(prim) for prim in _P.values()}  # built once, read-only afterwards


def _linear(prim) -> bool:
    known = _LINEAR.get(prim)
    return _reads_no_value(prim) if known is None else known  # (a primitive registered after nets: computed)


def _reads(node: Tensor, i: int) -> bool:
    """Whether the node's rule (or PyTorch's, where it saves more) reads operand ``i`` (-1: its own value)."""
    prim = node.prim
    if _linear(prim) or prim is _P["where"]:
        return False
    if i < 0:
        if prim is _P["pow"] or prim is _P["div"]:
            # Only the exponent's (divisor's) partial reads the output, which PyTorch does not save: a node that
            # an in-place operation moved has its own copy of it; any other's was overwritten.
            return isinstance(node.parents[1], Tensor) and node._hist is not _IS_SNAPSHOT
        return prim.name in _READS_OUTPUT
    if prim in _PAIRS:
        return i < 2 and isinstance(node.parents[1 - i], Tensor)
    return prim.name not in _ONLY_OUTPUT


def _snapshot(p: Tensor, version: int):
    """The node ``p`` was at ``version``, if an in-place operation has moved it since (else None)."""
    hist = p._hist
    if not hist:
        return None
    later = [k for k in hist if k >= version]
    return hist[min(later)] if later else None


def _modified(node: Tensor, i: int, box, version: int) -> RuntimeError:
    v = node.value if i < 0 else _value(node.parents[i])
    what = f", which is output 0 of {node.prim.name}" if i < 0 else f", which is operand {i} of {node.prim.name}"
    kind = f"nets.{_dt.torch_name(np.asarray(v).dtype)}Tensor {list(np.shape(v))}"
    return RuntimeError(f"one of the variables needed for gradient computation has been modified by an inplace "
                        f"operation: [{kind}]{what}, is at version {box[0]}; expected version {version} instead. "
                        "Hint: it was changed in place (+=, an _ method, item assignment, an optimizer step) "
                        "after being saved for backward; "
                        "change a .clone() or compute out of place.")


def _seed(out: Tensor, gradient, what: str):
    """The adjoint that starts a sweep from ``out``: ``gradient`` (checked), or 1 for a one-element output."""
    v = out.value
    if gradient is None:
        if v.size != 1:
            raise RuntimeError(f"backward() without a gradient works only for a scalar output, but this tensor has "
                               f"shape {tuple(v.shape)}; pass {what}= (a tensor of shape {tuple(v.shape)}) or reduce "
                               f"it first (e.g. .sum())")
        return v.dtype.type(1) if v.ndim == 0 else np.ones(v.shape, dtype=v.dtype)  # (a scalar: no array to make)
    if isinstance(gradient, Tensor) and gradient.requires_grad:
        seed = gradient  # (create_graph: the seed's own history counts)
    else:
        seed = np.array(_value(gradient), dtype=v.dtype)  # our own copy: it may become a leaf's grad
    if tuple(np.shape(_value(seed))) != v.shape:
        raise RuntimeError(f"{what} has shape {tuple(np.shape(_value(seed)))} but the tensor has shape "
                           f"{tuple(v.shape)}; they must match")
    return seed


def _owned_gradient(g, value: np.ndarray, handed_out: set) -> np.ndarray:
    """An adjoint as an array of its own in the value's dtype: it may be a read-only broadcast view, a view of
    another array, shared with another tensor (d(a+b)/da and d(a+b)/db are one array) or of another dtype, and
    every gradient must own its array so that optimizers may update it in place."""
    if (type(g) is not np.ndarray or g.base is not None or id(g) in handed_out or g.dtype != value.dtype
            or not g.flags.writeable):
        g = np.array(g, dtype=value.dtype)
    if g.shape != value.shape:
        raise ShapeError(f"internal error: gradient of shape {g.shape} for a tensor of shape {value.shape}")
    handed_out.add(id(g))
    return g


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool | None = None, materialize_grads: bool = False) -> tuple:
    """PyTorch's ``torch.autograd.grad``: Σ_k grad_outputs[k]·∂outputs[k]/∂inputs, one tensor per input, without
    touching any ``.grad``. Inputs may be leaves or intermediate tensors; ``create_graph`` records the sweep."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    seeds = [None] * len(outs) if grad_outputs is None else \
        ([grad_outputs] if isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (list, tuple))
         else list(grad_outputs))
    if len(seeds) != len(outs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(seeds)} for {len(outs)} outputs")
    for t in outs + ins:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad expects tensors as outputs and inputs, got {type(t).__name__}")
    for t in outs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [_seed(o, s, "grad_outputs") for o, s in zip(outs, seeds)]
    for o in outs:
        _checked_order(o)
    order = _toposort(outs, leaves=False)
    adjoints = _reverse_sweep(outs, seeds, tape=order, retain=True, create_graph=create_graph)
    if not retain_graph:
        _free(order)
    result = []
    handed_out: set = set()
    for t in ins:
        g = adjoints.get(t)
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t.value)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            else:
                result.append(None)
                continue
        result.append(g if isinstance(g, Tensor) else _wrap(_owned_gradient(g, t.value, handed_out)))
    return tuple(result)


def _checked_order(out: Tensor) -> list:
    """The graph below ``out`` in evaluation order, for the sweep: every value a rule will read is as it was
    recorded (else PyTorch's error), and an edge recorded before an in-place change of its operand leads to the
    node that operand was then."""
    while True:
        order = _toposort([out], leaves=False)
        rerouted = False
        for node in order:
            if node.saved is _FREED:
                raise RuntimeError(_SECOND_TIME)
            rec = node._rec
            if rec is None:
                continue
            for k, (i, box, version) in enumerate(rec):
                if box[0] == version:
                    continue
                if _reads(node, i):
                    raise _modified(node, i, box, version)
                if i < 0:
                    # changed, while recording, through another tensor sharing its memory
                    if box[1] > version and node._hist is not _IS_SNAPSHOT:
                        raise RuntimeError("nets: a tensor in the graph was changed by an in-place operation on "
                                           "another tensor sharing its memory (a view); PyTorch would rewrite its "
                                           "history, nets does not: clone() before changing it in place")
                    continue
                p = node.parents[i]
                old = _snapshot(p, version) if isinstance(p, Tensor) else None
                if old is not None:
                    node.parents = node.parents[:i] + (old,) + node.parents[i + 1:]
                    node._rec = rec = rec[:k] + ((i, old._vbox, version),) + rec[k + 1:]
                    rerouted = True
        if not rerouted:
            return order


def _free(order: list) -> None:
    """backward() without retain_graph: what the rules would read is let go, as PyTorch frees saved tensors."""
    for node in order:
        if node.prim is not None and not _linear(node.prim):
            node.saved = _FREED
            node.parents = ()
            node._rec = None


def _plain_index(index):
    if isinstance(index, tuple):
        return tuple(_value(i) for i in index)
    return _value(index)


# ----------------------------------------------------------------------------------------- factories
def _check(device) -> None:
    """``device=`` on a factory: the CPU, or PyTorch-style boilerplate asking for it (anything else: an error)."""
    if device is not None:
        _dt.check_device(device)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (Python floats → float32, arrays keep their dtype)."""
    _check(device)
    return _make(_as_array(data, dtype), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing the array when no conversion is needed."""
    _check(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dt.as_dtype(dtype)):
        return data
    return _wrap(_as_array(data, dtype, copy=False))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy ndarray, not {type(array).__name__}")
    return _wrap(array)


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _make(value: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and value.dtype.kind not in "fc":
        raise TypeError(f"only floating-point tensors can require gradients, not {_dt.name(value.dtype)}")
    return _wrap(value, bool(requires_grad))


def _float_dtype(dtype) -> np.dtype:
    return _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    return _make(np.zeros(_shape_arg(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    return _make(np.ones(_shape_arg(size), dtype=_float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    return _make(np.empty(_shape_arg(size), dtype=_float_dtype(dtype)), requires_grad)


def full(size: Sequence[int], fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    if dtype is None:
        dtype = _as_array(fill_value).dtype
    return _make(np.full(tuple(size), _value(fill_value), dtype=_dt.as_dtype(dtype)), requires_grad)


def _like(x, dtype):
    v = x.value if isinstance(x, Tensor) else np.asarray(x)
    return v.shape, (v.dtype if dtype is None else _dt.as_dtype(dtype))


def zeros_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    shape, d = _like(x, dtype)
    return _make(np.zeros(shape, dtype=d), requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    shape, d = _like(x, dtype)
    return _make(np.ones(shape, dtype=d), requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    shape, d = _like(x, dtype)
    return _make(np.empty(shape, dtype=d), requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    shape, d = _like(x, dtype)
    return _make(np.full(shape, _value(fill_value), dtype=d), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Like PyTorch: integers give int64, any float argument gives the default float dtype."""
    _check(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dt.get_default_dtype() if floats else _dt.int64
    return _make(np.arange(start, end, step).astype(_dt.as_dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    return _make(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check(device)
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)
