"""dualad.distributed on a LocalCluster: the cost of one task, and a dense Jacobian with 2,000
inputs on 1 and 2 workers (one thread each) against ``ad.jacobian`` in this process.

    python benchmarks/distributed_scaling.py [n [layers [rounds]]]

Both clusters run side by side and the calls alternate between them, round after round, so
that a change in the machine's load falls on both; each round prints the load average. Per
call it reports the wall time, the caller's share (pickling and hashing the function to see
whether the workers still hold it, waiting, assembling), and the CPU time each worker spent:
the ratio of the 1-worker CPU time to the busiest of the 2 workers' (or to their mean: tasks
go to whichever worker is free, so on a loaded machine the less disturbed one takes more) is
what 2 workers give when each has a core of its own, whatever else the machine runs.

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

LAYERS = 60   # ~1.3-2 s for the local Jacobian at n = 2000 on this project's machines (issue 18)


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


def _cpu_seconds():
    return time.process_time()


class Caller:
    """Seconds the caller spends in each step of ``dualad.distributed.jacobian``, by wrapping
    the module's functions (keep: pickling and hashing the function and arguments, and sending
    them when they changed; collect: waiting for and receiving the blocks; assemble)."""

    def __init__(self):
        from dualad.distributed import _kept, dense
        self.seconds = {}
        for name, owner, attr in (("keep", _kept.Kept, "ref"),
                                  ("collect", dense, "collect"),
                                  ("assemble", dense, "assemble_forward")):
            setattr(owner, attr, self._timed(name, getattr(owner, attr)))

    def _timed(self, name, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        return timed


def timed_call(client, jac, x, caller):
    """``(wall seconds, caller's seconds per step, CPU seconds per worker, the workers'
    seconds per action and task)``."""
    from dask.distributed import get_task_stream
    caller.seconds.clear()
    before = client.run(_cpu_seconds)
    with get_task_stream(client) as stream:
        start = time.perf_counter()
        jac(x)
        wall = time.perf_counter() - start
    after = client.run(_cpu_seconds)
    cpu = sorted((after[w] - before[w] for w in before), reverse=True)
    actions = {}   # what the workers did, from the task stream: compute, transfer, ...
    for task in stream.data:
        for step in task["startstops"]:
            actions.setdefault(step["action"], []).append(step["stop"] - step["start"])
    return wall, dict(caller.seconds), cpu, actions


def main(n=2000, layers=LAYERS, rounds=5):
    from dask.distributed import Client, LocalCluster

    import dualad.distributed as dd

    caller = Caller()
    workload, x = make_workload(n, layers)
    local = seconds(lambda: ad.jacobian(workload)(x))
    plan = ad.plan_jacobian(workload, x)
    print(f"n = {n}, {layers} layers: {plan.mode} mode; local ad.jacobian {local:.3f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    tiny = np.array([0.5])
    wide = np.linspace(0.0, 1.0, 64)
    tiny_local = seconds(lambda: ad.jacobian(dnp.sin)(tiny), repeats=20)
    clusters = {w: LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                dashboard_address=None) for w in (1, 2)}
    clients = {w: Client(c, set_as_default=False) for w, c in clusters.items()}
    try:
        jacobians = {}
        for w, client in clients.items():
            # the machine's own parallelism: the same burn on every worker at once (1.0: each
            # worker has a core to itself; 2.0 on 2 workers: they share one)
            alone = burn()
            together = statistics.mean(client.run(burn).values())
            one_column = dd.jacobian(dnp.sin, client=client, chunk_size=1)
            columns = dd.jacobian(dnp.sin, mode="forward", client=client, chunk_size=1)
            one = seconds(lambda: one_column(tiny), repeats=20)
            many = seconds(lambda: columns(wide), repeats=5)
            print(f"{w} worker(s): the same NumPy work on every worker at once takes "
                  f"{together / alone:.2f}x as long as in this process alone; a 1-column "
                  f"Jacobian {one * 1e3:.1f} ms (local {tiny_local * 1e3:.3f} ms); 64 one-column "
                  f"tasks {many * 1e3:.1f} ms, {(many - one) / 63 * 1e3 * w:.2f} ms of worker "
                  "time per extra task")
            jacobians[w] = jac = dd.jacobian(workload, client=client)
            start = time.perf_counter()
            np.testing.assert_allclose(jac(x), ad.jacobian(workload)(x), rtol=1e-12,
                                       atol=1e-12)
            print(f"{w} worker(s): first call (sends the function) "
                  f"{time.perf_counter() - start:.3f} s")
        walls, cpus = {1: [], 2: []}, {1: [], 2: []}
        for r in range(rounds):
            for w in (1, 2):
                wall, steps, cpu, actions = timed_call(clients[w], jacobians[w], x, caller)
                walls[w].append(wall)
                cpus[w].append(cpu)
                print(f"round {r} {w} worker(s): {wall:.3f} s, load average "
                      f"{os.getloadavg()[0]:.1f}; caller " + ", ".join(
                          f"{k} {v:.3f} s" for k, v in steps.items())
                      + "; workers " + ", ".join(f"{k} {len(v)} x {statistics.mean(v):.3f} s"
                                                 for k, v in actions.items())
                      + "; worker CPU " + ", ".join(f"{c:.3f}" for c in cpu) + " s")
        wall_ratio = statistics.median(a / b for a, b in zip(walls[1], walls[2]))
        busiest = statistics.median(a[0] / b[0] for a, b in zip(cpus[1], cpus[2]))
        mean = statistics.median(2 * a[0] / sum(b) for a, b in zip(cpus[1], cpus[2]))
        print(f"median wall: 1 worker {statistics.median(walls[1]):.3f} s, 2 workers "
              f"{statistics.median(walls[2]):.3f} s; 2 workers vs 1: {wall_ratio:.2f}x "
              f"(median of the rounds' ratios). Compute only, 1-worker CPU time over the "
              f"busiest of 2 workers': {busiest:.2f}x; over their mean: {mean:.2f}x")
    finally:
        for w in clients:
            clients[w].close()
            clusters[w].close()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
