"""The functional transforms of API.md section 1, their shapes, structures and compositions."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp


def f_scalar(x):
    return dnp.sum(dnp.sin(x) * dnp.exp(-x * x) + dnp.tanh(x))


def df_scalar(x):
    return (np.cos(x) * np.exp(-x * x) - 2 * x * np.sin(x) * np.exp(-x * x)
            + 1 - np.tanh(x) ** 2)


X = np.linspace(-1.0, 1.3, 5)


def test_grad_matches_hand_derivative():
    np.testing.assert_allclose(ad.grad(f_scalar)(X), df_scalar(X), rtol=1e-12, atol=1e-15)


def test_grad_of_python_scalar_and_float32():
    assert ad.grad(lambda x: x * x * x)(2.0) == 12.0
    g = ad.grad(f_scalar)(X.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, df_scalar(X), rtol=1e-5, atol=1e-6)


def test_argnums_tuple_and_value_and_grad():
    f = lambda a, b, c: dnp.sum(a * b) + c * 2.0
    a, b = np.arange(3.0), np.ones(3)
    ga, gc = ad.grad(f, argnums=(0, 2))(a, b, 1.5)
    np.testing.assert_array_equal(ga, b)
    assert gc == 2.0
    value, (gb,) = ad.value_and_grad(f, argnums=(1,))(a, b, 1.0)
    assert value == pytest.approx(5.0)
    np.testing.assert_array_equal(gb, a)
    assert ad.grad(f, argnums=-1)(a, b, 1.0) == 2.0


def test_has_aux():
    def f(x):
        y = dnp.sum(x ** 2)
        return y, {"y": y, "twice": 2 * x}
    (value, aux), g = ad.value_and_grad(f, has_aux=True)(X)
    np.testing.assert_allclose(g, 2 * X)
    assert value == pytest.approx(np.sum(X ** 2))
    assert isinstance(aux["twice"], np.ndarray)
    np.testing.assert_allclose(aux["twice"], 2 * X)
    g2, aux2 = ad.grad(f, has_aux=True)(X)
    np.testing.assert_allclose(g2, g)


def test_pytrees_in_grad():
    params = {"w": np.ones((2, 3)), "b": [np.zeros(2), 0.5], "t": (np.arange(2.0),)}

    def loss(p, x):
        h = p["w"] @ x + p["b"][0] + p["b"][1] * p["t"][0]
        return dnp.sum(h ** 2)
    x = np.array([1.0, 2.0, 3.0])
    g = ad.grad(loss)(params, x)
    assert set(g) == {"w", "b", "t"} and isinstance(g["b"], list) and isinstance(g["t"], tuple)
    h = params["w"] @ x + params["b"][1] * params["t"][0]
    np.testing.assert_allclose(g["w"], 2 * np.outer(h, x))
    np.testing.assert_allclose(g["b"][0], 2 * h)
    assert g["b"][1] == pytest.approx(np.sum(2 * h * params["t"][0]))


def test_jvp_single_and_batched_directions():
    out, t = ad.jvp(f_scalar, (X,), (np.ones_like(X),))
    assert out == pytest.approx(f_scalar(X))
    assert t == pytest.approx(np.sum(df_scalar(X)))
    V = np.eye(5)[:3]
    out, T = ad.jvp(lambda x: dnp.sin(x) * 2, (X,), (V,))
    assert T.shape == (3, 5)
    np.testing.assert_allclose(T, V * 2 * np.cos(X))


def test_vjp_callable_many_times():
    A = np.arange(6.0).reshape(2, 3)
    out, pullback = ad.vjp(lambda x, y: A @ x * y, np.ones(3), 2.0)
    np.testing.assert_allclose(out, A @ np.ones(3) * 2)
    for ct in (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0])):
        gx, gy = pullback(ct)
        np.testing.assert_allclose(gx, 2 * ct @ A)
        assert gy == pytest.approx(ct @ A @ np.ones(3))


@pytest.mark.parametrize("fun,x", [
    (lambda x: dnp.tanh(np.arange(12.0).reshape(4, 3) @ x), np.linspace(0, 1, 3)),
    (lambda x: dnp.sin(x)[:, None] * x, np.linspace(0, 1, 4)),
    (lambda x: dnp.sum(x ** 2, axis=0), np.ones((3, 2))),
    (lambda x: x[1:] * x[:-1], np.arange(1.0, 5.0)),
])
def test_jacobians_agree_and_have_the_documented_shape(fun, x):
    out = fun(x)
    jf, jr = ad.jacfwd(fun)(x), ad.jacrev(fun)(x)
    assert jf.shape == jr.shape == np.shape(out) + x.shape
    np.testing.assert_allclose(jf, jr, rtol=1e-12, atol=1e-14)
    for mode in ("auto", "forward", "reverse"):
        np.testing.assert_allclose(ad.jacobian(fun, mode=mode)(x), jf, rtol=1e-12, atol=1e-14)


def test_jacobian_of_several_arguments_and_pytree_outputs():
    f = lambda a, b: {"s": a * b, "t": (dnp.sum(a),)}
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    for jac in (ad.jacfwd, ad.jacrev):
        J = jac(f, argnums=(0, 1))(a, b)
        np.testing.assert_allclose(J["s"][0], np.diag(b))
        np.testing.assert_allclose(J["s"][1], np.diag(a))
        np.testing.assert_allclose(J["t"][0][0], np.ones(2))
        np.testing.assert_allclose(J["t"][0][1], np.zeros(2))


def test_jacfwd_chunks_when_the_tangent_batch_is_large(monkeypatch):
    from dualad.transforms import forward
    monkeypatch.setattr(forward, "MAX_SEED_ELEMENTS", 20)
    fun = lambda x: dnp.sin(x) * dnp.sum(x)
    x = np.linspace(0, 1, 9)
    np.testing.assert_allclose(ad.jacfwd(fun)(x), ad.jacrev(fun)(x), rtol=1e-12)


def test_hessian_hvp_and_elementwise_grad():
    rosen = lambda x: dnp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    x = np.array([1.2, 0.7, -0.3, 2.0])
    H = ad.hessian(rosen)(x)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    np.testing.assert_allclose(H, ad.jacrev(ad.grad(rosen))(x), rtol=1e-12)
    eps = 1e-6
    fd = np.array([(ad.grad(rosen)(x + eps * e) - ad.grad(rosen)(x - eps * e)) / (2 * eps)
                   for e in np.eye(4)])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-4)
    v = np.array([1.0, -1.0, 0.5, 2.0])
    g, hv = ad.hvp(rosen, (x,), (v,))
    np.testing.assert_allclose(g, ad.grad(rosen)(x))
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12)
    np.testing.assert_allclose(ad.elementwise_grad(dnp.sin)(x), np.cos(x))
    assert ad.hessian(lambda a, b: dnp.sum(a * a * b), argnums=1)(x, x).shape == (4, 4)


def test_compositions():
    f = lambda x: dnp.sin(x) * x
    d1 = lambda x: np.cos(x) * x + np.sin(x)
    d2 = lambda x: -np.sin(x) * x + 2 * np.cos(x)
    d3 = lambda x: -np.cos(x) * x - 3 * np.sin(x)
    x = 0.7
    assert ad.grad(ad.grad(f))(x) == pytest.approx(d2(x), rel=1e-12)
    assert ad.grad(ad.grad(ad.grad(f)))(x) == pytest.approx(d3(x), rel=1e-12)
    assert ad.jvp(ad.grad(f), (x,), (1.0,))[1] == pytest.approx(d2(x), rel=1e-12)
    assert ad.jacfwd(ad.jacfwd(f))(x) == pytest.approx(d2(x), rel=1e-12)
    assert ad.jacrev(ad.jacfwd(f))(x) == pytest.approx(d2(x), rel=1e-12)
    assert ad.jacrev(ad.jacrev(f))(x) == pytest.approx(d2(x), rel=1e-12)
    assert ad.grad(f)(x) == pytest.approx(d1(x), rel=1e-12)


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1, in every combination of modes
    inner_fwd = lambda x: ad.jvp(lambda y: x + y, (1.0,), (1.0,))[1]
    inner_rev = lambda x: ad.grad(lambda y: x + y)(1.0)
    for inner in (inner_fwd, inner_rev):
        outer = lambda x: x * inner(x)
        assert ad.grad(outer)(2.0) == 1.0
        assert ad.jvp(outer, (2.0,), (1.0,))[1] == 1.0
    # a closure over the outer variable inside the inner derivative
    g = ad.grad(lambda x: ad.grad(lambda y: x * y * y)(x))
    assert g(3.0) == pytest.approx(4 * 3.0)


def test_plan_jacobian_and_mode_selector():
    wide = lambda x: dnp.tanh(np.ones((10, 1000)) @ x)
    tall = lambda x: dnp.sin(np.ones((1000, 10)) @ x)
    p_wide = ad.plan_jacobian(wide, np.zeros(1000))
    p_tall = ad.plan_jacobian(tall, np.zeros(10))
    assert (p_wide.mode, p_wide.n_in, p_wide.n_out) == ("reverse", 1000, 10)
    assert (p_tall.mode, p_tall.n_in, p_tall.n_out) == ("forward", 10, 1000)
    text = str(p_tall)
    assert "forward" in text and "1000" in text and "10" in text
    assert p_tall.cost_forward < p_tall.cost_reverse
    np.testing.assert_allclose(ad.jacobian(tall)(np.ones(10)),
                               ad.jacrev(tall)(np.ones(10)), rtol=1e-12)


def test_jacobian_auto_caches_the_output_size():
    calls = []

    def fun(x):
        calls.append(1)
        return x * 2
    jac = ad.jacobian(fun)
    jac(np.ones(3))
    first = len(calls)
    jac(np.ones(3))
    assert first == 2                 # one sizing pass, one Jacobian pass
    assert len(calls) - first == 1    # the sizes were cached: one pass only


def test_transform_errors_name_the_mistake():
    with pytest.raises(TypeError, match="argument 0.*int"):
        ad.grad(lambda x: x * 2.0)(np.arange(3))
    with pytest.raises(TypeError, match="bool"):
        ad.jacfwd(lambda x: x)(np.array([True]))
    with pytest.raises(TypeError, match="scalar"):
        ad.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        ad.jvp(dnp.sin, (np.ones(3),), (np.ones(2),))
    with pytest.raises(TypeError, match="dtype"):
        ad.jvp(dnp.sin, (np.ones(3),), (np.ones(3, dtype=np.float32),))
    with pytest.raises(ValueError, match="unknown mode 'sideways'"):
        ad.jacobian(dnp.sin, mode="sideways")
    with pytest.raises(ValueError, match="argnums=3 is out of range"):
        ad.grad(lambda x: x)(1.0)  # fine
        ad.grad(lambda x, y: x, argnums=3)(1.0, 2.0)
    with pytest.raises(TypeError, match="out="):
        dnp.sin(np.ones(2), out=np.empty(2))
    with pytest.raises(TypeError, match="complex"):
        ad.grad(lambda x: x)(1j)
