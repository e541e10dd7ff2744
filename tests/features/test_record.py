"""``ad.record``, a face of ``ad.jit``: its methods agree with the eager transforms on new
inputs, guards trace again when a branch flips (and only then), shapes are checked, static
arguments compile new programs, constants are captured by value, Recordings pickle."""
import pickle
import sys
import threading

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.extend import defprim
from dualad.recording import MAX_PATHS

X_NEW = (0.3, 1.7, 0.9)


def assert_tree_close(a, b, rtol=1e-12, atol=1e-12):
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b)
        for k in a:
            assert_tree_close(a[k], b[k], rtol, atol)
    elif isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for u, v in zip(a, b):
            assert_tree_close(u, v, rtol, atol)
    else:
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)
        assert np.shape(a) == np.shape(b)


def check_replays(fun, example, new_args, argnums=0, hessian=True):
    """Every method of the Recording equals the eager transform at every new argument tuple."""
    rec = ad.record(fun, *example, argnums=argnums)
    for args in new_args:
        assert_tree_close(rec.value(*args), fun(*args))
        assert_tree_close(rec.grad(*args), ad.grad(fun, argnums)(*args))
        value, g = rec.value_and_grad(*args)
        assert_tree_close(value, fun(*args))
        assert_tree_close(rec.jacobian(*args), ad.jacobian(fun, argnums)(*args))
        if hessian:
            assert_tree_close(rec.hessian(*args), ad.hessian(fun, argnums)(*args),
                              rtol=1e-10, atol=1e-10)
    return rec


def assert_no_new_traces(rec, calls):
    """Running ``calls`` (functions of no argument) traces nothing new."""
    before = rec.trace_count
    for call in calls:
        call()
    assert rec.trace_count == before


# ---------------------------------------------------------------- scalar programs
def scalar_chain(x):
    for _ in range(10):
        x = x + dnp.sin(x) * dnp.exp(-x)
    return x


def every_scalar_op(x, y):
    a = dnp.tanh(x) * dnp.sigmoid(y) - dnp.sqrt(dnp.square(x) + 1.0) / (y * y + 2.0)
    b = dnp.log(dnp.exp(x) + 1.0) + dnp.cos(y) ** 3 + (x * x + 0.5) ** dnp.abs(y) * 0.1
    c = dnp.maximum(x, y) - dnp.minimum(x, 0.5) + dnp.relu(y) + dnp.abs(x) + dnp.tan(0.3 * x)
    d = -dnp.sinh(0.5 * y) + dnp.cosh(0.2 * x) + dnp.arctan(x) + dnp.expm1(0.1 * y)
    return a * b + c / (2.0 + dnp.log1p(x * x)) + d + dnp.reciprocal(3.0 + y * y)


def test_scalar_chain_is_compiled_and_matches_eager():
    rec = check_replays(scalar_chain, (0.5,), [(x,) for x in X_NEW])
    # value, value_and_grad (grad its half), jacobian, hessian once each: new values reuse them
    assert rec.trace_count == 4


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_every_scalar_op_matches_eager(argnums):
    check_replays(every_scalar_op, (0.7, 1.3), [(0.2, 1.1), (1.5, 0.4), (-0.6, 2.0)], argnums)


def test_ties_and_kinks_follow_the_primitives():
    # maximum/minimum split ties evenly; abs and relu have derivative 0 at 0
    fun = lambda x, y: dnp.maximum(x, y) * 2.0 + dnp.minimum(x, y) + dnp.abs(x) + dnp.relu(y)
    check_replays(fun, (0.5, 0.2), [(0.3, 0.3), (0.0, 0.0), (-1.0, 2.0)], (0, 1))


def test_constant_output_has_zero_gradient():
    rec = ad.record(lambda x: dnp.sin(2.0) + 0.0 * 1.0, 0.5)
    assert rec.grad(0.1) == 0.0


# ---------------------------------------------------------------- array programs
def mlp(params, x):
    w1, b1, w2, b2 = params
    return dnp.sum(dnp.tanh(w2 @ dnp.tanh(w1 @ x + b1) + b2))


