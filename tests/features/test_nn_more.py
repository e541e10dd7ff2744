"""The torch.nn names added for tutorial ports (transposed convolutions, interpolation, padding,
transformers, recurrent cells, more activations, norms and losses) against PyTorch itself:
weights copied across by ``load_state_dict``, outputs and gradients (of the input and of every
parameter) equal in float64 to ~1e-10; and, without PyTorch, their derivatives against finite
differences (``check_grads``, reverse mode, order 2)."""
import numpy as np
import pytest

import dualad as ad
from dualad import nn
from dualad.nn import functional as F
from dualad.testing import check_grads

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _np(t):
    return np.asarray(t) if isinstance(t, np.ndarray) else np.asarray(t.detach().numpy())


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _run_both(dm, tm, inputs, differentiable=None, extra=None):
    """Forward and backward through the dualad module ``dm`` and the torch module ``tm`` (the
    latter's weights copied into the former) on the same float64 inputs; the loss is a fixed
    random projection of every output. Returns ``[(dualad array, torch array), ...]`` for the
    outputs, the input gradients and the parameter gradients. Only the first
    ``differentiable`` inputs (default all floating ones) require gradients."""
    extra = extra or {}
    dm.double()
    tm.double()
    dm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(1)
    n = len(inputs) if differentiable is None else differentiable
    wants = [i < n and x.dtype.kind == "f" for i, x in enumerate(inputs)]
    d_in = [ad.tensor(x, requires_grad=w) for x, w in zip(inputs, wants)]
    t_in = [torch.tensor(x, requires_grad=w) for x, w in zip(inputs, wants)]
    d_out = _flat(dm(*d_in, **extra.get("dualad", {})))
    t_out = _flat(tm(*t_in, **extra.get("torch", {})))
    projections = [rng.standard_normal(tuple(o.shape)) for o in t_out]
    d_loss = sum((o * ad.tensor(p)).sum() for o, p in zip(d_out, projections))
    t_loss = sum((o * torch.tensor(p)).sum() for o, p in zip(t_out, projections))
    d_loss.backward()
    t_loss.backward()
    pairs = [(_np(a), _np(b)) for a, b in zip(d_out, t_out)]
    pairs += [(_np(a.grad), _np(b.grad)) for a, b in zip(d_in, t_in) if b.grad is not None]
    d_params = dict(dm.named_parameters())
    for name, p in tm.named_parameters():
        if p.grad is not None:
            pairs.append((_np(d_params[name].grad), _np(p.grad)))
    return pairs


def assert_same(dm, tm, *inputs, tol=1e-10, differentiable=None, **extra):
    assert list(dm.state_dict()) == list(tm.state_dict())
    for a, b in _run_both(dm, tm, inputs, differentiable, extra=extra):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape)


# ------------------------------------------------------------------ transposed convolutions
@pytest.mark.parametrize("options", [
    dict(kernel_size=4, stride=1, padding=0),
    dict(kernel_size=4, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, output_padding=1),
    dict(kernel_size=(3, 2), stride=(3, 1), padding=(2, 0), output_padding=(1, 0), groups=2),
    dict(kernel_size=3, stride=2, dilation=2, output_padding=1, bias=False),
])
def test_conv_transpose2d_matches_torch(options):
    dm = nn.ConvTranspose2d(4, 6, **options)
    tm = torch.nn.ConvTranspose2d(4, 6, **options)
    assert tuple(dm.weight.shape) == tuple(tm.weight.shape)
    assert_same(dm, tm, randn(2, 4, 5, 4))


def test_conv_transpose1d_and_output_size_match_torch():
    assert_same(nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1),
                torch.nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1), randn(2, 3, 6))
    dm, tm = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(
        2, 3, 3, stride=2, padding=1)
    assert_same(dm, tm, randn(1, 2, 4, 4), dualad=dict(output_size=(8, 8)),
                torch=dict(output_size=(8, 8)))
    with pytest.raises(ValueError, match="output size"):
        dm(ad.zeros(1, 2, 4, 4, dtype=ad.float64), output_size=(12, 12))
    # unbatched input, as PyTorch's
    x = randn(2, 4, 4)
    np.testing.assert_allclose(_np(dm(ad.tensor(x))), _np(tm(torch.tensor(x))), atol=1e-12)


