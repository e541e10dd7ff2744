# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled first-order paths of the built-in rules a small-array gradient calls on every
operation (``add``, ``matmul``, ``sum``).

A rule written in Python costs a Python frame per call, which for a 32x16 matmul is as much as
the product itself. Each rule here handles the case of a first-order sweep over plain NumPy
arrays (no box among the cotangent and the operands, so nothing needs the result to be
differentiable again) in C, with NumPy doing the arithmetic, and hands every other case to the
rule written in dualad operations it was built with (``general``), which serves higher orders.
Both give the same bits (tests/ops/test_products.py checks the matmul VJPs and ``outer``)."""
import numpy as np

cimport numpy as cnp

from .._core._engine import broadcast_view, shape_of

cnp.import_array()

cdef type _ndarray = np.ndarray
cdef object _np_matmul = np.matmul
cdef object _add_reduce = np.add.reduce


def unchanged(t, ans, x, y):
    """The JVP and VJP rule of ``add`` for either operand (and the VJP of ``subtract`` for the
    first): the tangent or cotangent itself."""
    return t


# ---------------------------------------------------------------------------------- matmul
def matmul_value(a, b):
    """``np.matmul(a, b)``, its complaint about shapes naming both."""
    try:
        return _np_matmul(a, b)
    except ValueError as exc:
        raise ValueError(f"matmul: operands of shapes {shape_of(a)} and {shape_of(b)} do not "
                         f"align ({exc})") from None


cpdef bint concrete_small(g, a, b):
    """Whether a matmul VJP may run on NumPy directly: plain arrays (a first-order sweep) of at
    most two axes."""
    return (type(g) is _ndarray and type(a) is _ndarray and type(b) is _ndarray
            and cnp.PyArray_NDIM(<cnp.ndarray>a) <= 2 and cnp.PyArray_NDIM(<cnp.ndarray>b) <= 2)


cpdef numpy_matmul_vjp_a(g, a, b):
    """The cotangent of ``a`` in ``a @ b`` for ``concrete_small`` arguments (``g`` with its
    batch axis first): ``g[..., None] * b`` for a vector ``b``, else ``g @ b.T``."""
    if cnp.PyArray_NDIM(<cnp.ndarray>b) == 1:
        return outer(g, b)
    return _np_matmul(g, b.T)


cpdef numpy_matmul_vjp_b(g, a, b):
    """The cotangent of ``b`` in ``a @ b`` for ``concrete_small`` arguments: an outer product
    for a vector ``a``, else ``g @ a`` (vector ``b``) or ``a.T @ g``."""
    cdef bint b_vector = cnp.PyArray_NDIM(<cnp.ndarray>b) == 1
    if cnp.PyArray_NDIM(<cnp.ndarray>a) == 1:
        return outer(g, a) if b_vector else a[:, None] * g[..., None, :]
    return _np_matmul(g, a) if b_vector else _np_matmul(a.T, g)


ctypedef fused real:
    float
    double


cdef real _largest_magnitude(const real* x, Py_ssize_t n) noexcept nogil:
    """The largest ``|x[i]|``, NaN when one is NaN (0 for no elements)."""
    cdef Py_ssize_t i
    cdef real a, most = 0
    for i in range(n):
        a = x[i] if x[i] >= 0 else -x[i]
        if a > most or a != a:
            most = a
            if a != a:
                break
    return most


cdef bint _outer_loop(const real* g, Py_ssize_t m, const real* v, Py_ssize_t n,
                      real* out) noexcept nogil:
    """``out[i, j] = g[i] * v[j]``, or False (``out`` untouched) when a product could be
    infinite or NaN: no product exceeds the largest magnitudes' product, so when that is
    finite every product is, and the loop itself needs no check."""
    cdef real bound = _largest_magnitude(g, m) * _largest_magnitude(v, n)
    if not bound - bound == 0:
        return False
    cdef Py_ssize_t i, j
    cdef real gi
    for i in range(m):
        gi = g[i]
        for j in range(n):
            out[i * n + j] = gi * v[j]
    return True


cpdef outer(g, v):
    """``g[..., None] * v`` for an array ``g`` and a vector ``v``. For C-contiguous float64 or
    float32 arrays of one dtype, one product per element in C: NumPy takes its broadcasting
    iterator for this shape, which costs more than the products of a small array. Operands
    whose products may not all be finite go to NumPy, whose warnings and ``errstate`` then
    apply. Same bits as NumPy's multiply (tests/ops/test_products.py)."""
    if (type(g) is not _ndarray or type(v) is not _ndarray
            or cnp.PyArray_NDIM(<cnp.ndarray>v) != 1
            or cnp.PyArray_TYPE(<cnp.ndarray>g) != cnp.PyArray_TYPE(<cnp.ndarray>v)
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>g)
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>v)):
        return g[..., None] * v
    cdef cnp.ndarray ga = <cnp.ndarray>g, va = <cnp.ndarray>v
    cdef int typenum = cnp.PyArray_TYPE(ga), nd = cnp.PyArray_NDIM(ga)
    if (typenum != cnp.NPY_DOUBLE and typenum != cnp.NPY_FLOAT) or nd >= cnp.NPY_MAXDIMS:
        return g[..., None] * v
    cdef cnp.npy_intp dims[cnp.NPY_MAXDIMS]
    cdef int i
    for i in range(nd):
        dims[i] = cnp.PyArray_DIMS(ga)[i]
    dims[nd] = cnp.PyArray_DIMS(va)[0]
    cdef cnp.ndarray out = cnp.PyArray_EMPTY(nd + 1, dims, typenum, 0)
    cdef bint done
    if typenum == cnp.NPY_DOUBLE:
        done = _outer_loop(<const double*>cnp.PyArray_DATA(ga), cnp.PyArray_SIZE(ga),
                           <const double*>cnp.PyArray_DATA(va), dims[nd],
                           <double*>cnp.PyArray_DATA(out))
    else:
        done = _outer_loop(<const float*>cnp.PyArray_DATA(ga), cnp.PyArray_SIZE(ga),
                           <const float*>cnp.PyArray_DATA(va), dims[nd],
                           <float*>cnp.PyArray_DATA(out))
    return out if done else g[..., None] * v


