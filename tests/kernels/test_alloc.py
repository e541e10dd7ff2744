"""The caching allocator for large NumPy buffers (dualad._kernels._alloc)."""
import threading

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp
from dualad import _kernels

alloc = pytest.importorskip("dualad._kernels._alloc")
get_handler_name = pytest.importorskip("numpy._core.multiarray").get_handler_name

BIG = 1 << 18          # float64 elements: 2 MiB, above the caching threshold
MIB = 1 << 20


@pytest.fixture(autouse=True)
def empty_cache():
    alloc.trim()
    limit = alloc.set_limit(alloc.DEFAULT_LIMIT)
    yield
    alloc.set_limit(limit)
    alloc.trim()


def test_arrays_in_a_scope_use_the_handler_and_keep_it_after():
    with alloc.cache_scope():
        big, small = np.arange(BIG, dtype=np.float64), np.arange(10.0)
    assert get_handler_name(big) == get_handler_name(small) == alloc.NAME
    assert get_handler_name(np.empty(BIG)) == "default_allocator"
    assert big.sum() == BIG * (BIG - 1) / 2 and small[-1] == 9.0
    big[:] = 1.0        # outlives the scope: still writable, freed through the handler
    assert big.sum() == BIG
    del big
    assert alloc.stats()["cached_blocks"] == 1


def test_freed_blocks_are_reused_and_zeroed_when_asked():
    with alloc.cache_scope():
        a = np.full(BIG, 7.0)
        address = a.ctypes.data
        del a
        before = alloc.stats()["hits"]
        b = np.zeros(BIG)
        assert alloc.stats()["hits"] == before + 1
        assert b.ctypes.data == address and not b.any()
        assert b.ctypes.data % 64 == 0


def test_blocks_from_128_kib_are_cached():
    """glibc gives such blocks fresh pages on every allocation (see the module docstring)."""
    with alloc.cache_scope():
        del_me = np.empty(1 << 14)   # 128 KiB
        address = del_me.ctypes.data
        del del_me
        assert np.empty(1 << 14).ctypes.data == address
        small = np.empty((1 << 14) - 1024)   # below the threshold: NumPy's allocator
        del small
    assert alloc.stats()["cached_blocks"] == 1


def test_a_block_serves_a_slightly_smaller_request_but_not_a_much_smaller_one():
    with alloc.cache_scope():
        del_me = np.empty(BIG)
        address = del_me.ctypes.data
        del del_me
        assert np.empty(BIG - 1000).ctypes.data == address
        other = np.empty(BIG // 2)
        assert other.ctypes.data != address


def test_realloc_keeps_the_contents():
    with alloc.cache_scope():
        a = np.arange(BIG, dtype=np.float64)
        a.resize(2 * BIG, refcheck=False)
        assert np.array_equal(a[:BIG], np.arange(BIG)) and not a[BIG:].any()
        a.resize(10, refcheck=False)
        assert np.array_equal(a, np.arange(10.0))


def test_small_blocks_come_from_numpy_and_go_back_to_it():
    """Below the caching threshold the handler takes NumPy's own allocator (its free lists),
    aligned like every block; growing a small block past the threshold and back keeps the
    contents, and small blocks freed after their scope are returned correctly."""
    with alloc.cache_scope():
        small = [np.arange(float(n)) for n in (1, 7, 32, 100, 5000)]
        assert all(a.ctypes.data % 64 == 0 for a in small)
        grown = np.arange(100.0)
        grown.resize(BIG, refcheck=False)
        assert np.array_equal(grown[:100], np.arange(100.0)) and not grown[100:].any()
        grown.resize(3, refcheck=False)
        assert np.array_equal(grown, np.arange(3.0))
        zeros = np.zeros(50)
        assert not zeros.any()
    for n, a in zip((1, 7, 32, 100, 5000), small):
        assert np.array_equal(a, np.arange(float(n)))
    del small, grown, zeros
    assert [np.arange(3.0).sum() for _ in range(100)] == [3.0] * 100   # NumPy's lists intact


def test_the_cache_is_bounded_in_bytes():
    alloc.set_limit(5 * MIB)
    with alloc.cache_scope():
        arrays = [np.ones(BIG) for _ in range(6)]
        del arrays
        stats = alloc.stats()
    assert 0 < stats["cached_bytes"] <= 5 * MIB and stats["cached_blocks"] == 2
    alloc.set_limit(0)
    assert alloc.stats()["cached_bytes"] == 0
    with alloc.cache_scope():
        del_me = np.ones(BIG)
        del del_me
    assert alloc.stats()["cached_blocks"] == 0


def test_trim_releases_everything():
    with alloc.cache_scope():
        arrays = [np.ones(BIG) for _ in range(3)]
        del arrays
    cached = alloc.stats()["cached_bytes"]
    assert cached >= 3 * BIG * 8
    assert alloc.trim() == cached
    assert alloc.stats()["cached_bytes"] == 0 == alloc.stats()["cached_blocks"]


def test_blocks_idle_for_two_scopes_are_released():
    with alloc.cache_scope():
        del_me = np.ones(BIG)
        del del_me
    with alloc.cache_scope():
        pass
    assert alloc.stats()["cached_blocks"] == 1
    with alloc.cache_scope():
        pass
    assert alloc.stats()["cached_blocks"] == 0


def test_scopes_nest_and_restore_the_previous_handler():
    with alloc.cache_scope():
        with alloc.cache_scope():
            inner = np.empty(BIG)
        after_inner = np.empty(BIG)
    assert get_handler_name(inner) == get_handler_name(after_inner) == alloc.NAME
    assert get_handler_name(np.empty(BIG)) == "default_allocator"


def test_threads_allocate_and_free_concurrently():
    errors = []

    def work(seed):
        with alloc.cache_scope():
            for i in range(40):
                n = BIG + 4096 * ((seed + i) % 5)
                a = np.full(n, float(seed))
                b = a * 2.0
                if not (b == 2.0 * seed).all():
                    errors.append((seed, i))
                del a, b

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    stats = alloc.stats()
    assert stats["hits"] > 0 and stats["cached_bytes"] <= stats["limit"]


in_use = pytest.mark.skipif(not _kernels.COMPILED, reason="dualad runs without its compiled "
                            "kernels here (DUALAD_PUREPYTHON)")


@in_use
def test_gradients_reuse_blocks_and_are_unchanged():
    x = np.random.default_rng(0).standard_normal(BIG)

    def f(x):
        return dnp.sum(dnp.sin(x) * dnp.exp(-x * x) + dnp.tanh(x))

    want = (np.cos(x) - 2 * x * np.sin(x)) * np.exp(-x * x) + 1 - np.tanh(x) ** 2
    first = ad.grad(f)(x)
    hits = alloc.stats()["hits"]
    second = ad.grad(f)(x)
    assert alloc.stats()["hits"] > hits
    np.testing.assert_allclose(first, want, rtol=1e-12, atol=1e-12)
    assert np.array_equal(first, second)
    assert get_handler_name(np.empty(BIG)) == "default_allocator"


@in_use
def test_kernels_namespace_exports():
    assert _kernels.cache_scope is alloc.cache_scope
    assert _kernels.trim_cache is alloc.trim and _kernels.cache_stats is alloc.stats