def test_conv_transpose_initialisation_has_pytorchs_bounds():
    nn.manual_seed(0)
    layer = nn.ConvTranspose2d(16, 8, 4)
    bound = 1 / np.sqrt(8 * 16)             # fan_in = weight.size(1) * kernel size
    w, b = _np(layer.weight), _np(layer.bias)
    assert w.dtype == np.float32 and w.shape == (16, 8, 4, 4)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound


# ------------------------------------------------------------------ interpolation and padding
@pytest.mark.parametrize("options", [
    dict(scale_factor=2), dict(size=(7, 5)), dict(size=(3, 2)),
    dict(scale_factor=2, mode="bilinear"), dict(size=(9, 4), mode="bilinear"),
    dict(scale_factor=1.5, mode="bilinear", align_corners=True),
    dict(size=(6, 9), mode="nearest-exact"),
])
def test_interpolate_matches_torch(options):
    assert_same(nn.Upsample(**options), torch.nn.Upsample(**options), randn(2, 3, 4, 5))


def test_linear_and_trilinear_interpolation_match_torch():
    for mode, shape in (("linear", (2, 3, 5)), ("trilinear", (1, 2, 3, 4, 3))):
        for ac in (False, True):
            x = randn(*shape)
            got = F.interpolate(x, scale_factor=2, mode=mode, align_corners=ac)
            want = TF.interpolate(torch.tensor(x), scale_factor=2, mode=mode, align_corners=ac)
            np.testing.assert_allclose(got, want.numpy(), atol=1e-12)
    assert_same(nn.UpsamplingBilinear2d(scale_factor=2),
                torch.nn.UpsamplingBilinear2d(scale_factor=2), randn(1, 2, 3, 3))


@pytest.mark.parametrize("layer, args", [
    ("ZeroPad2d", ((1, 2, 0, 3),)), ("ZeroPad2d", (2,)), ("ConstantPad2d", (1, 3.5)),
    ("ConstantPad1d", ((2, 0), -1.0)), ("ReflectionPad2d", ((2, 1, 1, 2),)),
    ("ReflectionPad1d", (2,)), ("ReplicationPad2d", ((0, 2, 3, 1),)),
    ("ReplicationPad1d", (1,)),
])
def test_padding_layers_match_torch(layer, args):
    x = randn(2, 3, 4, 5) if layer.endswith("2d") else randn(2, 3, 5)
    assert_same(getattr(nn, layer)(*args), getattr(torch.nn, layer)(*args), x)


def test_functional_pad_matches_torch_with_negative_and_circular_padding():
    x = randn(2, 3, 4, 5)
    for pad, mode in (((-1, 2, 1, -2), "constant"), ((1, 1, 2, 0), "circular"),
                      ((1, 2, 0, 0, 1, 0), "constant")):
        np.testing.assert_array_equal(F.pad(x, pad, mode),
                                      TF.pad(torch.tensor(x), pad, mode).numpy())
    with pytest.raises(ValueError, match="even length"):
        F.pad(x, (1, 2, 3))


# ------------------------------------------------------------------ transformers
def _attention_inputs(n=3, length=5, e=8, batch_first=False):
    x = randn(n, length, e) if batch_first else randn(length, n, e)
    pad = np.zeros((n, length), bool)
    pad[0, -2:] = True
    return x, pad


@pytest.mark.parametrize("options", [
    dict(), dict(norm_first=True), dict(activation="gelu", batch_first=True),
])
def test_transformer_encoder_layer_matches_torch(options):
    dm = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **options)
    tm = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **options)
    x, pad = _attention_inputs(batch_first=options.get("batch_first", False))
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    masks = dict(src_mask=mask, src_key_padding_mask=pad)
    assert_same(dm, tm, x, dualad=masks,
                torch={k: torch.tensor(v) for k, v in masks.items()})


def test_transformer_encoder_stack_copies_the_layer_and_matches_torch():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    dm = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))
    assert np.array_equal(_np(dm.layers[0].linear1.weight), _np(dm.layers[1].linear1.weight))
    assert dm.layers[0].linear1.weight is not dm.layers[1].linear1.weight
    tlayer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                              batch_first=True)
    tm = torch.nn.TransformerEncoder(tlayer, 2, norm=torch.nn.LayerNorm(8),
                                     enable_nested_tensor=False)
    x, _ = _attention_inputs(batch_first=True)
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    assert np.array_equal(_np(mask), torch.nn.Transformer.generate_square_subsequent_mask(5))
    assert_same(dm, tm, x, dualad=dict(mask=mask),
                torch=dict(mask=torch.nn.Transformer.generate_square_subsequent_mask(5)))


