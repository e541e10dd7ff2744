"""dualad.distributed on a LocalCluster: the cost of one task, and a dense Jacobian with 2,000
inputs on 1 and 2 workers (one thread each) against ``ad.jacobian`` in this process.

    python benchmarks/distributed_scaling.py [n [layers]]

BLAS and dualad's own kernels are held to one thread everywhere (workers, and this process for
the local baseline), so that a worker is one core. Not part of the asv suite: it starts its own
clusters.
"""
import os

if __name__ == "__main__":   # before NumPy loads; nothing changes when asv imports this module
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                 "DUALAD_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import dualad as ad  # noqa: E402
import dualad.numpy as dnp  # noqa: E402

LAYERS = 60   # ~2 s for the local Jacobian at n = 2000 on this project's machines (issue 18)


def make_workload(n, layers=LAYERS):
    """R^n -> R^n: a dense layer, then elementwise layers (so every direction costs work)."""
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(n, n)) / np.sqrt(n)

    def workload(x):
        h = dnp.tanh(weights @ x)
        for _ in range(layers):
            h = dnp.sin(h) * h + 0.1 * x
        return h

    return workload, rng.normal(size=n)


def seconds(run, repeats=3):
    run()   # warm-up: sizing pass, calibration, imports on the workers
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def burn():
    """A fixed NumPy computation (one core's worth), timed where it runs."""
    start = time.perf_counter()
    v = np.linspace(0.0, 1.0, 1 << 21)
    for _ in range(40):
        v = np.sin(v) * v
    return time.perf_counter() - start


def main(n=2000, layers=LAYERS):
    from dask.distributed import Client, LocalCluster

    import dualad.distributed as dd

    workload, x = make_workload(n, layers)
    local = seconds(lambda: ad.jacobian(workload)(x))
    plan = ad.plan_jacobian(workload, x)
    print(f"n = {n}, {layers} layers: {plan.mode} mode; local ad.jacobian {local:.3f} s")
    tiny = np.array([0.5])
    wide = np.linspace(0.0, 1.0, 64)
    tiny_local = seconds(lambda: ad.jacobian(dnp.sin)(tiny), repeats=20)
    results = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            one = seconds(lambda: dd.jacobian(dnp.sin, chunk_size=1)(tiny), repeats=20)
            many = seconds(lambda: dd.jacobian(dnp.sin, mode="forward", chunk_size=1)(wide),
                           repeats=5)
            dense = seconds(lambda: dd.jacobian(workload)(x))
            np.testing.assert_allclose(dd.jacobian(workload)(x), ad.jacobian(workload)(x),
                                       rtol=1e-12, atol=1e-12)
            results[workers] = dense
            # the machine's own parallelism: the same burn on every worker at once (1.0: each
            # worker has a core to itself; 2.0 on 2 workers: they share one)
            alone = burn()
            together = statistics.mean(client.run(burn).values())
            print(f"{workers} worker(s): the same NumPy work on every worker at once takes "
                  f"{together / alone:.2f}x as long as in this process alone")
            print(f"{workers} worker(s): a 1-column Jacobian {one * 1e3:.1f} ms (local "
                  f"{tiny_local * 1e3:.3f} ms); 64 one-column tasks {many * 1e3:.1f} ms, "
                  f"{(many - one) / 63 * 1e3 * workers:.2f} ms of worker time per extra task; "
                  f"n = {n} Jacobian {dense:.3f} s ({local / dense:.2f}x local)")
    print(f"2 workers vs 1: {results[1] / results[2]:.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
