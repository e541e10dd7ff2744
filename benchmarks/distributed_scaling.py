"""dualad.distributed on a LocalCluster: the cost of one task, and a dense Jacobian with 2,000
inputs on 1 and 2 workers (one thread each) against ``ad.jacobian`` in this process.

    python benchmarks/distributed_scaling.py [n [layers [rounds [calls]]]] [--slow-monitors]

Each round starts a fresh ``LocalCluster(processes=True)`` of 1 worker, then one of 2 workers
(the order alternates from round to round), one thread each; on each it makes one call that
is not timed (it imports dualad on the workers and sends the function: setup, excluded from
both configurations alike), then times ``calls`` calls (their median), and closes the
cluster, so that only the cluster measured runs. Each round prints the load average; per
call the wall time, the caller's share (pickling and fingerprinting the function to see
whether the workers still hold it, waiting, assembling), the tail (from the last task's end to
the call's return), the CPU time of each worker and of this process (the caller, with the
scheduler and the nannies of a LocalCluster). The CPU-time ratio (1-worker CPU over the
busiest of 2 workers') is what 2 workers give when each has a core of its own, whatever else
the machine runs.

``--slow-monitors`` runs Dask's periodic monitors less often in both configurations (see
``SLOW_MONITORS``): on a 2-core machine the scheduler's and the nannies' system and memory
monitors, in this process, take their CPU from the 2 workers' cores, not from a spare one.

BLAS and dualad's own kernels are held to one thread everywhere: in this process for the
local baseline, and on the workers by Dask's nanny (``distributed.nanny.pre-spawn-environ``,
which dualad's kernels follow there); the script prints what each worker runs with. Not part
of the asv suite: it starts its own clusters.
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

# Dask's periodic monitors (defaults: 0.5 s, 0.1 s and 20 ms), each a few ms of the caller's
# process and of every worker's; idle, a 2-worker LocalCluster takes 50 ms of CPU per second
# in this process and 33 ms in each worker (measured on the shared development machine)
SLOW_MONITORS = {"distributed.admin.system-monitor.interval": "5s",
                 "distributed.worker.memory.monitor-interval": "1s",
                 "distributed.admin.tick.interval": "1s"}
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


def _scheduler_delay(dask_worker):
    return dask_worker.scheduler_delay


class Caller:
    """Seconds the caller spends in each step of ``dualad.distributed.jacobian``, by wrapping
    the module's functions (keep: pickling and fingerprinting the function and arguments, sending
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


