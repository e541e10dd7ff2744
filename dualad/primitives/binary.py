"""Broadcasting binary primitives and ``where``.

Each is declared with ``broadcasts=True``: the per-argument rules below are written as if no
broadcasting happened, and the registry aligns tangents and un-broadcasts cotangents around
them (``Primitive.jvp`` / ``Primitive.backward``). Most rules serve both modes: the JVP of
argument i is ``t * d_i`` and its VJP ``g * d_i``.

NOTE: negation here. ``elementwise.py`` builds on this module, so the rules write ``-v`` for its
``negative`` primitive: on a box the operator binds that primitive, on a plain array it is
NumPy's ``negative``, the primitive's value function. (``power`` and ``logaddexp``, whose
derivatives need ``exp`` and ``log``, are declared in ``logexp.py``.)
"""
import operator as op

import numpy as np

from .._core.backend import raw_value
from ._compiled_rules import unchanged
from .._core.primitive import Box, Primitive
from .._kernels import arithmetic_value, product_rule


def _both(partial):
    """(JVP rule, VJP rule) for an argument whose partial derivative is ``partial(ans, x, y)``."""
    return (lambda t, ans, x, y: multiply(t, partial(ans, x, y)),
            lambda g, ans, x, y: multiply(g, partial(ans, x, y)))


def _binary(name, impl, dx, dy):
    (jx, vx), (jy, vy) = _both(dx), _both(dy)
    return Primitive(name, impl, jvp=(jx, jy), vjp=(vx, vy), broadcasts=True, batched=True)


def _tie_share(ans, x, y, beats=op.gt):
    """Weight of ``x`` in ``maximum(x, y)`` (``minimum`` with ``beats=op.lt``): 1 where it
    wins, 0.5 at ties (API.md section 8).

    A NaN wins (``np.maximum`` and ``np.minimum`` propagate it) and takes the derivative, as in
    the reductions ``max``/``min``; two NaNs tie. Without this a NaN result would get the
    derivative 0 in both arguments: a silent zero where the value says NaN."""
    xr, yr = raw_value(x), raw_value(y)
    dtype = np.result_type(raw_value(ans))
    x_nan, y_nan = np.isnan(xr), np.isnan(yr)
    wins = beats(xr, yr) | (x_nan & ~y_nan)
    ties = (xr == yr) | (x_nan & y_nan)
    return np.where(wins, 1.0, np.where(ties, 0.5, 0.0)).astype(dtype)


def _neg_t(t, ans, x, y):
    return -t


def _subtract_jvp(tangents, ans, x, y):
    """``tx - ty`` in one pass (summing ``tx`` and ``-ty`` would take two)."""
    tx, ty = tangents
    if ty is None:
        return tx
    return -ty if tx is None else subtract(tx, ty)


add = Primitive("add", arithmetic_value(np.add, op.add), jvp=(unchanged, unchanged),
                vjp=(unchanged, unchanged), broadcasts=True, saves_values=False, batched=True)
subtract = Primitive("subtract", arithmetic_value(np.subtract, op.sub),
                     jvp=_subtract_jvp, vjp=(unchanged, _neg_t), broadcasts=True,
                     saves_values=False, batched=True)


def _times_y(t, ans, x, y):
    return multiply(t, y)


def _times_x(t, ans, x, y):
    return multiply(t, x)


def _multiply_jvp(tangents, ans, x, y):
    """``tx * y + ty * x``. With both tangents and no box among the four (nothing will
    differentiate the result again), one fused pass instead of two products and a sum."""
    tx, ty = tangents
    if ty is None:
        return multiply(tx, y)
    if tx is None:
        return multiply(ty, x)
    if isinstance(tx, Box) or isinstance(ty, Box) or isinstance(x, Box) or isinstance(y, Box):
        return add(multiply(tx, y), multiply(ty, x))
    return product_rule(tx, y, ty, x)


# the VJPs are written out (W1's hot path): g * y and g * x; on plain arrays of one shape the
# sweep adds them into the running sums itself (sweep_step)
multiply = Primitive("multiply", arithmetic_value(np.multiply, op.mul),
                     jvp=_multiply_jvp, vjp=(_times_y, _times_x), broadcasts=True,
                     sweep_step="product", batched=True)


def _over_y(t, ans, x, y):
    # t / y, not t * reciprocal(y): the reciprocal of an integer y is 0, and of a Python float a
    # float64 scalar that would promote float32 tangents
    return divide(t, y)


_jvp_dy, _vjp_dy = _both(lambda ans, x, y: -divide(ans, y))
divide = Primitive("divide", arithmetic_value(np.divide, op.truediv),
                   jvp=(_over_y, _jvp_dy), vjp=(_over_y, _vjp_dy), broadcasts=True, batched=True)
maximum = _binary("maximum", np.maximum, _tie_share, lambda ans, x, y: _tie_share(ans, y, x))
minimum = _binary("minimum", np.minimum, lambda ans, x, y: _tie_share(ans, x, y, op.lt),
                  lambda ans, x, y: _tie_share(ans, y, x, op.lt))
arctan2 = _binary("arctan2", np.arctan2,
                  lambda ans, y, x: divide(x, x * x + y * y),
                  lambda ans, y, x: -divide(y, x * x + y * y))


def _where_impl(x, y, cond):
    return np.where(cond, x, y)


where_p = Primitive(
    "where", _where_impl,
    jvp=(lambda t, ans, x, y, cond: where(cond, t, 0.0),
         lambda t, ans, x, y, cond: where(cond, 0.0, t)),
    vjp=(lambda g, ans, x, y, cond: where(cond, g, 0.0),
         lambda g, ans, x, y, cond: where(cond, 0.0, g)),
    broadcasts=True, batched=True)


def where(cond, x, y):
    """``np.where(cond, x, y)``; ``cond`` is not differentiated."""
    return where_p(x, y, cond=raw_value(cond))

