"""The gamma family: ``gamma gammaln gammasgn rgamma digamma psi polygamma multigammaln beta
betaln``. Each derivative is written once, in terms of the next function of the family:
``gammaln' = digamma``, ``digamma' = polygamma(1, .)``, ``polygamma(n, .)' = polygamma(n + 1, .)``.
"""
from __future__ import annotations

import numpy as np

from ..._core.backend import raw_value
from ...numpy import expand_dims, multiply, negative, subtract, sum
from ._declare import NoDerivative, elementwise, zero_derivative
from ...typing import Array, ArrayLike

_ORDER = NoDerivative("an integer order")

_digamma = elementwise("digamma", ("x",), (lambda ans, x: _polygamma(1, x),))
_polygamma = elementwise("polygamma", ("n", "x"),
                         (_ORDER, lambda ans, n, x: _polygamma(raw_value(n) + 1, x)))
_gammaln = elementwise("gammaln", ("x",), (lambda ans, x: _digamma(x),))
_gamma = elementwise("gamma", ("x",), (lambda ans, x: multiply(ans, _digamma(x)),))
_rgamma = elementwise("rgamma", ("x",), (lambda ans, x: negative(multiply(ans, _digamma(x))),))
_gammasgn = elementwise("gammasgn", ("x",), (zero_derivative,))


def _beta_partial(ans, a, b):
    return multiply(ans, subtract(_digamma(a), _digamma(a + b)))


def _betaln_partial(ans, a, b):
    return subtract(_digamma(a), _digamma(a + b))


_beta = elementwise("beta", ("a", "b"),
                    (_beta_partial, lambda ans, a, b: _beta_partial(ans, b, a)))
_betaln = elementwise("betaln", ("a", "b"),
                      (_betaln_partial, lambda ans, a, b: _betaln_partial(ans, b, a)))


def gamma(x: ArrayLike) -> Array:
    """The gamma function; derivative ``gamma(x) * digamma(x)``.

    >>> float(gamma(5.0))
    24.0
    """
    return _gamma(x)


def gammaln(x: ArrayLike) -> Array:
    """``log|gamma(x)|``, accurate for large ``x`` where ``gamma`` overflows; derivative
    ``digamma(x)``.

    >>> round(float(gammaln(1000.0)), 6)
    5905.220423
    """
    return _gammaln(x)


def gammasgn(x: ArrayLike) -> Array:
    """The sign of ``gamma(x)`` (derivative 0: it is piecewise constant).

    >>> float(gammasgn(-0.5))
    -1.0
    """
    return _gammasgn(x)


def rgamma(x: ArrayLike) -> Array:
    """``1 / gamma(x)``, 0 at the poles of ``gamma``; derivative ``-rgamma(x) * digamma(x)``
    (NaN at the poles ``x = 0, -1, -2, …``, where ``digamma`` is infinite).

    >>> float(rgamma(4.0))
    0.16666666666666666
    """
    return _rgamma(x)


def digamma(x: ArrayLike) -> Array:
    """``d/dx log gamma(x)``; derivative ``polygamma(1, x)``.

    >>> round(float(digamma(1.0)), 12)
    -0.577215664902
    """
    return _digamma(x)


psi = digamma


def polygamma(n: ArrayLike, x: ArrayLike) -> Array:
    """The n-th derivative of ``digamma``; differentiable in ``x`` (derivative
    ``polygamma(n + 1, x)``), not in the integer order ``n``.

    >>> round(float(polygamma(1, 1.0)), 12)   # pi**2 / 6
    1.644934066848
    """
    return _polygamma(n, x)


def multigammaln(a: ArrayLike, d: ArrayLike) -> Array:
    """The log of the multivariate gamma function of dimension ``d`` (an int):
    ``d(d-1)/4 log(pi) + sum_j gammaln(a - j/2)``, j = 0 … d-1; differentiable in ``a``.
    As in SciPy, every ``a`` must exceed ``(d - 1) / 2``.

    >>> round(float(multigammaln(3.0, 2)), 6)
    1.550195
    """
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"multigammaln: d must be a positive int, got {d!r}")
    if np.any(raw_value(a) <= 0.5 * (d - 1)):
        raise ValueError(f"multigammaln: every a must be greater than (d - 1) / 2 = "
                         f"{0.5 * (d - 1)}")
    terms = _gammaln(expand_dims(a, -1) - 0.5 * np.arange(d))
    return sum(terms, axis=-1) + 0.25 * d * (d - 1) * float(np.log(np.pi))


def beta(a: ArrayLike, b: ArrayLike) -> Array:
    """``gamma(a) gamma(b) / gamma(a + b)``; differentiable in ``a`` and ``b``.

    >>> float(beta(2.0, 3.0))
    0.08333333333333333
    """
    return _beta(a, b)


def betaln(a: ArrayLike, b: ArrayLike) -> Array:
    """``log|beta(a, b)|``; derivative in ``a`` is ``digamma(a) - digamma(a + b)``.

    >>> round(float(betaln(200.0, 300.0)), 6)
    -337.980113
    """
    return _betaln(a, b)


__all__ = ["gamma", "gammaln", "gammasgn", "rgamma", "digamma", "psi", "polygamma",
           "multigammaln", "beta", "betaln"]
