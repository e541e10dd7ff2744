"""dualad.nn's layers, activations, losses, init and utils: values against direct NumPy
definitions (PyTorch's formulas), derivatives against finite differences in float64 (both modes,
second order where cheap), PyTorch's parameter shapes and state-dict keys."""
import math

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import nn
from dualad.nn import functional as F
from dualad.testing import check_grads

R = np.random.default_rng(0)


# ------------------------------------------------------------------------------ convolution
def naive_conv(x, w, b, stride, pad, dilation=1):
    """Direct loops over output positions (float64), for any number of spatial axes."""
    d = w.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + [(pad, pad)] * d)
    k = w.shape[2:]
    ext = [dilation * (kk - 1) + 1 for kk in k]
    out = [(n - e) // stride + 1 for n, e in zip(x.shape[2:], ext)]
    y = np.zeros((x.shape[0], w.shape[0]) + tuple(out))
    for pos in np.ndindex(*out):
        sl = tuple(slice(p * stride, p * stride + e, dilation) for p, e in zip(pos, ext))
        patch = x[(slice(None), slice(None)) + sl]
        y[(slice(None), slice(None)) + pos] = np.tensordot(
            patch, w, axes=(list(range(1, d + 2)), list(range(1, d + 2))))
    return y if b is None else y + b.reshape((-1,) + (1,) * d)


@pytest.mark.parametrize("stride, pad, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2)])
def test_conv2d_matches_direct_loops(stride, pad, dilation):
    x, w, b = R.standard_normal((2, 3, 7, 6)), R.standard_normal((4, 3, 3, 2)), R.standard_normal(4)
    np.testing.assert_allclose(F.conv2d(x, w, b, stride, pad, dilation),
                               naive_conv(x, w, b, stride, pad, dilation), rtol=1e-12,
                               atol=1e-12)


def test_conv1d_matches_direct_loops_and_same_padding():
    x, w = R.standard_normal((2, 3, 9)), R.standard_normal((5, 3, 3))
    np.testing.assert_allclose(F.conv1d(x, w, stride=2, padding=1),
                               naive_conv(x, w, None, 2, 1), rtol=1e-12, atol=1e-12)
    assert F.conv1d(x, w, padding="same").shape == (2, 5, 9)
    assert F.conv1d(x[0], w).shape == (5, 7)                         # unbatched input


def test_grouped_conv_is_per_group_conv():
    x, w = R.standard_normal((2, 6, 5, 5)), R.standard_normal((4, 3, 3, 3))
    y = F.conv2d(x, w, groups=2)
    np.testing.assert_allclose(y[:, :2], naive_conv(x[:, :3], w[:2], None, 1, 0), rtol=1e-12)
    np.testing.assert_allclose(y[:, 2:], naive_conv(x[:, 3:], w[2:], None, 1, 0), rtol=1e-12)


def test_conv_derivatives():
    x, w, b = R.standard_normal((2, 2, 5, 4)), R.standard_normal((3, 2, 3, 2)), R.standard_normal(3)
    check_grads(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), (x, w, b), order=2)
    check_grads(lambda x, w: F.conv1d(x, w, padding="same", dilation=2),
                (R.standard_normal((2, 3, 8)), R.standard_normal((2, 3, 3))), order=2)


def test_conv_output_is_c_contiguous_for_the_kernels_after_it():
    """Channels-first in C order, so that the activation, pooling and the next unfold take
    their compiled kernels (they want C-contiguous arrays) instead of the references."""
    x, w, b = R.standard_normal((2, 2, 5, 4)), R.standard_normal((3, 2, 3, 3)), R.standard_normal(3)
    y = F.conv2d(x, w, b, padding=1)
    assert np.asarray(y).flags.c_contiguous and np.shape(y) == (2, 3, 5, 4)
    assert np.asarray(F.conv1d(x[:, :, 0], w[..., 0], padding=1)).flags.c_contiguous


def test_max_pool_ties_share_the_derivative_evenly():
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, :, 2:] = [[1.0, 3.0], [3.0, 2.0]]
    g = ad.grad(lambda x: dnp.sum(F.max_pool2d(x, 2)))(x)
    np.testing.assert_array_equal(g[0, 0], [[0.25, 0.25, 0, 0.5], [0.25, 0.25, 0.5, 0]])


