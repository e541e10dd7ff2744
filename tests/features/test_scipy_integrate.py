"""dualad.scipy.integrate.odeint: values against scipy.integrate.odeint, derivatives in y0, t and
args against central finite differences (taken at tight tolerances, where the solver's noise is
far below the difference step), forward sensitivities against the adjoint method, second order,
and against JAX's odeint where JAX is installed."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.scipy import integrate
from dualad.scipy.integrate import odeint
from dualad.testing import check_grads

SI = pytest.importorskip("scipy.integrate")
TIGHT = dict(rtol=1e-12, atol=1e-12)


def decay(y, t, k):
    return -k * y


def lotka_volterra(y, t, a, b):
    return dnp.stack([a * y[0] - b * y[0] * y[1], -y[1] + b * y[0] * y[1]])


def robertson(y, t, k):
    """Robertson's kinetics: rate constants 0.04, 3e7, 1e4 make it stiff."""
    return dnp.stack([-k[0] * y[0] + k[2] * y[1] * y[2],
                      k[0] * y[0] - k[2] * y[1] * y[2] - k[1] * y[1] ** 2,
                      k[1] * y[1] ** 2])


def forced(y, t, w):
    """Time-dependent: the derivative in the times has a d f / d t part."""
    return dnp.stack([y[1], -w * y[0] + dnp.sin(t)])


K_ROB = np.array([0.04, 3e7, 1e4])


def numeric(func, *args):
    """``func`` on plain NumPy values, for SciPy."""
    return lambda y, t: np.asarray(func(y, t, *args))


def central_jacobian(f, args, i, eps):
    """d f / d args[i] by central differences: shape f.shape + args[i].shape."""
    x = np.array(args[i], dtype=float)
    columns = []
    for j in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[j] = eps * max(1.0, abs(x[j]))
        plus = list(args)
        plus[i] = x + step
        minus = list(args)
        minus[i] = x - step
        columns.append((np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * step[j]))
    out = np.stack(columns, axis=-1)
    return out.reshape(np.shape(f(*args)) + x.shape)


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize("func, y0, t, args, tol", [
    (decay, np.array([1.0, -2.0]), np.linspace(0.0, 3.0, 7), (0.8,), {}),
    (lotka_volterra, np.array([1.0, 0.5]), np.linspace(0.0, 5.0, 11), (1.2, 0.7), {}),
    (forced, np.array([0.3, 0.0]), np.linspace(1.0, 4.0, 5), (2.0,), {}),
    (robertson, np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.4, 4.0, 40.0]), (K_ROB,),
     dict(rtol=1e-8, atol=1e-12)),
])
def test_values_match_scipy_odeint(func, y0, t, args, tol):
    options = {"rtol": 1.4e-8, "atol": 1.4e-8, **tol}
    got = odeint(func, y0, t, *args, **options)
    want = SI.odeint(numeric(func, *args), y0, t, **options)
    assert got.shape == want.shape == (len(t),) + y0.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-10)


def test_exponential_decay_is_exact_to_tolerance():
    t = np.linspace(0.0, 2.0, 5)
    np.testing.assert_allclose(odeint(decay, 3.0, t, 1.5, **TIGHT), 3.0 * np.exp(-1.5 * t),
                               rtol=1e-10)


def test_decreasing_times_integrate_backwards():
    t = np.array([2.0, 1.0, 0.0])
    np.testing.assert_allclose(odeint(decay, 1.0, t, 0.5, **TIGHT), np.exp(0.5 * (2.0 - t)),
                               rtol=1e-10)
    grad = ad.grad(lambda k: odeint(decay, 1.0, t, k, **TIGHT)[-1])(0.5)
    np.testing.assert_allclose(grad, 2.0 * np.exp(1.0), rtol=1e-8)


def test_pytree_state_and_arguments():
    def oscillator(state, t, params):
        return {"x": state["v"], "v": -params["w"] ** 2 * state["x"]}
    t = np.linspace(0.0, 1.0, 4)
    ys = odeint(oscillator, {"x": 1.0, "v": 0.0}, t, {"w": 2.0}, **TIGHT)
    np.testing.assert_allclose(ys["x"], np.cos(2.0 * t), atol=1e-10)
    np.testing.assert_allclose(ys["v"], -2.0 * np.sin(2.0 * t), atol=1e-10)
    grad = ad.grad(lambda w: odeint(oscillator, {"x": 1.0, "v": 0.0}, t, {"w": w},
                                    **TIGHT)["x"][-1])(2.0)
    np.testing.assert_allclose(grad, -np.sin(2.0), rtol=1e-8)   # d/dw cos(w t) at t = 1


