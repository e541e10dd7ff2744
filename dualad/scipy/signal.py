"""``dualad.scipy.signal``: ``convolve``, ``correlate``, ``fftconvolve``, ``convolve2d`` and
``correlate2d`` with SciPy's signatures and ``mode`` (``'full'``, ``'same'``, ``'valid'``),
differentiable in both inputs, in both modes and to any order.

# Design: one primitive, the N-d convolution in ``'full'`` or ``'valid'`` mode (values from
# ``scipy.signal.convolve``). It is bilinear, and its transposes are convolutions again with a
# flipped operand (NOTE: complex convention in ``primitives/complex.py``: plain transposes,
# no conjugate):
#   full:  y = a * b            ->  a_bar = valid(g, flip(b)),     b_bar = valid(g, flip(a))
#   valid: y = valid(big, small) -> big_bar = full(g, flip(small)), small_bar = valid(flip(big), g)
# (``valid`` convolves the larger operand with the smaller, as SciPy does whichever comes first.)
# ``'same'`` crops the full result; ``correlate`` is the convolution with the reversed
# conjugate of ``in2``; the 2-d boundaries pad ``in1`` (``dnp.pad``) before a valid convolution;
# ``fftconvolve`` is composed from ``dualad.numpy.fft``. With plain arrays each function returns
# SciPy's own result.

>>> import numpy as np
>>> import dualad as ad
>>> ad.grad(lambda a: convolve(a, np.array([1.0, 2.0])).sum())(np.ones(3))
array([3., 3., 3.])
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, dtype_of, ndim_of, shape_of
from ..extend import defprim
from ..numpy import asarray, conj, einsum, flip, getitem, multiply, pad, take, transpose
from ..numpy import fft as dfft
from ._scipy import scipy_module
from ..typing import Array, ArrayLike, Axis

__all__ = ["convolve", "correlate", "fftconvolve", "convolve2d", "correlate2d"]

_MODES = ("full", "same", "valid")
_BOUNDARIES = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
               "symm": "symmetric", "symmetric": "symmetric"}


def _larger_first(a, b):
    """Whether ``a`` is at least as large as ``b`` along every axis (else ``b`` must be)."""
    sa, sb = shape_of(a), shape_of(b)
    if all(x >= y for x, y in zip(sa, sb)):
        return True
    if all(y >= x for x, y in zip(sa, sb)):
        return False
    raise ValueError(f"convolve: in 'valid' mode one input must be at least as large as the "
                     f"other along every axis, got shapes {sa} and {sb}")


def _flip_all(x):
    return flip(x, axis=None)


def _conv_vjp_a(g, ans, a, b, *, mode):
    if mode == "full":
        return _conv_p(g, _flip_all(b), mode="valid")
    if _larger_first(a, b):
        return _conv_p(g, _flip_all(b), mode="full")
    return _conv_p(_flip_all(b), g, mode="valid")


def _conv_vjp_b(g, ans, a, b, *, mode):
    return _conv_vjp_a(g, ans, b, a, mode=mode)     # convolution commutes


_conv_p = defprim("scipy.signal.convolve",
                  lambda a, b, *, mode: scipy_module("signal").convolve(a, b, mode=mode),
                  jvp=(lambda t, ans, a, b, *, mode: _conv_p(t, b, mode=mode),
                       lambda t, ans, a, b, *, mode: _conv_p(a, t, mode=mode)),
                  vjp=(_conv_vjp_a, _conv_vjp_b))


def _plain(*xs):
    return not any(isinstance(x, Box) for x in xs)


def _checked(in1, in2, mode, name):
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    in1, in2 = asarray(in1), asarray(in2)
    if ndim_of(in1) != ndim_of(in2):
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got shapes "
                         f"{shape_of(in1)} and {shape_of(in2)}")
    if 0 in shape_of(in1) or 0 in shape_of(in2):
        raise ValueError(f"{name}: inputs must not be empty, got shapes {shape_of(in1)} and "
                         f"{shape_of(in2)}")
    return in1, in2


def _centered(x, shape, late=False):
    """The middle ``shape`` of ``x`` (SciPy's ``_centered``); where the margins are uneven the
    larger one comes first with ``late`` (``correlate2d``'s ``'same'`` does so)."""
    starts = [(have - want + late) // 2 for have, want in zip(shape_of(x), shape)]
    return getitem(x, tuple(slice(s, s + w) for s, w in zip(starts, shape)))


def _convolve(in1, in2, mode):
    if mode == "same":
        return _centered(_conv_p(in1, in2, mode="full"), shape_of(in1))
    if mode == "valid":
        _larger_first(in1, in2)
    return _conv_p(in1, in2, mode=mode)


def _tensor_convolve(a, b, axes, dot_axes, mode):
    """autograd's generalised convolution, composed from ``take`` (the sliding windows of
    ``a``, ``b`` flipped by the indices) and ``einsum``."""
    na, nb = ndim_of(a), ndim_of(b)
    conv_a, conv_b = ([list(range(na)), list(range(nb))] if axes is None else
                      [[ax % n for ax in v] for v, n in zip(axes, (na, nb))])
    dot_a, dot_b = [[ax % n for ax in v] for v, n in zip(dot_axes, (na, nb))]
    if len(conv_a) != len(conv_b) or len(dot_a) != len(dot_b):
        raise ValueError(f"convolve: axes and dot_axes must pair as many axes of in1 as of in2, "
                         f"got axes={axes} and dot_axes={dot_axes}")
    sa, sb = shape_of(a), shape_of(b)
    for i, j in zip(dot_a, dot_b):
        if sa[i] != sb[j]:
            raise ValueError(f"convolve: dot_axes pair axis {i} of in1 (length {sa[i]}) with "
                             f"axis {j} of in2 (length {sb[j]}); the lengths must agree")
    ignore_a = [i for i in range(na) if i not in conv_a and i not in dot_a]
    ignore_b = [j for j in range(nb) if j not in conv_b and j not in dot_b]
    if not all(sa[i] >= sb[j] for i, j in zip(conv_a, conv_b)):
        if mode == "valid" and not all(sb[j] >= sa[i] for i, j in zip(conv_a, conv_b)):
            raise ValueError(f"convolve: in 'valid' mode one input must be at least as large as "
                             f"the other along every convolved axis, got shapes {sa} and {sb}")
        if mode == "valid":   # convolution commutes: slide the smaller a over the larger b
            out = _tensor_convolve(b, a, (conv_b, conv_a), (dot_b, dot_a), mode)
            k, m = len(ignore_b), len(ignore_a)
            return transpose(out, list(range(k, k + m)) + list(range(k)) +
                             list(range(k + m, ndim_of(out))))
    if mode != "valid":       # the full result is the valid one of a padded by m - 1 a side
        width = [(0, 0)] * na
        for i, j in zip(conv_a, conv_b):
            width[i] = (sb[j] - 1, sb[j] - 1)
        padded = pad(a, width)
    else:
        padded = a
    windows = transpose(padded, ignore_a + dot_a + conv_a)
    lead = len(ignore_a) + len(dot_a)
    for k, (i, j) in enumerate(zip(conv_a, conv_b)):
        n, m = shape_of(padded)[i], sb[j]
        # window r of the axis, entry q: a[r + m - 1 - q], which meets b[q] (b flipped)
        index = np.arange(n - m + 1)[:, None] + (m - 1) - np.arange(m)[None, :]
        windows = take(windows, index, axis=lead + 2 * k)
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    ia, ib, dots = ([next(letters) for _ in v] for v in (ignore_a, ignore_b, dot_a))
    slide, inner = ([next(letters) for _ in conv_a] for _ in range(2))
    spec_a = "".join(ia + dots + [c for pair in zip(slide, inner) for c in pair])
    spec_b = "".join(ib + dots + inner)
    out = einsum(f"{spec_a},{spec_b}->{''.join(ia + ib + slide)}", windows,
                 transpose(b, ignore_b + dot_b + conv_b))
    if mode != "same":
        return out
    shape = list(shape_of(out))
    for k, i in enumerate(conv_a):
        shape[len(ia) + len(ib) + k] = sa[i]
    return _centered(out, shape)


def _reversed_conj(x):
    return _flip_all(conj(x) if dtype_of(raw_value(x)).kind == "c" else x)


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto", *,
             axes: Sequence[int] | None = None,
             dot_axes: tuple[Sequence[int], Sequence[int]] = ((), ())) -> Array:
    """N-d convolution of ``in1`` and ``in2`` (same number of dimensions), SciPy's
    ``scipy.signal.convolve``; ``method`` is passed to SciPy for plain arrays.

    HIPS autograd's generalisation is accepted by keyword: ``axes=(axes1, axes2)`` pairs the
    convolved axes of the two inputs and ``dot_axes=(axes1, axes2)`` the axes summed over (a
    tensor dot); the output has ``in1``'s other axes, then ``in2``'s, then the convolved ones.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve(np.ones((2, 3)), np.ones((4, 2)), axes=([1], [0])).shape   # rows by columns
    (2, 2, 6)
    """
    if axes is not None or any(len(d) for d in dot_axes):
        if mode not in _MODES:
            raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")
        return _tensor_convolve(asarray(in1), asarray(in2), axes, dot_axes, mode)
    in1, in2 = _checked(in1, in2, mode, "convolve")
    if _plain(in1, in2):
        return scipy_module("signal").convolve(in1, in2, mode=mode, method=method)
    return _convolve(in1, in2, mode)


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto") -> Array:
    """N-d cross-correlation, SciPy's ``scipy.signal.correlate``: ``z[k] = sum_l in1[l]
    conj(in2[l - k + N - 1])``, the convolution of ``in1`` with ``in2`` reversed and
    conjugated.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    in1, in2 = _checked(in1, in2, mode, "correlate")
    if _plain(in1, in2):
        return scipy_module("signal").correlate(in1, in2, mode=mode, method=method)
    return _convolve(in1, _reversed_conj(in2), mode)


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
                axes: Axis = None) -> Array:
    """Convolution by FFT along ``axes`` (all by default; the other axes broadcast), SciPy's
    ``scipy.signal.fftconvolve``, composed from ``dualad.numpy.fft``.

    >>> np.round(fftconvolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.5])), 12)
    array([1. , 3. , 5.5, 4. , 1.5])
    """
    in1, in2 = _checked(in1, in2, mode, "fftconvolve")
    if _plain(in1, in2):
        return scipy_module("signal").fftconvolve(in1, in2, mode=mode, axes=axes)
    nd = ndim_of(in1)
    axes = list(range(nd)) if axes is None else sorted(
        a % nd for a in ((axes,) if np.ndim(axes) == 0 else axes))
    s1, s2 = shape_of(in1), shape_of(in2)
    for a in range(nd):
        if a not in axes and s1[a] != s2[a] and 1 not in (s1[a], s2[a]):
            raise ValueError(f"fftconvolve: incompatible shapes for in1 and in2: {s1} and {s2}")
    if mode == "valid" and not all(s1[a] >= s2[a] for a in axes):
        if not all(s2[a] >= s1[a] for a in axes):
            raise ValueError(f"fftconvolve: in 'valid' mode one input must be at least as large "
                             f"as the other along every axis, got shapes {s1} and {s2}")
        in1, in2, s1, s2 = in2, in1, s2, s1
    full = [s1[a] + s2[a] - 1 for a in axes]
    if "c" in (dtype_of(raw_value(in1)).kind, dtype_of(raw_value(in2)).kind):
        product = multiply(dfft.fftn(in1, s=full, axes=axes), dfft.fftn(in2, s=full, axes=axes))
        out = dfft.ifftn(product, s=full, axes=axes)
    else:
        product = multiply(dfft.rfftn(in1, s=full, axes=axes),
                           dfft.rfftn(in2, s=full, axes=axes))
        out = dfft.irfftn(product, s=full, axes=axes)
    if mode == "full":
        return out
    shape = list(shape_of(out))
    for i, a in enumerate(axes):
        shape[a] = s1[a] if mode == "same" else s1[a] - s2[a] + 1
    return _centered(out, shape)


def _convolve2d(in1, in2, mode, boundary, fillvalue, name, late=False):
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{name}: boundary must be 'fill', 'wrap' or 'symm', got {boundary!r}")
    if ndim_of(in1) != 2 or ndim_of(in2) != 2:
        raise ValueError(f"{name}: in1 and in2 must be 2-d arrays, got shapes {shape_of(in1)} "
                         f"and {shape_of(in2)}")
    if mode == "valid":
        return _convolve(in1, in2, mode)   # nothing outside in1 is read
    # the full result reads in1 up to (m - 1) past each edge: pad it there, then a valid one
    width = [(m - 1, m - 1) for m in shape_of(in2)]
    kwargs = {"constant_values": fillvalue} if _BOUNDARIES[boundary] == "constant" else {}
    full = _conv_p(pad(in1, width, mode=_BOUNDARIES[boundary], **kwargs), in2, mode="valid")
    return full if mode == "full" else _centered(full, shape_of(in1), late)


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0) -> Array:
    """2-d convolution, SciPy's ``scipy.signal.convolve2d``, with ``boundary`` ``'fill'`` (with
    ``fillvalue``, itself differentiable), ``'wrap'`` or ``'symm'``.

    >>> convolve2d(np.eye(2), np.ones((1, 2)))
    array([[1., 1., 0.],
           [0., 1., 1.]])
    """
    in1, in2 = _checked(in1, in2, mode, "convolve2d")
    if _plain(in1, in2, fillvalue):
        return scipy_module("signal").convolve2d(in1, in2, mode=mode, boundary=boundary,
                                                 fillvalue=fillvalue)
    return _convolve2d(in1, in2, mode, boundary, fillvalue, "convolve2d")


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0) -> Array:
    """2-d cross-correlation, SciPy's ``scipy.signal.correlate2d``: ``convolve2d`` with ``in2``
    reversed along both axes and conjugated.

    >>> correlate2d(np.eye(2), np.array([[1.0, 2.0]]))
    array([[2., 1., 0.],
           [0., 2., 1.]])
    """
    in1, in2 = _checked(in1, in2, mode, "correlate2d")
    if _plain(in1, in2, fillvalue):
        return scipy_module("signal").correlate2d(in1, in2, mode=mode, boundary=boundary,
                                                  fillvalue=fillvalue)
    out = _convolve2d(in1, _reversed_conj(in2), mode, boundary, fillvalue, "correlate2d",
                      late=True)
    if mode == "valid" and not _larger_first(in1, in2) and dtype_of(raw_value(out)).kind == "c":
        out = conj(out)   # SciPy swaps the inputs here and returns the conjugate; so do we
    return out
