"""The decompositions of ``dualad.numpy.linalg`` and the functions built on them: ``svd``,
``eigh``, ``eigvalsh``, ``eig``, ``eigvals``, ``qr``, ``pinv``, ``lstsq``, ``matrix_power``,
``multi_dot``, ``matrix_rank``, and the singular-value matrix norms of ``norm``.

NumPy's signatures, results (named tuples with NumPy's field names) and stacking over leading
axes; the primitives and their rules are in ``dualad/primitives/decompositions.py``, whose NOTEs
("degenerate points", "values given their vectors") say what the derivatives are where
eigenvalues or singular values repeat.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import operator

import numpy as np

from .._core.primitive import Box, dtype_of, ndim_of, shape_of
from ..primitives import decompositions as _dec
from ..primitives import linalg as _la
from ..primitives.complex import squared_modulus
from . import _reductions
from ._core import matmul, reshape, sum, swapaxes, transpose
from ._complex import conj
from ._creation import asarray
from ._ufuncs import _not_differentiated
from ..typing import Array, ArrayLike

LinAlgError = np.linalg.LinAlgError


# NumPy's result tuples (``numpy.linalg.SVDResult`` …): the same fields, in the same order


class SVDResult(NamedTuple):
    """``svd``'s result: ``a = U @ (S[..., None] * Vh)``."""
    U: Array
    S: Array
    Vh: Array


class EighResult(NamedTuple):
    """``eigh``'s result: ascending eigenvalues, eigenvectors in the columns."""
    eigenvalues: Array
    eigenvectors: Array


class EigResult(NamedTuple):
    """``eig``'s result: eigenvalues, eigenvectors in the columns."""
    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    """``qr``'s result: ``a = Q @ R``."""
    Q: Array
    R: Array


_NO_VALUE = object()


def _matrices(name, a, square=False):
    """``a`` as an array of at least two axes (a square last pair when ``square``)."""
    a = asarray(a)
    shape = shape_of(a)
    if len(shape) < 2:
        raise LinAlgError(f"{name}: expected a matrix or a stack of matrices (..., m, n), got "
                          f"an array of shape {shape}")
    if square and shape[-1] != shape[-2]:
        raise LinAlgError(f"{name}: expected a square matrix or a stack of square matrices "
                          f"(..., n, n), got an array of shape {shape}")
    return a


def _values_only(name, a, option):
    """For options whose derivative dualad does not define: refuse a differentiated ``a``."""
    if isinstance(a, Box):
        raise NotImplementedError(
            f"{name}: {option} is not differentiated by dualad; call it on a plain array, or "
            "drop the option (for a symmetric matrix the results agree up to the signs of the "
            "vectors)")


def _lower(name, UPLO):
    uplo = str(UPLO).upper()
    if uplo not in ("L", "U"):
        raise ValueError(f"{name}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return uplo == "L"


# ---------------------------------------------------------------- svd
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True,
        hermitian: bool = False) -> Array | SVDResult:
    """``numpy.linalg.svd``: ``SVDResult(U, S, Vh)`` with ``a = U @ (S[..., None] * Vh)``, or
    the singular values alone with ``compute_uv=False``; stacks ``(..., m, n)`` as NumPy.

    Derivatives follow JAX and autograd: ``dS = diag(Uᵀ dA V)``, and the vectors' rule carries
    ``1/(σⱼ² − σᵢ²)``, so where two singular values coincide the derivatives of ``U`` and
    ``Vh`` are inf or NaN (they are not defined there); ``S`` itself stays differentiable
    (``compute_uv=False``, or ``S`` of the full result). For real matrices the signs of the
    vectors are NumPy's and the derivatives are those of the vectors NumPy returns; for complex
    ones each pair of vectors has a free phase, and the derivatives are those of functions that
    it leaves alone (``abs(U)``, ``U @ (S[..., None] * Vh)``). With ``full_matrices=True`` and
    a non-square ``a``, the vectors past the first min(m, n) are any basis of a complement:
    their derivatives are NaN (the others' are finite). At a zero singular value (a kink, as of
    ``|x|`` at 0) the derivative is that of NumPy's pair of vectors there, a subgradient.
    ``hermitian=True`` is computed for plain arrays only.

    >>> import dualad as ad, dualad.numpy as dnp, numpy as np
    >>> a = np.array([[3.0, 0.0], [4.0, 5.0]])
    >>> dnp.linalg.svd(a, compute_uv=False)
    array([6.70820393, 2.23606798])
    >>> g = ad.grad(lambda a: dnp.linalg.svd(a, compute_uv=False)[0])(a)   # u₁ v₁ᵀ
    """
    a = _matrices("svd", a)
    if hermitian:
        _values_only("svd", a, "hermitian=True")
        out = np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv,
                            hermitian=True)
        return SVDResult(*out) if compute_uv else out
    if not compute_uv:
        return _dec.svdvals(a, full_matrices=False)
    m, n = shape_of(a)[-2:]
    full = bool(full_matrices)
    packed = _dec.svd(a, full_matrices=full)
    u, _, v = _dec.svd_parts(packed, m, n, full)
    return SVDResult(u, _dec.svdvals(a, packed, full_matrices=full), conj(swapaxes(v, -1, -2)))


