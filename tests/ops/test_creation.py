"""Array creation passthrough, ``array``/``asarray`` of boxes, and the differentiable ``astype``."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad._core.backend import cupy_module
from dualad.testing import check_grads

X = np.array([0.5, -1.5, 2.0])

CONSTANTS = [
    ("zeros", ((2, 3),)), ("ones", (4,)), ("empty", ((0, 2),)), ("eye", (3,)),
    ("identity", (2,)), ("arange", (1.0, 3.0, 0.5)), ("linspace", (0.0, 1.0, 5)),
    ("full", ((2, 2), 7.0)),
]


@pytest.mark.parametrize("name, args", CONSTANTS, ids=[c[0] for c in CONSTANTS])
def test_constants_are_plain_numpy_arrays(name, args):
    out = getattr(dnp, name)(*args)
    expected = getattr(np, name)(*args)
    assert type(out) is np.ndarray and out.dtype == expected.dtype
    if name != "empty":
        np.testing.assert_array_equal(out, expected)
    assert getattr(dnp, name)(*args, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_like_functions_give_plain_arrays_of_the_box_shape(name, dtype):
    seen = []

    def f(x):
        out = getattr(dnp, name)(x)
        seen.append(out)
        return x * 2
    ad.jvp(f, (X.astype(dtype),), (X.astype(dtype),))
    ad.grad(lambda x: dnp.sum(f(x)))(X.astype(dtype))
    for out in seen:
        assert type(out) is np.ndarray and out.shape == X.shape and out.dtype == dtype


def test_full_like_matches_numpy():
    np.testing.assert_array_equal(dnp.full_like(X, 3.0), np.full_like(X, 3.0))
    assert dnp.full_like(ad.tensor(X), 1.0, dtype=np.float32).dtype == np.float32


def test_array_and_asarray_return_boxes_unchanged():
    d = ad.Dual(X, np.ones(3))
    assert dnp.asarray(d) is d
    assert dnp.array(d) is d
    t = ad.tensor(X, requires_grad=True)
    assert dnp.asarray(t) is t


def test_array_of_boxes_is_a_differentiable_stack():
    f = lambda x: dnp.array([[x[0] * x[1], 2.0], [x[2], dnp.sin(x[0])]])
    np.testing.assert_allclose(f(X), [[X[0] * X[1], 2.0], [X[2], np.sin(X[0])]])
    check_grads(f, (X,), order=2)
    np.testing.assert_array_equal(ad.jacfwd(f)(X), ad.jacrev(f)(X))
    g = ad.grad(lambda x: dnp.sum(dnp.array([x[0], x[2]]) ** 2))(X)
    np.testing.assert_array_equal(g, [1.0, 0.0, 4.0])


def test_full_with_a_boxed_fill_value_is_differentiable():
    f = lambda x: dnp.full((2, 2), x[1]) * dnp.full_like(x, x[0])[:2]
    check_grads(f, (X,), order=2)
    assert ad.grad(lambda x: dnp.sum(dnp.full(3, x[1])))(X).tolist() == [0.0, 3.0, 0.0]


def test_constants_refuse_differentiated_arguments():
    with pytest.raises(TypeError, match="dualad.numpy.arange"):
        ad.grad(lambda x: dnp.sum(dnp.arange(0.0, x[0], 0.5)))(X)
    with pytest.raises(TypeError, match="dualad.numpy.zeros_like"):
        ad.jvp(lambda x: dnp.zeros_like(X, shape=x), (X,), (X,))


def test_astype_between_floats_is_differentiable():
    x32 = X.astype(np.float32)
    f = lambda x: dnp.sin(dnp.astype(x, np.float64)) * 2
    assert f(x32).dtype == np.float64
    check_grads(f, (x32,), order=2)
    assert ad.grad(lambda x: dnp.sum(f(x)))(x32).dtype == np.float32
    g = lambda x: x.astype(np.float32) ** 2
    out, tangent = ad.jvp(g, (X,), (np.ones(3),))
    assert out.dtype == np.float32 and tangent.dtype == np.float32
    for transform, dtype in ((ad.jacfwd, np.float32), (ad.jacrev, np.float64)):
        jac = transform(g)(X)          # forward: the output's dtype; reverse: the input's
        assert jac.dtype == dtype
        np.testing.assert_allclose(jac, np.diag(2 * X), rtol=1e-6)


def test_astype_to_the_same_dtype_or_to_integers():
    d = ad.Dual(X, np.ones(3))
    assert dnp.astype(d, np.float64) is d
    ints = d.astype(np.int64)
    assert type(ints) is np.ndarray and ints.tolist() == [0, -1, 2]
    z = d.astype(np.complex128)   # to complex: differentiable
    assert z.dtype == np.complex128 and z.tangent.dtype == np.complex128
    with pytest.raises(TypeError, match="imaginary part"):
        z.astype(np.float64)   # back to real would drop the imaginary part
    assert dnp.astype([1, 2], np.float32).dtype == np.float32


@pytest.mark.skipif(cupy_module() is None, reason="CuPy is not installed")
def test_like_functions_follow_cupy():
    cp = cupy_module()
    x = cp.asarray(X)
    for name in ("zeros_like", "ones_like", "empty_like"):
        out = getattr(dnp, name)(ad.Dual(x, cp.ones(3)))
        assert isinstance(out, cp.ndarray) and out.shape == (3,)
    assert isinstance(dnp.full_like(x, 2.0), cp.ndarray)
    assert isinstance(dnp.asarray(x), cp.ndarray)
    _, tangent = ad.jvp(lambda v: v.astype(np.float32) * 2, (x,), (cp.ones(3),))
    assert isinstance(tangent, cp.ndarray) and tangent.dtype == np.float32