cdef class MatmulVJP:
    """The VJP rule of one operand of ``matmul`` (``operand`` 0 for ``a``, 1 for ``b``)."""

    cdef readonly int operand
    cdef readonly object general

    def __init__(self, int operand, general):
        if operand not in (0, 1):
            raise ValueError(f"MatmulVJP: operand must be 0 or 1, got {operand}")
        self.operand = operand
        self.general = general

    def __call__(self, g, ans, a, b):
        if not concrete_small(g, a, b):
            return self.general(g, ans, a, b)
        return numpy_matmul_vjp_a(g, a, b) if self.operand == 0 else numpy_matmul_vjp_b(g, a, b)


# ---------------------------------------------------------------------------------- sum
def sum_value(x, axis, keepdims):
    """``x.sum(axis=axis, keepdims=keepdims)``; for an ndarray what its method calls, without
    the method's Python-level wrapper."""
    if type(x) is _ndarray:
        return _add_reduce(x, axis=axis, keepdims=keepdims)
    if hasattr(x, "sum"):
        return x.sum(axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


cdef class ExpandReduced:
    """``expand_reduced(g, x, axis, keepdims)``: a reduced cotangent ``g`` (batch axis first)
    broadcast back to ``(k,) + x.shape``, the VJP of ``sum`` and the first factor of every
    reduction's. A plain array becomes a read-only view (``broadcast_view``, no copy); a box
    takes ``traced``, the same written in dualad operations."""

    cdef readonly object traced

    def __init__(self, traced):
        self.traced = traced

    def __call__(self, g, x, axis, keepdims):
        return self.expand(g, x, axis, keepdims)

    cdef expand(self, g, x, axis, keepdims):
        if type(g) is not _ndarray:
            return self.traced(g, x, axis, keepdims)
        cdef tuple shape = g.shape
        if not keepdims:   # put the summed axes back as ones (a full reduction leaves only
            g = g.reshape(shape + (1,) * len(axis) if len(shape) == 1   # the batch axis)
                          else reinsert(shape, axis))
        return broadcast_view(g, (shape[0],) + shape_of(x))


cdef class SumVJP:
    """The VJP rule of ``sum``: ``expand`` of the cotangent."""

    cdef ExpandReduced expand

    def __init__(self, ExpandReduced expand):
        self.expand = expand

    def __call__(self, g, ans, x, axis, keepdims):
        return self.expand.expand(g, x, axis, keepdims)


cpdef tuple reinsert(tuple shape, tuple axis):
    """``shape`` with unit axes put back at the negative positions ``axis``."""
    cdef Py_ssize_t ndim = len(shape) + len(axis), i, j = 0
    cdef list out = [1] * ndim
    cdef set reduced = {ndim + a for a in axis}
    for i in range(ndim):
        if i not in reduced:
            out[i] = shape[j]
            j += 1
    return tuple(out)
