# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The tape's mutation-guard fingerprint in one pass over memory; same definition and results
as ``reference.fingerprint`` (tests/test_kernels.py checks the parity)."""
import numpy as np

cimport numpy as cnp

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

cnp.import_array()

cdef uint64_t STRIDE = 0x9E3779B97F4A7C15ULL
cdef uint64_t MUL1 = 0xBF58476D1CE4E5B9ULL
cdef uint64_t MUL2 = 0x94D049BB133111EBULL


cdef inline uint64_t mix(uint64_t word, uint64_t index) noexcept nogil:
    cdef uint64_t x = (word + index * STRIDE) * MUL1
    return (x ^ (x >> 31)) * MUL2


cdef uint64_t fingerprint_bytes(const uint8_t* data, Py_ssize_t n) noexcept nogil:
    # IN: n bytes; the last partial word is zero-padded
    cdef Py_ssize_t nwords = n // 8, i
    cdef uint64_t total = 0, word = 0
    for i in range(nwords):
        memcpy(&word, data + 8 * i, 8)   # alignment-safe load; compiles to one move
        total += mix(word, i)
    if n % 8:
        word = 0
        memcpy(&word, data + 8 * nwords, n % 8)
        total += mix(word, nwords)
    return total


def fingerprint(a):
    """64-bit fingerprint of the bytes of ``a``; see ``reference.fingerprint``."""
    if type(a) is not np.ndarray or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a):
        from .reference import fingerprint as reference_fingerprint
        return reference_fingerprint(a)
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef Py_ssize_t n = cnp.PyArray_NBYTES(arr)
    if n == 0:
        return 0
    cdef const uint8_t* data = <const uint8_t*>cnp.PyArray_DATA(arr)
    cdef uint64_t total
    with nogil:
        total = fingerprint_bytes(data, n)
    return int(total) ^ n
