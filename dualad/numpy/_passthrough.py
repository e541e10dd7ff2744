"""The rest of NumPy's namespace in ``dualad.numpy``, so that code written for NumPy (or for HIPS
autograd, whose ``autograd.numpy`` wraps all of it) finds every name it uses.

NumPy's newer spellings are aliases of the differentiable functions (``acos`` is ``arccos``,
``pow`` is ``power``, ``permute_dims`` is ``transpose``); a few functions are composed from
differentiable ones (``vdot``, ``cov``, ``corrcoef``, the remaining nan-aware reductions).
Everything else passes through under one rule (NOTE: escaped values): the function runs on the
plain values, and when a differentiated value went in and a floating-point result came out the
call raises, since that result would silently be a constant; an integer or boolean result
(``unique``'s counts, ``isin``, ``argwhere``, ``digitize``) is piecewise constant and returned as
it is, as ``argmax`` is. Types, dtypes, constants and ``numpy.random`` pass as they are.
"""
from __future__ import annotations

from typing import Any

import inspect

import numpy as np

from .._core.backend import raw_value
from .._core.escape import holds_derivative
from .._core.primitive import Box, dtype_of, shape_of
from .._core.tree import tree_flatten
from . import _complex, _core, _creation, _order, _reductions, _shape, _ufuncs
from ._complex import conj
from ._methods import strip
from ._core import ravel, reshape, sum, transpose
from ._ufuncs import isnan, multiply, reject_kwargs, where
from ..typing import Array, ArrayLike, Axis

_ALIASES = {
    "acos": _ufuncs.arccos, "asin": _ufuncs.arcsin, "atan": _ufuncs.arctan,
    "acosh": _ufuncs.arccosh, "asinh": _ufuncs.arcsinh, "atanh": _ufuncs.arctanh,
    "atan2": _ufuncs.arctan2, "pow": _ufuncs.power, "concat": _core.concatenate,
    "permute_dims": transpose, "cumulative_sum": _reductions.cumsum,
}


def positive(x: ArrayLike) -> Array:
    """``+x``, differentiable (the identity).

    >>> import dualad.numpy as dnp
    >>> float(dnp.positive(-2.0))
    -2.0
    """
    return _creation.asarray(x)


def copy(a: ArrayLike) -> Array:
    """``np.copy``: the values (dualad values are never written into, so a box is its own
    copy).

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.copy(np.ones(2)).tolist()
    [1.0, 1.0]
    """
    return a if isinstance(a, Box) else np.copy(a)


def matrix_transpose(x: ArrayLike) -> Array:
    """The last two axes swapped (``np.matrix_transpose``), differentiable.

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.matrix_transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    return _core.swapaxes(x, -1, -2)


def vdot(a: ArrayLike, b: ArrayLike) -> Array:
    """``np.vdot``: the dot product of the flattened arrays, ``a`` conjugated.

    >>> import numpy as np, dualad.numpy as dnp
    >>> complex(dnp.vdot(np.array([1j, 2.0]), np.array([1j, 1.0])))
    (3+0j)
    """
    return sum(multiply(conj(ravel(a)), ravel(b)))


def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None) -> Array:
    """``np.cov`` (without ``fweights``/``aweights``), differentiable: rows are variables unless
    ``rowvar=False``.

    >>> import numpy as np, dualad.numpy as dnp
    >>> float(dnp.cov(np.array([1.0, 2.0, 4.0])))
    2.333333333333333
    """
    x = m if len(shape_of(m)) > 1 else reshape(m, (1, -1))
    if not rowvar:
        x = transpose(x)
    if y is not None:
        y = y if len(shape_of(y)) > 1 else reshape(y, (1, -1))
        x = _core.concatenate([x, y if rowvar else transpose(y)], axis=0)
    n = shape_of(x)[1]
    ddof = (0 if bias else 1) if ddof is None else ddof
    centred = x - _core.mean(x, axis=1, keepdims=True)
    out = (centred @ transpose(conj(centred))) / (n - ddof)
    return reshape(out, ()) if shape_of(out) == (1, 1) else out


def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True) -> Array:
    """``np.corrcoef``, differentiable: the covariance scaled by the standard deviations.

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.corrcoef(np.array([[1.0, 2.0, 4.0], [2.0, 4.0, 8.0]])).round(12).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    c = cov(x, y, rowvar)
    if len(shape_of(c)) == 0:
        return c / c
    d = _ufuncs.sqrt(_shape.diagonal(c))
    return c / (reshape(d, (-1, 1)) * reshape(d, (1, -1)))


def _nan_to(a, fill):
    return where(isnan(a), fill, a)


