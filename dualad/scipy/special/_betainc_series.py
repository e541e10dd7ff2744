"""Derivatives of the regularized incomplete beta function ``I_x(a, b)`` in ``a`` and ``b``, to
second order, on plain NumPy arrays (the values behind the ``betainc_d..`` primitives of
``_incomplete.py``).

# Design: the continued fraction of ``I_x(a, b)`` (Numerical Recipes' ``betacf``; differentiated
# as in Boik and Robison-Cox, 1998) is evaluated on second-order jets in (a, b): every number
# carries its value, gradient and Hessian, so the same forward recurrence of numerators and
# denominators yields the fraction's derivatives. ``I = exp(log prefactor) * fraction`` with the
# prefactor ``x^a (1-x)^b / (a B(a, b))`` differentiated in closed form. Where
# ``x > (a + 1)/(a + b + 2)`` the fraction converges slowly, so ``1 - I_{1-x}(b, a)`` is used,
# with a and b swapped in the derivatives.
"""
import threading

import numpy as np

from .._scipy import scipy_module
from ._iterate import until_converged

# relative change that ends the iteration: the jets' rounding jitters at a few eps
_TOL = 8 * np.finfo(np.float64).eps

# jet components: value, d/da, d/db, d2/da2, d2/dadb, d2/db2
_V, _A, _B, _AA, _AB, _BB = range(6)


def _mul(p, q):
    """The product of two jets (second order)."""
    return np.stack([
        p[_V] * q[_V],
        p[_A] * q[_V] + p[_V] * q[_A],
        p[_B] * q[_V] + p[_V] * q[_B],
        p[_AA] * q[_V] + 2 * p[_A] * q[_A] + p[_V] * q[_AA],
        p[_AB] * q[_V] + p[_A] * q[_B] + p[_B] * q[_A] + p[_V] * q[_AB],
        p[_BB] * q[_V] + 2 * p[_B] * q[_B] + p[_V] * q[_BB]])


def _div(p, q):
    """The quotient of two jets (second order)."""
    r = np.empty_like(p)
    r[_V] = p[_V] / q[_V]
    r[_A] = (p[_A] - r[_V] * q[_A]) / q[_V]
    r[_B] = (p[_B] - r[_V] * q[_B]) / q[_V]
    r[_AA] = (p[_AA] - 2 * r[_A] * q[_A] - r[_V] * q[_AA]) / q[_V]
    r[_AB] = (p[_AB] - r[_A] * q[_B] - r[_B] * q[_A] - r[_V] * q[_AB]) / q[_V]
    r[_BB] = (p[_BB] - 2 * r[_B] * q[_B] - r[_V] * q[_BB]) / q[_V]
    return r


def _exp(p):
    e = np.exp(p[_V])
    return np.stack([e, e * p[_A], e * p[_B], e * (p[_AA] + p[_A] ** 2),
                     e * (p[_AB] + p[_A] * p[_B]), e * (p[_BB] + p[_B] ** 2)])


def _variable(value, which):
    j = np.zeros((6,) + value.shape)
    j[_V] = value
    j[which] = 1.0
    return j


def _constant(value):
    j = np.zeros((6,) + np.shape(value))
    j[_V] = value
    return j


def _fraction(a, b, x):
    """The continued fraction ``1/(1+ d1/(1+ d2/(1+ ...)))`` as a jet in (a, b), by the
    forward recurrence ``A_n = A_{n-1} + d_{n-1} A_{n-2}`` (the same for B)."""
    one, zero = _constant(np.ones_like(a)), _constant(np.zeros_like(a))

    def step(n, state):
        # levels n-2 and n-1 of the numerators and denominators, and the current fraction
        a, b, x, num2, den2, num1, den1, h = state
        ja, jb = _variable(a, _A), _variable(b, _B)
        unit = _constant(np.ones_like(a))
        if n == 1:                          # partial numerators: 1, then d_1, d_2, ...
            d = unit
        elif n % 2 == 0:        # d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
            m = (n - 2) // 2
            d = _div(_mul(_mul(ja + m * unit, ja + jb + m * unit), _constant(-x)),
                     _mul(ja + 2 * m * unit, ja + (2 * m + 1) * unit))
        else:                   # d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
            m = (n - 1) // 2
            d = _div(_mul(jb - m * unit, _constant(m * x)),
                     _mul(ja + (2 * m - 1) * unit, ja + 2 * m * unit))
        num0 = num1 + _mul(d, num2)
        den0 = den1 + _mul(d, den2)
        # rescale levels n and n-1 by 1/B_n (a plain number): the ratios are unchanged
        s = 1 / den0[_V]
        new = _div(num0 * s, den0 * s)
        done = np.all(np.abs(new - h) <= _TOL * np.abs(new), axis=0)
        return (a, b, x, num1 * s, den1 * s, num0 * s, den0 * s, new), done

    # A_-1 = 1, B_-1 = 0; A_0 = 0, B_0 = 1
    return until_converged((a, b, x, one, zero, zero, one, zero), step)[-1]


