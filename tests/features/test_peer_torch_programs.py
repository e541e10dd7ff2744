"""Short PyTorch programs, tutorial style, run twice: once on ``torch`` and once with the module
renamed to ``dualad`` (the program's text is the same function, handed either module), starting
from PyTorch's weights copied across by ``load_state_dict``. Loss trajectories, gradients,
parameters and accuracies must agree to float32 rounding. Skipped when torch is not installed
(it is in the ``bench`` extra, not in CI)."""
import copy
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dualad  # noqa: E402

R = np.random.default_rng(0)
F32 = dict(rtol=2e-4, atol=1e-6)      # float32 rounding, compounded over a few dozen steps


def numbers(x):
    """A tensor of either library (or a list / tuple of them, or a float) as NumPy."""
    if isinstance(x, (list, tuple)):
        return [numbers(v) for v in x]
    if hasattr(x, "detach"):
        return np.asarray(x.detach().numpy(), dtype=float)
    return np.asarray(x, dtype=float)


def both(program, *args, **kwargs):
    """``program(torch, ...)`` then ``program(dualad, ..., load=<PyTorch's initial state>)``;
    each returns ``(initial state dict, results)``; the results of both."""
    initial, want = program(torch, *args, **kwargs)
    _, got = program(dualad, *args, load=initial, **kwargs)
    return got, want


def start_from(model, load):
    """The model's initial state (copied), after loading ``load`` where given."""
    if load is not None:
        model.load_state_dict(load)
    return copy.deepcopy(model.state_dict())


# ------------------------------------------------------------------------ autograd basics
def autograd_tutorial(torch, load=None):
    """"A gentle introduction to torch.autograd": gradients, vector-Jacobian products,
    no_grad, detach, accumulation."""
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    first = x.grad.clone()
    out2 = (x ** 3).sum()
    out2.backward()                              # gradients accumulate
    accumulated = x.grad.clone()

    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a ** 3 - b ** 2
    q.backward(gradient=torch.tensor([1.0, 1.0]))

    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float32)
    w = torch.tensor([1.5, -0.5, 2.0], requires_grad=True)
    s = w * 2
    while s.data.norm() < 1000:
        s = s * 2
    s.backward(v)
    with torch.no_grad():
        frozen = (w ** 2).requires_grad
    return None, dict(first=numbers(first), accumulated=numbers(accumulated),
                      a=numbers(a.grad), b=numbers(b.grad), w=numbers(w.grad),
                      frozen=frozen, detached=w.detach().requires_grad, dtype=str(y.dtype))


def test_autograd_tutorial():
    got, want = both(autograd_tutorial)
    assert got.pop("dtype").split(".")[-1] == want.pop("dtype").split(".")[-1] == "float32"
    assert (got.pop("frozen"), got.pop("detached")) == (want.pop("frozen"),
                                                        want.pop("detached")) == (False, False)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-6, err_msg=key)


# ------------------------------------------------------------------------ fitting sin(x)
def polynomial_by_hand(torch, load=None, steps=300):
    """"Learning PyTorch with examples", tensors and autograd: a cubic fitted to sin(x) by
    gradient descent written out, parameter updates under no_grad."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, requires_grad=True) for v in (0.1, -0.2, 0.3, 0.05))
    learning_rate = 1e-6
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return None, (losses, [p.item() for p in (a, b, c, d)])


def polynomial_nn(torch, load=None, steps=200):
    """The same fit with nn: ``x.unsqueeze(-1).pow(p)``, ``nn.Linear(3, 1)`` then
    ``nn.Flatten(0, 1)``, ``MSELoss(reduction='sum')``, RMSprop."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    initial = start_from(model, load)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear_layer = model[0]
    return initial, (losses, str(xx.dtype).split(".")[-1],
                     numbers(linear_layer.weight[:, 0]), numbers(linear_layer.bias))


