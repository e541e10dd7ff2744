"""One line per elementwise primitive: checked against central finite differences in float64,
forward and reverse mode, up to second order; jacfwd against jacrev; float32 kept."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

R = np.random.default_rng(0)
ANY = R.standard_normal((3, 4))
POS = R.uniform(0.5, 2.0, (3, 4))
UNIT = R.uniform(-0.9, 0.9, (3, 4))
GT1 = R.uniform(1.2, 3.0, (3, 4))
NONZERO = np.where(np.abs(ANY) < 0.2, 0.5, ANY)

UNARY = [
    (dnp.exp, ANY), (dnp.expm1, ANY), (dnp.exp2, ANY), (dnp.log, POS), (dnp.log1p, POS),
    (dnp.log2, POS), (dnp.log10, POS), (dnp.sin, ANY), (dnp.cos, ANY), (dnp.tan, UNIT),
    (dnp.arcsin, UNIT), (dnp.arccos, UNIT), (dnp.arctan, ANY), (dnp.sinh, ANY),
    (dnp.cosh, ANY), (dnp.tanh, ANY), (dnp.arcsinh, ANY), (dnp.arccosh, GT1),
    (dnp.arctanh, UNIT), (dnp.sqrt, POS), (dnp.cbrt, POS), (dnp.square, ANY),
    (dnp.reciprocal, POS), (dnp.negative, ANY), (dnp.abs, NONZERO), (dnp.sigmoid, ANY),
    (dnp.relu, NONZERO), (dnp.sinc, ANY),
]

BINARY = [
    (dnp.add, ANY, POS), (dnp.subtract, ANY, POS), (dnp.multiply, ANY, POS),
    (dnp.divide, ANY, POS), (dnp.power, POS, ANY), (dnp.arctan2, ANY, POS),
    (dnp.logaddexp, ANY, POS), (dnp.maximum, ANY, POS), (dnp.minimum, ANY, POS),
    (dnp.mod, ANY, POS), (dnp.fmod, ANY, POS), (dnp.hypot, ANY, POS), (dnp.logaddexp2, ANY, POS),
]


def _id(p):
    return getattr(p, "__name__", str(p))


@pytest.mark.parametrize("fun,x", UNARY, ids=[_id(f) for f, _ in UNARY])
def test_unary_rules(fun, x):
    check_grads(fun, (x,), order=2)
    np.testing.assert_allclose(ad.jacfwd(fun)(x), ad.jacrev(fun)(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fun,x", UNARY, ids=[_id(f) for f, _ in UNARY])
def test_unary_values_match_numpy_and_keep_float32(fun, x):
    x32 = x.astype(np.float32)
    assert ad.grad(lambda v: dnp.sum(fun(v)))(x32).dtype == np.float32
    assert ad.jvp(fun, (x32,), (np.ones_like(x32),))[1].dtype == np.float32
    got = ad.jvp(fun, (x,), (np.ones_like(x),))[0]
    np.testing.assert_allclose(got, fun(x), rtol=1e-14)


@pytest.mark.parametrize("fun,x,y", BINARY, ids=[_id(f) for f, _, _ in BINARY])
def test_binary_rules(fun, x, y):
    check_grads(fun, (x, y), order=2)
    # broadcasting in both directions
    check_grads(fun, (x[:1], y[:, :1]), order=1)
    for argnums in (0, 1, (0, 1)):
        jf = ad.jacfwd(fun, argnums)(x, y)
        jr = ad.jacrev(fun, argnums)(x, y)
        for a, b in zip(jf if isinstance(argnums, tuple) else [jf],
                        jr if isinstance(argnums, tuple) else [jr]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_where_and_clip():
    x = np.array([-2.0, -0.5, 0.3, 1.7])
    check_grads(lambda v: dnp.where(v > 0, dnp.sin(v), v * v), (x,))
    check_grads(lambda v: dnp.clip(v, -1.0, 1.0) * v, (x,))
    np.testing.assert_allclose(ad.grad(lambda v: dnp.sum(dnp.clip(v, -1.0, 1.0)))(
        np.array([-1.0, 0.0, 1.0, 2.0])), [1.0, 1.0, 1.0, 0.0])


def test_power_edge_cases():
    assert ad.grad(lambda x: x ** 0.0)(0.0) == 0.0
    assert ad.grad(lambda y: 0.0 ** y, )(2.0) == 0.0
    assert ad.grad(lambda x: x ** 2)(0.0) == 0.0
    assert ad.grad(lambda x: x ** 3)(2.0) == 12.0


def test_nondifferentiable_points():
    assert ad.grad(dnp.abs)(0.0) == 0.0
    assert ad.grad(lambda x: dnp.maximum(x, 0.0))(0.0) == 0.0
    assert ad.grad(lambda x: dnp.maximum(0.0, x))(0.0) == 0.0
    assert ad.grad(dnp.relu)(0.0) == 0.0
    # ties split evenly between the tied inputs
    gx, gy = ad.grad(dnp.maximum, (0, 1))(1.0, 1.0)
    assert gx == gy == 0.5
    gx, gy = ad.grad(dnp.minimum, (0, 1))(2.0, 2.0)
    assert gx == gy == 0.5
    assert ad.grad(lambda x: dnp.maximum(x, 1.0))(1.0) == 0.5


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       st.sampled_from([dnp.multiply, dnp.add, dnp.divide, dnp.subtract, dnp.maximum]))
def test_broadcasting_binary_both_modes(shapes_, fun):
    (sa, sb), _ = shapes_.input_shapes, shapes_.result_shape
    rng = np.random.default_rng(1)
    a = rng.standard_normal(sa)
    b = rng.uniform(0.5, 1.5, sb)
    check_grads(fun, (a, b), order=1)
    ja = ad.jacfwd(fun, (0, 1))(a, b)
    jr = ad.jacrev(fun, (0, 1))(a, b)
    for u, v in zip(ja, jr):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-12)


@given(hnp.arrays(np.float64, shapes, elements=st.floats(-3, 3)),
       st.sampled_from([dnp.sin, dnp.tanh, dnp.exp, dnp.sigmoid, dnp.arctan]))
def test_unary_any_shape(x, fun):
    check_grads(fun, (x,), order=1)
