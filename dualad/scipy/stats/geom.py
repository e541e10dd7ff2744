"""The geometric distribution (trials up to the first success, ``k >= 1``), SciPy's
``scipy.stats.geom`` methods, differentiable in ``p``.

>>> from dualad.scipy.stats import geom
>>> float(geom.pmf(2, 0.5))
0.25
"""
from __future__ import annotations

from ...numpy import exp, expm1, log
from ..special import xlog1py
from ._common import (counts, floor_counts, inside, log_probability, probability, restrict,
                      scipy_rvs)
from ...typing import Array, ArrayLike


def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``(k - 1) log(1 - p) + log(p)`` for whole ``k >= 1``."""
    k, support = counts(k, loc, 1)
    p = probability(p)
    return restrict(support, xlog1py(k - 1.0, -p) + log(p), -float("inf"))


def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """The probability mass, ``exp(logpmf)``."""
    return exp(logpmf(k, p, loc))


def logsf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``floor(k) log(1 - p)``, 0 below the support."""
    k = floor_counts(k, loc)
    return xlog1py(inside(k < 1, 0.0, k), -probability(p))


def sf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``(1 - p)^floor(k)``."""
    return exp(logsf(k, p, loc))


def cdf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``1 - (1 - p)^floor(k)``, as ``-expm1(logsf)``."""
    return -expm1(logsf(k, p, loc))


def logcdf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(k, p, loc), sf(k, p, loc))


rvs = scipy_rvs("geom")

__all__ = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "rvs"]
