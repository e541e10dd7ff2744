"""Log-space helpers: ``expit logit xlogy xlog1py entr rel_entr``.

``xlogy(x, y)`` and ``xlog1py(x, y)`` are 0 where ``x == 0`` whatever ``y`` is (SciPy's
convention, which makes ``sum(xlogy(p, p))`` an entropy with empty bins allowed); their
derivative in ``y``, ``x / y``, is 0 there too, also at ``y == 0``.
"""
from __future__ import annotations

from ..._core.backend import raw_value
from ...numpy import log, log1p, sigmoid, where
from ._declare import elementwise
from ...typing import Array, ArrayLike


def _over_where_x_nonzero(x, y):
    """``x / y``, taken as 0 where ``x == 0`` (also where ``y == 0``; no NaN reaches a
    derivative through the masked entries)."""
    return x / where(raw_value(x) == 0, 1.0, y)


_logit = elementwise("logit", ("x",), (lambda ans, x: 1.0 / (x * (1.0 - x)),))
_xlogy = elementwise("xlogy", ("x", "y"),
                     (lambda ans, x, y: log(y), lambda ans, x, y: _over_where_x_nonzero(x, y)))
_xlog1py = elementwise("xlog1py", ("x", "y"),
                       (lambda ans, x, y: log1p(y),
                        lambda ans, x, y: _over_where_x_nonzero(x, 1.0 + y)))
_entr = elementwise("entr", ("x",), (lambda ans, x: -(log(x) + 1.0),))
_rel_entr = elementwise("rel_entr", ("x", "y"),
                        (lambda ans, x, y: log(x) - log(y) + 1.0,
                         lambda ans, x, y: -(x / y)))


def expit(x: ArrayLike) -> Array:
    """The logistic sigmoid ``1 / (1 + exp(-x))`` (dualad's ``sigmoid`` primitive, one
    declaration for both names); derivative ``expit(x) * (1 - expit(x))``.

    >>> float(expit(0.0))
    0.5
    """
    return sigmoid(x)


def logit(x: ArrayLike) -> Array:
    """``log(x / (1 - x))``, the inverse of ``expit``; derivative ``1 / (x (1 - x))``.

    >>> float(logit(0.5))
    0.0
    """
    return _logit(x)


def xlogy(x: ArrayLike, y: ArrayLike) -> Array:
    """``x * log(y)``, 0 where ``x == 0``; differentiable in ``x`` and ``y``.

    >>> float(xlogy(0.0, 0.0))
    0.0
    """
    return _xlogy(x, y)


def xlog1py(x: ArrayLike, y: ArrayLike) -> Array:
    """``x * log1p(y)``, 0 where ``x == 0``; differentiable in ``x`` and ``y``.

    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    return _xlog1py(x, y)


def entr(x: ArrayLike) -> Array:
    """``-x log(x)`` for ``x > 0``, 0 at 0, ``-inf`` below; derivative ``-(log(x) + 1)``.

    >>> float(entr(1.0))
    -0.0
    """
    return _entr(x)


def rel_entr(x: ArrayLike, y: ArrayLike) -> Array:
    """``x log(x / y)`` for positive ``x``, ``y``; 0 where ``x == 0 <= y``, ``inf`` elsewhere;
    derivatives ``log(x / y) + 1`` and ``-x / y``.

    >>> float(rel_entr(1.0, 1.0))
    0.0
    """
    return _rel_entr(x, y)


__all__ = ["expit", "logit", "xlogy", "xlog1py", "entr", "rel_entr"]
