"""dualad.distributed on a local Dask cluster (2 worker processes, 1 thread each): results equal
the local functions, transforms pickle, and lost workers or slow tasks never give a partial
result."""
import os
import pickle
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

import dask  # noqa: E402

import dualad as ad  # noqa: E402
import dualad.distributed as dd  # noqa: E402
import dualad.numpy as dnp  # noqa: E402
from dualad._core.tree import tree_flatten  # noqa: E402

# the workers need not import this test module: its functions travel by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

X = np.linspace(0.1, 1.2, 6).reshape(2, 3)
Y = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
Z = np.linspace(-0.7, 0.9, 9)


@pytest.fixture(scope="module")
def client():
    # one death per task is retried, the second raises: the fault tests stay quick
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def on_worker():
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def pytree_fn(x, y):
    return {"a": dnp.sin(x) * dnp.sum(y ** 2), "b": dnp.tanh(x @ y)}


def scalar_fn(z):
    return dnp.sum(dnp.sin(z) ** 3) * dnp.sum(z) + dnp.sum(z[1:] * z[:-1])


def banded_fn(z):
    return dnp.sin(z[1:]) * z[:-1] ** 2 - z[1:]


def chain_fn(z):
    return dnp.sum(dnp.cos(z[1:] * z[:-1])) + dnp.sum(z ** 4)


def assert_trees_close(a, b, rtol=1e-13, atol=1e-13):
    la, ta = tree_flatten(a)
    lb, tb = tree_flatten(b)
    assert ta == tb
    for u, v in zip(la, lb):
        assert np.shape(u) == np.shape(v)
        np.testing.assert_allclose(u, v, rtol=rtol, atol=atol)


# -- dense -------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("argnums", [0, (0, 1)])
@pytest.mark.parametrize("chunk_size", [None, 5])
def test_jacobian_equals_local(client, mode, argnums, chunk_size):
    got = dd.jacobian(pytree_fn, argnums, mode, client, chunk_size)(X, Y)
    assert_trees_close(got, ad.jacobian(pytree_fn, argnums, mode)(X, Y))


def test_the_selector_decides_once_on_the_caller(client, monkeypatch):
    from dualad.distributed import dense
    plans, modes = [], []
    plan, spread = dense.plan_jacobian, dense.spread
    monkeypatch.setattr(dense, "plan_jacobian", lambda *a, **k: plans.append(1) or plan(*a, **k))
    monkeypatch.setattr(dense, "spread", lambda *a: modes.append(a[3]) or spread(*a))
    wide = lambda z: dnp.sum(dnp.sin(z)) * z[:2]   # 2 outputs, 400 inputs  # noqa: E731
    z = np.linspace(0.0, 1.0, 400)
    jac = dd.jacobian(wide)                        # with the current (default) client
    for _ in range(2):
        np.testing.assert_allclose(jac(z), ad.jacrev(wide)(z), rtol=1e-14)
    assert plans == [1] and modes == [ad.plan_jacobian(wide, z).mode] * 2 == ["reverse"] * 2


def test_hessian_equals_local(client):
    np.testing.assert_allclose(dd.hessian(scalar_fn, chunk_size=2)(Z),
                               ad.hessian(scalar_fn)(Z), rtol=1e-13, atol=1e-14)
    def two(x, y):
        return dnp.sum(dnp.sin(x) @ y ** 2)
    assert_trees_close(dd.hessian(two, argnums=(0, 1), chunk_size=4)(X, Y),
                       ad.hessian(two, argnums=(0, 1))(X, Y))


def test_chunk_size_is_checked(client):
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        dd.jacobian(banded_fn, chunk_size=0)(Z)
    with pytest.raises(ValueError, match="unknown mode 'sideways'"):
        dd.jacobian(banded_fn, mode="sideways")


