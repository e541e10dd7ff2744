"""``dualad.scipy.linalg``: ``solve_triangular``, ``cho_factor``, ``cho_solve``, ``lu_factor``,
``lu_solve``, ``solve_banded``, ``block_diag``, ``expm``, ``sqrtm`` and ``solve_sylvester`` with
SciPy's signatures, differentiable in both modes to any order (the rules are written with these same
functions).

# Design: ``solve_triangular``, ``expm`` and ``solve_sylvester`` are primitives whose values come
# from ``scipy.linalg``. ``solve_triangular`` reads one triangle of ``a`` (SciPy ignores the other,
# and the diagonal with ``unit_diagonal``), so its derivative in ``a`` lives on that triangle too.
# ``expm``'s derivative is the Fréchet derivative, the upper-right block of
# ``expm([[A, E], [0, A]])``; ``sqrtm``'s solves ``X dX + dX X = dA``, a Sylvester equation.
# ``cho_factor`` returns the clean triangular factor (SciPy leaves arbitrary data in the other
# triangle); ``cho_solve`` reads only that triangle, so both agree with SciPy where it matters.

>>> import numpy as np
>>> import dualad as ad
>>> from dualad.scipy.linalg import solve_triangular
>>> a = np.array([[2.0, 0.0], [1.0, 4.0]])
>>> ad.grad(lambda b: solve_triangular(a, b, lower=True).sum())(np.ones(2))
array([0.375, 0.25 ])
"""
from __future__ import annotations

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..extend import defprim
from ..numpy import (concatenate, expand_dims, matmul, moveaxis, reshape, stack, swapaxes,
                     zeros)
from ..numpy.linalg import cholesky
from ._scipy import scipy_module
from ..typing import Array, ArrayLike

_TRANS = {0: 0, "N": 0, 1: 1, "T": 1, 2: 1, "C": 1}   # real matrices: 'C' is 'T'


def _triangle(n, lower, unit_diagonal):
    """The 0/1 mask of the entries ``solve_triangular`` reads."""
    mask = np.tril(np.ones((n, n))) if lower else np.triu(np.ones((n, n)))
    if unit_diagonal:
        np.fill_diagonal(mask, 0.0)
    return mask


def _mT(v):
    return swapaxes(v, -1, -2)


def _solve_value(a, b, *, lower, trans, unit_diagonal):
    return scipy_module("linalg").solve_triangular(a, b, trans=trans, lower=lower,
                                                   unit_diagonal=unit_diagonal,
                                                   check_finite=False)


def _solve_stacked(a, rhs, lower, trans, unit_diagonal):
    """``op(a)^-1 rhs`` for ``rhs`` with a leading batch axis (k directions): the directions
    become extra columns of one solve."""
    shape = shape_of(rhs)
    columns = reshape(moveaxis(rhs, 0, -1), (shape[1], -1))
    x = _solve_p(a, columns, lower=lower, trans=trans, unit_diagonal=unit_diagonal)
    return moveaxis(reshape(x, shape[1:] + (shape[0],)), -1, 0)


def _op(m, trans):
    return _mT(m) if trans else m


def _solve_jvp_a(t, ans, a, b, *, lower, trans, unit_diagonal):
    # op(a) x = b  =>  op(a) dx = -op(da) x, with da on the triangle that is read
    da = t * _triangle(shape_of(a)[0], lower, unit_diagonal)
    return _solve_stacked(a, -matmul(_op(da, trans), ans), lower, trans, unit_diagonal)


def _solve_jvp_b(t, ans, a, b, *, lower, trans, unit_diagonal):
    return _solve_stacked(a, t, lower, trans, unit_diagonal)


def _solve_vjp_b(g, ans, a, b, *, lower, trans, unit_diagonal):
    return _solve_stacked(a, g, lower, 1 - trans, unit_diagonal)