def test_transformer_decoder_and_full_model_match_torch():
    dm = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=True)
    tm = torch.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                          norm_first=True)
    causal = np.triu(np.ones((4, 4), bool), 1)
    assert_same(dm, tm, randn(4, 2, 8), randn(6, 2, 8), dualad=dict(tgt_mask=causal),
                torch=dict(tgt_mask=torch.tensor(causal)))
    dm = nn.Transformer(8, 2, 2, 1, dim_feedforward=16, dropout=0.0, batch_first=True)
    tm = torch.nn.Transformer(8, 2, 2, 1, dim_feedforward=16, dropout=0.0, batch_first=True)
    mask = np.triu(np.full((4, 4), -np.inf), 1)
    assert_same(dm, tm, randn(2, 6, 8), randn(2, 4, 8), dualad=dict(tgt_mask=mask),
                torch=dict(tgt_mask=torch.tensor(mask)))


def test_scaled_dot_product_attention_matches_torch():
    q, k, v = randn(2, 3, 4, 8), randn(2, 3, 6, 8), randn(2, 3, 6, 5)
    keep = RNG.random((4, 6)) > 0.3
    keep[:, 0] = True
    for options in (dict(), dict(is_causal=True), dict(attn_mask=keep), dict(scale=0.3),
                    dict(attn_mask=np.where(keep, 0.0, -1.5))):
        t_options = {k2: torch.tensor(o) if isinstance(o, np.ndarray) else o
                     for k2, o in options.items()}
        want = TF.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k),
                                               torch.tensor(v), **t_options)
        np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, **options),
                                   want.numpy(), atol=1e-12)


# ------------------------------------------------------------------ recurrent cells
@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(name):
    dm, tm = getattr(nn, name)(3, 4), getattr(torch.nn, name)(3, 4)
    assert list(dm.state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert_same(dm, tm, randn(5, 3))
    h = (randn(5, 4), randn(5, 4)) if name == "LSTMCell" else randn(5, 4)
    dh = tuple(ad.tensor(a) for a in h) if name == "LSTMCell" else ad.tensor(h)
    th = tuple(torch.tensor(a) for a in h) if name == "LSTMCell" else torch.tensor(h)
    x = randn(5, 3)
    for a, b in zip(_flat(dm(ad.tensor(x), dh)), _flat(tm(torch.tensor(x), th))):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)
    x1 = randn(3)                                          # unbatched
    for a, b in zip(_flat(dm(ad.tensor(x1))), _flat(tm(torch.tensor(x1)))):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)


def test_relu_rnn_cell_without_bias_matches_torch():
    assert_same(nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
                torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu"), randn(5, 3))


def test_pad_sequence_matches_torch():
    from dualad.nn.utils.rnn import pad_sequence
    seqs = [randn(4, 2), randn(1, 2), randn(3, 2)]
    for options in (dict(), dict(batch_first=True, padding_value=-1.0),
                    dict(padding_side="left")):
        want = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **options)
        np.testing.assert_array_equal(pad_sequence(seqs, **options), want.numpy())


# ------------------------------------------------------------------ activations
ACTIVATIONS = [
    ("ReLU6", ()), ("Hardtanh", (-0.5, 1.5)), ("SELU", ()), ("CELU", (0.5,)), ("Mish", ()),
    ("Hardswish", ()), ("Hardsigmoid", ()), ("Softsign", ()), ("LogSigmoid", ()),
    ("Softmin", (1,)), ("Threshold", (0.2, -3.0)), ("GLU", (1,)), ("Tanhshrink", ()),
    ("Softshrink", (0.3,)), ("Hardshrink", (0.3,)), ("PReLU", ()), ("PReLU", (4,)),
]


@pytest.mark.parametrize("name, args", ACTIVATIONS)
def test_activation_modules_match_torch(name, args):
    x = randn(3, 4, 5) * 4        # spans every piece of the piecewise ones
    # (PyTorch's float64 hardsigmoid divides by float32's 1/6: 3e-8 off)
    tol = 1e-7 if name == "Hardsigmoid" else 1e-10
    assert_same(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x, tol=tol)


