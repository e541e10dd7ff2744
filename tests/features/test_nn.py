"""dualad.nn: losses and activations against their definitions, every layer's derivatives against
finite differences (on the functional form), the Module API, Dropout, and a short training run."""
import copy

import numpy as np
import pytest

import dualad as ad
from dualad import nn, optim
from dualad.nn import functional as F
from dualad.testing import check_grads

R = np.random.default_rng(0)
LOGITS = R.standard_normal((5, 4))
LABELS = np.array([0, 3, 1, 1, 2])
NONZERO = np.where(np.abs(LOGITS) < 0.2, 0.5, LOGITS)
TARGETS = R.uniform(size=(5, 4))


def np_log_softmax(z, axis=-1):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


# ------------------------------------------------------------------------------ losses
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_is_minus_log_softmax_at_the_labels(reduction):
    per_sample = -np_log_softmax(LOGITS)[np.arange(5), LABELS]
    want = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    np.testing.assert_allclose(F.cross_entropy(LOGITS, LABELS, reduction=reduction), want,
                               rtol=1e-12)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(LOGITS), LABELS, reduction=reduction),
                               want, rtol=1e-12)


@pytest.mark.parametrize("reduction, scale", [("mean", 1 / 5), ("sum", 1.0)])
def test_cross_entropy_gradient_is_softmax_minus_onehot(reduction, scale):
    softmax = np.exp(np_log_softmax(LOGITS))
    onehot = np.eye(4)[LABELS]
    g = ad.grad(lambda z: F.cross_entropy(z, LABELS, reduction=reduction))(LOGITS)
    np.testing.assert_allclose(g, (softmax - onehot) * scale, rtol=1e-12, atol=1e-15)
    z = ad.tensor(LOGITS, requires_grad=True)
    F.cross_entropy(z, LABELS, reduction=reduction).backward()
    np.testing.assert_allclose(z.grad.numpy(), (softmax - onehot) * scale, rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_is_stable_for_huge_logits(dtype):
    z = np.array([[1e4, 0.0, -1e4], [5e3, 5e3, -1e4]], dtype=dtype)
    labels = np.array([2, 0])
    loss = F.cross_entropy(z, labels, reduction="none")
    np.testing.assert_allclose(loss, [2e4, np.log(2)], rtol=1e-6)
    g = ad.grad(lambda z: F.cross_entropy(z, labels))(z)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, [[0.5, 0, -0.5], [-0.25, 0.25, 0]], atol=1e-7)
    np.testing.assert_allclose(F.log_softmax(z)[0], [0, -1e4, -2e4], rtol=1e-6)


def test_cross_entropy_shapes_follow_pytorch():
    z = R.standard_normal((3, 4, 2))                    # (N, C, d): classes on axis 1
    y = np.array([[0, 3], [1, 1], [2, 0]])
    want = -np_log_softmax(z, axis=1)[np.arange(3)[:, None], y, np.arange(2)]
    np.testing.assert_allclose(F.cross_entropy(z, y, reduction="none"), want, rtol=1e-12)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(z, 1), y, reduction="none"), want,
                               rtol=1e-12)
    one = F.cross_entropy(LOGITS[0], LABELS[0])            # one sample: (C,) and a scalar label
    np.testing.assert_allclose(one, -np_log_softmax(LOGITS[0])[LABELS[0]], rtol=1e-12)


def test_cross_entropy_errors_name_the_problem():
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(LOGITS, LABELS.astype(float))
    with pytest.raises(IndexError, match="label 4 is out of range for 4 classes"):
        F.cross_entropy(LOGITS, np.array([0, 4, 1, 1, 2]))
    with pytest.raises(IndexError, match="label -1"):
        F.nll_loss(LOGITS, np.array([0, -1, 1, 1, 2]))
    with pytest.raises(ValueError, match=r"labels have shape \(4,\)"):
        F.cross_entropy(LOGITS, LABELS[:4])
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(LOGITS, LABELS, reduction="avg")


def test_regression_losses_match_their_definitions():
    x, t = R.standard_normal((4, 3)), R.uniform(size=(4, 3))
    np.testing.assert_allclose(F.mse_loss(x, t), np.mean((x - t) ** 2), rtol=1e-12)
    np.testing.assert_allclose(F.mse_loss(x, t, reduction="sum"), np.sum((x - t) ** 2))
    big = np.array([-800.0, -3.0, 0.0, 2.0, 800.0])     # the ends would overflow naively
    tb = np.array([0.0, 1.0, 0.5, 0.2, 1.0])
    xm, tm = big[1:4], tb[1:4]
    s = 1 / (1 + np.exp(-xm))
    got = F.binary_cross_entropy_with_logits(big, tb, reduction="none")
    np.testing.assert_allclose(got, [0.0, *-(tm * np.log(s) + (1 - tm) * np.log(1 - s)), 0.0],
                               rtol=1e-12, atol=1e-300)
    w, pw = np.array([1.0, 2.0, 0.5]), 3.0
    got = F.binary_cross_entropy_with_logits(xm, tm, weight=w, pos_weight=pw, reduction="none")
    np.testing.assert_allclose(got, -w * (pw * tm * np.log(s) + (1 - tm) * np.log(1 - s)),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="input has shape"):
        F.mse_loss(x, t[0])