# ---------------------------------------------------------------- eigh, eigvalsh
def eigh(a: ArrayLike, UPLO: str = "L") -> EighResult:
    """``numpy.linalg.eigh``: ``EighResult(eigenvalues, eigenvectors)`` of a symmetric (stack
    of) matrices, eigenvalues ascending.

    As in NumPy only the triangle named by ``UPLO`` is read (and the real part of the diagonal
    of a complex matrix), and the derivatives are those of that function: the tangent ``dA``
    enters through its reflected triangle, and the gradient is ``tril(G + Gᴴ, -1) + diag(G)``
    of the Hermitian ``G`` (autograd's convention). A complex eigenvector's phase is free: the
    derivatives are those of functions that it leaves alone (``abs(v)``, ``v vᴴ``). The eigenvector
    rule carries ``1/(λⱼ − λᵢ)``: where eigenvalues repeat, the eigenvectors' derivatives are
    inf or NaN (not defined there) while the eigenvalues' stay finite.

    >>> import dualad as ad, dualad.numpy as dnp, numpy as np
    >>> w, v = dnp.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    >>> h = ad.hessian(lambda a: dnp.linalg.eigh(a)[0][-1])(np.diag([1.0, 2.0]))
    """
    a = _matrices("eigh", a, square=True)
    lower = _lower("eigh", UPLO)
    packed = _dec.eigh(a, lower=lower)
    vectors = _dec.eigen_parts(packed, shape_of(a)[-1])[1]
    return EighResult(_dec.eigvalsh(a, packed, lower=lower), vectors)


