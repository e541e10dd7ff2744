"""The compiled kernels against their NumPy references, and the dispatch between them."""
import contextlib
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dualad import _kernels
from dualad._kernels import reference

compiled = pytest.importorskip("dualad._kernels._unary")

DOMAIN = {"log": (0.1, 5), "log1p": (-0.9, 5), "sqrt": (0.1, 5), "tan": (-1.4, 1.4),
          "reciprocal": (0.1, 5)}
EDGES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 800.0, -800.0, 40.0, -40.0, 1.0, -1.0, 1e-310,
         -1e-310, 1e-30, 0.5, -0.999]
TOL = {np.float64: 1e-13, np.float32: 2e-6}
# 0-d, empty, one block, several blocks with a ragged end, above the threshold for threads
SIZES = [(), (0,), (7, 11), (3, 2049), (70001,)]


def both(op, x):
    with np.errstate(all="ignore"):
        return getattr(compiled, op + "_fwd")(x), getattr(reference, op + "_fwd")(x)


def assert_same(got, want, tol):
    """Equal within ``tol``, with NaN, infinities and the sign of zero in the same places."""
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_compiled_kernels_are_in_use():
    assert _kernels.COMPILED or os.environ.get("DUALAD_PUREPYTHON")


@pytest.mark.parametrize("op", _kernels.UNARY_OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SIZES, ids=str)
def test_unary_kernel_parity(op, dtype, shape):
    lo, hi = DOMAIN.get(op, (-5, 5))
    x = np.random.default_rng(0).uniform(lo, hi, shape).astype(dtype)
    if x.size and lo < 0:
        x.flat[0] = 0.0
    (y, d), (y_ref, d_ref) = both(op, x)
    assert_same(y, y_ref, TOL[dtype])
    assert_same(d, d_ref, TOL[dtype])
    value = getattr(compiled, op + "_value")(x)
    assert_same(value, getattr(reference, op + "_value")(x), TOL[dtype])
    np.testing.assert_array_equal(value, y)   # the same loop: bitwise equal to the fused value