def mlp_args(rng):
    return ((rng.standard_normal((8, 4)), rng.standard_normal(8), rng.standard_normal((1, 8)),
             rng.standard_normal(1)), rng.standard_normal(4))


def test_small_mlp_matches_eager(rng):
    check_replays(mlp, mlp_args(rng), [mlp_args(rng) for _ in range(3)], hessian=False)


def test_small_mlp_hessian_uses_eager(rng):
    fun = lambda w, x: dnp.sum(dnp.tanh(w @ x) ** 2)
    w, x = rng.standard_normal((3, 2)), rng.standard_normal(2)
    check_replays(fun, (w, x), [(rng.standard_normal((3, 2)), x)])


@pytest.mark.parametrize("fun", [
    lambda x, y: dnp.sum(x * y - x / (y * y + 1.0) + (-x) - 2.0 * y),
    lambda x, y: dnp.sum(dnp.exp(x) * dnp.log(y * y + 1.0), axis=0).sum(),
    lambda x, y: dnp.sum(dnp.sigmoid(x @ y.T), axis=(0, 1), keepdims=True).sum(),
    lambda x, y: dnp.max(x * y[0]) + dnp.mean(dnp.concatenate([x, y], axis=0) ** 2),
], ids=["arithmetic", "broadcast-sum", "matmul-keepdims", "via-rules"])
def test_array_steps_match_eager(fun, rng):
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))
    new = [(rng.standard_normal((2, 3)), rng.standard_normal((1, 3))) for _ in range(2)]
    check_replays(fun, (x, y), new, (0, 1), hessian=False)


def test_every_elementwise_op_broadcasts_on_arrays(rng):
    # the scalar interpreter's operations, on operands broadcast against each other
    fun = lambda x, y: dnp.sum(every_scalar_op(x, y))
    new = [(rng.uniform(-1.5, 1.5, 3), rng.uniform(0.2, 2.0, (2, 1))) for _ in range(3)]
    check_replays(fun, new[0], new[1:], (0, 1), hessian=False)


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((2, 3), (3,)), ((2, 3), ()),
                                    ((), (4,)), ((2, 1, 3), (4, 1))], ids=str)
def test_broadcasting_adds(shapes, rng):
    fun = lambda x, y: dnp.sum(dnp.tanh(x + y) * (y - x) + x / (2.0 + y * y))
    new = [tuple(rng.standard_normal(s) for s in shapes) for _ in range(3)]
    check_replays(fun, new[0], new[1:], (0, 1), hessian=False)


@pytest.mark.parametrize("axis, keepdims", [(0, False), (1, True), ((0, 2), False),
                                            (-1, True), (None, False)])
def test_sums_over_axes(axis, keepdims, rng):
    fun = lambda x: dnp.sum(dnp.sin(dnp.sum(x * x, axis=axis, keepdims=keepdims)) * 3.0)
    new = [(rng.standard_normal((2, 3, 4)),) for _ in range(3)]
    check_replays(fun, new[0], new[1:], hessian=False)


def test_moves_and_vector_matmuls(rng):
    # reshape, transpose, indexing and broadcast_to gather; vector @ matrix and vector @ vector
    def fun(w, v):
        m = dnp.reshape(w, (3, 4)).T[1:, :] * dnp.broadcast_to(v[:3], (3, 3))
        return dnp.sum(v[:3] @ m) + v @ v + dnp.sum(m @ v[:3])
    new = [(rng.standard_normal(12), rng.standard_normal(4)) for _ in range(3)]
    check_replays(fun, new[0], new[1:], (0, 1), hessian=False)


def test_generic_steps_mix_with_compiled_ones(rng):
    fun = lambda x, y: (dnp.max(x * y[0], axis=1).sum() + dnp.mean(dnp.log2(x * x + 1.0))
                        + dnp.sum(dnp.concatenate([x, y], axis=0) ** 2))
    new = [(rng.standard_normal((2, 3)), rng.standard_normal((1, 3))) for _ in range(3)]
    check_replays(fun, new[0], new[1:], (0, 1), hessian=False)


