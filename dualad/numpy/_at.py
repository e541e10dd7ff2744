"""Functional index updates, JAX's spelling: ``x.at[idx].set(v)`` and friends.

dualad never writes into an array (a traced value cannot be stored into a NumPy array: NOTE:
escaped values in ``_core/escape.py``), so an update returns a new array. Each update is
composed from differentiable operations (``index_add``, the transpose of indexing, and
``where``), so it works in both modes at any nesting, on plain arrays and boxes alike.

Duplicate indices: ``add`` accumulates every value; ``multiply``, ``min`` and ``max`` apply
every value in turn; ``set`` keeps the last one, as NumPy's ``x[idx] = v`` does.
"""
from __future__ import annotations

import math

import numpy as np

from .._core.primitive import dtype_of, shape_of
from ..primitives.indexing import index_add, normalize_index
from ._core import broadcast_to, getitem, ravel, reshape
from ._creation import astype
from ._ufuncs import maximum, minimum, multiply, where
from ..typing import ArrayLike


__all__ = ["at"]


def at(x: ArrayLike) -> IndexUpdateHelper:
    """``x.at`` for any array: ``dnp.at(x)[idx].set(v)`` is ``x.at[idx].set(v)``, also when
    ``x`` is a plain NumPy array (which has no ``.at``), e.g. one made by ``dnp.zeros``.

    >>> import numpy as np, dualad as ad, dualad.numpy as dnp
    >>> ad.grad(lambda x: dnp.sum(dnp.at(np.zeros(3))[0].set(x ** 2)))(3.0)
    np.float64(6.0)
    """
    return IndexUpdateHelper(x)


class IndexUpdateHelper:
    """What ``x.at`` returns: index it to choose the elements to update.

    >>> import numpy as np, dualad as ad, dualad.numpy as dnp
    >>> x = ad.tensor(np.zeros(3))
    >>> x.at[1].set(5.0)
    tensor([0., 5., 0.], dtype=float64)
    """

    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    def __getitem__(self, index):
        return IndexUpdateRef(self._x, index)

    def __repr__(self):
        return f"IndexUpdateHelper({self._x!r})"


class IndexUpdateRef:
    """``x.at[index]``: ``get()``, ``set(v)``, ``add(v)``, ``multiply(v)``, ``min(v)`` and
    ``max(v)`` return the updated copy of ``x`` (``v`` broadcast to ``x[index]``'s shape)."""

    __slots__ = ("_x", "_index")

    def __init__(self, x, index):
        self._x = x
        self._index = index

    def get(self):
        """``x[index]``."""
        return getitem(self._x, self._index)

    def set(self, values):
        """A copy of ``x`` with ``x[index] = values`` (the last of duplicates wins)."""
        return self._apply(values, lambda old, new: new, rounds="last")

    def add(self, values):
        """A copy of ``x`` with ``values`` added at ``index`` (duplicates accumulate)."""
        x = self._x
        flat, positions = self._values_and_positions(values)
        added = index_add(flat, index=(positions,), shape=(_size(x),), trailing=0)
        return x + reshape(added, shape_of(x))

    def multiply(self, values):
        """A copy of ``x`` with ``x[index]`` multiplied by ``values`` (each duplicate applies)."""
        return self._apply(values, multiply)

    def min(self, values):
        """A copy of ``x`` with ``x[index] = minimum(x[index], values)``."""
        return self._apply(values, minimum)

    def max(self, values):
        """A copy of ``x`` with ``x[index] = maximum(x[index], values)``."""
        return self._apply(values, maximum)

    # -- the composition ---------------------------------------------------------------------
    def _values_and_positions(self, values):
        """``values`` broadcast to ``x[index]``'s shape and flattened, with the flat positions
        in ``x`` they go to."""
        x = self._x
        shape = shape_of(x)
        positions = np.arange(_size(x)).reshape(shape)[normalize_index(self._index, len(shape))]
        if dtype_of(values) != dtype_of(x):   # JAX casts the update to the array's dtype
            values = astype(values, dtype_of(x))
        flat = ravel(broadcast_to(values, positions.shape))
        return flat, positions.ravel()

    def _apply(self, values, combine, rounds="each"):
        """``x`` updated by ``combine(old, new)`` at every position, one round per occurrence
        of a duplicated position (``rounds="last"``: only the last occurrence)."""
        x = self._x
        shape, size = shape_of(x), _size(x)
        flat, positions = self._values_and_positions(values)
        out = ravel(x)
        for chosen in _occurrence_rounds(positions, last_only=rounds == "last"):
            where_to = positions[chosen]
            hit = np.zeros(size, dtype=bool)
            hit[where_to] = True
            new = index_add(getitem(flat, chosen), index=(where_to,), shape=(size,), trailing=0)
            out = where(hit, combine(out, new), out)
        return reshape(out, shape)


def _size(x):
    return math.prod(shape_of(x))


def _occurrence_rounds(positions, last_only):
    """Index arrays into ``positions``, each holding every position at most once: round r holds
    the r-th occurrence of each position (or one round of the last occurrences)."""
    order = np.argsort(positions, kind="stable")
    ranked = positions[order]
    first = np.r_[True, ranked[1:] != ranked[:-1]] if ranked.size else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(ranked.size), 0))
    rank = np.arange(ranked.size) - group_start
    if last_only:
        last = np.r_[ranked[1:] != ranked[:-1], True] if ranked.size else first
        return [order[last]]
    return [order[rank == r] for r in range(int(rank.max()) + 1 if rank.size else 0)]
