# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Training kernels: fused softmax cross-entropy, the ReLU pair, in-place optimiser updates.

Same names and results as ``train_reference.py`` (tests/kernels/test_train_kernels.py checks the
parity). Every kernel takes C-contiguous float64 or float32 NumPy arrays of one dtype (labels
are ``intp``); the caller checks the layout and validates the labels. Cross-entropy accumulates
in double; see NOTE: optimiser loops for the updates.
"""
import numpy as np
from libc.math cimport exp, log, sqrt, sqrtf

ctypedef fused real:
    float
    double


cdef inline real root(real x) noexcept nogil:
    if real is float:
        return sqrtf(x)
    else:
        return sqrt(x)


# ---------------------------------------------------------------- softmax cross-entropy
cdef void xent_rows(const real[:, ::1] z, const Py_ssize_t[::1] labels, real[::1] loss,
                    real[:, ::1] d) noexcept nogil:
    # IN: z (n, c), labels (n,); OUT: loss (n,) = logsumexp(z_i) - z_i[label_i],
    # d (n, c) = softmax(z_i) - onehot(label_i). Two passes over each row: max, then exp/sum.
    cdef Py_ssize_t i, j, n = z.shape[0], c = z.shape[1]
    cdef double m, s, e
    for i in range(n):
        m = z[i, 0]
        for j in range(1, c):
            if z[i, j] > m:
                m = z[i, j]
        s = 0.0
        for j in range(c):
            e = exp(z[i, j] - m)
            d[i, j] = <real>e
            s += e
        for j in range(c):
            d[i, j] = <real>(d[i, j] / s)
        loss[i] = <real>(log(s) + (m - z[i, labels[i]]))
        d[i, labels[i]] -= 1


def softmax_xent_fwd(z, labels):
    """``(loss, softmax(z) - onehot(labels))`` for logits ``z`` (n, c) and labels (n,)."""
    loss = np.empty(z.shape[0], dtype=z.dtype)
    d = np.empty_like(z)
    if z.dtype == np.float64:
        xent_rows[double](z, labels, loss, d)
    else:
        xent_rows[float](z, labels, loss, d)
    return loss, d


# ---------------------------------------------------------------- ReLU and its backward
cdef void relu_loop(const real[::1] x, real[::1] y) noexcept nogil:
    # IN: x; OUT: y = max(x, 0) (NaN propagates, as np.maximum does)
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        y[i] = 0 if x[i] <= 0 else x[i]


cdef void relu_bwd_loop(const real[:, ::1] g, const real[::1] y, real[:, ::1] out) noexcept nogil:
    # IN: g (k, n): k batch rows, y (n); OUT: out = g * (y > 0)
    cdef Py_ssize_t r, i
    for r in range(g.shape[0]):
        for i in range(y.shape[0]):
            out[r, i] = g[r, i] if y[i] > 0 else 0


def relu(x):
    y = np.empty_like(x)
    if x.dtype == np.float64:
        relu_loop[double](x.reshape(-1), y.reshape(-1))
    else:
        relu_loop[float](x.reshape(-1), y.reshape(-1))
    return y


def relu_bwd(g, y):
    """``g * (y > 0)``; ``g`` has ``y``'s shape after its leading batch axes."""
    out = np.empty_like(g)
    rows = (g.reshape(-1, y.size), y.reshape(-1), out.reshape(-1, y.size))
    if y.size == 0:
        return out
    if g.dtype == np.float64:
        relu_bwd_loop[double](*rows)
    else:
        relu_bwd_loop[float](*rows)
    return out


# ---------------------------------------------------------------- optimiser updates
# NOTE: optimiser loops. They compute in the parameter's own precision (as PyTorch does, and so
# that float32 loops vectorise at full width). Per-step scalars (bias corrections, decay
# factors) and differences such as 1 - beta2 are computed once, in double, by the Python
# wrapper. Branches test loop-invariant flags only, which the compiler hoists out of the loop.