def _solve_vjp_a(g, ans, a, b, *, lower, trans, unit_diagonal):
    gb = _solve_vjp_b(g, ans, a, b, lower=lower, trans=trans, unit_diagonal=unit_diagonal)
    if ndim_of(ans) == 1:                    # x and gb are vectors: outer products
        product = expand_dims(gb, -1) * expand_dims(ans, 0)
    else:
        product = matmul(gb, _mT(ans))
    ga = -(_mT(product) if trans else product)
    return ga * _triangle(shape_of(a)[0], lower, unit_diagonal)


_solve_p = defprim("scipy.linalg.solve_triangular", _solve_value,
                   jvp=(_solve_jvp_a, _solve_jvp_b), vjp=(_solve_vjp_a, _solve_vjp_b),
                   batched=True)


def solve_triangular(a: ArrayLike, b: ArrayLike, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False,
                     check_finite: bool = True) -> Array:
    """Solve ``a x = b`` (``trans=0``) or ``a^T x = b`` (``trans=1`` or ``'T'``; ``'C'`` is
    the same for real matrices) for a triangular ``a`` (n, n) and ``b`` (n,) or (n, m).
    Only the ``lower`` (or upper) triangle of ``a`` is read, its diagonal not with
    ``unit_diagonal``; the derivative in ``a`` lives on what is read. ``overwrite_b`` and
    ``check_finite`` are accepted for SciPy's signature (dualad never overwrites).
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got "
                         f"{trans!r}")
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) != 2 or sa[0] != sa[1]:
        raise ValueError(f"solve_triangular: a must be a square matrix, got shape {sa}")
    if len(sb) not in (1, 2) or sb[0] != sa[0]:
        raise ValueError(f"solve_triangular: b must have shape ({sa[0]},) or ({sa[0]}, m) to "
                         f"match a of shape {sa}, got {sb}")
    return _solve_p(a, b, lower=bool(lower), trans=_TRANS[trans],
                    unit_diagonal=bool(unit_diagonal))


def cho_factor(a: ArrayLike, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Array, bool]:
    """``(c, lower)``: the Cholesky factor of a symmetric positive-definite ``a``, lower
    (``c @ c.T == a``) or upper (``c.T @ c == a``), for ``cho_solve``. Unlike SciPy, the other
    triangle of ``c`` is zero, not arbitrary data."""
    factor = cholesky(a)
    return (factor if lower else _mT(factor)), bool(lower)


def cho_solve(c_and_lower: tuple[ArrayLike, bool], b: ArrayLike, overwrite_b: bool = False,
              check_finite: bool = True) -> Array:
    """Solve ``a x = b`` from ``cho_factor(a)``'s ``(c, lower)``, by two triangular solves
    (reading only ``c``'s triangle)."""
    c, lower = c_and_lower
    if lower:
        y = solve_triangular(c, b, lower=True)
        return solve_triangular(c, y, trans=1, lower=True)
    y = solve_triangular(c, b, trans=1, lower=False)
    return solve_triangular(c, y, lower=False)


def _permutation(piv):
    """The row order ``p`` with ``P^T b == b[p]`` for LAPACK's pivots (row i swapped with row
    piv[i], in turn)."""
    order = np.arange(len(piv))
    for i, j in enumerate(piv):
        order[i], order[j] = order[j], order[i]
    return order


def _lu_parts(lu, a):
    """``(P, L, U)`` of ``a = P L U`` from the packed ``lu``; ``P`` a constant matrix."""
    n = shape_of(lu)[0]
    piv = scipy_module("linalg").lu_factor(raw_value(a), check_finite=False)[1]
    p = np.eye(n)[:, _permutation(piv)]
    lower = np.tril(np.ones((n, n)), -1)
    return p, lu * lower + np.eye(n), lu * (1.0 - lower)


def _lu_jvp(t, lu, a):
    # F = L^-1 P^T dA U^-1; d(lu) = L stril(F) + triu(F) U
    p, low, up = _lu_parts(lu, a)
    f = _solve_stacked(lu, matmul(p.T, t), True, 0, True)
    f = _mT(_solve_stacked(lu, _mT(f), False, 1, False))
    strict = np.tril(np.ones(shape_of(lu)), -1)
    return matmul(low, f * strict) + matmul(f * (1.0 - strict), up)


def _lu_vjp(g, lu, a):
    # dA = P L^-T (stril(L^T G) + triu(G U^T)) U^-T, G split into the two triangles of lu
    p, low, up = _lu_parts(lu, a)
    strict = np.tril(np.ones(shape_of(lu)), -1)
    m = (matmul(_mT(low), g * strict) * strict
         + matmul(g * (1.0 - strict), _mT(up)) * (1.0 - strict))
    m = _solve_stacked(lu, m, True, 1, True)
    return matmul(p, _mT(_solve_stacked(lu, _mT(m), False, 0, False)))


_lu_p = defprim("scipy.linalg.lu_factor",
                lambda a: scipy_module("linalg").lu_factor(a, check_finite=False)[0],
                jvp=(_lu_jvp,), vjp=(_lu_vjp,), batched=True)


def lu_factor(a: ArrayLike, overwrite_a: bool = False,
              check_finite: bool = True) -> tuple[Array, np.ndarray]:
    """``(lu, piv)``: the pivoted LU factorization ``a = P L U`` of a square ``a``, packed as
    SciPy packs it (``L`` unit lower below the diagonal, ``U`` on and above; ``piv`` LAPACK's
    row interchanges, an integer array without derivative). ``lu`` is differentiable in ``a``
    (``d lu = L stril(F) + triu(F) U`` with ``F = L^-1 P^T da U^-1``)."""
    shape = shape_of(a)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"lu_factor: a must be a square matrix, got shape {shape}")
    piv = scipy_module("linalg").lu_factor(raw_value(a), check_finite=False)[1]
    return _lu_p(a), piv


