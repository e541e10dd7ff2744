"""Reductions, shape functions and products of ``dualad.numpy`` built on the primitives."""
from __future__ import annotations

from typing import Any, Sequence

import operator

import numpy as np

from .._core import _engine
from .._core.primitive import ndim_of, shape_of

from ..primitives import indexing as _ix
from ..primitives import reductions as _r
from ..primitives import shape as _s
from ._axes import as_ints, normalize_axis
from ._ufuncs import reject_kwargs
from ..typing import Array, ArrayLike, Axis, DTypeLike, Shape


def sum(x: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
        keepdims: bool = False, **kwargs: Any) -> Array:
    """Sum of ``x`` over ``axis`` (an int, a tuple, or None for all axes), as ``np.sum``;
    ``keepdims=True`` keeps the reduced axes with length 1.

    >>> dnp.sum(np.arange(6.0).reshape(2, 3), axis=0)
    array([3., 5., 7.])
    """
    if kwargs:
        reject_kwargs("sum", kwargs)
    if dtype is not None:
        reject_kwargs("sum", {"dtype": dtype})
    return _r.sum_p(x, axis=normalize_axis(axis, ndim_of(x), "sum"), keepdims=bool(keepdims))


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False, **kwargs: Any) -> Array:
    """Arithmetic mean of ``x`` over ``axis`` (an int, a tuple, or None for all axes), as
    ``np.mean``; ``keepdims=True`` keeps the reduced axes with length 1.

    >>> dnp.mean(np.array([[1.0, 2.0], [3.0, 6.0]]), axis=1)
    array([1.5, 4.5])
    """
    if kwargs:
        reject_kwargs("mean", kwargs)
    axes = normalize_axis(axis, ndim_of(x), "mean")
    count = int(np.prod([shape_of(x)[a] for a in axes]))
    return _r.sum_p(x, axis=axes, keepdims=bool(keepdims)) / count


