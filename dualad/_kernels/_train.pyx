# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Training kernels: fused softmax cross-entropy, the ReLU pair, in-place optimiser updates.

Same names and results as ``train_reference.py`` (tests/kernels/test_train_kernels.py checks
the parity). The loops read C-contiguous, aligned, native float64 or float32 NumPy arrays of one
dtype (labels ``intp``) through plain pointers. The cross-entropy and ReLU kernels check that
layout themselves, in C, and hand anything else to the reference of the same name (so a caller
may skip its own checks on this per-operation path); cross-entropy also refuses a label outside
``[0, c)``, which would index outside its row. The optimiser updates leave the layout checks to
the caller. Cross-entropy accumulates in double; see NOTE: optimiser loops for the updates.
"""
import numpy as np

cimport numpy as cnp
from libc.math cimport exp, log, sqrt, sqrtf

from . import train_reference

cnp.import_array()

ctypedef fused real:
    float
    double


cdef inline real root(real x) noexcept nogil:
    if real is float:
        return sqrtf(x)
    else:
        return sqrt(x)


# ---------------------------------------------------------------- layout
cdef int _float_type(object a) noexcept:
    """NPY_DOUBLE or NPY_FLOAT for an exact ndarray of that dtype that the loops below may read
    through a plain pointer (C-contiguous, aligned, native byte order); -1 for anything else."""
    if not cnp.PyArray_CheckExact(a):
        return -1
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef int typenum = cnp.PyArray_TYPE(arr)
    if ((typenum != cnp.NPY_DOUBLE and typenum != cnp.NPY_FLOAT)
            or not cnp.PyArray_IS_C_CONTIGUOUS(arr) or not cnp.PyArray_ISALIGNED(arr)
            or not cnp.PyArray_ISNOTSWAPPED(arr)):
        return -1
    return typenum


cdef cnp.ndarray _empty_like(cnp.ndarray a):
    """A new C-contiguous array of ``a``'s shape and dtype."""
    return cnp.PyArray_EMPTY(cnp.PyArray_NDIM(a), cnp.PyArray_DIMS(a), cnp.PyArray_TYPE(a), 0)


# ---------------------------------------------------------------- softmax cross-entropy
cdef void xent_rows(const real* z, const Py_ssize_t* labels, real* loss, real* d, Py_ssize_t n,
                    Py_ssize_t c) noexcept nogil:
    # IN: z (n, c) row-major, labels (n,) in [0, c); OUT: loss (n,) = logsumexp(z_i) -
    # z_i[label_i], d (n, c) = softmax(z_i) - onehot(label_i). Two passes over each row: max,
    # then exp/sum.
    cdef Py_ssize_t i, j
    cdef double m, s, e
    cdef const real* zi
    cdef real* di
    for i in range(n):
        zi = z + i * c
        di = d + i * c
        m = zi[0]
        for j in range(1, c):
            if zi[j] > m:
                m = zi[j]
        s = 0.0
        for j in range(c):
            e = exp(zi[j] - m)
            di[j] = <real>e
            s += e
        for j in range(c):
            di[j] = <real>(di[j] / s)
        loss[i] = <real>(log(s) + (m - zi[labels[i]]))
        di[labels[i]] -= 1


