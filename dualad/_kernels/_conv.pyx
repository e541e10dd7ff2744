# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Sliding-window kernels: ``unfold`` (im2col) and ``fold`` (col2im) for 1-D and 2-D windows.

Same names, arguments and results as ``conv_reference.py`` (tests/kernels/test_conv_kernels.py checks
the parity); the caller (``dualad._kernels.CONV``) sends only C-contiguous float64/float32 NumPy
arrays with one or two spatial axes here. Padding is never materialised: a window position
outside the input reads ``pad_value`` (``unfold``) or is skipped (``fold``). A 1-D window is a
2-D one of height 1.

Large arrays are shared among the threads of the kernels' pool (``_pool.h``) by samples, so
that each sample is written by one thread: ``fold``'s sums are made in one order and its
result does not depend on the thread count.
"""
import numpy as np
cimport numpy as cnp

from .conv_reference import out_size

cnp.import_array()

from libc.stdlib cimport calloc, free, malloc

include "_threads.pxi"


cdef enum:
    PARALLEL_MIN = 65536  # elements of the window array below which one thread does it all


cdef struct Geometry:
    # x or acc: (B, C, H, W); the windows: (B, OH, OW, C, kh * kw), C-contiguous both; HP, WP:
    # the extent of the padded input that the windows read
    Py_ssize_t C, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, HP, WP


ctypedef fused real:
    float
    double


# Both kernels work one sample at a time through a private copy of the sample padded to the
# extent the windows read (HP x WP per channel), so that the loops that move the windows'
# elements have no bounds to test: the innermost runs along an output row.

cdef void pad_sample(real* padded, const real* x, const Geometry* g, real pad) noexcept nogil:
    # IN: x (C, H, W); OUT: padded (C, HP, WP), padded[c, h + ph, w + pw] = x[c, h, w], pad
    # elsewhere
    cdef Py_ssize_t c, hh, h, ww, lo = min(g.WP, g.pw), hi = min(g.WP, g.pw + g.W)
    cdef real* dst
    cdef const real* src
    for c in range(g.C):
        for hh in range(g.HP):
            dst = padded + (c * g.HP + hh) * g.WP
            h = hh - g.ph
            if h < 0 or h >= g.H:
                for ww in range(g.WP):
                    dst[ww] = pad
                continue
            src = x + (c * g.H + h) * g.W - g.pw
            for ww in range(lo):
                dst[ww] = pad
            for ww in range(lo, hi):
                dst[ww] = src[ww]
            for ww in range(hi, g.WP):
                dst[ww] = pad


cdef void move_windows(real* padded, real* windows, const Geometry* g,
                       bint gather) noexcept nogil:
    # padded (C, HP, WP) and windows (OH, OW, C, kh * kw) of one sample, paired as
    # windows[i, j, c, p * kw + q] ~ padded[c, i * sh + p * dh, j * sw + q * dw].
    # gather (unfold): each window entry is set from its padded element; else (fold, padded
    # zeroed by the caller): each padded element gets the sum of its window entries. The
    # geometry is read into locals first: the compiler cannot tell that the writes leave ``g``
    # unchanged
    cdef Py_ssize_t i, j, row, q, kw = g.kw, sw = g.sw, OW = g.OW, rows = g.C * g.kh
    cdef Py_ssize_t CK = rows * kw, HP = g.HP, WP = g.WP, kh = g.kh, sh = g.sh, dh = g.dh
    cdef Py_ssize_t dw = g.dw
    cdef real* pad_row
    cdef real* win
    for i in range(g.OH):
        for row in range(rows):          # row = c * kh + p
            pad_row = padded + ((row // kh) * HP + i * sh + (row % kh) * dh) * WP
            win = windows + i * OW * CK + row * kw
            for q in range(kw):
                if gather:
                    for j in range(OW):
                        win[j * CK + q] = pad_row[j * sw + q * dw]
                else:
                    for j in range(OW):
                        pad_row[j * sw + q * dw] += win[j * CK + q]


cdef void crop_sample(real* acc, const real* padded, const Geometry* g) noexcept nogil:
    # IN: padded (C, HP, WP); OUT: acc (C, H, W) zeroed, acc[c, h, w] = padded[c, h + ph,
    # w + pw] where the padded extent covers it (the rest: rows and columns no window read)
    cdef Py_ssize_t c, h, w, rows = min(g.H, g.HP - g.ph), cols = min(g.W, g.WP - g.pw)
    for c in range(g.C):
        for h in range(rows):
            for w in range(cols):
                acc[(c * g.H + h) * g.W + w] = padded[(c * g.HP + h + g.ph) * g.WP + w + g.pw]


cdef struct Job:
    Geometry g
    const void* src      # unfold: x; fold: the windows
    void* dst            # unfold: the windows; fold: the gradient (zeroed)
    double pad
    bint fold            # which direction
    bint single          # float32 (else float64)
    int failed           # a block could not allocate its padded copy


cdef void unfold_block(real* windows, const real* x, Job* job, Py_ssize_t b) noexcept nogil:
    cdef Geometry* g = &job.g
    cdef real* padded = <real*>malloc(g.C * g.HP * g.WP * sizeof(real))
    if padded == NULL:
        set_flag(&job.failed)
        return
    pad_sample(padded, x + b * g.C * g.H * g.W, g, <real>job.pad)
    move_windows(padded, windows + b * g.OH * g.OW * g.C * g.kh * g.kw, g, True)
    free(padded)


cdef void fold_block(real* acc, const real* windows, Job* job, Py_ssize_t b) noexcept nogil:
    cdef Geometry* g = &job.g
    cdef real* padded = <real*>calloc(g.C * g.HP * g.WP, sizeof(real))
    if padded == NULL:
        set_flag(&job.failed)
        return
    move_windows(padded, <real*>(windows + b * g.OH * g.OW * g.C * g.kh * g.kw), g, False)
    crop_sample(acc + b * g.C * g.H * g.W, padded, g)
    free(padded)


cdef void sample_block(void* ctx, Py_ssize_t b) noexcept nogil:
    # the thread pool's task: sample b of the job, in its direction and precision
    cdef Job* job = <Job*>ctx
    if job.fold and job.single:
        fold_block[float](<float*>job.dst, <const float*>job.src, job, b)
    elif job.fold:
        fold_block[double](<double*>job.dst, <const double*>job.src, job, b)
    elif job.single:
        unfold_block[float](<float*>job.dst, <const float*>job.src, job, b)
    else:
        unfold_block[double](<double*>job.dst, <const double*>job.src, job, b)


def _as_2d(kernel, stride, padding, dilation):
    """A 1-D window's geometry as a 2-D one of height 1."""
    if len(kernel) == 2:
        return kernel, stride, padding, dilation
    return (1,) + tuple(kernel), (1,) + tuple(stride), ((0, 0),) + tuple(padding), (
        (1,) + tuple(dilation))


