"""The multivariate normal distribution, SciPy's ``scipy.stats.multivariate_normal``:
``logpdf``, ``pdf`` and ``entropy`` (differentiable in ``x``, ``mean`` and ``cov``) and
``rvs``.

``x`` may hold one point (shape ``(d,)``) or a batch of rows (``(..., d)``); ``cov`` may be
a matrix, a vector of variances or a scalar, and ``mean`` may be None (zero), as in SciPy, and
outputs are squeezed as SciPy squeezes them. A matrix ``cov`` goes through its Cholesky factor
(``dualad.numpy.linalg.cholesky`` and ``solve``), so its derivative needs it positive definite.
With ``allow_singular=True`` a constant (not differentiated) singular ``cov`` is handled as
SciPy does, by its pseudo-inverse and pseudo-determinant.

>>> import numpy as np
>>> from dualad.scipy.stats import multivariate_normal as mvn
>>> round(float(mvn.logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 12)   # -log(2 pi)
-1.837877066409
"""
from __future__ import annotations

import numpy as np

from ..._core.primitive import Box, ndim_of, shape_of
from ...numpy import diagonal, exp, log, reshape, sum, transpose, zeros
from ...numpy.linalg import cholesky, solve
from ._common import array, scipy_rvs
from ...typing import Array, ArrayLike

_LOG_2PI = float(np.log(2 * np.pi))


def _dimension(mean, cov):
    """The dimension, as SciPy infers it: from ``mean``, else from a matrix ``cov``, else 1;
    a ``cov`` that does not fit raises."""
    if mean is not None:
        d = int(np.prod(shape_of(mean)))
    else:
        d = shape_of(cov)[0] if ndim_of(cov) == 2 else 1
    if ndim_of(cov) > 2 or (ndim_of(cov) >= 1 and any(s != d for s in shape_of(cov))):
        raise ValueError(f"multivariate_normal: cov of shape {shape_of(cov)} does not fit "
                         f"dimension {d}; give a scalar, ({d},) variances or a ({d}, {d}) "
                         "matrix")
    return d


def _points(x, d):
    """SciPy's reading of ``x``: a scalar is one coordinate; a vector is one point, or d = 1
    points of one coordinate each."""
    if ndim_of(x) == 0:
        return reshape(x, (1,))
    if ndim_of(x) == 1 and d == 1:
        return reshape(x, (shape_of(x)[0], 1))
    return x


def _squeeze(out):
    shape = tuple(s for s in shape_of(out) if s != 1)
    return reshape(out, shape)


def _singular_form(cov):
    """For a constant ``cov`` that may be singular: a matrix ``U`` with ``U U^T`` its
    pseudo-inverse, the log pseudo-determinant and the rank (SciPy's eigenvalue cutoff)."""
    s, u = np.linalg.eigh(np.asarray(cov))
    eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(s))
    if np.min(s) < -eps:
        raise ValueError("multivariate_normal: cov must be symmetric positive semidefinite")
    keep = s > eps
    return u[:, keep] / np.sqrt(s[keep]), float(np.sum(np.log(s[keep]))), int(np.sum(keep))


def _mahalanobis_and_logdet(dev, cov, d, allow_singular):
    """``(dev^T cov^-1 dev, log det cov, rank)`` for the rows of ``dev``."""
    if ndim_of(cov) == 0:
        return sum(dev * dev, axis=-1) / cov, d * log(cov), d
    if ndim_of(cov) == 1:
        return sum(dev * dev / cov, axis=-1), sum(log(cov)), d
    if allow_singular and not isinstance(cov, Box):
        u, log_pdet, rank = _singular_form(cov)
        z = dev @ u
        return sum(z * z, axis=-1), log_pdet, rank
    lower = cholesky(cov)
    rows = reshape(dev, (-1, d))
    z = solve(lower, transpose(rows))
    maha = reshape(sum(z * z, axis=0), shape_of(dev)[:-1])
    return maha, 2.0 * sum(log(diagonal(lower))), d


def logpdf(x: ArrayLike, mean: ArrayLike | None = None, cov: ArrayLike = 1,
           allow_singular: bool = False) -> Array:
    """``-(rank log(2 pi) + log det cov + (x - mean)^T cov^-1 (x - mean)) / 2`` for each row
    of ``x``."""
    x, mean, cov = array(x), None if mean is None else array(mean), array(cov)
    d = _dimension(mean, cov)
    dev = _points(x, d) - (zeros(d) if mean is None else mean)
    maha, logdet, rank = _mahalanobis_and_logdet(dev, cov, d, allow_singular)
    return _squeeze(-0.5 * (rank * _LOG_2PI + logdet + maha))


def pdf(x: ArrayLike, mean: ArrayLike | None = None, cov: ArrayLike = 1,
        allow_singular: bool = False) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, mean, cov, allow_singular))


def entropy(mean: ArrayLike | None = None, cov: ArrayLike = 1,
            allow_singular: bool = False) -> Array:
    """``(rank (1 + log(2 pi)) + log det cov) / 2``."""
    mean, cov = None if mean is None else array(mean), array(cov)
    d = _dimension(mean, cov)
    _, logdet, rank = _mahalanobis_and_logdet(zeros((1, d)), cov, d, allow_singular)
    return 0.5 * (rank * (1.0 + _LOG_2PI) + logdet)


rvs = scipy_rvs("multivariate_normal")

__all__ = ["logpdf", "pdf", "entropy", "rvs"]
