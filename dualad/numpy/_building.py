"""Building and rearranging arrays in ``dualad.numpy``: triangles, differences, padding,
products of shapes (``kron``, ``cross``), insertion and deletion, ``r_``/``c_``, grids,
rotations, stacking and splitting variants, ``select``, ``take_along_axis`` and ``vander``.

Everything here is composed from differentiable ``dnp`` functions (slices, ``where``,
``concatenate``, ``reshape``, gathers); nothing has a derivative rule of its own.

NOTE: gathering by labels. Functions that only move elements around in a way NumPy defines in
detail (``pad``'s modes, ``insert``, ``delete``) are run by NumPy itself on *labels*, the
integers ``0 .. n-1`` standing for the elements; the labelled result says which element lands
where, and one gather from the flattened input builds the differentiable result. NumPy's exact
semantics come for free, and the derivative is that of the gather (a scatter-add).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, dtype_of, ndim_of, shape_of
from ..primitives.reductions import _cumprod_last
from ._core import broadcast_to, concatenate, getitem, mean, moveaxis, ravel, reshape, \
    stack, transpose
from ._creation import _constant, _holds_box, asarray, astype
from ._shape import _along, _positive_axis, atleast_3d, diag, flip, split, vstack
from ._ufuncs import multiply, where
from ..typing import Array, ArrayLike


def _zero_of(x):
    """A 0-d zero of ``x``'s dtype (so that masking keeps integer arrays integer)."""
    return np.zeros((), dtype=dtype_of(raw_value(x)))


def _matrix_dims(name, m):
    shape = shape_of(m)
    if len(shape) == 0:
        raise ValueError(f"{name}: input must be at least 1-d, got a scalar")
    return shape[-2:] if len(shape) >= 2 else (shape[-1], shape[-1])


# ---------------------------------------------------------------- triangles
def tril(m: ArrayLike, k: int = 0) -> Array:
    """``np.tril``: the lower triangle of the last two axes (elements above diagonal ``k`` set
    to 0); a 1-d input is treated as a row repeated, as NumPy does.

    >>> dnp.tril(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    m = asarray(m)
    rows, cols = _matrix_dims("tril", m)
    return where(np.tri(rows, cols, int(k), dtype=bool), m, _zero_of(m))


def triu(m: ArrayLike, k: int = 0) -> Array:
    """``np.triu``: the upper triangle of the last two axes (elements below diagonal ``k`` set
    to 0).

    >>> dnp.triu(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    m = asarray(m)
    rows, cols = _matrix_dims("triu", m)
    return where(np.tri(rows, cols, int(k) - 1, dtype=bool), _zero_of(m), m)


tri = _constant(np.tri)


def diagflat(v: ArrayLike, k: int = 0) -> Array:
    """``np.diagflat``: the flattened ``v`` on diagonal ``k`` of a square matrix.

    >>> dnp.diagflat(np.array([[1.0, 2.0]]))
    array([[1., 0.],
           [0., 2.]])
    """
    return diag(ravel(asarray(v)), k)


# ---------------------------------------------------------------- differences
def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike = np._NoValue,
         append: ArrayLike = np._NoValue) -> Array:
    """``np.diff``: the ``n``-th discrete difference along ``axis``, after ``prepend`` and
    ``append`` (scalars are broadcast to one slice) are joined to ``a``.

    >>> dnp.diff(np.array([1.0, 4.0, 9.0]))
    array([3., 5.])
    """
    if n == 0:   # NumPy returns its argument itself
        return a
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n!r}")
    a = asarray(a)
    if not any(isinstance(v, Box) for v in (a, prepend, append)):
        return np.diff(a, n, axis, prepend, append)
    shape = shape_of(a)
    if len(shape) == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = _positive_axis(axis, len(shape), "diff")
    pieces = []
    for extra in (prepend, None, append):
        if extra is None:
            pieces.append(a)
        elif extra is not np._NoValue:
            extra = asarray(extra)
            if ndim_of(extra) == 0:
                extra = broadcast_to(extra, shape[:axis] + (1,) + shape[axis + 1:])
            pieces.append(extra)
    if len(pieces) > 1:
        a = concatenate(pieces, axis=axis)
    for _ in range(n):
        a = getitem(a, _along(axis, slice(1, None))) - getitem(a, _along(axis, slice(None, -1)))
    return a


