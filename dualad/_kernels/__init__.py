"""Kernel selection: the compiled Cython kernels, or their NumPy references.

``DUALAD_PUREPYTHON=1`` in the environment forces the references (as does a build without the
compiled extensions). The compiled kernels serve C-contiguous float64 and float32 NumPy arrays;
every other input (CuPy arrays, other dtypes, strided views) takes the reference.
"""
import os

import numpy as np

from . import reference

UNARY_OPS = ("exp", "expm1", "log", "log1p", "sin", "cos", "tan", "sinh", "cosh", "tanh",
             "sqrt", "arctan", "sigmoid", "abs", "relu")

_compiled = None
if not os.environ.get("DUALAD_PUREPYTHON"):
    try:
        from . import _unary as _compiled
    except ImportError:  # not built: the references serve
        _compiled = None

COMPILED = _compiled is not None
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _dispatching(name):
    ref = getattr(reference, name)
    fast = getattr(_compiled, name, None) if _compiled is not None else None
    if fast is None:
        return ref

    def kernel(x, *args):
        if type(x) is np.ndarray and x.dtype in _FLOATS and x.flags.c_contiguous:
            return fast(x, *args)
        return ref(x, *args)

    kernel.__name__ = name
    kernel.__doc__ = ref.__doc__
    return kernel


UNARY_FWD = {op: _dispatching(op + "_fwd") for op in UNARY_OPS}
unbroadcast = _dispatching("unbroadcast")
