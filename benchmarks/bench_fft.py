"""Gradients through ``dnp.fft`` (issue 16): a real loss of a 2^20-point signal computed through
``rfft``/``irfft`` and through the complex ``fft``, against the NumPy transforms alone.

Target: the gradient costs at most 3x the primal.

    python -m benchmarks.bench_fft            (from the repository root)
"""
import numpy as np

import dualad as ad
import dualad.numpy as dnp

from .measure import median_time

N = 1 << 20


def problem(kind, n=N, seed=0):
    """``(x, primal, loss)``: the signal, the NumPy computation and the same loss in dualad."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    mask = np.exp(-np.arange(n // 2 + 1) / n)
    if kind == "real":
        def primal(x):
            return np.sum(np.fft.irfft(np.fft.rfft(x) * mask, n=n) ** 2)

        def loss(x):
            return dnp.sum(dnp.fft.irfft(dnp.fft.rfft(x) * mask, n=n) ** 2)
        return x, primal, loss

    def primal(x):
        return np.sum(np.abs(np.fft.fft(x)) ** 2)

    def loss(x):
        return dnp.sum(dnp.abs(dnp.fft.fft(x)) ** 2)
    return x, primal, loss


def runners(kind):
    x, primal, loss = problem(kind)
    grad = ad.grad(loss)
    return {"primal": lambda: primal(x), "grad": lambda: grad(x)}


class FFTGradient:
    params = [["real", "complex"], ["primal", "grad"]]
    param_names = ["transform", "call"]
    timeout = 120

    def setup(self, kind, call):
        self.run = runners(kind)[call]

    def time_call(self, kind, call):
        self.run()


def main():
    for kind in ("real", "complex"):
        run = runners(kind)
        primal, grad = median_time(run["primal"]), median_time(run["grad"])
        print(f"{kind:8s} n=2^20: primal {primal * 1e3:7.1f} ms, gradient {grad * 1e3:7.1f} ms, "
              f"ratio {grad / primal:.2f}")


if __name__ == "__main__":
    main()