def eigvalsh(a: ArrayLike, UPLO: str = "L") -> Array:
    """``numpy.linalg.eigvalsh``: the ascending eigenvalues of a symmetric (stack of) matrices,
    read from the ``UPLO`` triangle. ``dλᵢ = vᵢᵀ dA vᵢ``: no eigenvalue gaps appear, so the
    first derivative is finite where eigenvalues repeat.

    >>> import dualad.numpy as dnp, numpy as np
    >>> dnp.linalg.eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    a = _matrices("eigvalsh", a, square=True)
    return _dec.eigvalsh(a, lower=_lower("eigvalsh", UPLO))


# ---------------------------------------------------------------- eig, eigvals
def eig(a: ArrayLike) -> EigResult:
    """``numpy.linalg.eig``: ``EigResult(eigenvalues, eigenvectors)`` of a general (stack of)
    square matrices, the eigenvectors of unit norm, as NumPy returns them.

    Differentiable where the eigenvalues are distinct (``dλ = diag(V⁻¹ dA V)``; the vectors'
    derivative keeps their unit norm), complex ones included: a real matrix with complex
    eigenvalues has a complex result, differentiated with dualad's complex convention. The
    phase of a complex eigenvector is free; the derivatives are those of functions that it
    leaves alone (``abs(v)``, ``v vᴴ``).

    >>> import dualad.numpy as dnp, numpy as np
    >>> dnp.linalg.eig(np.array([[2.0, 1.0], [0.0, 3.0]])).eigenvalues
    array([2., 3.])
    """
    a = _matrices("eig", a, square=True)
    packed = _dec.eig(a)
    vectors = _dec.eigen_parts(packed, shape_of(a)[-1])[1]
    return EigResult(_dec.eigvals(a, packed), vectors)


def eigvals(a: ArrayLike) -> Array:
    """``numpy.linalg.eigvals``: the eigenvalues of a general (stack of) square matrices;
    differentiable where they are real and ``a`` is diagonalisable (``dλ = diag(V⁻¹ dA V)``).

    >>> import dualad.numpy as dnp, numpy as np
    >>> dnp.linalg.eigvals(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([2., 3.])
    """
    return _dec.eigvals(_matrices("eigvals", a, square=True))


# ---------------------------------------------------------------- qr
def qr(a: ArrayLike, mode: str = "reduced") -> Array | QRResult:
    """``numpy.linalg.qr``: ``QRResult(Q, R)`` for ``mode='reduced'`` or ``'complete'``, ``R``
    alone for ``mode='r'``, and LAPACK's ``(h, tau)`` for ``mode='raw'`` (plain arrays only).

    Differentiable (Walter's rule, JAX's) where the leading min(m, n) columns have full rank;
    a wide ``a = [X | Y]`` is differentiated through the QR of ``X`` and ``R_Y = Qᵀ Y``. With
    ``mode='complete'`` and m > n, the columns of ``Q`` past the n-th are any basis of a
    complement: their derivatives are NaN. For complex matrices R keeps LAPACK's real
    diagonal, so Q and R have no free phase and their own derivatives are given.

    >>> import dualad.numpy as dnp, numpy as np
    >>> q, r = dnp.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> r
    array([[-5. , -2.2],
           [ 0. ,  0.4]])
    """
    a = _matrices("qr", a)
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: mode must be 'reduced', 'complete', 'r' or 'raw', got {mode!r}")
    if mode == "raw":
        _values_only("qr", a, "mode='raw'")
        return np.linalg.qr(a, mode="raw")
    m, n = shape_of(a)[-2:]
    complete = mode == "complete"
    q, r = _dec.unpack(_dec.qr(a, complete=complete), _dec.qr_shapes(m, n, complete))
    return r if mode == "r" else QRResult(q, r)


# ---------------------------------------------------------------- pinv, lstsq
def _relative_cutoff(rcond, rtol, shape, dtype):
    """NumPy's reading of ``pinv``'s ``rcond`` and ``rtol``."""
    if rcond is None:
        if rtol is _NO_VALUE:
            return 1e-15
        if rtol is None:
            return max(shape[-2:]) * np.finfo(dtype).eps
        return rtol
    if rtol is not _NO_VALUE:
        raise ValueError("pinv: rtol and rcond cannot both be set")
    return rcond


def pinv(a: ArrayLike, rcond: float | None = None, hermitian: bool = False, *,
         rtol: float | None = _NO_VALUE) -> Array:
    """``numpy.linalg.pinv``: the Moore-Penrose pseudo-inverse of a (stack of) matrices, with
    singular values at or below ``rcond`` (or ``rtol``) times the largest treated as zero.

    Its derivative is that of the function computed, wherever the set of kept singular values
    does not change (a singular value crossing the cutoff is a jump): Golub and Pereyra's
    formula when every value is kept, the truncated SVD's otherwise (NOTE: pinv's two rules).
    ``hermitian=True`` is computed for plain arrays only.

    >>> import dualad as ad, dualad.numpy as dnp, numpy as np
    >>> dnp.linalg.pinv(np.array([[1.0, 2.0]]))
    array([[0.2],
           [0.4]])
    """
    a = _matrices("pinv", a)
    cutoff = _relative_cutoff(rcond, rtol, shape_of(a), dtype_of(a))
    if hermitian:
        _values_only("pinv", a, "hermitian=True")
    if np.ndim(cutoff) == 0:
        cutoff = float(cutoff)
    return _dec.pinv(a, rcond=cutoff, hermitian=bool(hermitian))


def lstsq(a: ArrayLike, b: ArrayLike,
          rcond: float | None = None) -> tuple[Array, Array, Array, Array]:
    """``numpy.linalg.lstsq``: ``(x, residuals, rank, s)`` minimising ``‖b − a x‖₂`` for a
    matrix ``a`` (m, n) and ``b`` of shape (m,) or (m, k), as NumPy returns them: ``residuals``
    the squared residual norms per column when ``a`` has full column rank and m > n (else
    empty), ``rank`` a plain integer, ``s`` the singular values.

    ``x = pinv(a) @ b`` with the same cutoff (``rcond`` times the largest singular value,
    default ``eps * max(m, n)``); ``x``, ``residuals`` and ``s`` are differentiable in ``a``
    and ``b`` wherever the set of kept singular values does not change.

    >>> import dualad.numpy as dnp, numpy as np
    >>> x, res, rank, s = dnp.linalg.lstsq(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
    ...                                    np.array([1.0, 2.0, 3.0]))
    >>> x, rank
    (array([1., 2.]), 2)
    """
    a, b = asarray(a), asarray(b)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) != 2:
        raise LinAlgError(f"lstsq: a must be a matrix (m, n), got an array of shape {sa}")
    if len(sb) not in (1, 2) or sb[0] != sa[0]:
        raise LinAlgError(f"lstsq: a of shape {sa} needs b of shape ({sa[0]},) or "
                          f"({sa[0]}, k), got b of shape {sb}")
    m, n = sa
    cutoff = np.finfo(np.result_type(dtype_of(a), np.float32)).eps * max(m, n) \
        if rcond is None else rcond
    s = _dec.svdvals(a, full_matrices=False)
    x = matmul(_dec.pinv(a, rcond=float(cutoff), hermitian=False), b)
    rank = _rank_of_values(s, cutoff)
    if rank == n and m > n:
        residuals = sum(squared_modulus(b - matmul(a, x)), axis=0)
        if len(sb) == 1:
            residuals = reshape(residuals, (1,))
    else:
        real = np.finfo(np.result_type(dtype_of(a), dtype_of(b))).dtype   # also for complex
        residuals = np.empty((0,), dtype=real)
    return x, residuals, rank, s


def _count_above_cutoff(s, cutoff):
    """The number of singular values ``s`` above ``cutoff`` times the largest (``s`` as it
    comes, so that ``ad.jit`` follows a traced one and guards the count)."""
    s = np.asanyarray(s)
    return int(np.sum(s > cutoff * s.max())) if s.size else 0


# value-dependent results: not differentiated, and guards inside ad.jit
_rank_of_values = _not_differentiated(_count_above_cutoff)
_matrix_rank = _not_differentiated(np.linalg.matrix_rank)


# ---------------------------------------------------------------- products
def matrix_power(a: ArrayLike, n: int) -> Array:
    """``numpy.linalg.matrix_power``: ``a`` multiplied by itself ``n`` times (``n`` an integer;
    the inverse's powers for ``n < 0``; the identity for 0), by repeated squaring.

    >>> import dualad.numpy as dnp, numpy as np
    >>> dnp.linalg.matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    a = _matrices("matrix_power", a, square=True)
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}") from None
    if n == 0:
        eye = np.eye(shape_of(a)[-1], dtype=np.result_type(dtype_of(a)))
        return np.broadcast_to(eye, shape_of(a)).copy()
    if n < 0:
        a, n = _la.inv(a), -n
    result, square = None, a
    while True:      # the binary digits of n, lowest first
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if not n:
            return result
        square = matmul(square, square)


