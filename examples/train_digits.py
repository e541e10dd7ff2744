"""Training an MLP on the digits
=============================

Train an MLP 64 -> 128 -> 10 (ReLU) on scikit-learn's bundled digits data with dualad.nn and
dualad.optim: the training loop of the PyTorch tutorials, unchanged but for the imports.

    python examples/train_digits.py                  # W9: Adam lr 1e-3, batch 64, 20 epochs
    python examples/train_digits.py --plot curve.png # also draw loss and accuracy curves

The data (1797 8x8 images, no download) is split 80/20, stratified, and standardised; the seed
(``--seed``, default 0) fixes the split, the initialisation (``nn.manual_seed``) and the batch
order. With the defaults (the W9 settings) the test accuracy after 20 epochs is 0.972; seeds 0
to 4 give 0.969 to 0.978. Needs scikit-learn; tqdm (progress bar) and matplotlib (``--plot``)
are used when installed.

The matrices here are small: on a busy machine, OPENBLAS_NUM_THREADS=1 (or OMP_NUM_THREADS=1)
spares NumPy's BLAS the cost of waking threads for each product.
"""
import argparse
import sys
import time

import numpy as np

import dualad as ad
from dualad import nn, optim
from dualad.nn import functional as F


def load_data(seed):
    """``(x_train, x_test, y_train, y_test)``: features standardised with the training set's
    mean and deviation, float32."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.2, stratify=digits.target, random_state=seed)
    scaler = StandardScaler().fit(x_train)
    return (scaler.transform(x_train).astype(np.float32),
            scaler.transform(x_test).astype(np.float32), y_train, y_test)


def batches(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], y[idx]


def accuracy(model, x, y):
    model.eval()
    with ad.no_grad():
        logits = model(x)
    model.train()
    return float(np.mean(np.argmax(logits, axis=1) == y))


def train(args):
    x_train, x_test, y_train, y_test = load_data(args.seed)
    nn.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    history = {"loss": [], "train_acc": [], "test_acc": []}
    seconds = 0.0
    for epoch in progress(range(1, args.epochs + 1)):
        start = time.perf_counter()
        total = 0.0
        for xb, yb in batches(x_train, y_train, args.batch_size, rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        seconds += time.perf_counter() - start
        history["loss"].append(total / len(x_train))
        history["train_acc"].append(accuracy(model, x_train, y_train))
        history["test_acc"].append(accuracy(model, x_test, y_test))
        report(f"epoch {epoch:3d}/{args.epochs}  loss {history['loss'][-1]:.4f}  "
               f"train acc {history['train_acc'][-1]:.4f}  "
               f"test acc {history['test_acc'][-1]:.4f}")
    print(f"test accuracy {history['test_acc'][-1]:.4f} after {args.epochs} epochs; training "
          f"took {seconds:.2f} s ({1e3 * seconds / args.epochs:.1f} ms per epoch)")
    return history


try:
    from tqdm import tqdm

    def progress(it):
        return tqdm(it, unit="epoch")

    report = tqdm.write
except ImportError:
    def progress(it):
        return it

    report = print


def plot(history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot {path}: matplotlib is not installed (pip install matplotlib); "
              "no plot written", file=sys.stderr)
        return
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(epochs, history["loss"])
    left.set(xlabel="epoch", ylabel="training loss (cross-entropy)")
    right.plot(epochs, history["train_acc"], label="train")
    right.plot(epochs, history["test_acc"], label="test")
    right.set(xlabel="epoch", ylabel="accuracy")
    right.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"curves written to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])  # "" in the gallery
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", metavar="PATH", help="write loss and accuracy curves (PNG)")
    args = parser.parse_args(argv)
    history = train(args)
    if args.plot:
        plot(history, args.plot)
    return history


if __name__ == "__main__":
    main()