def _log_prefactor(a, b, x):
    """``log(x^a (1-x)^b / (a B(a, b)))`` as a jet in (a, b)."""
    special = scipy_module("special")
    psi, psi1 = special.digamma, (lambda z: special.polygamma(1, z))
    lx, l1x = np.log(x), np.log1p(-x)
    return np.stack([
        a * lx + b * l1x - np.log(a) - special.betaln(a, b),
        lx - 1 / a - psi(a) + psi(a + b),
        l1x - psi(b) + psi(a + b),
        1 / a ** 2 - psi1(a) + psi1(a + b),
        psi1(a + b),
        -psi1(b) + psi1(a + b)])


def betainc_ab_derivatives(a, b, x):
    """``[dI/da, dI/db, d2I/da2, d2I/dadb, d2I/db2]`` at broadcast ``a``, ``b``, ``x``
    (computed in float64); NaN outside ``0 < a, b < inf, 0 <= x <= 1``, 0 at ``x`` = 0 or 1.

    The five come from one evaluation, and a derivative rule asks for several of them at the
    same point (a Hessian for all five): the results for small arguments are remembered (a
    few, keyed by the arguments' bytes, so no caller array is kept)."""
    key = _key(a, b, x)
    with _LOCK:
        out = _RECENT.get(key)
    if out is None:
        out = _evaluate(a, b, x)
        out.flags.writeable = False
        if key is not None:
            with _LOCK:
                if len(_RECENT) >= 8:
                    _RECENT.pop(next(iter(_RECENT)))
                _RECENT[key] = out
    return out


_RECENT = {}
_LOCK = threading.Lock()


def _key(*arrays):
    arrays = [np.asarray(v) for v in arrays]
    if sum(v.size for v in arrays) > 3000:
        return None
    return tuple((v.shape, v.dtype.str, v.tobytes()) for v in arrays)


def _evaluate(a, b, x):
    dtype = np.result_type(np.asarray(a), np.asarray(b), np.asarray(x), np.float32)
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    out = np.full((5,) + a.shape, np.nan)
    # an infinite a or b is outside too: its continued fraction never converges (it would run
    # until_converged's MAX_TERMS steps, minutes, to answer NaN)
    valid = (a > 0) & (b > 0) & (a < np.inf) & (b < np.inf) & (x >= 0) & (x <= 1)
    ends = valid & ((x == 0) | (x == 1))
    out[:, ends] = 0.0
    inner = valid & ~ends
    direct = inner & (x < (a + 1) / (a + b + 2))
    swapped = inner & ~direct
    if direct.any():
        ad, bd, xd = a[direct], b[direct], x[direct]
        jet = _mul(_exp(_log_prefactor(ad, bd, xd)), _fraction(ad, bd, xd))
        out[:, direct] = jet[1:]
    if swapped.any():
        # I_x(a, b) = 1 - I_{1-x}(b, a): derivatives are minus those of the swapped jet, whose
        # first variable is b
        a_s, b_s, x_s = b[swapped], a[swapped], 1 - x[swapped]
        jet = _mul(_exp(_log_prefactor(a_s, b_s, x_s)), _fraction(a_s, b_s, x_s))
        out[:, swapped] = -jet[[_B, _A, _BB, _AB, _AA]]
    return out.astype(dtype, copy=False)