# ---------------------------------------------------------------- gathering by labels
def _labels(x):
    """The labels of ``x``'s elements, shaped like ``x`` (NOTE: gathering by labels)."""
    return np.arange(int(np.prod(shape_of(x))), dtype=np.intp).reshape(shape_of(x))


def _gather(flat, labels):
    return getitem(flat, labels) if labels.size else reshape(
        getitem(flat, slice(0, 0)), labels.shape)


_PAD_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")
_PAD_STATISTICS = ("maximum", "minimum", "mean", "median")
_PAD_KEYWORDS = {"constant": {"constant_values"}, "edge": set(), "wrap": set(),
                 "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
                 "linear_ramp": {"end_values"}, **{m: {"stat_length"} for m in _PAD_STATISTICS}}


def pad(array: ArrayLike, pad_width: ArrayLike, mode: str = "constant", **kwargs: Any) -> Array:
    """``np.pad`` with modes ``constant`` (``constant_values``), ``edge``, ``reflect``,
    ``symmetric``, ``wrap`` (the last two with ``reflect_type='even'``), ``linear_ramp``
    (``end_values``) and ``maximum``, ``minimum``, ``mean``, ``median`` (``stat_length``).
    The derivative flows to every copy of an element (and through the ramps and statistics);
    constant fill values are differentiated when they are one (scalar) differentiated value.

    >>> dnp.pad(np.array([1.0, 2.0]), 1, mode="edge")
    array([1., 1., 2., 2.])
    """
    cval = kwargs.get("constant_values", 0)
    if not isinstance(array, Box) and not isinstance(cval, Box):
        return np.pad(array, pad_width, mode, **kwargs)
    if not isinstance(mode, str) or mode not in _PAD_KEYWORDS:
        modes = ", ".join(map(repr, _PAD_KEYWORDS))
        raise ValueError(f"dualad.numpy.pad: mode {mode!r} is not supported on differentiated "
                         f"values; use one of {modes}")
    unknown = set(kwargs) - _PAD_KEYWORDS[mode]
    if unknown:
        raise ValueError(f"dualad.numpy.pad: unsupported keyword(s) {sorted(unknown)} for mode "
                         f"{mode!r}")
    if kwargs.get("reflect_type", "even") != "even":
        raise ValueError("dualad.numpy.pad: reflect_type='odd' is not supported on "
                         "differentiated values")
    if mode == "linear_ramp" or mode in _PAD_STATISTICS:
        return _pad_axis_by_axis(array, pad_width, mode, kwargs)
    labels = _labels(array)
    flat = ravel(array)
    if mode != "constant":
        return _gather(flat, np.pad(labels, pad_width, mode, **kwargs))
    inside = np.pad(np.ones(labels.shape, dtype=bool), pad_width)
    gathered = _gather(flat, np.pad(labels, pad_width))
    if isinstance(cval, Box):
        if ndim_of(cval) != 0:
            raise ValueError("dualad.numpy.pad: a differentiated constant_values must be a "
                             "scalar; per-axis values must be constants")
        return where(inside, gathered, astype(cval, dtype_of(array)))
    fill = np.pad(np.zeros(labels.shape, dtype=dtype_of(array)), pad_width,
                  constant_values=cval)
    return where(inside, gathered, fill)


