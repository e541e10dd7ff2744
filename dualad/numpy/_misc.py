"""Interpolation, polynomials, integration, finite differences and 1-d convolution in
``dualad.numpy``, and NumPy's constants, dtypes and index helpers that compute nothing
differentiable.

All functions are composed from differentiable ``dnp`` functions; with plain arrays they call
NumPy itself, so values are NumPy's. Decisions taken from values (the segment ``interp`` reads)
go through non-differentiated ``dnp`` functions, so that ``ad.jit`` guards them.
"""
from __future__ import annotations

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, dtype_of, ndim_of, shape_of
from ._building import diff, vander
from ._complex import conj
from ._core import broadcast_to, concatenate, getitem, matmul, reshape, sum
from ._creation import _holds_box, asarray, astype, zeros_like
from ._more_elementwise import mod
from ._shape import _along, _positive_axis, flip
from ._ufuncs import _not_differentiated, argsort, equal, greater, less, sqrt, where
from .linalg import solve
from ..typing import Array, ArrayLike, Axis

pi, e, inf, nan, newaxis, euler_gamma = np.pi, np.e, np.inf, np.nan, np.newaxis, np.euler_gamma
float32, float64, complex64, complex128 = np.float32, np.float64, np.complex64, np.complex128
int32, int64, bool_ = np.int32, np.int64, np.bool_
finfo, iinfo, errstate, s_, index_exp = np.finfo, np.iinfo, np.errstate, np.s_, np.index_exp


searchsorted = _not_differentiated(np.searchsorted)


def _plain(*xs):
    return not any(_holds_box(x) for x in xs)


# ---------------------------------------------------------------- interpolation
def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | None = None,
           right: ArrayLike | None = None, period: float | None = None) -> Array:
    """``np.interp``: piecewise-linear interpolation of the points ``(xp, fp)`` (``xp``
    increasing) at ``x``, differentiable in ``x``, ``xp`` and ``fp``. At a knot the derivative
    in ``x`` is the slope of the segment to its right (the last knot: to its left); outside
    the range it is 0 (the constant ``left``/``right`` values).

    >>> float(dnp.interp(2.5, [1.0, 2.0, 3.0], [3.0, 2.0, 0.0]))
    1.0
    """
    if _plain(x, xp, fp, left, right):
        return np.interp(x, xp, fp, left, right, period)
    # float64 (complex128 for complex fp) throughout, as NumPy's interp
    x, xp = (astype(asarray(v), np.float64) for v in (x, xp))
    fp = asarray(fp)
    fp = astype(fp, np.complex128 if dtype_of(raw_value(fp)).kind == "c" else np.float64)
    if ndim_of(xp) != 1 or ndim_of(fp) != 1:
        raise ValueError("interp: data points xp and fp must be 1-D sequences")
    if shape_of(xp) != shape_of(fp):
        raise ValueError(f"interp: fp and xp are not of the same length ({shape_of(fp)[0]} and "
                         f"{shape_of(xp)[0]})")
    if shape_of(xp)[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period, left, right = abs(period), None, None
        x, xp = mod(x, period), mod(xp, period)
        order = argsort(xp)
        xp, fp = getitem(xp, order), getitem(fp, order)
        xp = concatenate([getitem(xp, slice(-1, None)) - period, xp,
                          getitem(xp, slice(0, 1)) + period])
        fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(0, 1))])
    n = shape_of(xp)[0]
    first, last = getitem(xp, 0), getitem(xp, -1)
    if n == 1:
        value = broadcast_to(getitem(fp, 0), shape_of(x))
    else:
        j = np.clip(searchsorted(xp, x, side="right") - 1, 0, n - 2)
        x0, x1 = getitem(xp, j), getitem(xp, j + 1)
        f0, f1 = getitem(fp, j), getitem(fp, j + 1)
        width = x1 - x0
        flat = equal(width, 0)
        slope = where(flat, 0.0, (f1 - f0) / where(flat, 1.0, width))
        value = slope * (x - x0) + f0
        # at the last knot anchored at its right end: NumPy's value fp[-1] exactly, and the
        # slope of the last segment
        value = where(equal(x, last), slope * (x - x1) + f1, value)
    value = where(less(x, first), getitem(fp, 0) if left is None else left, value)
    return where(greater(x, last), getitem(fp, -1) if right is None else right, value)


