"""Sparse Jacobians (issue 5): the Brusselator right-hand side of W8 on 100 to 2,000 grid points,
the coloured ``ad.sparse_jacobian`` against dense ``ad.jacfwd``.

Target: at 1,000 grid points (2,000 states) the sparse Jacobian is at least 50x faster than
dense ``jacfwd`` and equal to it entry by entry. Detection and colouring happen once per input
shape (``setup``, and ``BrusselatorSparsity`` times them on their own).

    python -m benchmarks.bench_sparse [grid points ...]    (from the repository root)
"""
import sys

import numpy as np

import dualad as ad
import dualad.numpy as dnp

from .common import heavy
from .measure import median_time
from .workloads import brusselator

GRID_POINTS = [100, 250, 500, 1000, 2000]


def rhs(y):
    return brusselator(dnp, y)


def state(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(0.5, 1.5, n), rng.uniform(2.5, 3.5, n)])


def jacobians(n):
    """``(y, sparse, dense)``: the state and both Jacobian functions, detection already done."""
    y = state(n)
    sparse = ad.sparse_jacobian(rhs)
    sparse(y)
    return y, sparse, ad.jacfwd(rhs)


@heavy
class BrusselatorSparseJacobian:
    """One Jacobian of the right-hand side, sparse (coloured) or dense."""

    params = [GRID_POINTS, ["sparse", "dense"]]
    param_names = ["grid_points", "jacobian"]
    timeout = 600

    def setup(self, n, kind):
        self.y, sparse, dense = jacobians(n)
        self.jac = sparse if kind == "sparse" else dense

    def time_jacobian(self, n, kind):
        self.jac(self.y)

    def peakmem_jacobian(self, n, kind):
        self.jac(self.y)


@heavy
class BrusselatorSparsity:
    """The one-off cost: detection alone, and detection plus colouring (the plan)."""

    params = [GRID_POINTS]
    param_names = ["grid_points"]

    def setup(self, n):
        self.y = state(n)

    def time_detection(self, n):
        ad.jacobian_sparsity(rhs, self.y)

    def time_plan(self, n):
        ad.sparse_jacobian(rhs).plan(self.y)

    def track_colors(self, n):
        return ad.sparse_jacobian(rhs).plan(self.y).colors

    track_colors.unit = "directions"


@heavy
class BrusselatorSpeedup:
    """Dense time over sparse time, and the largest difference between the two Jacobians."""

    params = [GRID_POINTS]
    param_names = ["grid_points"]
    timeout = 600

    def setup(self, n):
        self.y, self.sparse, self.dense = jacobians(n)

    def track_speedup(self, n):
        return compare(n, self.y, self.sparse, self.dense)["speedup"]

    track_speedup.unit = "dense time / sparse time"

    def track_max_abs_difference(self, n):
        return float(np.max(np.abs(self.sparse(self.y).toarray() - self.dense(self.y))))

    track_max_abs_difference.unit = "absolute"


def compare(n, y, sparse, dense):
    """Median times of both Jacobians at ``y``, their ratio, and whether they are equal."""
    t_sparse = median_time(lambda: sparse(y), repeats=5, min_sample=0.05)
    t_dense = median_time(lambda: dense(y), repeats=3, min_sample=0.0)
    return {"n": n, "states": y.size, "colors": sparse.plan(y).colors, "sparse": t_sparse,
            "dense": t_dense, "speedup": t_dense / t_sparse,
            "equal": bool(np.array_equal(sparse(y).toarray(), dense(y)))}


def main(grid_points=(1000,)):
    print(f"{'N':>5s} {'states':>6s} {'colours':>7s} {'sparse [ms]':>11s} {'dense [ms]':>10s} "
          f"{'speed-up':>8s}  equal")
    for n in grid_points:
        r = compare(n, *jacobians(n))
        print(f"{r['n']:5d} {r['states']:6d} {r['colors']:7d} {1e3 * r['sparse']:11.3f} "
              f"{1e3 * r['dense']:10.1f} {r['speedup']:7.0f}x  {r['equal']}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or (1000,))
