"""Matrix decompositions: eigh, eigvalsh, eig, eigvals, svd, svdvals, qr and pinv.

Every primitive works on stacks of matrices ``(..., m, n)``; the rules are written with dualad's
own primitives, so they differentiate again (Hessians through ``eigh``). The conventions (JAX's
and HIPS autograd's) are the standard ones: Giles' eigenvector rule with ``1/(λj − λi)``,
Townsend's SVD rule with ``1/(σj² − σi²)``, Walter's QR rule, Golub and Pereyra's for ``pinv``
(NOTE: pinv's two rules).

NOTE: packed results. A primitive has one result, a decomposition several, so each returns its
factors packed side by side: every factor flattened over its own trailing axes and concatenated
along the last axis (``pack``/``unpack``). ``dualad.numpy.linalg`` unpacks them with
differentiable slices; a rule unpacks its ``ans`` (no batch axis) and its cotangent (batch axis
first, NOTE: batch axis) with the same helper, and packs its tangent the same way.

NOTE: values given their vectors. The eigenvalues and singular values are primitives of their own
(``eigvalsh``, ``eigvals``, ``svdvals``) whose derivative uses the vectors only at first order
(``dλi = vi^T dA vi``), never the gaps between values. Called with the packed decomposition as a
second argument they read their value from it instead of recomputing it, and they declare their
whole derivative through ``a`` (none through the packed argument, which depends on ``a`` only).
So a loss that uses only ``w`` of ``w, v = eigh(a)`` never reaches the eigenvector rule and its
``1/(λj − λi)``: it stays finite where eigenvalues repeat, as in autograd and JAX.

NOTE: complex values. Every primitive here takes complex matrices (and eig a real one with
complex eigenvalues) with the pairing ``Re(g t)`` of NOTE: complex convention
in ``primitives/complex.py``: the rules use conjugate transposes, and each rule that conjugates
or takes a real part has its transpose conjugate or take the real part in turn. The vectors of
a complex decomposition have a free phase each; the rules choose JAX's (``Im(v_i^H dv_i) = 0``
for eigh's and V's, U's phase following from ``dP``), so the derivatives are those of functions
that the phases leave alone (``abs(v)``, ``v v^H``, ``U diag(s) Vh``), not of LAPACK's choice of
phase. qr's R keeps a real diagonal, as LAPACK's, so its Q and R have no free phase.

NOTE: degenerate points. Where two eigenvalues (eigh, eig) or two singular values (svd) coincide,
the vectors are not differentiable (any rotation within the repeated space is as good) and their
rules divide by zero: the tangent or cotangent of the vectors is then inf or NaN, never a
finite wrong number (the JAX convention for eigh). The same holds for the singular vectors of a
non-square matrix with a zero singular value, and for eig where ``V`` is singular (defective
``a``). The values themselves keep their first derivative (NOTE: values given their vectors).
The columns of a full ``U`` or ``V`` (svd, ``full_matrices=True``, non-square) and of a complete
``Q`` (qr, m > n) past the first min(m, n) are any basis of a complement: their tangents are NaN,
and a cotangent that reaches them makes the cotangent of ``a`` NaN.
"""
import numpy as np

from .._core.backend import array_module, raw_value
from .._core.primitive import Primitive, dtype_of, shape_of
from .binary import divide, multiply, subtract
from .complex import conj, real
from .elementwise import negative
from .indexing import concatenate, getitem
from .linalg import inv, matmul, mT, solve_batched
from .reductions import sum_p
from .shape import reshape


# ---------------------------------------------------------------- packing (NOTE: packed results)
def pack(parts, trailing):
    """Flatten each of ``parts`` over its last ``trailing[i]`` axes and join them on the last."""
    flat = []
    for p, nd in zip(parts, trailing):
        shape = shape_of(p)
        lead = shape[:len(shape) - nd]
        flat.append(reshape(p, shape=lead + (int(np.prod(shape[len(shape) - nd:])),)))
    return concatenate(*flat, axis=-1)