cdef Geometry geometry(Py_ssize_t c, size, out, kernel, stride, padding, dilation):
    k2, s2, p2, d2 = _as_2d(kernel, stride, padding, dilation)
    size2 = tuple(size) if len(size) == 2 else (1,) + tuple(size)
    out2 = tuple(out) if len(out) == 2 else (1,) + tuple(out)
    return Geometry(c, size2[0], size2[1], out2[0], out2[1], k2[0], k2[1], s2[0], s2[1],
                    p2[0][0], p2[1][0], d2[0], d2[1], (out2[0] - 1) * s2[0] + (k2[0] - 1) * d2[0]
                    + 1, (out2[1] - 1) * s2[1] + (k2[1] - 1) * d2[1] + 1)


cdef run(Job* job, Py_ssize_t batch, Py_ssize_t size):
    cdef Py_ssize_t b
    with nogil:
        if threads > 1 and batch > 1 and size >= PARALLEL_MIN:
            parallel(sample_block, job, batch, threads)
        else:
            for b in range(batch):
                sample_block(job, b)
    if job.failed:
        raise MemoryError("unfold/fold: no memory for a padded copy of one sample")


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
    cdef cnp.ndarray res = np.empty(lead + out + (c, int(np.prod(kernel))), dtype=x.dtype)
    cdef Job job = Job(geometry(c, size, out, kernel, stride, padding, dilation),
                       cnp.PyArray_DATA(<cnp.ndarray>x), cnp.PyArray_DATA(res), pad_value, False,
                       x.dtype == np.float32, 0)
    run(&job, int(np.prod(lead)), cnp.PyArray_SIZE(res))
    return res


def fold(g, size, kernel, stride, padding, dilation):
    """col2im, ``unfold``'s transpose: ``lead + out + (C, prod(kernel))`` to
    ``lead + (C,) + size``."""
    d = len(kernel)
    shape = tuple(g.shape)
    n = len(shape)
    lead, out, c = shape[:n - d - 2], shape[n - d - 2:n - 2], shape[n - 2]
    cdef cnp.ndarray acc = np.zeros(lead + (c,) + tuple(size), dtype=g.dtype)
    cdef Job job = Job(geometry(c, size, out, kernel, stride, padding, dilation),
                       cnp.PyArray_DATA(<cnp.ndarray>g), cnp.PyArray_DATA(acc), 0.0, True,
                       g.dtype == np.float32, 0)
    run(&job, int(np.prod(lead)), cnp.PyArray_SIZE(<cnp.ndarray>g))
    return acc
