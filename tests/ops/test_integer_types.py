"""``dnp.int64`` and the other integer types cast traced values (a cast has no derivative)
and are NumPy's types for every other purpose."""
import pickle

import numpy as np
import pytest

import dualad as ad
import dualad.numpy as dnp

TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


@pytest.mark.parametrize("name", TYPES)
def test_stands_in_for_numpys_type(name):
    ours, numpys = getattr(dnp, name), getattr(np, name)
    assert ours == numpys and numpys == ours and hash(ours) == hash(numpys)
    assert np.dtype(ours) == np.dtype(numpys) and np.zeros(2, ours).dtype == numpys
    assert dnp.zeros(2, dtype=ours).dtype == numpys
    assert isinstance(numpys(3), ours) and issubclass(numpys, ours)
    assert not isinstance(3.0, ours)
    assert {numpys: "found"}[ours] == "found"
    assert type(ours(7.9)) is numpys and ours(7.9) == 7
    assert pickle.loads(pickle.dumps(ours(5))) == 5


def test_casts_like_numpy_on_plain_values():
    values = np.array([-2.7, -0.5, 0.0, 0.5, 2.7])
    for name in ("int8", "int16", "int32", "int64"):
        got = getattr(dnp, name)(values)
        assert got.dtype == getattr(np, name)
        np.testing.assert_array_equal(got, getattr(np, name)(values))
    np.testing.assert_array_equal(dnp.int64([1.5, [2.5][0]]), [1, 2])


@pytest.mark.parametrize("transform", [ad.grad, ad.jacfwd, ad.jacrev])
def test_indices_computed_from_traced_weights(transform):
    # HIPS autograd's habit: integer indices cast from a traced column
    def f(w):
        rows = dnp.int64(w[:, -1])
        assert rows.dtype == np.int64
        return dnp.sum(w[rows, 0] * w[:, 0])

    w = np.array([[1.0, 1.2], [2.0, 0.3], [3.0, 2.9]])
    rows = np.array([1, 0, 2])
    want = np.zeros_like(w)
    want[:, 0] += w[rows, 0]
    np.add.at(want[:, 0], rows, w[:, 0])
    np.testing.assert_allclose(transform(f)(w), want)


def test_cast_of_a_nested_list_of_traced_values():
    got = ad.grad(lambda x: dnp.sum(dnp.int64([x, [x * 2][0]])) * x)(1.6)
    assert got == 4.0   # (1 + 3) * x
