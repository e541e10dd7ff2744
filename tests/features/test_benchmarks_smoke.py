"""The benchmark workloads at tiny sizes: dualad's derivatives against the hand-written NumPy
ones (or central finite differences), so that the benchmark code cannot rot. No timing is
asserted here."""
import sys
from pathlib import Path

import numpy as np
import pytest

# appended, not prepended: the installed (built) dualad must win over the checkout's sources
sys.path.append(str(Path(__file__).resolve().parents[2]))

from benchmarks import workloads as wl  # noqa: E402
from benchmarks.compare_peers import Comparison, markdown_table, mismatch  # noqa: E402
from benchmarks.measure import median_time, tape_stats  # noqa: E402

import dualad.numpy as dnp  # noqa: E402

TINY = {"W1": 3, "W2": 3, "W3": 50, "W4": 8, "W5": 7, "W6": 7, "W7": 6, "W8": 5, "W9": 1}

needs_nn = pytest.mark.skipif(not wl.nn_available(), reason="dualad.nn is not available yet")


def _cases():
    for w in wl.WORKLOADS.values():
        marks = [needs_nn] if w.uses_nn else []
        for mode in w.modes:
            yield pytest.param(w, mode, id=w.id if mode is None else f"{w.id}-{mode}",
                               marks=marks)


def _finite_difference_jacobian(fun, x, h=1e-6):
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        columns.append((fun(x + e) - fun(x - e)) / (2 * h))
    return np.stack(columns, axis=-1)


def _assert_tree_close(got, want, rtol):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("w, mode", list(_cases()))
def test_dualad_derivative_matches_reference(w, mode):
    inst = w.instance(TINY[w.id], seed=1)
    got = wl.dualad_derivative(inst, mode)()
    if inst.hand is not None:
        want = wl.hand_derivative(inst)()
    else:
        x, *rest = inst.args
        want = _finite_difference_jacobian(lambda x: inst.math(np, x, *rest), x)
    leaves = inst.args[0] if isinstance(inst.args[0], tuple) else (inst.args[0],)
    single = any(np.asarray(a).dtype == np.float32 for a in leaves)
    _assert_tree_close(got, want, rtol=1e-4 if single else 1e-6)


def test_every_workload_has_a_float_primal():
    for w in wl.WORKLOADS.values():
        inst = w.instance(TINY[w.id])
        value = wl.numpy_primal(inst)()
        assert np.all(np.isfinite(value)), w.id


@pytest.mark.parametrize("w", [wl.W5, wl.W6, wl.W8], ids=lambda w: w.id)
def test_jacobian_modes_agree(w):
    inst = w.instance(TINY[w.id])
    forward, reverse, auto = (wl.dualad_derivative(inst, m)() for m in wl.JACOBIAN_MODES)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(auto, forward, rtol=1e-12, atol=1e-12)


def test_scalar_chain_op_count_is_the_tape_length():
    """W1 reports µs per primitive from ``ops``: the tape must agree (plus one watch)."""
    inst = wl.W1.instance(TINY["W1"])
    entries, held = tape_stats(inst.function(dnp), inst.args)
    assert entries == inst.ops + 1
    assert held > 0


def test_tape_bytes_grow_with_the_array_size():
    small, big = (tape_stats(inst.function(dnp), inst.args)[1]
                  for inst in (wl.W3.instance(100), wl.W3.instance(10_000)))
    assert big > 10 * small


@needs_nn
def test_dualad_training_follows_the_hand_written_adam():
    """One epoch of W9 through ``dualad.nn`` + ``optim.Adam`` lands on the same parameters as
    hand-written backpropagation + PyTorch's Adam rule, and learns something."""
    inst = wl.W9.instance(TINY["W9"])
    trained = wl.dualad_training(inst)()
    _assert_tree_close(trained, wl.hand_training(inst)(), rtol=1e-7)
    assert wl.test_accuracy(trained, inst.data) > 0.5


def test_median_time_is_per_call():
    calls = []
    t = median_time(lambda: calls.append(None), repeats=3, min_sample=1e-4)
    assert t > 0
    assert len(calls) >= 4


def test_mismatch_reports_shape_and_value_differences():
    a = np.arange(3.0)
    assert mismatch((a, 2.0), (a, 2.0)) is None
    assert "shape" in mismatch(a, a[:2])
    assert "difference" in mismatch(a + 1e-3, a)
    assert "arrays" in mismatch((a, a), a)


def test_comparison_without_peers_gives_a_table_row():
    comparison = Comparison({}, quick=True)
    comparison.repeats, comparison.min_sample = 1, 0.0
    comparison.workload(wl.W2, TINY["W2"])
    row, recorded = comparison.rows
    assert row.values["dualad"] > 0 and row.values["hand"] > 0 and row.values["numpy"] > 0
    assert not row.failed
    assert recorded.label == "W2 small MLP grad through a Recording"
    assert recorded.values["dualad"] > 0 and recorded.values["hand"] == row.values["hand"]
    assert not recorded.failed
    table = markdown_table(comparison.rows, ["dualad", "numpy", "hand"])
    assert table.count("\n") == 3 and "W2 small MLP grad" in table


def test_w10_and_w11_run_and_learn():
    from benchmarks.bench_nn import cnn_step, lstm_gradient
    step = cnn_step(batch=16)
    first = float(step())
    for _ in range(20):
        last = float(step())
    assert last < first                       # the CNN step trains
    assert np.isfinite(float(lstm_gradient(hidden=8, steps=5, batch=4)()))
