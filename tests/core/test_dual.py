"""Forward mode: Dual arrays, batched tangents, NumPy interoperability."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp


def test_dual_attributes_and_arithmetic():
    d = ad.Dual(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    assert d.shape == (2,) and d.ndim == 1 and d.dtype == np.float64
    y = dnp.sin(d) * 3.0 + d @ d
    np.testing.assert_allclose(y.primal, 3 * np.sin([1.0, 2.0]) + 5.0)
    np.testing.assert_allclose(y.tangent, 3 * np.cos([1.0, 2.0]) * [1, 0] + 2.0)


def test_batched_tangents_k_directions():
    x = np.array([0.5, 1.0, 2.0])
    d = ad.Dual(x, np.eye(3))
    y = dnp.exp(d) * d[0]
    assert y.tangent.shape == (3, 3)
    expected = np.diag(np.exp(x) * x[0])
    expected[0] += np.exp(x)
    np.testing.assert_allclose(y.tangent, expected)


def test_numpy_arrays_mix_on_either_side():
    d = ad.Dual(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    for y in (np.ones(2) + d, X @ d, 2.0 * d, d * np.ones(2), np.ones(2) - d):
        assert isinstance(y, ad.Dual)
    np.testing.assert_allclose((X @ d).tangent, X @ [1.0, 1.0])
    np.testing.assert_allclose(np.sin(d).tangent, np.cos([1.0, 2.0]))


def test_numpy_functions_without_counterpart_raise_instead_of_dropping():
    d = ad.Dual(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    with pytest.raises(TypeError, match="dualad.numpy"):
        np.frexp(d)
    with pytest.raises(TypeError, match="out="):
        np.sin(d, out=np.empty(2))


def test_dual_validation():
    with pytest.raises(ValueError, match="shape"):
        ad.Dual(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="dtype"):
        ad.Dual(np.ones(3), np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="int"):
        ad.Dual(np.arange(3), np.ones(3))
    assert ad.Dual(2.0, 1.0).tangent == 1.0


def test_float32_stays_float32():
    d = ad.Dual(np.ones(3, dtype=np.float32), np.ones(3, dtype=np.float32))
    y = dnp.tanh(d) * 2.0 + 1
    assert y.primal.dtype == np.float32 and y.tangent.dtype == np.float32


def test_comparisons_return_plain_arrays():
    d = ad.Dual(np.array([1.0, -2.0]), np.ones(2))
    mask = d > 0
    assert isinstance(mask, np.ndarray) and mask.tolist() == [True, False]
