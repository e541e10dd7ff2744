"""ad.jit's fusion pass: chains of elementwise steps run as one blocked step, with the eager
results bit for bit, and without tracing again."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import _kernels
from dualad.compiler.fusion import FUSE_MIN

if _kernels.FusedChain is None:
    pytest.skip("DUALAD_PUREPYTHON or no build: no fused chains", allow_module_level=True)

N = 3 * FUSE_MIN + 5   # several blocks and a ragged end


def fused_steps(program):
    return [s for s in program.steps if s.name.startswith("fused[")]


def big(seed=0, dtype=np.float64, n=N):
    x = np.random.default_rng(seed).uniform(-3, 3, n).astype(dtype)
    x[:8] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, 700.0, -700.0]
    return x


FUNCTIONS = {
    "w3": lambda x: dnp.sum(dnp.sin(x) * dnp.exp(-x * x) + dnp.tanh(x)),
    "sigmoid-relu": lambda x: dnp.sum(dnp.sigmoid(x) * dnp.relu(x - 0.5) + dnp.abs(x)),
    "max-min": lambda x: dnp.sum(dnp.maximum(x, 0.0) * dnp.minimum(dnp.cos(x), 0.25)),
    "divide-sqrt": lambda x: dnp.sum(dnp.sqrt(dnp.square(x) + 1.0) / (1.0 + dnp.exp(x))),
    "log": lambda x: dnp.sum(dnp.log1p(dnp.square(x)) - dnp.expm1(-dnp.abs(x))),
}


def assert_bitwise(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok], want[ok])
    np.testing.assert_array_equal(np.signbit(got[ok]), np.signbit(want[ok]))


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_gradients_equal_eager_bit_for_bit(name, dtype):
    f = FUNCTIONS[name]
    jitted = ad.jit(ad.grad(f))
    x = big(dtype=dtype)
    assert fused_steps(jitted.lower(x)), "the chain was fused"
    with np.errstate(all="ignore"):
        for seed in range(3):
            x = big(seed, dtype)
            assert_bitwise(jitted(x), ad.grad(f)(x))
    assert jitted.trace_count == 1   # the fused program ran: no step failed and traced again


def test_values_read_between_steps_come_out_of_the_chain():
    """A value of the chain that a later, unfusable step reads (a reshape, a sum) and one that
    is an output come out of the fused step; the results stay eager's."""
    def f(x):
        a = dnp.tanh(x) * 2.0
        b = dnp.exp(-a)
        return a.reshape(-1, 1)[:3, 0], dnp.sum(b * a), b

    jitted = ad.jit(f)
    x = big()
    fused = fused_steps(jitted.lower(x))
    assert len(fused) == 1
    with np.errstate(all="ignore"):
        for seed in range(2):
            x = big(seed)
            for got, want in zip(jitted(x), f(x)):
                assert_bitwise(got, want)
    assert jitted.trace_count == 1


def test_small_arrays_are_not_fused():
    f = ad.jit(ad.grad(FUNCTIONS["w3"]))
    assert not fused_steps(f.lower(np.linspace(-1, 1, FUSE_MIN // 2)))


def test_mixed_dtypes_are_not_fused_into_one_chain():
    """A float32 array with a float64 operand promotes in eager code: that step stays NumPy's."""
    def f(x, y):
        return dnp.sum(dnp.tanh(x) * y)

    x, y = big(dtype=np.float32), big(1)
    jitted = ad.jit(ad.grad(f, argnums=(0, 1)))
    with np.errstate(all="ignore"):
        got, want = jitted(x, y), ad.grad(f, argnums=(0, 1))(x, y)
        got, want = jitted(x, y), ad.grad(f, argnums=(0, 1))(x, y)
    for g, w in zip(got, want):
        assert_bitwise(g, w)
    assert jitted.trace_count == 1


def test_training_step_with_fused_updates():
    """An optimizer's arithmetic over big parameter arrays fuses too."""
    def step(w, x):
        g = ad.grad(lambda w: dnp.sum(dnp.tanh(w * x) ** 2))(w)
        return w - 0.1 * g

    jitted = ad.jit(step)
    w, x = big(0) * 0.1, big(1)
    w[:8] = 0.5
    assert fused_steps(jitted.lower(w, x))
    w_eager = w.copy()
    for _ in range(3):
        w = jitted(w, x)
        w_eager = step(w_eager, x)
        assert_bitwise(w, w_eager)
    assert jitted.trace_count == 1


def test_rows_and_columns_join_the_chain():
    """A bias row and a per-row scale broadcast inside the chain: one fused step, eager's
    bits."""
    def f(w, b, s, x):
        h = dnp.tanh(x @ w + b) * s
        return dnp.sum(dnp.maximum(h, 0.0) - 0.5 * h * h)

    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((64, 300)), rng.standard_normal(300)
    s, x = rng.standard_normal((200, 1)), rng.standard_normal((200, 64))
    grad = ad.grad(f, argnums=(0, 1, 2))
    jitted = ad.jit(grad)
    program = jitted.lower(w, b, s, x)
    assert any("tanh" in step.name for step in fused_steps(program))
    for seed in range(2):
        x = np.random.default_rng(seed).standard_normal((200, 64))
        for got, want in zip(jitted(w, b, s, x), grad(w, b, s, x)):
            assert_bitwise(got, want)
    assert jitted.trace_count == 1