def unpack(v, shapes):
    """The factors of a packed ``v`` whose trailing shapes are ``shapes``."""
    shape = shape_of(v)
    lead, start, parts = shape[:-1], 0, []
    for s in shapes:
        size = int(np.prod(s))
        index = (slice(None),) * len(lead) + (slice(start, start + size),)
        parts.append(reshape(getitem(v, index=index), shape=lead + tuple(s)))
        start += size
    return parts


def _pack_raw(parts, trailing):
    """``pack`` for the plain arrays of an ``impl``."""
    flat = [p.reshape(p.shape[:p.ndim - nd] + (int(np.prod(p.shape[p.ndim - nd:])),))
            for p, nd in zip(parts, trailing)]     # sizes spelled out: stacks may be empty
    return array_module(*parts).concatenate(flat, axis=-1)


# ---------------------------------------------------------------- small matrix helpers
def _row(v):
    """``v[..., None, :]``: a vector as a row, to scale the columns of a matrix."""
    return reshape(v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1]))


def _col(v):
    """``v[..., :, None]``."""
    return reshape(v, shape=shape_of(v) + (1,))


def _eye(n, like):
    return array_module(like).eye(n, dtype=dtype_of(like))


def _diagonal(m):
    """The diagonal of each matrix of a stack (a constant mask, so linear)."""
    return sum_p(multiply(m, _eye(shape_of(m)[-1], m)), axis=(-1,), keepdims=False)


def _diag_embed(v):
    """Diagonal matrices with the vectors ``v`` on their diagonals."""
    return multiply(_row(v), _eye(shape_of(v)[-1], v))


def _gap_reciprocals(d):
    """``F[i, j] = 1 / (d[j] - d[i])`` off the diagonal and 0 on it; inf where two entries of
    ``d`` coincide (NOTE: degenerate points)."""
    eye = _eye(shape_of(d)[-1], d)
    with np.errstate(divide="ignore"):
        return subtract(divide(1.0, subtract(_row(d), _col(d)) + eye), eye)


def _mask(n, like, lower, diagonal):
    xp = array_module(like)
    ones = xp.ones((n, n), dtype=dtype_of(like))
    k = 0 if diagonal else 1
    return xp.tril(ones, -k) if lower else xp.triu(ones, k)


def _is_complex(x):
    return np.dtype(dtype_of(x)).kind == "c"


def _conj(x):
    return conj(x) if _is_complex(x) else x


def _re(x):
    return real(x) if _is_complex(x) else x


def _h(x):
    """The conjugate transpose of each matrix of a stack (the transpose of real ones)."""
    return _conj(mT(x))


def _reflect_triangle(x, lower):
    """The Hermitian matrix that LAPACK reads from one triangle of ``x`` (NumPy's ``UPLO``):
    ``tril(x, -1) + tril(x, -1)^H + diag(Re x)`` for the lower one. Real-linear in ``x``."""
    n = shape_of(x)[-1]
    strict = multiply(x, _mask(n, x, lower, False))
    return strict + _h(strict) + multiply(_re(x), _eye(n, x))


def _reflect_triangle_transpose(g, lower):
    """The transpose of ``_reflect_triangle`` under the pairing ``Re(g t)`` (NOTE: complex
    convention in ``primitives/complex.py``): ``tril(g + g^H, -1) + diag(Re g)``."""
    n = shape_of(g)[-1]
    return multiply(g + _h(g), _mask(n, g, lower, False)) + multiply(_re(g), _eye(n, g))


def _columns(x, start, stop):
    """``x[..., start:stop]``."""
    return getitem(x, index=(slice(None),) * (len(shape_of(x)) - 1) + (slice(start, stop),))


def _rows(x, start, stop):
    """``x[..., start:stop, :]``."""
    return getitem(x, index=(slice(None),) * (len(shape_of(x)) - 2) + (slice(start, stop),
                                                                         slice(None)))


