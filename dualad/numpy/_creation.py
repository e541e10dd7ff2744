"""Array creation of ``dualad.numpy`` and the differentiable cast ``astype``.

Creation functions return plain arrays: a new array of zeros, a range or a grid carries no
derivative. The exceptions are the functions that only rearrange values they are given:
``array``/``asarray`` of a box return it, a (nested) list holding boxes is stacked
differentiably, and ``full``/``full_like`` with a boxed fill value broadcast it. A box passed
where only a constant makes sense (``arange(a, b)`` with a traced ``a``) raises TypeError
rather than silently losing its derivative; ``linspace`` is differentiable in its endpoints.
``*_like`` functions follow the array module of their argument (a CuPy array gives a CuPy
array).
"""
from __future__ import annotations

from typing import Any

import operator

import numpy as np

from .._core.backend import array_module, raw_value
from .._core.primitive import Box, dtype_of, shape_of
from ..primitives import movement as _m
from ..primitives import shape as _s
from ._core import broadcast_to, concatenate, moveaxis, stack
from ._ufuncs import _not_differentiated, reject_kwargs
from ..typing import Array, ArrayLike, DTypeLike, Shape


def astype(x: ArrayLike, dtype: DTypeLike, copy: bool = True, **kwargs: Any) -> Array:
    """``x`` cast to ``dtype``. Casts among float and complex dtypes are differentiable (the
    derivative is cast along), except complex to real, which would drop the imaginary part
    silently (take ``dnp.real`` or ``dnp.abs``); a cast to an integer or boolean dtype is
    piecewise constant and returns a plain array, as ``floor`` does."""
    if kwargs:
        reject_kwargs("astype", kwargs)
    dtype = np.dtype(dtype)
    if not isinstance(x, Box):
        return array_module(x).asarray(x).astype(dtype, copy=copy)
    if dtype == x.dtype:
        return x
    if dtype.kind == "c" or (dtype.kind == "f" and x.dtype.kind != "c"):
        return _m.astype(x, dtype=dtype)
    if dtype.kind in "biu":   # piecewise constant: a guard inside ad.jit
        return _cast_to_integers(x, dtype)
    raise TypeError(f"dualad.numpy.astype: cannot cast a differentiated {x.dtype} value to "
                    f"{dtype}: that drops the imaginary part; take dnp.real(x) (or dnp.abs(x)) "
                    "instead")


def _integer_cast(x, dtype):
    return x.astype(dtype)


_cast_to_integers = _not_differentiated(_integer_cast)


def _holds_box(obj):
    if isinstance(obj, (list, tuple)):
        return any(_holds_box(e) for e in obj)
    return isinstance(obj, Box)


def _stack_nested(obj):
    """A (nested) list holding boxes as one differentiable array."""
    if not isinstance(obj, (list, tuple)):
        return obj
    if not _holds_box(obj):
        return np.asarray(obj)
    return stack([_stack_nested(e) for e in obj])


def array(obj: ArrayLike, dtype: DTypeLike | None = None, copy: bool = True,
          **kwargs: Any) -> Array:
    """``np.array``; boxes, and lists holding boxes, stay differentiable."""
    if _holds_box(obj):
        if kwargs:
            reject_kwargs("array", kwargs)
        out = _stack_nested(obj)
        return out if dtype is None else astype(out, dtype)
    return array_module(obj).array(obj, dtype=dtype, copy=copy, **kwargs)


def asarray(obj: ArrayLike, dtype: DTypeLike | None = None, **kwargs: Any) -> Array:
    """``np.asarray``; a box is returned unchanged (cast when ``dtype`` differs)."""
    if _holds_box(obj):
        return array(obj, dtype=dtype, **kwargs)
    return array_module(obj).asarray(obj, dtype=dtype, **kwargs)


def _refuse_boxes(name, args, kwargs):
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, Box):
            raise TypeError(
                f"dualad.numpy.{name} builds a constant array and does not differentiate its "
                "arguments, but one of them is a differentiated value; pass its .primal (or "
                ".detach()) if no derivative is wanted, or build the array from dnp operations")