def test_no_client_is_a_clear_error(monkeypatch):
    def none():
        raise ValueError("No clients found")
    monkeypatch.setattr(distributed, "get_client", none)
    with pytest.raises(ValueError, match="no Dask client.*Client"):
        dd.jacobian(banded_fn)(Z)


def test_an_explicit_client_need_not_be_the_default(client, monkeypatch):
    # as with Client(..., set_as_default=False) and no other client
    monkeypatch.setattr(distributed.client, "_global_clients", {})
    with pytest.raises(ValueError, match="no Dask client"):
        dd.jacobian(banded_fn)(Z)
    np.testing.assert_allclose(dd.jacobian(banded_fn, client=client, chunk_size=3)(Z),
                               ad.jacobian(banded_fn)(Z), rtol=1e-15)


# -- sparse ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_sparse_jacobian_equals_local(client, mode):
    got = dd.sparse_jacobian(banded_fn, mode=mode, chunk_size=1)(Z)
    want = ad.sparse_jacobian(banded_fn, mode=mode)(Z)
    assert got.shape == want.shape and got.nnz == want.nnz
    np.testing.assert_array_equal(got.toarray(), want.toarray())
    assert dd.sparse_jacobian(banded_fn, mode=mode).plan(Z).colors >= 2   # several tasks ran


def test_sparse_hessian_equals_local(client):
    local = ad.sparse_hessian(chain_fn)
    got = dd.sparse_hessian(chain_fn, chunk_size=1)(Z)
    np.testing.assert_allclose(got.toarray(), local(Z).toarray(), rtol=1e-15)
    np.testing.assert_allclose(got.toarray(), ad.hessian(chain_fn)(Z), rtol=1e-13, atol=1e-14)


# -- data-parallel gradients -------------------------------------------------------------------
def squared_error(params, shard, scale=1.0):
    features, target = shard
    r = features @ params["w"] + params["b"] - target
    return scale * dnp.sum(r * r)


def regression_data(n=40, shards=4):
    rng = np.random.default_rng(1)
    features, target = rng.normal(size=(n, 3)), rng.normal(size=n)
    size = n // shards
    parts = [(features[i:i + size], target[i:i + size]) for i in range(0, n, size)]
    params = {"w": np.array([0.5, -0.2, 0.1]), "b": np.array(0.3)}
    return params, (features, target), parts


def test_value_and_grad_over_shards_equals_full_batch(client):
    params, full, shards = regression_data()
    mean = lambda p, s: squared_error(p, s) / 10.0   # 10 rows per shard  # noqa: E731
    value, grad = dd.value_and_grad(mean, reduce="mean")(params, shards)
    v_full, g_full = ad.value_and_grad(lambda p: squared_error(p, full) / 40.0)(params)
    assert abs(value - v_full) < 1e-12
    assert_trees_close(grad, g_full, rtol=0, atol=1e-12)
    value, grad = dd.value_and_grad(squared_error, client=client)(params, shards, 2.0)
    v_sum, g_sum = ad.value_and_grad(squared_error)(params, full, 2.0)
    assert abs(value - v_sum) < 1e-11
    assert_trees_close(grad, g_sum, rtol=1e-13, atol=1e-12)


def test_shards_are_sent_once_and_futures_accepted(client, monkeypatch):
    params, full, shards = regression_data()
    scattered = []
    scatter = client.scatter
    monkeypatch.setattr(client, "scatter", lambda data, **kw: scattered.append(len(data))
                        or scatter(data, **kw))
    vg = dd.value_and_grad(squared_error)
    first = vg(params, shards)
    for _ in range(2):
        assert_trees_close(vg(params, shards), first)
    assert scattered == [4]            # the four shards, on the first step only
    futures = scatter(shards)
    assert_trees_close(vg(params, futures), first)
    assert scattered == [4]            # futures are used as they are


