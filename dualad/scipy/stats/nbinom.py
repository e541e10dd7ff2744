"""The negative binomial distribution (failures before the ``n``-th success, ``n > 0`` real),
SciPy's ``scipy.stats.nbinom`` methods, differentiable in ``n`` and ``p``.

>>> from dualad.scipy.stats import nbinom
>>> float(nbinom.pmf(0, 2, 0.5))
0.25
"""
from __future__ import annotations

from ...numpy import exp
from ..special import betainc, gammaln, xlog1py, xlogy
from ._common import (counts, floor_counts, inside, log_probability, positive, probability,
                      restrict, scipy_rvs)
from ...typing import Array, ArrayLike


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log Gamma(n + k) - log Gamma(n) - log(k!) + n log(p) + k log(1 - p)`` for whole
    ``k >= 0``."""
    k, support = counts(k, loc)
    n, p = positive(n), probability(p)
    log_choose = gammaln(n + k) - gammaln(n) - gammaln(k + 1.0)
    return restrict(support, log_choose + xlogy(n, p) + xlog1py(k, -p), -float("inf"))


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass, ``exp(logpmf)``."""
    return exp(logpmf(k, n, p, loc))


def cdf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``betainc(n, floor(k) + 1, p)``, 0 below the support."""
    k = floor_counts(k, loc)
    below = k < 0
    value = betainc(positive(n), inside(below, 1.0, k + 1.0), probability(p))
    return restrict(below, 0.0, value)


def logcdf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(k, n, p, loc), sf(k, n, p, loc))


def sf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``betainc(floor(k) + 1, n, 1 - p)``, 1 below the support."""
    k = floor_counts(k, loc)
    below = k < 0
    value = betainc(inside(below, 1.0, k + 1.0), positive(n), 1.0 - probability(p))
    return restrict(below, 1.0, value)


def logsf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(k, n, p, loc), cdf(k, n, p, loc))


rvs = scipy_rvs("nbinom")

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "rvs"]