# ---------------------------------------------------------------- polynomials
def polyval(p: ArrayLike, x: ArrayLike) -> Array:
    """``np.polyval``: the polynomial with coefficients ``p`` (highest power first) at ``x``,
    by Horner's rule; differentiable in ``p`` and ``x``.

    >>> float(dnp.polyval([1.0, 0.0, -1.0], 3.0))
    8.0
    """
    p, x = asarray(p), asarray(x)
    if _plain(p, x):
        return np.polyval(p, x)
    y = np.zeros(shape_of(x), dtype=dtype_of(raw_value(x)))
    for i in range(shape_of(p)[0]):
        y = y * x + getitem(p, i)
    return y


def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None, full: bool = False,
            w: ArrayLike | None = None, cov: bool | str = False) -> Array | tuple[Array, ...]:
    """``np.polyfit``: least-squares polynomial coefficients (highest power first),
    differentiable in ``x``, ``y`` and ``w``. The value is NumPy's; the derivative is that of
    the least-squares solution. ``full``/``cov`` and rank-deficient fits are only available
    on plain arrays.

    >>> np.round(dnp.polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1), 12)
    array([2., 1.])
    """
    if _plain(x, y, w):
        return np.polyfit(x, y, deg, rcond, full, w, cov)
    if full or cov:
        raise TypeError("dualad.numpy.polyfit: full=True and cov=True are not supported on "
                        "differentiated values")
    order = int(deg) + 1
    x, y = asarray(x) + 0.0, asarray(y) + 0.0
    if deg < 0:
        raise ValueError("polyfit: expected deg >= 0")
    if ndim_of(x) != 1 or shape_of(x)[0] == 0:
        raise TypeError(f"polyfit: expected a non-empty 1-D vector for x, got shape "
                        f"{shape_of(x)}")
    if ndim_of(y) not in (1, 2) or shape_of(y)[0] != shape_of(x)[0]:
        raise TypeError(f"polyfit: expected a 1-D or 2-D y of the length of x ({shape_of(x)[0]}), "
                        f"got shape {shape_of(y)}")
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = asarray(w) + 0.0
        if ndim_of(w) != 1 or shape_of(w)[0] != shape_of(x)[0]:
            raise TypeError(f"polyfit: expected a 1-D w of the length of x, got shape "
                            f"{shape_of(w)}")
        lhs = lhs * reshape(w, (-1, 1))
        rhs = rhs * (w if ndim_of(y) == 1 else reshape(w, (-1, 1)))
    scale = sqrt(sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    # NumPy's solution c0 (a constant) plus the least-squares correction of its residual: equal
    # to the least-squares solution as a function of the inputs (the correction vanishes at
    # c0), with NumPy's rounding in the value
    lhs_r, rhs_r = np.asarray(raw_value(lhs)), np.asarray(raw_value(rhs))
    if rcond is None:
        rcond = shape_of(x)[0] * np.finfo(lhs_r.dtype).eps
    c0, _, rank, _ = np.linalg.lstsq(lhs_r, rhs_r, rcond)
    if rank != order:
        raise ValueError(f"polyfit: the fit is rank deficient (rank {rank} < {order}); its "
                         "derivative is not defined. Lower deg or use distinct x values")
    lhs_t = lhs.T
    residual = rhs - matmul(lhs, c0)
    c = c0 + solve(matmul(lhs_t, lhs), matmul(lhs_t, residual))
    return c / (scale if ndim_of(y) == 1 else reshape(scale, (-1, 1)))


# ---------------------------------------------------------------- integration and differences
def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: float = 1.0, axis: int = -1) -> Array:
    """``np.trapezoid``: the trapezoidal rule along ``axis`` with sample points ``x`` (1-d, or
    of ``y``'s shape) or spacing ``dx``; differentiable in ``y``, ``x`` and ``dx``.

    >>> float(dnp.trapezoid(np.array([1.0, 2.0, 3.0])))
    4.0
    """
    if _plain(y, x, dx):
        return np.trapezoid(y, x, dx, axis)
    y = asarray(y)
    nd = ndim_of(y)
    axis = _positive_axis(axis, nd, "trapezoid")
    if x is None:
        d = dx
    else:
        x = asarray(x)
        if ndim_of(x) == 1:
            d = reshape(diff(x), tuple(-1 if i == axis else 1 for i in range(nd)))
        else:
            d = diff(x, axis=axis)
    y1, y0 = getitem(y, _along(axis, slice(1, None))), getitem(y, _along(axis, slice(None, -1)))
    return sum(d * (y1 + y0) / 2.0, axis=axis)


