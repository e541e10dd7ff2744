"""The training kernels (``_train.pyx``) against their NumPy references of the same names."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualad._kernels import TRAIN, train_reference as ref

compiled = pytest.importorskip("dualad._kernels._train")

DTYPES = [np.float64, np.float32]


def tol(dtype):
    return dict(rtol=2e-6, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-13)


@given(st.integers(1, 9), st.integers(1, 12), st.sampled_from(DTYPES), st.floats(0.1, 50))
def test_softmax_xent_parity(n, c, dtype, scale):
    rng = np.random.default_rng(n * 100 + c)
    z = (scale * rng.standard_normal((n, c))).astype(dtype)
    labels = rng.integers(0, c, n).astype(np.intp)
    loss, d = compiled.softmax_xent_fwd(z, labels)
    loss_ref, d_ref = ref.softmax_xent_fwd(z, labels)
    assert loss.dtype == d.dtype == dtype and loss.shape == (n,) and d.shape == (n, c)
    np.testing.assert_allclose(loss, loss_ref, **tol(dtype))
    np.testing.assert_allclose(d, d_ref, **tol(dtype))


@pytest.mark.parametrize("kernel", [compiled.softmax_xent_fwd, ref.softmax_xent_fwd])
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_xent_is_stable_for_huge_logits(kernel, dtype):
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4 + 1]], dtype=dtype)
    loss, d = kernel(z, np.array([2, 2], dtype=np.intp))
    np.testing.assert_allclose(loss, [2e4, -np.log(1 / (2 * np.exp(-1) + 1))], rtol=1e-6)
    np.testing.assert_allclose(d, [[1, 0, -1], [np.exp(-1) / (2 * np.exp(-1) + 1)] * 2 +
                                   [1 / (2 * np.exp(-1) + 1) - 1]], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 3])
def test_relu_pair_parity(dtype, k):
    x = np.random.default_rng(k).standard_normal((5, 7)).astype(dtype)
    x[0, :3] = [0.0, -0.0, np.nan]
    y = compiled.relu(x)
    np.testing.assert_array_equal(y, ref.relu(x))
    assert y.dtype == dtype
    g = np.random.default_rng(1).standard_normal((k, 5, 7)).astype(dtype)
    out = compiled.relu_bwd(g, y)
    np.testing.assert_array_equal(out, ref.relu_bwd(g, y))
    assert out[:, 0, 0].tolist() == [0.0] * k   # derivative 0 at 0


def _run_both(update, n_states, dtype, per_step, steps=4, **hyper):
    """Run ``steps`` updates with the compiled kernel and with the reference from the same
    start (zero states, as an optimiser begins); ``per_step(i)`` gives the keyword arguments
    that change with the step. Assert that the parameter and the states stay equal."""
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((6, 5)).astype(dtype)
    s0 = [np.zeros_like(p0) for _ in range(n_states)]
    grads = [rng.standard_normal(p0.shape).astype(dtype) for _ in range(steps)]
    runs = []
    for kernel in (getattr(compiled, update), getattr(ref, update)):
        p, states = p0.copy(), [s.copy() for s in s0]
        for i, g in enumerate(grads):
            kernel(p, g, *states, **hyper, **per_step(i))
        runs.append((p, states))
    (p, states), (p_ref, states_ref) = runs
    np.testing.assert_allclose(p, p_ref, **tol(dtype))
    for s, s_ref in zip(states, states_ref):
        np.testing.assert_allclose(s, s_ref, **tol(dtype))
    assert not np.array_equal(p, p0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, dampening, nesterov, weight_decay", [
    (0.0, 0.0, False, 0.0), (0.9, 0.0, False, 0.0), (0.9, 0.3, False, 0.01),
    (0.8, 0.0, True, 0.1)])
def test_sgd_update_parity(dtype, momentum, dampening, nesterov, weight_decay):
    _run_both("sgd_update", 1, dtype, lambda i: {"first": i == 0}, lr=0.1, momentum=momentum,
              dampening=dampening, nesterov=nesterov, weight_decay=weight_decay)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay, decoupled", [(0.0, False), (0.1, False), (0.1, True)])
def test_adam_update_parity(dtype, weight_decay, decoupled):
    _run_both("adam_update", 2, dtype, lambda i: {"step": i + 1}, lr=1e-2, beta1=0.9,
              beta2=0.999, eps=1e-8, weight_decay=weight_decay, decoupled=decoupled)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum, centered, weight_decay", [
    (0.0, False, 0.0), (0.5, False, 0.0), (0.0, True, 0.1), (0.5, True, 0.1)])
def test_rmsprop_update_parity(dtype, momentum, centered, weight_decay):
    _run_both("rmsprop_update", 3, dtype, lambda i: {}, lr=1e-2, alpha=0.99, eps=1e-8,
              weight_decay=weight_decay, momentum=momentum, centered=centered)


def test_dispatch_sends_other_layouts_to_the_reference():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 6))[:, ::2]              # strided: the reference serves
    labels = np.array([0, 1, 2, 1], dtype=np.intp)
    loss, d = TRAIN["softmax_xent_fwd"](z, labels)
    loss_c, d_c = compiled.softmax_xent_fwd(np.ascontiguousarray(z), labels)
    np.testing.assert_allclose(loss, loss_c, rtol=1e-13)
    np.testing.assert_allclose(d, d_c, rtol=1e-13, atol=1e-15)
    p = rng.standard_normal((3, 4))
    p_strided = np.asfortranarray(p)
    g = rng.standard_normal((3, 4))
    TRAIN["sgd_update"](p_strided, g, None, 0.5, 0.0, 0.0, False, 0.0, True)
    np.testing.assert_allclose(p_strided, p - 0.5 * g, rtol=1e-15)
