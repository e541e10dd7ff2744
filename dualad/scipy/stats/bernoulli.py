"""The Bernoulli distribution with success probability ``p``, SciPy's
``scipy.stats.bernoulli`` methods, differentiable in ``p``.

>>> from dualad.scipy.stats import bernoulli
>>> float(bernoulli.pmf(1, 0.25))
0.25
"""
from __future__ import annotations

from ...numpy import exp, log
from ..special import xlog1py, xlogy
from ._common import counts, floor_counts, probability, restrict, scipy_rvs
from ...typing import Array, ArrayLike


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``k log(p) + (1 - k) log(1 - p)`` for ``k`` in {0, 1}, ``-inf`` elsewhere."""
    k, support = counts(k, loc, 0, 1)
    p = probability(p)
    return restrict(support, xlogy(k, p) + xlog1py(1.0 - k, -p), -float("inf"))


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass, ``exp(logpmf)``."""
    return exp(logpmf(k, p, loc))


def cdf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """0 below 0, ``1 - p`` on [0, 1), 1 from 1 on."""
    k = floor_counts(k, loc)
    p = probability(p)
    return restrict(k < 0, 0.0, restrict(k < 1, 1.0 - p, 1.0 + 0.0 * p))  # NaN for a bad p


def logcdf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(cdf)``."""
    return log(cdf(k, p, loc))


def sf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``1 - cdf``."""
    return 1.0 - cdf(k, p, loc)


def logsf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(sf)``."""
    return log(sf(k, p, loc))


rvs = scipy_rvs("bernoulli")

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "rvs"]
