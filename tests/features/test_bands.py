"""ad.jit's banded values (``dualad/compiler/bands.py``): forward-mode Jacobians and Hessians
keep their identity seeds and tangents compact, with the eager results bit for bit (NaN, inf,
-0.0 and kinks included), and fall back to dense arrays wherever a step needs one."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.compiler.bands import BAND_MIN, Densify, _constant_band

N = 400   # an N x N Jacobian has 160,000 elements: above BAND_MIN
assert N * N >= BAND_MIN


def band_steps(program):
    return [s for s in program.steps if s.name.startswith("band[")]


def assert_bitwise(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok], want[ok])
    np.testing.assert_array_equal(np.signbit(got[ok]), np.signbit(want[ok]))


def inputs(dtype=np.float64, n=N):
    """Ordinary points, then points with the special values and kinks spread over them."""
    rng = np.random.default_rng(0)
    yield (1.0 + 0.5 * rng.standard_normal(n)).astype(dtype)
    yield rng.uniform(-2, 2, n).astype(dtype)
    x = rng.uniform(-2, 2, n).astype(dtype)
    x[[3, 50, 51, 200, n - 1]] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
    yield x
    x = np.zeros(n, dtype)
    x[::2] = -0.0
    yield x
    yield np.round(rng.uniform(-2, 2, n)).astype(dtype)   # ties: kinks of max, abs


def rosenbrock(x):
    return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


HESSIANS = {
    "rosenbrock": rosenbrock,
    "abs-chain": lambda x: dnp.sum(dnp.abs(x[1:] - x[:-1]) * x[1:] ** 2),
    "max-pairs": lambda x: dnp.sum(dnp.maximum(x[1:], x[:-1]) ** 2 * x[:-1]),
    "sqrt-norms": lambda x: dnp.sum(dnp.sqrt(x[1:] ** 2 + x[:-1] ** 2)),
    "divide": lambda x: dnp.sum(x[1:] / (1.0 + x[:-1] ** 2)),
    # relu's derivative is a mask of the plain values: the tangents are NumPy steps (calls of
    # the primitives' value functions and tracked arrays' methods, constants inline)
    "relu-stencil": lambda x: dnp.sum(dnp.relu(x[2:] - 2.0 * x[1:-1] + x[:-2]) ** 2),
}


@pytest.mark.parametrize("name", HESSIANS)
def test_hessians_are_banded_and_equal_eager_bit_for_bit(name):
    f = HESSIANS[name]
    hess = ad.hessian(f)
    jitted = ad.jit(hess)
    program = jitted.lower(next(inputs()))
    assert band_steps(program), "the tangents stayed compact"
    assert [s.name for s in program.steps].count("densify") == 1   # the result only
    with np.errstate(all="ignore"):
        for x in inputs():
            assert_bitwise(jitted(x), hess(x))
    assert jitted.trace_count == 1   # the banded program ran: no step failed and traced again


def test_float32_kept():
    hess = ad.hessian(rosenbrock)
    jitted = ad.jit(hess)
    with np.errstate(all="ignore"):
        for x in inputs(np.float32):
            got = jitted(x)
            assert got.dtype == np.float32
            assert_bitwise(got, hess(x))
    assert band_steps(jitted.lower(next(inputs(np.float32))))


JACOBIANS = {
    # forward mode: the identity seed times the elementwise derivatives
    "fwd-elementwise": (ad.jacfwd, lambda x: dnp.sin(x) * x + dnp.square(x)),
    "fwd-stencil": (ad.jacfwd, lambda x: x[2:] - 2.0 * x[1:-1] + x[:-2] * x[1:-1]),
    # reverse mode: the identity seeds the cotangents, the slices' VJPs pad them
    "rev-stencil": (ad.jacrev, lambda x: x[2:] - 2.0 * x[1:-1] + x[:-2] * x[1:-1]),
    "rev-products": (ad.jacrev, lambda x: dnp.abs(x[1:]) * dnp.maximum(x[:-1], 0.0)),
}


@pytest.mark.parametrize("name", JACOBIANS)
def test_jacobians_equal_eager(name):
    transform, f = JACOBIANS[name]
    jac = transform(f)
    jitted = ad.jit(jac)
    assert band_steps(jitted.lower(next(inputs())))
    with np.errstate(all="ignore"):
        for x in inputs():
            assert_bitwise(jitted(x), jac(x))
    assert jitted.trace_count == 1


def test_steps_that_need_a_dense_array_read_one():
    """A matmul, a reduction, a reversing slice, a transcendental function and a guard read the
    banded value materialised; the results stay the eager ones."""
    v = np.random.default_rng(1).standard_normal(N)

    def f(x):
        jac = ad.jacfwd(lambda y: y * dnp.cos(y))(x)
        out = jac @ v + dnp.sum(jac, axis=0) + dnp.sum(dnp.tanh(jac[::-1]), axis=1)
        return out if dnp.sum(jac) > 0 else -out

    jitted = ad.jit(f)
    program = jitted.lower(np.ones(N))
    assert band_steps(program) and any(s.name == "densify" for s in program.steps)
    with np.errstate(all="ignore"):
        for x in inputs():
            assert_bitwise(jitted(x), f(x))


def test_a_returned_jacobian_and_its_band_read_twice():
    def f(x):
        jac = ad.jacfwd(lambda y: y ** 3)(x)
        return jac, jac.T * 2.0, jac[:, 1:] @ x[1:]

    jitted = ad.jit(f)
    with np.errstate(all="ignore"):
        for x in inputs():
            for got, want in zip(jitted(x), f(x)):
                assert_bitwise(got, want)
    assert jitted.trace_count == 1


def test_small_jacobians_are_left_to_the_array_interpreter():
    jitted = ad.jit(ad.jacfwd(lambda x: x * dnp.sin(x)))
    assert not band_steps(jitted.lower(np.ones(50)))


def test_constant_bands_are_found_by_their_bits():
    eye = np.eye(N)
    layout, (bg, diagonals) = _constant_band(eye)
    assert layout.offsets == (0,) and bg.tolist() == [[0.0]]
    np.testing.assert_array_equal(diagonals[0], np.ones(N))
    tri = np.full((N, N + 1), -0.0)   # a background of -0.0: found in the corner
    tri[np.arange(N), np.arange(N)] = -2.0
    tri[np.arange(N), np.arange(N) + 1] = np.arange(N) + 1.0
    layout, value = _constant_band(tri)
    assert layout.offsets == (0, 1) and np.signbit(value[0]).all()
    assert_bitwise(Densify(layout)(value), tri)
    assert _constant_band(np.random.default_rng(0).standard_normal((N, N))) is None
    assert _constant_band(np.eye(N).reshape(N, 1, N)) is not None
    assert _constant_band(np.ones((N, N, 2))) is None   # three long axes
