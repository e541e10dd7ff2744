# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The tape's mutation-guard fingerprint in one pass over memory; same definition and results
as ``reference.fingerprint`` (tests/test_kernels.py checks the parity)."""
import numpy as np

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

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
    if type(a) is not np.ndarray or not a.flags.c_contiguous:
        from .reference import fingerprint as reference_fingerprint
        return reference_fingerprint(a)
    cdef const uint8_t[::1] raw = a.reshape(-1).view(np.uint8)
    cdef Py_ssize_t n = raw.shape[0]
    if n == 0:
        return 0
    cdef uint64_t total
    with nogil:
        total = fingerprint_bytes(&raw[0], n)
    return int(total) ^ n
