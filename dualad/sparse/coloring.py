"""Greedy graph colourings of sparsity patterns (Gebremedhin, Manne and Pothen, "What color is
your Jacobian?", SIAM Review 2005).

A pattern is given by the coordinates of its non-zeros, ``rows`` and ``cols`` (integer arrays).

- Column colouring (forward mode): columns that share a row get different colours (a
  distance-2 colouring of the bipartite graph), so that all columns of one colour can be seeded
  in one direction and each non-zero read back from the compressed product.
- Row colouring (reverse mode): the same on the transpose.
- Star colouring (symmetric Hessians): a proper colouring of the adjacency graph in which every
  path on four vertices uses at least three colours. It needs far fewer colours than a column
  colouring (an arrow needs two instead of n) and still lets every non-zero be read directly.

Vertices are visited largest degree first (ties in index order), the usual heuristic; each gets
the smallest colour its neighbourhood allows.
"""
import numpy as np

from ._matrix import row_pointers


def compressed(major, minor, n_major):
    """``(indptr, indices)``: the ``minor`` coordinates grouped by ``major`` (CSR-style)."""
    order = np.argsort(major, kind="stable")
    return row_pointers(major, n_major), minor[order]


def _largest_first(indptr):
    degrees = np.diff(indptr)
    return np.argsort(-degrees, kind="stable")


def _smallest_free(used):
    """The smallest non-negative integer not in ``used`` (negative entries: uncoloured)."""
    used = used[used >= 0]
    if used.size == 0:
        return 0
    taken = np.zeros(int(used.max()) + 2, dtype=bool)
    taken[used] = True
    return int(np.argmin(taken))


def column_coloring(rows, cols, shape):
    """A colour per column such that no two columns of one colour have a non-zero in the same
    row. Columns without non-zeros get colour 0."""
    m, n = shape
    col_ptr, col_rows = compressed(cols, rows, n)
    row_ptr, row_cols = compressed(rows, cols, m)
    colors = np.full(n, -1, dtype=np.int64)
    for j in _largest_first(col_ptr):
        own_rows = col_rows[col_ptr[j]:col_ptr[j + 1]]
        if own_rows.size == 0:
            colors[j] = 0
            continue
        sharing = np.concatenate([row_cols[row_ptr[r]:row_ptr[r + 1]] for r in own_rows])
        colors[j] = _smallest_free(colors[sharing])
    return colors


def row_coloring(rows, cols, shape):
    """A colour per row such that no two rows of one colour have a non-zero in the same
    column."""
    return column_coloring(cols, rows, (shape[1], shape[0]))


def adjacency(rows, cols, n):
    """``(indptr, neighbours)`` of the undirected graph of a symmetric pattern's off-diagonal
    non-zeros (the pattern is symmetrised, duplicates dropped)."""
    off = rows != cols
    a = np.concatenate([rows[off], cols[off]])
    b = np.concatenate([cols[off], rows[off]])
    keys = np.unique(a * n + b)
    return compressed(keys // n, keys % n, n)


def star_coloring(rows, cols, n):
    """A star colouring of the adjacency graph of a symmetric ``n x n`` pattern.

    The greedy rule (GMP 2005, Algorithm 4.1): a vertex ``v`` may not take the colour of a
    neighbour ``w``; nor the colour of a vertex ``x`` two steps away through an uncoloured ``w``;
    nor, through a coloured ``w``, the colour of an ``x`` that already has another neighbour
    coloured like ``w`` (that would close a two-coloured path ``v-w-x-y``). ``counts[x, c]``,
    the number of ``x``'s neighbours of colour ``c``, answers the last test without a loop.
    """
    indptr, nbrs = adjacency(rows, cols, n)
    colors = np.full(n, -1, dtype=np.int64)
    counts = np.zeros((n, 8), dtype=np.int64)
    for v in _largest_first(indptr):
        near = nbrs[indptr[v]:indptr[v + 1]]
        forbidden = [colors[near]]
        for w in near:
            far = nbrs[indptr[w]:indptr[w + 1]]
            far = far[(far != v) & (colors[far] >= 0)]
            cw = colors[w]
            if cw < 0:
                forbidden.append(colors[far])
            else:
                forbidden.append(colors[far[counts[far, cw] >= 2]])
        c = _smallest_free(np.concatenate(forbidden))
        if c >= counts.shape[1]:
            counts = np.concatenate([counts, np.zeros_like(counts)], axis=1)
        colors[v] = c
        counts[near, c] += 1
    return colors


def n_colors(colors):
    return int(colors.max()) + 1 if colors.size else 0
