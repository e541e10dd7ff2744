"""NumPy's whole namespace in dualad.numpy: aliases, compositions, and NumPy's own functions
under the never-a-silent-constant rule (dualad/numpy/_passthrough.py)."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

X = np.array([0.3, -1.2, 2.0, 0.7])


def test_every_public_numpy_name_is_reachable():
    housekeeping = {"test", "show_config", "show_runtime", "info", "get_include"}
    missing = [n for n in dir(np) if not n.startswith("_") and n not in housekeeping
               and not hasattr(dnp, n)]
    assert missing == []


def test_autograd_numpy_names_are_reachable():
    anp = pytest.importorskip("autograd.numpy")
    internals = {"Box", "array_from_args", "builtins", "c_class", "concatenate_args",
                 "custom_where", "make_diagonal", "metadata", "notrace_functions",
                 "notrace_primitive", "numpy_boxes", "numpy_jvps", "numpy_version",
                 "numpy_vjps", "numpy_vspaces", "numpy_wrapper", "parse_einsum_input",
                 "primitive", "r_class", "warnings", "wrap_if_boxes_inside", "wrap_intdtype",
                 "wrap_namespace"}
    housekeeping = {"test", "show_config", "show_runtime", "info", "get_include"}
    missing = [n for n in dir(anp) if not n.startswith("_") and n not in internals | housekeeping
               and not hasattr(dnp, n)]
    assert missing == []


@pytest.mark.parametrize("alias,name", [("acos", "arccos"), ("asinh", "arcsinh"),
                                        ("atan2", "arctan2"), ("pow", "power"),
                                        ("concat", "concatenate"), ("permute_dims", "transpose")])
def test_aliases_are_the_differentiable_functions(alias, name):
    assert getattr(dnp, alias) is getattr(dnp, name)


@pytest.mark.parametrize("fun", [
    lambda x: dnp.vdot(x, x ** 2), lambda x: dnp.cov(dnp.stack([x, x ** 2])),
    lambda x: dnp.corrcoef(dnp.stack([x, dnp.sin(x)])), lambda x: dnp.positive(x) * x,
    lambda x: dnp.matrix_transpose(dnp.reshape(x, (2, 2))), lambda x: dnp.copy(x) * x,
    lambda x: dnp.nanprod(x), lambda x: dnp.nancumsum(x),
    lambda x: dnp.nanmedian(x), lambda x: dnp.nanpercentile(x, 30.0),
], ids=["vdot", "cov", "corrcoef", "positive", "matrix_transpose", "copy", "nanprod",
        "nancumsum", "nanmedian", "nanpercentile"])
def test_compositions_differentiate(fun):
    check_grads(fun, (X,), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("name,args", [("vdot", (X, X)), ("cov", (np.stack([X, X ** 2]),)),
                                       ("corrcoef", (np.stack([X, X ** 2]),)),
                                       ("nanmedian", (X,)), ("nanpercentile", (X, 30.0))])
def test_compositions_match_numpy(name, args):
    np.testing.assert_allclose(getattr(dnp, name)(*args), getattr(np, name)(*args))


def test_nan_aware_compositions_skip_nans():
    x = np.array([1.0, np.nan, 3.0])
    assert dnp.nanprod(x) == 3.0 and dnp.nanmedian(x) == 2.0
    np.testing.assert_allclose(ad.grad(dnp.nanprod)(x), [3.0, 0.0, 1.0])


def test_numpy_functions_never_answer_a_silent_constant():
    with pytest.raises(TypeError, match="numpy.unique is not differentiable"):
        ad.grad(lambda x: dnp.sum(dnp.unique(x)))(X)          # float result: would be a constant
    mask = ad.grad(lambda x: dnp.sum(x * dnp.isin(x, [2.0])))(X)   # boolean result: allowed
    np.testing.assert_allclose(mask, [0, 0, 1, 0])
    assert dnp.unique(np.array([2.0, 1.0, 2.0])).tolist() == [1.0, 2.0]   # plain values: NumPy
    with pytest.raises(TypeError, match="does not support out="):
        dnp.choose(np.array([0, 1]), [np.zeros(2), np.ones(2)], np.empty(2))
    assert dnp.random.randn is np.random.randn and dnp.float16 is np.float16


def test_in_place_functions_work_on_plain_arrays_and_refuse_traced_values():
    a = np.zeros((2, 2))
    dnp.fill_diagonal(a, 3.0)
    assert a.tolist() == [[3.0, 0.0], [0.0, 3.0]]
    with pytest.raises(TypeError, match=r"at\[i\]\.set"):
        ad.grad(lambda x: dnp.sum(dnp.fill_diagonal(np.zeros((2, 2)), x) or x))(1.0)


def test_autograd_names_that_numpy_lacks():
    import dualad.numpy.random as npr
    assert npr.randn(2).shape == (2,) and dnp.__version__ == np.__version__
    np.testing.assert_allclose(dnp.make_diagonal(np.array([[1.0, 2.0]])), [[[1.0, 0.0],
                                                                           [0.0, 2.0]]])
    check_grads(lambda d: dnp.make_diagonal(d), (X,), modes=("fwd", "rev"), order=2)
    check_grads(lambda z: dnp.real_if_close(z), (X + 0.1j,), modes=("fwd", "rev"), order=2)
    assert dnp.real_if_close(np.array([1.0 + 0j])).dtype == np.float64


@pytest.mark.parametrize("num,endpoint", [(5, True), (5, False), (1, True), (0, True)])
def test_linspace_is_differentiable_in_its_endpoints(num, endpoint):
    f = lambda a, b: dnp.linspace(a, b, num, endpoint=endpoint)
    np.testing.assert_allclose(f(ad.Dual(1.2, 1.0), 3.4).primal,
                               np.linspace(1.2, 3.4, num, endpoint=endpoint))
    check_grads(f, (np.array(1.2), np.array(-3.4)), modes=("fwd", "rev"), order=2)
    check_grads(f, (np.array([1.2, 0.5]), np.array(3.4)), modes=("fwd", "rev"), order=2)


def test_where_takes_numpys_keywords_and_one_argument():
    c = np.array([True, False])
    assert dnp.where(condition=c, x=1.0, y=np.array([5.0, 6.0])).tolist() == [1.0, 6.0]
    assert dnp.where(c)[0].tolist() == [0]
    with pytest.raises(ValueError, match="both x and y"):
        dnp.where(c, 1.0)
