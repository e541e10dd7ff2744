"""Memory: no growth over repeated gradients, residuals freed after a non-persistent sweep,
nothing left for the cycle collector, and transformed functions keep no arrays alive."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad._core.tape import FREED


def loss(w, x):
    return dnp.sum(dnp.tanh(x @ w) ** 2) + dnp.sum(dnp.exp(-w * w))


W = np.random.default_rng(0).standard_normal((20, 5))
X = np.random.default_rng(1).standard_normal((8, 20))


def _growth(step, warmup=20, rounds=300):
    for _ in range(warmup):
        step()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(rounds):
            step()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("make_step", [
    lambda: (lambda: ad.grad(loss)(W, X)),
    lambda: (lambda: ad.value_and_grad(loss, (0, 1))(W, X)),
    lambda: (lambda: ad.jacrev(lambda w: dnp.tanh(X @ w))(W)),
    lambda: (lambda: ad.hessian(lambda w: dnp.sum(dnp.sin(w) ** 2))(W[:2, :2])),
    lambda: (lambda: ad.vjp(lambda w: dnp.tanh(X @ w), W)[1](np.ones((8, 5)))),
], ids=["grad", "value_and_grad", "jacrev", "hessian", "vjp"])
def test_no_growth_over_repeated_gradients(make_step):
    assert _growth(make_step()) < 64_000


def test_no_growth_in_an_imperative_training_loop():
    w = ad.tensor(W, requires_grad=True)

    def step():
        w.zero_grad()
        loss(w, X).backward()

    assert _growth(step) < 64_000


def test_residuals_freed_after_non_persistent_sweep():
    with ad.Tape() as tape:
        x = tape.watch(np.linspace(0.0, 1.0, 1000))
        y = dnp.sum(dnp.sin(x) * x)
    nodes = tape._trace.nodes
    assert any(n.residuals is not None for n in nodes if n.prim is not None)
    tape.gradient(y, [x])
    for n in nodes:
        if n.prim is not None:
            assert n.residuals is FREED and n.guards is None


def test_imperative_backward_frees_residuals_and_guards():
    c = np.ones(3)
    w = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = dnp.sum(w * c)
    node = y._node.parents[0]
    assert node.guards is not None
    y.backward()
    assert node.residuals is FREED and node.guards is None


def test_no_reference_cycles_left_for_the_collector():
    gc.collect()
    gc.disable()
    try:
        gc.collect()
        ad.grad(loss)(W, X)
        with ad.Tape() as tape:
            x = tape.watch(W)
            y = loss(x, X)
        tape.gradient(y, [x])
        del tape, x, y
        w = ad.tensor(W, requires_grad=True)
        loss(w, X).backward()
        del w
        ad.checkpoint_loop(lambda s: dnp.sin(s), W, 10)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_transformed_functions_keep_no_user_arrays_alive():
    class Big(np.ndarray):
        pass

    x = np.linspace(0.0, 1.0, 100).view(Big)
    ref = weakref.ref(x)
    g = ad.grad(lambda x: dnp.sum(dnp.sin(x)))
    j = ad.jacobian(lambda x: dnp.sin(x))
    g(np.asarray(x))
    j(np.asarray(x))
    ad.plan_jacobian(lambda x: dnp.sin(x), np.asarray(x))
    del x
    gc.collect()
    assert ref() is None
