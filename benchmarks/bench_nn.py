"""W10 and W11 of issue 17, dualad alone (``compare_peers.py`` runs them against the peers): a
CNN training step on digits-sized images and an LSTM gradient; beside them, the time per step of
an LSTM layer's forward and backward, and the forward and backward of batch and layer
normalisation (the fused kernels of ``dualad/_kernels/_recurrent.pyx`` and ``_norm.pyx``).

    python -m benchmarks.bench_nn            (from the repository root)
"""
import numpy as np

import dualad as ad
from dualad import nn, optim

from .measure import median_time


def cnn_step(batch=64, seed=0):
    """W10's step: two 3x3 convolutions (8 and 16 channels), max-pooling, a linear layer, on
    8x8 single-channel images (scikit-learn's digits), one Adam step."""
    ad.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 4 * 4, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    x = ad.tensor(rng.standard_normal((batch, 1, 8, 8)).astype(np.float32))
    y = rng.integers(0, 10, batch)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def lstm_gradient(hidden=64, steps=50, batch=32, features=8, seed=0):
    """W11: the gradient of a loss of an LSTM's last hidden state (hidden 64, sequence 50,
    batch 32) with respect to every weight."""
    ad.manual_seed(seed)
    lstm = nn.LSTM(features, hidden, batch_first=True)
    head = nn.Linear(hidden, 1)
    rng = np.random.default_rng(seed)
    x = ad.tensor(rng.standard_normal((batch, steps, features)).astype(np.float32))
    target = ad.tensor(rng.standard_normal((batch, 1)).astype(np.float32))
    params = list(lstm.parameters()) + list(head.parameters())

    def gradient():
        for p in params:
            p.grad = None
        out, _ = lstm(x)
        loss = ((head(out[:, -1]) - target) ** 2).mean()
        loss.backward()
        return loss
    return gradient


def lstm_layer_gradient(hidden=64, steps=50, batch=32, features=64, seed=0):
    """An LSTM layer's forward and backward (loss: the sum of its outputs), for the time per
    step: ``median_time(...) / steps``."""
    ad.manual_seed(seed)
    lstm = nn.LSTM(features, hidden)
    x = ad.tensor(np.random.default_rng(seed).standard_normal((steps, batch, features))
                  .astype(np.float32), requires_grad=True)

    def gradient():
        x.grad = None
        for p in lstm.parameters():
            p.grad = None
        out, _ = lstm(x)
        out.sum().backward()
    return gradient


def norm_gradient(seed=0):
    """Batch normalisation of (64, 16, 8, 8) (training mode) then layer normalisation over
    the last axis of (64, 16, 64), forward and backward."""
    ad.manual_seed(seed)
    bn, ln = nn.BatchNorm2d(16), nn.LayerNorm(64)
    rng = np.random.default_rng(seed)
    x = ad.tensor(rng.standard_normal((64, 16, 8, 8)).astype(np.float32), requires_grad=True)
    y = ad.tensor(rng.standard_normal((64, 16, 64)).astype(np.float32), requires_grad=True)

    def gradient():
        x.grad = y.grad = None
        ((bn(x) ** 2).mean() + (ln(y) ** 2).mean()).backward()
    return gradient


class W10CNNStep:
    timeout = 120

    def setup(self):
        self.step = cnn_step()

    def time_step(self):
        self.step()


class W11LSTMGradient:
    timeout = 120

    def setup(self):
        self.gradient = lstm_gradient()

    def time_gradient(self):
        self.gradient()


class LSTMLayerGradient:
    timeout = 120

    def setup(self):
        self.gradient = lstm_layer_gradient()

    def time_gradient(self):
        self.gradient()


class NormGradient:
    timeout = 120

    def setup(self):
        self.gradient = norm_gradient()

    def time_gradient(self):
        self.gradient()


def main():
    print(f"W10 CNN step (batch 64): {median_time(cnn_step()) * 1e3:.2f} ms")
    print(f"W11 LSTM gradient (hidden 64, sequence 50, batch 32): "
          f"{median_time(lstm_gradient()) * 1e3:.2f} ms")
    print(f"LSTM layer forward+backward per step (hidden 64, input 64, batch 32): "
          f"{median_time(lstm_layer_gradient()) / 50 * 1e6:.0f} us")
    print(f"BatchNorm2d + LayerNorm forward+backward: {median_time(norm_gradient()) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
