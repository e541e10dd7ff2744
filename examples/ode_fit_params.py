"""Fitting an ODE model's rates with odeint and L-BFGS-B
=====================================================

Fitting the four rates of a Lotka-Volterra predator-prey model to noisy observations, with
gradients through ``dualad.scipy.integrate.odeint`` and SciPy's L-BFGS-B.

    prey'     =  alpha prey - beta prey pred
    predator' = -gamma pred + delta prey pred

The loss is the squared error between ``odeint``'s trajectory and the data, in log-rates (which
keeps the rates positive). ``ad.value_and_grad`` gives its gradient by the adjoint method: one
backward solve, whatever the number of parameters. The fit is printed beside the true rates.

    python examples/ode_fit_params.py [number of observations]
"""
import sys
import time

import numpy as np
from scipy.optimize import minimize

import dualad as ad
import dualad.numpy as dnp
from dualad.scipy.integrate import odeint

TRUE_RATES = np.array([1.0, 0.6, 1.5, 0.8])   # alpha, beta, gamma, delta
Y0 = np.array([1.5, 1.0])
START = np.log(np.array([0.7, 0.4, 1.0, 0.5]))
TOLERANCES = dict(rtol=1e-7, atol=1e-9)


def predator_prey(y, t, rates):
    prey, pred = y[0], y[1]
    alpha, beta, gamma, delta = rates[0], rates[1], rates[2], rates[3]
    return dnp.stack([alpha * prey - beta * prey * pred, -gamma * pred + delta * prey * pred])


def make_data(n_obs=12, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 6.0, n_obs)
    clean = odeint(predator_prey, Y0, t, TRUE_RATES, **TOLERANCES)
    return t, clean + noise * rng.standard_normal(clean.shape)


def loss(log_rates, t, data):
    trajectory = odeint(predator_prey, Y0, t, dnp.exp(log_rates), **TOLERANCES)
    return dnp.sum((trajectory - data) ** 2)


def fit(t, data):
    """``(rates, scipy result)`` from L-BFGS-B with dualad's exact gradient."""
    value_and_grad = ad.value_and_grad(loss)
    result = minimize(lambda p: value_and_grad(p, t, data), START, jac=True, method="L-BFGS-B")
    return np.exp(result.x), result


def main(n_obs=12):
    t, data = make_data(n_obs)
    start = time.perf_counter()
    rates, result = fit(t, data)
    seconds = time.perf_counter() - start
    print(f"L-BFGS-B: {result.nit} iterations, {result.nfev} loss+gradient evaluations, "
          f"{seconds:.2f} s, final loss {result.fun:.4g}")
    for name, true, found in zip(("alpha", "beta", "gamma", "delta"), TRUE_RATES, rates):
        print(f"  {name:5s} true {true:.3f}  fitted {found:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
