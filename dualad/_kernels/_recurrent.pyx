# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Recurrent-cell kernels: the elementwise part of one LSTM or GRU time step, forward and
backward, each one pass over its rows.

Same names, arguments and results as ``recurrent_reference.py``, which documents them
(tests/test_recurrent_kernels.py checks the parity); the caller (``dualad._kernels.RECURRENT``)
sends only C-contiguous NumPy arrays of one dtype, float64 or float32, here. The loops over a
row's columns are simple enough for GCC to vectorise (with libmvec's ``exp`` and ``tanh``,
``_vecmath.h``): the forward passes one loop per gate block (a loop computing every gate at
once stayed scalar, 20x slower), the backward reads each block at the same column.
"""
import numpy as np

ctypedef fused real:
    float
    double

cdef extern from "_vecmath.h" nogil:
    double exp(double)
    float expf(float)
    double tanh(double)
    float tanhf(float)
    double fabs(double)
    float fabsf(float)


cdef inline real sigmoid(real x) noexcept nogil:
    cdef real e
    if real is float:
        e = expf(-fabsf(x))
    else:
        e = exp(-fabs(x))        # <= 1: never overflows
    return (1 if x >= 0 else e) / (1 + e)


cdef inline real tanh_(real x) noexcept nogil:
    if real is float:
        return tanhf(x)
    else:
        return tanh(x)


# ---------------------------------------------------------------- LSTM
cdef void lstm_fwd_rows(const real[:, ::1] z, const real[:, ::1] c, real[:, :, ::1] hc,
                        real[:, ::1] act) noexcept nogil:
    # IN: z (N, 4H) pre-activations i f g o, c (N, H); OUT: hc (2, N, H) = h', c';
    # act (N, 5H) = i f g o tanh(c'). One simple loop per block, so that each vectorises.
    cdef Py_ssize_t n, j, H = c.shape[1]
    cdef const real* zr
    cdef const real* cr
    cdef real* a
    cdef real* hr
    cdef real* cn
    for n in range(c.shape[0]):
        zr = &z[n, 0]
        cr = &c[n, 0]
        a = &act[n, 0]
        hr = &hc[0, n, 0]
        cn = &hc[1, n, 0]
        for j in range(2 * H):
            a[j] = sigmoid(zr[j])
        for j in range(2 * H, 3 * H):
            a[j] = tanh_(zr[j])
        for j in range(3 * H, 4 * H):
            a[j] = sigmoid(zr[j])
        for j in range(H):
            cn[j] = a[H + j] * cr[j] + a[j] * a[2 * H + j]
        for j in range(H):
            a[4 * H + j] = tanh_(cn[j])
        for j in range(H):
            hr[j] = a[3 * H + j] * a[4 * H + j]


cdef void lstm_bwd_rows(const real[:, :, :, ::1] g, const real[:, ::1] act,
                        const real[:, ::1] c, real[:, :, ::1] dz, real[:, :, ::1] dc) noexcept nogil:
    # IN: g (k, 2, N, H) cotangents of h', c'; act (N, 5H); c (N, H);
    # OUT: dz (k, N, 4H), dc (k, N, H)
    cdef Py_ssize_t r, n, j, H = c.shape[1]
    cdef const real* a
    cdef real* d
    cdef real i, f, gg, o, tc, gh, dcn
    for r in range(g.shape[0]):
        for n in range(c.shape[0]):
            a = &act[n, 0]
            d = &dz[r, n, 0]
            for j in range(H):
                i = a[j]
                f = a[H + j]
                gg = a[2 * H + j]
                o = a[3 * H + j]
                tc = a[4 * H + j]
                gh = g[r, 0, n, j]
                dcn = g[r, 1, n, j] + gh * o * (1 - tc * tc)
                d[j] = dcn * gg * (i * (1 - i))
                d[H + j] = dcn * c[n, j] * (f * (1 - f))
                d[2 * H + j] = dcn * i * (1 - gg * gg)
                d[3 * H + j] = gh * tc * (o * (1 - o))
                dc[r, n, j] = dcn * f


def lstm_cell_fwd(z, c):
    n, h = c.shape
    hc = np.empty((2, n, h), dtype=z.dtype)
    act = np.empty((n, 5 * h), dtype=z.dtype)
    if z.dtype == np.float64:
        lstm_fwd_rows[double](z, c, hc, act)
    else:
        lstm_fwd_rows[float](z, c, hc, act)
    return hc, act


def lstm_cell_bwd(g, act, c):
    n, h = c.shape
    k = g.shape[0]
    dz = np.empty((k, n, 4 * h), dtype=g.dtype)
    dc = np.empty((k, n, h), dtype=g.dtype)
    if g.dtype == np.float64:
        lstm_bwd_rows[double](g, act, c, dz, dc)
    else:
        lstm_bwd_rows[float](g, act, c, dz, dc)
    return dz, dc


# ---------------------------------------------------------------- GRU
cdef void gru_fwd_rows(const real[:, ::1] zx, const real[:, ::1] zh, const real[:, ::1] h,
                       real[:, ::1] out, real[:, ::1] act) noexcept nogil:
    # IN: zx, zh (N, 3H) projections (gates r z n), h (N, H); OUT: out (N, H) = h';
    # act (N, 3H) = r u n. One simple loop per block, so that each vectorises.
    cdef Py_ssize_t n, j, H = h.shape[1]
    cdef const real* x
    cdef const real* y
    cdef const real* hr
    cdef real* a
    cdef real* o
    for n in range(h.shape[0]):
        x = &zx[n, 0]
        y = &zh[n, 0]
        hr = &h[n, 0]
        a = &act[n, 0]
        o = &out[n, 0]
        for j in range(2 * H):
            a[j] = sigmoid(x[j] + y[j])
        for j in range(H):
            a[2 * H + j] = tanh_(x[2 * H + j] + a[j] * y[2 * H + j])
        for j in range(H):
            o[j] = a[2 * H + j] + a[H + j] * (hr[j] - a[2 * H + j])


cdef void gru_bwd_rows(const real[:, :, ::1] g, const real[:, ::1] act, const real[:, ::1] zh,
                       const real[:, ::1] h, real[:, :, ::1] dzx, real[:, :, ::1] dzh,
                       real[:, :, ::1] dh) noexcept nogil:
    # IN: g (k, N, H), act (N, 3H), zh (N, 3H), h (N, H);
    # OUT: dzx, dzh (k, N, 3H), dh (k, N, H)
    cdef Py_ssize_t s, n, j, H = h.shape[1]
    cdef const real* a
    cdef real* dx
    cdef real* dy
    cdef real r, u, m, gi, dn, dr, du
    for s in range(g.shape[0]):
        for n in range(h.shape[0]):
            a = &act[n, 0]
            dx = &dzx[s, n, 0]
            dy = &dzh[s, n, 0]
            for j in range(H):
                r = a[j]
                u = a[H + j]
                m = a[2 * H + j]
                gi = g[s, n, j]
                dn = gi * (1 - u) * (1 - m * m)
                dr = dn * zh[n, 2 * H + j] * (r * (1 - r))
                du = gi * (h[n, j] - m) * (u * (1 - u))
                dx[j] = dr
                dx[H + j] = du
                dx[2 * H + j] = dn
                dy[j] = dr
                dy[H + j] = du
                dy[2 * H + j] = dn * r
                dh[s, n, j] = gi * u


def gru_cell_fwd(zx, zh, h):
    out = np.empty_like(h)
    act = np.empty_like(zx)
    if zx.dtype == np.float64:
        gru_fwd_rows[double](zx, zh, h, out, act)
    else:
        gru_fwd_rows[float](zx, zh, h, out, act)
    return out, act


def gru_cell_bwd(g, act, zh, h):
    k = g.shape[0]
    dzx = np.empty((k,) + act.shape, dtype=g.dtype)
    dzh = np.empty((k,) + act.shape, dtype=g.dtype)
    dh = np.empty((k,) + h.shape, dtype=g.dtype)
    if g.dtype == np.float64:
        gru_bwd_rows[double](g, act, zh, h, dzx, dzh, dh)
    else:
        gru_bwd_rows[float](g, act, zh, h, dzx, dzh, dh)
    return dzx, dzh, dh