def _chain_order(dims):
    """The cheapest bracketing of a chain of matrices of shapes (dims[i], dims[i + 1]), by
    dynamic programming over sub-chains (Cormen et al.): ``split[i][j]`` is where the product
    of matrices i..j splits."""
    count = len(dims) - 1
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j] = np.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(arrays, split, i, j):
    if i == j:
        return arrays[i]
    k = split[i][j]
    return matmul(_chain_product(arrays, split, i, k), _chain_product(arrays, split, k + 1, j))


def multi_dot(arrays: Sequence[ArrayLike], *, out: None = None) -> Array:
    """``numpy.linalg.multi_dot``: the product of two or more arrays in the cheapest order; the
    first may be a vector (a row) and the last a vector (a column), the others are matrices.
    ``out`` is not supported (dualad never writes into arrays).

    >>> import dualad.numpy as dnp, numpy as np
    >>> dnp.linalg.multi_dot([np.ones(2), np.eye(2), np.ones((2, 3))])
    array([2., 2., 2.])
    """
    if out is not None:
        raise TypeError("multi_dot: out= is not supported (dualad does not write into arrays); "
                        "use the returned value")
    arrays = [asarray(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: expected at least two arrays, got {len(arrays)}")
    first, last = ndim_of(arrays[0]), ndim_of(arrays[-1])
    if first not in (1, 2) or last not in (1, 2) or any(
            ndim_of(x) != 2 for x in arrays[1:-1]):
        raise ValueError("multi_dot: the first and last arrays must be 1-D or 2-D and the "
                         "others 2-D, got shapes " + str([shape_of(x) for x in arrays]))
    if len(arrays) == 2:
        return matmul(arrays[0], arrays[1])
    if first == 1:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last == 1:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    dims = [shape_of(x)[0] for x in arrays] + [shape_of(arrays[-1])[1]]
    for x, y in zip(arrays, arrays[1:]):
        if shape_of(x)[1] != shape_of(y)[0]:
            raise ValueError(f"multi_dot: shapes {shape_of(x)} and {shape_of(y)} do not align")
    product = _chain_product(arrays, _chain_order(dims), 0, len(arrays) - 1)
    shape = shape_of(product)
    keep = tuple(d for d, vector in zip(shape, (first == 1, last == 1)) if not vector)
    return reshape(product, keep)


def matrix_rank(A: ArrayLike, tol: ArrayLike | None = None, hermitian: bool = False, *,
                rtol: float | None = None) -> Array:
    """``numpy.linalg.matrix_rank``: the number of singular values above the tolerance, as a
    plain integer array (an integer has no derivative; nothing is differentiated).

    >>> import dualad.numpy as dnp, numpy as np
    >>> int(dnp.linalg.matrix_rank(np.ones((3, 3))))
    1
    """
    return _matrix_rank(asarray(A), tol=tol, hermitian=hermitian, rtol=rtol)


# ---------------------------------------------------------------- norm
def singular_value_norm(x, ord, row_axis, col_axis):
    """The matrix norms of ``norm`` that need singular values over ``(row_axis, col_axis)``:
    ``2`` (the largest), ``-2`` (the smallest), ``'nuc'`` (their sum), with both axes kept
    (length 1). Ties between singular values share the derivative of ``max``/``min``."""
    nd = ndim_of(x)
    rows, cols = row_axis % nd, col_axis % nd
    others = [i for i in range(nd) if i not in (rows, cols)]
    s = _dec.svdvals(transpose(x, others + [rows, cols]), full_matrices=False)
    if ord == "nuc":
        out = sum(s, axis=-1)
    else:
        out = (_reductions.max if ord == 2 else _reductions.min)(s, axis=-1)
    kept = tuple(1 if i in (rows, cols) else d for i, d in enumerate(shape_of(x)))
    return reshape(out, kept)


__all__ = ["svd", "eigh", "eigvalsh", "eig", "eigvals", "qr", "pinv", "lstsq", "matrix_power",
           "multi_dot", "matrix_rank", "SVDResult", "EighResult", "EigResult", "QRResult"]
