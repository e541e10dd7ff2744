"""dualad.scipy.special: values against SciPy (random arguments, tails and edge values) and
derivatives against central finite differences in both modes to second order, jacfwd against
jacrev, the arguments that must raise, and the tails where log-space forms matter."""
import numpy as np
import pytest

import dualad as ad
from dualad.scipy import special as sp
from dualad.testing import check_grads
from arguments import partial

S = pytest.importorskip("scipy.special")

RNG = np.random.default_rng(2026)


def uniform(lo, hi, n=5):
    return RNG.uniform(lo, hi, n)


# name -> (argument samplers for derivative checks, indices of differentiable arguments).
# Orders (jn's n, iv's v …) are fixed per case; the samplers stay away from poles and branch
# points, where finite differences mean nothing.
SMOOTH = {
    "gamma": ([lambda: np.r_[uniform(0.3, 5, 4), -1.5, -2.3]], [0]),
    "gammaln": ([lambda: np.r_[uniform(0.3, 30, 4), -1.5, -2.3]], [0]),
    "gammasgn": ([lambda: np.r_[uniform(0.3, 5, 4), -1.5]], [0]),
    "rgamma": ([lambda: np.r_[uniform(0.3, 5, 4), -1.5]], [0]),
    "digamma": ([lambda: np.r_[uniform(0.3, 30, 4), -1.5]], [0]),
    "psi": ([lambda: uniform(0.3, 5)], [0]),
    "polygamma_0": ([lambda: 0, lambda: uniform(0.3, 5)], [1]),
    "polygamma_2": ([lambda: np.array([1, 2, 3, 2, 1]), lambda: uniform(0.3, 5)], [1]),
    "beta": ([lambda: uniform(0.5, 5), lambda: uniform(0.5, 5)], [0, 1]),
    "betaln": ([lambda: uniform(0.5, 50), lambda: uniform(0.5, 5)], [0, 1]),
    "erf": ([lambda: uniform(-3, 3)], [0]),
    "erfc": ([lambda: uniform(-3, 3)], [0]),
    "erfinv": ([lambda: uniform(-0.95, 0.95)], [0]),
    "erfcinv": ([lambda: uniform(0.05, 1.95)], [0]),
    "ndtr": ([lambda: uniform(-5, 5)], [0]),
    "ndtri": ([lambda: uniform(0.02, 0.98)], [0]),
    "log_ndtr": ([lambda: np.r_[uniform(-5, 5, 4), -30.0]], [0]),
    "expit": ([lambda: uniform(-5, 5)], [0]),
    "logit": ([lambda: uniform(0.1, 0.9)], [0]),
    "xlogy": ([lambda: uniform(-2, 2), lambda: uniform(0.1, 3)], [0, 1]),
    "xlog1py": ([lambda: uniform(-2, 2), lambda: uniform(-0.9, 2)], [0, 1]),
    "entr": ([lambda: uniform(0.1, 3)], [0]),
    "rel_entr": ([lambda: uniform(0.1, 3), lambda: uniform(0.1, 3)], [0, 1]),
    "j0": ([lambda: uniform(0.2, 20)], [0]),
    "j1": ([lambda: uniform(-20, 20)], [0]),
    "jn": ([lambda: np.array([0, 1, 2, 5, -3]), lambda: uniform(0.2, 20)], [1]),
    "y0": ([lambda: uniform(0.2, 20)], [0]),
    "y1": ([lambda: uniform(0.2, 20)], [0]),
    "yn": ([lambda: np.array([0, 1, 2, 5, -3]), lambda: uniform(0.5, 20)], [1]),
    "i0": ([lambda: uniform(-10, 10)], [0]),
    "i0e": ([lambda: np.r_[uniform(-20, -0.2, 2), uniform(0.2, 20, 3)]], [0]),
    "i1": ([lambda: uniform(-10, 10)], [0]),
    "i1e": ([lambda: np.r_[uniform(-20, -0.2, 2), uniform(0.2, 20, 3)]], [0]),
    "iv": ([lambda: np.array([0.5, 1.5, 2.0, 7.3, 30.0]), lambda: uniform(0.5, 10)], [1]),
    "ive": ([lambda: np.array([0.5, 1.5, 2.0, 7.3, 30.0]), lambda: uniform(0.5, 10)], [1]),
    "zeta": ([lambda: uniform(1.2, 8), lambda: uniform(0.2, 3)], [0, 1]),
    "zeta_riemann": ([lambda: np.r_[uniform(-9, -0.6, 2), uniform(-0.4, 0.9, 2), 3.3]], [0]),
    "gammainc": ([lambda: uniform(0.3, 10), lambda: uniform(0.1, 15)], [0, 1]),
    "gammaincc": ([lambda: uniform(0.3, 10), lambda: uniform(0.1, 15)], [0, 1]),
    "betainc": ([lambda: uniform(0.3, 8), lambda: uniform(0.3, 8), lambda: uniform(0.02, 0.98)],
                [0, 1, 2]),
}