def _pairs(value, ndim, name):
    """``value`` as one (before, after) pair per axis, as NumPy's ``pad`` reads it."""
    try:
        return np.broadcast_to(np.asarray(value, dtype=object), (ndim, 2))
    except ValueError:
        raise ValueError(f"dualad.numpy.pad: {name}={value!r} cannot be read as (before, after) "
                         f"pairs for {ndim} axes") from None


def _pad_axis_by_axis(x, pad_width, mode, kwargs):
    """``linear_ramp`` and the statistic modes: each axis in turn gets blocks joined before and
    after it, computed from the array padded so far along the earlier axes (as NumPy does)."""
    from ._order import median   # _order builds on this module
    from ._reductions import max, min
    statistic = {"maximum": max, "minimum": min, "mean": mean, "median": median}.get(mode)
    ndim = ndim_of(x)
    widths = _pairs(pad_width, ndim, "pad_width").astype(np.intp)
    if (widths < 0).any():
        raise ValueError("dualad.numpy.pad: pad_width can't contain negative values")
    extra = _pairs(kwargs.get("end_values", 0) if statistic is None
                   else kwargs.get("stat_length"), ndim, "end_values/stat_length")
    for axis in range(ndim):
        n = shape_of(x)[axis]
        (before, after), (first, second) = widths[axis], extra[axis]
        if statistic is None:
            edges = (getitem(x, _along(axis, slice(0, 1))),
                     getitem(x, _along(axis, slice(n - 1, n))))
            left, right = (_ramp(x, edge, end, width, axis)
                           for edge, end, width in zip(edges, (first, second), (before, after)))
            right = flip(right, axis)
        else:
            lengths = [n if length is None or length > n else int(length)
                       for length in (first, second)]
            if 0 in lengths and mode in ("maximum", "minimum"):
                raise ValueError("dualad.numpy.pad: stat_length of 0 yields no value for padding")
            stats = [statistic(getitem(x, _along(axis, chunk)), axis=axis, keepdims=True)
                     for chunk in (slice(0, lengths[0]), slice(n - lengths[1], n))]
            left, right = (broadcast_to(stat, shape_of(x)[:axis] + (width,)
                                        + shape_of(x)[axis + 1:])
                           for stat, width in zip(stats, (before, after)))
        x = concatenate([left, x, right], axis=axis)
    return x


def _ramp(x, edge, end, width, axis):
    """``width`` values from ``end`` towards ``edge`` (excluded), along ``axis``: NumPy's
    ``linspace(end, edge, width, endpoint=False)``, in the same arithmetic."""
    if width == 0:
        return getitem(x, _along(axis, slice(0, 0)))
    steps = np.arange(width, dtype=dtype_of(raw_value(x))).reshape(
        tuple(-1 if d == axis else 1 for d in range(ndim_of(x))))
    return steps * ((edge - end) / width) + end


def insert(arr: ArrayLike, obj: int | slice | Sequence[int], values: ArrayLike,
           axis: int | None = None) -> Array:
    """``np.insert``: ``values`` (broadcast as NumPy does, cast to ``arr``'s dtype) inserted
    before the indices ``obj`` along ``axis`` (the flattened array when None). Both ``arr``
    and ``values`` are differentiated.

    >>> dnp.insert(np.array([1.0, 2.0]), 1, 9.0)
    array([1., 9., 2.])
    """
    arr, values = asarray(arr), asarray(values)
    if not isinstance(arr, Box) and not isinstance(values, Box):
        return np.insert(arr, raw_value(obj), values, axis)
    size = int(np.prod(shape_of(arr)))
    labels = np.insert(_labels(arr), raw_value(obj), _labels(values) + size, axis)
    out = _gather(concatenate([ravel(arr), astype(ravel(values), dtype_of(arr))]), labels)
    return out


