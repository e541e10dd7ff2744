"""``dualad.numpy.linalg``: ``solve``, ``inv``, ``det``, ``slogdet``, ``norm``, ``cholesky`` with
NumPy's semantics (stacks of matrices ``(..., n, n)`` included), differentiable in both modes to
any order. The matrix functions are primitives (``dualad/primitives/linalg.py``); ``norm`` is
composed from elementwise operations and reductions. The decompositions (``svd``, ``eigh``,
``qr``, ``pinv``, ``lstsq`` …) live in ``_decompositions.py``.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._core.backend import array_module
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..primitives import linalg as _la
from ..primitives.complex import squared_modulus
from . import _decompositions, _reductions
from ._decompositions import *  # noqa: F401,F403  (svd, eigh, qr, pinv, lstsq, ...)
from ._axes import normalize_one
from ._core import matmul, reshape, sum
from ._core import swapaxes as _shape_swapaxes
from ._products import tensordot
from ._ufuncs import (_not_differentiated, abs, equal, not_equal, power, refuse_complex, sqrt,
                      where)
from ..typing import Array, ArrayLike, Axis

LinAlgError = np.linalg.LinAlgError
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _check_square(name, a):
    shape = shape_of(a)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise LinAlgError(f"{name}: expected a square matrix or a stack of square matrices "
                          f"(..., n, n), got an array of shape {shape}")


def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """Solve ``a @ x = b``. As in NumPy 2, ``b`` is a vector when it is 1-D and otherwise a
    (stack of) matrices ``(..., n, m)``; the stacks of ``a`` and ``b`` broadcast."""
    _check_square("solve", a)
    sa, sb = shape_of(a), shape_of(b)
    n = sa[-1]
    vector = len(sb) == 1
    rows = sb[0] if vector else (sb[-2] if len(sb) >= 2 else None)
    if rows != n:
        raise ValueError(f"solve: a of shape {sa} needs b of shape ({n},) or (..., {n}, m), "
                         f"got b of shape {sb}")
    try:
        np.broadcast_shapes(sa[:-2], () if vector else sb[:-2])
    except ValueError:
        raise ValueError(f"solve: the stacks of a (shape {sa}) and b (shape {sb}) do not "
                         "broadcast") from None
    if vector:
        x = _la.solve(a, reshape(b, (n, 1)))
        return reshape(x, shape_of(x)[:-1])
    return _la.solve(a, b)


def inv(a: ArrayLike) -> Array:
    """The inverse of a (stack of) square matrices."""
    _check_square("inv", a)
    return _la.inv(a)


def det(a: ArrayLike) -> Array:
    """The determinant of a (stack of) square matrices. Its derivative ``det(a) * inv(a).T``
    needs ``a`` invertible."""
    _check_square("det", a)
    return _la.det(a)


def _sign_of_determinant(a):
    return array_module(a).linalg.slogdet(a)[0]


# the sign is piecewise constant: not differentiated, and a guard inside ad.jit
_slogdet_sign = _not_differentiated(_sign_of_determinant)


def slogdet(a: ArrayLike) -> tuple[Array, Array]:
    """``SlogdetResult(sign, logabsdet)`` of a (stack of) square matrices. ``sign`` is a plain
    array (its derivative is zero wherever it is defined); ``logabsdet`` is differentiated,
    with derivative ``inv(a).T``."""
    _check_square("slogdet", a)
    sign = _slogdet_sign(a)
    return SlogdetResult(sign, _la.logabsdet(a))


def cholesky(a: ArrayLike) -> Array:
    """The lower-triangular Cholesky factor ``L`` of a symmetric positive-definite (stack of)
    matrices, ``a = L @ L.T``; real matrices only (a Hermitian one would need its conjugate
    transposes: it raises rather than answer the symmetric part's factor).

    As in JAX, ``a`` is read as its symmetric part ``(a + a.T) / 2``: for a symmetric ``a`` (the
    intended input) the value is NumPy's, and the derivative, ``L Φ(L⁻¹ ȧ L⁻ᵀ)`` with Φ the lower
    triangle with halved diagonal, is that of the function actually computed for any direction
    ``ȧ``, symmetric or not. Its cotangent is symmetric.
    """
    _check_square("cholesky", a)
    refuse_complex("linalg.cholesky", a)
    return _la.cholesky(a)


# ---------------------------------------------------------------- norm
def _two_norm(x, axis, keepdims):
    """``sqrt(sum(x**2))`` over ``axis``; at the zero vector its derivative (of every order) is
    taken as 0, the subgradient of least norm, rather than NaN."""
    sq = sum(squared_modulus(x), axis=axis, keepdims=keepdims)
    zero = equal(sq, 0)   # a dnp comparison: data inside ad.jit
    return where(zero, 0.0, sqrt(where(zero, 1.0, sq)))


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _two_norm(x, axis, keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    if ord == np.inf:
        return _reductions.max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _reductions.min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        nonzero = not_equal(x, 0).astype(np.result_type(dtype_of(x), np.float32))
        return nonzero.sum(axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    return power(sum(power(abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, row_axis, col_axis, keepdims):
    if ord in (None, "fro"):
        out = _two_norm(x, (row_axis, col_axis), keepdims=True)
    elif ord in (1, -1, np.inf, -np.inf):
        inner, outer = (row_axis, col_axis) if ord in (1, -1) else (col_axis, row_axis)
        pick = _reductions.max if ord > 0 else _reductions.min
        out = pick(sum(abs(x), axis=inner, keepdims=True), axis=outer, keepdims=True)
    elif ord in (2, -2, "nuc"):
        out = _decompositions.singular_value_norm(x, ord, row_axis, col_axis)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices")
    if keepdims:
        return out
    shape = shape_of(out)
    nd = len(shape)
    return reshape(out, tuple(s for i, s in enumerate(shape)
                              if i - nd not in (row_axis, col_axis)))


def norm(x: ArrayLike, ord: int | float | str | None = None, axis: Axis = None,
         keepdims: bool = False) -> Array:
    """``numpy.linalg.norm``: vector norms (``ord`` None/2, 1, inf, -inf, 0 or any p) along one
    axis, matrix norms (``ord`` None/'fro', 1, -1, inf, -inf, and 2, -2, 'nuc' from the singular
    values) over two axes, and with
    ``axis=None`` the 2-norm of the flattened array (or the norm of a 1-D/2-D array for a
    given ``ord``).

    The 2-norm and Frobenius norm have derivative 0 at the zero vector (the subgradient of
    least norm; autograd and PyTorch give NaN there). ``ord=0`` counts nonzeros and is not
    differentiated. The derivatives of ``abs`` (0 at 0) and of ``max``/``min`` (ties share)
    carry over to the 1- and inf-norms.
    """
    nd = ndim_of(x)
    if axis is None:
        if ord is None:
            out = _two_norm(reshape(x, (-1,)), (-1,), keepdims=False)
            return reshape(out, (1,) * nd) if keepdims else out
        if nd not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a 1-D or 2-D array, got "
                             f"shape {shape_of(x)}")
        axis = tuple(range(nd))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    axes = tuple(normalize_one(a, nd, "norm") for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2 and axes[0] != axes[1]:
        return _matrix_norm(x, ord, axes[0], axes[1], keepdims)
    raise ValueError(f"norm: axis must name one axis (vector norm) or two distinct axes "
                     f"(matrix norm), got {axis!r}")


__all__ = ["solve", "inv", "det", "slogdet", "norm", "cholesky", "matmul", "tensordot",
           "LinAlgError", "T"] + _decompositions.__all__


# HIPS autograd's helper names in its linalg namespace, which its users' code calls
def T(x: ArrayLike) -> Array:
    """The last two axes swapped (autograd's ``numpy.linalg.T``).

    >>> import numpy as np, dualad.numpy as dnp
    >>> dnp.linalg.T(np.ones((2, 3))).shape
    (3, 2)
    """
    return _shape_swapaxes(x, -1, -2)


_dot = matmul   # autograd's ``numpy.linalg._dot``: the stacked matrix product
