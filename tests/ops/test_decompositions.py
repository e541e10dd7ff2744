"""dnp.linalg's decompositions (svd, eigh, eigvalsh, eig, eigvals, qr, pinv, lstsq) and the
functions built on them (matrix_power, multi_dot, matrix_rank, norm 2/-2/'nuc'): values against
NumPy on stacks of every shape, derivatives against central finite differences in both modes to
second order (on the factors as NumPy returns them and on gauge-invariant functions), jacfwd
against jacrev, and the documented behaviour at degenerate points: finite for the values, inf or
NaN (never a finite wrong number) for the vectors, clear errors where dualad does not
differentiate."""
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

R = np.random.default_rng(16)


@pytest.fixture(autouse=True)
def _same_draws_however_selected(request):
    """Each test draws the same matrices whichever tests run before it."""
    seed = zlib.crc32(request.node.name.encode())
    R.bit_generator.state = np.random.default_rng(seed).bit_generator.state


la = dnp.linalg


def _sym(*shape):
    x = R.standard_normal(shape)
    return x + np.swapaxes(x, -1, -2)


def _real_spectrum(n, *batch):
    """Non-symmetric matrices with distinct real eigenvalues 1..n."""
    b = R.standard_normal(batch + (n, n)) + 3 * np.eye(n)
    return b @ (np.diag(np.arange(1.0, n + 1)) + np.triu(R.standard_normal((n, n)), 1)) \
        @ np.linalg.inv(b)


def _weights(m, k):
    return R.standard_normal((m, m)), R.standard_normal(k)


def _svd_invariant(a, full_matrices=True):
    """A random function of the singular triples that the signs of the vectors leave alone."""
    u, s, vt = la.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    v = dnp.swapaxes(vt, -1, -2)[..., :k]
    return (_projected(u[..., :k], W4[:u.shape[-2], :u.shape[-2]], C4[:k])
            + _projected(u[..., :k], W4[:u.shape[-2], :v.shape[-2]], C4[:k] ** 2, v)
            + dnp.sum(s ** 3))


def _projected(vecs, weight, coeffs, other=None):
    """``sum(weight * (vecs diag(coeffs) other^T))``: unchanged by the signs of the vectors."""
    other = vecs if other is None else other
    return dnp.sum(weight * dnp.matmul(vecs * coeffs, dnp.swapaxes(other, -1, -2)))


# ---------------------------------------------------------------- values against NumPy
@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 3), max_size=2), st.integers(1, 5), st.integers(1, 5),
       st.booleans())
def test_svd_values_match_numpy(batch, m, n, full):
    a = np.random.default_rng([m, n] + batch).standard_normal(tuple(batch) + (m, n))
    for mine, ref in zip(la.svd(a, full_matrices=full), np.linalg.svd(a, full_matrices=full)):
        assert mine.shape == ref.shape
        np.testing.assert_allclose(mine, ref, atol=1e-12)
    np.testing.assert_allclose(la.svd(a, compute_uv=False), np.linalg.svd(a, compute_uv=False),
                               atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 3), max_size=2), st.integers(1, 5), st.sampled_from("LUlu"))
def test_eigh_values_match_numpy(batch, n, uplo):
    # not symmetric: UPLO's triangle is read
    a = np.random.default_rng([n] + batch).standard_normal(tuple(batch) + (n, n))
    w, v = la.eigh(a, uplo)
    rw, rv = np.linalg.eigh(a, uplo)
    np.testing.assert_allclose(w, rw, atol=1e-12)
    np.testing.assert_allclose(v, rv, atol=1e-12)
    np.testing.assert_allclose(la.eigvalsh(a, uplo), np.linalg.eigvalsh(a, uplo), atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 3), max_size=2), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["reduced", "complete", "r"]))
def test_qr_values_match_numpy(batch, m, n, mode):
    a = np.random.default_rng([m, n] + batch).standard_normal(tuple(batch) + (m, n))
    mine, ref = la.qr(a, mode), np.linalg.qr(a, mode)
    for x, y in zip(*((mine, ref) if mode != "r" else ((mine,), (ref,)))):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, atol=1e-12)