@pytest.mark.parametrize("op", _kernels.UNARY_OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_edge_values_match_numpy(op, dtype):
    x = np.array(EDGES, dtype=dtype)
    (y, d), (y_ref, d_ref) = both(op, x)
    assert_same(y, y_ref, TOL[dtype])
    assert_same(d, d_ref, TOL[dtype])


@pytest.mark.parametrize("op", _kernels.UNARY_OPS)
def test_float64_scalars_take_the_same_loop(op):
    """NumPy float64 scalars (scalar code) go through the compiled loop too: NumPy scalars out,
    equal to the reference, edge values included, and the value-only call bitwise equal."""
    lo, hi = DOMAIN.get(op, (-5, 5))
    for v in [lo, hi, (lo + hi) / 3] + EDGES:
        x = np.float64(v)
        (y, d), (y_ref, d_ref) = both(op, x)
        assert type(y) is np.float64 and type(d) is np.float64
        assert_same(np.asarray(y), np.asarray(y_ref), TOL[np.float64])
        assert_same(np.asarray(d), np.asarray(d_ref), TOL[np.float64])
        with np.errstate(all="ignore"):
            value = getattr(compiled, op + "_value")(x)
        assert type(value) is np.float64 and (value == y or (np.isnan(value) and np.isnan(y)))


def test_edge_semantics():
    x = np.array([np.nan, -np.inf, 800.0, -800.0, 0.0, -0.0])
    relu, drelu = compiled.relu_fwd(x)
    assert np.isnan(relu[0]) and drelu[0] == 0 and drelu[4] == drelu[5] == 0
    assert compiled.exp_fwd(x)[0][1] == 0.0
    s, ds = compiled.sigmoid_fwd(x)
    np.testing.assert_array_equal(s[2:4], [1.0, 0.0])
    assert np.all(np.isfinite(ds[1:]))
    np.testing.assert_array_equal(compiled.abs_fwd(x)[1][4:], [0.0, 0.0])


def test_exp_shares_value_and_derivative():
    y, d = compiled.exp_fwd(np.linspace(-1, 1, 5))
    assert y is d


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


@pytest.mark.parametrize("xshape, target, lead", [
    ((1, 300, 40), (40,), 1),          # leading axes summed
    ((2, 30, 5000), (30, 1), 1),       # a unit axis: contiguous rows summed
    ((1, 4, 6, 5), (1, 6, 1), 1),      # two summed runs: the reference's case
    ((3, 4, 5), (4, 5), 1),            # nothing to sum
    ((2, 0, 3), (1, 3), 1),            # empty
    ((2, 3, 8, 9), (8, 1), 2),         # two kept leading axes
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unbroadcast_cases(xshape, target, lead, dtype):
    x = np.random.default_rng(1).standard_normal(xshape).astype(dtype)
    got = compiled.unbroadcast(x, target, lead)
    want = reference.unbroadcast(x, target, lead)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-4)


def test_unbroadcast_long_sum_is_accurate():
    x = np.random.default_rng(2).standard_normal((1, 10**6))
    got = compiled.unbroadcast(x, (1,), 1)[0, 0]
    assert abs(got - math.fsum(x[0])) < 1e-11


class Subclass(np.ndarray):
    pass


def test_dispatch_falls_back_for_other_inputs():
    kernel = _kernels.UNARY_FWD["sin"]
    base = np.linspace(0, 1, 10)
    others = (base[::2], np.arange(4), np.float64(0.3), 0.3, base.astype(">f8"),
              base.view(Subclass), base.astype(np.float16))
    for x in others:
        y, d = kernel(x)
        np.testing.assert_allclose(y, np.sin(x), rtol=1e-3)
        np.testing.assert_allclose(d, np.cos(x), rtol=1e-3)
        assert type(y) is type(np.sin(x))
    strided = np.ones((4, 6))[:, ::2]
    np.testing.assert_array_equal(_kernels.unbroadcast(strided[None], (3,), 1), [[4.0] * 3])


def test_purepython_forces_the_references(tmp_path):
    code = ("from dualad import _kernels as k; from dualad._kernels import reference as r;"
            "assert not k.COMPILED and k.UNARY_FWD['sin'] is r.sin_fwd "
            "and k.unbroadcast is r.unbroadcast")
    env = dict(os.environ, DUALAD_PUREPYTHON="1")
    # run outside the checkout, so that the installed (built) dualad is imported
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path)


@contextlib.contextmanager
def _threads(n):
    """The kernels on ``n`` threads inside the block."""
    previous = _kernels.set_num_threads(n)
    try:
        yield
    finally:
        _kernels.set_num_threads(previous)


def _one_thread(kernel, *args):
    with _threads(1):
        return kernel(*args)


def test_threads_give_the_same_results():
    x = np.random.default_rng(3).uniform(-5, 5, 200_001)
    with _threads(2):
        threaded = {op: compiled.__dict__[op + "_fwd"](x) for op in ("sin", "tanh", "relu")}
    for op, (y, d) in threaded.items():
        y1, d1 = compiled.__dict__[op + "_fwd"](x)
        np.testing.assert_array_equal(y, y1)
        np.testing.assert_array_equal(d, d1)


def test_thread_count_is_checked():
    with pytest.raises(ValueError, match="at least 1"):
        _kernels.set_num_threads(0)


def test_kernels_called_from_several_threads_at_once():
    """The pool runs one job at a time; a caller that finds it busy runs its blocks itself.
    Every caller gets the results of one thread."""
    import concurrent.futures
    rows = np.random.default_rng(4).uniform(-5, 5, (8, 300_001))
    want = [_one_thread(compiled.tanh_fwd, row) for row in rows]
    want_sums = [_one_thread(_sum_into, row) for row in rows]
    with _threads(3), concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(compiled.tanh_fwd, rows))
        got_sums = list(pool.map(_sum_into, rows))
    for (y, d), (y1, d1) in zip(got, want):
        np.testing.assert_array_equal(y, y1)
        np.testing.assert_array_equal(d, d1)
    for total, total1 in zip(got_sums, want_sums):
        np.testing.assert_array_equal(total, total1)


def _sum_into(row):
    out = np.ones((2, row.size))
    assert compiled.add_product(out, np.full((2, row.size), 0.5), row)
    return out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_a_forked_child_runs_threaded_kernels():
    """After fork() the child has none of the parent's workers; its kernels start their own
    (they would otherwise wait for workers that do not exist)."""
    import time
    x = np.random.default_rng(5).uniform(-5, 5, 300_001)
    with _threads(2):
        want = compiled.sin_fwd(x)   # the parent's workers are running now
        pid = os.fork()
        if pid == 0:   # the child: exit status 0 when the threaded kernel gave the same result
            ok = False
            try:
                ok = all(np.array_equal(a, b) for a, b in zip(compiled.sin_fwd(x), want))
            finally:
                os._exit(0 if ok else 1)   # never back into pytest
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child's kernel did not finish")


