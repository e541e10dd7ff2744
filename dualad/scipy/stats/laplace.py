"""The Laplace (double exponential) distribution, SciPy's ``scipy.stats.laplace`` methods.

Each tail is computed by its own formula (``exp(z)/2`` below ``loc``, ``1 - exp(-z)/2``
above), with the other tail's input set to 0 so that nothing overflows in the branch not taken.
The density's derivative in ``x`` at ``x == loc`` is 0 (the convention of ``abs``).

>>> from dualad.scipy.stats import laplace
>>> float(laplace.cdf(0.0))
0.5
"""
from __future__ import annotations

import numpy as np

from ...numpy import abs, exp, log, log1p
from ._common import inside, positive, quantile, raw, restrict, scipy_rvs, standardize
from ...typing import Array, ArrayLike

_LOG2 = float(np.log(2.0))


def logpdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-|z| - log(2 scale)``."""
    z = standardize(x, loc, scale)
    return -abs(z) - log(positive(scale)) - _LOG2


def pdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def _lower_cdf(z):
    """The standard cdf: ``exp(z)/2`` for ``z < 0``, ``1 - exp(-z)/2`` otherwise."""
    lower = raw(z) < 0
    return restrict(lower, 0.5 * exp(inside(lower, z, 0.0)),
                    1.0 - 0.5 * exp(-inside(lower, 0.0, z)))


def _lower_logcdf(z):
    """``log`` of ``_lower_cdf``: ``z - log 2`` below 0, ``log1p(-exp(-z)/2)`` above."""
    lower = raw(z) < 0
    return restrict(lower, inside(lower, z, 0.0) - _LOG2,
                    log1p(-0.5 * exp(-inside(lower, 0.0, z))))


def cdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The distribution function."""
    return _lower_cdf(standardize(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``, accurate in both tails."""
    return _lower_logcdf(standardize(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1 - cdf``, as the cdf at ``-z`` (the distribution is symmetric)."""
    return _lower_cdf(-standardize(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(sf)``."""
    return _lower_logcdf(-standardize(x, loc, scale))


def _standard_ppf(q):
    """``log(2q)`` for ``q < 1/2``, ``-log(2 - 2q)`` otherwise."""
    lower = raw(q) < 0.5
    return restrict(lower, log(2.0 * inside(lower, q, 0.25)),
                    -log1p(1.0 - 2.0 * inside(lower, 0.75, q)))


def ppf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The quantile function."""
    return loc + positive(scale) * quantile(q, _standard_ppf)


def isf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The inverse survival function, ``loc - scale * ppf_standard(q)``."""
    return loc - positive(scale) * quantile(q, _standard_ppf)


rvs = scipy_rvs("laplace")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
