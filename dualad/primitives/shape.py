"""Shape primitives: reshape, broadcast_to, unbroadcast, transpose, ascontiguousarray.

They are linear, so each rule is the operation itself (JVP) or its transpose (VJP), applied
past the leading batch axis. Everything else that only moves data (squeeze, expand_dims, ravel,
swapaxes, moveaxis, stack …) is written in ``dualad.numpy`` in terms of these.
"""
import numpy as np

from .._core._engine import broadcast_view
from .._core.backend import array_module
from .._core.primitive import Primitive, align_batched, ndim_of, shape_of
from .._kernels import unbroadcast as _unbroadcast_kernel


def _batch(v):
    return (v.shape[0],)


# the arrays' own methods: NumPy's module functions add a Python dispatch layer costing
# several times the operation on small arrays (Python numbers have no methods)
def _reshape(x, shape):
    return x.reshape(shape) if hasattr(x, "reshape") else np.reshape(x, shape)


def _transpose(x, axes):
    return x.transpose(axes) if hasattr(x, "transpose") else np.transpose(x, axes)


reshape = Primitive(
    "reshape", _reshape,
    jvp=(lambda t, ans, x, shape: reshape(t, shape=_batch(t) + shape_of(ans)),),
    vjp=(lambda g, ans, x, shape: reshape(g, shape=_batch(g) + shape_of(x)),), linear=True,
    batched=True)


def _broadcast_jvp(t, ans, x, shape):
    return broadcast_to(align_batched(t, len(shape) + 1), shape=_batch(t) + tuple(shape))


broadcast_to = Primitive(
    "broadcast_to", broadcast_view,
    jvp=(_broadcast_jvp,),
    vjp=(lambda g, ans, x, shape: unbroadcast(g, shape=shape_of(x), lead=1),), linear=True,
    batched=True)


def _unbroadcast_vjp(g, ans, x, shape, lead):
    # g: (k,) + x.shape[:lead] + shape  ->  (k,) + x.shape
    g = align_batched(g, 1 + ndim_of(x), lead=1 + lead)
    return broadcast_to(g, shape=_batch(g) + shape_of(x))


unbroadcast = Primitive(
    "unbroadcast", lambda x, shape, lead: _unbroadcast_kernel(x, shape, lead),
    jvp=(lambda t, ans, x, shape, lead: unbroadcast(t, shape=shape, lead=lead + 1),),
    vjp=(_unbroadcast_vjp,), linear=True, batched=True)


def _inverse(axes):
    """The permutation that undoes ``axes`` (what ``np.argsort(axes)`` gives, without building
    an array for a handful of ints on every transpose's VJP)."""
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return tuple(inverse)


def _shifted(axes):
    return (0,) + tuple(a + 1 for a in axes)


transpose = Primitive(
    "transpose", _transpose,
    jvp=(lambda t, ans, x, axes: transpose(t, axes=_shifted(axes)),),
    vjp=(lambda g, ans, x, axes: transpose(g, axes=_shifted(_inverse(axes))),), linear=True,
    batched=True)


def _contiguous(x):
    if x.flags.c_contiguous:
        return x
    return array_module(x).ascontiguousarray(x)


# The same values in C order: a layout change the compiled kernels ask for (they take
# C-contiguous arrays), so a transposed view is copied once rather than read strided by every
# operation after it. The cotangent passes through as it is.
ascontiguousarray = Primitive(
    "ascontiguousarray", _contiguous,
    jvp=(lambda t, ans, x: ascontiguousarray(t),),
    vjp=(lambda g, ans, x: g,), linear=True, batched=True)
