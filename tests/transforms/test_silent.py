"""Never a silent wrong answer (docs/guarantees.md, API.md section 8): escaped values raise,
``stop_gradient`` and ``.at[]`` are the fixes they point to, custom rules refuse closures over
differentiated values, edge points are right, and arguments are handled as JAX handles them."""
import math
import operator
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

X = np.array([0.3, 0.5, 0.7])


ESCAPES = {
    "float": lambda v: float(dnp.sum(v)),
    "int": lambda v: int(dnp.sum(v)),
    "complex": lambda v: complex(dnp.sum(v)),
    "index": lambda v: [1.0, 2.0][operator.index(dnp.sum(v))],
    "item": lambda v: dnp.sum(v).item(),
    "tolist": lambda v: v.tolist(),
    "numpy": lambda v: v.numpy(),
    "asarray": lambda v: np.asarray(v),
    "array": lambda v: np.array(v),
    "math.sin": lambda v: math.sin(dnp.sum(v)),
    "store": lambda v: _store_item(v),
    "store-slice": lambda v: _store_slice(v),
}


def _store_item(v):
    y = np.zeros(2)
    y[0] = dnp.sum(v) ** 2
    return y


def _store_slice(v):
    y = np.zeros(len(X))
    y[:] = v
    return y


def _use(escape):
    """A function whose derivative the escape route would silently drop."""
    return lambda x: dnp.sum(x * dnp.sum(_plain(escape(dnp.sin(x)))))


def _plain(v):
    return np.real(np.asarray(v)).astype(float)


TRANSFORMS = {
    "grad": lambda f: ad.grad(f)(X),
    "value_and_grad": lambda f: ad.value_and_grad(f)(X),
    "jacrev": lambda f: ad.jacrev(f)(X),
    "jacfwd": lambda f: ad.jacfwd(f)(X),
    "jacobian-forward": lambda f: ad.jacobian(f, mode="forward")(X),
    "jacobian-reverse": lambda f: ad.jacobian(f, mode="reverse")(X),
    "hessian": lambda f: ad.hessian(f)(X),
    "jvp": lambda f: ad.jvp(f, (X,), (np.ones(3),)),
    "vjp": lambda f: ad.vjp(f, X),
    "hvp": lambda f: ad.hvp(f, (X,), (np.ones(3),)),
    "elementwise_grad": lambda f: ad.elementwise_grad(f)(X),
    "record": lambda f: ad.record(f, X).grad(X),
    "checkpoint": lambda f: ad.grad(ad.checkpoint(f))(X),
    "Tape": lambda f: _on_tape(f),
    "Dual": lambda f: f(ad.Dual(X, np.ones(3))),
}


def _on_tape(f):
    with ad.Tape() as tape:
        x = tape.watch(X)
        y = f(x)
    return tape.gradient(y, [x])


@pytest.mark.parametrize("route", sorted(ESCAPES))
@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_every_escape_route_raises_in_every_transform(transform, route):
    # checkpoint runs its function on plain values first, where x.numpy() and
    # operator.index(float) fail as they would in NumPy code
    plain_failure = transform == "checkpoint" and route in ("numpy", "index")
    with pytest.raises((TypeError, AttributeError) if plain_failure else ad.ConcretizationError):
        TRANSFORMS[transform](_use(ESCAPES[route]))


def test_the_message_names_the_operation_and_the_fixes():
    with pytest.raises(ad.ConcretizationError, match=r"float\(\)") as info:
        ad.grad(lambda x: x * float(x))(3.0)
    message = str(info.value)
    for fix in ("dnp.sin", "ad.stop_gradient", ".at[i].set(v)"):
        assert fix in message
    assert issubclass(ad.ConcretizationError, TypeError)


def test_comparisons_for_control_flow_stay_allowed():
    def f(x):
        return x * x if x > 0 else -x
    assert ad.grad(f)(3.0) == 6.0
    assert ad.grad(f)(-3.0) == -1.0
    assert ad.jacfwd(f)(3.0) == 6.0
    assert ad.grad(lambda x: dnp.sum(x[x > 0.4] ** 2))(X).tolist() == [0.0, 1.0, 1.4]


def test_finished_transforms_leave_constants_that_convert():
    leaked = []
    ad.grad(lambda x: leaked.append(x * 2.0) or dnp.sum(x))(X)
    np.testing.assert_allclose(np.asarray(leaked[0]), 2 * X)
    assert float(dnp.sum(leaked[0])) == pytest.approx(3.0)