def _with_undefined_columns(d, total):
    """The tangent of a full factor from that of its first columns: the columns past them are
    any basis of the complement, not determined by ``a``, so their tangent is NaN (NOTE:
    degenerate points)."""
    shape = shape_of(d)
    if shape[-1] == total:
        return d
    nan = array_module(d).full(shape[:-1] + (total - shape[-1],), np.nan, dtype=dtype_of(d))
    return concatenate(d, nan, axis=-1)


def _undefined_if_used(ct, *free_parts):
    """The cotangent ``ct`` of ``a``, NaN for each direction (batch index) whose cotangent
    reaches the free columns of a full factor (NOTE: degenerate points); a non-differentiable
    decision on the raw values."""
    used = None
    for p in free_parts:
        raw = raw_value(p)
        hit = (raw != 0).reshape(raw.shape[0], -1).any(axis=1)
        used = hit if used is None else used | hit
    if used is None or not bool(used.any()):
        return ct
    xp = array_module(raw)
    factor = xp.where(used, np.nan, 1.0).astype(dtype_of(ct))
    return multiply(ct, factor.reshape((-1,) + (1,) * (len(shape_of(ct)) - 1)))


def _whole_matrix(patterns, ans, a, *decomposition, **params):
    """Sparsity-pattern rule: each matrix's results (the trailing axes of ``ans`` past the
    stack's) depend on all of that matrix; a packed decomposition argument depends on ``a``
    alone."""
    p = patterns[0]
    if p is None:
        return None
    trailing = len(shape_of(ans)) - (len(shape_of(a)) - 2)
    whole = p.any(axis=(-2, -1))
    return whole.reshape(whole.shape + (1,) * trailing)


# ---------------------------------------------------------------- eigh and eigvalsh
def _eigh_impl(a, *, lower):
    w, v = array_module(a).linalg.eigh(a, UPLO="L" if lower else "U")
    return _pack_raw([w, v], (1, 2))


def eigen_parts(packed, n):
    """``(w, V)`` of a packed ``eigh`` or ``eig`` result (or of its tangent or cotangent)."""
    return unpack(packed, ((n,), (n, n)))


def _eigh_parts(packed, n):
    """``eigen_parts`` of ``eigh``, whose eigenvalues are real even where the packing is complex
    (a Hermitian matrix): their tangents and cotangents are real too."""
    w, v = eigen_parts(packed, n)
    return _re(w), v


def _eigh_jvp(t, ans, a, *, lower):
    n = shape_of(a)[-1]
    w, v = _eigh_parts(ans, n)
    m = matmul(matmul(_h(v), _reflect_triangle(t, lower)), v)    # Hermitian
    dv = matmul(v, multiply(_gap_reciprocals(w), m))
    return pack([_re(_diagonal(m)), dv], (1, 2))


def _eigh_vjp(g, ans, a, *, lower):
    n = shape_of(a)[-1]
    w, v = _eigh_parts(ans, n)
    gw, gv = _eigh_parts(g, n)
    gm = _diag_embed(gw) + multiply(_gap_reciprocals(w), matmul(mT(v), gv))
    return _reflect_triangle_transpose(matmul(matmul(_conj(v), gm), mT(v)), lower)


eigh = Primitive("eigh", _eigh_impl, jvp=(_eigh_jvp,), vjp=(_eigh_vjp,),
                 pattern=_whole_matrix, batched=True)


def _eigvalsh_impl(a, *decomposition, lower):
    if decomposition:   # real eigenvalues, also where a Hermitian matrix packs them as complex
        return decomposition[0][..., :shape_of(a)[-1]].real.copy()
    return array_module(a).linalg.eigvalsh(a, UPLO="L" if lower else "U")


def _eigh_vectors(a, decomposition, lower):
    packed = decomposition[0] if decomposition else eigh(a, lower=lower)
    return eigen_parts(packed, shape_of(a)[-1])[1]


