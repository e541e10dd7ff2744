"""What the distributions share: parameter checks, supports, standardization, SciPy passthrough.

# Design: every method is written with ``dualad.numpy`` and ``dualad.scipy.special`` functions,
# so it is differentiable in the data and the parameters. Conditions (inside the support, a
# valid parameter) are read from the raw values and applied with ``where`` twice: once to put a
# harmless value into the entries that are outside (``inside``), so that no inf or NaN of an
# unused branch reaches a derivative (0 * inf = NaN), and once to put SciPy's answer there
# (``restrict``). Invalid parameters give NaN, as in SciPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..._core.backend import raw_value
from ...numpy import asarray, log, log1p, where
from .._scipy import scipy_module


def array(x):
    """``x``, with a list or tuple (of numbers or traced values) made an array, as SciPy
    accepts them."""
    return asarray(x) if isinstance(x, (list, tuple)) else x


def raw(x):
    """The value of ``x`` (a plain array) for decisions that are not differentiated."""
    return np.asarray(raw_value(x))


def inside(cond, x, safe):
    """``x`` where ``cond`` holds, ``safe`` elsewhere."""
    return where(cond, x, safe)


def restrict(cond, value, outside):
    """``value`` where ``cond`` holds, ``outside`` (SciPy's value off the support) elsewhere."""
    return where(cond, value, outside)


def positive(p):
    """``p`` where it is positive, NaN elsewhere (SciPy's answer for an invalid parameter)."""
    return where(raw(p) > 0, p, np.nan)


def probability(p):
    """``p`` where ``0 <= p <= 1``, NaN elsewhere."""
    r = raw(p)
    return where((r >= 0) & (r <= 1), p, np.nan)


def standardize(x, loc, scale):
    """``(x - loc) / scale``, NaN where ``scale <= 0``."""
    return (array(x) - loc) / positive(scale)


def scipy_rvs(name):
    """``scipy.stats.<name>.rvs`` (random samples carry no derivative)."""
    def rvs(*args: Any, **kwargs: Any) -> Any:
        return getattr(scipy_module("stats"), name).rvs(*args, **kwargs)
    rvs.__doc__ = (f"Random samples, from ``scipy.stats.{name}.rvs`` (same arguments); plain "
                   "arrays with no derivative.")
    return rvs


def counts(k, loc, lowest=0, highest=None):
    """A discrete distribution's ``k - loc``, the mask of its support (whole numbers from
    ``lowest`` to ``highest``, a raw bound or None) and ``k - loc`` set to ``lowest`` off it."""
    k = array(k) - loc
    r = raw(k)
    support = (r == np.floor(r)) & (r >= lowest)
    if highest is not None:
        support &= r <= raw(highest)
    return inside(support, k, float(lowest)), support


def floor_counts(k, loc):
    """``floor(k - loc)`` as a plain array: a discrete distribution function is piecewise
    constant in ``k`` and ``loc``."""
    return np.floor(raw(array(k) - loc))


def log_probability(lower, upper):
    """``log(lower)`` for a pair of complementary probabilities ``lower + upper == 1``:
    ``log1p(-upper)`` where ``lower > 1/2``, so ``logcdf`` stays accurate where the cdf is
    close to 1 (and ``logsf`` where the sf is), ``log(lower)`` elsewhere."""
    big = raw(lower) > 0.5
    return restrict(big, log1p(-inside(big, upper, 0.5)), log(inside(big, 0.5, lower)))


def quantile(q, standard, lowest=-np.inf, highest=np.inf):
    """``standard(q)`` for ``0 < q < 1`` (called with 1/2 in the other entries), the ends of
    the support ``lowest``/``highest`` at ``q == 0``/``q == 1``, NaN outside [0, 1] (SciPy's
    rules for ``ppf``; ``isf`` passes its ends swapped)."""
    q = array(q)
    r = raw(q)
    interior = (r > 0) & (r < 1)
    ends = np.where(r == 0, lowest, np.where(r == 1, highest, np.nan))
    return restrict(interior, standard(inside(interior, q, 0.5)), ends)
