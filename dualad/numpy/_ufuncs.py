"""Elementwise functions of ``dualad.numpy``: thin names over the primitives.

Keyword arguments NumPy accepts but dualad cannot honour (``out=``, ``where=``, ``dtype=`` …)
raise a TypeError naming them; they are never silently ignored.
"""
from __future__ import annotations

from typing import Any

import difflib
import inspect

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, dtype_of
from ..primitives import binary as _b
from ..primitives import complex as _complex
from ..primitives import elementwise as _e
from ..primitives import logexp as _logexp
from ..typing import Array, ArrayLike


# keywords NumPy's functions take that dualad's cannot honour, and what to do instead
_UNSUPPORTED = {
    "out": "dualad never writes into arrays; use the returned value (x.at[i].set(v) for a "
           "functional update)",
    "where": "there is no masked variant; select the inputs with dnp.where first",
    "dtype": "compute in the inputs' dtype, then cast the result with .astype(dtype)",
    "casting": "there are no cast variants; cast the inputs with .astype first",
    "order": "only C order is supported",
    "subok": "results are always plain arrays or dualad values",
    "signature": "ufunc signatures are not supported",
}
# PyTorch's spellings of NumPy's keywords
_RENAMED = {"dim": "axis", "keepdim": "keepdims", "input": "x", "unbiased": "ddof"}


def reject_kwargs(name, kwargs):
    """Raise a TypeError for keyword arguments the dualad.numpy function ``name`` does not
    take: each one named, with NumPy's or PyTorch's meaning and the fix."""
    if not kwargs:
        return
    reasons = []
    for key in kwargs:
        if key in _UNSUPPORTED or key in _numpy_parameters(name):
            reasons.append(f"does not support {key}=: "
                           + _UNSUPPORTED.get(key, "NumPy's option has no dualad counterpart"))
        elif key in _RENAMED:
            reasons.append(f"got an unexpected keyword argument {key!r} (PyTorch's name; "
                           f"dualad.numpy takes NumPy's {_RENAMED[key]}=)")
        else:
            hint = _closest_parameter(name, key)
            reasons.append(f"got an unexpected keyword argument {key!r}"
                           + (f" (did you mean {hint!r}?)" if hint else ""))
    raise TypeError(f"dualad.numpy.{name} " + "; ".join(reasons))


def _numpy_parameters(name):
    return _parameters(getattr(np, name, None))


def _parameters(fun):
    try:
        return list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        return []


def _closest_parameter(name, key):
    """The parameter of ``numpy.<name>`` (or the dualad function) closest to ``key``."""
    for fun in (getattr(np, name, None), _dnp_function(name)):
        found = difflib.get_close_matches(key, _parameters(fun), n=1)
        if found:
            return found[0]
    return None


def _dnp_function(name):
    from .. import numpy as dnp   # the whole namespace, complete once any error is raised
    return getattr(dnp, name, None)


def _unary(prim, name=None, real_only=False):
    name = name or prim.name

    def fn(x: ArrayLike, **kwargs: Any) -> Array:
        if kwargs:
            reject_kwargs(name, kwargs)
        if real_only:
            refuse_complex(name, x)
        return prim(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}``, differentiable in forward and reverse mode."
    return fn


def refuse_complex(name, *xs):
    """A TypeError for complex input to a function defined on real numbers only (an order
    comparison, a kink at 0), rather than a silent cast to real."""
    for x in xs:
        if np.dtype(dtype_of(x)).kind == "c":
            raise TypeError(f"dualad.numpy.{name} is defined for real input only, got dtype "
                            f"{dtype_of(x)}; take dnp.real(x) or dnp.abs(x) first")


