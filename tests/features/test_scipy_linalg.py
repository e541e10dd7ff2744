"""dualad.scipy.linalg: values against scipy.linalg, derivatives against central finite
differences in both modes to second order, jacfwd against jacrev."""
import numpy as np
import pytest

import dualad as ad
from dualad.scipy import linalg
from dualad.testing import check_grads

SL = pytest.importorskip("scipy.linalg")
RNG = np.random.default_rng(4)


def spd(n):
    m = RNG.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


def symmetric_part(a):
    return 0.5 * (a + a.T)


@pytest.mark.parametrize("lower, trans, unit_diagonal", [
    (True, 0, False), (False, 0, True), (True, "T", True), (False, 1, False)])
@pytest.mark.parametrize("b_shape", [(4,), (4, 2)])
def test_solve_triangular(lower, trans, unit_diagonal, b_shape):
    a = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal(b_shape)
    kwargs = dict(trans=trans, lower=lower, unit_diagonal=unit_diagonal)
    np.testing.assert_allclose(linalg.solve_triangular(a, b, **kwargs),
                               SL.solve_triangular(a, b, **kwargs), rtol=1e-13)
    # the perturbation of a touches both triangles; only the one read may matter
    check_grads(lambda a, b: linalg.solve_triangular(a, b, **kwargs), (a, b), order=2)

    def of_a(a):
        return linalg.solve_triangular(a, b, **kwargs)
    np.testing.assert_allclose(ad.jacfwd(of_a)(a), ad.jacrev(of_a)(a), rtol=1e-12)


def test_solve_triangular_conjugate_transpose_is_transpose_for_real_matrices():
    a, b = np.triu(RNG.standard_normal((3, 3))) + 3 * np.eye(3), RNG.standard_normal(3)
    for trans in (2, "C"):
        np.testing.assert_allclose(linalg.solve_triangular(a, b, trans=trans),
                                   SL.solve_triangular(a, b, trans=trans), rtol=1e-13)


def test_solve_triangular_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        linalg.solve_triangular(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="b must have shape"):
        linalg.solve_triangular(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="trans"):
        linalg.solve_triangular(np.eye(3), np.ones(3), trans="X")


@pytest.mark.parametrize("lower", [True, False])
def test_cho_factor_and_cho_solve(lower):
    s, b = spd(4), RNG.standard_normal((4, 3))
    c, flag = linalg.cho_factor(s, lower=lower)
    assert flag is lower
    np.testing.assert_allclose(c @ c.T if lower else c.T @ c, s, rtol=1e-12)
    np.testing.assert_allclose(linalg.cho_solve((c, flag), b),
                               SL.cho_solve(SL.cho_factor(s, lower=lower), b), rtol=1e-12)
    check_grads(lambda s, b: linalg.cho_solve(linalg.cho_factor(symmetric_part(s), lower), b),
                (s, b), order=2)


@pytest.mark.parametrize("trans", [0, 1])
def test_lu_factor_and_lu_solve(trans):
    a, b = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 2))
    lu, piv = linalg.lu_factor(a)
    want_lu, want_piv = SL.lu_factor(a)
    np.testing.assert_allclose(lu, want_lu, rtol=1e-13)
    np.testing.assert_array_equal(piv, want_piv)
    np.testing.assert_allclose(linalg.lu_solve((lu, piv), b, trans=trans),
                               SL.lu_solve((want_lu, want_piv), b, trans=trans), rtol=1e-12)
    check_grads(lambda a, b: linalg.lu_solve(linalg.lu_factor(a), b, trans=trans), (a, b),
                order=2)
    check_grads(lambda a, b: linalg.lu_solve(linalg.lu_factor(a), b, trans=trans),
                (a, b[:, 0]), order=2)


def test_lu_factor_derivative():
    a = RNG.standard_normal((4, 4))

    def packed(a):
        return linalg.lu_factor(a)[0]
    check_grads(packed, (a,), order=2)
    np.testing.assert_allclose(ad.jacfwd(packed)(a), ad.jacrev(packed)(a), rtol=1e-11,
                               atol=1e-14)


@pytest.mark.parametrize("l_and_u, b_shape", [((1, 1), (5,)), ((2, 0), (5, 2)),
                                              ((0, 1), (5,)), ((1, 2), (5, 2))])
def test_solve_banded(l_and_u, b_shape):
    lower, upper = l_and_u
    ab = RNG.standard_normal((lower + upper + 1, 5))
    ab[upper] += 4.0
    b = RNG.standard_normal(b_shape)
    np.testing.assert_allclose(linalg.solve_banded(l_and_u, ab, b),
                               SL.solve_banded(l_and_u, ab, b), rtol=1e-12)
    # the corners of ab lie off the matrix: SciPy ignores them, and so do the derivatives
    check_grads(lambda ab, b: linalg.solve_banded(l_and_u, ab, b), (ab, b), order=2)

    def of_ab(ab):
        return linalg.solve_banded(l_and_u, ab, b)
    np.testing.assert_allclose(ad.jacfwd(of_ab)(ab), ad.jacrev(of_ab)(ab), rtol=1e-11,
                               atol=1e-14)


def test_block_diag():
    blocks = [RNG.standard_normal((2, 2)), RNG.standard_normal(3), np.array(1.5),
              RNG.standard_normal((1, 2))]
    np.testing.assert_array_equal(linalg.block_diag(*blocks), SL.block_diag(*blocks))
    check_grads(lambda *bs: linalg.block_diag(*bs), blocks, order=2)
    assert linalg.block_diag().shape == SL.block_diag().shape


def test_expm():
    a = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(linalg.expm(a), SL.expm(a), rtol=1e-13)
    check_grads(linalg.expm, (a,), order=2)
    np.testing.assert_allclose(ad.jacfwd(linalg.expm)(a), ad.jacrev(linalg.expm)(a), rtol=1e-11)
    # d/dt expm(t A) = A expm(t A)
    np.testing.assert_allclose(ad.jacfwd(lambda t: linalg.expm(t * a))(0.7),
                               a @ SL.expm(0.7 * a), rtol=1e-12)


def test_sqrtm():
    p = spd(3)
    np.testing.assert_allclose(linalg.sqrtm(p), SL.sqrtm(p), rtol=1e-12)
    check_grads(linalg.sqrtm, (p,), order=2)
    check_grads(lambda a: linalg.sqrtm(symmetric_part(a)), (p + RNG.standard_normal((3, 3)),),
                order=2)
    # a negative eigenvalue: SciPy's complex root, differentiated (real input, complex output)
    q = symmetric_part(RNG.standard_normal((3, 3))) - 2 * np.eye(3)
    np.testing.assert_allclose(linalg.sqrtm(q), SL.sqrtm(q), rtol=1e-10)
    check_grads(lambda a: linalg.sqrtm(symmetric_part(a)), (q,), order=2)


def test_solve_sylvester():
    a, b, q = (RNG.standard_normal((3, 3)) for _ in range(3))
    np.testing.assert_allclose(linalg.solve_sylvester(a, b, q), SL.solve_sylvester(a, b, q),
                               rtol=1e-12)
    check_grads(linalg.solve_sylvester, (a, b, q), order=2)
    for i, arg in enumerate((a, b, q)):
        def one(v, i=i):
            args = [a, b, q]
            args[i] = v
            return linalg.solve_sylvester(*args)
        np.testing.assert_allclose(ad.jacfwd(one)(arg), ad.jacrev(one)(arg), rtol=1e-11)


def test_docstring_examples():
    import doctest
    assert doctest.testmod(linalg).failed == 0
