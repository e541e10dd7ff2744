"""``dualad.special``: numerically stable log-sum-exp, softmax and log-softmax (SciPy's names and
defaults: ``axis=None`` reduces over every axis), differentiable in both modes.

# Design: the inputs are shifted by their maximum before exponentiating. The shift carries no
# derivative (``stop_gradient``): ``logsumexp(x) = m + log(sum(exp(x - m)))`` for any constant
# ``m``, so its derivative is the softmax whatever ``m`` is. Large inputs (1000) never overflow
# and ``-inf`` entries get a derivative of exactly 0.
"""
from __future__ import annotations

from typing import Any

import math

import numpy as np

from ._core.backend import array_module, raw_value
from ._core.primitive import dtype_of, ndim_of, shape_of
from .numpy._axes import normalize_axis
from .numpy._ufuncs import (equal, exp, greater, isfinite, log, logical_and, multiply,
                            reject_kwargs, where)
from .numpy._ufuncs import sign as sign_of
from .primitives.movement import stop_gradient
from .primitives.reductions import max_p, sum_p
from .primitives.shape import reshape
from .typing import Array, ArrayLike, Axis


def _shift(x, axes, b=None):
    """The maximum of ``x`` over ``axes`` (kept as unit axes) with a zero derivative; 0 where it
    is not finite, so that slices of ``-inf`` give ``-inf`` and not NaN. Entries whose weight
    ``b`` is 0 do not count (they must not set a shift under which the others underflow).
    Computed with operations, not from raw values, so that ``ad.jit`` recomputes it for new
    inputs rather than keeping the first one's shift."""
    if b is not None:
        x = where(equal(b, 0), -np.inf, x)
    shape = shape_of(x)
    if math.prod(shape) == 0:   # no maximum; any shift will do (log of the empty sum is -inf)
        return array_module(raw_value(x)).zeros(
            tuple(1 if i in axes else n for i, n in enumerate(shape, -len(shape))),
            dtype=dtype_of(x))
    m = max_p(x, axis=axes, keepdims=True)
    return stop_gradient(where(isfinite(m), m, 0.0))


def _unless_overflowing(shifted, b):
    """``a - m``, except where a zero weight sits on an entry so large (above the weighted
    maximum) that ``exp`` would overflow and ``0 * inf`` give NaN: there it is capped at 700.
    Those entries add 0 either way; only the derivative in their ``b`` (``exp(a - out)``, an
    overflowing number) is capped with them."""
    big = logical_and(greater(shifted, 700), equal(b, 0))
    if not big.any():
        return shifted
    return where(big, 700.0, shifted)


def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False,
              **kwargs: Any) -> Array | tuple[Array, Array]:
    """``log(sum(b * exp(a), axis))`` without overflow (SciPy's signature); ``b`` (default 1)
    broadcasts against ``a`` and may be negative when ``return_sign=True``, which returns
    ``(log|sum|, sign)`` with the sign a plain array. Differentiable in ``a`` and ``b``; the
    gradient in ``a`` is ``softmax(a, axis)`` when ``b`` is absent.

    >>> import numpy as np
    >>> round(float(logsumexp(np.array([1000.0, 1000.0]))), 6)
    1000.693147
    """
    if kwargs:
        reject_kwargs("logsumexp", kwargs)
    ndim = ndim_of(a) if b is None else max(ndim_of(a), ndim_of(b))
    axes = normalize_axis(axis, ndim, "logsumexp")
    m = _shift(a, axes, b)
    if b is None:
        terms = exp(a - m)
    else:
        terms = multiply(b, exp(_unless_overflowing(a - m, b)))
    total = sum_p(terms, axis=axes, keepdims=True)
    sign = None
    if return_sign:
        sign = sign_of(total)
        total = multiply(total, sign)
    out = log(total) + m
    if not keepdims:
        kept = tuple(s for i, s in enumerate(shape_of(out), -ndim_of(out)) if i not in axes)
        out = reshape(out, shape=kept)
        sign = None if sign is None else sign.reshape(kept)
    return (out, sign) if return_sign else out


def log_softmax(x: ArrayLike, axis: Axis = None) -> Array:
    """``x - logsumexp(x, axis, keepdims=True)``, computed from the shifted ``x - max`` so that
    entries near the maximum keep their precision."""
    axes = normalize_axis(axis, ndim_of(x), "log_softmax")
    shifted = x - _shift(x, axes)
    return shifted - log(sum_p(exp(shifted), axis=axes, keepdims=True))


def softmax(x: ArrayLike, axis: Axis = None) -> Array:
    """``exp(x) / sum(exp(x), axis)``, with ``x`` shifted by its maximum first."""
    axes = normalize_axis(axis, ndim_of(x), "softmax")
    e = exp(x - _shift(x, axes))
    return e / sum_p(e, axis=axes, keepdims=True)


__all__ = ["logsumexp", "log_softmax", "softmax"]
