"""NumPy's integer scalar types, callable on differentiated values.

``dnp.int64(x)`` casts as ``numpy.int64(x)`` does (truncating toward zero; an array in, an
integer array out), also when ``x`` is traced by a transform: the cast is piecewise constant,
so its derivative is zero wherever it exists and nothing is lost by casting the plain value.
This is the one conversion of a traced value that does not raise the escape error (NOTE:
escaped values in ``dualad/_core/escape.py``), as ``x.astype(int)`` does not. HIPS autograd's
``np.int64(W[:, -1])`` (indices computed from weights) runs unchanged.

The types stand in for NumPy's own everywhere else: ``dtype=dnp.int64``, ``a.dtype ==
dnp.int64``, ``isinstance(np.int64(1), dnp.int64)`` and ``dnp.int64 == np.int64`` all hold.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core.backend import raw_value
from .._core.tree import tree_map

__all__ = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


class _SameAsNumpy(type):
    """Makes a casting type compare, hash and answer ``isinstance`` as the NumPy type it
    casts to, so that code testing types or dtypes cannot tell them apart."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls.numpy_type)

    def __subclasscheck__(cls, other: type) -> bool:
        return issubclass(other, cls.numpy_type)

    def __eq__(cls, other: object) -> bool:
        return other is cls or other is cls.numpy_type

    def __hash__(cls) -> int:
        return hash(cls.numpy_type)

    def __repr__(cls) -> str:
        return repr(cls.numpy_type)


def _casting(numpy_type: type) -> type:
    def __new__(cls: type, value: Any = 0) -> Any:
        return numpy_type(tree_map(raw_value, value))

    name = numpy_type.__name__
    __new__.__doc__ = (f"``numpy.{name}(value)`` of the plain value of ``value`` (the cast has "
                       "no derivative)")
    doc = (f"NumPy's ``{name}``, also casting values traced by a dualad transform.\n\n"
           f"    >>> import dualad as ad, dualad.numpy as dnp\n"
           f"    >>> ad.grad(lambda x: dnp.sum(x[dnp.{name}(x[:1])]) * x[0])"
           f"(dnp.array([1.5, 2.0]))\n"
           f"    array([2. , 1.5])\n")
    return _SameAsNumpy(name, (numpy_type,), {"__new__": __new__, "numpy_type": numpy_type,
                                              "__doc__": doc, "__module__": __name__})


int8, int16, int32, int64 = (_casting(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (_casting(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
