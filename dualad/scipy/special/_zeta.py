"""The Riemann and Hurwitz zeta functions ``zeta(x, q=None)``.

Differentiable in ``q`` (``d/dq zeta(x, q) = -x zeta(x + 1, q)``). The derivative in ``x``
(a log-weighted series) is not implemented and raises.
"""
from ._declare import NoDerivative, elementwise, scipy_value


_IN_X = NoDerivative("the derivative of zeta in x is not implemented")

# Riemann's function is its own primitive: SciPy continues it to x < 1 only without q
_riemann = elementwise("zeta_riemann", ("x",), (_IN_X,), value=scipy_value("zeta"))
_hurwitz = elementwise("zeta", ("x", "q"), (_IN_X, lambda ans, x, q: -(x * _hurwitz(x + 1.0, q))))


def zeta(x, q=None):
    """The Riemann zeta function ``zeta(x)`` (``q=None``) or the Hurwitz zeta function
    ``sum_k (k + q)^-x``; differentiable in ``q``.

    >>> round(float(zeta(2.0)), 12)   # pi**2 / 6
    1.644934066848
    """
    return _riemann(x) if q is None else _hurwitz(x, q)


__all__ = ["zeta"]