# ------------------------------------------------------------------ every dualad.numpy function
S = np.array([0.3, 0.45, 0.7])   # no element at a rounding boundary
M = np.array([[0.6, 0.2, 0.1], [0.2, 0.45, 0.3], [0.1, 0.3, 0.7]])
# what NumPy's own functions (passed through by dualad.numpy) raise on arguments they cannot take
REFUSALS = (TypeError, ValueError, AttributeError, IndexError)
# results that do not depend on the values of their argument (only on its shape)
SHAPE_ONLY = {"empty_like", "zeros_like", "ones_like", "full_like"}


def _sample_calls(fun):
    """Argument lists that ``fun`` accepts with plain arrays and answers a float array for."""
    for args in ((S,), (M,), (S, S), (M, M), (S, 2), (S, 0.4, 0.6), (S > 0.4, S, S), ([S, S],),
                 ("i,i->", S, S)):
        try:
            out = fun(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        except Exception:
            continue
        if isinstance(out, (np.ndarray, np.generic, float)) and np.asarray(out).dtype.kind in "fc":
            yield args


# functions that write: into S by design, or files named after their first argument
WRITERS = {"copyto", "place", "put", "putmask", "put_along_axis", "fill_diagonal", "save",
           "savez", "savez_compressed", "savetxt", "tofile"}


def _public_functions():
    return [name for name in sorted(dir(dnp)) if not name.startswith("_")
            and name not in WRITERS
            and callable(getattr(dnp, name)) and not isinstance(getattr(dnp, name), type)]


def _check_one_call(name, fun, args):
    """With each float array argument traced in turn: a raise, a traced result whose escape
    routes all raise, or a plain result that is truly constant there."""
    for position, start in enumerate(args):
        if not (isinstance(start, np.ndarray) and start.dtype.kind == "f"):
            continue

        def f(v):
            call = list(args)
            call[position] = v
            return fun(*call)

        try:
            traced = []
            ad.grad(lambda v: traced.append(f(v)) or dnp.sum(v))(start)
        except REFUSALS:
            continue   # refused: a raise, never a constant
        if not isinstance(traced[0], ad.Tensor):
            if name not in SHAPE_ONLY:   # not differentiated: piecewise constant here
                step = 1e-6
                fd = (np.asarray(f(start + step), dtype=float)
                      - np.asarray(f(start), dtype=float)) / step
                np.testing.assert_allclose(fd, 0.0, atol=1e-6, err_msg=name)
            continue
        for route in ("float", "asarray", "numpy", "store"):
            g = lambda v, r=route: dnp.sum(v) * dnp.sum(_plain(ESCAPES[r](f(v))))
            for transform in (ad.grad, ad.jacfwd):
                with pytest.raises(ad.ConcretizationError):
                    transform(g)(start)


@pytest.mark.parametrize("name", _public_functions())
def test_every_dnp_function_raises_or_answers_right(name):
    fun = getattr(dnp, name)
    calls = list(_sample_calls(fun))
    for args in calls:
        _check_one_call(name, fun, args)
    np.testing.assert_array_equal(S, [0.3, 0.45, 0.7])   # dualad never writes into arrays
    if not calls:
        # no float array in, float array out (creation from shapes, dtype and index helpers):
        # a traced value given to it raises or it computes nothing differentiable from it
        try:
            out = fun(ad.Dual(S, np.ones(3)))
        except REFUSALS:
            return
        assert not isinstance(out, ad.Dual) or name in ("array", "asarray"), name


# ------------------------------------------------------------------ the imperative face
def test_imperative_face_keeps_pytorchs_habits():
    t = ad.tensor(3.0, requires_grad=True)
    y = t * t
    assert float(y) == 9.0 and y.item() == 9.0 and int(y) == 9
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        y.numpy()
    with pytest.raises(ad.ConcretizationError):
        np.asarray(t)
    assert y.detach().numpy() == 9.0
    assert ad.tensor([1.0, 2.0]).numpy().tolist() == [1.0, 2.0]   # no grad: converts
    y.backward()
    assert t.grad.item() == 6.0


# ------------------------------------------------------------------ stop_gradient and .at[]
def test_stop_gradient_in_both_modes_and_nested():
    f = lambda x: x * ad.stop_gradient(x)
    assert ad.grad(f)(3.0) == 3.0
    assert ad.jacfwd(f)(3.0) == 3.0
    assert ad.hessian(lambda x: x ** 3 * ad.stop_gradient(x))(2.0) == pytest.approx(6 * 2 * 2)
    tree = ad.stop_gradient({"a": ad.Dual(1.0, 1.0), "b": [2.0]})
    assert not isinstance(tree["a"], ad.Dual) and tree["b"] == [2.0]
    t = ad.tensor(2.0, requires_grad=True)
    s = ad.stop_gradient(t)
    assert isinstance(s, ad.Tensor) and not s.requires_grad


UPDATES = {
    "set": lambda y, i, v: _numpy_set(y, i, v),
    "add": lambda y, i, v: _numpy_ufunc_at(np.add, y, i, v),
    "multiply": lambda y, i, v: _numpy_ufunc_at(np.multiply, y, i, v),
    "min": lambda y, i, v: _numpy_ufunc_at(np.minimum, y, i, v),
    "max": lambda y, i, v: _numpy_ufunc_at(np.maximum, y, i, v),
}


def _numpy_set(y, index, v):
    y = y.copy()
    y[index] = v
    return y


def _numpy_ufunc_at(ufunc, y, index, v):
    y = y.copy()
    ufunc.at(y, index, v)
    return y


INDICES = [1, np.array([1, 3, 1]), (slice(1, 3),), np.array([True, False, True, False, True])]


@pytest.mark.parametrize("op", sorted(UPDATES))
@pytest.mark.parametrize("index", range(len(INDICES)))
def test_at_updates_match_numpy_and_differentiate(op, index):
    idx = INDICES[index]
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    shape = np.zeros(5)[idx].shape
    v = np.linspace(1.5, 3.5, int(np.prod(shape))).reshape(shape) if shape else 2.5
    expected = UPDATES[op](x, idx, v)
    np.testing.assert_allclose(getattr(dnp.at(x)[idx], op)(v), expected)
    np.testing.assert_allclose(getattr(ad.tensor(x).at[idx], op)(v).numpy(), expected)
    np.testing.assert_allclose(getattr(ad.Dual(x, np.ones(5)).at[idx], op)(v).primal, expected)
    f = lambda x, v: dnp.sin(getattr(dnp.at(x)[idx], op)(v) * x)
    check_grads(f, (x, np.asarray(v, dtype=float)), modes=("fwd", "rev"), order=2)
    np.testing.assert_allclose(ad.jacfwd(f)(x, v), ad.jacrev(f)(x, v))


def test_at_fixes_the_store_into_an_array():
    def f(x):
        y = dnp.at(np.zeros(3))[0].set(x[0] ** 2)
        return dnp.sum(y.at[1:].set(x[1:]))
    np.testing.assert_allclose(ad.grad(f)(X), [0.6, 1.0, 1.0])
    np.testing.assert_allclose(ad.jacfwd(f)(X), [0.6, 1.0, 1.0])
    assert dnp.at(X)[np.array([0, 2])].get().tolist() == [0.3, 0.7]


# ------------------------------------------------------------------ custom rules
def _closing_vjp(x):
    @ad.custom_vjp
    def g(y):
        return x * y
    g.defvjp(lambda y: (x * y, y), lambda res, ct: (x * ct,))
    return g(x)


def _closing_jvp(x):
    @ad.custom_jvp
    def g(y):
        return x * y

    @g.defjvp
    def g_jvp(primals, tangents):
        return x * primals[0], x * tangents[0]
    return g(x)


@pytest.mark.parametrize("fun", [_closing_vjp, _closing_jvp], ids=["custom_vjp", "custom_jvp"])
@pytest.mark.parametrize("transform", [ad.grad, ad.jacfwd, ad.jacrev])
def test_custom_rules_closing_over_a_differentiated_value_raise(fun, transform):
    with pytest.raises(TypeError, match="closes over a value"):
        transform(fun)(3.0)


def test_custom_rules_closing_over_constants_work():
    c = 2.0

    @ad.custom_vjp
    def g(y):
        return c * y
    g.defvjp(lambda y: (c * y, None), lambda res, ct: (c * ct,))
    assert ad.grad(g)(3.0) == 2.0 and ad.jacfwd(g)(3.0) == 2.0


def test_custom_vjp_none_cotangent_is_zero():
    @ad.custom_vjp
    def k(a, b):
        return a * b
    k.defvjp(lambda a, b: (a * b, (a, b)), lambda res, ct: (res[1] * ct, None))
    assert ad.grad(k, argnums=1)(2.0, 3.0) == 0.0
    a, b = np.ones(2), np.full(2, 3.0)
    np.testing.assert_allclose(ad.jacrev(k, argnums=1)(a, b), np.zeros((2, 2)))
    ja, jb = ad.jacfwd(k, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ja, 3 * np.eye(2))
    np.testing.assert_allclose(jb, np.zeros((2, 2)))


# ------------------------------------------------------------------ edge points
def _sinc_derivative_series(x, order, terms=40):
    """The order-th derivative of sinc from its Taylor series (exact enough near 0)."""
    total = 0.0
    for k in range(terms):
        if 2 * k >= order:
            total += ((-1) ** k * np.pi ** (2 * k) * math.factorial(2 * k)
                      / (math.factorial(2 * k + 1) * math.factorial(2 * k - order))
                      * x ** (2 * k - order))
    return total


@pytest.mark.parametrize("x", [0.0, 1e-9, 0.2, -0.31, 1.0, 2.5])
def test_sinc_derivatives_of_every_order(x):
    f = dnp.sinc
    for order in range(1, 5):
        f = ad.grad(f)
        ref = _sinc_derivative_series(x, order) if abs(x) < 1.5 else None
        if ref is not None:
            assert f(x) == pytest.approx(ref, rel=1e-7, abs=1e-9)
    assert ad.hessian(dnp.sinc)(0.0) == pytest.approx(-np.pi ** 2 / 3)
    assert ad.jacfwd(ad.jacfwd(dnp.sinc))(0.0) == pytest.approx(-np.pi ** 2 / 3)
    check_grads(dnp.sinc, (np.array([x]),), modes=("fwd", "rev"), order=2)


def test_sinc_fourth_derivative_at_zero():
    d4 = ad.grad(ad.grad(ad.grad(ad.grad(dnp.sinc))))(0.0)
    assert d4 == pytest.approx(np.pi ** 4 / 5)


def test_power_hessian_is_symmetric_at_zero_exponent():
    f = lambda v: v[0] ** v[1]
    expected = [[0.0, 0.5], [0.5, np.log(2) ** 2]]
    np.testing.assert_allclose(ad.hessian(f)(np.array([2.0, 0.0])), expected, atol=1e-12)
    np.testing.assert_allclose(ad.jacrev(ad.jacfwd(f))(np.array([2.0, 0.0])), expected,
                               atol=1e-12)
    assert ad.grad(lambda v: v[0] ** v[1])(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]


def test_det_derivative_at_a_singular_matrix_is_the_cofactor():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    cof = np.array([[4.0, -2.0], [-2.0, 1.0]])
    np.testing.assert_allclose(ad.grad(dnp.linalg.det)(a), cof)
    np.testing.assert_allclose(ad.jacfwd(dnp.linalg.det)(a), cof)
    b = np.arange(1.0, 10.0).reshape(3, 3)   # rank 2
    expected = np.array([[-3.0, 6, -3], [6, -12, 6], [-3, 6, -3]])
    np.testing.assert_allclose(ad.grad(dnp.linalg.det)(b), expected, atol=1e-12)


def test_det_second_order_at_regular_matrices(rng):
    a = rng.standard_normal((3, 3))
    check_grads(dnp.linalg.det, (a,), modes=("fwd", "rev"), order=2)
    stack = rng.standard_normal((2, 3, 3))
    check_grads(lambda s: dnp.linalg.det(s), (stack,), modes=("fwd", "rev"), order=2)
    np.testing.assert_allclose(ad.hessian(dnp.linalg.det)(a),
                               ad.jacrev(ad.jacrev(dnp.linalg.det))(a), atol=1e-12)


def test_zero_length_contractions_and_empty_logsumexp():
    e = np.zeros(0)
    assert dnp.inner(e, e) == 0.0
    np.testing.assert_array_equal(dnp.tensordot(np.zeros((2, 0)), np.zeros((0, 3)), axes=1),
                                  np.zeros((2, 3)))
    assert ad.grad(lambda a: dnp.inner(a, e))(e).shape == (0,)
    assert dnp.logsumexp(e) == -np.inf
    assert ad.jacfwd(lambda a: dnp.tensordot(a, np.zeros((0, 3)), axes=1))(
        np.zeros((2, 0))).shape == (2, 3, 2, 0)


def test_tangents_keep_their_primals_dtype():
    x32 = np.array([0.3, 0.7], dtype=np.float32)
    one32 = np.ones(2, np.float32)
    out, tangent = ad.jvp(lambda x: 2.0 ** x, (x32,), (one32,))
    assert out.dtype == tangent.dtype == np.float32
    out, tangent = ad.jvp(lambda x: dnp.where(x > 0.5, x, np.array([1.0, 2.0])), (x32,), (one32,))
    assert out.dtype == tangent.dtype == np.float64
    assert ad.grad(lambda x: dnp.sum(2.0 ** x))(x32).dtype == np.float32


# ------------------------------------------------------------------ argument plumbing
def _scaled(x, scale=1.0):
    return dnp.sum(x * x) * scale


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "jacfwd", "jacrev", "jacobian",
                                       "hessian", "elementwise_grad"])