@pytest.mark.parametrize("name", ["relu6", "hardtanh", "selu", "celu", "mish", "hardswish",
                                  "hardsigmoid", "softsign", "logsigmoid", "tanhshrink",
                                  "softshrink", "hardshrink"])
def test_activation_functions_match_torch(name):
    x = randn(20) * 4
    np.testing.assert_allclose(getattr(F, name)(x), getattr(TF, name)(torch.tensor(x)).numpy(),
                               atol=1e-12)


def test_distances_match_torch():
    a, b = randn(4, 5), randn(4, 5)
    assert_same(nn.CosineSimilarity(), torch.nn.CosineSimilarity(), a, b)
    assert_same(nn.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0), a, b)
    for p in (2.0, 1.0, 3.0):
        assert_same(nn.PairwiseDistance(p=p), torch.nn.PairwiseDistance(p=p), a, b)
    for p, dim in ((2.0, 1), (1.0, 0), (3.0, -1)):
        np.testing.assert_allclose(F.normalize(a, p, dim),
                                   TF.normalize(torch.tensor(a), p, dim).numpy(), atol=1e-12)
    g = ad.grad(lambda x: F.normalize(x).sum())(np.zeros((1, 3)))
    assert np.isfinite(g).all()         # the norm of a zero vector differentiates to 0


def test_channel_dropout_drops_whole_channels_and_alpha_dropout_keeps_moments():
    nn.manual_seed(0)
    y = _np(nn.Dropout2d(0.5)(ad.ones(8, 16, 3, 3)))
    per_channel = y.reshape(8, 16, 9)
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    y1 = _np(nn.Dropout1d(0.25)(ad.ones(8, 16, 5)))
    assert (y1.min(-1) == y1.max(-1)).all()
    assert np.array_equal(_np(nn.Dropout2d(0.5).eval()(ad.ones(2, 2, 2))), np.ones((2, 2, 2)))
    x = RNG.standard_normal(200000)
    z = F.alpha_dropout(x, 0.2, training=True)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02


# ------------------------------------------------------------------ norms and other layers
def test_group_and_instance_norm_match_torch():
    assert_same(nn.GroupNorm(2, 6), torch.nn.GroupNorm(2, 6), randn(3, 6, 4, 2))
    assert_same(nn.GroupNorm(3, 6, affine=False), torch.nn.GroupNorm(3, 6, affine=False),
                randn(3, 6, 5))
    assert_same(nn.InstanceNorm2d(3, affine=True), torch.nn.InstanceNorm2d(3, affine=True),
                randn(2, 3, 4, 5))
    assert_same(nn.InstanceNorm1d(3), torch.nn.InstanceNorm1d(3), randn(2, 3, 6))
    assert_same(nn.InstanceNorm1d(3), torch.nn.InstanceNorm1d(3), randn(3, 6))   # unbatched


def test_bilinear_unflatten_and_adaptive_max_pool_match_torch():
    assert_same(nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5), randn(6, 3), randn(6, 4))
    assert_same(nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), randn(4, 6))
    for size in (1, (2, 3), (3, None), 4):
        assert_same(nn.AdaptiveMaxPool2d(size), torch.nn.AdaptiveMaxPool2d(size),
                    randn(2, 3, 7, 8))
    assert_same(nn.AdaptiveMaxPool1d(3), torch.nn.AdaptiveMaxPool1d(3), randn(2, 3, 7))


def test_parameter_containers_register_their_parameters():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([nn.Parameter(np.ones(2)) for _ in range(2)])
            self.named = nn.ParameterDict({"scale": nn.Parameter(np.ones(1))})

        def forward(self, x):
            return (x * self.ws[0] * self.ws[1] * self.named["scale"]).sum()

    m = Model()
    assert list(m.state_dict()) == ["ws.0", "ws.1", "named.scale"]
    assert len(list(m.parameters())) == 3
    m(ad.tensor([1.0, 2.0])).backward()
    np.testing.assert_allclose(_np(m.ws[0].grad), [1.0, 2.0])
    np.testing.assert_allclose(_np(m.named["scale"].grad), [3.0])
    m.ws.append(np.zeros(3))
    assert len(m.ws) == 3 and "ws.2" in m.state_dict()


