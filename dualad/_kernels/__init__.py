"""Kernel selection: the compiled Cython kernels, or their NumPy references.

``DUALAD_PUREPYTHON=1`` in the environment forces the references (as does a build without the
compiled extensions).

* ``UNARY_FWD[op](x) -> (op(x), op'(x))`` and ``unbroadcast``: the compiled kernels (``_unary``)
  serve C-contiguous, aligned, native-endian float64 and float32 ndarrays and hand every other
  input (CuPy arrays, other dtypes, strided views, subclasses) to the reference of the same
  name themselves, so the lookup here adds nothing per call. They run on one thread unless
  ``DUALAD_NUM_THREADS`` (or ``set_num_threads``) asks for more: OpenMP threads pay on an
  idle machine and cost several times their gain when the cores are shared.
"""
import importlib
import os

from . import reference

UNARY_OPS = ("exp", "expm1", "log", "log1p", "sin", "cos", "tan", "sinh", "cosh", "tanh",
             "sqrt", "arctan", "sigmoid", "abs", "relu")


def _load(name):
    if os.environ.get("DUALAD_PUREPYTHON"):
        return None
    try:
        return importlib.import_module("." + name, __name__)
    except ImportError:  # not built: the references serve
        return None


_unary = _load("_unary")
COMPILED = _unary is not None


def _unary_kernel(name):
    return getattr(_unary, name, None) or getattr(reference, name)


def set_num_threads(n):
    """Threads for the compiled elementwise kernels on large arrays; returns the previous
    count (always 1 without the compiled kernels)."""
    return _unary.set_num_threads(n) if _unary is not None else 1


if os.environ.get("DUALAD_NUM_THREADS"):
    set_num_threads(int(os.environ["DUALAD_NUM_THREADS"]))

UNARY_FWD = {op: _unary_kernel(op + "_fwd") for op in UNARY_OPS}
unbroadcast = _unary_kernel("unbroadcast")