def test_pooling_values():
    x = R.standard_normal((2, 3, 6, 4))
    want = x.reshape(2, 3, 3, 2, 2, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(F.max_pool2d(x, 2), want)
    np.testing.assert_array_equal(F.max_pool2d(x[..., :5, :3], 2),        # remainder dropped
                                  x[..., :4, :2].reshape(2, 3, 2, 2, 1, 2).max(axis=(3, 5)))
    np.testing.assert_array_equal(F.max_pool2d(x[0], 2), want[0])          # unbatched
    np.testing.assert_allclose(F.avg_pool2d(x, 2), x.reshape(2, 3, 3, 2, 2, 2).mean(axis=(3, 5)),
                               rtol=1e-12)
    padded = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(padded[..., 0, 0], x[..., :2, :2].mean(axis=(-2, -1)), rtol=1e-12)
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 1, 1)[..., 0, 0],
                               x[..., :2, :2].sum(axis=(-2, -1)) / 9, rtol=1e-12)
    np.testing.assert_array_equal(F.max_pool2d(x, 3, stride=1, padding=1)[..., 0, 0],
                                  x[..., :2, :2].max(axis=(-2, -1)))
    np.testing.assert_array_equal(F.max_pool1d(x[:, :, 0], 2),
                                  x[:, :, 0].reshape(2, 3, 2, 2).max(-1))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 1)[..., 0, 0], x.mean(axis=(-2, -1)),
                               rtol=1e-12)
    # PyTorch's uneven windows: 6 -> 4 is [0,2) [1,3) [3,5) [4,6)
    a = F.adaptive_avg_pool2d(x, (4, None))
    np.testing.assert_allclose(a[..., 1, :], x[..., 1:3, :].mean(axis=-2), rtol=1e-12)


@pytest.mark.parametrize("fun", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (4, 3)),
    lambda x: F.avg_pool1d(x[:, :, 0], 2),
])
def test_pooling_derivatives(fun):
    check_grads(fun, (R.standard_normal((2, 2, 6, 5)),), order=2)


def test_conv_layers_shapes_init_and_keys():
    nn.manual_seed(0)
    conv = nn.Conv2d(3, 8, 5, stride=2, padding=2)
    assert conv.weight.shape == (8, 3, 5, 5) and conv.bias.shape == (8,)
    assert conv.weight.dtype == np.float32
    bound = 1 / math.sqrt(3 * 25)
    w = conv.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert conv(np.zeros((2, 3, 16, 16), np.float32)).shape == (2, 8, 8, 8)
    assert list(nn.Conv1d(2, 4, 3, bias=False).state_dict()) == ["weight"]
    net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(8 * 3 * 3, 10))
    out = net(np.zeros((4, 1, 8, 8), np.float32))
    assert out.shape == (4, 10)
    assert nn.AdaptiveAvgPool2d((1, 1))(np.ones((2, 3, 5, 5), np.float32)).shape == (2, 3, 1, 1)


