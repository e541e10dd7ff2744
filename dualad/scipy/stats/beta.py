"""The beta distribution on ``[loc, loc + scale]``, SciPy's ``scipy.stats.beta`` methods.

Differentiable in every argument (the distribution function and the quantiles in ``a`` and
``b`` through ``betainc``'s derivatives in them, to second order).

>>> from dualad.scipy.stats import beta
>>> float(beta.cdf(0.5, 2.0, 3.0))
0.6875
"""
from __future__ import annotations

from ...numpy import exp, log
from ..special import betainc, betaln, xlog1py, xlogy
from ..special._declare import elementwise
from ..special._incomplete import _BETAINC, _beta_density
from ._common import (inside, log_probability, positive, quantile, raw, restrict, scipy_rvs,
                      standardize)
from ...typing import Array, ArrayLike


# dx/da along I_x(a, b) = y is -dI/da / density, and likewise in b
_betaincinv = elementwise(
    "betaincinv", ("a", "b", "y"),
    (lambda ans, a, b, y: -_BETAINC[(1, 0)](a, b, ans) / _beta_density(a, b, ans),
     lambda ans, a, b, y: -_BETAINC[(0, 1)](a, b, ans) / _beta_density(a, b, ans),
     lambda ans, a, b, y: 1.0 / _beta_density(a, b, ans)))


def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
           scale: ArrayLike = 1.0) -> Array:
    """``(a-1) log z + (b-1) log(1-z) - log B(a, b) - log(scale)`` on ``0 <= z <= 1``,
    ``-inf`` outside."""
    z = standardize(x, loc, scale)
    a, b = positive(a), positive(b)
    r = raw(z)
    support = (r >= 0) & (r <= 1)
    z = inside(support, z, 0.5)
    return restrict(support, xlogy(a - 1.0, z) + xlog1py(b - 1.0, -z) - betaln(a, b)
                    - log(positive(scale)), -float("inf"))


def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
        scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, a, b, loc, scale))


def _inner(x, loc, scale):
    """``z`` set to 1/2 where it is outside (0, 1) (the density may be infinite at the ends),
    and the masks of ``z <= 0`` and ``z >= 1``."""
    z = standardize(x, loc, scale)
    r = raw(z)
    below, above = r <= 0, r >= 1
    return inside(below | above, 0.5, z), below, above


def cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
        scale: ArrayLike = 1.0) -> Array:
    """``betainc(a, b, z)``; 0 for ``z <= 0``, 1 for ``z >= 1``."""
    z, below, above = _inner(x, loc, scale)
    value = betainc(positive(a), positive(b), z)
    return restrict(below, 0.0, restrict(above, 1.0, value))


def logcdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
           scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(x, a, b, loc, scale), sf(x, a, b, loc, scale))


def sf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
       scale: ArrayLike = 1.0) -> Array:
    """``betainc(b, a, 1 - z)``, accurate where the cdf is close to 1."""
    z, below, above = _inner(x, loc, scale)
    value = betainc(positive(b), positive(a), 1.0 - z)
    return restrict(below, 1.0, restrict(above, 0.0, value))


def logsf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
          scale: ArrayLike = 1.0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(x, a, b, loc, scale), cdf(x, a, b, loc, scale))


def ppf(q: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
        scale: ArrayLike = 1.0) -> Array:
    """The quantile function ``loc + scale * betaincinv(a, b, q)``."""
    a, b = positive(a), positive(b)
    return loc + positive(scale) * quantile(q, lambda q: _betaincinv(a, b, q), 0.0, 1.0)


def isf(q: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0.0,
        scale: ArrayLike = 1.0) -> Array:
    """The inverse survival function ``loc + scale * (1 - betaincinv(b, a, q))``."""
    a, b = positive(a), positive(b)
    return loc + positive(scale) * quantile(q, lambda q: 1.0 - _betaincinv(b, a, q), 1.0, 0.0)


rvs = scipy_rvs("beta")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
