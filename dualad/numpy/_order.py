"""Order statistics, NaN-aware reductions and more reductions of ``dualad.numpy``.

All are composed from differentiable ``dnp`` functions, following JAX's conventions at the
non-smooth points:

- ``sort`` and ``partition`` gather with the permutation NumPy's ``argsort``/``argpartition``
  find, so the derivative permutes the cotangent back (ties: each element keeps its own).
- ``quantile``/``percentile`` interpolate between the two neighbouring order statistics, so
  the derivative splits between them with the interpolation weights (and, for the default
  ``method='linear'``, flows to ``q`` as the slope between them); ``median`` is the mean of the
  middle one or two.
- ``nan*`` reductions give NaN elements a zero derivative.
- ``cumprod`` is a scan of products (no division), exact where the input has zeros.

Decisions taken from values (the permutations, NaN masks, interpolation branches) go through the
non-differentiated ``dnp`` functions, so that ``ad.jit`` guards them (NOTE: staged decisions in
``dualad/compiler/tracing.py``).
"""
from __future__ import annotations

from typing import Any, Sequence

import builtins

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, dtype_of, ndim_of, shape_of
from ..primitives.complex import squared_modulus
from ..primitives.reductions import _cumprod_last
from ._axes import normalize_axis
from ._building import take_along_axis
from ._core import broadcast_to, getitem, moveaxis, ravel, reshape, sum, transpose
from ._creation import asarray, astype
from ._reductions import max, min
from ._ufuncs import (_not_differentiated, argsort, equal, floor, greater_equal, isnan,
                      reject_kwargs, sqrt, where)
from ..typing import Array, ArrayLike, Axis, DTypeLike

all, any = _not_differentiated(np.all), _not_differentiated(np.any)
count_nonzero = _not_differentiated(np.count_nonzero)
argpartition = _not_differentiated(np.argpartition)


def _plain(*xs):
    return not builtins.any(isinstance(x, Box) for x in xs)


def _refuse(name, **unsupported):
    """Keyword arguments dualad cannot honour (``out=``, ``where=`` …), when given."""
    given = {k: v for k, v in unsupported.items() if v is not None and v is not np._NoValue}
    if given:
        reject_kwargs(name, given)


# ---------------------------------------------------------------- sorting
def sort(a: ArrayLike, axis: int | None = -1, kind: str | None = None, order: str | None = None, *,
         stable: bool | None = None) -> Array:
    """``np.sort``: the derivative permutes the cotangent back to where each element came
    from. NaNs sort last, as in NumPy.

    >>> dnp.sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    """
    if order is not None:
        raise TypeError("dualad.numpy.sort: order= (structured arrays) is not supported")
    a = asarray(a)
    if _plain(a):
        return np.sort(a, axis, kind=kind, stable=stable)
    if axis is None:
        a, axis = ravel(a), -1
    return take_along_axis(a, argsort(a, axis=axis, kind=kind, stable=stable), axis)


def partition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1,
              kind: str = "introselect", order: str | None = None) -> Array:
    """``np.partition``: the element of rank ``kth`` in its sorted place, smaller ones before
    and larger ones after (in no particular order); the derivative follows each element.

    >>> float(dnp.partition(np.array([3.0, 1.0, 2.0]), 1)[1])
    2.0
    """
    if order is not None:
        raise TypeError("dualad.numpy.partition: order= (structured arrays) is not supported")
    a = asarray(a)
    if _plain(a):
        return np.partition(a, kth, axis, kind)
    if axis is None:
        a, axis = ravel(a), -1
    return take_along_axis(a, argpartition(a, kth=kth, axis=axis, kind=kind), axis)


# ---------------------------------------------------------------- quantiles
def _slices_last(a, axis, name):
    """``a`` with the reduced axes moved to the end and merged into one, and the shape of the
    result with ``keepdims``."""
    shape = shape_of(a)
    axes = [len(shape) + ax for ax in normalize_axis(axis, len(shape), name)]
    kept = [d for d in range(len(shape)) if d not in axes]
    n = int(np.prod([shape[d] for d in axes]))
    if n == 0:
        raise ValueError(f"{name}: cannot take a {name} of an empty slice")
    if kept + axes != list(range(len(shape))):
        a = transpose(a, kept + axes)
    a = reshape(a, tuple(shape[d] for d in kept) + (n,))
    keep_shape = tuple(1 if d in axes else s for d, s in enumerate(shape))
    return a, n, keep_shape


