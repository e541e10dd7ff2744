"""The uniform distribution on ``[loc, loc + scale]``, SciPy's ``scipy.stats.uniform`` methods.

>>> from dualad.scipy.stats import uniform
>>> float(uniform.cdf(0.25, 0.0, 0.5))
0.5
"""
from __future__ import annotations

from ...numpy import exp, log, log1p
from ._common import inside, positive, quantile, raw, restrict, scipy_rvs, standardize
from ...typing import Array, ArrayLike

_INF = float("inf")


def _support(z):
    r = raw(z)
    return (r >= 0) & (r <= 1)


def logpdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-log(scale)`` on the support, ``-inf`` outside."""
    z = standardize(x, loc, scale)
    return restrict(_support(z), -log(positive(scale)), -_INF)


def pdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def cdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``z`` clipped to ``[0, 1]``."""
    z = standardize(x, loc, scale)
    r = raw(z)
    return inside(r < 0, 0.0, inside(r > 1, 1.0, z))


def logcdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``."""
    return log(cdf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1 - cdf``."""
    return 1.0 - cdf(x, loc, scale)


def logsf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(1 - cdf)``, as ``log1p(-cdf)``."""
    return log1p(-cdf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc + scale * q`` for ``0 <= q <= 1``, NaN outside."""
    return loc + positive(scale) * quantile(q, lambda q: q, 0.0, 1.0)


def isf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc + scale * (1 - q)`` for ``0 <= q <= 1``, NaN outside."""
    return loc + positive(scale) * quantile(q, lambda q: 1.0 - q, 1.0, 0.0)


rvs = scipy_rvs("uniform")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
