"""Shape and data-movement functions of ``dualad.numpy``.

Each is composed from the linear primitives (``getitem`` with basic slices where possible,
``reshape``, ``broadcast_to``, ``concatenate``, ``index_add``), so both modes and every order of
derivative come from their rules; nothing here has a derivative formula of its own.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import ndim_of, shape_of
from ..primitives import indexing as _ix
from ._axes import as_int, as_ints, normalize_axis, normalize_one
from ._core import broadcast_to, concatenate, getitem, moveaxis, ravel, reshape, sum
from ._creation import asarray, astype
from ._ufuncs import reject_kwargs
from ..typing import Array, ArrayLike, Axis, DTypeLike


def _positive_axis(axis, ndim, name):
    return normalize_one(axis, ndim, name) + ndim


def _along(axis, item):
    """An index applying ``item`` to the non-negative axis ``axis``."""
    return (slice(None),) * axis + (item,)


# ---------------------------------------------------------------- splitting and stacking
def _split_bounds(n, indices_or_sections, equal, name):
    """The boundaries of the pieces along an axis of length ``n``."""
    if np.ndim(indices_or_sections) > 0:
        return [0] + list(as_ints(indices_or_sections, "indices_or_sections", name)) + [n]
    sections = as_int(indices_or_sections, "indices_or_sections", name)
    if sections <= 0:
        raise ValueError(f"{name}: number of sections must be larger than 0, got {sections}")
    if equal and n % sections:
        raise ValueError(f"{name}: array split does not result in an equal division "
                         f"({n} elements into {sections} sections)")
    size, extra = divmod(n, sections)
    return [i * size + min(i, extra) for i in range(sections + 1)]


def _split(x, indices_or_sections, axis, equal, name):
    axis = _positive_axis(axis, ndim_of(x), name)
    bounds = _split_bounds(shape_of(x)[axis], indices_or_sections, equal, name)
    return [getitem(x, _along(axis, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:])]


def split(x: ArrayLike, indices_or_sections: int | Sequence[int], axis: Axis = 0) -> list[Array]:
    """``np.split``: a list of pieces along ``axis``, at the given indices or in equal
    sections."""
    return _split(x, indices_or_sections, axis, True, "split")


def array_split(x: ArrayLike, indices_or_sections: int | Sequence[int],
                axis: Axis = 0) -> list[Array]:
    """``np.array_split``: like ``split``, but sections may differ in length by one."""
    return _split(x, indices_or_sections, axis, False, "array_split")


def _atleast(arys, ndim, shape_for):
    out = []
    for a in arys:
        a = asarray(a)
        out.append(reshape(a, shape_for(shape_of(a))) if ndim_of(a) < ndim else a)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: ArrayLike) -> Array | list[Array]:
    """Each argument as an array of at least one dimension (a scalar becomes shape
    ``(1,)``), as ``np.atleast_1d``: one array for one argument, else a list.

    >>> dnp.atleast_1d(3.0).shape
    (1,)
    """
    return _atleast(arys, 1, lambda s: (1,))


def atleast_2d(*arys: ArrayLike) -> Array | list[Array]:
    """Each argument as an array of at least two dimensions (``(n,)`` becomes ``(1, n)``), as
    ``np.atleast_2d``: one array for one argument, else a list.

    >>> dnp.atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(arys, 2, lambda s: (1,) * (2 - len(s)) + s)