def _with_nan_slices(result, ordered, extra_axes=0):
    """NaN where the slice holds a NaN (sorted last), as NumPy's quantiles; ``extra_axes``
    trailing axes of ``result`` (those of ``q``) broadcast against the slices."""
    if dtype_of(raw_value(ordered)).kind not in "fc":
        return result
    nan_last = isnan(getitem(ordered, (Ellipsis, -1)))
    if not nan_last.any():
        return result
    return where(nan_last.reshape(nan_last.shape + (1,) * extra_axes), np.nan, result)


def _lerp(lo, hi, t):
    """NumPy's interpolation ``lo + t (hi - lo)``, taken from ``hi`` for ``t >= 0.5`` (the same
    rounding as NumPy)."""
    step = hi - lo
    return where(greater_equal(t, 0.5), hi - step * (1 - t), lo + step * t)


def _neighbours(n, q, method):
    """(lower index, upper index, weight of the upper) for the quantiles ``q``: exact for
    ``linear`` (``q`` may be differentiated there), NumPy's own positions for other methods."""
    qr = np.asarray(raw_value(q), dtype=np.float64)
    if method == "linear":
        virtual = (n - 1) * q if isinstance(q, Box) else (n - 1) * qr
        lo = floor(virtual).astype(np.intp)
        weight = virtual - lo
    else:
        if isinstance(q, Box):
            raise TypeError(f"dualad.numpy.quantile: q is differentiated only with "
                            f"method='linear', not {method!r}")
        # NumPy's quantile of the positions 0..n-1 is the (virtual) position it reads
        virtual = np.quantile(np.arange(n, dtype=np.float64), qr, method=method)
        lo = np.floor(virtual).astype(np.intp)
        weight = virtual - lo
    if not isinstance(q, (Box, np.ndarray)) and np.ndim(q) == 0:
        weight = float(weight)    # a Python number, weak as in NumPy: float32 stays float32
    lo = np.clip(lo, 0, n - 1)
    return lo, np.minimum(lo + 1, n - 1), weight


def quantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
             overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
             weights: ArrayLike | None = None) -> Array:
    """``np.quantile``: the ``q``-th quantiles (``q`` in [0, 1], any shape; its axes come
    first in the result) over ``axis``, interpolated by ``method`` as NumPy does. A slice with
    a NaN gives NaN (with a zero derivative). ``q`` is differentiated with ``method='linear'``.

    >>> float(dnp.quantile(np.array([1.0, 2.0, 3.0, 4.0]), 0.5))
    2.5
    """
    _refuse("quantile", out=out, weights=weights)
    a = asarray(a)
    qr = np.asarray(raw_value(q))
    if qr.size and not (np.all(qr >= 0) and np.all(qr <= 1)):
        raise ValueError("quantile: quantiles must be in the range [0, 1]")
    if _plain(a, q):
        return np.quantile(a, q, axis=axis, method=method, keepdims=keepdims)
    if dtype_of(raw_value(a)).kind not in "f":
        a = astype(a, np.float64)
    flat, n, keep_shape = _slices_last(a, axis, "quantile")
    ordered = sort(flat, axis=-1)
    lo, hi, weight = _neighbours(n, q, method)
    result = _lerp(getitem(ordered, (Ellipsis, lo)), getitem(ordered, (Ellipsis, hi)), weight)
    result = _with_nan_slices(result, ordered, qr.ndim)
    # the axes of q come first
    kept = ndim_of(result) - qr.ndim
    if qr.ndim and kept:
        result = moveaxis(result, tuple(range(kept, kept + qr.ndim)), tuple(range(qr.ndim)))
    if keepdims:
        result = reshape(result, qr.shape + keep_shape)
    return result


def percentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: None = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
               weights: ArrayLike | None = None) -> Array:
    """``np.percentile``: ``quantile(a, q / 100, ...)``.

    >>> float(dnp.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50))
    2.5
    """
    qr = np.asarray(raw_value(q))
    if qr.size and not (np.all(qr >= 0) and np.all(qr <= 100)):
        raise ValueError("percentile: percentiles must be in the range [0, 100]")
    # a Python number stays one (weak in NumPy's promotion: float32 data stays float32)
    q = q / 100 if isinstance(q, (Box, int, float)) else np.true_divide(q, 100)
    return quantile(a, q, axis, out, overwrite_input, method, keepdims, weights=weights)