@given(st.integers(0, 70), st.sampled_from([np.float64, np.float32, np.uint8, np.int16]))
def test_fingerprint_parity(n, dtype):
    _guard = pytest.importorskip("dualad._kernels._guard")   # built, even if not in use
    a = (np.random.default_rng(n).standard_normal(n) * 100).astype(dtype)
    assert _guard.fingerprint(a) == reference.fingerprint(a)
    assert _guard.fingerprint(a[::-1]) == reference.fingerprint(a[::-1])   # strided: reference


def test_fingerprint_sees_every_single_word_change_and_moves():
    from dualad._kernels import fingerprint
    a = np.random.default_rng(0).standard_normal(1001)
    base = fingerprint(a)
    for i in (0, 500, 1000):
        b = a.copy()
        b[i] = np.nextafter(b[i], np.inf)      # the smallest possible change of one element
        assert fingerprint(b) != base
    assert fingerprint(np.roll(a, 1)) != base
    assert fingerprint(a.reshape(7, 143)) == base   # same bytes: shape is checked separately


@pytest.mark.parametrize("dtype, ulps", [(np.float64, 8), (np.float32, 4)])
def test_tanh_through_expm1_is_accurate_at_every_magnitude(dtype, ulps):
    """The compiled tanh is -t / (t + 2), t = expm1(-2|x|), signed by copysign: within a few
    units in the last place of NumPy's tanh from subnormals to saturation, either sign."""
    info = np.finfo(dtype)
    with np.errstate(over="ignore"):   # 10 ** log10(max) may round past max: clipped below
        mags = np.logspace(float(np.log10(info.smallest_subnormal)) + 1,
                           float(np.log10(info.max)), 20001)
    mags = np.minimum(mags, float(info.max))
    x = np.concatenate([mags, -mags]).astype(dtype)
    y, d = compiled.tanh_fwd(x)
    want = np.tanh(x.astype(np.float64))
    assert np.all(np.abs(y - want) <= ulps * np.spacing(np.abs(want).astype(dtype)))
    np.testing.assert_array_equal(np.signbit(y), np.signbit(x))
    np.testing.assert_allclose(d, 1 - y * y, rtol=0, atol=2 * np.finfo(dtype).eps)


@pytest.mark.parametrize("nbytes", [8 * 65536 - 1, 8 * 65536, 8 * 200_003 + 5])
def test_fingerprint_threads_give_the_same_result(nbytes):
    """Chunks summed by several threads (mod 2**64) give the one-thread fingerprint, which is the
    reference's; the ragged last chunk and partial last word included."""
    _guard = _kernels._guard
    if _guard is None:
        pytest.skip("the compiled fingerprint is not in use")
    a = np.random.default_rng(nbytes).integers(0, 256, nbytes, dtype=np.uint8)
    previous = _guard.set_num_threads(3)
    try:
        threaded = _guard.fingerprint(a)
    finally:
        _guard.set_num_threads(previous)
    single = _guard.set_num_threads(1)
    try:
        assert threaded == _guard.fingerprint(a) == reference.fingerprint(a)
    finally:
        _guard.set_num_threads(single)
    with pytest.raises(ValueError, match="at least 1"):
        _guard.set_num_threads(0)


def _threads_in_fresh_process(tmp_path, env):
    """dualad's thread count in a new interpreter, and whether importing dualad left an OpenMP
    setting in the environment (it must not: such settings are process-wide)."""
    code = ("import os; before = dict(os.environ); from dualad import _kernels as k; "
            "print(k.set_num_threads(1), dict(os.environ) == before)")
    env = {key: value for key, value in dict(os.environ, **env).items()
           if key != "DUALAD_NUM_THREADS" or key in env}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), out[1] == "True"


needs_compiled = pytest.mark.skipif(not _kernels.COMPILED,
                                    reason="the compiled kernels set threads")


@needs_compiled
def test_default_threads_are_the_usable_cores(tmp_path):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _threads_in_fresh_process(tmp_path, {}) == (cores, True)
    assert _threads_in_fresh_process(tmp_path, {"DUALAD_NUM_THREADS": "3"}) == (3, True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (70001,)])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("g_form", ["contiguous", "one value", "ones"])
