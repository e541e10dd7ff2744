# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A caching allocator for large NumPy buffers (NumPy's NEP 49 handler API).

Big-array derivatives allocate and free the same few temporaries many times per call. Through
the C library, blocks from 128 KiB up come from fresh pages each time: glibc maps them with
``mmap``, or, once its threshold has adapted, carves them from the top of the heap and trims
the heap back when they are freed. The page faults on first touch cost as much as the
arithmetic. While this handler is active, a freed buffer of ``MIN_CACHED`` bytes or more is
kept in a small free list (bounded in bytes and in entries) and handed to the next request of
about its size: its pages are already mapped.

Scope: the handler is installed only inside ``cache_scope()`` (a ``with`` block), which sets
NumPy's context-local handler and restores the previous one on exit. dualad's transforms enter
it while they record and sweep, so NumPy code outside differentiation keeps NumPy's own
allocator. A scope leaves any handler other than NumPy's default in place: a user's own
allocator takes precedence. NumPy remembers the handler of every array, so an array
allocated in a scope may outlive it and is still freed here.

Bounded memory: at most ``limit`` bytes (``set_limit``) in at most ``SLOTS`` blocks stay
cached. Each time the last open scope closes an epoch ends, and blocks freed in neither this
epoch nor the one before are returned to the system: between differentiations the cache holds
at most what the last two scopes (a recording and its sweep, say) freed and did not reuse.
``trim()`` returns everything at once.

