"""What every function of ``dualad.distributed`` does with the cluster: find the client, split
directions into chunks, and collect results whole or not at all (keeping functions and data on
the workers between calls is ``_kept``).

# Design: a call either returns the complete result or raises; results are assembled only
# after every task has finished. A worker that dies mid-task (killed, out of memory) is
# handled by Dask: the scheduler runs the task again elsewhere, up to the scheduler's
# ``distributed.scheduler.allowed-failures`` (3 by default) deaths per task, after which
# ``KilledWorker`` is raised here as a RuntimeError that says what happened and what to try.
"""
import math
import os
from numbers import Integral
from typing import NamedTuple

import distributed

from .._kernels import set_num_threads

# NOTE: task overhead. What one task costs beyond its computation: scheduling, a round trip
# to the worker, (de)serialising a small result. Measured by benchmarks/distributed_scaling.py
# on a LocalCluster (1 and 2 processes, 1 thread each, on a 2-core machine shared with other
# jobs): 64 one-column tasks take 5-11 ms of worker time each beyond one such task (7.7 ms on
# 1 worker, 23 ms on 2, at a load average of 5); a whole call for a 1-column Jacobian takes
# 20-50 ms, the lower figures on the less loaded runs.
# Chunks are made large enough that this stays under a tenth of a task's estimated compute.
TASK_OVERHEAD = 5e-3
MAX_OVERHEAD_SHARE = 0.1
# a chunk's estimated working set may take at most this share of a worker's memory limit
MAX_MEMORY_SHARE = 0.25
# NOTE: cache-sized chunks. A pass over k directions streams tangents of k times each
# primitive's result through memory; once they outgrow the cache the pass is bound by memory
# bandwidth, which the workers of one machine share. Measured on the benchmark's workload
# (2000 x 2000 dense layer, 60 elementwise layers, 2000 elements per primitive, 1 thread):
# the CPU time of all 2000 directions is 1.47 s in one pass of 2000, 1.41 s in chunks of 250
# (4 MB tangents) and 1.06-1.16 s in chunks of 64-125 (1-2 MB); below that the fixed cost of a
# pass takes over (1.28 s in chunks of 32). A chunk's mean tangent is kept to this size.
CACHE_BYTES = 2 << 20


def match_kernel_threads():
    """On a worker process started by a Dask nanny: dualad's kernels take the threads Dask gives
    OpenMP and BLAS there (``OMP_NUM_THREADS``, set by the nanny from
    ``distributed.nanny.pre-spawn-environ``, 1 by default), unless ``DUALAD_NUM_THREADS`` says
    otherwise. Each task calls it first; it acts once per process.

    Why: Dask's workers are its unit of parallelism, one per core, and the nanny holds BLAS to
    one thread for that reason; dualad's kernels otherwise take every core of the machine on
    large arrays, and N such workers on N cores run N x N threads (measured on the benchmark's
    2 workers on 2 cores, at a load average of 12: 2 kernel threads per worker made the
    2-worker call 0.88x as fast as the 1-worker one, against 1.10x with one thread). A worker
    without a nanny (``processes=False``: threads of the caller's process) is left alone.
    """
    global _kernel_threads_matched
    if _kernel_threads_matched:
        return
    _kernel_threads_matched = True
    if os.environ.get("DUALAD_NUM_THREADS") or getattr(distributed.get_worker(), "nanny",
                                                        None) is None:
        return
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) > 0:
        set_num_threads(int(threads))


_kernel_threads_matched = False


def resolve_client(client, fname):
    """``client``, or the current Dask client; a clear error when there is none."""
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError:
        raise ValueError(
            f"{fname}: no Dask client. Start one first (from dask.distributed import Client; "
            "client = Client() for a local cluster, Client('tcp://scheduler:8786') for an "
            "existing one) or pass client=") from None


class Resources:
    """The cluster as one request to the scheduler sees it: ``threads``, the number of worker
    threads (at least 1), and ``memory_limit``, the smallest worker memory limit in bytes
    (None: unlimited)."""

    def __init__(self, client):
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        self.threads = max(1, sum(w.get("nthreads", 1) for w in workers))
        limits = [w.get("memory_limit") or 0 for w in workers]
        self.memory_limit = min((m for m in limits if m > 0), default=None)


class DirectionCost(NamedTuple):
    """What one direction adds to a task, estimated from the mode selector's plan:
    ``seconds`` of compute, ``bytes`` of working set (all its tangents or cotangents), and
    ``op_bytes``, the bytes of one primitive's result (their mean); ``pass_seconds`` is the
    fixed cost of a pass, whatever its number of directions."""
    seconds: float
    bytes: int
    op_bytes: float
    pass_seconds: float


