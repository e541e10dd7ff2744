"""Bessel functions of integer and real order: ``j0 j1 jn y0 y1 yn i0 i0e i1 i1e iv ive``.

Derivatives in ``x`` by the recurrences ``C_v' = (C_{v-1} - C_{v+1}) / 2`` (J, Y) and
``I_v' = (I_{v-1} + I_{v+1}) / 2``; the exponentially scaled ``ive(v, x) = iv(v, x) e^{-|x|}``
adds ``-sign(x) ive(v, x)``. The order is not differentiated: a traced order raises.
"""
from __future__ import annotations

from ..._core.backend import raw_value
from ...numpy import multiply, sign
from ._declare import NoDerivative, elementwise
from ...typing import Array, ArrayLike

_ORDER = NoDerivative("the order of a Bessel function is not differentiated")


def _order(v, shift):
    return raw_value(v) + shift


_j0 = elementwise("j0", ("x",), (lambda ans, x: -_j1(x),))
_j1 = elementwise("j1", ("x",), (lambda ans, x: (_j0(x) - _jn(2, x)) * 0.5,))
_jn = elementwise("jn", ("n", "x"),
                  (_ORDER, lambda ans, n, x: (_jn(_order(n, -1), x) - _jn(_order(n, 1), x)) * 0.5))
_y0 = elementwise("y0", ("x",), (lambda ans, x: -_y1(x),))
_y1 = elementwise("y1", ("x",), (lambda ans, x: (_y0(x) - _yn(2, x)) * 0.5,))
_yn = elementwise("yn", ("n", "x"),
                  (_ORDER, lambda ans, n, x: (_yn(_order(n, -1), x) - _yn(_order(n, 1), x)) * 0.5))
_i0 = elementwise("i0", ("x",), (lambda ans, x: _i1(x),))
_i1 = elementwise("i1", ("x",), (lambda ans, x: (_i0(x) + _iv(2, x)) * 0.5,))
_iv = elementwise("iv", ("v", "z"),
                  (_ORDER, lambda ans, v, z: (_iv(_order(v, -1), z) + _iv(_order(v, 1), z)) * 0.5))


def _minus_sign_times_ans(ans, x):
    return -multiply(sign(raw_value(x)), ans)


_i0e = elementwise("i0e", ("x",), (lambda ans, x: _i1e(x) + _minus_sign_times_ans(ans, x),))
_i1e = elementwise("i1e", ("x",), (lambda ans, x: (_i0e(x) + _ive(2, x)) * 0.5
                                   + _minus_sign_times_ans(ans, x),))
_ive = elementwise("ive", ("v", "z"),
                   (_ORDER, lambda ans, v, z: (_ive(_order(v, -1), z) + _ive(_order(v, 1), z))
                    * 0.5 + _minus_sign_times_ans(ans, z)))


def j0(x: ArrayLike) -> Array:
    """The Bessel function of the first kind of order 0; derivative ``-j1(x)``.

    >>> round(float(j0(1.0)), 12)
    0.765197686558
    """
    return _j0(x)


def j1(x: ArrayLike) -> Array:
    """The Bessel function of the first kind of order 1; derivative ``(j0(x) - jn(2, x)) / 2``.

    >>> round(float(j1(1.0)), 12)
    0.440050585745
    """
    return _j1(x)


def jn(n: ArrayLike, x: ArrayLike) -> Array:
    """The Bessel function of the first kind of integer order ``n`` (SciPy's ``jv`` for real
    ``n``); differentiable in ``x``, not in ``n``.

    >>> round(float(jn(2, 1.0)), 12)
    0.114903484932
    """
    return _jn(n, x)


def y0(x: ArrayLike) -> Array:
    """The Bessel function of the second kind of order 0; derivative ``-y1(x)``.

    >>> round(float(y0(1.0)), 12)
    0.088256964216
    """
    return _y0(x)


def y1(x: ArrayLike) -> Array:
    """The Bessel function of the second kind of order 1.

    >>> round(float(y1(1.0)), 12)
    -0.7812128213
    """
    return _y1(x)


def yn(n: ArrayLike, x: ArrayLike) -> Array:
    """The Bessel function of the second kind of integer order ``n``; differentiable in ``x``.

    >>> round(float(yn(2, 1.0)), 12)
    -1.650682606816
    """
    return _yn(n, x)


def i0(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind of order 0; derivative ``i1(x)``.

    >>> round(float(i0(1.0)), 12)
    1.266065877752
    """
    return _i0(x)


def i0e(x: ArrayLike) -> Array:
    """``i0(x) * exp(-|x|)``, finite for large ``x``.

    >>> round(float(i0e(1000.0)), 12)
    0.012617240456
    """
    return _i0e(x)


def i1(x: ArrayLike) -> Array:
    """The modified Bessel function of the first kind of order 1.

    >>> round(float(i1(1.0)), 12)
    0.565159103992
    """
    return _i1(x)


def i1e(x: ArrayLike) -> Array:
    """``i1(x) * exp(-|x|)``.

    >>> round(float(i1e(1.0)), 12)
    0.20791041535
    """
    return _i1e(x)


def iv(v: ArrayLike, z: ArrayLike) -> Array:
    """The modified Bessel function of the first kind of real order ``v``; differentiable in
    ``z`` (derivative ``(iv(v - 1, z) + iv(v + 1, z)) / 2``), not in ``v``.

    >>> round(float(iv(0.5, 1.0)), 12)
    0.937674888245
    """
    return _iv(v, z)


def ive(v: ArrayLike, z: ArrayLike) -> Array:
    """``iv(v, z) * exp(-|z|)``; differentiable in ``z``, not in ``v``.

    >>> round(float(ive(0.5, 1.0)), 12)
    0.344951313888
    """
    return _ive(v, z)


__all__ = ["j0", "j1", "jn", "y0", "y1", "yn", "i0", "i0e", "i1", "i1e", "iv", "ive"]