def lu_solve(lu_and_piv: tuple[ArrayLike, ArrayLike], b: ArrayLike, trans: int | str = 0,
             overwrite_b: bool = False, check_finite: bool = True) -> Array:
    """Solve ``a x = b`` (``trans=0``) or ``a^T x = b`` (``trans=1``) from ``lu_factor(a)``,
    by a permutation and two triangular solves; differentiable in ``lu`` and ``b``."""
    lu, piv = lu_and_piv
    order = _permutation(np.asarray(piv))
    if _TRANS[trans] == 0:                 # x = U^-1 L^-1 P^T b
        y = solve_triangular(lu, b[order], lower=True, unit_diagonal=True)
        return solve_triangular(lu, y, lower=False)
    y = solve_triangular(lu, b, trans=1, lower=False)   # x = P L^-T U^-T b
    y = solve_triangular(lu, y, trans=1, lower=True, unit_diagonal=True)
    return y[np.argsort(order)]


def _band_indices(n, lower, upper):
    """For the n x n matrix of a band ``(lower, upper)``: the row of ``ab`` holding each entry
    ``A[i, j]`` (``upper + i - j``, clipped), and the mask of the entries inside the band."""
    i, j = np.indices((n, n))
    rows = upper + i - j
    inside = (rows >= 0) & (rows <= lower + upper)
    return np.clip(rows, 0, lower + upper), j, inside.astype(float)


def _dense(ab, lower, upper):
    """The full matrix of the banded ``ab`` (a leading batch axis allowed): a gather."""
    rows, cols, inside = _band_indices(shape_of(ab)[-1], lower, upper)
    return ab[..., rows, cols] * inside


def _band(m, lower, upper):
    """The ``ab`` storage of the band of a full matrix ``m`` (a leading batch axis allowed):
    ``ab[upper + i - j, j] = m[i, j]``, 0 where the band runs off the matrix."""
    n = shape_of(m)[-1]
    r, j = np.indices((lower + upper + 1, n))
    i = r - upper + j
    valid = ((i >= 0) & (i < n)).astype(float)
    return m[..., np.clip(i, 0, n - 1), j] * valid


