"""Rules with branches chosen by what is traced: power's constant exponent (the constant goes
on whichever factor is plain) and subtract's whole JVP (one pass, or a negation when only the
subtrahend is traced). Every branch against finite differences, in both modes and nested."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

X = np.array([0.7, 1.3, -0.4, 2.1])


@pytest.mark.parametrize("c", [0, 2, 3, 0.5, -1.5])
def test_power_with_a_constant_exponent(c):
    base = np.abs(X) + 0.5 if c != int(c) else X

    def f(x):
        return dnp.sum(dnp.sin(x) * x ** c)

    check_grads(f, (base,), order=2)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(base), ad.jacrev(ad.grad(f))(base),
                               rtol=1e-10, atol=1e-12)


def test_rosenbrock_hessian_matches_scipys_analytic_one():
    from scipy.optimize import rosen_hess
    x = np.random.default_rng(0).normal(1.0, 0.5, 50)

    def rosen(x):
        return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    np.testing.assert_allclose(ad.hessian(rosen)(x), rosen_hess(x), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("which", ["both", "left", "right"])
def test_subtract_jvp_with_either_side_traced(which):
    y = np.array([[0.5], [-1.0], [2.0]])          # broadcasts against X

    def f(x, y):
        left = dnp.tanh(x) if which != "right" else np.tanh(X)
        right = y * y if which != "left" else y
        return left - right

    args = (X, y)
    check_grads(f, args, order=2)
    for argnums in (0, 1):
        np.testing.assert_allclose(ad.jacfwd(f, argnums)(*args), ad.jacrev(f, argnums)(*args),
                                   rtol=1e-12, atol=1e-12)


def test_float32_stays_float32():
    x = X.astype(np.float32)

    def f(x):
        return dnp.sum((x - x ** 2) ** 2)

    assert ad.grad(f)(x).dtype == np.float32
    assert ad.hessian(f)(x).dtype == np.float32
