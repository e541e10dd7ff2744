# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Sliding-window kernels: ``unfold`` (im2col) and ``fold`` (col2im) for 1-D and 2-D windows.

Same names, arguments and results as ``conv_reference.py`` (tests/kernels/test_conv_kernels.py checks
the parity); the caller (``dualad._kernels.CONV``) sends only C-contiguous float64/float32 NumPy
arrays with one or two spatial axes here. Padding is never materialised: a window position
outside the input reads ``pad_value`` (``unfold``) or is skipped (``fold``). A 1-D window is a
2-D one of height 1.
"""
import numpy as np

from .conv_reference import out_size

ctypedef fused real:
    float
    double


cdef void unfold_loop(const real[:, :, :, ::1] x, real[:, :, :, :, ::1] out, Py_ssize_t kh,
                      Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw,
                      Py_ssize_t dh, Py_ssize_t dw, real pad) noexcept nogil:
    # IN: x (B, C, H, W); OUT: out (B, OH, OW, C, kh * kw), out[b, i, j, c, p * kw + q] =
    # x[b, c, i * sh - ph + p * dh, j * sw - pw + q * dw], or pad outside x
    cdef Py_ssize_t b, i, j, c, p, q, h, w
    cdef Py_ssize_t H = x.shape[2], W = x.shape[3]
    for b in range(out.shape[0]):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                for c in range(out.shape[3]):
                    for p in range(kh):
                        h = i * sh - ph + p * dh
                        for q in range(kw):
                            w = j * sw - pw + q * dw
                            if 0 <= h < H and 0 <= w < W:
                                out[b, i, j, c, p * kw + q] = x[b, c, h, w]
                            else:
                                out[b, i, j, c, p * kw + q] = pad


cdef void fold_loop(const real[:, :, :, :, ::1] g, real[:, :, :, ::1] acc, Py_ssize_t kh,
                    Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw,
                    Py_ssize_t dh, Py_ssize_t dw) noexcept nogil:
    # IN: g (B, OH, OW, C, kh * kw); OUT (zeroed by the caller): acc (B, C, H, W), the sum of
    # every g entry at the position unfold read it from (positions in the padding dropped)
    cdef Py_ssize_t b, i, j, c, p, q, h, w
    cdef Py_ssize_t H = acc.shape[2], W = acc.shape[3]
    for b in range(g.shape[0]):
        for i in range(g.shape[1]):
            for j in range(g.shape[2]):
                for c in range(g.shape[3]):
                    for p in range(kh):
                        h = i * sh - ph + p * dh
                        if h < 0 or h >= H:
                            continue
                        for q in range(kw):
                            w = j * sw - pw + q * dw
                            if 0 <= w < W:
                                acc[b, c, h, w] += g[b, i, j, c, p * kw + q]


def _as_2d(kernel, stride, padding, dilation):
    """A 1-D window's geometry as a 2-D one of height 1."""
    if len(kernel) == 2:
        return kernel, stride, padding, dilation
    return (1,) + tuple(kernel), (1,) + tuple(stride), ((0, 0),) + tuple(padding), (
        (1,) + tuple(dilation))


def unfold(x, kernel, stride, padding, dilation, pad_value=0.0):
    """im2col: ``x`` ``lead + (C,) + spatial`` to ``lead + out + (C, prod(kernel))``."""
    d = len(kernel)
    shape = tuple(x.shape)
    n = len(shape)         # positive indices: this module is compiled with wraparound=False
    lead, c, size = shape[:n - d - 1], shape[n - d - 1], shape[n - d:]
    out = out_size(size, kernel, stride, padding, dilation)
    if any(n <= 0 for n in out):
        raise ValueError(f"unfold: the kernel {kernel} (dilation {dilation}) does not fit the "
                         f"input's spatial size {size} with padding {padding}")
    k2, s2, p2, d2 = _as_2d(kernel, stride, padding, dilation)
    batch = int(np.prod(lead))
    o2 = out if d == 2 else (1,) + out
    x4 = x.reshape((batch, c) + ((1,) + size if d == 1 else size))
    res = np.empty((batch,) + o2 + (c, k2[0] * k2[1]), dtype=x.dtype)
    if x.dtype == np.float64:
        unfold_loop[double](x4, res, k2[0], k2[1], s2[0], s2[1], p2[0][0], p2[1][0], d2[0],
                            d2[1], pad_value)
    else:
        unfold_loop[float](x4, res, k2[0], k2[1], s2[0], s2[1], p2[0][0], p2[1][0], d2[0],
                           d2[1], pad_value)
    return res.reshape(lead + out + (c, int(np.prod(kernel))))


def fold(g, size, kernel, stride, padding, dilation):
    """col2im, ``unfold``'s transpose: ``lead + out + (C, prod(kernel))`` to
    ``lead + (C,) + size``."""
    d = len(kernel)
    shape = tuple(g.shape)
    n = len(shape)
    lead, out, c = shape[:n - d - 2], shape[n - d - 2:n - 2], shape[n - 2]
    k2, s2, p2, d2 = _as_2d(kernel, stride, padding, dilation)
    batch = int(np.prod(lead))
    o2 = tuple(out) if d == 2 else (1,) + tuple(out)
    size2 = tuple(size) if d == 2 else (1,) + tuple(size)
    g5 = g.reshape((batch,) + o2 + (c, k2[0] * k2[1]))
    acc = np.zeros((batch, c) + size2, dtype=g.dtype)
    if g.dtype == np.float64:
        fold_loop[double](g5, acc, k2[0], k2[1], s2[0], s2[1], p2[0][0], p2[1][0], d2[0], d2[1])
    else:
        fold_loop[float](g5, acc, k2[0], k2[1], s2[0], s2[1], p2[0][0], p2[1][0], d2[0], d2[1])
    return acc.reshape(lead + (c,) + tuple(size))