def test_eig_pinv_and_products_match_numpy():
    a = _real_spectrum(4, 2)
    for x, y in zip(la.eig(a), np.linalg.eig(a)):
        np.testing.assert_allclose(x, y, atol=1e-12)
    np.testing.assert_allclose(la.eigvals(a), np.linalg.eigvals(a), atol=1e-12)
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])          # complex eigenvalues: values only
    np.testing.assert_allclose(la.eigvals(rot), np.linalg.eigvals(rot))
    assert la.eig(rot).eigenvectors.dtype == np.complex128
    for shape in [(5, 3), (3, 5), (2, 4, 4)]:
        x = R.standard_normal(shape)
        np.testing.assert_allclose(la.pinv(x), np.linalg.pinv(x), atol=1e-12)
    low_rank = R.standard_normal((5, 2)) @ R.standard_normal((2, 4))
    for kw in [{}, {"rcond": 1e-3}, {"rtol": None}, {"rtol": 1e-8}]:
        np.testing.assert_allclose(la.pinv(low_rank, **kw), np.linalg.pinv(low_rank, **kw),
                                   atol=1e-12)
    sq = R.standard_normal((2, 3, 3))
    for p in [-3, -1, 0, 1, 2, 5]:
        np.testing.assert_allclose(la.matrix_power(sq, p), np.linalg.matrix_power(sq, p),
                                   rtol=1e-10, atol=1e-10)
    chain = [R.standard_normal(4), R.standard_normal((4, 7)), R.standard_normal((7, 2)),
             R.standard_normal((2, 5)), R.standard_normal(5)]
    for lo, hi in [(0, 5), (1, 4), (0, 3), (1, 5), (0, 2)]:
        np.testing.assert_allclose(la.multi_dot(chain[lo:hi]), np.linalg.multi_dot(chain[lo:hi]))
    assert la.matrix_rank(low_rank) == 2
    np.testing.assert_array_equal(la.matrix_rank(R.standard_normal((3, 4, 4))), [4, 4, 4])


@pytest.mark.parametrize("f,g,a", [
    (la.svd, np.linalg.svd, np.zeros((0, 3, 2))),
    (lambda a: la.svd(a, full_matrices=False), lambda a: np.linalg.svd(a, full_matrices=False),
     np.zeros((2, 3, 0))),
    (la.eigh, np.linalg.eigh, np.zeros((2, 0, 0))),
    (la.eig, np.linalg.eig, np.zeros((0, 2, 2))),
    (la.qr, np.linalg.qr, np.zeros((0, 3, 2))),
    (la.pinv, np.linalg.pinv, np.zeros((2, 0, 3))),
])
def test_empty_stacks_have_numpys_shapes(f, g, a):
    mine, ref = f(a), g(a)
    pairs = zip(mine, ref) if isinstance(ref, tuple) else [(mine, ref)]
    for x, y in pairs:
        assert x.shape == y.shape


@pytest.mark.parametrize("shape", [(6, 3), (6, 6), (3, 6)])
@pytest.mark.parametrize("k", [None, 2])
def test_lstsq_matches_numpy(shape, k):
    a = R.standard_normal(shape)
    if shape == (6, 6):
        a[:, -1] = a[:, 0]                          # rank-deficient: no residuals
    b = R.standard_normal((shape[0],) if k is None else (shape[0], k))
    mine, ref = la.lstsq(a, b), np.linalg.lstsq(a, b)
    np.testing.assert_allclose(mine[0], ref[0], atol=1e-10)
    assert np.shape(mine[1]) == np.shape(ref[1])
    np.testing.assert_allclose(mine[1], ref[1], atol=1e-10)
    assert mine[2] == ref[2]
    np.testing.assert_allclose(mine[3], ref[3], atol=1e-12)


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), ((0, 2), True), ((2, 0), False),
                                           ((-1, -3), True)])
def test_singular_value_norms_match_numpy(ord, axis, keepdims):
    x = R.standard_normal((4, 2, 3)) if axis is not None else R.standard_normal((4, 3))
    np.testing.assert_allclose(la.norm(x, ord, axis=axis, keepdims=keepdims),
                               np.linalg.norm(x, ord, axis=axis, keepdims=keepdims), atol=1e-12)