def _eigvalsh_jvp(t, ans, a, *decomposition, lower):
    v = _eigh_vectors(a, decomposition, lower)   # dw_i = v_i^H dA v_i
    return _re(sum_p(multiply(_conj(v), matmul(_reflect_triangle(t, lower), v)), axis=(-2,),
                     keepdims=False))


def _eigvalsh_vjp(g, ans, a, *decomposition, lower):
    v = _eigh_vectors(a, decomposition, lower)
    return _reflect_triangle_transpose(matmul(multiply(_conj(v), _row(g)), mT(v)), lower)


eigvalsh = Primitive("eigvalsh", _eigvalsh_impl, jvp=(_eigvalsh_jvp, None),
                     vjp=(_eigvalsh_vjp, None), pattern=_whole_matrix, batched=True)


# ---------------------------------------------------------------- eig and eigvals
def _eig_impl(a):
    w, v = array_module(a).linalg.eig(a)
    return _pack_raw([w, v], (1, 2))


def _tangent_to_unit_columns(x, v):
    """``x_i - v_i Re(v_i^H x_i)``: NumPy's eigenvectors have unit norm, so their tangents have
    no component that would change it (their phase, for complex ones, is left as it comes)."""
    return subtract(x, multiply(v, _row(_re(sum_p(multiply(_conj(v), x), axis=(-2,),
                                                  keepdims=False)))))


def _tangent_to_unit_columns_transpose(g, v):
    """The transpose of ``_tangent_to_unit_columns`` under the pairing ``Re(g t)``."""
    return subtract(g, multiply(_conj(v), _row(_re(sum_p(multiply(v, g), axis=(-2,),
                                                         keepdims=False)))))


def _eig_jvp(t, ans, a):
    n = shape_of(a)[-1]
    w, v = eigen_parts(ans, n)
    m = matmul(matmul(inv(v), t), v)
    dv = matmul(v, multiply(_gap_reciprocals(w), m))
    return pack([_diagonal(m), _tangent_to_unit_columns(dv, v)], (1, 2))


def _eig_vjp(g, ans, a):
    n = shape_of(a)[-1]
    w, v = eigen_parts(ans, n)
    gw, gv = eigen_parts(g, n)
    gm = _diag_embed(gw) + multiply(_gap_reciprocals(w),
                                    matmul(mT(v), _tangent_to_unit_columns_transpose(gv, v)))
    return matmul(matmul(mT(inv(v)), gm), mT(v))


eig = Primitive("eig", _eig_impl, jvp=(_eig_jvp,), vjp=(_eig_vjp,),
                pattern=_whole_matrix, batched=True)


def _eigvals_impl(a, *decomposition):
    if decomposition:
        return decomposition[0][..., :shape_of(a)[-1]].copy()
    return array_module(a).linalg.eigvals(a)


def _eig_vectors(a, decomposition):
    packed = decomposition[0] if decomposition else eig(a)
    return eigen_parts(packed, shape_of(a)[-1])[1]


def _eigvals_jvp(t, ans, a, *decomposition):
    v = _eig_vectors(a, decomposition)     # dw_i = (V^-1 dA V)_ii
    return sum_p(multiply(mT(inv(v)), matmul(t, v)), axis=(-2,), keepdims=False)


def _eigvals_vjp(g, ans, a, *decomposition):
    v = _eig_vectors(a, decomposition)
    return matmul(mT(inv(v)), multiply(_col(g), mT(v)))


eigvals = Primitive("eigvals", _eigvals_impl, jvp=(_eigvals_jvp, None),
                    vjp=(_eigvals_vjp, None), pattern=_whole_matrix, batched=True)


# ---------------------------------------------------------------- svd and svdvals
def svd_shapes(m, n, full):
    """The trailing shapes of ``U``, ``s`` and ``V`` (not ``V^H``) in a packed ``svd``."""
    k = min(m, n)
    return ((m, m if full else k), (k,), (n, n if full else k))


def _svd_impl(a, *, full_matrices):
    u, s, vt = array_module(a).linalg.svd(a, full_matrices=full_matrices)
    return _pack_raw([u, s, vt.swapaxes(-1, -2).conj()], (2, 1, 2))   # V = Vh^H


