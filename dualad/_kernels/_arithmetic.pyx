# cython: language_level=3, boundscheck=False, wraparound=False
"""``Arithmetic``: the value function of the arithmetic primitives, NumPy's ufunc with the cost
of a call taken out where that cost is the whole operation.

Scalar code (W1) and the cotangents of scalars (arrays of shape ``(1,)``: tangents and
cotangents carry a batch axis) spend most of their arithmetic on single float64 values, where a
ufunc call costs far more than the operation. So, for the ufuncs whose operation C has with the
same IEEE rounding (``np.add``, ``np.subtract``, ``np.multiply``, ``np.divide``): float64 values
of one element (NumPy scalars, 0-d arrays, 1-element arrays of at most one axis) are combined in
C, and the result is built as NumPy would build it (an array when an operand is a 1-D array,
else a float64 scalar); a non-finite result is recomputed by the ufunc so that NumPy's warnings
and ``errstate`` apply unchanged. Other NumPy values take Python's operator (several times
faster than the ufunc on NumPy scalars, same meaning), except two large arrays, which
``_unary.arithmetic`` shares among the cores where it can (the ufunc's bits and warnings);
everything else (two Python numbers, lists, CuPy arrays) takes the ufunc, keeping NumPy's
semantics (``1.0 / 0.0`` is inf, not ZeroDivisionError). Any other ufunc (``np.power``, whose
libm and NumPy special cases C's operators do not have) takes only the operator and ufunc
routes.

The ufunc is the reference (``DUALAD_PUREPYTHON=1`` uses it as the value function itself);
tests/kernels/test_arithmetic.py checks the parity bit for bit.
"""
import numpy as np

cimport cython
cimport numpy as cnp
from libc.math cimport isfinite

from ._unary import ARITHMETIC_MIN, arithmetic

cnp.import_array()

cdef enum Op:
    ADD, SUBTRACT, MULTIPLY, DIVIDE, OTHER

# the ufuncs whose float64 operation is one of C's, rounded the same (IEEE, no contraction)
cdef dict _C_OPS = {np.add: ADD, np.subtract: SUBTRACT, np.multiply: MULTIPLY, np.divide: DIVIDE}
cdef object _ndarray = np.ndarray
cdef object _float64 = np.float64
cdef frozenset _NUMPY_TYPES = frozenset({np.ndarray, np.float64, np.float32})
cdef frozenset _OPERATOR_SAFE = _NUMPY_TYPES | {float, int}
cdef Py_ssize_t _arithmetic_min = ARITHMETIC_MIN


cdef class Arithmetic:
    """``ufunc(x, y)``, with ``operator`` (the same operation from Python's ``operator``
    module) where that is faster and means the same (see the module docstring).

    >>> import operator
    >>> Arithmetic(np.add, operator.add)(np.float64(1.5), np.array([2.0]))
    array([3.5])
    """

    cdef Op op
    cdef object operator, ufunc
    cdef readonly str __name__

    def __init__(self, ufunc, operator):
        self.op = _C_OPS.get(ufunc, OTHER)
        self.operator = operator
        self.ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, x, y):
        cdef double a = 0, b = 0, r
        cdef int ax = _single_f64(x, &a), ay = _single_f64(y, &b)
        if self.op != OTHER and ax > 0 and ay > 0 and (ax > 1 or ay > 1):
            r = _apply(self.op, a, b)
            if isfinite(r):
                return _f64_like(r, ax == 3 or ay == 3)
        tx, ty = type(x), type(y)
        if (self.op != OTHER and tx is _ndarray and ty is _ndarray
                and (cnp.PyArray_SIZE(<cnp.ndarray>x) >= _arithmetic_min
                     or cnp.PyArray_SIZE(<cnp.ndarray>y) >= _arithmetic_min)):
            return arithmetic(self.__name__, x, y)   # large arrays: shared among the cores
        if (tx in _NUMPY_TYPES and ty in _OPERATOR_SAFE) or (
                ty in _NUMPY_TYPES and tx in _OPERATOR_SAFE):
            return self.operator(x, y)
        return self.ufunc(x, y)


@cython.cdivision(True)   # IEEE division: x / 0 is ±inf or nan, checked by the caller
cdef inline double _apply(Op op, double a, double b):
    if op == ADD:
        return a + b
    if op == SUBTRACT:
        return a - b
    if op == MULTIPLY:
        return a * b
    return a / b


cdef inline int _single_f64(object v, double* out):
    """Read a float64 value of one element: 1 for a NumPy scalar or a Python float, 2 for a
    0-d array, 3 for a 1-D array of one element; -1 (nothing read) for anything else."""
    cdef cnp.ndarray arr
    if type(v) is _float64 or type(v) is float:
        out[0] = <double>v
        return 1
    if type(v) is not _ndarray:
        return -1
    arr = <cnp.ndarray>v
    if (cnp.PyArray_TYPE(arr) != cnp.NPY_DOUBLE or cnp.PyArray_SIZE(arr) != 1
            or cnp.PyArray_NDIM(arr) > 1 or not cnp.PyArray_ISNOTSWAPPED(arr)
            or not cnp.PyArray_ISALIGNED(arr)):
        return -1
    out[0] = (<double*>cnp.PyArray_DATA(arr))[0]
    return 2 + cnp.PyArray_NDIM(arr)


cdef object _f64_like(double r, bint as_array):
    cdef cnp.npy_intp one = 1
    cdef cnp.ndarray out
    if not as_array:
        return _float64(r)
    out = cnp.PyArray_EMPTY(1, &one, cnp.NPY_DOUBLE, 0)
    (<double*>cnp.PyArray_DATA(out))[0] = r
    return out