# ------------------------------------------------------------------------------ layers' grads
def _layers():
    nn.manual_seed(0)
    f64 = dict(dtype=np.float64)
    return {
        "conv2d": (nn.Conv2d(2, 3, 3, padding=1, **f64), (2, 2, 4, 4)),
        "conv1d": (nn.Conv1d(2, 3, 2, stride=2, **f64), (2, 2, 6)),
        "cnn": (nn.Sequential(nn.Conv2d(1, 2, 3, **f64), nn.Tanh(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(2 * 2 * 2, 3, **f64)), (2, 1, 6, 6)),
        "batchnorm1d": (nn.BatchNorm1d(3, **f64), (4, 3)),
        "batchnorm2d": (nn.BatchNorm2d(2, **f64), (3, 2, 2, 2)),
        "layernorm": (nn.LayerNorm((2, 3), **f64), (4, 2, 3)),
        "rnn": (nn.RNN(3, 4, **f64), (5, 2, 3)),
        "lstm": (nn.LSTM(3, 4, num_layers=2, batch_first=True, **f64), (2, 4, 3)),
        "gru_bidirectional": (nn.GRU(3, 2, bidirectional=True, **f64), (4, 2, 3)),
    }


@pytest.mark.parametrize("name", list(_layers()))
def test_layer_derivatives_in_parameters_and_input(name):
    model, shape = _layers()[name]
    params = {k: v.detach().numpy().copy() for k, v in model.named_parameters()}
    x = R.standard_normal(shape)

    def f(p, x):
        out = nn.functional_call(model, p, x)
        return out[0] if isinstance(out, tuple) else out

    check_grads(f, (params, x), order=1)


def test_embedding_lookup_padding_and_gradient():
    nn.manual_seed(0)
    emb = nn.Embedding(6, 3, padding_idx=0, dtype=np.float64)
    assert emb.weight.shape == (6, 3) and np.all(emb.weight.detach().numpy()[0] == 0)
    idx = np.array([[1, 0, 4], [4, 4, 2]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.detach().numpy(), emb.weight.detach().numpy()[idx])
    out.sum().backward()
    counts = np.bincount(idx.ravel(), minlength=6).astype(float)
    counts[0] = 0                                                     # the padding row
    np.testing.assert_array_equal(emb.weight.grad.numpy(), np.repeat(counts[:, None], 3, 1))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([1.0]))


def test_batchnorm_running_statistics_follow_pytorch():
    bn = nn.BatchNorm1d(2, dtype=np.float64)
    x = R.standard_normal((8, 2)) * 3 + 1
    y = bn(x).detach().numpy()
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    z = bn(x).detach().numpy()
    np.testing.assert_allclose(z, (x - bn.running_mean.numpy()) / np.sqrt(
        bn.running_var.numpy() + 1e-5), rtol=1e-12)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    cumulative = nn.BatchNorm2d(1, momentum=None, dtype=np.float64)
    batches = [R.standard_normal((2, 1, 3, 3)) for _ in range(3)]
    for b in batches:
        cumulative(b)
    np.testing.assert_allclose(cumulative.running_mean.numpy(),
                               [np.mean([b.mean() for b in batches])], rtol=1e-12)


def test_layernorm_values():
    ln = nn.LayerNorm(4, dtype=np.float64)
    x = R.standard_normal((3, 4))
    want = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(ln(x).detach().numpy(), want, rtol=1e-10)


# ------------------------------------------------------------------------------ recurrent
def np_lstm(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's LSTM equations, step by step (x: (T, N, in))."""
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for xt in x:
        i, f, g, o = np.split(xt @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=-1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        out.append(h)
    return np.stack(out), h, c


def np_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for xt in x:
        xr, xz, xn = np.split(xt @ w_ih.T + b_ih, 3, axis=-1)
        hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = sig(xr + hr), sig(xz + hz)
        n = np.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
        out.append(h)
    return np.stack(out), h


def _weights(m, suffix="l0"):
    return [getattr(m, f"{k}_{suffix}").detach().numpy()
            for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def test_lstm_matches_pytorch_equations_and_shapes():
    nn.manual_seed(0)
    lstm = nn.LSTM(3, 5, dtype=np.float64)
    assert lstm.weight_ih_l0.shape == (20, 3) and lstm.weight_hh_l0.shape == (20, 5)
    assert list(lstm.state_dict()) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                       "bias_hh_l0"]
    assert np.abs(lstm.weight_hh_l0.detach().numpy()).max() <= 1 / math.sqrt(5)
    x = R.standard_normal((6, 2, 3))
    h0, c0 = R.standard_normal((1, 2, 5)), R.standard_normal((1, 2, 5))
    out, (h, c) = lstm(x, (h0, c0))
    want, hw, cw = np_lstm(x, h0[0], c0[0], *_weights(lstm))
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy()[0], hw, rtol=1e-12)
    np.testing.assert_allclose(c.detach().numpy()[0], cw, rtol=1e-12)
    out1, (h1, _) = lstm(x[:, 0])                                    # unbatched
    assert out1.shape == (6, 5) and h1.shape == (1, 5)


def test_gru_bidirectional_and_batch_first_match_pytorch_equations():
    nn.manual_seed(1)
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype=np.float64)
    keys = list(gru.state_dict())
    assert keys[:8] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                        "bias_hh_l0_reverse"]
    assert gru.weight_ih_l1.shape == (12, 8)
    x = R.standard_normal((2, 5, 3))
    out, h = gru(x)
    assert out.shape == (2, 5, 8) and h.shape == (4, 2, 4)
    seq = x.transpose(1, 0, 2)
    fwd, hf = np_gru(seq, np.zeros((2, 4)), *_weights(gru, "l0"))
    bwd, hb = np_gru(seq[::-1], np.zeros((2, 4)), *_weights(gru, "l0_reverse"))
    layer0 = np.concatenate([fwd, bwd[::-1]], axis=-1)
    fwd1, hf1 = np_gru(layer0, np.zeros((2, 4)), *_weights(gru, "l1"))
    np.testing.assert_allclose(out.detach().numpy()[:, :, :4], fwd1.transpose(1, 0, 2),
                               rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy()[0], hf, rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy()[1], hb, rtol=1e-12)


