"""The ``dualad.scipy`` workloads of issue 21, their mathematics written once: the asv suite
(``bench_scipy.py``, dualad alone) and the peer comparison (``compare_peers.py``: GP, NORM and
ODE beside HIPS autograd, PyTorch and JAX) both import them from here.

- GP: the negative log marginal likelihood of a Gaussian process (RBF kernel plus noise, n = 500
  points) through ``linalg.cholesky`` and ``linalg.solve``, gradient in the three log
  hyperparameters;
- NORM: ``sum(norm.logpdf(x, loc, scale))`` over 10^6 points, gradient in ``x``, ``loc`` and
  ``scale``;
- ODE: ``odeint`` of a 10-state linear system ``y' = A y`` at 10 output times, gradient of the
  sum of the squared trajectory in ``A`` and ``y0`` (110 inputs).

# Design: as in ``workloads.py``, each function is written over an array namespace ``xp``, its
# first argument the one differentiated (a tuple where there are several inputs), the others
# data. What a library keeps outside its NumPy namespace (``scipy.stats.norm.logpdf``,
# ``odeint``) is looked up by ``scipy_of(xp)``, with JAX's ``odeint`` signature for all.
"""
import functools
from types import SimpleNamespace

import numpy as np

GP_LOG_PARAMS = np.log(np.array([0.8, 1.0, 0.05]))    # length scale, signal, noise


# -- GP: Gaussian process marginal likelihood ---------------------------------------------------
def gp_data(n=500, seed=0):
    """``(x, y)``: n sorted inputs in [-3, 3] and noisy ``sin(2 x)``."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return x, np.sin(2.0 * x) + 0.1 * rng.standard_normal(n)


def gp_nll(xp, log_params, x, y):
    """Negative log marginal likelihood of ``y`` under a GP with an RBF kernel plus noise."""
    length, signal, noise = xp.exp(log_params[0]), xp.exp(log_params[1]), xp.exp(log_params[2])
    sq = (x[:, None] - x[None, :]) ** 2
    k = signal * xp.exp(-0.5 * sq / length ** 2) + (noise + 1e-8) * xp.eye(len(x))
    chol = xp.linalg.cholesky(k)
    alpha = xp.linalg.solve(k, y)
    return (0.5 * xp.dot(y, alpha) + xp.sum(xp.log(xp.diag(chol)))
            + 0.5 * len(x) * np.log(2.0 * np.pi))


# -- NORM: norm.logpdf summed over 10^6 points --------------------------------------------------
def norm_data(n=10 ** 6, seed=0):
    """``(x, loc, scale)``: n standard normal points, loc 0.3, scale 1.7."""
    return np.random.default_rng(seed).standard_normal(n), 0.3, 1.7


def norm_logpdf_sum(xp, params):
    x, loc, scale = params
    return xp.sum(scipy_of(xp).norm_logpdf(x, loc, scale))


def norm_logpdf_numpy(x, loc, scale):
    """The formula in NumPy, the primal floor (SciPy's ``norm.logpdf`` adds argument checks)."""
    return -0.5 * ((x - loc) / scale) ** 2 - np.log(scale) - 0.5 * np.log(2.0 * np.pi)


# -- ODE: odeint of a linear system -------------------------------------------------------------
def ode_data(n=10, seed=0):
    """``((a, y0), t)``: a stable n x n matrix, an initial state, 10 times in [0, 2]."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)) / np.sqrt(n) - np.eye(n)   # stable
    return (a, rng.standard_normal(n)), np.linspace(0.0, 2.0, 10)


def linear_rhs(y, t, a):
    """``y' = A y`` (one module-level function: JAX caches its compiled solver by identity)."""
    return a @ y


def ode_loss(xp, params, t):
    a, y0 = params
    return xp.sum(scipy_of(xp).odeint(linear_rhs, y0, t, a) ** 2)


# -- where each library keeps these -------------------------------------------------------------
def scipy_of(xp):
    """``norm_logpdf(x, loc, scale)`` and ``odeint(func, y0, t, *args)`` (JAX's signature) of
    the library whose NumPy namespace is ``xp``: NumPy (SciPy), ``dualad.numpy``,
    ``autograd.numpy`` or ``jax.numpy``; an adapter namespace (compare_peers' PyTorch one)
    brings its own as ``xp.scipy_functions``."""
    own = getattr(xp, "scipy_functions", None)
    if own is not None:
        return own
    return _LIBRARIES[xp.__name__]()


@functools.cache
def _numpy():
    import scipy.integrate

    def odeint(func, y0, t, *args):
        return scipy.integrate.odeint(func, y0, t, args=args)
    return SimpleNamespace(norm_logpdf=norm_logpdf_numpy, odeint=odeint)


@functools.cache
def _dualad():
    from dualad.scipy.integrate import odeint
    from dualad.scipy.stats import norm
    return SimpleNamespace(norm_logpdf=norm.logpdf, odeint=odeint)


@functools.cache
def _autograd():
    from autograd.builtins import tuple as differentiable_tuple
    from autograd.scipy.integrate import odeint as autograd_odeint
    from autograd.scipy.stats import norm

    def odeint(func, y0, t, *args):
        # SciPy's signature, its ``args`` an autograd tuple (else they are not differentiated)
        return autograd_odeint(func, y0, t, differentiable_tuple(args))
    return SimpleNamespace(norm_logpdf=norm.logpdf, odeint=odeint)


@functools.cache
def _jax():
    from jax.experimental.ode import odeint
    from jax.scipy.stats import norm
    return SimpleNamespace(norm_logpdf=norm.logpdf, odeint=odeint)


_LIBRARIES = {"numpy": _numpy, "dualad.numpy": _dualad, "autograd.numpy": _autograd,
              "jax.numpy": _jax}