def test_keyword_arguments_pass_through_undifferentiated(transform):
    build = getattr(ad, transform)
    with_kw = build(_scaled)(X, scale=2.0)
    without = build(lambda x: _scaled(x, 2.0))(X)
    np.testing.assert_allclose(np.asarray(with_kw, dtype=object).tolist()[-1] if transform ==
                               "value_and_grad" else with_kw,
                               without[-1] if transform == "value_and_grad" else without)


def test_argnums_must_be_an_int_or_distinct_ints():
    f = lambda a, b: a * b
    with pytest.raises(TypeError, match="argnums"):
        ad.grad(f, argnums=(0, 0))(2.0, 3.0)
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of distinct ints"):
        ad.grad(f, argnums=1.0)(2.0, 3.0)
    with pytest.raises(TypeError, match="argnums"):
        ad.jacfwd(f, argnums=(1, 1))(2.0, 3.0)
    assert ad.grad(f, argnums=(1, 0))(2.0, 3.0) == (2.0, 3.0)


def test_jvp_with_none_primals_and_none_tangents():
    # a None tangent of a float argument: no direction there
    assert ad.jvp(lambda a, b: a * b, (2.0, 3.0), (1.0, None)) == (6.0, 3.0)
    assert ad.jvp(lambda a, b: a * b, (2.0, 3.0), (None, 1.0)) == (6.0, 2.0)
    out, tangent = ad.jvp(lambda a, b: a * 2 if b is None else a, (1.0, None), (1.0, None))
    assert (out, tangent) == (2.0, 2.0)
    tree = ({"w": 1.0, "skip": None},)
    out, tangent = ad.jvp(lambda p: p["w"] * 3, tree, ({"w": 1.0, "skip": None},))
    assert (out, tangent) == (3.0, 3.0)


