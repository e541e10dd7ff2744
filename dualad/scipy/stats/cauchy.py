"""The Cauchy distribution, SciPy's ``scipy.stats.cauchy`` methods.

>>> from dualad.scipy.stats import cauchy
>>> float(cauchy.cdf(1.0))
0.75
"""
from __future__ import annotations

import numpy as np

from ...numpy import arctan, exp, log, log1p, tan
from ._common import (inside, log_probability, positive, quantile, raw, restrict, scipy_rvs,
                      standardize)
from ...typing import Array, ArrayLike

_LOG_PI = float(np.log(np.pi))
_PI = float(np.pi)


def logpdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``-log(pi scale) - log(1 + z**2)``."""
    z = standardize(x, loc, scale)
    return -log1p(z * z) - log(positive(scale)) - _LOG_PI


def pdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def _standard_cdf(z):
    """``1/2 + arctan(z)/pi``; below -1 as ``arctan(-1/z)/pi``, which keeps the lower tail's
    relative accuracy."""
    tail = raw(z) < -1
    return restrict(tail, arctan(-1.0 / inside(tail, z, -1.0)) / _PI,
                    0.5 + arctan(inside(tail, 0.0, z)) / _PI)


def _standard_ppf(q):
    """``tan(pi (q - 1/2))`` in the middle; ``-1/tan(pi q)`` and ``1/tan(pi (1 - q))`` in the
    tails, where ``q - 1/2`` would lose ``q``'s digits."""
    r = raw(q)
    low, high = r < 0.25, r > 0.75
    middle = ~(low | high)
    return restrict(low, -1.0 / tan(_PI * inside(low, q, 0.1)),
                    restrict(high, 1.0 / tan(_PI * (1.0 - inside(high, q, 0.9))),
                             tan(_PI * (inside(middle, q, 0.5) - 0.5))))


def cdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1/2 + arctan(z)/pi``."""
    return _standard_cdf(standardize(x, loc, scale))


def logcdf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(x, loc, scale), sf(x, loc, scale))


def sf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1/2 - arctan(z)/pi``, the cdf at ``-z``."""
    return _standard_cdf(-standardize(x, loc, scale))


def logsf(x: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(x, loc, scale), cdf(x, loc, scale))


def ppf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc + scale * tan(pi (q - 1/2))``."""
    return loc + positive(scale) * quantile(q, _standard_ppf)


def isf(q: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``loc - scale * tan(pi (q - 1/2))``."""
    return loc - positive(scale) * quantile(q, _standard_ppf)


rvs = scipy_rvs("cauchy")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