def test_polynomial_fit_by_hand():
    (got_losses, got_params), (want_losses, want_params) = both(polynomial_by_hand)
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-4)
    np.testing.assert_allclose(got_params, want_params, rtol=1e-4)


def test_polynomial_fit_with_nn_and_rmsprop():
    got, want = both(polynomial_nn)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4)
    assert got[1] == want[1] == "float32"          # float32 ** int64 stays float32
    np.testing.assert_allclose(got[2], want[2], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got[3], want[3], rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------------ the blitz's CNN
IMAGES = R.standard_normal((48, 3, 32, 32)).astype(np.float32)
IMAGE_LABELS = R.integers(0, 10, 48)


def blitz_cnn(torch, load=None, epochs=2):
    """"Training a classifier" (the 60-minute blitz), on random CIFAR-sized images: the Net of
    the tutorial, a DataLoader over a TensorDataset, SGD with momentum, running loss, and the
    accuracy loop with ``torch.max(outputs.data, 1)``."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    net = Net()
    initial = start_from(net, load)
    dataset = TensorDataset(torch.from_numpy(IMAGES), torch.from_numpy(IMAGE_LABELS))
    trainloader = DataLoader(dataset, batch_size=4, shuffle=False)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            losses.append(loss.item())
    correct = total = 0
    net.eval()
    with torch.no_grad():
        for images, labels in DataLoader(dataset, batch_size=16):
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return initial, (losses, running_loss, correct, total, len(trainloader))


def test_blitz_cnn_classifier():
    got, want = both(blitz_cnn)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-3, atol=1e-5)
    assert got[1] == pytest.approx(want[1], rel=1e-3)
    assert abs(got[2] - want[2]) <= 1 and got[3:] == want[3:]


# ------------------------------------------------------------------------ MLP, every optimiser
FEATURES = R.standard_normal((96, 10)).astype(np.float32)
CLASSES = (FEATURES[:, :3].sum(1) > 0).astype(np.int64) + (FEATURES[:, 3] > 1)

OPTIMISERS = {
    "sgd": lambda optim, p: optim.SGD(p, lr=0.1),
    "sgd_momentum_decay": lambda optim, p: optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1,
                                                     weight_decay=1e-3),
    "sgd_nesterov": lambda optim, p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda optim, p: optim.Adam(p, lr=1e-2),
    "adam_decay": lambda optim, p: optim.Adam(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6,
                                              weight_decay=1e-2),
    "adamw": lambda optim, p: optim.AdamW(p, lr=1e-2),
    "adamw_decay": lambda optim, p: optim.AdamW(p, lr=1e-2, weight_decay=0.1),
    "adagrad": lambda optim, p: optim.Adagrad(p, lr=0.1),
    "rmsprop_centered": lambda optim, p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True),
    "sgd_maximize": lambda optim, p: optim.SGD(p, lr=0.01, momentum=0.5, maximize=True),
    "adam_maximize": lambda optim, p: optim.Adam(p, lr=1e-3, maximize=True),
}

SCHEDULERS = {
    None: None,
    "step": lambda s, o: s.StepLR(o, step_size=2, gamma=0.5),
    "multistep": lambda s, o: s.MultiStepLR(o, milestones=[1, 3], gamma=0.3),
    "exponential": lambda s, o: s.ExponentialLR(o, gamma=0.7),
    "lambda": lambda s, o: s.LambdaLR(o, lambda epoch: 1.0 / (1 + epoch)),
    "cosine": lambda s, o: s.CosineAnnealingLR(o, T_max=3, eta_min=1e-3),
}


def mlp_program(torch, optimiser, scheduler=None, load=None, epochs=4, per_batch=None):
    """An MLP classifier with a DataLoader loop, an optimiser, a scheduler stepped per epoch
    (or per batch: ``per_batch``), gradient clipping, and ``model.train()`` / ``eval()``."""
    nn = torch.nn
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.0), nn.Linear(32, 16),
                          nn.Tanh(), nn.Linear(16, 3))
    initial = start_from(model, load)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(FEATURES), torch.from_numpy(CLASSES)),
        batch_size=16, shuffle=False, drop_last=True)
    opt = OPTIMISERS[optimiser](torch.optim, model.parameters())
    make_scheduler = SCHEDULERS[scheduler] if per_batch is None else per_batch
    sched = make_scheduler(torch.optim.lr_scheduler, opt) if make_scheduler else None
    loss_fn = nn.CrossEntropyLoss()
    losses, norms, rates = [], [], []
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)))
            opt.step()
            losses.append(loss.item())
            if per_batch is not None:
                sched.step()
        if sched is not None and per_batch is None:
            sched.step()
        rates.append(opt.param_groups[0]["lr"])
        model.eval()
        with torch.no_grad():
            accuracy = (model(torch.from_numpy(FEATURES)).argmax(dim=1)
                        == torch.from_numpy(CLASSES)).float().mean().item()
    vector = nn.utils.parameters_to_vector(model.parameters())
    return initial, (losses, norms, rates, accuracy, numbers(vector))


def _compare_mlp(got, want, rtol=F32["rtol"]):
    np.testing.assert_allclose(got[0], want[0], rtol=rtol, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=rtol, atol=1e-6)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-12)
    assert abs(got[3] - want[3]) <= 0.02
    np.testing.assert_allclose(got[4], want[4], rtol=rtol * 10, atol=1e-5)


@pytest.mark.parametrize("optimiser", list(OPTIMISERS))
def test_mlp_training_with_each_optimiser(optimiser):
    _compare_mlp(*both(mlp_program, optimiser))


@pytest.mark.parametrize("scheduler", [s for s in SCHEDULERS if s])
def test_mlp_training_with_each_scheduler(scheduler):
    _compare_mlp(*both(mlp_program, "sgd_momentum_decay", scheduler))


def test_one_cycle_per_batch_with_adam():
    def one_cycle(s, o):
        return s.OneCycleLR(o, max_lr=0.05, total_steps=24)

    _compare_mlp(*both(mlp_program, "adam", per_batch=one_cycle))


def plateau_program(torch, load=None, epochs=8):
    """ReduceLROnPlateau on a validation loss, stepped per epoch."""
    nn = torch.nn
    model = nn.Linear(10, 3)
    initial = start_from(model, load)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    x, y = torch.from_numpy(FEATURES), torch.from_numpy(CLASSES)
    losses, rates = [], []
    for _ in range(epochs):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x[:64]), y[:64])
        loss.backward()
        opt.step()
        with torch.no_grad():
            val = nn.functional.cross_entropy(model(x[64:]), y[64:]).item()
        sched.step(val)
        losses.append(val)
        rates.append(opt.param_groups[0]["lr"])
    return initial, (losses, rates)


def test_reduce_on_plateau_on_validation_loss():
    got, want = both(plateau_program)
    np.testing.assert_allclose(got[0], want[0], **F32)
    assert got[1] == want[1]


def lbfgs_program(torch, load=None, line_search=None):
    """Least squares fitted by L-BFGS with a closure (float32)."""
    model = torch.nn.Linear(10, 1)
    initial = start_from(model, load)
    x = torch.from_numpy(FEATURES)
    y = torch.from_numpy((FEATURES @ np.arange(10.0) / 10 + 0.3).astype(np.float32)[:, None])
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=10, history_size=4,
                            line_search_fn=line_search)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(3)]
    return initial, (losses, numbers(model.weight), numbers(model.bias))


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_closure_on_a_linear_model(line_search):
    got, want = both(lbfgs_program, line_search=line_search)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-3, atol=1e-4)


# ------------------------------------------------------------------------ an LSTM tagger
TRAINING_DATA = [("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
                 ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])]


def lstm_tagger(torch, load=None, epochs=30):
    """"Sequence models and LSTM networks": the part-of-speech tagger, Embedding -> LSTM ->
    Linear -> log_softmax, NLLLoss, SGD, ``model.zero_grad()``."""
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    word_to_ix = {}
    for sent, _tags in TRAINING_DATA:
        for word in sent:
            word_to_ix.setdefault(word, len(word_to_ix))
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}

    def prepare_sequence(seq, to_ix):
        return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)

    class LSTMTagger(nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super().__init__()
            self.hidden_dim = hidden_dim
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            return F.log_softmax(tag_space, dim=1)

    model = LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix))
    initial = start_from(model, load)
    loss_function = nn.NLLLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(epochs):
        for sentence, tags in TRAINING_DATA:
            model.zero_grad()
            sentence_in = prepare_sequence(sentence, word_to_ix)
            targets = prepare_sequence(tags, tag_to_ix)
            tag_scores = model(sentence_in)
            loss = loss_function(tag_scores, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        scores = model(prepare_sequence(TRAINING_DATA[0][0], word_to_ix))
    return initial, (losses, numbers(scores))


def test_lstm_tagger():
    got, want = both(lstm_tagger)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-3, atol=1e-5)


def gru_regressor(torch, load=None, steps=15):
    """A batch-first two-layer GRU and an LSTM with ``proj``-free bidirectional layers feeding
    a regression head, Adam, the initial state passed explicitly."""
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(3, 8, num_layers=2, batch_first=True)
            self.lstm = nn.LSTM(8, 4, bidirectional=True, batch_first=True)
            self.head = nn.Linear(8, 1)

        def forward(self, x, h0):
            out, hn = self.gru(x, h0)
            out, (h, c) = self.lstm(out)
            return self.head(out[:, -1, :]).squeeze(1), hn

    model = Model()
    initial = start_from(model, load)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(3)
    x = torch.from_numpy(rng.standard_normal((5, 7, 3)).astype(np.float32))
    y = torch.from_numpy(rng.standard_normal(5).astype(np.float32))
    h0 = torch.zeros(2, 5, 8)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        pred, hn = model(x, h0)
        loss = nn.functional.mse_loss(pred, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return initial, (losses, numbers(hn))


def test_gru_and_bidirectional_lstm_regressor():
    got, want = both(gru_regressor)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-3, atol=1e-5)


# ------------------------------------------------------------------------ digits, accuracy
def digits_cnn(torch, load=None, epochs=3):
    """A small CNN on scikit-learn's digits: accuracy on held-out images."""
    sklearn = pytest.importorskip("sklearn.datasets")
    images, labels = sklearn.load_digits(return_X_y=True)
    images = (images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 4 * 4, 10))
    initial = start_from(model, load)
    train = torch.utils.data.TensorDataset(torch.from_numpy(images[:1400]),
                                           torch.from_numpy(labels[:1400]))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(epochs):
        for x, y in torch.utils.data.DataLoader(train, batch_size=64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    with torch.no_grad():
        predicted = model(torch.from_numpy(images[1400:])).argmax(1).numpy()
    return initial, (losses, float(np.mean(predicted == labels[1400:])))


@pytest.mark.slow
def test_digits_cnn_accuracy_within_two_points():
    got, want = both(digits_cnn)
    np.testing.assert_allclose(got[0][:20], want[0][:20], rtol=1e-3)
    assert want[1] > 0.8
    assert abs(got[1] - want[1]) <= 0.02


# ------------------------------------------------------------------------ state dicts
def zoo(nn):
    class Zoo(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 4, 3)
            self.bn = nn.BatchNorm2d(4)
            self.embed = nn.Embedding(10, 5)
            self.lstm = nn.LSTM(5, 6, num_layers=2)
            self.gru = nn.GRU(6, 3, bidirectional=True)
            self.norm = nn.LayerNorm(6)
            self.blocks = nn.ModuleList([nn.Linear(6, 6), nn.Linear(6, 2)])
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1)})

        def forward(self, image, tokens):
            feature = self.bn(self.conv(image)).mean(dim=(1, 2, 3))
            seq, _ = self.lstm(self.embed(tokens))
            seq = self.norm(seq)
            bi, _ = self.gru(seq)
            h = seq[-1]
            for block in self.blocks:
                h = block(h)
            return self.heads["a"](h).squeeze(-1) + feature + bi.sum(dim=(0, 2))
    return Zoo()


