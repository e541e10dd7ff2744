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
from .numpy._ufuncs import exp, log, reject_kwargs
from .primitives.reductions import sum_p
from .primitives.shape import reshape


def _shift(x, axes):
    """The maximum of ``x`` over ``axes`` (kept as unit axes), as a constant; 0 where it is not
    finite, so that slices of ``-inf`` give ``-inf`` and not NaN."""
    xr = raw_value(x)
    xp = array_module(xr)
    if xr.size == 0:   # no maximum; any shift will do (the sum of nothing is 0: log gives -inf)
        return xp.zeros(tuple(1 if i in axes else n for i, n in
                              enumerate(xr.shape, -xr.ndim)), dtype=xr.dtype)
    m = xp.max(xr, axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0).astype(m.dtype)


def logsumexp(x, axis=None, keepdims=False, **kwargs):
    """``log(sum(exp(x), axis))`` without overflow; its gradient is ``softmax(x, axis)``."""
    if kwargs:
        reject_kwargs("logsumexp", kwargs)
    axes = normalize_axis(axis, ndim_of(x), "logsumexp")
    m = _shift(x, axes)
    out = log(sum_p(exp(x - m), axis=axes, keepdims=True)) + m
    if keepdims:
        return out
    kept = tuple(s for i, s in enumerate(shape_of(out), -ndim_of(out)) if i not in axes)
    return reshape(out, shape=kept)


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
