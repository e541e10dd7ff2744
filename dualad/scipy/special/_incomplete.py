"""Regularized incomplete gamma and beta functions: ``gammainc gammaincc betainc``.

``gammainc(a, x)`` is differentiable in ``x`` (the gamma density) and in ``a``, to second
order, through the primitives ``gammainc_da`` and ``gammainc_da2`` whose values are exact
expansions differentiated term by term (``_gammainc_series.py``); a third derivative in ``a``
raises. ``betainc(a, b, x)`` likewise in ``x`` (the beta density) and in ``a`` and ``b`` to
second order, through ``betainc_d10 … betainc_d02`` (``_betainc_series.py``).
"""
from __future__ import annotations

from ...numpy import exp, log, log1p
from ._declare import NoDerivative, elementwise
from ._gamma import _betaln, _digamma, _gammaln, _polygamma
from ._betainc_series import betainc_ab_derivatives
from ._gammainc_series import gammainc_a_derivatives
from ._logs import _xlog1py, _xlogy
from ...typing import Array, ArrayLike


def _gamma_density(a, x):
    """``dP(a, x)/dx = x^(a-1) e^-x / Gamma(a)``, formed in log space."""
    return exp(_xlogy(a - 1.0, x) - x - _gammaln(a))


def _beta_density(a, b, x):
    """``dI_x(a, b)/dx = x^(a-1) (1-x)^(b-1) / B(a, b)``, formed in log space."""
    return exp(_xlogy(a - 1.0, x) + _xlog1py(b - 1.0, -x) - _betaln(a, b))


def _log_x_minus_digamma(a, x):
    return log(x) - _digamma(a)


def _first(a, x):
    return gammainc_a_derivatives(a, x)[0]


def _second(a, x):
    return gammainc_a_derivatives(a, x)[1]


# d/dx of the a-derivatives: d/da of the density, (log x - digamma(a)) and its derivative
_gammainc_da2 = elementwise(
    "gammainc_da2", ("a", "x"),
    (NoDerivative("third derivatives of gammainc in a are not implemented"),
     lambda ans, a, x: _gamma_density(a, x) * (_log_x_minus_digamma(a, x) ** 2
                                               - _polygamma(1, a))),
    value=_second)
_gammainc_da = elementwise(
    "gammainc_da", ("a", "x"),
    (lambda ans, a, x: _gammainc_da2(a, x),
     lambda ans, a, x: _gamma_density(a, x) * _log_x_minus_digamma(a, x)),
    value=_first)
_gammainc = elementwise("gammainc", ("a", "x"),
                        (lambda ans, a, x: _gammainc_da(a, x),
                         lambda ans, a, x: _gamma_density(a, x)))
_gammaincc = elementwise("gammaincc", ("a", "x"),
                         (lambda ans, a, x: -_gammainc_da(a, x),
                          lambda ans, a, x: -_gamma_density(a, x)))
def _betainc_x_partial(i, j):
    """``d/dx`` of ``d^(i+j) I / da^i db^j``: that derivative of the beta density, which is
    the density times a polynomial in ``La = log x - digamma(a) + digamma(a+b)`` and
    ``Lb = log(1-x) - digamma(b) + digamma(a+b)``."""
    def partial(ans, a, b, x):
        la = log(x) - _digamma(a) + _digamma(a + b)
        lb = log1p(-x) - _digamma(b) + _digamma(a + b)
        shared = _polygamma(1, a + b)
        factor = {(1, 0): lambda: la, (0, 1): lambda: lb,
                  (2, 0): lambda: la * la + shared - _polygamma(1, a),
                  (1, 1): lambda: la * lb + shared,
                  (0, 2): lambda: lb * lb + shared - _polygamma(1, b)}[(i, j)]()
        return _beta_density(a, b, x) * factor
    return partial


def _betainc_in(i, j):
    """The partial derivative ``d^(i+j) I / da^i db^j`` as a primitive (``_BETAINC[(i, j)]``),
    or a rule that raises beyond second order."""
    if i + j > 2:
        return NoDerivative("third derivatives of betainc in a and b are not implemented")
    return lambda ans, a, b, x: _BETAINC[(i, j)](a, b, x)


_BETAINC_ORDERS = ((1, 0), (0, 1), (2, 0), (1, 1), (0, 2))
_BETAINC = {
    (i, j): elementwise(
        f"betainc_d{i}{j}", ("a", "b", "x"),
        (_betainc_in(i + 1, j), _betainc_in(i, j + 1), _betainc_x_partial(i, j)),
        value=lambda a, b, x, k=k: betainc_ab_derivatives(a, b, x)[k])
    for k, (i, j) in enumerate(_BETAINC_ORDERS)}
_betainc = elementwise("betainc", ("a", "b", "x"),
                       (_betainc_in(1, 0), _betainc_in(0, 1),
                        lambda ans, a, b, x: _beta_density(a, b, x)))


def gammainc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized lower incomplete gamma function ``P(a, x)``; differentiable in ``x``
    and in ``a`` (up to second derivatives in ``a``).

    >>> round(float(gammainc(2.0, 1.0)), 12)
    0.264241117657
    """
    return _gammainc(a, x)


def gammaincc(a: ArrayLike, x: ArrayLike) -> Array:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, accurate
    where ``P`` is close to 1; differentiable in ``x`` and ``a`` as ``gammainc``.

    >>> float(gammaincc(2.0, 100.0))
    3.75727673578106e-42
    """
    return _gammaincc(a, x)


def betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike) -> Array:
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x``
    (derivative ``x^(a-1) (1-x)^(b-1) / beta(a, b)``) and in ``a`` and ``b`` up to second
    derivatives (a third derivative in ``a`` or ``b`` raises ``NotImplementedError``).

    >>> float(betainc(2.0, 3.0, 0.5))
    0.6875
    """
    return _betainc(a, b, x)


__all__ = ["gammainc", "gammaincc", "betainc"]