def svd_parts(packed, m, n, full):
    """``(U, s, V)`` of a packed ``svd`` result (or of its tangent or cotangent); ``s`` is real
    even where the packing is complex."""
    u, s, v = unpack(packed, svd_shapes(m, n, full))
    return u, _re(s), v


def _phase_part(x, s):
    """``diag(i Im(x_ii) / s_i)`` (0 where ``s_i`` is 0): the phase the complex SVD's tangent
    gives U, with V's left unchanged (JAX's gauge); None for real values."""
    if not _is_complex(x):
        return None
    raw = raw_value(s)
    nonzero = (raw != 0).astype(raw.dtype)
    d = _diagonal(x)
    return _diag_embed(divide(multiply(d - _re(d), nonzero), _safe(s, nonzero)))


def _thin_svd_jvp(t, u, s, v):
    m, n = shape_of(t)[-2:]
    srow, scol = _row(s), _col(s)
    f = _gap_reciprocals(multiply(s, s))
    dp = matmul(matmul(_h(u), t), v)                  # dP = U^H dA V
    du = multiply(f, multiply(dp, srow) + multiply(scol, _h(dp)))
    phase = _phase_part(dp, s)
    du = matmul(u, du if phase is None else du + phase)
    dv = matmul(v, multiply(f, multiply(scol, dp) + multiply(_h(dp), srow)))
    if m > n:   # the part of dA V outside span(U)
        tv = matmul(t, v)
        du = du + divide(tv - matmul(u, matmul(_h(u), tv)), srow)
    elif n > m:
        tu = matmul(_h(t), u)
        dv = dv + divide(tu - matmul(v, matmul(_h(v), tu)), srow)
    return du, _re(_diagonal(dp)), dv


def _thin_svd_vjp(gu, gs, gv, u, s, v):
    """The transpose of ``_thin_svd_jvp`` under the pairing ``Re(g t)``."""
    m, n = shape_of(u)[-2], shape_of(v)[-2]
    srow, scol = _row(s), _col(s)
    f = _gap_reciprocals(multiply(s, s))
    ju = matmul(mT(u), gu)
    j = multiply(f, ju)
    k = multiply(f, matmul(mT(v), gv))
    gp = multiply(j + _h(j), srow) + multiply(scol, k + _h(k)) + _diag_embed(gs)
    phase = _phase_part(ju, s)
    if phase is not None:
        gp = gp + phase
    cu = _conj(u)
    ga = matmul(matmul(cu, gp), mT(v))
    if m > n:
        ga = ga + matmul(divide(gu - matmul(cu, matmul(mT(u), gu)), srow), mT(v))
    elif n > m:
        gvh = _h(gv)
        ga = ga + matmul(divide(cu, srow), gvh - matmul(matmul(gvh, _conj(v)), mT(v)))
    return ga


def _svd_jvp(t, ans, a, *, full_matrices):
    m, n = shape_of(a)[-2:]
    u, s, v = svd_parts(ans, m, n, full_matrices)
    k = min(m, n)
    du, ds, dv = _thin_svd_jvp(t, _columns(u, 0, k), s, _columns(v, 0, k))
    return pack([_with_undefined_columns(du, m) if full_matrices else du, ds,
                 _with_undefined_columns(dv, n) if full_matrices else dv], (2, 1, 2))


def _svd_vjp(g, ans, a, *, full_matrices):
    m, n = shape_of(a)[-2:]
    u, s, v = svd_parts(ans, m, n, full_matrices)
    gu, gs, gv = svd_parts(g, m, n, full_matrices)
    k = min(m, n)
    ga = _thin_svd_vjp(_columns(gu, 0, k), gs, _columns(gv, 0, k), _columns(u, 0, k), s,
                       _columns(v, 0, k))
    return _undefined_if_used(ga, _columns(gu, k, m), _columns(gv, k, n))


