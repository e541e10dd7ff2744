"""Datasets and batch loading with ``torch.utils.data``'s names and behaviour.

::

    from dualad.utils.data import DataLoader, TensorDataset
    data = TensorDataset(ad.from_numpy(x), ad.from_numpy(y))
    loader = DataLoader(data, batch_size=32, shuffle=True, drop_last=False,
                        generator=ad.Generator().manual_seed(0))
    for xb, yb in loader:
        ...

Batches are ``Tensor``s that do not require grad, made by ``default_collate`` (samples that are
tensors, arrays or numbers are stacked; tuples, lists and dicts are collated field by field).
A ``TensorDataset`` is batched by indexing its tensors once per batch, not sample by sample.
Loading runs in the calling process: ``num_workers``, ``pin_memory`` and the other worker
options are accepted (ported code passes them) and change nothing.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import bisect
from collections.abc import Mapping, Sequence

import numpy as np

from .._core.backend import raw_value
from .._core.tape import IMPERATIVE, Tensor
from .._random import Generator, rng_of
from ..typing import ArrayLike

from .samplers import (BatchSampler, IterableDataset, RandomSampler,  # noqa: E402
                       Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["Dataset", "TensorDataset", "ConcatDataset", "Subset", "DataLoader",
           "default_collate", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "IterableDataset"]


def _constant(array):
    return Tensor._make(array, None, IMPERATIVE)


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__(i)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``i``-th rows of each of ``tensors`` (which share their first
    dimension): ``data[i] == (x[i], y[i])``."""

    def __init__(self, *tensors: ArrayLike) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = np.shape(raw_value(tensors[0]))[0] if np.ndim(raw_value(tensors[0])) else None
        for i, t in enumerate(tensors):
            if not np.ndim(raw_value(t)) or np.shape(raw_value(t))[0] != n:
                raise ValueError(f"TensorDataset: size mismatch between tensors: tensor {i} "
                                 f"has shape {np.shape(raw_value(t))}, tensor 0 has {n} rows")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return np.shape(raw_value(self.tensors[0]))[0]

    def batch(self, indices: Sequence[int]) -> tuple[Tensor, ...]:
        """The samples at ``indices``, collated: each tensor indexed once."""
        return tuple(_constant(np.asarray(raw_value(t))[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, i):
        return self.dataset[self.indices[i]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self):
        return int(self.cumulative_sizes[-1]) if self.cumulative_sizes else 0

    def __getitem__(self, i):
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} is out of range for a dataset of {len(self)}")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][i - start]


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into ``Subset`` objects of the given lengths (or fractions that
    sum to 1, rounded as PyTorch rounds them)."""
    n = len(dataset)
    lengths = list(lengths)
    if all(0 <= f <= 1 for f in lengths) and abs(sum(lengths) - 1) < 1e-9 and sum(lengths) != n:
        sizes = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {lengths} do not sum to the dataset's "
                         f"length {n}")
    order = rng_of(generator).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:])]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, field by field, as PyTorch's ``default_collate``:
    tensors and arrays are stacked into a tensor, Python floats become a float64 tensor and
    ints an int64 one, tuples/lists and dicts are collated per field, strings kept as a list."""
    first = batch[0]
    if isinstance(first, Tensor) or isinstance(first, np.ndarray) or isinstance(
            first, np.generic):
        return _constant(np.stack([np.asarray(raw_value(s)) for s in batch]))
    if isinstance(first, bool):
        return _constant(np.array(batch, dtype=bool))
    if isinstance(first, int):
        return _constant(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return _constant(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {k: default_collate([s[k] for s in batch]) for k in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):   # a namedtuple
        return type(first)(*(default_collate(list(f)) for f in zip(*batch)))
    if isinstance(first, Sequence):
        if any(len(s) != len(first) for s in batch):
            raise RuntimeError("default_collate: each sample in the batch must have the same "
                               "number of fields")
        fields = [default_collate(list(f)) for f in zip(*batch)]
        return fields if isinstance(first, list) else tuple(fields)
    raise TypeError(f"default_collate: don't know how to batch samples of type "
                    f"{type(first).__name__}; pass collate_fn=")


class DataLoader:
    """Batches of a dataset: ``batch_size`` samples each (the last one smaller unless
    ``drop_last``), in order or, with ``shuffle``, in a new random order each epoch drawn
    from ``generator`` (an ``ad.Generator``; the default generator, seeded by
    ``ad.manual_seed``, otherwise). ``batch_size=None`` yields single samples, uncollated.
    ``len(loader)`` is the number of batches."""

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Iterable[int] | None = None,
                 batch_sampler: Iterable[Sequence[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], Any] | None = None,
                 generator: Generator | None = None, **kwargs: Any) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative integer, got "
                             f"{num_workers!r}")
        if isinstance(dataset, IterableDataset) and (shuffle or sampler is not None
                                                      or batch_sampler is not None):
            raise ValueError("DataLoader: an IterableDataset takes no shuffle, sampler or "
                             "batch_sampler (it decides its own order)")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got "
                             f"{batch_size!r}")
        rng_of(generator)   # checks its type now rather than at the first epoch
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.drop_last, self.generator = drop_last, generator
        self.collate_fn = collate_fn

    def _order(self):
        if self.sampler is not None:
            return list(self.sampler)
        n = len(self.dataset)
        return rng_of(self.generator).permutation(n) if self.shuffle else np.arange(n)

    def _batches(self):
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        order = self._order()
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield order[start:start + size]

    def _stream(self):
        """Batches of consecutive items of an ``IterableDataset``."""
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            yield from self.dataset
            return
        batch = []
        for item in self.dataset:
            batch.append(item)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_size is None and self.batch_sampler is None:
            for i in self._order():
                yield self.dataset[int(i)]
            return
        fast = self.collate_fn is None and isinstance(self.dataset, TensorDataset)
        collate = self.collate_fn or default_collate
        for indices in self._batches():
            indices = np.asarray(indices, dtype=np.intp)
            if fast:
                yield self.dataset.batch(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
