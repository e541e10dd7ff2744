"""The compiled array interpreter (``_interpreters.ArrayTape``) runs whole training steps:
integer labels, boolean masks, NumPy steps and a NumPy step counter are values of its
program, not a reason to run it as Python. Results equal eager evaluation's."""
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import _kernels
from dualad.compiler import arrays
from dualad.compiler.api import _quick_leaves
from dualad.compiler.arrays import ArrayExecutable

compiled_only = pytest.mark.skipif(not _kernels.COMPILED,
                                   reason="DUALAD_PUREPYTHON or no build: no compiled interpreter")
RNG = np.random.default_rng(7)


def executables(jitted):
    return [exe for paths in jitted._paths.values() for exe in paths]


def listing_of(jitted, *args):
    """The ``arrays._Listing`` of the tape that ``jitted(*args)`` builds (its first call)."""
    listings = []
    build = arrays._Listing.tape

    def recorded(listing):
        listings.append(listing)
        return build(listing)
    arrays._Listing.tape = recorded
    try:
        jitted(*args)
    finally:
        arrays._Listing.tape = build
    [listing] = listings
    return listing


def kinds_of(listing):
    """The tape's instructions' kinds, in order."""
    return [_kernels._interpreters.KINDS[row[0]] for row in listing.code]


def assert_same_tree(got, want, rtol=0.0):
    """Equal pytrees: types (a step counter a Python int, as eagerly), shapes, dtypes, and
    values (bit for bit unless ``rtol``)."""
    assert type(got) is type(want)
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same_tree(g, w, rtol)
        return
    assert np.shape(got) == np.shape(want)
    assert np.result_type(got) == np.result_type(want)
    if rtol:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-15)
    else:
        np.testing.assert_array_equal(got, want)


# -- a training step: cross-entropy at integer labels, ReLU, Adam with a step counter ----------
def loss(params, x, labels):
    w1, b1, w2, b2 = params
    h = dnp.maximum(x @ w1.T + b1, 0.0)
    logits = h @ w2.T + b2
    shifted = logits - dnp.max(logits, axis=1, keepdims=True)
    log_norm = dnp.log(dnp.sum(dnp.exp(shifted), axis=1))
    return dnp.mean(log_norm - shifted[dnp.arange(shifted.shape[0]), labels])


def adam_step(params, state, x, labels):
    t, m, v = state
    grads = ad.grad(loss)(params, x, labels)
    t = t + 1
    m = tuple(0.9 * mi + 0.1 * g for mi, g in zip(m, grads))
    v = tuple(0.999 * vi + 0.001 * g * g for vi, g in zip(v, grads))
    c1, c2 = 1.0 - 0.9 ** t, 1.0 - 0.999 ** t
    params = tuple(p - 0.01 * (mi / c1) / (dnp.sqrt(vi / c2) + 1e-8)
                   for p, mi, vi in zip(params, m, v))
    return params, (t, m, v)


def init(n_in=12, hidden=20, n_out=5):
    params = (RNG.standard_normal((hidden, n_in)) * 0.3, RNG.standard_normal(hidden) * 0.1,
              RNG.standard_normal((n_out, hidden)) * 0.3, RNG.standard_normal(n_out) * 0.1)
    return params, (0, tuple(np.zeros_like(p) for p in params),
                    tuple(np.zeros_like(p) for p in params))


def batches(n, size=16, n_in=12, n_out=5):
    return [(RNG.standard_normal((size, n_in)), RNG.integers(0, n_out, size)) for _ in range(n)]


def train(step, params, state, data):
    history = []
    for x, labels in data:
        params, state = step(params, state, x, labels)
        history.append((params, state))
    return history


@compiled_only
def test_a_training_step_runs_on_the_array_tape_with_eager_results():
    params, state = init()
    data = batches(6)
    jitted = ad.jit(adam_step)
    got, want = train(jitted, params, state, data), train(adam_step, params, state, data)
    for g, w in zip(got, want):
        # the tape's small matmuls sum in their own order: within rounding of eager
        assert_same_tree(g, w, rtol=1e-12)
    # the step counter comes back a Python int, as eagerly, so one trace serves every call;
    # labels change on every call without tracing again
    assert jitted.trace_count == 1
    assert got[-1][1][0] == want[-1][1][0] == len(data)
    assert all(type(state[0]) is int for _, state in got)
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