def _zoo_inputs(lib):
    rng = np.random.default_rng(5)
    return (lib.from_numpy(rng.standard_normal((3, 2, 6, 6)).astype(np.float32)),
            lib.from_numpy(rng.integers(0, 10, (4, 3))))


def test_state_dict_round_trip_both_ways(tmp_path):
    torch.manual_seed(1)
    tm = zoo(torch.nn)
    tm.train()
    tm(*_zoo_inputs(torch))                       # running statistics move
    dm = zoo(dualad.nn)
    assert list(dm.state_dict()) == list(tm.state_dict())
    dm.load_state_dict(tm.state_dict())
    for (key, dv), tv in zip(dm.state_dict().items(), tm.state_dict().values()):
        assert dv.shape == tuple(tv.shape), key
        assert np.dtype(dv.dtype) == np.dtype(str(tv.dtype).split(".")[1]), key
        np.testing.assert_array_equal(np.asarray(dv), tv.numpy(), err_msg=key)
    tm.eval()
    dm.eval()
    with torch.no_grad():
        want = tm(*_zoo_inputs(torch)).numpy()
    np.testing.assert_allclose(dm(*_zoo_inputs(dualad)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)

    # dualad -> torch: train dualad a step, then hand its weights to a fresh torch model,
    # through tensors and through ad.save's file (read by NumPy: no pickle)
    dm.train()
    opt = dualad.optim.SGD(dm.parameters(), lr=0.1)
    dm(*_zoo_inputs(dualad)).sum().backward()
    opt.step()
    dm.eval()
    expected = dm(*_zoo_inputs(dualad)).detach().numpy()
    path = tmp_path / "zoo.npz"
    dualad.save(dm.state_dict(), path)
    for source in (dm.state_dict(), dualad.load(path)):
        torch.manual_seed(2)
        fresh = zoo(torch.nn)
        fresh.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in source.items()})
        fresh.eval()
        with torch.no_grad():
            np.testing.assert_allclose(fresh(*_zoo_inputs(torch)).numpy(), expected,
                                       rtol=1e-5, atol=1e-6)
    with np.load(path, allow_pickle=False) as archive:      # nothing pickled in the file
        assert sum(archive[name].size for name in archive.files) > 0


