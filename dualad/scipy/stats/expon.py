"""The exponential distribution, SciPy's ``scipy.stats.expon`` methods (``scale = 1/rate``).

>>> from dualad.scipy.stats import expon
>>> float(expon.logpdf(2.0, 0.0, 0.5))            # log(2) - 4
-3.3068528194400546
"""
from __future__ import annotations

import numpy as np

from ...numpy import exp, expm1, log, log1p
from ._common import inside, positive, quantile, raw, restrict, scipy_rvs, standardize
from ...typing import Array, ArrayLike

_LOG2 = float(np.log(2.0))
_INF = float("inf")


def _z(x, loc, scale):
    """``z`` and the mask of the support ``z >= 0``, with ``z`` set to 0 off it."""
    z = standardize(x, loc, scale)
    support = raw(z) >= 0
    return inside(support, z, 0.0), support


def logpdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-z - log(scale)`` for ``z >= 0``, ``-inf`` below."""
    z, support = _z(x, loc, scale)
    return restrict(support, -z - log(positive(scale)), -_INF)


def pdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1 - exp(-z)``, as ``-expm1(-z)``."""
    z, _ = _z(x, loc, scale)
    return -expm1(-z)


def logcdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(1 - exp(-z))``: ``log(-expm1(-z))`` for small ``z``, ``log1p(-exp(-z))`` for
    large, each where it is accurate."""
    z, support = _z(x, loc, scale)
    small = raw(z) < _LOG2
    value = restrict(small, log(-expm1(-inside(small, z, 1.0))),
                     log1p(-exp(-inside(small, _LOG2, z))))
    return restrict(support, value, -_INF)


def sf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``exp(-z)``."""
    z, _ = _z(x, loc, scale)
    return exp(-z)


def logsf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-z``."""
    z, _ = _z(x, loc, scale)
    return -z


def ppf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc - scale * log(1 - q)``."""
    return loc + positive(scale) * quantile(q, lambda q: -log1p(-q), 0.0)


def isf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc - scale * log(q)``."""
    return loc + positive(scale) * quantile(q, lambda q: -log(q), np.inf, 0.0)


rvs = scipy_rvs("expon")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