@pytest.mark.parametrize("fun,expected", [
    (lambda x: dnp.mean([x, x + 2]), 1.0),
    (lambda x: dnp.linalg.norm([x, 2 * x]), np.sqrt(5)),
    (lambda x: dnp.sum([x, 2 * x]), 3.0),
    (lambda x: dnp.sum(dnp.sin([x, 2 * x])), np.cos(1.0) + 2 * np.cos(2.0)),
    (lambda x: dnp.max((x, 0.5 * x)), 1.0),
], ids=["mean", "norm", "sum", "sin", "max-tuple"])
def test_lists_of_traced_values(fun, expected):
    assert ad.grad(fun)(1.0) == pytest.approx(expected)
    assert ad.jacfwd(fun)(1.0) == pytest.approx(expected)


def test_int_to_build_an_index_raises_clearly():
    with pytest.raises(ad.ConcretizationError, match=r"int\(\)"):
        ad.grad(lambda x: x[int(x[0])])(X)


# ------------------------------------------------------------------ messages
@pytest.mark.parametrize("call,pattern", [
    (lambda: dnp.sum(np.ones((2, 2)), dim=1), r"'dim'.*axis="),   # Tensor.sum takes dim=
    (lambda: dnp.sum(np.ones(2), keepdim=True), r"'keepdim'.*keepdims="),
    (lambda: dnp.sum(np.ones(2), axsi=0), r"'axsi' \(did you mean 'axis'\?\)"),
    (lambda: dnp.sum(np.ones(2), out=np.ones(())), "does not support out="),
    (lambda: ad.grad(lambda x: np.frexp(x)[0])(1.0), "dualad.numpy has no differentiable frexp"),
    (lambda: ad.grad(lambda x: np.linalg.cond(dnp.reshape(x, (1, 3)) * np.ones((3, 1))))(X),
     "numpy.linalg.cond .*dualad.numpy.linalg has no cond"),
], ids=["dim", "keepdim", "typo", "out", "frexp", "linalg"])
def test_messages_name_the_keyword_and_the_fix(call, pattern):
    with pytest.raises(TypeError, match=pattern):
        call()


def test_subpackages_are_attributes_imported_lazily():
    code = ("import sys, dualad as ad; assert 'dualad.nn' not in sys.modules; "
            "ad.nn.Linear; ad.optim.SGD; assert 'dualad.nn' in sys.modules")
    # from another directory: in a source checkout the unbuilt tree would shadow the install
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tempfile.gettempdir(),
                   env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def test_formatting_reports_values_everywhere():
    loss = ad.tensor(3.0, requires_grad=True) ** 2
    assert f"{loss:.2f}" == "9.00"                       # PyTorch's habit in training loops
    seen = []
    ad.grad(lambda x: seen.append(f"{x:.1f}") or x * x)(2.0)   # a report: it cannot escape
    assert seen == ["2.0"]
