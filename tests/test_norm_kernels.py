"""Batch and layer normalisation: the compiled kernels (``_norm.pyx``) against their NumPy
references of the same names, the fused primitives' derivatives against central finite
differences in both modes and to second order (training and evaluation mode, with and without
the affine parameters), the running statistics as PyTorch updates them, the error when the
fused backward would be differentiated, and the compiled build against
``DUALAD_PUREPYTHON=1``."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualad as ad
from dualad import nn
from dualad._kernels import NORM
from dualad._kernels import norm_reference as ref
from dualad.nn import functional as F
from dualad.testing import check_grads

compiled = pytest.importorskip("dualad._kernels._norm")

TOL = {np.float32: dict(rtol=3e-5, atol=3e-6), np.float64: dict(rtol=1e-11, atol=1e-12)}


@st.composite
def arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 5)))
    k = draw(st.integers(1, 2))
    offset = draw(st.sampled_from([0.0, 100.0]))     # a large mean: cancellation in var
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))

    def normal(*s, shift=0.0):
        return (shift + rng.standard_normal(s)).astype(dtype)
    return dtype, shape, k, offset, normal


def _close(got, want, dtype):
    assert got.dtype == dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, **TOL[dtype])


@settings(max_examples=60, deadline=None)
@given(arrays(), st.booleans())
def test_batch_norm_kernels_match_the_reference(case, training):
    dtype, (n, c, length), k, offset, normal = case
    x, w, b = normal(n, c, length, shift=offset), normal(c), normal(c)
    g, eps = normal(k, n, c, length), 1e-5
    for got, want in zip(compiled.batch_norm_stats(x), ref.batch_norm_stats(x)):
        _close(got, want, dtype)
    for got, want in zip(compiled.batch_norm_fwd(x, w, b, eps), ref.batch_norm_fwd(x, w, b, eps)):
        _close(got, want, dtype)
    mean, var = ref.batch_norm_stats(x)
    _close(compiled.batch_norm_apply(x, mean, var, w, b, eps),
           ref.batch_norm_apply(x, mean, var, w, b, eps), dtype)
    for got, want in zip(compiled.batch_norm_bwd(g, x, mean, var, w, eps, training),
                         ref.batch_norm_bwd(g, x, mean, var, w, eps, training)):
        np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"] * 10,
                                   atol=TOL[dtype]["atol"] * 10 * (1 + offset))


@settings(max_examples=60, deadline=None)
@given(arrays())
def test_layer_norm_kernels_match_the_reference(case):
    dtype, (n, c, length), k, offset, normal = case
    m, d = n * c, length
    x, w, b, g = normal(m, d, shift=offset), normal(d), normal(d), normal(k, m, d)
    y, mean, rstd = compiled.layer_norm_fwd(x, w, b, 1e-5)
    for got, want in zip((y, mean, rstd), ref.layer_norm_fwd(x, w, b, 1e-5)):
        _close(got, want, dtype)
    for got, want in zip(compiled.layer_norm_bwd(g, x, mean, rstd, w),
                         ref.layer_norm_bwd(g, x, mean, rstd, w)):
        np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"] * 10,
                                   atol=TOL[dtype]["atol"] * 10 * (1 + offset))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_on_nan_and_inf_match_the_reference(dtype):
    x = np.array([[[1.0, np.nan], [2.0, 3.0]], [[np.inf, 0.0], [4.0, 1.0]]], dtype)  # (2, 2, 2)
    w, b = np.ones(2, dtype), np.zeros(2, dtype)
    y, mean, var = compiled.batch_norm_fwd(x, w, b, 1e-5)
    for got, want in zip((y, mean, var), ref.batch_norm_fwd(x, w, b, 1e-5)):
        np.testing.assert_allclose(got, want, **TOL[dtype])
    assert np.isnan(y[:, 0]).all() and np.isfinite(y[:, 1]).all()   # one channel poisoned
    g = np.ones((1,) + x.shape, dtype)
    for got, want in zip(compiled.batch_norm_bwd(g, x, mean, var, w, 1e-5, True),
                         ref.batch_norm_bwd(g, x, mean, var, w, 1e-5, True)):
        np.testing.assert_allclose(got, want, **TOL[dtype])
    rows = x.reshape(4, 2)
    out = compiled.layer_norm_fwd(rows, w, b, 1e-5)
    for got, want in zip(out, ref.layer_norm_fwd(rows, w, b, 1e-5)):
        np.testing.assert_allclose(got, want, **TOL[dtype])
    assert np.isnan(out[0][[0, 2]]).all() and np.isfinite(out[0][[1, 3]]).all()


def test_dispatch_sends_other_layouts_and_dtypes_to_the_reference():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 4))
    strided = x[:, :, ::-1]
    for got, want in zip(NORM["batch_norm_stats"](strided), ref.batch_norm_stats(strided)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    half = NORM["layer_norm_fwd"](x[0].astype(np.float16), np.ones(4, np.float16),
                                  np.zeros(4, np.float16), 1e-5)[0]
    assert half.dtype == np.float16


# ------------------------------------------------------------------------------ derivatives
R = np.random.default_rng(7)
X4 = R.standard_normal((3, 2, 2, 2)) + 1.5
W, B = R.standard_normal(2), R.standard_normal(2)
RM, RV = R.standard_normal(2), R.uniform(0.5, 2.0, 2)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(4, 2), (3, 2, 5), (3, 2, 2, 2)])
def test_batch_norm_training_derivatives_to_second_order(shape, affine):
    x = np.random.default_rng(1).standard_normal(shape) * 2 + 1
    if affine:
        check_grads(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                    (x, W, B), order=2)
    else:
        check_grads(lambda x: F.batch_norm(x, None, None, training=True), (x,), order=2)


def test_batch_norm_eval_derivatives_in_every_operand_to_second_order():
    def f(x, rm, rv, w, b):
        return F.batch_norm(x, rm, rv, w, b, training=False)

    check_grads(f, (X4, RM, RV, W, B), order=2)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_derivatives_to_second_order(affine):
    x = np.random.default_rng(2).standard_normal((2, 3, 4)) + 3
    w, b = R.standard_normal((3, 4)), R.standard_normal((3, 4))
    if affine:
        check_grads(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), (x, w, b), order=2)
    else:
        check_grads(lambda x: F.layer_norm(x, 4), (x,), order=2)


CASES = {
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         "batch_norm_bwd"),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(x, RM, RV, w, b), "batch_norm_bwd"),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, 2, w, b), "layer_norm_bwd"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fused_path_is_used_in_reverse_mode_and_agrees_with_forward_mode(name, monkeypatch):
    f, kernel = CASES[name]
    calls = []
    original = NORM[kernel]
    monkeypatch.setitem(NORM, kernel, lambda *a: calls.append(1) or original(*a))
    args = (X4, W, B)
    jac_rev = ad.jacrev(f, argnums=(0, 1, 2))(*args)       # the fused backward, batched
    assert len(calls) == 1
    jac_fwd = ad.jacfwd(f, argnums=(0, 1, 2))(*args)       # composed from dualad.numpy
    for r, w in zip(jac_rev, jac_fwd):
        np.testing.assert_allclose(r, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_differentiating_the_fused_backward_raises(name):
    f, _ = CASES[name]
    out, pullback = ad.vjp(lambda x: f(x, W, B), X4)
    with pytest.raises(TypeError, match="not differentiable"):
        ad.jacfwd(lambda u: pullback(u)[0])(np.ones(out.shape))


# ------------------------------------------------------------------------------ modules
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_module_updates_running_stats_as_pytorch(dtype):
    bn = nn.BatchNorm2d(2, momentum=0.3, dtype=dtype)
    x = ad.tensor(X4.astype(dtype), requires_grad=True)
    y = bn(x)
    (y * y).sum().backward()
    axes = (0, 2, 3)
    mean, var = X4.mean(axes), X4.var(axes)
    count = X4.size // 2
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.3 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.7 + 0.3 * var * count / (count - 1),
                               rtol=1e-5)
    assert int(bn.num_batches_tracked.numpy()) == 1
    want = (X4 - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-4, atol=1e-5)
    assert x.grad.dtype == dtype and bn.weight.grad.shape == (2,)
    bn.eval()
    y_eval = bn(x).detach().numpy()
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(y_eval, (X4 - rm[:, None, None]) / np.sqrt(rv[:, None, None]
                                                                        + 1e-5),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(bn.running_mean.numpy(), rm)    # eval leaves them alone


def test_layer_norm_module_gradient_matches_the_composition():
    ln = nn.LayerNorm((2, 2), dtype=np.float64)
    x = ad.tensor(X4, requires_grad=True)
    (ln(x) ** 3).sum().backward()
    want = ad.jacfwd(lambda x: ad.numpy.sum(F.layer_norm(x, (2, 2)) ** 3))(X4)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------ build modes
_SCRIPT = """
import json, sys
import numpy as np
import dualad as ad
from dualad import nn
out = {}
for dtype in (np.float32, np.float64):
    nn.manual_seed(0)
    model = nn.Sequential(nn.BatchNorm2d(3, dtype=dtype), nn.LayerNorm(4, dtype=dtype))
    x = ad.tensor(np.random.default_rng(0).standard_normal((5, 3, 2, 4)).astype(dtype) + 2,
                  requires_grad=True)
    y = model(x)
    (y ** 3).mean().backward()
    bn = model[0]
    out[dtype.__name__] = [y.detach().numpy().tolist(), x.grad.numpy().tolist(),
                           bn.running_mean.numpy().tolist(), bn.running_var.numpy().tolist()] + [
        p.grad.numpy().tolist() for p in model.parameters()]
json.dump(out, sys.stdout)
"""


def _run(pure):
    env = dict(os.environ)
    env.pop("DUALAD_PUREPYTHON", None)
    if pure:
        env["DUALAD_PUREPYTHON"] = "1"
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                          text=True, check=True, cwd=tempfile.gettempdir())
    return json.loads(done.stdout)


def test_compiled_and_purepython_builds_agree():
    compiled_run, pure_run = _run(False), _run(True)
    for key, arrays in compiled_run.items():
        tol = dict(rtol=1e-4, atol=1e-5) if key == "float32" else dict(rtol=1e-10, atol=1e-12)
        for got, want in zip(arrays, pure_run[key]):
            np.testing.assert_allclose(np.array(got), np.array(want), **tol)