def _constant(npfun):
    """A NumPy creation function; its result is a plain array."""
    name = npfun.__name__

    def fn(*args: Any, **kwargs: Any) -> Any:
        _refuse_boxes(name, args, kwargs)
        return npfun(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``numpy.{name}``: a plain array, not differentiated."
    return fn


def _like(name):
    """``numpy.<name>`` (``zeros_like`` …) on the value of ``x``, in ``x``'s array module."""
    def fn(x: ArrayLike, *args: Any, **kwargs: Any) -> Any:
        _refuse_boxes(name, args, kwargs)
        value = raw_value(x)
        return getattr(array_module(value), name)(value, *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``numpy.{name}`` of ``x``'s shape and dtype: a plain array of ``x``'s " \
                 "array module, not differentiated."
    return fn


zeros, ones, empty = _constant(np.zeros), _constant(np.ones), _constant(np.empty)
eye, identity = _constant(np.eye), _constant(np.identity)
arange = _constant(np.arange)


def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: DTypeLike | None = None,
             axis: int = 0) -> Array | tuple[Array, Array]:
    """``np.linspace``; differentiable in ``start`` and ``stop``, as ``start + k * step`` with
    the last point ``stop`` itself when ``endpoint`` (NumPy's construction).

    >>> import dualad as ad, dualad.numpy as dnp
    >>> ad.jacfwd(lambda b: dnp.linspace(0.0, b, 3))(2.0).tolist()
    [0.0, 0.5, 1.0]
    """
    if not (isinstance(start, Box) or isinstance(stop, Box)):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        raise TypeError("dualad.numpy.linspace: a differentiated linspace needs a float dtype")
    num = operator.index(num)
    div = (num - 1) if endpoint else num
    start, stop = asarray(start), asarray(stop)
    nd = max(len(shape_of(start)), len(shape_of(stop)))
    k = np.arange(num, dtype=np.result_type(dtype_of(start), dtype_of(stop), np.float64))
    k = k.reshape((num,) + (1,) * nd)
    step = (stop - start) / div if div > 0 else stop - start
    points = start + k * step if div > 0 else start + k * (stop - start) * 0.0
    if endpoint and num > 1:
        points = concatenate([points[:-1], broadcast_to(stop, (1,) + shape_of(points)[1:])])
    if axis != 0 and nd:
        points = moveaxis(points, 0, axis)
    if dtype is not None:
        points = astype(points, dtype)
    return (points, step) if retstep else points
zeros_like, ones_like, empty_like = _like("zeros_like"), _like("ones_like"), _like("empty_like")
_full, _full_like = _constant(np.full), _like("full_like")


def full(shape: Shape, fill_value: ArrayLike, dtype: DTypeLike | None = None,
         **kwargs: Any) -> Array:
    """``np.full``; a boxed ``fill_value`` is broadcast differentiably."""
    if not isinstance(fill_value, Box):
        return _full(shape, fill_value, dtype=dtype, **kwargs)
    if kwargs:
        reject_kwargs("full", kwargs)
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    return broadcast_to(fill_value if dtype is None else astype(fill_value, dtype), shape)


def full_like(x: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              **kwargs: Any) -> Array:
    """``np.full_like``; a boxed ``fill_value`` is broadcast differentiably (cast to ``dtype``,
    by default ``x``'s dtype, as NumPy does)."""
    if not isinstance(fill_value, Box):
        return _full_like(x, fill_value, dtype=dtype, **kwargs)
    if kwargs:
        reject_kwargs("full_like", kwargs)
    return broadcast_to(astype(fill_value, dtype_of(x) if dtype is None else dtype), shape_of(x))


def ascontiguousarray(a: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    """``a``'s values in a C-contiguous array of at least one axis, as
    ``np.ascontiguousarray``; differentiable (a transposed view is copied once, and the
    compiled kernels then read it in order).

    >>> dnp.ascontiguousarray(np.ones((2, 3)).T).flags.c_contiguous
    True
    """
    a = asarray(a, dtype=dtype)
    if not shape_of(a):
        a = _s.reshape(a, shape=(1,))
    return _s.ascontiguousarray(a)


__all__ = ["astype", "array", "asarray", "zeros", "ones", "empty", "eye", "identity", "arange",
           "linspace", "zeros_like", "ones_like", "empty_like", "full", "full_like",
           "ascontiguousarray"]