# ------------------------------------------------------------------ losses
LOSSES = [
    ("MarginRankingLoss", dict(margin=0.3), 3),
    ("TripletMarginLoss", dict(margin=0.5, p=2.0), 3),
    ("TripletMarginLoss", dict(swap=True, p=1.0), 3),
    ("CosineEmbeddingLoss", dict(margin=0.1), 3),
    ("SoftMarginLoss", dict(), 2),
    ("HingeEmbeddingLoss", dict(margin=0.8), 2),
    ("PoissonNLLLoss", dict(), 2),
    ("PoissonNLLLoss", dict(log_input=False, full=True), 2),
    ("GaussianNLLLoss", dict(full=True), 3),
]


def _loss_inputs(name):
    signs = np.where(RNG.random(6) > 0.5, 1.0, -1.0)
    if name in ("MarginRankingLoss",):
        return randn(6), randn(6), signs
    if name == "TripletMarginLoss":
        return randn(6, 4), randn(6, 4), randn(6, 4)
    if name == "CosineEmbeddingLoss":
        return randn(6, 4), randn(6, 4), signs
    if name in ("SoftMarginLoss", "HingeEmbeddingLoss"):
        return randn(6, 4), np.repeat(signs[:, None], 4, 1)
    if name == "PoissonNLLLoss":
        return RNG.random((6, 4)) + 0.1, RNG.integers(0, 5, (6, 4)).astype(float)
    return randn(6, 4), randn(6, 4), RNG.random((6, 1)) + 0.05         # GaussianNLLLoss