def test_optimizer_state_dict_resumes_pytorch_training():
    """A PyTorch run checkpointed after a few Adam steps (model and optimiser state) resumes
    in dualad and continues as PyTorch continues."""
    def make(lib):
        lib.manual_seed(0)
        return lib.nn.Sequential(lib.nn.Linear(10, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))

    x, y = FEATURES[:32], CLASSES[:32]

    def steps(lib, model, opt, n):
        losses = []
        for _ in range(n):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.from_numpy(x)), lib.from_numpy(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    tm = make(torch)
    topt = torch.optim.Adam(tm.parameters(), lr=1e-2, weight_decay=1e-3)
    steps(torch, tm, topt, 3)
    dm = make(dualad)
    dm.load_state_dict(tm.state_dict())
    dopt = dualad.optim.Adam(dm.parameters(), lr=1e-2, weight_decay=1e-3)
    dopt.load_state_dict(copy.deepcopy(topt.state_dict()))
    np.testing.assert_allclose(steps(dualad, dm, dopt, 5), steps(torch, tm, topt, 5), **F32)


# ------------------------------------------------------------------------ functional API
def _functional_cases():
    x = R.standard_normal((4, 6))
    img = R.standard_normal((2, 3, 7, 7))
    w = R.standard_normal((5, 3, 3, 3))
    probs = R.uniform(0.05, 0.95, (4, 6))
    labels = np.array([0, 5, 2, 2])
    weight, bias = R.standard_normal((5, 6)), R.standard_normal(5)
    return {
        "relu": (lambda F, t: F.relu(t(x)), x),
        "leaky_relu": (lambda F, t: F.leaky_relu(t(x), 0.2), x),
        "elu": (lambda F, t: F.elu(t(x), alpha=0.5), x),
        "gelu": (lambda F, t: F.gelu(t(x)), x),
        "silu": (lambda F, t: F.silu(t(x)), x),
        "softplus": (lambda F, t: F.softplus(t(x), beta=3), x),
        "softmax": (lambda F, t: F.softmax(t(x), dim=0), x),
        "log_softmax": (lambda F, t: F.log_softmax(t(x), dim=-1), x),
        "sigmoid_tanh": (lambda F, t: F.sigmoid(t(x)) * F.tanh(t(x)), x),
        "linear": (lambda F, t: F.linear(t(x), t(weight), t(bias)), x),
        "conv2d": (lambda F, t: F.conv2d(t(img), t(w), t(w[:, 0, 0, 0]), stride=2,
                                         padding=1), img),
        "conv1d": (lambda F, t: F.conv1d(t(img[:, :, 0]), t(w[:, :, 0]), padding=2,
                                         dilation=2), img[:, :, 0]),
        "max_pool2d": (lambda F, t: F.max_pool2d(t(img), 2), img),
        "max_pool2d_stride": (lambda F, t: F.max_pool2d(t(img), 3, stride=2, padding=1), img),
        "avg_pool2d": (lambda F, t: F.avg_pool2d(t(img), 2, stride=1), img),
        "adaptive_avg_pool2d": (lambda F, t: F.adaptive_avg_pool2d(t(img), (3, 2)), img),
        "max_pool1d": (lambda F, t: F.max_pool1d(t(img[:, :, 0]), 2), img[:, :, 0]),
        "avg_pool1d": (lambda F, t: F.avg_pool1d(t(img[:, :, 0]), 3), img[:, :, 0]),
        "adaptive_avg_pool1d": (lambda F, t: F.adaptive_avg_pool1d(t(img[:, :, 0]), 4),
                                img[:, :, 0]),
        "layer_norm": (lambda F, t: F.layer_norm(t(x), (6,)), x),
        "dropout_eval": (lambda F, t: F.dropout(t(x), 0.5, training=False), x),
        "cross_entropy": (lambda F, t: F.cross_entropy(t(x), t(labels), label_smoothing=0.1),
                          x),
        "nll_loss": (lambda F, t: F.nll_loss(F.log_softmax(t(x), 1), t(labels),
                                             reduction="sum"), x),
        "mse_loss": (lambda F, t: F.mse_loss(t(x), t(probs)), x),
        "l1_loss": (lambda F, t: F.l1_loss(t(x), t(probs), reduction="sum"), x),
        "smooth_l1_loss": (lambda F, t: F.smooth_l1_loss(t(x), t(probs), beta=0.3), x),
        "huber_loss": (lambda F, t: F.huber_loss(t(x), t(probs), delta=0.4), x),
        "binary_cross_entropy": (lambda F, t: F.binary_cross_entropy(t(probs), t(1 - probs)),
                                 probs),
        "bce_with_logits": (lambda F, t: F.binary_cross_entropy_with_logits(t(x), t(probs)), x),
        "kl_div": (lambda F, t: F.kl_div(F.log_softmax(t(x), 1), t(probs),
                                         reduction="batchmean"), x),
        "embedding": (lambda F, t: F.embedding(t(labels), t(x.T)), x.T),
        "one_hot": (lambda F, t: F.one_hot(t(labels), 7), None),
    }


@pytest.mark.parametrize("name", list(_functional_cases()))
def test_functional_matches_pytorch(name):
    fn, wrt = _functional_cases()[name]

    def run(lib):
        leaf = []

        def tensor(a):
            """The differentiated array as one leaf, however often the case uses it."""
            if a is not wrt:
                return lib.tensor(a)
            if not leaf:
                leaf.append(lib.tensor(a, requires_grad=True))
            return leaf[0]

        out = fn(lib.nn.functional, tensor)
        if not leaf or not out.requires_grad:
            return numbers(out), None
        seed = np.random.default_rng(9).standard_normal(tuple(out.shape))
        (out * lib.tensor(seed)).sum().backward()
        return numbers(out), numbers(leaf[0].grad)

    (got, got_grad), (want, want_grad) = run(dualad), run(torch)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    if want_grad is not None:
        np.testing.assert_allclose(got_grad, want_grad, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------ type promotion
def test_pow_keeps_the_float_dtype_against_integer_exponents():
    def make(m):
        return m.linspace(0, 1, 5).unsqueeze(-1).pow(m.tensor([1, 2, 3]))

    assert str(make(dualad).dtype).split(".")[-1] == str(make(torch).dtype).split(".")[-1]


PROMOTIONS = {
    "float32 * int64 tensor": lambda m: m.ones(3) * m.arange(3),
    "int64 tensor * 0.5": lambda m: m.arange(3) * 0.5,
    "int64 / int64": lambda m: m.arange(3) / m.arange(1, 4),
    "float32 + 0-d float64 tensor": lambda m: m.ones(3) + m.tensor(1.0, dtype=m.float64),
}


@pytest.mark.parametrize("case", list(PROMOTIONS))
def test_type_promotion_follows_pytorch(case):
    make = PROMOTIONS[case]
    assert str(make(dualad).dtype).split(".")[-1] == str(make(torch).dtype).split(".")[-1]


def test_saving_and_loading_tutorial_prints_sizes():
    def sizes(torch):
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 5), torch.nn.Linear(6, 2))
        return [(name, tuple(model.state_dict()[name].size())) for name in model.state_dict()]

    assert sizes(dualad) == sizes(torch)


