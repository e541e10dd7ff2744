"""The fused-chain interpreter (``_kernels/_fused``) against the eager kernels, op by op."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualad import _kernels
from dualad._kernels import optable

if not _kernels.COMPILED:
    pytest.skip("DUALAD_PUREPYTHON or no build: no fused chains", allow_module_level=True)
fused = pytest.importorskip("dualad._kernels._fused")
OPCODES = fused.OPCODES
UNARY = [name for name in OPCODES if name in fused.UNARY_OPS]
BINARY = [name for name in OPCODES if name not in fused.UNARY_OPS]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, 700.0, -700.0, 1.0, -1.0, 0.5]


def eager(name, a, b=None):
    """What eager evaluation computes: the compiled loop of a table op, NumPy otherwise."""
    if name in _kernels.UNARY_VALUE:
        return _kernels.UNARY_VALUE[name](a)
    if name == "negative":
        return np.negative(a)
    return getattr(np, name)(a, b)


def assert_bitwise(got, want):
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok], want[ok])
    np.testing.assert_array_equal(np.signbit(got[ok]), np.signbit(want[ok]))


def test_opcodes_cover_the_table():
    assert {op.name for op in optable.OPS.values() if op.c} <= set(OPCODES)


@pytest.mark.parametrize("name", UNARY + BINARY)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_op_matches_eager(name, dtype):
    rng = np.random.default_rng(len(name))
    a = np.concatenate([SPECIAL, rng.uniform(-5, 5, 3000)]).astype(dtype)
    b = np.concatenate([SPECIAL[::-1], rng.uniform(-5, 5, 3000)]).astype(dtype)
    code = OPCODES.index(name)
    with np.errstate(all="ignore"):
        if name in fused.UNARY_OPS:
            got = fused.FusedChain([(code, 1, 0, 0)], 2, [0], [1])(a)[0]
            want = eager(name, a)
        else:
            got = fused.FusedChain([(code, 2, 0, 1)], 3, [0, 1], [2])(a, b)[0]
            want = eager(name, a, b)
    assert got.dtype == dtype
    if name == "power":   # libm's pow against NumPy's: within rounding
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dtype).eps)
    else:
        assert_bitwise(got, want)


chains = st.lists(st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 100),
                            st.integers(0, 100)), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(chains, st.sampled_from([1, 7, 1024, 1025, 5000]), st.booleans())
def test_random_chains_match_eager_step_by_step(chain, size, scalar_input):
    """Any chain (inputs x, y and a scalar; each step reading earlier registers) equals the
    eager evaluation of its steps bit for bit, and its total the sum within rounding."""
    rng = np.random.default_rng(size)
    x, y = rng.uniform(-2, 2, size), rng.uniform(0.1, 2, size)
    values = [x, y, np.full(size, 1.5)]
    code = []
    for name, i, j in chain:
        a, b = i % len(values), j % len(values)
        with np.errstate(all="ignore"):
            values.append(eager(name, values[a], values[b]) if name in BINARY
                          else eager(name, values[a]))
        code.append((OPCODES.index(name), len(values) - 1, a, b))
    out = len(values) - 1
    chain_fn = fused.FusedChain(code, len(values), [0, 1, 2], [out], sum_reg=out)
    with np.errstate(all="ignore"):
        got, total = chain_fn(x, y, 1.5 if scalar_input else np.full(size, 1.5))
    assert_bitwise(got, values[-1])
    want_total = values[-1].sum()
    if np.isfinite(want_total):
        assert total == pytest.approx(want_total, rel=1e-12, abs=1e-12 * np.abs(got).sum())
    else:
        assert np.isnan(total) == np.isnan(want_total)


def test_threads_give_the_same_bits():
    x = np.random.default_rng(0).standard_normal(300_001)
    chain = fused.FusedChain([(OPCODES.index("tanh"), 1, 0, 0),
                              (OPCODES.index("multiply"), 2, 1, 0)], 3, [0], [2], sum_reg=2)
    previous = fused.set_num_threads(1)
    try:
        one = chain(x)
        fused.set_num_threads(2)
        two = chain(x)
    finally:
        fused.set_num_threads(previous)
    np.testing.assert_array_equal(one[0], two[0])
    assert one[1] == two[1]


def test_bad_programs_and_arguments_are_refused():
    add = OPCODES.index("add")
    with pytest.raises(ValueError, match="before any instruction writes it"):
        fused.FusedChain([(add, 2, 0, 1)], 3, [0], [2])
    with pytest.raises(ValueError, match="writes input register"):
        fused.FusedChain([(add, 0, 0, 1)], 2, [0, 1], [0])
    with pytest.raises(ValueError, match="out of range"):
        fused.FusedChain([(add, 5, 0, 1)], 3, [0, 1], [2])
    with pytest.raises(ValueError, match="opcode"):
        fused.FusedChain([(len(OPCODES), 2, 0, 1)], 3, [0, 1], [2])
    chain = fused.FusedChain([(add, 2, 0, 1)], 3, [0, 1], [2])
    with pytest.raises(ValueError, match="do not broadcast"):
        chain(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="neither as a row nor as a column"):
        chain(np.ones((2, 3, 4)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="one dtype"):
        chain(np.ones(3), np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="float64 or float32"):
        chain(np.ones(3, dtype=np.int64), np.ones(3, dtype=np.int64))
    with pytest.raises(TypeError, match="expected 2 arguments"):
        chain(np.ones(3))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("small, full", [((5,), (300, 5)), ((1, 5), (300, 5)),
                                         ((300, 1), (300, 5)), ((7, 1, 1), (7, 3, 500)),
                                         ((3, 500), (7, 3, 500)),
                                         # rows longer than a block (read in place where a
                                         # block lies inside one row), of exactly a block, and
                                         # columns whose runs straddle blocks
                                         ((3, 2500), (30, 3, 2500)), ((1024,), (70, 1024)),
                                         ((70, 1), (70, 1000)), ((90, 1), (90, 2049))])
def test_rows_and_columns_broadcast_as_numpy(small, full, threads):
    previous = fused.set_num_threads(threads)
    try:
        _check_broadcast(small, full)
    finally:
        fused.set_num_threads(previous)


def _check_broadcast(small, full):
    rng = np.random.default_rng(0)
    x, b = rng.standard_normal(full), rng.standard_normal(small)
    chain = fused.FusedChain([(OPCODES.index("add"), 2, 0, 1), (OPCODES.index("tanh"), 3, 2, 2)],
                             4, [0, 1], [3], sum_reg=3)
    got, total = chain(x, b)
    assert_bitwise(got, eager("tanh", x + b))
    assert total == pytest.approx(got.sum(), rel=1e-12)
    got, _ = chain(b, x)   # the broadcast operand first
    assert_bitwise(got, eager("tanh", b + x))


@pytest.mark.parametrize("a_shape, b_shape", [((4, 1), (1, 5)), ((5,), (1, 5)), ((1, 5), (5,)),
                                              ((3, 1), (3, 4)), ((), (2, 3))])
def test_result_shape_is_numpys_broadcast(a_shape, b_shape):
    """The chain's shape is the broadcast of its arguments' shapes, also where no argument has
    it (a column and a row) or where two have its size (``(5,)`` and ``(1, 5)``)."""
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    add = OPCODES.index("add")
    got = fused.FusedChain([(add, 2, 0, 1)], 3, [0, 1], [2])(a, b)[0]
    assert got.shape == np.broadcast_shapes(a_shape, b_shape)
    assert_bitwise(got, a + b)


def test_strided_arguments_are_read_as_numpy_reads_them():
    x = np.random.default_rng(2).standard_normal((6, 8))
    chain = fused.FusedChain([(OPCODES.index("multiply"), 2, 0, 1)], 3, [0, 1], [2])
    assert_bitwise(chain(x.T, 2.0)[0], x.T * 2.0)
    assert_bitwise(chain(x[:, ::2], x[:, 1::2])[0], x[:, ::2] * x[:, 1::2])