def test_value_and_grad_checks_its_arguments(client):
    params, _, shards = regression_data()
    with pytest.raises(ValueError, match="reduce must be 'sum' or 'mean'"):
        dd.value_and_grad(squared_error, reduce="max")
    with pytest.raises(ValueError, match="names argument 1, the shard"):
        dd.value_and_grad(squared_error, argnums=(0, 1))(params, shards)
    with pytest.raises(TypeError, match="shards must be a non-empty list"):
        dd.value_and_grad(squared_error)(params, shards[0][0])


# -- ensembles ---------------------------------------------------------------------------------
def test_map_runs_transforms_and_recordings(client):
    starts = [Z, Z + 0.5, 2 * Z]
    jac = ad.jacobian(banded_fn)
    for got, x in zip(dd.map(jac, starts), starts):
        np.testing.assert_array_equal(got, jac(x))
    rec = ad.record(scalar_fn, Z)     # travels without its compiled paths, records again
    for got, x in zip(dd.map(rec.grad, starts), starts):
        np.testing.assert_allclose(got, ad.grad(scalar_fn)(x), rtol=1e-13)
    assert dd.map(ad.hessian(scalar_fn), []) == []


# -- pickling ----------------------------------------------------------------------------------
TRANSFORMS = {
    "grad": lambda: ad.grad(scalar_fn),
    "value_and_grad": lambda: ad.value_and_grad(scalar_fn),
    "jacobian": lambda: ad.jacobian(banded_fn),
    "jacfwd": lambda: ad.jacfwd(banded_fn),
    "jacrev": lambda: ad.jacrev(banded_fn),
    "hessian": lambda: ad.hessian(scalar_fn),
    "elementwise_grad": lambda: ad.elementwise_grad(banded_fn),
    "sparse_jacobian": lambda: ad.sparse_jacobian(banded_fn),
    "recording.value_and_grad": lambda: ad.record(scalar_fn, Z).value_and_grad,
    "recording.jacobian": lambda: ad.record(banded_fn, Z).jacobian,
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transforms_travel_with_cloudpickle(name):
    transform = TRANSFORMS[name]()
    want = transform(Z)
    copy = pickle.loads(cloudpickle.dumps(transform))
    got = copy(Z + 0.0)
    if name == "sparse_jacobian":
        got, want = got.toarray(), want.toarray()
    assert_trees_close(got, want, rtol=1e-14, atol=1e-15)


def test_recording_pickles_by_reference():
    rec = ad.record(scalar_fn, Z)
    copy = pickle.loads(pickle.dumps(rec))
    np.testing.assert_allclose(copy.grad(Z), rec.grad(Z), rtol=1e-15)
    np.testing.assert_allclose(copy.hessian(Z), rec.hessian(Z), rtol=1e-13)


# -- kept on the workers between calls ---------------------------------------------------------
class LoadCounter:
    """Counts, on each worker, how many times it was unpickled there."""

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        if on_worker():
            worker = distributed.get_worker()
            worker.dualad_test_loads = getattr(worker, "dualad_test_loads", 0) + 1


def worker_loads(client):
    """Per worker, the LoadCounters unpickled there since the last call; resets them."""
    def take(dask_worker):
        loads, dask_worker.dualad_test_loads = getattr(dask_worker, "dualad_test_loads", 0), 0
        return loads
    return sorted(client.run(take).values())


@pytest.fixture
def sent(client, monkeypatch):
    """The roles ("function", "arguments") of the values sent to the cluster, in order; every
    value is kept (none is small enough to travel inside the tasks)."""
    from dualad.distributed import _kept
    monkeypatch.setattr(_kept, "INLINE_BYTES", 0)
    roles = []
    submit = client.submit

    def spy(fn, *args, **kwargs):
        if fn is _kept._hold:
            roles.append(kwargs["key"].split("-")[1])
        return submit(fn, *args, **kwargs)
    monkeypatch.setattr(client, "submit", spy)
    worker_loads(client)
    return roles


def layer(n=40, seed=3):
    """A closure over a weight matrix (the large part of a function that travels)."""
    weights = np.random.default_rng(seed).normal(size=(n, n)) / np.sqrt(n)
    counter = LoadCounter()

    def f(x):
        counter   # noqa: B018 -- travels with f, to count where f is unpickled
        h = dnp.tanh(weights @ x)
        return dnp.sin(h) * h + x
    return f, weights


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_the_function_is_sent_once_across_calls(client, sent, mode):
    f, _ = layer()
    x = np.linspace(-1.0, 1.0, 40)
    jac = dd.jacobian(f, mode=mode, chunk_size=7)       # 6 tasks a call
    for point in (x, x, x + 0.5, x + 0.5):
        np.testing.assert_allclose(jac(point), ad.jacobian(f, mode=mode)(point), rtol=1e-14,
                                   atol=1e-15)
    # the function once; the arguments when they change
    assert sent == ["function", "arguments", "arguments"]
    assert sum(worker_loads(client)) <= 2                # unpickled at most once per worker


def test_a_small_function_travels_inside_the_tasks(client, monkeypatch, sent):
    from dualad.distributed import _kept
    monkeypatch.setattr(_kept, "INLINE_BYTES", 1 << 16)
    f, _ = layer(n=20)                                   # 3.2 KB of weights
    x = np.linspace(-1.0, 1.0, 20)
    jac = dd.jacobian(f, chunk_size=5)
    for point in (x, x + 0.5):
        np.testing.assert_allclose(jac(point), ad.jacobian(f)(point), rtol=1e-14, atol=1e-15)
    assert sent == [] and sum(worker_loads(client)) == 2 * 4   # once a task


def test_a_changed_function_is_sent_again(client, sent):
    f, weights = layer()
    x = np.linspace(-1.0, 1.0, 40)
    jac = dd.jacobian(f, chunk_size=10)
    first = jac(x)
    weights *= 2.0                                       # the closure changed in place
    second = jac(x)
    assert sent == ["function", "arguments", "function"]
    np.testing.assert_allclose(second, ad.jacobian(f)(x), rtol=1e-14, atol=1e-15)
    assert np.abs(second - first).max() > 0.1
    g, _ = layer(seed=4)                                 # another function, same arguments
    np.testing.assert_allclose(dd.jacobian(g, chunk_size=10)(x), ad.jacobian(g)(x),
                               rtol=1e-14, atol=1e-15)
    assert sent[3:] == ["function", "arguments"]         # each transform keeps its own
    copy = pickle.loads(cloudpickle.dumps(jac))          # travels, keeping nothing
    np.testing.assert_allclose(copy(x), second, rtol=1e-15)
    assert sent[5:] == ["function", "arguments"]


def test_kept_values_survive_a_worker_restart(client, sent):
    f, _ = layer()
    x = np.linspace(-1.0, 1.0, 40)
    jac = dd.hessian(lambda z: dnp.sum(f(z) ** 2), chunk_size=8)
    jac(x)
    # the workers lose everything they held; the scheduler still has the tasks that make the
    # kept values, so Dask makes them again and nothing is sent from here
    client.restart_workers(list(client.scheduler_info()["workers"]))
    client.wait_for_workers(2, timeout=30)
    np.testing.assert_allclose(jac(x), ad.hessian(lambda z: dnp.sum(f(z) ** 2))(x),
                               rtol=1e-12, atol=1e-13)
    assert sent == ["function", "arguments"]


def test_sparse_value_and_grad_and_map_send_their_function_once(client, sent):
    f, _ = layer()
    x = np.linspace(-1.0, 1.0, 40)
    sparse = dd.sparse_jacobian(lambda z: f(z)[1:] * z[:-1], chunk_size=1)
    for _ in range(2):
        sparse(x)
    assert sent == ["function", "arguments"]
    del sent[:]
    params, _, shards = regression_data()
    vg = dd.value_and_grad(squared_error)
    for step in range(3):
        vg({"w": params["w"] + step, "b": params["b"]}, shards)
    assert sent == ["function"] + ["arguments"] * 3     # new parameters each step
    del sent[:]
    worker_loads(client)
    jac = ad.jacobian(f)
    starts = [x + i for i in range(6)]
    for got, start in zip(dd.map(jac, starts), starts):   # BLAS: 1 thread there, 2 here
        np.testing.assert_allclose(got, jac(start), rtol=1e-14, atol=1e-15)
    assert sent == ["function"] and sum(worker_loads(client)) <= 2   # not once per item


def test_a_worker_forgets_the_least_recently_used_values(monkeypatch):
    from collections import OrderedDict

    from dualad.distributed import _kept
    loaded = OrderedDict((str(i), (i, 100)) for i in range(10))
    monkeypatch.setattr(_kept, "_LOADED", loaded)
    _kept._forget_old(memory_limit=None)
    assert list(loaded) == [str(i) for i in range(2, 10)]    # at most LOADED_VALUES = 8
    _kept._forget_old(memory_limit=1600)                      # a quarter: 400 bytes
    assert list(loaded) == ["6", "7", "8", "9"]
    loaded["big"] = (None, 10**6)
    _kept._forget_old(memory_limit=1600)
    assert list(loaded) == ["big"]                            # the newest one always stays


def _kernel_threads_and_env():
    from dualad._kernels import set_num_threads
    from dualad.distributed._cluster import match_kernel_threads
    match_kernel_threads()             # what every task does first
    threads = set_num_threads(1)
    set_num_threads(threads)
    return threads, os.environ.get("DUALAD_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS")


def test_worker_kernels_take_the_threads_dask_gives_blas(client):
    # Dask's nanny holds OpenMP and BLAS to one thread a worker; dualad's kernels follow it
    # (unless DUALAD_NUM_THREADS is set), else 2 workers on 2 cores would run 4 threads
    np.testing.assert_allclose(dd.jacobian(dnp.sin, chunk_size=3)(Z), np.diag(np.cos(Z)))
    for threads, own, omp in client.run(_kernel_threads_and_env).values():
        assert threads == int(own or omp) == (int(own) if own else 1)


def test_chunks_are_sized_for_the_cache_and_the_task_overhead():
    from dualad.distributed._cluster import (CACHE_BYTES, MAX_OVERHEAD_SHARE, TASK_OVERHEAD,
                                             DirectionCost, choose_chunk)
    two = type("Resources", (), {"threads": 2, "memory_limit": None})()
    # 2000 directions, 16 KB per primitive's result and direction: the cache decides (131),
    # then 16 equal chunks, 8 per thread
    cheap_pass = DirectionCost(seconds=1e-3, bytes=10**6, op_bytes=16e3, pass_seconds=0.0)
    assert CACHE_BYTES // 16000 == 131 and choose_chunk(2000, two, None, cheap_pass) == 125
    # a direction so cheap that the task's fixed costs would dominate: enlarged
    tiny = cheap_pass._replace(seconds=1e-6, pass_seconds=2e-3)
    assert choose_chunk(2000, two, None, tiny) == 2000     # not worth a second task
    assert (TASK_OVERHEAD + 2e-3) / (MAX_OVERHEAD_SHARE * 1e-6) == pytest.approx(70_000)
    assert choose_chunk(10**6, two, None, tiny) == 62_500  # 15 chunks of 70,000 -> 16 equal
    # a worker's memory bounds it; chunk_size overrides all; no estimate: one per thread
    small = type("Resources", (), {"threads": 2, "memory_limit": 4 * 10**8})()
    assert choose_chunk(2000, small, None, tiny) == 100    # a quarter of 400 MB / 1 MB
    assert choose_chunk(2000, two, 7, tiny) == 7
    assert choose_chunk(2001, two, None) == 1001


# -- faults ------------------------------------------------------------------------------------
def test_lost_worker_is_retried_and_the_result_whole(client, tmp_path):
    marker = str(tmp_path / "died")

    def dies_once(z):
        if on_worker() and not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)          # the worker process dies mid-task, once
        return dnp.sin(z) * z[0]

    got = dd.jacobian(dies_once, mode="forward", chunk_size=3)(Z)
    assert os.path.exists(marker)
    np.testing.assert_allclose(got, ad.jacobian(dies_once, mode="forward")(Z), rtol=1e-15)
    client.wait_for_workers(2, timeout=30)