cdef void sgd_loop(real[::1] p, const real[::1] g, real[::1] buf, real lr, real momentum,
                   real undamped, bint nesterov, real weight_decay, bint first) noexcept nogil:
    # IN: g; IN/OUT: p, buf (momentum buffer, untouched when momentum == 0)
    cdef Py_ssize_t i
    cdef real gi, b
    for i in range(p.shape[0]):
        gi = g[i] + weight_decay * p[i]
        if momentum != 0:
            b = gi if first else momentum * buf[i] + undamped * gi
            buf[i] = b
            gi = gi + momentum * b if nesterov else b
        p[i] = p[i] - lr * gi


cdef void adam_loop(real[::1] p, const real[::1] g, real[::1] m, real[::1] v, real beta1,
                    real beta2, real eps, real l2, real decay, real step_size, real bc2_sqrt,
                    real c1, real c2) noexcept nogil:
    # IN: g; IN/OUT: p, m (first moment), v (second moment). ``l2``: weight decay added to the
    # gradient (Adam); ``decay``: factor applied to p first (AdamW); c1, c2: 1 - beta1, 1 - beta2.
    cdef Py_ssize_t i
    cdef real gi, mi, vi
    for i in range(p.shape[0]):
        gi = g[i] + l2 * p[i]
        mi = beta1 * m[i] + c1 * gi
        vi = beta2 * v[i] + c2 * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = decay * p[i] - step_size * mi / (root(vi) / bc2_sqrt + eps)


cdef void rmsprop_loop(real[::1] p, const real[::1] g, real[::1] sq, real[::1] ga,
                       real[::1] buf, real lr, real alpha, real eps, real weight_decay,
                       real momentum, bint centered, real c) noexcept nogil:
    # IN: g; IN/OUT: p, sq (mean square), ga (mean gradient, when centered), buf (momentum);
    # c: 1 - alpha
    cdef Py_ssize_t i
    cdef real gi, s, a, step
    for i in range(p.shape[0]):
        gi = g[i] + weight_decay * p[i]
        s = alpha * sq[i] + c * gi * gi
        sq[i] = s
        if centered:
            a = alpha * ga[i] + c * gi
            ga[i] = a
            s = s - a * a
        step = gi / (root(s) + eps)
        if momentum != 0:
            step = momentum * buf[i] + step
            buf[i] = step
        p[i] = p[i] - lr * step


def _flat(a, like):
    """``a`` as a flat view, or an empty buffer of ``like``'s dtype for an unused state."""
    return np.empty(0, dtype=like.dtype) if a is None else a.reshape(-1)


def sgd_update(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first):
    args = (p.reshape(-1), g.reshape(-1), _flat(buf, p), lr, momentum, 1 - dampening, nesterov,
            weight_decay, first)
    if p.dtype == np.float64:
        sgd_loop[double](*args)
    else:
        sgd_loop[float](*args)


def adam_update(p, g, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, decoupled,
                step):
    l2, decay = (0.0, 1 - lr * weight_decay) if decoupled else (weight_decay, 1.0)
    args = (p.reshape(-1), g.reshape(-1), exp_avg.reshape(-1), exp_avg_sq.reshape(-1), beta1,
            beta2, eps, l2, decay, lr / (1 - beta1 ** step), (1 - beta2 ** step) ** 0.5,
            1 - beta1, 1 - beta2)
    if p.dtype == np.float64:
        adam_loop[double](*args)
    else:
        adam_loop[float](*args)


def rmsprop_update(p, g, square_avg, grad_avg, buf, lr, alpha, eps, weight_decay, momentum,
                   centered):
    args = (p.reshape(-1), g.reshape(-1), square_avg.reshape(-1), _flat(grad_avg, p),
            _flat(buf, p), lr, alpha, eps, weight_decay, momentum, centered, 1 - alpha)
    if p.dtype == np.float64:
        rmsprop_loop[double](*args)
    else:
        rmsprop_loop[float](*args)