def function(name):
    return getattr(sp, name.split("_")[0] if name.startswith(("polygamma", "zeta")) else name)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_values_and_derivatives(name):
    samplers, wrt = SMOOTH[name]
    args = [s() for s in samplers]
    f = function(name)
    reference = getattr(S, f.__name__)
    np.testing.assert_allclose(f(*args), reference(*args), rtol=1e-13, atol=1e-300)
    g = partial(f, args, wrt)
    check_grads(g, [args[i] for i in wrt], modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_jacfwd_equals_jacrev(name):
    samplers, wrt = SMOOTH[name]
    args = [s() for s in samplers]
    for i in wrt:
        g = partial(function(name), args, [i])
        np.testing.assert_allclose(ad.jacfwd(g)(args[i]), ad.jacrev(g)(args[i]), rtol=1e-12,
                                   atol=1e-300)


# edge and tail values (0, negative, large, poles) against SciPy, NaN where SciPy gives NaN
EDGES = np.array([0.0, -0.0, -1.0, -2.5, 1e-300, 1e-8, 0.5, 1.0, 40.0, 171.5, 1e6, np.inf,
                  -np.inf, np.nan])
UNIT = np.array([0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1.0, -0.5, 1.5, np.nan])


@pytest.mark.parametrize("name", ["gamma", "gammaln", "gammasgn", "rgamma", "digamma", "erf",
                                  "erfc", "ndtr", "log_ndtr", "expit", "entr", "j0", "j1",
                                  "y0", "y1", "i0", "i0e", "i1", "i1e"])
def test_edge_values_match_scipy(name):
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(getattr(sp, name)(EDGES), getattr(S, name)(EDGES),
                                   rtol=1e-14, equal_nan=True)


@pytest.mark.parametrize("name", ["erfinv", "ndtri", "logit"])
def test_edge_values_of_inverses_match_scipy(name):
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(getattr(sp, name)(UNIT), getattr(S, name)(UNIT),
                                   rtol=1e-14, equal_nan=True)


@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "rel_entr", "beta", "betaln",
                                  "gammainc", "gammaincc", "zeta"])
def test_edge_values_of_binary_functions_match_scipy(name):
    x, y = np.meshgrid(np.array([0.0, 1e-10, 0.5, 2.0, 40.0, -1.0]),
                       np.array([0.0, 1e-10, 0.5, 3.0, 1e3, -0.5]))
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(getattr(sp, name)(x, y), getattr(S, name)(x, y), rtol=1e-14,
                                   equal_nan=True)


def test_multigammaln_values_and_derivatives():
    for d in (1, 2, 3):
        a = uniform(d, d + 5, 6).reshape(2, 3)
        np.testing.assert_allclose(sp.multigammaln(a, d), S.multigammaln(a, d), rtol=1e-13)
        check_grads(lambda a: sp.multigammaln(a, d), (a,), order=2)
    with pytest.raises(ValueError, match="greater than"):
        sp.multigammaln(0.5, 3)


def test_erf_and_erfc_are_holomorphic_on_complex_input():
    z = np.array([0.3 + 0.2j, -0.5 + 1.0j, 2.0 - 0.7j])
    slope = 2 / np.sqrt(np.pi) * np.exp(-z * z)
    for f, sign in ((sp.erf, 1), (sp.erfc, -1)):
        np.testing.assert_allclose(f(z), getattr(S, f.__name__)(z), rtol=1e-14)
        for i, zi in enumerate(z):
            np.testing.assert_allclose(ad.holomorphic_grad(f)(zi), sign * slope[i], rtol=1e-14)
        _, tangent = ad.jvp(f, (z,), (np.ones_like(z),))
        np.testing.assert_allclose(tangent, sign * slope, rtol=1e-14)


def test_float32_stays_float32():
    x = np.array([0.5, 1.5], dtype=np.float32)
    for f in (sp.gammaln, sp.erf, sp.j0, sp.log_ndtr):
        assert f(x).dtype == np.float32
        assert ad.grad(lambda v: f(v).sum())(x).dtype == np.float32


# ---------------------------------------------------------------- tails and conventions
def test_log_ndtr_derivative_in_the_far_lower_tail():
    x = np.array([-40.0, -10.0, 5.0, 40.0])
    g = ad.elementwise_grad(sp.log_ndtr)(x)
    # pdf / cdf: at -40 the asymptotic expansion below is exact to 1e-15; the derivative,
    # exp(-x**2/2 - log_ndtr(x)), inherits log_ndtr's rounding times 800
    mills = -x[0] - 1 / x[0] + 2 / x[0] ** 3 - 10 / x[0] ** 5 + 74 / x[0] ** 7 - 706 / x[0] ** 9
    np.testing.assert_allclose(g[0], mills, rtol=3e-13)
    np.testing.assert_allclose(g[1:3], np.exp(S.log_ndtr(-x[1:3]) * 0 - x[1:3] ** 2 / 2
                                              - S.log_ndtr(x[1:3])) / np.sqrt(2 * np.pi),
                               rtol=1e-13)
    assert 0 <= g[3] < 1e-300