def _banded_solve_stacked(ab, rhs, lower, upper):
    shape = shape_of(rhs)
    columns = reshape(moveaxis(rhs, 0, -1), (shape[1], -1))
    x = _banded_p(ab, columns, lower=lower, upper=upper)
    return moveaxis(reshape(x, shape[1:] + (shape[0],)), -1, 0)


def _banded_jvp(tangents, x, ab, b, *, lower, upper):
    # A x = b  =>  A dx = db - dA x
    t_ab, t_b = tangents
    rhs = t_b
    if t_ab is not None:
        change = -matmul(_dense(t_ab, lower, upper), x)
        rhs = change if rhs is None else rhs + change
    return _banded_solve_stacked(ab, rhs, lower, upper)


def _banded_vjp(g, x, ab, b, *, lower, upper):
    # g_b = A^-T g (A^T is banded with the bands swapped); g_A = -g_b x^T on the band
    transposed = _band(_mT(_dense(ab, lower, upper)), upper, lower)
    gb = _banded_solve_stacked(transposed, g, upper, lower)
    if ndim_of(x) == 1:
        outer = expand_dims(gb, -1) * expand_dims(x, 0)
    else:
        outer = matmul(gb, _mT(x))
    return -_band(outer, lower, upper), gb


_banded_p = defprim(
    "scipy.linalg.solve_banded",
    lambda ab, b, *, lower, upper: scipy_module("linalg").solve_banded((lower, upper), ab, b),
    jvp=_banded_jvp, vjp=_banded_vjp, batched=True)


def solve_banded(l_and_u: tuple[int, int], ab: ArrayLike, b: ArrayLike, overwrite_ab: bool = False,
                 overwrite_b: bool = False, check_finite: bool = True) -> Array:
    """Solve ``A x = b`` for a banded ``A`` given in SciPy's storage: ``ab[u + i - j, j] ==
    A[i, j]`` with ``(l, u)`` the numbers of sub- and super-diagonals; differentiable in ``ab``
    (on the band) and ``b``.

    >>> solve_banded((1, 1), np.array([[0.0, 1.0], [2.0, 2.0], [1.0, 0.0]]), np.ones(2))
    array([0.33333333, 0.33333333])
    """
    lower, upper = (int(v) for v in l_and_u)
    n = shape_of(ab)[-1]
    if shape_of(ab) != (lower + upper + 1, n):
        raise ValueError(f"solve_banded: ab must have shape (l + u + 1, n) = "
                         f"({lower + upper + 1}, {n}), got {shape_of(ab)}")
    if ndim_of(b) not in (1, 2) or shape_of(b)[0] != n:
        raise ValueError(f"solve_banded: b must have shape ({n},) or ({n}, m), got "
                         f"{shape_of(b)}")
    return _banded_p(ab, b, lower=lower, upper=upper)


def block_diag(*arrs: ArrayLike) -> Array:
    """The block-diagonal matrix of the given blocks (scalars and vectors count as 1 x n rows,
    as in SciPy), differentiable in every block.

    >>> block_diag(np.eye(1), 2 * np.ones((1, 2))).shape
    (2, 3)
    """
    if not arrs:
        return np.empty((1, 0))
    blocks = [reshape(m, (1, -1)) if ndim_of(m) < 2 else m for m in arrs]
    for m in blocks:
        if ndim_of(m) != 2:
            raise ValueError(f"block_diag: blocks must have at most 2 dimensions, got shape "
                             f"{shape_of(m)}")
    cols = sum(shape_of(m)[1] for m in blocks)
    dtype = np.result_type(*(dtype_of(m) for m in blocks))   # float32 blocks stay float32
    rows, before = [], 0
    for m in blocks:
        r, c = shape_of(m)
        rows.append(concatenate([zeros((r, before), dtype), m, zeros((r, cols - before - c),
                                                                     dtype)], axis=1))
        before += c
    return concatenate(rows, axis=0)


