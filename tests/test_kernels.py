"""Every Cython kernel against its NumPy reference of the same name."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dualad import _kernels
from dualad._kernels import reference

compiled = pytest.importorskip("dualad._kernels._unary")

DOMAIN = {"log": (0.1, 5), "log1p": (-0.9, 5), "sqrt": (0.1, 5), "tan": (-1.4, 1.4)}


def test_compiled_kernels_are_in_use():
    import os
    assert _kernels.COMPILED or os.environ.get("DUALAD_PUREPYTHON")


@pytest.mark.parametrize("op", _kernels.UNARY_OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary_kernel_parity(op, dtype):
    lo, hi = DOMAIN.get(op, (-5, 5))
    x = np.random.default_rng(0).uniform(lo, hi, (7, 11)).astype(dtype)
    x.flat[0] = 0.0 if lo < 0 else x.flat[0]
    y_ref, d_ref = getattr(reference, op + "_fwd")(x)
    y, d = getattr(compiled, op + "_fwd")(x)
    assert y.dtype == d.dtype == dtype and y.shape == d.shape == x.shape
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(y, y_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(d, d_ref, rtol=tol, atol=tol)


def test_edge_values():
    x = np.array([0.0, -0.0, 40.0, -40.0, 800.0, -800.0])
    for op in ("sigmoid", "tanh", "abs", "relu"):
        y, d = getattr(compiled, op + "_fwd")(x)
        y_ref, d_ref = getattr(reference, op + "_fwd")(x)
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))
        np.testing.assert_allclose(y, y_ref, atol=1e-15)
        np.testing.assert_allclose(d, d_ref, atol=1e-15)
    assert compiled.abs_fwd(np.zeros(1))[1][0] == 0.0
    assert compiled.relu_fwd(np.zeros(1))[1][0] == 0.0


@given(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=4),
       st.integers(1, 3), st.sampled_from([np.float64, np.float32]))
def test_unbroadcast_parity(shapes, k, dtype):
    (target,) = shapes.input_shapes
    full = shapes.result_shape
    # a cotangent with k batch rows and possibly extra leading axes
    x = np.random.default_rng(0).standard_normal((k, 2) + full).astype(dtype)
    got = compiled.unbroadcast(x, target, 1)
    want = reference.unbroadcast(x, target, 1)
    assert got.shape == want.shape == (k,) + tuple(target)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_dispatch_falls_back_for_other_inputs():
    kernel = _kernels.UNARY_FWD["sin"]
    strided = np.linspace(0, 1, 10)[::2]
    ints = np.arange(4)
    for x in (strided, ints, np.float64(0.3)):
        y, d = kernel(x)
        np.testing.assert_allclose(y, np.sin(x))
        np.testing.assert_allclose(d, np.cos(x))