def test_gammaln_derivative_for_large_arguments():
    x = np.array([1e10, 1e200])
    np.testing.assert_allclose(sp.gammaln(x), S.gammaln(x), rtol=1e-15)
    np.testing.assert_allclose(ad.elementwise_grad(sp.gammaln)(x), S.digamma(x), rtol=1e-15)


def test_xlogy_and_xlog1py_are_zero_with_zero_slope_in_y_at_x_zero():
    for f, y0 in ((sp.xlogy, 0.0), (sp.xlog1py, -1.0)):
        assert float(f(0.0, y0)) == 0.0
        assert float(ad.grad(f, argnums=1)(0.0, y0)) == 0.0
        assert float(ad.grad(f, argnums=1)(0.0, 2.0)) == 0.0
        assert float(ad.grad(ad.grad(f, argnums=1), argnums=1)(0.0, 2.0)) == 0.0


def test_expit_logit_tails():
    x = np.array([-700.0, -40.0, 40.0, 700.0])
    np.testing.assert_allclose(sp.expit(x), S.expit(x), rtol=1e-15)
    g = ad.elementwise_grad(sp.expit)(x)
    np.testing.assert_allclose(g[:2], S.expit(x[:2]), rtol=1e-13)   # expit' ~ expit far left


def test_rgamma_is_zero_at_the_poles_and_gammasgn_has_zero_derivative():
    assert float(sp.rgamma(-2.0)) == 0.0
    assert np.all(ad.elementwise_grad(sp.gammasgn)(np.array([-1.5, 0.5, 3.0])) == 0.0)


# ---------------------------------------------------------------- gammainc in a
def test_gammainc_derivatives_in_a_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    points = [(0.01, 0.5), (0.5, 0.1), (1.0, 1.0), (2.5, 3.0), (3.0, 20.0), (10.0, 3.0),
              (50.0, 49.0), (50.0, 52.0), (100.0, 300.0), (1e3, 1100.0), (5.0, 1e-3),
              (0.1, 20.0)]
    a = np.array([p[0] for p in points])
    x = np.array([p[1] for p in points])
    d1 = ad.elementwise_grad(sp.gammaincc)(a, x)          # dQ/da: no cancellation against 1
    d2 = ad.elementwise_grad(ad.elementwise_grad(sp.gammaincc))(a, x)
    for i, (ai, xi) in enumerate(points):
        def q(s, xi=xi):
            return mp.gammainc(s, xi, mp.inf, regularized=True)
        np.testing.assert_allclose(d1[i], float(mp.diff(q, ai, 1)), rtol=1e-11)
        np.testing.assert_allclose(d2[i], float(mp.diff(q, ai, 2)), rtol=1e-9)


def test_gammainc_mixed_derivatives_and_quantile_consistency():
    a, x = uniform(0.5, 8, 4), uniform(0.2, 12, 4)
    check_grads(sp.gammainc, (a, x), order=2)
    hess = ad.hessian(lambda v: sp.gammainc(v[0], v[1]))(np.array([2.5, 1.7]))
    np.testing.assert_allclose(hess, hess.T, rtol=1e-10)


def test_third_derivative_of_gammainc_in_a_raises():
    f = ad.grad(ad.grad(ad.grad(sp.gammainc)))
    with pytest.raises(NotImplementedError, match="third derivatives of gammainc in a"):
        f(2.0, 1.0)


# ---------------------------------------------------------------- arguments that raise
@pytest.mark.parametrize("call, argument", [
    (lambda n: sp.jn(n, 1.5), "n"),
    (lambda n: sp.yn(n, 1.5), "n"),
    (lambda v: sp.iv(v, 1.5), "v"),
    (lambda v: sp.ive(v, 1.5), "v"),
    (lambda n: sp.polygamma(n, 1.5), "n"),
])
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_undifferentiated_arguments_raise(call, argument, mode):
    transform = ad.jacfwd if mode == "fwd" else ad.grad
    with pytest.raises(NotImplementedError, match=f"with respect to {argument} "):
        transform(call)(2.0)


