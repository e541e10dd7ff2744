"""Curve fitting with SciPy's least_squares
========================================

Nonlinear least squares with SciPy's ``least_squares`` and dualad's exact Jacobian.

A damped oscillation with an offset,

    y(t) = a exp(-b t) cos(c t + d) + e,

is fitted to noisy samples. The residual function is written once with ``dualad.numpy``;
``ad.jacobian`` (the mode selector picks forward mode: 5 parameters, hundreds of residuals)
gives ``jac=``. Each solver (trust-region reflective and Levenberg-Marquardt) is run with
dualad's Jacobian, the hand-written one and SciPy's finite differences.

    python examples/curve_fit.py [number of samples]
"""
import sys

import numpy as np
from scipy.optimize import least_squares
from solver_stats import Counted, timed

import dualad as ad
import dualad.numpy as dnp

TRUE_PARAMS = np.array([2.5, 0.3, 3.0, 0.5, 0.4])
START = np.array([1.0, 0.1, 2.8, 0.0, 0.0])


def make_data(n_samples=200, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 10.0, n_samples)
    return t, model(TRUE_PARAMS, t) + noise * rng.standard_normal(n_samples)


def model(p, t):
    a, b, c, d, e = p[0], p[1], p[2], p[3], p[4]
    return a * dnp.exp(-b * t) * dnp.cos(c * t + d) + e


def residuals(p, t, y):
    return model(p, t) - y


def analytic_jacobian(p, t, y):
    a, b, c, d, _ = p
    decay, phase = np.exp(-b * t), c * t + d
    return np.stack([decay * np.cos(phase), -a * t * decay * np.cos(phase),
                     -a * t * decay * np.sin(phase), -a * decay * np.sin(phase),
                     np.ones_like(t)], axis=1)


JACOBIANS = {"dualad": ad.jacobian(residuals), "analytic": analytic_jacobian,
             "finite diff.": "2-point"}


def fit(method, jac, t, y):
    """Fit from ``START``; returns ``(result, statistics)``. ``calls`` counts every evaluation
    of the residuals, finite differences included."""
    fun = Counted(residuals)
    res, seconds = timed(least_squares, fun, START, jac=jac, method=method, args=(t, y),
                         xtol=1e-12, ftol=1e-12, gtol=1e-12)
    return res, {"nfev": res.nfev, "calls": fun.calls, "njev": res.njev or 0, "time": seconds,
                 "cost": float(res.cost)}


HEADER = "{:4s} {:13s} {:>5s} {:>6s} {:>5s} {:>9s} {:>12s}  {}"
ROW = "{:4s} {:13s} {nfev:5d} {calls:6d} {njev:5d} {time:9.4f} {cost:12.8f}  {}"


def main(n_samples=200):
    t, y = make_data(n_samples)
    print(f"Damped oscillation, {n_samples} samples; true parameters {TRUE_PARAMS}")
    print(ad.plan_jacobian(residuals, START, t, y))
    print(HEADER.format("", "Jacobian", "nfev", "calls", "njev", "time [s]", "cost",
                        "parameters"))
    for method in ("trf", "lm"):
        for name, jac in JACOBIANS.items():
            res, stats = fit(method, jac, t, y)
            print(ROW.format(method, name, np.array2string(res.x, precision=5), **stats))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
