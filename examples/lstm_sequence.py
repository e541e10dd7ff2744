"""An LSTM continuing sine waves
=============================

An LSTM that learns to continue sine waves, written as a PyTorch tutorial is (``import dualad
as torch`` is the only change): sequences of 50 noisy samples of waves with random frequency and
phase, an ``nn.LSTM`` with 64 hidden units (batch_first) and a linear head predicting the next
value, trained with Adam and gradient clipping (the W11 configuration: hidden 64, sequence 50,
batch 32).

    python examples/lstm_sequence.py                 # 15 epochs
    python examples/lstm_sequence.py --plot lstm.png # also draw the loss curve

The test error falls from the variance of the targets (about 0.5) to 0.006 after 15 epochs
(the noise alone is 0.05**2 = 0.0025). The LSTM is composed from dualad operations (no fused
cell kernel yet): set OPENBLAS_NUM_THREADS=1 on a busy machine. tqdm and matplotlib are used
when installed.
"""
import argparse
import time

import numpy as np

import dualad as torch
import dualad.nn as nn
from dualad.utils.data import DataLoader, TensorDataset

from train_digits import progress, report  # noqa: E402  (tqdm when installed)


def waves(n, steps, rng):
    """``n`` sequences of ``steps + 1`` noisy samples of sin(f t + phase): inputs and the next
    value to predict."""
    t = np.arange(steps + 1)
    freq = rng.uniform(0.1, 0.3, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    x = np.sin(freq * t + phase) + rng.normal(0, 0.05, (n, steps + 1))
    x = x.astype(np.float32)[..., None]                             # (n, steps + 1, 1)
    return x[:, :-1], x[:, -1]


class Forecaster(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        return self.head(out[:, -1, :])


def train(args):
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    x_train, y_train = waves(1024, args.steps, rng)
    x_test, y_test = waves(256, args.steps, rng)
    loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
                        batch_size=args.batch_size, shuffle=True)
    model = Forecaster(args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.3)
    criterion = nn.MSELoss()
    history = {"loss": [], "test_loss": []}
    seconds = 0.0
    for epoch in progress(range(1, args.epochs + 1)):
        start = time.perf_counter()
        running = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            running += loss.item() * yb.size(0)
        scheduler.step()
        seconds += time.perf_counter() - start
        with torch.no_grad():
            test_loss = criterion(model(torch.from_numpy(x_test)), torch.from_numpy(y_test))
        history["loss"].append(running / len(x_train))
        history["test_loss"].append(test_loss.item())
        report(f"epoch {epoch:3d}/{args.epochs}  loss {history['loss'][-1]:.5f}  "
               f"test loss {history['test_loss'][-1]:.5f}")
    print(f"test MSE {history['test_loss'][-1]:.5f} after {args.epochs} epochs; training took "
          f"{seconds:.2f} s ({1e3 * seconds / args.epochs:.1f} ms per epoch)")
    return history


def plot(history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot {path}: matplotlib is not installed; no plot written")
        return
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.semilogy(epochs, history["loss"], label="train")
    ax.semilogy(epochs, history["test_loss"], label="test")
    ax.set(xlabel="epoch", ylabel="mean squared error")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"curves written to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])  # "" in the gallery
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="PATH", help="write the loss curves (PNG)")
    args = parser.parse_args(argv)
    history = train(args)
    if args.plot:
        plot(history, args.plot)
    return history


if __name__ == "__main__":
    main()