# ------------------------------------------------------------------------------ activations
ACTIVATIONS = {
    "leaky_relu": (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (nn.ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
    "gelu": (nn.GELU(), lambda x: x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    "gelu_tanh": (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(
        math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    "silu": (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    "softplus": (nn.Softplus(beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    "tanh": (nn.Tanh(), np.tanh),
    "relu": (nn.ReLU(inplace=True), lambda x: np.maximum(x, 0)),
}
X = np.where(np.abs(z := R.standard_normal((3, 4)) * 2) < 0.1, 0.5, z)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_values_and_derivatives(name):
    layer, ref = ACTIVATIONS[name]
    np.testing.assert_allclose(layer(X), ref(X), rtol=1e-12, atol=1e-14)
    check_grads(layer, (X,), order=2)
    assert layer(X.astype(np.float32)).dtype == np.float32


def test_softplus_threshold_and_softmax_modules():
    assert F.softplus(np.array([30.0]))[0] == 30.0
    x = R.standard_normal((2, 3))
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).sum(0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(nn.LogSoftmax(dim=1)(x)).sum(1), 1.0, rtol=1e-12)


# ------------------------------------------------------------------------------ losses
LOGITS = R.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, -100, 2, 1])
WEIGHT = np.array([1.0, 2.0, 0.5, 3.0])


def np_cross_entropy(z, y, weight, ignore_index, smoothing, reduction):
    """PyTorch's cross_entropy_loss_label_smoothing, written out."""
    logp = z - z.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    keep = y != ignore_index
    safe = np.where(keep, y, 0)
    w = np.ones(z.shape[1]) if weight is None else weight
    sw = w[safe] * keep
    nll = -logp[np.arange(len(y)), safe] * sw
    smooth = -(logp * w).sum(1) * keep
    if reduction == "mean":
        nll, smooth = nll.sum() / sw.sum(), smooth.sum() / sw.sum()
    elif reduction == "sum":
        nll, smooth = nll.sum(), smooth.sum()
    return (1 - smoothing) * nll + smoothing / z.shape[1] * smooth


@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_weight_ignore_index_label_smoothing(weight, smoothing, reduction):
    loss = nn.CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=smoothing)
    want = np_cross_entropy(LOGITS, LABELS, weight, -100, smoothing, reduction)
    np.testing.assert_allclose(loss(LOGITS, LABELS), want, rtol=1e-12)
    check_grads(lambda z: loss(z, LABELS), (LOGITS,), order=2)


def test_cross_entropy_probability_targets_and_nll_weights():
    p = np.exp(R.standard_normal((6, 4)))
    p /= p.sum(1, keepdims=True)
    logp = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
    np.testing.assert_allclose(F.cross_entropy(LOGITS, p), -(p * logp).sum(1).mean(), rtol=1e-12)
    labels = np.array([0, 3, 1, 1, 2, 1])
    want = -(logp[np.arange(6), labels] * WEIGHT[labels]).sum() / WEIGHT[labels].sum()
    np.testing.assert_allclose(nn.NLLLoss(weight=WEIGHT)(logp, labels), want, rtol=1e-12)


D = R.standard_normal((4, 3)) * 2
T = R.standard_normal((4, 3))
P = R.uniform(0.05, 0.95, (4, 3))
Q = R.uniform(0.05, 0.95, (4, 3))
REGRESSION = {
    "l1": (nn.L1Loss(), D, T, lambda x, t: np.abs(x - t).mean()),
    "smooth_l1": (nn.SmoothL1Loss(beta=0.5), D, T, lambda x, t: np.where(
        np.abs(x - t) < 0.5, 0.5 * (x - t) ** 2 / 0.5, np.abs(x - t) - 0.25).mean()),
    "huber": (nn.HuberLoss(delta=0.7), D, T, lambda x, t: np.where(
        np.abs(x - t) < 0.7, 0.5 * (x - t) ** 2, 0.7 * (np.abs(x - t) - 0.35)).mean()),
    "bce": (nn.BCELoss(), P, Q, lambda x, t: -(t * np.log(x) + (1 - t) * np.log(1 - x)).mean()),
    "bce_logits": (nn.BCEWithLogitsLoss(), D, Q, lambda x, t: -(
        t * np.log(1 / (1 + np.exp(-x))) + (1 - t) * np.log(1 - 1 / (1 + np.exp(-x)))).mean()),
    "kl_batchmean": (nn.KLDivLoss(reduction="batchmean"), np.log(P), Q,
                     lambda x, t: (t * (np.log(t) - x)).sum() / 4),
    "kl_log_target": (nn.KLDivLoss(log_target=True), np.log(P), np.log(Q),
                      lambda x, t: (np.exp(t) * (t - x)).mean()),
    "mse": (nn.MSELoss(reduction="sum"), D, T, lambda x, t: ((x - t) ** 2).sum()),
}


@pytest.mark.parametrize("name", list(REGRESSION))
def test_regression_and_probability_losses(name):
    loss, x, t, ref = REGRESSION[name]
    np.testing.assert_allclose(loss(x, t), ref(x, t), rtol=1e-12)
    check_grads(lambda x: loss(x, t), (x,), order=2)


def test_bce_clamps_its_logs_and_checks_range():
    assert F.binary_cross_entropy(np.array([0.0]), np.array([1.0])) == 100.0
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(np.array([1.5]), np.array([1.0]))


# ------------------------------------------------------------------------------ init, utils
def test_init_distributions():
    nn.manual_seed(0)
    w = nn.Parameter(np.empty((200, 300), np.float32))
    nn.init.xavier_uniform_(w)
    a = math.sqrt(6 / 500)
    assert np.abs(w.detach().numpy()).max() <= a and w.detach().numpy().std() == pytest.approx(
        a / math.sqrt(3), rel=0.02)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert w.detach().numpy().std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.detach().numpy()).max() <= 1 / math.sqrt(300)
    nn.init.xavier_normal_(w, gain=2.0)
    assert w.detach().numpy().std() == pytest.approx(2 * math.sqrt(2 / 500), rel=0.02)
    nn.init.constant_(w, 0.5)
    assert np.all(w.detach().numpy() == 0.5)
    q = nn.Parameter(np.empty((3, 5)))
    nn.init.orthogonal_(q)
    np.testing.assert_allclose(q.detach().numpy() @ q.detach().numpy().T, np.eye(3), atol=1e-12)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="fan in"):
        nn.init.xavier_uniform_(nn.Parameter(np.empty(3)))


def test_clip_grad_norm_and_value():
    a = nn.Parameter(np.array([3.0, 0.0]))
    b = nn.Parameter(np.array([[4.0]]))
    (a * a / 2).sum().backward()                   # grad a = (3, 0)
    (b * 4.0).sum().backward()                     # grad b = 4
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.numpy(), [3 / (5 + 1e-6), 0], rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), [[4 / (5 + 1e-6)]], rtol=1e-12)
    assert nn.utils.clip_grad_norm_([a, b], 10.0).item() == pytest.approx(1.0, rel=1e-5)
    nn.utils.clip_grad_value_([a, b], 0.5)
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0])
    assert nn.utils.clip_grad_norm_([a, b], 1.0, norm_type=math.inf).item() == 0.5