@pytest.mark.parametrize("name, options, _n", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(name, options, _n, reduction):
    inputs = _loss_inputs(name)
    targets = 0 if name in ("TripletMarginLoss", "GaussianNLLLoss") else 1   # labels, counts
    assert_same(getattr(nn, name)(reduction=reduction, **options),
                getattr(torch.nn, name)(reduction=reduction, **options), *inputs,
                differentiable=len(inputs) - targets)


# ------------------------------------------------------------------ init
def test_init_eye_dirac_and_trunc_normal():
    w = nn.Parameter(np.empty((6, 2, 3, 3)))
    t = torch.empty(6, 2, 3, 3)
    np.testing.assert_array_equal(_np(nn.init.dirac_(w, groups=2)),
                                  torch.nn.init.dirac_(t, groups=2).numpy())
    np.testing.assert_array_equal(_np(nn.init.eye_(nn.Parameter(np.empty((3, 5))))),
                                  np.eye(3, 5))
    nn.manual_seed(0)
    v = _np(nn.init.trunc_normal_(nn.Parameter(np.empty(20000)), mean=1.0, std=2.0, a=0.0,
                                  b=3.0))
    assert v.min() >= 0.0 and v.max() <= 3.0
    from scipy import stats
    want = stats.truncnorm(-0.5, 1.0, loc=1.0, scale=2.0)
    assert abs(v.mean() - want.mean()) < 0.02 and abs(v.std() - want.std()) < 0.02


# ------------------------------------------------------------------ finite differences
def _fd(f, *args):
    check_grads(f, args, modes=("rev",), order=2)


def test_new_functions_match_finite_differences():
    x4 = RNG.standard_normal((1, 2, 3, 3))
    w = RNG.standard_normal((2, 2, 3, 3))
    _fd(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), x4, w)
    _fd(lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"), x4)
    _fd(lambda x: F.interpolate(x, size=(5, 2)), x4)
    _fd(lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"), x4)
    _fd(lambda x: F.pad(x, (1, -1, 0, 2), value=0.5), x4)
    _fd(lambda x: F.group_norm(x, 2, np.array([1.5, 0.5]), np.array([0.1, 0.2])), x4)
    _fd(lambda x: F.instance_norm(x), x4)
    _fd(lambda a, b: F.cosine_similarity(a, b), x4, x4[..., ::-1] + 0.3)
    _fd(lambda a, b: F.pairwise_distance(a, b, p=3.0), x4[0, 0], x4[0, 1])
    _fd(lambda x: F.normalize(x, dim=-1), x4)
    _fd(lambda a, w, b: F.bilinear(a, b, w), x4[0, 0], RNG.standard_normal((2, 3, 3)),
        x4[0, 1])
    _fd(lambda x: F.adaptive_max_pool2d(x, (2, 2)), x4)
    q = RNG.standard_normal((2, 3, 4))
    _fd(lambda q, k: F.scaled_dot_product_attention(q, k, k, is_causal=True), q, q[::-1])


@pytest.mark.parametrize("name", ["selu", "celu", "mish", "softsign", "logsigmoid", "glu",
                                  "tanhshrink", "softshrink", "hardshrink", "hardtanh",
                                  "hardswish", "softmin"])
def test_activations_match_finite_differences(name):
    x = RNG.standard_normal((3, 4)) * 2
    _fd(getattr(F, name), x)


@pytest.mark.parametrize("name", ["margin_ranking_loss", "triplet_margin_loss",
                                  "cosine_embedding_loss", "soft_margin_loss",
                                  "hinge_embedding_loss", "poisson_nll_loss",
                                  "gaussian_nll_loss"])
def test_losses_match_finite_differences(name):
    camel = {"margin_ranking_loss": "MarginRankingLoss", "poisson_nll_loss": "PoissonNLLLoss",
             "gaussian_nll_loss": "GaussianNLLLoss"}.get(
        name, "".join(p.title() for p in name.split("_")))
    inputs = _loss_inputs(camel)
    differentiable = inputs[:2] if name in ("margin_ranking_loss", "cosine_embedding_loss",
                                             "gaussian_nll_loss") else inputs[:1]
    if name == "triplet_margin_loss":
        differentiable = inputs
    rest = inputs[len(differentiable):]
    _fd(lambda *xs: getattr(F, name)(*xs, *rest), *differentiable)


def test_cells_match_finite_differences():
    for cls in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        cell = cls(3, 2, dtype=np.float64)
        params = {k: _np(v) for k, v in cell.state_dict().items()}
        names = list(params)

        def f(x, *values):
            out = nn.functional_call(cell, dict(zip(names, values)), (x,))
            return out[0] * out[1] if isinstance(out, tuple) else out

        _fd(f, RNG.standard_normal((2, 3)), *params.values())


def test_clip_grad_norm_clips_when_given_a_generator():
    # model.parameters() is a generator: it must be read once (it used to clip nothing)
    layer = nn.Linear(3, 2)
    layer(ad.ones(4, 3)).sum().backward()
    total = nn.utils.clip_grad_norm_(layer.parameters(), 0.5)
    assert float(total) > 0.5
    clipped = np.sqrt(sum((_np(p.grad).astype(np.float64) ** 2).sum()
                          for p in layer.parameters()))
    assert abs(clipped - 0.5) < 1e-5


@pytest.mark.parametrize("options", [dict(), dict(mode="sum"), dict(mode="max"),
                                     dict(padding_idx=2), dict(include_last_offset=True)])
def test_embedding_bag_matches_torch(options):
    tokens = np.array([1, 2, 4, 5, 2, 2, 7, 0, 3])
    offsets = np.array([0, 2, 2, 6]) if not options.get("include_last_offset") else np.array(
        [0, 2, 2, 6, 9])
    assert_same(nn.EmbeddingBag(8, 3, **options), torch.nn.EmbeddingBag(8, 3, **options),
                tokens, offsets)
    assert_same(nn.EmbeddingBag(8, 3, **options), torch.nn.EmbeddingBag(8, 3, **options),
                tokens[:8].reshape(2, 4))


def test_embedding_bag_per_sample_weights_match_torch():
    tokens, offsets, psw = np.array([1, 2, 4, 5]), np.array([0, 1]), RNG.random(4)
    dm, tm = nn.EmbeddingBag(6, 2, mode="sum"), torch.nn.EmbeddingBag(6, 2, mode="sum")
    assert_same(dm, tm, tokens, offsets, psw)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode, padding_mode", [("bilinear", "zeros"), ("bilinear", "border"),
                                                ("nearest", "zeros")])
def test_affine_grid_and_grid_sample_match_torch(align_corners, mode, padding_mode):
    # the spatial transformer tutorial: theta -> affine_grid -> grid_sample, gradients of both
    x, theta = randn(2, 3, 6, 7), randn(2, 2, 3) * 0.8 + np.array([[1.0, 0, 0], [0, 1.0, 0]])
    proj = randn(2, 3, 5, 4)

    def run(lib, functional, x, theta):
        grid = functional.affine_grid(theta, (2, 3, 5, 4), align_corners=align_corners)
        y = functional.grid_sample(x, grid, mode=mode, padding_mode=padding_mode,
                                   align_corners=align_corners)
        (y * lib.tensor(proj)).sum().backward()
        return y

    dx, dt = ad.tensor(x, requires_grad=True), ad.tensor(theta, requires_grad=True)
    tx, tt = torch.tensor(x, requires_grad=True), torch.tensor(theta, requires_grad=True)
    pairs = [(run(ad, F, dx, dt), run(torch, TF, tx, tt)), (dx.grad, tx.grad)]
    if mode == "nearest":       # no path from theta: PyTorch gives zeros, dualad None
        assert dt.grad is None and not tt.grad.any()
    else:
        pairs.append((dt.grad, tt.grad))
    for a, b in pairs:
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-10)