def choose_chunk(total, resources, chunk_size, cost=None, most=None):
    """The number of directions per task: ``chunk_size`` when given, else one chunk per worker
    thread, shrunk so that one primitive's result fits in a core's cache (NOTE: cache-sized
    chunks), enlarged so that a task's fixed costs stay small (NOTE: task overhead), and shrunk
    so that a chunk fits in a worker's memory and in ``most``; then evened out over a multiple
    of the threads. ``cost``: a ``DirectionCost``, None when unknown."""
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, Integral) \
                or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        return int(chunk_size)
    chunk = math.ceil(total / resources.threads)
    if cost is not None:
        chunk = min(chunk, max(1, int(CACHE_BYTES // max(cost.op_bytes, 1))))
        fixed = TASK_OVERHEAD + cost.pass_seconds
        chunk = max(chunk, math.ceil(fixed / (MAX_OVERHEAD_SHARE * cost.seconds)))
        if resources.memory_limit:
            chunk = min(chunk, int(MAX_MEMORY_SHARE * resources.memory_limit // cost.bytes))
    if most is not None:
        chunk = min(chunk, most)
    chunk = max(1, min(chunk, total))
    # equal chunks, as many as a multiple of the threads: no thread waits for a short chunk
    tasks = math.ceil(total / chunk)
    if tasks > 1:
        tasks = math.ceil(tasks / resources.threads) * resources.threads
    return max(1, math.ceil(total / tasks))


def chunk_bounds(total, chunk):
    """``[(start, stop), ...]`` covering ``range(total)``; one empty chunk when ``total`` is 0
    (the function still runs once, to give the output's structure)."""
    return [(start, min(total, start + chunk)) for start in range(0, max(total, 1), chunk)]


# NOTE: fetching as tasks finish. Waiting for every task and then gathering the results left
# the whole Jacobian's transfer (and on a LocalCluster its hop through the scheduler, in the
# caller's process) after the last task: on the benchmark's 32 MB Jacobian (16 blocks, 1 and
# 2 workers on the shared 2-core machine, load average 9-13) 0.08-0.47 s from the last task's
# end to the return. Fetching each block when its task ends (as_completed, in the client's
# event loop) leaves only the last block after it: 0.014-0.12 s in the same runs (alternating
# calls). Dask's route (through the scheduler unless the client asks for direct transfers) is
# kept: a client need not reach the workers.
def collect(client, futures, fname, timeout=None, task_bytes=None, resources=None):
    """The results of ``futures`` in order, once all have finished.

    Each result is fetched as soon as its task finishes, while the others still run (NOTE:
    fetching as tasks finish); they are returned together, only when all have arrived.
    ``timeout`` (seconds) bounds the wait: past it the tasks are cancelled and a TimeoutError
    raised. A task whose workers kept dying raises a RuntimeError naming the memory limit
    (``task_bytes`` is the estimated working set of one task, for the message; ``resources``
    the cluster's ``Resources`` if known). Either way no partial result is returned.
    """
    # asked now: workers restarting after a crash do not report their limit
    limit = (resources or Resources(client)).memory_limit
    results = {}
    try:
        # the client's own loop: as_completed would take the default client's
        for future, result in distributed.as_completed(futures, with_results=True,
                                                       timeout=timeout, loop=client.loop):
            if future.status != "finished":   # cancelled (errors raise here already)
                future.result()
            results[future.key] = result
    except TimeoutError:
        client.cancel(futures)
        raise TimeoutError(
            f"{fname}: {len(results)} of {len(futures)} tasks finished within timeout={timeout} "
            "s; the unfinished ones were cancelled and no partial result is returned. Raise "
            "timeout, or add workers") from None
    except distributed.KilledWorker as exc:
        client.cancel(futures)
        need = (f"; one task's working set is estimated at {_size(task_bytes)}"
                if task_bytes else "")
        memory = (f"Each worker has a memory limit of {_size(limit)}{need}; a worker that runs "
                  "past it is restarted by its nanny, which looks the same. "
                  if limit else "")
        raise RuntimeError(
            f"{fname}: a task was lost with its worker each time it ran ({exc}); no partial "
            f"result is returned. {memory}Try a smaller chunk_size, more memory per worker, or "
            "look at the workers' logs for the cause") from exc
    except BaseException:
        client.cancel(futures)   # another task's error: the rest would run for nothing
        raise
    return [results[future.key] for future in futures]


def _size(n):
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