def test_the_python_executor_gives_the_same_training_run(monkeypatch):
    """The same program run as Python (what DUALAD_PUREPYTHON and a busy tape use)."""
    monkeypatch.setattr(ArrayExecutable, "build", classmethod(lambda cls, program, fb: None))
    params, state = init()
    data = batches(4)
    jitted = ad.jit(adam_step)
    got, want = train(jitted, params, state, data), train(adam_step, params, state, data)
    for g, w in zip(got, want):
        assert_same_tree(g, w)   # the same NumPy calls as eager: bit for bit
        assert type(g[1][0]) is int   # the step counter, as eagerly
    assert not any(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


@compiled_only
def test_a_busy_tape_runs_the_listed_program_as_python():
    """A call that finds the tape busy (another thread in it) runs the program's Python
    version, whose steps the listing rewrote and reordered: its buffer reuse (``in_place``)
    is found again for them, so it computes the tape's values."""
    params, state = init(n_in=64, hidden=128)   # values big enough to reuse their buffers
    (x, labels), = batches(1, size=64, n_in=64)
    jitted = ad.jit(adam_step)
    jitted(params, state, x, labels)
    [exe] = executables(jitted)
    program = exe.program
    assert program.in_place
    for k, (ufunc, _) in program.in_place.items():
        assert program.steps[k].name == ufunc.__name__
    inputs = []
    _quick_leaves((params, state, x, labels), [], inputs)
    for g, w in zip(exe._fallback().run(inputs), exe.run(inputs)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


def test_pure_python_training_step_in_a_subprocess():
    """With ``DUALAD_PUREPYTHON=1`` (no compiled module) ``ad.jit`` runs the same training
    step as Python, with eager's results."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
        import numpy as np
        import dualad as ad
        from dualad import _kernels
        from test_jit_array_tape import adam_step, batches, init, train
        assert _kernels._load("_interpreters") is None
        params, state = init()
        data = batches(3)
        got = train(ad.jit(adam_step), params, state, data)
        want = train(adam_step, params, state, data)
        for (gp, gs), (wp, ws) in zip(got, want):
            for g, w in zip(gp + gs[1] + gs[2], wp + ws[1] + ws[2]):
                np.testing.assert_array_equal(g, w)
            assert gs[0] == ws[0]
        print("ok")
    """)
    env = dict(os.environ, DUALAD_PUREPYTHON="1")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tempfile.gettempdir(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


# -- masks, special values, integer and boolean results ----------------------------------------
def masked(x, y):
    kept = dnp.where(y > 0, x * y, -y)
    smooth = dnp.tanh(x) * 2.0 + x * y * 0.5 - y / 3.0 + dnp.exp(-x * x) * y
    return dnp.sum(dnp.maximum(x, 0.0) * kept + dnp.clip(x, -1.0, 1.0) * smooth - smooth * y)


def masked_outputs(x, y):
    """Boolean and integer results beside float ones."""
    z = dnp.tanh(x) * y + x * x - y / 3.0 + dnp.exp(-x * x) * y
    return z, x > y, dnp.sum(x > 0), dnp.where(z > 0, z, 0.0)


SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.0, 3.0])


@compiled_only
@pytest.mark.parametrize("fun", [masked, ad.grad(masked), ad.grad(masked, argnums=1),
                                 masked_outputs], ids=["value", "grad", "grad_y", "outputs"])
def test_masks_and_special_values_equal_eager(fun):
    jitted = ad.jit(fun)
    with np.errstate(all="ignore"):
        for k in range(5):
            x, y = RNG.standard_normal(64), RNG.standard_normal(64)
            if k % 2:
                x[:8], y[:8] = SPECIALS, SPECIALS[::-1]
            assert_same_tree(jitted(x, y), fun(x, y))
    assert jitted.trace_count == 1
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


@compiled_only
def test_integer_labels_as_data_and_as_a_guard():
    def f(z, labels):
        picked = z[dnp.arange(z.shape[0]), labels]
        scale = 2.0 if dnp.sum(labels) > 10 else 0.5   # a guard on the labels
        return dnp.sum(dnp.exp(picked) * scale), labels * 2

    jitted = ad.jit(f)
    z = RNG.standard_normal((8, 4))
    for labels in (np.full(8, 3), np.zeros(8, dtype=np.int64), np.full(8, 3),
                   np.arange(8) % 4):
        assert_same_tree(jitted(z, labels), f(z, labels))
    assert jitted.trace_count == 2   # one path per side of the guard