def test_lost_worker_during_a_data_parallel_step(client, tmp_path):
    params, full, shards = regression_data()
    marker = str(tmp_path / "died")

    def loss(p, shard):
        if on_worker() and not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)          # takes the shards scattered to that worker with it
        return squared_error(p, shard)

    value, grad = dd.value_and_grad(loss)(params, shards)
    assert os.path.exists(marker)
    v_full, g_full = ad.value_and_grad(squared_error)(params, full)
    assert abs(value - v_full) < 1e-11
    assert_trees_close(grad, g_full, rtol=1e-13, atol=1e-12)
    client.wait_for_workers(2, timeout=30)


def test_a_task_that_always_kills_its_worker_is_a_clear_error(client):
    def always_dies(z):
        if on_worker():
            os._exit(1)
        return dnp.sin(z)

    with pytest.raises(RuntimeError, match="lost with its worker.*no partial result.*memory "
                                           "limit"):
        dd.jacobian(always_dies)(Z)
    client.wait_for_workers(2, timeout=30)


def test_a_worker_over_its_memory_limit_is_reported_as_such():
    def hog(z):
        if on_worker():
            block = np.ones(75_000_000)   # 600 MB, past the 400 MB limit
            time.sleep(2.0)               # the nanny's monitor looks every 100 ms
            del block
        return dnp.sin(z)

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                           memory_limit="400MB", dashboard_address=":0")
    with cluster, distributed.Client(cluster, set_as_default=False) as small:
        with pytest.raises(RuntimeError, match="memory limit of 381 MiB; one task's working set "
                                               "is estimated at .*chunk_size"):
            dd.jacobian(hog, client=small)(Z)


