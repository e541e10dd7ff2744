"""NumPy references of the normalisation kernels in ``_norm.pyx`` (same names, same results).
Sums are taken in float64 whatever the input's dtype; results come back in the input's dtype.
Written with array methods and ufuncs only, so CuPy arrays run through them too.

Batch normalisation works on ``x`` ``(N, C, L)`` (the spatial axes flattened into ``L``; 1 for
an ``(N, C)`` input), one mean and variance per channel over ``N * L`` values:

* ``batch_norm_stats(x) -> (mean, var)``: the channel means and biased variances ``(C,)``.
* ``batch_norm_fwd(x, w, b, eps) -> (y, mean, var)``: ``y = (x - mean) / sqrt(var + eps) * w
  + b`` with the batch's own statistics (training mode).
* ``batch_norm_apply(x, mean, var, w, b, eps) -> y``: the same with given statistics (the
  running ones: evaluation mode).
* ``batch_norm_bwd(g, x, mean, var, w, eps, training) -> (dx, dw, db)``: ``g`` ``(k, N, C, L)``
  (batch axis first); ``dw`` and ``db`` ``(k, C)``. With ``training`` the statistics are the
  batch's and their dependence on ``x`` is differentiated too; otherwise they are constants.

Layer normalisation works on ``x`` ``(M, D)``, one mean and variance per row:

* ``layer_norm_fwd(x, w, b, eps) -> (y, mean, rstd)``: ``y = (x - mean) * rstd * w + b`` with
  ``rstd = 1 / sqrt(var + eps)``; ``mean`` and ``rstd`` ``(M,)``.
* ``layer_norm_bwd(g, x, mean, rstd, w) -> (dx, dw, db)``: ``g`` ``(k, M, D)``; ``dw``, ``db``
  ``(k, D)``.
"""
import numpy as np


def _f64(a):
    return a.astype(np.float64, copy=False)


def batch_norm_stats(x):
    x64 = _f64(x)
    mean = x64.mean(axis=(0, 2))
    var = ((x64 - mean[:, None]) ** 2).mean(axis=(0, 2))
    return mean.astype(x.dtype), var.astype(x.dtype)


def batch_norm_apply(x, mean, var, w, b, eps):
    rstd = 1 / np.sqrt(_f64(var) + eps)
    scale = (_f64(w) * rstd).astype(x.dtype)
    return ((x - mean[:, None]) * scale[:, None] + b[:, None]).astype(x.dtype, copy=False)


def batch_norm_fwd(x, w, b, eps):
    mean, var = batch_norm_stats(x)
    return batch_norm_apply(x, mean, var, w, b, eps), mean, var


def batch_norm_bwd(g, x, mean, var, w, eps, training):
    rstd = 1 / np.sqrt(_f64(var) + eps)[:, None]
    xhat = (_f64(x) - _f64(mean)[:, None]) * rstd
    g64 = _f64(g)
    db = g64.sum(axis=(1, 3))
    dw = (g64 * xhat).sum(axis=(1, 3))
    scale = _f64(w)[:, None] * rstd
    dx = g64 * scale
    if training:
        count = x.shape[0] * x.shape[2]
        dx -= (db[:, None, :, None] + xhat * dw[:, None, :, None]) * (scale / count)
    return dx.astype(g.dtype), dw.astype(g.dtype), db.astype(g.dtype)


def layer_norm_fwd(x, w, b, eps):
    x64 = _f64(x)
    mean = x64.mean(axis=1)
    var = ((x64 - mean[:, None]) ** 2).mean(axis=1)
    rstd = 1 / np.sqrt(var + eps)
    y = (x64 - mean[:, None]) * rstd[:, None] * _f64(w) + _f64(b)
    return y.astype(x.dtype), mean.astype(x.dtype), rstd.astype(x.dtype)


def layer_norm_bwd(g, x, mean, rstd, w):
    rstd64 = _f64(rstd)[:, None]
    xhat = (_f64(x) - _f64(mean)[:, None]) * rstd64
    g64 = _f64(g)
    db = g64.sum(axis=1)
    dw = (g64 * xhat).sum(axis=1)
    gw = g64 * _f64(w)
    dx = (gw - gw.mean(axis=2, keepdims=True)
          - xhat * (gw * xhat).mean(axis=2, keepdims=True)) * rstd64
    return dx.astype(g.dtype), dw.astype(g.dtype), db.astype(g.dtype)
