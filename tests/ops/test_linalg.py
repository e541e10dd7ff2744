"""dnp.linalg: solve, inv, det, slogdet, norm and cholesky against NumPy, their derivatives
against finite differences (both modes, second order) and against closed forms, jacfwd against
jacrev, float32 kept, and errors that name the shapes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

R = np.random.default_rng(1)


def _well_conditioned(*shape):
    """Random matrices (n, n) with a dominant diagonal."""
    n = shape[-1]
    return R.standard_normal(shape) + 2.0 * n * np.eye(n) * np.sign(R.standard_normal(
        shape[:-2] + (1, 1)))


def _spd(*shape):
    x = R.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


A = _well_conditioned(3, 3)
A_STACK = _well_conditioned(2, 3, 3)
S = _spd(3, 3)
S_STACK = _spd(2, 3, 3)

# (name, dnp function, numpy function, arguments)
CASES = [
    ("solve-vector", dnp.linalg.solve, np.linalg.solve, (A, R.standard_normal(3))),
    ("solve-matrix", dnp.linalg.solve, np.linalg.solve, (A, R.standard_normal((3, 2)))),
    ("solve-stack-a", dnp.linalg.solve, np.linalg.solve, (A_STACK, R.standard_normal((3, 2)))),
    ("solve-stack-b", dnp.linalg.solve, np.linalg.solve, (A, R.standard_normal((2, 3, 2)))),
    ("solve-stack-vector", dnp.linalg.solve, np.linalg.solve, (A_STACK, R.standard_normal(3))),
    ("solve-broadcast", dnp.linalg.solve, np.linalg.solve,
     (A_STACK[:, None], R.standard_normal((4, 3, 1)))),
    ("inv", dnp.linalg.inv, np.linalg.inv, (A,)),
    ("inv-stack", dnp.linalg.inv, np.linalg.inv, (A_STACK,)),
    ("det", dnp.linalg.det, np.linalg.det, (A,)),
    ("det-stack", dnp.linalg.det, np.linalg.det, (A_STACK,)),
    ("logabsdet", lambda a: dnp.linalg.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], (A,)),
    ("logabsdet-stack", lambda a: dnp.linalg.slogdet(a).logabsdet,
     lambda a: np.linalg.slogdet(a).logabsdet, (A_STACK,)),
    ("cholesky", dnp.linalg.cholesky, np.linalg.cholesky, (S,)),
    ("cholesky-stack", dnp.linalg.cholesky, np.linalg.cholesky, (S_STACK,)),
    ("norm", dnp.linalg.norm, np.linalg.norm, (A,)),
    ("norm-vector", dnp.linalg.norm, np.linalg.norm, (R.standard_normal(4),)),
    ("norm-keepdims", lambda x: dnp.linalg.norm(x, keepdims=True),
     lambda x: np.linalg.norm(x, keepdims=True), (A_STACK,)),
    ("norm-axis", lambda x: dnp.linalg.norm(x, axis=-1), lambda x: np.linalg.norm(x, axis=-1),
     (A_STACK,)),
    ("norm-1", lambda x: dnp.linalg.norm(x, 1, axis=1, keepdims=True),
     lambda x: np.linalg.norm(x, 1, axis=1, keepdims=True), (A_STACK,)),
    ("norm-inf", lambda x: dnp.linalg.norm(x, np.inf), lambda x: np.linalg.norm(x, np.inf),
     (R.standard_normal(5),)),
    ("norm-minus-inf", lambda x: dnp.linalg.norm(x, -np.inf, axis=0),
     lambda x: np.linalg.norm(x, -np.inf, axis=0), (A,)),
    ("norm-3", lambda x: dnp.linalg.norm(x, 3), lambda x: np.linalg.norm(x, 3),
     (R.standard_normal(4),)),
    ("norm-fro", lambda x: dnp.linalg.norm(x, "fro", axis=(0, 2)),
     lambda x: np.linalg.norm(x, "fro", axis=(0, 2)), (A_STACK,)),
    ("norm-matrix-1", lambda x: dnp.linalg.norm(x, 1), lambda x: np.linalg.norm(x, 1), (A,)),
    ("norm-matrix-inf", lambda x: dnp.linalg.norm(x, np.inf, axis=(2, 1)),
     lambda x: np.linalg.norm(x, np.inf, axis=(2, 1)), (A_STACK,)),
    ("norm-matrix-minus-1", lambda x: dnp.linalg.norm(x, -1, axis=(-1, -3), keepdims=True),
     lambda x: np.linalg.norm(x, -1, axis=(-1, -3), keepdims=True), (A_STACK,)),
]


@pytest.mark.parametrize("name,fun,npfun,args", CASES, ids=[c[0] for c in CASES])
def test_values_match_numpy(name, fun, npfun, args):
    got, expected = fun(*args), npfun(*args)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,fun,npfun,args", CASES, ids=[c[0] for c in CASES])
def test_derivatives_second_order(name, fun, npfun, args):
    check_grads(fun, args, order=2)


@pytest.mark.parametrize("name,fun,npfun,args", CASES, ids=[c[0] for c in CASES])
def test_jacfwd_equals_jacrev(name, fun, npfun, args):
    argnums = tuple(range(len(args)))
    for jf, jr in zip(ad.jacfwd(fun, argnums)(*args), ad.jacrev(fun, argnums)(*args)):
        np.testing.assert_allclose(jf, jr, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,fun,npfun,args", CASES, ids=[c[0] for c in CASES])
def test_float32_stays_float32(name, fun, npfun, args):
    args32 = tuple(x.astype(np.float32) for x in args)
    assert fun(*args32).dtype == np.float32
    grads = ad.grad(lambda *xs: dnp.sum(fun(*xs)), argnums=tuple(range(len(args))))(*args32)
    assert all(g.dtype == np.float32 for g in grads)
    assert ad.jacfwd(fun)(*args32).dtype == np.float32


def test_closed_forms():
    inv = np.linalg.inv(A)
    np.testing.assert_allclose(ad.grad(lambda a: dnp.linalg.slogdet(a)[1])(A), inv.T,
                               rtol=1e-12)
    np.testing.assert_allclose(ad.grad(dnp.linalg.det)(A), np.linalg.det(A) * inv.T,
                               rtol=1e-10)
    # d^2 log det a [E_ij, E_kl] = -inv[j, k] inv[l, i]
    hess = ad.hessian(lambda a: dnp.linalg.slogdet(a)[1])(A)
    np.testing.assert_allclose(hess, -np.einsum("jk,li->ijkl", inv, inv), rtol=1e-10,
                               atol=1e-14)
    np.testing.assert_allclose(ad.jacrev(ad.grad(lambda a: dnp.linalg.slogdet(a)[1]))(A),
                               hess, rtol=1e-10, atol=1e-14)


def test_grad_of_grad_through_solve():
    b = R.standard_normal(3)
    c = R.standard_normal(3)

    def f(a):    # c . a^-1 b, whose gradient is -a^-T c (a^-1 b)^T
        return dnp.sum(c * dnp.linalg.solve(a, b))

    x, y = np.linalg.solve(A, b), np.linalg.solve(A.T, c)
    np.testing.assert_allclose(ad.grad(f)(A), -np.outer(y, x), rtol=1e-10)

    def g(a):
        return dnp.sum(ad.grad(f)(a) ** 2)

    check_grads(g, (A,), modes=("rev",), order=1)
    np.testing.assert_allclose(ad.grad(g)(A), ad.jacfwd(g)(A), rtol=1e-8)


def test_solve_stacks_in_both_arguments():
    def f(a, b):
        return dnp.linalg.solve(a, b)

    b = R.standard_normal((2, 3, 2))
    jf = ad.jacfwd(f, (0, 1))(A_STACK, b)
    jr = ad.jacrev(f, (0, 1))(A_STACK, b)
    for x, y in zip(jf, jr):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    check_grads(f, (A_STACK, b), order=2)


def test_slogdet_sign_is_a_plain_array():
    a = A.copy()
    a[[0, 1]] = a[[1, 0]]          # negative determinant

    def f(x):
        s, ld = dnp.linalg.slogdet(x)
        assert isinstance(s, (np.ndarray, np.floating)) and s == -1.0
        return s * dnp.exp(ld)

    np.testing.assert_allclose(f(a), np.linalg.det(a), rtol=1e-12)
    np.testing.assert_allclose(ad.grad(f)(a), ad.grad(dnp.linalg.det)(a), rtol=1e-10)


def test_cholesky_gradient_is_symmetric_and_reads_the_symmetric_part():
    def f(a):
        return dnp.sum(dnp.linalg.cholesky(a) ** 3)

    g = ad.grad(f)(S)
    np.testing.assert_allclose(g, g.T, rtol=1e-12)
    upper = np.triu(R.standard_normal((3, 3)), 1)
    skewed = S + upper - upper.T                   # its symmetric part is S
    np.testing.assert_allclose(dnp.linalg.cholesky(skewed), np.linalg.cholesky(S), rtol=1e-12)
    check_grads(dnp.linalg.cholesky, (skewed,), order=2)


def test_norm_at_zero_has_derivative_zero():
    z = np.zeros(3)
    assert np.all(ad.grad(dnp.linalg.norm)(z) == 0)
    assert np.all(ad.jacfwd(dnp.linalg.norm)(z) == 0)
    assert np.all(ad.hessian(dnp.linalg.norm)(z) == 0)
    rows = np.array([[0.0, 0.0], [3.0, 4.0]])
    g = ad.jacrev(lambda x: dnp.linalg.norm(x, axis=1))(rows)
    np.testing.assert_allclose(g, [[[0, 0], [0, 0]], [[0, 0], [0.6, 0.8]]])
    assert not np.any(np.isnan(ad.grad(lambda x: dnp.linalg.norm(x, "fro"))(np.zeros((2, 2)))))


def test_norm_inf_ties_share_the_derivative():
    x = np.array([1.0, -3.0, 3.0])
    np.testing.assert_allclose(ad.grad(lambda v: dnp.linalg.norm(v, np.inf))(x),
                               [0.0, -0.5, 0.5])


def test_norm_ord_zero_counts_and_is_not_differentiated():
    x = np.array([1.0, 0.0, 2.0])
    assert dnp.linalg.norm(x, 0) == np.linalg.norm(x, 0)
    np.testing.assert_array_equal(ad.grad(lambda v: dnp.linalg.norm(v, 0) + dnp.sum(v))(x),
                                  np.ones(3))


def test_numpy_linalg_functions_dispatch_to_dualad():
    g = ad.grad(lambda a: np.linalg.slogdet(a)[1])(A)
    np.testing.assert_allclose(g, np.linalg.inv(A).T, rtol=1e-12)
    g = ad.grad(lambda v: np.linalg.norm(v))(np.array([3.0, 4.0]))
    np.testing.assert_allclose(g, [0.6, 0.8], rtol=1e-12)


@pytest.mark.parametrize("fun,args,words", [
    (dnp.linalg.inv, (np.ones((2, 3)),), "(2, 3)"),
    (dnp.linalg.det, (np.ones(3),), "(3,)"),
    (dnp.linalg.cholesky, (np.ones((2, 3, 4)),), "(2, 3, 4)"),
    (dnp.linalg.slogdet, (np.ones((3, 2)),), "(3, 2)"),
    (dnp.linalg.solve, (np.eye(3), np.ones(4)), "(4,)"),
    (dnp.linalg.solve, (np.eye(3), np.ones((2, 3))), "(2, 3)"),
    (dnp.linalg.solve, (np.ones((2, 3, 3)), np.ones((4, 3, 1))), "(4, 3, 1)"),
    (lambda x: dnp.linalg.norm(x, axis=(0, 0)), (np.ones((2, 2)),), "(0, 0)"),
    (lambda x: dnp.linalg.norm(x, "fro", axis=0), (np.ones(3),), "'fro'"),
    (lambda x: dnp.linalg.norm(x, 3, axis=(0, 1)), (np.ones((2, 2)),), "3"),
    (lambda x: dnp.linalg.norm(x, 2), (np.ones((2, 2, 2)),), "(2, 2, 2)"),
])
def test_errors_name_the_problem(fun, args, words):
    with pytest.raises(ValueError) as info:
        fun(*args)
    assert words in str(info.value)


def test_singular_matrices():
    with pytest.raises(dnp.linalg.LinAlgError):
        dnp.linalg.inv(np.ones((2, 2)))
    with pytest.raises(dnp.linalg.LinAlgError):
        ad.grad(lambda a: dnp.sum(dnp.linalg.solve(a, np.ones(2))))(np.ones((2, 2)))


@given(st.integers(1, 4), st.integers(1, 3), st.lists(st.integers(1, 3), max_size=2),
       st.booleans())
def test_solve_shapes(n, m, batch, vector):
    a = _well_conditioned(*batch, n, n)
    b = R.standard_normal((n,) if vector else (n, m))
    np.testing.assert_allclose(dnp.linalg.solve(a, b), np.linalg.solve(a, b), rtol=1e-10)
    check_grads(dnp.linalg.solve, (a, b), order=1)