def _spacings(varargs, f, axes):
    """NumPy's spacing arguments of ``gradient``: per axis, a scalar or the differences of 1-d
    coordinates (either may be differentiated)."""
    n = len(varargs)
    if n == 0:
        return [1.0] * len(axes)
    if n == 1 and ndim_of(varargs[0]) == 0:
        return list(varargs) * len(axes)
    if n != len(axes):
        raise TypeError(f"gradient: invalid number of spacing arguments ({n} for {len(axes)} "
                        "axes)")
    out = []
    for ax, d in zip(axes, varargs):
        d = asarray(d)
        if ndim_of(d) == 0:
            out.append(d)
            continue
        if ndim_of(d) != 1 or shape_of(d)[0] != shape_of(f)[ax]:
            raise ValueError(f"gradient: coordinates must be scalars or 1-d of the axis's "
                             f"length {shape_of(f)[ax]}, got shape {shape_of(d)}")
        if dtype_of(raw_value(d)).kind in "iu":
            d = astype(d, np.float64)
        step = diff(d)
        # equal constant steps: the uniform formulas, as NumPy. Differentiated coordinates
        # keep the general ones, equal in value but with a derivative for every coordinate
        uniform = not isinstance(d, Box) and bool((step == step[0]).all())
        out.append(step[0] if uniform else step)
    return out


def _gradient_axis(f, axis, h, edge_order):
    """NumPy's second-order central differences inside, one-sided ones at the edges."""
    nd = ndim_of(f)

    def part(*items):
        return getitem(f, _along(axis, slice(*items)))

    def coef(v):
        return reshape(v, tuple(-1 if i == axis else 1 for i in range(nd)))

    uniform = ndim_of(h) == 0
    if uniform:
        inner = (part(2, None) - part(None, -2)) / (2.0 * h)
    else:
        h1, h2 = h[:-1], h[1:]
        a, b = -h2 / (h1 * (h1 + h2)), (h2 - h1) / (h1 * h2)
        c = h1 / (h2 * (h1 + h2))
        inner = coef(a) * part(None, -2) + coef(b) * part(1, -1) + coef(c) * part(2, None)
    if edge_order == 1:
        first = (part(1, 2) - part(0, 1)) / (h if uniform else h[0])
        last = (part(-1, None) - part(-2, -1)) / (h if uniform else h[-1])
    else:
        if uniform:
            a, b, c = -1.5 / h, 2.0 / h, -0.5 / h
        else:
            h1, h2 = h[0], h[1]
            a, b = -(2.0 * h1 + h2) / (h1 * (h1 + h2)), (h1 + h2) / (h1 * h2)
            c = -h1 / (h2 * (h1 + h2))
        first = a * part(0, 1) + b * part(1, 2) + c * part(2, 3)
        if uniform:
            a, b, c = 0.5 / h, -2.0 / h, 1.5 / h
        else:
            h1, h2 = h[-2], h[-1]
            a, b = h2 / (h1 * (h1 + h2)), -(h2 + h1) / (h1 * h2)
            c = (2.0 * h2 + h1) / (h2 * (h1 + h2))
        last = a * part(-3, -2) + b * part(-2, -1) + c * part(-1, None)
    return concatenate([first, inner, last], axis=axis)


