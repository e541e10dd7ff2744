"""Shape and data-movement functions: split, stacking, tile, repeat, flip, roll, take, diagonals."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualad as ad
import dualad.numpy as dnp
from dualad.testing import check_grads

A = np.arange(1.0, 13.0).reshape(3, 4) / 5
V = np.array([0.5, -1.0, 2.0])
T = np.arange(24.0).reshape(2, 3, 4) / 10

# (label, dualad function, NumPy reference, input); each function returns one array
CASES = [
    ("split-sections", lambda x: dnp.split(x, 2, axis=1)[1], lambda x: np.split(x, 2, 1)[1], A),
    ("split-indices", lambda x: dnp.split(x, [1, 3], axis=1)[1] * dnp.split(x, [2])[0][0, 1:3],
     lambda x: np.split(x, [1, 3], axis=1)[1] * np.split(x, [2])[0][0, 1:3], A),
    ("array_split", lambda x: dnp.array_split(x, 3, axis=-1)[0],
     lambda x: np.array_split(x, 3, axis=-1)[0], A),
    ("hstack-1d", lambda x: dnp.hstack([x, x[:2] * 2]), lambda x: np.hstack([x, x[:2] * 2]), V),
    ("hstack-2d", lambda x: dnp.hstack([x, x[:, :1]]), lambda x: np.hstack([x, x[:, :1]]), A),
    ("vstack", lambda x: dnp.vstack([x, x[0], x[1:] ** 2]),
     lambda x: np.vstack([x, x[0], x[1:] ** 2]), A),
    ("tile-int", lambda x: dnp.tile(x, 2), lambda x: np.tile(x, 2), V),
    ("tile-grow", lambda x: dnp.tile(x, (2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)), A),
    ("tile-short-reps", lambda x: dnp.tile(x, 2), lambda x: np.tile(x, 2), A),
    ("repeat-flat", lambda x: dnp.repeat(x, 2), lambda x: np.repeat(x, 2), A),
    ("repeat-axis", lambda x: dnp.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), A),
    ("repeat-counts", lambda x: dnp.repeat(x, [2, 0, 1], axis=0),
     lambda x: np.repeat(x, [2, 0, 1], axis=0), A),
    ("flip-all", lambda x: dnp.flip(x), np.flip, T),
    ("flip-axis", lambda x: dnp.flip(x, 1), lambda x: np.flip(x, 1), T),
    ("flip-axes", lambda x: dnp.flip(x, (0, -1)), lambda x: np.flip(x, (0, -1)), T),
    ("roll-flat", lambda x: dnp.roll(x, 5), lambda x: np.roll(x, 5), A),
    ("roll-axis", lambda x: dnp.roll(x, -1, axis=1), lambda x: np.roll(x, -1, axis=1), A),
    ("roll-axes", lambda x: dnp.roll(x, (1, 2, 1), axis=(0, 1, 0)),
     lambda x: np.roll(x, (1, 2, 1), axis=(0, 1, 0)), A),
    ("take-flat", lambda x: dnp.take(x, [0, 5, 5]), lambda x: np.take(x, [0, 5, 5]), A),
    ("take-axis", lambda x: dnp.take(x, np.array([3, 0]), axis=1),
     lambda x: np.take(x, [3, 0], axis=1), A),
    ("diag-build", lambda x: dnp.diag(x), np.diag, V),
    ("diag-build-k", lambda x: dnp.diag(x, 1), lambda x: np.diag(x, 1), V),
    ("diag-build-neg-k", lambda x: dnp.diag(x, -2), lambda x: np.diag(x, -2), V),
    ("diag-extract", lambda x: dnp.diag(x), np.diag, A),
    ("diag-extract-k", lambda x: dnp.diag(x, -1), lambda x: np.diag(x, -1), A),
    ("diagonal", lambda x: dnp.diagonal(x), np.diagonal, A),
    ("diagonal-axes", lambda x: dnp.diagonal(x, 1, 2, 0), lambda x: np.diagonal(x, 1, 2, 0), T),
    ("trace", lambda x: dnp.trace(x), np.trace, A),
    ("trace-offset", lambda x: dnp.trace(x, -1), lambda x: np.trace(x, -1), A),
    ("trace-3d", lambda x: dnp.trace(x, 0, 1, 2), lambda x: np.trace(x, 0, 1, 2), T),
    ("atleast_1d", lambda x: dnp.atleast_1d(x[0, 0]), lambda x: np.atleast_1d(x[0, 0]), A),
    ("atleast_2d", lambda x: dnp.atleast_2d(x), lambda x: np.atleast_2d(x), V),
    ("atleast_3d", lambda x: dnp.atleast_3d(x), lambda x: np.atleast_3d(x), A),
]


@pytest.mark.parametrize("f, ref, x", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules(f, ref, x):
    np.testing.assert_array_equal(f(x), ref(x))
    check_grads(f, (x,), order=2)
    np.testing.assert_array_equal(ad.jacfwd(f)(x), ad.jacrev(f)(x))


@pytest.mark.parametrize("f, ref, x", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_float32_stays_float32(f, ref, x):
    x32 = x.astype(np.float32)
    assert f(x32).dtype == np.float32
    assert ad.jacrev(f)(x32).dtype == np.float32
    assert ad.jacfwd(f)(x32).dtype == np.float32


def test_methods_use_numpy_keywords():
    f = lambda x: (x.repeat(2, axis=0).sum() + x.trace(offset=1) + x.diagonal(offset=-1).sum()
                   + x.ravel()[1] * x.flatten()[2] + x[None].squeeze(axis=0).swapaxes(0, 1)[0, 1])
    expected = lambda x: (2 * np.sum(x) + np.trace(x, 1) + np.sum(np.diagonal(x, -1))
                          + x.ravel()[1] * x.ravel()[2] + x[1, 0])
    np.testing.assert_allclose(f(ad.tensor(A)).item(), expected(A))
    check_grads(f, (A,), order=2)


def test_split_returns_a_list_of_differentiable_pieces():
    pieces = dnp.split(ad.Dual(V, np.ones(3)), 3)
    assert isinstance(pieces, list) and len(pieces) == 3
    assert [p.tangent.tolist() for p in pieces] == [[1.0], [1.0], [1.0]]
    g = ad.grad(lambda x: dnp.sum(dnp.split(x, [1])[1] ** 2))(V)
    np.testing.assert_array_equal(g, [0.0, -2.0, 4.0])


def test_atleast_with_several_inputs_returns_a_tuple():
    out = dnp.atleast_2d(1.0, V)
    assert isinstance(out, tuple) and [o.shape for o in out] == [(1, 1), (1, 3)]


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="equal division"):
        dnp.split(V, 2)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        dnp.diag(T)
    with pytest.raises(ValueError, match="cannot be the same"):
        dnp.diagonal(A, 0, 1, -1)
    with pytest.raises(ValueError, match="at least two dimensions"):
        dnp.trace(V)
    with pytest.raises(np.exceptions.AxisError):
        dnp.flip(A, 2)
    with pytest.raises(np.exceptions.AxisError):
        dnp.roll(A, 1, axis=-3)
    with pytest.raises(np.exceptions.AxisError):
        dnp.repeat(A, 2, axis=2)
    with pytest.raises(ValueError, match="negative"):
        dnp.repeat(A, -1)
    with pytest.raises(IndexError):
        ad.grad(lambda x: dnp.sum(dnp.take(x, [3])))(V)
    with pytest.raises(TypeError, match="out="):
        dnp.trace(A, out=np.empty(()))


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_roll_flip_repeat_over_shapes_and_axes(shape, data):
    ndim = len(shape)
    x = np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1))
    shift = data.draw(st.integers(-5, 5))
    reps = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    count = data.draw(st.integers(0, 3))
    funs = [
        (lambda v: dnp.roll(v, shift, axis), lambda v: np.roll(v, shift, axis)),
        (lambda v: dnp.flip(v, axis), lambda v: np.flip(v, axis)),
        (lambda v: dnp.repeat(v, count, axis), lambda v: np.repeat(v, count, axis)),
        (lambda v: dnp.tile(v, reps), lambda v: np.tile(v, reps)),
    ]
    for f, ref in funs:
        np.testing.assert_array_equal(f(x), ref(x))
        check_grads(f, (x,), order=1)
        np.testing.assert_array_equal(ad.jacfwd(f)(x), ad.jacrev(f)(x))