def test_values_off_the_output_path_do_not_leak_into_gradients():
    def fun(x):
        dnp.log(x * 0.0)            # -inf, with an infinite derivative, but unused
        return dnp.sum(x * 2.0)
    rec = ad.record(fun, np.ones(3))
    np.testing.assert_array_equal(rec.grad(np.full(3, 0.5)), [2.0, 2.0, 2.0])


def test_buffers_are_not_shared_with_results(rng):
    rec = ad.record(mlp, *mlp_args(rng))
    args = mlp_args(rng)
    want_value, want_grads = ad.value_and_grad(mlp)(*args)
    first = rec.grad(*args)
    for g in first:
        g[...] = 1e6                # mutating what a replay returned
    for _ in range(50):
        rec.value_and_grad(*mlp_args(rng))
    got_value, got_grads = rec.value_and_grad(*args)
    assert_tree_close(got_value, want_value)
    assert_tree_close(got_grads, want_grads)
    assert all(np.all(g == 1e6) for g in first)   # earlier results untouched by later replays

    layer = lambda w, x: dnp.tanh(w @ x) * 2.0
    w, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    rec = ad.record(layer, w, x)
    value = rec.value(w, x)
    value[...] = 1e6
    assert_tree_close(rec.value(w, x), layer(w, x))
    assert np.all(value == 1e6)


def test_threads_replay_one_recording(rng):
    fun = lambda x, w: dnp.sum(dnp.tanh(w @ x) + dnp.max(x))   # max: Python inside the loop
    rec = ad.record(fun, rng.standard_normal(6), rng.standard_normal((5, 6)))
    cases = [(rng.standard_normal(6), rng.standard_normal((5, 6))) for _ in range(8)]
    wanted = [ad.grad(fun)(*c) for c in cases]
    failures = []

    def work(k):
        for i in range(40):
            c = (k + i) % len(cases)
            if not np.allclose(rec.grad(*cases[c]), wanted[c], rtol=1e-12, atol=1e-12):
                failures.append((k, i))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


def test_reentrant_replay_takes_fresh_buffers(rng):
    """A primitive that replays the same Recording from inside a replay of it."""
    inner = {}

    def triple(x):
        if "rec" in inner and "grad" not in inner:
            inner["grad"] = None           # one level deep
            inner["grad"] = inner["rec"].grad(x * 2.0)
        return x * 3.0

    prim = defprim("triple_reentrant", triple, vjp=lambda g, ans, x: (g * 3.0,))
    fun = lambda x: dnp.sum(dnp.sin(prim(x)) * x)
    rec = ad.record(fun, rng.standard_normal(4))
    inner["rec"] = rec
    x = rng.standard_normal(4)
    assert_tree_close(rec.grad(x), ad.grad(fun)(x))
    assert_tree_close(inner["grad"], ad.grad(fun)(x * 2.0))


def test_jacobian_of_vector_output(rng):
    fun = lambda x: dnp.tanh(x[None, :] * x[:, None]) @ x
    x = rng.standard_normal(4)
    rec = ad.record(fun, x)
    for _ in range(2):
        x = rng.standard_normal(4)
        assert_tree_close(rec.jacobian(x), ad.jacobian(fun)(x))
    with pytest.raises(TypeError, match="scalar-output"):
        rec.grad(x)


def test_float32_stays_float32(rng):
    fun = lambda x: dnp.sum(dnp.sin(x) * 2.0)
    x = rng.standard_normal(5).astype(np.float32)
    rec = ad.record(fun, x)
    g = rec.grad(x + 1)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, ad.grad(fun)(x + 1), rtol=1e-6)


def test_float32_mlp_matches_eager(rng):
    cast = lambda args: (tuple(p.astype(np.float32) for p in args[0]), args[1].astype(np.float32))
    rec = ad.record(mlp, *cast(mlp_args(rng)))
    for _ in range(3):
        args = cast(mlp_args(rng))
        value, grads = rec.value_and_grad(*args)
        want_value, want_grads = ad.value_and_grad(mlp)(*args)
        assert np.result_type(value) == np.float32
        assert all(g.dtype == np.float32 for g in grads)
        assert_tree_close(value, want_value)
        assert_tree_close(grads, want_grads)