def test_grid_sample_matches_finite_differences():
    x, grid = RNG.standard_normal((1, 2, 4, 5)), RNG.uniform(-0.9, 0.9, (1, 3, 2, 2))
    _fd(lambda x, g: F.grid_sample(x, g, align_corners=False), x, grid)
    _fd(lambda t: F.affine_grid(t, (1, 2, 3, 3)), RNG.standard_normal((1, 2, 3)))


def test_pixel_shuffle_softmax2d_and_multi_losses_match_torch():
    assert_same(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), randn(2, 12, 3, 4))
    assert_same(nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), randn(2, 3, 4, 6))
    assert_same(nn.Softmax2d(), torch.nn.Softmax2d(), randn(2, 3, 4, 2))
    x, y = randn(5, 4), (RNG.random((5, 4)) > 0.5).astype(float)
    w = RNG.random(4) + 0.5
    for reduction in ("mean", "sum", "none"):
        assert_same(nn.MultiLabelSoftMarginLoss(reduction=reduction),
                    torch.nn.MultiLabelSoftMarginLoss(reduction=reduction), x, y,
                    differentiable=1)
        assert_same(nn.MultiLabelSoftMarginLoss(weight=ad.tensor(w), reduction=reduction),
                    torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(w),
                                                      reduction=reduction), x, y,
                    differentiable=1)
        labels = RNG.integers(0, 4, 5)
        for options in (dict(), dict(p=2, margin=0.5)):
            assert_same(nn.MultiMarginLoss(reduction=reduction, **options),
                        torch.nn.MultiMarginLoss(reduction=reduction, **options), x, labels)
        assert_same(nn.MultiMarginLoss(weight=ad.tensor(w), reduction=reduction),
                    torch.nn.MultiMarginLoss(weight=torch.tensor(w), reduction=reduction),
                    x, labels)
    _fd(lambda x: F.pixel_shuffle(x, 2), randn(1, 4, 2, 3))
    _fd(lambda x: F.multi_margin_loss(x, np.array([0, 3, 1]), p=2), randn(3, 4))
    _fd(lambda x: F.multilabel_soft_margin_loss(x, np.eye(3, 4)), randn(3, 4))


def test_packed_sequences_match_torch():
    from dualad.nn.utils.rnn import (pack_padded_sequence, pack_sequence, pad_packed_sequence,
                                     packed_forward)
    rnn_utils = torch.nn.utils.rnn
    x, lengths = randn(5, 4, 2), [3, 5, 1, 4]          # unsorted
    got = pack_padded_sequence(x, lengths, enforce_sorted=False)
    want = rnn_utils.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths),
                                          enforce_sorted=False)
    np.testing.assert_array_equal(got.data, want.data.numpy())
    np.testing.assert_array_equal(got.batch_sizes, want.batch_sizes.numpy())
    np.testing.assert_array_equal(got.sorted_indices, want.sorted_indices.numpy())
    padded, lens = pad_packed_sequence(got, batch_first=True, padding_value=-1.0)
    t_padded, t_lens = rnn_utils.pad_packed_sequence(want, batch_first=True, padding_value=-1.0)
    np.testing.assert_array_equal(padded, t_padded.numpy())
    assert lens.tolist() == t_lens.tolist()
    seqs = [randn(2, 3), randn(4, 3)]
    np.testing.assert_array_equal(
        pack_sequence(seqs, enforce_sorted=False).data,
        rnn_utils.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False).data)
    # a recurrent layer over a packed batch: outputs, final states and all gradients
    for name, options in (("LSTM", dict(bidirectional=True)), ("GRU", dict(num_layers=2)),
                          ("RNN", dict(batch_first=True))):
        tm = getattr(torch.nn, name)(2, 3, **options).double()
        dm = getattr(nn, name)(2, 3, dtype=np.float64, **options)
        dm.load_state_dict(tm.state_dict())
        xd = ad.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        d_out, d_h = packed_forward(dm, pack_padded_sequence(xd, lengths,
                                                             enforce_sorted=False))
        t_out, t_h = tm(rnn_utils.pack_padded_sequence(xt, torch.tensor(lengths),
                                                       enforce_sorted=False))
        d_h, t_h = _flat(d_h), _flat(t_h)
        np.testing.assert_allclose(_np(d_out.data), _np(t_out.data), atol=1e-12)
        for a, b in zip(d_h, t_h):
            np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)
        proj = randn(*t_out.data.shape)
        ((d_out.data * ad.tensor(proj)).sum() + sum(h.sum() for h in d_h)).backward()
        ((t_out.data * torch.tensor(proj)).sum() + sum(h.sum() for h in t_h)).backward()
        np.testing.assert_allclose(_np(xd.grad), _np(xt.grad), atol=1e-12)
        for k, p in tm.named_parameters():
            np.testing.assert_allclose(_np(dict(dm.named_parameters())[k].grad), _np(p.grad),
                                       atol=1e-12)