def softmax_xent_fwd(z, labels):
    """``(loss, softmax(z) - onehot(labels))`` for logits ``z`` (n, c) and labels (n,) in
    ``[0, c)``; input the loops cannot read directly goes to the reference."""
    cdef int typenum = _float_type(z)
    if (typenum < 0 or cnp.PyArray_NDIM(<cnp.ndarray>z) != 2
            or not cnp.PyArray_CheckExact(labels)
            or cnp.PyArray_TYPE(<cnp.ndarray>labels) != cnp.NPY_INTP
            or cnp.PyArray_NDIM(<cnp.ndarray>labels) != 1
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>labels)
            or not cnp.PyArray_ISALIGNED(<cnp.ndarray>labels)
            or cnp.PyArray_DIMS(<cnp.ndarray>labels)[0] != cnp.PyArray_DIMS(<cnp.ndarray>z)[0]
            or cnp.PyArray_DIMS(<cnp.ndarray>z)[1] == 0):
        return train_reference.softmax_xent_fwd(z, labels)
    cdef cnp.ndarray zs = <cnp.ndarray>z
    cdef Py_ssize_t i, n = cnp.PyArray_DIMS(zs)[0], c = cnp.PyArray_DIMS(zs)[1]
    cdef const Py_ssize_t* lab = <const Py_ssize_t*>cnp.PyArray_DATA(<cnp.ndarray>labels)
    for i in range(n):   # the loop indexes rows by label: never outside a row
        if lab[i] < 0 or lab[i] >= c:
            raise IndexError(f"softmax_xent_fwd: label {lab[i]} is out of range for {c} classes")
    cdef cnp.ndarray loss = cnp.PyArray_EMPTY(1, cnp.PyArray_DIMS(zs), typenum, 0)
    cdef cnp.ndarray d = _empty_like(zs)
    if typenum == cnp.NPY_DOUBLE:
        xent_rows(<const double*>cnp.PyArray_DATA(zs), lab, <double*>cnp.PyArray_DATA(loss),
                  <double*>cnp.PyArray_DATA(d), n, c)
    else:
        xent_rows(<const float*>cnp.PyArray_DATA(zs), lab, <float*>cnp.PyArray_DATA(loss),
                  <float*>cnp.PyArray_DATA(d), n, c)
    return loss, d


# ---------------------------------------------------------------- ReLU and its backward
cdef void relu_loop(const real* x, real* y, Py_ssize_t n) noexcept nogil:
    # IN: x (n,); OUT: y = max(x, 0) (NaN propagates, as np.maximum does)
    cdef Py_ssize_t i
    for i in range(n):
        y[i] = 0 if x[i] <= 0 else x[i]


cdef void relu_bwd_loop(const real* g, const real* y, real* out, Py_ssize_t rows,
                        Py_ssize_t n) noexcept nogil:
    # IN: g (rows, n): batch rows, y (n); OUT: out = g * (y > 0)
    cdef Py_ssize_t r, i
    for r in range(rows):
        for i in range(n):
            out[r * n + i] = g[r * n + i] if y[i] > 0 else 0


def relu(x):
    """``max(x, 0)``; input the loop cannot read directly goes to the reference."""
    cdef int typenum = _float_type(x)
    if typenum < 0:
        return train_reference.relu(x)
    cdef cnp.ndarray xs = <cnp.ndarray>x
    cdef cnp.ndarray y = _empty_like(xs)
    if typenum == cnp.NPY_DOUBLE:
        relu_loop(<const double*>cnp.PyArray_DATA(xs), <double*>cnp.PyArray_DATA(y),
                  cnp.PyArray_SIZE(xs))
    else:
        relu_loop(<const float*>cnp.PyArray_DATA(xs), <float*>cnp.PyArray_DATA(y),
                  cnp.PyArray_SIZE(xs))
    return y


def relu_bwd(g, y):
    """``g * (y > 0)``; ``g`` has ``y``'s shape after its leading batch axes. Input the loop
    cannot read directly goes to the reference."""
    cdef int typenum = _float_type(g)
    if typenum < 0 or _float_type(y) != typenum:
        return train_reference.relu_bwd(g, y)
    cdef cnp.ndarray gs = <cnp.ndarray>g, ys = <cnp.ndarray>y
    cdef Py_ssize_t n = cnp.PyArray_SIZE(ys), total = cnp.PyArray_SIZE(gs)
    if n == 0 or total % n:
        return train_reference.relu_bwd(g, y)
    cdef cnp.ndarray out = _empty_like(gs)
    if typenum == cnp.NPY_DOUBLE:
        relu_bwd_loop(<const double*>cnp.PyArray_DATA(gs), <const double*>cnp.PyArray_DATA(ys),
                      <double*>cnp.PyArray_DATA(out), total // n, n)
    else:
        relu_bwd_loop(<const float*>cnp.PyArray_DATA(gs), <const float*>cnp.PyArray_DATA(ys),
                      <float*>cnp.PyArray_DATA(out), total // n, n)
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
