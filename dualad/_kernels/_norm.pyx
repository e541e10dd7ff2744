# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Normalisation kernels: batch normalisation over ``(N, C, L)`` and layer normalisation over
the rows of ``(M, D)``, forward and backward.

Same names, arguments and results as ``norm_reference.py``, which documents them
(tests/test_norm_kernels.py checks the parity); the caller (``dualad._kernels.NORM``) sends only
C-contiguous NumPy arrays of one dtype, float64 or float32, here. Sums are accumulated in double
(per channel in arrays of C accumulators, so that the loops walk memory in order for both
``(N, C)`` and ``(N, C, L)`` layouts); means are taken first and deviations summed after (two
passes), as the reference does.
"""
import numpy as np
from libc.math cimport sqrt

ctypedef fused real:
    float
    double


# ---------------------------------------------------------------- batch normalisation
cdef void bn_stats(const real[:, :, ::1] x, double[::1] mean, double[::1] var) noexcept nogil:
    # IN: x (N, C, L); OUT: mean, var (C,) (biased), in double
    cdef Py_ssize_t n, c, l, C = x.shape[1], L = x.shape[2]
    cdef double s, d, count = <double>x.shape[0] * L
    for c in range(C):
        mean[c] = 0
        var[c] = 0
    for n in range(x.shape[0]):
        for c in range(C):
            s = 0
            for l in range(L):
                s += x[n, c, l]
            mean[c] += s
    for c in range(C):
        mean[c] /= count
    for n in range(x.shape[0]):
        for c in range(C):
            s = 0
            for l in range(L):
                d = x[n, c, l] - mean[c]
                s += d * d
            var[c] += s
    for c in range(C):
        var[c] /= count


cdef void bn_apply(const real[:, :, ::1] x, const real[::1] mean, const real[::1] scale,
                   const real[::1] b, real[:, :, ::1] y) noexcept nogil:
    # IN: x (N, C, L), mean, scale (= w / sqrt(var + eps)), b (C,); OUT: y
    cdef Py_ssize_t n, c, l
    cdef real m, a, s
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            m = mean[c]
            a = scale[c]
            s = b[c]
            for l in range(x.shape[2]):
                y[n, c, l] = (x[n, c, l] - m) * a + s


cdef void bn_bwd(const real[:, :, :, ::1] g, const real[:, :, ::1] x, const double[::1] mean,
                 const double[::1] rstd, const real[::1] w, bint training, real[:, :, :, ::1] dx,
                 double[:, ::1] dw, double[:, ::1] db) noexcept nogil:
    # IN: g (k, N, C, L), x (N, C, L), mean, rstd, w (C,); OUT: dx (k, N, C, L), and (zeroed
    # by the caller) dw, db (k, C): sums of g * xhat and of g per channel
    cdef Py_ssize_t r, n, c, l, C = x.shape[1], L = x.shape[2]
    cdef double sg, sgx, gi, xh, scale, count = <double>x.shape[0] * L
    for r in range(g.shape[0]):
        for n in range(x.shape[0]):
            for c in range(C):
                sg = 0
                sgx = 0
                for l in range(L):
                    gi = g[r, n, c, l]
                    sg += gi
                    sgx += gi * ((x[n, c, l] - mean[c]) * rstd[c])
                db[r, c] += sg
                dw[r, c] += sgx
        for n in range(x.shape[0]):
            for c in range(C):
                scale = w[c] * rstd[c]
                if training:
                    sg = db[r, c] / count
                    sgx = dw[r, c] / count
                    for l in range(L):
                        xh = (x[n, c, l] - mean[c]) * rstd[c]
                        dx[r, n, c, l] = <real>((g[r, n, c, l] - (sg + xh * sgx)) * scale)
                else:
                    for l in range(L):
                        dx[r, n, c, l] = <real>(g[r, n, c, l] * scale)


def _rstd(var, eps):
    return 1 / np.sqrt(var.astype(np.float64) + eps)


def batch_norm_stats(x):
    mean = np.empty(x.shape[1])
    var = np.empty(x.shape[1])
    if x.dtype == np.float64:
        bn_stats[double](x, mean, var)
    else:
        bn_stats[float](x, mean, var)
    return mean.astype(x.dtype), var.astype(x.dtype)


def batch_norm_apply(x, mean, var, w, b, eps):
    scale = (w.astype(np.float64) * _rstd(var, eps)).astype(x.dtype)
    y = np.empty_like(x)
    if x.dtype == np.float64:
        bn_apply[double](x, mean, scale, b, y)
    else:
        bn_apply[float](x, mean, scale, b, y)
    return y


def batch_norm_fwd(x, w, b, eps):
    mean, var = batch_norm_stats(x)
    return batch_norm_apply(x, mean, var, w, b, eps), mean, var


def batch_norm_bwd(g, x, mean, var, w, eps, training):
    k, c = g.shape[0], x.shape[1]
    dx = np.empty_like(g)
    dw = np.zeros((k, c))
    db = np.zeros((k, c))
    args = (g, x, mean.astype(np.float64), _rstd(var, eps), w, training, dx, dw, db)
    if g.dtype == np.float64:
        bn_bwd[double](*args)
    else:
        bn_bwd[float](*args)
    return dx, dw.astype(g.dtype), db.astype(g.dtype)


# ---------------------------------------------------------------- layer normalisation
cdef void ln_fwd(const real[:, ::1] x, const real[::1] w, const real[::1] b, double eps,
                 real[:, ::1] y, real[::1] mean, real[::1] rstd) noexcept nogil:
    # IN: x (M, D), w, b (D,); OUT: y (M, D), mean, rstd (M,)
    cdef Py_ssize_t m, j, D = x.shape[1]
    cdef double s, d, mu, r
    for m in range(x.shape[0]):
        s = 0
        for j in range(D):
            s += x[m, j]
        mu = s / D
        s = 0
        for j in range(D):
            d = x[m, j] - mu
            s += d * d
        r = 1 / sqrt(s / D + eps)
        for j in range(D):
            y[m, j] = <real>((x[m, j] - mu) * r * w[j] + b[j])
        mean[m] = <real>mu
        rstd[m] = <real>r


cdef void ln_bwd(const real[:, :, ::1] g, const real[:, ::1] x, const real[::1] mean,
                 const real[::1] rstd, const real[::1] w, real[:, :, ::1] dx,
                 double[:, ::1] dw, double[:, ::1] db) noexcept nogil:
    # IN: g (k, M, D), x (M, D), mean, rstd (M,), w (D,); OUT: dx (k, M, D), and (zeroed by
    # the caller) dw, db (k, D)
    cdef Py_ssize_t r, m, j, D = x.shape[1]
    cdef double mu, rs, gi, gw, xh, sg, sgx
    for r in range(g.shape[0]):
        for m in range(x.shape[0]):
            mu = mean[m]
            rs = rstd[m]
            sg = 0
            sgx = 0
            for j in range(D):
                gi = g[r, m, j]
                xh = (x[m, j] - mu) * rs
                gw = gi * w[j]
                sg += gw
                sgx += gw * xh
                db[r, j] += gi
                dw[r, j] += gi * xh
            sg /= D
            sgx /= D
            for j in range(D):
                xh = (x[m, j] - mu) * rs
                dx[r, m, j] = <real>((g[r, m, j] * <double>w[j] - sg - xh * sgx) * rs)


def layer_norm_fwd(x, w, b, eps):
    y = np.empty_like(x)
    mean = np.empty(x.shape[0], dtype=x.dtype)
    rstd = np.empty(x.shape[0], dtype=x.dtype)
    if x.dtype == np.float64:
        ln_fwd[double](x, w, b, eps, y, mean, rstd)
    else:
        ln_fwd[float](x, w, b, eps, y, mean, rstd)
    return y, mean, rstd


def layer_norm_bwd(g, x, mean, rstd, w):
    k, d = g.shape[0], x.shape[1]
    dx = np.empty_like(g)
    dw = np.zeros((k, d))
    db = np.zeros((k, d))
    if g.dtype == np.float64:
        ln_bwd[double](g, x, mean, rstd, w, dx, dw, db)
    else:
        ln_bwd[float](g, x, mean, rstd, w, dx, dw, db)
    return dx, dw.astype(g.dtype), db.astype(g.dtype)