@compiled_only
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 1)),
                                    ((1, 5, 4), (5, 1)), ((2, 3, 4), (1, 3, 4)),
                                    ((4, 3), (4, 1, 1)), ((6,), ())])
def test_broadcast_operands_read_as_rows_columns_and_maps(shapes):
    a_shape, b_shape = shapes

    def f(a, b):
        return (a * b + b) / (a - b), dnp.exp(a) * b

    jitted = ad.jit(f)
    for _ in range(2):
        a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
        if b.ndim == 0:
            b = np.asarray(b)
        assert_same_tree(jitted(a, b), f(a, b))


@compiled_only
def test_outputs_never_share_memory_with_the_tape():
    """Outputs are fresh arrays or NumPy's own results: a later call does not change them."""
    def f(x, w):
        h = dnp.tanh(x @ w)
        return h, h.T, (x * 2.0).T, x

    jitted = ad.jit(f)
    x, w = RNG.standard_normal((6, 5)), RNG.standard_normal((5, 4))
    first = jitted(x, w)
    kept = [np.array(v) for v in first]
    jitted(RNG.standard_normal((6, 5)), RNG.standard_normal((5, 4)))
    for v, k in zip(first, kept):
        np.testing.assert_array_equal(v, k)
    assert_same_tree(list(first), list(f(x, w)), rtol=1e-13)
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


@compiled_only
def test_small_programs_of_python_steps_stay_python():
    """A program whose steps C loops do not run stays the generated Python function."""
    jitted = ad.jit(lambda x: dnp.cumsum(dnp.sort(x)))
    x = RNG.standard_normal(20)
    assert np.array_equal(jitted(x), dnp.cumsum(dnp.sort(x)))
    assert not any(isinstance(exe, ArrayExecutable) for exe in executables(jitted))
    assert arrays.SMALL_ARRAY >= 1 << 16


@compiled_only
@pytest.mark.parametrize("shape, axes", [((5, 7), None), ((1, 9, 4), (0, 2, 1)),
                                         ((3, 1, 17), (2, 1, 0)), ((2, 3, 4), (1, 0, 2))])
def test_moves_read_by_loops_copy_the_elements_eager_reads(shape, axes):
    """Transposes (a matrix's: tiled; any other: an index map) and slices feeding C loops.
    Elementwise results are eager's bits; a sum of the moved copy adds in NumPy's pairwise
    order for contiguous memory where eager summed a strided view: within rounding."""
    def f(x):
        t = dnp.transpose(x, axes)
        return t * 2.0 + 1.0, dnp.sum(t[..., :2] * 3.0)

    jitted = ad.jit(f)
    for _ in range(2):
        x = RNG.standard_normal(shape)
        (got, got_sum), (want, want_sum) = jitted(x), f(x)
        assert_same_tree(got, want)
        assert_same_tree(got_sum, want_sum, rtol=1e-13)
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


def test_python_numbers_come_back_as_python_numbers():
    """Python arithmetic of Python numbers gives Python numbers eagerly; the jitted function
    returns the same types, on the tracing call and on later ones (no second trace)."""
    def f(t, x):
        t = t + 1
        return (t, t * 2, t ** 2, t / 2, -t, abs(t), t // 2, t % 3, t * t, 0.5 ** t,
                dnp.sum(x) * t)
    jitted = ad.jit(f)
    for t in range(4):
        got, want = jitted(t, np.ones(3)), f(t, np.ones(3))
        assert [type(v) for v in got] == [type(v) for v in want]
        assert got == want
    assert jitted.trace_count == 1
    assert type(ad.jit(lambda x: x * 2.0 + 1)(3.0)) is float


def _optimizer_chain(p, m, v, g, t):
    """An Adam-like update of two parameters, traced parameter after parameter: the
    interpreter runs each parameter's elementwise instructions as one run, a tile at a time."""
    out = []
    for pi, mi, vi, gi in zip(p, m, v, g):
        mi = 0.9 * mi + 0.1 * gi
        vi = 0.999 * vi + 0.001 * gi * gi
        out.append(pi - dnp.exp(dnp.tanh(mi / t)) / (dnp.sqrt(vi / t) + 1e-8))
    return out