def test_activations_match_numpy():
    x = NONZERO
    np.testing.assert_allclose(F.relu(x), np.maximum(x, 0))
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(F.tanh(x), np.tanh(x))
    np.testing.assert_allclose(F.softmax(x, dim=0), np.exp(np_log_softmax(x, 0)), rtol=1e-12)
    np.testing.assert_allclose(nn.LogSoftmax(dim=0)(x), np_log_softmax(x, 0), rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax()(x).sum(axis=-1), 1.0, rtol=1e-12)
    assert ad.grad(lambda x: F.relu(x).sum())(np.array([-1.0, 0.0, 2.0])).tolist() == [0, 0, 1]


# ------------------------------------------------------------------------------ derivatives
FUNCTIONS = [
    ("cross_entropy", lambda z: F.cross_entropy(z, LABELS), LOGITS),
    ("cross_entropy_none", lambda z: F.cross_entropy(z, LABELS, reduction="none"), LOGITS),
    ("cross_entropy_big", lambda z: F.cross_entropy(z, LABELS), 300 * LOGITS),
    ("nll_loss", lambda z: F.nll_loss(z, LABELS, reduction="sum"), LOGITS),
    ("log_softmax", lambda z: F.log_softmax(z, dim=0), LOGITS),
    ("softmax", F.softmax, LOGITS),
    ("relu", F.relu, NONZERO),
    ("sigmoid", F.sigmoid, LOGITS),
    ("tanh", F.tanh, LOGITS),
    ("mse_loss", lambda z: F.mse_loss(z, NONZERO.astype(z.dtype)), LOGITS),
    ("bce_with_logits", lambda z: F.binary_cross_entropy_with_logits(
        z, TARGETS.astype(z.dtype), pos_weight=2.0), LOGITS),
    ("dropout", lambda z: (nn.manual_seed(1), F.dropout(z, 0.3))[1], LOGITS),
]


@pytest.mark.parametrize("name, fun, x", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functional_derivatives(name, fun, x):
    check_grads(fun, (x,), order=2)
    np.testing.assert_allclose(ad.jacfwd(fun)(x), ad.jacrev(fun)(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, fun, x", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functional_keeps_float32(name, fun, x):
    x32 = x.astype(np.float32)
    assert np.asarray(fun(x32)).dtype == np.float32
    assert ad.jacrev(fun)(x32).dtype == np.float32


def _layers():
    nn.manual_seed(0)
    return {
        "linear": nn.Linear(3, 2, dtype=np.float64),
        "linear_no_bias": nn.Linear(3, 2, bias=False, dtype=np.float64),
        "mlp_tanh": nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Tanh(),
                                  nn.Linear(4, 2, dtype=np.float64)),
        "mlp_relu_sigmoid": nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.ReLU(),
                                          nn.Linear(4, 2, dtype=np.float64), nn.Sigmoid()),
        "softmax_head": nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.LogSoftmax()),
        "flatten": nn.Sequential(nn.Flatten(0), nn.Identity()),
    }


@pytest.mark.parametrize("name", list(_layers()))
def test_layer_derivatives_in_parameters_and_input(name):
    model = _layers()[name]
    params = dict(model.state_dict())
    x = R.standard_normal((2, 3))
    check_grads(lambda p, x: nn.functional_call(model, p, x), (params, x), order=2)


def test_linear_follows_pytorch_layout_and_initialisation():
    nn.manual_seed(3)
    layer = nn.Linear(50, 20)
    assert layer.weight.shape == (20, 50) and layer.bias.shape == (20,)
    assert layer.weight.dtype == layer.bias.dtype == np.float32
    bound = 1 / np.sqrt(50)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.mean()) < 0.1 * bound
    x = R.standard_normal((7, 50)).astype(np.float32)
    np.testing.assert_allclose(layer(x).detach().numpy(),
                               x @ w.T + layer.bias.detach().numpy(), rtol=1e-6)
    nn.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(50, 20).weight.detach().numpy(), w)