Every block carries a header (its start in the C heap and its usable size) just below its
64-byte aligned data, so frees never depend on the size NumPy reports. The free list is
guarded by a lock: NumPy does not promise to hold the GIL when it frees.
"""
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_New
from cpython.ref cimport PyObject
from libc.stdint cimport uintptr_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset, strncpy

cimport numpy as cnp

cnp.import_array()

cdef extern from "Python.h":
    ctypedef void* PyThread_type_lock
    PyThread_type_lock PyThread_allocate_lock()
    int PyThread_acquire_lock(PyThread_type_lock, int) nogil
    void PyThread_release_lock(PyThread_type_lock) nogil

cdef extern from "numpy/arrayobject.h":
    ctypedef struct PyDataMemAllocator:
        void* ctx
        void* (*malloc)(void*, size_t) noexcept nogil
        void* (*calloc)(void*, size_t, size_t) noexcept nogil
        void* (*realloc)(void*, void*, size_t) noexcept nogil
        void (*free)(void*, void*, size_t) noexcept nogil

    ctypedef struct PyDataMem_Handler:
        char name[127]
        unsigned char version
        PyDataMemAllocator allocator

    object PyDataMem_SetHandler(object handler)
    object PyDataMem_GetHandler()
    PyObject* PyDataMem_DefaultHandler

cdef extern from *:
    """
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    /* Ask for transparent huge pages on the whole pages of [p, p + n), as NumPy's own
       allocator does for large arrays: one fault per 2 MiB instead of per 4 KiB. */
    static void dualad_advise_huge(void *p, size_t n) {
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
        uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
        uintptr_t end = ((uintptr_t)p + n) & ~(uintptr_t)4095;
        if (end > start)
            madvise((void *)start, end - start, MADV_HUGEPAGE);
    #endif
    }
    """
    void advise_huge "dualad_advise_huge"(void* p, size_t n) noexcept nogil

cdef enum:
    ALIGN = 64              # data alignment: one cache line, one AVX-512 register
    PAGE = 4096             # cached sizes are whole pages, so near sizes share blocks
    SLOTS = 64              # most blocks kept at once
    MIN_CACHED = 1 << 17    # glibc's mmap threshold; smaller buffers come from NumPy's own
                            # allocator (numpy_small). W8's 160 KB tangents: 1.2 -> 0.62 ms
    MIN_HUGE = 1 << 22      # fresh blocks this large are advised to use huge pages

NAME = "dualad_caching_allocator"
DEFAULT_LIMIT = 512 << 20


# larger requests fail (NumPy never makes them: sizes fit in a signed npy_intp); below it,
# rounding up to pages and adding the header cannot overflow
cdef size_t MAX_REQUEST = (<size_t>-1) // 2


cdef struct Header:          # just below every block's data
    void* raw                # what malloc/calloc returned
    size_t capacity          # usable bytes from the data pointer


cdef struct Slot:
    void* data               # NULL: empty slot
    size_t capacity
    unsigned long stamp      # the epoch in which it was freed
    unsigned long order      # insertion counter: the smallest is evicted first


cdef Slot slots[SLOTS]
cdef size_t cached_bytes = 0
cdef size_t limit = DEFAULT_LIMIT
cdef unsigned long epoch = 0       # closed outermost scopes
cdef unsigned long inserted = 0
cdef unsigned long hits = 0
cdef unsigned long misses = 0
cdef int open_scopes = 0
cdef PyThread_type_lock lock = PyThread_allocate_lock()
cdef PyDataMem_Handler handler


cdef inline Header* header_of(void* data) noexcept nogil:
    return <Header*>data - 1


cdef void* place(void* raw, size_t capacity) noexcept nogil:
    """The aligned data pointer in ``raw`` (``capacity + ALIGN`` bytes, fresh from the C
    heap), header written."""
    if raw == NULL:
        return NULL
    if capacity >= MIN_HUGE:
        advise_huge(raw, capacity + ALIGN)
    cdef void* data = <void*>((<uintptr_t>raw + sizeof(Header) + ALIGN - 1)
                             & ~(<uintptr_t>ALIGN - 1))
    header_of(data).raw = raw
    header_of(data).capacity = capacity
    return data


cdef inline size_t rounded(size_t size) noexcept nogil:
    """Bytes to reserve for a request of ``size``: whole pages for cacheable sizes."""
    if size < MIN_CACHED:
        return size if size else 1
    return (size + PAGE - 1) & ~(<size_t>PAGE - 1)


cdef void* take(size_t size) noexcept nogil:
    """A cached block of at least ``size`` bytes and at most a quarter more, or NULL."""
    global cached_bytes, hits, misses
    cdef int i, best = -1
    cdef void* data = NULL
    PyThread_acquire_lock(lock, 1)
    for i in range(SLOTS):
        if (slots[i].data != NULL and size <= slots[i].capacity <= size + size // 4
                and (best < 0 or slots[i].capacity < slots[best].capacity)):
            best = i
    if best >= 0:
        data = slots[best].data
        slots[best].data = NULL
        cached_bytes -= slots[best].capacity
        hits += 1
    else:
        misses += 1
    PyThread_release_lock(lock)
    return data


cdef int oldest() noexcept nogil:
    """The occupied slot inserted first (-1 when all are empty); the lock is held."""
    cdef int i, found = -1
    for i in range(SLOTS):
        if slots[i].data != NULL and (found < 0 or slots[i].order < slots[found].order):
            found = i
    return found


cdef bint keep(void* data, size_t capacity) noexcept nogil:
    """Cache ``data``, evicting the oldest blocks to stay within the bounds; False when it
    cannot be kept. Evicted blocks are freed after the lock is released."""
    global cached_bytes, inserted
    cdef void* evicted[SLOTS]
    cdef int i, free_slot = -1, n_evicted = 0
    cdef bint kept = False
    PyThread_acquire_lock(lock, 1)
    if capacity <= limit:
        while True:
            for i in range(SLOTS):
                if slots[i].data == NULL:
                    free_slot = i
                    break
            if free_slot >= 0 and cached_bytes + capacity <= limit:
                break
            i = oldest()
            evicted[n_evicted] = slots[i].data
            n_evicted += 1
            cached_bytes -= slots[i].capacity
            slots[i].data = NULL
            free_slot = -1
        inserted += 1
        slots[free_slot] = Slot(data, capacity, epoch, inserted)
        cached_bytes += capacity
        kept = True
    PyThread_release_lock(lock)
    for i in range(n_evicted):
        free(header_of(evicted[i]).raw)
    return kept


# Small blocks come from NumPy's own allocator, whose free lists recycle the small buffers of
# scalar and small-array code faster than the C heap (a product of two 32-element arrays takes
# 0.60 us through malloc, 0.52 through NumPy's lists); large ones from the C heap and the cache.
cdef PyDataMemAllocator numpy_small = (<PyDataMem_Handler*>PyCapsule_GetPointer(
    <object>PyDataMem_DefaultHandler, "mem_handler")).allocator


cdef void* cache_malloc(void* ctx, size_t size) noexcept nogil:
    if size > MAX_REQUEST:
        return NULL
    cdef size_t capacity = rounded(size)
    if capacity < MIN_CACHED:
        return place(numpy_small.malloc(numpy_small.ctx, capacity + ALIGN), capacity)
    cdef void* data = take(capacity)
    if data != NULL:
        return data
    return place(malloc(capacity + ALIGN), capacity)


cdef void* cache_calloc(void* ctx, size_t nelem, size_t elsize) noexcept nogil:
    if elsize and nelem > MAX_REQUEST // elsize:
        return NULL
    cdef size_t size = nelem * elsize
    cdef size_t capacity = rounded(size)
    if capacity < MIN_CACHED:
        return place(numpy_small.calloc(numpy_small.ctx, capacity + ALIGN, 1), capacity)
    cdef void* data = take(capacity)
    if data != NULL:
        memset(data, 0, size)
        return data
    return place(calloc(capacity + ALIGN, 1), capacity)


cdef void cache_free(void* ctx, void* data, size_t size) noexcept nogil:
    if data == NULL:
        return
    cdef size_t capacity = header_of(data).capacity
    if capacity < MIN_CACHED:
        numpy_small.free(numpy_small.ctx, header_of(data).raw, capacity + ALIGN)
    elif not keep(data, capacity):
        free(header_of(data).raw)


cdef void* cache_realloc(void* ctx, void* data, size_t size) noexcept nogil:
    if data == NULL:
        return cache_malloc(ctx, size)
    cdef size_t old = header_of(data).capacity
    if size <= old and rounded(size) == old:
        return data
    cdef void* moved = cache_malloc(ctx, size)
    if moved == NULL:
        return NULL   # the old block stays valid, as realloc promises
    memcpy(moved, data, min(old, size))
    cache_free(ctx, data, old)
    return moved


cdef size_t release(bint only_stale) noexcept nogil:
    """Free the cached blocks, or with ``only_stale`` those freed before the previous epoch
    and then start the next epoch; returns the bytes released."""
    global cached_bytes, epoch
    cdef void* freed[SLOTS]
    cdef int i, n = 0
    cdef size_t total = 0
    PyThread_acquire_lock(lock, 1)
    for i in range(SLOTS):
        if slots[i].data != NULL and not (only_stale and epoch - slots[i].stamp < 2):
            freed[n] = slots[i].data
            n += 1
            total += slots[i].capacity
            slots[i].data = NULL
    cached_bytes -= total
    if only_stale:
        epoch += 1
    PyThread_release_lock(lock)
    for i in range(n):
        free(header_of(freed[i]).raw)
    return total


strncpy(handler.name, NAME.encode(), sizeof(handler.name) - 1)
handler.version = 1
handler.allocator = PyDataMemAllocator(NULL, cache_malloc, cache_calloc, cache_realloc,
                                       cache_free)
HANDLER = PyCapsule_New(&handler, "mem_handler", NULL)


cdef bint numpy_default(capsule):
    """Whether ``capsule`` is NumPy's own allocator."""
    cdef PyDataMem_Handler* h = <PyDataMem_Handler*>PyCapsule_GetPointer(capsule, "mem_handler")
    return h.name == b"default_allocator"


