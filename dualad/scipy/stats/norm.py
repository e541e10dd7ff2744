"""The normal distribution ``N(loc, scale**2)``, SciPy's ``scipy.stats.norm`` methods.

>>> import dualad as ad
>>> from dualad.scipy.stats import norm
>>> float(ad.grad(norm.logpdf, argnums=1)(1.0, 0.0, 2.0))     # (x - loc) / scale**2
0.25
"""
import numpy as np

from ...numpy import exp, log
from ..special import log_ndtr, ndtr, ndtri
from ._common import positive, quantile, scipy_rvs, standardize

_LOG_SQRT_2PI = float(0.5 * np.log(2 * np.pi))


def logpdf(x, loc=0.0, scale=1.0):
    """``-z**2/2 - log(scale) - log(2 pi)/2`` with ``z = (x - loc) / scale``."""
    z = standardize(x, loc, scale)
    return -0.5 * (z * z) - log(positive(scale)) - _LOG_SQRT_2PI


def pdf(x, loc=0.0, scale=1.0):
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def cdf(x, loc=0.0, scale=1.0):
    """``ndtr(z)``."""
    return ndtr(standardize(x, loc, scale))


def logcdf(x, loc=0.0, scale=1.0):
    """``log_ndtr(z)``, accurate far in the lower tail."""
    return log_ndtr(standardize(x, loc, scale))


def sf(x, loc=0.0, scale=1.0):
    """``1 - cdf``, as ``ndtr(-z)``."""
    return ndtr(-standardize(x, loc, scale))


def logsf(x, loc=0.0, scale=1.0):
    """``log_ndtr(-z)``, accurate far in the upper tail."""
    return log_ndtr(-standardize(x, loc, scale))


def ppf(q, loc=0.0, scale=1.0):
    """The quantile function, ``loc + scale * ndtri(q)``."""
    return loc + positive(scale) * quantile(q, ndtri)


def isf(q, loc=0.0, scale=1.0):
    """The inverse survival function, ``loc - scale * ndtri(q)``."""
    return loc - positive(scale) * quantile(q, ndtri)


rvs = scipy_rvs("norm")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
