"""Custom derivative rules: custom_jvp, custom_vjp and extend.defprim, in both modes."""
import numpy as np
import pytest
import scipy.special as sp
from scipy.integrate import solve_ivp

import dualad as ad
import dualad.numpy as dnp
from dualad.extend import defprim
from dualad.testing import check_grads

X = np.array([0.3, 1.2, 2.5])


def test_custom_jvp_used_in_both_modes_and_higher_order():
    calls = []

    @ad.custom_jvp
    def softplus(x):
        return dnp.log1p(dnp.exp(x))

    @softplus.defjvp
    def softplus_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return softplus(x), t * dnp.sigmoid(x)

    check_grads(softplus, (X,), order=2)
    np.testing.assert_allclose(ad.grad(lambda x: dnp.sum(softplus(x)))(X),
                               1 / (1 + np.exp(-X)))
    assert calls


def test_custom_jvp_replaces_an_unstable_derivative():
    @ad.custom_jvp
    def safe_norm(x):
        return dnp.sqrt(dnp.sum(x * x))

    @safe_norm.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        n = safe_norm(x)
        return n, dnp.sum(x * t) / dnp.where(n == 0, 1.0, n)

    assert np.all(ad.grad(safe_norm)(np.zeros(3)) == 0.0)


def test_custom_vjp_in_both_modes():
    @ad.custom_vjp
    def clip_gradient(x, y):
        return x * y

    def fwd(x, y):
        return clip_gradient(x, y), (x, y)

    def bwd(res, ct):
        x, y = res
        return ct * y, ct * x

    clip_gradient.defvjp(fwd, bwd)
    check_grads(clip_gradient, (X, X + 1.0), order=2)
    np.testing.assert_allclose(ad.jacfwd(clip_gradient)(X, X), np.diag(X))


def test_custom_vjp_rule_is_really_used():
    @ad.custom_vjp
    def straight_through(x):
        return dnp.round(x) * 1.0 + x * 0.0

    straight_through.defvjp(lambda x: (straight_through(x), None), lambda res, ct: (ct,))
    np.testing.assert_allclose(ad.grad(lambda x: dnp.sum(straight_through(x)))(X), 1.0)


def test_defprim_wraps_a_black_box_in_both_modes():
    j0 = defprim("test_j0", sp.j0, jvp=lambda tangents, ans, x: tangents[0] * -sp.j1(x))
    np.testing.assert_allclose(ad.jacfwd(j0)(X), np.diag(-sp.j1(X)))
    np.testing.assert_allclose(ad.grad(lambda x: dnp.sum(j0(x)))(X), -sp.j1(X))
    j0v = defprim("test_j0_vjp", sp.j0, vjp=lambda g, ans, x: (g * -sp.j1(x),))
    np.testing.assert_allclose(ad.jacfwd(j0v)(X), np.diag(-sp.j1(X)))
    np.testing.assert_allclose(ad.jacrev(j0v)(X), np.diag(-sp.j1(X)))


def test_black_box_ode_solve_with_an_adjoint_rule():
    """y' = -k y, y(0) = y0: the solution at t=1 is y0 exp(-k); derivatives by the analytic
    sensitivity, wrapped around SciPy's solver."""
    def solve(k, y0):
        sol = solve_ivp(lambda t, y: -k * y, (0, 1), [y0], rtol=1e-11, atol=1e-12)
        return np.asarray(sol.y[0, -1])

    ode = defprim("test_ode_decay", solve, vjp=(
        lambda g, ans, k, y0: -g * ans,              # d/dk [y0 e^-k] = -y0 e^-k
        lambda g, ans, k, y0: g * ans / y0))          # d/dy0 = e^-k
    k, y0 = 0.7, 2.0
    gk, gy0 = ad.grad(ode, argnums=(0, 1))(k, y0)
    assert gk == pytest.approx(-y0 * np.exp(-k), rel=1e-7)
    assert gy0 == pytest.approx(np.exp(-k), rel=1e-7)
    _, t = ad.jvp(ode, (k, y0), (1.0, 0.0))
    assert t == pytest.approx(-y0 * np.exp(-k), rel=1e-7)


def test_builtin_names_are_protected():
    with pytest.raises(ValueError, match="built-in"):
        defprim("sin", np.sin, jvp=lambda ts, ans, x: ts[0])
