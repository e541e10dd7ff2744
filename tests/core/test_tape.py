"""Reverse mode: the explicit Tape and the imperative (PyTorch-like) face of the same tape."""
import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp


def test_explicit_tape_gradient_and_entries():
    with ad.Tape() as tape:
        x = tape.watch(np.array([1.0, 2.0]))
        y = dnp.sum(dnp.tanh(x) ** 2)
    gx, = tape.gradient(y, [x])
    t = np.tanh([1.0, 2.0])
    np.testing.assert_allclose(gx, 2 * t * (1 - t * t))
    ops = [e.op for e in tape.entries]
    assert ops == ["watch", "tanh", "power", "sum"]
    assert len(tape) == 4
    ids = [e.outputs[0] for e in tape.entries]
    assert tape.entries[1].inputs == (ids[0],)
    assert tape.entries[3].inputs == (ids[2],)


def test_non_persistent_tape_allows_one_gradient_and_frees_residuals():
    with ad.Tape() as tape:
        x = tape.watch(np.ones(3))
        y = dnp.sum(dnp.sin(x))
    tape.gradient(y, [x])
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, [x])
    from dualad._core.tape import FREED
    assert all(n.residuals is FREED for n in tape._trace.nodes if n.prim is not None)


def test_persistent_tape_and_batched_output_gradients():
    with ad.Tape(persistent=True) as tape:
        x = tape.watch(np.array([0.5, 1.5]))
        y = x * x
        z = dnp.sum(dnp.exp(x))
    np.testing.assert_allclose(tape.gradient(y, [x])[0], 2 * x._value)
    np.testing.assert_allclose(tape.gradient(z, x), np.exp(x._value))
    g = tape.gradient(y, [x], output_gradients=np.array([1.0, -1.0]))[0]
    np.testing.assert_allclose(g, [1.0, -3.0])


def test_tape_gradient_rejects_unwatched_sources():
    with ad.Tape() as tape:
        x = tape.watch(np.ones(2))
        y = dnp.sum(x * 2)
    with pytest.raises(ValueError, match="not watched"):
        tape.gradient(y, [np.ones(2)])


def test_imperative_backward_accumulates_and_zero_grad():
    x = ad.tensor(3.0, requires_grad=True)
    y = x * x + 2 * x + 1
    y.backward()
    assert x.grad == 8.0
    (x * x).backward()
    assert x.grad == 14.0
    x.zero_grad()
    assert x.grad == 0.0
    assert x.requires_grad and x.is_leaf and not y.is_leaf


def test_imperative_matches_grad():
    w = ad.tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    x = np.array([0.3, -0.7])
    loss = dnp.sum(dnp.tanh(w @ x) ** 2)
    loss.backward()
    expected = ad.grad(lambda w: dnp.sum(dnp.tanh(w @ x) ** 2))(w.detach().numpy())
    np.testing.assert_allclose(w.grad.numpy(), expected)


def test_second_backward_needs_retain_graph():
    x = ad.tensor(2.0, requires_grad=True)
    y = dnp.sin(x) * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(2 * (np.cos(2.0) * 2 + np.sin(2.0)))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_errors():
    c = ad.tensor(2.0)
    with pytest.raises(RuntimeError, match="requires_grad"):
        (c * 3).backward()
    x = ad.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()
    (x * 2).backward(gradient=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    with pytest.raises(TypeError, match="dtype int"):
        ad.tensor(3, requires_grad=True)


def test_no_grad_detach_item_numpy():
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with ad.no_grad():
        y = x * 2
    assert not y.requires_grad
    z = (x * 3).detach()
    assert not z.requires_grad
    np.testing.assert_allclose(z.numpy(), [3.0, 6.0])
    assert ad.tensor(4.5).item() == 4.5
    # functional transforms still work inside no_grad
    with ad.no_grad():
        assert ad.grad(lambda v: v * v)(3.0) == 6.0
    with pytest.raises(TypeError, match="detach"):
        np.asarray(x * 1.0)


def test_grad_is_not_kept_alive_by_the_graph():
    import gc
    import weakref
    x = ad.tensor(np.ones(4), requires_grad=True)
    y = dnp.sum(dnp.sin(x))
    ref = weakref.ref(y._node)
    y.backward()
    del y
    gc.collect()
    assert ref() is None


def test_long_tape_sweeps_without_recursion():
    import sys
    limit = sys.getrecursionlimit()
    x = ad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert sys.getrecursionlimit() == limit
