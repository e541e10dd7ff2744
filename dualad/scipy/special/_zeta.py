"""The Riemann and Hurwitz zeta functions ``zeta(x, q=None)``, differentiable in ``x`` and
``q`` (to fourth order in ``x``).

The derivatives in ``x`` are the log-weighted sums ``S_m(x, q) = sum_k log(k+q)^m (k+q)^-x``
(``d^m zeta / dx^m = (-1)^m S_m``), computed by Euler-Maclaurin summation
(``_zeta_series.py``) and declared as primitives ``zeta_log_moment1 … 4`` with
``dS_m/dx = -S_{m+1}`` and ``dS_m/dq = m S_{m-1}(x+1, q) - x S_m(x+1, q)``. Below ``x = -1/2``
Riemann's ``zeta'`` comes from the functional equation ``zeta(x) = chi(x) zeta(1-x)``,
differentiated (where the summation would cancel digits).
"""
from __future__ import annotations

import numpy as np

from ..._core.backend import raw_value
from ...numpy import cos, exp, sin, where
from ._declare import NoDerivative, elementwise, scipy_value
from ._gamma import _digamma, _gammaln
from ._zeta_series import log_moment
from ...typing import Array, ArrayLike

_MAX_ORDER = 4
_LOG_2, _LOG_PI, _PI = float(np.log(2)), float(np.log(np.pi)), float(np.pi)
_LOG_2PI = _LOG_2 + _LOG_PI


def _moment_rules(m):
    """The partials of ``S_m``: ``-S_{m+1}`` in x, ``m S_{m-1}(x+1) - x S_m(x+1)`` in q."""
    if m == _MAX_ORDER:
        in_x = NoDerivative(f"derivatives of zeta in x beyond order {_MAX_ORDER} are not "
                            "implemented")
    else:
        def in_x(ans, x, q):
            return -_MOMENTS[m + 1](x, q)

    def in_q(ans, x, q):
        lower = _hurwitz if m == 1 else _MOMENTS[m - 1]
        return m * lower(x + 1.0, q) - x * _MOMENTS[m](x + 1.0, q)
    return in_x, in_q


_MOMENTS = {m: elementwise(f"zeta_log_moment{m}", ("x", "q"), _moment_rules(m),
                           value=lambda x, q, m=m: log_moment(m, x, q))
            for m in range(1, _MAX_ORDER + 1)}


def _riemann_slope(x):
    """``zeta'(x)``: ``-S_1(x, 1)`` from ``x = -1/2`` up; below, the derivative of
    ``chi(x) zeta(1-x)``, ``chi(x) = 2^x pi^(x-1) sin(pi x/2) Gamma(1-x)``, written so that the
    poles of ``cot(pi x/2)`` never appear."""
    low = raw_value(x) < -0.5
    high = -_MOMENTS[1](where(low, 2.0, x), 1.0)
    s = where(low, x, -1.0)
    t = 1.0 - s
    scale = exp(s * _LOG_2 + (s - 1.0) * _LOG_PI + _gammaln(t))
    half = s * (_PI / 2)
    zeta_t = _riemann(t)
    reflected = scale * (sin(half) * ((_LOG_2PI - _digamma(t)) * zeta_t + _MOMENTS[1](t, 1.0))
                         + (_PI / 2) * cos(half) * zeta_t)
    return where(low, reflected, high)


# Riemann's function is its own primitive: SciPy continues it to x < 1 only without q
_riemann = elementwise("zeta_riemann", ("x",), (lambda ans, x: _riemann_slope(x),),
                       value=scipy_value("zeta"))
_hurwitz = elementwise("zeta", ("x", "q"),
                       (lambda ans, x, q: -_MOMENTS[1](x, q),
                        lambda ans, x, q: -(x * _hurwitz(x + 1.0, q))))


def zeta(x: ArrayLike, q: ArrayLike | None = None) -> Array:
    """The Riemann zeta function ``zeta(x)`` (``q=None``, continued to ``x < 1``) or the
    Hurwitz zeta function ``sum_k (k + q)^-x``; differentiable in ``x`` and ``q``.

    >>> round(float(zeta(2.0)), 12)   # pi**2 / 6
    1.644934066848
    """
    return _riemann(x) if q is None else _hurwitz(x, q)


__all__ = ["zeta"]
