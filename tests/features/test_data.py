"""dualad.utils.data: Dataset, TensorDataset, DataLoader (batch_size, shuffle, drop_last,
generator) and default_collate, as torch.utils.data."""
import numpy as np
import pytest

import dualad as ad
from dualad._random import Generator, manual_seed
from dualad.utils.data import (ConcatDataset, DataLoader, Dataset, TensorDataset,
                               default_collate, random_split)

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10)


def test_tensor_dataset_items_and_length():
    data = TensorDataset(ad.tensor(X), Y)
    assert len(data) == 10
    x3, y3 = data[3]
    np.testing.assert_array_equal(x3.numpy(), X[3])
    assert y3 == 3
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(X, Y[:5])


def test_loader_in_order_with_and_without_drop_last():
    data = TensorDataset(ad.tensor(X), Y)
    batches = list(DataLoader(data, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2] and len(DataLoader(data, batch_size=4)) == 3
    assert all(isinstance(t, ad.Tensor) and not t.requires_grad for b in batches for t in b)
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), X)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == Y.dtype
    dropped = DataLoader(data, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(b[1]) for b in dropped] == [4, 4]


def test_shuffle_is_a_permutation_reproducible_with_a_generator():
    data = TensorDataset(X, Y)

    def epoch(loader):
        return np.concatenate([b[1].numpy() for b in loader])

    a = DataLoader(data, batch_size=3, shuffle=True, generator=Generator().manual_seed(7))
    b = DataLoader(data, batch_size=3, shuffle=True, generator=Generator().manual_seed(7))
    first, second = epoch(a), epoch(a)
    assert sorted(first) == list(range(10)) and not np.array_equal(first, np.arange(10))
    assert not np.array_equal(first, second)                 # a new order each epoch
    np.testing.assert_array_equal(first, epoch(b))
    manual_seed(3)
    c = epoch(DataLoader(data, batch_size=3, shuffle=True))
    manual_seed(3)
    np.testing.assert_array_equal(c, epoch(DataLoader(data, batch_size=3, shuffle=True)))


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.array([i, i * i], np.float32), "label": i, "w": 0.5 * i}


def test_custom_dataset_and_default_collate():
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    np.testing.assert_array_equal(batch["x"].numpy(), [[0, 0], [1, 1], [2, 4]])
    assert batch["label"].dtype == np.int64 and batch["w"].dtype == np.float64
    assert default_collate([(1.0, "a"), (2.0, "b")])[1] == ["a", "b"]
    single = list(DataLoader(Squares(), batch_size=None))
    assert len(single) == 5 and single[2]["label"] == 2
    both = ConcatDataset([Squares(), Squares()])
    assert len(both) == 10 and both[7]["label"] == 2
    custom = DataLoader(Squares(), batch_size=2, collate_fn=lambda b: len(b))
    assert list(custom) == [2, 2, 1]


def test_random_split_and_errors():
    parts = random_split(TensorDataset(X, Y), [0.7, 0.3], generator=Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3]
    seen = sorted(int(p[i][1]) for p in parts for i in range(len(p)))
    assert seen == list(range(10))
    assert len(list(DataLoader(Squares(), num_workers=2, pin_memory=True))) == 5
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Squares(), num_workers=-1)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=0)
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(Squares(), shuffle=True, generator=np.random.default_rng(0))


def test_training_loop_over_a_loader():
    from dualad import nn, optim
    manual_seed(0)
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -1.0, 2.0], np.float32))[:, None]
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    for _ in range(20):
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
    assert loss.item() < 1e-3
