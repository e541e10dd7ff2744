"""Student's t distribution with ``df`` degrees of freedom, SciPy's ``scipy.stats.t`` methods.

Differentiable in ``x``, ``df``, ``loc`` and ``scale`` (the distribution function in ``df``
through ``betainc``'s derivatives in ``a`` and ``b``; the quantiles in ``df`` by the implicit
function theorem), to second order.

>>> from dualad.scipy.stats import t
>>> round(float(t.logpdf(0.0, 1.0)), 12)          # Cauchy: -log(pi)
-1.144729885849
"""
from __future__ import annotations

import numpy as np

from ...numpy import exp, log, log1p
from ..special import betainc, gammaln
from ..special._declare import elementwise
from ..special._incomplete import _BETAINC, _beta_density
from ._common import (inside, log_probability, positive, quantile, raw, restrict, scipy_rvs,
                      standardize)
from ...typing import Array, ArrayLike

_LOG_PI = float(np.log(np.pi))


def _standard_logpdf(z, df):
    half = 0.5 * (df + 1.0)
    return (gammaln(half) - gammaln(0.5 * df) - 0.5 * (log(df) + _LOG_PI)
            - half * log1p(z * z / df))


def _cdf_in_df(z, df):
    """``dF(z; df)/ddf``: the tail ``I_u(df/2, 1/2)/2``, ``u = df/(df + z^2)``, differentiated in
    ``df`` (through ``a`` and ``u``), with the sign of the tail; 0 at ``z == 0``."""
    r = raw(z)
    z = inside(r == 0, 1.0, z)
    u = df / (df + z * z)
    du = z * z / ((df + z * z) * (df + z * z))
    tail = 0.25 * _BETAINC[(1, 0)](0.5 * df, 0.5, u) + 0.5 * _beta_density(0.5 * df, 0.5, u) * du
    return tail * -np.sign(r)


# along F(x; df) = p: dx/dp = 1/pdf(x) and dx/ddf = -dF/ddf / pdf(x)
_stdtrit = elementwise(
    "stdtrit", ("df", "p"),
    (lambda ans, df, p: -_cdf_in_df(ans, df) * exp(-_standard_logpdf(ans, df)),
     lambda ans, df, p: exp(-_standard_logpdf(ans, df))))


def _standard_cdf(z, df):
    """``cdf`` of the standard t from ``betainc``. Near the centre (``z**2 < df``) it is
    ``1/2 +- I_{z^2/(df+z^2)}(1/2, df/2) / 2``; in the tails ``I_{df/(df+z^2)}(df/2, 1/2) / 2``
    (or one minus that), each tail computed where it is small. At ``z == 0``, where
    ``betainc``'s derivative is infinite times 0, it is ``1/2 + z pdf(0)``: the same value and
    first and second derivatives."""
    df = positive(df)
    r = raw(z)
    centre = r == 0
    z_off = inside(centre, 1.0, z)
    z2 = z_off * z_off
    near = 0.5 + (0.5 * np.sign(r)) * betainc(0.5, 0.5 * df, z2 / (df + z2))
    tail = 0.5 * betainc(0.5 * df, 0.5, df / (df + z2))
    value = restrict(r * r < raw(df), near, restrict(r < 0, tail, 1.0 - tail))
    return restrict(centre, 0.5 + z * exp(_standard_logpdf(0.0, df)), value)


def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log Gamma((df+1)/2) - log Gamma(df/2) - log(df pi)/2 - log(scale)
    - (df+1)/2 log(1 + z**2/df)``."""
    z = standardize(x, loc, scale)
    return _standard_logpdf(z, positive(df)) - log(positive(scale))


def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, df, loc, scale))


def cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The distribution function, from ``betainc``."""
    return _standard_cdf(standardize(x, loc, scale), df)


def logcdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(x, df, loc, scale), sf(x, df, loc, scale))


def sf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``1 - cdf``, as the cdf at ``-z`` (the t distribution is symmetric)."""
    return _standard_cdf(-standardize(x, loc, scale), df)


def logsf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(x, df, loc, scale), cdf(x, df, loc, scale))


def ppf(q: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The quantile function (SciPy's ``stdtrit``)."""
    df = positive(df)
    return loc + positive(scale) * quantile(q, lambda q: _stdtrit(df, q))


def isf(q: ArrayLike, df: ArrayLike, loc: ArrayLike = 0.0, scale: ArrayLike = 1.0) -> Array:
    """The inverse survival function, ``loc - scale * stdtrit(df, q)``."""
    df = positive(df)
    return loc - positive(scale) * quantile(q, lambda q: _stdtrit(df, q))


rvs = scipy_rvs("t")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
