"""Sparse results as SciPy matrices, or plain coordinate tuples where SciPy is not installed.

SciPy is optional at run time: without it a pattern is a ``SparsityPattern(rows, cols, shape)``
triple and a sparse Jacobian a ``SparseMatrix(data, rows, cols, shape)``, both in row-major
(CSR) order and both with a ``toarray()`` for inspection.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np


def scipy_sparse():
    """``scipy.sparse``, or None when SciPy is not installed."""
    try:
        import scipy.sparse
    except ImportError:
        return None
    return scipy.sparse


class SparsityPattern(namedtuple("SparsityPattern", "rows cols shape")):
    """A sparsity pattern as a COO triple (used where SciPy is not installed)."""

    __slots__ = ()

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=bool)
        out[self.rows, self.cols] = True
        return out


class SparseMatrix(namedtuple("SparseMatrix", "data rows cols shape")):
    """A sparse matrix in coordinates (used where SciPy is not installed)."""

    __slots__ = ()

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.data.dtype)
        out[self.rows, self.cols] = self.data
        return out


def pattern_matrix(rows, cols, shape):
    """The pattern as a boolean ``scipy.sparse.csr_matrix`` (or a ``SparsityPattern``)."""
    sp = scipy_sparse()
    if sp is None:
        return SparsityPattern(rows, cols, tuple(shape))
    return sp.csr_matrix((np.ones(rows.size, dtype=bool), (rows, cols)), shape=shape)


def values_matrix(data, rows, cols, indptr, shape):
    """Values on a CSR-ordered pattern as a ``scipy.sparse.csr_matrix`` (or a
    ``SparseMatrix``)."""
    sp = scipy_sparse()
    if sp is None:
        return SparseMatrix(data, rows, cols, tuple(shape))
    return sp.csr_matrix((data, cols, indptr), shape=shape)


def coordinates(sparsity):
    """``(rows, cols, shape)`` of a user-given pattern: a SciPy sparse matrix (stored entries
    count, explicit zeros included), a ``(rows, cols, shape)`` triple, or a dense array-like
    (its non-zeros count)."""
    if hasattr(sparsity, "tocoo"):
        coo = sparsity.tocoo()
        rows, cols, shape = coo.row, coo.col, coo.shape
    elif isinstance(sparsity, tuple) and len(sparsity) == 3:
        rows, cols, shape = sparsity
    else:
        dense = np.asarray(sparsity)
        if dense.ndim != 2:
            raise ValueError(f"sparsity must be a 2-D pattern (outputs x inputs), got an array "
                             f"of shape {dense.shape}")
        rows, cols = np.nonzero(dense)
        shape = dense.shape
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    shape = tuple(int(s) for s in shape)
    if rows.size and (rows.min() < 0 or cols.min() < 0 or rows.max() >= shape[0]
                      or cols.max() >= shape[1]):
        raise ValueError(f"sparsity has coordinates outside its shape {shape}")
    return canonical(rows, cols, shape)


def canonical(rows, cols, shape):
    """Coordinates sorted in row-major order without duplicates."""
    keys = np.unique(rows * shape[1] + cols) if shape[1] else rows[:0]
    return keys // max(shape[1], 1), keys % max(shape[1], 1), shape


def row_pointers(rows, n_rows):
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr
