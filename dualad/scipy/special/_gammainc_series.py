"""First and second derivatives of the regularized lower incomplete gamma function
``P(a, x)`` with respect to ``a``, on plain NumPy arrays (the values behind the primitives
``gammainc_da`` and ``gammainc_da2`` of ``_incomplete.py``).

# Design: the two classical expansions of ``P`` are differentiated term by term, so that no
# finite difference and no cancellation-prone quadrature is involved.
#  - x < a + 1: the series ``P = x^a e^-x / Gamma(a+1) * sum_k c_k``, ``c_k = c_{k-1} x/(a+k)``;
#    ``d c_k / da = c_k D_k`` and ``d2 c_k / da2 = c_k (D_k^2 + E_k)`` with
#    ``D_k = -sum_{j<=k} 1/(a+j)``, ``E_k = sum_{j<=k} 1/(a+j)^2``. All terms are positive.
#  - x >= a + 1: Legendre's continued fraction ``Q = 1 - P = x^a e^-x / Gamma(a) * h``,
#    ``h = 1/(x+1-a - 1(1-a)/(x+3-a - 2(2-a)/(x+5-a - ...)))``, evaluated by the forward
#    recurrence of numerators and denominators, which is differentiated in ``a`` alongside
#    (rescaled every step so that nothing overflows).
# In both, ``dP/da = P * dlogP`` (or ``-Q * dlogQ``) with the log-derivatives formed first, so
# tails where ``P`` or ``Q`` underflow relative to 1 keep their relative accuracy.
"""
import numpy as np

from .._scipy import scipy_module
from ._iterate import until_converged

# relative change that ends an iteration (rounding makes the last digits jitter)
_TOL = 8 * np.finfo(np.float64).eps


def gammainc_a_derivatives(a, x):
    """``(dP/da, d2P/da2)`` at broadcast ``a``, ``x`` (computed in float64); NaN outside
    ``a > 0, x >= 0``; 0 at ``x == 0`` and ``x == inf``."""
    dtype = np.result_type(np.asarray(a), np.asarray(x), np.float32)
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    d1 = np.full(a.shape, np.nan)
    d2 = np.full(a.shape, np.nan)
    valid = (a > 0) & (x >= 0)
    edge = valid & ((x == 0) | np.isinf(x))
    d1[edge] = d2[edge] = 0.0
    inner = valid & ~edge
    series = inner & (x < a + 1)
    fraction = inner & ~series
    if series.any():
        d1[series], d2[series] = _by_series(a[series], x[series])
    if fraction.any():
        d1[fraction], d2[fraction] = _by_fraction(a[fraction], x[fraction])
    return d1.astype(dtype, copy=False), d2.astype(dtype, copy=False)


def _by_series(a, x):
    special = scipy_module("special")
    one, zero = np.ones_like(a), np.zeros_like(a)

    def step(k, state):
        a, x, term, total, total_d, total_dd, d_sum, e_sum = state
        ak = a + k
        term = term * x / ak
        d_sum = d_sum - 1 / ak
        e_sum = e_sum + 1 / (ak * ak)
        total = total + term
        total_d = total_d + term * d_sum
        total_dd = total_dd + term * (d_sum * d_sum + e_sum)
        return (a, x, term, total, total_d, total_dd, d_sum, e_sum), term <= _TOL * 1e-3 * total

    _, _, _, total, total_d, total_dd, _, _ = until_converged(
        (a, x, one, one, zero, zero, zero, zero), step)
    p = np.exp(a * np.log(x) - x - special.gammaln(a + 1) + np.log(total))
    first = np.log(x) - special.polygamma(0, a + 1) + total_d / total
    second = -special.polygamma(1, a + 1) + total_dd / total - (total_d / total) ** 2
    return p * first, p * (first * first + second)


def _by_fraction(a, x):
    special = scipy_module("special")
    one, zero = np.ones_like(a), np.zeros_like(a)

    def step(n, state):
        # levels n-2 (a2 …) and n-1 (a1 …) of numerators A and denominators B, with their
        # a-derivatives, and the current value of the fraction h
        a, x, a2, a2d, a2dd, b2, b2d, b2dd, a1, a1d, a1dd, b1, b1d, b1dd, h, hd, hdd = state
        bn, bn_d = x + (2 * n - 1) - a, -1.0
        an, an_d = (1.0, 0.0) if n == 1 else (-(n - 1) * ((n - 1) - a), n - 1.0)
        a0 = bn * a1 + an * a2
        a0d = bn_d * a1 + bn * a1d + an_d * a2 + an * a2d
        a0dd = 2 * bn_d * a1d + bn * a1dd + 2 * an_d * a2d + an * a2dd
        b0 = bn * b1 + an * b2
        b0d = bn_d * b1 + bn * b1d + an_d * b2 + an * b2d
        b0dd = 2 * bn_d * b1d + bn * b1dd + 2 * an_d * b2d + an * b2dd
        # rescale levels n and n-1 by 1/B_n: the ratios (and so h, h', h'') are unchanged
        s = 1 / b0
        a2, a2d, a2dd, b2, b2d, b2dd = a1 * s, a1d * s, a1dd * s, b1 * s, b1d * s, b1dd * s
        a1, a1d, a1dd = a0 * s, a0d * s, a0dd * s
        b1, b1d, b1dd = np.ones_like(s), b0d * s, b0dd * s
        new = (a1, a1d - a1 * b1d, a1dd - 2 * (a1d - a1 * b1d) * b1d - a1 * b1dd)
        done = np.ones(s.shape, dtype=bool)
        for old_v, new_v in zip((h, hd, hdd), new):
            done &= np.abs(new_v - old_v) <= _TOL * np.abs(new_v)
        return (a, x, a2, a2d, a2dd, b2, b2d, b2dd, a1, a1d, a1dd, b1, b1d, b1dd) + new, done

    state = until_converged((a, x, one, zero, zero, zero, zero, zero, zero, zero, zero, one,
                             zero, zero, zero, zero, zero), step)
    h, hd, hdd = state[-3:]
    q = np.exp(a * np.log(x) - x - special.gammaln(a) + np.log(h))
    first = np.log(x) - special.polygamma(0, a) + hd / h
    second = -special.polygamma(1, a) + hdd / h - (hd / h) ** 2
    return -q * first, -q * (first * first + second)
