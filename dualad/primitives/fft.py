"""Discrete Fourier transforms as linear primitives: ``fft_c2c`` (complex to complex over some
axes), ``rfft_r2c`` and ``irfft_c2r`` (the real transforms along one axis), each at exact sizes
(the facade, ``dualad.numpy.fft``, crops or zero-pads to NumPy's ``n``/``s`` first).

Transposes under the pairing ``Re(g * t)`` (NOTE: complex convention in ``complex.py``): the DFT
matrix is symmetric, so the transpose of a complex transform is the same transform with the
same ``norm``. ``rfft`` keeps the first ``n // 2 + 1`` rows of the DFT matrix: its transpose is
the full transform of the cotangent zero-padded to ``n``, of which a real input keeps the real
part. ``irfft`` reads the half spectrum as a Hermitian one, counting each bin other than 0 and
(for even ``n``) ``n / 2`` twice and reading only the real part of those two: its transpose
weighs the conjugate of the cotangent's own ``rfft`` by those counts.
"""
import numpy as np

from .._core.backend import array_module
from .._core.primitive import Primitive, dtype_of, shape_of
from .binary import multiply
from .complex import conj
from .indexing import concatenate

# the scale each norm gives the inverse transform of n points
_INVERSE_SCALE = {"backward": lambda n: 1.0 / n, "ortho": lambda n: 1.0 / np.sqrt(n),
                  "forward": lambda n: 1.0}


def _c2c_impl(x, axes, norm, inverse):
    xp = array_module(x)
    return (xp.fft.ifftn if inverse else xp.fft.fftn)(x, axes=axes, norm=norm)


def _c2c_rule(t, ans, x, axes, norm, inverse):
    return fft_c2c(t, axes=axes, norm=norm, inverse=inverse)


fft_c2c = Primitive("fft_c2c", _c2c_impl, jvp=(_c2c_rule,), vjp=(_c2c_rule,), linear=True,
                    batched=True)


def pad_to(v, axis, length):
    """``v`` zero-padded at the end of ``axis`` to ``length`` (differentiable)."""
    have = shape_of(v)[axis]
    if have == length:
        return v
    shape = list(shape_of(v))
    shape[axis] = length - have
    zeros = array_module(v).zeros(tuple(shape), dtype=dtype_of(v))
    return concatenate(v, zeros, axis=axis)


def _r2c_impl(x, axis, norm):
    return array_module(x).fft.rfft(x, axis=axis, norm=norm)


def _r2c_vjp(g, ans, x, axis, norm):
    full = fft_c2c(pad_to(g, axis, x.shape[axis]), axes=(axis,), norm=norm, inverse=False)
    return full   # complex: the real input keeps its real part (Primitive.backward)


rfft_r2c = Primitive("rfft_r2c", _r2c_impl,
                     jvp=(lambda t, ans, x, axis, norm: rfft_r2c(t, axis=axis, norm=norm),),
                     vjp=(_r2c_vjp,), linear=True, batched=True)


def _c2r_impl(c, n, axis, norm):
    return array_module(c).fft.irfft(c, n=n, axis=axis, norm=norm)


def _hermitian_counts(n, bins, axis, ndim, dtype):
    """How often each of the ``bins`` stored bins occurs in the full spectrum of ``n`` points,
    shaped to broadcast along ``axis`` of an array of ``ndim`` axes."""
    counts = np.full(bins, 2.0)
    counts[0] = 1.0
    if n % 2 == 0:
        counts[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = bins
    return counts.reshape(shape).astype(np.result_type(dtype, np.float32))


def _c2r_vjp(g, ans, c, n, axis, norm):
    spectrum = conj(rfft_r2c(g, axis=axis, norm="backward"))
    weights = _hermitian_counts(n, c.shape[axis], axis, len(shape_of(g)), dtype_of(ans))
    return multiply(spectrum, weights * _INVERSE_SCALE[norm](n))


irfft_c2r = Primitive(
    "irfft_c2r", _c2r_impl,
    jvp=(lambda t, ans, c, n, axis, norm: irfft_c2r(t, n=n, axis=axis, norm=norm),),
    vjp=(_c2r_vjp,), linear=True, batched=True)
