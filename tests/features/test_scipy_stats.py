"""dualad.scipy.stats: every method's values against scipy.stats over random parameters (with
broadcasting, tails and points off the support), derivatives in the data and the parameters
against central finite differences in both modes to second order, jacfwd against jacrev, and
the derivatives that must raise."""
import numpy as np
import pytest

import dualad as ad
import dualad.scipy.stats.multivariate_normal as mvn
from dualad.scipy import stats
from dualad.testing import check_grads
from arguments import partial

scipy_stats = pytest.importorskip("scipy.stats")

RNG = np.random.default_rng(21)
CONTINUOUS_METHODS = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]
DISCRETE_METHODS = ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"]


def positive(lo=0.5, hi=3.0, shape=(4, 3)):
    return RNG.uniform(lo, hi, shape)


# name -> (shape-parameter samplers, sampler of x inside the support (in standard units),
#          {method: indices of the shape parameters whose derivative is not implemented})
CONTINUOUS = {
    "norm": ([], lambda s: RNG.standard_normal(s) * 2, {}),
    "t": ([lambda: positive(0.7, 20.0, (1, 3))], lambda s: RNG.standard_normal(s) * 2, {}),
    "gamma": ([lambda: positive(0.5, 6.0, (1, 3))], lambda s: RNG.uniform(0.1, 8.0, s), {}),
    "chi2": ([lambda: positive(1.0, 8.0, (1, 3))], lambda s: RNG.uniform(0.1, 10.0, s), {}),
    "beta": ([lambda: positive(0.5, 5.0, (1, 3)), lambda: positive(0.5, 5.0, (4, 1))],
             lambda s: RNG.uniform(0.05, 0.95, s), {}),
    "expon": ([], lambda s: RNG.uniform(0.05, 5.0, s), {}),
    "laplace": ([], lambda s: RNG.standard_normal(s) * 2, {}),
    "logistic": ([], lambda s: RNG.standard_normal(s) * 3, {}),
    "cauchy": ([], lambda s: RNG.standard_normal(s) * 3, {}),
    "uniform": ([], lambda s: RNG.uniform(0.05, 0.95, s), {}),
}


def continuous_case(name, method):
    """Arguments (x or q, shape parameters, loc, scale) broadcasting (4, 3) x (1, 3) x (4, 1)."""
    samplers, inside, _ = CONTINUOUS[name]
    shapes = [s() for s in samplers]
    loc = RNG.standard_normal((1, 3))
    scale = positive(0.5, 2.0, (4, 1))
    if method in ("ppf", "isf"):
        first = RNG.uniform(0.03, 0.97, (4, 3))
    else:
        first = loc + scale * inside((4, 3))
    return [first] + shapes + [loc, scale]


def differentiable(name, method, n_args):
    blocked = {1 + i for i in CONTINUOUS[name][2].get(method, [])}
    return [i for i in range(n_args) if i not in blocked]


