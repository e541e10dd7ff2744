"""The Dirichlet distribution, SciPy's ``scipy.stats.dirichlet``: ``logpdf`` and ``pdf``
(differentiable in ``x`` and ``alpha``), ``rvs``.

As in SciPy, the components run along the first axis of ``x`` (shape ``(K,)`` or ``(K, N)``
for N points), ``x`` may omit the last component (then ``1 - sum``), and points off the
simplex raise ``ValueError``.

>>> import numpy as np
>>> from dualad.scipy.stats import dirichlet
>>> round(float(dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), np.ones(3))), 12)   # log 2
0.69314718056
"""
from __future__ import annotations

import numpy as np

from ..._core.primitive import shape_of
from ...numpy import concatenate, exp, expand_dims, reshape, sum
from ..special import gammaln, xlogy
from ._common import array, raw, scipy_rvs
from ...typing import Array, ArrayLike


def _components(x, alpha):
    k = shape_of(alpha)
    if len(k) != 1:
        raise ValueError(f"dirichlet: alpha must be one vector, got shape {k}")
    n = shape_of(x)[0] if shape_of(x) else 0
    if n == k[0] - 1:
        x = concatenate([x, expand_dims(1.0 - sum(x, axis=0), 0)], axis=0)
    elif n != k[0]:
        raise ValueError(f"dirichlet: x must have {k[0]} (or {k[0] - 1}) components along its "
                         f"first axis, as alpha has {k[0]}; got x of shape {shape_of(x)}")
    r = raw(x)
    if np.any(r < 0) or np.any(r > 1) or np.any(np.abs(np.sum(r, axis=0) - 1.0) > 1e-9):
        raise ValueError("dirichlet: every point x must lie in the simplex (components in "
                         "[0, 1] summing to 1 along the first axis)")
    return x


def logpdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """``sum((alpha - 1) log x) - (sum(log Gamma(alpha)) - log Gamma(sum(alpha)))``."""
    x, alpha = array(x), array(alpha)
    x = _components(x, alpha)
    log_norm = sum(gammaln(alpha)) - gammaln(sum(alpha))
    # alpha along the first axis, against the points on the others
    weights = reshape(alpha, shape_of(alpha) + (1,) * (len(shape_of(x)) - 1)) - 1.0
    return sum(xlogy(weights, x), axis=0) - log_norm


def pdf(x: ArrayLike, alpha: ArrayLike) -> Array:
    """The density, ``exp(logpdf)``."""
    return exp(logpdf(x, alpha))


rvs = scipy_rvs("dirichlet")

__all__ = ["logpdf", "pdf", "rvs"]