def test_timeout_cancels_and_raises(client):
    def slow(z):
        if on_worker():
            time.sleep(1.0)
        return dnp.sin(z)

    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="timeout=0.2 s.*cancelled"):
        dd.jacobian(slow, chunk_size=9, timeout=0.2)(Z)
    assert time.perf_counter() - start < 1.0
    time.sleep(1.0)   # let the cancelled task's thread finish before the next test


# -- without Dask ------------------------------------------------------------------------------
def test_dualad_imports_without_dask():
    code = ("import sys\n"
            "sys.modules['dask'] = sys.modules['distributed'] = None\n"
            "import dualad\n"
            "try:\n"
            "    import dualad.distributed\n"
            "except ImportError as exc:\n"
            "    print(exc)\n")
    # from another directory: in a source checkout the unbuilt tree would shadow the install
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                         cwd=tempfile.gettempdir())
    assert out.returncode == 0, out.stderr
    assert 'dualad[distributed]' in out.stdout


# -- the example -------------------------------------------------------------------------------
def test_ode_fit_example(client):
    pytest.importorskip("scipy")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "examples"))
    try:
        import distributed_ode_fit as example
    finally:
        sys.path.pop(0)
    cloudpickle.register_pickle_by_value(example)
    shards = example.make_shards(experiments=8)
    full = tuple(np.concatenate([s[i] for s in shards]) for i in range(2))
    start = np.log(example.START)
    value, grad = dd.value_and_grad(example.shard_loss, reduce="mean")(start, shards)
    v_full, g_full = ad.value_and_grad(example.shard_loss)(start, full)
    assert abs(value - v_full) < 1e-12 and np.abs(grad - g_full).max() < 1e-12
    result = example.fit(client, shards, maxiter=3)
    assert result.fun < 0.1 * v_full
