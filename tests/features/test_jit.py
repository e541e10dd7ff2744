"""``ad.jit`` (API.md section 14): compiled programs give the eager results, guards re-trace,
masks do not, and the nine ``ad.record`` defects of issue 22 do not occur."""
import gc
import weakref

import numpy as np
import pytest
from test_systematic import BINARY, UNARY

import dualad as ad
import dualad.numpy as dnp
import dualad.nn.functional as F
from dualad import special

RNG = np.random.default_rng(22)
A = RNG.standard_normal((4, 4))
Z = RNG.standard_normal((4, 3))
LABELS = np.array([1, 0, 2, 1])


def _same(a, b):
    """Equal values, NaN equal to NaN, same dtypes, in the same pytree."""
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
        return
    assert np.shape(a) == np.shape(b)
    assert np.result_type(a) == np.result_type(b)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, equal_nan=True)


FUNCTIONS = {
    "elementwise": lambda x: dnp.sum(dnp.sin(x) * dnp.exp(-x) + dnp.tanh(x) ** 2),
    "broadcast": lambda x: dnp.sum(x[:, None] * x[None, :] - dnp.cos(x)),
    "reductions": lambda x: dnp.mean(x) * dnp.var(x) + dnp.max(x) - dnp.min(x),
    "matmul": lambda x: dnp.sum(dnp.tanh(A @ x[:4] + 1.0)),
    "indexing": lambda x: dnp.sum(x[np.array([0, 2, 2])] ** 2) + x[1] * x[-1],
    "where": lambda x: dnp.sum(dnp.where(x > 0, x ** 2, -x)),
    "clip": lambda x: dnp.sum(dnp.clip(x, -0.5, 0.5) ** 2),
    "maximum0": lambda x: dnp.sum(dnp.maximum(x, 0) * x),
    "relu": lambda x: dnp.sum(dnp.relu(x) ** 2),
    "abs": lambda x: dnp.sum(dnp.abs(x) * x),
    "norm": lambda x: dnp.linalg.norm(x),
    "logsumexp": lambda x: special.logsumexp(x * 3.0),
    "log_softmax": lambda x: dnp.sum(F.log_softmax(Z * x[0])[np.arange(4), LABELS]),
    "cross_entropy": lambda x: F.cross_entropy(Z * x[0] + x[1], LABELS),
    "slogdet": lambda x: dnp.linalg.slogdet(A + dnp.outer(x[:4], x[:4]))[1],
    "max_ties": lambda x: dnp.max(dnp.round(x)),
    "leaky_relu": lambda x: dnp.sum(F.leaky_relu(x, 0.1) ** 2),
    "huber": lambda x: F.huber_loss(x, np.zeros(5)),
    "svd": lambda x: dnp.sum(dnp.linalg.svd(A[:, :3] * x[:3], full_matrices=False)[1]),
    "pinv": lambda x: dnp.sum(dnp.linalg.pinv(A[:, :3] * x[:3]) ** 2),
    "mod": lambda x: dnp.sum(dnp.mod(x * 3.0, 1.5) * x),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("transform", ["value", "grad", "hessian"])
def test_results_equal_eager(name, transform):
    f = FUNCTIONS[name]
    fun = {"value": f, "grad": ad.grad(f), "hessian": ad.hessian(f)}[transform]
    jitted = ad.jit(fun)
    for k in range(4):
        x = RNG.standard_normal(5)
        _same(jitted(x), fun(x))
    assert jitted.trace_count == 1   # masks, shifts, signs are data: new inputs reuse it


@pytest.mark.parametrize("fun,x", UNARY, ids=[f.__name__ for f, _ in UNARY])
def test_every_unary_primitive_and_its_derivatives(fun, x):
    for transform in (fun, ad.elementwise_grad(fun),
                      ad.elementwise_grad(ad.elementwise_grad(fun))):
        jitted = ad.jit(transform)
        for shift in (0.0, 0.01, -0.02):
            _same(jitted(x + shift), transform(x + shift))
        assert jitted.trace_count == 1


@pytest.mark.parametrize("fun,x,y", BINARY, ids=[f.__name__ for f, _, _ in BINARY])
def test_every_binary_primitive_and_its_derivatives(fun, x, y):
    grad = ad.grad(lambda x, y: dnp.sum(fun(x, y[:1]) * fun(x, y)), argnums=(0, 1))
    for transform in (fun, grad):
        jitted = ad.jit(transform)
        for shift in (0.0, 0.01, -0.02):
            _same(jitted(x + shift, y - shift), transform(x + shift, y - shift))
        assert jitted.trace_count == 1


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.0])
ELEMENTWISE = {
    "abs": dnp.abs, "maximum0": lambda x: dnp.maximum(x, 0), "relu": dnp.relu,
    "where": lambda x: dnp.where(x > 0, x, 0.5 * x), "clip": lambda x: dnp.clip(x, -1, 1),
    "sqrt": lambda x: dnp.sqrt(dnp.abs(x)), "tanh": dnp.tanh, "exp": dnp.exp,
    "sign_mul": lambda x: dnp.sign(x) * x,
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_special_values_identical(name):
    f = ELEMENTWISE[name]
    g = ad.elementwise_grad(f)
    with np.errstate(all="ignore"):
        for fun in (f, g):
            jitted = ad.jit(fun)
            jitted(np.linspace(-1.0, 1.0, 7))
            np.testing.assert_array_equal(jitted(SPECIAL), fun(SPECIAL))
            assert np.array_equal(np.signbit(jitted(SPECIAL)), np.signbit(fun(SPECIAL)))
            assert jitted.trace_count == 1


def test_an_order_is_a_guard():
    f = lambda x: dnp.sum(dnp.sort(x) * np.arange(3.0))   # noqa: E731
    jitted = ad.jit(ad.value_and_grad(f))
    for x in (np.array([3.0, 1.0, 2.0]), np.array([3.5, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])):
        _same(jitted(x), ad.value_and_grad(f)(x))
    assert jitted.trace_count == 2   # the third input sorts differently


def test_python_branch_is_a_guard_that_retraces_both_ways():
    def f(x):
        if dnp.sum(x) > 0:
            return dnp.sum(x * 2.0)
        return dnp.sum(-x)

    jitted = ad.jit(ad.value_and_grad(f))
    up, down = np.array([1.0, 2.0]), np.array([-1.0, -2.0])
    _same(jitted(up), ad.value_and_grad(f)(up))
    _same(jitted(down), ad.value_and_grad(f)(down))
    assert jitted.trace_count == 2
    _same(jitted(up + 1), ad.value_and_grad(f)(up + 1))    # both paths are kept
    _same(jitted(down - 1), ad.value_and_grad(f)(down - 1))
    assert jitted.trace_count == 2


def test_masks_do_not_retrace():
    f = ad.jit(ad.grad(lambda x: dnp.sum(dnp.where(x > 0, x, 0.0) + dnp.clip(x, -1, 1)
                                         + dnp.maximum(x, 0) + dnp.relu(x))))
    for _ in range(10):
        x = RNG.standard_normal(6)
        _same(f(x), ad.grad(lambda x: dnp.sum(dnp.where(x > 0, x, 0.0) + dnp.clip(x, -1, 1)
                                              + dnp.maximum(x, 0) + dnp.relu(x)))(x))
    assert f.trace_count == 1
    program = f.lower(x)
    assert not program.guards


def test_static_argnums():
    def f(x, power):
        return dnp.sum(x ** power)

    jitted = ad.jit(f, static_argnums=1)
    x = np.array([1.0, 2.0])
    assert jitted(x, 2) == 5.0
    assert jitted(x, 3) == 9.0
    assert jitted(x + 1, 2) == 13.0
    assert jitted.trace_count == 2
    with pytest.raises(TypeError, match="static_argnums"):
        ad.jit(f, static_argnums="1")


def test_pytrees_in_and_out():
    def f(params, x):
        h = dnp.tanh(params["w"] @ x + params["b"])
        return {"out": h, "stats": (dnp.sum(h), dnp.max(h))}

    params = {"w": RNG.standard_normal((3, 2)), "b": RNG.standard_normal(3)}
    jitted = ad.jit(f)
    for _ in range(3):
        x = RNG.standard_normal(2)
        _same(jitted(params, x), f(params, x))
    grad = ad.jit(ad.grad(lambda p, x: f(p, x)["stats"][0]))
    _same(grad(params, x), ad.grad(lambda p, x: f(p, x)["stats"][0])(params, x))
    assert jitted.trace_count == 1


def test_integer_arrays_and_numbers_are_traced():
    def f(x, idx, scale, n):
        return dnp.sum(x[idx] * scale) + n * x[0]

    jitted = ad.jit(f)
    x = np.arange(5.0)
    assert jitted(x, np.array([0, 1]), 2.0, 3) == f(x, np.array([0, 1]), 2.0, 3)
    assert jitted(x, np.array([4, 3]), 0.5, 7) == f(x, np.array([4, 3]), 0.5, 7)
    assert jitted.trace_count == 1
    with pytest.raises(IndexError):   # out of bounds raises as eager does
        jitted(x, np.array([5, 0]), 1.0, 1)


def test_int_used_for_range_is_a_guard():
    def f(x, n):
        for _ in range(n):
            x = dnp.sin(x)
        return x

    jitted = ad.jit(f)
    x = np.array([0.5])
    _same(jitted(x, 2), f(x, 2))
    _same(jitted(x + 1, 2), f(x + 1, 2))
    assert jitted.trace_count == 1
    _same(jitted(x, 3), f(x, 3))
    assert jitted.trace_count == 2


def test_concretization_inside_jit_raises():
    for bad in (lambda x: float(x[0]), lambda x: x.item(), lambda x: np.asarray(x)):
        with pytest.raises(ad.ConcretizationError):
            ad.jit(bad)(np.array([1.0]))


def test_transforms_inside_jit():
    f = lambda x: dnp.sum(dnp.sin(x) ** 2 * dnp.exp(x[0]))   # noqa: E731
    x, v = RNG.standard_normal(3), RNG.standard_normal(3)
    for fun, args in ((ad.hessian(f), (x,)), (ad.jacobian(dnp.sin), (x,)),
                      (ad.jacfwd(lambda x: dnp.cumsum(x ** 2)), (x,)),
                      (lambda x, v: ad.hvp(f, (x,), (v,)), (x, v)),
                      (lambda x, v: ad.vjp(dnp.tanh, x)[1](v), (x, v)),
                      (lambda x, v: ad.jvp(dnp.tanh, (x,), (v,)), (x, v))):
        jitted = ad.jit(fun)
        _same(jitted(*args), fun(*args))
        args2 = tuple(a + 0.3 for a in args)
        _same(jitted(*args2), fun(*args2))
        assert jitted.trace_count == 1


def _mlp_loss(params, x, y):
    w1, b1, w2, b2 = params
    h = dnp.maximum(x @ w1.T + b1, 0.0)
    return F.cross_entropy(h @ w2.T + b2, y)


def _step(params, x, y):
    grads = ad.grad(_mlp_loss)(params, x, y)
    return tuple(p - 0.1 * g for p, g in zip(params, grads))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_step_matches_eager(dtype):
    params = tuple(a.astype(dtype) for a in (RNG.standard_normal((8, 5)), np.zeros(8),
                                             RNG.standard_normal((3, 8)), np.zeros(3)))
    x, y = RNG.standard_normal((16, 5)).astype(dtype), RNG.integers(0, 3, 16)
    step = ad.jit(_step)
    eager = params
    for _ in range(5):
        params = step(params, x, y)
        eager = _step(eager, x, y)
        for p, e in zip(params, eager):
            assert p.dtype == dtype
            np.testing.assert_allclose(p, e, rtol=1e-5 if dtype == np.float32 else 1e-12)
    assert step.trace_count == 1


def test_lower_prints_one_line_per_step():
    jitted = ad.jit(ad.grad(lambda x: dnp.sum(dnp.tanh(x))))
    program = jitted.lower(np.ones(3))
    text = str(program)
    assert "tanh(%0)" in text
    assert len(text.splitlines()) == len(program.steps) + 2
    assert jitted.trace_count == 1
    jitted(np.zeros(3))
    assert jitted.trace_count == 1


def test_passes_remove_dead_and_common_code():
    def f(x):
        unused = dnp.exp(x) * 3.0   # noqa: F841
        return dnp.sin(x) + dnp.sin(x) + np.ones(3) * 2.0

    program = ad.jit(f).lower(np.ones(3))
    names = [s.name for s in program.steps]
    assert names == ["sin", "add", "add"]


def test_jitted_functions_keep_no_input_alive():
    jitted = ad.jit(lambda x: dnp.sum(x * 2.0))
    x = np.ones(1000)
    ref = weakref.ref(x)
    jitted(x)
    del x
    gc.collect()
    assert ref() is None


# -- the nine ad.record defects of issue 22 ------------------------------------------------------
def test_defect_norm_at_zero_is_not_frozen():
    jitted = ad.jit(dnp.linalg.norm)
    assert jitted(np.zeros(2)) == 0.0
    assert jitted(np.array([3.0, 4.0])) == 5.0
    g = ad.jit(ad.grad(dnp.linalg.norm))
    _same(g(np.zeros(2)), np.zeros(2))
    _same(g(np.array([3.0, 4.0])), np.array([0.6, 0.8]))


def test_defect_raw_decisions_inside_primitives_are_not_frozen():
    slog = ad.jit(dnp.linalg.slogdet)
    _same(tuple(slog(np.eye(2))), (1.0, 0.0))
    _same(tuple(slog(np.array([[0.0, 1.0], [1.0, 0.0]]))), (-1.0, 0.0))
    lse = ad.jit(special.logsumexp)
    lsm = ad.jit(lambda x: F.log_softmax(x))
    count = ad.jit(lambda x: dnp.linalg.norm(x, ord=0))
    for x in (np.array([1.0, 2.0]), np.array([1000.0, -5.0]), np.array([0.0, 0.0])):
        _same(lse(x), special.logsumexp(x))
        _same(lsm(x), F.log_softmax(x))
        _same(count(x), dnp.linalg.norm(x, ord=0))
    assert slog.trace_count == lse.trace_count == lsm.trace_count == count.trace_count == 1


def test_defect_astype_int_is_followed():
    f = lambda x: dnp.sum(x.astype(int) * x)   # noqa: E731
    jitted = ad.jit(f)
    x = np.array([1.5, 2.5])
    assert jitted(x) == f(x)
    assert jitted(x + 1.0) == f(x + 1.0) == 15.5


def test_defect_maximum_keeps_nan():
    x = np.array([np.nan, -1.0, 2.0])
    for fun in (lambda x: dnp.maximum(x, 0), lambda x: dnp.maximum(0.0, x),
                ad.elementwise_grad(lambda x: dnp.maximum(x, 0))):
        jitted = ad.jit(fun)
        jitted(np.ones(3))
        np.testing.assert_array_equal(jitted(x), fun(x))


def test_defect_cross_entropy_replays():
    grad = ad.grad(lambda z, y: F.cross_entropy(z, y))
    jitted = ad.jit(grad)
    for k in range(3):
        _same(jitted(Z + k, LABELS), grad(Z + k, LABELS))
    assert jitted.trace_count == 1
    other = np.array([2, 2, 0, 1])
    _same(jitted(Z, other), grad(Z, other))   # new labels: right answer (a guard re-traces)


def test_defect_jit_inside_a_transform_differentiates():
    f = lambda x: dnp.sum(dnp.sin(x) ** 2)   # noqa: E731
    x = np.array([1.0, 2.0])
    _same(ad.grad(ad.jit(f))(x), ad.grad(f)(x))
    _same(ad.jvp(ad.jit(f), (x,), (np.ones(2),)), ad.jvp(f, (x,), (np.ones(2),)))
    _same(ad.hessian(ad.jit(f))(x), ad.hessian(f)(x))
    assert not np.all(ad.grad(ad.jit(f))(x) == 0)


def test_defect_where_and_clip_masks_do_not_rerecord():
    jitted = ad.jit(lambda x: dnp.sum(dnp.where(x > 0.5, x, 0.0) + dnp.clip(x, 0.2, 0.8)))
    for _ in range(20):
        x = RNG.random(50)
        _same(jitted(x), dnp.sum(dnp.where(x > 0.5, x, 0.0) + dnp.clip(x, 0.2, 0.8)))
    assert jitted.trace_count == 1


def test_defect_abs_at_nan_and_zero():
    x = np.array([np.nan, 0.0, -0.0, -3.0])
    jitted = ad.jit(dnp.abs)
    jitted(np.ones(4))
    np.testing.assert_array_equal(jitted(x), np.abs(x))
    g = ad.jit(ad.elementwise_grad(dnp.abs))
    g(np.ones(4))
    np.testing.assert_array_equal(g(x), ad.elementwise_grad(dnp.abs)(x))


def test_defect_tanh_gradients_equal_eager_bitwise():
    f = lambda x: dnp.sum(dnp.tanh(dnp.tanh(x) * 3.0))   # noqa: E731
    jitted = ad.jit(ad.grad(f))
    for _ in range(3):
        x = RNG.standard_normal(100)
        assert np.array_equal(jitted(x), ad.grad(f)(x))


def test_benchmark_suite_runs_at_small_sizes():
    from benchmarks.bench_jit import W1ScalarChainJit, W2SmallMLPJit, W4MLPBatchJit
    for suite, size in ((W1ScalarChainJit, 5), (W2SmallMLPJit, 4), (W4MLPBatchJit, 8)):
        results = {}
        for way in ("eager", "jit"):
            bench = suite()
            bench.setup(size, way)
            bench.time_grad(size, way)
            results[way] = bench.run()
        _same(results["jit"], results["eager"])


def test_integer_labels_used_as_an_index_are_data_in_the_gradient():
    def loss(z, labels):   # cross-entropy written with an integer index (W4's form)
        shifted = z - dnp.max(z, axis=1, keepdims=True)
        log_norm = dnp.log(dnp.sum(dnp.exp(shifted), axis=1))
        return dnp.mean(log_norm - shifted[dnp.arange(z.shape[0]), labels])

    jitted = ad.jit(ad.grad(loss))
    for _ in range(4):
        labels = RNG.integers(0, 3, 4)
        _same(jitted(Z, labels), ad.grad(loss)(Z, labels))
    assert jitted.trace_count == 1


def test_buffers_are_reused_without_touching_inputs():
    def f(x, w):
        h = dnp.tanh(x @ w) * 2.0 + 1.0
        return h * h.T[:, ::-1].T - x @ w, dnp.sum(h)

    x, w = RNG.standard_normal((100, 100)), RNG.standard_normal((100, 100))
    keep = x.copy(), w.copy()
    jitted = ad.jit(f)
    jitted(x, w)
    assert jitted.lower(x, w).in_place   # some step writes into a dead buffer
    for _ in range(2):
        got = jitted(x, w)
        np.testing.assert_array_equal(got[0], f(x, w)[0])
        assert got[1] == f(x, w)[1]
    np.testing.assert_array_equal(x, keep[0])
    np.testing.assert_array_equal(w, keep[1])


def test_adam_training_step_with_a_traced_step_count():
    from benchmarks.workloads import adam_init, adam_update

    def step(params, state, x, y):
        return adam_update(dnp, params, ad.grad(_mlp_loss)(params, x, y), state)

    params = (RNG.standard_normal((8, 5)), np.zeros(8), RNG.standard_normal((3, 8)), np.zeros(3))
    x, y = RNG.standard_normal((16, 5)), RNG.integers(0, 3, 16)
    jitted = ad.jit(step)
    p, s = params, adam_init(params)
    pe, se = params, adam_init(params)
    for _ in range(6):
        p, s = jitted(p, s, x, y)
        pe, se = step(pe, se, x, y)
        for a, b in zip(p, pe):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert s[0] == se[0] == 6 and type(s[0]) is int   # the step count: a Python int, as eagerly
    assert jitted.trace_count == 1


@ad.custom_vjp
def _doubled_sin(x):
    return dnp.sin(x)


_doubled_sin.defvjp(lambda x: (dnp.sin(x), x), lambda x, g: (g * dnp.cos(x) * 2.0,))


@ad.custom_jvp
def _tripled_exp(x):
    return dnp.exp(x)


@_tripled_exp.defjvp
def _tripled_exp_jvp(primals, tangents):
    return dnp.exp(primals[0]), dnp.exp(primals[0]) * tangents[0] * 3.0


def test_custom_rules_and_checkpoint_inside_jit():
    x = RNG.standard_normal(4)
    for f in (lambda x: dnp.sum(_doubled_sin(x)), lambda x: dnp.sum(_tripled_exp(x)),
              lambda x: dnp.sum(ad.checkpoint(lambda y: dnp.tanh(y) ** 2)(x))):
        jitted = ad.jit(ad.grad(f))
        for shift in (0.0, 0.5):
            _same(jitted(x + shift), ad.grad(f)(x + shift))
        assert jitted.trace_count == 1


def test_module_parameters_must_be_arguments():
    layer = ad.nn.Linear(3, 2)
    with pytest.raises(TypeError, match="pass the parameters"):
        ad.jit(lambda x: layer(x))(np.ones((1, 3), np.float32))


def _pickled_square_sum(x):
    return dnp.sum(x ** 2)


def test_jitted_functions_pickle_and_run_in_threads():
    import pickle
    import threading

    plain = ad.jit(_pickled_square_sum)
    x = np.arange(3.0)
    plain(x)
    copy = pickle.loads(pickle.dumps(plain))
    _same(copy(x), 5.0)
    assert copy.trace_count == 1
    jitted = ad.jit(ad.grad(_pickled_square_sum))
    results, errors = {}, []

    def work(k):
        try:
            for j in range(20):
                v = np.full(3, float(k + j))
                results[k, j] = (jitted(v), 2 * v)
        except Exception as exc:   # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for got, want in results.values():
        _same(got, want)


def test_jit_closing_over_a_traced_value_runs_eagerly_inside_the_transform():
    def outer(x):
        inner = ad.jit(ad.grad(lambda y: x * y * y))   # closes over the outer traced x
        return inner(x)

    assert ad.grad(outer)(3.0) == pytest.approx(12.0)
    assert ad.jvp(outer, (3.0,), (1.0,))[1] == pytest.approx(12.0)


def test_python_number_inputs_read_as_arrays_by_the_library():
    f = ad.grad(lambda h: dnp.sum(dnp.heaviside(np.array([-1.0, 0.0, 2.0]), h)))
    assert ad.jit(f)(0.5) == f(0.5) == 1.0


def test_keyword_arguments_are_traced_too():
    def f(x, scale=1.0, mask=None):
        y = x * scale
        return y if mask is None else dnp.where(mask, y, 0.0)

    jitted = ad.jit(f)
    x = np.arange(3.0)
    _same(jitted(x, scale=2.0), x * 2.0)
    _same(jitted(x, scale=3.0), x * 3.0)
    assert jitted.trace_count == 1
    mask = np.array([True, False, True])
    _same(jitted(x, scale=2.0, mask=mask), np.where(mask, x * 2.0, 0.0))
    _same(jitted(x, scale=2.0, mask=~mask), np.where(~mask, x * 2.0, 0.0))
    assert jitted.trace_count == 2   # one more signature (mask given), its values traced


def test_numpy_numbers_are_traced_arguments():
    """A NumPy number (a step counter a program returned) is a traced argument, like a Python
    number: a new value reuses the program, a new dtype is a new signature."""
    f = ad.jit(lambda x, t: (x * t, t + 1))

    for t in (np.int64(2), np.int64(3), np.float32(0.5), np.float32(2.5)):
        got, want = f(np.ones(2), t), (np.ones(2) * t, t + 1)
        _same(got, want)
    assert f.trace_count == 2


def test_outputs_come_back_in_the_traced_pytree():
    """The outputs are rebuilt by a function generated for the output structure: tuples,
    lists, dicts (sorted keys), namedtuples and None, nested."""
    import collections
    Pair = collections.namedtuple("Pair", "first second")

    def f(x):
        return {"b": [x * 2.0, None], "a": (Pair(x + 1.0, (dnp.sum(x),)), [])}, x

    jitted = ad.jit(f)
    for x in (np.ones(3), np.arange(3.0)):
        got, want = jitted(x), f(x)
        assert type(got[0]["a"][0]) is Pair and got[0]["b"][1] is None
        assert list(got[0]) == sorted(want[0])   # as tree_unflatten (and JAX) build dicts
        assert got[0]["a"][1] == [] and type(got[0]["a"][0][1]) is tuple
        _same([got[0]["b"][0], got[0]["a"][0].first, got[0]["a"][0].second[0], got[1]],
              [want[0]["b"][0], want[0]["a"][0].first, want[0]["a"][0].second[0], want[1]])
    assert jitted.trace_count == 1