def delete(arr: ArrayLike, obj: int | slice | Sequence[int], axis: int | None = None) -> Array:
    """``np.delete``: ``arr`` without the entries ``obj`` (indices, a slice or a boolean mask)
    along ``axis`` (the flattened array when None).

    >>> dnp.delete(np.array([1.0, 2.0, 3.0]), 1)
    array([1., 3.])
    """
    if not isinstance(arr, Box):
        return np.delete(arr, raw_value(obj), axis)
    return _gather(ravel(arr), np.delete(_labels(arr), raw_value(obj), axis))


def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    """``np.append``: ``values`` joined to the end of ``arr`` along ``axis`` (both flattened
    when None).

    >>> dnp.append(np.array([1.0]), [2.0, 3.0])
    array([1., 2., 3.])
    """
    arr, values = asarray(arr), asarray(values)
    if axis is None:
        if ndim_of(arr) != 1:
            arr = ravel(arr)
        values, axis = ravel(values), 0
    return concatenate([arr, values], axis=axis)


# ---------------------------------------------------------------- products of shapes
def kron(a: ArrayLike, b: ArrayLike) -> Array:
    """``np.kron``: the Kronecker product, as a broadcast product of interleaved axes.

    >>> dnp.kron(np.array([1.0, 2.0]), np.array([1.0, 10.0]))
    array([ 1., 10.,  2., 20.])
    """
    a, b = asarray(a), asarray(b)
    sa, sb = shape_of(a), shape_of(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    spread_a = reshape(a, tuple(v for s in sa for v in (s, 1)))
    spread_b = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(multiply(spread_a, spread_b), tuple(p * q for p, q in zip(sa, sb)))


def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Array:
    """``np.cross`` of vectors of 3 components (or 2, taken with a zero third component; two
    2-vectors give the scalar z component, deprecated in NumPy 2).

    >>> dnp.cross(np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(asarray(a), axisa, -1)
    b = moveaxis(asarray(b), axisb, -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must "
                         f"be 2 or 3, got {na} and {nb})")
    ca = [getitem(a, (Ellipsis, i)) for i in range(na)]
    cb = [getitem(b, (Ellipsis, i)) for i in range(nb)]
    z = ca[0] * cb[1] - ca[1] * cb[0]
    if na == 2 and nb == 2:
        return z
    # a missing third component is zero: its products drop out
    x = ca[1] * cb[2] - ca[2] * cb[1] if na == 3 and nb == 3 else (
        ca[1] * cb[2] if na == 2 else -(ca[2] * cb[1]))
    y = ca[2] * cb[0] - ca[0] * cb[2] if na == 3 and nb == 3 else (
        -(ca[0] * cb[2]) if na == 2 else ca[2] * cb[0])
    out = stack([x, y, z], axis=-1)
    return moveaxis(out, -1, axisc)


# ---------------------------------------------------------------- r_ and c_
class _Concatenator:
    """``r_`` and ``c_``: NumPy's index tricks (slices become ranges, scalars and arrays are
    joined, a leading string ``"axis[,ndmin[,trans1d]]"`` sets the layout); differentiated
    values among the items stay differentiable. Matrix directives (``'r'``, ``'c'``) are
    NumPy's only."""

    def __init__(self, numpy_version, axis, ndmin, trans1d):
        self._numpy = numpy_version
        self._layout = (axis, ndmin, trans1d)

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if not any(_holds_box(item) for item in key):
            return self._numpy[key]
        axis, ndmin, trans1d = self._layout
        objs, dtypes = [], []
        for k, item in enumerate(key):
            if isinstance(item, str):
                if k != 0:
                    raise ValueError("special directives must be the first entry.")
                axis, ndmin, trans1d = self._directive(item, ndmin, trans1d)
                continue
            if isinstance(item, slice):
                item = np.r_[item]
                obj = np.array(item, ndmin=ndmin)
                if ndmin > 1 and trans1d != -1:
                    obj = obj.swapaxes(-1, trans1d)
                dtypes.append(obj.dtype)
            elif type(item) in np.ScalarType:
                obj = item
                dtypes.append(item)
            else:
                obj = self._raise_ndim(asarray(item), ndmin, trans1d)
                dtypes.append(dtype_of(raw_value(obj)))
            objs.append(obj)
        final = np.result_type(*dtypes)
        objs = [self._cast(obj, ndmin, final) for obj in objs]
        return concatenate(objs, axis=axis)

    @staticmethod
    def _directive(item, ndmin, trans1d):
        if item in ("r", "c"):
            raise ValueError("dualad.numpy.r_/c_: matrix directives 'r' and 'c' are not "
                             "supported on differentiated values")
        try:
            parts = [int(v) for v in item.split(",")]
        except ValueError:
            raise ValueError(f"unknown special directive {item!r}") from None
        if not 1 <= len(parts) <= 3:
            raise ValueError(f"unknown special directive {item!r}")
        return parts[0], parts[1] if len(parts) > 1 else ndmin, \
            parts[2] if len(parts) > 2 else trans1d

    @staticmethod
    def _raise_ndim(obj, ndmin, trans1d):
        """``np.array(obj, ndmin=ndmin)`` and NumPy's placement of the original axes."""
        shape = shape_of(obj)
        if len(shape) >= ndmin:
            return obj
        obj = reshape(obj, (1,) * (ndmin - len(shape)) + shape)
        if trans1d != -1:
            k2, k1 = ndmin - len(shape), trans1d
            if k1 < 0:
                k1 += k2 + 1
            axes = list(range(ndmin))
            obj = transpose(obj, axes[:k1] + axes[k2:] + axes[k1:k2])
        return obj

    @staticmethod
    def _cast(obj, ndmin, dtype):
        if not _holds_box(obj):
            return np.array(obj, ndmin=ndmin, dtype=dtype)
        return astype(obj, dtype) if dtype_of(raw_value(obj)) != dtype else obj