def test_scipy_and_autograd_argument_spellings():
    t = np.linspace(0.0, 1.0, 3)
    a = np.array([[-0.1, 2.0], [-2.0, -0.1]])

    def linear(y, t, a):
        return dnp.dot(y, a)
    want = odeint(linear, np.ones(2), t, a)
    np.testing.assert_array_equal(odeint(linear, np.ones(2), t, args=(a,)), want)
    np.testing.assert_array_equal(odeint(linear, np.ones(2), t, (a,)), want)   # autograd


# ---------------------------------------------------------------------------- derivatives
def test_lotka_volterra_gradients_in_y0_t_and_args():
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 2.0, 5)
    args = (y0, t, 1.2, 0.7)

    def loss(y0, t, a, b):
        return dnp.sum(odeint(lotka_volterra, y0, t, a, b, **TIGHT) ** 2)
    grads = ad.grad(loss, argnums=(0, 1, 2, 3))(*args)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, central_jacobian(loss, args, i, 1e-5), rtol=1e-6,
                                   atol=1e-7)


def test_forced_system_derivative_in_every_time():
    y0, t = np.array([0.3, -0.2]), np.array([1.0, 1.7, 2.5, 4.0])

    def trajectory(t, w):
        return odeint(forced, y0, t, w, **TIGHT)
    for jacobian in (ad.jacrev(trajectory, argnums=(0, 1))(t, 2.0),
                     ad.jacfwd(trajectory, argnums=(0, 1))(t, 2.0)):
        for i in range(2):
            np.testing.assert_allclose(jacobian[i], central_jacobian(trajectory, (t, 2.0), i,
                                                                     1e-5), atol=1e-7)


def test_stiff_robertson_gradients_both_modes():
    y0, t = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.5, 5.0])
    stiff = dict(rtol=1e-10, atol=1e-14)
    weights = np.array([1.0, 1e4, 2.0])

    def observed(y0, k):
        return dnp.sum(odeint(robertson, y0, t, k, **stiff)[1:] * weights)
    rev = ad.grad(observed, argnums=(0, 1))(y0, K_ROB)
    fwd = ad.jacfwd(observed, argnums=(0, 1))(y0, K_ROB)
    for i in range(2):
        np.testing.assert_allclose(rev[i], fwd[i], rtol=1e-6, atol=1e-13)
        # relative steps: the rate constants span nine orders of magnitude
        np.testing.assert_allclose(rev[i], central_jacobian(observed, (y0, K_ROB), i, 1e-5),
                                   rtol=1e-4, atol=1e-12)


def test_jacfwd_matches_jacrev():
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 1.5, 4)

    def trajectory(y0, t, a):
        return odeint(lotka_volterra, y0, t, a, 0.7, **TIGHT)
    fwd = ad.jacfwd(trajectory, argnums=(0, 1, 2))(y0, t, 1.2)
    rev = ad.jacrev(trajectory, argnums=(0, 1, 2))(y0, t, 1.2)
    for f, r in zip(fwd, rev):
        assert f.shape == r.shape
        np.testing.assert_allclose(f, r, rtol=1e-7, atol=1e-9)


def test_second_order_both_modes():
    t = np.array([0.0, 0.6, 1.2])

    def f(y0, w):
        return odeint(forced, y0, t, w, **TIGHT)[1:]
    check_grads(f, (np.array([0.4, -0.3]), 1.7), modes=("fwd", "rev"), order=2, eps=1e-4,
                rtol=1e-6)


def test_hessian_in_a_rate():
    t = np.array([0.0, 1.0])

    def f(k):
        return odeint(decay, 2.0, t, k, **TIGHT)[-1]      # 2 e^(-k)
    np.testing.assert_allclose(ad.hessian(f)(0.3), 2.0 * np.exp(-0.3), rtol=1e-8)
    np.testing.assert_allclose(ad.grad(ad.grad(f))(0.3), 2.0 * np.exp(-0.3), rtol=1e-8)


def test_single_time_is_the_initial_state():
    t = np.array([0.5])
    np.testing.assert_array_equal(odeint(decay, np.ones(2), t, 1.0), np.ones((1, 2)))
    g = ad.grad(lambda y0, t: dnp.sum(odeint(decay, y0, t, 1.0)), argnums=(0, 1))(np.ones(2), t)
    np.testing.assert_array_equal(g[0], np.ones(2))
    np.testing.assert_array_equal(g[1], np.zeros(1))


