"""Error functions and the normal distribution function: ``erf erfc erfinv erfcinv ndtr ndtri
log_ndtr``. The inverses differentiate through their own value (``erfinv' = sqrt(pi)/2 *
exp(erfinv(y)**2)``); ``log_ndtr``'s derivative ``pdf / ndtr`` is formed in log space, so it
stays finite and accurate far in the lower tail (x = -40: about 40).
"""
from __future__ import annotations

import numpy as np

from ...numpy import exp, multiply
from ._declare import elementwise
from ...typing import Array, ArrayLike

_TWO_OVER_SQRT_PI = float(2 / np.sqrt(np.pi))
_SQRT_PI_OVER_TWO = float(np.sqrt(np.pi) / 2)
_SQRT_2PI = float(np.sqrt(2 * np.pi))
_LOG_SQRT_2PI = float(0.5 * np.log(2 * np.pi))


def _gauss(x):
    """``2/sqrt(pi) * exp(-x**2)``, the derivative of ``erf``."""
    return multiply(exp(-(x * x)), _TWO_OVER_SQRT_PI)


_erf = elementwise("erf", ("z",), (lambda ans, z: _gauss(z),))
_erfc = elementwise("erfc", ("x",), (lambda ans, x: -_gauss(x),))
_erfinv = elementwise("erfinv", ("y",), (lambda ans, y: exp(ans * ans) * _SQRT_PI_OVER_TWO,))
_erfcinv = elementwise("erfcinv", ("y",),
                       (lambda ans, y: exp(ans * ans) * -_SQRT_PI_OVER_TWO,))
_ndtr = elementwise("ndtr", ("x",), (lambda ans, x: exp(x * x * -0.5) / _SQRT_2PI,))
_ndtri = elementwise("ndtri", ("y",), (lambda ans, y: exp(ans * ans * 0.5) * _SQRT_2PI,))
_log_ndtr = elementwise("log_ndtr", ("x",),
                        (lambda ans, x: exp(x * x * -0.5 - ans - _LOG_SQRT_2PI),))


def erf(z: ArrayLike) -> Array:
    """The error function ``2/sqrt(pi) * integral_0^z exp(-t**2) dt``; real or complex ``z``
    (holomorphic derivative ``2/sqrt(pi) * exp(-z**2)``).

    >>> round(float(erf(0.5)), 12)
    0.520499877813
    """
    return _erf(z)


def erfc(x: ArrayLike) -> Array:
    """``1 - erf(x)``, accurate where ``erf(x)`` is close to 1.

    >>> float(erfc(10.0))
    2.0884875837625446e-45
    """
    return _erfc(x)


def erfinv(y: ArrayLike) -> Array:
    """The inverse of ``erf`` on (-1, 1); derivative ``sqrt(pi)/2 * exp(erfinv(y)**2)``.

    >>> round(float(erfinv(0.5)), 12)
    0.476936276204
    """
    return _erfinv(y)


def erfcinv(y: ArrayLike) -> Array:
    """The inverse of ``erfc`` on (0, 2); derivative ``-sqrt(pi)/2 * exp(erfcinv(y)**2)``.

    >>> round(float(erfcinv(0.5)), 12)
    0.476936276204
    """
    return _erfcinv(y)


def ndtr(x: ArrayLike) -> Array:
    """The standard normal cumulative distribution function.

    >>> float(ndtr(0.0))
    0.5
    """
    return _ndtr(x)


def ndtri(y: ArrayLike) -> Array:
    """The inverse of ``ndtr``; derivative ``sqrt(2 pi) * exp(ndtri(y)**2 / 2)``.

    >>> round(float(ndtri(0.975)), 9)
    1.959963985
    """
    return _ndtri(y)


def log_ndtr(x: ArrayLike) -> Array:
    """``log(ndtr(x))``, accurate in both tails (``log_ndtr(-40.0)`` is about -804.6, where
    ``ndtr`` underflows); derivative ``exp(log_pdf(x) - log_ndtr(x))``.

    >>> round(float(log_ndtr(-40.0)), 6)
    -804.608442
    """
    return _log_ndtr(x)


__all__ = ["erf", "erfc", "erfinv", "erfcinv", "ndtr", "ndtri", "log_ndtr"]