# ---------------------------------------------------------------- betainc in a and b
def test_betainc_derivatives_in_a_and_b_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    points = [(0.5, 0.5, 0.3), (2.0, 3.0, 0.5), (2.0, 3.0, 0.1), (2.0, 3.0, 0.9),
              (10.0, 2.0, 0.95), (0.3, 5.0, 0.01), (50.0, 40.0, 0.55), (5.0, 0.7, 0.999),
              (500.0, 300.0, 0.6), (3.0, 200.0, 1e-4)]
    a, b, x = (np.array(column) for column in zip(*points))
    first = [ad.elementwise_grad(sp.betainc, argnum)(a, b, x) for argnum in (0, 1)]
    second = [ad.elementwise_grad(ad.elementwise_grad(sp.betainc, i), j)(a, b, x)
              for i, j in ((0, 0), (0, 1), (1, 1))]
    for n, (ai, bi, xi) in enumerate(points):
        def f(s, t, xi=xi):
            return mp.betainc(s, t, 0, xi, regularized=True)
        for got, order in zip(first + second, [(1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]):
            want = float(mp.diff(f, (ai, bi), order))
            np.testing.assert_allclose(got[n], want, rtol=1e-10, atol=1e-300,
                                       err_msg=f"{order} at {(ai, bi, xi)}")


def test_third_derivative_of_betainc_in_a_and_b_raises():
    f = ad.grad(ad.grad(ad.grad(sp.betainc, 1)), 1)
    with pytest.raises(NotImplementedError, match="third derivatives of betainc"):
        f(2.0, 3.0, 0.4)


# ---------------------------------------------------------------- zeta in x
def test_zeta_derivatives_in_x_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = np.array([-7.3, -2.5, -0.6, -0.5, 0.0, 0.3, 0.999, 1.001, 1.5, 2.0, 10.0, 30.0])
    first = ad.elementwise_grad(sp.zeta)(x)
    second = ad.elementwise_grad(ad.elementwise_grad(sp.zeta))(x)
    for i, xi in enumerate(x):
        np.testing.assert_allclose(first[i], float(mp.zeta(xi, 1, 1)), rtol=1e-12)
        np.testing.assert_allclose(second[i], float(mp.zeta(xi, 1, 2)), rtol=1e-12)
    q = np.array([0.3, 1.0, 2.5, 0.8])
    x = np.array([1.5, 2.3, 4.0, 7.0])
    third = ad.elementwise_grad(ad.elementwise_grad(ad.elementwise_grad(sp.zeta)))(x, q)
    for i in range(4):
        np.testing.assert_allclose(third[i], float(mp.zeta(x[i], q[i], 3)), rtol=1e-12)


def test_constant_orders_are_fine():
    assert np.isfinite(ad.grad(lambda x: sp.jn(2, x))(1.5))
    assert np.isfinite(ad.grad(lambda x: sp.betainc(2.0, 3.0, x))(0.4))


def test_missing_scipy_error_names_the_extra():
    from dualad.scipy._scipy import scipy_module
    with pytest.raises(ImportError, match="examples"):
        scipy_module("no_such_submodule")


# ---------------------------------------------------------------- logsumexp and friends
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_with_b_matches_scipy_and_differentiates(axis, keepdims):
    a = RNG.standard_normal((3, 4))
    b = np.exp(RNG.standard_normal((3, 4)))
    np.testing.assert_allclose(sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims),
                               S.logsumexp(a, axis=axis, b=b, keepdims=keepdims), rtol=1e-14)
    check_grads(lambda a, b: sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims), (a, b),
                order=2)


def test_logsumexp_return_sign_broadcast_b_and_zero_weights():
    a = RNG.standard_normal((3, 4))
    b = RNG.standard_normal(4)
    out, sign = sp.logsumexp(a, axis=1, b=b, return_sign=True)
    want, want_sign = S.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, want, rtol=1e-14)
    np.testing.assert_array_equal(sign, want_sign)
    check_grads(lambda a, b: sp.logsumexp(a, axis=1, b=b, return_sign=True)[0], (a, b), order=2)
    # a huge entry with weight 0 must not set the shift (the others would underflow)
    a2, b2 = np.array([1000.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0])
    np.testing.assert_allclose(sp.logsumexp(a2, b=b2), S.logsumexp(a2, b=b2), rtol=1e-15)


def test_softmax_and_log_softmax_match_scipy():
    x = RNG.standard_normal((3, 5)) * 30
    for axis in (None, 0, 1):
        np.testing.assert_allclose(sp.softmax(x, axis=axis), S.softmax(x, axis=axis),
                                   rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(sp.log_softmax(x, axis=axis), S.log_softmax(x, axis=axis),
                                   rtol=1e-13)
    check_grads(lambda x: sp.log_softmax(x, axis=1), (x / 30,), order=2)


def test_docstring_examples():
    import doctest
    import importlib
    for name in ("_gamma", "_erf", "_logs", "_bessel", "_incomplete", "_zeta"):
        module = importlib.import_module(f"dualad.scipy.special.{name}")
        assert doctest.testmod(module).failed == 0
