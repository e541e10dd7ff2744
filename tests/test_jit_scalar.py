"""ad.jit's programs of float64 scalars run on the compiled scalar interpreter, with eager's
results and types."""
import threading

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import _kernels
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


def test_arrays_are_not_scalar_programs():
    jitted = ad.jit(ad.grad(lambda x: dnp.sum(dnp.sin(x))))
    jitted(np.ones(3))
    assert not any(isinstance(exe, ScalarExecutable) for exe in executables(jitted))


def test_threads_share_a_scalar_program():
    jitted = ad.jit(ad.grad(chain))
    jitted(0.1)
    xs = np.linspace(-1, 1, 200)
    want = [ad.grad(chain)(x) for x in xs]
    results = {}

    def work(k):
        results[k] = [jitted(x) for x in xs]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results.values():
        np.testing.assert_array_equal(got, want)
