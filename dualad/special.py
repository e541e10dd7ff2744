"""``dualad.special``: numerically stable log-sum-exp, softmax and log-softmax (SciPy's names and
defaults: ``axis=None`` reduces over every axis), differentiable in both modes.

# Design: the inputs are shifted by their maximum before exponentiating. The shift is taken
# from the values only and not differentiated: ``logsumexp(x) = m + log(sum(exp(x - m)))`` for
# any constant ``m``, so its derivative is the softmax whatever ``m`` is. Large inputs (1000)
# never overflow and ``-inf`` entries get a derivative of exactly 0.
"""
from ._core.backend import array_module, raw_value
from ._core.primitive import ndim_of, shape_of
from .numpy._axes import normalize_axis
from .numpy._ufuncs import exp, log, multiply, reject_kwargs, where
from .primitives.reductions import sum_p
from .primitives.shape import reshape


def _shift(x, axes, b=None):
    """The maximum of ``x`` over ``axes`` (kept as unit axes), as a constant; 0 where it is not
    finite, so that slices of ``-inf`` give ``-inf`` and not NaN. Entries whose weight ``b`` is 0
    do not count (they must not set a shift under which the others underflow)."""
    xr = raw_value(x)
    xp = array_module(xr)
    if b is not None:
        xr, br = xp.broadcast_arrays(xr, raw_value(b))
        xr = xp.where(br == 0, -xp.inf, xr)
    if xr.size == 0:   # no maximum; any shift will do (the sum of nothing is 0: log gives -inf)
        return xp.zeros(tuple(1 if i in axes else n for i, n in
                              enumerate(xr.shape, -xr.ndim)), dtype=xr.dtype)
    m = xp.max(xr, axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0).astype(m.dtype)


def _unless_overflowing(shifted, b):
    """``a - m``, except where a zero weight sits on an entry so large (above the weighted
    maximum) that ``exp`` would overflow and ``0 * inf`` give NaN: there it is capped at 700.
    Those entries add 0 either way; only the derivative in their ``b`` (``exp(a - out)``, an
    overflowing number) is capped with them."""
    big = raw_value(shifted) > 700
    if not big.any():
        return shifted
    return where(big & (raw_value(b) == 0), 700.0, shifted)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, **kwargs):
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
        sign = array_module(raw_value(total)).sign(raw_value(total))
        total = multiply(total, sign)
    out = log(total) + m
    if not keepdims:
        kept = tuple(s for i, s in enumerate(shape_of(out), -ndim_of(out)) if i not in axes)
        out = reshape(out, shape=kept)
        sign = None if sign is None else sign.reshape(kept)
    return (out, sign) if return_sign else out


def log_softmax(x, axis=None):
    """``x - logsumexp(x, axis, keepdims=True)``, computed from the shifted ``x - max`` so that
    entries near the maximum keep their precision."""
    axes = normalize_axis(axis, ndim_of(x), "log_softmax")
    shifted = x - _shift(x, axes)
    return shifted - log(sum_p(exp(shifted), axis=axes, keepdims=True))


def softmax(x, axis=None):
    """``exp(x) / sum(exp(x), axis)``, with ``x`` shifted by its maximum first."""
    axes = normalize_axis(axis, ndim_of(x), "softmax")
    e = exp(x - _shift(x, axes))
    return e / sum_p(e, axis=axes, keepdims=True)


__all__ = ["logsumexp", "log_softmax", "softmax"]