def _frechet(a, e):
    """The Fréchet derivative of ``expm`` at ``a`` in the direction ``e``: the upper-right
    block of ``expm([[a, e], [0, a]])``."""
    n = shape_of(a)[0]
    big = concatenate([concatenate([a, e], axis=1),
                       concatenate([zeros((n, n)), a], axis=1)], axis=0)
    return _expm_p(big)[:n, n:]


_expm_p = defprim("scipy.linalg.expm", lambda a: scipy_module("linalg").expm(a),
                  jvp=(lambda t, ans, a: _frechet(a, t),),
                  vjp=(lambda g, ans, a: _frechet(_mT(a), g),))


def expm(A: ArrayLike) -> Array:
    """The matrix exponential of a square ``A``; its derivative is the Fréchet derivative,
    itself an ``expm`` of a block matrix, so it differentiates again.

    >>> float(expm(np.zeros((2, 2)))[0, 0])
    1.0
    """
    shape = shape_of(A)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"expm: A must be a square matrix, got shape {shape}")
    return _expm_p(A)


def _sylvester_jvp(tangents, x, a, b, q):
    # a x + x b = q  =>  a dx + dx b = dq - da x - x db
    ta, tb, tq = tangents
    rhs = None
    for term in (tq, None if ta is None else -matmul(ta, x), None if tb is None else
                 -matmul(x, tb)):
        if term is not None:
            rhs = term if rhs is None else rhs + term
    return _sylvester_stacked(a, b, rhs)


def _sylvester_vjp(g, x, a, b, q):
    # the adjoint equation a^T y + y b^T = g gives the cotangents
    y = _sylvester_stacked(_mT(a), _mT(b), g)
    return -matmul(y, _mT(x)), -matmul(_mT(x), y), y


def _sylvester_stacked(a, b, rhs):
    """``solve_sylvester(a, b, r)`` for each of the k directions ``r`` of ``rhs``."""
    return stack([_sylvester_p(a, b, rhs[i]) for i in range(shape_of(rhs)[0])])


_sylvester_p = defprim(
    "scipy.linalg.solve_sylvester",
    lambda a, b, q: scipy_module("linalg").solve_sylvester(a, b, q),
    jvp=_sylvester_jvp, vjp=_sylvester_vjp, batched=True)


def solve_sylvester(a: ArrayLike, b: ArrayLike, q: ArrayLike) -> Array:
    """Solve ``a x + x b = q`` for ``x``; differentiable in ``a``, ``b`` and ``q``.

    >>> solve_sylvester(np.eye(2), np.eye(2), 2 * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    return _sylvester_p(a, b, q)


def sqrtm(A: ArrayLike, disp: bool = True, blocksize: int = 64) -> Array:
    """The principal square root ``X`` of a square ``A`` (``X @ X == A``), from SciPy's
    ``sqrtm``; its derivative solves ``X dX + dX X = dA``. A real matrix without a real square
    root (a negative eigenvalue) gets SciPy's complex root, differentiated as such (NOTE:
    complex convention in ``primitives/complex.py``).

    >>> sqrtm(4 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return _sqrtm_p(A)


def _sqrtm_value(a):
    root = scipy_module("linalg").sqrtm(a)
    if (np.iscomplexobj(root) and not np.iscomplexobj(a)
            and np.max(np.abs(root.imag)) <= 1e-8 * max(1.0, np.max(np.abs(root.real)))):
        root = root.real   # a real root, up to SciPy's rounding
    return root


_sqrtm_p = defprim("scipy.linalg.sqrtm", _sqrtm_value,
                   jvp=(lambda t, x, a: solve_sylvester(x, x, t),),
                   vjp=(lambda g, x, a: solve_sylvester(_mT(x), _mT(x), g),))


__all__ = ["solve_triangular", "cho_factor", "cho_solve", "lu_factor", "lu_solve", "solve_banded",
           "block_diag", "expm", "sqrtm", "solve_sylvester"]