svd = Primitive("svd", _svd_impl, jvp=(_svd_jvp,), vjp=(_svd_vjp,),
                pattern=_whole_matrix, batched=True)


def _svdvals_impl(a, *decomposition, full_matrices):
    m, n = shape_of(a)[-2:]
    if decomposition:
        u_size = int(np.prod(svd_shapes(m, n, full_matrices)[0]))
        return decomposition[0][..., u_size:u_size + min(m, n)].real.copy()
    return array_module(a).linalg.svd(a, compute_uv=False)


def _singular_vectors(a, decomposition, full_matrices):
    """The first min(m, n) left and right singular vectors, from the packed decomposition when
    it is given, else from a thin ``svd``."""
    m, n = shape_of(a)[-2:]
    if not decomposition:
        u, _, v = svd_parts(svd(a, full_matrices=False), m, n, False)
        return u, v
    u, _, v = svd_parts(decomposition[0], m, n, full_matrices)
    k = min(m, n)
    return (_columns(u, 0, k), _columns(v, 0, k)) if full_matrices else (u, v)


def _svdvals_jvp(t, ans, a, *decomposition, full_matrices):
    u, v = _singular_vectors(a, decomposition, full_matrices)     # ds_i = Re(u_i^H dA v_i)
    return _re(sum_p(multiply(_conj(u), matmul(t, v)), axis=(-2,), keepdims=False))


def _svdvals_vjp(g, ans, a, *decomposition, full_matrices):
    u, v = _singular_vectors(a, decomposition, full_matrices)
    return matmul(multiply(_conj(u), _row(g)), mT(v))


svdvals = Primitive("svdvals", _svdvals_impl, jvp=(_svdvals_jvp, None),
                    vjp=(_svdvals_vjp, None), pattern=_whole_matrix, batched=True)


# ---------------------------------------------------------------- qr
def qr_shapes(m, n, complete):
    """The trailing shapes of ``Q`` and ``R`` in a packed ``qr``."""
    k = m if complete else min(m, n)
    return ((m, k), (k, n))


def _qr_impl(a, *, complete):
    q, r = array_module(a).linalg.qr(a, mode="complete" if complete else "reduced")
    return _pack_raw([q, r], (2, 2))


def _imaginary_diagonal(y):
    """``diag(i Im(y_ii))``; None for real values."""
    if not _is_complex(y):
        return None
    d = _diagonal(y)
    return _diag_embed(d - _re(d))


def _square_qr_jvp(t, q, r):
    """dQ and dR for a matrix with at least as many rows as columns and full column rank."""
    x = mT(solve_batched(mT(r), mT(t)))              # dA R^-1
    y = matmul(_h(q), x)
    low = multiply(y, _mask(shape_of(r)[-1], y, True, False))
    omega = low - _h(low)               # skew-Hermitian: Q^H dQ, off R's part
    phase = _imaginary_diagonal(y)      # R keeps a real diagonal (LAPACK's, JAX's gauge)
    if phase is not None:
        omega = omega + phase
    return matmul(q, omega - y) + x, matmul(y - omega, r)


def _square_qr_vjp(gq, gr, q, r):
    """The transpose of ``_square_qr_jvp`` under the pairing ``Re(g t)``."""
    c = matmul(mT(q), gq) - matmul(gr, mT(r))
    gy = multiply(c - _h(c), _mask(shape_of(r)[-1], c, True, False)) - c
    phase = _imaginary_diagonal(c)
    if phase is not None:
        gy = gy + phase
    gx = gq + matmul(_conj(q), gy)
    return mT(solve_batched(r, mT(gx)))              # gX R^-T