r_ = _Concatenator(np.r_, 0, 1, -1)
c_ = _Concatenator(np.c_, -1, 2, 0)


# ---------------------------------------------------------------- grids
def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple[Array, ...]:
    """``np.meshgrid``: coordinate arrays from coordinate vectors (``indexing`` ``'xy'`` or
    ``'ij'``; ``sparse`` keeps the broadcastable shapes). Returns a tuple, as NumPy 2.

    >>> X, Y = dnp.meshgrid(np.arange(2.0), np.arange(3.0))
    >>> X.shape
    (3, 2)
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: valid values for `indexing` are 'xy' and 'ij', got "
                         f"{indexing!r}")
    if not any(isinstance(x, Box) for x in xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    ndim = len(xi)
    ones = (1,) * ndim
    out = [reshape(asarray(x), ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        out[0] = reshape(out[0], (1, -1) + ones[2:])
        out[1] = reshape(out[1], (-1, 1) + ones[2:])
    if not sparse:
        shape = np.broadcast_shapes(*[shape_of(o) for o in out])
        out = [broadcast_to(o, shape) for o in out]
    return tuple(out)


# ---------------------------------------------------------------- axes and rotations
def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """``np.rollaxis``: ``axis`` moved to sit before position ``start`` (prefer ``moveaxis``).

    >>> dnp.rollaxis(np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    n = ndim_of(a)
    axis = _positive_axis(axis, n, "rollaxis")
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"rollaxis: 'start' arg requires {-n} <= start < {n + 1}, "
                                      f"but {start} was passed in")
    if axis < start:
        start -= 1
    axes = [d for d in range(n) if d != axis]
    axes.insert(start, axis)
    return transpose(a, axes)


def flipud(m: ArrayLike) -> Array:
    """``np.flipud``: reverse the first axis.

    >>> dnp.flipud(np.array([1.0, 2.0]))
    array([2., 1.])
    """
    if ndim_of(m) < 1:
        raise ValueError("flipud: input must be >= 1-d")
    return flip(m, 0)


