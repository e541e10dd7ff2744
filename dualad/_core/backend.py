"""Array-module dispatch: the arrays a user passes decide whether work runs in NumPy or CuPy.

CuPy is imported lazily and only if it is installed; nothing here ever moves data between the
host and a device.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:   # dualad.typing imports this package: the aliases are for checkers
    from ..typing import ArrayLike

_cupy = None
_cupy_checked = False


def cupy_module():
    """The ``cupy`` module, or None when it is not installed."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy
            _cupy = cupy
        except Exception:  # ImportError, or a CUDA driver problem at import time
            _cupy = None
    return _cupy


def is_cupy_array(x):
    return type(x).__module__.startswith("cupy")


def raw_value(x):
    """Strip every dualad box around ``x`` (Duals and Tensors at any level)."""
    while hasattr(x, "_level"):
        x = x._raw()
    return x


def array_module(*xs):
    """``numpy`` or ``cupy``, from the arrays among ``xs`` (boxes are looked through).

    Raises TypeError when NumPy and CuPy arrays are mixed.
    """
    for x in xs:
        if type(x) is not np.ndarray:
            break
    else:
        return np
    found_cupy = found_numpy = None
    for x in xs:
        x = raw_value(x)
        if is_cupy_array(x):
            found_cupy = x
        elif isinstance(x, np.ndarray) and x.ndim > 0:
            found_numpy = x
    if found_cupy is not None:
        if found_numpy is not None:
            raise TypeError(
                "dualad does not mix NumPy and CuPy arrays in one operation: got a NumPy array "
                f"of shape {found_numpy.shape} and a CuPy array of shape {found_cupy.shape}; "
                "move one of them with cupy.asarray(...) or cupy.asnumpy(...) first")
        return cupy_module()
    return np


def backend_of(x: ArrayLike) -> str:
    """``"numpy"`` or ``"cupy"``: where operations on ``x`` run."""
    return "cupy" if is_cupy_array(raw_value(x)) else "numpy"