# ---------------------------------------------------------------- derivatives
A_TALL, A_WIDE, A_SQ = R.standard_normal((4, 3)), R.standard_normal((2, 3, 4)), \
    R.standard_normal((2, 3, 3))
S_STACK = _sym(2, 4, 4)
W4, C4 = _weights(4, 4)
W3, C3 = _weights(3, 3)

DERIVATIVE_CASES = [
    # the factors exactly as NumPy returns them (signs locally constant), as autograd checks
    ("svd-tall", lambda a: tuple(la.svd(a, full_matrices=False)), A_TALL),
    ("svd-wide-stack", lambda a: tuple(la.svd(a, full_matrices=False)), A_WIDE),
    ("svd-square-full", lambda a: tuple(la.svd(a)), A_SQ),
    ("svd-values", lambda a: la.svd(a, compute_uv=False), A_WIDE),
    ("svd-values-of-full", lambda a: la.svd(a)[1], A_TALL),
    ("svd-gauge-invariant", lambda a: _svd_invariant(a, full_matrices=False), A_TALL),
    ("svd-gauge-invariant-full", _svd_invariant, R.standard_normal((4, 4))),
    ("svd-reconstruction", lambda a: (lambda u, s, vt: dnp.matmul(u * (s ** 2 + dnp.sin(s)),
                                                                  vt))(
        *la.svd(a, full_matrices=False)), A_TALL),
    ("eigh", lambda a: tuple(la.eigh(a)), S_STACK),
    ("eigh-upper-nonsymmetric", lambda a: tuple(la.eigh(a, "U")), R.standard_normal((4, 4))),
    ("eigh-gauge-invariant", lambda a: _projected(la.eigh(a)[1], W4, C4)
     + dnp.sum(la.eigh(a)[0] * C4), _sym(4, 4)),
    ("eigvalsh", lambda a: la.eigvalsh(a), S_STACK),
    ("eigvalsh-upper", lambda a: la.eigvalsh(a, "U"), R.standard_normal((3, 3))),
    ("eig", lambda a: tuple(la.eig(a)), _real_spectrum(3, 2)),
    ("eig-gauge-invariant", lambda a: _projected(la.eig(a)[1], W3, C3), _real_spectrum(3)),
    ("eigvals", lambda a: la.eigvals(a), _real_spectrum(4)),
    ("qr", lambda a: tuple(la.qr(a)), R.standard_normal((2, 5, 3))),
    ("qr-square-complete", lambda a: tuple(la.qr(a, "complete")), A_SQ),
    ("qr-r", lambda a: la.qr(a, "r"), A_TALL),
    ("qr-wide", lambda a: tuple(la.qr(a)), A_WIDE),
    ("qr-complete-first-columns", lambda a: (la.qr(a, "complete").Q[:, :3],
                                             la.qr(a, "complete").R), A_TALL),
    ("svd-full-first-columns", lambda a: (la.svd(a).U[:, :3], la.svd(a).Vh), A_TALL),
    ("pinv-tall", la.pinv, A_TALL),
    ("pinv-wide-stack", la.pinv, A_WIDE),
    ("matrix_power", lambda a: la.matrix_power(a, 5), A_SQ / 2),
    ("matrix_power-negative", lambda a: la.matrix_power(a, -2), A_SQ + 3 * np.eye(3)),
    ("norm-2", lambda a: la.norm(a, 2), A_TALL),
    ("norm--2", lambda a: la.norm(a, -2, axis=(0, 2)), R.standard_normal((3, 2, 4))),
    ("norm-nuc", lambda a: la.norm(a, "nuc", axis=(-1, -2), keepdims=True), A_WIDE),
]


@pytest.mark.parametrize("name,f,a", DERIVATIVE_CASES, ids=[c[0] for c in DERIVATIVE_CASES])
def test_derivatives_against_finite_differences(name, f, a):
    check_grads(f, (a,), modes=("fwd", "rev"), order=2)


