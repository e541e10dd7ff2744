"""Functions and data kept on the workers between calls, recognised by their content.

# Design: a transform pickles (cloudpickle) and fingerprints its function and arguments at
# every call. A small value travels inside each task (``Pickled``). A large one is sent once,
# as a task whose result is its bytes (a future the transform holds, published as a Dask
# dataset under its key: the scheduler keeps that task, so when the worker holding the bytes
# dies Dask makes them again; scattered data would be lost with its worker). The tasks carry
# a ``Ref`` (SHA-1 digest and key), no Dask dependency: each worker process keeps the values
# it unpickled in ``_LOADED`` by digest, and on a miss fetches the bytes through the dataset,
# once. Two hashes: the per-call check "is this what I sent last?" uses the tape's
# mutation-guard fingerprint (``dualad._kernels.fingerprint``: 64 bits per buffer, any change
# of a word seen, others missed with probability 2**-64; 5-6x faster than SHA-1, measured on
# the benchmark's 32 MB closure, 8 ms against 48 ms on the loaded machine), which the caller
# pays at every call, before any task starts; the digest that names a value across transforms
# and in the workers' caches is SHA-1, computed only when a value is sent.
# Why not make the bytes a dependency of every task: Dask then schedules the tasks as
# "root-ish" (few dependencies, many tasks) on whichever worker is free, and its active memory
# manager drops the extra copies between calls, so every call moved the bytes again and
# unpickled them again (measured on 2 workers: one 32 MB transfer per call, 0.05-1.6 s, and
# the worker that waited for it did a third of the tasks).
"""
import functools
import hashlib
import pickle
import threading
import uuid
import warnings
import weakref
from collections import OrderedDict

import cloudpickle
import distributed
import numpy as np

from .._kernels import fingerprint

# values pickled smaller than this travel inside each task: a fetch would cost more
INLINE_BYTES = 1 << 16
# what a worker process keeps of the values it unpickled, the least recently used going first
LOADED_VALUES = 8
LOADED_MEMORY_SHARE = 0.25   # of the worker's memory limit


class Kept:
    """The values a transform keeps on the cluster, one per ``role`` ("function",
    "arguments").

    ``ref(client, role, value)`` returns what a task needs to get ``value`` back on a worker
    (``.value()``): the ``Pickled`` value itself when small, else a ``Ref`` to bytes sent
    once. While the hash of ``value`` is the one last sent under ``role`` to this client,
    nothing travels; a changed value (an array of the closure modified in place, say) is sent
    again. A kept value lasts until its role gets another or the ``Kept`` is collected.
    """

    def __init__(self):
        self._held = {}   # role -> (client, fingerprint, digest, future)
        weakref.finalize(self, _release, self._held)

    def __reduce__(self):   # a pickled transform travels without its client: nothing kept
        return Kept, ()

    def ref(self, client, role, value):
        pickled = Pickled(value)
        held = self._held.get(role)
        # "lost" (its workers died) is made again by the scheduler from the task it keeps;
        # "error" or "cancelled": send it again
        if held is not None and held[0] is client and held[1] == pickled.fingerprint \
                and held[3].status in ("pending", "finished", "lost"):
            return Ref(held[2], held[3].key)
        _release({role: self._held.pop(role)} if held is not None else {})
        if pickled.nbytes < INLINE_BYTES:
            return pickled
        # a copy of the data: Dask serialises the task later, from another thread, and the
        # caller may change its arrays meanwhile
        pickled.buffers = [b.copy() for b in pickled.buffers]
        with warnings.catch_warnings():   # large, but sent once and shared through its future
            warnings.filterwarnings("ignore", message="Sending large graph")
            future = client.submit(_hold, pickled, pure=False,
                                   key=f"dualad-{role}-{pickled.digest[:12]}-{uuid.uuid4().hex}")
            client.publish_dataset(future, name=future.key)
        self._held[role] = (client, pickled.fingerprint, pickled.digest, future)
        return Ref(pickled.digest, future.key)


