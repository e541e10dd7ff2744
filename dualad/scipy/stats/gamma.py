"""The gamma distribution with shape ``a``, SciPy's ``scipy.stats.gamma`` methods
(``scale`` is ``1/rate``). Differentiable in the data and in ``a``, ``loc``, ``scale``, the
distribution function and the quantiles included (through ``gammainc``'s derivative in ``a``).

>>> from dualad.scipy.stats import gamma
>>> round(float(gamma.cdf(1.0, 1.0)), 12)          # 1 - exp(-1)
0.632120558829
"""
from __future__ import annotations

import numpy as np

from ...numpy import exp, log
from ..special import gammainc, gammaincc, gammaln, xlogy
from ..special._declare import elementwise
from ..special._incomplete import _gamma_density, _gammainc_da
from ._common import (inside, log_probability, positive, quantile, raw, restrict, scipy_rvs,
                      standardize)
from ...typing import Array, ArrayLike


def _quantile_in_a(ans, a, y):
    """``dx/da`` along ``P(a, x) = y`` (or ``Q(a, x) = y``: the same, as ``Q = 1 - P``)."""
    return -_gammainc_da(a, ans) / _gamma_density(a, ans)


_gammaincinv = elementwise("gammaincinv", ("a", "y"),
                           (_quantile_in_a, lambda ans, a, y: 1.0 / _gamma_density(a, ans)))
_gammainccinv = elementwise("gammainccinv", ("a", "y"),
                            (_quantile_in_a, lambda ans, a, y: -1.0 / _gamma_density(a, ans)))


def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``(a-1) log z - z - log Gamma(a) - log(scale)`` for ``z = (x - loc)/scale >= 0``,
    ``-inf`` below."""
    z = standardize(x, loc, scale)
    a = positive(a)
    support = raw(z) >= 0
    z = inside(support, z, 1.0)
    return restrict(support, xlogy(a - 1.0, z) - z - gammaln(a) - log(positive(scale)),
                    -float("inf"))


def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, a, loc, scale))


def _above_zero(x, loc, scale):
    """``z``, set to 1 where it is not positive (the caller puts the answer there), and the
    mask of those points: ``gammainc``'s derivative at 0 is infinite for ``a < 1``."""
    z = standardize(x, loc, scale)
    below = raw(z) <= 0
    return inside(below, 1.0, z), below


def cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``gammainc(a, z)``, 0 for ``z <= 0``."""
    z, below = _above_zero(x, loc, scale)
    return restrict(below, 0.0, gammainc(positive(a), z))


def logcdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(x, a, loc, scale), sf(x, a, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``gammaincc(a, z)``, accurate in the upper tail; 1 for ``z <= 0``."""
    z, below = _above_zero(x, loc, scale)
    return restrict(below, 1.0, gammaincc(positive(a), z))


def logsf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(x, a, loc, scale), cdf(x, a, loc, scale))


def ppf(q: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The quantile function ``loc + scale * gammaincinv(a, q)``; its derivative in ``a``
    is ``-dP/da / density`` at the quantile."""
    a = positive(a)
    return loc + positive(scale) * quantile(q, lambda q: _gammaincinv(a, q), 0.0)


def isf(q: ArrayLike, a: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The inverse survival function ``loc + scale * gammainccinv(a, q)``."""
    a = positive(a)
    return loc + positive(scale) * quantile(q, lambda q: _gammainccinv(a, q), np.inf, 0.0)


rvs = scipy_rvs("gamma")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
