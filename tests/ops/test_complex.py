"""Complex numbers (API.md section 9): HIPS autograd's and JAX's convention, in both modes, for
every elementwise primitive, the complex-only functions, mixed real and complex values, the
faces (Dual, Tape, tensor) and higher order; nothing is silently cast to real."""
import warnings

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads, numerical_grad

Z = np.array([0.3 + 0.4j, -0.5 + 0.2j, 0.1 - 0.6j])
W = np.array([0.7 - 0.1j, 0.2 + 0.9j, -0.4 - 0.3j])
X = np.array([0.5, 1.5, 2.0])


HOLOMORPHIC = ["exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sin", "cos", "tan",
               "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh",
               "arctanh", "sqrt", "square", "reciprocal", "negative", "sinc"]


@pytest.mark.parametrize("name", HOLOMORPHIC)
def test_holomorphic_functions_in_both_modes(name):
    f = getattr(dnp, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a ComplexWarning would be a silent cast to real
        value = f(Z)
    np.testing.assert_allclose(value, getattr(np, name)(Z), rtol=1e-13)
    assert value.dtype == np.complex128
    h = 1e-6
    derivative = (f(Z + h) - f(Z - h)) / (2 * h)   # f'(z) along the real axis
    _, tangent = ad.jvp(f, (Z,), (np.ones(3, complex),))
    np.testing.assert_allclose(tangent, derivative, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.holomorphic_grad(lambda z: dnp.sum(f(z)))(Z), derivative,
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.jacrev(f)(Z), np.diag(derivative), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.jacfwd(f)(Z), np.diag(derivative), rtol=1e-6, atol=1e-8)
    loss = lambda z: dnp.sum(dnp.abs(f(z)) ** 2)
    np.testing.assert_allclose(ad.grad(loss)(Z), numerical_grad(lambda z: np.sum(
        np.abs(getattr(np, name)(z)) ** 2), Z), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "power"])
def test_binary_functions_in_both_modes(name):
    f = getattr(dnp, name)
    np.testing.assert_allclose(f(Z, W), getattr(np, name)(Z, W), rtol=1e-13)
    loss = lambda z, w: dnp.sum(dnp.abs(f(z, w)) ** 2)
    ref = lambda z, w: np.sum(np.abs(getattr(np, name)(z, w)) ** 2)
    gz, gw = ad.grad(loss, argnums=(0, 1))(Z, W)
    np.testing.assert_allclose(gz, numerical_grad(lambda z: ref(z, W), Z), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gw, numerical_grad(lambda w: ref(Z, w), W), rtol=1e-5, atol=1e-7)
    h = 1e-6
    _, t = ad.jvp(f, (Z, W), (np.ones(3, complex), np.zeros(3, complex)))
    np.testing.assert_allclose(t, (f(Z + h, W) - f(Z - h, W)) / (2 * h), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name,reference", [
    ("real", np.real), ("imag", np.imag), ("conj", np.conj), ("angle", np.angle),
    ("abs", np.abs)])
def test_non_holomorphic_functions_follow_the_convention(name, reference):
    f = getattr(dnp, name)
    np.testing.assert_allclose(f(Z), reference(Z))
    loss = lambda z: dnp.sum(dnp.real(f(z) * W) + dnp.abs(f(z)) ** 2)
    ref = lambda z: np.sum(np.real(reference(z) * W) + np.abs(reference(z)) ** 2)
    np.testing.assert_allclose(ad.grad(loss)(Z), numerical_grad(ref, Z), rtol=1e-5, atol=1e-7)
    # forward mode: the derivative along a complex direction t is Re(grad * t)
    t = np.array([0.2 - 0.7j, 1.0 + 0.1j, -0.3 + 0.5j])
    _, tangent = ad.jvp(loss, (Z,), (t,))
    assert tangent == pytest.approx(np.sum(np.real(ad.grad(loss)(Z) * t)))


def test_the_documented_examples():
    z = 1.0 + 2.0j
    assert ad.grad(lambda z: dnp.abs(z) ** 2)(z) == 2 - 4j          # 2 conj(z)
    assert ad.grad(lambda z: dnp.real(z * z))(z) == 2 + 4j          # du/dx - i du/dy
    assert ad.holomorphic_grad(lambda z: z ** 3)(1 + 1j) == pytest.approx(6j)
    with pytest.raises(TypeError, match="holomorphic_grad"):
        ad.grad(lambda z: z ** 3)(z)
    with pytest.raises(TypeError, match="complex inputs"):
        ad.holomorphic_grad(lambda z: z ** 3)(1.0)