def nancumsum(a: ArrayLike, axis: int | None = None) -> Array:
    """``np.nancumsum``: NaNs count as 0 (derivative 0 there).

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.nancumsum(np.array([1.0, np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    return _reductions.cumsum(_nan_to(a, 0.0), axis=axis)


def nanprod(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """``np.nanprod``: NaNs count as 1 (derivative 0 there).

    >>> import numpy as np, dualad.numpy as dnp
    >>> float(dnp.nanprod(np.array([2.0, np.nan, 3.0])))
    6.0
    """
    return _reductions.prod(_nan_to(a, 1.0), axis=axis, keepdims=keepdims)


def nancumprod(a: ArrayLike, axis: int | None = None) -> Array:
    """``np.nancumprod``: NaNs count as 1 (derivative 0 there).

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.nancumprod(np.array([2.0, np.nan, 3.0])).tolist()
    [2.0, 2.0, 6.0]
    """
    return _order.cumprod(_nan_to(a, 1.0), axis=axis)


def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, keepdims: bool = False,
                method: str = "linear") -> Array:
    """``np.nanquantile``: the quantile of the non-NaN elements along ``axis`` (computed slice
    by slice over the non-NaN positions, which are a guard of ``ad.jit``)."""
    if not np.isnan(raw_value(a)).any():
        return _order.quantile(a, q, axis=axis, keepdims=keepdims, method=method)
    if axis is None:
        flat = ravel(a)
        keep = np.flatnonzero(~np.isnan(raw_value(flat)))
        out = _order.quantile(flat[keep], q, method=method)
        return reshape(out, shape_of(out) + (1,) * len(shape_of(a))) if keepdims else out
    raise NotImplementedError("dualad.numpy.nanquantile: NaNs along an axis of a "
                              "differentiated array; use axis=None or remove the NaNs first")


def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, keepdims: bool = False,
                  method: str = "linear") -> Array:
    """``np.nanpercentile``: ``nanquantile`` at ``q / 100``."""
    return nanquantile(a, np.asarray(q) / 100, axis=axis, keepdims=keepdims, method=method)


def nanmedian(a: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """``np.nanmedian``: ``nanquantile`` at 0.5.

    >>> import numpy as np, dualad.numpy as dnp
    >>> float(dnp.nanmedian(np.array([1.0, np.nan, 3.0])))
    2.0
    """
    return nanquantile(a, 0.5, axis=axis, keepdims=keepdims)


def real_if_close(a: ArrayLike, tol: float = 100) -> Array:
    """``np.real_if_close``: the real part when every imaginary part is within ``tol`` machine
    epsilons of 0 (a guard of ``ad.jit``), else ``a``; differentiable either way.

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.real_if_close(np.array([1.0 + 1e-20j])).dtype
    dtype('float64')
    """
    a = _creation.asarray(a)
    if np.dtype(dtype_of(a)).kind != "c":
        return a
    limit = tol * np.finfo(dtype_of(a)).eps if tol > 1 else tol
    if bool(_ufuncs.less(_ufuncs.abs(_complex.imag(a)), limit).all()):
        return _complex.real(a)
    return a


def make_diagonal(D: ArrayLike, offset: int = 0, axis1: int = -1, axis2: int = -2) -> Array:
    """HIPS autograd's ``make_diagonal``: the arrays whose diagonals (over two new last axes)
    are ``D``'s last axis, differentiable; ``offset=0``, ``axis1=-1``, ``axis2=-2`` only, as
    autograd.

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.make_diagonal(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    if offset != 0 or {axis1, axis2} != {-1, -2}:
        raise ValueError("make_diagonal supports offset=0, axis1=-1, axis2=-2 only (as HIPS "
                         "autograd's)")
    n = shape_of(D)[-1]
    return multiply(_core.expand_dims(D, -1), np.eye(n, dtype=np.result_type(dtype_of(D),
                                                                               np.float32)))


_COMPOSED = {f.__name__: f for f in (positive, copy, matrix_transpose, vdot, cov, corrcoef,
                                     nancumsum, nanprod, nancumprod, nanquantile,
                                     nanpercentile, nanmedian, real_if_close, make_diagonal)}

# NumPy's own housekeeping, which has no place in a differentiation namespace
_SKIP = {"test", "show_config", "show_runtime", "info", "get_include"}
# NumPy's functions that write into their first argument: kept for plain arrays (the caller's
# explicit request, as in NumPy); a traced value given to them raises (``x.at[i].set(v)`` is the
# functional update)
IN_PLACE = {"copyto", "place", "put", "putmask", "put_along_axis", "fill_diagonal"}


def _floating(result):
    return any(np.dtype(dtype_of(v)).kind in "fc" for v in tree_flatten(result)[0]
               if hasattr(v, "dtype") or isinstance(v, (float, complex)))


def _output_position(fun):
    """Where ``fun`` takes an ``out`` array positionally (None if nowhere)."""
    if isinstance(fun, np.ufunc):
        return fun.nin
    try:
        params = list(inspect.signature(fun).parameters)
    except (TypeError, ValueError):
        return None
    return params.index("out") if "out" in params else None


def _passthrough(name, fun):
    out_at = _output_position(fun)

    def passthrough(*args: Any, **kwargs: Any) -> Any:
        if "out" in kwargs or (out_at is not None and len(args) > out_at):
            reject_kwargs(name, {"out": None})
        if name in IN_PLACE and holds_derivative((args, kwargs)):
            raise TypeError(f"numpy.{name} writes into an array, which a differentiated value "
                            "cannot be stored into; use x.at[i].set(v) (dnp.at(y)[i].set(v) for "
                            "a NumPy array y)")
        result = fun(*strip(list(args)), **strip(kwargs))
        if _floating(result) and holds_derivative((args, kwargs)):
            raise TypeError(
                f"numpy.{name} is not differentiable by dualad: dualad.numpy has no "
                f"differentiable {name}; compose it from dualad.numpy functions, or apply it "
                "to ad.stop_gradient(x) if no derivative is wanted")
        return result

    passthrough.__name__ = passthrough.__qualname__ = name
    passthrough.numpy_passthrough = True
    passthrough.__doc__ = (f"``numpy.{name}`` on plain values; not differentiated (a "
                           "floating-point result of a differentiated argument raises).")
    return passthrough


def _namespace(existing):
    """The names of NumPy's namespace that ``existing`` lacks, each as described above."""
    out = dict(_ALIASES)
    out.update(_COMPOSED)
    for name in dir(np):
        if name.startswith("_") or name in existing or name in out or name in _SKIP:
            continue
        value = getattr(np, name)
        if isinstance(value, type) or not callable(value):
            out[name] = value   # types, dtypes, constants, and modules such as numpy.random
        else:
            out[name] = _passthrough(name, value)
    return out
