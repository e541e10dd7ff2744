"""ad.fixed_point: HIPS autograd's signature, derivatives by the implicit function theorem in
both modes and to second order, over pytrees."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads


def newton_sqrt_iter(a):
    return lambda x: 0.5 * (x + a / x)


def grad_descent_sqrt_iter(a):
    return lambda x: x - 0.05 * (x ** 2 - a)


def distance(x, y):
    return np.abs(x - y)


def test_autograd_fixed_points_example():
    # autograd's examples/fixed_points.py, with its tolerance
    sqrt = lambda a: ad.fixed_point(newton_sqrt_iter, a, 10.0, distance, 1e-4)
    slow_sqrt = lambda a: ad.fixed_point(grad_descent_sqrt_iter, a, 10.0, distance, 1e-4)
    assert abs(sqrt(2.0) - np.sqrt(2.0)) < 1e-8
    assert abs(ad.grad(sqrt)(2.0) - 0.5 / np.sqrt(2.0)) < 1e-8
    assert abs(ad.grad(ad.grad(sqrt))(2.0) + 0.25 * 2.0 ** -1.5) < 1e-8
    # the slow iteration stops early: its derivatives are those of its own (less exact) limit
    assert abs(ad.grad(slow_sqrt)(2.0) - 0.5 / np.sqrt(2.0)) < 1e-3
    assert abs(ad.grad(ad.grad(slow_sqrt))(2.0) + 0.25 * 2.0 ** -1.5) < 1e-3


@pytest.mark.parametrize("transform", [
    lambda f: ad.jacfwd(f), lambda f: ad.jacrev(f), lambda f: ad.jacfwd(ad.jacfwd(f)),
    lambda f: ad.jacrev(ad.jacfwd(f)), lambda f: ad.jacfwd(ad.grad(f)), ad.hessian])
def test_every_mode_and_nesting(transform):
    sqrt = lambda a: ad.fixed_point(newton_sqrt_iter, a, 1.0, distance, 1e-13)
    exact = {1: 0.5 / np.sqrt(3.0), 2: -0.25 * 3.0 ** -1.5}
    got = transform(sqrt)(3.0)
    assert any(np.isclose(got, v, rtol=1e-9) for v in exact.values())


def _equilibrium(params, x0=np.zeros(3)):
    """x = tanh(W x + b): a small deep-equilibrium layer."""
    step = lambda p: lambda x: dnp.tanh(p["W"] @ x + p["b"])
    return ad.fixed_point(step, params, x0,
                          lambda x, y: np.max(np.abs(x - y)), 1e-14)


W = np.array([[0.3, -0.2, 0.1], [0.2, 0.25, -0.3], [-0.1, 0.15, 0.2]])
b = np.array([0.4, -0.3, 0.9])


def test_pytree_parameters_against_the_implicit_function_theorem():
    x = _equilibrium({"W": W, "b": b})
    np.testing.assert_allclose(x, np.tanh(W @ x + b), atol=1e-13)
    # dx/db = (I - D W)^-1 D with D = diag(1 - x^2)
    d = np.diag(1 - x ** 2)
    expected = np.linalg.solve(np.eye(3) - d @ W, d)
    fwd = ad.jacfwd(lambda v: _equilibrium({"W": W, "b": v}))(b)
    rev = ad.jacrev(lambda v: _equilibrium({"W": W, "b": v}))(b)
    np.testing.assert_allclose(fwd, expected, rtol=1e-10)
    np.testing.assert_allclose(rev, expected, rtol=1e-10)


def test_check_grads_to_second_order():
    f = lambda w, v: _equilibrium({"W": w, "b": v})
    check_grads(f, (W, b), order=2)
    jf = ad.jacfwd(f, argnums=(0, 1))(W, b)
    jr = ad.jacrev(f, argnums=(0, 1))(W, b)
    for x, y in zip(jf, jr):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-14)


def test_the_start_is_not_differentiated():
    g0 = ad.grad(lambda v: dnp.sum(_equilibrium({"W": W, "b": v})))(b)
    g1 = ad.grad(lambda v: dnp.sum(_equilibrium({"W": W, "b": v}, x0=np.ones(3))))(b)
    np.testing.assert_allclose(g0, g1, rtol=1e-10)


def test_two_argument_step_and_pytree_state():
    # f(a, x) also works, and the state may be a tuple
    def step(a, state):
        x, y = state
        return 0.5 * (x + a / x), 0.5 * y + a
    out = ad.fixed_point(step, 4.0, (1.0, 0.0),
                         lambda s, t: max(abs(s[0] - t[0]), abs(s[1] - t[1])), 1e-13)
    np.testing.assert_allclose([out[0], out[1]], [2.0, 8.0])
    g = ad.grad(lambda a: ad.fixed_point(step, a, (1.0, 0.0),
                                         lambda s, t: max(abs(s[0] - t[0]),
                                                          abs(s[1] - t[1])), 1e-13)[1])(4.0)
    assert np.isclose(g, 2.0)
