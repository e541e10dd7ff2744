"""Reductions, shape functions and products of ``dualad.numpy`` built on the primitives."""
import operator

import numpy as np

from .._core import _engine
from .._core.primitive import ndim_of, shape_of

from ..primitives import indexing as _ix
from ..primitives import reductions as _r
from ..primitives import shape as _s
from ._axes import as_ints, normalize_axis
from ._ufuncs import reject_kwargs


def sum(x, axis=None, dtype=None, keepdims=False, **kwargs):
    if kwargs:
        reject_kwargs("sum", kwargs)
    if dtype is not None:
        reject_kwargs("sum", {"dtype": dtype})
    return _r.sum_p(x, axis=normalize_axis(axis, ndim_of(x), "sum"), keepdims=bool(keepdims))


def mean(x, axis=None, keepdims=False, **kwargs):
    if kwargs:
        reject_kwargs("mean", kwargs)
    axes = normalize_axis(axis, ndim_of(x), "mean")
    count = int(np.prod([shape_of(x)[a] for a in axes]))
    return _r.sum_p(x, axis=axes, keepdims=bool(keepdims)) / count


def reshape(x, shape, order="C"):
    if order != "C":
        reject_kwargs("reshape", {"order": order})
    shape = as_ints(shape, "shape", "reshape")
    if tuple(shape_of(x)) == shape:
        return x
    return _s.reshape(x, shape=shape)


def transpose(x, axes=None):
    ndim = ndim_of(x)
    axes = (tuple(range(ndim))[::-1] if axes is None
            else tuple(a % max(ndim, 1) for a in as_ints(axes, "axes", "transpose")))
    if axes == tuple(range(ndim)):
        return x
    return _s.transpose(x, axes=axes)


def broadcast_to(x, shape):
    shape = as_ints(shape, "shape", "broadcast_to")
    if tuple(shape_of(x)) == shape:
        return x
    return _s.broadcast_to(x, shape=shape)


def matmul(a, b, **kwargs):
    if kwargs:
        reject_kwargs("matmul", kwargs)
    return _engine.matmul(a, b)


def getitem(x, index):
    """``x[index]``: basic, integer-array and boolean indexing; out-of-bounds indices raise
    IndexError as in NumPy."""
    return _ix.getitem(x, index=_ix.normalize_index(index, ndim_of(x)))


def moveaxis(x, source, destination):
    ndim = ndim_of(x)
    src = [operator.index(a) % ndim for a in ((source,) if ndim_of(source) == 0 else source)]
    dst = [operator.index(a) % ndim
           for a in ((destination,) if ndim_of(destination) == 0 else destination)]
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(x, axis1, axis2):
    axes = list(range(ndim_of(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def expand_dims(x, axis):
    shape = list(shape_of(x))
    axes = (axis,) if ndim_of(axis) == 0 else tuple(axis)
    ndim = len(shape) + len(axes)
    for a in sorted(a % ndim for a in axes):
        shape.insert(a, 1)
    return reshape(x, shape)


def squeeze(x, axis=None):
    shape = shape_of(x)
    if axis is None:
        axes = {n for n, s in enumerate(shape) if s == 1}
    else:
        axes = {a % len(shape) for a in ((axis,) if ndim_of(axis) == 0 else axis)}
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has "
                                 f"size not equal to one (axis {a} has size {shape[a]})")
    return reshape(x, tuple(s for n, s in enumerate(shape) if n not in axes))


def ravel(x):
    return reshape(x, (-1,) if ndim_of(x) != 1 else shape_of(x))


flatten = ravel


def concatenate(arrays, axis=0, **kwargs):
    if kwargs:
        reject_kwargs("concatenate", kwargs)
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    ndim = ndim_of(arrays[0])
    if ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    return _ix.concatenate(*arrays, axis=normalize_axis(axis, ndim, "concatenate")[0])


def stack(arrays, axis=0):
    arrays = list(arrays)
    axis = axis % (ndim_of(arrays[0]) + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


def shape(x):
    return shape_of(x)


def ndim(x):
    return ndim_of(x)


def size(x, axis=None):
    s = shape_of(x)
    return int(np.prod(s)) if axis is None else s[axis]


def result_type(*xs):
    return np.result_type(*[getattr(x, "dtype", x) for x in xs])

__all__ = [
    "sum", "mean", "reshape", "transpose", "broadcast_to", "matmul", "getitem", "moveaxis",
    "swapaxes", "expand_dims", "squeeze", "ravel", "flatten", "concatenate", "stack", "shape",
    "ndim", "size", "result_type",
]