@compiled_only
@pytest.mark.parametrize("n", [7, 512, 1000, 3001])
def test_runs_of_elementwise_instructions_go_a_tile_at_a_time_with_eager_bits(n, monkeypatch):
    runs = []   # the lengths of the runs of the tapes built
    mark = arrays._Listing._mark_tiles

    def recorded(listing):
        mark(listing)
        elementwise = _kernels._interpreters.KINDS.index("elementwise")
        runs.extend(row[7] for row in listing.code if row[0] == elementwise and row[7] > 1)
    monkeypatch.setattr(arrays._Listing, "_mark_tiles", recorded)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, -1e300, 3.0])

    def values():
        return [np.resize(np.concatenate([special, RNG.standard_normal(n)]), n)
                for _ in range(2)]
    jitted = ad.jit(_optimizer_chain)
    with np.errstate(all="ignore"):
        for _ in range(2):
            p, m, v, g = values(), values(), [np.abs(a) for a in values()], values()
            got = jitted(p, m, v, g, 0.75)
            want = _optimizer_chain(p, m, v, g, 0.75)
            for a, b in zip(got, want):
                assert a.dtype == b.dtype and a.shape == b.shape
                assert a.tobytes() == b.tobytes()   # bit for bit: NaN, ±inf, ±0 as eagerly
    assert jitted.trace_count == 1
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))
    # the fifteen instructions of each parameter (of one size) form one run, though the
    # tangent-free chain was traced operation after operation
    assert runs == [30]


def _row_reductions(x, y):
    """Row sums and maxima (C loops of the tape) and masks turned into float64 (its compare
    instructions), with a few elementwise steps so that the program runs on the tape."""
    s = dnp.sum(x * 1.0, axis=-1, keepdims=True)
    m = dnp.max(x + 0.0, axis=-1)
    mask = (x > y) | dnp.isnan(x)
    count = mask.sum(axis=-1, keepdims=True).astype(np.float64)
    return s * 1.0, m * 1.0, (x == y).astype(np.float64) * 2.0, mask.astype(np.float64), count


@compiled_only
@pytest.mark.parametrize("shape", [(6, 1), (5, 3), (4, 7), (4, 8), (3, 10), (3, 17),
                                   (2, 128), (2, 129), (2, 300), (1000,), (2, 3, 9)])
def test_row_sums_maxima_and_masks_have_numpys_bits(shape):
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e-310]
    jitted = ad.jit(_row_reductions)
    for trial in range(4):
        x = RNG.standard_normal(shape) * np.exp(RNG.standard_normal(shape) * 20)
        flat = x.reshape(-1)
        if trial == 1:   # special values here and there
            flat[RNG.integers(0, flat.size, 3)] = RNG.choice(special, 3)
        if trial == 2:   # rows of zeros of both signs: NumPy's sign of the sum and maximum
            x = RNG.choice([0.0, -0.0], size=shape)
        if trial == 3:   # ties and NaN rows
            x = RNG.choice([1.0, -1.0, np.nan, 2.0], size=shape)
        y = RNG.choice([0.0, -0.0, 1.0, np.nan], size=shape[-1:])
        with np.errstate(all="ignore"):
            got, want = jitted(x, y), _row_reductions(x, y)
        for a, b in zip(got, want):
            assert type(a) is type(b) and a.shape == b.shape and a.dtype == b.dtype
            assert a.tobytes() == b.tobytes()
    assert jitted.trace_count == 1
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


@compiled_only
def test_masks_and_reductions_run_as_c_loops():
    """The comparisons, ``isnan``, ``|``, conversions and counts of a mask become float64
    instructions of the tape (the boolean steps are gone), so does NumPy arithmetic on the
    converted mask, and the row sums and maxima (the count's too) are its reductions."""
    jitted = ad.jit(_row_reductions)
    kinds = kinds_of(listing_of(jitted, RNG.standard_normal((4, 5)), RNG.standard_normal(5)))
    assert kinds.count("reduce") == 3 and "generic" not in kinds   # no Python call at all
    [exe] = executables(jitted)
    names = {step.name for step in exe.program.steps}
    assert not names & {"numpy.greater", "numpy.isnan", "numpy.bitwise_or", "numpy.equal",
                        "astype", "numpy.add.reduce"}


