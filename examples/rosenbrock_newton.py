"""Newton's method on the Rosenbrock function
==========================================

Newton-type minimisation of the extended Rosenbrock function with dualad's derivatives.

    f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2,    minimum f(1, ..., 1) = 0

(the chained form SciPy calls ``rosen``; its Hessian is tridiagonal). Four ways to give SciPy
second-order information, each beside the same run with finite differences:

- ``trust-exact`` with the dense Hessian ``ad.hessian`` (forward-over-reverse);
- ``trust-constr`` with ``ad.sparse_hessian``: detected tridiagonal, star-coloured, three
  Hessian-vector products in one batched pass, returned as a CSR matrix;
- ``Newton-CG`` with ``hessp`` from ``ad.hvp``, never forming the Hessian;
- SciPy's analytic ``rosen_der`` / ``rosen_hess`` / ``rosen_hess_prod`` as the reference.

    python examples/rosenbrock_newton.py [n]
"""
import sys

import numpy as np
from scipy.optimize import approx_fprime, minimize, rosen_der, rosen_hess, rosen_hess_prod
from solver_stats import timed

import dualad as ad
import dualad.numpy as dnp


def rosenbrock(x):
    return dnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def starting_point(n):
    """``x_i = 1 + cos(i) / 2``: from the classic ``(-1.2, 1, ...)`` the chained function leads
    Newton's method to its local minimum near ``x_0 = -1``."""
    return 1.0 + 0.5 * np.cos(np.arange(n))


def hvp(x, p):
    return ad.hvp(rosenbrock, (x,), (p,))[1]


def fd_hessian(x):
    """Forward differences of the (exact) gradient, one column per evaluation."""
    return approx_fprime(x, gradient, 1.5e-8)


gradient = ad.grad(rosenbrock)

# (method, derivative source) -> keyword arguments for ``minimize``
RUNS = {
    ("trust-exact", "dualad"): {"jac": gradient, "hess": ad.hessian(rosenbrock)},
    ("trust-exact", "analytic"): {"jac": rosen_der, "hess": rosen_hess},
    ("trust-exact", "FD Hessian"): {"jac": gradient, "hess": fd_hessian},
    ("trust-constr", "dualad sparse"): {"jac": gradient, "hess": ad.sparse_hessian(rosenbrock)},
    ("trust-constr", "analytic"): {"jac": rosen_der, "hess": rosen_hess},
    ("trust-constr", "FD Hessian"): {"jac": gradient, "hess": "2-point"},
    ("Newton-CG", "dualad hvp"): {"jac": gradient, "hessp": hvp},
    ("Newton-CG", "analytic"): {"jac": rosen_der, "hessp": rosen_hess_prod},
    ("Newton-CG", "FD hessp"): {"jac": gradient},
}


def run(method, n, tol=1e-10, **derivatives):
    """Minimise from the classic starting point; returns ``(result, statistics)``."""
    res, seconds = timed(minimize, rosenbrock, starting_point(n), method=method, tol=tol,
                         **derivatives)
    stats = {"nit": res.nit, "nfev": res.nfev, "njev": res.get("njev", 0),
             "nhev": res.get("nhev", 0), "time": seconds, "f": float(res.fun),
             "error": float(np.max(np.abs(res.x - 1.0)))}
    return res, stats


HEADER = "{:12s} {:14s} {:>5s} {:>5s} {:>5s} {:>5s} {:>9s} {:>10s} {:>10s}"
ROW = ("{:12s} {:14s} {nit:5d} {nfev:5d} {njev:5d} {nhev:5d} {time:9.3f} {f:10.2e} "
       "{error:10.2e}")


def main(n=200):
    print(f"Extended Rosenbrock, n = {n}")
    print(ad.sparse_hessian(rosenbrock).plan(starting_point(n)))
    print(HEADER.format("method", "derivatives", "nit", "nfev", "njev", "nhev", "time [s]",
                        "f(x*)", "|x* - 1|"))
    for (method, source), derivatives in RUNS.items():
        _, stats = run(method, n, **derivatives)
        print(ROW.format(method, source, **stats))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