def median(a: ArrayLike, axis: Axis = None, out: None = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Array:
    """``np.median``: the middle element, or the mean of the two middle ones; the derivative
    goes to them (half each). A slice with a NaN gives NaN.

    >>> float(dnp.median(np.array([4.0, 1.0, 3.0, 2.0])))
    2.5
    """
    _refuse("median", out=out)
    a = asarray(a)
    if _plain(a):
        return np.median(a, axis=axis, keepdims=keepdims)
    flat, n, keep_shape = _slices_last(a, axis, "median")
    ordered = sort(flat, axis=-1)
    middle = getitem(ordered, (Ellipsis, slice((n - 1) // 2, n // 2 + 1)))
    result = sum(middle, axis=-1) / (2 - n % 2)
    result = _with_nan_slices(result, ordered)
    return reshape(result, keep_shape) if keepdims else result


# ---------------------------------------------------------------- NaN-aware reductions
def _nan_prepare(name, a, dtype, out, kwargs):
    if out is not None:
        kwargs = dict(kwargs, out=out)
    _refuse(name, **kwargs)
    a = asarray(a)
    return a if dtype is None else astype(a, dtype)


def _nan_mask(a):
    if dtype_of(raw_value(a)).kind in "fc":
        return isnan(a)
    return np.zeros(shape_of(a), bool)


def nansum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
           keepdims: bool = False, **kwargs: Any) -> Array:
    """``np.nansum``: the sum with NaNs counted as 0 (their derivative is 0).

    >>> float(dnp.nansum(np.array([1.0, np.nan, 2.0])))
    3.0
    """
    a = _nan_prepare("nansum", a, dtype, out, kwargs)
    if _plain(a):
        return np.nansum(a, axis=axis, keepdims=keepdims)
    return sum(where(_nan_mask(a), 0.0, a), axis=axis, keepdims=keepdims)


def _nan_count(a, axis, keepdims):
    """The number of non-NaN elements, in ``a``'s real dtype (an integer count would promote
    float32 to float64; a complex one would make a variance complex)."""
    dtype = dtype_of(raw_value(a))
    return np.sum(~_nan_mask(a), axis=axis, keepdims=keepdims).astype(
        np.finfo(dtype).dtype if dtype.kind in "fc" else np.float64)


def nanmean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
            out: None = None, keepdims: bool = False, **kwargs: Any) -> Array:
    """``np.nanmean``: the mean of the non-NaN elements (NaN for an all-NaN slice).

    >>> float(dnp.nanmean(np.array([1.0, np.nan, 2.0])))
    1.5
    """
    a = _nan_prepare("nanmean", a, dtype, out, kwargs)
    if _plain(a):
        return np.nanmean(a, axis=axis, keepdims=keepdims)
    axes = normalize_axis(axis, ndim_of(a), "nanmean")
    with np.errstate(divide="ignore", invalid="ignore"):
        return nansum(a, axes, keepdims=keepdims) / _nan_count(a, axes, keepdims)


def nanvar(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
           ddof: int = 0, keepdims: bool = False, **kwargs: Any) -> Array:
    """``np.nanvar``: the variance of the non-NaN elements, divisor ``count - ddof``.

    >>> float(dnp.nanvar(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    a = _nan_prepare("nanvar", a, dtype, out, kwargs)
    if _plain(a):
        return np.nanvar(a, axis=axis, ddof=ddof, keepdims=keepdims)
    axes = normalize_axis(axis, ndim_of(a), "nanvar")
    mask = _nan_mask(a)
    centred = where(mask, 0.0, a - nanmean(a, axes, keepdims=True))
    divisor = np.maximum(_nan_count(a, axes, keepdims) - ddof, 0).astype(
        _nan_count(a, axes, keepdims).dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sum(squared_modulus(centred), axis=axes, keepdims=keepdims) / divisor


def nanstd(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
           ddof: int = 0, keepdims: bool = False, **kwargs: Any) -> Array:
    """``np.nanstd``: ``sqrt(nanvar(...))``.

    >>> float(dnp.nanstd(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    if _plain(a):
        return np.nanstd(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims,
                         **kwargs)
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, **kwargs))


def _nan_extremum(name, reduce, fill, a, axis, out, keepdims, kwargs):
    a = _nan_prepare(name, a, None, out, kwargs)
    mask = _nan_mask(a)
    axes = normalize_axis(axis, ndim_of(a), name)
    result = reduce(where(mask, fill, a), axis=axes, keepdims=keepdims)
    all_nan = np.all(mask, axis=axes, keepdims=keepdims)
    return where(all_nan, np.nan, result) if all_nan.any() else result


def nanmax(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
           **kwargs: Any) -> Array:
    """``np.nanmax``: the maximum ignoring NaNs (NaN for an all-NaN slice); ties share the
    derivative as ``max``.

    >>> float(dnp.nanmax(np.array([1.0, np.nan, 2.0])))
    2.0
    """
    if _plain(a):
        return np.nanmax(a, axis=axis, out=out, keepdims=keepdims, **kwargs)
    return _nan_extremum("nanmax", max, -np.inf, a, axis, out, keepdims, kwargs)


def nanmin(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
           **kwargs: Any) -> Array:
    """``np.nanmin``: the minimum ignoring NaNs (see ``nanmax``).

    >>> float(dnp.nanmin(np.array([1.0, np.nan, 2.0])))
    1.0
    """
    if _plain(a):
        return np.nanmin(a, axis=axis, out=out, keepdims=keepdims, **kwargs)
    return _nan_extremum("nanmin", min, np.inf, a, axis, out, keepdims, kwargs)


# ---------------------------------------------------------------- more reductions
def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None,
            returned: bool = False, *, keepdims: bool = False) -> Array | tuple[Array, Array]:
    """``np.average``: the (weighted) mean over ``axis``, differentiable in ``a`` and in
    ``weights``; ``returned=True`` also gives the sum of the weights.

    >>> float(dnp.average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0])))
    1.5
    """
    a = asarray(a)
    if _plain(a, weights):
        return np.average(a, axis=axis, weights=weights, returned=returned, keepdims=keepdims)
    shape = shape_of(a)
    axes = normalize_axis(axis, len(shape), "average")
    if weights is None:
        count = int(np.prod([shape[ax] for ax in axes]))
        avg = sum(a, axis=axes, keepdims=keepdims) / count
        scale = np.asarray(count, dtype=dtype_of(raw_value(avg)))
    else:
        weights = asarray(weights)
        wshape = shape_of(weights)
        if wshape != shape:
            if axis is None:
                raise TypeError("average: axis must be specified when shapes of a and weights "
                                "differ")
            if len(axes) != 1 or len(wshape) != 1 or wshape[0] != shape[axes[0]]:
                raise ValueError(f"average: weights of shape {wshape} do not match a of shape "
                                 f"{shape} along axis {axis}; give 1-d weights of the axis's "
                                 "length, or weights of a's shape")
            weights = reshape(weights, tuple(wshape[0] if d - len(shape) == axes[0] else 1
                                             for d in range(len(shape))))
        scale = sum(broadcast_to(weights, shape), axis=axes, keepdims=keepdims)
        if any(equal(scale, 0)):
            raise ZeroDivisionError("average: weights sum to zero, can't be normalized")
        avg = sum(a * weights, axis=axes, keepdims=keepdims) / scale
    if not returned:
        return avg
    if shape_of(scale) != shape_of(avg):
        scale = broadcast_to(scale, shape_of(avg))
    return avg, scale


def cumprod(a: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
            out: None = None) -> Array:
    """``np.cumprod``: running products along ``axis`` (the flattened array when None),
    computed as a scan of products without division, so the derivative is exact where ``a``
    has zeros.

    >>> dnp.cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    _refuse("cumprod", out=out)
    a = asarray(a)
    if dtype is not None:
        a = astype(a, dtype)
    if _plain(a):
        return np.cumprod(a, axis=axis)
    if axis is None:
        a, axis = ravel(a), -1
    last = moveaxis(a, axis, -1)
    if shape_of(last)[-1] == 0:
        return a
    return moveaxis(_cumprod_last(last), -1, axis)


def ptp(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False) -> Array:
    """``np.ptp``: ``max - min`` over ``axis`` (ties share the derivative).

    >>> float(dnp.ptp(np.array([1.0, 5.0, 2.0])))
    4.0
    """
    _refuse("ptp", out=out)
    return max(a, axis, keepdims=keepdims) - min(a, axis, keepdims=keepdims)


__all__ = ["sort", "partition", "argpartition", "median", "percentile", "quantile", "nanmean",
           "nansum", "nanmax", "nanmin", "nanstd", "nanvar", "average", "cumprod", "all", "any",
           "ptp", "count_nonzero"]