def test_step_counter_arithmetic_runs_as_python_arithmetic():
    """``t + 1`` and ``0.9 ** t`` on a Python step counter run as Python's operators in the
    compiled program (the values and types eager code gets), both on the array tape and in the
    Python version."""
    def f(t, x):
        t = t + 1
        return t, x * (1.0 - 0.9 ** t), 2 ** t, 1.5 ** t
    jitted = ad.jit(f)
    for t in (0, 1, 5, 70):   # 2 ** 71 is past int64: a Python int, as eagerly
        got, want = jitted(t, np.ones(3)), f(t, np.ones(3))
        assert [type(v) for v in got] == [type(v) for v in want]
        assert got[0] == want[0] and got[2] == want[2] and got[3] == want[3]
        assert got[1].tobytes() == want[1].tobytes()
    assert jitted.trace_count == 1


@compiled_only
def test_a_row_maximum_left_to_numpy_does_not_reach_later_runs():
    """A row maximum at zero is NumPy's (an array of its own for that run, which a reshape
    returns a view of); the next run writes the slot's own memory again, so that values
    returned before stay as they were."""
    def f(x):
        return dnp.max(x * 1.0, axis=-1).reshape(1, -1), dnp.exp(x) + 1.0
    jitted = ad.jit(f)
    zeros = RNG.standard_normal((1100, 3))
    zeros[0] = [0.0, -0.0, -1.0]
    jitted(zeros)            # traced
    first = jitted(zeros)    # run by the tape: NumPy's maximum for the first row (-0.0)
    kept = [a.copy() for a in first]
    for _ in range(3):
        x = RNG.standard_normal((1100, 3))
        got, want = jitted(x), f(x)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, want))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(first, kept))
    assert [a.tobytes() for a in first] == [a.tobytes() for a in f(zeros)]
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


def _broadcast_masks(a, b, c):
    m = (a > b).astype(np.float64) + 0.0
    n = ((a <= c) & (b != 0.5)).astype(np.float64) * 1.0
    k = (dnp.isnan(a) | (a >= 0)).sum(axis=0).astype(np.float64)   # a count along axis 0
    return m * a, n + c, k * 2.0, np.divide(m, 3.0)


@compiled_only
def test_masks_of_broadcast_operands_have_eager_bits():
    """Comparisons whose operands broadcast to a bigger shape (read through index maps), ``&``,
    a count along a leading axis (left to NumPy) and NumPy's arithmetic on the mask."""
    jitted = ad.jit(_broadcast_masks)
    for _ in range(4):
        a = RNG.choice([np.nan, 0.0, -0.0, 1.0, 0.5, -np.inf], size=(3, 1, 4))
        b = RNG.choice([0.5, 0.0, -0.0, np.nan], size=(1, 5, 1))
        c = RNG.standard_normal((5, 4))
        with np.errstate(all="ignore"):
            got, want = jitted(a, b, c), _broadcast_masks(a, b, c)
        for x, y in zip(got, want):
            assert type(x) is type(y) and x.shape == y.shape and x.tobytes() == y.tobytes()
    assert jitted.trace_count == 1
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


def _bias_gradients(x, b_row, b_col):
    """The sums a bias's gradient takes: over the leading axes (a row bias), the trailing ones
    (a column bias) and a middle run of axes."""
    y = dnp.tanh(x + b_row) * b_col
    return ad.grad(lambda r, c: dnp.sum(dnp.sin(x + r) * c * y), argnums=(0, 1))(b_row, b_col)


@compiled_only
@pytest.mark.parametrize("shape, row, col", [((64, 10), (10,), (64, 1)),
                                             ((3, 300), (1, 300), (3, 1)),
                                             ((4, 5, 6), (5, 6), (4, 1, 1)),
                                             ((4, 5, 6), (6,), (4, 5, 1))])
def test_bias_gradients_sum_as_eager_unbroadcast_in_c(shape, row, col):
    """``unbroadcast`` (a broadcast operand's cotangent summed back) is an instruction of the
    tape that runs the eager kernel's own loop: the same bits, no Python call."""
    x, r, c = RNG.standard_normal(shape), RNG.standard_normal(row), RNG.standard_normal(col)
    jitted = ad.jit(_bias_gradients)
    assert kinds_of(listing_of(jitted, x, r, c)).count("unbroadcast") >= 2
    for _ in range(3):
        x, r, c = RNG.standard_normal(shape), RNG.standard_normal(row), RNG.standard_normal(col)
        got, want = jitted(x, r, c), _bias_gradients(x, r, c)
        for a, b in zip(got, want):
            assert a.shape == b.shape and a.tobytes() == b.tobytes()
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))


def _product(ta, tb):
    def f(a, b):
        a, b = dnp.exp(a * 0.5), b * 2.0
        return (a.T if ta else a) @ (b.T if tb else b)
    return f


