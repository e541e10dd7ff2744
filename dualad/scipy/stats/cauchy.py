"""The Cauchy distribution, SciPy's ``scipy.stats.cauchy`` methods.

>>> from dualad.scipy.stats import cauchy
>>> float(cauchy.cdf(1.0))
0.75
"""
import numpy as np

from ...numpy import arctan, exp, log, log1p, tan
from ._common import log_probability, positive, scipy_rvs, standardize

_LOG_PI = float(np.log(np.pi))
_PI = float(np.pi)


def logpdf(x, loc=0.0, scale=1.0):
    """``-log(pi scale) - log(1 + z**2)``."""
    z = standardize(x, loc, scale)
    return -log1p(z * z) - log(positive(scale)) - _LOG_PI


def pdf(x, loc=0.0, scale=1.0):
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, loc, scale))


def cdf(x, loc=0.0, scale=1.0):
    """``1/2 + arctan(z)/pi``."""
    return 0.5 + arctan(standardize(x, loc, scale)) / _PI


def logcdf(x, loc=0.0, scale=1.0):
    """``log(cdf)``, accurate where the cdf is close to 0 or to 1."""
    return log_probability(cdf(x, loc, scale), sf(x, loc, scale))


def sf(x, loc=0.0, scale=1.0):
    """``1/2 - arctan(z)/pi``."""
    return 0.5 - arctan(standardize(x, loc, scale)) / _PI


def logsf(x, loc=0.0, scale=1.0):
    """``log(sf)``, accurate where the sf is close to 0 or to 1."""
    return log_probability(sf(x, loc, scale), cdf(x, loc, scale))


def ppf(q, loc=0.0, scale=1.0):
    """``loc + scale * tan(pi (q - 1/2))``."""
    return loc + positive(scale) * tan(_PI * (q - 0.5))


def isf(q, loc=0.0, scale=1.0):
    """``loc + scale * tan(pi (1/2 - q))``."""
    return loc + positive(scale) * tan(_PI * (0.5 - q))


rvs = scipy_rvs("cauchy")

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "rvs"]
