"""The binomial distribution with ``n`` trials of success probability ``p``, SciPy's
``scipy.stats.binom`` methods, differentiable in ``p`` (and in ``n`` through the continuous
extension ``gammaln``/``betainc`` give, should it be traced).

>>> from dualad.scipy.stats import binom
>>> float(binom.pmf(1, 2, 0.5))
0.5
"""
from __future__ import annotations

from ...numpy import exp
from ..special import betainc, gammaln, xlog1py, xlogy
from ._common import (counts, floor_counts, inside, log_probability, probability, raw, restrict,
                      scipy_rvs)
from ...typing import Array, ArrayLike


def logpmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log C(n, k) + k log(p) + (n - k) log(1 - p)`` for whole ``0 <= k <= n``."""
    k, support = counts(k, loc, 0, n)
    p = probability(p)
    log_choose = gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)
    return restrict(support, log_choose + xlogy(k, p) + xlog1py(n - k, -p), -float("inf"))


def pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass, ``exp(logpmf)``."""
    return exp(logpmf(k, n, p, loc))


def _regions(k, n):
    k = floor_counts(k, loc=0)
    below, above = k < 0, k >= raw(n)
    return inside(below | above, 0.0, k), below, above


def cdf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``betainc(n - k, k + 1, 1 - p)`` for ``0 <= k < n`` (k floored), 0 below, 1 above."""
    k, below, above = _regions(k - loc, n)
    value = betainc(inside(above, 1.0, n - k), k + 1.0, 1.0 - probability(p))
    return restrict(below, 0.0, restrict(above, 1.0, value))


def logcdf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(k, n, p, loc), sf(k, n, p, loc))


def sf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``betainc(k + 1, n - k, p)`` for ``0 <= k < n``, 1 below, 0 above."""
    k, below, above = _regions(k - loc, n)
    value = betainc(k + 1.0, inside(above, 1.0, n - k), probability(p))
    return restrict(below, 1.0, restrict(above, 0.0, value))


def logsf(k: ArrayLike, n: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(k, n, p, loc), cdf(k, n, p, loc))


rvs = scipy_rvs("binom")

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "rvs"]