def atleast_3d(*arys: ArrayLike) -> Array | list[Array]:
    """As NumPy: ``(n,)`` becomes ``(1, n, 1)`` and ``(m, n)`` becomes ``(m, n, 1)``."""
    return _atleast(arys, 3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


def hstack(tup: Sequence[ArrayLike]) -> Array:
    """The arrays of ``tup`` joined along the second axis (the first for 1-D arrays), as
    ``np.hstack``.

    >>> dnp.hstack([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    arrays = [atleast_1d(a) for a in tup]
    return concatenate(arrays, axis=0 if arrays and ndim_of(arrays[0]) == 1 else 1)


def vstack(tup: Sequence[ArrayLike]) -> Array:
    """The arrays of ``tup`` joined along the first axis, 1-D arrays taken as rows, as
    ``np.vstack``.

    >>> dnp.vstack([np.zeros(2), np.ones(2)])
    array([[0., 0.],
           [1., 1.]])
    """
    return concatenate([atleast_2d(a) for a in tup], axis=0)


# ---------------------------------------------------------------- repetition
def tile(x: ArrayLike, reps: int | Sequence[int]) -> Array:
    """``np.tile``, as one broadcast: each axis of length s becomes a pair ``(r, s)`` that is
    broadcast from ``(1, s)`` and then merged."""
    reps = as_ints(reps, "reps", "tile")
    shape = shape_of(x)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    pairs = reshape(x, tuple(v for s in shape for v in (1, s)))
    tiled = broadcast_to(pairs, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return reshape(tiled, tuple(r * s for r, s in zip(reps, shape)))


def repeat(x: ArrayLike, repeats: int | Sequence[int], axis: int | None = None) -> Array:
    """``np.repeat``: a scalar count is a broadcast along a new axis; per-element counts are an
    integer-array index."""
    if axis is None:
        x, axis = ravel(x), 0
    shape = shape_of(x)
    axis = _positive_axis(axis, len(shape), "repeat")
    n = shape[axis]
    if np.ndim(repeats) > 0:
        return getitem(x, _along(axis, np.repeat(np.arange(n), raw_value(repeats))))
    count = int(repeats)
    if count < 0:
        raise ValueError(f"repeat: negative repeat count {count}")
    before, after = shape[:axis + 1], shape[axis + 1:]
    spread = broadcast_to(reshape(x, before + (1,) + after), before + (count,) + after)
    return reshape(spread, shape[:axis] + (n * count,) + after)


# ---------------------------------------------------------------- reordering
def flip(x: ArrayLike, axis: Axis = None) -> Array:
    """``x`` with the order of its elements reversed along ``axis`` (an int, a tuple, or None
    for all axes), as ``np.flip``.

    >>> dnp.flip(np.arange(3.0))
    array([2., 1., 0.])
    """
    ndim = ndim_of(x)
    axes = normalize_axis(axis, ndim, "flip")
    return getitem(x, tuple(slice(None, None, -1) if i - ndim in axes else slice(None)
                            for i in range(ndim)))


def roll(x: ArrayLike, shift: int | Sequence[int], axis: Axis = None) -> Array:
    """``np.roll``: each rolled axis is the concatenation of two slices; shifts given for the
    same axis add up."""
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape_of(x))
    shape = shape_of(x)
    try:
        shifts, axes = np.broadcast_arrays(shift, axis)
    except ValueError:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must be scalars or "
                         "sequences of the same length") from None
    total = {}
    for s, a in zip(shifts.ravel(), axes.ravel()):
        a = _positive_axis(a, len(shape), "roll")
        total[a] = total.get(a, 0) + as_int(s, "shift", "roll")
    for a, s in total.items():
        n = shape[a]
        s = s % n if n else 0
        if s:
            x = concatenate([getitem(x, _along(a, slice(n - s, None))),
                             getitem(x, _along(a, slice(0, n - s)))], axis=a)
    return x


def take(x: ArrayLike, indices: ArrayLike, axis: int | None = None, **kwargs: Any) -> Array:
    """``np.take`` with ``mode='raise'``: out-of-bounds indices raise IndexError."""
    if kwargs:
        reject_kwargs("take", kwargs)
    x = asarray(x)
    if axis is None:
        x, axis = ravel(x), 0
    axis = _positive_axis(axis, ndim_of(x), "take")
    return getitem(x, _along(axis, np.asarray(raw_value(indices))))


# ---------------------------------------------------------------- diagonals
def _diagonal_slice(rows, cols, offset):
    """The diagonal ``offset`` of a C-ordered ``rows x cols`` matrix, as a strided slice of its
    flattened elements (basic slicing keeps both derivative rules cheap)."""
    first_row, first_col = max(-offset, 0), max(offset, 0)
    length = max(0, min(rows - first_row, cols - first_col))
    start = first_row * cols + first_col
    return slice(start, start + length * (cols + 1), cols + 1)


def diagonal(x: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """``np.diagonal``: the diagonal runs along a new last axis."""
    ndim = ndim_of(x)
    if ndim < 2:
        raise ValueError(f"diagonal: needs an array of at least two dimensions, got shape "
                         f"{shape_of(x)}")
    a1, a2 = _positive_axis(axis1, ndim, "diagonal"), _positive_axis(axis2, ndim, "diagonal")
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same (both are {a1})")
    moved = moveaxis(x, (a1, a2), (-2, -1))
    *rest, rows, cols = shape_of(moved)
    index = _diagonal_slice(rows, cols, int(offset))
    return getitem(reshape(moved, tuple(rest) + (rows * cols,)), _along(len(rest), index))


def trace(x: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1,
          dtype: DTypeLike | None = None, out: None = None) -> Array:
    """``np.trace``: the sum of ``diagonal(x, offset, axis1, axis2)``."""
    if out is not None:
        reject_kwargs("trace", {"out": out})
    if dtype is not None:
        x = astype(x, dtype)
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def diag(v: ArrayLike, k: int = 0) -> Array:
    """``np.diag``: a 1-D ``v`` becomes a square matrix with ``v`` on its diagonal ``k``; a 2-D
    ``v`` gives its diagonal ``k``."""
    v = asarray(v)
    if ndim_of(v) == 2:
        return diagonal(v, k)
    if ndim_of(v) != 1:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {shape_of(v)}")
    size = shape_of(v)[0] + abs(int(k))
    index = _diagonal_slice(size, size, int(k))
    return reshape(_ix.index_add(v, index=(index,), shape=(size * size,), trailing=0),
                   (size, size))


__all__ = ["split", "array_split", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack",
           "tile", "repeat", "flip", "roll", "take", "diagonal", "trace", "diag"]
