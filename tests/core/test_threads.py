"""Recording state is per thread: four threads computing different gradients at once, with
the functional transforms, explicit tapes, the imperative face and ``no_grad``, all right."""
import threading

import numpy as np

import dualad as ad
import dualad.numpy as dnp

ROUNDS = 40


def _run_in_threads(workers):
    errors, barrier = [], threading.Barrier(len(workers))

    def wrap(work):
        def run():
            barrier.wait()
            try:
                for i in range(ROUNDS):
                    work(i)
            except BaseException as exc:      # reported in the main thread
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(w)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _functional(i):
    x = np.linspace(-1.0, 1.0, 4) + i
    np.testing.assert_allclose(ad.grad(lambda x: dnp.sum(dnp.sin(x) ** 2))(x), np.sin(2 * x))
    np.testing.assert_allclose(ad.hessian(lambda x: dnp.sum(x ** 3))(x), np.diag(6 * x))


def _tape(i):
    x0 = np.array([1.0, 2.0]) * (i + 1)
    with ad.Tape() as tape:
        x = tape.watch(x0)
        y = dnp.sum(dnp.exp(x) * x)
    g, = tape.gradient(y, [x])
    np.testing.assert_allclose(g, np.exp(x0) * (1 + x0))


def _imperative(i):
    w = ad.tensor(np.array([0.5, -0.5]), requires_grad=True)
    scale = i % 4 + 1.0
    dnp.sum(dnp.tanh(w * scale)).backward()
    expected = scale * (1 - np.tanh(w.detach().numpy() * scale) ** 2)
    np.testing.assert_allclose(w.grad.numpy(), expected)
    with ad.no_grad():
        assert not (w * 2.0).requires_grad
    assert (w * 2.0).requires_grad


def _no_grad_and_forward(i):
    with ad.no_grad():
        x = np.array([0.2, 0.4]) + i
        _, t = ad.jvp(lambda x: dnp.cos(x), (x,), (np.ones(2),))
        np.testing.assert_allclose(t, -np.sin(x))
        w = ad.tensor(x, requires_grad=True)
        assert not (w * w).requires_grad


def test_four_threads_compute_different_gradients_at_once():
    _run_in_threads([_functional, _tape, _imperative, _no_grad_and_forward])


def test_same_gradient_function_shared_by_threads():
    g = ad.grad(lambda x, c: dnp.sum(x * x * c))
    results = {}

    def work(k):
        def run(i):
            x = np.full(3, float(k))
            results[k] = g(x, np.array(k + 1.0))
            np.testing.assert_allclose(results[k], 2 * x * (k + 1))
        return run

    _run_in_threads([work(k) for k in range(4)])
    assert sorted(results) == [0, 1, 2, 3]