@compiled_only
@pytest.mark.parametrize("ta, tb", [(False, False), (True, False), (False, True), (True, True)])
def test_small_products_run_in_c_reading_transposes_in_place(ta, tb):
    """Products up to ``SMALL_MATMUL`` multiply-adds are tape instructions, whose operands
    may be transposes read in place (no copy, no Python step). Each element sums its terms in
    order with fused multiply-adds, BLAS in its own order: eager's values within rounding at
    the edges of the 4 x 8 blocks too (columns 1-3 past a multiple of 4, rows past one of 4),
    for vectors, and NaN and infinities where eager has them."""
    f = _product(ta, tb)
    for m, k, n in [(1, 1, 1), (2, 7, 3), (4, 64, 8), (5, 200, 9), (13, 3, 17), (64, 128, 10),
                    (3, 300, 1), (1, 50, 12)]:
        a = RNG.standard_normal((k, m) if ta else (m, k))
        b = RNG.standard_normal((n, k) if tb else (k, n))
        if m * k * n > 8:
            b.reshape(-1)[[1, 5, 8]] = [np.nan, np.inf, -0.0]
        jitted = ad.jit(f)
        kinds = kinds_of(listing_of(jitted, a, b))
        assert "matmul" in kinds and "generic" not in kinds and "gather" not in kinds
        with np.errstate(invalid="ignore"):
            want = f(a, b)
            got = jitted(a, b)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want[
            np.isfinite(want)]).max(initial=1.0))


def _layer_gradient(w, x):
    """A layer's weight gradient: ``(x.T @ g).T``, the product of a transpose read only
    transposed."""
    return ad.grad(lambda w: dnp.sum(dnp.tanh(x @ w.T) ** 2))(w)


@compiled_only
def test_a_product_read_only_transposed_is_computed_transposed():
    jitted = ad.jit(_layer_gradient)
    kinds = kinds_of(listing_of(jitted, RNG.standard_normal((12, 9)),
                                RNG.standard_normal((7, 9))))
    [exe] = executables(jitted)
    names = [step.name for step in exe.program.steps]
    assert "transpose" not in names
    assert "matmul[b.T]" in names and "matmul[a.T]" in names   # as the printed program says
    assert kinds.count("matmul") == 2 and "generic" not in kinds
    for _ in range(3):
        w, x = RNG.standard_normal((12, 9)), RNG.standard_normal((7, 9))
        got, want = jitted(w, x), _layer_gradient(w, x)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@compiled_only
def test_every_value_of_the_arena_starts_on_a_cache_line():
    """Stretches start at multiples of 8 elements (64 bytes; the arena itself is aligned), so
    the vector loads of a C loop never straddle two cache lines."""
    listing = listing_of(ad.jit(_layer_gradient), RNG.standard_normal((5, 3)),
                         RNG.standard_normal((7, 3)))
    starts = [listing.starts[s] for s, kind in enumerate(listing.kinds)
              if kind == _kernels._interpreters.SLOT_ARENA]
    assert len(starts) > 5 and all(start % 8 == 0 for start in starts)
    assert _kernels._interpreters.STRETCH_ALIGN == 8


def _label_pick_gradient(z, labels):
    """The gradient of a pick of each row's label: its VJP scatters into zeros and moves the
    batch axis with the transpose primitive's value function on plain values."""
    return ad.grad(lambda z: dnp.sum(dnp.tanh(z)[np.arange(z.shape[0]), labels]))(z)


@compiled_only
def test_moves_and_scatters_a_rule_makes_of_plain_values_are_instructions():
    jitted = ad.jit(_label_pick_gradient)
    z = RNG.standard_normal((6, 4))
    listing = listing_of(jitted, z, RNG.integers(0, 4, 6))
    # the scatter is the tape's own (``scatter``), the transpose after it a gather
    assert "generic" not in kinds_of(listing) and "scatter" in kinds_of(listing)
    for labels in (RNG.integers(0, 4, 6), RNG.integers(-4, 4, 6), np.full(6, 3)):
        z = RNG.standard_normal((6, 4))
        got, want = jitted(z, labels), _label_pick_gradient(z, labels)
        assert got.tobytes() == want.tobytes()
    with pytest.raises(IndexError):   # eager's error, from the program's Python version
        jitted(z, np.array([0, 1, 2, 3, 4, 0]))
    assert jitted.trace_count == 1
