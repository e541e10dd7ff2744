"""Gradients through the decompositions (issue 16): ``eigh`` and ``svd`` of n x n matrices, a
loss that uses both the values and the vectors, against the NumPy decomposition alone.

Target: at n = 256 the gradient (reverse mode) and the directional derivative (forward mode)
each cost at most 3x the primal ``numpy.linalg`` call.

    python -m benchmarks.bench_decompositions [n ...]    (from the repository root)
"""
import sys

import numpy as np

import dualad as ad
import dualad.numpy as dnp

from .common import heavy
from .measure import median_time

SIZES = [64, 256]


def problem(kind, n, seed=0):
    """``(a, primal, loss, weights)``: the matrix, the NumPy call and a loss of values and
    vectors that the vectors' signs leave alone."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    w = rng.standard_normal((n, n))
    if kind == "eigh":
        a = a + a.T

        def loss(a):
            values, vectors = dnp.linalg.eigh(a)
            return dnp.sum(values ** 2) + dnp.sum(vectors ** 2 * w)
        return a, np.linalg.eigh, loss, w

    def loss(a):
        u, s, vt = dnp.linalg.svd(a, full_matrices=False)
        return dnp.sum(s) + dnp.sum(u ** 2 * w) + dnp.sum(vt ** 2 * w)
    return a, lambda a: np.linalg.svd(a, full_matrices=False), loss, w


def runners(kind, n):
    """The three timed calls: the primal, the gradient and one forward directional derivative."""
    a, primal, loss, w = problem(kind, n)
    grad = ad.grad(loss)
    return {"primal": lambda: primal(a), "grad": lambda: grad(a),
            "jvp": lambda: ad.jvp(loss, (a,), (w,))}


@heavy
class DecompositionGradient:
    params = [["eigh", "svd"], SIZES, ["primal", "grad", "jvp"]]
    param_names = ["decomposition", "n", "call"]
    timeout = 300

    def setup(self, kind, n, call):
        self.run = runners(kind, n)[call]

    def time_call(self, kind, n, call):
        self.run()


@heavy
class DecompositionRatio:
    """The derivative's time over the primal's: the figure the target bounds."""

    params = [["eigh", "svd"], SIZES, ["grad", "jvp"]]
    param_names = ["decomposition", "n", "derivative"]
    timeout = 300

    def track_ratio(self, kind, n, derivative):
        return ratios(kind, n)[derivative]

    track_ratio.unit = "derivative time / primal time"


def ratios(kind, n):
    runs = runners(kind, n)
    times = {k: median_time(run, repeats=5, min_sample=0.05) for k, run in runs.items()}
    return {"primal": times["primal"], "grad": times["grad"] / times["primal"],
            "jvp": times["jvp"] / times["primal"]}


def main(sizes=(256,)):
    print(f"{'kind':>5s} {'n':>5s} {'primal [ms]':>11s} {'grad/primal':>11s} {'jvp/primal':>10s}")
    for kind in ("eigh", "svd"):
        for n in sizes:
            r = ratios(kind, n)
            print(f"{kind:>5s} {n:5d} {1e3 * r['primal']:11.2f} {r['grad']:11.2f} "
                  f"{r['jvp']:10.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or (256,))
