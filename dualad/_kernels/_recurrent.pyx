# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Recurrent-layer kernels: an LSTM or GRU layer's time steps, forward and backward, each step
one BLAS product (through NumPy) and one compiled pass over the gates.

Same names, arguments and results as ``recurrent_reference.py``, which documents them
(tests/test_recurrent_kernels.py checks the parity); the caller (``dualad._kernels.RECURRENT``)
sends only C-contiguous NumPy arrays of one dtype, float64 or float32, here. The loop over the
steps is here too, so that a step costs one Python-level call (the product) rather than a
dozen; the gate passes release the GIL. The loops over a row's columns are simple enough for
GCC to vectorise (with libmvec's ``exp`` and ``tanh``, ``_vecmath.h``): one loop per gate block
forward (a loop computing every gate at once stayed scalar, 20x slower), and the backward reads
each block at the same column.
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

cdef object _matmul = np.matmul


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


cdef inline void add_into(real* a, const real* b, Py_ssize_t n) noexcept nogil:
    # a[:n] += b[:n]
    cdef Py_ssize_t j
    for j in range(n):
        a[j] += b[j]


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


# ---------------------------------------------------------------- LSTM
cdef void lstm_fwd_row(const real* z, const real* c, real* h, real* cn, real* a,
                       Py_ssize_t H) noexcept nogil:
    # IN: z (4H) pre-activations i f g o, c (H); OUT: h, cn (H) = h', c';
    # a (5H) = i f g o tanh(c')
    cdef Py_ssize_t j
    for j in range(2 * H):
        a[j] = sigmoid(z[j])
    for j in range(2 * H, 3 * H):
        a[j] = tanh_(z[j])
    for j in range(3 * H, 4 * H):
        a[j] = sigmoid(z[j])
    for j in range(H):
        cn[j] = a[H + j] * c[j] + a[j] * a[2 * H + j]
    for j in range(H):
        a[4 * H + j] = tanh_(cn[j])
    for j in range(H):
        h[j] = a[3 * H + j] * a[4 * H + j]


cdef void lstm_bwd_row(const real* gh, real* gc, const real* a, const real* c, real* dz,
                       Py_ssize_t H) noexcept nogil:
    # IN: gh, gc (H) cotangents of h', c'; a (5H); c (H) the cell state before the step;
    # OUT: dz (4H); gc is overwritten with the cotangent of c
    cdef Py_ssize_t j
    cdef real i, f, g, o, tc, dcn
    for j in range(H):
        i = a[j]
        f = a[H + j]
        g = a[2 * H + j]
        o = a[3 * H + j]
        tc = a[4 * H + j]
        dcn = gc[j] + gh[j] * o * (1 - tc * tc)
        dz[j] = dcn * g * (i * (1 - i))
        dz[H + j] = dcn * c[j] * (f * (1 - f))
        dz[2 * H + j] = dcn * i * (1 - g * g)
        dz[3 * H + j] = gh[j] * tc * (o * (1 - o))
        gc[j] = dcn * f


cdef void lstm_fwd_step(real[:, ::1] z, const real[:, ::1] zh, const real[:, ::1] c,
                        real[:, :, ::1] hc, real[:, ::1] act) noexcept nogil:
    # z (N, 4H) += zh, then one row pass each: hc (2, N, H), act (N, 5H)
    cdef Py_ssize_t n, H = c.shape[1]
    for n in range(c.shape[0]):
        add_into(&z[n, 0], &zh[n, 0], 4 * H)
        lstm_fwd_row(&z[n, 0], &c[n, 0], &hc[0, n, 0], &hc[1, n, 0], &act[n, 0], H)


cdef void lstm_bwd_step(real[:, :, ::1] carry, const real[:, :, ::1] g, const real[:, ::1] act,
                        const real[:, ::1] c, real[:, ::1] dz) noexcept nogil:
    # carry (2, N, H) += g, then one row pass each: dz (N, 4H), carry[1] = the cotangent of c
    cdef Py_ssize_t n, H = c.shape[1]
    for n in range(c.shape[0]):
        add_into(&carry[0, n, 0], &g[0, n, 0], H)
        add_into(&carry[1, n, 0], &g[1, n, 0], H)
        lstm_bwd_row(&carry[0, n, 0], &carry[1, n, 0], &act[n, 0], &c[n, 0], &dz[n, 0], H)


cdef _lstm_fwd(real[:, :, ::1] zs, real[:, :, :, ::1] states, real[:, :, ::1] acts,
               real[:, ::1] zh, hc, w_hh_t, states_obj, zh_obj, bint reverse):
    cdef Py_ssize_t t
    cdef real[:, :, ::1] prev = hc
    for t in _steps(zs.shape[0], reverse):
        _matmul(hc[0], w_hh_t, out=zh_obj)
        with nogil:
            lstm_fwd_step(zs[t], zh, prev[1], states[t], acts[t])
        hc = states_obj[t]
        prev = states[t]


cdef _lstm_bwd(const real[:, :, :, ::1] g, const real[:, :, ::1] acts,
               const real[:, :, ::1] cells, real[:, :, ::1] dzs, real[:, :, ::1] carry,
               w_hh, dzs_obj, carry_h, bint reverse):
    cdef Py_ssize_t t
    for t in _steps(dzs.shape[0], not reverse):
        with nogil:
            lstm_bwd_step(carry, g[t], acts[t], cells[t], dzs[t])
        _matmul(dzs_obj[t], w_hh, out=carry_h)


def lstm_layer_fwd(zs, hc, w_hh, reverse):
    t, (_, n, h) = zs.shape[0], hc.shape
    states = np.empty((t, 2, n, h), dtype=zs.dtype)
    acts = np.empty((t, n, 5 * h), dtype=zs.dtype)
    zh = np.empty(zs.shape[1:], dtype=zs.dtype)
    if zs.dtype == np.float64:
        _lstm_fwd[double](zs, states, acts, zh, hc, w_hh.T, states, zh, reverse)
    else:
        _lstm_fwd[float](zs, states, acts, zh, hc, w_hh.T, states, zh, reverse)
    return states, acts


def lstm_layer_bwd(g, acts, cells, w_hh, reverse):
    t, n, h = cells.shape
    dzs = np.empty((t, n, 4 * h), dtype=g.dtype)
    carry = np.zeros((2, n, h), dtype=g.dtype)
    if g.dtype == np.float64:
        _lstm_bwd[double](g, acts, cells, dzs, carry, w_hh, dzs, carry[0], reverse)
    else:
        _lstm_bwd[float](g, acts, cells, dzs, carry, w_hh, dzs, carry[0], reverse)
    return dzs, carry


# ---------------------------------------------------------------- GRU
cdef void gru_fwd_row(const real* x, const real* y, const real* h, real* out, real* a,
                      Py_ssize_t H) noexcept nogil:
    # IN: x, y (3H) input and hidden projections (gates r z n), h (H); OUT: out (H) = h';
    # a (3H) = r u n
    cdef Py_ssize_t j
    for j in range(2 * H):
        a[j] = sigmoid(x[j] + y[j])
    for j in range(H):
        a[2 * H + j] = tanh_(x[2 * H + j] + a[j] * y[2 * H + j])
    for j in range(H):
        out[j] = a[2 * H + j] + a[H + j] * (h[j] - a[2 * H + j])


cdef void gru_bwd_row(real* g, const real* a, const real* y, const real* h, real* dx,
                      real* dy, Py_ssize_t H) noexcept nogil:
    # IN: g (H) the cotangent of h', a (3H), y (3H) the hidden projection, h (H);
    # OUT: dx, dy (3H); g is overwritten with h's cotangent through the update gate, g u
    cdef Py_ssize_t j
    cdef real r, u, m, gi, dn, dr, du
    for j in range(H):
        r = a[j]
        u = a[H + j]
        m = a[2 * H + j]
        gi = g[j]
        dn = gi * (1 - u) * (1 - m * m)
        dr = dn * y[2 * H + j] * (r * (1 - r))
        du = gi * (h[j] - m) * (u * (1 - u))
        dx[j] = dr
        dx[H + j] = du
        dx[2 * H + j] = dn
        dy[j] = dr
        dy[H + j] = du
        dy[2 * H + j] = dn * r
        g[j] = gi * u


cdef _gru_fwd(const real[:, :, ::1] zxs, real[:, :, ::1] zhs, real[:, :, ::1] hs,
              real[:, :, ::1] acts, const real[::1] b_hh, h, w_hh_t, hs_obj, zhs_obj,
              bint reverse):
    cdef Py_ssize_t t, n, N = hs.shape[1], H = hs.shape[2]
    cdef const real[:, ::1] prev = h
    for t in _steps(zxs.shape[0], reverse):
        _matmul(h, w_hh_t, out=zhs_obj[t])
        with nogil:
            for n in range(N):
                add_into(&zhs[t, n, 0], &b_hh[0], 3 * H)
                gru_fwd_row(&zxs[t, n, 0], &zhs[t, n, 0], &prev[n, 0], &hs[t, n, 0],
                            &acts[t, n, 0], H)
        h = hs_obj[t]
        prev = hs[t]


cdef _gru_bwd(const real[:, :, ::1] g, const real[:, :, ::1] acts, const real[:, :, ::1] zhs,
              const real[:, :, ::1] prev, real[:, :, ::1] dzx, real[:, :, ::1] dzh,
              real[:, ::1] carry, real[:, ::1] back, w_hh, dzh_obj, back_obj, bint reverse):
    # carry: h's cotangent through the update gate; back: through the hidden projection
    cdef Py_ssize_t t, n, N = carry.shape[0], H = carry.shape[1]
    for t in _steps(dzx.shape[0], not reverse):
        with nogil:
            for n in range(N):
                add_into(&carry[n, 0], &g[t, n, 0], H)
                add_into(&carry[n, 0], &back[n, 0], H)
                gru_bwd_row(&carry[n, 0], &acts[t, n, 0], &zhs[t, n, 0], &prev[t, n, 0],
                            &dzx[t, n, 0], &dzh[t, n, 0], H)
        _matmul(dzh_obj[t], w_hh, out=back_obj)


def gru_layer_fwd(zxs, h, w_hh, b_hh, reverse):
    hs = np.empty(zxs.shape[:2] + h.shape[1:], dtype=zxs.dtype)
    acts = np.empty_like(zxs)
    zhs = np.empty_like(zxs)
    b = np.zeros(zxs.shape[2], dtype=zxs.dtype) if b_hh is None else b_hh
    if zxs.dtype == np.float64:
        _gru_fwd[double](zxs, zhs, hs, acts, b, h, w_hh.T, hs, zhs, reverse)
    else:
        _gru_fwd[float](zxs, zhs, hs, acts, b, h, w_hh.T, hs, zhs, reverse)
    return hs, acts, zhs


def gru_layer_bwd(g, acts, zhs, prev, w_hh, reverse):
    dzx = np.empty_like(acts)
    dzh = np.empty_like(acts)
    carry = np.zeros(prev.shape[1:], dtype=g.dtype)
    back = np.zeros(prev.shape[1:], dtype=g.dtype)
    if g.dtype == np.float64:
        _gru_bwd[double](g, acts, zhs, prev, dzx, dzh, carry, back, w_hh, dzh, back, reverse)
    else:
        _gru_bwd[float](g, acts, zhs, prev, dzx, dzh, carry, back, w_hh, dzh, back, reverse)
    return dzx, dzh, carry + back