def _release(held):
    """Unpublish the kept values in ``held`` (role -> (client, fingerprint, digest, future)),
    so that the cluster forgets them once no task needs them."""
    for client, *_, future in list(held.values()):
        try:
            client.unpublish_dataset(future.key)
        except Exception:   # noqa: BLE001 -- a closed client or cluster has forgotten them
            pass
    held.clear()


def _hold(value):
    return value


class Pickled:
    """A value as cloudpickle bytes: ``head`` and its out-of-band ``buffers`` (the data of its
    arrays, as uint8 arrays, so that Dask moves them without copies), their ``fingerprint``
    (one ``dualad._kernels.fingerprint`` per part: what tells a changed value at every call),
    ``digest`` (SHA-1, computed when first asked: what names a value sent) and ``nbytes``.
    ``value()`` unpickles it.

    Why not let Dask serialise the value itself: Dask hands a received array over as a view
    into the message it came in, at whatever offset it had there (measured: a closure's
    weights at 1 and 55 bytes past a 64-byte boundary), and NumPy and BLAS take slower
    kernels, that also round differently, on misaligned data. ``value()`` copies each buffer
    to a 64-byte boundary first.
    """

    def __init__(self, value):
        buffers = []
        self.head = cloudpickle.dumps(value, protocol=5, buffer_callback=buffers.append)
        self.buffers = [np.frombuffer(b.raw(), np.uint8) for b in buffers]
        self.fingerprint = tuple(fingerprint(part) for part in
                                 [np.frombuffer(self.head, np.uint8), *self.buffers])
        self.nbytes = len(self.head) + sum(b.nbytes for b in self.buffers)

    @functools.cached_property
    def digest(self):
        digest = hashlib.sha1(self.head)
        for b in self.buffers:
            digest.update(b)
        return digest.hexdigest()

    def value(self):
        return pickle.loads(self.head, buffers=[_aligned_copy(b) for b in self.buffers])


def _aligned_copy(data, alignment=64):
    room = np.empty(data.nbytes + alignment, np.uint8)
    start = -room.ctypes.data % alignment
    copy = room[start:start + data.nbytes]
    copy[...] = data
    return copy


class Ref:
    """A large kept value, as a task sees it: ``value()`` is this worker process's unpickled
    copy, fetched and unpickled on first use."""

    __slots__ = ("digest", "key")

    def __init__(self, digest, key):
        self.digest, self.key = digest, key

    def __reduce__(self):
        return Ref, (self.digest, self.key)

    def value(self):
        with _LOADING:
            if self.digest in _LOADED:
                _LOADED.move_to_end(self.digest)
                return _LOADED[self.digest][0]
            loading = _FETCHING.get(self.digest)
            first = loading is None
            if first:
                loading = _FETCHING[self.digest] = threading.Event()
        # Waiting and fetching leave the thread pool (secede): the task that makes the bytes
        # may need this worker's thread. Then the worker starts its next task, which misses
        # too: it waits for this fetch, and the value is unpickled once per process.
        if not first:
            distributed.secede()
            loading.wait()
            distributed.rejoin()
            return self.value()   # loaded now (or the fetch failed: fetch again)
        try:
            with distributed.worker_client() as client:
                pickled = client.get_dataset(self.key).result()
            value = pickled.value()
            with _LOADING:
                _LOADED[self.digest] = (value, pickled.nbytes)
                _forget_old(distributed.get_worker().memory_manager.memory_limit)
            return value
        finally:
            with _LOADING:
                _FETCHING.pop(self.digest).set()


_LOADED = OrderedDict()   # in a worker process: digest -> (value, bytes), most recent last
_FETCHING = {}            # digest -> an Event set when its fetch has ended
_LOADING = threading.Lock()


def _forget_old(memory_limit):
    budget = LOADED_MEMORY_SHARE * memory_limit if memory_limit else float("inf")
    while len(_LOADED) > 1 and (len(_LOADED) > LOADED_VALUES
                                or sum(n for _, n in _LOADED.values()) > budget):
        _LOADED.popitem(last=False)
