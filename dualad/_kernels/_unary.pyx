# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Fused value-and-derivative kernels for elementwise unary primitives, and ``unbroadcast``.

Each ``<op>_fwd(x)`` makes one pass over a C-contiguous float64 or float32 array and returns
``(f(x), f'(x))``; ``unbroadcast`` sums a cotangent back to a broadcast argument's shape in one
pass. Same names and results as ``reference.py`` (tests/test_kernels.py checks the parity).
"""
import numpy as np
from libc.math cimport (exp, expm1, log, log1p, sin, cos, tan, sinh, cosh, tanh, sqrt, atan,
                        fabs)

ctypedef fused real:
    float
    double

cdef enum Op:
    EXP, EXPM1, LOG, LOG1P, SIN, COS, TAN, SINH, COSH, TANH, SQRT, ARCTAN, SIGMOID, ABS, RELU


cdef inline void apply(Op op, double x, double* y, double* d) noexcept nogil:
    # one element: value into y, derivative into d
    cdef double e
    if op == EXP:
        y[0] = exp(x); d[0] = y[0]
    elif op == EXPM1:
        y[0] = expm1(x); d[0] = y[0] + 1.0
    elif op == LOG:
        y[0] = log(x); d[0] = 1.0 / x
    elif op == LOG1P:
        y[0] = log1p(x); d[0] = 1.0 / (1.0 + x)
    elif op == SIN:
        y[0] = sin(x); d[0] = cos(x)
    elif op == COS:
        y[0] = cos(x); d[0] = -sin(x)
    elif op == TAN:
        y[0] = tan(x); d[0] = 1.0 + y[0] * y[0]
    elif op == SINH:
        y[0] = sinh(x); d[0] = cosh(x)
    elif op == COSH:
        y[0] = cosh(x); d[0] = sinh(x)
    elif op == TANH:
        y[0] = tanh(x); d[0] = 1.0 - y[0] * y[0]
    elif op == SQRT:
        y[0] = sqrt(x); d[0] = 0.5 / y[0]
    elif op == ARCTAN:
        y[0] = atan(x); d[0] = 1.0 / (1.0 + x * x)
    elif op == SIGMOID:
        e = exp(-fabs(x))   # never overflows
        y[0] = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        d[0] = y[0] * (1.0 - y[0])
    elif op == ABS:
        y[0] = fabs(x); d[0] = (x > 0) - (x < 0)   # sign; 0 at 0
    elif op == RELU:
        y[0] = x if x > 0 else 0.0; d[0] = 1.0 if x > 0 else 0.0   # 0 at 0


cdef void fused_loop(Op op, const real[::1] x, real[::1] y, real[::1] d) noexcept nogil:
    # IN: x; OUT: y = f(x), d = f'(x)
    cdef Py_ssize_t i
    cdef double yi, di
    for i in range(x.shape[0]):
        apply(op, x[i], &yi, &di)
        y[i] = <real>yi
        d[i] = <real>di


cdef tuple fwd(Op op, x):
    flat = x.reshape(-1)
    y = np.empty_like(flat)
    d = np.empty_like(flat)
    if flat.dtype == np.float64:
        fused_loop[double](op, flat, y, d)
    else:
        fused_loop[float](op, flat, y, d)
    return y.reshape(x.shape), d.reshape(x.shape)


def exp_fwd(x): return fwd(EXP, x)
def expm1_fwd(x): return fwd(EXPM1, x)
def log_fwd(x): return fwd(LOG, x)
def log1p_fwd(x): return fwd(LOG1P, x)
def sin_fwd(x): return fwd(SIN, x)
def cos_fwd(x): return fwd(COS, x)
def tan_fwd(x): return fwd(TAN, x)
def sinh_fwd(x): return fwd(SINH, x)
def cosh_fwd(x): return fwd(COSH, x)
def tanh_fwd(x): return fwd(TANH, x)
def sqrt_fwd(x): return fwd(SQRT, x)
def arctan_fwd(x): return fwd(ARCTAN, x)
def sigmoid_fwd(x): return fwd(SIGMOID, x)
def abs_fwd(x): return fwd(ABS, x)
def relu_fwd(x): return fwd(RELU, x)


cdef void sum_into(const real[::1] x, real[::1] out, Py_ssize_t[::1] shape,
                   Py_ssize_t[::1] out_stride) noexcept nogil:
    # IN: x, C-contiguous with the given shape; OUT: out[sum_j idx_j * out_stride_j] += x[i]
    # (out_stride_j is 0 along the summed axes). An odometer walks the multi-index.
    cdef Py_ssize_t ndim = shape.shape[0], i, j, pos = 0
    cdef Py_ssize_t idx[64]
    for j in range(ndim):
        idx[j] = 0
    for i in range(x.shape[0]):
        out[pos] += x[i]
        j = ndim - 1
        while j >= 0:
            idx[j] += 1
            pos += out_stride[j]
            if idx[j] < shape[j]:
                break
            pos -= out_stride[j] * idx[j]
            idx[j] = 0
            j -= 1


def unbroadcast(x, shape, lead=1):
    """Sum ``x`` (``lead`` leading axes kept, then a shape broadcast from ``shape``) back to
    ``x.shape[:lead] + shape``."""
    shape = tuple(shape)
    target = tuple(x.shape[:lead]) + shape
    extra = x.ndim - len(target)
    full = tuple(x.shape[:lead]) + (1,) * extra + shape   # target aligned to x's rank
    if full == tuple(x.shape):
        return x.reshape(target)
    if x.ndim > 64:
        raise ValueError("unbroadcast: more than 64 dimensions")
    out = np.zeros(target, dtype=x.dtype)
    strides = np.zeros(x.ndim, dtype=np.intp)
    step = 1
    for j in range(x.ndim - 1, -1, -1):
        if full[j] != 1 or x.shape[j] == 1:
            strides[j] = step
        step *= full[j]
    shp = np.asarray(x.shape, dtype=np.intp)
    flat_out = out.reshape(-1)
    if x.dtype == np.float64:
        sum_into[double](x.reshape(-1), flat_out, shp, strides)
    else:
        sum_into[float](x.reshape(-1), flat_out, shp, strides)
    return out
