"""Array-module dispatch for plain arrays: the arrays decide whether work runs in NumPy or CuPy.

CuPy is imported lazily and only if it is installed; nothing here ever moves data between the
host and a device. ``dualad._core.backend`` builds on this for values that may be boxed.
"""
import numpy as np

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


def array_module(*arrays):
    """``numpy`` or ``cupy``, from the (plain) arrays among ``arrays``.

    Raises TypeError when NumPy and CuPy arrays are mixed.
    """
    found_cupy = found_numpy = None
    for x in arrays:
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
