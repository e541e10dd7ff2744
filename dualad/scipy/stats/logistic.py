"""The logistic distribution, SciPy's ``scipy.stats.logistic`` methods; everything is written
with ``logaddexp``, ``expit`` and ``logit``, so both tails are accurate.

>>> from dualad.scipy.stats import logistic
>>> float(logistic.cdf(0.0))
0.5
"""
from __future__ import annotations

import numpy as np

from ...numpy import exp, log, logaddexp
from ..special import expit, logit
from ._common import inside, positive, quantile, raw, restrict, scipy_rvs, standardize
from ...typing import Array, ArrayLike


def logpdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-z - 2 log(1 + exp(-z)) - log(scale)``; ``-inf`` at infinite ``z``."""
    z = standardize(x, loc, scale)
    finite = np.isfinite(raw(z))
    z = inside(finite, z, 0.0)
    return restrict(finite, -z - 2.0 * logaddexp(0.0, -z) - log(positive(scale)), -np.inf)


def pdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``expit(z)``."""
    return expit(standardize(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-log(1 + exp(-z))``."""
    return -logaddexp(0.0, -standardize(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``expit(-z)``."""
    return expit(-standardize(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-log(1 + exp(z))``."""
    return -logaddexp(0.0, standardize(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc + scale * logit(q)``."""
    return loc + positive(scale) * quantile(q, logit)


def isf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc - scale * logit(q)``."""
    return loc - positive(scale) * quantile(q, logit)


rvs = scipy_rvs("logistic")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