# ------------------------------------------------------------------------------ Module API
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Dropout(0.5))
        self.head = nn.Linear(5, 2)
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.note = "not a parameter"

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def test_module_registers_parameters_and_modules():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "head.weight", "head.bias"]
    assert len(list(net.parameters())) == 5
    assert [n for n, _ in net.named_modules()] == ["", "body", "body.0", "body.1", "body.2",
                                                   "head"]
    assert isinstance(net.body[0], nn.Linear) and len(net.body) == 3
    assert net.note == "not a parameter"
    assert "Linear(in_features=3, out_features=5, bias=True)" in repr(net)
    with pytest.raises(TypeError, match="'head', which is a sub-module"):
        net.head = 3
    with pytest.raises(AttributeError, match="no attribute 'tail'"):
        net.tail


def test_train_and_eval_reach_every_submodule():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert net.body[2].training


def test_state_dict_round_trips():
    nn.manual_seed(0)
    a, b = Net(), Net()
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    assert all(type(v) is ad.Tensor and not v.requires_grad for v in state.values())
    snapshot = copy.deepcopy(state)
    weight_b = b.head.weight
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.head.weight is weight_b                     # loaded in place
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    with ad.no_grad():
        state["head.bias"][:] = 7.0                      # shares the array, as in PyTorch
    np.testing.assert_array_equal(a.head.bias.detach().numpy(), 7.0)
    assert not np.any(snapshot["head.bias"].numpy() == 7.0)     # a deep copy is a snapshot
    a.load_state_dict(snapshot)
    a.eval(), b.eval()
    x = R.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())


def test_load_state_dict_errors():
    net = Net()
    state = net.state_dict()
    del state["scale"]
    with pytest.raises(RuntimeError, match=r"missing keys \['scale'\]"):
        net.load_state_dict(state)
    assert net.load_state_dict(state, strict=False).missing_keys == ["scale"]
    state["head.bias"] = np.zeros(3)
    with pytest.raises(RuntimeError, match=r"'head.bias' has shape \(3,\)"):
        net.load_state_dict(state, strict=False)


def test_functional_call_matches_backward_and_restores_the_module():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    x, y = R.standard_normal((8, 4)).astype(np.float32), R.integers(0, 3, 8)
    params = model.state_dict()

    def loss_fn(p, x, y):
        return F.cross_entropy(nn.functional_call(model, p, x), y)

    value, grads = ad.value_and_grad(loss_fn)(params, x, y)
    assert set(grads) == set(params) and all(g.dtype == np.float32 for g in grads.values())
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    np.testing.assert_allclose(value, loss.item(), rtol=1e-6)
    for name, p in model.named_parameters():
        assert model.state_dict()[name].shape == params[name].shape
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-5, atol=1e-7)
    shifted = {"2.bias": params["2.bias"] + 1}           # a partial dict: the rest is kept
    np.testing.assert_allclose(nn.functional_call(model, shifted, x).detach().numpy(),
                               model(x).detach().numpy() + 1, rtol=1e-6)
    assert model[2].bias.requires_grad                     # restored
    with pytest.raises(KeyError, match="no parameter '3.weight'"):
        nn.functional_call(model, {"3.weight": params["0.weight"]}, x)


# ------------------------------------------------------------------------------ Dropout
def test_dropout_respects_train_eval_and_seed():
    x = np.ones((200, 50), dtype=np.float32)
    layer = nn.Dropout(0.25)
    nn.manual_seed(5)
    a = np.asarray(layer(x))
    nn.manual_seed(5)
    b = np.asarray(layer(x))
    c = np.asarray(layer(x))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)
    assert a.dtype == np.float32
    assert set(np.unique(a)) == {0.0, np.float32(1 / 0.75)}
    assert abs((a == 0).mean() - 0.25) < 0.02
    layer.eval()
    assert layer(x) is x
    assert nn.Dropout(1.0)(x).sum() == 0
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


# ------------------------------------------------------------------------------ training
def test_training_reduces_the_loss_on_a_fixed_problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.intp)           # XOR-like: needs the hidden layer
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    criterion = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(150):
        loss = criterion(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
    assert np.mean(np.argmax(np.asarray(model(x).detach()), 1) == y) > 0.9


def test_digits_example_learns():
    pytest.importorskip("sklearn")
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).parents[2] / "examples" / "train_digits.py"
    spec = importlib.util.spec_from_file_location("train_digits", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    history = example.main(["--epochs", "3", "--lr", "3e-3"])
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert history["test_acc"][-1] > 0.9


def test_functional_training_with_value_and_grad():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    nn.manual_seed(0)
    model = nn.Linear(3, 1, dtype=np.float64)
    params = model.state_dict()
    step = ad.value_and_grad(lambda p: F.mse_loss(nn.functional_call(model, p, x)[:, 0], y))
    first = None
    for _ in range(200):
        value, grads = step(params)
        first = value if first is None else first
        params = {k: params[k] - 0.1 * grads[k] for k in params}
    assert value < 1e-6 * first
    np.testing.assert_allclose(params["weight"], [[1.0, -2.0, 0.5]], atol=1e-3)