def test_parameters_to_vector_round_trips():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = nn.utils.parameters_to_vector(model.parameters())
    assert v.shape == (11,)
    nn.utils.vector_to_parameters(v * 0 + 1, model.parameters())
    assert all(np.all(p.detach().numpy() == 1) for p in model.parameters())
    with pytest.raises(ValueError, match="11"):
        nn.utils.vector_to_parameters(np.zeros(3), model.parameters())


# ------------------------------------------------------------------------------ attention
def np_attention(q_in, k_in, v_in, w, b, wo, bo, heads, mask=None):
    """PyTorch's multi_head_attention_forward for (L, N, E) inputs, written out."""
    e = q_in.shape[-1]
    d = e // heads
    q = q_in @ w[:e].T + b[:e]
    k = k_in @ w[e:2 * e].T + b[e:2 * e]
    v = v_in @ w[2 * e:].T + b[2 * e:]
    L, N, _ = q.shape
    S = k.shape[0]
    split = lambda t, n: t.reshape(n, N, heads, d).transpose(1, 2, 0, 3)  # noqa: E731
    q, k, v = split(q, L) / np.sqrt(d), split(k, S), split(v, S)
    s = q @ k.transpose(0, 1, 3, 2)
    if mask is not None:
        s = s + np.where(mask, -np.inf, 0)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = (p @ v).transpose(2, 0, 1, 3).reshape(L, N, e)
    return out @ wo.T + bo, p.mean(1)