def test_real_values_meeting_complex_ones_get_real_gradients():
    loss = lambda x: dnp.sum(dnp.abs(x * Z + x ** 2 * W))
    g = ad.grad(loss)(X)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, numerical_grad(lambda x: np.sum(np.abs(x * Z + x ** 2 * W)), X),
                               rtol=1e-6)
    np.testing.assert_allclose(ad.jacfwd(loss)(X), g, rtol=1e-12)
    cast = lambda x: dnp.abs(dnp.sum(x.astype(complex) * 1j + x))
    np.testing.assert_allclose(ad.grad(cast)(X), np.full(3, np.sqrt(2)))
    with pytest.raises(TypeError, match="imaginary part"):
        ad.grad(lambda z: dnp.sum(dnp.astype(z, float)))(Z)


@pytest.mark.parametrize("fun", [
    lambda z: dnp.abs(dnp.dot(X, z)),
    lambda z: dnp.sum(dnp.abs(np.ones((2, 3)) @ z)),
    lambda z: dnp.abs(dnp.mean(z) + dnp.sum(z * z)),
    lambda z: dnp.abs(dnp.sum(dnp.where(np.array([True, False, True]), z, W * z))),
    lambda z: dnp.abs(z[1] * z[::2].sum()),
    lambda z: dnp.abs(dnp.einsum("i,i->", z, z)),
    lambda z: dnp.abs(dnp.prod(z)),
    lambda z: dnp.abs(dnp.sum(dnp.cumsum(z))),
    lambda z: dnp.sum(dnp.abs(dnp.linalg.solve(np.eye(3) * 2 + 0.5j, z))),
    lambda z: dnp.abs(dnp.sum(dnp.linalg.inv(dnp.reshape(dnp.concatenate([z, W[:1]]), (2, 2))))),
    lambda z: dnp.abs(dnp.sum(dnp.stack([z, z.conj()]) ** 2)),
], ids=["dot", "matmul", "mean-sum", "where", "getitem", "einsum", "prod", "cumsum", "solve",
        "inv", "stack-conj"])
def test_array_functions_with_complex_values(fun):
    np.testing.assert_allclose(ad.grad(fun)(Z), numerical_grad(lambda z: float(fun(z)), Z),
                               rtol=1e-5, atol=1e-7)


def test_faces_and_higher_order():
    t = ad.tensor(1 + 2j, requires_grad=True)
    (dnp.abs(t * t)).backward()
    assert t.grad.item() == pytest.approx(2 * np.conj(1 + 2j))   # |z * z| = |z|^2
    with ad.Tape() as tape:
        z = tape.watch(Z)
        y = dnp.sum(dnp.abs(z) ** 2)
    np.testing.assert_allclose(tape.gradient(y, z), 2 * np.conj(Z))
    d = dnp.exp(ad.Dual(Z, np.ones(3, complex)))
    np.testing.assert_allclose(d.tangent, np.exp(Z))
    # the Hessian of a real function of z: d/dx of (du/dx - i du/dy), as autograd's
    loss = lambda z: dnp.real(dnp.sum(z * z * dnp.conj(z)))   # (x^2 + y^2) x
    np.testing.assert_allclose(ad.hessian(loss)(np.array([1 + 1j])), [[6 - 2j]])
    grad = ad.grad(loss)
    np.testing.assert_allclose(ad.jacfwd(grad)(np.array([1 + 1j])), [[6 - 2j]])


def test_complex64_stays_complex64():
    z = Z.astype(np.complex64)
    g = ad.grad(lambda z: dnp.sum(dnp.abs(dnp.exp(z)) ** 2))(z)
    assert g.dtype == np.complex64
    _, t = ad.jvp(dnp.sin, (z,), (np.ones(3, np.complex64),))
    assert t.dtype == np.complex64


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_real_only_functions_refuse_complex_input(name):
    with pytest.raises(TypeError, match="real input only"):
        getattr(dnp, name)(Z)


def test_registry_sweep_never_casts_complex_to_real():
    """Every differentiable elementwise dnp function NumPy defines for complex numbers keeps
    them complex (value and derivative); the others raise."""
    for name in HOLOMORPHIC + ["abs", "real", "imag", "conj", "angle", "cbrt", "sigmoid",
                               "relu", "arctan2", "logaddexp", "maximum", "minimum"]:
        f = getattr(dnp, name)
        args = (Z,) if name not in ("arctan2", "logaddexp", "maximum", "minimum") else (Z, W)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                value = f(*args)
            except TypeError:
                continue   # NumPy (or dualad) refuses: never a cast
            _, tangent = ad.jvp(f, args, tuple(np.ones(3, complex) for _ in args))
        expect = getattr(np, name)(*args)
        np.testing.assert_allclose(value, expect, err_msg=name)
        assert np.asarray(value).dtype == np.asarray(expect).dtype, name
        assert np.asarray(tangent).dtype == np.asarray(value).dtype, name


