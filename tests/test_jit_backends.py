"""ad.jit's programs of float64 scalars and of small float64 arrays run on the compiled
interpreters, with eager's results and types."""
import threading

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import _kernels
from dualad.compiler.arrays import ArrayExecutable
from dualad.compiler.scalar import ScalarExecutable

if not _kernels.COMPILED:
    pytest.skip("DUALAD_PUREPYTHON or no build: no compiled interpreter", allow_module_level=True)


def chain(x):
    for _ in range(20):
        x = x + dnp.sin(x) * dnp.exp(-x) - dnp.tanh(x) / (1.0 + x * x)
    return x


def executables(jitted):
    return [exe for paths in jitted._paths.values() for exe in paths]


def same(got, want):
    assert type(got) is type(want)
    np.testing.assert_array_equal(got, want)


POINTS = [0.3, -1.7, 0.0, -0.0, 2.5, np.nan, np.inf, 1e-300]


@pytest.mark.parametrize("transform", [ad.grad, ad.value_and_grad, ad.hessian,
                                       lambda f: f], ids=["grad", "value_and_grad",
                                                          "hessian", "value"])
def test_scalar_programs_run_compiled_with_eager_results(transform):
    jitted = ad.jit(transform(chain))
    with np.errstate(all="ignore"):
        for x in POINTS:
            got, want = jitted(x), transform(chain)(x)
            if isinstance(want, tuple):
                for g, w in zip(got, want):
                    same(g, w)
            else:
                same(got, want)
    assert all(isinstance(exe, ScalarExecutable) for exe in executables(jitted))
    assert jitted.trace_count == 1


def test_guards_pick_the_branch_eager_takes():
    def f(x):
        return dnp.sin(x) if x > 0 else dnp.cos(x) * 2.0

    jitted = ad.jit(ad.grad(f))
    for x in [0.5, -0.5, 1.5, -2.0]:
        same(jitted(x), ad.grad(f)(x))
    assert jitted.trace_count == 2
    assert all(isinstance(exe, ScalarExecutable) for exe in executables(jitted))


def test_numpy_float64_arguments_and_several_outputs():
    def f(x, y):
        return x * y, dnp.exp(x) - y

    jitted = ad.jit(f)
    for x, y in [(np.float64(0.5), 2.0), (np.float64(-1.0), 3.0)]:
        for g, w in zip(jitted(x, y), f(x, y)):
            same(g, w)


def mlp(params, x):
    w1, b1, w2, b2 = params
    return dnp.sum(dnp.tanh(w2 @ dnp.tanh(w1 @ x + b1) + b2))


def mlp_args(seed):
    rng = np.random.default_rng(seed)
    return ([rng.standard_normal((32, 16)), rng.standard_normal(32),
             rng.standard_normal((1, 32)), rng.standard_normal(1)], rng.standard_normal(16))


def test_small_array_programs_run_compiled_within_rounding():
    """The array interpreter's small matmuls are its own loops (BLAS sums in another order),
    and its elementwise loops are the eager kernels' but may take their scalar path where
    eager took the vector one (buffers closer than a vector apart): results within rounding."""
    jitted = ad.jit(ad.value_and_grad(mlp))
    for seed in range(3):
        params, x = mlp_args(seed)
        (value, grads), (want_value, want_grads) = jitted(params, x), \
            ad.value_and_grad(mlp)(params, x)
        assert type(value) is type(want_value)
        np.testing.assert_allclose(value, want_value, rtol=1e-13)
        for g, w in zip(grads, want_grads):
            assert type(g) is type(w) and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert all(isinstance(exe, ArrayExecutable) for exe in executables(jitted))
    assert jitted.trace_count == 1


def test_array_programs_with_guards():
    """A program with a comparison feeding a guard runs as Python steps (the array interpreter
    holds float64 values only); both branches give eager's results."""
    def f(x):
        y = dnp.exp(dnp.sin(x)) - dnp.tanh(x)
        return y * 2.0 if dnp.sum(x) > 0 else -y

    jitted = ad.jit(f)
    for seed in range(4):
        x = np.random.default_rng(seed).standard_normal(50) + (0.5 if seed % 2 else -0.5)
        np.testing.assert_array_equal(jitted(x), f(x))
    assert jitted.trace_count == 2


def test_big_arrays_are_not_interpreted():
    jitted = ad.jit(ad.grad(lambda x: dnp.sum(dnp.sin(x))))
    jitted(np.ones(1 << 17))
    assert not any(isinstance(exe, (ScalarExecutable, ArrayExecutable))
                   for exe in executables(jitted))


@pytest.mark.parametrize("kind", ["scalar", "array"])
def test_threads_share_a_compiled_program(kind):
    """A call that finds the interpreter busy runs the Python version: every thread gets the
    right answer."""
    def gentle(x):
        return dnp.sin(x) * dnp.exp(-x * x) + dnp.tanh(x)

    xs = np.linspace(-1, 1, 200) if kind == "scalar" else \
        [np.array([v, -v, 0.5 * v]) for v in np.linspace(-1, 1, 100)]
    grad = ad.grad(gentle) if kind == "scalar" else ad.grad(lambda x: dnp.sum(gentle(x)))
    jitted = ad.jit(grad)
    jitted(xs[0])
    want = [grad(x) for x in xs]
    results = {}

    def work(k):
        results[k] = [jitted(x) for x in xs]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results.values():
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-13, atol=1e-15)
