"""The Poisson distribution with mean ``mu``, SciPy's ``scipy.stats.poisson`` methods,
differentiable in ``mu``.

>>> from dualad.scipy.stats import poisson
>>> round(float(poisson.logpmf(3, 2.0)), 12)      # 3 log 2 - 2 - log 6
-1.712317927548
"""
from __future__ import annotations

from ...numpy import exp
from ..special import gammainc, gammaincc, gammaln, xlogy
from ._common import counts, floor_counts, inside, log_probability, positive, restrict, scipy_rvs
from ...typing import Array, ArrayLike


def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``k log(mu) - mu - log(k!)`` for whole ``k >= 0``, ``-inf`` elsewhere."""
    k, support = counts(k, loc)
    mu = positive(mu)
    return restrict(support, xlogy(k, mu) - mu - gammaln(k + 1.0), -float("inf"))


def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass, ``exp(logpmf)``."""
    return exp(logpmf(k, mu, loc))


def cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``P(K <= k) = gammaincc(floor(k) + 1, mu)``; 0 below the support."""
    k = floor_counts(k, loc)
    below = k < 0
    return restrict(below, 0.0, gammaincc(inside(below, 1.0, k + 1.0), positive(mu)))


def logcdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(k, mu, loc), sf(k, mu, loc))


def sf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``P(K > k) = gammainc(floor(k) + 1, mu)``; 1 below the support."""
    k = floor_counts(k, loc)
    below = k < 0
    return restrict(below, 1.0, gammainc(inside(below, 1.0, k + 1.0), positive(mu)))


def logsf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(k, mu, loc), cdf(k, mu, loc))


rvs = scipy_rvs("poisson")

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "rvs"]