def reshape(x: ArrayLike, shape: Shape, order: str = "C") -> Array:
    """``x`` with a new ``shape`` (one entry may be -1) and the same elements in C order,
    as ``np.reshape``.

    >>> dnp.reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        reject_kwargs("reshape", {"order": order})
    shape = as_ints(shape, "shape", "reshape")
    if tuple(shape_of(x)) == shape:
        return x
    return _s.reshape(x, shape=shape)


def transpose(x: ArrayLike, axes: Axis = None) -> Array:
    """``x`` with its axes permuted by ``axes`` (reversed by default), as ``np.transpose``.

    >>> dnp.transpose(np.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    ndim = ndim_of(x)
    axes = (tuple(range(ndim))[::-1] if axes is None
            else tuple(a % max(ndim, 1) for a in as_ints(axes, "axes", "transpose")))
    if axes == tuple(range(ndim)):
        return x
    return _s.transpose(x, axes=axes)


def broadcast_to(x: ArrayLike, shape: Shape) -> Array:
    """``x`` broadcast to ``shape`` by NumPy's rules, as ``np.broadcast_to``; in reverse
    mode the cotangent is summed back over the broadcast axes.

    >>> dnp.broadcast_to(np.array([1.0, 2.0]), (2, 2))
    array([[1., 2.],
           [1., 2.]])
    """
    shape = as_ints(shape, "shape", "broadcast_to")
    if tuple(shape_of(x)) == shape:
        return x
    return _s.broadcast_to(x, shape=shape)


def matmul(a: ArrayLike, b: ArrayLike, **kwargs: Any) -> Array:
    """Matrix product ``a @ b`` with NumPy's rules for 1-D and stacked (batched) operands, as
    ``np.matmul``.

    >>> dnp.matmul(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    if kwargs:
        reject_kwargs("matmul", kwargs)
    return _engine.matmul(a, b)


def getitem(x: ArrayLike, index: Any) -> Array:
    """``x[index]``: basic, integer-array and boolean indexing; out-of-bounds indices raise
    IndexError as in NumPy."""
    return _ix.getitem(x, index=_ix.normalize_index(index, ndim_of(x)))


def moveaxis(x: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]) -> Array:
    """``x`` with the axes ``source`` moved to the positions ``destination`` (ints or
    sequences of ints), the other axes keeping their order, as ``np.moveaxis``.

    >>> dnp.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    ndim = ndim_of(x)
    src = [operator.index(a) % ndim for a in ((source,) if ndim_of(source) == 0 else source)]
    dst = [operator.index(a) % ndim
           for a in ((destination,) if ndim_of(destination) == 0 else destination)]
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(x: ArrayLike, axis1: int, axis2: int) -> Array:
    """``x`` with the axes ``axis1`` and ``axis2`` interchanged, as ``np.swapaxes``.

    >>> dnp.swapaxes(np.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    axes = list(range(ndim_of(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def expand_dims(x: ArrayLike, axis: int | Sequence[int]) -> Array:
    """``x`` with new axes of length 1 inserted at ``axis`` (an int or a tuple), as
    ``np.expand_dims``.

    >>> dnp.expand_dims(np.ones(3), 0).shape
    (1, 3)
    """
    shape = list(shape_of(x))
    axes = (axis,) if ndim_of(axis) == 0 else tuple(axis)
    ndim = len(shape) + len(axes)
    for a in sorted(a % ndim for a in axes):
        shape.insert(a, 1)
    return reshape(x, shape)


def squeeze(x: ArrayLike, axis: Axis = None) -> Array:
    """``x`` without its axes of length 1 (only those in ``axis``, if given; selecting an axis
    of another length raises ``ValueError``), as ``np.squeeze``.

    >>> dnp.squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
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


def ravel(x: ArrayLike) -> Array:
    """``x`` flattened to one dimension in C order, as ``np.ravel`` (``dnp.flatten`` is the
    same function).

    >>> dnp.ravel(np.arange(4.0).reshape(2, 2))
    array([0., 1., 2., 3.])
    """
    return reshape(x, (-1,) if ndim_of(x) != 1 else shape_of(x))


flatten = ravel


def concatenate(arrays: Sequence[ArrayLike], axis: int | None = 0, **kwargs: Any) -> Array:
    """The ``arrays`` joined along an existing ``axis`` (None: flattened first), as
    ``np.concatenate``; mixing NumPy arrays and traced values is allowed.

    >>> dnp.concatenate([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    if kwargs:
        reject_kwargs("concatenate", kwargs)
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    ndim = ndim_of(arrays[0])
    if ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    return _ix.concatenate(*arrays, axis=normalize_axis(axis, ndim, "concatenate")[0])


def stack(arrays: Sequence[ArrayLike], axis: int = 0) -> Array:
    """The ``arrays``, all of one shape, joined along a new ``axis``, as ``np.stack``.

    >>> dnp.stack([np.zeros(2), np.ones(2)], axis=1)
    array([[0., 1.],
           [0., 1.]])
    """
    arrays = list(arrays)
    axis = axis % (ndim_of(arrays[0]) + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


def shape(x: ArrayLike) -> tuple[int, ...]:
    """The shape of ``x`` (a tuple of ints), for arrays and traced values alike.

    >>> dnp.shape(np.ones((2, 3)))
    (2, 3)
    """
    return shape_of(x)


def ndim(x: ArrayLike) -> int:
    """The number of axes of ``x``, for arrays and traced values alike.

    >>> dnp.ndim(np.ones((2, 3)))
    2
    """
    return ndim_of(x)


def size(x: ArrayLike, axis: int | None = None) -> int:
    """The number of elements of ``x`` (or the length of ``axis``), as ``np.size``.

    >>> dnp.size(np.ones((2, 3))), dnp.size(np.ones((2, 3)), 1)
    (6, 3)
    """
    s = shape_of(x)
    return int(np.prod(s)) if axis is None else s[axis]


def result_type(*xs: ArrayLike) -> np.dtype:
    """The dtype NumPy's promotion rules give for the arguments (arrays, traced values,
    dtypes or Python numbers), as ``np.result_type``.

    >>> dnp.result_type(np.float32, 1.0)
    dtype('float32')
    """
    # a scalar type such as np.float32 has a ``dtype`` attribute too (a descriptor): keep it
    return np.result_type(*[x if isinstance(x, type) else getattr(x, "dtype", x) for x in xs])

__all__ = [
    "sum", "mean", "reshape", "transpose", "broadcast_to", "matmul", "getitem", "moveaxis",
    "swapaxes", "expand_dims", "squeeze", "ravel", "flatten", "concatenate", "stack", "shape",
    "ndim", "size", "result_type",
]
