"""``dualad.scipy.special``: SciPy's special functions, differentiable in both modes to any
order that their rules reach (see each function; the values come from ``scipy.special``).

::

    import dualad as ad
    from dualad.scipy.special import gammaln, logsumexp
    ad.grad(gammaln)(3.0)          # digamma(3) = 0.9227843350984671

Every continuous argument is differentiated, the incomplete gamma and beta functions in their
shape parameters too (to second order) and ``zeta`` in ``x`` (to fourth order); an order
argument (a Bessel order, ``polygamma``'s ``n``), or a derivative beyond those orders, raises
``NotImplementedError`` naming the function and the argument when a derivative reaches it.
"""
from ...special import log_softmax, logsumexp, softmax
from ._bessel import i0, i0e, i1, i1e, iv, ive, j0, j1, jn, y0, y1, yn
from ._erf import erf, erfc, erfcinv, erfinv, log_ndtr, ndtr, ndtri
from ._gamma import (beta, betaln, digamma, gamma, gammaln, gammasgn, multigammaln, polygamma,
                     psi, rgamma)
from ._incomplete import betainc, gammainc, gammaincc
from ._logs import entr, expit, logit, rel_entr, xlog1py, xlogy
from ._zeta import zeta

__all__ = [
    "gamma", "gammaln", "gammasgn", "rgamma", "digamma", "psi", "polygamma", "multigammaln",
    "beta", "betaln", "betainc", "gammainc", "gammaincc",
    "erf", "erfc", "erfinv", "erfcinv", "ndtr", "ndtri", "log_ndtr",
    "expit", "logit", "xlogy", "xlog1py", "entr", "rel_entr",
    "logsumexp", "softmax", "log_softmax",
    "j0", "j1", "jn", "y0", "y1", "yn", "i0", "i0e", "i1", "i1e", "iv", "ive",
    "zeta",
]
