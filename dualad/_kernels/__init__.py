"""Kernel selection: the compiled Cython kernels, or their NumPy references.

``DUALAD_PUREPYTHON=1`` in the environment forces the references (as does a build without the
compiled extensions).

* ``UNARY_FWD[op](x) -> (op(x), op'(x))``, ``UNARY_VALUE[op](x) -> op(x)`` (the same loop, so a
  value is bitwise the same whether or not it is being differentiated) and ``unbroadcast``: the
  compiled kernels (``_unary``) serve C-contiguous, aligned, native-endian float64 and float32
  ndarrays and hand every other input (CuPy arrays, other dtypes, strided views, subclasses) to
  the reference of the same name themselves, so the lookup here adds nothing per call
  (``add_product(out, g, d)``, the sweep's ``out += g * d``, returns False for what it does not
  take, and the caller computes it another way; ``product_rule(tx, y, ty, x)``, forward mode's
  ``tx * y + ty * x``, also takes tangents whose rows are contiguous, such as a basis tangent's
  slice; ``arithmetic(name, x, y)``, the engine's add, subtract, multiply and divide of large
  arrays, of one shape or one a row repeated along the other's batch, with NumPy's bits and
  warnings, where NumPy's loops use one core; ``arithmetic_value(ufunc, operator)``, the value
  function of the arithmetic primitives, ``_arithmetic.Arithmetic`` or, its reference, the
  ufunc itself). On
  arrays of 65536 elements or more they share the work among the usable cores
  (``os.sched_getaffinity``), or ``DUALAD_NUM_THREADS`` (``set_num_threads``) threads, in
  blocks handed out one at a time, as PyTorch's and JAX's kernels use every core by default.
  The threads are the kernels' own pool (``_pool.h``), not OpenMP: an OpenMP loop waits at
  its end for every thread of its team, and beside NumPy's OpenBLAS, whose idle workers spin
  after each matmul, a worker waited for a core for whole scheduler slices, so two threads
  could be several times slower than one (``benchmarks/``). The pool's caller waits
  only for workers that joined in time, and idle workers sleep. ``DUALAD_NUM_THREADS=1`` is
  still the setting for machines whose cores are busy with other work.
* ``fingerprint(a)``: the tape's mutation-guard hash of an array's bytes (``_guard``; the
  compiled kernel hands non-contiguous input to the reference itself). Large arrays are summed
  in chunks by the same number of threads as the elementwise kernels.
* ``cache_scope()``: a context manager under which NumPy allocates large buffers through
  ``_alloc``'s caching allocator (dualad's transforms enter it; see that module); ``trim_cache()``
  returns its cached blocks to the system, ``set_cache_limit(nbytes)`` bounds them, and
  ``cache_stats()`` reports them. Without the compiled module the scope does nothing.
* ``FusedChain(code, n_regs, inputs, outputs, sum_reg)``: ``ad.jit``'s interpreter of fused
  elementwise chains (``_fused``; ``FUSED_OPCODES`` its operations, ``fused_broadcast(shape,
  full)`` whether it reads an operand of ``shape`` broadcast to ``full``), None without the compiled
  module.
* ``TRAIN[name]``: the training kernels (``_train``) take C-contiguous NumPy arrays of one
  float dtype (labels ``intp``) and leave the checks to the caller; the wrapper here sends
  anything else to ``train_reference``. ``RECURRENT[name]`` (``_recurrent``: the time steps
  of an LSTM or GRU layer, forward and backward) and ``NORM[name]`` (``_norm``: batch and
  layer normalisation, forward and backward) are selected the same way, falling back to
  ``recurrent_reference`` and ``norm_reference``.
"""
import contextlib
import importlib
import os

import numpy as np

from . import conv_reference, norm_reference, recurrent_reference, reference, train_reference
from .optable import OPS

UNARY_OPS = tuple(op.name for op in OPS.values() if op.c is not None)   # with a compiled loop
TRAIN_OPS = ("softmax_xent_fwd", "relu", "relu_bwd", "sgd_update", "adam_update",
             "rmsprop_update")


def _load(name):
    if os.environ.get("DUALAD_PUREPYTHON"):
        return None
    try:
        return importlib.import_module("." + name, __name__)
    except ImportError:  # not built: the references serve
        return None


def usable_cores():
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # not on Linux
        return max(1, os.cpu_count() or 1)


_unary = _load("_unary")
_train = _load("_train")
_guard = _load("_guard")
_alloc = _load("_alloc")
_conv = _load("_conv")
_fused = _load("_fused")
_recurrent = _load("_recurrent")
_norm = _load("_norm")
_arithmetic = _load("_arithmetic")
COMPILED = _unary is not None
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))
_SCALARS = (bool, int, float, np.number)   # checked first: np.ndim costs a microsecond


