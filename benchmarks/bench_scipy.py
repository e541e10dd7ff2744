"""``dualad.scipy`` families (issue 21), one workload each, gradient time beside the NumPy/SciPy
primal alone; the workloads (GP, NORM, ODE) are written once in ``scipy_workloads.py``, which
``compare_peers.py`` runs on the peers:

- linear algebra: the negative log marginal likelihood of a Gaussian process (RBF kernel,
  n = 500 points) through ``dnp.linalg.cholesky`` and ``dnp.linalg.solve``, gradient in the
  three log hyperparameters;
- distributions: ``sum(norm.logpdf(x, loc, scale))`` over 10^6 points, gradient in ``x``,
  ``loc`` and ``scale`` (the primal: the same formula in NumPy);
- ODEs: ``odeint`` of a 10-state linear system ``y' = A y`` at 10 output times, gradient of the
  squared trajectory in ``A`` and ``y0`` (110 inputs) by the adjoint method (``ad.grad``) and by
  forward sensitivities (``ad.jacfwd``).

    python -m benchmarks.bench_scipy        (from the repository root; prints median times)
"""
import functools

import numpy as np

import dualad as ad
import dualad.numpy as dnp

from .measure import median_time
from .scipy_workloads import (GP_LOG_PARAMS, gp_data, gp_nll, linear_rhs, norm_data,
                              norm_logpdf_sum, ode_data, ode_loss, scipy_of)


class GPMarginalLikelihoodGradient:
    """Gradient of the GP negative log marginal likelihood, n = 500."""

    params = [[500]]
    param_names = ["n"]
    timeout = 300

    def setup(self, n):
        self.x, self.y = gp_data(n)
        self.theta = GP_LOG_PARAMS
        self.grad = ad.grad(functools.partial(gp_nll, dnp))

    def time_gradient(self, n):
        self.grad(self.theta, self.x, self.y)

    def time_numpy_primal(self, n):
        gp_nll(np, self.theta, self.x, self.y)


class NormLogpdfGradient:
    """Gradient of ``sum(norm.logpdf(x, loc, scale))`` over 10^6 points."""

    params = [[10 ** 6]]
    param_names = ["n"]
    timeout = 300

    def setup(self, n):
        self.args = norm_data(n)
        self.grad = ad.grad(functools.partial(norm_logpdf_sum, dnp))

    def time_gradient(self, n):
        self.grad(self.args)

    def time_numpy_primal(self, n):
        norm_logpdf_sum(np, self.args)


class OdeintGradient:
    """Gradient of an ``odeint`` loss of a 10-state linear system in ``A`` and ``y0``."""

    params = [[10], ["adjoint", "forward"]]
    param_names = ["states", "method"]
    timeout = 300

    def setup(self, n, method):
        self.params, self.t = ode_data(n)
        transform = ad.grad if method == "adjoint" else ad.jacfwd
        self.grad = transform(functools.partial(ode_loss, dnp))

    def time_gradient(self, n, method):
        self.grad(self.params, self.t)

    def time_scipy_primal(self, n, method):
        a, y0 = self.params
        scipy_of(np).odeint(linear_rhs, y0, self.t, a)   # SciPy's default tolerances, as dualad

    def time_dualad_value(self, n, method):
        ode_loss(dnp, self.params, self.t)


def main():
    rows = []
    gp = GPMarginalLikelihoodGradient()
    gp.setup(500)
    rows.append(("GP NLL gradient, n = 500", median_time(lambda: gp.time_gradient(500), 3, 0),
                 median_time(lambda: gp.time_numpy_primal(500), 3, 0)))
    nm = NormLogpdfGradient()
    nm.setup(10 ** 6)
    rows.append(("norm.logpdf sum gradient, 10^6", median_time(lambda: nm.time_gradient(0), 3, 0),
                 median_time(lambda: nm.time_numpy_primal(0), 3, 0)))
    for method in ("adjoint", "forward"):
        od = OdeintGradient()
        od.setup(10, method)
        rows.append((f"odeint gradient, 10 states ({method})",
                     median_time(lambda: od.time_gradient(10, method), 3, 0),
                     median_time(lambda: od.time_scipy_primal(10, method), 3, 0)))
        if method == "adjoint":
            rows.append(("odeint value alone, 10 states (dualad)",
                         median_time(lambda: od.time_dualad_value(10, method), 3, 0),
                         rows[-1][2]))
    print(f"{'workload':40s} {'gradient [ms]':>13s} {'primal [ms]':>11s} {'ratio':>7s}")
    for name, grad_time, primal_time in rows:
        print(f"{name:40s} {1e3 * grad_time:13.2f} {1e3 * primal_time:11.2f} "
              f"{grad_time / primal_time:7.1f}")


if __name__ == "__main__":
    main()
