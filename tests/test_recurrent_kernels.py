"""The fused LSTM and GRU layers: the compiled layer kernels (``_recurrent.pyx``) against
their NumPy references of the same names, the layers' derivatives against central finite
differences in both modes and to second order, the fused primitive against the layer composed
from ``dualad.numpy`` operations, the error when the fused backward would be differentiated,
and the compiled build against ``DUALAD_PUREPYTHON=1``."""
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
from dualad._kernels import RECURRENT
from dualad._kernels import recurrent_reference as ref
from dualad.primitives import recurrent as cells
from dualad.testing import check_grads

compiled = pytest.importorskip("dualad._kernels._recurrent")

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}
# libm's and NumPy's exp and tanh differ by a unit in the last place; near saturation
# s (1 - s) and 1 - tanh(z)^2 turn that into an absolute error of about eps times the size of
# the values multiplied by them (cotangents, states: at most the inputs' scale squared)
SCALED_ATOL = {np.float32: 1e-5, np.float64: 1e-13}


@st.composite
def layer_inputs(draw):
    t, n, h = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 9))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([0.5, 3.0, 30.0]))     # 30: saturated gates
    reverse = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))

    def normal(*shape, recurrent=False):
        # recurrent weights small enough for the steps to contract: a chaotic recurrence in
        # float32 would amplify the kernels' last-place differences beyond any tolerance
        size = 1 / (shape[0] * scale) if recurrent else 1.0
        return (size * scale * rng.standard_normal(shape)).astype(dtype)
    normal.scale = scale
    return t, n, h, dtype, reverse, normal


def _close(got, want, dtype, scale=1.0):
    assert got.dtype == want.dtype == dtype and got.shape == want.shape
    size = max(float(np.max(np.abs(want), initial=1.0)), scale ** 2)
    np.testing.assert_allclose(got, want, rtol=TOL[dtype]["rtol"],
                               atol=SCALED_ATOL[dtype] * size)


def _lstm_both(zs, hc, w_hh, reverse, g):
    """Forward and backward of the compiled kernels and of the references."""
    out = []
    for kernels in (compiled, ref):
        states, acts = kernels.lstm_layer_fwd(zs.copy(), hc, w_hh, reverse)
        first = np.concatenate([hc[1][None], states[:-1, 1]]) if not reverse else (
            np.concatenate([states[1:, 1], hc[1][None]]))
        out.append((states, acts) + kernels.lstm_layer_bwd(g, acts, first, w_hh, reverse))
    return out


def _gru_both(zxs, h, w_hh, b_hh, reverse, g):
    out = []
    for kernels in (compiled, ref):
        hs, acts, zhs = kernels.gru_layer_fwd(zxs, h, w_hh, b_hh, reverse)
        prev = np.concatenate([h[None], hs[:-1]]) if not reverse else (
            np.concatenate([hs[1:], h[None]]))
        out.append((hs, acts, zhs) + kernels.gru_layer_bwd(g, acts, zhs, prev, w_hh, reverse))
    return out


@settings(max_examples=60, deadline=None)
@given(layer_inputs())
def test_lstm_kernels_match_the_reference(case):
    t, n, h, dtype, reverse, draw = case
    got, want = _lstm_both(draw(t, n, 4 * h), draw(2, n, h), draw(4 * h, h, recurrent=True),
                           reverse, draw(t, 2, n, h))
    for a, b in zip(got, want):
        _close(a, b, dtype, draw.scale)


@settings(max_examples=60, deadline=None)
@given(layer_inputs(), st.booleans())
def test_gru_kernels_match_the_reference(case, bias):
    t, n, h, dtype, reverse, draw = case
    got, want = _gru_both(draw(t, n, 3 * h), draw(n, h), draw(3 * h, h, recurrent=True),
                          draw(3 * h) if bias else None, reverse, draw(t, n, h))
    for a, b in zip(got, want):
        _close(a, b, dtype, draw.scale)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_on_nan_and_inf_match_the_reference(dtype):
    def same(got, want):
        np.testing.assert_allclose(got, want, **TOL[dtype])   # NaN matches NaN, inf inf

    # one step, H = 2, w_hh = 0: the pre-activations are zs itself
    zs = np.array([[[np.inf, -np.inf, np.nan, 0.0, 1e30, -1e30, 2.0, np.inf]]], dtype)
    hc = np.array([[[0.0, 0.0]], [[1.0, np.inf]]], dtype)
    g = np.ones((1, 2, 1, 2), dtype)
    got, want = _lstm_both(zs, hc, np.zeros((8, 2), dtype), False, g)
    for a, b in zip(got, want):
        same(a, b)
    states, acts = got[:2]
    # saturated gates are exact: sigmoid(+-inf) = 1, 0; tanh(+-1e30) = +-1
    np.testing.assert_array_equal(acts[0, 0, [0, 1, 4, 5, 7]], [1.0, 0.0, 1.0, -1.0, 1.0])
    assert np.isnan(acts[0, 0, 8]) and np.isnan(states[0, 1, 0, 0])  # the NaN of f propagates
    assert states[0, 1, 0, 1] == np.inf                          # f = 1/2 of an infinite c
    zxs = zs[:, :, :6].copy()
    h = np.array([[0.5, np.nan]], dtype)
    b_hh = np.array([0.0, 1.0, -np.inf, np.nan, 3.0, -2.0], dtype)
    got, want = _gru_both(zxs, h, np.zeros((6, 2), dtype), b_hh, True, g[:, 0])
    for a, b in zip(got, want):
        same(a, b)
    assert np.isnan(got[0][0, 0, 1])


