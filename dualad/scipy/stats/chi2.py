"""The chi-squared distribution with ``df`` degrees of freedom, SciPy's ``scipy.stats.chi2``
methods: the gamma distribution with shape ``df/2`` and scale ``2 * scale``, so it is
differentiable in ``df`` as well.

>>> from dualad.scipy.stats import chi2
>>> round(float(chi2.cdf(2.0, 2.0)), 12)          # 1 - exp(-1)
0.632120558829
"""
from __future__ import annotations

from . import gamma as _gamma
from ._common import scipy_rvs
from ...typing import Array, ArrayLike


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The log density."""
    return _gamma.logpdf(x, 0.5 * df, loc, 2.0 * scale)


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density."""
    return _gamma.pdf(x, 0.5 * df, loc, 2.0 * scale)


def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The distribution function, ``gammainc(df/2, z/2)``."""
    return _gamma.cdf(x, 0.5 * df, loc, 2.0 * scale)


def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``."""
    return _gamma.logcdf(x, 0.5 * df, loc, 2.0 * scale)


def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The survival function, ``gammaincc(df/2, z/2)``."""
    return _gamma.sf(x, 0.5 * df, loc, 2.0 * scale)


def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(sf)``."""
    return _gamma.logsf(x, 0.5 * df, loc, 2.0 * scale)


def ppf(q: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The quantile function."""
    return _gamma.ppf(q, 0.5 * df, loc, 2.0 * scale)


def isf(q: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The inverse survival function."""
    return _gamma.isf(q, 0.5 * df, loc, 2.0 * scale)


rvs = scipy_rvs("chi2")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
