"""Reductions of ``dualad.numpy`` beyond ``sum`` and ``mean`` (which live in ``_core``): ``prod``,
``max``/``min`` (ties share the derivative evenly, API.md section 8), ``var``/``std``,
``cumsum`` and ``logsumexp`` (from ``dualad.special``).

The signatures follow NumPy's, positional order included; ``out=`` and the masked variants
(``where=``, ``initial=``) raise TypeError, and ``dtype=`` casts the input first.
"""
from __future__ import annotations

from typing import Any

import builtins

import numpy as np

from .._core.primitive import ndim_of, shape_of
from ..primitives import reductions as _r
from ..primitives.complex import squared_modulus
from ..special import logsumexp
from ._axes import normalize_axis, normalize_one
from ._core import mean, ravel, sum
from ._creation import astype
from ._ufuncs import reject_kwargs, sqrt
from ..typing import Array, ArrayLike, Axis, DTypeLike


def _prepare(name, x, dtype, out, kwargs):
    """Refuse what dualad cannot honour, and apply a requested ``dtype``."""
    if out is not None:
        kwargs = dict(kwargs, out=out)
    if kwargs:
        reject_kwargs(name, kwargs)
    return x if dtype is None else astype(x, dtype)


def _reduce(prim, x, axis, keepdims):
    return prim(x, axis=normalize_axis(axis, ndim_of(x), prim.name), keepdims=bool(keepdims))


def prod(x: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
         keepdims: bool = False, **kwargs: Any) -> Array:
    """Product over ``axis``. The derivative is the product of the other elements, computed
    without dividing by ``x``, so it is exact where ``x`` has zeros."""
    return _reduce(_r.prod_p, _prepare("prod", x, dtype, out, kwargs), axis, keepdims)


def max(x: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
        **kwargs: Any) -> Array:
    """Maximum over ``axis``; tied maxima share the derivative evenly."""
    return _reduce(_r.max_p, _prepare("max", x, None, out, kwargs), axis, keepdims)


def min(x: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False,
        **kwargs: Any) -> Array:
    """Minimum over ``axis``; tied minima share the derivative evenly."""
    return _reduce(_r.min_p, _prepare("min", x, None, out, kwargs), axis, keepdims)


amax, amin = max, min


def _count(x, axes):
    return int(np.prod([shape_of(x)[a] for a in axes]))


def var(x: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
        ddof: int = 0, keepdims: bool = False, **kwargs: Any) -> Array:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom (divisor ``n - ddof``)."""
    x = _prepare("var", x, dtype, out, kwargs)
    axes = normalize_axis(axis, ndim_of(x), "var")
    centred = x - mean(x, axis=axes, keepdims=True)
    divisor = builtins.max(_count(x, axes) - ddof, 0)
    return sum(squared_modulus(centred), axis=axes, keepdims=keepdims) / divisor


def std(x: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None, out: None = None,
        ddof: int = 0, keepdims: bool = False, **kwargs: Any) -> Array:
    """Standard deviation, ``sqrt(var(...))``. Its derivative is infinite where it is 0, except
    over slices of one element, where ``std`` is constant and its derivative 0 (there the
    variance has the same value as ``std``, 0 or NaN, and a zero derivative)."""
    v = var(x, axis, dtype, out, ddof, keepdims, **kwargs)
    return v if _count(x, normalize_axis(axis, ndim_of(x), "std")) == 1 else sqrt(v)


def cumsum(x: ArrayLike, axis: int | None = None, dtype: DTypeLike | None = None,
           out: None = None) -> Array:
    """Cumulative sum along ``axis``; ``axis=None`` runs over the flattened array."""
    x = _prepare("cumsum", x, dtype, out, {})
    if axis is None:
        x, axis = ravel(x), 0
    return _r.cumsum_p(x, axis=normalize_one(axis, ndim_of(x), "cumsum"))


__all__ = ["prod", "max", "min", "amax", "amin", "var", "std", "cumsum", "logsumexp"]
