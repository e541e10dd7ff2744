"""More elementwise functions of ``dualad.numpy``: remainders, ``hypot``, NaN-aware extrema,
angle conversions and sign manipulation.

Non-smooth points follow JAX's conventions (each docstring says which). ``mod``, ``fmod``,
``floor_divide``, ``hypot`` and ``logaddexp2`` are primitives
(``dualad/primitives/remainders.py``); the others
are written with differentiable ``dnp`` functions and need no rule of their own. Decisions
taken from values (NaN masks, signs) go through the non-differentiated ``dnp`` functions, so that
``ad.jit`` guards them (NOTE: staged decisions in ``dualad/compiler/tracing.py``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, dtype_of
from ..primitives import remainders as _rem
from ._creation import asarray, astype
from ._ufuncs import (_binary, _not_differentiated, abs, equal, isnan, maximum, minimum,
                      negative, power, reject_kwargs, where)
from ..typing import Array, ArrayLike

mod = remainder = _binary(_rem.mod, "mod")
mod.__doc__ = """``np.mod`` (also ``remainder`` and ``x % y``): the remainder with the sign of
``y``. The derivative is 1 in ``x`` and ``-floor(x / y)`` in ``y`` (JAX's convention; the jumps
are not differentiated).

>>> import dualad as ad, dualad.numpy as dnp
>>> float(ad.grad(lambda y: dnp.mod(7.0, y))(2.0))
-3.0
"""
fmod = _binary(_rem.fmod)
fmod.__doc__ = """``np.fmod``: the remainder with the sign of ``x`` (C's ``fmod``). The
derivative is 1 in ``x`` and ``-trunc(x / y)`` in ``y``.

>>> float(dnp.fmod(-7.0, 2.0))
-1.0
"""
hypot = _binary(_rem.hypot)
hypot.__doc__ = """``np.hypot``: ``sqrt(x**2 + y**2)`` without overflow. The derivative is
``(x, y) / hypot``, taken as 0 at the origin (as ``abs`` at 0).

>>> float(dnp.hypot(3.0, 4.0))
5.0
"""
logaddexp2 = _binary(_rem.logaddexp2)
logaddexp2.__doc__ = """``np.logaddexp2``: ``log2(2**x + 2**y)`` without overflow.

>>> float(dnp.logaddexp2(1.0, 1.0))
2.0
"""

signbit = _not_differentiated(np.signbit)
_isposinf, _isneginf = _not_differentiated(np.isposinf), _not_differentiated(np.isneginf)
_heaviside = _not_differentiated(np.heaviside)


def floor_divide(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
    """``np.floor_divide`` (``x // y``): piecewise constant, so its derivative is zero (as in
    JAX); the result stays a traced value.

    >>> float(dnp.floor_divide(7.0, 2.0))
    3.0
    """
    if kwargs:
        reject_kwargs("floor_divide", kwargs)
    return _rem.floor_divide(x, y)


def divmod(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> tuple[Array, Array]:
    """``np.divmod``: ``(floor_divide(x, y), mod(x, y))``; the quotient's derivative is zero.

    >>> [float(v) for v in dnp.divmod(7.0, 2.0)]
    [3.0, 1.0]
    """
    if kwargs:
        reject_kwargs("divmod", kwargs)
    return floor_divide(x, y), mod(x, y)


def fabs(x: ArrayLike, **kwargs: Any) -> Array:
    """``np.fabs``: the absolute value of a real array (derivative 0 at 0, as ``abs``).

    >>> float(dnp.fabs(-2.5))
    2.5
    """
    if kwargs:
        reject_kwargs("fabs", kwargs)
    if np.iscomplexobj(raw_value(x)):
        raise TypeError("dualad.numpy.fabs: complex input is not supported (NumPy's fabs is "
                        "real-only); use dnp.abs")
    return abs(x)


def fmax(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
    """``np.fmax``: the elementwise maximum ignoring NaN (a NaN loses to a number; the
    derivative goes to the number). Ties share the derivative as ``maximum``.

    >>> float(dnp.fmax(np.nan, 1.0))
    1.0
    """
    if kwargs:
        reject_kwargs("fmax", kwargs)
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
    """``np.fmin``: the elementwise minimum ignoring NaN (see ``fmax``).

    >>> float(dnp.fmin(np.nan, 1.0))
    1.0
    """
    if kwargs:
        reject_kwargs("fmin", kwargs)
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def deg2rad(x: ArrayLike, **kwargs: Any) -> Array:
    """``np.deg2rad`` (also ``radians``): ``x * pi / 180``.

    >>> float(dnp.deg2rad(180.0))
    3.141592653589793
    """
    if kwargs:
        reject_kwargs("deg2rad", kwargs)
    return asarray(x) * (np.pi / 180.0)


def rad2deg(x: ArrayLike, **kwargs: Any) -> Array:
    """``np.rad2deg`` (also ``degrees``): ``x * 180 / pi``.

    >>> float(dnp.rad2deg(np.pi))
    180.0
    """
    if kwargs:
        reject_kwargs("rad2deg", kwargs)
    return asarray(x) * (180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


def nan_to_num(x: ArrayLike, copy: bool = True, nan: ArrayLike = 0.0,
               posinf: ArrayLike | None = None, neginf: ArrayLike | None = None) -> Array:
    """``np.nan_to_num``: NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``
    (by default 0 and the largest finite numbers of the dtype). The derivative is 1 at finite
    elements and 0 at replaced ones (as JAX).

    >>> dnp.nan_to_num(np.array([np.nan, 1.0]))
    array([0., 1.])
    """
    value = raw_value(x)
    if not isinstance(x, Box):
        return np.nan_to_num(value, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if isinstance(v, Box):
            raise TypeError(f"dualad.numpy.nan_to_num: {name}= must be a constant, not a "
                            "differentiated value")
    info = np.finfo(value.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    replaced = where(isnan(x), nan, x)
    replaced = where(_isposinf(x), posinf, replaced)
    return where(_isneginf(x), neginf, replaced)


def copysign(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
    """``np.copysign``: ``|x|`` with the sign of ``y`` (its sign bit, so ``-0.0`` counts as
    negative). Differentiated in ``x`` (derivative ``±sign(x)``, 0 at 0); ``y`` only
    contributes its sign, whose derivative is 0.

    >>> float(dnp.copysign(2.0, -0.0))
    -2.0
    """
    if kwargs:
        reject_kwargs("copysign", kwargs)
    if not isinstance(x, Box):
        return np.copysign(x, raw_value(y))
    magnitude = abs(x)
    return where(signbit(y), negative(magnitude), magnitude)


def heaviside(x1: ArrayLike, x2: ArrayLike, **kwargs: Any) -> Array:
    """``np.heaviside``: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``. The
    derivative in ``x1`` is 0 (as JAX); in ``x2`` it is 1 where ``x1 == 0``.

    >>> dnp.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ])
    """
    if kwargs:
        reject_kwargs("heaviside", kwargs)
    if not isinstance(x2, Box):
        return _heaviside(x1, x2)
    return where(equal(x1, 0), x2, _heaviside(x1, np.zeros((), dtype=raw_value(x2).dtype)))


def float_power(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
    """``np.float_power``: ``x ** y`` computed in float64, or complex128 for complex input
    (derivatives as ``power``).

    >>> float(dnp.float_power(2, 3))
    8.0
    """
    if kwargs:
        reject_kwargs("float_power", kwargs)
    dtype = np.result_type(dtype_of(x), dtype_of(y), np.float64)
    return power(astype(x, dtype), astype(y, dtype))


__all__ = ["mod", "remainder", "fmod", "floor_divide", "divmod", "hypot", "fabs", "fmax", "fmin",
           "logaddexp2", "deg2rad", "rad2deg", "degrees", "radians", "nan_to_num", "copysign",
           "heaviside", "float_power", "signbit"]