def _with_singular_values(m, n, values, batch=()):
    k = min(m, n)
    u = np.linalg.qr(R.standard_normal(batch + (m, k)))[0]
    v = np.linalg.qr(R.standard_normal(batch + (n, k)))[0]
    return (u * np.asarray(values)) @ np.swapaxes(v, -1, -2)


@pytest.mark.parametrize("m,n", [(5, 3), (3, 5), (4, 4)])
def test_pinv_derivatives_where_the_cutoff_drops_values(m, n):
    """rcond drops singular values that are far from zero: the truncated SVD's rule."""
    a = _with_singular_values(m, n, [3.0, 2.0, 1e-3] + [5e-4] * (min(m, n) - 3))
    f = lambda a: la.pinv(a, 1e-2)        # noqa: E731
    check_grads(f, (a,), order=2)
    np.testing.assert_allclose(ad.jacfwd(f)(a), ad.jacrev(f)(a), atol=1e-10)
    stack = _with_singular_values(m, n, [3.0, 2.0, 0.1] + [0.05] * (min(m, n) - 3), batch=(2,))
    check_grads(lambda a: la.pinv(a, np.array([0.5, 1e-15])), (stack,), order=2)
    b = R.standard_normal(m)
    check_grads(lambda a: la.lstsq(a, b, rcond=1e-2)[0], (a,), order=1)


def test_pinv_of_rank_deficient_products_and_at_repeated_values():
    x = R.standard_normal((2, 5, 2))   # x x^T has rank 2 of 5, exactly: three zeros
    check_grads(lambda x: la.pinv(dnp.matmul(x, dnp.swapaxes(x, -1, -2))), (x,), order=2)
    # pinv is smooth where singular values repeat: finite, right, to second order
    check_grads(la.pinv, (np.eye(3) + 0.0,), order=2)
    q = np.linalg.qr(R.standard_normal((4, 4)))[0]
    check_grads(lambda a: la.pinv(a, 1e-2), (q @ np.diag([2.0, 2.0, 1.0, 1e-3]) @ q.T,),
                order=1)


def test_lstsq_and_multi_dot_derivatives():
    a, b = R.standard_normal((5, 3)), R.standard_normal((5, 2))
    check_grads(lambda a, b: la.lstsq(a, b)[:2], (a, b), order=2)
    check_grads(lambda a, b: la.lstsq(a, b)[0], (a, b[:, 0]), order=2)
    check_grads(lambda x, y, z: la.multi_dot([x, y, z]),
                (R.standard_normal(3), R.standard_normal((3, 6)), R.standard_normal((6, 2))),
                order=2)


@pytest.mark.parametrize("f,a", [
    (lambda a: la.svd(a, full_matrices=False).U, A_TALL),
    (lambda a: la.svd(a, full_matrices=False).Vh, R.standard_normal((2, 4))),
    (lambda a: la.eigh(a).eigenvectors, _sym(3, 3)),
    (lambda a: la.eig(a).eigenvectors, _real_spectrum(3)),
    (lambda a: la.qr(a).Q, A_TALL),
    (la.pinv, A_WIDE),
])
def test_jacfwd_equals_jacrev(f, a):
    np.testing.assert_allclose(ad.jacfwd(f)(a), ad.jacrev(f)(a), rtol=1e-9, atol=1e-10)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(1, 2), max_size=1), st.integers(1, 4), st.integers(1, 4))
def test_derivatives_on_drawn_shapes(batch, m, n):
    """First order, both modes, for stacks of every orientation (tall, wide, square, 1xn)."""
    rng = np.random.default_rng([m, n] + batch)     # one fixed matrix per shape
    a = rng.standard_normal(tuple(batch) + (m, n)) + 0.5 * np.eye(m, n)

    def factors(a):
        return (*la.svd(a, full_matrices=False), la.qr(a)[1], la.pinv(a))

    check_grads(factors, (a,), order=1)