def test_dispatch_sends_other_layouts_and_dtypes_to_the_reference():
    rng = np.random.default_rng(0)
    zs = rng.standard_normal((2, 3, 8))
    hc = rng.standard_normal((2, 3, 2))
    w_hh = rng.standard_normal((8, 2))
    strided = np.asfortranarray(zs)
    for got, want in zip(RECURRENT["lstm_layer_fwd"](strided, hc, w_hh, False),
                         ref.lstm_layer_fwd(zs.copy(), hc, w_hh, False)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    half = RECURRENT["lstm_layer_fwd"](zs.astype(np.float16), hc.astype(np.float16),
                                       w_hh.astype(np.float16), False)[0]
    assert half.dtype == np.float16
    np.testing.assert_allclose(half, ref.lstm_layer_fwd(zs.copy(), hc, w_hh, False)[0],
                               rtol=2e-2, atol=5e-3)


# ------------------------------------------------------------------------------ derivatives
def _lstm_args(dtype=np.float64, t=3, n=2, inputs=2, h=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((t, n, inputs)).astype(dtype),
            (0.5 * rng.standard_normal((2, n, h))).astype(dtype),
            (0.5 * rng.standard_normal((4 * h, inputs))).astype(dtype),
            (0.5 * rng.standard_normal((4 * h, h))).astype(dtype),
            (0.5 * rng.standard_normal(4 * h)).astype(dtype))


def _gru_args(dtype=np.float64, t=3, n=2, inputs=2, h=3, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((t, n, inputs)).astype(dtype),
            (0.5 * rng.standard_normal((n, h))).astype(dtype),
            (0.5 * rng.standard_normal((3 * h, inputs))).astype(dtype),
            (0.5 * rng.standard_normal((3 * h, h))).astype(dtype),
            (0.5 * rng.standard_normal(3 * h)).astype(dtype),
            (0.5 * rng.standard_normal(3 * h)).astype(dtype))


def _composed(step):
    def layer(xs, state, *weights, reverse=False):
        return cells._composed(step, xs, state, weights, reverse)
    return layer


LAYERS = {"lstm": (cells.lstm_layer, _composed(cells._lstm_step), _lstm_args),
          "gru": (cells.gru_layer, _composed(cells._gru_step), _gru_args)}
BOTH = [(name, reverse) for name in LAYERS for reverse in (False, True)]


@pytest.mark.parametrize("name, reverse", BOTH)
def test_layer_derivatives_match_finite_differences_to_second_order(name, reverse):
    layer, _, make = LAYERS[name]
    check_grads(lambda *a: layer(*a, reverse=reverse), make(), modes=("fwd", "rev"), order=2)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_without_biases(name):
    layer, composed, make = LAYERS[name]
    args = make()
    stripped = args[:4] + (None,) * (len(args) - 4)
    check_grads(lambda *a: layer(*a, *stripped[4:]), args[:4], order=1)
    np.testing.assert_allclose(layer(*stripped), composed(*stripped), rtol=1e-13)


@pytest.mark.parametrize("name, reverse", BOTH)
def test_fused_layer_is_used_in_reverse_mode_and_matches_the_composition(name, reverse,
                                                                        monkeypatch):
    layer, composed, make = LAYERS[name]
    calls = []
    kernel = f"{name}_layer_bwd"
    original = RECURRENT[kernel]
    monkeypatch.setitem(RECURRENT, kernel, lambda *a: calls.append(1) or original(*a))
    args = make()
    out = layer(*args, reverse=reverse)
    g = np.random.default_rng(5).standard_normal(out.shape)
    fused = ad.vjp(lambda *a: layer(*a, reverse=reverse), *args)
    plain = ad.vjp(lambda *a: composed(*a, reverse=reverse), *args)
    assert len(calls) == 0
    np.testing.assert_allclose(fused[0], plain[0], rtol=1e-13)
    for got, want in zip(fused[1](g), plain[1](g)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert len(calls) == 1
    nums = tuple(range(len(args)))
    jac_rev = ad.jacrev(lambda *a: layer(*a, reverse=reverse), argnums=nums)(*args)
    jac_fwd = ad.jacfwd(lambda *a: layer(*a, reverse=reverse), argnums=nums)(*args)
    for r, f in zip(jac_rev, jac_fwd):                      # batched cotangents; composed
        np.testing.assert_allclose(r, f, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(LAYERS))
def test_one_tape_entry_per_layer(name):
    layer, _, make = LAYERS[name]
    args = make(t=20)
    with ad.Tape() as tape:
        xs = tape.watch(args[0])
        layer(xs, *args[1:])
    assert [e.op for e in tape.entries] == ["watch", f"nn.{name}_layer"]


@pytest.mark.parametrize("name", list(LAYERS))
def test_differentiating_the_fused_backward_raises(name):
    layer, _, make = LAYERS[name]
    args = make()
    out, pullback = ad.vjp(lambda x: layer(x, *args[1:]), args[0])
    g = np.ones(out.shape)
    with pytest.raises(TypeError, match="not differentiable"):
        ad.jacfwd(lambda u: pullback(u)[0])(g)
    with pytest.raises(TypeError, match="not differentiable"):
        ad.grad(lambda u: ad.numpy.sum(pullback(u)[0]))(g)


def test_hessian_through_an_lstm_layer_matches_finite_differences():
    nn.manual_seed(0)
    lstm = nn.LSTM(2, 3, dtype=np.float64)
    lstm.requires_grad_(False)                 # constants: differentiate in x alone
    x = np.random.default_rng(2).standard_normal((4, 2, 2))

    def loss(x):
        out, (h, c) = lstm(x)
        return ad.numpy.sum(out ** 2) + ad.numpy.sum(c)

    hess = ad.hessian(loss)(x)
    eps = 1e-5
    flat = x.ravel()
    cols = []
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = eps
        gp = ad.grad(loss)((flat + e).reshape(x.shape))
        gm = ad.grad(loss)((flat - e).reshape(x.shape))
        cols.append(((gp - gm) / (2 * eps)).ravel())
    np.testing.assert_allclose(hess.reshape(flat.size, flat.size), np.array(cols).T,
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_layers_with_two_bidirectional_layers_to_second_order(cls):
    nn.manual_seed(1)
    model = cls(2, 3, num_layers=2, bidirectional=True, batch_first=True, dtype=np.float64)
    params = {k: v.detach().numpy().copy() for k, v in model.named_parameters()}
    x = np.random.default_rng(3).standard_normal((2, 3, 2))

    def f(p, x):
        out, state = nn.functional_call(model, p, x)
        return out, state

    check_grads(f, (params, x), order=2)


def test_imperative_backward_uses_the_kernels_and_agrees_with_forward_mode(monkeypatch):
    calls = []
    original = RECURRENT["lstm_layer_bwd"]
    monkeypatch.setitem(RECURRENT, "lstm_layer_bwd", lambda *a: calls.append(1) or original(*a))
    nn.manual_seed(4)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    x0 = np.random.default_rng(4).standard_normal((5, 2, 3))
    x = ad.tensor(x0, requires_grad=True)
    out, (h, c) = lstm(x)
    ((out ** 2).sum() + c.sum()).backward()
    assert len(calls) == 2 * 2                              # layers x directions
    params = {k: v.detach().numpy() for k, v in lstm.named_parameters()}

    def loss(x):
        out, (h, c) = nn.functional_call(lstm, params, x)
        return ad.numpy.sum(out ** 2) + ad.numpy.sum(c)

    np.testing.assert_allclose(x.grad.numpy(), ad.jacfwd(loss)(x0), rtol=1e-11, atol=1e-13)


# ------------------------------------------------------------------------------ build modes
_SCRIPT = """
import json, sys
import numpy as np
import dualad as ad
from dualad import nn
nn.manual_seed(0)
out = {}
for name, cls in (("lstm", nn.LSTM), ("gru", nn.GRU)):
    for dtype in (np.float32, np.float64):
        model = cls(3, 5, num_layers=2, batch_first=True, dtype=dtype)
        x = ad.tensor(np.random.default_rng(0).standard_normal((4, 6, 3)).astype(dtype))
        y, _ = model(x)
        (y ** 2).mean().backward()
        out[f"{name}_{dtype.__name__}"] = [y.detach().numpy().tolist()] + [
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
        tol = dict(rtol=1e-4, atol=1e-6) if key.endswith("float32") else dict(rtol=1e-10,
                                                                               atol=1e-13)
        for got, want in zip(arrays, pure_run[key]):
            np.testing.assert_allclose(np.array(got), np.array(want), **tol)