def _binary(prim, name=None):
    name = name or prim.name

    def fn(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
        if kwargs:
            reject_kwargs(name, kwargs)
        return prim(x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` with NumPy broadcasting, differentiable in both modes."
    return fn


def _not_differentiated(npfun):
    """A NumPy function whose result carries no derivative (comparisons, sign, rounding)."""
    name = npfun.__name__

    inputs = getattr(npfun, "nin", None)   # a ufunc's arguments past its inputs are outputs

    def fn(*args: ArrayLike, **kwargs: Any) -> Any:
        if "out" in kwargs or (inputs is not None and len(args) > inputs):
            reject_kwargs(name, {"out": kwargs.get("out", args[-1])})
        return npfun(*[raw_value(a) for a in args], **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``numpy.{name}`` on the values; not differentiated (its derivative is zero " \
                 "or undefined)."
    return fn


exp, expm1, exp2 = _unary(_e.exp), _unary(_e.expm1), _unary(_e.exp2)
log, log1p, log2, log10 = _unary(_e.log), _unary(_e.log1p), _unary(_e.log2), _unary(_e.log10)
sin, cos, tan = _unary(_e.sin), _unary(_e.cos), _unary(_e.tan)
arcsin, arccos, arctan = _unary(_e.arcsin), _unary(_e.arccos), _unary(_e.arctan)
sinh, cosh, tanh = _unary(_e.sinh), _unary(_e.cosh), _unary(_e.tanh)
arcsinh, arccosh, arctanh = _unary(_e.arcsinh), _unary(_e.arccosh), _unary(_e.arctanh)
sqrt, cbrt, square = _unary(_e.sqrt), _unary(_e.cbrt), _unary(_e.square)
reciprocal, negative = _unary(_e.reciprocal), _unary(_e.negative)
def abs(x: ArrayLike, **kwargs: Any) -> Array:
    """Elementwise ``abs``: derivative ``sign(x)`` (0 at 0); the modulus of a complex array,
    whose gradient is ``conj(z) / |z|`` (NOTE: complex convention in
    ``primitives/complex.py``)."""
    if kwargs:
        reject_kwargs("abs", kwargs)
    if np.dtype(dtype_of(x)).kind == "c":
        return _complex.complex_abs(x)
    return _e.absolute(x)


absolute = abs
sinc = _unary(_e.sinc)
sigmoid, relu = _unary(_e.sigmoid, real_only=True), _unary(_e.relu, real_only=True)

add, subtract, multiply = _binary(_b.add), _binary(_b.subtract), _binary(_b.multiply)
divide = true_divide = _binary(_b.divide)
power = _binary(_logexp.power)
arctan2, logaddexp = _binary(_b.arctan2), _binary(_logexp.logaddexp)
minimum = _binary(_b.minimum)


def maximum(x: ArrayLike, y: ArrayLike, **kwargs: Any) -> Array:
    """Elementwise maximum. Ties split the derivative evenly between the two inputs, except
    ``maximum(x, 0)`` (either order), which is ReLU and has derivative 0 at 0 (API.md §7)."""
    if kwargs:
        reject_kwargs("maximum", kwargs)
    if _is_zero_constant(y):
        return _e.relu(x)
    if _is_zero_constant(x):
        return _e.relu(y)
    return _b.maximum(x, y)


def _is_zero_constant(v):
    return not isinstance(v, Box) and np.ndim(v) == 0 and v == 0 and not isinstance(v, bool)


def clip(x: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None,
         **kwargs: Any) -> Array:
    """``np.clip``: derivative 1 inside ``[a_min, a_max]`` (bounds included, as PyTorch's
    ``clamp``), and the bound's derivative outside."""
    if kwargs:
        reject_kwargs("clip", kwargs)
    from ._creation import asarray   # _creation imports this module
    x = asarray(x)
    if a_min is not None:
        x = where(less(x, a_min), a_min, x)
    if a_max is not None:
        x = where(greater(x, a_max), a_max, x)
    return x


def where(condition: ArrayLike, x: ArrayLike | None = None, y: ArrayLike | None = None) -> Array:
    """``np.where(condition, x, y)``: ``x`` where ``condition`` holds, else ``y``, with NumPy
    broadcasting; ``condition`` is not differentiated, ``x`` and ``y`` are. With ``condition``
    alone, ``np.nonzero(condition)``.

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.where(np.array([True, False]), 1.0, np.array([5.0, 6.0])).tolist()
    [1.0, 6.0]
    """
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("dualad.numpy.where: give both x and y, or neither")
    return _b.where(condition, x, y)

sign = _not_differentiated(np.sign)
floor, ceil, round, rint, trunc = (_not_differentiated(f) for f in
                                   (np.floor, np.ceil, np.round, np.rint, np.trunc))
greater, greater_equal = _not_differentiated(np.greater), _not_differentiated(np.greater_equal)
less, less_equal = _not_differentiated(np.less), _not_differentiated(np.less_equal)
equal, not_equal = _not_differentiated(np.equal), _not_differentiated(np.not_equal)
isnan, isinf, isfinite = (_not_differentiated(f) for f in (np.isnan, np.isinf, np.isfinite))
logical_and, logical_or, logical_not = (_not_differentiated(f) for f in
                                        (np.logical_and, np.logical_or, np.logical_not))
allclose, isclose, array_equal = (_not_differentiated(f) for f in
                                  (np.allclose, np.isclose, np.array_equal))
argmax, argmin, argsort, nonzero = (_not_differentiated(f) for f in
                                    (np.argmax, np.argmin, np.argsort, np.nonzero))

__all__ = [
    "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "arcsin",
    "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "sqrt",
    "cbrt", "square", "reciprocal", "negative", "abs", "absolute", "sinc", "sigmoid", "relu",
    "add", "subtract", "multiply", "divide", "true_divide", "power", "arctan2", "logaddexp",
    "minimum", "maximum", "clip", "where", "sign", "floor", "ceil", "round", "rint", "trunc",
    "greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isnan", "isinf",
    "isfinite", "logical_and", "logical_or", "logical_not", "allclose", "isclose",
    "array_equal", "argmax", "argmin", "argsort", "nonzero",
]
