"""The primitive registry and ``bind``, the one place where dispatch happens.

The registry, ``bind`` and ``Primitive`` are compiled (``_engine.pyx``, the eager hot path);
this module is their public face and holds ``Box`` and the NOTEs the rules follow. The forms a
rule takes (one rule, one per argument, ``indexed``) are described on ``Primitive``.

# Design: a ``Primitive`` declares, side by side, its value function (``impl``, on plain arrays),
# its JVP rule and its VJP rule. Forward mode (``Dual``) and reverse mode (the tape) both ask the
# primitive for its rules; neither keeps formulas of its own. Rules are written with dualad's own
# operations, so when the primals they see are boxes of an outer context the rule itself is
# differentiated (forward-over-reverse Hessians, ``grad(grad(f))``); on plain arrays the same
# rule runs straight on the kernels.

NOTE: batch axis. Tangents and cotangents always carry one leading batch axis (k directions; k
is 1 for a plain ``jvp`` or ``grad``). A JVP rule receives ``t`` of shape ``(k,) + x.shape`` and
returns ``(k,) + ans.shape``; a VJP rule receives ``g`` of shape ``(k,) + ans.shape`` and returns
``(k,) + x.shape``. Rules that take an ``axis`` normalise it to a negative number so that it means
the same axis with or without the batch axis in front.

NOTE: symbolic zeros. A tangent or cotangent that is known to be zero is ``None``; rules are not
called for it and nothing is materialised.
"""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._engine import (_BUILTINS, REGISTRY, BoxBase, OperandRules, Primitive,  # noqa: F401
                      ShapeOnly, add_any, align_batched, bind, dtype_of, indexed, ndim_of,
                      seal_builtins, shape_of)
from .backend import raw_value
from .escape import concrete

__all__ = ["REGISTRY", "Box", "OperandRules", "Primitive", "ShapeOnly", "add_any",
           "align_batched", "bind", "dtype_of", "indexed", "ndim_of", "read_only_view",
           "seal_builtins", "shape_of", "use_array_surface"]


class Box(BoxBase):
    """Base class of the values dualad boxes: ``Dual`` (forward) and ``Tensor`` (reverse).

    Its arithmetic operators, level and trace live in the compiled ``BoxBase``; the rest of its
    array surface (comparisons, methods, NumPy interoperability) is written with
    ``dualad.numpy`` functions and handed over by ``use_array_surface``.
    """

    __slots__ = ()
    __array_priority__ = 1000.0

    # ``_raw()`` (defined by each box) is the value one level down: its array attributes are
    # the box's own.
    @property
    def shape(self):
        """The shape of the value, as NumPy's ``ndarray.shape``.

        >>> ad.Dual(np.ones((2, 3)), np.zeros((2, 3))).shape
        (2, 3)
        """
        return shape_of(self._raw())

    @property
    def dtype(self):
        """The dtype of the value, as NumPy's ``ndarray.dtype``.

        >>> ad.Dual(np.ones(2), np.zeros(2)).dtype
        dtype('float64')
        """
        return dtype_of(self._raw())

    @property
    def ndim(self):
        """The number of axes of the value, as NumPy's ``ndarray.ndim``.

        >>> ad.Dual(np.ones((2, 3)), np.zeros((2, 3))).ndim
        2
        """
        return len(shape_of(self._raw()))

    @property
    def size(self):
        """The number of elements of the value, as NumPy's ``ndarray.size``.

        >>> ad.Dual(np.ones((2, 3)), np.zeros((2, 3))).size
        6
        """
        return int(np.prod(shape_of(self._raw())))

    def __len__(self):
        return len(self._raw())

    # -- conversions to plain values: each asks ``concrete`` (NOTE: escaped values) ----------
    def __float__(self):
        return float(concrete(self, "float() (which math.* functions and y[i] = x on a NumPy "
                                     "array call)"))

    def __int__(self):
        return int(concrete(self, "int()"))

    def __complex__(self):
        return complex(concrete(self, "complex()"))

    def __index__(self):
        return operator.index(concrete(self, "use as an index (operator.index)"))

    def item(self, *args: int) -> Any:
        """The value of a one-element array as a Python number (NumPy's ``item``).

        >>> ad.tensor([2.5]).item()
        2.5
        """
        v = concrete(self, "item()")
        if not args and _size(v) != 1:
            raise ValueError(f"item() needs an array with one element, this one has shape "
                             f"{shape_of(v)}")
        return v.item(*args) if hasattr(v, "item") else v

    def __format__(self, spec):
        """``f"{x:.3f}"``: the value formatted as NumPy formats it (formatting reports a value,
        it cannot carry it back into a computation, so it is allowed everywhere)."""
        if not spec:
            return str(self)
        value = raw_value(self)
        return format(value.item() if _size(value) == 1 else value, spec)

    def tolist(self) -> Any:
        """The values as nested Python lists (NumPy's ``tolist``).

        >>> ad.tensor([[1.0, 2.0]]).tolist()
        [[1.0, 2.0]]
        """
        v = concrete(self, "tolist()")
        return v.tolist() if hasattr(v, "tolist") else v

    def numpy(self) -> np.ndarray:
        """The values as a read-only NumPy array (NOTE: mutation guard in ``_engine.pyx``);
        ``.copy()`` it to get an array to modify.

        >>> a = ad.tensor([1.0, 2.0]).numpy()
        >>> a, a.flags.writeable
        (array([1., 2.], dtype=float32), False)
        """
        return read_only_view(np.asarray(concrete(self, "numpy()", reporting=False)))

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(concrete(self, "numpy.asarray()/numpy.array() (or storing into a NumPy "
                                      "array, y[i] = x)", reporting=False))
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else read_only_view(a)


# Hook: the array surface of boxes written with the facade's functions. Comparisons, ``%``,
# ``//``, ``divmod``, ``abs``, the truth value, iteration, NumPy's ``__array_ufunc__`` and
# ``__array_function__`` protocols, the array methods (``x.sum()`` …) and ``.T``, ``.real``,
# ``.imag``, ``.at`` each mean a ``dualad.numpy`` function, which checks and normalises its
# arguments a layer above the core; so ``dualad.numpy`` (``numpy/_methods.py``) registers them
# here, once, when it is imported. (Indexing has its own hook, ``_engine.use_facade``.)
def use_array_surface(surface: dict[str, Any]) -> None:
    """Give ``Box`` the attributes in ``surface`` (a dict of names to functions or properties).

    >>> hasattr(Box, 'sum')   # one of the names dualad.numpy hands over
    True
    """
    for name, value in surface.items():
        setattr(Box, name, value)


def _size(v):
    return getattr(v, "size", 1)


def read_only_view(a: Any) -> Any:
    """A view of the NumPy array ``a`` that cannot be written through (other values pass).

    >>> v = read_only_view(np.zeros(2))
    >>> v.flags.writeable
    False
    """
    if type(a) is not np.ndarray:
        return a
    v = a.view()
    v.flags.writeable = False
    return v
