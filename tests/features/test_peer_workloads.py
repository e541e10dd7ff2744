"""The workloads that ``benchmarks/compare_peers.py`` writes per library (W10, W11, the fft,
eigh and svd gradients), at small sizes and on dualad alone (no peer needed), so that the
comparison code cannot rot: dualad's derivative against central finite differences or against
the same mathematics written functionally, and the NumPy forward passes (the primal floors and
W10's accuracy) against dualad's modules. No timing is asserted."""
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

# appended, not prepended: the installed (built) dualad must win over the checkout's sources
sys.path.append(str(Path(__file__).resolve().parents[2]))

from benchmarks import compare_peers as cp  # noqa: E402
from benchmarks import workloads as wl  # noqa: E402

import dualad as ad  # noqa: E402
import dualad.numpy as dnp  # noqa: E402

pytestmark = pytest.mark.skipif(not wl.nn_available(), reason="dualad.nn is not available")


def _finite_difference_gradient(fun, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (fun(x + e) - fun(x - e)) / (2 * h)
    return grad


@pytest.mark.parametrize("wid, size", [("FFT", 16), ("FFTC", 15), ("EIGH", 5), ("SVD", 5)])
def test_spectral_workloads_gradients(wid, size):
    inst = cp.ALL_WORKLOADS[wid].instance(size, seed=1)
    x, *rest = inst.args
    got = wl.dualad_derivative(inst)()
    want = _finite_difference_gradient(lambda x: inst.math(np, x, *rest), x)
    if wid == "EIGH":          # compared on symmetric directions (see symmetric_part)
        got, want = cp.symmetric_part(got), cp.symmetric_part(want)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def _small_lstm_instance():
    inst = cp.W11.instance()
    params, x, target = inst.args
    return dataclasses.replace(inst, args=(params, x[:4, :6], target[:4]))


def test_lstm_module_matches_its_functional_form():
    """W11's nn.LSTM code (dualad, PyTorch) and its written-out form (JAX, autograd, NumPy)
    are the same mathematics: same loss, same gradient."""
    inst = _small_lstm_instance()
    params, x, target = inst.args
    got = cp.module_gradient(cp.lstm_regressor, cp.lstm_loss, "dualad", inst)()
    want = ad.grad(lambda p: cp.lstm_functional(dnp, p, x, target))(params)
    assert len(got) == len(want) == 6
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-4, atol=1e-6)
    lib = cp.ModuleLibrary.of("dualad")
    model = cp.lstm_regressor(lib.nn)
    model.load_state_dict(dict(zip(model.state_dict(), params)))
    np.testing.assert_allclose(cp.lstm_loss(lib, model, ad.tensor(x), ad.tensor(target)).item(),
                               cp.lstm_functional(np, params, x, target), rtol=1e-5)


def test_cnn_numpy_forward_matches_the_module_and_training_runs():
    inst = cp.W10.instance(1)
    params, x, labels = inst.args
    lib = cp.ModuleLibrary.of("dualad")
    model = cp.cnn(lib.nn)
    model.load_state_dict(dict(zip(model.state_dict(), params)))
    np.testing.assert_allclose(model(ad.tensor(x)).detach().numpy(),
                               cp.cnn_logits_numpy(params, x), rtol=1e-4, atol=1e-5)
    grads = cp.module_gradient(cp.cnn, cp.cnn_loss, "dualad", inst)()
    assert [g.shape for g in grads] == [p.shape for p in params]
    short = dataclasses.replace(inst, data=dataclasses.replace(
        inst.data, batches=inst.data.batches[:3]))
    trained = cp.module_training(cp.cnn, cp.cnn_loss, "dualad", short)()
    assert 0.0 <= cp.cnn_accuracy(trained, inst.data) <= 1.0
    assert any(not np.allclose(a, b) for a, b in zip(trained, params))
