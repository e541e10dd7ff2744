"""NumPy references of the sliding-window kernels (``_conv.pyx``): ``unfold`` (im2col) and
``fold`` (col2im), for any number of spatial axes. The compiled kernels take 1-D and 2-D windows
of C-contiguous float64/float32 NumPy arrays; ``tests/kernels/test_conv_kernels.py`` checks the two
against each other.

Layout: ``x`` is ``lead + (C,) + spatial``; ``unfold(x)`` is ``lead + out + (C, prod(kernel))``:
one row of ``C * prod(kernel)`` values per output position, the kernel offsets in C order after
the channel. ``padding`` holds ``(before, after)`` pairs; ``fold`` is ``unfold``'s transpose.
"""
import itertools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .backend import array_module


def out_size(size, kernel, stride, padding, dilation):
    """Output extent along each spatial axis (``padding`` holds ``(before, after)`` pairs)."""
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(size, kernel, stride, padding, dilation))


def unfold(x, kernel, stride, padding, dilation, pad_value=0.0):
    d = len(kernel)
    xp = array_module(x)
    lead, c, size = x.shape[:-d - 1], x.shape[-d - 1], x.shape[-d:]
    out = out_size(size, kernel, stride, padding, dilation)
    if any(n <= 0 for n in out):
        raise ValueError(f"unfold: the kernel {kernel} (dilation {dilation}) does not fit the "
                         f"input's spatial size {size} with padding {padding}")
    if any(lo or hi for lo, hi in padding):
        x = xp.pad(x, [(0, 0)] * (len(lead) + 1) + list(padding), constant_values=pad_value)
    extent = tuple(dil * (k - 1) + 1 for k, dil in zip(kernel, dilation))
    n = len(lead)
    win = sliding_window_view(x, extent, axis=tuple(range(n + 1, n + 1 + d)))
    pick = (Ellipsis,) + tuple(slice(None, None, s) for s in stride) + tuple(
        slice(None, None, dil) for dil in dilation)
    win = win[pick]                                    # lead + (C,) + out + kernel
    order = (tuple(range(n)) + tuple(range(n + 1, n + 1 + d)) + (n,)
             + tuple(range(n + 1 + d, n + 1 + 2 * d)))
    return xp.ascontiguousarray(win.transpose(order)).reshape(
        lead + out + (c, int(np.prod(kernel))))


def fold(g, size, kernel, stride, padding, dilation):
    d = len(kernel)
    xp = array_module(g)
    lead, out, c = g.shape[:-d - 2], g.shape[-d - 2:-2], g.shape[-2]
    n = len(lead)
    # lead + out + (C,) + kernel  ->  lead + (C,) + kernel + out: each offset's slice in place
    g = g.reshape(lead + out + (c,) + tuple(kernel)).transpose(
        tuple(range(n)) + (n + d,) + tuple(range(n + d + 1, n + 2 * d + 1))
        + tuple(range(n, n + d)))
    padded = tuple(m + lo + hi for m, (lo, hi) in zip(size, padding))
    acc = xp.zeros(lead + (c,) + padded, dtype=g.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        target = (Ellipsis,) + tuple(
            slice(o * dil, o * dil + s * (m - 1) + 1, s)
            for o, dil, s, m in zip(offset, dilation, stride, out))
        acc[target] += g[(Ellipsis, slice(None)) + offset + (slice(None),) * d]
    crop = (Ellipsis,) + tuple(slice(lo, lo + m) for (lo, _), m in zip(padding, size))
    return acc[crop]
