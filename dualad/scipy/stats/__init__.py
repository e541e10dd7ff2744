"""``dualad.scipy.stats``: probability distributions with SciPy's method names and
parameters, each a module (``import dualad.scipy.stats.norm as norm`` works, as with HIPS
autograd), written with ``dualad.numpy`` and ``dualad.scipy.special``, so they are
differentiable in the data and in the parameters.

Continuous: ``norm t gamma beta chi2 expon laplace logistic cauchy uniform`` with
``logpdf pdf cdf logcdf sf logsf ppf isf`` (and ``rvs``, SciPy's sampler, not differentiated);
``multivariate_normal`` (``logpdf pdf entropy``) and ``dirichlet`` (``logpdf pdf``).
Discrete: ``poisson bernoulli binom geom nbinom`` with ``logpmf pmf cdf logcdf sf logsf``.
Invalid parameters give NaN and points off the support the value SciPy gives there.

::

    import dualad as ad
    from dualad.scipy.stats import norm
    ad.grad(lambda s: norm.logpdf(1.0, 0.0, s))(2.0)      # -1/s + x**2/s**3 = -0.375
"""
from . import (bernoulli, beta, binom, cauchy, chi2, dirichlet, expon, gamma, geom, laplace,
               logistic, multivariate_normal, nbinom, norm, poisson, t, uniform)

__all__ = ["norm", "t", "multivariate_normal", "gamma", "beta", "poisson", "chi2", "dirichlet",
           "expon", "laplace", "logistic", "cauchy", "uniform", "bernoulli", "binom", "geom",
           "nbinom"]