def test_add_product_parity(dtype, shape, k, g_form):
    """``out += g * d`` in one pass gives the bits of NumPy's ``out + g * d``, edge values
    included, for a contiguous ``g`` and for one value repeated (a broadcast seed)."""
    rng = np.random.default_rng(k)
    n = int(np.prod(shape))
    edges = np.resize(np.array(EDGES, dtype=dtype), n)
    d = (rng.standard_normal(n).astype(dtype) * edges if n > 30 else edges).reshape(shape)
    out = rng.standard_normal((k,) + shape).astype(dtype)
    if g_form == "contiguous":
        g = rng.standard_normal((k,) + shape).astype(dtype)
    else:
        value = 1.0 if g_form == "ones" else -2.5
        g = np.broadcast_to(np.array(value, dtype=dtype), (k,) + shape)
    with np.errstate(all="ignore"):
        want = out + g * d
        got = out.copy()
        assert compiled.add_product(got, g, d) is True
        ref = out.copy()
        assert reference.add_product(ref, g, d) is True
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ref, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_add_product_leaves_other_layouts_to_the_caller():
    out, g, d = np.zeros((1, 6)), np.ones((1, 6)), np.arange(6.0)
    untouched = out.copy()
    assert not compiled.add_product(out, g, d[::-1].copy()[::-1])          # strided d
    assert not compiled.add_product(out, np.ones((1, 12))[:, ::2], d)      # strided g
    assert not compiled.add_product(out, g.astype(np.float32), d)          # mixed dtypes
    assert not compiled.add_product(out, g, np.arange(3.0))                # shapes disagree
    read_only = out.copy()
    read_only.flags.writeable = False
    assert not compiled.add_product(read_only, g, d)
    np.testing.assert_array_equal(out, untouched)


def _tangent(rng, k, shape, dtype, layout):
    """A ``(k,) + shape`` tangent: contiguous, every other row of a larger array, the first
    columns of a wider one (as a basis tangent's slice ``eye[:, :m]``), or one row repeated."""
    n = int(np.prod(shape))
    if layout == "contiguous":
        return rng.standard_normal((k,) + shape).astype(dtype)
    if layout == "every other row":
        return rng.standard_normal((2 * k,) + shape).astype(dtype)[::2]
    if layout == "columns of a wider array":
        return rng.standard_normal((k, n + 3)).astype(dtype)[:, :n].reshape((k,) + shape)
    return np.broadcast_to(rng.standard_normal(shape).astype(dtype), (k,) + shape)


LAYOUTS = ["contiguous", "every other row", "columns of a wider array", "one row repeated"]


@given(st.integers(1, 5), hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5),
       st.sampled_from(LAYOUTS), st.sampled_from(LAYOUTS), st.integers(0, 2), st.integers(0, 2),
       st.sampled_from([np.float64, np.float32]), st.integers(0, 2 ** 32 - 1))
def test_product_rule_parity(k, shape, layout_x, layout_y, units_x, units_y, dtype, seed):
    """``tx * y + ty * x`` in one pass gives NumPy's bits for every tangent layout, with ``x``
    and ``y`` given leading unit axes up to the tangents' rank."""
    rng = np.random.default_rng(seed)
    tx = _tangent(rng, k, shape, dtype, layout_x)
    ty = _tangent(rng, k, shape, dtype, layout_y)
    x = rng.standard_normal((1,) * units_x + shape).astype(dtype)
    y = rng.standard_normal((1,) * units_y + shape).astype(dtype)
    want = tx * y + ty * x
    got = compiled.product_rule(tx, y, ty, x)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_product_rule_special_values_and_warnings_are_numpys(dtype):
    edges = np.array(EDGES, dtype=dtype)
    n = len(edges)
    tx, ty = np.tile(edges, (n, 1)), np.tile(edges[::-1], (n, 1))
    x, y = np.roll(edges, 3), np.roll(edges, 5)
    with np.errstate(all="ignore"):
        want = tx * y + ty * x
        got = compiled.product_rule(tx, y, ty, x)
    assert_same(got, want, 0)
    big = np.full((2, 3), np.finfo(dtype).max, dtype=dtype)
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert np.isinf(compiled.product_rule(big, big[0], big, big[0])).all()