def worker_threads():
    """On a worker: its BLAS threads (threadpoolctl's count, when installed) and its dualad
    kernel threads, after what a task does first."""
    from dualad._kernels import set_num_threads
    from dualad.distributed._cluster import match_kernel_threads
    match_kernel_threads()
    kernels = set_num_threads(1)
    set_num_threads(kernels)
    try:
        from threadpoolctl import threadpool_info
        blas = sum(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    except ImportError:
        blas = None
    return blas, kernels


def timed_call(client, jac, x, caller):
    """What one call costs, as a dict: ``wall`` seconds; ``steps``, the caller's seconds per
    step; ``cpu``, CPU seconds per worker (busiest first) and ``own``, this process's; the
    call's timeline from the task stream: ``before`` (from the call to the first task's
    start), ``idle`` (per worker, the seconds between its first task's start and its last's
    end that it did not compute), ``straggler`` (from the first worker's last task end to
    the last one's) and ``tail`` (from the last task's end to the return); ``actions``, the
    workers' seconds per action and task."""
    from dask.distributed import get_task_stream
    caller.seconds.clear()
    before = client.run(_cpu_seconds)
    # the task stream's times are the workers' clocks moved by their estimate of the
    # scheduler's offset, off by tens of ms on a loaded machine; one machine has one clock
    delay = client.run(_scheduler_delay)
    with get_task_stream(client) as stream:
        own = time.process_time()
        start, start_clock = time.perf_counter(), time.time()
        jac(x)
        wall, end_clock = time.perf_counter() - start, time.time()
        own = time.process_time() - own
    after = client.run(_cpu_seconds)
    actions, spans = {}, {}   # what the workers did, from the task stream: compute, transfer
    for task in stream.data:
        for step in task["startstops"]:
            actions.setdefault(step["action"], []).append(step["stop"] - step["start"])
            if step["action"] == "compute":
                shift = delay[task["worker"]]
                first, last, busy = spans.get(task["worker"], (float("inf"), 0.0, 0.0))
                spans[task["worker"]] = (min(first, step["start"] - shift),
                                         max(last, step["stop"] - shift),
                                         busy + step["stop"] - step["start"])
    ends = [last for _, last, _ in spans.values()]
    return dict(wall=wall, steps=dict(caller.seconds), own=own,
                cpu=sorted((after[w] - before[w] for w in before), reverse=True),
                before=min(first for first, _, _ in spans.values()) - start_clock,
                idle=sorted((last - first - busy for first, last, busy in spans.values()),
                            reverse=True),
                straggler=max(ends) - min(ends), tail=end_clock - max(ends), actions=actions)


def start_cluster(workers, config=None):
    import dask
    from dask.distributed import Client, LocalCluster
    with dask.config.set(config or {}):   # read by the scheduler, the nannies and the workers
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return cluster, Client(cluster, set_as_default=False)


def task_overhead(client, tiny, wide, tiny_local, workers):
    import dualad.distributed as dd
    # the machine's own parallelism: the same burn on every worker at once (1.0: each worker
    # has a core to itself; 2.0 on 2 workers: they share one)
    alone = burn()
    together = statistics.mean(client.run(burn).values())
    one_column = dd.jacobian(dnp.sin, client=client, chunk_size=1)
    columns = dd.jacobian(dnp.sin, mode="forward", client=client, chunk_size=1)
    one = seconds(lambda: one_column(tiny), repeats=20)
    many = seconds(lambda: columns(wide), repeats=5)
    print(f"{workers} worker(s): the same NumPy work on every worker at once takes "
          f"{together / alone:.2f}x as long as in this process alone; a 1-column Jacobian "
          f"{one * 1e3:.1f} ms (local {tiny_local * 1e3:.3f} ms); 64 one-column tasks "
          f"{many * 1e3:.1f} ms, {(many - one) / 63 * 1e3 * workers:.2f} ms of worker time "
          "per extra task", flush=True)


def main(n=2000, layers=LAYERS, rounds=7, calls=3, config=None):
    import dualad.distributed as dd

    caller = Caller()
    workload, x = make_workload(n, layers)
    expected = ad.jacobian(workload)(x)
    local = seconds(lambda: ad.jacobian(workload)(x))
    plan = ad.plan_jacobian(workload, x)
    print(f"n = {n}, {layers} layers: {plan.mode} mode; local ad.jacobian {local:.3f} s; "
          f"load average {os.getloadavg()[0]:.1f}; Dask's monitors: "
          f"{config or 'default intervals'}", flush=True)
    tiny = np.array([0.5])
    wide = np.linspace(0.0, 1.0, 64)
    tiny_local = seconds(lambda: ad.jacobian(dnp.sin)(tiny), repeats=20)
    walls, cpus = {1: [], 2: []}, {1: [], 2: []}
    for r in range(rounds):
        for w in ((1, 2) if r % 2 == 0 else (2, 1)):
            cluster, client = start_cluster(w, config)
            try:
                if r == 0:
                    print(f"{w} worker(s): (BLAS, dualad kernel) threads per worker "
                          f"{sorted(client.run(worker_threads).values())}", flush=True)
                    task_overhead(client, tiny, wide, tiny_local, w)
                jac = dd.jacobian(workload, client=client)
                start = time.perf_counter()
                np.testing.assert_allclose(jac(x), expected, rtol=1e-12, atol=1e-12)
                setup = time.perf_counter() - start
                timed = [timed_call(client, jac, x, caller) for _ in range(calls)]
            finally:
                client.close()
                cluster.close()
            call = sorted(timed, key=lambda t: t["wall"])[calls // 2]   # the median call
            walls[w].append(call["wall"])
            cpus[w].append(call["cpu"])
            print(f"round {r} {w} worker(s): {call['wall']:.3f} s (calls " + ", ".join(
                f"{t['wall']:.3f}" for t in timed) + f"; first call {setup:.1f} s), load "
                f"average {os.getloadavg()[0]:.1f}; caller " + ", ".join(
                f"{k} {v:.3f} s" for k, v in call["steps"].items())
                + f", CPU {call['own']:.3f} s; before the first task {call['before']:.3f} s, "
                "idle " + ", ".join(f"{i:.3f}" for i in call["idle"])
                + f" s, straggler {call['straggler']:.3f} s, tail {call['tail']:.3f} s; "
                "workers " + ", ".join(f"{k} {len(v)} x {statistics.mean(v):.3f} s"
                                       for k, v in call["actions"].items())
                + "; worker CPU " + ", ".join(f"{c:.3f}" for c in call["cpu"]) + " s",
                flush=True)
    ratios = [a / b for a, b in zip(walls[1], walls[2])]
    busiest = statistics.median(a[0] / b[0] for a, b in zip(cpus[1], cpus[2]))
    mean = statistics.median(2 * a[0] / sum(b) for a, b in zip(cpus[1], cpus[2]))
    print(f"median wall: 1 worker {statistics.median(walls[1]):.3f} s, 2 workers "
          f"{statistics.median(walls[2]):.3f} s; 2 workers vs 1: "
          f"{statistics.median(ratios):.2f}x (median of the rounds' ratios: "
          + ", ".join(f"{q:.2f}" for q in ratios) + "). Compute only, 1-worker CPU time over "
          f"the busiest of 2 workers': {busiest:.2f}x; over their mean: {mean:.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:] if a != "--slow-monitors"),
         config=SLOW_MONITORS if "--slow-monitors" in sys.argv else None)
