"""Fitting an ODE model's parameters with gradients spread over a Dask cluster.

The Lotka-Volterra predator-prey model,

    prey'     =  a prey - b prey pred
    predator' = -c pred + d prey pred,

is observed in many experiments (different initial populations, noisy samples). The loss, the
mean squared error of the simulated trajectories, is written once with ``dualad.numpy`` (a
hand-written RK4 over a batch of experiments). The experiments are split into shards that stay
on the workers; ``dualad.distributed.value_and_grad`` gives the loss and its gradient with
respect to the (log-)parameters, each shard's part computed where the shard lives and summed by
a tree, and SciPy's L-BFGS-B takes the steps. Only the 4 parameters travel each step.

    python examples/distributed_ode_fit.py                       # a local cluster, 2 workers
    python examples/distributed_ode_fit.py tcp://scheduler:8786  # an existing cluster
"""
import sys
import time

import numpy as np
from scipy.optimize import minimize

import dualad as ad
import dualad.distributed as dd
import dualad.numpy as dnp

TRUE_PARAMS = np.array([1.1, 0.4, 0.9, 0.3])
START = np.array([0.8, 0.6, 1.2, 0.2])
T_END, SAMPLES, SUBSTEPS = 10.0, 40, 2


def simulate(log_params, initial):
    """Populations at the sample times, shape ``(experiments, SAMPLES, 2)``, by RK4 from
    ``initial`` (shape ``(experiments, 2)``)."""
    a, b, c, d = (dnp.exp(log_params[i]) for i in range(4))

    def rate(state):
        prey, pred = state[:, 0], state[:, 1]
        return dnp.stack([a * prey - b * prey * pred, -c * pred + d * prey * pred], axis=1)

    h = T_END / (SAMPLES * SUBSTEPS)
    state, samples = initial, []
    for _ in range(SAMPLES):
        for _ in range(SUBSTEPS):
            k1 = rate(state)
            k2 = rate(state + 0.5 * h * k1)
            k3 = rate(state + 0.5 * h * k2)
            k4 = rate(state + h * k3)
            state = state + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        samples.append(state)
    return dnp.stack(samples, axis=1)


def shard_loss(log_params, shard):
    """Mean squared error over one shard's experiments (equal shards: their mean is the
    full-data mean)."""
    initial, observed = shard
    residual = simulate(log_params, initial) - observed
    return dnp.mean(residual * residual)


def make_shards(experiments=32, shards=4, noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    initial = rng.uniform(0.5, 2.5, size=(experiments, 2))
    clean = np.asarray(simulate(np.log(TRUE_PARAMS), initial))
    observed = clean + noise * rng.standard_normal(clean.shape)
    size = experiments // shards
    return [(initial[i:i + size], observed[i:i + size]) for i in range(0, experiments, size)]


def fit(client, shards, start=START, maxiter=200):
    """L-BFGS-B on the log-parameters with the data-parallel gradient; returns SciPy's result
    with the fitted parameters in ``params``."""
    value_and_grad = dd.value_and_grad(shard_loss, client=client, reduce="mean")

    def objective(log_params):
        value, grad = value_and_grad(log_params, shards)   # shards sent on the first call
        return float(value), np.asarray(grad)

    result = minimize(objective, np.log(start), jac=True, method="L-BFGS-B",
                      options={"maxiter": maxiter})
    result.params = np.exp(result.x)
    return result


def main(address=None):
    from dask.distributed import Client, LocalCluster

    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        address = cluster
    with Client(address) as client:
        shards = make_shards()
        start = time.perf_counter()
        result = fit(client, shards)
        seconds = time.perf_counter() - start
        # the same gradient in one process, for comparison
        full = (np.concatenate([s[0] for s in shards]), np.concatenate([s[1] for s in shards]))
        _, local = ad.value_and_grad(shard_loss)(result.x, full)
        _, spread = dd.value_and_grad(shard_loss, client=client, reduce="mean")(result.x, shards)
        print(f"workers: {len(client.nthreads())}, shards: {len(shards)}")
        print(f"fitted  a, b, c, d = {np.array2string(result.params, precision=4)}")
        print(f"true    a, b, c, d = {np.array2string(TRUE_PARAMS, precision=4)}")
        print(f"loss {result.fun:.3e} after {result.nit} iterations, {result.nfev} gradient "
              f"evaluations, {seconds:.2f} s; distributed vs local gradient: max difference "
              f"{np.abs(spread - local).max():.1e}")
    if cluster is not None:
        cluster.close()


if __name__ == "__main__":
    main(*sys.argv[1:2])