def _unary_kernel(name):
    return getattr(_unary, name, None) or getattr(reference, name)


def _plain(args):
    """Whether the compiled training kernels take ``args``: every array a C-contiguous
    ndarray, the floating ones of one dtype in ``_FLOATS``, the integer ones ``intp``."""
    dtype = None
    for a in args:
        if a is None or isinstance(a, _SCALARS) or (
                not isinstance(a, np.ndarray) and np.ndim(a) == 0):
            continue
        if type(a) is not np.ndarray or not a.flags.c_contiguous:
            return False
        if a.dtype.kind == "f":
            dtype = dtype or a.dtype
            if a.dtype != dtype or dtype not in _FLOATS:
                return False
        elif a.dtype != np.intp:
            return False
    return dtype is not None


def _checked_kernel(fast_module, ref_module, name):
    ref = getattr(ref_module, name)
    fast = getattr(fast_module, name, None)
    if fast is None:
        return ref

    def kernel(*args):
        return fast(*args) if _plain(args) else ref(*args)

    kernel.__name__ = name
    kernel.__doc__ = ref.__doc__
    return kernel


def _conv_kernel(name):
    """The compiled sliding-window kernel for float64/float32 NumPy arrays with one or two
    spatial axes (a strided array is copied to C order first), the reference otherwise."""
    ref = getattr(conv_reference, name)
    fast = getattr(_conv, name, None)
    if fast is None:
        return ref

    def kernel(a, **geometry):
        if type(a) is np.ndarray and a.dtype in _FLOATS and len(geometry["kernel"]) in (1, 2):
            return fast(np.ascontiguousarray(a), **geometry)
        return ref(a, **geometry)

    kernel.__name__ = name
    kernel.__doc__ = ref.__doc__
    return kernel


def set_num_threads(n):
    """Threads for the compiled elementwise kernels on large arrays (default: the usable
    cores, or ``DUALAD_NUM_THREADS``); returns the previous count (always 1 without the
    compiled kernels)."""
    for module in (_guard, _fused, _conv):
        if module is not None:
            module.set_num_threads(n)
    return _unary.set_num_threads(n) if _unary is not None else 1


set_num_threads(int(os.environ.get("DUALAD_NUM_THREADS") or usable_cores()))

UNARY_FWD = {op: _unary_kernel(op + "_fwd") for op in UNARY_OPS}
UNARY_VALUE = {op: _unary_kernel(op + "_value") for op in UNARY_OPS}
unbroadcast = _unary_kernel("unbroadcast")
add_product = _unary_kernel("add_product")
product_rule = _unary_kernel("product_rule")
arithmetic = _unary_kernel("arithmetic")


def arithmetic_value(ufunc, operator):
    """The value function of an arithmetic primitive: ``ufunc(x, y)``, through
    ``_arithmetic.Arithmetic`` (C for single float64 values, ``operator`` for NumPy scalars,
    the cores for large arrays) when compiled, else the ufunc itself (its reference)."""
    return ufunc if _arithmetic is None else _arithmetic.Arithmetic(ufunc, operator)


TRAIN = {name: _checked_kernel(_train, train_reference, name) for name in TRAIN_OPS}
RECURRENT = {name: _checked_kernel(_recurrent, recurrent_reference, name)
             for name in ("lstm_layer_fwd", "lstm_layer_bwd", "gru_layer_fwd", "gru_layer_bwd")}
NORM = {name: _checked_kernel(_norm, norm_reference, name)
        for name in ("batch_norm_stats", "batch_norm_fwd", "batch_norm_apply", "batch_norm_bwd",
                     "layer_norm_fwd", "layer_norm_bwd")}
CONV = {name: _conv_kernel(name) for name in ("unfold", "fold")}
fingerprint = getattr(_guard, "fingerprint", None) or reference.fingerprint
FusedChain = getattr(_fused, "FusedChain", None)   # None: fused chains run as NumPy steps
FUSED_OPCODES = getattr(_fused, "OPCODES", ())
fused_broadcast = getattr(_fused, "broadcast_pattern", None)   # whether a chain reads a shape


def _no_cache(*args):
    return 0


if _alloc is not None:
    cache_scope, trim_cache = _alloc.cache_scope, _alloc.trim
    set_cache_limit, cache_stats = _alloc.set_limit, _alloc.stats
else:
    cache_scope, trim_cache, set_cache_limit = contextlib.nullcontext, _no_cache, _no_cache
    cache_stats = dict