def test_state_dict_entries_behave_as_pytorchs(tmp_path):
    """Detached tensors sharing the parameters' storage: they follow an optimiser step and a
    deep copy is a snapshot, as PyTorch's; dualad loads them back from NumPy arrays, PyTorch's
    tensors and ``save``/``load``'s file too."""
    def program(lib):
        lib.manual_seed(0)
        model = lib.nn.Linear(3, 2)
        state = model.state_dict()
        snapshot = copy.deepcopy(state)
        entry = state["weight"]
        facts = [type(entry).__name__, entry.requires_grad, tuple(entry.size())]
        opt = lib.optim.SGD(model.parameters(), lr=0.5)
        model(lib.ones(4, 3)).sum().backward()
        opt.step()
        facts.append(np.array_equal(entry.numpy(), model.weight.detach().numpy()))   # follows
        facts.append(np.array_equal(snapshot["weight"].numpy(), entry.numpy()))      # does not
        return model, snapshot, facts

    (model, snapshot, got), (_, _, want) = program(dualad), program(torch)
    assert got == want == ["Tensor", False, (2, 3), True, False]
    path = tmp_path / "linear.npz"
    dualad.save(snapshot, path)
    for source in (snapshot, {k: v.numpy() for k, v in snapshot.items()}, dualad.load(path),
                   {k: torch.from_numpy(np.array(v)) for k, v in snapshot.items()}):
        model.weight.detach().zero_()
        model.load_state_dict(source)
        np.testing.assert_array_equal(model.weight.detach().numpy(), snapshot["weight"].numpy())