def assert_matches_scipy(got, want, method, **kwargs):
    """Equal to SciPy's values, with two allowances for SciPy's own rounding: a log-probability
    may differ by 1e-15 absolutely (near 0 that is the relative error of the probability), and
    where SciPy's log-density underflows to -inf (it takes the log of an underflowed density)
    ours must be below the log of the smallest float."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if method.startswith("log"):
        underflow = np.isneginf(want) & np.isfinite(got)
        assert np.all(got[underflow] < -700), method
        got = np.where(underflow, -np.inf, got)
        kwargs["atol"] = 1e-15
    np.testing.assert_allclose(got, want, err_msg=method, **kwargs)


@pytest.mark.parametrize("method", CONTINUOUS_METHODS)
@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_values_and_derivatives(name, method):
    args = continuous_case(name, method)
    f = getattr(getattr(stats, name), method)
    want = getattr(getattr(scipy_stats, name), method)(*args)
    assert_matches_scipy(f(*args), want, method, rtol=1e-12, atol=1e-300)
    wrt = differentiable(name, method, len(args))
    check_grads(partial(f, args, wrt), [args[i] for i in wrt], order=2)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_jacfwd_equals_jacrev(name):
    for method in ("logpdf", "cdf", "ppf"):
        args = continuous_case(name, method)
        f = getattr(getattr(stats, name), method)
        for i in differentiable(name, method, len(args)):
            g = partial(f, args, [i])
            np.testing.assert_allclose(ad.jacfwd(g)(args[i]), ad.jacrev(g)(args[i]),
                                       rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_continuous_values_off_the_support_and_in_the_tails(name):
    samplers, _, _ = CONTINUOUS[name]
    shapes = [np.broadcast_to(s(), (4, 3))[0, 0] for s in samplers]
    x = np.array([-1e3, -40.0, -2.0, -0.5, 0.0, 1e-9, 0.5, 1.0, 1.5, 40.0, 1e3, -np.inf, np.inf])
    q = np.array([0.0, 1e-300, 1e-12, 0.25, 0.5, 1 - 1e-12, 1.0, -0.1, 1.1])
    if name == "beta":    # SciPy's betaincinv and beta.ppf disagree (or give NaN) at 1e-300
        q = q[q != 1e-300]
    dist, ref = getattr(stats, name), getattr(scipy_stats, name)
    with np.errstate(all="ignore"):
        for method in CONTINUOUS_METHODS:
            points = q if method in ("ppf", "isf") else x
            got = getattr(dist, method)(points, *shapes, 0.0, 1.0)
            want = getattr(ref, method)(points, *shapes, 0.0, 1.0)
            assert_matches_scipy(got, want, f"{method} of {name}", rtol=1e-9, atol=1e-300,
                                 equal_nan=True)


def test_invalid_parameters_give_nan():
    with np.errstate(all="ignore"):
        assert np.isnan(stats.norm.cdf(0.3, 0.0, -1.0))
        assert np.isnan(stats.t.logpdf(0.3, -2.0))
        assert np.isnan(stats.gamma.sf(0.3, -1.0))
        assert np.isnan(stats.binom.pmf(1, 3, 1.5))
        assert np.isnan(stats.poisson.logpmf(1, -1.0))


@pytest.mark.parametrize("name, method", [("t", "cdf"), ("t", "ppf"), ("beta", "cdf"),
                                          ("beta", "ppf"), ("gamma", "ppf")])
def test_third_derivatives_in_shape_parameters_raise(name, method):
    args = [0.4, 2.5, 3.0]
    f = partial(getattr(getattr(stats, name), method), args, [1])
    with pytest.raises(NotImplementedError, match="third derivatives"):
        ad.grad(ad.grad(ad.grad(f)))(args[1])


def test_shape_derivatives_of_distribution_functions_against_scipy():
    # central differences of SciPy's own values (an independent implementation)
    h = 1e-6
    cases = [("t", "cdf", [-1.3, 2.7]), ("t", "ppf", [0.2, 2.7]), ("t", "isf", [0.9, 5.5]),
             ("beta", "cdf", [0.3, 2.2, 3.1]), ("beta", "sf", [0.7, 2.2, 3.1]),
             ("beta", "ppf", [0.4, 0.8, 3.1]), ("gamma", "cdf", [1.2, 2.2]),
             ("gamma", "isf", [0.1, 2.2]), ("chi2", "ppf", [0.6, 3.0])]
    for name, method, args in cases:
        for i in range(1, len(args)):
            f = getattr(getattr(scipy_stats, name), method)
            up, down = list(args), list(args)
            up[i] += h
            down[i] -= h
            fd = (f(*up) - f(*down)) / (2 * h)
            got = ad.grad(getattr(getattr(stats, name), method), argnums=i)(*args)
            np.testing.assert_allclose(got, fd, rtol=1e-7, err_msg=f"{name}.{method} in {i}")


def test_normal_tails_are_accurate():
    x = np.array([-40.0, -10.0, 10.0, 40.0])
    np.testing.assert_allclose(stats.norm.logcdf(x), scipy_stats.norm.logcdf(x), rtol=1e-14)
    np.testing.assert_allclose(stats.norm.logsf(x), scipy_stats.norm.logsf(x), rtol=1e-14)
    g = ad.elementwise_grad(stats.norm.logcdf)(x)
    assert np.all(np.isfinite(g)) and abs(g[0] - 40.025) < 1e-3


def test_gamma_quantile_derivative_in_the_shape():
    # dx/da along P(a, x) = q, checked by the implicit function theorem with SciPy's values
    q, a = 0.3, 2.7
    x = stats.gamma.ppf(q, a)
    h = 1e-6
    fd = (scipy_stats.gamma.ppf(q, a + h) - scipy_stats.gamma.ppf(q, a - h)) / (2 * h)
    np.testing.assert_allclose(ad.grad(stats.gamma.ppf, argnums=1)(q, a), fd, rtol=1e-8)
    assert abs(float(x) - scipy_stats.gamma.ppf(q, a)) < 1e-14


# ---------------------------------------------------------------- discrete
DISCRETE = {
    "poisson": ([lambda: positive(0.5, 12.0, (1, 3))], lambda s: RNG.integers(0, 15, s), []),
    "bernoulli": ([lambda: positive(0.05, 0.95, (1, 3))], lambda s: RNG.integers(0, 2, s), []),
    "binom": ([lambda: RNG.integers(1, 20, (1, 3)), lambda: positive(0.05, 0.95, (4, 1))],
              lambda s: RNG.integers(0, 25, s), [1]),
    "geom": ([lambda: positive(0.05, 0.95, (1, 3))], lambda s: RNG.integers(1, 15, s), []),
    "nbinom": ([lambda: positive(0.5, 8.0, (1, 3)), lambda: positive(0.05, 0.95, (4, 1))],
               lambda s: RNG.integers(0, 15, s), []),
}


def discrete_case(name, method):
    """Counts and parameters; counts where ``method`` is -inf (off the support, or a log
    survival function of 0) are moved to the lowest count, where everything is finite."""
    samplers, draw, _ = DISCRETE[name]
    params = [s() for s in samplers]
    k = draw((4, 3)).astype(float)
    with np.errstate(all="ignore"):
        value = getattr(getattr(scipy_stats, name), method)(k, *params)
    lowest = 1.0 if name == "geom" else 0.0
    return [np.where(np.isfinite(value), k, lowest)] + params


@pytest.mark.parametrize("method", DISCRETE_METHODS)
@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_values_and_derivatives(name, method):
    args = discrete_case(name, method)
    f = getattr(getattr(stats, name), method)
    want = getattr(getattr(scipy_stats, name), method)(*args)
    assert_matches_scipy(f(*args), want, method, rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(want))
    fixed = {0} | set(DISCRETE[name][2])           # counts are not differentiated
    wrt = [i for i in range(len(args)) if i not in fixed]
    check_grads(partial(f, args, wrt), [args[i] for i in wrt], order=2)
    for i in wrt:
        g = partial(f, args, [i])
        np.testing.assert_allclose(ad.jacfwd(g)(args[i]), ad.jacrev(g)(args[i]), rtol=1e-11,
                                   atol=1e-300)


@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_discrete_values_off_the_support_and_with_loc(name):
    samplers, _, _ = DISCRETE[name]
    params = [np.broadcast_to(s(), (4, 3))[0, 0] for s in samplers]
    k = np.array([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 7.0, 30.0, 1e3])
    for method in DISCRETE_METHODS:
        with np.errstate(all="ignore"):
            for loc in (0, 2):
                got = getattr(getattr(stats, name), method)(k, *params, loc)
                want = getattr(getattr(scipy_stats, name), method)(k, *params, loc)
                assert_matches_scipy(got, want, f"{method} of {name}", rtol=1e-9, atol=1e-300,
                                     equal_nan=True)


def test_negative_binomial_logpmf_differentiates_in_n():
    k = np.array([0.0, 3.0, 10.0])
    check_grads(lambda n, p: stats.nbinom.logpmf(k, n, p), (2.5, 0.4), order=2)


# ---------------------------------------------------------------- multivariate normal
def spd(d):
    m = RNG.standard_normal((d, d))
    return m @ m.T + d * np.eye(d)


def symmetrized(f, argnum):
    def g(*args):
        args = list(args)
        args[argnum] = 0.5 * (args[argnum] + args[argnum].T)
        return f(*args)
    return g


@pytest.mark.parametrize("x_shape", [(4,), (6, 4), (2, 3, 4)])
def test_mvn_logpdf_values_and_derivatives(x_shape):
    x, mean, cov = RNG.standard_normal(x_shape), RNG.standard_normal(4), spd(4)
    np.testing.assert_allclose(mvn.logpdf(x, mean, cov),
                               scipy_stats.multivariate_normal.logpdf(x, mean, cov),
                               rtol=1e-12)
    np.testing.assert_allclose(mvn.pdf(x, mean, cov),
                               scipy_stats.multivariate_normal.pdf(x, mean, cov), rtol=1e-12)
    check_grads(symmetrized(mvn.logpdf, 2), (x, mean, cov), order=2)


def test_mvn_jacfwd_equals_jacrev_in_the_covariance():
    x, mean, cov = RNG.standard_normal((5, 3)), RNG.standard_normal(3), spd(3)
    f = symmetrized(lambda x, m, c: mvn.logpdf(x, m, c), 2)
    for i, arg in enumerate((x, mean, cov)):
        g = partial(f, (x, mean, cov), [i])
        np.testing.assert_allclose(ad.jacfwd(g)(arg), ad.jacrev(g)(arg), rtol=1e-10)


def test_mvn_diagonal_scalar_default_and_one_dimensional_covariances():
    x = RNG.standard_normal((5, 3))
    variances = positive(0.5, 2.0, 3)
    ref = scipy_stats.multivariate_normal
    np.testing.assert_allclose(mvn.logpdf(x, np.zeros(3), variances),
                               ref.logpdf(x, np.zeros(3), variances), rtol=1e-13)
    np.testing.assert_allclose(mvn.logpdf(x, np.zeros(3), 2.5),
                               ref.logpdf(x, np.zeros(3), 2.5), rtol=1e-13)
    np.testing.assert_allclose(mvn.logpdf(x[:, 0]), ref.logpdf(x[:, 0]), rtol=1e-13)
    np.testing.assert_allclose(mvn.logpdf(0.3, 0.1, 2.0), ref.logpdf(0.3, 0.1, 2.0), rtol=1e-13)
    check_grads(lambda x, v: mvn.logpdf(x, np.zeros(3), v), (x, variances), order=2)
    with pytest.raises(ValueError, match="does not fit"):
        mvn.logpdf(x, None, variances)
    check_grads(lambda x, s: mvn.logpdf(x, np.zeros(3), s), (x, 2.5), order=2)


def test_mvn_singular_constant_covariance():
    cov = np.diag([1.0, 2.0, 0.0, 0.0])
    mean = np.r_[RNG.standard_normal(2), 0.0, 0.0]
    x = np.r_[RNG.standard_normal(2), 0.0, 0.0]
    ref = scipy_stats.multivariate_normal.logpdf(x, mean, cov, allow_singular=True)
    np.testing.assert_allclose(mvn.logpdf(x, mean, cov, allow_singular=True), ref, rtol=1e-12)

    def along_support(x, mean):
        x = ad.numpy.concatenate([x[:2], mean[2:]])
        return mvn.logpdf(x, mean, cov, allow_singular=True)
    check_grads(along_support, (x, mean), order=2)


def test_mvn_entropy():
    cov = spd(3)
    np.testing.assert_allclose(mvn.entropy(np.zeros(3), cov),
                               scipy_stats.multivariate_normal.entropy(np.zeros(3), cov),
                               rtol=1e-13)
    check_grads(symmetrized(lambda c: mvn.entropy(None, c), 0), (cov,), order=2)


# ---------------------------------------------------------------- dirichlet
def test_dirichlet_values_and_derivatives():
    alpha = positive(1.2, 4.0, 4)
    x = scipy_stats.dirichlet.rvs(alpha, size=3, random_state=0).T      # (K, N)
    ref = scipy_stats.dirichlet
    np.testing.assert_allclose(stats.dirichlet.logpdf(x, alpha), ref.logpdf(x, alpha),
                               rtol=1e-13)
    np.testing.assert_allclose(stats.dirichlet.pdf(x[:, 0], alpha), ref.pdf(x[:, 0], alpha),
                               rtol=1e-13)
    np.testing.assert_allclose(stats.dirichlet.logpdf(x[:-1], alpha), ref.logpdf(x[:-1], alpha),
                               rtol=1e-13)

    def on_the_simplex(x, alpha):
        return stats.dirichlet.logpdf(x / ad.numpy.sum(x, axis=0), alpha)
    check_grads(on_the_simplex, (x, alpha), order=2)
    g = partial(on_the_simplex, (x, alpha), [1])
    np.testing.assert_allclose(ad.jacfwd(g)(alpha), ad.jacrev(g)(alpha), rtol=1e-11)
    with pytest.raises(ValueError, match="simplex"):
        stats.dirichlet.logpdf(np.array([0.5, 0.6, 0.1, 0.1]), alpha)


def test_rvs_is_scipy_sampler():
    draw = stats.norm.rvs(1.0, 2.0, size=4, random_state=3)
    np.testing.assert_array_equal(draw, scipy_stats.norm.rvs(1.0, 2.0, size=4, random_state=3))


def test_docstring_examples():
    import doctest
    import importlib
    for name in stats.__all__:
        module = importlib.import_module(f"dualad.scipy.stats.{name}")
        assert doctest.testmod(module).failed == 0, name


def test_lists_are_accepted_as_scipy_accepts_them():
    np.testing.assert_allclose(stats.norm.logpdf([0.1, 0.2], 0.0, 2.0),
                               scipy_stats.norm.logpdf([0.1, 0.2], 0.0, 2.0), rtol=1e-15)
    np.testing.assert_allclose(stats.poisson.logpmf([1, 2], 3.0),
                               scipy_stats.poisson.logpmf([1, 2], 3.0), rtol=1e-15)
    np.testing.assert_allclose(mvn.logpdf([0.1, 0.2], [0.0, 0.0], [[1.0, 0.0], [0.0, 2.0]]),
                               scipy_stats.multivariate_normal.logpdf(
                                   [0.1, 0.2], [0.0, 0.0], [[1.0, 0.0], [0.0, 2.0]]),
                               rtol=1e-15)
