"""``S_m(x, q) = sum_{k>=0} log(k+q)^m (k+q)^-x``, the m-th derivative of the Hurwitz zeta
function in ``x`` up to the sign ``(-1)^m``, on plain NumPy arrays.

# Design: Euler-Maclaurin summation. With ``f(t) = log(t+q)^m (t+q)^-x``,
# ``S_m = sum_{k<N} f(k) + int_N^inf f + f(N)/2 - sum_{j<=J} B_2j/(2j)! f^(2j-1)(N)``.
# The integral is ``e^{-s u} sum_i m!/i! u^i / s^(m-i+1)`` with ``u = log(N+q)``, ``s = x-1``;
# the derivatives of f are ``(t+q)^(-x-r) P_r(log(t+q))`` with polynomials
# ``P_{r+1} = -(x+r) P_r + P_r'``, ``P_0 = L^m``. The formula is analytic in x, so it is also
# the continuation of ``S_m`` to ``x < 1`` (where ``zeta`` is continued), x != 1.
"""
from math import factorial

import numpy as np

# B_2, B_4, ..., B_20
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)


def log_moment(m, x, q):
    """``S_m(x, q)`` at broadcast ``x``, ``q`` (computed in float64); NaN where ``q <= 0`` or
    ``x == 1``."""
    dtype = np.result_type(np.asarray(x), np.asarray(q), np.float32)
    x, q = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(q, dtype=np.float64))
    out = np.full(x.shape, np.nan)
    ok = (q > 0) & (x != 1) & np.isfinite(x) & np.isfinite(q)
    if ok.any():
        out[ok] = _euler_maclaurin(m, x[ok], q[ok])
    return out.astype(dtype, copy=False)


# terms summed directly: enough for the remainder to vanish for every x >= -1/2 (for large x
# the tail is negligible against the first terms); more would only cancel more digits for x < 1
_TERMS = 20


def _euler_maclaurin(m, x, q):
    n = _TERMS
    w = q + np.arange(n)[:, None]                      # (n, points)
    total = np.sum(np.log(w) ** m * w ** -x, axis=0)
    end = q + n
    u, s = np.log(end), x - 1
    integral = sum(factorial(m) / factorial(i) * u ** i / s ** (m - i + 1)
                   for i in range(m + 1)) * np.exp(-s * u)
    # P_r as coefficients of L^0 ... L^m, starting from L^m
    poly = np.zeros((m + 1,) + x.shape)
    poly[m] = 1.0
    powers = u ** np.arange(m + 1)[:, None]

    def value(p, r):
        return np.sum(p * powers, axis=0) * end ** (-x - r)

    correction = 0.5 * value(poly, 0)
    for r in range(2 * len(_BERNOULLI)):
        derivative = np.zeros_like(poly)              # P_r' in L
        derivative[:-1] = poly[1:] * np.arange(1, m + 1)[:, None]
        poly = -(x + r) * poly + derivative
        if r % 2 == 0:                                # poly is now P_{r+1}, r + 1 odd
            j = r // 2 + 1
            correction = correction - _BERNOULLI[j - 1] / factorial(2 * j) * value(poly, r + 1)
    return total + integral + correction
