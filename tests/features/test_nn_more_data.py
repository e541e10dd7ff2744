"""Samplers, batch samplers and iterable datasets of ``dualad.utils.data``, with PyTorch's
semantics (orders compared with PyTorch where they are deterministic)."""
import numpy as np
import pytest

import dualad as ad
from dualad.utils.data import (BatchSampler, DataLoader, IterableDataset, RandomSampler,
                               Sampler, SequentialSampler, SubsetRandomSampler, TensorDataset,
                               WeightedRandomSampler)


def test_sequential_and_batch_samplers_match_torch():
    torch = pytest.importorskip("torch")
    tdata = torch.utils.data
    for drop_last in (False, True):
        for size in (1, 3, 4):
            got = list(BatchSampler(SequentialSampler(range(10)), size, drop_last))
            want = list(tdata.BatchSampler(tdata.SequentialSampler(range(10)), size, drop_last))
            assert got == want
            assert len(BatchSampler(range(10), size, drop_last)) == len(want)


def test_random_samplers_are_permutations_seeded_by_their_generator():
    data = range(10)
    a = list(RandomSampler(data, generator=ad.Generator().manual_seed(3)))
    b = list(RandomSampler(data, generator=ad.Generator().manual_seed(3)))
    assert a == b and sorted(a) == list(range(10)) and a != list(range(10))
    more = list(RandomSampler(data, num_samples=25))
    assert len(more) == 25 and sorted(more[:10]) == list(range(10))
    drawn = list(RandomSampler(data, replacement=True, num_samples=1000))
    assert len(drawn) == 1000 and set(drawn) == set(range(10))
    assert sorted(SubsetRandomSampler([3, 8, 1])) == [1, 3, 8]


def test_weighted_random_sampler_follows_the_weights():
    ad.manual_seed(0)
    picks = np.array(list(WeightedRandomSampler([1.0, 3.0, 0.0], 4000)))
    assert set(picks) == {0, 1}
    assert abs((picks == 1).mean() - 0.75) < 0.03
    once = list(WeightedRandomSampler([1.0, 1.0, 5.0], 3, replacement=False))
    assert sorted(once) == [0, 1, 2]
    with pytest.raises(ValueError, match="non-zero weights"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


def test_dataloader_takes_samplers_batch_samplers_and_collate_fn():
    x = ad.from_numpy(np.arange(10.0).reshape(10, 1))
    data = TensorDataset(x)
    batches = [b[0].numpy().ravel().tolist()
               for b in DataLoader(data, batch_size=3, sampler=SubsetRandomSampler([0, 2, 4]))]
    assert sorted(sum(batches, [])) == [0.0, 2.0, 4.0]

    class Reverse(Sampler):
        def __iter__(self):
            return iter([[9, 8], [1]])

        def __len__(self):
            return 2

    loader = DataLoader(data, batch_sampler=Reverse(), collate_fn=lambda items: len(items))
    assert list(loader) == [2, 1] and len(loader) == 2


def test_dataloader_batches_an_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter([np.float32(i) for i in range(7)])

    got = [b.tolist() for b in DataLoader(Stream(), batch_size=3)]
    assert got == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [
        [0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(), shuffle=True)
