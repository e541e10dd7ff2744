"""Reductions (prod, max/min, var/std, cumsum, sum, mean) and dualad.special, in both modes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad import special
from dualad.testing import check_grads

X = np.array([[0.3, -1.2, 0.8, 1.5], [2.0, 0.4, -0.7, 1.1], [-0.5, 0.9, 1.3, -2.1]])
WITH_ZEROS = np.array([[0.3, 0.0, 0.8, 1.5], [2.0, 0.4, 0.0, 0.0], [-0.5, 0.9, 1.3, -2.1]])

# (label, dualad function, NumPy reference, input)
CASES = [
    ("prod", lambda x: dnp.prod(x), np.prod, X),
    ("prod-axis0", lambda x: dnp.prod(x, axis=0), lambda x: np.prod(x, axis=0), X),
    ("prod-axis-1-keep", lambda x: dnp.prod(x, -1, keepdims=True),
     lambda x: np.prod(x, -1, keepdims=True), X),
    ("prod-zeros", lambda x: dnp.prod(x, axis=1), lambda x: np.prod(x, axis=1), WITH_ZEROS),
    ("prod-zeros-all", lambda x: dnp.prod(x[:2, :2]), lambda x: np.prod(x[:2, :2]), WITH_ZEROS),
    ("prod-tuple", lambda x: dnp.prod(x[None], axis=(0, 2)),
     lambda x: np.prod(x[None], axis=(0, 2)), X),
    ("max", lambda x: dnp.max(x), np.max, X),
    ("max-axis1", lambda x: dnp.max(x, axis=1), lambda x: np.max(x, axis=1), X),
    ("amax-keep", lambda x: dnp.amax(x, 0, keepdims=True),
     lambda x: np.amax(x, 0, keepdims=True), X),
    ("min", lambda x: dnp.min(x), np.min, X),
    ("amin-axis0", lambda x: dnp.amin(x, axis=0), lambda x: np.amin(x, axis=0), X),
    ("var", lambda x: dnp.var(x), np.var, X),
    ("var-ddof-axis", lambda x: dnp.var(x, axis=1, ddof=1), lambda x: np.var(x, axis=1, ddof=1),
     X),
    ("std", lambda x: dnp.std(x), np.std, X),
    ("std-keep", lambda x: dnp.std(x, axis=(0,), keepdims=True, ddof=1),
     lambda x: np.std(x, axis=(0,), keepdims=True, ddof=1), X),
    ("cumsum", lambda x: dnp.cumsum(x), np.cumsum, X),
    ("cumsum-axis0", lambda x: dnp.cumsum(x, axis=0), lambda x: np.cumsum(x, axis=0), X),
    ("cumsum-axis-1", lambda x: dnp.cumsum(x * x, -1), lambda x: np.cumsum(x * x, -1), X),
    ("mean", lambda x: dnp.mean(x, axis=0), lambda x: np.mean(x, axis=0), X),
    ("logsumexp", lambda x: dnp.logsumexp(x), lambda x: np.log(np.sum(np.exp(x))), X),
    ("logsumexp-axis1", lambda x: special.logsumexp(x, axis=1),
     lambda x: np.log(np.sum(np.exp(x), axis=1)), X),
    ("logsumexp-keep", lambda x: special.logsumexp(x, axis=0, keepdims=True),
     lambda x: np.log(np.sum(np.exp(x), axis=0, keepdims=True)), X),
    ("softmax", lambda x: special.softmax(x, axis=1),
     lambda x: np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True), X),
    ("log_softmax", lambda x: special.log_softmax(x),
     lambda x: x - np.log(np.sum(np.exp(x))), X),
]


@pytest.mark.parametrize("f, ref, x", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules(f, ref, x):
    np.testing.assert_allclose(f(x), ref(x), rtol=1e-13, atol=1e-13)
    check_grads(f, (x,), order=2)
    np.testing.assert_allclose(ad.jacfwd(f)(x), ad.jacrev(f)(x), atol=1e-13)


@pytest.mark.parametrize("f, ref, x", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_float32_stays_float32(f, ref, x):
    x32 = x.astype(np.float32)
    value = f(x32)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, ref(x), rtol=1e-5, atol=1e-5)
    assert ad.jacrev(f)(x32).dtype == np.float32
    assert ad.jacfwd(f)(x32).dtype == np.float32


def _axes_and_shape():
    return st.lists(st.integers(1, 4), min_size=1, max_size=3).flatmap(
        lambda shape: st.tuples(
            st.just(tuple(shape)),
            st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                      st.sets(st.integers(0, len(shape) - 1), min_size=1).map(tuple)),
            st.booleans()))


REDUCTIONS = {
    "sum": (dnp.sum, np.sum), "mean": (dnp.mean, np.mean), "prod": (dnp.prod, np.prod),
    "max": (dnp.max, np.max), "min": (dnp.min, np.min), "var": (dnp.var, np.var),
    "std": (dnp.std, np.std),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@given(case=_axes_and_shape(), seed=st.integers(0, 2 ** 16))
def test_reductions_over_shapes_and_axes(name, case, seed):
    shape, axis, keepdims = case
    fun, ref = REDUCTIONS[name]
    x = np.random.default_rng(seed).uniform(0.5, 1.5, shape)   # distinct values: no ties
    f = lambda v: fun(v, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(f(x), ref(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    check_grads(f, (x,), order=1)
    np.testing.assert_allclose(ad.jacfwd(f)(x), ad.jacrev(f)(x), atol=1e-12)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_cumsum_over_shapes_and_axes(shape, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    x = np.linspace(-1.0, 2.0, int(np.prod(shape))).reshape(shape)
    f = lambda v: dnp.cumsum(v, axis=axis)
    np.testing.assert_allclose(f(x), np.cumsum(x, axis=axis), rtol=1e-12)
    check_grads(f, (x,), order=1)
    np.testing.assert_array_equal(ad.jacfwd(f)(x), ad.jacrev(f)(x))


@pytest.mark.parametrize("transform", [ad.jacfwd, ad.jacrev])
def test_max_min_ties_split_evenly(transform):
    x = np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(transform(dnp.max)(x), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(transform(dnp.min)(np.array([2.0, 2.0, 2.0, 5.0])),
                                  [1 / 3, 1 / 3, 1 / 3, 0.0])
    rows = np.array([[1.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(transform(lambda v: dnp.max(v, axis=1))(rows),
                                  [[[0.5, 0.5], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]]])


def test_max_method_and_grad_of_ties():
    assert ad.grad(lambda v: v.max())(np.array([1.0, 3.0, 3.0])).tolist() == [0.0, 0.5, 0.5]
    assert ad.grad(lambda v: v.min())(np.array([-4.0, 3.0])).tolist() == [1.0, 0.0]


def test_prod_derivative_is_exact_at_zeros():
    assert ad.grad(dnp.prod)(np.array([2.0, 0.0, 3.0])).tolist() == [0.0, 6.0, 0.0]
    assert ad.grad(dnp.prod)(np.array([0.0, 0.0, 3.0])).tolist() == [0.0, 0.0, 0.0]
    h = ad.hessian(dnp.prod)(np.array([0.0, 0.0, 3.0]))
    np.testing.assert_array_equal(h, [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    x = np.linspace(0.9, 1.1, 37)    # longer than one doubling step of the prefix scan
    np.testing.assert_allclose(ad.grad(dnp.prod)(x), np.prod(x) / x, rtol=1e-12)


def test_logsumexp_is_stable_with_softmax_gradient():
    x = np.array([1000.0, 1000.0, -np.inf, 999.0])
    value = special.logsumexp(x)
    np.testing.assert_allclose(value, 1000.0 + np.log(2 + np.exp(-1.0)))
    softmax = np.exp(np.array([0.0, 0.0, -np.inf, -1.0])) / (2 + np.exp(-1.0))
    for transform in (ad.grad, ad.jacfwd):
        g = transform(special.logsumexp)(x)
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g, softmax, rtol=1e-14)
    np.testing.assert_allclose(special.softmax(x), softmax, rtol=1e-14)
    assert np.all(np.isfinite(ad.hessian(special.logsumexp)(x)))
    assert special.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf


def test_logsumexp_rows_and_float32():
    x = np.array([[1000.0, 0.0], [-1000.0, -1000.0]], dtype=np.float32)
    value = dnp.logsumexp(x, axis=1)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, [1000.0, -1000.0 + np.log(2.0)], rtol=1e-6)
    g = ad.grad(lambda v: dnp.sum(dnp.logsumexp(v, axis=1)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(dnp.sum(special.softmax(x, axis=1), axis=1), [1.0, 1.0])


def test_methods_use_numpy_keywords():
    t = ad.tensor(X, requires_grad=True)
    y = (t.prod(axis=0).sum() + t.max(axis=1, keepdims=True).sum() + t.min()
         + t.var(ddof=1) + t.std(axis=0).sum() + t.cumsum(axis=1).sum() + t.mean())
    y.backward()
    expected = ad.grad(lambda v: (dnp.sum(dnp.prod(v, 0)) + dnp.sum(dnp.max(v, 1)) + dnp.min(v)
                                  + dnp.var(v, ddof=1) + dnp.sum(dnp.std(v, 0))
                                  + dnp.sum(dnp.cumsum(v, 1)) + dnp.mean(v)))(X)
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12)


@pytest.mark.parametrize("fun", [dnp.prod, dnp.max, dnp.min, dnp.var, dnp.std, dnp.cumsum,
                                 dnp.logsumexp])
def test_bad_axis_raises(fun):
    with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
        fun(X, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        ad.grad(lambda v: dnp.sum(fun(v, axis=-3)))(X)


@pytest.mark.parametrize("fun", [dnp.prod, dnp.max, dnp.var, dnp.logsumexp])
def test_repeated_axis_raises(fun):
    with pytest.raises(ValueError, match="repeated axis"):
        fun(X, axis=(0, -2))


def test_unsupported_keywords_raise():
    with pytest.raises(TypeError, match="out="):
        dnp.prod(X, out=np.empty(4))
    with pytest.raises(TypeError, match="initial="):
        dnp.max(X, initial=0.0)
    with pytest.raises(TypeError, match="where="):
        dnp.var(X, where=X > 0)


def test_dtype_argument_casts_first():
    x32 = X.astype(np.float32)
    assert dnp.prod(x32, dtype=np.float64).dtype == np.float64
    g = ad.grad(lambda v: dnp.var(v, dtype=np.float64))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, ad.grad(dnp.var)(X), rtol=1e-6)


def test_plain_inputs_match_numpy():
    lists = [[1.0, 2.0], [3.0, 0.0]]
    for fun in ("prod", "max", "min", "var", "std", "cumsum"):
        np.testing.assert_allclose(getattr(dnp, fun)(lists), getattr(np, fun)(lists))
    assert type(dnp.max(X, axis=0)) is np.ndarray