# ---------------------------------------------------------------------------- errors
def test_closing_over_a_differentiated_value_is_refused():
    t = np.linspace(0.0, 1.0, 3)
    with pytest.raises(TypeError, match="closes over .* extra argument"):
        ad.grad(lambda k: dnp.sum(odeint(lambda y, s: -k * y, np.ones(2), t)))(0.5)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="strictly increasing"):
        odeint(decay, 1.0, np.array([0.0, 1.0, 0.5]), 1.0)
    with pytest.raises(ValueError, match="func must return"):
        odeint(lambda y, t: dnp.stack([y[0]]), np.ones(2), np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="complex"):
        odeint(decay, np.ones(2) + 1j, np.array([0.0, 1.0]), 1.0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        odeint(decay, 1.0, np.array([0.0, 1.0]), 1.0, Dfun=None)
    with pytest.raises(RuntimeError, match="mxstep"):
        odeint(decay, 1.0, np.array([0.0, 100.0]), 1.0, mxstep=3)


def test_trapezoid_is_reexported():
    assert integrate.trapezoid is dnp.trapezoid


# ---------------------------------------------------------------------------- JAX
def test_agrees_with_jax_odeint():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.experimental.ode import odeint as jax_odeint
    jnp = jax.numpy
    y0, t = np.array([1.0, 0.5]), np.linspace(0.0, 2.0, 5)

    def jax_lv(y, t, a, b):
        return jnp.stack([a * y[0] - b * y[0] * y[1], -y[1] + b * y[0] * y[1]])

    def jax_loss(y0, t, a, b):
        return jnp.sum(jax_odeint(jax_lv, y0, t, a, b, **TIGHT) ** 2)

    def loss(y0, t, a, b):
        return dnp.sum(odeint(lotka_volterra, y0, t, a, b, **TIGHT) ** 2)
    args = (y0, t, 1.2, 0.7)
    ours = ad.grad(loss, argnums=(0, 1, 2, 3))(*args)
    theirs = jax.grad(jax_loss, argnums=(0, 1, 2, 3))(*args)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------- the example
def test_parameter_fitting_example_gradient():
    import importlib
    import pathlib
    import sys
    examples = str(pathlib.Path(__file__).resolve().parents[2] / "examples")
    sys.path.insert(0, examples)
    try:
        ex = importlib.import_module("ode_fit_params")
    finally:
        sys.path.remove(examples)
    t, data = ex.make_data(6)
    value, grad = ad.value_and_grad(ex.loss)(ex.START, t, data)
    np.testing.assert_allclose(value, ex.loss(ex.START, t, data))
    fd = central_jacobian(lambda p: ex.loss(p, t, data), (ex.START,), 0, 1e-4)
    np.testing.assert_allclose(grad, fd, rtol=1e-4)


def test_autograd_style_call_second_order():
    """HIPS autograd's own case: a positional args tuple, derivatives in y0, t and the tuple."""
    rng = np.random.default_rng(1)

    def func(y, t, arg1, arg2):
        return -dnp.sqrt(t) - y + arg1 - dnp.mean((y + arg2) ** 2)
    check_grads(lambda y0, t, args: odeint(func, y0, t, args),
                (rng.standard_normal(3), np.linspace(0.1, 0.2, 4),
                 (rng.standard_normal(3), rng.standard_normal(3))), modes=("fwd", "rev"), order=2)


def test_many_reverse_directions_go_in_chunks(monkeypatch):
    monkeypatch.setattr(integrate, "_ADJOINT_STATES", 7)    # 3 states + 2 args: 1 at a time
    t = np.linspace(0.0, 1.0, 3)

    def trajectory(y0, a):
        return odeint(lambda y, s, a: dnp.stack([a[0] * y[1], -a[1] * y[0], -y[2]]), y0, t, a,
                      **TIGHT)
    args = (np.array([1.0, 0.5, 2.0]), np.array([1.3, 0.7]))
    rev = ad.jacrev(trajectory, argnums=(0, 1))(*args)
    fwd = ad.jacfwd(trajectory, argnums=(0, 1))(*args)
    for r, f in zip(rev, fwd):
        np.testing.assert_allclose(r, f, rtol=1e-8, atol=1e-10)
