"""``dualad.scipy`` families (issue 21), one workload each, gradient time beside the NumPy/SciPy
primal alone:

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
import numpy as np

import dualad as ad
import dualad.numpy as dnp
from dualad.scipy.integrate import odeint
from dualad.scipy.stats import norm

from .measure import median_time


# ---------------------------------------------------------------- Gaussian process, n = 500
def gp_data(n=500, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return x, np.sin(2.0 * x) + 0.1 * rng.standard_normal(n)


def gp_nll(log_params, x, y, xp=dnp):
    """Negative log marginal likelihood of ``y`` under a GP with an RBF kernel plus noise."""
    length, signal, noise = xp.exp(log_params[0]), xp.exp(log_params[1]), xp.exp(log_params[2])
    sq = (x[:, None] - x[None, :]) ** 2
    k = signal * xp.exp(-0.5 * sq / length ** 2) + (noise + 1e-8) * np.eye(len(x))
    chol = xp.linalg.cholesky(k)
    alpha = xp.linalg.solve(k, y)
    return (0.5 * xp.dot(y, alpha) + xp.sum(xp.log(xp.diagonal(chol)))
            + 0.5 * len(x) * np.log(2.0 * np.pi))


class GPMarginalLikelihoodGradient:
    """Gradient of the GP negative log marginal likelihood, n = 500."""

    params = [[500]]
    param_names = ["n"]
    timeout = 300

    def setup(self, n):
        self.x, self.y = gp_data(n)
        self.theta = np.log(np.array([0.8, 1.0, 0.05]))
        self.grad = ad.grad(gp_nll)

    def time_gradient(self, n):
        self.grad(self.theta, self.x, self.y)

    def time_numpy_primal(self, n):
        gp_nll(self.theta, self.x, self.y, xp=np)


# ---------------------------------------------------------------- norm.logpdf, 10^6 points
def norm_data(n=10 ** 6, seed=0):
    return np.random.default_rng(seed).standard_normal(n), 0.3, 1.7


def norm_loss(x, loc, scale):
    return dnp.sum(norm.logpdf(x, loc, scale))


def norm_numpy_primal(x, loc, scale):
    return np.sum(-0.5 * ((x - loc) / scale) ** 2 - np.log(scale) - 0.5 * np.log(2.0 * np.pi))


class NormLogpdfGradient:
    """Gradient of ``sum(norm.logpdf(x, loc, scale))`` over 10^6 points."""

    params = [[10 ** 6]]
    param_names = ["n"]
    timeout = 300

    def setup(self, n):
        self.args = norm_data(n)
        self.grad = ad.grad(norm_loss, argnums=(0, 1, 2))

    def time_gradient(self, n):
        self.grad(*self.args)

    def time_numpy_primal(self, n):
        norm_numpy_primal(*self.args)


# ---------------------------------------------------------------- odeint, 10 states
def ode_data(n=10, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)) / np.sqrt(n) - np.eye(n)   # stable
    return a, rng.standard_normal(n), np.linspace(0.0, 2.0, 10)


def linear(y, t, a):
    return dnp.dot(a, y)


def ode_loss(a, y0, t):
    return dnp.sum(odeint(linear, y0, t, a) ** 2)


class OdeintGradient:
    """Gradient of an ``odeint`` loss of a 10-state linear system in ``A`` and ``y0``."""

    params = [[10], ["adjoint", "forward"]]
    param_names = ["states", "method"]
    timeout = 300

    def setup(self, n, method):
        self.a, self.y0, self.t = ode_data(n)
        transform = ad.grad if method == "adjoint" else ad.jacfwd
        self.grad = transform(ode_loss, argnums=(0, 1))

    def time_gradient(self, n, method):
        self.grad(self.a, self.y0, self.t)

    def time_scipy_primal(self, n, method):
        import scipy.integrate
        scipy.integrate.odeint(lambda y, t: self.a @ y, self.y0, self.t, rtol=1.4e-8,
                               atol=1.4e-8)

    def time_dualad_value(self, n, method):
        ode_loss(self.a, self.y0, self.t)


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
