"""Python's operators on traced values, shared by graph nodes and dual numbers.

Each operator applies one registered primitive through the tracer's ``_apply`` (what
:func:`~autodiff.primitives.bind` would call: the first tracer among the operands decides), so ``x * y``
records a ``mul`` node when x is a :class:`~autodiff.graph.Node` and applies the ``mul`` forward rule when
x is a :class:`~autodiff.dual.Dual`. Comparisons and ``bool`` look at the primal values: Python control
flow follows the values, and a trace records the branch that was taken.
"""

from __future__ import annotations

from .primitives import REGISTRY, bind, primal

_NO_PARAMS: dict = {}  # shared and never mutated

_add, _sub, _mul, _div = REGISTRY["add"], REGISTRY["sub"], REGISTRY["mul"], REGISTRY["div"]
_pow, _neg, _abs, _matmul = REGISTRY["pow"], REGISTRY["neg"], REGISTRY["abs"], REGISTRY["matmul"]
_getitem, _transpose = REGISTRY["getitem"], REGISTRY["transpose"]


def plain_index(index):
    """An index with any traced integer arrays in it replaced by their values (indices are constants)."""
    if isinstance(index, tuple):
        return tuple(primal(i) for i in index)
    return primal(index)


class Operators:
    __slots__ = ()
    __array_ufunc__ = None  # numpy defers to us: ndarray * node calls node.__rmul__

    def __add__(self, other):
        return self._apply(_add, (self, other), _NO_PARAMS)

    def __radd__(self, other):
        return self._apply(_add, (other, self), _NO_PARAMS)

    def __sub__(self, other):
        return self._apply(_sub, (self, other), _NO_PARAMS)

    def __rsub__(self, other):
        return self._apply(_sub, (other, self), _NO_PARAMS)

    def __mul__(self, other):
        return self._apply(_mul, (self, other), _NO_PARAMS)

    def __rmul__(self, other):
        return self._apply(_mul, (other, self), _NO_PARAMS)

    def __truediv__(self, other):
        return self._apply(_div, (self, other), _NO_PARAMS)

    def __rtruediv__(self, other):
        return self._apply(_div, (other, self), _NO_PARAMS)

    def __pow__(self, other):
        return self._apply(_pow, (self, other), _NO_PARAMS)

    def __rpow__(self, other):
        return self._apply(_pow, (other, self), _NO_PARAMS)

    def __matmul__(self, other):
        return self._apply(_matmul, (self, other), _NO_PARAMS)

    def __rmatmul__(self, other):
        return self._apply(_matmul, (other, self), _NO_PARAMS)

    def __neg__(self):
        return self._apply(_neg, (self,), _NO_PARAMS)

    def __pos__(self):
        return self

    def __abs__(self):
        return bind(_abs, self)

    def __getitem__(self, index):
        return bind(_getitem, self, index=plain_index(index))

    def __lt__(self, other):
        return primal(self) < primal(other)

    def __le__(self, other):
        return primal(self) <= primal(other)

    def __gt__(self, other):
        return primal(self) > primal(other)

    def __ge__(self, other):
        return primal(self) >= primal(other)

    def __bool__(self):
        return bool(primal(self))

    def __float__(self):
        return float(primal(self))

    def __complex__(self):
        return complex(primal(self))

    @property
    def shape(self) -> tuple:
        return getattr(primal(self), "shape", ())

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def T(self):
        return bind(_transpose, self, axes=None)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar")
        return self.shape[0]
