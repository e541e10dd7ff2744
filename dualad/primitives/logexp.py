"""``power`` and ``logaddexp``: broadcasting binary primitives whose derivatives are written
with ``log`` and ``exp``, so they are declared here, above both ``binary.py`` (the arithmetic
and the helpers they share) and ``elementwise.py`` (``exp``, ``log``).
"""
import operator as op

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, Primitive, ndim_of
from .._kernels import arithmetic_value
from .binary import _binary, _both, multiply, where
from .elementwise import exp, log


def _scaled(g, c, v):
    """``g * (c * v)`` for a constant ``c``. Scaling a traced value costs a pass over its
    tangents as well, so ``c`` goes on ``g`` when only ``v`` is traced (a plain cotangent
    meeting a forward-traced operand, as in forward-over-reverse Hessians)."""
    if isinstance(v, Box) and not isinstance(g, Box):
        return multiply(multiply(g, c), v)
    return multiply(g, multiply(v, c))


def _power_x(g, ans, x, y):
    # g * d/dx x**y = g * y x**(y-1), taken as 0 at x == y == 0 (0**0 has derivative 0, not
    # 0 * inf). Masked there only: elsewhere y x**(y-1) is finite at y == 0 and its own
    # derivative in y (x**-1 there) must survive for the Hessian to be symmetric.
    yr = raw_value(y)
    if ndim_of(yr) == 0 and not isinstance(y, Box):  # a constant exponent: no masking pass
        if yr == 0:
            return multiply(g, np.zeros_like(raw_value(ans)))
        return _scaled(g, yr, x if yr == 2 else power(x, yr - 1))
    both_zero = (yr == 0) & (raw_value(x) == 0)
    return multiply(g, where(both_zero, 0.0, multiply(y, power(x, y - 1))))


def _power_dy(ans, x, y):
    # d/dy x**y = x**y log x, taken as 0 where x == 0
    zero = raw_value(x) == 0
    return where(zero, 0.0, multiply(ans, log(where(zero, 1.0, x))))


_jvp_power_dy, _vjp_power_dy = _both(_power_dy)
power = Primitive("power", arithmetic_value(np.power, op.pow), jvp=(_power_x, _jvp_power_dy),
                  vjp=(_power_x, _vjp_power_dy), broadcasts=True, batched=True)
logaddexp = _binary("logaddexp", np.logaddexp,
                    lambda ans, x, y: exp(x - ans), lambda ans, x, y: exp(y - ans))
