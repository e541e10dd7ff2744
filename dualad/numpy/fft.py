"""``dualad.numpy.fft``: NumPy's discrete Fourier transforms with its ``n``/``s``,
``axis``/``axes`` and ``norm``, differentiable in both modes (the transforms are linear
primitives, ``dualad/primitives/fft.py``; their transposes are transforms too).

>>> import numpy as np, dualad as ad, dualad.numpy as dnp
>>> x = np.array([1.0, 2.0, 0.5, -1.0])
>>> loss = lambda x: dnp.sum(dnp.abs(dnp.fft.rfft(x)) ** 2)     # a real loss through an FFT
>>> np.allclose(ad.grad(loss)(x), ad.jacfwd(loss)(x))
True
"""
from __future__ import annotations

import numpy as np

from .._core.primitive import dtype_of, ndim_of, shape_of
from ..primitives import fft as _f
from ._axes import normalize_one
from ._core import getitem
from ._complex import conj
from ._shape import roll
from ..typing import Array, ArrayLike, Axis, Shape

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]

_NORMS = ("backward", "ortho", "forward")
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _norm(norm, name):
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f"dualad.numpy.fft.{name}: norm must be one of "
                         f"{', '.join(map(repr, _NORMS))} or None, got {norm!r}")
    return norm


def _fit(x, axis, length, name):
    """``x`` cropped or zero-padded at the end of ``axis`` to ``length`` (NumPy's ``n``)."""
    if length < 1:
        raise ValueError(f"dualad.numpy.fft.{name}: invalid number of data points ({length}) "
                         "specified")
    have = shape_of(x)[axis]
    if have > length:
        index = [slice(None)] * ndim_of(x)
        index[axis] = slice(0, length)
        return getitem(x, tuple(index))
    return _f.pad_to(x, axis, length)


def _axes_and_sizes(x, s, axes, name):
    """NumPy's reading of ``s`` and ``axes``: negative axes, and the length along each."""
    nd = ndim_of(x)
    if axes is None:
        axes = tuple(range(-len(s), 0)) if s is not None else tuple(range(-nd, 0))
    axes = tuple(normalize_one(a, nd, name) for a in axes)
    if s is None:
        s = tuple(shape_of(x)[a] for a in axes)
    elif len(s) != len(axes):
        raise ValueError(f"dualad.numpy.fft.{name}: s and axes must have the same length, got "
                         f"{len(s)} and {len(axes)}")
    return axes, tuple(int(n) for n in s)


def _complex(x):
    """Real input is transformed as complex (NumPy's c2c transforms do the same)."""
    kind = np.dtype(dtype_of(x)).kind
    if kind in "biu":
        raise TypeError("dualad.numpy.fft: integer input; cast it to float first")
    return x


def _c2c(x, s, axes, norm, inverse, name):
    axes, sizes = _axes_and_sizes(x, s, axes, name)
    for a, n in zip(axes, sizes):
        x = _fit(x, a, n, name)
    return _f.fft_c2c(_complex(x), axes=axes, norm=_norm(norm, name), inverse=inverse)


def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """One-dimensional discrete Fourier transform (``numpy.fft.fft``)."""
    return _c2c(a, None if n is None else (n,), (axis,), norm, False, "fft")


def ifft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """One-dimensional inverse transform (``numpy.fft.ifft``)."""
    return _c2c(a, None if n is None else (n,), (axis,), norm, True, "ifft")


def fftn(a: ArrayLike, s: Shape | None = None, axes: Axis = None,
         norm: str | None = None) -> Array:
    """N-dimensional transform (``numpy.fft.fftn``)."""
    return _c2c(a, s, axes, norm, False, "fftn")


def ifftn(a: ArrayLike, s: Shape | None = None, axes: Axis = None,
          norm: str | None = None) -> Array:
    """N-dimensional inverse transform (``numpy.fft.ifftn``)."""
    return _c2c(a, s, axes, norm, True, "ifftn")


def fft2(a: ArrayLike, s: Shape | None = None, axes: Axis = (-2, -1),
         norm: str | None = None) -> Array:
    """Two-dimensional transform (``numpy.fft.fft2``)."""
    return _c2c(a, s, axes, norm, False, "fft2")


def ifft2(a: ArrayLike, s: Shape | None = None, axes: Axis = (-2, -1),
          norm: str | None = None) -> Array:
    """Two-dimensional inverse transform (``numpy.fft.ifft2``)."""
    return _c2c(a, s, axes, norm, True, "ifft2")


