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

_MAX_TERMS = 100000
_EPS = np.finfo(np.float64).eps


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
    gammaln, polygamma = special.gammaln, special.polygamma
    term = np.ones_like(a)
    total, total_d, total_dd = term.copy(), np.zeros_like(a), np.zeros_like(a)
    d_sum, e_sum = np.zeros_like(a), np.zeros_like(a)
    active = np.ones(a.shape, dtype=bool)
    for k in range(1, _MAX_TERMS):
        ak = a + k
        term = term * x / ak
        d_sum = d_sum - 1 / ak
        e_sum = e_sum + 1 / (ak * ak)
        step = np.where(active, term, 0.0)
        total = total + step
        total_d = total_d + step * d_sum
        total_dd = total_dd + step * (d_sum * d_sum + e_sum)
        active &= term > _EPS * 1e-3 * total
        if not active.any():
            break
    log_p = a * np.log(x) - x - gammaln(a + 1) + np.log(total)
    p = np.exp(log_p)
    first = np.log(x) - polygamma(0, a + 1) + total_d / total
    second = -polygamma(1, a + 1) + total_dd / total - (total_d / total) ** 2
    return p * first, p * (first * first + second)


def _by_fraction(a, x):
    special = scipy_module("special")
    gammaln, polygamma = special.gammaln, special.polygamma
    zero = np.zeros_like(a)
    # levels n-2 and n-1 of numerators A and denominators B, with their a-derivatives
    a2, a2d, a2dd, b2, b2d, b2dd = np.ones_like(a), zero, zero, zero, zero, zero
    a1, a1d, a1dd, b1, b1d, b1dd = zero, zero, zero, np.ones_like(a), zero, zero
    h, hd, hdd = zero, zero, zero
    active = np.ones(a.shape, dtype=bool)
    for n in range(1, _MAX_TERMS):
        bn, bn_d = x + (2 * n - 1) - a, -1.0
        an, an_d = (np.ones_like(a), 0.0) if n == 1 else (-(n - 1) * ((n - 1) - a), n - 1.0)
        a0 = bn * a1 + an * a2
        a0d = bn_d * a1 + bn * a1d + an_d * a2 + an * a2d
        a0dd = 2 * bn_d * a1d + bn * a1dd + 2 * an_d * a2d + an * a2dd
        b0 = bn * b1 + an * b2
        b0d = bn_d * b1 + bn * b1d + an_d * b2 + an * b2d
        b0dd = 2 * bn_d * b1d + bn * b1dd + 2 * an_d * b2d + an * b2dd
        # rescale levels n and n-1 by 1/B_n: the ratios (and so h, h', h'') are unchanged
        s = 1 / b0
        a2, a2d, a2dd, b2, b2d, b2dd = a1 * s, a1d * s, a1dd * s, b1 * s, b1d * s, b1dd * s
        a1, a1d, a1dd, b1, b1d, b1dd = a0 * s, a0d * s, a0dd * s, 1.0, b0d * s, b0dd * s
        new_h = a1
        new_hd = a1d - new_h * b1d
        new_hdd = a1dd - 2 * new_hd * b1d - new_h * b1dd
        moved = (np.abs(new_h - h) > _EPS * np.abs(new_h)) | (
            np.abs(new_hd - hd) > _EPS * np.abs(new_hd)) | (
            np.abs(new_hdd - hdd) > _EPS * np.abs(new_hdd))
        h = np.where(active, new_h, h)
        hd = np.where(active, new_hd, hd)
        hdd = np.where(active, new_hdd, hdd)
        active &= moved
        if not active.any():
            break
    log_q = a * np.log(x) - x - gammaln(a) + np.log(h)
    q = np.exp(log_q)
    first = np.log(x) - polygamma(0, a) + hd / h
    second = -polygamma(1, a) + hdd / h - (hd / h) ** 2
    return -q * first, -q * (first * first + second)