def _qr_jvp(t, ans, a, *, complete):
    m, n = shape_of(a)[-2:]
    q, r = unpack(ans, qr_shapes(m, n, complete))
    if m >= n:
        dq, dr = _square_qr_jvp(t, _columns(q, 0, n), _rows(r, 0, n))
        if complete:   # R's extra rows are zero whatever a is; Q's extra columns are free
            dq = _with_undefined_columns(dq, m)
            zeros = array_module(dr).zeros(shape_of(dr)[:-2] + (m - n, n), dtype=dtype_of(dr))
            dr = concatenate(dr, zeros, axis=-2)
        return pack([dq, dr], (2, 2))
    # a wide a = [X | Y]: Q R_X is the QR of the square X, and R_Y = Q^H Y
    dq, drx = _square_qr_jvp(_columns(t, 0, m), q, _columns(r, 0, m))
    dry = matmul(_h(dq), _columns(a, m, n)) + matmul(_h(q), _columns(t, m, n))
    return pack([dq, concatenate(drx, dry, axis=-1)], (2, 2))


def _qr_vjp(g, ans, a, *, complete):
    m, n = shape_of(a)[-2:]
    q, r = unpack(ans, qr_shapes(m, n, complete))
    gq, gr = unpack(g, qr_shapes(m, n, complete))
    if m >= n:
        ga = _square_qr_vjp(_columns(gq, 0, n), _rows(gr, 0, n), _columns(q, 0, n),
                            _rows(r, 0, n))
        return _undefined_if_used(ga, _columns(gq, n, m)) if complete else ga
    gry = _columns(gr, m, n)
    y = _columns(a, m, n)
    gx = _square_qr_vjp(gq + matmul(_conj(y), _h(gry)), _columns(gr, 0, m), q,
                        _columns(r, 0, m))
    return concatenate(gx, matmul(_conj(q), gry), axis=-1)


qr = Primitive("qr", _qr_impl, jvp=(_qr_jvp,), vjp=(_qr_vjp,),
               pattern=_whole_matrix, batched=True)


# ---------------------------------------------------------------- pinv
# NOTE: pinv's two rules. Where A = A A+ A (the cutoff kept every singular value, or dropped
# only zeros: A has exactly the rank pinv used), the derivative is Golub and Pereyra's, written
# with A and A+ alone: smooth to every order, whatever the singular values. Where the cutoff
# drops singular values that are not zero, A+ = V_r S_r^-1 U_r^T is a spectral function of the
# SVD and the rule is its derivative from the SVD: kept values couple with each other through
# 1/(si sj) and with dropped ones through 1/(si^2 - sj^2), so no gap between kept values is
# divided by and the first derivative is finite wherever the set of kept values does not
# change (a value crossing the cutoff is a jump). That rule's own derivative goes through the
# SVD's vectors: its second derivatives are NaN where singular values repeat (NOTE: degenerate
# points).
def _pinv_impl(a, *, rcond, hermitian):
    options = {"hermitian": True} if hermitian else {}   # CuPy's pinv has no such option
    return array_module(a).linalg.pinv(a, rcond=rcond, **options)


def _drops_values(a, p):
    """Whether ``p = pinv(a)`` dropped a singular value of ``a`` that is not zero (beyond
    rounding) from some matrix of the stack: then ``a != a p a`` (a decision on raw values)."""
    raw_a, raw_p = raw_value(a), raw_value(p)
    xp = array_module(raw_a)
    dropped = raw_a - raw_a @ raw_p @ raw_a
    size = xp.sqrt((xp.abs(raw_a) ** 2).sum(axis=(-2, -1)))
    tol = 100 * max(shape_of(a)[-2:]) * np.finfo(raw_a.dtype).eps
    return bool((xp.sqrt((xp.abs(dropped) ** 2).sum(axis=(-2, -1))) > tol * size).any())


def _safe(x, mask):
    """``x`` where ``mask`` (constant 0/1) is 1, else 1: a denominator that never divides by the
    entries the mask discards."""
    return x * mask + (1.0 - mask)