@pytest.mark.parametrize("name", ["GRU", "LSTM"])
def test_packed_forward_with_initial_states_matches_torch(name):
    from dualad.nn.utils.rnn import pack_padded_sequence, packed_forward
    x, lengths = randn(5, 4, 2), [3, 5, 1, 4]
    tm = getattr(torch.nn, name)(2, 3, num_layers=2).double()
    dm = getattr(nn, name)(2, 3, num_layers=2, dtype=np.float64)
    dm.load_state_dict(tm.state_dict())
    states = [randn(2, 4, 3) for _ in range(2 if name == "LSTM" else 1)]
    hx_d = tuple(ad.tensor(s) for s in states) if name == "LSTM" else ad.tensor(states[0])
    hx_t = tuple(torch.tensor(s) for s in states) if name == "LSTM" else torch.tensor(states[0])
    out, h = packed_forward(dm, pack_padded_sequence(x, lengths, enforce_sorted=False), hx_d)
    t_out, t_h = tm(torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x), torch.tensor(lengths), enforce_sorted=False), hx_t)
    np.testing.assert_allclose(_np(out.data), _np(t_out.data), atol=1e-12)
    for a, b in zip(_flat(h), _flat(t_h)):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)


def test_initialisations_follow_pytorch():
    nn.manual_seed(0)
    for cell in (nn.RNNCell(7, 16), nn.LSTMCell(7, 16), nn.GRUCell(7, 16)):
        for p in cell.parameters():
            v = _np(p)
            assert v.dtype == np.float32 and np.abs(v).max() <= 0.25 and np.abs(v).max() > 0.2
    w = _np(nn.Bilinear(16, 3, 50).weight)
    assert np.abs(w).max() <= 0.25 and np.abs(w).max() > 0.24
    assert np.array_equal(_np(nn.PReLU(3).weight), np.full(3, 0.25, np.float32))
    g = nn.GroupNorm(2, 4)
    assert np.array_equal(_np(g.weight), np.ones(4)) and np.array_equal(_np(g.bias), np.zeros(4))
    e = _np(nn.EmbeddingBag(500, 20).weight)
    assert abs(e.std() - 1) < 0.05 and abs(e.mean()) < 0.05
    model = nn.Transformer(16, 2, 1, 1, dim_feedforward=48)
    w = _np(model.encoder.layers[0].linear1.weight)           # xavier_uniform_, (48, 16)
    bound = np.sqrt(6 / (16 + 48))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    layer = nn.TransformerEncoderLayer(16, 2)
    assert _np(layer.linear1.weight).shape == (2048, 16)      # PyTorch's dim_feedforward
    assert np.array_equal(_np(layer.norm1.weight), np.ones(16))


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2),
                                     dict(kernel_size=3, padding=1, dilation=2)])
def test_unfold_and_fold_match_torch(options):
    x = randn(2, 3, 7, 6)
    assert_same(nn.Unfold(**options), torch.nn.Unfold(**options), x)
    cols = TF.unfold(torch.tensor(x), **options).numpy()
    assert_same(nn.Fold((7, 6), **options), torch.nn.Fold((7, 6), **options), cols)
    _fd(lambda c: F.fold(c, (7, 6), **options), cols[:1])
