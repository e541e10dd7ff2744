# The worker pool of a kernel module (``_pool.h``; each extension module links its own pool) and
# its thread count, included by every module that shares large arrays among threads.
# ``dualad._kernels.set_num_threads`` sets every module's count (the usable cores by default).
from libc.stdint cimport uint64_t

cdef extern from "_pool.h" nogil:
    ctypedef void (*block_fn "dualad_block_fn")(void* ctx, Py_ssize_t block) noexcept nogil
    void parallel "dualad_parallel" (block_fn fn, void* ctx, Py_ssize_t nblocks, int count)
    void set_flag "dualad_set_flag" (int* flag)
    void add_u64 "dualad_add_u64" (uint64_t* total, uint64_t value)

cdef int threads = 1


def set_num_threads(int n):
    """Share this module's kernels on large arrays among ``n`` threads (1: the calling thread
    alone); returns the previous count."""
    global threads
    if n < 1:
        raise ValueError(f"set_num_threads: n must be at least 1, got {n}")
    previous, threads = threads, n
    return previous