def gradient(f: ArrayLike, *varargs: ArrayLike, axis: Axis = None,
             edge_order: int = 1) -> Array | tuple[Array, ...]:
    """``np.gradient``: second-order central differences inside and first- or second-order
    (``edge_order``) one-sided differences at the boundaries, along each of ``axis`` (all by
    default), with spacings given as scalars or 1-d coordinates. Differentiable in
    ``f`` and in the spacings; one array per axis (a tuple when there are several).

    >>> dnp.gradient(np.array([1.0, 4.0, 9.0]))
    array([3., 4., 5.])
    """
    if _plain(f, *varargs):
        return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    f = asarray(f)
    if dtype_of(raw_value(f)).kind not in "fc":
        f = astype(f, np.float64)
    nd = ndim_of(f)
    axes = tuple(range(nd)) if axis is None else tuple(
        _positive_axis(a, nd, "gradient") for a in ((axis,) if np.ndim(axis) == 0 else axis))
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    out = []
    for ax, h in zip(axes, _spacings(varargs, f, axes)):
        if shape_of(f)[ax] < edge_order + 1:
            raise ValueError("gradient: shape of array too small to calculate a numerical "
                             "gradient, at least (edge_order + 1) elements are required")
        out.append(_gradient_axis(f, ax, h, edge_order))
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------- convolution
def _full_correlation(a, v):
    """``c[k] = sum_n a[n + k] v[n]`` for every overlap, as one gather and one matrix-vector
    product; the gather runs over the longer operand (the matrix is as wide as the shorter)."""
    n, m = shape_of(a)[0], shape_of(v)[0]
    length = n + m - 1
    if m <= n:
        padded = concatenate([zeros_like(raw_value(a), shape=(m - 1,)), a,
                              zeros_like(raw_value(a), shape=(m - 1,))])
        index = np.arange(length)[:, None] + np.arange(m)[None, :]
        return matmul(getitem(padded, index), v)
    padded = concatenate([zeros_like(raw_value(v), shape=(n - 1,)), v,
                          zeros_like(raw_value(v), shape=(n - 1,))])
    index = np.arange(n)[None, :] + (length - 1) - np.arange(length)[:, None]
    return matmul(getitem(padded, index), a)


def _correlate_mode(a, v, mode, same_offset):
    a, v = asarray(a), asarray(v)
    for name, arr in (("a", a), ("v", v)):
        if ndim_of(arr) != 1:
            raise ValueError(f"correlate/convolve: {name} must be 1-d, got shape "
                             f"{shape_of(arr)}")
        if shape_of(arr)[0] == 0:
            raise ValueError(f"{name} cannot be empty")
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = _full_correlation(a, v)
    short, long = min(n, m), max(n, m)
    if mode == "full":
        return full
    if mode == "valid":
        return getitem(full, slice(short - 1, long))
    if mode == "same":
        start = same_offset(n, m)
        return getitem(full, slice(start, start + long))
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid") -> Array:
    """``np.correlate`` of 1-d sequences: ``c[k] = sum_n a[n + k] conj(v[n])``, with
    ``mode`` ``'valid'``, ``'same'`` or ``'full'``; differentiable in both.

    >>> dnp.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]))
    array([2., 3.])
    """
    if _plain(a, v):
        return np.correlate(a, v, mode)
    v = asarray(v)
    if dtype_of(raw_value(v)).kind == "c":
        v = conj(v)
    return _correlate_mode(a, v, mode, lambda n, m: (m - 1) // 2 if n >= m else n // 2)


def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full") -> Array:
    """``np.convolve`` of 1-d sequences, with ``mode`` ``'full'``, ``'same'`` or ``'valid'``;
    differentiable in both.

    >>> dnp.convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    array([1., 3., 2.])
    """
    if _plain(a, v):
        return np.convolve(a, v, mode)
    # scalars count as sequences of one (NumPy's ndmin=1)
    a, v = (reshape(x, (1,)) if ndim_of(x) == 0 else x for x in (asarray(a), asarray(v)))
    if ndim_of(v) == 1:
        v = flip(v)
    return _correlate_mode(a, v, mode, lambda n, m: (min(n, m) - 1) // 2)


__all__ = ["searchsorted", "interp", "polyval", "polyfit", "trapezoid", "gradient", "convolve",
           "correlate", "pi", "e", "inf", "nan", "newaxis", "euler_gamma", "float32", "float64",
           "complex64", "complex128", "int32", "int64", "bool_", "finfo", "iinfo", "errstate",
           "s_", "index_exp"]