def test_static_arguments_record_new_paths(rng):
    fun = lambda x, n: dnp.sum(x ** n)
    x = rng.standard_normal(3)
    rec = ad.record(fun, x, 2)
    assert_tree_close(rec.grad(x, 3), ad.grad(fun)(x, 3))
    assert_tree_close(rec.grad(x, 2), ad.grad(fun)(x, 2))
    assert_no_new_traces(rec, [lambda: rec.grad(x + 1, 2), lambda: rec.grad(x - 1, 3)])


# ---------------------------------------------------------------- guards
def branchy(x):
    if x > 0:
        return dnp.sin(x) * x
    return dnp.exp(x) - x * x


def test_if_branch_flip_retraces():
    rec = ad.record(branchy, 0.5)
    for x in (0.8, -0.7, 1.2, -2.0):
        assert rec.value(x) == pytest.approx(branchy(x))
        assert rec.grad(x) == pytest.approx(ad.grad(branchy)(x))
        assert rec.hessian(x) == pytest.approx(ad.hessian(branchy)(x))
    assert rec.trace_count == 6   # both branches of each method, each traced once
    assert_no_new_traces(rec, [lambda: rec.grad(-3.0), lambda: rec.hessian(3.0)])


def test_bool_of_traced_value_is_guarded():
    fun = lambda x: dnp.cos(x) if x - 1.0 else x * 3.0
    rec = ad.record(fun, 0.5)
    assert rec.grad(1.0) == pytest.approx(3.0)
    assert rec.grad(0.2) == pytest.approx(-np.sin(0.2))


def test_where_condition_flip_rerecords(rng):
    fun = lambda x: dnp.sum(dnp.where(x > 0, x ** 2, dnp.sin(x)))
    rec = ad.record(fun, np.array([1.0, -1.0, 2.0]))
    for _ in range(3):
        x = rng.standard_normal(3)
        assert_tree_close(rec.grad(x), ad.grad(fun)(x))
    scalar = lambda x: dnp.where(x > 0.0, x ** 2, dnp.sin(x)) * 2.0
    rec = ad.record(scalar, 1.0)
    for x in (0.5, -0.5, 0.0):
        assert rec.grad(x) == pytest.approx(ad.grad(scalar)(x))
        assert rec.value(x) == pytest.approx(scalar(x))


def test_masks_are_data_not_retraced(rng):
    fun = lambda x: dnp.sum(dnp.clip(x, -0.5, 0.5) * x + dnp.where(x > 0.1, x, 0.0)
                            + dnp.relu(x) ** 2)
    rec = ad.record(fun, rng.standard_normal(4))
    for _ in range(5):
        x = rng.standard_normal(4)
        assert_tree_close(rec.grad(x), ad.grad(fun)(x))
        assert_tree_close(rec.value(x), fun(x))
    assert rec.trace_count == 2   # value and value_and_grad, once each


@pytest.mark.parametrize("escape", [lambda t: float(t), lambda t: t.item(), lambda t: int(t),
                                    lambda t: t.numpy(), lambda t: np.asarray(t)],
                         ids=["float", "item", "int", "numpy", "asarray"])
def test_escaping_values_raise_while_recording(escape):
    with pytest.raises(ad.ConcretizationError):
        ad.record(lambda x: x * escape(x), 2.0)


def test_constants_are_pinned():
    fun = lambda x: x * ad.stop_gradient(x)     # a constant: d/dx = x's value
    rec = ad.record(fun, 2.0)
    for x in (2.0, 3.0, 5.5):
        assert rec.grad(x) == pytest.approx(x)
        assert rec.value(x) == pytest.approx(x * x)


def test_pinned_nan_does_not_rerecord():
    rec = ad.record(lambda x: x * ad.stop_gradient(x), np.nan)
    assert np.isnan(rec.grad(np.nan))
    assert_no_new_traces(rec, [lambda: rec.grad(np.nan), lambda: rec.value(np.nan)])