@pytest.mark.parametrize("tx, y, ty, x", [
    (np.ones((2, 3, 1)), np.ones((3, 1)), np.ones((2, 1, 3)), np.ones((1, 3))),  # broadcasting
    (np.ones((2, 6))[:, ::2], np.ones(3), np.ones((2, 3)), np.ones(3)),          # strided rows
    (np.ones((2, 3)), np.ones(3, np.float32), np.ones((2, 3)), np.ones(3)),      # mixed dtypes
    (np.ones((2, 3)), np.ones(6)[::2], np.ones((2, 3)), np.ones(3)),             # strided y
    (np.ones((2, 3)), np.ones((1, 1, 3)), np.ones((2, 3)), np.ones(3)),          # y of more axes
    (np.ones((0, 3)), np.ones(3), np.ones((0, 3)), np.ones(3)),                  # no rows
    (np.ones((2, 3), int), np.ones(3, int), np.ones((2, 3), int), np.ones(3, int)),
])
def test_product_rule_leaves_other_layouts_to_numpy(tx, y, ty, x):
    want = tx * y + ty * x
    got = compiled.product_rule(tx, y, ty, x)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_product_rule_threads_give_the_same_result():
    rng = np.random.default_rng(5)
    tx, ty = rng.standard_normal((2, 3, 40_001)), rng.standard_normal((6, 3, 40_001))[::3]
    x, y = rng.standard_normal((3, 40_001)), rng.standard_normal((3, 40_001))
    with _threads(2):
        threaded = compiled.product_rule(tx, y, ty, x)
    np.testing.assert_array_equal(threaded, tx * y + ty * x)


def test_product_rule_takes_the_loop_for_basis_tangent_slices(monkeypatch):
    """No NumPy fallback for the layouts forward mode hands it: a basis tangent's column
    slice, and tangents aligned to a result of more axes than an operand."""
    def numpy_fallback(*args):
        raise AssertionError("the compiled loop refused a layout it should take")

    rng = np.random.default_rng(0)
    eye, u, v = np.eye(8), rng.standard_normal(4), rng.standard_normal(4)
    expected = eye[:, :4] * v + eye[:, 4:] * u
    monkeypatch.setattr(reference, "product_rule", numpy_fallback)
    np.testing.assert_array_equal(compiled.product_rule(eye[:, :4], v, eye[:, 4:], u), expected)
    t = rng.standard_normal((5, 1, 4))
    got = compiled.product_rule(t, u, t, v[None])
    monkeypatch.undo()
    np.testing.assert_array_equal(got, t * u + t * v[None])


ARITHMETIC_SIZE = 70_001   # above ARITHMETIC_MIN, with a ragged last block


def _operands(case, dtype, rng):
    """Operand pairs of each layout the shared loop takes (a view ``[:, :-1]`` has rows
    that are C-contiguous, and so does ``eye[:, :m]``)."""
    def rows(k, n):   # a (k, n) view with C-contiguous rows, as a basis tangent's slice
        return rng.standard_normal((k, n + 1)).astype(dtype)[:, :-1]
    normal = lambda *shape: rng.standard_normal(shape).astype(dtype)   # noqa: E731
    return {
        "one shape": (normal(ARITHMETIC_SIZE), normal(ARITHMETIC_SIZE)),
        "one shape, 2-d": (normal(7, 10_001), normal(7, 10_001)),
        "row repeated": (normal(300, 301), normal(301)),
        "row repeated, first": (normal(1, 301), normal(300, 301)),
        "rows of 2-d": (normal(7, 3, 5000), normal(3, 5000)),
        "strided rows": (rows(300, 301), normal(300, 301)),
        "both strided rows": (rows(300, 301), rows(300, 301)),
        "strided rows, row repeated": (normal(301), rows(300, 301)),
        "broadcast rows": (np.broadcast_to(normal(301), (300, 301)), normal(300, 301)),
        "broadcast rows, row repeated": (np.broadcast_to(normal(301), (300, 301)), normal(301)),
    }[case]


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", ["one shape", "one shape, 2-d", "row repeated",
                                  "row repeated, first", "rows of 2-d", "strided rows",
                                  "both strided rows", "strided rows, row repeated",
                                  "broadcast rows", "broadcast rows, row repeated"])