def test_multihead_attention_matches_pytorch_equations():
    nn.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, dtype=np.float64)
    assert list(mha.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                      "out_proj.bias"]
    assert mha.in_proj_weight.shape == (24, 8) and np.all(mha.in_proj_bias.detach().numpy() == 0)
    nn.init.normal_(mha.in_proj_bias)
    nn.init.normal_(mha.out_proj.bias)
    q, k = R.standard_normal((4, 3, 8)), R.standard_normal((5, 3, 8))
    w, b = mha.in_proj_weight.detach().numpy(), mha.in_proj_bias.detach().numpy()
    wo, bo = mha.out_proj.weight.detach().numpy(), mha.out_proj.bias.detach().numpy()
    out, weights = mha(q, k, k)
    want, want_w = np_attention(q, k, k, w, b, wo, bo, 2)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(weights.detach().numpy(), want_w, rtol=1e-10)
    causal = np.triu(np.ones((4, 4), bool), 1)
    out_c, _ = mha(q, q, q, attn_mask=causal)
    want_c, _ = np_attention(q, q, q, w, b, wo, bo, 2, causal)
    np.testing.assert_allclose(out_c.detach().numpy(), want_c, rtol=1e-10)
    out_ic, _ = mha(q, q, q, is_causal=True)
    np.testing.assert_allclose(out_ic.detach().numpy(), want_c, rtol=1e-10)
    bf = nn.MultiheadAttention(8, 2, batch_first=True, dtype=np.float64)
    bf.load_state_dict(mha.state_dict())
    out_bf, _ = bf(q.transpose(1, 0, 2), k.transpose(1, 0, 2), k.transpose(1, 0, 2))
    np.testing.assert_allclose(out_bf.detach().numpy(), want.transpose(1, 0, 2), rtol=1e-10)
    pad = np.zeros((3, 5), bool)
    pad[:, -1] = True
    out_p, _ = mha(q, k, k, key_padding_mask=pad)
    want_p, _ = np_attention(q, k[:-1], k[:-1], w, b, wo, bo, 2)
    np.testing.assert_allclose(out_p.detach().numpy(), want_p, rtol=1e-10)
    params = {n: v.detach().numpy().copy() for n, v in mha.named_parameters()}
    check_grads(lambda p, x: nn.functional_call(mha, p, (x, x, x))[0], (params, q), order=1)


def test_multihead_attention_with_other_key_and_value_sizes():
    nn.manual_seed(0)
    mha = nn.MultiheadAttention(8, 4, kdim=6, vdim=4)
    assert list(mha.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                      "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    q = np.ones((3, 8), np.float32)                                     # unbatched
    out, w = mha(q, np.ones((5, 6), np.float32), np.ones((5, 4), np.float32))
    assert out.shape == (3, 8) and w.shape == (3, 5)
    out, w = mha(q, np.ones((5, 6), np.float32), np.ones((5, 4), np.float32),
                 average_attn_weights=False)
    assert w.shape == (4, 3, 5)


def test_embedding_from_pretrained():
    table = R.standard_normal((5, 3)).astype(np.float32)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and emb.weight.dtype == np.float32
    np.testing.assert_array_equal(emb(np.array([4, 0])).detach().numpy(), table[[4, 0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
