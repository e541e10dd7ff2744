"""Array-module dispatch: the arrays a user passes decide whether work runs in NumPy or CuPy.

CuPy is imported lazily and only if it is installed; nothing here ever moves data between the
host and a device.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._kernels.backend import array_module as _plain_array_module
from .._kernels.backend import cupy_module, is_cupy_array  # noqa: F401  (re-exported)

if TYPE_CHECKING:   # dualad.typing imports this package: the aliases are for checkers
    from ..typing import ArrayLike


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
    return _plain_array_module(*[raw_value(x) for x in xs])


def backend_of(x: ArrayLike) -> str:
    """``"numpy"`` or ``"cupy"``: where operations on ``x`` run."""
    return "cupy" if is_cupy_array(raw_value(x)) else "numpy"