def test_arithmetic_parity(monkeypatch, name, dtype, case):
    """The shared loop (no NumPy fallback: the reference is replaced) gives the ufunc's bits
    and a C-contiguous result of the broadcast shape."""
    assert compiled.ARITHMETIC_MIN <= ARITHMETIC_SIZE
    x, y = _operands(case, dtype, np.random.default_rng(2))
    want = getattr(np, name)(x, y)

    def numpy_fallback(*args):
        raise AssertionError("the compiled loop refused a layout it should take")

    monkeypatch.setattr(reference, "arithmetic", numpy_fallback)
    with _threads(2):
        got = compiled.arithmetic(name, x, y)
    assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_arithmetic_special_values_and_warnings_are_numpys(name, dtype):
    edges = np.resize(np.array(EDGES, dtype=dtype), ARITHMETIC_SIZE)
    x, y = edges, np.roll(edges, 5)
    with np.errstate(all="ignore"), _threads(2):
        assert_same(compiled.arithmetic(name, x, y), getattr(np, name)(x, y), 0)
    big = np.full(ARITHMETIC_SIZE, np.finfo(dtype).max, dtype=dtype)
    other = {"add": big, "subtract": -big, "multiply": big, "divide": np.full_like(big, 0.5)}
    with _threads(2), pytest.warns(RuntimeWarning, match="overflow"):
        assert np.isinf(compiled.arithmetic(name, big, other[name])).all()
    with _threads(2), np.errstate(over="raise"), pytest.raises(FloatingPointError):
        compiled.arithmetic(name, big, other[name])


@pytest.mark.parametrize("x, y", [
    (np.ones(ARITHMETIC_SIZE), np.ones((1, ARITHMETIC_SIZE))),             # result of more axes
    (np.ones((300, 300)), np.ones((300, 1))),                              # a column repeated
    (np.ones((ARITHMETIC_SIZE, 2)), np.ones(2)),                           # a short row
    (np.ones(2 * ARITHMETIC_SIZE)[::2], np.ones(ARITHMETIC_SIZE)),         # strided
    (np.ones(ARITHMETIC_SIZE), np.ones(ARITHMETIC_SIZE, np.float32)),      # mixed dtypes
    (np.ones(ARITHMETIC_SIZE, int), np.ones(ARITHMETIC_SIZE, int)),        # integers
    (np.ones(100), np.ones(100)),                                          # small
    (np.ones((0, 300)), np.ones(300)),                                     # empty
])
def test_arithmetic_leaves_other_operands_to_numpy(monkeypatch, x, y):
    calls = []

    def numpy_fallback(name, x, y):
        calls.append(name)
        return getattr(np, name)(x, y)

    monkeypatch.setattr(reference, "arithmetic", numpy_fallback)
    with _threads(2):
        got = compiled.arithmetic("multiply", x, y)
    want = x * y
    assert calls == ["multiply"]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_arithmetic_on_one_thread_is_numpys(monkeypatch):
    calls = []
    monkeypatch.setattr(reference, "arithmetic", lambda *args: calls.append(args) or 0)
    with _threads(1):
        compiled.arithmetic("add", np.ones(ARITHMETIC_SIZE), np.ones(ARITHMETIC_SIZE))
    assert len(calls) == 1


@pytest.mark.skipif(not _kernels.COMPILED, reason="DUALAD_PUREPYTHON: NumPy does it all")
def test_large_array_arithmetic_takes_the_loop(monkeypatch):
    """dualad's add, subtract, multiply and divide of two large arrays (traced or not) go
    through the shared loop and keep NumPy's bits."""
    import dualad as ad
    import dualad.numpy as dnp
    from dualad._kernels import _arithmetic

    calls = []

    def counted(name, x, y):
        calls.append(name)
        return compiled.arithmetic(name, x, y)

    monkeypatch.setattr(_arithmetic, "arithmetic", counted)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(ARITHMETIC_SIZE), rng.uniform(1, 2, ARITHMETIC_SIZE)
    with _threads(2):
        value = dnp.divide(dnp.multiply(dnp.add(x, y), dnp.subtract(x, y)), y)
        g = ad.grad(lambda x: dnp.sum(x * y + x / y))(x)
    np.testing.assert_array_equal(value, (x + y) * (x - y) / y)
    np.testing.assert_array_equal(g, y + 1 / y)
    assert calls[:4] == ["add", "subtract", "multiply", "divide"] and len(calls) >= 6