def fliplr(m: ArrayLike) -> Array:
    """``np.fliplr``: reverse the second axis.

    >>> dnp.fliplr(np.array([[1.0, 2.0]]))
    array([[2., 1.]])
    """
    if ndim_of(m) < 2:
        raise ValueError("fliplr: input must be >= 2-d")
    return flip(m, 1)


def rot90(m: ArrayLike, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Array:
    """``np.rot90``: rotate by 90 degrees ``k`` times in the plane of ``axes``, from the first
    axis towards the second.

    >>> dnp.rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("rot90: len(axes) must be 2")
    m = asarray(m)
    n = ndim_of(m)
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == n:
        raise ValueError("rot90: axes must be different")
    if not all(-n <= ax < n for ax in axes):
        raise ValueError(f"rot90: axes={axes} out of range for array of ndim={n}")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    order = list(range(n))
    order[axes[0]], order[axes[1]] = order[axes[1]], order[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), order)
    return flip(transpose(m, order), axes[1])


# ---------------------------------------------------------------- stacking and splitting
def column_stack(tup: Sequence[ArrayLike]) -> Array:
    """``np.column_stack``: 1-d arrays become columns, then join along the second axis.

    >>> dnp.column_stack([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([[1., 3.],
           [2., 4.]])
    """
    cols = []
    for v in tup:
        v = asarray(v)
        cols.append(reshape(v, (-1, 1)) if ndim_of(v) < 2 else v)
    return concatenate(cols, axis=1)


row_stack = vstack


def dstack(tup: Sequence[ArrayLike]) -> Array:
    """``np.dstack``: join along the third axis after ``atleast_3d``.

    >>> dnp.dstack([np.ones(2), np.zeros(2)]).shape
    (1, 2, 2)
    """
    return concatenate([atleast_3d(v) for v in tup], axis=2)


def _split_checked(ary, indices_or_sections, min_ndim, axis, name):
    if ndim_of(ary) < min_ndim:
        raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions")
    return split(ary, indices_or_sections, axis)


def hsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """``np.hsplit``: split along the second axis (the first for 1-d arrays).

    >>> [p.shape for p in dnp.hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    axis = 1 if ndim_of(ary) > 1 else 0
    return _split_checked(ary, indices_or_sections, 1, axis, "hsplit")


def vsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """``np.vsplit``: split along the first axis of an array of 2 or more dimensions.

    >>> [p.shape for p in dnp.vsplit(np.ones((4, 2)), [1])]
    [(1, 2), (3, 2)]
    """
    return _split_checked(ary, indices_or_sections, 2, 0, "vsplit")


def dsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """``np.dsplit``: split along the third axis of an array of 3 or more dimensions.

    >>> [p.shape for p in dnp.dsplit(np.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    return _split_checked(ary, indices_or_sections, 3, 2, "dsplit")


# ---------------------------------------------------------------- choosing and gathering
def select(condlist: ArrayLike, choicelist: ArrayLike, default: ArrayLike = 0) -> Array:
    """``np.select``: for each element, the choice of the first true condition, else
    ``default``; the chosen values are differentiated (conditions are not).

    >>> x = np.array([-1.0, 2.0])
    >>> dnp.select([x < 0, x > 0], [-x, x ** 2])
    array([1., 4.])
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    conds = [np.asarray(raw_value(c)) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"select: invalid entry {i} in condlist: should be boolean ndarray, "
                            f"got dtype {c.dtype}")
    if not _holds_box(choicelist) and not isinstance(default, Box):
        return np.select(conds, choicelist, default)
    result = default
    for cond, choice in reversed(list(zip(conds, choicelist))):
        result = where(cond, choice, result)
    return broadcast_to(result, np.broadcast_shapes(
        *[c.shape for c in conds], *[shape_of(v) for v in choicelist], shape_of(default)))


def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int | None = -1) -> Array:
    """``np.take_along_axis``: ``arr`` gathered along ``axis`` by ``indices`` of the same number
    of dimensions (as returned by ``argsort``); the derivative scatters back.

    >>> x = np.array([3.0, 1.0, 2.0])
    >>> dnp.take_along_axis(x, np.argsort(x), axis=0)
    array([1., 2., 3.])
    """
    indices = np.asarray(raw_value(indices))
    if indices.dtype.kind not in "iu":
        raise IndexError(f"take_along_axis: `indices` must be an integer array, got dtype "
                         f"{indices.dtype}")
    if axis is None:
        if indices.ndim != 1:
            raise ValueError("take_along_axis: when axis=None, `indices` must have a single "
                             "dimension")
        arr, axis = ravel(arr), 0
    shape = shape_of(arr)
    if indices.ndim != len(shape):
        raise ValueError(f"take_along_axis: `indices` (shape {indices.shape}) and `arr` (shape "
                         f"{shape}) must have the same number of dimensions")
    axis = _positive_axis(axis, len(shape), "take_along_axis")
    index = tuple(indices if d == axis else
                  np.arange(n).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1))
                  for d, n in enumerate(shape))
    return getitem(arr, index)


def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Array:
    """``np.vander``: columns are powers of ``x`` (decreasing unless ``increasing``).

    >>> dnp.vander(np.array([2.0, 3.0]), 3)
    array([[4., 2., 1.],
           [9., 3., 1.]])
    """
    x = asarray(x)
    if ndim_of(x) != 1:
        raise ValueError(f"vander: x must be a one-dimensional array or sequence, got shape "
                         f"{shape_of(x)}")
    if not isinstance(x, Box):
        return np.vander(x, N, increasing)
    n = shape_of(x)[0] if N is None else int(N)
    if n == 0:
        return np.zeros(shape_of(x) + (0,), dtype=dtype_of(raw_value(x)))
    # running products of [1, x, x, ...] (not x ** k, whose derivative masks 0 ** -1 at x = 0
    # and leaves NaN in second derivatives); exact at 0
    column = reshape(x, (-1, 1))
    factors = concatenate([np.ones(shape_of(column), dtype=dtype_of(raw_value(x))),
                           broadcast_to(column, (shape_of(x)[0], n - 1))], axis=1)
    powers = _cumprod_last(factors)
    return powers if increasing else flip(powers, 1)


# ---------------------------------------------------------------- index helpers
tril_indices, triu_indices = _constant(np.tril_indices), _constant(np.triu_indices)
diag_indices, ix_, unravel_index = (_constant(np.diag_indices), _constant(np.ix_),
                                    _constant(np.unravel_index))


def _from_shape(npfun):
    """``numpy.<name>_from(arr, ...)``: needs only ``arr``'s shape, so a box is fine."""
    def fn(arr: ArrayLike, *args: Any, **kwargs: Any) -> Any:
        return npfun(np.empty(shape_of(arr), dtype=bool), *args, **kwargs)
    fn.__name__ = fn.__qualname__ = npfun.__name__
    fn.__doc__ = f"``numpy.{npfun.__name__}``: index arrays from ``arr``'s shape."
    return fn


tril_indices_from, triu_indices_from, diag_indices_from = (
    _from_shape(np.tril_indices_from), _from_shape(np.triu_indices_from),
    _from_shape(np.diag_indices_from))

__all__ = ["tril", "triu", "tri", "diagflat", "diff", "pad", "insert", "delete", "append", "kron",
           "cross", "r_", "c_", "meshgrid", "rollaxis", "flipud", "fliplr", "rot90",
           "column_stack", "row_stack", "dstack", "hsplit", "vsplit", "dsplit", "select",
           "take_along_axis", "vander", "tril_indices", "triu_indices", "diag_indices", "ix_",
           "unravel_index", "tril_indices_from", "triu_indices_from", "diag_indices_from"]
