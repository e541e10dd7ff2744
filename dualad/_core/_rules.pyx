# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled first-order paths of the built-in rules a small-array gradient calls on every
operation (``add``, ``matmul``, ``sum``).

A rule written in Python costs a Python frame per call, which for a 32x16 matmul is as much as
the product itself. Each rule here handles the case of a first-order sweep over plain NumPy
arrays (no box among the cotangent and the operands, so nothing needs the result to be
differentiable again) in C, with NumPy doing the arithmetic, and hands every other case to the
rule written in dualad operations it was built with (``general``), which serves higher orders.
Both give the same bits (tests/test_products.py, tests/test_reductions.py)."""
import numpy as np

cimport numpy as cnp

from ._engine import broadcast_view, shape_of

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
        return g[..., None] * b
    return _np_matmul(g, b.T)


cpdef numpy_matmul_vjp_b(g, a, b):
    """The cotangent of ``b`` in ``a @ b`` for ``concrete_small`` arguments: an outer product
    for a vector ``a``, else ``g @ a`` (vector ``b``) or ``a.T @ g``."""
    cdef bint b_vector = cnp.PyArray_NDIM(<cnp.ndarray>b) == 1
    if cnp.PyArray_NDIM(<cnp.ndarray>a) == 1:
        return g[..., None] * a if b_vector else a[:, None] * g[..., None, :]
    return _np_matmul(g, a) if b_vector else _np_matmul(a.T, g)


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