def test_no_grad_inside_is_pinned():
    def fun(x):
        with ad.no_grad():
            m = x * 2.0
        return x * m
    rec = ad.record(fun, 1.0)
    assert rec.value(3.0) == pytest.approx(18.0)
    assert rec.grad(3.0) == pytest.approx(6.0)


def test_static_values_kept_are_bounded():
    fun = lambda x, n: x * n if x > n else x - n
    rec = ad.record(fun, 0.5, 0)
    for n in range(MAX_PATHS + 3):
        assert rec.grad(0.5, n) == (n if 0.5 > n else 1.0)
    # the most recent MAX_PATHS static values are kept, the oldest were dropped
    assert_no_new_traces(rec, [lambda: rec.grad(0.5, n) for n in range(3, MAX_PATHS + 3)])
    before = rec.trace_count
    assert rec.grad(0.5, 0) == 0.0
    assert rec.trace_count == before + 1


def test_constants_are_taken_when_used():
    limit = np.array(0.0)

    def fun(x):   # changes the constant it compared with: the program keeps the value used
        above = x > limit
        limit[...] = 10.0 - limit
        return x * 2.0 if above else x
    rec = ad.record(fun, 1.0)
    limit[...] = 100.0
    assert rec.value(2.0) == 4.0   # compared with the 0 traced, not the 100 there now


# ---------------------------------------------------------------- arguments and constants
def test_shape_mismatch_raises(rng):
    rec = ad.record(lambda x: dnp.sum(x * x), np.ones(3))
    with pytest.raises(ValueError, match=r"argument 0 is of shape \(4,\).*recorded as of shape"):
        rec.grad(np.ones(4))
    with pytest.raises(ValueError, match="dtype"):
        rec.grad(np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match="structure"):
        ad.record(mlp, *mlp_args(rng)).grad(mlp_args(rng)[0][:3], np.ones(4))


def test_integer_differentiated_argument_raises():
    with pytest.raises(TypeError, match="argument 0"):
        ad.record(lambda x: x * 2, 3)


def test_constants_are_captured_by_value():
    a = np.array([1.0, 2.0, 3.0])
    scale = np.array(2.0)
    fun = lambda x: dnp.sum(a * x) * scale
    rec = ad.record(fun, np.ones(3))
    a[:] = 100.0
    scale[...] = 5.0
    np.testing.assert_allclose(rec.grad(np.zeros(3)), [2.0, 4.0, 6.0])
    np.testing.assert_allclose(rec.value(np.ones(3)), 12.0)


def test_caller_arrays_are_not_modified(rng):
    args = mlp_args(rng)
    copies = [p.copy() for p in args[0]] + [args[1].copy()]
    rec = ad.record(mlp, *args)
    rec.grad(*args)
    rec.jacobian(*args)
    for before, after in zip(copies, list(args[0]) + [args[1]]):
        np.testing.assert_array_equal(before, after)


def test_pytree_arguments(rng):
    fun = lambda p, x: dnp.sum(dnp.tanh(p["w"] @ x) * p["s"])
    p = {"w": rng.standard_normal((2, 3)), "s": 1.5}
    x = rng.standard_normal(3)
    check_replays(fun, (p, x), [({"w": rng.standard_normal((2, 3)), "s": 0.5}, x)],
                  hessian=False)


def test_bool_on_boxes_follows_numpy():
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)
    assert bool(ad.tensor(2.0)) and not bool(ad.tensor(0.0))


# ------------------------------------------------------------------ decisions taken from values
@pytest.mark.parametrize("fun,first,later", [
    (dnp.linalg.norm, np.zeros(2), np.array([3.0, 4.0])),                  # the zero test
    (lambda x: dnp.linalg.norm(x, 0) * dnp.sum(x), np.array([0.0, 1.0]), np.array([1.0, 1.0])),
    (lambda a: dnp.linalg.slogdet(a)[0] * dnp.sum(a), np.eye(2), np.diag([-1.0, 2.0])),
    (lambda x: dnp.sum(x * x.astype(int)), np.array([1.5, 2.5]), np.array([3.5, 2.5])),
], ids=["norm-at-zero", "norm-ord-0", "slogdet-sign", "astype-int"])
def test_value_dependent_decisions_are_guards(fun, first, later):
    rec = ad.record(fun, first)
    np.testing.assert_allclose(rec.value(later), fun(later))
    np.testing.assert_allclose(rec.grad(later), ad.grad(fun)(later))


