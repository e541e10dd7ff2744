"""Indexing and slicing (basic, integer-array, boolean), concatenation and data movement."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

X = np.arange(24.0).reshape(2, 3, 4) / 10 + 0.1

INDICES = [
    (1,), (slice(None), 2), (Ellipsis, 1), (slice(0, 2), slice(None, None, -1)),
    (None, 0, Ellipsis), (np.array([1, 0, 1]),), (slice(None), np.array([2, 0, 2, 2])),
    (np.array([0, 1]), slice(None), np.array([3, 0])),          # non-adjacent advanced indices
    (np.array([[0, 1], [1, 1]]), np.array([[2, 2], [0, 1]])),
    (X[..., 0] > 0.5,), (slice(None), X[0, :, 0] > 0.5), (-1, -1, -1), ([1, 0],),
    # one step-1 slice after whole axes: the cotangent is written as one block
    (slice(1, None),), (slice(None), slice(1, 3)), (Ellipsis, slice(None, -1)),
    (np.int64(1), slice(2, 0)), (slice(None), None, slice(-2, None)),
]


@pytest.mark.parametrize("index", INDICES, ids=range(len(INDICES)))
def test_getitem_rules(index):
    f = lambda x: dnp.sin(x[index]) * 2
    np.testing.assert_allclose(f(X), np.sin(X[index]) * 2)
    check_grads(f, (X,), order=2)
    np.testing.assert_allclose(ad.jacfwd(f)(X), ad.jacrev(f)(X), atol=1e-14)


def test_repeated_integer_indices_accumulate():
    g = ad.grad(lambda x: dnp.sum(x[np.array([0, 0, 2, 0])]))(np.ones(3))
    np.testing.assert_array_equal(g, [3.0, 0.0, 1.0])


def test_out_of_bounds_raises_index_error():
    with pytest.raises(IndexError):
        ad.grad(lambda x: x[5])(np.ones(3))
    with pytest.raises(IndexError):
        ad.jvp(lambda x: x[np.array([0, 3])], (np.ones(3),), (np.ones(3),))
    with pytest.raises(IndexError, match="too many indices"):
        ad.grad(lambda x: dnp.sum(x[0, 0]))(np.ones(3))


def test_iteration_and_len_on_boxes():
    f = lambda x: sum(v * v for v in x)
    assert ad.grad(f)(np.array([1.0, 2.0])).tolist() == [2.0, 4.0]


def test_concatenate_stack_and_movement():
    a, b = np.arange(6.0).reshape(2, 3) + 1, np.arange(3.0) + 0.5
    funs = [
        lambda a, b: dnp.concatenate([a, b[None] * a[:1]], axis=0),
        lambda a, b: dnp.concatenate([a, a], axis=1) * 2,
        lambda a, b: dnp.concatenate([a, b], axis=None),
        lambda a, b: dnp.stack([a[0], b, a[1]], axis=1),
        lambda a, b: dnp.moveaxis(a[:, :, None] * b, 0, -1),
        lambda a, b: dnp.swapaxes(dnp.expand_dims(a, 0), 0, 2),
        lambda a, b: dnp.squeeze(a[:, None, :1]) * dnp.ravel(a)[:2],
        lambda a, b: dnp.transpose(a) @ a + dnp.reshape(a, (3, 2)) @ a,
        lambda a, b: a.T.reshape(-1) * a.ravel(),
    ]
    for f in funs:
        check_grads(f, (a, b), order=2)
        for argnums in (0, 1):
            np.testing.assert_allclose(ad.jacfwd(f, argnums)(a, b), ad.jacrev(f, argnums)(a, b),
                                       atol=1e-13)


@given(st.lists(st.integers(-3, 2), min_size=1, max_size=5), st.booleans())
def test_integer_array_indices_any_pattern(idx, neg_step):
    x = np.linspace(0.1, 1.0, 3)
    index = np.array(idx)
    f = lambda v: dnp.exp(v[::-1] if neg_step else v)[index]
    check_grads(f, (x,), order=1)


def test_caller_arrays_are_never_modified():
    x = np.linspace(0, 1, 5)
    before = x.copy()
    ad.grad(lambda v: dnp.sum(v[np.array([0, 0, 1])] ** 2))(x)
    ad.jacfwd(lambda v: v[1:] * v[:-1])(x)
    t = ad.tensor(x, requires_grad=True)
    dnp.sum(t * t).backward()
    np.testing.assert_array_equal(x, before)
