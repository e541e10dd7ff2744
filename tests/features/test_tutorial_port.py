"""PyTorch tutorial code with ``torch`` renamed to ``dualad`` runs unchanged and learns (API.md
section 13): the CNN classifier tutorial (Dataset, DataLoader, Conv2d, MaxPool2d, flatten,
CrossEntropyLoss, SGD with momentum, torch.max(outputs.data, 1), save/load of the state dict)
and an LSTM sequence classifier, on small synthetic data."""
import numpy as np

import dualad as torch                      # the rename
import dualad.nn as nn
import dualad.nn.functional as F
import dualad.optim as optim
from dualad.utils.data import DataLoader, Dataset, TensorDataset


def _images(n, rng):
    """Three classes of 1x14x14 images: a bright blob in one of three places, plus noise."""
    y = rng.integers(0, 3, n)
    x = rng.normal(0, 0.3, (n, 1, 14, 14)).astype(np.float32)
    for i, c in enumerate(y):
        r, col = [(2, 2), (2, 9), (9, 5)][c]
        x[i, 0, r:r + 3, col:col + 3] += 1.5
    return x, y


class Images(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), int(self.y[i])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 8, 3)
        self.fc1 = nn.Linear(8 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


def test_cnn_classifier_tutorial_runs_and_learns(tmp_path):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    trainset, testset = Images(*_images(240, rng)), Images(*_images(90, rng))
    trainloader = DataLoader(trainset, batch_size=16, shuffle=True)
    testloader = DataLoader(testset, batch_size=30, shuffle=False)
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    net = Net().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.02, momentum=0.9)

    for epoch in range(6):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data[0].to(device), data[1].to(device)
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
    assert running_loss / (i + 1) < 0.3

    PATH = tmp_path / "cifar_net.pth"
    torch.save(net.state_dict(), PATH)
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))

    correct = total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    assert total == 90 and correct / total > 0.9


class SequenceClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(1, x.size(0), self.lstm.hidden_size)
        c0 = torch.zeros(1, x.size(0), self.lstm.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


def test_lstm_sequence_classifier_runs_and_learns():
    torch.manual_seed(0)
    n, steps = 256, 10
    x = torch.randn(n, steps, 1)
    y = (x.sum(dim=1).squeeze(1) > 0).long()            # the sign of the running sum
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = SequenceClassifier(1, 16, 2)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    for epoch in range(15):
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
        scheduler.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
    assert accuracy > 0.9


def _example(name):
    import importlib.util
    import pathlib
    import sys
    examples = pathlib.Path(__file__).parents[2] / "examples"
    spec = importlib.util.spec_from_file_location(name, examples / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(examples))        # for its sibling import, as a script would have
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(examples))
    return module


def test_cnn_digits_example_learns():
    import pytest
    pytest.importorskip("sklearn")
    history = _example("cnn_digits").main(["--epochs", "2"])
    assert history["test_acc"][-1] > 0.85 and history["loss"][-1] < history["loss"][0]


def test_lstm_sequence_example_learns():
    history = _example("lstm_sequence").main(["--epochs", "2", "--steps", "12", "--hidden",
                                              "16"])
    assert history["test_loss"][-1] < 0.1