def _truncated_parts(a, rcond):
    """U, V, the coefficient matrices D1, D2 (dT's core is D1*dP + D2*dP^H with dP = U^H dA V)
    and h = 1/s^2 on the kept values, of a pinv that drops singular values below the cutoff."""
    m, n = shape_of(a)[-2:]
    u, s, v = svd_parts(svd(a, full_matrices=False), m, n, False)
    raw_s = raw_value(s)
    xp = array_module(raw_s)
    cutoff = xp.asarray(rcond, dtype=raw_s.dtype)[..., None] * raw_s.max(axis=-1, keepdims=True)
    kept = (raw_s > cutoff).astype(raw_s.dtype)
    ki, kj = kept[..., :, None], kept[..., None, :]
    kk, kd, dk = ki * kj, ki * (1 - kj), (1 - ki) * kj
    si, sj = _col(s), _row(s)
    gap = si * si - sj * sj
    d1 = (negative(kk / _safe(si * sj, kk)) + kd * sj / _safe(si * gap, kd)
          - dk * si / _safe(sj * gap, dk))
    d2 = kd / _safe(gap, kd) - dk / _safe(gap, dk)
    return u, v, d1, d2, kept / _safe(s * s, kept)


def _pinv_jvp(t, ans, a, *, rcond, hermitian):
    th = _h(t)
    if _drops_values(a, ans):
        m, n = shape_of(a)[-2:]
        u, v, d1, d2, h = _truncated_parts(a, rcond)
        dp = matmul(matmul(_h(u), t), v)
        out = matmul(matmul(v, multiply(d1, dp) + multiply(d2, _h(dp))), _h(u))
        if m > n:    # V H V^H dA^H (I - U U^H)
            out = out + matmul(matmul(multiply(v, _row(h)), _h(v)),
                               th - matmul(matmul(th, u), _h(u)))
        elif n > m:  # (I - V V^H) dA^H U H U^H
            out = out + matmul(th - matmul(v, matmul(_h(v), th)),
                               matmul(multiply(u, _row(h)), _h(u)))
        return out
    # d(A+) = -A+ dA A+ + A+ A+^H dA^H (I - A A+) + (I - A+ A) dA^H A+^H A+ (Golub, Pereyra)
    p = ans
    left = th - matmul(matmul(th, a), p)              # dA^H (I - A A+)
    right = th - matmul(matmul(p, a), th)             # (I - A+ A) dA^H
    return (negative(matmul(matmul(p, t), p)) + matmul(matmul(p, _h(p)), left)
            + matmul(right, matmul(_h(p), p)))


def _pinv_vjp(g, ans, a, *, rcond, hermitian):
    """The transpose of ``_pinv_jvp`` under the pairing ``Re(g t)``."""
    gh = _h(g)
    if _drops_values(a, ans):
        m, n = shape_of(a)[-2:]
        u, v, d1, d2, h = _truncated_parts(a, rcond)
        cu, cv = _conj(u), _conj(v)
        gamma = matmul(matmul(mT(v), g), cu)
        out = matmul(matmul(cu, multiply(d1, gamma) + _h(multiply(d2, gamma))), mT(v))
        if m > n:    # conj((I - U U^H)) g^H conj(V H V^H)
            out = out + matmul(gh - matmul(cu, matmul(mT(u), gh)),
                               matmul(multiply(cv, _row(h)), mT(v)))
        elif n > m:  # conj(U H U^H) g^H conj(I - V V^H)
            out = out + matmul(matmul(multiply(cu, _row(h)), mT(u)),
                               gh - matmul(matmul(gh, cv), mT(v)))
        return out
    p, cp, ca = ans, _conj(ans), _conj(a)
    left = gh - matmul(matmul(ca, cp), gh)            # conj(I - A A+) g^H
    right = gh - matmul(matmul(gh, cp), ca)           # g^H conj(I - A+ A)
    return (negative(matmul(matmul(mT(p), g), mT(p))) + matmul(left, matmul(cp, mT(p)))
            + matmul(matmul(mT(p), cp), right))


pinv = Primitive("pinv", _pinv_impl, jvp=(_pinv_jvp,), vjp=(_pinv_vjp,),
                 pattern=_whole_matrix, batched=True)
