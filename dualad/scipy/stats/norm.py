"""The normal distribution ``N(loc, scale**2)``, SciPy's ``scipy.stats.norm`` methods.

>>> import dualad as ad
>>> from dualad.scipy.stats import norm
>>> float(ad.grad(norm.logpdf, argnums=1)(1.0, 0.0, 2.0))     # (x - loc) / scale**2
0.25
"""
from __future__ import annotations

import numpy as np

from ...numpy import exp, log
from ..special import log_ndtr, ndtr, ndtri
from ._common import positive, quantile, scipy_rvs, standardize
from ...typing import Array, ArrayLike

_LOG_SQRT_2PI = float(0.5 * np.log(2 * np.pi))


def logpdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-z**2/2 - log(scale) - log(2 pi)/2`` with ``z = (x - loc) / scale``."""
    z = standardize(x, loc, scale)
    return -0.5 * (z * z) - log(positive(scale)) - _LOG_SQRT_2PI


def pdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``ndtr(z)``."""
    return ndtr(standardize(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log_ndtr(z)``, accurate far in the lower tail."""
    return log_ndtr(standardize(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1 - cdf``, as ``ndtr(-z)``."""
    return ndtr(-standardize(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log_ndtr(-z)``, accurate far in the upper tail."""
    return log_ndtr(-standardize(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The quantile function, ``loc + scale * ndtri(q)``."""
    return loc + positive(scale) * quantile(q, ndtri)


def isf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The inverse survival function, ``loc - scale * ndtri(q)``."""
    return loc - positive(scale) * quantile(q, ndtri)


rvs = scipy_rvs("norm")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
