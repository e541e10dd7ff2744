"""Deep programs: tapes of up to a million scalar operations record and sweep iteratively (no
recursion, the recursion limit untouched) in memory proportional to their length."""
import sys
import tracemalloc

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp


def _scalar_chain(x, n_pairs):
    for _ in range(n_pairs):
        x = dnp.sin(x) * 1.0000001
    return x


def _expected_grad(x, n_pairs):
    g = 1.0
    for _ in range(n_pairs):
        g *= np.cos(x) * 1.0000001
        x = np.sin(x) * 1.0000001
    return g


def test_million_entry_tape_records_and_sweeps_without_recursion():
    limit = sys.getrecursionlimit()
    with ad.Tape() as tape:
        x = tape.watch(np.array(0.3))
        y = _scalar_chain(x, 500_000)
    assert len(tape) == 1_000_001
    g, = tape.gradient(y, [x])
    np.testing.assert_allclose(g, _expected_grad(0.3, 500_000), rtol=1e-9)
    assert sys.getrecursionlimit() == limit


def test_imperative_face_sweeps_a_deep_graph():
    x = ad.tensor(np.float64(0.3), requires_grad=True)   # float64, not float32
    _scalar_chain(x, 50_000).backward()
    np.testing.assert_allclose(x.grad.item(), _expected_grad(0.3, 50_000), rtol=1e-10)


def _recorded_bytes(n_pairs):
    tracemalloc.start()
    try:
        with ad.Tape() as tape:
            x = tape.watch(np.array(0.3))
            y = _scalar_chain(x, n_pairs)
        recorded = tracemalloc.get_traced_memory()[0]
        tape.gradient(y, [x])
        return recorded, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_tape_memory_is_proportional_to_its_length():
    small_rec, small_peak = _recorded_bytes(5_000)
    big_rec, big_peak = _recorded_bytes(20_000)
    per_entry = big_rec / 40_000
    assert per_entry < 1_000                      # measured ~390 bytes per scalar entry
    assert big_rec / small_rec == pytest.approx(4.0, rel=0.15)
    assert big_peak < 1.5 * big_rec               # the sweep adds no more than a fraction