def test_doctests_of_the_facade():
    import doctest

    from dualad.numpy import _decompositions
    result = doctest.testmod(_decompositions, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_sparsity_of_stacks_is_block_diagonal():
    from dualad.sparse import jacobian_sparsity
    a = R.standard_normal((3, 4, 2))
    for f, per_block in [(lambda a: la.svd(a, full_matrices=False).U, 8 * 8),
                         (lambda a: la.svd(a, compute_uv=False), 2 * 8),
                         (lambda a: la.eigh(a[..., :2, :]).eigenvalues, 2 * 4),
                         (la.pinv, 8 * 8)]:
        p = jacobian_sparsity(f, a)
        assert p.nnz == 3 * per_block


def test_hessian_through_eigh_is_symmetric_and_matches_finite_differences():
    def top(a):
        return la.eigh(a)[0][-1]

    a = _sym(3, 3)
    h = ad.hessian(top)(a)
    flat = h.reshape(9, 9)
    np.testing.assert_allclose(flat, flat.T, atol=1e-10)
    eps, e = 1e-5, np.zeros((3, 3))
    e[0, 1] = 1.0
    fd = (ad.grad(top)(a + eps * e) - ad.grad(top)(a - eps * e)) / (2 * eps)
    np.testing.assert_allclose(h[:, :, 0, 1], fd, atol=1e-6)


def test_float32_stays_float32():
    a = R.standard_normal((4, 3)).astype(np.float32)
    assert ad.grad(lambda a: dnp.sum(la.svd(a, full_matrices=False)[0] ** 2 * 2.0))(a).dtype \
        == np.float32
    assert ad.grad(lambda a: dnp.sum(la.eigvalsh(a)))(a[:3]).dtype == np.float32


# ---------------------------------------------------------------- degenerate points
TIE = np.diag([1.0, 1.0, 3.0])


# forward mode computes the vectors' tangents (inf/NaN here) alongside: NumPy warns of them
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("f,expected", [
    (lambda a: dnp.sum(la.eigvalsh(a) ** 2), 2 * TIE),    # sum(λ²) = ‖A‖², gradient 2A
    (lambda a: dnp.sum(la.eigh(a)[0] ** 2), 2 * TIE),     # w of eigh, the vectors unused
    (lambda a: dnp.sum(la.svd(a)[1] ** 2), 2 * TIE),
    (lambda a: la.norm(a, "nuc"), np.eye(3)),             # U Vᵀ for a positive definite A
], ids=["eigvalsh", "eigh-values", "svd-values", "nuclear-norm"])
def test_values_stay_differentiable_where_they_repeat(f, expected):
    np.testing.assert_allclose(ad.grad(f)(TIE), expected, atol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(f)(TIE), expected, atol=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("f", [
    lambda a: la.eigh(a)[1],
    lambda a: la.svd(a)[0],
    lambda a: la.svd(a)[2],
    lambda a: la.eig(a)[1],
], ids=["eigh", "svd-U", "svd-Vh", "eig"])
def test_vectors_are_not_finite_where_values_repeat(f):
    """Not defined there: inf/NaN in the columns of the repeated values, never a number."""
    for jac in (ad.jacfwd(f), ad.jacrev(f)):
        j = jac(TIE)
        assert not np.all(np.isfinite(j[:, :2]))      # the two tied columns


def test_near_degenerate_values_and_vectors_match_finite_differences():
    """Gaps of 1e-3: the vectors' derivatives are large (~1/gap) and still right."""
    q4, _ = np.linalg.qr(R.standard_normal((4, 4)))
    q3, _ = np.linalg.qr(R.standard_normal((3, 3)))
    close = np.diag([1.0, 1.0 + 1e-3, 2.0])
    a = q4 @ np.diag([1.0, 1.0 + 1e-3, 2.0, 3.0]) @ q4.T
    check_grads(lambda a: _projected(la.eigh(a)[1], W4, C4), (a,), order=1, rtol=1e-4)
    # second order: the finite differences' own error grows like eps^2 / gap^3, hence the step
    check_grads(la.eigvalsh, (a,), order=2, eps=1e-7, rtol=1e-4)
    check_grads(lambda m: _svd_invariant(m, full_matrices=False), (q4[:, :3] @ close @ q3,),
                order=1, rtol=1e-4)


# ---------------------------------------------------------------- what is refused
@pytest.mark.parametrize("f,a,free", [
    (lambda a: la.svd(a).U, A_TALL, (slice(None), slice(3, 4))),
    (lambda a: la.svd(a).Vh, A_TALL.T, (slice(3, 4), slice(None))),
    (lambda a: la.qr(a, "complete").Q, A_TALL, (slice(None), slice(3, 4))),
])
def test_free_columns_of_full_factors_are_nan(f, a, free):
    """The columns past min(m, n) are any basis of a complement: NaN, the others finite."""
    for jac in (ad.jacfwd, ad.jacrev):
        j = jac(f)(a)
        assert np.all(np.isnan(j[free]))
        kept = np.ones(j.shape[:2], dtype=bool)
        kept[free] = False
        assert np.all(np.isfinite(j[kept]))


def test_bad_arguments_are_named():
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        la.eigh(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match=r"\(\.\.\., m, n\)"):
        la.svd(np.ones(3))
    with pytest.raises(ValueError, match="UPLO"):
        la.eigvalsh(np.eye(2), "X")
    with pytest.raises(ValueError, match="mode"):
        la.qr(np.eye(2), "economic")
    with pytest.raises(ValueError, match="rtol and rcond"):
        la.pinv(np.eye(2), rcond=1e-3, rtol=1e-3)
    with pytest.raises(TypeError, match="integer"):
        la.matrix_power(np.eye(2), 1.5)
    with pytest.raises(ValueError, match="at least two"):
        la.multi_dot([np.eye(2)])
    with pytest.raises(TypeError, match="out="):
        la.multi_dot([np.eye(2), np.eye(2)], out=np.eye(2))
    with pytest.raises(NotImplementedError, match="hermitian=True"):
        ad.grad(lambda a: dnp.sum(la.svd(a, hermitian=True)[1]))(np.eye(2))
    np.testing.assert_allclose(la.svd(np.eye(2), hermitian=True)[1], [1.0, 1.0])


def test_imperative_face_and_recorded_replays():
    a = R.standard_normal((5, 3))

    def loss(a):
        u, s, vt = la.svd(a, full_matrices=False)
        return dnp.sum(s) + dnp.sum(u ** 2 * W4[:1, :1]) + dnp.sum(la.eigvalsh(dnp.matmul(
            dnp.swapaxes(a, 0, 1), a)))

    t = ad.tensor(a, requires_grad=True)
    loss(t).backward()
    np.testing.assert_allclose(t.grad, ad.grad(loss)(a), atol=1e-12)

    def fitted(a, b):
        x, residuals, rank, _ = la.lstsq(a, b)
        return dnp.sum(x ** 2) + (dnp.sum(residuals) if rank == 3 else 0.0)

    b = R.standard_normal(5)
    rec = ad.record(fitted, a, b)
    deficient = a.copy()
    deficient[:, 2] = deficient[:, 0]          # the rank (a guard) changes: no residuals
    for x in (a * 1.1, deficient):
        np.testing.assert_allclose(rec.value(x, b), fitted(x, b), rtol=1e-12)
        np.testing.assert_allclose(rec.grad(x, b), ad.grad(fitted)(x, b), atol=1e-10)


# ---------------------------------------------------------------- complex values
# check_grads takes complex arguments and results with the Re(g t) pairing (NOTE: complex
# convention); the vectors' phases are free, so the checks read them through abs (autograd's
# tests do the same), or take factors whose phases LAPACK fixes (qr's R has a real diagonal).
def _complex(*shape):
    return R.standard_normal(shape) + 1j * R.standard_normal(shape)


@pytest.mark.parametrize("shape", [(4, 4), (2, 4, 3), (3, 5)])
def test_complex_svd(shape):
    z = _complex(*shape)
    for mine, ref in zip(la.svd(z, full_matrices=False), np.linalg.svd(z, full_matrices=False)):
        np.testing.assert_allclose(mine, ref, atol=1e-12)

    def factors(z):
        u, s, vh = la.svd(z, full_matrices=False)
        return dnp.abs(u), s, dnp.abs(vh)

    def rebuilt(z):
        u, s, vh = la.svd(z, full_matrices=False)
        return dnp.matmul(u * dnp.expand_dims(s ** 2, -2), vh)

    check_grads(factors, (z,), order=2)
    check_grads(rebuilt, (z,), order=2)
    check_grads(lambda z: la.norm(z, "nuc", axis=(-2, -1)), (z,), order=2)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_complex_eigh(uplo):
    """Only the UPLO triangle and the real part of the diagonal are read, as LAPACK does."""
    z = _complex(2, 4, 4)
    for mine, ref in zip(la.eigh(z, uplo), np.linalg.eigh(z, uplo)):
        np.testing.assert_allclose(mine, ref, atol=1e-12)
    check_grads(lambda z: (la.eigh(z, uplo)[0], dnp.abs(la.eigh(z, uplo)[1])), (z,), order=2)
    check_grads(lambda z: la.eigvalsh(z, uplo), (z,), order=2)


def test_complex_eig_of_complex_and_of_real_matrices():
    z = _complex(2, 4, 4)
    check_grads(lambda z: (la.eig(z)[0], dnp.abs(la.eig(z)[1])), (z,), order=2)
    check_grads(la.eigvals, (z,), order=2)
    x = R.standard_normal((6, 6))          # a real matrix with complex eigenvalues
    assert np.iscomplexobj(np.linalg.eigvals(x))
    check_grads(lambda x: (la.eig(x)[0], dnp.abs(la.eig(x)[1])), (x,), order=2)


@pytest.mark.parametrize("shape", [(5, 3), (3, 3), (3, 5), (2, 4, 3)])
def test_complex_qr_pinv_and_lstsq(shape):
    """qr's factors themselves, pinv kept whole and truncated, lstsq's four results."""
    z = _complex(*shape)
    m, n = shape[-2:]
    k = min(m, n)
    for mine, ref in zip(la.qr(z), np.linalg.qr(z)):
        np.testing.assert_allclose(mine, ref, atol=1e-12)
    np.testing.assert_allclose(la.pinv(z), np.linalg.pinv(z), atol=1e-12)
    check_grads(lambda z: tuple(la.qr(z)), (z,), order=2)
    check_grads(la.pinv, (z,), order=2)
    u = np.linalg.qr(_complex(*shape[:-1], k))[0]
    v = np.linalg.qr(_complex(*shape[:-2], n, k))[0]
    truncated = (u * np.array([3.0, 2.0, 1e-3][:k])) @ np.conj(np.swapaxes(v, -1, -2))
    check_grads(lambda z: la.pinv(z, 1e-2), (truncated,), order=2)
    if len(shape) == 2:
        b = _complex(m)
        for mine, ref in zip(la.lstsq(z, b), np.linalg.lstsq(z, b)):
            np.testing.assert_allclose(mine, ref, atol=1e-10)
        check_grads(lambda z, b: la.lstsq(z, b)[:2], (z, b), order=2)


def test_results_are_traced_or_plain_as_documented():
    m = _sym(3, 3) + 6 * np.eye(3)
    calls = [la.svd, la.eigh, la.eig, la.qr, la.pinv, la.eigvalsh, la.eigvals,
             lambda a: la.matrix_power(a, 2), lambda a: la.norm(a, "nuc"),
             lambda a: la.lstsq(a[:, :2], np.ones(3))[:2], lambda a: la.multi_dot([a, a, a])]
    for f in calls:
        seen = []
        ad.grad(lambda v: seen.append(f(v)) or dnp.sum(v))(m)
        leaves = seen[0] if isinstance(seen[0], tuple) else (seen[0],)
        assert all(isinstance(x, ad.Tensor) for x in leaves), f
    seen = []
    ad.grad(lambda v: seen.append((la.matrix_rank(v), la.lstsq(v, np.ones(3))[2]))
            or dnp.sum(v))(m)
    assert int(seen[0][0]) == 3 and seen[0][1] == 3 and not isinstance(seen[0][0], ad.Tensor)