def _real_input(a, name):
    if np.dtype(dtype_of(a)).kind == "c":
        raise TypeError(f"dualad.numpy.fft.{name}: input must be real, got dtype "
                        f"{dtype_of(a)} (use fft for complex input)")
    return a


def rfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """Transform of a real input, the non-negative frequencies only (``numpy.fft.rfft``)."""
    axis = normalize_one(axis, ndim_of(a), "rfft")
    a = _fit(_real_input(a, "rfft"), axis, shape_of(a)[axis] if n is None else int(n), "rfft")
    return _f.rfft_r2c(a, axis=axis, norm=_norm(norm, "rfft"))


def irfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """Inverse of ``rfft``: ``n`` real points from a Hermitian half spectrum
    (``numpy.fft.irfft``; the imaginary parts of bin 0 and, for even ``n``, bin ``n/2`` are
    ignored, as NumPy does)."""
    axis = normalize_one(axis, ndim_of(a), "irfft")
    n = 2 * (shape_of(a)[axis] - 1) if n is None else int(n)
    a = _fit(a, axis, n // 2 + 1, "irfft")
    return _f.irfft_c2r(a, n=n, axis=axis, norm=_norm(norm, "irfft"))


def hfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """Transform of a Hermitian-symmetric signal given by its first half (``numpy.fft.hfft``):
    ``irfft(conj(a))`` with the opposite normalisation."""
    return irfft(conj(a), n, axis, _SWAPPED[_norm(norm, "hfft")])


def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: str | None = None) -> Array:
    """Inverse of ``hfft`` (``numpy.fft.ihfft``): ``conj(rfft(a))`` with the opposite
    normalisation."""
    return conj(rfft(a, n, axis, _SWAPPED[_norm(norm, "ihfft")]))


def rfftn(a: ArrayLike, s: Shape | None = None, axes: Axis = None,
          norm: str | None = None) -> Array:
    """N-dimensional transform of a real input (``numpy.fft.rfftn``): ``rfft`` over the last
    axis, then complex transforms over the others."""
    axes, sizes = _axes_and_sizes(a, s, axes, "rfftn")
    out = rfft(a, sizes[-1], axes[-1], norm)
    return _c2c(out, sizes[:-1], axes[:-1], norm, False, "rfftn") if len(axes) > 1 else out


def irfftn(a: ArrayLike, s: Shape | None = None, axes: Axis = None,
           norm: str | None = None) -> Array:
    """Inverse of ``rfftn`` (``numpy.fft.irfftn``): inverse complex transforms over all axes
    but the last, then ``irfft`` over the last."""
    nd = ndim_of(a)
    if axes is None:
        axes = tuple(range(-len(s), 0)) if s is not None else tuple(range(-nd, 0))
    axes = tuple(normalize_one(ax, nd, "irfftn") for ax in axes)
    if s is None:
        s = tuple(shape_of(a)[ax] for ax in axes[:-1]) + (2 * (shape_of(a)[axes[-1]] - 1),)
    if len(axes) > 1:
        a = _c2c(a, tuple(s[:-1]), axes[:-1], norm, True, "irfftn")
    return irfft(a, s[-1], axes[-1], norm)


def rfft2(a: ArrayLike, s: Shape | None = None, axes: Axis = (-2, -1),
          norm: str | None = None) -> Array:
    """Two-dimensional ``rfftn`` (``numpy.fft.rfft2``)."""
    return rfftn(a, s, axes, norm)


def irfft2(a: ArrayLike, s: Shape | None = None, axes: Axis = (-2, -1),
           norm: str | None = None) -> Array:
    """Two-dimensional ``irfftn`` (``numpy.fft.irfft2``)."""
    return irfftn(a, s, axes, norm)


def _shift_axes(x, axes):
    nd = ndim_of(x)
    if axes is None:
        return tuple(range(nd))
    return (axes,) if np.ndim(axes) == 0 else tuple(axes)


def fftshift(x: ArrayLike, axes: Axis = None) -> Array:
    """The zero frequency moved to the centre (``numpy.fft.fftshift``), differentiable."""
    axes = _shift_axes(x, axes)
    return roll(x, tuple(shape_of(x)[a] // 2 for a in axes), axes)


def ifftshift(x: ArrayLike, axes: Axis = None) -> Array:
    """The inverse of ``fftshift`` (``numpy.fft.ifftshift``), differentiable."""
    axes = _shift_axes(x, axes)
    return roll(x, tuple(-(shape_of(x)[a] // 2) for a in axes), axes)


fftfreq = np.fft.fftfreq      # constants: the sample frequencies
rfftfreq = np.fft.rfftfreq
