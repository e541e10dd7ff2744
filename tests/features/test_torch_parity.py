"""dualad's PyTorch face against PyTorch itself (skipped when torch is not installed; it is in
the ``bench`` extra): every layer's output, input gradient and parameter gradients with weights
copied across by ``load_state_dict``, the losses, Adagrad / LBFGS trajectories, the schedulers'
rates, Tensor methods, creation dtypes, and a short CNN and LSTM training run."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dualad as ad  # noqa: E402
from dualad import nn, optim  # noqa: E402
from dualad.optim import lr_scheduler  # noqa: E402

R = np.random.default_rng(0)
F64 = (torch.float64, np.float64)


def to_np(t):
    return t.detach().cpu().numpy()


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def compare_module(make, x, rtol=1e-9, atol=1e-11, train=True):
    """Build the module in both libraries (float64), copy PyTorch's weights into dualad's,
    and compare outputs and the gradients of a random projection of the output."""
    torch.manual_seed(0)
    tm = make(torch.nn, torch.float64)
    dm = make(nn, np.float64)
    assert list(dm.state_dict()) == list(tm.state_dict())
    dm.load_state_dict(tm.state_dict())
    tm.train(train)
    dm.train(train)
    xt = torch.tensor(x, requires_grad=True)
    out_t = _first(tm(xt))
    seed = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    (out_t * torch.tensor(seed)).sum().backward()
    xd = ad.tensor(x, requires_grad=True)
    out_d = _first(dm(xd))
    (out_d * seed).sum().backward()
    np.testing.assert_allclose(out_d.detach().numpy(), to_np(out_t), rtol=rtol, atol=atol)
    np.testing.assert_allclose(xd.grad.numpy(), to_np(xt.grad), rtol=rtol, atol=atol)
    torch_params = dict(tm.named_parameters())
    for name, p in dm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), to_np(torch_params[name].grad), rtol=rtol,
                                   atol=atol, err_msg=name)
    for (name, b), tb in zip(dm.named_buffers(), tm.buffers()):
        np.testing.assert_allclose(np.asarray(b.numpy(), float), to_np(tb).astype(float),
                                   rtol=rtol, atol=atol, err_msg=name)
    return tm, dm


LAYERS = {
    "linear": (lambda m, dt: m.Linear(5, 3, dtype=dt), (4, 5)),
    "conv2d": (lambda m, dt: m.Conv2d(3, 4, 3, stride=2, padding=1, dtype=dt), (2, 3, 7, 6)),
    "conv2d_groups_dilation": (lambda m, dt: m.Conv2d(4, 6, (3, 2), dilation=2, groups=2,
                                                      dtype=dt), (2, 4, 9, 8)),
    "conv1d_same": (lambda m, dt: m.Conv1d(3, 5, 3, padding="same", dtype=dt), (2, 3, 10)),
    "maxpool2d": (lambda m, dt: m.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 6)),
    "maxpool1d": (lambda m, dt: m.MaxPool1d(2), (2, 3, 8)),
    "avgpool2d": (lambda m, dt: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                  (2, 3, 7, 6)),
    "avgpool1d": (lambda m, dt: m.AvgPool1d(3, stride=1, padding=1), (2, 3, 8)),
    "adaptive_avgpool2d": (lambda m, dt: m.AdaptiveAvgPool2d((4, 3)), (2, 3, 7, 6)),
    "batchnorm2d": (lambda m, dt: m.BatchNorm2d(3, dtype=dt), (4, 3, 5, 5)),
    "batchnorm1d": (lambda m, dt: m.BatchNorm1d(5, momentum=None, dtype=dt), (8, 5)),
    "layernorm": (lambda m, dt: m.LayerNorm([3, 4], dtype=dt), (2, 5, 3, 4)),
    "rnn_relu_2layers": (lambda m, dt: m.RNN(4, 5, num_layers=2, nonlinearity="relu",
                                            dtype=dt), (6, 2, 4)),
    "lstm_bidirectional": (lambda m, dt: m.LSTM(4, 5, num_layers=2, bidirectional=True,
                                                batch_first=True, dtype=dt), (2, 6, 4)),
    "gru": (lambda m, dt: m.GRU(4, 5, dtype=dt), (6, 2, 4)),
    "flatten": (lambda m, dt: m.Flatten(), (2, 3, 4)),
    "gelu": (lambda m, dt: m.GELU(), (3, 4)),
    "gelu_tanh": (lambda m, dt: m.GELU(approximate="tanh"), (3, 4)),
    "elu": (lambda m, dt: m.ELU(alpha=0.7), (3, 4)),
    "leaky_relu": (lambda m, dt: m.LeakyReLU(0.1), (3, 4)),
    "silu": (lambda m, dt: m.SiLU(), (3, 4)),
    "softplus": (lambda m, dt: m.Softplus(beta=2.0, threshold=5.0), (3, 4)),
    "softmax": (lambda m, dt: m.Softmax(dim=1), (3, 4)),
    "log_softmax": (lambda m, dt: m.LogSoftmax(dim=0), (3, 4)),
    "sequential_cnn": (lambda m, dt: m.Sequential(
        m.Conv2d(1, 4, 3, dtype=dt), m.ReLU(), m.MaxPool2d(2), m.Flatten(),
        m.Linear(4 * 3 * 3, 5, dtype=dt), m.Tanh()), (2, 1, 8, 8)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_pytorch(name):
    make, shape = LAYERS[name]
    compare_module(make, R.standard_normal(shape) * 2)


@pytest.mark.parametrize("name", ["batchnorm2d", "batchnorm1d", "layernorm"])
def test_normalisation_in_eval_mode_after_training_steps(name):
    make, shape = LAYERS[name]
    tm, dm = compare_module(make, R.standard_normal(shape))     # one training step each
    x = R.standard_normal(shape)
    tm.eval()
    dm.eval()
    dm.load_state_dict(tm.state_dict())
    np.testing.assert_allclose(dm(x).detach().numpy(), to_np(tm(torch.tensor(x))), rtol=1e-10)


def test_embedding_and_attention_match_pytorch():
    torch.manual_seed(0)
    te = torch.nn.Embedding(7, 3, padding_idx=2, dtype=torch.float64)
    de = nn.Embedding(7, 3, padding_idx=2, dtype=np.float64)
    de.load_state_dict(te.state_dict())
    idx = np.array([[1, 2, 6], [2, 2, 0]])
    seed = R.standard_normal((2, 3, 3))
    (te(torch.tensor(idx)) * torch.tensor(seed)).sum().backward()
    (de(idx) * seed).sum().backward()
    np.testing.assert_allclose(de.weight.grad.numpy(), to_np(te.weight.grad), rtol=1e-12)

    tm = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    dm = nn.MultiheadAttention(8, 2, batch_first=True, dtype=np.float64)
    assert list(dm.state_dict()) == list(tm.state_dict())
    dm.load_state_dict(tm.state_dict())
    q, k = R.standard_normal((2, 5, 8)), R.standard_normal((2, 6, 8))
    mask = np.triu(np.ones((5, 6), bool), 1)
    pad = np.zeros((2, 6), bool)
    pad[1, -2:] = True
    out_t, w_t = tm(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                    attn_mask=torch.tensor(mask), key_padding_mask=torch.tensor(pad))
    out_d, w_d = dm(q, k, k, attn_mask=mask, key_padding_mask=pad)
    np.testing.assert_allclose(out_d.detach().numpy(), to_np(out_t), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w_d.detach().numpy(), to_np(w_t), rtol=1e-10, atol=1e-12)


def test_default_initialisation_bounds_and_dtypes_match():
    for make_t, make_d in [(lambda: torch.nn.Conv2d(3, 8, 5), lambda: nn.Conv2d(3, 8, 5)),
                           (lambda: torch.nn.LSTM(6, 10), lambda: nn.LSTM(6, 10)),
                           (lambda: torch.nn.Linear(30, 7), lambda: nn.Linear(30, 7))]:
        tm, dm = make_t(), make_d()
        for (name, tp), (_, dp) in zip(tm.named_parameters(), dm.named_parameters()):
            assert tuple(tp.shape) == dp.shape and dp.dtype == np.float32, name
            if dp.numel() >= 100:          # the largest of many uniform draws: the bound
                bound_t, bound_d = np.abs(to_np(tp)).max(), np.abs(dp.detach().numpy()).max()
                assert 0.9 < bound_d / bound_t < 1.1, name


# ------------------------------------------------------------------------------ losses
def _loss_cases():
    logits = R.standard_normal((6, 4))
    labels = np.array([0, 3, 1, 1, 2, 1])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    probs = R.uniform(0.05, 0.95, (4, 3))
    x, t = R.standard_normal((4, 3)), R.standard_normal((4, 3))
    soft = np.exp(R.standard_normal((6, 4)))
    soft /= soft.sum(1, keepdims=True)
    return {
        "ce": (lambda m, W: m.CrossEntropyLoss(), logits, labels),
        "ce_all": (lambda m, W: m.CrossEntropyLoss(weight=W(w), ignore_index=1,
                                                    label_smoothing=0.1), logits, labels),
        "ce_sum_smooth": (lambda m, W: m.CrossEntropyLoss(reduction="sum",
                                                           label_smoothing=0.3), logits, labels),
        "ce_none_weight": (lambda m, W: m.CrossEntropyLoss(weight=W(w), reduction="none"),
                           logits, labels),
        "ce_spatial": (lambda m, W: m.CrossEntropyLoss(), R.standard_normal((2, 4, 3)),
                       np.array([[0, 1, 3], [2, 2, 1]])),
        "ce_probabilities": (lambda m, W: m.CrossEntropyLoss(label_smoothing=0.2), logits, soft),
        "nll_weight": (lambda m, W: m.NLLLoss(weight=W(w)), logits, labels),
        "mse": (lambda m, W: m.MSELoss(), x, t),
        "l1_sum": (lambda m, W: m.L1Loss(reduction="sum"), x, t),
        "smooth_l1": (lambda m, W: m.SmoothL1Loss(beta=0.5), x, t),
        "huber": (lambda m, W: m.HuberLoss(delta=0.7), x, t),
        "bce": (lambda m, W: m.BCELoss(), probs, R.uniform(size=(4, 3))),
        "bce_logits": (lambda m, W: m.BCEWithLogitsLoss(pos_weight=W(np.array([1.0, 2.0, 0.5]))),
                       x, R.uniform(size=(4, 3))),
        "kl_batchmean": (lambda m, W: m.KLDivLoss(reduction="batchmean"), np.log(probs),
                         R.uniform(0.1, 1, (4, 3))),
        "kl_log_target": (lambda m, W: m.KLDivLoss(reduction="sum", log_target=True),
                          np.log(probs), np.log(R.uniform(0.1, 1, (4, 3)))),
    }


@pytest.mark.parametrize("name", list(_loss_cases()))
def test_loss_matches_pytorch(name):
    make, x, target = _loss_cases()[name]
    tl = make(torch.nn, torch.tensor)
    dl = make(nn, lambda a: a)
    xt = torch.tensor(x, requires_grad=True)
    out_t = tl(xt, torch.tensor(target))
    seed = np.random.default_rng(2).standard_normal(tuple(out_t.shape))
    (out_t * torch.tensor(seed)).sum().backward()
    xd = ad.tensor(x, requires_grad=True)
    out_d = dl(xd, target)
    (out_d * seed).sum().backward()
    np.testing.assert_allclose(out_d.detach().numpy(), to_np(out_t), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xd.grad.numpy(), to_np(xt.grad), rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------ optimisers
def test_adagrad_trajectory_matches_pytorch():
    a = np.array([1.0, 3.0, -0.5])
    start = np.array([1.0, -2.0, 0.5])
    tp = torch.tensor(start, requires_grad=True)
    dp = nn.Parameter(start)
    kw = dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.2)
    topt, dopt = torch.optim.Adagrad([tp], **kw), optim.Adagrad([dp], **kw)
    for _ in range(6):
        topt.zero_grad()
        (0.5 * torch.tensor(a) * tp * tp).sum().backward()
        topt.step()
        dopt.zero_grad()
        (0.5 * a * dp * dp).sum().backward()
        dopt.step()
        np.testing.assert_allclose(dp.detach().numpy(), to_np(tp), rtol=1e-12)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_trajectory_matches_pytorch(line_search):
    def rosen(p):
        return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

    tp = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    dp = nn.Parameter(np.array([-1.2, 1.0]))
    kw = dict(lr=0.5 if line_search is None else 1.0, max_iter=7, history_size=5,
              line_search_fn=line_search)
    topt, dopt = torch.optim.LBFGS([tp], **kw), optim.LBFGS([dp], **kw)

    def closure_for(p, opt):
        def closure():
            opt.zero_grad()
            loss = rosen(p)
            loss.backward()
            return loss
        return closure

    for _ in range(4):
        lt = topt.step(closure_for(tp, topt))
        ld = dopt.step(closure_for(dp, dopt))
        assert ld.item() == pytest.approx(lt.item(), rel=1e-9)
        np.testing.assert_allclose(dp.detach().numpy(), to_np(tp), rtol=1e-8)
    assert dopt.state[dp]["func_evals"] == topt.state[tp]["func_evals"]


def _torch_and_dualad_rates(make, n, metric=None, opt_t=None, opt_d=None, key="lr"):
    tp = torch.zeros(1, requires_grad=True)
    dp = nn.Parameter(np.zeros(1, np.float32))
    topt = (opt_t or (lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9)))(tp)
    dopt = (opt_d or (lambda p: optim.SGD([p], lr=0.1, momentum=0.9)))(dp)
    ts, ds = make(torch.optim.lr_scheduler, topt), make(lr_scheduler, dopt)
    got_t, got_d = [], []
    for i in range(n):
        got_t.append(topt.param_groups[0][key])
        got_d.append(dopt.param_groups[0][key])
        topt.step()
        dopt.step()
        if metric is None:
            ts.step()
            ds.step()
        else:
            ts.step(metric[i])
            ds.step(metric[i])
    return got_t, got_d


@pytest.mark.parametrize("make", [
    lambda s, o: s.MultiStepLR(o, milestones=[2, 5], gamma=0.5),
    lambda s, o: s.ExponentialLR(o, gamma=0.8),
    lambda s, o: s.LambdaLR(o, lambda e: 0.95 ** e + 0.1 * (e % 2)),
    lambda s, o: s.StepLR(o, step_size=3, gamma=0.3),
    lambda s, o: s.CosineAnnealingLR(o, T_max=5, eta_min=0.01),
    lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=12),
    lambda s, o: s.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=4, pct_start=0.25,
                              anneal_strategy="linear", three_phase=True),
])
def test_scheduler_rates_match_pytorch(make):
    got_t, got_d = _torch_and_dualad_rates(make, 12)
    assert got_d == pytest.approx(got_t, rel=1e-9)     # PyTorch's chained form rounds a little


def test_one_cycle_momentum_and_plateau_match_pytorch():
    make = lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=10)  # noqa: E731
    got_t, got_d = _torch_and_dualad_rates(make, 10, key="momentum")
    assert got_d == pytest.approx(got_t, rel=1e-12)
    got_t, got_d = _torch_and_dualad_rates(
        make, 10, key="betas", opt_t=lambda p: torch.optim.Adam([p], lr=0.1),
        opt_d=lambda p: optim.Adam([p], lr=0.1))
    assert [b[0] for b in got_d] == pytest.approx([b[0] for b in got_t], rel=1e-12)
    metric = [5, 4, 4, 4.0001, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3]
    plateau = lambda s, o: s.ReduceLROnPlateau(o, factor=0.5, patience=1,  # noqa: E731
                                               cooldown=1, min_lr=0.02)
    got_t, got_d = _torch_and_dualad_rates(plateau, len(metric), metric)
    assert got_d == pytest.approx(got_t, rel=1e-12)


# ------------------------------------------------------------------------------ tensors
def test_tensor_methods_mean_what_pytorch_means():
    a = R.standard_normal((3, 4))
    t, d = torch.tensor(a), ad.tensor(a)
    pairs = [
        (lambda x: x.var(), None), (lambda x: x.std(dim=1), None),
        (lambda x: x.var(0, unbiased=False), None), (lambda x: x.max(dim=1)[0], None),
        (lambda x: x.max(1)[1], None), (lambda x: x.min(0, keepdim=True)[0], None),
        (lambda x: x.sum(dim=1, keepdim=True), None), (lambda x: x.mean(dim=(0, 1)), None),
        (lambda x: x.view(-1, 6), None), (lambda x: x.flatten(), None),
        (lambda x: x.unsqueeze(1).squeeze(0), None), (lambda x: x.transpose(0, 1), None),
        (lambda x: x.repeat(2, 3), None), (lambda x: x[:, :1].expand(3, 5), None),
        (lambda x: x.t().mm(x), None), (lambda x: x.clamp(min=-0.5, max=0.5), None),
        (lambda x: (x > 0).float(), None), (lambda x: x.argmax(dim=1), None),
        (lambda x: x.pow(2).sqrt(), None), (lambda x: x.prod(dim=0), None),
        (lambda x: x.norm(), None), (lambda x: x.unsqueeze(0).bmm(x.t().unsqueeze(0)), None),
    ]
    for i, (fn, _) in enumerate(pairs):
        np.testing.assert_allclose(np.asarray(fn(d).numpy(), float),
                                   np.asarray(to_np(fn(t)), float), rtol=1e-12, atol=1e-14,
                                   err_msg=f"case {i}")
    assert d.size() == tuple(t.size()) and d.size(1) == t.size(1) and d.numel() == t.numel()


def test_creation_dtypes_match_pytorch():
    for make in [lambda m: m.zeros(2, 3), lambda m: m.ones(4), lambda m: m.arange(5),
                 lambda m: m.arange(0, 1, 0.25), lambda m: m.full((2,), 1.5),
                 lambda m: m.full((2,), 3), lambda m: m.linspace(0, 1, 5), lambda m: m.eye(3),
                 lambda m: m.randn(2), lambda m: m.rand(2), lambda m: m.randint(0, 5, (3,))]:
        assert np.dtype(make(ad).dtype) == np.dtype(str(make(torch).dtype).split(".")[1])


# ------------------------------------------------------------------------------ training
def _train(lib, model, batches, opt_factory, loss_fn):
    opt = opt_factory(model.parameters())
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_cnn_training_matches_pytorch_to_float32_rounding():
    def make(m):
        return m.Sequential(m.Conv2d(1, 8, 3), m.ReLU(), m.Conv2d(8, 16, 3), m.ReLU(),
                            m.MaxPool2d(2), m.Flatten(), m.Linear(16 * 2 * 2, 10))

    torch.manual_seed(0)
    tm, dm = make(torch.nn), make(nn)
    dm.load_state_dict(tm.state_dict())
    data = [(R.standard_normal((16, 1, 8, 8)).astype(np.float32), R.integers(0, 10, 16))
            for _ in range(10)]
    lt = _train(torch, tm, [(torch.tensor(x), torch.tensor(y)) for x, y in data],
                lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                torch.nn.functional.cross_entropy)
    ld = _train(ad, dm, [(ad.from_numpy(x), ad.from_numpy(y)) for x, y in data],
                lambda p: optim.SGD(p, lr=0.05, momentum=0.9), nn.functional.cross_entropy)
    np.testing.assert_allclose(ld, lt, rtol=2e-4)


def test_lstm_training_matches_pytorch_to_float32_rounding():
    class Net:
        @staticmethod
        def make(m):
            class Model(m.Module):
                def __init__(self):
                    super().__init__()
                    self.lstm = m.LSTM(3, 16, batch_first=True)
                    self.head = m.Linear(16, 1)

                def forward(self, x):
                    out, (h, c) = self.lstm(x)
                    return self.head(out[:, -1, :])
            return Model()

    torch.manual_seed(0)
    tm, dm = Net.make(torch.nn), Net.make(nn)
    dm.load_state_dict(tm.state_dict())
    data = [(R.standard_normal((8, 12, 3)).astype(np.float32),
             R.standard_normal((8, 1)).astype(np.float32)) for _ in range(8)]
    lt = _train(torch, tm, [(torch.tensor(x), torch.tensor(y)) for x, y in data],
                lambda p: torch.optim.Adam(p, lr=1e-2), torch.nn.functional.mse_loss)
    ld = _train(ad, dm, [(x, y) for x, y in data], lambda p: optim.Adam(p, lr=1e-2),
                nn.functional.mse_loss)
    np.testing.assert_allclose(ld, lt, rtol=2e-4)