def test_compiled_paths_keep_nan_as_eager():
    rec = ad.record(lambda x: dnp.maximum(x, 0.0), np.ones(3))
    np.testing.assert_array_equal(rec.value(np.array([np.nan, 1.0, -1.0])), [np.nan, 1.0, 0.0])
    assert np.isnan(ad.record(lambda x: dnp.maximum(x, 0.0), 1.0).value(np.nan))
    assert np.isnan(ad.record(dnp.abs, 1.0).grad(np.nan))
    assert np.isnan(ad.grad(dnp.abs)(np.nan))


def test_integer_constants_keep_their_dtype():
    from dualad import nn
    labels = np.array([0, 1])
    loss = lambda w: nn.functional.cross_entropy(w, labels)
    rec = ad.record(loss, np.ones((2, 3)))
    w = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(rec.grad(w), ad.grad(loss)(w))


def test_a_recording_inside_a_transform_is_differentiated():
    fun = lambda x: dnp.sin(x) * x
    rec = ad.record(fun, 1.0)
    assert ad.grad(lambda x: rec.value(x))(0.5) == pytest.approx(ad.grad(fun)(0.5))
    assert ad.jacfwd(lambda x: rec.grad(x))(0.5) == pytest.approx(ad.hessian(fun)(0.5))


@pytest.mark.parametrize("fun", [dnp.logsumexp, lambda x: dnp.sum(ad.special.log_softmax(x)),
                                 lambda x: dnp.sum(ad.special.softmax(x) * x)],
                         ids=["logsumexp", "log_softmax", "softmax"])
def test_the_max_shift_is_replayed_not_frozen(fun):
    rec = ad.record(fun, np.zeros(3))
    x = np.array([1000.0, 1001.0, 999.0])   # the recorded shift (0) would overflow here
    np.testing.assert_allclose(rec.value(x), fun(x))
    np.testing.assert_allclose(rec.grad(x), ad.grad(fun)(x))
    assert rec.trace_count == 2   # value and value_and_grad: no guard on the shift


def _quadratic(x, w):
    return dnp.sum(w * x ** 2)


def test_a_recording_pickles_and_compiles_again(rng):
    x, w = rng.standard_normal(3), rng.standard_normal(3)
    rec = ad.record(_quadratic, x, w)
    rec.grad(x, w)
    copy = pickle.loads(pickle.dumps(rec))
    assert copy.trace_count == 0      # the programs stay behind; the copy compiles its own
    assert_tree_close(copy.grad(2 * x, w), ad.grad(_quadratic)(2 * x, w))
    assert_tree_close(rec.grad(2 * x, w), ad.grad(_quadratic)(2 * x, w))
    assert "grad" in repr(copy) and "_quadratic" in repr(copy)


def test_each_method_compiles_once(rng):
    x = rng.standard_normal(3)
    rec = ad.record(lambda v: dnp.sum(dnp.tanh(v) ** 2), x)
    assert rec.trace_count == 2   # value and value_and_grad, when recorded
    for _ in range(3):
        x = rng.standard_normal(3)
        rec.value(x), rec.grad(x), rec.value_and_grad(x), rec.jacobian(x), rec.hessian(x)
    assert rec.trace_count == 4   # and jacobian and hessian on their first calls


def test_layers_with_fused_kernels_compose_under_a_recording(rng):
    # nn's layer functions bind their fused kernels only where no other trace follows them
    # (primitives.fused.fusable); inside the programs of a Recording they compose the layer
    from dualad import nn
    fun = lambda x, w, b: dnp.sum(nn.functional.layer_norm(x, (5,), w, b) ** 2)
    args = rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    new = [tuple(a + 0.1 * rng.standard_normal(a.shape) for a in args) for _ in range(2)]
    check_replays(fun, args, new, (0, 1, 2), hessian=False)
