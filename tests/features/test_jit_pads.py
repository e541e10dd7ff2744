"""ad.jit writes a sum of zero-padded disjoint blocks (the VJPs of slices that split an
array) once (``compiler/pads.py``), with eager's bits: signed zeros, NaN and inf included."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad.compiler.pads import AddPads

RNG = np.random.default_rng(3)


def steps_named(jitted, args, name):
    return [s for s in jitted.lower(*args).steps if s.name == name]


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def split_product(y):
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    return dnp.sum(dnp.sin(u) * v - v * v)


def three_blocks(y):   # blocks that leave elements 3, 4 and 8.. uncovered
    return dnp.sum(y[:3] * y[5:8]) + dnp.sum(dnp.exp(y[8:9]))


def brusselator_like(y):
    n = y.shape[0] // 2
    u, v = y[:n], y[n:]
    return dnp.concatenate([1.0 + u * u * v - 4.0 * u, 3.0 * u - u * u * v])


@pytest.mark.parametrize("fun, transform", [
    (split_product, ad.grad), (three_blocks, ad.grad),
    (brusselator_like, lambda f: ad.jacobian(f, mode="reverse"))],
    ids=["halves", "uncovered", "jacobian"])
def test_sums_of_pads_are_written_once_with_eager_bits(fun, transform):
    d = transform(fun)
    jitted = ad.jit(d)
    size = 12
    specials = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.0])
    with np.errstate(all="ignore"):
        for k in range(4):
            y = RNG.standard_normal(size)
            if k == 1:
                y[:] = -0.0   # cotangents of -0.0: a zero pad makes them +0.0, eagerly
            if k == 2:
                y[:6] = specials
            same_bits(jitted(y), d(y))
    assert steps_named(jitted, (y,), "add_pads")
    assert jitted.trace_count == 1


def test_overlapping_slices_keep_their_padded_sum():
    """``x[1:]`` and ``x[:-1]`` overlap: their pads' sum adds two values per element, in the
    order eager evaluation does, so it is not rewritten."""
    d = ad.grad(lambda x: dnp.sum((x[1:] - x[:-1]) ** 2))
    jitted = ad.jit(d)
    x = RNG.standard_normal(9)
    same_bits(jitted(x), d(x))
    assert not steps_named(jitted, (x,), "add_pads")


def test_add_pads_fills_only_what_no_block_covers():
    complete = AddPads((2, 4), np.float64, [(slice(None), slice(0, 1)),
                                            (slice(None), slice(1, 4))], True)
    a, b = np.array([[-0.0], [2.0]]), np.full((2, 3), -0.0)
    same_bits(complete(a, b), np.zeros((2, 4)) + np.concatenate([a, b], axis=1))
    partial = AddPads((5,), np.float64, [(slice(0, 2),), (slice(3, 4),)], False)
    same_bits(partial(np.array([1.0, -0.0]), np.array([np.nan])),
              np.array([1.0, 0.0, 0.0, np.nan, 0.0]))


def test_scatters_to_distinct_positions_are_assignments_with_eager_bits():
    """The VJP of ``z[arange(n), labels]`` scatters into distinct positions (one per row,
    whatever the labels); ``z[zeros(n), labels]`` may repeat one and keeps accumulating."""
    def picked(z, labels):
        return dnp.sum(z[dnp.arange(z.shape[0]), labels] * dnp.array([1.0, -0.0, 2.0, np.nan]))

    def repeated(z, labels):
        return dnp.sum(z[np.zeros(4, dtype=np.int64), labels] ** 2)

    z = RNG.standard_normal((4, 3))
    for fun, rewritten in ((picked, True), (repeated, False)):
        d = ad.grad(fun)
        jitted = ad.jit(d)
        for labels in (np.array([0, 2, 2, 1]), np.array([1, 1, 1, 1]), np.array([2, 0, 1, 0])):
            same_bits(jitted(z, labels), d(z, labels))
        # the array interpreter runs a scatter to one position per row as its own loop
        scatters = [name for name in ("scatter_distinct", "scatter_rows")
                    if steps_named(jitted, (z, labels), name)]
        assert bool(scatters) is rewritten
        assert jitted.trace_count == 1
