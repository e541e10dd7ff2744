# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The tape's mutation-guard fingerprint in one pass over memory; same definition and results
as ``reference.fingerprint`` (tests/kernels/test_kernels.py checks the parity).

The mixed words are summed modulo 2**64, so chunks of a large array can be summed by
different threads (``_pool.h``) and added up in any order with the same result
(``set_num_threads``, which ``dualad._kernels.set_num_threads`` calls with the elementwise
kernels' count)."""
import numpy as np

cimport numpy as cnp

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

cnp.import_array()

include "_threads.pxi"

cdef uint64_t STRIDE = 0x9E3779B97F4A7C15ULL
cdef uint64_t MUL1 = 0xBF58476D1CE4E5B9ULL
cdef uint64_t MUL2 = 0x94D049BB133111EBULL

cdef enum:
    CHUNK = 16384           # words per chunk a thread takes at a time (128 KiB)
    PARALLEL_MIN = 65536    # words; below this one thread
    NOGIL_MIN = 65536       # bytes; below this, releasing the GIL costs more than the hash

cdef type _ndarray = np.ndarray


cdef inline uint64_t mix(uint64_t word, uint64_t index) noexcept nogil:
    cdef uint64_t x = (word + index * STRIDE) * MUL1
    return (x ^ (x >> 31)) * MUL2


cdef uint64_t words_sum(const uint8_t* data, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    # IN: whole words start..stop-1 of data; OUT: the sum of their mixes
    cdef Py_ssize_t i
    cdef uint64_t total = 0, word = 0
    for i in range(start, stop):
        memcpy(&word, data + 8 * i, 8)   # alignment-safe load; compiles to one move
        total += mix(word, i)
    return total


cdef struct SumJob:
    const uint8_t* data
    Py_ssize_t nwords
    uint64_t total


cdef void chunk_sum(void* ctx, Py_ssize_t c) noexcept nogil:
    cdef SumJob* job = <SumJob*>ctx
    add_u64(&job.total, words_sum(job.data, c * CHUNK, min((c + 1) * CHUNK, job.nwords)))


cdef uint64_t fingerprint_bytes(const uint8_t* data, Py_ssize_t n) noexcept nogil:
    # IN: n bytes; the last partial word is zero-padded
    cdef Py_ssize_t nwords = n // 8
    cdef uint64_t total = 0, word = 0
    cdef SumJob job
    if threads < 2 or nwords < PARALLEL_MIN:
        total = words_sum(data, 0, nwords)
    else:
        job = SumJob(data, nwords, 0)
        parallel(chunk_sum, &job, (nwords + CHUNK - 1) // CHUNK, threads)
        total = job.total
    if n % 8:
        word = 0
        memcpy(&word, data + 8 * nwords, n % 8)
        total += mix(word, nwords)
    return total


def fingerprint(a):
    """64-bit fingerprint of the bytes of ``a``; see ``reference.fingerprint``."""
    if type(a) is not _ndarray or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a):
        from .reference import fingerprint as reference_fingerprint
        return reference_fingerprint(a)
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef Py_ssize_t n = cnp.PyArray_NBYTES(arr)
    if n == 0:
        return 0
    cdef const uint8_t* data = <const uint8_t*>cnp.PyArray_DATA(arr)
    cdef uint64_t total
    if n < NOGIL_MIN:
        total = fingerprint_bytes(data, n)
    else:
        with nogil:
            total = fingerprint_bytes(data, n)
    return total ^ <uint64_t>n