cdef class CacheScope:
    """``with cache_scope():`` installs the caching allocator for the block (see the module
    docstring); reentrant, and a no-op on top of a handler other than NumPy's default.
    ``open_scopes`` is only touched here, with the GIL held."""

    cdef object previous    # the handler to restore, or None when this scope installed none

    def __enter__(self):
        global open_scopes
        current = PyDataMem_GetHandler()
        if current is not HANDLER and numpy_default(current):
            self.previous = PyDataMem_SetHandler(HANDLER)
        open_scopes += 1
        return self

    def __exit__(self, *exc_info):
        global open_scopes, epoch
        if self.previous is not None:
            PyDataMem_SetHandler(self.previous)
            self.previous = None
        open_scopes -= 1
        if open_scopes == 0:
            if cached_bytes:
                release(True)
            else:
                epoch += 1
        return False


def cache_scope():
    """A context manager that installs the caching allocator while it is open."""
    return CacheScope()


def trim():
    """Return every cached block to the system; returns the bytes released."""
    return release(False)


def set_limit(size_t nbytes):
    """Keep at most ``nbytes`` of freed buffers (0 turns caching off); returns the previous
    limit. Blocks beyond the new limit are released."""
    global limit
    PyThread_acquire_lock(lock, 1)
    previous, limit = limit, nbytes
    PyThread_release_lock(lock)
    if cached_bytes > limit:
        release(False)
    return previous


def stats():
    """The cache's state: ``cached_bytes``, ``cached_blocks``, ``limit``, ``hits`` and
    ``misses`` (requests of cacheable size served from the cache or not)."""
    PyThread_acquire_lock(lock, 1)
    blocks = sum(1 for i in range(SLOTS) if slots[i].data != NULL)
    out = dict(cached_bytes=cached_bytes, cached_blocks=blocks, limit=limit, hits=hits,
               misses=misses)
    PyThread_release_lock(lock)
    return out
