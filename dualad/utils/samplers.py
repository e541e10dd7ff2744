"""Samplers and iterable datasets with ``torch.utils.data``'s names and behaviour, re-exported
by ``dualad.utils.data``: a sampler yields dataset indices (``DataLoader(sampler=...)``), a
batch sampler lists of them (``DataLoader(batch_sampler=...)``). Random samplers draw from
``generator`` (an ``ad.Generator``) or the default generator seeded by ``ad.manual_seed``; the
streams are NumPy's, not PyTorch's (the same seed gives other, equally random, orders).
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence, Sized

import numpy as np

from .._core.backend import raw_value
from .._random import Generator, rng_of
from ..typing import ArrayLike

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "IterableDataset"]


class Sampler:
    """Base class of samplers: subclass it and define ``__iter__`` (and ``__len__``).

    >>> class Evens(Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    >>> list(Evens(5))
    [0, 2, 4]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")


class SequentialSampler(Sampler):
    """The indices ``0, 1, …, len(data_source) - 1`` in order.

    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices in a random order (each once), or, with ``replacement``, ``num_samples``
    independent uniform draws.

    >>> sorted(RandomSampler(range(4), generator=ad.Generator().manual_seed(0)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, got "
                             f"{num_samples!r}")
        rng_of(generator)
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator

    @property
    def num_samples(self) -> int:
        """How many indices an epoch yields (the dataset's length unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, rng = len(self.data_source), rng_of(self.generator)
        if self.replacement:
            return iter(int(i) for i in rng.integers(0, n, self.num_samples))
        whole, rest = divmod(self.num_samples, n)
        order = [rng.permutation(n) for _ in range(whole)] + [rng.permutation(n)[:rest]]
        return iter(int(i) for i in np.concatenate(order))

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, each once per epoch.

    >>> sorted(SubsetRandomSampler([5, 7, 9]))
    [5, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        rng_of(generator)
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        for i in rng_of(self.generator).permutation(len(self.indices)):
            yield self.indices[int(i)]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with
    ``replacement``, or each at most once).

    >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3))
    [1, 1, 1]
    """

    def __init__(self, weights: ArrayLike, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        w = np.asarray(raw_value(weights), dtype=np.float64)
        if w.ndim != 1 or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be a 1-D sequence of "
                             f"non-negative finite numbers with a positive sum, got {w}")
        if not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive "
                             f"integer, got {num_samples!r}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError("WeightedRandomSampler: cannot draw more samples than there are "
                             "non-zero weights without replacement")
        rng_of(generator)
        self.weights, self.num_samples = w, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self) -> Iterator[int]:
        picks = rng_of(self.generator).choice(len(self.weights), self.num_samples,
                                              replace=self.replacement,
                                              p=self.weights / self.weights.sum())
        return iter(int(i) for i in picks)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` consecutive indices of ``sampler`` (the last shorter unless
    ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler | Sequence[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer, got "
                             f"{batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class IterableDataset:
    """A stream-style dataset: subclass it and define ``__iter__``; ``DataLoader`` batches
    consecutive items (no ``shuffle`` or sampler, as in PyTorch).

    >>> class Squares(IterableDataset):
    ...     def __iter__(self): return iter([i * i for i in range(5)])
    >>> from dualad.utils.data import DataLoader
    >>> [b.tolist() for b in DataLoader(Squares(), batch_size=2)]
    [[0, 1], [4, 9], [16]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")
