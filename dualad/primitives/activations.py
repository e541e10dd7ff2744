"""The standard normal CDF, for ``GELU`` (``x * Phi(x)``) in ``dualad.nn``.

Its derivative, the normal density ``exp(-x**2 / 2) / sqrt(2 pi)``, is written with dualad
operations, so it is differentiable again. The values come from SciPy's ``ndtr`` when SciPy is
installed (imported lazily), otherwise from ``math.erf`` element by element (exact, slower).
"""
import math

import numpy as np

from .elementwise import Unary, exp

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_erf_loop = np.frompyfunc(math.erf, 1, 1)


def _normal_cdf(x):
    x = np.asarray(x)
    try:
        from scipy.special import ndtr
    except ImportError:
        return (0.5 * (1.0 + _erf_loop(x / math.sqrt(2.0)))).astype(x.dtype)
    return ndtr(x).astype(x.dtype, copy=False)


normal_cdf = Unary("nn.normal_cdf", _normal_cdf,
                   lambda ans, x: exp(x * x * -0.5) * _INV_SQRT_2PI)