M = np.array([[0.3 + 0.4j, -0.5 + 0.2j, 0.1 - 0.6j], [1.0 + 0.1j, 0.2 - 0.2j, 0.4 + 0.9j],
              [0.5 - 0.5j, 0.3 + 0.3j, -1.0 + 0.2j]])


@pytest.mark.parametrize("name,fun,reference", [
    ("var", dnp.var, np.var), ("std", dnp.std, np.std), ("norm", dnp.linalg.norm, np.linalg.norm),
    ("norm-fro", lambda a: dnp.linalg.norm(a, "fro"), lambda a: np.linalg.norm(a, "fro")),
    ("norm-1", lambda a: dnp.linalg.norm(a[0], 1), lambda a: np.linalg.norm(a[0], 1)),
    ("det-abs", lambda a: dnp.abs(dnp.linalg.det(a)), lambda a: np.abs(np.linalg.det(a))),
    ("slogdet", lambda a: dnp.linalg.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1]),
    ("inv-abs", lambda a: dnp.sum(dnp.abs(dnp.linalg.inv(a))),
     lambda a: np.sum(np.abs(np.linalg.inv(a)))),
])
def test_reductions_and_linalg_of_complex_values(name, fun, reference):
    value = fun(M)
    assert np.asarray(value).dtype == np.asarray(reference(M)).dtype
    np.testing.assert_allclose(value, reference(M), rtol=1e-12)
    np.testing.assert_allclose(ad.grad(fun)(M), numerical_grad(lambda a: float(reference(a)), M),
                               rtol=1e-5, atol=1e-7)


def test_complex_cholesky_raises_rather_than_answer_the_symmetric_part():
    with pytest.raises(TypeError, match="real input only"):
        dnp.linalg.cholesky(M @ M.conj().T + 3 * np.eye(3))


def test_real_results_of_complex_operands_have_real_tangents():
    t = np.ones((3, 3)) * (0.5 - 0.25j)
    for fun in (lambda a: dnp.linalg.slogdet(a)[1], lambda a: dnp.abs(dnp.linalg.det(a)),
                lambda a: dnp.linalg.norm(a)):
        _, tangent = ad.jvp(fun, (M,), (t,))
        assert np.asarray(tangent).dtype == np.float64
        assert tangent == pytest.approx(np.sum(np.real(ad.grad(fun)(M) * t)))


def _public_dnp_functions():
    return [name for name in sorted(dir(dnp)) if not name.startswith("_")
            and callable(getattr(dnp, name)) and not isinstance(getattr(dnp, name), type)]


@pytest.mark.parametrize("name", _public_dnp_functions())
def test_every_dnp_function_keeps_complex_values_complex(name):
    """With complex arguments, a dnp function raises, or answers NumPy's value in NumPy's dtype
    with a tangent of that dtype: never a silent cast to real (a ComplexWarning is an error)."""
    fun, reference = getattr(dnp, name), getattr(np, name, None)
    if name == "empty_like" or getattr(fun, "numpy_passthrough", False):
        return   # its values are whatever the memory held; NumPy's own functions behave as NumPy
    for args in ((Z,), (M,), (Z, W), (M, M), (Z, 2)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                value = fun(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
            except (TypeError, ValueError, np.exceptions.AxisError, IndexError, ZeroDivisionError,
                    np.linalg.LinAlgError):
                continue
            if not isinstance(value, (np.ndarray, np.generic)) or np.ndim(value) == 0 and \
                    np.asarray(value).dtype.kind not in "fc":
                continue
            if reference is not None:
                try:
                    expected = reference(*args)
                except Exception:
                    expected = None
                if isinstance(expected, np.ndarray | np.generic):
                    assert np.asarray(value).dtype == np.asarray(expected).dtype, name
                    np.testing.assert_allclose(value, expected, rtol=1e-12, err_msg=name)
            if np.asarray(value).dtype.kind not in "fc":
                continue
            try:
                _, tangent = ad.jvp(lambda v: fun(v, *args[1:]), (args[0],),
                                    (np.ones_like(args[0]),))
            except TypeError:
                continue
            assert np.asarray(tangent).dtype == np.asarray(value).dtype, name


def test_check_grads_handles_complex_arguments():
    check_grads(lambda z: dnp.sin(z) * dnp.conj(z), (Z,), modes=("fwd", "rev"), order=2)
    with pytest.raises(AssertionError, match="derivative mismatch"):
        wrong = ad.custom_jvp(lambda z: dnp.real(z) ** 2)
        wrong.defjvp(lambda p, t: (dnp.real(p[0]) ** 2, 2 * dnp.real(p[0]) * dnp.imag(t[0])))
        check_grads(wrong, (Z,), modes=("fwd",), order=1)
