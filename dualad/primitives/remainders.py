"""More broadcasting binary primitives: ``mod``, ``fmod``, ``floor_divide``, ``hypot`` and
``logaddexp2``.

Their values are NumPy's ufuncs (composing them from ``floor`` and ``divide`` would not round
as NumPy does); their derivatives follow JAX's conventions:

- ``mod(x, y) = x - floor(x / y) * y``: 1 in ``x`` and ``-floor(x / y)`` in ``y``;
- ``fmod(x, y) = x - trunc(x / y) * y``: 1 in ``x`` and ``-trunc(x / y)`` in ``y``;
  (the jumps of both are not differentiated: the quotient is piecewise constant)
- ``floor_divide(x, y)``: piecewise constant, so its derivative is a (symbolic) zero; the
  result stays traced, as in JAX, so that a recording recomputes it rather than guarding it;
- ``hypot(x, y)``: ``x / hypot`` and ``y / hypot``, taken as 0 at ``x = y = 0``
  (as the derivative of ``abs`` at 0);
- ``logaddexp2(x, y)``: ``2 ** (x - ans)`` and ``2 ** (y - ans)``.
"""
import numpy as np

from .._core.backend import array_module, raw_value
from ._compiled_rules import unchanged
from .._core.primitive import Primitive
from .binary import _binary, _both, divide, where
from .elementwise import exp2


def _quotient_partial(rounding):
    """``-rounding(x / y)``: the derivative in ``y`` of ``x - rounding(x / y) * y``; piecewise
    constant, so a plain array (its own derivative is zero)."""
    def partial(ans, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -rounding(raw_value(x) / raw_value(y))
    return partial


def _remainder(name, impl, rounding):
    jy, vy = _both(_quotient_partial(rounding))
    return Primitive(name, impl, jvp=(unchanged, jy), vjp=(unchanged, vy), broadcasts=True,
                     batched=True)


mod = _remainder("mod", np.mod, np.floor)
fmod = _remainder("fmod", np.fmod, np.trunc)


def _zero_tangent(tangents, ans, x, y):
    """A materialised zero: the result stays a ``Dual``, traced as in reverse mode, so that
    escaping it raises in both modes."""
    k = next(t for t in tangents if t is not None).shape[0]
    value = raw_value(ans)
    return array_module(value).zeros((k,) + value.shape, dtype=value.dtype)


def _zero_cotangents(g, ans, x, y):
    return None, None


floor_divide = Primitive("floor_divide", np.floor_divide, jvp=_zero_tangent,
                         vjp=_zero_cotangents, broadcasts=True, saves_values=False, batched=True)


def _over_hypot(ans, v):
    """``v / ans``, and 0 where ``ans`` is 0."""
    zero = raw_value(ans) == 0
    return where(zero, 0.0, divide(v, where(zero, 1.0, ans)))


hypot = _binary("hypot", np.hypot, lambda ans, x, y: _over_hypot(ans, x),
                lambda ans, x, y: _over_hypot(ans, y))
logaddexp2 = _binary("logaddexp2", np.logaddexp2, lambda ans, x, y: exp2(x - ans),
                     lambda ans, x, y: exp2(y - ans))
